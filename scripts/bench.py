#!/usr/bin/env python3
"""
bench.py: bounded load on loopback (make bench), every figure of issues 7
and 22 in one run of a few minutes. The load is Africa's Talking-shaped MO
traffic: wrk (scripts/bench.lua) POSTs "BL thon N ..." to
/sms/africastalking, a new id and a new number each, so every request
files a report, one webhook alert and one SMS reply (through the
provider's send API).

  1-2. intake, in --rounds alternating rounds of --duration seconds
     (a shared machine drifts; medians of interleaved rounds do not):
     build/bench/probe, the box's floor (bare libevent + SQLite WAL
     synchronous=FULL with group commit, one row per request);
     build/bench/same, tincayd's roofline (issue 22: the same, writing
     a report's four rows in tincayd's tables and indexes, blobs of the
     sealed sizes, and making its alert's and reply's transfers to the
     C sink; its bytes written and commits per message are printed
     beside tincayd's, to show it does the same durable work); tincayd
     on an empty database with its alerts and replies going to
     build/bench/sink (a small C sink, so the sink is never the
     bottleneck); and tincayd with no contacts and its replies held back
     (what intake alone costs). Both tincayd runs again with
     build/clear/bin/tincayd, the same program built with
     TINCAY_SEAL_CLEAR (sealing and keyed hashing replaced by copies),
     to say what encryption at rest costs (issue 10: within 10 %).
     accepted/s, p50/p99, daemon CPU per message, the ratios, messages
     per commit; stored messages must equal the 200s in every round;
  3. duplicates: 20% repeated ids on /sms/generic, some concurrent:
     stored = unique ids, every copy of an id gets the same reply;
  4. burst: a fresh tincayd, --burst reports as fast as wrk sends them:
     alerts/s at the sink (first POST to last alert), retries (must be 0),
     alerts delivered = reports accepted, each once; idle PSS (what
     the daemon adds to the box, /proc/PID/smaps_rollup, settled after
     start), idle and peak RSS (VmHWM);
  5. latency: reports paced at 10/s, time from sending the POST to the
     alert's arrival at a webhook (tests/integration/sink.py), p50/p99;
  6. growth: a database pre-filled with --prefill messages and reports
     (built with SQL in seconds) against a fresh one, alternating rounds
     of the load of run 2: accepted/s within 10 % of the empty one's; a
     month's stats (tincayctl stats) and a TK by SMS on it, timed.
     With --communes, the same database then becomes a city's (its
     reports spread over the communes of run 10) and a month's stats of
     the whole city is timed: TARGET under 200 ms (issue 20);
  7. PIN check: build/bench/pin runs the daemon's pin_verify() on a hash
     with the parameters in force (a TK holds the event loop for one):
     median CPU per check, TARGET under 50 ms (issue 10). Timed here and
     not in the unit tests, which a loaded machine would make fail.

  10. a city: --communes communes (default 100) of 10 hamlets each and
     20 contacts a commune (2,000; one police contact of each by webhook,
     the others of roles a BL does not alert), generated here, against
     the single commune of run 1-2's tincayd, in --city-rounds
     alternating rounds of the same load: every other message sent to
     its commune's number, the others to the city's shared number naming
     the commune in the text. req/s, p99, CPU per message, and their
     ratios: the median of each city round's over the commune's round
     before it (the box drifts less within a pair), TARGET within 5 % of
     the single commune (issue 20); every report in its commune,
     alerting that commune's police only.

  11. the console idle (issue 21): run 1-2's tincayd with console.listen
     set, an admin signed in and no request, against it without, in
     --console-rounds pairs of the same load (the order swapped each
     pair); the median of the pairs' CPU per message and req/s ratios,
     TARGET within 2 % of CPU per message (the pairs' range beside it);
  12. the console's case list (issue 21): --console-reports reports
     filed through intake with wrk (alerts and replies delivered), then
     a quarter left open, a quarter acknowledged, half closed; an admin
     and a caseworker of two hamlets signed in over HTTP (CSRF token);
     /cases (their first pages), a hamlet's open cases, filters no case
     meets (a status nobody has, a hamlet not the caseworker's: the whole
     list walked) and a case's page, each GET --console-gets times on a
     kept-alive connection from here, end to end (the audit row's COMMIT
     included): median and p95, TARGET the
     slowest list's median under 50 ms. The same lists on run 6's
     --prefill database, printed, not judged. Both on SQLite whatever
     --engines; their summary is issue 21's, after issue 22's.

Kannel 1.4.5, issue 22's peer (scripts/kannel.py; make bench installs
it, --no-kannel leaves it out): a fresh bearerbox and smsbox (file store
on) after each tincayd round of runs 1-2 and of run 4, the same load (its
form in the URL too, which Kannel reads) and sink, every message alerting
the webhook and replied through the provider's API as tincayd's; the
issue's table (Kannel | tincay | ratio) from the medians, and its targets
against Kannel in the summary.

With --engines "sqlite pg" (the default; make bench ENGINES=sqlite leaves
it out) a throwaway PostgreSQL cluster (scripts/pg-scratch, loopback,
fsync and synchronous_commit at their defaults) runs beside: in runs 1-2
tincayd and tincayd alone again, each on a fresh database of the cluster,
in the same alternating rounds, with the server's CPU per message (the
postmaster and its children, from /proc, its checkpoint of the round
included) beside tincayd's, and the ratios to SQLite; run 4 once more on
it; run 9, two tincayd on one database (start_nodes, a wrk for each) in
rounds alternating with one, and the burst through both: every alert
once.

Exit 1 if a correctness check fails (figures are printed, not judged,
except in the summary: issue 22's targets, target, figure, ok or NOT
met; then issue 7's, marked TARGET). Binaries from $TINCAYD /
$TINCAYCTL as in the integration suite. Python 3 standard library only.

  python3 scripts/bench.py [--duration 5] [--rounds 3] [--threads 2]
      [--connections 32] [--burst 20000] [--prefill 1000000]
      [--communes 100] [--engines "sqlite pg"]
      [--console-reports 10000] [--console-gets 20] [--console-rounds 7]
"""

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import kannel  # noqa: E402
import webclient  # noqa: E402
from sink import Sink  # noqa: E402

LUA = os.path.join(ROOT, "scripts", "bench.lua")
PROBE = os.path.join(ROOT, "build", "bench", "probe")
SAME = os.path.join(ROOT, "build", "bench", "same")
CSINK = os.path.join(ROOT, "build", "bench", "sink")
PIN = os.path.join(ROOT, "build", "bench", "pin")
PLEA = os.path.join(ROOT, "build", "bench", "plea")
CORPUS = os.path.join(ROOT, "tests", "vectors", "pleas.tsv")
CLEAR = os.path.join(ROOT, "build", "clear", "bin")
AT_TOKEN = "bench-at-token"
AT_PATH = "/sms/africastalking?token=" + AT_TOKEN


def overrides(sink_url):
	"""tincayd as a commune would run it, its provider and contact on the
	C sink: replies through Africa's Talking, alerts by webhook."""
	return {
		"allow_http": True,
		"providers": {
		    "generic": {"secret": harness.SECRET},
		    "africastalking": {"username": "commune", "api_key": "k",
			"from": "TINCAY", "token": AT_TOKEN,
			"api_base": sink_url}},
		"sms_out": {"via": "africastalking", "rate_per_second": 1000},
		"limits": {"max_body_bytes": 16384, "request_timeout_s": 10,
		    "max_connections": 512},
	}


def add_hook(d, sink_url):
	d.add_contact("Cong an xa", "0931000001", "police", areas="*",
	    channel="webhook", url=sink_url + "/hook")


# ---------------------------------------------------------------- processes

class Program:
	"""A helper binary (probe, sink) on a free loopback port."""

	def __init__(self, argv, tmp, name):
		self.portfile = os.path.join(tmp, name + ".port")
		self.proc = subprocess.Popen(argv + ["-p", "0", "-P",
		    self.portfile], stdin=subprocess.DEVNULL,
		    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
		harness._register(self.proc)
		deadline = time.monotonic() + 10
		while not os.path.exists(self.portfile):
			if self.proc.poll() is not None or \
			    time.monotonic() > deadline:
				raise RuntimeError("%s did not start: %s" % (name,
				    self.proc.stderr.read().decode()[-300:]))
			time.sleep(0.02)
		with open(self.portfile) as f:
			self.port = int(f.read())
		self.url = "http://127.0.0.1:%d" % self.port

	def get(self, path):
		c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
		try:
			c.request("GET" if path != "/reset" else "POST", path)
			r = c.getresponse()
			return r.read()
		finally:
			c.close()

	def stats(self):
		return json.loads(self.get("/stats"))

	def stop(self):
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
			try:
				self.proc.wait(timeout=10)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		harness._unregister(self.proc)


class PgCluster:
	"""The throwaway PostgreSQL cluster of the PostgreSQL runs
	(scripts/pg-scratch: loopback only, fsync and synchronous_commit at
	their defaults, what users run); each tincayd gets a database of its
	own on it. The harness's server from now on (its Daemons make and
	drop their databases there)."""

	def __init__(self):
		self.dir = tempfile.mkdtemp(prefix="tincay-bench-pg-")
		try:
			self.uri = harness.pg_scratch("start", self.dir)
		except Exception:
			shutil.rmtree(self.dir, ignore_errors=True)
			raise
		harness.PG_BASE = self.uri

	def cpu_s(self):
		"""CPU seconds of the whole server so far, and of its
		checkpointer: the postmaster's and its children's (backends,
		checkpointer, WAL writer, autovacuum), with those that already
		ended (in the postmaster's cutime and cstime once reaped)."""
		with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
			pm = int(f.readline())
		total = ckpt = 0
		for e in os.listdir("/proc"):
			if not e.isdigit():
				continue
			try:
				with open("/proc/%s/stat" % e) as f:
					fields = f.read().rsplit(")", 1)[1].split()
				if int(e) != pm and int(fields[1]) != pm:
					continue
				with open("/proc/%s/cmdline" % e, "rb") as f:
					cmd = f.read()
			except OSError:
				continue	# ended meanwhile: its parent has it
			t = sum(int(x) for x in fields[11:15])
			total += t
			if cmd.startswith(b"postgres: checkpointer"):
				ckpt += t
		hz = os.sysconf("SC_CLK_TCK")
		return total / hz, ckpt / hz

	def checkpoint(self):
		"""Write what the runs left in the server's buffers, so that
		what they cost the checkpointer is in cpu_s now."""
		harness.pg_script(harness.pg_uri("postgres", self.uri),
		    "CHECKPOINT;\n", single=False)

	def stop(self):
		try:
			harness.pg_scratch("stop", self.dir)
		finally:
			shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def engine(pg):
	"""The Daemons made inside have a database of their own on pg's
	cluster (a PgCluster), or SQLite's file if pg is None."""
	was = harness.ENGINE
	harness.ENGINE = "pg" if pg else "sqlite"
	try:
		yield
	finally:
		harness.ENGINE = was


def start_nodes(n, ov, hook=None, clear=False, pg=None):
	"""n tincayd on one fresh database (SQLite's file, or one on pg's
	cluster; several need PostgreSQL), the first one's: the others are
	its siblings (its database and key). The contact of hook is added
	once (hook a sink's URL), or hook(first Daemon) is called. Returns the Daemons, started; on a failure those made are
	stopped and cleaned up."""
	nodes = []
	try:
		with engine(pg):
			for i in range(n):
				d = nodes[0].sibling() if nodes else \
				    harness.Daemon(ov)
				nodes.append(d)
				if clear:
					d.tincayd = os.path.join(CLEAR, "tincayd")
					d.tincayctl = os.path.join(CLEAR,
					    "tincayctl")
				try:
					d.start()
				except Exception as e:
					if i:
						last = d.stderr().strip().splitlines()
						raise RuntimeError("tincayd %d of %d "
						    "on one database stops at start "
						    "(%s)" % (i + 1, n, re.sub(r"^<\d>",
						    "", last[-1]) if last else e)) from e
					raise
				if callable(hook) and i == 0:
					hook(d)
				elif hook and i == 0:
					add_hook(d, hook)
	except Exception:
		for d in nodes:
			d.cleanup()
		raise
	return nodes


def stop_nodes(nodes):
	"""Stop every node (the last ones first: the first one's database
	goes with its cleanup)."""
	try:
		for d in reversed(nodes):
			d.stop()
	finally:
		for d in reversed(nodes):
			d.cleanup()


def db_count(d, sql):
	"""The number a count(*) statement gives on d's database."""
	if d.pgdb:
		return d.sql_value(sql)
	return count_rows(d.dbpath, sql)


def run_failed(what, e, d):
	"""Say why a run stopped, with the daemon's last words."""
	print("bench: %s: error: %s" % (what, e))
	for line in d.stderr().strip().splitlines()[-5:]:
		print("  | " + line)


def proc_kb(pid, field):
	try:
		with open("/proc/%d/status" % pid) as f:
			for line in f:
				if line.startswith(field + ":"):
					return int(line.split()[1])
	except OSError:
		pass
	return None


def metric(d, name):
	r = d.request("GET", "/metrics")
	m = re.search(r"^%s (\d+)" % re.escape(name), r.body.decode(), re.M)
	return int(m.group(1)) if m else None


def count_rows(dbpath, sql):
	db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True, timeout=30)
	try:
		return db.execute(sql).fetchone()[0]
	finally:
		db.close()


