"""
test_failover.py: the primary PostgreSQL dies under load and its
synchronous standby is promoted (issue 19, item 4). The test builds its own
two clusters on loopback (scripts/pg-scratch start, then standby: a copy by
pg_basebackup -R that the primary waits for at every commit), starts
tincayd on the multi-host URI with target_session_attrs=read-write, and
kills the primary's postmaster and its children with SIGKILL while
providers post; then pg_ctl promote. It checks that every message answered
200 is in the database afterwards, that the requests in the gap got 503
with Retry-After and got 200 when the client retried them as a provider
does, that /healthz said 503 while no primary took writes, and that every
report's alert reached the sink, under one Idempotency-Key when it came
twice. It prints how long intake took to come back after the promote.

It needs PostgreSQL's programs and runs in make check's pg pass, or
whenever $TINCAY_TEST_PG is set; otherwise it is skipped.
"""

import os
import shutil
import tempfile
import threading
import time

import harness

from harness import case, check, eq, pg_script, pg_scratch, wait_until
from sink import Sink

DB = "tincay_failover"
THREADS = 4
BEFORE = 20		# messages answered 200 before the kill
AFTER = 5		# per thread, answered 200 after the promote
PER_THREAD = 2000	# messages a thread sends at most
RETRY_FOR = 60.0	# seconds a client retries one message at most
RETRY_SLEEP = 0.05	# between two tries: Retry-After is 5, the test hurries
GAP_BOUND = 30.0	# promote -> first 200: asserted only this loosely
CUTS = 8		# connections cut under load
CUT_EVERY = 1.1		# seconds between two
POLICE = "0931000001"

CFG = {"allow_http": True,
    "limits": {"retry_base_ms": 100, "retry_max_s": 2}}


def pg_needed():
	if harness.ENGINE != "pg" and not os.environ.get("TINCAY_TEST_PG"):
		harness.skip("needs PostgreSQL's programs: runs in make check's "
		    "pg pass or with TINCAY_TEST_PG set")


def reporter(n, i):
	"""A number of its own for each message: each files a report."""
	return "0912%06d" % (n * 100000 + i)


class Load:
	"""THREADS clients posting signed reports, each retrying a message
	that got 503 until it gets 200, as a provider does."""

	def __init__(self, d):
		self.d = d
		self.lock = threading.Lock()
		self.stop = threading.Event()
		self.acked = {}		# provider id -> ref of its 200
		self.acked_at = []	# monotonic times of every 200
		self.after = [0] * THREADS	# 200s after self.mark, by thread
		self.mark = None	# monotonic time: count 200s after it
		self.gap = []		# (monotonic time, status) of each 503
		self.wrong = []		# what else came back
		self.threads = [threading.Thread(target=self.client,
		    args=(n,)) for n in range(THREADS)]

	def start(self):
		for t in self.threads:
			t.start()

	def join(self):
		self.stop.set()
		for t in self.threads:
			t.join(RETRY_FOR + 10)
		check(not any(t.is_alive() for t in self.threads),
		    "a client still runs")

	def count(self):
		with self.lock:
			return len(self.acked)

	def client(self, n):
		for i in range(PER_THREAD):
			if self.stop.is_set():
				return
			if not self.one(n, i):
				return

	def one(self, n, i):
		"""Post one message until 200: whether it got one."""
		mid = "fo-%d-%d" % (n, i)
		body = self.d.sms_body(mid, reporter(n, i), "BL thon %d chong "
		    "danh vo %s" % (i % 6 + 1, mid))
		deadline = time.monotonic() + RETRY_FOR
		while time.monotonic() < deadline:
			try:
				r = self.d.post_raw(body)
			except OSError as e:
				with self.lock:
					self.wrong.append((mid, repr(e)))
				return False
			now = time.monotonic()
			if r.status == 200:
				with self.lock:
					self.acked[mid] = r.json().get("ref")
					self.acked_at.append(now)
					if self.mark is not None and now > self.mark:
						self.after[n] += 1
				return True
			if r.status != 503 or not r.header("Retry-After"):
				with self.lock:
					self.wrong.append((mid, r.status,
					    r.header("Retry-After"), r.body[:120]))
				return False
			with self.lock:
				self.gap.append((now, r.status))
			time.sleep(RETRY_SLEEP)
		with self.lock:
			self.wrong.append((mid, "no 200 in %.0f s" % RETRY_FOR))
		return False


def healthz(d):
	try:
		r = d.request("GET", "/healthz", timeout=5)
		return r.status, r.body.decode("utf-8", "replace").strip()
	except OSError as e:
		return None, repr(e)


