#!/usr/bin/env python3
"""
bench.py: bounded load on loopback (make bench). Starts bin/tincayd on a
free 127.0.0.1 port with a temp config and database, then

  1. wrk (scripts/bench.lua) sends pre-signed POST /sms/generic requests,
     every one with a new id, for --duration seconds: prints accepted/s,
     p50/p99 latency and the daemon's peak RSS, and checks that the number
     of stored messages equals the number of 200 responses;
  2. a short Python run with 20% duplicate ids (some in flight at the same
     time): checks stored messages = unique ids and that every copy of an
     id got the same reply.

  3. alerts: a second tincayd with webhook contacts on a local sink
     (tests/integration/sink.py): --alert-reports gbv reports as fast as
     16 clients can post them, each fanned out to --alert-contacts
     contacts, gives alerts/s (first POST to last alert received); then
     --latency-reports reports paced at --latency-rate/s give the latency
     from the 200 to the inbound POST to each alert's arrival, p50/p99.
     Checks that every alert arrived exactly once, signed, and that every
     outbox row is sent.

Exit 1 if a check fails. Binaries from $TINCAYD / $TINCAYCTL as in the
integration suite. Python 3 standard library only.

  python3 scripts/bench.py [--duration 10] [--threads 2] [--connections 32]
      [--dup-requests 3000] [--python] [--alert-reports 200]
      [--alert-contacts 4] [--latency-reports 50] [--latency-rate 10]
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
from sink import Sink  # noqa: E402

LUA = os.path.join(ROOT, "scripts", "bench.lua")
OVERRIDES = {"limits": {"max_body_bytes": 16384, "request_timeout_s": 10,
    "max_connections": 512}}
CONTACTS = [
	("Cong an", "0931000001", "police", "*", "sms"),
	("Tram y te", "0931000002", "health", "*", "sms"),
	("Truong thon", "0931000003", "leader", "*", "sms"),
]
TEXTS = ("BL thon %d chong danh vo", "HD", "xin chao so %d")


def body_for(i, prefix):
	"""The i-th request of a run: a unique id and number."""
	t = TEXTS[i % 3]
	text = t % (i % 6 + 1) if "%d" in t else t
	return json.dumps({"id": "%s-%d" % (prefix, i),
	    "from": "09%08d" % (i % 100000000), "to": "8088",
	    "text": text}).encode()


def sig(body, t):
	return "t=%d,v1=%s" % (t, hmac.new(harness.SECRET.encode(),
	    str(t).encode() + b"." + body, hashlib.sha256).hexdigest())


def vm_hwm(pid):
	try:
		with open("/proc/%d/status" % pid) as f:
			for line in f:
				if line.startswith("VmHWM:"):
					return int(line.split()[1])	# kB
	except OSError:
		pass
	return None


def stored_messages(d):
	"""tincayctl's count; the messages table directly if that fails."""
	try:
		return len(d.messages())
	except Exception as e:
		print("  (tincayctl messages list failed: %s; counting with "
		    "sqlite3)" % str(e)[:120])
	try:
		import sqlite3
		db = sqlite3.connect("file:%s?mode=ro" % d.dbpath, uri=True,
		    timeout=10)
		try:
			return db.execute("SELECT count(*) FROM messages").fetchone()[0]
		finally:
			db.close()
	except Exception as e:
		print("  (sqlite3 count failed: %s)" % e)
		return None


# ---------------------------------------------------------------- wrk run

def wrk_run(d, args, tmp):
	nreq = args.duration * args.rate_cap
	per = (nreq + args.threads - 1) // args.threads
	t = int(time.time())
	prefix = os.path.join(tmp, "reqs")
	t0 = time.monotonic()
	i = 0
	for th in range(args.threads):
		with open("%s.%d" % (prefix, th), "wb") as f:
			for _ in range(per):
				b = body_for(i, "w")
				f.write(sig(b, t).encode() + b"\t" + b + b"\n")
				i += 1
	print("  %d pre-signed requests written in %.1f s" % (i,
	    time.monotonic() - t0))
	slack = 15
	cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections,
	    "-d%ds" % (args.duration + slack), "--timeout", "10s", "-s", LUA,
	    "http://127.0.0.1:%d" % d.port, "--", prefix,
	    str(args.duration * 1000)]
	w = subprocess.Popen(cmd, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, text=True)
	harness._register(w)
	# The Lua threads stop themselves once every POST is answered; then
	# SIGINT ends wrk's main sleep early and it prints the summary.
	t0 = time.monotonic()
	markers = ["%s.done.%d" % (prefix, th) for th in range(args.threads)]
	while time.monotonic() - t0 < args.duration + slack - 1:
		if w.poll() is not None or all(os.path.exists(m) for m in markers):
			break
		time.sleep(0.05)
	wall = time.monotonic() - t0
	drained = all(os.path.exists(m) for m in markers)
	if w.poll() is None:
		w.send_signal(signal.SIGINT)
	out, err = w.communicate(timeout=30)
	harness._unregister(w)
	m = re.search(r"^BENCH (.*)$", out, re.M)
	if not m:
		print(out, err)
		raise RuntimeError("wrk failed (exit %s)" % w.returncode)
	r = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
	r["drained"] = drained
	if r["duration_us"] <= 0:
		r["duration_us"] = int(wall * 1e6)
	return r


