"""
harness.py: the pieces the integration tests share. A Daemon runs the real
tincayd on a free loopback port with a fresh temp config and database,
signs and posts provider requests, and runs tincayctl; FakeServer records
the outbound HTTP requests a webhook contact or SMS API would receive.
Python 3 standard library only; every wait is bounded.

The store's engine is $TINCAY_TEST_ENGINE: sqlite (the default: a file in
the test's temp dir) or pg (a fresh database, made here, on the
PostgreSQL server of the base URI $TINCAY_TEST_PG, e.g. the throwaway
cluster run.py starts with scripts/pg-scratch). Daemon.sql reads and writes
the database on either; tests that need SQLite's files are marked
sqlite_only and skipped on PostgreSQL.
"""

import atexit
import copy
import hashlib
import hmac
import http.client
import json
import os
import re
import csv
import io
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unicodedata
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _binary(env, default):
	p = os.environ.get(env)
	if p:
		return os.path.abspath(p)
	return os.path.join(REPO, default)


TINCAYD = _binary("TINCAYD", "bin/tincayd")
TINCAYCTL = _binary("TINCAYCTL", "bin/tincayctl")

SECRET = "it-generic-secret-5f1c9a"
WEBHOOK_SECRET = "it-webhook-secret-77d2e0"
REF_RE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4,6}$")

ENGINES = ("sqlite", "pg")
ENGINE = os.environ.get("TINCAY_TEST_ENGINE") or "sqlite"
if ENGINE not in ENGINES:
	raise SystemExit("TINCAY_TEST_ENGINE=%s: not one of %s" % (ENGINE,
	    ", ".join(ENGINES)))
# The PostgreSQL server's base URI (its databases are the tests'); run.py
# sets it when it starts a scratch cluster.
PG_BASE = os.environ.get("TINCAY_TEST_PG", "")

# Generous: the suite also runs under ASan/UBSan.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0		# SPEC §1: exit 0 within 5 s
HTTP_TIMEOUT = 10.0
CTL_TIMEOUT = 20.0


def journal_stream(f):
	"""$JOURNAL_STREAM for an open file: its "DEV:INO", which systemd sets
	to say that stderr is the journal's stream."""
	st = os.fstat(f.fileno())
	return "%d:%d" % (st.st_dev, st.st_ino)


class TestFailure(AssertionError):
	pass


def check(cond, msg):
	if not cond:
		raise TestFailure(msg)


def eq(got, want, what):
	if got != want:
		raise TestFailure("%s: got %r, want %r" % (what, got, want))


class Skip(Exception):
	"""Raised by a test (skip) that cannot run on this engine."""


def skip(why):
	raise Skip(why)


def sqlite_only(why):
	"""Test decorator: the test needs SQLite itself (its files, their
	modes, its locks, a database path): skipped on another engine, with
	why. A module's SQLITE_ONLY = "why" marks all its tests."""
	def wrap(fn):
		fn.sqlite_only = why
		return fn
	return wrap


def case(overrides=None, start=True):
	"""Test decorator: daemon config overrides (deep-merged, None deletes a
	key) and whether run.py starts the daemon before calling the test."""
	def wrap(fn):
		fn.overrides = overrides
		fn.start = start
		return fn
	return wrap


# ---------------------------------------------------------------- processes

_live = set()
_live_lock = threading.Lock()


def _register(p):
	with _live_lock:
		_live.add(p)


def _unregister(p):
	with _live_lock:
		_live.discard(p)


def kill_leftovers():
	"""Kill every process this harness started and has not reaped."""
	with _live_lock:
		procs = list(_live)
		_live.clear()
	for p in procs:
		try:
			if p.poll() is None:
				p.kill()
				p.wait(timeout=5)
		except Exception:
			pass


atexit.register(kill_leftovers)


def free_port():
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]
	finally:
		s.close()


# ---------------------------------------------------------------- signing

