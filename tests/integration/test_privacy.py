"""
test_privacy.py: SPEC §8 "purge leaves no bytes", checked from outside on
the files themselves while tincayd runs: a canary text and canary numbers
go in (a report with a follow-up, a signup opted out), are delivered to
the recording sink, then purged, by tincayctl and by the daemon's own
retention purge. They are sealed at rest, so the clear canaries are never
in the files; what the purge must remove is their sealed blobs: every
byte of the database, its WAL and its SHM is read for those blobs before
(they must be found: the scan works) and after (they must be gone), and
for the clear canaries always.
"""

import os
import secrets
import signal
import sqlite3
import time

from harness import case, check, eq
from sink import Sink

SQLITE_ONLY = ("reads the bytes of SQLite's database, WAL and SHM (on "
    "PostgreSQL: its data directory and WAL after a CHECKPOINT, a test "
    "of its own)")

LIMITS = {"request_timeout_s": 2, "retry_base_ms": 100, "retry_max_s": 2}
POLICE = "0931000001"
HEALTH = "0931000002"
ALWAYS = [{"code": "THD", "name": "Thang hanh dong",
    "start": "2020-01-01", "end": "2099-12-31"}]


def cfg(**more):
	c = {"allow_http": True, "limits": dict(LIMITS), "campaigns": ALWAYS}
	c.update(more)
	return c


def canaries():
	"""A word no text holds by chance, and two numbers never used."""
	tag = secrets.token_hex(5)
	n = secrets.randbelow(10 ** 7)
	return ("zq%s" % tag, "0915%07d" % n, "0916%07d" % n)


def forms(local):
	"""Every way a number is written: 0912…, +84912…, 84912…"""
	return [local, "+84" + local[1:], "84" + local[1:]]


def files(d):
	"""The bytes of the database, its WAL and its SHM, by suffix."""
	out = {}
	for suffix in ("", "-wal", "-shm"):
		try:
			with open(d.dbpath + suffix, "rb") as f:
				out[suffix or "db"] = f.read()
		except FileNotFoundError:
			out[suffix or "db"] = b""
	return out


def found(d, needles):
	"""[(needle, file)] for each needle (str or bytes) in any file."""
	got = []
	for name, data in files(d).items():
		for s in needles:
			if (s if isinstance(s, bytes) else s.encode()) in data:
				got.append((s, name))
	return got


def wait_gone(d, needles, when):
	"""Wait (10 s at most) until no needle is in the files."""
	deadline = time.monotonic() + 10
	while found(d, needles):
		check(time.monotonic() < deadline, "%s, still in the files: %d"
		    % (when, len(found(d, needles))))
		time.sleep(0.2)


def sealed(d, ref):
	"""The sealed blobs of report ref's texts and numbers, and of the
	opted-out subscriptions and their messages, as stored."""
	(rid, reporter), = d.sql("SELECT id, reporter FROM reports WHERE "
	    "ref = ?", ref)
	vals = [reporter]
	for q in ("SELECT sender, body FROM messages WHERE report_id = ?",
	    "SELECT dest, body FROM outbox WHERE report_id = ?"):
		for row in d.sql(q, rid):
			vals += list(row)
	for row in d.sql("SELECT m.sender, m.body FROM messages m WHERE "
	    "m.category IN ('signup', 'optout')"):
		vals += list(row)
	for row in d.sql("SELECT phone FROM subscriptions WHERE opted_out_at "
	    "IS NOT NULL"):
		vals += list(row)
	return [v for v in vals if isinstance(v, bytes) and len(v) >= 16]


def fill(d, sink, word, reporter, optout):
	"""A report with a follow-up, closed; a signup opted out; all of it
	delivered. Returns the REF."""
	for name, phone, role in (("Police", POLICE, "police"),
	    ("Health", HEALTH, "health")):
		d.add_contact(name, phone, role, areas="*", channel="webhook",
		    url="%s/%s" % (sink.url, role))
	r = d.sms("pv-1", reporter, "BL thon 3 %s dang danh" % word)
	ref = r.get("ref")
	check(ref, "no REF: %r" % r)
	d.sms("pv-2", reporter, "%s con o nha" % word)
	d.sms("pv-3", optout, "DK THD")
	d.sms("pv-4", optout, "TUCHOI")
	d.sms("pv-5", POLICE, "XONG %s nu 30 CA" % ref)
	deadline = time.monotonic() + 10
	while True:
		got = [r.event() for r in sink.got("/health")
		    if (r.json() or {}).get("ref") == ref]
		if "report.closed" in got and not any(
		    o["status"] == "pending" for o in d.outbox()):
			break
		check(time.monotonic() < deadline, "alerts not delivered: %r"
		    % got)
		time.sleep(0.1)
	return ref