# ---------------------------------------------------------------- python load

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
				t0 = time.monotonic()
				c.request("POST", "/sms/generic", body, {
				    "Content-Type": "application/json",
				    "X-Tincay-Signature": sig(body, t)})
				r = c.getresponse()
				data = r.read()
				if r.getheader("Connection", "").lower() == "close":
					c.close()
					cls.local.c = None
				return r.status, data, time.monotonic() - t0
			except (OSError, http.client.HTTPException):
				c.close()
				c = cls.local.c = None
				if attempt:
					raise
		raise RuntimeError("unreachable")


def python_run(d, args):
	"""Fallback when wrk is missing: unique ids for --duration seconds."""
	stop = time.monotonic() + args.duration
	counter = iter(range(10 ** 9))
	lock = threading.Lock()
	lat, other = [], [0]
	t = int(time.time())

	def worker():
		while time.monotonic() < stop:
			with lock:
				i = next(counter)
			st, _, dt = Client.post(d.port, body_for(i, "p"), t)
			with lock:
				if st == 200:
					lat.append(dt)
				else:
					other[0] += 1

	t0 = time.monotonic()
	ths = [threading.Thread(target=worker) for _ in range(args.connections)]
	for th in ths:
		th.start()
	for th in ths:
		th.join(args.duration + 30)
	dur = time.monotonic() - t0
	lat.sort()
	pct = lambda q: int(lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6) \
	    if lat else 0
	return {"accepted": len(lat), "other": other[0],
	    "duration_us": int(dur * 1e6), "p50_us": pct(0.5), "p90_us":
	    pct(0.9), "p99_us": pct(0.99), "max_us": pct(1.0), "connect": 0,
	    "read": 0, "write": 0, "status": 0, "timeout": 0}


def dup_run(d, args):
	"""--dup-requests requests, 20% re-using an earlier id."""
	rnd = random.Random(1)
	bodies, unique = [], 0
	for i in range(args.dup_requests):
		if bodies and rnd.random() < 0.2:
			# A recent id: often still in flight, so a concurrent copy.
			bodies.append(bodies[rnd.randrange(max(0, len(bodies) - 40),
			    len(bodies))])
		else:
			bodies.append(body_for(unique, "d"))
			unique += 1
	t = int(time.time())
	replies = {}
	bad = []

	def one(body):
		st, data, _ = Client.post(d.port, body, t)
		return body, st, data

	t0 = time.monotonic()
	with ThreadPoolExecutor(max_workers=16) as ex:
		for body, st, data in ex.map(one, bodies):
			if st != 200:
				bad.append(st)
				continue
			replies.setdefault(body, set()).add(data)
	dur = time.monotonic() - t0
	differing = sum(1 for v in replies.values() if len(v) > 1)
	return unique, len(bodies), bad, differing, dur


# ---------------------------------------------------------------- alerts

ALERT_OVERRIDES = {"allow_http": True, "limits": {"max_body_bytes": 16384,
    "request_timeout_s": 10, "max_connections": 512}}


def post_report(conn, i, prefix, t):
	"""One gbv report on conn (an HTTPConnection, or None for a new
	one); returns (conn, ref or None, monotonic time of the answer)."""
	body = json.dumps({"id": "%s-%d" % (prefix, i),
	    "from": "+8491%07d" % i, "to": "8088",
	    "text": "BL thon %d nguoi bi danh %d" % (i % 6 + 1, i)}).encode()
	for attempt in (0, 1):
		if conn is None:
			conn = http.client.HTTPConnection("127.0.0.1", conn_port[0],
			    timeout=15)
		try:
			conn.request("POST", "/sms/generic", body, {
			    "Content-Type": "application/json",
			    "X-Tincay-Signature": sig(body, t)})
			r = conn.getresponse()
			data = r.read()
			at = time.monotonic()
			if r.status != 200:
				return conn, None, at
			return conn, json.loads(data).get("ref"), at
		except (OSError, http.client.HTTPException, ValueError):
			conn.close()
			conn = None
			if attempt:
				return None, None, time.monotonic()
	return conn, None, time.monotonic()