def sign(secret, body, t=None):
	"""X-Tincay-Signature value for raw body bytes (SPEC §3)."""
	if t is None:
		t = int(time.time())
	if isinstance(body, str):
		body = body.encode()
	mac = hmac.new(secret.encode(), str(t).encode() + b"." + body,
	    hashlib.sha256).hexdigest()
	return "t=%d,v1=%s" % (t, mac)


def verify(secret, header, body, skew=300):
	"""Check an X-Tincay-Signature header as a receiver would."""
	try:
		parts = dict(kv.split("=", 1) for kv in header.split(","))
		t = int(parts["t"])
		got = parts["v1"]
	except Exception:
		return False
	if abs(time.time() - t) > skew:
		return False
	want = hmac.new(secret.encode(), str(t).encode() + b"." + body,
	    hashlib.sha256).hexdigest()
	return hmac.compare_digest(got, want)


def fold(s):
	"""Accent- and case-fold like SPEC §4, for checking reply wording."""
	s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
	s = "".join(c for c in s if not unicodedata.combining(c)).lower()
	return re.sub(r"[^a-z0-9]+", " ", s).strip()


# ---------------------------------------------------------------- config

AREAS = [{"code": "T%d" % i, "name": "Thôn %d" % i,
    "aliases": ["thon %d" % i, "thon%d" % i]} for i in range(1, 7)]


def base_config(port, tmpdir, database=None):
	"""database: a PostgreSQL URI; None, SQLite's t.db in tmpdir."""
	c = {
		"commune": "Xã Thử Nghiệm",
		"listen": "127.0.0.1:%d" % port,
		"public_url": "http://127.0.0.1:%d" % port,
		"database": database or os.path.join(tmpdir, "t.db"),
		"timezone": "Asia/Ho_Chi_Minh",
		"country_code": "84",
		"providers": {"generic": {"secret": SECRET}},
		"sms_out": {"via": "console"},
		"webhook_secret": WEBHOOK_SECRET,
		"areas": copy.deepcopy(AREAS),
		"routing": {"gbv": ["police", "health"],
		    "shelter": ["volunteer"], "unknown": []},
		"escalation": {"gbv": {"after_s": 600, "to": ["leader"]},
		    "shelter": {"after_s": 900, "to": ["police"]}},
		"followup_window_s": 1800,
		"campaigns": [{"code": "THD",
		    "name": "Tháng hành động vì bình đẳng giới",
		    "start": "2026-11-15", "end": "2026-12-15"}],
		"officials": ["official", "leader"],
		"limits": {"max_body_bytes": 4096, "request_timeout_s": 2,
		    "max_connections": 64},
	}
	# No file to put the key beside: it goes in the temp dir, named.
	if database:
		c["key_file"] = os.path.join(tmpdir, "pg.key")
	return c


def merge(dst, src):
	"""Deep-merge src into dst; a value of None deletes the key."""
	for k, v in src.items():
		if v is None:
			dst.pop(k, None)
		elif isinstance(v, dict) and isinstance(dst.get(k), dict):
			merge(dst[k], v)
		else:
			dst[k] = v
	return dst


class Response:
	def __init__(self, status, headers, body):
		self.status = status
		self.headers = headers
		self.body = body

	def header(self, name):
		for k, v in self.headers:
			if k.lower() == name.lower():
				return v
		return None

	def json(self):
		try:
			return json.loads(self.body)
		except ValueError:
			raise TestFailure("response is not JSON: %d %r" %
			    (self.status, self.body[:200]))

	def __repr__(self):
		return "<%d %r>" % (self.status, self.body[:200])


