"""
test_lifecycle.py: the process around the routing (SPEC §1, §2, §3, §8):
-V and -t, signals (TERM, INT, HUP with good and broken configs),
restart durability, exactly-once under resends and concurrent duplicates,
log format and privacy, database file mode.
"""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading
import time

from harness import (REF_RE, SECRET, WEBHOOK_SECRET, TestFailure, case,
    check, eq, sign, sqlite_only)

CONTACTS = [
	("Cong an T3", "0921000003", "police", "T3", "sms"),
	("Tram y te", "0922000000", "health", "*", "sms"),
	("Truong thon", "0924000000", "leader", "*", "sms"),
]


# ---------------------------------------------------------------- -V, -t

@case(start=False)
def test_version(d):
	p = d.run_daemon_args("-V")
	eq(p.returncode, 0, "tincayd -V exit code")
	out = (p.stdout + p.stderr).decode("utf-8", "replace")
	check(re.search(r"\d+\.\d+", out), "tincayd -V printed no version: %r"
	    % out)


@case(start=False)
def test_config_check_ok(d):
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	eq(p.returncode, 0, "tincayd -t on a good config: exit code (output "
	    "%r)" % (p.stdout + p.stderr)[:300])


@sqlite_only("a database directory that is not there")
@case(start=False)
def test_config_check_warns_of_what_start_needs(d):
	"""-t on a config whose database directory is not there says the
	daemon cannot start until it is (it may be checked before the box is
	set up: exit 0); a reload that changes key_file says it waits for
	the next start."""
	d.config["database"] = os.path.join(d.tmpdir, "nodir", "t.db")
	d.write_config()
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	out = (p.stdout + p.stderr).decode("utf-8", "replace")
	eq(p.returncode, 0, "-t exit code: %r" % out[-300:])
	check("no directory %s" % os.path.join(d.tmpdir, "nodir") in out,
	    "no word of the missing directory: %r" % out[-300:])
	d.config["database"] = os.path.join(d.tmpdir, "t.db")
	d.write_config()
	d.start()
	mark = len(d.stderr())
	d.config["key_file"] = os.path.join(d.tmpdir, "other.key")
	d.write_config()
	d.signal(signal.SIGHUP)
	check(d.wait_stderr(r"key_file changes take effect at the next start",
	    3.0, mark), "no word of key_file: %r" % d.stderr()[mark:])


@case()
def test_config_check_tries_the_key(d):
	"""-t on an encrypted database whose key_file is missing, or another
	key: a warning that the daemon cannot start with it (the start would
	refuse), before systemd gets that far."""
	d.sms("key-1", "0912000999", "BL thon 1")
	d.stop()
	key = d.keypath
	other = os.path.join(d.tmpdir, "other.key")
	with open(other, "wb") as f:
		f.write(os.urandom(32))
	os.chmod(other, 0o600)
	for path, want in ((os.path.join(d.tmpdir, "gone.key"), "which is "
	    "missing"), (other, "is not the key of database")):
		d.config["key_file"] = path
		d.write_config()
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		out = (p.stdout + p.stderr).decode("utf-8", "replace")
		check(want in out and "cannot start with this key_file" in out,
		    "-t with key_file %s: %r" % (path, out[-400:]))
	d.config["key_file"] = key
	d.write_config()
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	out = (p.stdout + p.stderr).decode("utf-8", "replace")
	check("cannot start with this key_file" not in out, "-t with the right "
	    "key: %r" % out[-300:])


def _check_bad(d, cfg, key, what):
	d.write_config(cfg)
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	out = (p.stdout + p.stderr).decode("utf-8", "replace").strip()
	eq(p.returncode, 1, "tincayd -t with %s: exit code (output %r)" %
	    (what, out[:300]))
	lines = [l for l in out.splitlines() if key in l]
	check(lines, "tincayd -t with %s: no line names %r: %r" % (what, key,
	    out[:300]))


@case(start=False)
def test_config_check_errors(d):
	def variant(**kw):
		cfg = json.loads(json.dumps(d.config))
		for path, v in kw.items():
			node = cfg
			parts = path.split("__")
			for p in parts[:-1]:
				node = node[p]
			node[parts[-1]] = v
		return cfg

	_check_bad(d, variant(colour="blue"), "colour", "an unknown top-level "
	    "key")
	_check_bad(d, variant(limits__max_bodyy=5), "max_bodyy",
	    "an unknown key in limits")
	_check_bad(d, variant(providers__generic__sekret="x"), "sekret",
	    "an unknown key in providers.generic")
	_check_bad(d, variant(followup_window_s="soon"), "followup_window_s",
	    "a string for a number")
	_check_bad(d, variant(limits__max_body_bytes=-1), "max_body_bytes",
	    "a negative max_body_bytes")
	d.write_config(None)
	with open(d.cfgpath, "w") as f:
		f.write('{"listen": ')
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	eq(p.returncode, 1, "tincayd -t on broken JSON: exit code")
	p = d.run_daemon_args("-c", os.path.join(d.tmpdir, "absent.json"), "-t")
	eq(p.returncode, 1, "tincayd -t on a missing file: exit code")