conn_port = [0]


def pct(xs, q):
	xs = sorted(xs)
	return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def alert_run(args):
	"""Fan-out rate and webhook-accepted→alert-received latency; returns
	True if the checks hold."""
	ok = True
	sink = Sink()
	d = harness.Daemon(ALERT_OVERRIDES)
	K = args.alert_contacts
	try:
		d.start()
		conn_port[0] = d.port
		for i in range(K):
			d.add_contact("Hook %d" % i, "0932%06d" % i,
			    ("police", "health")[i % 2], areas="*",
			    channel="webhook", url="%s/c%d" % (sink.url, i))
		t = int(time.time())

		# 3a: fan-out, reports as fast as 16 clients post them
		R = args.alert_reports
		print("run 3: alerts to a local webhook sink, %d contacts" % K)
		refs, bad = set(), [0]
		lock = threading.Lock()
		local = threading.local()

		def one(i):
			c, ref, _ = post_report(getattr(local, "c", None), i, "a", t)
			local.c = c
			with lock:
				if ref:
					refs.add(ref)
				else:
					bad[0] += 1

		t0 = time.monotonic()
		with ThreadPoolExecutor(max_workers=16) as ex:
			list(ex.map(one, range(R)))
		posted = time.monotonic() - t0
		want = len(refs) * K
		got = sink.wait_for(want, timeout=max(30, want / 20))
		fan = [r for r in got if (r.json() or {}).get("ref") in refs]
		last = max((r.mono for r in fan), default=t0)
		n = len(fan)
		print("  %d reports posted in %.2f s (%d non-200), %d alerts "
		    "expected" % (R, posted, bad[0], want))
		print("  alert fan-out  %.0f alerts/s  (%d received in %.2f s "
		    "from the first POST)" % (n / max(last - t0, 1e-6), n,
		    last - t0))
		pairs = set(((r.json() or {}).get("ref"), r.path) for r in fan)
		if bad[0] or n != want or len(pairs) != want:
			print("  MISMATCH: %d alerts, %d distinct (ref, contact), "
			    "want %d" % (n, len(pairs), want))
			ok = False

		# 3b: latency at a paced rate
		L = args.latency_reports
		gap = 1.0 / max(args.latency_rate, 1)
		accepted = {}
		c = None
		start = time.monotonic()
		for i in range(L):
			nxt = start + i * gap
			if time.monotonic() < nxt:
				time.sleep(nxt - time.monotonic())
			c, ref, at = post_report(c, 1000000 + i, "l", t)
			if ref:
				accepted[ref] = at
		if c is not None:
			c.close()
		want2 = want + len(accepted) * K
		got = sink.wait_for(want2, timeout=30)
		lat = [r.mono - accepted[(r.json() or {}).get("ref")]
		    for r in got if (r.json() or {}).get("ref") in accepted]
		print("  latency 200→sink, %d reports at %d/s: p50 %.1f ms, "
		    "p99 %.1f ms, max %.1f ms (%d alerts)" % (L,
		    args.latency_rate, pct(lat, 0.5) * 1000,
		    pct(lat, 0.99) * 1000, max(lat, default=float("nan")) *
		    1000, len(lat)))
		if len(accepted) != L or len(lat) != L * K:
			print("  MISMATCH: %d of %d reports accepted, %d of %d "
			    "alerts" % (len(accepted), L, len(lat), L * K))
			ok = False
		sample = got[-1] if got else None
		if sample is None or not harness.verify(harness.WEBHOOK_SECRET,
		    sample.header("x-tincay-signature") or "", sample.body):
			print("  MISMATCH: alert signature does not verify")
			ok = False

		# every outbox row sent once the sink has them all
		rows = harness.wait_until(lambda: (lambda o: o if all(
		    x["status"] == "sent" for x in o) else None)(d.outbox()),
		    10, 0.2)
		if not rows:
			o = d.outbox()
			print("  MISMATCH: outbox rows not all sent: %d of %d" %
			    (sum(1 for x in o if x["status"] == "sent"), len(o)))
			ok = False
		time.sleep(0.5)
		dups = len(sink.got()) - want2
		if dups:
			print("  MISMATCH: %d alerts beyond the expected %d" % (dups,
			    want2))
			ok = False
		print("  alerts received once each, outbox all sent  %s" %
		    ("OK" if ok else "MISMATCH"))
		d.stop()
	except Exception as e:
		print("bench: alerts: error: %s" % e)
		for l in d.stderr().strip().splitlines()[-5:]:
			print("  | " + l)
		ok = False
	finally:
		d.cleanup()
		sink.close()
	return ok