class Daemon:
	"""One tincayd with its own temp dir, config, database and port."""

	def __init__(self, overrides=None, tmpdir=None):
		self.tmpdir = tmpdir or tempfile.mkdtemp(prefix="tincay-it-")
		self.own_tmpdir = tmpdir is None
		self.overrides = overrides or {}
		self.proc = None
		self.port = None
		self.engine = ENGINE
		# pg: this daemon's own database, dropped by cleanup.
		self.pgdb = pg_create_db() if ENGINE == "pg" else None
		self.cfgpath = os.path.join(self.tmpdir, "tincay.json")
		self.errpath = os.path.join(self.tmpdir, "stderr.log")
		self.outpath = os.path.join(self.tmpdir, "stdout.log")
		self.new_config()
		self.umask = 0o022	# of tincayd and tincayctl
		self.nofile = None	# RLIMIT_NOFILE of tincayd, if set
		self.env = None		# more environment for tincayd
		self.tincayd = TINCAYD	# the programs (make bench: another build)
		self.tincayctl = TINCAYCTL
		self.numbers = set()	# every phone number the test used
		self.texts = set()	# every message text the test posted

	# -- config

	def new_config(self, port=None):
		self.port = port or free_port()
		uri = pg_uri(self.pgdb) if self.pgdb else None
		self.config = merge(base_config(self.port, self.tmpdir, uri),
		    copy.deepcopy(self.overrides))
		self.write_config()

	def sibling(self):
		"""Another daemon on this one's database and key (a server's
		database: several daemons share it), on a port of its own; not
		started. This one's cleanup drops the database."""
		b = Daemon(self.overrides)
		if b.pgdb:
			pg_drop_db(b.pgdb)
			b.pgdb = None
		b.config["database"] = self.config["database"]
		b.config["key_file"] = self.config["key_file"]
		b.write_config()
		return b

	def write_config(self, cfg=None):
		data = json.dumps(self.config if cfg is None else cfg,
		    ensure_ascii=False, indent=1)
		tmp = self.cfgpath + ".tmp"
		with open(tmp, "w", encoding="utf-8") as f:
			f.write(data)
		os.replace(tmp, self.cfgpath)

	@property
	def dbpath(self):
		"""The config's database: SQLite's file, or a PostgreSQL URI."""
		return self.config["database"]

	# -- the database, on either engine

	def sql(self, query, *params):
		"""Run one statement with ? placeholders on the daemon's
		database, committed; its rows as tuples of int, float, str,
		bytes (SQLite's blob, PostgreSQL's bytea), bool or None."""
		if self.pgdb:
			return pg_query(pg_uri(self.pgdb), query, params)
		c = self._sqlite()
		try:
			with c:
				return c.execute(query, params).fetchall()
		finally:
			c.close()

	def sql_value(self, query, *params):
		"""The first column of the first row, None if no row."""
		rows = self.sql(query, *params)
		return rows[0][0] if rows else None

	def sql_tx(self, statements):
		"""Run [(query, params), ...] in one transaction; no rows."""
		if self.pgdb:
			pg_script(pg_uri(self.pgdb), "".join(
			    pg_bind(q, p) + ";\n" for q, p in statements))
			return
		c = self._sqlite()
		try:
			with c:
				for q, p in statements:
					c.execute(q, p)
		finally:
			c.close()

	def sql_many(self, query, rows):
		"""One statement for each row of params, in one transaction."""
		self.sql_tx([(query, r) for r in rows])

	def db_made(self):
		"""Whether the daemon's database was made: SQLite's file is
		there; PostgreSQL's database (made by the harness) has a
		table."""
		if self.pgdb:
			return self.sql_value("SELECT count(*) FROM "
			    "information_schema.tables WHERE table_schema "
			    "NOT IN ('pg_catalog', 'information_schema')") > 0
		return os.path.exists(self.dbpath)

	def _sqlite(self):
		# mode=rw: a database that is not there is an error, not made.
		c = sqlite3.connect("file:%s?mode=rw" %
		    urllib.parse.quote(self.dbpath), uri=True, timeout=10)
		c.execute("PRAGMA busy_timeout = 10000")
		return c

	# -- process

	@property
	def keypath(self):
		"""The database's key file (SPEC §8): key_file; else a key
		beside the database; else the database's name + .key in the
		config's directory (the same here, where both are in tmpdir)."""
		if self.config.get("key_file"):
			return self.config["key_file"]
		if os.path.exists(self.dbpath + ".key"):
			return self.dbpath + ".key"
		return os.path.join(os.path.dirname(self.cfgpath),
		    os.path.basename(self.dbpath) + ".key")

	def phone_hash(self, e164):
		"""The keyed hash the store looks numbers up by: HMAC-SHA256
		under the HKDF-Expand subkey "tincay seal 1 hash" of the key,
		cut to 16 bytes (core/seal.c)."""
		with open(self.keypath, "rb") as f:
			key = f.read()
		sub = hmac.new(key, b"tincay seal 1 hash\x01",
		    hashlib.sha256).digest()
		return hmac.new(sub, e164.encode(), hashlib.sha256).digest()[:16]

	def start(self, tries=3):
		"""Start and wait for /healthz; retry on a port someone took."""
		for attempt in range(tries):
			self._spawn()
			why = self._wait_healthy()
			if why is None:
				return self
			log = self.stderr()
			if (self.proc.poll() is not None and attempt + 1 < tries
			    and re.search(r"in use|bind", log, re.I)):
				self.new_config()
				continue
			self.kill()
			raise TestFailure("tincayd did not become healthy: %s; "
			    "stderr tail: %s" % (why, log[-600:].strip()))
		raise TestFailure("tincayd did not start")

	def _spawn(self):
		self.errf = open(self.errpath, "ab")
		self.outf = open(self.outpath, "ab")
		nofile = self.nofile

		def limit():
			if nofile is not None:
				resource.setrlimit(resource.RLIMIT_NOFILE,
				    (nofile, nofile))
		env = dict(os.environ, **(self.env or {}))
		# stderr is the journal, as systemd runs it: "<N>" prefixes.
		env["JOURNAL_STREAM"] = journal_stream(self.errf)
		self.proc = subprocess.Popen([self.tincayd, "-c", self.cfgpath],
		    stdin=subprocess.DEVNULL, stdout=self.outf,
		    stderr=self.errf, cwd=self.tmpdir, umask=self.umask,
		    preexec_fn=limit, env=env)
		_register(self.proc)

	def _close_files(self):
		for f in (getattr(self, "errf", None), getattr(self, "outf",
		    None)):
			if f:
				f.close()
		self.errf = self.outf = None

	def _wait_healthy(self):
		deadline = time.monotonic() + START_TIMEOUT
		last = "no answer"
		while time.monotonic() < deadline:
			rc = self.proc.poll()
			if rc is not None:
				return "exited with %d" % rc
			try:
				r = self.request("GET", "/healthz", timeout=2)
				if r.status == 200:
					return None
				last = "healthz answered %d" % r.status
			except OSError as e:
				last = str(e)
			time.sleep(0.05)
		return "timeout after %.0f s (%s)" % (START_TIMEOUT, last)

	def alive(self):
		return self.proc is not None and self.proc.poll() is None

	def stop(self, expect_rc=0, send=True):
		"""SIGTERM (unless send is false: one was sent already); the
		daemon must exit expect_rc within 5 s."""
		if self.proc is None:
			return None
		p = self.proc
		if send and p.poll() is None:
			p.send_signal(signal.SIGTERM)
		t0 = time.monotonic()
		try:
			rc = p.wait(timeout=STOP_TIMEOUT + 1)
		except subprocess.TimeoutExpired:
			p.kill()
			p.wait(timeout=5)
			_unregister(p)
			self.proc = None
			self._close_files()
			raise TestFailure("tincayd did not exit within %.0f s of "
			    "SIGTERM" % STOP_TIMEOUT)
		took = time.monotonic() - t0
		_unregister(p)
		self.proc = None
		self._close_files()
		if expect_rc is not None and rc != expect_rc:
			raise TestFailure("tincayd exited %d after SIGTERM, want "
			    "%d; stderr tail: %s" % (rc, expect_rc,
			    self.stderr()[-800:].strip()))
		if took > STOP_TIMEOUT:
			raise TestFailure("tincayd took %.1f s to exit" % took)
		return rc

	def kill(self):
		if self.proc is not None:
			if self.proc.poll() is None:
				self.proc.kill()
			try:
				self.proc.wait(timeout=5)
			except subprocess.TimeoutExpired:
				pass
			_unregister(self.proc)
			self.proc = None
		self._close_files()

	def signal(self, sig):
		check(self.alive(), "tincayd is not running")
		self.proc.send_signal(sig)

	def cleanup(self, keep=False):
		self.kill()
		if self.pgdb and not keep:
			pg_drop_db(self.pgdb)
			self.pgdb = None
		if self.own_tmpdir and not keep:
			shutil.rmtree(self.tmpdir, ignore_errors=True)

	def stderr(self):
		try:
			with open(self.errpath, "rb") as f:
				return f.read().decode("utf-8", "replace")
		except OSError:
			return ""

	def wait_stderr(self, pattern, timeout=5.0, start=0):
		"""Wait until a stderr line (after offset start) matches."""
		rx = re.compile(pattern, re.M)
		deadline = time.monotonic() + timeout
		while True:
			m = rx.search(self.stderr()[start:])
			if m:
				return m
			if time.monotonic() > deadline:
				return None
			time.sleep(0.05)

	# -- tincayd one-shot modes

	def run_daemon_args(self, *args, timeout=CTL_TIMEOUT):
		"""tincayd with args, its stderr the journal (as under
		systemd: "<N>" prefixes); stdout and stderr as bytes."""
		path = os.path.join(self.tmpdir, "args-stderr.log")
		with open(path, "wb") as err:
			env = dict(os.environ, JOURNAL_STREAM=journal_stream(err))
			p = subprocess.run([self.tincayd] + list(args),
			    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
			    stderr=err, timeout=timeout, cwd=self.tmpdir,
			    env=env)
		with open(path, "rb") as f:
			p.stderr = f.read()
		return p

	# -- tincayctl

	def ctl(self, *args, ok=True, timeout=CTL_TIMEOUT):
		p = subprocess.run([self.tincayctl, "-c", self.cfgpath] +
		    list(args),
		    stdin=subprocess.DEVNULL, capture_output=True,
		    timeout=timeout, cwd=self.tmpdir, umask=self.umask)
		if ok and p.returncode != 0:
			raise TestFailure("tincayctl %s exited %d: %s" % (
			    " ".join(args), p.returncode,
			    (p.stderr or p.stdout).decode("utf-8",
			    "replace").strip()[:400]))
		return p

	def ctl_json(self, *args):
		p = self.ctl(*(list(args) + ["--json"]))
		try:
			return json.loads(p.stdout)
		except ValueError:
			raise TestFailure("tincayctl %s --json: not JSON: %r" %
			    (" ".join(args), p.stdout[:300]))

	def reports(self):
		return self.ctl_json("reports", "list")

	def messages(self):
		return self.ctl_json("messages", "list")

	def outbox(self):
		return self.ctl_json("outbox", "list")

	def contacts(self):
		return self.ctl_json("contacts", "list")

	CONTACT_COLUMNS = ("name", "phone", "role", "areas", "channel", "url",
	    "pin", "commune")

	def import_contacts(self, rows):
		"""rows: (name, phone, role, areas, channel, url, pin[, commune]);
		the commune column (SPEC §11) is written when a row has one."""
		width = max([7] + [len(r) for r in rows])
		path = os.path.join(self.tmpdir, "contacts.csv")
		with open(path, "w", encoding="utf-8") as f:
			f.write(",".join(self.CONTACT_COLUMNS[:width]) + "\n")
			for r in rows:
				r = list(r) + [""] * (width - len(r))
				f.write(",".join(r) + "\n")
				self.numbers.add(r[1])
		self.ctl("contacts", "import", path)

	def add_contact(self, name, phone, role, areas=None, channel=None,
	    url=None, pin=None, commune=None):
		args = ["contacts", "add", "--name", name, "--phone", phone,
		    "--role", role]
		for opt, v in (("--areas", areas), ("--channel", channel),
		    ("--url", url), ("--pin", pin), ("--commune", commune)):
			if v is not None:
				args += [opt, v]
		self.numbers.add(phone)
		return self.ctl(*args)

	def counts(self):
		return (len(self.messages()), len(self.reports()),
		    len(self.outbox()))

	# -- HTTP

	def request(self, method, path, body=None, headers=None,
	    timeout=HTTP_TIMEOUT):
		c = http.client.HTTPConnection("127.0.0.1", self.port,
		    timeout=timeout)
		try:
			c.request(method, path, body=body, headers=headers or {})
			r = c.getresponse()
			data = r.read()
			return Response(r.status, r.getheaders(), data)
		finally:
			c.close()

	def sms_body(self, id, frm, text, to="8088"):
		self.numbers.add(frm)
		self.texts.add(text)
		return json.dumps({"id": id, "from": frm, "to": to,
		    "text": text}, ensure_ascii=False).encode()

	def post_raw(self, body, sig="sign", t=None, secret=SECRET,
	    content_type="application/json", path="/sms/generic",
	    extra=None):
		"""POST raw bytes. sig: "sign" to sign, None to omit, or a
		literal header value."""
		if isinstance(body, str):
			body = body.encode()
		h = {}
		if content_type is not None:
			h["Content-Type"] = content_type
		if sig == "sign":
			h["X-Tincay-Signature"] = sign(secret, body, t)
		elif sig is not None:
			h["X-Tincay-Signature"] = sig
		if extra:
			h.update(extra)
		return self.request("POST", path, body, h)

	def sms(self, id, frm, text, to="8088", want=200):
		"""Signed generic SMS; returns the parsed {"ref","reply"}."""
		r = self.post_raw(self.sms_body(id, frm, text, to))
		if want is not None and r.status != want:
			raise TestFailure("POST /sms/generic %r from %s: got %d "
			    "%r, want %d" % (text, frm, r.status, r.body[:200],
			    want))
		return r.json() if r.status == 200 else r