@case(cfg())
def test_purge_leaves_no_bytes(d):
	word, reporter, optout = canaries()
	needles = [word] + forms(reporter) + forms(optout)
	with Sink() as sink:
		ref = fill(d, sink, word, reporter, optout)
		eq(found(d, needles), [], "clear canaries in the files (they "
		    "are sealed at rest)")
		blobs = sealed(d, ref)
		check(len(blobs) >= 8, "sealed values of the canaries: %d" %
		    len(blobs))
		check(found(d, blobs), "the sealed canaries are not in the "
		    "files before the purge: the scan proves nothing")
		out = d.ctl("purge", "--older-than", "0").stdout.decode()
		check("purged 1 report," in out and "1 opted-out" in out,
		    "purge output: %r" % out)
		eq(found(d, blobs + needles), [], "canaries (sealed or clear) "
		    "left in db, WAL or SHM after the purge, while tincayd runs")
		check(d.alive(), "tincayd died during the purge")
		# What the city's report needs stays.
		show = d.ctl_json("reports", "show", ref)
		eq((show.get("status"), show.get("victim_sex"),
		    show.get("victim_age"), show.get("outcome")),
		    ("closed", "f", 30, ["CA"]), "report after the purge")
		eq(show.get("reporter"), None, "reporter after the purge")
		# The daemon goes on filing.
		r = d.sms("pv-6", "0987000001", "BL thon 1")
		check(r.get("ref"), "no REF after the purge: %r" % r)


@case(cfg())
def test_purge_fails_alerts_still_pending(d):
	"""An alert that still waits (its webhook answers 503) holds the
	reporter's number and words: a purge of its closed report empties and
	fails it, and when the webhook comes back nothing of them is sent."""
	word, reporter, _ = canaries()
	with Sink() as sink:
		sink.default("503", "/police")
		d.add_contact("Police", POLICE, "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		ref = d.sms("pp-1", reporter, "BL thon 3 %s dang danh" %
		    word).get("ref")
		check(ref, "no REF")
		check(sink.wait_for(2, "/police", timeout=5), "no retry")
		d.ctl("reports", "close", ref, "nu", "30", "CA")
		blobs = sealed(d, ref)
		check(found(d, blobs), "the sealed canaries are not in the "
		    "files before the purge: the scan proves nothing")
		d.ctl("purge", "--older-than", "0")
		eq(found(d, blobs), [], "canaries left after the purge")
		rows = [o for o in d.outbox() if o["ref"] == ref]
		check(rows and all(o["status"] == "failed" for o in rows),
		    "the report's rows after the purge: %r" % [(o["event"],
		    o["status"]) for o in rows])
		n = len(sink.got("/police"))
		sink.default("200", "/police")
		time.sleep(3.0)
		leaked = [r for r in sink.got("/police")[n:]
		    if word in r.body.decode("utf-8", "replace")]
		eq(leaked, [], "purged words sent after the purge")
		check(d.alive(), "tincayd died")


@case(cfg())
def test_database_readable_by_others_is_made_0600(d):
	"""A database copied or restored under umask 022 is 0644, and SQLite
	makes its WAL and SHM the same: at start the daemon makes all three
	0600 and says so."""
	d.sms("mode-1", "0912000333", "BL thon 1")
	d.stop()
	for suffix in ("", "-wal", "-shm"):
		if os.path.exists(d.dbpath + suffix):
			os.chmod(d.dbpath + suffix, 0o644)
	os.chmod(d.dbpath, 0o644)
	d.start()
	check(d.wait_stderr(r"mode 0644 let others read it; now 0600", 3.0),
	    "no word of the mode: %r" % d.stderr()[-400:])
	d.sms("mode-2", "0912000334", "BL thon 2")
	for suffix in ("", "-wal", "-shm"):
		if os.path.exists(d.dbpath + suffix):
			eq(oct(os.stat(d.dbpath + suffix).st_mode & 0o777),
			    oct(0o600), "mode of the database%s" % suffix)