# ---------------------------------------------------------------- signals

def test_sigint_exit_0(d):
	d.signal(signal.SIGINT)
	try:
		rc = d.proc.wait(timeout=5)
	except subprocess.TimeoutExpired:
		raise TestFailure("tincayd did not exit within 5 s of SIGINT")
	eq(rc, 0, "exit code after SIGINT")


def _warned_since(d, off):
	return d.wait_stderr(r"^<[0-4]>.*$", timeout=5, start=off)


def test_sighup_broken_config_kept(d):
	d.import_contacts(CONTACTS)
	good = json.loads(json.dumps(d.config))
	for what, text in (("broken JSON", '{"listen": "127.0.0.1:1", '),
	    ("an unknown key", json.dumps(dict(good, colour="blue"))),
	    ("an empty file", "")):
		off = len(d.stderr())
		with open(d.cfgpath, "w") as f:
			f.write(text)
		d.signal(signal.SIGHUP)
		check(_warned_since(d, off), "no warning-priority (<0>..<4>) log "
		    "line after SIGHUP with %s" % what)
		check(d.alive(), "tincayd died on SIGHUP with %s" % what)
		eq(d.request("GET", "/healthz").status, 200,
		    "healthz after SIGHUP with %s" % what)
	# Still the old config: old secret, old areas, contacts routing.
	res = d.sms("hup-1", "0987101001", "BL thon 3")
	check(REF_RE.match(res.get("ref") or ""), "no report after bad "
	    "SIGHUP: %r" % res)
	d.write_config(good)	# tincayctl reads the file too
	rep = [r for r in d.reports() if r["ref"] == res["ref"]][0]
	eq(rep.get("area"), "T3", "area after bad SIGHUP")


def test_sighup_reloads_good_config(d):
	new = "it-rotated-secret-0b8e"
	d.config["providers"]["generic"]["secret"] = new
	d.write_config()
	d.signal(signal.SIGHUP)
	deadline = time.monotonic() + 5
	n = 0
	while True:
		n += 1
		r = d.post_raw(d.sms_body("rot-%d" % n, "0987102001", "HD"),
		    secret=new)
		if r.status == 200:
			break
		check(time.monotonic() < deadline, "request signed with the new "
		    "secret still %d 5 s after SIGHUP" % r.status)
		time.sleep(0.1)
	r = d.post_raw(d.sms_body("rot-old", "0987102001", "HD"), secret=SECRET)
	eq(r.status, 403, "request signed with the old secret after reload")
	check(d.alive(), "tincayd died on SIGHUP")


# ---------------------------------------------------------------- durability

def test_restart_keeps_data(d):
	d.import_contacts(CONTACTS)
	who = "0987103001"
	body = d.sms_body("rs-1", who, "BL thon 3 chong danh vo")
	r1 = d.post_raw(body)
	eq(r1.status, 200, "first post status")
	ref = r1.json()["ref"]
	before = d.counts()
	d.stop()
	d.start()
	eq(d.counts(), before, "messages, reports, outbox rows after restart")
	r2 = d.post_raw(body)
	eq(r2.status, 200, "resend after restart status")
	eq(r2.body, r1.body, "resend after restart: reply body")
	eq(d.counts(), before, "counts after resend across restart")
	res = d.sms("rs-2", who, "anh ay van o day")
	eq(res.get("ref"), ref, "follow-up after restart: ref")


def test_resend_same_id(d):
	d.import_contacts(CONTACTS)
	body = d.sms_body("dup-1", "0987104001", "BL thon 3 chong danh vo")
	r1 = d.post_raw(body)
	eq(r1.status, 200, "first post status")
	ref = r1.json().get("ref")
	check(REF_RE.match(ref or ""), "first post made no report: %r" % r1)
	before = d.counts()
	eq(before, (1, 1, 2), "messages, reports, outbox rows after one gbv")
	for i in range(3):
		r = d.post_raw(body)
		eq(r.status, 200, "resend %d status" % i)
		eq(r.body, r1.body, "resend %d body" % i)
	# Same id, other text (a provider retry with a re-encoded body).
	r = d.post_raw(d.sms_body("dup-1", "0987104001", "xin chao"))
	eq(r.status, 200, "same id, other text: status")
	eq(r.json(), r1.json(), "same id, other text: reply")
	eq(d.counts(), before, "counts after resends")