# ---------------------------------------------------------------- PostgreSQL

# Through psql (Python has no PostgreSQL driver of its own): the values
# are written into the statement as literals, the rows come back as CSV
# with their column types (\gdesc) to turn them back into Python's.

PG_NULL = "@tincay-null-7f3a@"	# psql's text for NULL: no value is this
PG_INT = {"smallint", "integer", "bigint", "oid"}
PG_FLOAT = {"real", "double precision"}
PSQL_TIMEOUT = 30.0
_psql = None


def psql_path():
	"""psql of the server's version (not Debian's wrapper, a Perl
	script slower to start), else the one on PATH."""
	global _psql
	if _psql is None:
		_psql = "psql"
		try:
			b = subprocess.run(["pg_config", "--bindir"],
			    capture_output=True, timeout=10).stdout.decode().strip()
			if b and os.access(os.path.join(b, "psql"), os.X_OK):
				_psql = os.path.join(b, "psql")
		except (OSError, subprocess.SubprocessError):
			pass
	return _psql


def pg_uri(dbname, base=None):
	"""The base URI with its database set to dbname."""
	base = base or PG_BASE
	if not base:
		raise TestFailure("TINCAY_TEST_ENGINE=pg without TINCAY_TEST_PG "
		    "(a server's base URI; run.py starts one by itself)")
	u = urllib.parse.urlsplit(base)
	return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname,
	    u.query, u.fragment))