class Pair:
	"""A primary and its synchronous standby on loopback, in a temp dir
	of their own, and d's config on both (the multi-host URI); stopped
	and removed on the way out, d killed first."""

	def __init__(self, d):
		self.d = d
		self.top = tempfile.mkdtemp(prefix="tincay-fo-")
		# The clusters' owner (postgres, when root runs the tests)
		# must reach its directory inside.
		os.chmod(self.top, 0o711)
		self.primary = os.path.join(self.top, "primary")
		self.standby = os.path.join(self.top, "standby")

	def __enter__(self):
		try:
			self.build()
		except BaseException:
			self.__exit__()
			raise
		return self

	def build(self):
		d = self.d
		p1 = pg_scratch("start", self.primary)
		pg_script(harness.pg_uri("postgres", p1), "CREATE DATABASE %s;\n"
		    % DB, single=False)
		p2 = pg_scratch("standby", self.primary, self.standby)
		# The harness's own database (pg pass) is not this test's.
		if d.pgdb:
			harness.pg_drop_db(d.pgdb)
			d.pgdb = None
		hosts = ",".join(u.rsplit("@", 1)[1] for u in (p1, p2))
		d.config["database"] = ("postgresql://postgres@%s/%s"
		    "?target_session_attrs=read-write" % (hosts, DB))
		d.config["key_file"] = os.path.join(d.tmpdir, "pg.key")
		d.write_config()

	def crash(self):
		pg_scratch("crash", self.primary)

	def promote(self):
		pg_scratch("promote", self.standby)

	def __exit__(self, *exc):
		self.d.kill()
		for c in (self.standby, self.primary):
			try:
				pg_scratch("stop", c)
			except Exception as e:
				print("failover: %s" % e, flush=True)
		shutil.rmtree(self.top, ignore_errors=True)


@case(CFG, start=False)
def test_failover_promote_under_load(d):
	pg_needed()
	with Pair(d) as pair, Sink() as sink:
		d.start()
		d.add_contact("Cong an", POLICE, "police", areas="*",
		    channel="webhook", url="%s/police" % sink.url)
		load = Load(d)
		load.start()
		try:
			run(d, load, pair)
		finally:
			load.join()
		verify(d, load, sink)
		d.stop()


@case(CFG, start=False)
def test_failover_healthz_idle(d):
	"""No traffic: /healthz alone finds the primary gone (a statement
	of its own, not a failed commit), and finds the new one."""
	pg_needed()
	with Pair(d) as pair:
		d.start()
		eq(healthz(d)[0], 200, "/healthz before the kill")
		pair.crash()
		got = wait_until(lambda: healthz(d)[0] == 503 and healthz(d),
		    10, 0.1)
		check(got, "/healthz with the primary dead: %r" % (healthz(d),))
		print("failover: /healthz, idle, primary dead: %d %s" % got,
		    flush=True)
		# Still 503 a while later: no writable host yet.
		time.sleep(1.5)
		eq(healthz(d)[0], 503, "/healthz with no writable host")
		pair.promote()
		wait_until(lambda: healthz(d)[0] == 200, 10, 0.1,
		    "/healthz 200 after the promote (it says %r)" %
		    (healthz(d),))
		eq(d.post_raw(d.sms_body("fo-idle", reporter(0, 1), "BL thon "
		    "1 chong danh vo")).status, 200, "a report after the promote")
		check("fo-idle" in {m["provider_id"] for m in d.messages()},
		    "the report after the promote is not stored")
		d.stop()


def run(d, load, pair):
	check(wait_until(lambda: load.count() >= BEFORE or load.wrong, 30,
	    0.05), "only %d messages answered 200 in 30 s" % load.count())
	check(not load.wrong, "before the kill: %r" % load.wrong[:3])
	t_kill = time.monotonic()
	pair.crash()
	# The gap: requests get 503 and /healthz says so (a count, not a
	# time: promote only once both were seen).
	gap = wait_until(lambda: load.gap and healthz(d)[0] == 503 and
	    healthz(d), 20, 0.05)
	check(gap, "no 503 seen within 20 s of the kill: 503s %d, /healthz "
	    "%r, wrong %r" % (len(load.gap), healthz(d), load.wrong[:3]))
	t_promote = time.monotonic()
	print("failover: /healthz in the gap: %d %s" % gap, flush=True)
	with load.lock:
		load.mark = t_promote
	pair.promote()
	t_promoted = time.monotonic()
	check(wait_until(lambda: min(load.after) >= AFTER or load.wrong,
	    GAP_BOUND + 30, 0.05), "after the promote: 200s by client %r"
	    % load.after)
	check(not load.wrong, "during the failover: %r" % load.wrong[:3])
	with load.lock:
		first = min(t for t in load.acked_at if t > t_promote)
		n503 = len(load.gap)
		last503 = max(t for t, _ in load.gap)
	back = first - t_promote
	print("failover: kill -> 503s and /healthz 503 seen %.2f s; %d "
	    "answers 503 in the gap (the last %.2f s after the promote); "
	    "pg_ctl promote took %.2f s; promote -> first 200 %.2f s" % (
	    t_promote - t_kill, n503, last503 - t_promote, t_promoted -
	    t_promote, back), flush=True)
	check(back < GAP_BOUND, "intake came back %.1f s after the promote"
	    % back)
	wait_until(lambda: healthz(d)[0] == 200, 10, 0.1,
	    "/healthz 200 after the promote (it says %r)" % (healthz(d),))


