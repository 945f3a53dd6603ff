"""
test_resilience.py: nothing lost, nothing late (issue 9) where the machine
misbehaves: the database file deleted under the daemon (/healthz and every
post 503, nothing acknowledged that is not durable), its WAL deleted (a new
one made, nothing answered 200 lost to a kill -9), a full disk on the
shipped defaults (every request answered at once, 503 while full, the log
rate-limited, SIGTERM obeyed, the first 200 as soon as there is room, no
alert sent twice), a WAL grown behind a long reader (back under its limit
within seconds once the reader goes), and an open-file limit below
max_connections (the cap lowered, a warning naming both numbers, alerts
still go out while idle clients hold every connection).
"""

import collections
import http.client
import os
import resource
import signal
import sqlite3
import subprocess
import time

from harness import (SECRET, TINCAYD, TestFailure, case, check, eq,
    idle_connections, sign, sqlite_only, wait_until)
from sink import Sink

RESIDENT = "0987002002"
WAL_LIMIT = 4 * 1024 * 1024	# PRAGMA journal_size_limit


def one_line(r, what):
	body = r.body.decode("utf-8", "replace").strip()
	check(body and "\n" not in body and len(body) <= 200,
	    "%s: body is not one short line: %r" % (what, r.body[:300]))
	return body


@sqlite_only("deletes SQLite's database file")
def test_database_deleted_healthz_and_posts_503(d):
	"""SPEC §9: with the database file gone, /healthz answers 503 with a
	reason, and posts get 503 + Retry-After, not a 200 for a row that
	lives only in an unlinked file."""
	d.sms("del-0", RESIDENT, "BL thon 3 giup toi")
	eq(d.request("GET", "/healthz").status, 200, "healthz before")
	for suffix in ("", "-wal", "-shm"):
		try:
			os.unlink(d.dbpath + suffix)
		except FileNotFoundError:
			pass
	r = d.request("GET", "/healthz")
	eq(r.status, 503, "healthz with the database file gone")
	check("gone" in one_line(r, "healthz"), "healthz reason %r does not "
	    "say the file is gone" % r.body)
	for i in range(5):
		r = d.post_raw(d.sms_body("del-%d" % (i + 1), RESIDENT,
		    "BL thon %d giup toi" % (i + 1)))
		eq(r.status, 503, "post %d with the database file gone" %
		    (i + 1))
		check(r.header("Retry-After"), "503 without Retry-After")
		one_line(r, "post %d" % (i + 1))
	eq(d.request("GET", "/healthz").status, 503, "healthz after the posts")
	check(d.alive(), "tincayd died")


@sqlite_only("deletes SQLite's WAL")
def test_wal_deleted_nothing_acknowledged_is_lost(d):
	"""Issue 23 item 1: the WAL deleted while tincayd runs. A commit
	into the unlinked file would be lost at the next start, so none is
	acknowledged: a post is answered 503 until the daemon has
	checkpointed SQLite's WAL into the database file and made a new
	one, then 200. After a kill -9 every post answered 200 is stored."""
	d.sms("wal-0", RESIDENT, "HD")
	os.unlink(d.dbpath + "-wal")
	acked = ["wal-0"]
	for i in range(1, 21):
		mid = "wal-%d" % i
		r = d.post_raw(d.sms_body(mid, RESIDENT, "HD"))
		if r.status == 200:
			acked.append(mid)
		else:
			eq(r.status, 503, "a post after the WAL was deleted")
			check(r.header("Retry-After"), "503 without Retry-After")
	check(len(acked) >= 15, "only %d of 20 posts answered 200: the WAL "
	    "is not made anew" % (len(acked) - 1))
	d.kill()
	d.start()
	stored = {m["provider_id"] for m in d.messages()}
	lost = [m for m in acked if m not in stored]
	eq(lost, [], "posts answered 200 after the WAL was deleted, lost to "
	    "kill -9")