def pg_literal(v):
	"""v as an SQL literal of PostgreSQL (standard_conforming_strings,
	its default since 9.1: only a quote is doubled)."""
	if v is None:
		return "NULL"
	if isinstance(v, bool):
		return "TRUE" if v else "FALSE"
	if isinstance(v, (int, float)):
		return repr(v)
	if isinstance(v, (bytes, bytearray)):
		return "'\\x%s'::bytea" % bytes(v).hex()
	v = str(v)
	if "\0" in v:
		raise TestFailure("a NUL in a text for PostgreSQL: %r" % v)
	return "'%s'" % v.replace("'", "''")


def pg_bind(query, params):
	"""query with each ? outside a quoted literal or name replaced by
	the next of params, as a literal."""
	out, i, quote = [], 0, None
	for ch in query:
		if quote:
			if ch == quote:
				quote = None
		elif ch in "'\"":
			quote = ch
		elif ch == "?":
			if i >= len(params):
				raise TestFailure("more ? than values in %r" % query)
			out.append(pg_literal(params[i]))
			i += 1
			continue
		out.append(ch)
	if i != len(params):
		raise TestFailure("%d values for %d ? in %r" % (len(params), i,
		    query))
	return "".join(out)


def pg_script(uri, script, single=True):
	"""Run a psql script on uri (in one transaction if single); its
	stdout. A failure is the test's, with psql's message."""
	args = [psql_path(), "-X", "-q", "--csv", "-t", "-v", "ON_ERROR_STOP=1",
	    "-d", uri, "-f", "-"]
	if single:
		args.insert(1, "-1")
	try:
		p = subprocess.run(args, input=script.encode(),
		    capture_output=True, timeout=PSQL_TIMEOUT)
	except subprocess.TimeoutExpired:
		raise TestFailure("psql took over %.0f s: %r" % (PSQL_TIMEOUT,
		    script[:200]))
	if p.returncode != 0:
		raise TestFailure("psql exited %d: %s (on %r)" % (p.returncode,
		    p.stderr.decode("utf-8", "replace").strip()[:400],
		    script[:300]))
	return p.stdout.decode("utf-8")