def test_concurrent_duplicates(d):
	d.import_contacts(CONTACTS)
	body = d.sms_body("cdup-1", "0987105001", "BL thon 3 chong danh vo")
	n = 20
	barrier = threading.Barrier(n, timeout=10)
	out = [None] * n

	def worker(i):
		try:
			barrier.wait()
			r = d.post_raw(body)
			out[i] = (r.status, r.body)
		except Exception as e:
			out[i] = ("error", repr(e))

	threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(20)
	statuses = [o[0] if o else "hung" for o in out]
	check(all(s == 200 for s in statuses), "concurrent copies: statuses "
	    "%r" % statuses)
	bodies = set(o[1] for o in out)
	eq(len(bodies), 1, "distinct reply bodies among %d concurrent copies "
	    "(%r)" % (n, list(bodies)[:3]))
	eq(d.counts(), (1, 1, 2), "messages, reports, outbox rows after %d "
	    "concurrent copies" % n)


def test_concurrent_distinct(d):
	"""Many different messages at once: every 200 is a stored message."""
	n = 40
	out = [None] * n
	barrier = threading.Barrier(n, timeout=10)

	def worker(i):
		try:
			barrier.wait()
			r = d.post_raw(d.sms_body("cd-%d" % i, "09871060%02d" % i,
			    "BL thon %d" % (i % 6 + 1)))
			out[i] = r.status
		except Exception as e:
			out[i] = repr(e)

	threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(20)
	check(all(s == 200 for s in out), "statuses %r" % out)
	m, r, _ = d.counts()
	eq((m, r), (n, n), "messages and reports after %d concurrent reports" %
	    n)
	refs = [x["ref"] for x in d.reports()]
	eq(len(set(refs)), n, "distinct refs")


# ---------------------------------------------------------------- logs, privacy

def _exercise(d):
	"""A bit of everything, with distinctive texts and numbers."""
	d.import_contacts(CONTACTS)
	d.add_contact("Hoi phu nu", "0925000000", "union", areas="T2")
	who = "0987107001"
	d.sms("pv-1", who, "BL thon 3 ong Nguyen Van Khanh danh vo con")
	d.sms("pv-2", who, "anh ay say ruou dap pha do dac trong nha")
	d.sms("pv-3", "+84987107002", "xin chao toi muon hoi ve chuong trinh")
	d.sms("pv-4", "84987107003", "HD")
	d.post_raw(d.sms_body("pv-5", "0987107004", "BL thon 1 khong ky"),
	    sig="t=1,v1=00")
	d.post_raw(d.sms_body("pv-6", "0987107005", "BL thon 2 loai noi dung"),
	    content_type="text/plain")
	d.request("GET", "/nope")
	d.request("GET", "/sms/generic")


def test_log_lines_have_priority(d):
	_exercise(d)
	d.stop()
	log = d.stderr()
	check(log.strip(), "tincayd logged nothing at all")
	bad = [l for l in log.splitlines() if l.strip() and
	    not re.match(r"^<[0-7]>", l)]
	check(not bad, "stderr lines without a <N> priority prefix: %r" %
	    bad[:5])


def test_privacy_of_logs(d):
	_exercise(d)
	off = len(d.stderr())
	d.signal(signal.SIGHUP)
	d.wait_stderr(r".", timeout=1, start=off)
	d.stop()
	log = d.stderr()
	leaks = []
	for n in sorted(d.numbers):
		tail = re.sub(r"\D", "", n)[-9:]
		if tail in log:
			leaks.append("number ...%s" % tail)
	for t in sorted(d.texts):
		if len(t) >= 10 and t in log:
			leaks.append("text %r" % t)
	for frag in ("Nguyen Van Khanh", "say ruou", "chuong trinh",
	    "khong ky", "loai noi dung"):
		if frag in log:
			leaks.append("text fragment %r" % frag)
	for s in (SECRET, WEBHOOK_SECRET):
		if s in log:
			leaks.append("secret %r" % s)
	check(not leaks, "stderr leaks: %s" % ", ".join(leaks))


@sqlite_only("the modes of SQLite's files")
@case(start=False)
def test_database_mode_0600(d):
	d.umask = 0		# the daemon must not rely on the umask
	d.ctl("contacts", "add", "--name", "A", "--phone", "0926000000",
	    "--role", "police", ok=False)
	if os.path.exists(d.dbpath):
		mode = stat.S_IMODE(os.stat(d.dbpath).st_mode)
		eq(oct(mode), oct(0o600), "mode of the database created by "
		    "tincayctl under umask 0")
		os.unlink(d.dbpath)
		for sfx in ("-wal", "-shm", "-journal"):
			if os.path.exists(d.dbpath + sfx):
				os.unlink(d.dbpath + sfx)
	d.start()
	d.sms("mode-1", "0987108001", "BL thon 3")
	for sfx in ("", "-wal", "-shm"):
		p = d.dbpath + sfx
		if sfx == "":
			check(os.path.exists(p), "no database file at %s" % p)
		if os.path.exists(p):
			mode = stat.S_IMODE(os.stat(p).st_mode)
			eq(oct(mode), oct(0o600), "mode of %s created by tincayd "
			    "under umask 0" % os.path.basename(p))