# ---------------------------------------------------------------- main

def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--duration", type=int, default=10)
	ap.add_argument("--threads", type=int, default=2)
	ap.add_argument("--connections", type=int, default=32)
	ap.add_argument("--rate-cap", type=int, default=20000,
	    help="requests generated per second of --duration")
	ap.add_argument("--dup-requests", type=int, default=3000)
	ap.add_argument("--python", action="store_true",
	    help="use the Python load generator instead of wrk")
	ap.add_argument("--alert-reports", type=int, default=200)
	ap.add_argument("--alert-contacts", type=int, default=4)
	ap.add_argument("--latency-reports", type=int, default=50)
	ap.add_argument("--latency-rate", type=int, default=10,
	    help="reports per second in the latency run")
	args = ap.parse_args()

	use_wrk = not args.python and shutil.which("wrk")
	tmp = tempfile.mkdtemp(prefix="tincay-bench-")
	d = harness.Daemon(OVERRIDES)
	failed = False
	try:
		d.start()
		d.import_contacts(CONTACTS)
		pid = d.proc.pid
		print("bench: tincayd %s pid %d on 127.0.0.1:%d" % (harness.TINCAYD,
		    pid, d.port))
		print("run 1: unique ids, %s, %d threads, %d connections, %d s" %
		    ("wrk" if use_wrk else "python", args.threads,
		    args.connections, args.duration))
		r = wrk_run(d, args, tmp) if use_wrk else python_run(d, args)
		secs = r["duration_us"] / 1e6
		print("  accepted/s     %.0f  (%d in %.1f s)" % (r["accepted"] /
		    secs, r["accepted"], secs))
		print("  latency p50    %.2f ms" % (r["p50_us"] / 1000))
		print("  latency p90    %.2f ms" % (r["p90_us"] / 1000))
		print("  latency p99    %.2f ms" % (r["p99_us"] / 1000))
		print("  latency max    %.2f ms" % (r["max_us"] / 1000))
		if r["other"] or any(r[k] for k in ("connect", "read", "write",
		    "timeout")):
			print("  non-200 %d; socket errors connect %d read %d write %d "
			    "timeout %d" % (r["other"], r["connect"], r["read"],
			    r["write"], r["timeout"]))
		if r.get("exhausted"):
			print("  NOTE: the pre-signed pool ran out before %d s: raise "
			    "--rate-cap" % args.duration)
		if r.get("drained") is False:
			print("  NOTE: some POSTs were never answered (socket errors "
			    "or timeouts): wrk was stopped with them in flight")
		n = stored_messages(d)
		ok = n == r["accepted"]
		if "issued" in r:
			print("  POSTs sent     %d" % r["issued"])
		print("  200 responses  %d" % r["accepted"])
		print("  stored msgs    %s  %s" % (n, "OK" if ok else "MISMATCH"))
		failed |= not ok

		print("run 2: %d requests, 20%% duplicate ids, 16 clients" %
		    args.dup_requests)
		before = n or 0
		unique, total, bad, differing, dur = dup_run(d, args)
		n2 = stored_messages(d)
		new = None if n2 is None else n2 - before
		ok2 = new == unique and not bad and not differing
		print("  %d requests in %.1f s (%.0f/s), %d unique ids" % (total,
		    dur, total / dur, unique))
		if bad:
			print("  non-200 answers: %d (%r)" % (len(bad),
			    sorted(set(bad))))
		if differing:
			print("  ids whose copies got different replies: %d" %
			    differing)
		print("  stored msgs    %s = unique ids %d  %s" % (new, unique,
		    "OK" if ok2 else "MISMATCH"))
		failed |= not ok2

		hwm = vm_hwm(pid)
		print("peak RSS (VmHWM) %s" % ("%.1f MB" % (hwm / 1024) if hwm
		    else "unknown"))
		d.stop()
	except Exception as e:
		print("bench: error: %s" % e)
		tail = d.stderr().strip().splitlines()[-5:]
		for l in tail:
			print("  | " + l)
		failed = True
	finally:
		d.cleanup()
		shutil.rmtree(tmp, ignore_errors=True)
	failed |= not alert_run(args)
	print("bench: %s" % ("FAILED" if failed else "ok"))
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())