def _pg_value(v, typ):
	if v == PG_NULL:
		return None
	if typ in PG_INT:
		return int(v)
	if typ in PG_FLOAT:
		return float(v)
	if typ == "numeric":
		return int(v) if v.lstrip("-").isdigit() else float(v)
	if typ == "boolean":
		return v == "t"
	if typ == "bytea":
		return bytes.fromhex(v[2:])
	return v


def pg_query(uri, query, params=()):
	"""One statement on uri, committed; its rows, typed (see Daemon.sql)."""
	q = pg_bind(query, params)
	out = pg_script(uri, "\\pset null '%s'\n\\echo @@desc@@\n%s \\gdesc\n"
	    "\\echo @@rows@@\n%s;\n" % (PG_NULL, q, q))
	desc, _, rows = out.partition("@@rows@@\n")
	desc = desc.partition("@@desc@@\n")[2]
	if desc.startswith("The command has no result"):
		return []
	types = [t for _, t in csv.reader(io.StringIO(desc))]
	return [tuple(_pg_value(v, t) for v, t in zip(r, types))
	    for r in csv.reader(io.StringIO(rows))]


def pg_create_db():
	"""A fresh, empty database on the server of PG_BASE; its name."""
	name = "tincay_it_%s" % secrets.token_hex(6)
	pg_script(pg_uri("postgres"), "CREATE DATABASE %s;\n" % name,
	    single=False)
	return name