@sqlite_only("deletes SQLite's WAL")
def test_wal_deleted_healthz_503_until_mended(d):
	"""Issue 23 item 1: /healthz says a commit would not be durable while
	the WAL is gone, when another program holds the database open (no
	new WAL can be made then: it needs the database to itself), and 200
	once it lets go and a new WAL is made."""
	d.sms("walh-0", RESIDENT, "HD")
	c = sqlite3.connect(d.dbpath, timeout=5, isolation_level=None)
	try:
		c.execute("SELECT count(*) FROM messages").fetchone()
		os.unlink(d.dbpath + "-wal")
		r = d.request("GET", "/healthz")
		eq(r.status, 503, "healthz with the WAL gone")
		check("WAL" in one_line(r, "healthz"), "healthz reason %r does "
		    "not name the WAL" % r.body)
		r = d.post_raw(d.sms_body("walh-1", RESIDENT, "HD"))
		eq(r.status, 503, "a post with the WAL gone")
		check(r.header("Retry-After"), "503 without Retry-After")
	finally:
		c.close()
	wait_until(lambda: d.request("GET", "/healthz").status == 200, 5, 0.1,
	    "healthz 200 once a new WAL is made")
	d.sms("walh-2", RESIDENT, "HD")
	d.kill()
	d.start()
	eq(sorted(m["provider_id"] for m in d.messages()),
	    ["walh-0", "walh-2"], "messages after kill -9")


def _mount_tmpfs(d, size):
	"""A tmpfs of size under the test's directory (root only: CI runs
	the suites as root); None, and why on stderr, if it cannot be."""
	disk = os.path.join(d.tmpdir, "disk")
	os.mkdir(disk)
	if os.geteuid() != 0:
		print("SKIP %s: not root, cannot mount a tmpfs" % disk)
		return None
	p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size,
	    "tmpfs", disk], capture_output=True)
	if p.returncode != 0:
		raise TestFailure("cannot mount a tmpfs as root: %r" % p.stderr)
	return disk


def _fill(path):
	"""Write a ballast file at path until the disk is full."""
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
	try:
		while os.write(fd, b"\0" * 65536) > 0:
			pass
	except OSError:
		pass
	try:
		while os.write(fd, b"\0" * 512) > 0:
			pass
	except OSError:
		pass
	finally:
		os.close(fd)


def _lines(d):
	return d.stderr().count("\n")


# The shipped limits: no "limits" key at all.
FULL_CFG = {"allow_http": True, "limits": None}
N_FULL = 10		# reports, 4 alerts each, in flight as the disk fills


@sqlite_only("SQLite's database on a full tmpfs")
@case(FULL_CFG, start=False)
def test_disk_full_on_defaults(d):
	"""Issue 17 item 2, issue 23 item 2, on the shipped defaults: the
	database on a 3 MiB tmpfs, 40 alerts in flight to a destination
	that answers in 1 s as a ballast file fills the disk, so their
	results come back onto a full disk. Every request is answered at
	once: /healthz 503 saying the disk is full (before any commit
	failed), each post 503 with Retry-After (or 200 and stored); the log
	is rate-limited; once the ballast is gone /healthz is 200 with no
	traffic and the first post is 200; every alert reaches the destination
	exactly once, also after a restart; a SIGTERM on a full disk exits 0
	within 5 s; nothing answered 200 is lost."""
	disk = _mount_tmpfs(d, "3m")
	if disk is None:
		return
	ballast = os.path.join(disk, "ballast")
	sink = Sink(default="slow:1")
	try:
		d.config["database"] = os.path.join(disk, "t.db")
		d.write_config()
		d.start()
		for i in range(4):
			d.add_contact("Police %d" % i, "093100010%d" % i,
			    "police", areas="*", channel="webhook",
			    url=sink.url + "/p%d" % i)
		acked = []
		for i in range(N_FULL):
			mid = "full-%d" % i
			d.sms(mid, "09870300%02d" % i, "BL thon 1 cuu toi")
			acked.append(mid)
		_fill(ballast)
		mark = _lines(d)
		t0 = time.monotonic()
		r = d.request("GET", "/healthz", timeout=3)
		eq(r.status, 503, "healthz on a full disk")
		check("full" in one_line(r, "healthz"), "healthz reason %r does "
		    "not say the disk is full" % r.body)
		# The results of the 40 transfers come back meanwhile.
		refused = 0
		while time.monotonic() - t0 < 4 or refused < 3:
			check(time.monotonic() - t0 < 30, "no 503 on a full disk")
			mid = "full-%d" % (len(acked) + refused)
			try:
				r = d.post_raw(d.sms_body(mid, "0987031000",
				    "BL thon 2 cuu toi"))
			except OSError as e:
				raise TestFailure("a post on a full disk got no "
				    "answer: %s" % e)
			if r.status == 200:
				acked.append(mid)
			else:
				eq(r.status, 503, "a post on a full disk")
				check(r.header("Retry-After"), "503 without "
				    "Retry-After")
				refused += 1
			try:
				h = d.request("GET", "/healthz", timeout=3)
			except OSError as e:
				raise TestFailure("healthz on a full disk got no "
				    "answer: %s" % e)
			eq(h.status, 503, "healthz on a full disk")
			time.sleep(0.2)
		check(d.alive(), "tincayd died on a full disk")
		lines = _lines(d) - mark
		check(lines <= 120, "%d log lines in %.0f s on a full disk: "
		    "not rate-limited" % (lines, time.monotonic() - t0))
		os.unlink(ballast)
		# No traffic needed: health is what a commit would do now.
		wait_until(lambda: d.request("GET", "/healthz").status == 200,
		    3, 0.1, "healthz 200 once there is room again")
		r = d.post_raw(d.sms_body("full-room", "0987031001",
		    "BL thon 3 cuu toi"))
		eq(r.status, 200, "the first post once there is room again")
		acked.append("full-room")
		# Every alert's result is committed: nothing is sent again, not
		# even after a restart.
		wait_until(lambda: all(r["status"] == "sent" for r in
		    d.outbox()), 30, 0.2, "every alert marked sent")
		want = len(d.outbox())
		check(want >= 4 * (N_FULL + 1), "%d alerts queued" % want)
		d.stop()
		d.start()
		time.sleep(1.5)
		keys = collections.Counter(r.header("Idempotency-Key") for r in
		    sink.got())
		twice = [k for k, n in keys.items() if n > 1]
		eq(len(keys), want, "alerts delivered")
		eq(len(twice), 0, "alerts delivered more than once")
		# A stop on a full disk still stops: exit 0 within 5 s.
		_fill(ballast)
		r = d.post_raw(d.sms_body("full-stop", "0987031002",
		    "BL thon 4 cuu toi"))
		if r.status == 200:
			acked.append("full-stop")
		d.stop()
		os.unlink(ballast)
		d.start()
		stored = {m["provider_id"] for m in d.messages()}
		lost = [m for m in acked if m not in stored]
		eq(lost, [], "posts answered 200 but not stored")
		d.stop()
	finally:
		d.kill()
		sink.close()
		try:
			os.unlink(ballast)
		except FileNotFoundError:
			pass
		subprocess.run(["umount", "-l", disk], capture_output=True)