# ---------------------------------------------------------------- wrk

def wrk_run(port, args, tmp, tag, seconds=0, count=0, conns=0, first=0,
    city="", query=False):
	"""The AT load for seconds, or count requests in all, on conns
	connections (default --connections), its numbers from first on;
	city: a file of communes to spread it over (bench.lua), or none;
	query: each form in the URL too (Kannel's, bench.lua)."""
	prefix = os.path.join(tmp, tag)
	per = (count + args.threads - 1) // args.threads if count else 0
	# a count at no less than 50 requests a second (PostgreSQL's
	# burst on a loaded box), within two minutes at least
	limit = seconds if seconds else max(120, count // 50)
	slack = 15
	cmd = ["wrk", "-t%d" % args.threads, "-c%d" % (conns or
	    args.connections), "-d%ds" % (limit + slack), "--timeout", "10s",
	    "-s", LUA, "http://127.0.0.1:%d" % port, "--", AT_PATH, prefix,
	    str(seconds * 1000), str(per), str(first), city,
	    "1" if query else ""]
	for th in range(args.threads):
		if os.path.exists("%s.done.%d" % (prefix, th)):
			os.unlink("%s.done.%d" % (prefix, th))
	w = subprocess.Popen(cmd, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, text=True)
	harness._register(w)
	# The Lua threads stop themselves once every POST is answered; then
	# SIGINT ends wrk's main sleep early and it prints the summary.
	t0 = time.monotonic()
	markers = ["%s.done.%d" % (prefix, th) for th in range(args.threads)]
	while time.monotonic() - t0 < limit + slack - 1:
		if w.poll() is not None or all(os.path.exists(m) for m in markers):
			break
		time.sleep(0.02)
	drained = all(os.path.exists(m) for m in markers)
	if w.poll() is None:
		w.send_signal(signal.SIGINT)
	out, err = w.communicate(timeout=30)
	harness._unregister(w)
	m = re.search(r"^BENCH (.*)$", out, re.M)
	if not m:
		print(out, err)
		raise RuntimeError("wrk failed (exit %s)" % w.returncode)
	r = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
	r["drained"] = drained
	r["rate"] = r["accepted"] / max(r["duration_us"] / 1e6, 1e-6)
	return r


def wrk_nodes(nodes, args, tmp, tag, seconds=0, count=0, city=""):
	"""The load of wrk_run spread over nodes (tincayd on one database):
	a wrk of its own for each, the connections, requests and numbers
	shared out. One figure for all: the 200s summed over the longest
	run; p50 and p99 the worst node's (percentiles do not add)."""
	n = len(nodes)
	if n == 1:
		return wrk_run(nodes[0].port, args, tmp, tag, seconds, count,
		    city=city)
	conns = max(args.threads, args.connections // n)
	with ThreadPoolExecutor(max_workers=n) as ex:
		rs = list(ex.map(lambda i: wrk_run(nodes[i].port, args, tmp,
		    "%s-n%d" % (tag, i), seconds, (count + n - 1) // n, conns,
		    i * 3000000 // n, city), range(n)))
	r = {k: sum(x[k] for x in rs) for k in ("accepted", "other",
	    "issued", "fillers")}
	r.update({k: max(x[k] for x in rs) for k in ("duration_us", "p50_us",
	    "p90_us", "p99_us", "max_us")})
	r["t_first_ms"] = min(x["t_first_ms"] for x in rs)
	r["drained"] = all(x["drained"] for x in rs)
	r["rate"] = r["accepted"] / max(r["duration_us"] / 1e6, 1e-6)
	return r


# ---------------------------------------------------------------- runs

def median(xs, key=None):
	"""The middle one of xs (by key)."""
	return sorted(xs, key=key)[len(xs) // 2]


def summarize(runs):
	"""The median round of runs (by rate), with every round's rate, and
	the median daemon CPU per message if measured."""
	m = median(runs, key=lambda r: r["rate"])
	out = dict(m, rates=[r["rate"] for r in runs],
	    p99s=[r["p99_us"] for r in runs])
	for k in ("cpu", "pg_cpu"):
		if all(k + "_us" in r for r in runs):
			out[k + "_med"] = median([r[k + "_us"] for r in runs])
	return out


def show_rounds(name, r):
	cpu = "  %4.1f us CPU/msg" % r["cpu_med"] if "cpu_med" in r else ""
	if "pg_cpu_med" in r:
		cpu += ", PostgreSQL %4.1f us" % r["pg_cpu_med"]
	print("  %-22s %6.0f req/s  p50 %5.2f ms  p99 %5.2f ms%s   (rounds: "
	    "%s)" % (name, r["rate"], r["p50_us"] / 1000, r["p99_us"] / 1000,
	    cpu, ", ".join("%.0f" % x for x in r["rates"])))


def one_probe(args, tmp, tag):
	p = Program([PROBE, "-d", os.path.join(tmp, tag + ".db")], tmp, tag)
	try:
		return wrk_run(p.port, args, tmp, tag, seconds=args.duration)
	finally:
		p.stop()


def proc_io(pid):
	"""/proc/PID/io as numbers (write_bytes: the pages it dirtied in
	files, what reaches the disk; wchar counts sockets too)."""
	try:
		with open("/proc/%d/io" % pid) as f:
			return {k: int(v) for k, v in (line.split(": ")
			    for line in f)}
	except OSError:
		return {}


def proc_pss_kb(pid):
	"""Proportional set size of pid in kB (smaps_rollup): what it adds
	to the box, its share of shared libraries divided among their
	users (issue 22: memory is counted so)."""
	try:
		with open("/proc/%d/smaps_rollup" % pid) as f:
			for line in f:
				if line.startswith("Pss:"):
					return int(line.split()[1])
	except OSError:
		pass
	return None


def settled_pss_kb(pid, most_s=5.0):
	"""pid's PSS once it holds still: two readings 0.25 s apart within
	1 %, at least one second after the first (its start-up over), or
	the last reading after most_s."""
	t0 = time.monotonic()
	last = proc_pss_kb(pid)
	while time.monotonic() - t0 < most_s:
		time.sleep(0.25)
		now = proc_pss_kb(pid)
		if now is None or last is None:
			return now
		if time.monotonic() - t0 >= 1 and abs(now - last) <= last / 100:
			return now
		last = now
	return last


def one_same(args, tmp, tag, csink):
	"""One round of the same-work probe (build/bench/same, issue 22) on
	a fresh database, its alerts and replies to csink at tincayd's SMS
	rate: req/s, p99, CPU, bytes written and commits per message;
	"stored" the messages on its database."""
	db = os.path.join(tmp, tag + ".db")
	rate = overrides(csink.url)["sms_out"]["rate_per_second"]
	p = Program([SAME, "-d", db, "-s", csink.url, "-r", str(rate)], tmp,
	    tag)
	try:
		pid = p.proc.pid
		cpu0, io0 = proc_cpu_s(pid), proc_io(pid)
		r = wrk_run(p.port, args, tmp, tag, seconds=args.duration)
		n = max(r["accepted"], 1)
		r["cpu_us"] = (proc_cpu_s(pid) - cpu0) * 1e6 / n
		r["wbytes"] = (proc_io(pid).get("write_bytes", 0) -
		    io0.get("write_bytes", 0)) / n
		r["stored"] = count_rows(db, "SELECT count(*) FROM messages")
	finally:
		p.stop()
	# "same: ... N commits ..." at its end; the commits of its sent
	# marks after the load are in it, as tincayd's are not: an upper
	# bound
	m = re.search(r"(\d+) commits", p.proc.stderr.read().decode())
	r["commits"] = int(m.group(1)) if m else 0
	for ext in ("", "-wal", "-shm"):
		with contextlib.suppress(OSError):
			os.unlink(db + ext)
	return r


def proc_cpu_s(pid):
	"""User + system CPU seconds of process pid so far."""
	with open("/proc/%d/stat" % pid) as f:
		fields = f.read().rsplit(")", 1)[1].split()
	return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_tincayd(args, tmp, tag, ov, hook=None, check=None, clear=False,
    pg=None, nodes=1, city=""):
	"""A fresh tincayd for one round, stopped after it (its queue goes
	with it, so it cannot take the core from the next round); clear:
	the TINCAY_SEAL_CLEAR build; pg: on that PgCluster, its CPU per
	message measured too (its checkpoint of the round included); nodes:
	that many tincayd on the database, their CPU summed; city: the
	communes the load is spread over (wrk_run)."""
	try:
		ds = start_nodes(nodes, ov, hook, clear, pg)
	except Exception as e:
		print("bench: %s: error: %s" % (tag, e))
		raise
	d = ds[0]
	try:
		c0 = sum(metric(x, "tincay_commits_total") for x in ds)
		cpu0 = sum(proc_cpu_s(x.proc.pid) for x in ds)
		io0 = sum(proc_io(x.proc.pid).get("write_bytes", 0) for x in ds)
		pg0 = pg.cpu_s() if pg else None
		r = wrk_nodes(ds, args, tmp, tag, seconds=args.duration,
		    city=city)
		n = max(r["accepted"], 1)
		r["cpu_us"] = (sum(proc_cpu_s(x.proc.pid) for x in ds) -
		    cpu0) * 1e6 / n
		r["wbytes"] = (sum(proc_io(x.proc.pid).get("write_bytes", 0)
		    for x in ds) - io0) / n
		if pg:
			# The server over the load's window, as tincayd's, and
			# the checkpoint of what the round wrote (SQLite's
			# checkpoints are in tincayd's CPU).
			pg1 = pg.cpu_s()
			pg.checkpoint()
			r["pg_cpu_us"] = (pg1[0] - pg0[0] + pg.cpu_s()[1] -
			    pg1[1]) * 1e6 / n
		r["commits"] = sum(metric(x, "tincay_commits_total")
		    for x in ds) - c0
		if check:
			check(d, r)
	except Exception as e:
		run_failed(tag, e, d)
		stop_nodes(ds)
		raise
	stop_nodes(ds)
	return r


def alone_overrides():
	ov = overrides("http://127.0.0.1:9")
	ov["sms_out"] = {"via": "console", "rate_per_second": 1}
	ov["providers"]["africastalking"] = {"token": AT_TOKEN}
	return ov


def seal_cost(r, key):
	"""Sealed against clear, in % of the clear build's figure."""
	return 100.0 * (r[key] - r["clear"][key]) / max(r["clear"][key], 1e-9)


def run_intake(args, tmp, csink, pg):
	"""Runs 1-2: probe, tincayd, tincayd alone, in alternating rounds (a
	shared machine drifts; medians of interleaved rounds do not); with
	pg (a PgCluster), tincayd and tincayd alone on it in the same
	rounds."""
	print("runs 1-2: %d rounds of %d s, wrk %d threads %d connections, "
	    "alternating:" % (args.rounds, args.duration, args.threads,
	    args.connections))
	print("  probe: bare libevent + SQLite WAL synchronous=FULL, group "
	    "commit, one row per request (the box's floor)")
	print("  same-work probe: the same, writing a report's four rows "
	    "as tincayd does and making its two transfers to the C sink "
	    "(tincayd's roofline)")
	print("  tincayd: empty database, alerts (webhook) and replies (Africa's"
	    " Talking API) to the C sink")
	print("  alone: tincayd with no contacts, replies waiting at 1 SMS/s")
	print("  clear: both again, built with TINCAY_SEAL_CLEAR (nothing "
	    "encrypted at rest)")
	if pg:
		print("  PostgreSQL: tincayd and alone again, each on a fresh "
		    "database of a local PostgreSQL cluster (defaults: fsync, "
		    "synchronous_commit on); its CPU is the whole server's")
	bad = []

	def stored(d, r, clear=False):
		n = db_count(d, "SELECT count(*) FROM messages")
		if n != r["accepted"]:
			bad.append((n, r["accepted"]))
		# The yardstick is what it says: numbers in clear in the clear
		# build only.
		k = db_count(d, "SELECT count(*) FROM messages WHERE " + (
		    "position('+849'::bytea in sender) = 1" if d.pgdb else
		    "CAST(sender AS TEXT) LIKE '+849%'"))
		if k != (n if clear else 0):
			bad.append(("clear senders", k, n, clear))

	def stored_clear(d, r):
		stored(d, r, clear=True)

	probes, full, alone, full_c, alone_c = [], [], [], [], []
	full_pg, alone_pg, sames = [], [], []
	for i in range(args.rounds):
		probes.append(one_probe(args, tmp, "probe%d" % i))
		sames.append(one_same(args, tmp, "same%d" % i, csink))
		full.append(one_tincayd(args, tmp, "full%d" % i,
		    overrides(csink.url), csink.url, stored))
		if args.peer:
			args.peer.intake(i)
		alone.append(one_tincayd(args, tmp, "alone%d" % i,
		    alone_overrides(), None, stored))
		full_c.append(one_tincayd(args, tmp, "fullc%d" % i,
		    overrides(csink.url), csink.url, stored_clear, clear=True))
		alone_c.append(one_tincayd(args, tmp, "alonec%d" % i,
		    alone_overrides(), None, stored_clear, clear=True))
		if pg:
			full_pg.append(one_tincayd(args, tmp, "fullpg%d" % i,
			    overrides(csink.url), csink.url, stored, pg=pg))
			alone_pg.append(one_tincayd(args, tmp, "alonepg%d" % i,
			    alone_overrides(), None, stored, pg=pg))
	probe, intake, only = summarize(probes), summarize(full), \
	    summarize(alone)
	intake["clear"], only["clear"] = summarize(full_c), summarize(alone_c)
	show_rounds("probe", probe)
	probe["same"] = same_report(sames, full, bad)
	show_rounds("tincayd", intake)
	show_rounds("tincayd, intake alone", only)
	show_rounds("clear build", intake["clear"])
	show_rounds("clear build, alone", only["clear"])
	print("  ratio to probe: tincayd %.0f %%, alone %.0f %%; tincayd to "
	    "the same-work probe %.0f %%" % (
	    100 * intake["rate"] / probe["rate"],
	    100 * only["rate"] / probe["rate"],
	    100 * intake["rate"] / probe["same"]["rate"]))
	print("  encryption at rest: tincayd %+.1f %% req/s, %+.1f %% CPU/msg;"
	    " alone %+.1f %% req/s, %+.1f %% CPU/msg" % (
	    seal_cost(intake, "rate"), seal_cost(intake, "cpu_med"),
	    seal_cost(only, "rate"), seal_cost(only, "cpu_med")))
	print("  tincayd commits: %.1f messages per commit" % (
	    intake["accepted"] / max(intake["commits"], 1)))
	on_pg = None
	if pg:
		on_pg = summarize(full_pg)
		on_pg["alone"] = summarize(alone_pg)
		show_rounds("PostgreSQL", on_pg)
		show_rounds("PostgreSQL, alone", on_pg["alone"])
		print("  PostgreSQL / SQLite: tincayd %.0f %% req/s, %.0f %% "
		    "tincayd CPU/msg; alone %.0f %% req/s, %.0f %% CPU/msg; "
		    "%.1f messages per commit" % (
		    100 * on_pg["rate"] / intake["rate"],
		    100 * on_pg["cpu_med"] / intake["cpu_med"],
		    100 * on_pg["alone"]["rate"] / only["rate"],
		    100 * on_pg["alone"]["cpu_med"] / only["cpu_med"],
		    on_pg["accepted"] / max(on_pg["commits"], 1)))
	for r in full + alone + full_c + alone_c + full_pg + alone_pg:
		if r["other"] or not r["drained"]:
			bad.append(("non-200 or unanswered", r["other"]))
	print("  stored msgs = 200s in every round  %s" % ("OK" if not bad else
	    "MISMATCH %r" % bad))
	return probe, intake, only, on_pg, not bad


def same_report(sames, full, bad):
	"""The same-work probe's rounds against tincayd's (full): its
	summary, printed with what shows it does the same durable work
	(bytes written and commits per message, medians of the rounds);
	a round whose stored messages are not its 200s goes to bad."""
	same = summarize(sames)
	show_rounds("same-work probe", same)
	for r in sames:
		if r["stored"] != r["accepted"] or r["other"] or \
		    not r["drained"]:
			bad.append(("same-work probe", r["stored"], r["accepted"],
			    r["other"]))
	for k, rs in (("wbytes", sames), ("t_wbytes", full)):
		same[k] = median([r["wbytes"] for r in rs])
	same["cpm"] = median([r["commits"] / max(r["accepted"], 1)
	    for r in sames])
	same["t_cpm"] = median([r["commits"] / max(r["accepted"], 1)
	    for r in full])
	same["vs_tincayd"] = same["wbytes"] / max(same["t_wbytes"], 1)
	print("  same work? written per message: probe %.1f kB, tincayd %.1f "
	    "kB (%.0f %%); commits per message: probe %.3f (its sent marks "
	    "after the load too), tincayd %.3f" % (same["wbytes"] / 1024,
	    same["t_wbytes"] / 1024, 100 * same["vs_tincayd"], same["cpm"],
	    same["t_cpm"]))
	return same


def run_dup_daemon(args):
	d = harness.Daemon(overrides("http://127.0.0.1:9"))
	try:
		d.start()
		ok = run_dups(d, args)
		d.stop()
	finally:
		d.cleanup()
	return ok


class Client:
	"""One keep-alive connection per thread."""
	local = threading.local()

	@classmethod
	def post(cls, port, body, t):
		c = getattr(cls.local, "c", None)
		for attempt in (0, 1):
			if c is None:
				c = http.client.HTTPConnection("127.0.0.1", port,
				    timeout=15)
				cls.local.c = c
			try:
				c.request("POST", "/sms/generic", body, {
				    "Content-Type": "application/json",
				    "X-Tincay-Signature": sig(body, t)})
				r = c.getresponse()
				data = r.read()
				return r.status, data
			except (OSError, http.client.HTTPException):
				c.close()
				c = cls.local.c = None
				if attempt:
					raise
		raise RuntimeError("unreachable")


def sig(body, t):
	return "t=%d,v1=%s" % (t, hmac.new(harness.SECRET.encode(),
	    str(t).encode() + b"." + body, hashlib.sha256).hexdigest())


def generic_body(i, prefix, text=None):
	return json.dumps({"id": "%s-%d" % (prefix, i),
	    "from": "+8492%07d" % i, "to": "8088",
	    "text": text or ("BL thon %d chong danh vo" % (i % 6 + 1))}).encode()


def run_dups(d, args):
	print("run 3: %d requests on /sms/generic, 20%% duplicate ids, 16 "
	    "clients" % args.dup_requests)
	rnd = random.Random(1)
	bodies, unique = [], 0
	for i in range(args.dup_requests):
		if bodies and rnd.random() < 0.2:
			# A recent id: often still in flight, so a concurrent copy.
			bodies.append(bodies[rnd.randrange(max(0, len(bodies) - 40),
			    len(bodies))])
		else:
			bodies.append(generic_body(unique, "dup"))
			unique += 1
	t = int(time.time())
	before = count_rows(d.dbpath, "SELECT count(*) FROM messages")
	replies, bad = {}, []

	def one(body):
		st, data = Client.post(d.port, body, t)
		return body, st, data

	t0 = time.monotonic()
	with ThreadPoolExecutor(max_workers=16) as ex:
		for body, st, data in ex.map(one, bodies):
			if st != 200:
				bad.append(st)
				continue
			replies.setdefault(body, set()).add(data)
	dur = time.monotonic() - t0
	new = count_rows(d.dbpath, "SELECT count(*) FROM messages") - before
	differing = sum(1 for v in replies.values() if len(v) > 1)
	ok = new == unique and not bad and not differing
	print("  %d requests in %.1f s (%.0f/s), %d unique ids" % (len(bodies),
	    dur, len(bodies) / dur, unique))
	if bad:
		print("  non-200 answers: %d (%r)" % (len(bad), sorted(set(bad))))
	if differing:
		print("  ids whose copies got different replies: %d" % differing)
	print("  stored msgs    %d = unique ids %d  %s" % (new, unique,
	    "OK" if ok else "MISMATCH"))
	return ok


def one_burst(args, tmp, csink, i, pg=None, nodes=1):
	"""One burst on a fresh daemon (on pg, a PgCluster; nodes of them
	on its database); returns (figures, ok)."""
	csink.get("/reset")
	f = {}
	try:
		ds = start_nodes(nodes, overrides(csink.url), csink.url, pg=pg)
	except Exception as e:
		print("bench: burst: error: %s" % e)
		return f, False
	d = ds[0]
	try:
		pid = d.proc.pid
		f["idle_pss_kb"] = settled_pss_kb(pid)
		f["idle_kb"] = proc_kb(pid, "VmRSS")
		r = wrk_nodes(ds, args, tmp, "burst%s%d" % ("pg" if pg else "",
		    i), count=args.burst)
		accepted = int(r["accepted"])
		# Until every alert is there, or none came for 10 s (at most
		# 5 minutes): a slower engine still delivers, a stuck one
		# does not hold the bench.
		t0 = last = time.monotonic()
		seen = -1
		while time.monotonic() - last < 10 and \
		    time.monotonic() - t0 < 300:
			s = csink.stats()
			if s["paths"].get("/hook", 0) >= accepted:
				break
			if s["paths"].get("/hook", 0) != seen:
				seen, last = s["paths"].get("/hook", 0), \
				    time.monotonic()
			time.sleep(0.02)
		s = csink.stats()
		hooks = s["paths"].get("/hook", 0)
		# the wrk run began at t_first_ms on the sink's clock
		# (CLOCK_MONOTONIC); the last POST may be a reply, the last
		# alert is no later
		span = (s["last_ms"] - r["t_first_ms"]) / 1000
		f["alerts_per_s"] = hooks / max(span, 1e-6)
		f["peak_kb"] = proc_kb(pid, "VmHWM")
		retries = sum(metric(x, "tincay_outbox_retries_total")
		    for x in ds)
		failed = sum(metric(x, "tincay_outbox_failed_total")
		    for x in ds)
		print("  %d accepted in %.2f s (p99 %.2f ms); %d alerts at the "
		    "sink %.2f s after the first POST: %.0f/s; %d replies; %d "
		    "duplicates, %s retries, %s failed; the sink accepted %d "
		    "connections in all" % (
		    accepted, r["duration_us"] / 1e6, r["p99_us"] / 1000, hooks,
		    span, f["alerts_per_s"],
		    s["paths"].get("/version1/messaging", 0), s["dups"], retries,
		    failed, s["conns"]))
		ok = (hooks == accepted and accepted == args.burst and
		    s["dups"] == 0 and retries == 0 and failed == 0)
		f.update(accepted=accepted, hooks=hooks, dups=s["dups"],
		    retries=retries, failed=failed, once=ok)
		time.sleep(1.0)
		f["after_kb"] = proc_kb(pid, "VmRSS")
	except Exception as e:
		run_failed("burst", e, d)
		ok = False
	try:
		stop_nodes(ds)
	except Exception as e:
		run_failed("burst", e, d)
		ok = False
	return f, ok


def one_same_burst(args, tmp, csink, i):
	"""The same burst through the same-work probe (issue 22's roofline)
	on a fresh database: its alerts at the sink a second, from the first
	POST to the last alert, as one_burst() times tincayd's. None if the
	probe is missing or not every alert came."""
	if not os.path.exists(SAME):
		return None
	csink.get("/reset")
	tag = "sameburst%d" % i
	db = os.path.join(tmp, tag + ".db")
	rate = overrides(csink.url)["sms_out"]["rate_per_second"]
	p = Program([SAME, "-d", db, "-s", csink.url, "-r", str(rate)], tmp,
	    tag)
	try:
		r = wrk_run(p.port, args, tmp, tag, count=args.burst)
		accepted = int(r["accepted"])
		t0 = last = time.monotonic()
		seen = -1
		while time.monotonic() - last < 10 and \
		    time.monotonic() - t0 < 300:
			hooks = csink.stats()["paths"].get("/hook", 0)
			if hooks >= accepted:
				break
			if hooks != seen:
				seen, last = hooks, time.monotonic()
			time.sleep(0.02)
		st = csink.stats()
	finally:
		p.stop()
		for ext in ("", "-wal", "-shm"):
			with contextlib.suppress(OSError):
				os.unlink(db + ext)
	hooks = st["paths"].get("/hook", 0)
	span = (st["last_ms"] - r["t_first_ms"]) / 1000
	print("  same-work probe: %d accepted in %.2f s; %d alerts at the "
	    "sink %.2f s after the first POST: %.0f/s; %d duplicates" % (
	    accepted, r["duration_us"] / 1e6, hooks, span,
	    hooks / max(span, 1e-6), st["dups"]))
	if hooks != accepted or accepted != args.burst:
		return None
	return hooks / max(span, 1e-6)


def run_burst(args, tmp, csink, pg=None, nodes=1, what="run 4", n=0):
	"""Run 4, in n rounds (default --rounds; on pg, a PgCluster; nodes
	tincayd on one database); returns (figures, ok)."""
	n = n or args.rounds
	print("%s: burst of %d reports on a fresh tincayd%s, alerts to the "
	    "C sink, %d round%s" % (what, args.burst, " on PostgreSQL" if pg
	    else "", n, "s" if n > 1 else ""))
	rounds, sames, ok = [], [], True
	for i in range(n):
		f, good = one_burst(args, tmp, csink, i, pg, nodes)
		ok &= good
		if args.peer and not pg and nodes == 1:
			args.peer.burst(i)
		if not pg and nodes == 1:
			sb = one_same_burst(args, tmp, csink, i)
			if sb:
				sames.append(sb)
		if f.get("alerts_per_s"):
			rounds.append(f)
	if not rounds:
		return None, False
	f = median(rounds, key=lambda x: x["alerts_per_s"])
	f = dict(f, once=ok, same=median(sames) if sames else None,
	    peak_kb=max(x["peak_kb"] for x in rounds),
	    idle_kb=median([x["idle_kb"] for x in rounds]),
	    idle_pss_kb=median([x["idle_pss_kb"] for x in rounds]))
	print("  median %.0f alerts/s; delivered = accepted, once each, zero "
	    "retries  %s" % (f["alerts_per_s"], "OK" if ok else "MISMATCH"))
	print("  RSS idle %.1f MB, peak %.1f MB (highest round), after the "
	    "burst %.1f MB; idle PSS %.1f MB (settled after start)" % (
	    f["idle_kb"] / 1024, f["peak_kb"] / 1024, f["after_kb"] / 1024,
	    f["idle_pss_kb"] / 1024))
	return f, ok


def run_two_nodes(args, tmp, csink, pg):
	"""Run 9: two tincayd on one PostgreSQL database, each under its
	share of the load of runs 1-2 (a wrk each), in rounds alternating
	with one tincayd; then the burst through both. Returns (figures,
	ok), figures None if a second daemon cannot run on the database."""
	print("run 9: two tincayd on one PostgreSQL database, the load of "
	    "runs 1-2 shared out (a wrk for each), alternating with one")
	try:
		stop_nodes(start_nodes(2, alone_overrides(), pg=pg))
	except Exception as e:
		print("  two nodes: not measured: %s" % e)
		return None, True
	bad = []

	def stored(d, r):
		n = db_count(d, "SELECT count(*) FROM messages")
		if n != r["accepted"] or r["other"] or not r["drained"]:
			bad.append((n, r["accepted"], r["other"]))

	ones, twos = [], []
	for i in range(args.rounds):
		ones.append(one_tincayd(args, tmp, "one%d" % i,
		    overrides(csink.url), csink.url, stored, pg=pg))
		twos.append(one_tincayd(args, tmp, "two%d" % i,
		    overrides(csink.url), csink.url, stored, pg=pg, nodes=2))
	one, two = summarize(ones), summarize(twos)
	show_rounds("one node", one)
	show_rounds("two nodes", two)
	two["vs_one"] = two["rate"] / one["rate"]
	print("  two nodes / one: %.0f %% req/s; CPU/msg of both tincayd "
	    "%.0f %%, of PostgreSQL %.0f %%" % (100 * two["vs_one"],
	    100 * two["cpu_med"] / one["cpu_med"],
	    100 * two["pg_cpu_med"] / one["pg_cpu_med"]))
	print("  stored msgs = 200s in every round  %s" % ("OK" if not bad else
	    "MISMATCH %r" % bad))
	burst, ok = run_burst(args, tmp, csink, pg, nodes=2,
	    what="run 9, two nodes", n=1)
	return dict(two, burst=burst, burst_ok=ok), ok and not bad


def run_latency(args):
	"""POST sent → alert at a webhook; never negative."""
	print("run 5: %d reports at %d/s, POST sent → alert received" % (
	    args.latency_reports, args.latency_rate))
	sink = Sink()
	d = harness.Daemon({"allow_http": True})
	ok = True
	try:
		d.start()
		add_hook(d, sink.url)
		t = int(time.time())
		sent = {}
		c = None
		gap = 1.0 / args.latency_rate
		start = time.monotonic()
		for i in range(args.latency_reports):
			nxt = start + i * gap
			if time.monotonic() < nxt:
				time.sleep(nxt - time.monotonic())
			body = generic_body(i, "lat")
			if c is None:
				c = http.client.HTTPConnection("127.0.0.1", d.port,
				    timeout=15)
			t0 = time.monotonic()
			c.request("POST", "/sms/generic", body, {
			    "Content-Type": "application/json",
			    "X-Tincay-Signature": sig(body, t)})
			r = c.getresponse()
			data = r.read()
			if r.status == 200:
				sent[json.loads(data)["ref"]] = t0
		c.close()
		got = sink.wait_for(len(sent), timeout=30)
		lat = sorted(x.mono - sent[(x.json() or {}).get("ref")]
		    for x in got if (x.json() or {}).get("ref") in sent)
		pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
		if lat:
			print("  p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d alerts)" %
			    (pct(0.5), pct(0.99), lat[-1] * 1000, len(lat)))
		ok = len(lat) == args.latency_reports and min(lat) > 0
		if not ok:
			print("  MISMATCH: %d alerts of %d" % (len(lat),
			    args.latency_reports))
		d.stop()
	except Exception as e:
		print("bench: latency: error: %s" % e)
		ok = False
	finally:
		d.cleanup()
		sink.close()
	return ok


PREFILL_SQL = """
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n)
INSERT INTO reports (id, ref, category, area, status, reporter, created_at,
    updated_at, closed_at)
SELECT x, 'X0' || x, CASE x % 3 WHEN 0 THEN 'shelter' ELSE 'gbv' END,
    'T' || (x % 6 + 1), CASE x % 4 WHEN 0 THEN 'open' WHEN 1
    THEN 'acknowledged' ELSE 'closed' END, '+8490' || printf('%07d', x),
    :t0 + x * :step, :t0 + x * :step,
    CASE WHEN x % 4 > 1 THEN :t0 + x * :step + 3600 END FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n)
INSERT INTO messages (id, provider, provider_id, sender, recipient, body,
    category, report_id, reply, received_at)
SELECT x, 'africastalking', 'pre-' || x, '+8490' || printf('%07d', x),
    '8088', 'BL thon ' || (x % 6 + 1) || ' chong danh vo',
    CASE x % 3 WHEN 0 THEN 'shelter' ELSE 'gbv' END, x,
    'Tin nhan da duoc tiep nhan. Khan cap goi 113.', :t0 + x * :step FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n)
INSERT INTO outbox (report_id, contact_id, channel, event, dest, body, lane,
    status, attempts, next_at, created_at, sent_at)
SELECT x, 1, 'webhook', 'report.created', 'http://127.0.0.1:9/hook',
    '{"event":"report.created"}', 0, 'sent', 1, :t0 + x * :step,
    :t0 + x * :step, :t0 + x * :step FROM c;
"""


def run_growth(args, tmp, csink):
	"""Returns (figures, ok)."""
	n = args.prefill
	print("run 6: %d messages, reports and sent alerts already stored, "
	    "%d rounds alternating with an empty database" % (n, args.rounds))
	d = harness.Daemon(overrides(csink.url))
	ok = True
	f = {}
	try:
		d.start()
		add_hook(d, csink.url)
		# an official to ask TK by SMS
		d.add_contact("Chu tich", "0931000009", "official", areas="*")
		d.stop()
		# two years up to now, the newest in this month
		now = int(time.time())
		step = max(1, 2 * 365 * 86400 // n)
		t0 = now - n * step
		t = time.monotonic()
		db = sqlite3.connect(d.dbpath, timeout=30)
		db.execute("PRAGMA journal_mode = WAL")
		db.execute("PRAGMA synchronous = OFF")
		for stmt in PREFILL_SQL.split(";\n"):
			if stmt.strip():
				db.execute(stmt, {"n": n, "t0": t0, "step": step})
		db.commit()
		db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
		db.close()
		# The fill ran with synchronous=OFF: put its pages on disk now,
		# or the daemon's first checkpoint pays for all of them.
		fd = os.open(d.dbpath, os.O_RDONLY)
		os.fsync(fd)
		os.close(fd)
		print("  pre-filled in %.1f s, database %.0f MB" % (
		    time.monotonic() - t, os.path.getsize(d.dbpath) / 2 ** 20))
		empties, fulls = [], []
		for i in range(args.rounds):
			empties.append(one_tincayd(args, tmp, "empty%d" % i,
			    overrides(csink.url), csink.url))
			before = count_rows(d.dbpath,
			    "SELECT count(*) FROM messages")
			d.start()
			r = wrk_run(d.port, args, tmp, "grown%d" % i,
			    seconds=args.duration)
			d.stop()
			fulls.append(r)
			stored = count_rows(d.dbpath,
			    "SELECT count(*) FROM messages")
			if stored != before + r["accepted"]:
				print("  MISMATCH: stored %d, want %d + 200s %d" % (
				    stored, before, r["accepted"]))
				ok = False
			# what this round left to deliver stays out of the next
			db = sqlite3.connect(d.dbpath, timeout=30)
			db.execute("UPDATE outbox SET status = 'sent' WHERE "
			    "status = 'pending'")
			db.commit()
			db.close()
		e, g = summarize(empties), summarize(fulls)
		show_rounds("empty database", e)
		show_rounds("%d stored" % n, g)
		f["ratio"] = g["rate"] / e["rate"]
		print("  ratio          %.0f %%; stored msgs = %d + 200s  %s" % (
		    100 * f["ratio"], n, "OK" if ok else "MISMATCH"))
		d.start()
		# a month's stats, from the operator's command line
		lt = time.localtime(now)
		frm = "%04d-%02d-01" % (lt.tm_year, lt.tm_mon)
		times = []
		for _ in range(5):
			t = time.monotonic()
			d.ctl("stats", "--from", frm, "--format", "json")
			times.append(time.monotonic() - t)
		times.sort()
		f["stats_ms"] = times[2] * 1000
		month = count_rows(d.dbpath, "SELECT count(*) FROM reports "
		    "WHERE created_at >= strftime('%%s', '%s')" % frm)
		print("  stats --from %s (%d reports): median %.1f ms, whole "
		    "tincayctl run" % (frm, month, f["stats_ms"]))
		# TK by SMS: the event loop holds for the query
		tk = []
		tt = int(time.time())
		for i in range(11):
			body = json.dumps({"id": "tk-%d" % i, "from": "0931000009",
			    "to": "8088", "text": "TK THANG"}).encode()
			t = time.monotonic()
			st, data = Client.post(d.port, body, tt)
			tk.append(time.monotonic() - t)
			ok &= st == 200 and b"TK" in data
		tk.sort()
		f["tk_ms"] = tk[5] * 1000
		print("  TK THANG by SMS: median %.1f ms, max %.1f ms (request "
		    "to reply)" % (f["tk_ms"], tk[-1] * 1000))
		d.stop()
		if args.communes:
			f["city"] = city_stats(d, args, frm)
	except Exception as e:
		run_failed("growth", e, d)
		ok = False
	finally:
		d.cleanup()
	return f, ok


# ---------------------------------------------------------------- a city

# A commune's name: one of these and one of those ("Xã Tịnh Châu"), a
# number after it past the hundredth. None is a number word, which a
# hamlet's name may hold ("thôn ba").
CITY_FIRST = ("Tịnh", "Nghĩa", "Bình", "Sơn", "Đức", "Phổ", "Hành", "Kỳ",
    "Trà", "Hoài")
CITY_SECOND = ("Châu", "Ấn", "Hà", "Long", "Thành", "Hòa", "Phú", "Thuận",
    "Minh", "Lộc")
CITY_HAMLETS = 10
CITY_CONTACTS = 20	# a commune's; one of them alerted by a BL


def city_communes(n):
	"""n communes: (code, name, its number)."""
	out = []
	for i in range(n):
		name = "Xã %s %s" % (CITY_FIRST[i % 10], CITY_SECOND[i // 10 % 10])
		if i >= 100:
			name += " %d" % (i // 100 + 1)
		out.append(("C%03d" % (i + 1), name, "+8490520%04d" % i))
	return out


def city_overrides(sink_url, communes):
	"""overrides() for a city of communes, each with hamlets Thôn 1 to
	CITY_HAMLETS under the same codes (T3 of one is not T3 of another)
	and the top level's routing: gbv to police and health."""
	ov = overrides(sink_url)
	hamlets = [{"code": "T%d" % h, "name": "Thôn %d" % h,
	    "aliases": ["thon %d" % h, "thon%d" % h]}
	    for h in range(1, CITY_HAMLETS + 1)]
	ov["communes"] = [{"code": code, "name": name, "numbers": [number],
	    "areas": hamlets} for code, name, number in communes]
	return ov


def city_files(tmp, communes, sink_url):
	"""The city's contacts CSV (CITY_CONTACTS a commune: its police by
	webhook to the sink, as add_hook's; volunteers of one hamlet or of
	two, leaders and officials by SMS, none of whom a BL alerts) and the
	communes file for bench.lua. Their paths."""
	csv = os.path.join(tmp, "city-contacts.csv")
	with open(csv, "w", encoding="utf-8") as f:
		f.write("name,phone,role,areas,channel,url,pin,commune\n")
		for i, (code, name, _) in enumerate(communes):
			rows = [("police", "*", "webhook", sink_url + "/hook")]
			rows += [("volunteer", "T%d" % h, "sms", "")
			    for h in range(1, CITY_HAMLETS + 1)]
			rows += [("leader", "*", "sms", ""),
			    ("official", "*", "sms", "")] * 2
			while len(rows) < CITY_CONTACTS:
				h = len(rows) % CITY_HAMLETS + 1
				rows.append(("volunteer", "T%d;T%d" % (h,
				    h % CITY_HAMLETS + 1), "sms", ""))
			for j, (role, areas, channel, url) in enumerate(rows):
				f.write("%s %s %d,+849330%05d,%s,%s,%s,%s,,%s\n" % (
				    role, code, j, i * CITY_CONTACTS + j, role,
				    areas, channel, url, code))
	lua = os.path.join(tmp, "city-communes.txt")
	with open(lua, "w", encoding="utf-8") as f:
		for code, name, number in communes:
			# as a resident types it: no accents, no "Xã"
			f.write("%s %s\n" % (number, harness.fold(name).replace(
			    "xa ", "", 1).replace(" ", "+")))
	return csv, lua


def city_check(communes, bad):
	"""A check for one_tincayd: every message stored, every report in a
	commune of the city (none left to the city's top level), each
	alerting one contact, its own commune's police."""
	def check(d, r):
		n = count_rows(d.dbpath, "SELECT count(*) FROM messages")
		reps = count_rows(d.dbpath, "SELECT count(*) FROM reports")
		unplaced = count_rows(d.dbpath, "SELECT count(*) FROM reports "
		    "WHERE commune IN ('', '*')")
		seen = count_rows(d.dbpath, "SELECT count(DISTINCT commune) "
		    "FROM reports")
		alerts = count_rows(d.dbpath, "SELECT count(*) FROM outbox "
		    "WHERE event = 'report.created' AND contact_id IS NOT NULL")
		astray = count_rows(d.dbpath, "SELECT count(*) FROM outbox o "
		    "JOIN reports r ON r.id = o.report_id JOIN contacts c ON "
		    "c.id = o.contact_id WHERE o.event = 'report.created' AND "
		    "(c.commune <> r.commune OR c.role <> 'police')")
		if (n != r["accepted"] or reps != n or unplaced or alerts != reps
		    or astray or seen != min(len(communes), reps)):
			bad.append({"stored": n, "200s": r["accepted"],
			    "reports": reps, "unplaced": unplaced, "communes":
			    seen, "alerts": alerts, "astray": astray})
	return check


def run_city(args, tmp, csink):
	"""Run 10: a city of --communes communes against one commune, the
	same load in alternating rounds. Returns (figures, ok)."""
	communes = city_communes(args.communes)
	csv, lua = city_files(tmp, communes, csink.url)
	ov = city_overrides(csink.url, communes)
	print("run 10: a city of %d communes x %d hamlets, %d contacts, "
	    "against one commune (run 1-2's tincayd), %d rounds of %d s, "
	    "alternating; half the messages to a commune's number, half to "
	    "the city's naming it" % (len(communes), CITY_HAMLETS,
	    len(communes) * CITY_CONTACTS, args.city_rounds, args.duration))
	bad = []

	def one(d, r):
		n = count_rows(d.dbpath, "SELECT count(*) FROM messages")
		if n != r["accepted"]:
			bad.append((n, r["accepted"]))

	def book(d):
		t = time.monotonic()
		d.ctl("contacts", "import", csv)
		book.s = time.monotonic() - t

	ones, cities = [], []
	for i in range(args.city_rounds):
		ones.append(one_tincayd(args, tmp, "commune%d" % i,
		    overrides(csink.url), csink.url, one))
		cities.append(one_tincayd(args, tmp, "city%d" % i, ov, book,
		    city_check(communes, bad), city=lua))
	for r in ones + cities:
		if r["other"] or not r["drained"]:
			bad.append(("non-200 or unanswered", r["other"]))
	single, city = summarize(ones), summarize(cities)
	show_rounds("one commune", single)
	show_rounds("a city", city)
	# Each city round against the commune's round just before it (the
	# box's load drifts between rounds, less within a pair): the
	# median of those ratios.
	for key, ratio in (("rate", "vs_one"), ("cpu_us", "cpu_vs_one"),
	    ("p99_us", "p99_vs_one")):
		city[ratio] = median([c[key] / max(o[key], 1e-9)
		    for o, c in zip(ones, cities)])
	city["one"] = single
	print("  city / one commune, median of the rounds' pairs: %.0f %% "
	    "req/s, %.0f %% p99, %.0f %% CPU/msg; %d contacts imported in "
	    "%.1f s" % (100 * city["vs_one"], 100 * city["p99_vs_one"],
	    100 * city["cpu_vs_one"], len(communes) * CITY_CONTACTS, book.s))
	print("  stored msgs = 200s, every report in its commune alerting "
	    "its police only  %s" % ("OK" if not bad else "MISMATCH %r" %
	    bad[:3]))
	return city, not bad


def city_stats(d, args, frm):
	"""Run 6's database as a city's: its reports spread over the
	communes of run 10 (six hamlets of each), the daemon on the city's
	config; a month's stats of the whole city, and of one commune where
	tincayctl has --commune, timed. Figures."""
	communes = city_communes(args.communes)
	f = {}
	t = time.monotonic()
	db = sqlite3.connect(d.dbpath, timeout=30)
	db.execute("UPDATE reports SET commune = printf('C%%03d', (id / 6) "
	    "%% %d + 1)" % len(communes))
	db.commit()
	db.close()
	cfg = merge_copy(d.config, city_overrides(d.config["providers"]
	    ["africastalking"]["api_base"], communes))
	d.write_config(cfg)
	print("  as a city's: %d reports spread over %d communes in %.1f s" % (
	    count_rows(d.dbpath, "SELECT count(*) FROM reports"),
	    len(communes), time.monotonic() - t))
	d.start()
	try:
		usage = d.ctl("stats", "--help", ok=False).stdout.decode()
		times, out = [], b""
		for _ in range(5):
			t = time.monotonic()
			out = d.ctl("stats", "--from", frm, "--format",
			    "json").stdout
			times.append(time.monotonic() - t)
		times.sort()
		f["stats_ms"] = times[2] * 1000
		j = json.loads(out)
		f["by_commune"] = "by_commune" in j
		month = sum(v for v in j.get("by_category", {}).values()
		    if isinstance(v, int))
		print("  stats --from %s, the whole city (%d reports): median "
		    "%.1f ms, whole tincayctl run; %s" % (frm, month,
		    f["stats_ms"], "with by_commune" if f["by_commune"] else
		    "NO by_commune in this build's stats (the city's stats "
		    "are not on this branch yet): timed what exists"))
		if "--commune" in usage:
			times = []
			for _ in range(5):
				t = time.monotonic()
				d.ctl("stats", "--from", frm, "--format", "json",
				    "--commune", communes[0][0])
				times.append(time.monotonic() - t)
			times.sort()
			f["commune_ms"] = times[2] * 1000
			print("  stats --from %s --commune %s: median %.1f ms" % (
			    frm, communes[0][0], f["commune_ms"]))
		else:
			print("  stats --commune: not in this build's tincayctl; "
			    "not timed")
	finally:
		d.stop()
	return f


def merge_copy(a, b):
	"""a deep copy of a with b merged into it (harness.merge)."""
	return harness.merge(json.loads(json.dumps(a)), b)


def run_pin():
	"""Returns (figures, ok): what one PIN check costs."""
	print("run 7: PIN checks with the parameters in force")
	try:
		out = subprocess.run([PIN, "21"], capture_output=True,
		    text=True, timeout=120, check=True).stdout.split()
	except (subprocess.SubprocessError, OSError) as e:
		print("bench: pin: error: %s" % e)
		return None, False
	params, cpu, worst, wall, n = out[0], int(out[1]), int(out[2]), \
	    int(out[3]), int(out[4])
	print("  %s: median %.1f ms CPU (max %.1f), %.1f ms wall, %d checks" %
	    (params, cpu / 1000, worst / 1000, wall / 1000, n))
	return {"params": params, "cpu_ms": cpu / 1000}, True


def run_plea():
	"""Returns (figures, ok): what telling a plea costs per message."""
	print("run 8: plain-language pleas, the corpus through plea_match()")
	try:
		out = subprocess.run([PLEA, CORPUS, "21"], capture_output=True,
		    text=True, timeout=120, check=True).stdout.split()
	except (subprocess.SubprocessError, OSError) as e:
		print("bench: plea: error: %s" % e)
		return None, False
	n, med, worst, rounds = int(out[0]), int(out[1]), int(out[2]), \
	    int(out[3])
	print("  %d texts: median %.2f us CPU a text (max %.2f), %d rounds" %
	    (n, med / 1000, worst / 1000, rounds))
	return {"us": med / 1000}, True


# ---------------------------------------------------------------- the console

CONSOLE_ADMIN, CONSOLE_CW = "quantri1", "canbo13"
CONSOLE_CW_AREAS = ("T1", "T3")
CONSOLE_PAGE_ROWS = 50		# web_int.h's WEB_PAGE_ROWS


def console_listen(ov, port):
	"""ov with the web console listening on loopback port."""
	return merge_copy(ov, {"console": {"listen": "127.0.0.1:%d" % port}})


def console_signin(d, name):
	"""A session of user name on d's console (d.console_port): its
	cookie, signed in over HTTP with the sign-in form's CSRF token."""
	b = webclient.Browser(d)
	b.signin(name)
	return b.cookie()


class ConsoleTimer:
	"""GETs on the console with one session's cookie on a kept-alive
	connection (as a browser's), each timed from the request's first
	byte sent to the answer's last read."""

	def __init__(self, port, cookie):
		self.port = port
		self.cookie = cookie
		self.c = None

	def get(self, path):
		"""(seconds, status, body)."""
		t = time.monotonic()
		for attempt in (0, 1):
			if self.c is None:
				self.c = http.client.HTTPConnection("127.0.0.1",
				    self.port, timeout=30)
			try:
				self.c.request("GET", path, headers={"Cookie":
				    "%s=%s" % (webclient.COOKIE, self.cookie)})
				r = self.c.getresponse()
				body = r.read()
				if r.getheader("Connection", "").lower() == "close":
					self.c.close()
					self.c = None
				return time.monotonic() - t, r.status, body
			except (OSError, http.client.HTTPException):
				self.c.close()
				self.c = None
				if attempt:
					raise
		raise RuntimeError("unreachable")

	def close(self):
		if self.c is not None:
			self.c.close()


def percentile(xs, q):
	"""The nearest-rank q-quantile of xs."""
	s = sorted(xs)
	return s[max(0, min(len(s) - 1, -(-int(q * 100) * len(s) // 100) - 1))]


def console_fill(d, args, tmp, csink):
	"""--console-reports reports into d (started, the sink's webhook
	contact added) through its intake with wrk, every alert and reply
	delivered; then, the daemon stopped, a quarter left open, a quarter
	acknowledged, half closed (the triggers keep the day counts), and d
	started again. Returns (reports, ok)."""
	n = args.console_reports
	csink.get("/reset")
	t = time.monotonic()
	r = wrk_run(d.port, args, tmp, "console-fill", count=n)
	deadline = time.monotonic() + 120
	pending = 1
	while time.monotonic() < deadline:
		pending = count_rows(d.dbpath, "SELECT count(*) FROM outbox "
		    "WHERE status = 'pending'")
		if not pending:
			break
		time.sleep(0.2)
	d.stop()
	stored = count_rows(d.dbpath, "SELECT count(*) FROM reports")
	ok = stored == r["accepted"] == n and not r["other"] and \
	    r["drained"] and not pending
	db = sqlite3.connect(d.dbpath, timeout=30)
	db.execute("UPDATE reports SET status = CASE id % 4 WHEN 1 THEN "
	    "'acknowledged' ELSE 'closed' END, escalate_at = NULL, "
	    "closed_at = CASE WHEN id % 4 > 1 THEN created_at + 3600 END, "
	    "updated_at = created_at + 60 WHERE id % 4 <> 0")
	db.commit()
	db.close()
	d.start()
	print("  %d reports through intake (wrk) in %.1f s, every alert and "
	    "reply delivered; a quarter left open, a quarter acknowledged, "
	    "half closed (SQL, daemon stopped)  %s" % (stored,
	    time.monotonic() - t, "OK" if ok else "MISMATCH (%d stored, %d "
	    "200s, %d pending)" % (stored, r["accepted"], pending)))
	return stored, ok


def console_time(timer, path, n):
	"""path GET n times after one warm-up: (times in s, last body), or
	(None, body) if an answer was not 200."""
	times, body = [], b""
	for i in range(n + 1):
		t, st, body = timer.get(path)
		if st != 200:
			print("  GET %s: %d %r" % (path, st, body[:200]))
			return None, body
		if i:
			times.append(t)
	return times, body


# A case list's rows: the links to their case pages (a REF, or run 6's
# pre-filled X0... refs).
CONSOLE_ROW = re.compile(r'<tr><td><a href="/cases/([A-Za-z0-9]+)"')


def console_refs_ok(d, refs, where):
	"""Whether every REF of refs is a report that where (SQL on reports)
	holds."""
	if not refs:
		return True
	q = "SELECT count(*) FROM reports WHERE ref IN (%s) AND %s" % (
	    ",".join("'%s'" % r for r in refs), where)
	return count_rows(d.dbpath, q) == len(refs)


def console_pages(d, args, pages, case=True):
	"""Time each of pages, (who, user, path, rows wanted, the SQL its
	rows must meet), the user signed in for it; after the first one, a
	case's page from the middle of its list (case). Figures of each,
	printed, and whether all were right."""
	out, ok = [], True
	for who, name, path, want, where in pages:
		timer = ConsoleTimer(d.console_port, console_signin(d, name))
		try:
			times, body = console_time(timer, path, args.console_gets)
			refs = CONSOLE_ROW.findall(body.decode("utf-8", "replace"))
			good = times is not None and len(refs) == want and \
			    console_refs_ok(d, refs, where)
			out.append(console_page_line(who, path, times, body, refs,
			    good))
			ok &= good
			if case and refs:
				case, ref = False, refs[len(refs) // 2]
				times, body = console_time(timer, "/cases/" + ref,
				    args.console_gets)
				good = times is not None and ref.encode() in body
				out.append(console_page_line(who, "/cases/" + ref,
				    times, body, None, good))
				ok &= good
		finally:
			timer.close()
	return out, ok


def run_console_list(args, tmp, csink):
	"""Run 12: the console's pages on a database of --console-reports
	reports filed through intake: an admin's and a caseworker's (of two
	hamlets) first page of /cases, a filtered list (a hamlet, status
	open), filters no case meets (the whole list walked: a status
	nobody has, a hamlet not hers, which her page's choice offers) and a
	case's page, each GET --console-gets times on loopback over a kept-alive
	connection, end to end (every page writes its audit row and is
	answered after its COMMIT). Then the same lists on run 6's
	pre-filled database of --prefill reports, printed, not judged.
	Returns (figures, ok)."""
	print("run 12: the console on %d reports filed through intake, "
	    "%d GETs of each page (after one warm-up), one kept-alive "
	    "connection, answered after the audit row's COMMIT" % (
	    args.console_reports, args.console_gets))
	d = harness.Daemon(overrides(csink.url))
	f, ok = {"pages": []}, True
	mine = "area IN (%s)" % ",".join("'%s'" % a for a in CONSOLE_CW_AREAS)
	t3 = "area = 'T3' AND status = 'open'"
	rows = CONSOLE_PAGE_ROWS
	pages = [
	    ("admin", CONSOLE_ADMIN, "/cases", rows, "1=1"),
	    ("caseworker", CONSOLE_CW, "/cases", rows, mine),
	    ("admin", CONSOLE_ADMIN, "/cases?area=T3&status=open", rows, t3),
	    ("caseworker", CONSOLE_CW, "/cases?area=T3&status=open", rows,
		t3),
	    ("caseworker", CONSOLE_CW, "/cases?status=cancelled", 0, "0"),
	    ("caseworker", CONSOLE_CW, "/cases?area=T5", 0, "0")]
	try:
		webclient.console_up(d, overrides(csink.url))
		add_hook(d, csink.url)
		console_users(d)
		f["reports"], ok = console_fill(d, args, tmp, csink)
		f["pages"], good = console_pages(d, args, pages)
		ok &= good
		d.stop()
	except Exception as e:
		run_failed("console", e, d)
		ok = False
	finally:
		d.cleanup()
	lists = [p for p in f["pages"] if p["list"] and p["median_ms"]]
	if lists:
		f["worst"] = max(lists, key=lambda p: p["median_ms"])
	if args.prefill:
		f["big"], good = console_big(args, pages)
		ok &= good
	return f, ok


def console_users(d):
	"""The console's admin and caseworker (of CONSOLE_CW_AREAS) on d."""
	webclient.add_user(d, CONSOLE_ADMIN, "admin")
	webclient.add_user(d, CONSOLE_CW, "caseworker",
	    areas=";".join(CONSOLE_CW_AREAS))


def console_big(args, pages):
	"""Run 12's lists on run 6's database of --prefill reports (its
	PREFILL_SQL: no texts, no REF the daemon made, so no case's page).
	Printed, not judged. (figures, ok)."""
	n = args.prefill
	print("  the same lists on %d reports (run 6's pre-filled database), "
	    "not judged:" % n)
	d = harness.Daemon(overrides("http://127.0.0.1:9"))
	out, ok = [], True
	try:
		webclient.console_up(d, overrides("http://127.0.0.1:9"))
		console_users(d)
		d.stop()
		now = int(time.time())
		step = max(1, 2 * 365 * 86400 // n)
		db = sqlite3.connect(d.dbpath, timeout=30)
		db.execute("PRAGMA synchronous = OFF")
		for stmt in PREFILL_SQL.split(";\n"):
			if stmt.strip():
				db.execute(stmt, {"n": n, "t0": now - n * step,
				    "step": step})
		db.commit()
		db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
		db.close()
		d.start()
		out, ok = console_pages(d, args, pages, case=False)
		d.stop()
	except Exception as e:
		run_failed("console, pre-filled", e, d)
		ok = False
	finally:
		d.cleanup()
	return out, ok


def console_page_line(who, path, times, body, refs, good):
	"""One page's figures, printed (refs: a list's REFs, None for a
	case's page)."""
	p = {"who": who, "path": path, "list": refs is not None,
	    "median_ms": None}
	if times:
		p["median_ms"] = median(times) * 1000
		p["p95_ms"] = percentile(times, 0.95) * 1000
		print("  %-10s GET %-28s median %6.2f ms  p95 %6.2f ms  (%s%.0f "
		    "kB)  %s" % (who, path, p["median_ms"], p["p95_ms"],
		    "%d cases, " % len(refs) if refs is not None else "",
		    len(body) / 1024, "OK" if good else "MISMATCH"))
	else:
		print("  %-10s GET %-28s not timed  MISMATCH" % (who, path))
	return p


def console_idle_round(args, tmp, csink, tag, console, check):
	"""One round of runs 1-2's tincayd (alerts and replies to the sink),
	with its console listening, an admin signed in and no request
	during the load (console), or without a console."""
	for attempt in range(3):
		ov = overrides(csink.url)

		def hook(d):
			add_hook(d, csink.url)
			if console:
				d.console_port = port
				webclient.add_user(d, CONSOLE_ADMIN, "admin")
				console_signin(d, CONSOLE_ADMIN)

		if console:
			port = harness.free_port()
			ov = console_listen(ov, port)
		try:
			return one_tincayd(args, tmp, tag, ov, hook, check)
		except Exception as e:
			# another program took the console's port meanwhile
			if not console or attempt == 2 or not re.search(
			    r"in use|bind", str(e), re.I):
				raise
	raise RuntimeError("unreachable")


def run_console_idle(args, tmp, csink):
	"""Run 11: runs 1-2's tincayd with the console configured and idle
	(listening, an admin signed in, no request) against it without, in
	--console-rounds pairs of the same load, the pair's order swapped
	each time; the median of each pair's ratios (the box's load drifts
	between rounds more than within a pair). Returns (figures, ok)."""
	print("run 11: tincayd with the console listening and idle (an admin "
	    "signed in, no request) vs without, %d pairs of %d s rounds, "
	    "alternating" % (args.console_rounds, args.duration))
	bad = []

	def stored(d, r):
		n = count_rows(d.dbpath, "SELECT count(*) FROM messages")
		if n != r["accepted"] or r["other"] or not r["drained"]:
			bad.append((n, r["accepted"], r["other"]))

	withs, withouts = [], []
	for i in range(args.console_rounds):
		for console in ((False, True) if i % 2 == 0 else (True, False)):
			r = console_idle_round(args, tmp, csink, "%s%d" % (
			    "console" if console else "noconsole", i), console,
			    stored)
			(withs if console else withouts).append(r)
	w, wo = summarize(withs), summarize(withouts)
	show_rounds("without the console", wo)
	show_rounds("console idle", w)
	for key, ratio in (("rate", "rate_vs"), ("cpu_us", "cpu_vs")):
		w[ratio + "_pairs"] = sorted(a[key] / max(b[key], 1e-9)
		    for a, b in zip(withs, withouts))
		w[ratio] = median(w[ratio + "_pairs"])
	w["without"] = wo
	print("  console idle / without, median of the pairs: %+.1f %% CPU/"
	    "msg, %+.1f %% req/s (the pairs' CPU ratios, sorted: %s; what "
	    "the box's load does between two rounds)" % (
	    100 * (w["cpu_vs"] - 1), 100 * (w["rate_vs"] - 1), ", ".join(
	    "%.2f" % x for x in w["cpu_vs_pairs"])))
	print("  stored msgs = 200s in every round  %s" % ("OK" if not bad else
	    "MISMATCH %r" % bad))
	return w, not bad


def console_rows(args, lst, idle):
	"""Issue 21's targets that make bench measures: rows of (target,
	figure, met)."""
	rows = []
	if lst and lst.get("worst"):
		p = lst["worst"]
		rows.append(("console case list of %d reports <= 50 ms" %
		    args.console_reports, "%.1f ms median, p95 %.1f (%s %s)" % (
		    p["median_ms"], p["p95_ms"], p["who"], p["path"]),
		    p["median_ms"] <= 50))
	if idle:
		# The median of the pairs' ratios; their range beside it says
		# how far this box's noise reaches.
		pairs = idle["cpu_vs_pairs"]
		rows.append(("console idle: intake CPU/msg <= +2 %",
		    "%+.1f %% (pairs %+.0f..%+.0f %%), req/s %+.1f %%" % (
		    100 * (idle["cpu_vs"] - 1), 100 * (pairs[0] - 1),
		    100 * (pairs[-1] - 1), 100 * (idle["rate_vs"] - 1)),
		    idle["cpu_vs"] <= 1.02))
	return rows


# ---------------------------------------------------------------- issue 22

def issue22_rows(args, probe, intake, burst):
	"""Issue 22's targets that this run measures without a peer: rows
	of (target, figure, met). Those against Kannel's figures are
	made beside these."""
	rows = []
	same = probe.get("same") if probe else None
	if intake and same:
		rows.append(("durable intake >= 75 % of the same-work probe",
		    "%.0f / %.0f req/s = %.0f %%" % (intake["rate"],
		    same["rate"], 100 * intake["rate"] / same["rate"]),
		    intake["rate"] >= 0.75 * same["rate"]))
	if intake:
		rows.append(("p99 <= 10 ms at %d connections" %
		    args.connections, "%.2f ms" % (intake["p99_us"] / 1000),
		    intake["p99_us"] <= 10000))
	if intake and same:
		rows.append(("  (same-work probe: the box's roofline)",
		    "%.2f ms" % (same["p99_us"] / 1000), None))
	if burst:
		rows.append(("every alert once, 0 retries (burst of %d)" %
		    args.burst, "%d of %d, %d twice, %d retries, %d failed" % (
		    burst["hooks"], burst["accepted"], burst["dups"],
		    burst["retries"], burst["failed"]), burst["once"]))
		rows.append(("idle PSS <= 8 MB", "%.1f MB (RSS %.1f MB)" % (
		    burst["idle_pss_kb"] / 1024, burst["idle_kb"] / 1024),
		    burst["idle_pss_kb"] <= 8 * 1024))
		rows.append(("peak RSS under the burst <= 32 MB", "%.1f MB" % (
		    burst["peak_kb"] / 1024), burst["peak_kb"] <= 32 * 1024))
	return rows


def print_targets(title, rows):
	"""A table of (target, figure, met) rows."""
	print(title)
	print("  %-46s %-44s %s" % ("target", "figure", ""))
	for what, got, met in rows:
		print("  %-46s %-44s %s" % (what, got, "" if met is None else
		    "ok" if met else "NOT met"))


# ---------------------------------------------------------------- Kannel

class KannelPeer:
	"""Issue 22's peer: Kannel 1.4.5 (scripts/kannel.py) under the load of
	runs 1-2 and 4 with the same sink, its rounds between tincayd's
	(run_intake and run_burst call intake(i) and burst(i) in each of
	theirs), and the issue's table from both. Kannel's own figures are
	printed, not judged; a Kannel that does not run fails the bench."""

	def __init__(self, args, tmp, csink):
		self.args, self.tmp, self.csink = args, tmp, csink
		self.intakes, self.bursts = [], []
		self.failed = None
		print("Kannel 1.4.5, the peer (scripts/kannel.py): a round of it "
		    "after each tincayd round of runs 1-2 and of run 4, the same "
		    "load (its form in the URL too) and sink; file store on")

	def _kannel(self, tag):
		return kannel.Kannel(os.path.join(self.tmp, tag), self.csink.url,
		    harness._register, harness._unregister)

	def _run(self, tag, fn):
		"""fn(a started Kannel) in a fresh one, stopped after it and its
		directory removed; None and the bench failed if it goes wrong."""
		if self.failed:
			return None
		k = self._kannel(tag)
		try:
			k.start()
			return fn(k)
		except Exception as e:
			self.failed = "%s: %s" % (tag, e)
			print("bench: Kannel %s: error: %s" % (tag, e))
			for box in kannel.BOXES:
				print("  | %s: %s" % (box, k.last_words(box)))
			return None
		finally:
			k.stop()
			shutil.rmtree(k.dir, ignore_errors=True)

	def intake(self, i):
		"""One round of runs 1-2's load: accepted/s, p99, the CPU of both
		boxes per message over the load's window, as tincayd's."""
		def one(k):
			c0 = k.cpu_s()
			r = wrk_run(k.port, self.args, self.tmp, "kannel%d" % i,
			    seconds=self.args.duration, query=True)
			r["cpu_us"] = (k.cpu_s() - c0) * 1e6 / max(r["accepted"], 1)
			return r
		r = self._run("kannel%d" % i, one)
		if r:
			self.intakes.append(r)

	def burst(self, i):
		"""One round of run 4's burst: alerts/s at the sink from the first
		POST to the last alert (as tincayd's), then until every reply is
		there too: each alert and each reply once, CPU per message with
		both delivered, memory of both boxes (peak RSS, peak PSS
		sampled every 50 ms)."""
		def one(k):
			# as tincayd's: once each box's PSS holds still
			idle_pss = sum(settled_pss_kb(pid) or 0 for pid in k.pids())
			peak = {"pss": 0}
			done = threading.Event()

			def sample():
				while not done.wait(0.05):
					m = k.memory()
					peak["pss"] = max(peak["pss"], sum(v[2] or 0
					    for v in m.values()))
					peak.update({b: v[1] for b, v in m.items()})

			t = threading.Thread(target=sample, daemon=True)
			t.start()
			try:
				c0 = k.cpu_s()
				r = wrk_run(k.port, self.args, self.tmp, "kburst%d" % i,
				    count=self.args.burst, query=True)
				n = int(r["accepted"])
				s = self._wait_for(kannel.HOOK, n)
				span = (s["last_ms"] - r["t_first_ms"]) / 1000
				s = self._wait_for(kannel.SEND, n)
				cpu = (k.cpu_s() - c0) * 1e6 / max(n, 1)
			finally:
				done.set()
				t.join()
			hooks = s["paths"].get(kannel.HOOK, 0)
			sent = s["paths"].get(kannel.SEND, 0)
			once = (n == self.args.burst and hooks == n and sent == n
			    and s["dups"] == 0 and not r["other"])
			f = {"rate": hooks / max(span, 1e-6), "once": once,
			    "cpu_us": cpu, "pss_kb": peak["pss"],
			    "hwm_kb": {b: peak.get(b) for b in kannel.BOXES},
			    "idle_pss_kb": idle_pss}
			print("  Kannel: %d accepted in %.2f s (p99 %.2f ms); %d alerts"
			    " %.2f s after the first POST: %.0f/s; %d replies, %d "
			    "duplicates; %.0f us CPU a message with both delivered;"
			    " peak RSS %s, PSS %.1f MB (idle %.1f)  %s" % (n,
			    r["duration_us"] / 1e6, r["p99_us"] / 1000, hooks, span,
			    f["rate"], sent, s["dups"], cpu, ", ".join(
			    "%s %.1f MB" % (b, (f["hwm_kb"][b] or 0) / 1024)
			    for b in kannel.BOXES), f["pss_kb"] / 1024,
			    f["idle_pss_kb"] / 1024, "once each" if once else
			    "NOT once each"))
			return f
		self.csink.get("/reset")
		f = self._run("kburst%d" % i, one)
		if f:
			self.bursts.append(f)

	def _wait_for(self, path, n):
		"""The sink's stats once n requests reached path, or none came for
		10 s (at most 5 minutes)."""
		t0 = last = time.monotonic()
		seen = -1
		while time.monotonic() - last < 10 and time.monotonic() - t0 < 300:
			s = self.csink.stats()
			got = s["paths"].get(path, 0)
			if got >= n:
				return s
			if got != seen:
				seen, last = got, time.monotonic()
			time.sleep(0.02)
		return self.csink.stats()

	def table(self, intake, burst, same=None):
		"""Print issue 22's table (Kannel | tincay | ratio) from the
		medians of both; return the rows of its targets against Kannel
		(target, figure, met) for issue22_rows' table."""
		if self.failed or not self.intakes or not self.bursts:
			print("Kannel: no figures%s" % (": " + self.failed if
			    self.failed else ""))
			return [("Kannel, the peer, measured", "no", False)]
		k = summarize(self.intakes)
		show_rounds("Kannel", k)
		cpus = [r["cpu_us"] for r in self.intakes]
		kb = median(self.bursts, key=lambda x: x["rate"])
		hwm = {b: max(x["hwm_kb"][b] or 0 for x in self.bursts)
		    for b in kannel.BOXES}
		pss = max(x["pss_kb"] for x in self.bursts)
		idle = median([x["idle_pss_kb"] for x in self.bursts])
		k_once = all(x["once"] for x in self.bursts)
		mb = lambda x: "%.1f MB" % (x / 1024)
		rows = []
		if intake:
			rows += [
			    ("accepted req/s (%d s rounds)" % self.args.duration,
				"%.0f" % k["rate"], "%.0f" % intake["rate"],
				"%.2fx" % (intake["rate"] / k["rate"])),
			    ("p99", "%.1f ms" % (k["p99_us"] / 1000), "%.1f ms" % (
				intake["p99_us"] / 1000), "%.2fx" % (
				intake["p99_us"] / k["p99_us"])),
			    ("daemon CPU per message", "%.0f us (%.0f-%.0f)" % (
				k["cpu_med"], min(cpus), max(cpus)), "%.0f us" %
				intake["cpu_med"], "%.2fx" % (intake["cpu_med"] /
				k["cpu_med"]))]
		if burst:
			rows += [
			    ("%d-message burst, end to end" % self.args.burst,
				"%.0f msgs/s" % kb["rate"], "%.0f msgs/s" %
				burst["alerts_per_s"], "%.2fx" % (
				burst["alerts_per_s"] / kb["rate"])),
			    ("peak RSS", "%s (bearerbox), %s (smsbox)" % (
				mb(hwm["bearerbox"]), mb(hwm["smsbox"])),
				mb(burst["peak_kb"]), "%.2f-%.2fx" % (
				burst["peak_kb"] / max(hwm.values()),
				burst["peak_kb"] / max(min(hwm.values()), 1))),
			    ("idle PSS", mb(idle) + " (both boxes)",
				mb(burst["idle_pss_kb"]), "%.2fx" % (
				burst["idle_pss_kb"] / max(idle, 1))),
			    ("peak PSS under the burst", mb(pss) + " (both boxes)",
				"-", ""),
			    ("delivered exactly once", "yes" if k_once else "NO",
				"yes" if burst["once"] else "NO", "")]
		print("issue 22's table: Kannel 1.4.5 (store on) and tincayd, "
		    "the same load and sink, alternating rounds (medians)")
		print("  %-32s %-38s %-14s %s" % ("", "Kannel", "tincay", "ratio"))
		for what, kv, tv, ratio in rows:
			print("  %-32s %-38s %-14s %s" % (what, kv, tv, ratio))
		print("  Kannel's CPU per message with alert and reply delivered "
		    "(burst): %.0f us" % median([x["cpu_us"] for x in self.bursts]))
		out = []
		# Beside each, the same-work probe's figure against Kannel's:
		# the box's roofline for that target (a row judged by nobody,
		# None): where it misses the bar too, no tincayd doing the
		# same durable work can meet it on this box.
		def roof(fmt, v, kv, r):
			out.append(("  (same-work probe: the box's roofline)",
			    fmt % (v, kv, r), None))
		if burst:
			r = burst["alerts_per_s"] / kb["rate"]
			out.append(("burst end to end >= 1.5x Kannel's",
			    "%.0f / %.0f msgs/s = %.2fx" % (burst["alerts_per_s"],
			    kb["rate"], r), r >= 1.5))
			if burst.get("same"):
				roof("%.0f / %.0f msgs/s = %.2fx", burst["same"],
				    kb["rate"], burst["same"] / kb["rate"])
		if intake:
			r = intake["rate"] / k["rate"]
			out.append(("durable intake >= 1.5x Kannel's",
			    "%.0f / %.0f req/s = %.2fx" % (intake["rate"],
			    k["rate"], r), r >= 1.5))
			if same:
				roof("%.0f / %.0f req/s = %.2fx", same["rate"],
				    k["rate"], same["rate"] / k["rate"])
			r = intake["cpu_med"] / k["cpu_med"]
			out.append(("daemon CPU/msg <= 0.33x Kannel's",
			    "%.0f / %.0f us = %.2fx" % (intake["cpu_med"],
			    k["cpu_med"], r), r <= 0.33))
			if same and "cpu_med" in same:
				roof("%.0f / %.0f us = %.2fx", same["cpu_med"],
				    k["cpu_med"], same["cpu_med"] / k["cpu_med"])
			r = intake["p99_us"] / k["p99_us"]
			out.append(("p99 <= 0.5x Kannel's (same run)",
			    "%.1f / %.1f ms = %.2fx" % (intake["p99_us"] / 1000,
			    k["p99_us"] / 1000, r), r <= 0.5))
			if same:
				roof("%.1f / %.1f ms = %.2fx", same["p99_us"] / 1000,
				    k["p99_us"] / 1000, same["p99_us"] / k["p99_us"])
		out.append(("the peer, too, delivered each once",
		    "yes" if k_once else "NO", k_once))
		return out


# ---------------------------------------------------------------- main

def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--duration", type=int, default=5,
	    help="seconds of each round of runs 1-2 and 6")
	ap.add_argument("--rounds", type=int, default=3)
	ap.add_argument("--threads", type=int, default=2)
	ap.add_argument("--connections", type=int, default=32)
	ap.add_argument("--dup-requests", type=int, default=3000)
	ap.add_argument("--burst", type=int, default=20000)
	ap.add_argument("--latency-reports", type=int, default=50)
	ap.add_argument("--latency-rate", type=int, default=10)
	ap.add_argument("--prefill", type=int, default=1000000)
	ap.add_argument("--city-rounds", type=int, default=5,
	    help="rounds of run 10 (a 5 %% bar needs more pairs than 3)")
	ap.add_argument("--communes", type=int, default=100,
	    help="communes of run 10's city (and of run 6's database made a "
	    "city's); 0 leaves both out")
	ap.add_argument("--console-reports", type=int, default=10000,
	    help="reports filed through intake for run 12's console pages")
	ap.add_argument("--console-gets", type=int, default=20,
	    help="GETs of each console page in run 12")
	ap.add_argument("--console-rounds", type=int, default=7,
	    help="pairs of run 11 (the console idle vs without)")
	ap.add_argument("--engines", default="sqlite pg",
	    help="sqlite, or sqlite and pg (the default): runs 1-2 and 4 "
	    "on PostgreSQL too, and run 9")
	ap.add_argument("--no-kannel", action="store_true",
	    help="leave out Kannel, issue 22's peer (run when installed)")
	args = ap.parse_args()
	engines = set(args.engines.replace(",", " ").split())
	if "sqlite" not in engines or engines - {"sqlite", "pg"}:
		ap.error("--engines: sqlite, or sqlite and pg")

	for b in ("wrk", PROBE, CSINK, PIN, PLEA):
		if not shutil.which(b):
			print("bench: %s is missing (make bench builds it)" % b)
			return 1
	tmp = tempfile.mkdtemp(prefix="tincay-bench-")
	csink = Program([CSINK], tmp, "sink")
	args.peer = None
	if args.no_kannel:
		pass
	elif kannel.binaries():
		args.peer = KannelPeer(args, tmp, csink)
	else:
		print("bench: Kannel is not installed (make bench installs it: "
		    "TINCAY_KANNEL=1 scripts/install-deps); its rounds are left "
		    "out")
	ok = True
	probe = intake = alone = burst = growth = pin = plea = city = None
	pg = on_pg = burst_pg = two = None
	console_idle = console_list = None
	try:
		if "pg" in engines:
			try:
				pg = PgCluster()
			except Exception as e:
				print("bench: PostgreSQL: %s (scripts/install-deps "
				    "installs it; make bench ENGINES=sqlite "
				    "runs without)" % e)
				return 1
		probe, intake, alone, on_pg, good = run_intake(args, tmp, csink,
		    pg)
		ok &= good
		ok &= run_dup_daemon(args)
		burst, good = run_burst(args, tmp, csink)
		ok &= good
		if pg:
			burst_pg, good = run_burst(args, tmp, csink, pg,
			    what="run 4, PostgreSQL", n=1)
			ok &= good
			two, good = run_two_nodes(args, tmp, csink, pg)
			ok &= good
		ok &= run_latency(args)
		growth, good = run_growth(args, tmp, csink)
		ok &= good
		if args.communes:
			city, good = run_city(args, tmp, csink)
			ok &= good
		pin, good = run_pin()
		ok &= good
		plea, good = run_plea()
		ok &= good
		console_idle, good = run_console_idle(args, tmp, csink)
		ok &= good
		console_list, good = run_console_list(args, tmp, csink)
		ok &= good
	finally:
		csink.stop()
		if pg:
			pg.stop()
		shutil.rmtree(tmp, ignore_errors=True)

	peer_rows = []
	if args.peer:
		peer_rows = args.peer.table(intake, burst,
		    probe.get("same") if probe else None)
		ok &= not args.peer.failed
	print_targets("summary: issue 22's targets on this box",
	    issue22_rows(args, probe, intake, burst) + peer_rows)
	print_targets("summary: issue 21's targets on this box (the console)",
	    console_rows(args, console_list, console_idle))
	print("summary (TARGET: issue 7's targets on this box; intake against "
	    "the one-row probe, p99 and idle memory are judged above now)")
	rows = []
	if intake and probe:
		rows += [
		    ("intake vs one-row probe", "%.0f / %.0f req/s = %.0f %%" % (
			intake["rate"], probe["rate"],
			100 * intake["rate"] / probe["rate"]), "", True)]
	if alone and probe:
		rows += [
		    ("  (intake alone vs probe)", "%.0f / %.0f req/s = %.0f %%" % (
			alone["rate"], probe["rate"],
			100 * alone["rate"] / probe["rate"]), "", True)]
	if intake and alone:
		# Issue 10: encryption at rest costs intake at most 10 %.
		worst = min(seal_cost(intake, "rate"), seal_cost(alone, "rate"))
		rows += [
		    ("intake, sealed vs clear build", "%+.1f %% / %+.1f %% "
			"(tincayd / alone)" % (seal_cost(intake, "rate"),
			seal_cost(alone, "rate")), ">= -10 %", worst >= -10)]
	if burst:
		rows += [
		    ("alerts to a fast sink", "%.0f/s" % burst["alerts_per_s"],
			">= 10k/s", burst["alerts_per_s"] >= 10000),
		    ("peak RSS, burst", "%.1f MB" % (burst["peak_kb"] / 1024),
			"<= 32 MB", burst["peak_kb"] <= 32 * 1024)]
	if growth:
		rows += [
		    ("intake, %d stored vs empty" % args.prefill, "%.0f %%" %
			(100 * growth["ratio"]), ">= 90 %", growth["ratio"] >= 0.9),
		    ("a month's stats", "%.1f ms" % growth["stats_ms"],
			"<= 100 ms", growth["stats_ms"] <= 100),
		    ("TK by SMS", "%.1f ms" % growth["tk_ms"], "a few ms",
			growth["tk_ms"] <= 5)]
	if growth and growth.get("city"):
		gc = growth["city"]
		rows += [
		    ("a month's stats, %d communes" % args.communes, "%.1f ms%s" %
			(gc["stats_ms"], "" if gc["by_commune"] else
			" (no by_commune yet)"), "<= 200 ms",
			gc["stats_ms"] <= 200)]
		if "commune_ms" in gc:
			rows += [
			    ("  one commune's (--commune)", "%.1f ms" %
				gc["commune_ms"], "", True)]
	if city:
		rows += [
		    ("a city of %d communes vs one" % args.communes,
			"%.0f / %.0f req/s, pairs %.0f %%" % (city["rate"],
			city["one"]["rate"], 100 * city["vs_one"]), ">= 95 %",
			city["vs_one"] >= 0.95),
		    ("  CPU/msg, city vs one", "%.1f / %.1f us, pairs %.0f %%" % (
			city["cpu_med"], city["one"]["cpu_med"],
			100 * city["cpu_vs_one"]), "<= 105 %",
			city["cpu_vs_one"] <= 1.05),
		    ("  p99, city vs one", "%.2f / %.2f ms" % (
			city["p99_us"] / 1000, city["one"]["p99_us"] / 1000), "",
			True)]
	if pin:
		rows += [
		    ("a PIN check (%s)" % pin["params"], "%.1f ms CPU" %
			pin["cpu_ms"], "< 50 ms", pin["cpu_ms"] < 50)]
	if plea:
		rows += [
		    ("telling a plea, per text", "%.2f us CPU" % plea["us"],
			"<= 5 us", plea["us"] <= 5)]
	if on_pg and intake:
		rows += [
		    ("PostgreSQL intake vs SQLite", "%.0f / %.0f req/s = %.0f %%" %
			(on_pg["rate"], intake["rate"],
			100 * on_pg["rate"] / intake["rate"]), ">= 50 %",
			on_pg["rate"] >= 0.5 * intake["rate"]),
		    ("  tincayd CPU/msg vs SQLite's", "%.1f / %.1f us" % (
			on_pg["cpu_med"], intake["cpu_med"]), "<= SQLite",
			on_pg["cpu_med"] <= intake["cpu_med"]),
		    ("  PostgreSQL's CPU/msg", "%.1f us (whole server)" %
			on_pg["pg_cpu_med"], "", True),
		    ("  p99 on PostgreSQL", "%.2f ms" % (on_pg["p99_us"] / 1000),
			"", True)]
	if burst_pg:
		rows += [
		    ("  alerts to a fast sink, PG", "%.0f/s" %
			burst_pg["alerts_per_s"], "", True)]
	if pg:
		rows += [
		    ("  two nodes on one database", "%.0f req/s (%.0f %% of one)"
			% (two["rate"], 100 * two["vs_one"]) if two else
			"not measured", "", True)]
		if two and two["burst"]:
			rows += [
			    ("  alerts through two nodes", "%.0f/s, %s" % (
				two["burst"]["alerts_per_s"], "once each" if
				two["burst_ok"] else "NOT once each"), "once each",
				two["burst_ok"])]
	for what, got, want, met in rows:
		print("  %-30s %-34s %-10s %s" % (what, got, want,
		    "" if not want or met is None else "met" if met else
		    "NOT MET"))
	print("bench: %s" % ("ok" if ok else "FAILED"))
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