def pg_drop_db(name):
	"""Drop a database, whoever is still connected (best effort)."""
	try:
		pg_script(pg_uri("postgres"), "DROP DATABASE IF EXISTS %s "
		    "WITH (FORCE);\n" % name, single=False)
	except TestFailure:
		pass


def pg_scratch(cmd, *paths):
	"""scripts/pg-scratch start|stop|crash|promote path, or standby
	srcpath path; start and standby return the base URI."""
	p = subprocess.run([os.path.join(REPO, "scripts", "pg-scratch"), cmd] +
	    list(paths), stdin=subprocess.DEVNULL, capture_output=True,
	    timeout=120)
	if p.returncode != 0:
		raise RuntimeError("pg-scratch %s %s: %s" % (cmd, " ".join(paths),
		    p.stderr.decode("utf-8", "replace").strip()[-600:]))
	return p.stdout.decode().strip()


# ---------------------------------------------------------------- fake server

class FakeServer:
	"""Records every request on 127.0.0.1:<ephemeral> and answers with
	the next status in a queue (then `status`, default 200)."""

	def __init__(self, status=200, body=b"ok", content_type="text/plain"):
		self.status = status
		self.body = body
		self.content_type = content_type
		self.statuses = []
		self.requests = []
		self.cond = threading.Condition()
		outer = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"
			# Headers and body go out in two writes: without this,
			# Nagle and the client's delayed ACK add 40 ms a reply.
			disable_nagle_algorithm = True

			def _any(self):
				n = int(self.headers.get("Content-Length") or 0)
				data = self.rfile.read(n) if n > 0 else b""
				with outer.cond:
					st = (outer.statuses.pop(0) if
					    outer.statuses else outer.status)
					outer.requests.append({
					    "method": self.command,
					    "path": self.path,
					    "headers": {k.lower(): v for k, v in
					        self.headers.items()},
					    "body": data,
					    "time": time.time()})
					outer.cond.notify_all()
				self.send_response(st)
				self.send_header("Content-Type",
				    outer.content_type)
				self.send_header("Content-Length",
				    str(len(outer.body)))
				self.end_headers()
				self.wfile.write(outer.body)

			do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

			def log_message(self, *a):
				pass

		self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.httpd.daemon_threads = True
		self.port = self.httpd.server_address[1]
		self.thread = threading.Thread(target=self.httpd.serve_forever,
		    kwargs={"poll_interval": 0.1}, daemon=True)
		self.thread.start()

	@property
	def url(self):
		return "http://127.0.0.1:%d" % self.port

	def answer(self, *statuses):
		"""Queue statuses for the next requests."""
		with self.cond:
			self.statuses.extend(statuses)

	def wait_for(self, n, timeout=10.0):
		"""Wait until n requests arrived; returns the list (maybe
		shorter on timeout)."""
		deadline = time.monotonic() + timeout
		with self.cond:
			while len(self.requests) < n:
				left = deadline - time.monotonic()
				if left <= 0:
					break
				self.cond.wait(left)
			return list(self.requests)

	def close(self):
		self.httpd.shutdown()
		self.httpd.server_close()

	def __enter__(self):
		return self

	def __exit__(self, *a):
		self.close()


# ---------------------------------------------------------------- polling

def idle_connections(port, n):
	"""Up to n connections to port that send nothing (as many as the
	listener accepts within 0.2 s each); the caller closes them."""
	socks = []
	for _ in range(n):
		s = socket.socket()
		s.settimeout(0.2)
		try:
			s.connect(("127.0.0.1", port))
			socks.append(s)
		except OSError:
			s.close()
	return socks


def wait_until(pred, timeout=10.0, interval=0.05, what=None):
	"""Poll pred() until it returns something truthy and return that; on
	timeout raise TestFailure naming what (or return None if what is
	None)."""
	deadline = time.monotonic() + timeout
	while True:
		v = pred()
		if v:
			return v
		if time.monotonic() > deadline:
			if what is None:
				return None
			raise TestFailure("timed out after %.1f s waiting for %s" %
			    (timeout, what))
		time.sleep(interval)