def _wal_size(d):
	try:
		return os.path.getsize(d.dbpath + "-wal")
	except FileNotFoundError:
		return 0


@sqlite_only("SQLite's WAL size behind a reader")
def test_wal_shrinks_after_a_long_reader(d):
	"""Issue 9: a reader holding a snapshot lets the WAL grow past its
	limit; once it lets go the daemon checkpoints it back under the limit
	within seconds, with no further writes."""
	c = sqlite3.connect(d.dbpath, timeout=5, isolation_level=None)
	try:
		c.execute("BEGIN")
		c.execute("SELECT count(*) FROM messages").fetchone()
		i = 0
		deadline = time.monotonic() + 60
		while _wal_size(d) <= 2 * WAL_LIMIT:
			check(time.monotonic() < deadline, "WAL still %d bytes "
			    "after %d messages" % (_wal_size(d), i))
			d.sms("wal-%d" % i, RESIDENT, "HD")
			i += 1
		time.sleep(2.5)		# a checkpoint or two, held up
		check(_wal_size(d) > 2 * WAL_LIMIT, "WAL shrank under a reader: "
		    "%d bytes" % _wal_size(d))
	finally:
		c.execute("ROLLBACK")
		c.close()
	wait_until(lambda: _wal_size(d) <= WAL_LIMIT, 30.0, 0.1,
	    "the WAL (%d bytes) back under %d bytes" % (_wal_size(d),
	    WAL_LIMIT))
	eq(len(d.messages()), i, "messages stored")


def _nofile(n):
	def limit():
		resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
	return limit


NOFILE_CFG = {"allow_http": True, "limits": {"max_connections": 1000,
    "request_timeout_s": 10, "retry_base_ms": 100, "retry_max_s": 1}}