def test_sigterm_finishes_inflight(d):
	"""SPEC §1: SIGTERM finishes in-flight requests, then exits 0. The
	body's rest comes 1 s after the signal: well inside both the 5 s
	exit budget and request_timeout_s (2 s from the request's start)."""
	body = d.sms_body("inf-1", "0987109001", "BL thon 3 chong danh vo")
	head = ("POST /sms/generic HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "X-Tincay-Signature: %s\r\n\r\n" % (len(body),
	    sign(SECRET, body))).encode()
	s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
	try:
		s.sendall(head + body[:10])
		time.sleep(0.2)
		d.signal(signal.SIGTERM)
		time.sleep(1.0)
		try:
			s.sendall(body[10:])
			data = b""
			while b"\r\n\r\n" not in data or not data.rstrip().endswith(
			    b"}"):
				more = s.recv(4096)
				if not more:
					break
				data += more
		except OSError as e:
			raise TestFailure("in-flight request cut by SIGTERM: %s" % e)
	finally:
		s.close()
	check(data.startswith(b"HTTP/1.1 200"), "request whose body was "
	    "still arriving at SIGTERM: %s" % ("connection closed without a "
	    "reply" if not data else "answered %r" % data[:200]))
	d.stop(send=False)	# exit 0 after the first SIGTERM
	eq(len(d.messages()), 1, "messages stored by the in-flight request")


# ---------------------------------------------------------------- 503

@sqlite_only("holds SQLite's write lock (BEGIN EXCLUSIVE)")
def test_cannot_store_503_then_retry(d):
	"""SPEC §3: a message that cannot be stored is answered 503 with
	Retry-After and leaves nothing behind; the provider's retry of the
	same id, once the database takes writes again, is stored once."""
	import sqlite3
	body = d.sms_body("busy-1", "0912345678", "BL thon 3 giup toi")
	# Another writer holds the database longer than the daemon waits.
	c = sqlite3.connect(d.dbpath, timeout=5, isolation_level=None)
	try:
		c.execute("BEGIN EXCLUSIVE")
		r = d.post_raw(body)
		eq(r.status, 503, "status while the database is locked")
		check(r.header("Retry-After"), "503 without Retry-After")
		check(b"\n" not in r.body.rstrip(b"\n") and len(r.body) < 100,
		    "503 body is not one short line: %r" % r.body)
		h = d.request("GET", "/healthz")
		eq(h.status, 503, "healthz while the database is locked")
	finally:
		c.execute("ROLLBACK")
		c.close()
	eq(d.counts(), (0, 0, 0), "nothing stored for a 503")
	r = d.post_raw(body)
	eq(r.status, 200, "the provider's retry")
	check(REF_RE.match(r.json().get("ref") or ""), "no REF: %r" % r.body)
	r2 = d.post_raw(body)
	eq(r2.body, r.body, "a second retry's answer")
	eq([m["provider_id"] for m in d.messages()], ["busy-1"],
	    "stored once")
	eq(d.request("GET", "/healthz").status, 200, "healthz after")


def test_kill9_under_load_keeps_every_200(d):
	"""SPEC §3: 2xx only after COMMIT. Under concurrent load, kill -9;
	after a restart every message that was answered 200 is there."""
	ok = set()
	lock = threading.Lock()
	stop = threading.Event()

	def client(n):
		i = 0
		while not stop.is_set() and i < 2000:
			i += 1
			mid = "k9-%d-%d" % (n, i)
			try:
				r = d.post_raw(d.sms_body(mid, "0912345678",
				    "BL thon %d" % (i % 6 + 1)))
			except OSError:
				return
			if r.status == 200:
				with lock:
					ok.add(mid)

	threads = [threading.Thread(target=client, args=(n,)) for n in
	    range(8)]
	for t in threads:
		t.start()
	# Kill once some are answered and more are in flight (a count, not
	# a rate: how long that takes is the machine's business).
	deadline = time.monotonic() + 30
	while len(ok) <= 20 and time.monotonic() < deadline and \
	    any(t.is_alive() for t in threads):
		time.sleep(0.05)
	d.kill()
	stop.set()
	for t in threads:
		t.join(10)
	check(len(ok) > 20, "only %d messages answered before the kill" %
	    len(ok))
	d.start()
	stored = {m["provider_id"] for m in d.messages()}
	missing = ok - stored
	check(not missing, "%d of %d messages answered 200 are missing after "
	    "kill -9, e.g. %r" % (len(missing), len(ok), sorted(missing)[:3]))