@case(cfg())
def test_daemon_purges_by_itself(d):
	"""retention_days: the daemon purges at start, after a reload and
	daily; here a reload that sets retention_days 0 makes it purge what
	was just closed. (Started with it set, its purge at the first tick
	could come before the canaries were seen in the files.)"""
	word, reporter, optout = canaries()
	needles = [word] + forms(reporter) + forms(optout)
	with Sink() as sink:
		ref = fill(d, sink, word, reporter, optout)
		blobs = sealed(d, ref) + needles
		check(found(d, blobs), "canaries not in the files before")
		d.config["retention_days"] = 0
		d.write_config()
		d.signal(signal.SIGHUP)
		wait_gone(d, blobs, "after SIGHUP with retention_days 0")
		eq(d.ctl_json("reports", "show", ref).get("reporter"), None,
		    "reporter after the daemon's purge")
		check(d.alive(), "tincayd died during its purge")
	log = open(d.errpath, encoding="utf-8", errors="replace").read()
	check("purge: 1 report," in log, "no purge line in the log: %r" %
	    log[-500:])
	check(word not in log and reporter not in log, "the log holds a "
	    "canary")


@case(cfg())
def test_daemon_purges_at_start(d):
	"""A box that was off for days purges at its first tick, without
	waiting a day or a reload."""
	word, reporter, optout = canaries()
	with Sink() as sink:
		ref = fill(d, sink, word, reporter, optout)
		blobs = sealed(d, ref)
		check(found(d, blobs), "canaries not in the files before")
		d.stop()
		d.config["retention_days"] = 0
		d.write_config()
		d.start()
		wait_gone(d, blobs, "after a start with retention_days 0")
		eq(d.ctl_json("reports", "show", ref).get("reporter"), None,
		    "reporter after the purge at start")


@case(cfg(retention_days=30))
def test_reload_with_nothing_to_purge_waits_for_no_reader(d):
	"""A reload purges (SPEC §8); when that purge finds nothing to erase,
	a reader holding the WAL (an official's long export) must not stall
	the daemon: the purge is done at once, it does not wait to empty the
	WAL and then report itself "not done"."""
	check(d.wait_stderr(r"purge: 0 reports", 5.0), "no purge at start")
	with Sink() as sink:
		d.add_contact("Police", POLICE, "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		d.sms("wal-reader-1", "0912000111", "BL thon 2")
		c = sqlite3.connect(d.dbpath, timeout=1)
		c.execute("BEGIN")
		c.execute("SELECT count(*) FROM reports").fetchone()
		try:
			mark = len(d.stderr())
			d.signal(signal.SIGHUP)
			check(d.wait_stderr(r"purge: 0 reports", 5.0, mark),
			    "no purge after the reload: %r" %
			    d.stderr()[mark:])
			check(d.wait_stderr(r"purge: not done", 1.0, mark)
			    is None, "the purge waited for the reader: %r" %
			    d.stderr()[mark:])
			eq(d.request("GET", "/healthz").status, 200, "healthz")
		finally:
			c.rollback()
			c.close()


@case(cfg())
def test_wal_kept_by_a_reader_is_reported(d):
	"""A reader holding an old snapshot keeps the WAL: the purge says so
	and exits 1 rather than claiming the bytes are gone."""
	word, reporter, optout = canaries()
	with Sink() as sink:
		ref = fill(d, sink, word, reporter, optout)
		blobs = sealed(d, ref)
		c = sqlite3.connect(d.dbpath, timeout=1)
		c.execute("BEGIN")
		c.execute("SELECT count(*) FROM reports").fetchone()
		try:
			p = d.ctl("purge", "--older-than", "0", ok=False,
			    timeout=60)
		finally:
			c.rollback()
			c.close()
		eq(p.returncode, 1, "purge exit code with a reader open")
		check(b"reader kept the WAL" in p.stderr, "purge stderr: %r" %
		    p.stderr)
		p = d.ctl("purge", "--older-than", "0")
		eq(found(d, blobs + [word] + forms(reporter)), [], "canaries "
		    "after the second purge")