@case(NOFILE_CFG, start=False)
def test_nofile_below_max_connections(d):
	"""Issue 9: max_connections 1000 under an open-file limit of 128: -t
	and the daemon warn, naming both numbers; the daemon caps connections
	below the limit, so with idle clients holding every connection it can
	take, a report on an open connection is answered and its alert goes
	out at once (curl still has descriptors)."""
	p = subprocess.run([TINCAYD, "-t", "-c", d.cfgpath],
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
	    cwd=d.tmpdir, preexec_fn=_nofile(128))
	eq(p.returncode, 0, "tincayd -t exit code (%r)" % p.stderr[-300:])
	err = p.stderr.decode("utf-8", "replace")
	check("warning" in err and "1000" in err and "128" in err,
	    "tincayd -t does not warn about max_connections 1000 against "
	    "the open-file limit 128: %r" % err)
	with Sink() as sink:
		d.nofile = 128
		d.start()
		check(d.wait_stderr(r"max_connections 1000.*128|128.*"
		    r"max_connections 1000", 3.0), "no warning naming "
		    "max_connections 1000 and the limit 128: %r" %
		    d.stderr()[-600:])
		d.add_contact("Contact police", "0931000001", "police",
		    areas="*", channel="webhook", url=sink.url + "/police")
		# At the cap the daemon makes room every 250 ms by closing the
		# connection that waited longest: an idle one once 0.5 s old,
		# else the slowest still sending. The report's connection comes
		# after 31 idle ones, the last the daemon takes (or the first
		# waiting in the listen queue behind them), and the rest wait
		# in that queue: older idle ones go before it, however slowly
		# this machine runs.
		body = d.sms_body("nofile-1", RESIDENT, "BL thon 3 cuu")
		keep = http.client.HTTPConnection("127.0.0.1", d.port,
		    timeout=10)
		idle = []
		try:
			idle = idle_connections(d.port, 31)
			keep.connect()
			idle += idle_connections(d.port, 129)
			time.sleep(0.3)
			keep.request("POST", "/sms/generic", body=body, headers={
			    "Content-Type": "application/json",
			    "X-Tincay-Signature": sign(SECRET, body)})
			r = keep.getresponse()
			r.read()
			eq(r.status, 200, "report on an open connection")
			got = sink.wait_for(1, "/police", timeout=10)
			check(len(got) == 1, "the alert did not go out within 10 s "
			    "with idle clients holding the connections; stderr "
			    "%r" % d.stderr()[-400:])
			check(d.alive(), "tincayd died")
		finally:
			keep.close()
			for s in idle:
				s.close()


@sqlite_only("SQLite's database on a full tmpfs")
@case(start=False)
def test_disk_full_healthz_and_posts_503(d):
	"""SPEC §9, on a real full disk (a 2 MiB tmpfs; root only, as the
	suites run in CI): once a commit fails for want of space, posts get
	503 + Retry-After and /healthz 503; nothing answered 200 is lost;
	with space again both recover."""
	if os.geteuid() != 0:
		return
	disk = os.path.join(d.tmpdir, "disk")
	os.mkdir(disk)
	if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
	    disk], capture_output=True).returncode != 0:
		raise AssertionError("cannot mount a tmpfs as root")
	filler = os.path.join(disk, "filler")
	try:
		d.config["database"] = os.path.join(disk, "t.db")
		d.write_config()
		d.start()
		d.sms("full-0", RESIDENT, "BL thon 3")
		# Fill what is left but a few pages.
		fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
		try:
			while os.write(fd, b"\0" * 4096) > 0:
				pass
		except OSError:
			pass
		finally:
			os.close(fd)
		acked, refused = [], 0
		for i in range(1, 400):
			mid = "full-%d" % i
			r = d.post_raw(d.sms_body(mid, "09870%05d" % i,
			    "BL thon 1 " + "x" * 120))
			if r.status == 200:
				acked.append(mid)
			else:
				eq(r.status, 503, "a post on a full disk")
				check(r.header("Retry-After"), "503 without "
				    "Retry-After")
				refused += 1
				if refused >= 3:
					break
		check(refused >= 3, "no 503 on a full disk after %d posts" %
		    len(acked))
		eq(d.request("GET", "/healthz").status, 503,
		    "healthz on a full disk")
		check(d.alive(), "tincayd died on a full disk")
		os.unlink(filler)
		r = d.post_raw(d.sms_body("full-again", RESIDENT, "BL thon 2"))
		eq(r.status, 200, "a post once there is space again")
		wait_until(lambda: d.request("GET", "/healthz").status == 200,
		    3, 0.1, "healthz once there is space again")
		stored = {m["provider_id"] for m in d.messages()}
		lost = [m for m in acked if m not in stored]
		eq(lost, [], "posts answered 200 on a full disk but not stored")
		d.stop()
	finally:
		d.kill()
		try:
			os.unlink(filler)
		except FileNotFoundError:
			pass
		subprocess.run(["umount", "-l", disk], capture_output=True)