def verify(d, load, sink):
	check(not load.wrong, "%d requests got neither 200 nor 503 with "
	    "Retry-After, e.g. %r" % (len(load.wrong), load.wrong[:3]))
	stored = {m["provider_id"] for m in d.messages()}
	missing = set(load.acked) - stored
	check(not missing, "%d of %d messages answered 200 are not in the "
	    "database after the failover, e.g. %r" % (len(missing),
	    len(load.acked), sorted(missing)[:3]))
	refs = {r["ref"] for r in d.reports()}
	lost = {m: ref for m, ref in load.acked.items() if ref not in refs}
	check(not lost, "%d reports answered 200 are not in the database, "
	    "e.g. %r" % (len(lost), sorted(lost.items())[:3]))
	want = set(load.acked.values())

	def alerted():
		got = {}
		for r in sink.got("/police"):
			j = r.json() or {}
			if j.get("event") == "report.created":
				got.setdefault(j.get("ref"), set()).add(
				    r.header("idempotency-key"))
		return got if want <= set(got) else None
	got = wait_until(alerted, 30, 0.2)
	if got is None:
		got = {}
		for r in sink.got("/police"):
			got.setdefault((r.json() or {}).get("ref"), set())
		check(False, "%d of %d acknowledged reports never alerted the "
		    "sink, e.g. %r" % (len(want - set(got)), len(want),
		    sorted(want - set(got))[:3]))
	twice = {ref: keys for ref, keys in got.items() if len(keys) != 1 or
	    None in keys}
	check(not twice, "alerts sent under more than one Idempotency-Key "
	    "(or none): %r" % sorted(twice.items())[:3])
	dup = len(sink.got("/police")) - len(got)
	print("failover: %d messages answered 200, every one stored; %d "
	    "alerts delivered, %d of them again under the same key" % (
	    len(load.acked), len(got), dup), flush=True)
	eq(len(want), len(load.acked), "reports of the acknowledged messages")


@case(CFG)
def test_failover_backend_terminated_under_load(d):
	"""The daemon's connection is cut again and again under load (as an
	admin's pg_terminate_backend, a restarted pooler or a failover
	does), wherever its batch is: what it answered 200 is stored."""
	if harness.ENGINE != "pg":
		harness.skip("PostgreSQL's connections: the pg pass only")
	load = Load(d)
	load.start()
	cuts = 0
	try:
		check(wait_until(lambda: load.count() >= BEFORE or load.wrong,
		    30, 0.05), "only %d answered 200 in 30 s" % load.count())
		# Over a second apart: the daemon reconnects at once after
		# each (at most once a second), wherever its batch is.
		for _ in range(CUTS * 4):
			if cuts >= CUTS:
				break
			time.sleep(CUT_EVERY)
			cuts += d.sql_value("SELECT count(pg_terminate_backend("
			    "pid)) FROM pg_stat_activity WHERE datname = "
			    "current_database() AND application_name = "
			    "'tincay'")
	finally:
		load.join()
	check(not load.wrong, "%d requests got neither 200 nor 503 with "
	    "Retry-After, e.g. %r" % (len(load.wrong), load.wrong[:3]))
	stored = {m["provider_id"] for m in d.messages()}
	missing = set(load.acked) - stored
	print("failover: %d cuts; %d answered 200, %d missing; %d answers "
	    "503" % (cuts, len(load.acked), len(missing), len(load.gap)),
	    flush=True)
	check(not missing, "%d of %d messages answered 200 are not in the "
	    "database, e.g. %r" % (len(missing), len(load.acked),
	    sorted(missing)[:3]))
