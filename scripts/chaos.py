#!/usr/bin/env python3
"""
chaos.py: kill -9 at random moments under load (SPEC §9, issue 9).

One tincayd on one database, restarted again and again. Each cycle starts
it, posts reports from several clients at once (a new number each, so
every 200 files a report with alerts to three webhook contacts), and
kills it with SIGKILL at a random moment: while requests are arriving,
while alerts are in flight, while escalations (after_s 2) are due. The
sink misbehaves on schedule on one path (/health: 500s and slow answers);
/police and /leader are healthy. After every restart it checks that every
message acknowledged with 200 is stored exactly once; at the end, with the
daemon left running, that every report's alert reached /police (lost must
be 0), that no alert reached a healthy path under two Idempotency-Keys,
how often one key came twice (a crash between the sink's 200 and the
commit of "sent" sends it again: at least once, never lost, and the key
lets the receiver drop the copy), and the worst time from a restart to the delivery of
an alert that was pending when the daemon was killed. Apart from that worst
(queue-bound: a pending alert waits behind new ones and escalations), it
prints how long the alerts in flight at a kill took: those a healthy path
received before the kill and received again, under the same key, after
the restart (the kill came between the sink's 200 and the commit of
"sent", so they were leased at the kill), timed from the restart's start.

  python3 scripts/chaos.py [--cycles 1000] [--clients 4] [--seed N]
      [--inflight-max S] [--nodes 2]

--nodes 2 (a server's database: TINCAY_TEST_ENGINE=pg): two daemons on one
database, the clients posting to either; each cycle kills one of them, at
random, and starts it again while the other runs on: the leader or not.

make chaos runs 1000 cycles with --inflight-max 5; make check runs a
bounded slice (20), which holds no time to a limit. Exit 1 if anything
acknowledged was lost or stored twice, an alert reached a healthy sink
under two Idempotency-Keys, or (with --inflight-max) an alert in flight at
a kill took longer than S seconds after the restart.
"""

import argparse
import bisect
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("TINCAYD", os.path.join(ROOT, "bin", "tincayd"))
os.environ.setdefault("TINCAYCTL", os.path.join(ROOT, "bin", "tincayctl"))

import harness  # noqa: E402
from sink import Sink  # noqa: E402

DRAIN_S = 60		# the last run's time to deliver everything


def post_loop(nodes, stop, acked, lock, ids, rng):
	"""Post reports until stop, each client about 50 a second (a busy
	commune's worst hour is far less), each to one of nodes; record what
	got 200."""
	while not stop.wait(0.02):
		with lock:
			n = next(ids)
			d = rng.choice(nodes)
		mid = "c%d" % n
		frm = "09%08d" % (10000000 + n)
		try:
			r = d.post_raw(d.sms_body(mid, frm, "BL thon %d giup" %
			    (1 + n % 3)))
		except OSError:
			continue	# killed under it: not acknowledged
		if r.status == 200:
			j = r.json() or {}
			with lock:
				acked[mid] = j.get("ref")


def stored_ids(d):
	"""provider_id -> how many rows (the daemon may be down)."""
	return dict(d.sql("SELECT provider_id, count(*) FROM messages"
	    " GROUP BY provider_id"))



def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--cycles", type=int, default=1000)
	ap.add_argument("--clients", type=int, default=4)
	ap.add_argument("--seed", type=int, default=None)
	ap.add_argument("--inflight-max", type=float, default=None,
	    help="fail if an alert in flight at a kill took longer")
	ap.add_argument("--nodes", type=int, default=1, choices=(1, 2),
	    help="daemons on one database (2: PostgreSQL's)")
	args = ap.parse_args()
	if args.nodes > 1 and harness.ENGINE != "pg":
		ap.error("--nodes 2 needs a server's database "
		    "(TINCAY_TEST_ENGINE=pg)")
	seed = args.seed if args.seed is not None else int(time.time())
	rng = random.Random(seed)
	sink = Sink()		# healthy: /police, /leader
	bad_sink = Sink()	# another host, misbehaving on schedule
	count = {"n": 0}

	def misbehave(req):
		count["n"] += 1
		if count["n"] % 7 == 0:
			return "500"
		if count["n"] % 11 == 0:
			return "slow:0.8:200"
		return None
	bad_sink.program(misbehave)
	d = harness.Daemon({"allow_http": True,
	    "limits": {"retry_base_ms": 200, "retry_max_s": 2},
	    "escalation": {"gbv": {"after_s": 2, "to": ["leader"]}}})
	acked, lock = {}, threading.Lock()
	ids = iter(range(1, 10 ** 9))
	twice, doubled, restarts, kills = [], [], [], []
	bad = []
	t0 = time.monotonic()
	nodes = [d]
	try:
		d.start()
		if args.nodes > 1:
			nodes.append(d.sibling())
			nodes[1].start()
		for i, role in enumerate(("police", "health", "leader")):
			d.add_contact(role, "093100000%d" % i, role,
			    areas="*", channel="webhook", url="%s/%s" % (
			    (bad_sink if role == "health" else sink).url, role))
		for cycle in range(args.cycles):
			stop = threading.Event()
			threads = [threading.Thread(target=post_loop, args=(
			    nodes, stop, acked, lock, ids, rng), daemon=True)
			    for _ in range(args.clients)]
			for t in threads:
				t.start()
			time.sleep(rng.uniform(0.05, 0.6))
			kills.append(time.monotonic())
			victim = rng.choice(nodes)
			victim.proc.send_signal(signal.SIGKILL)
			victim.proc.wait(5)
			stop.set()
			for t in threads:
				t.join(5)
			victim.kill()
			# Every 200 is stored, once.
			rows = stored_ids(d)
			with lock:
				for mid in acked:
					if rows.get(mid, 0) != 1:
						bad.append((cycle, mid, rows.get(mid, 0)))
				refs = set(acked.values())
			pending = refs - {(q.json() or {}).get("ref") for q in
			    sink.got("/police")}
			began = time.monotonic()
			victim.start()
			restarts.append((time.monotonic(), pending, began))
			if (cycle + 1) % 50 == 0:
				print("chaos: %d cycles, %d acknowledged" % (cycle + 1,
				    len(acked)), flush=True)
		# Let the last run deliver everything.
		deadline = time.monotonic() + DRAIN_S
		while time.monotonic() < deadline:
			got = {(q.json() or {}).get("ref") for q in
			    sink.got("/police")}
			if all(ref in got for ref in acked.values()):
				break
			time.sleep(0.5)
		police = sink.got("/police")
		first = {}
		for q in police:
			ref = (q.json() or {}).get("ref")
			if q.event() == "report.created" and ref not in first:
				first[ref] = q.mono
		lost = [m for m, ref in acked.items() if ref not in first]
		# A report's alert to a contact: a healthy sink must see it
		# under one Idempotency-Key only (twice under two keys would
		# be two alerts); the same key again is a re-send after a kill
		# between the sink's 200 and the commit of "sent", which the
		# key lets the receiver drop.
		inflight = []
		for path in ("/police", "/leader"):
			keys, alerts, seen = {}, {}, {}
			for q in sink.got(path):
				k = q.header("idempotency-key")
				keys[k] = keys.get(k, 0) + 1
				seen.setdefault(k, []).append(q.mono)
				# report.created: one per report and contact
				# (escalations repeat by design, every after_s).
				if q.event() == "report.created":
					a = (q.json() or {}).get("ref")
					alerts.setdefault(a, set()).add(k)
			twice += [k for k, n in keys.items() if n > 1]
			# The same key again on a healthy path: a kill came
			# between its 200 and the commit of "sent". Timed from
			# the start of the restart after that kill.
			for times in seen.values():
				times.sort()
				for a, b in zip(times, times[1:]):
					i = bisect.bisect_left(kills, a)
					# Sent before kill i - 1, recorded
					# by the sink after it.
					if i > 0 and a < restarts[i - 1][2]:
						i -= 1
					if i < len(kills) and kills[i] < b:
						inflight.append(max(0.0,
						    b - restarts[i][2]))
			doubled += [a for a, ks in alerts.items() if len(ks) > 1]
		worst = 0.0
		for at, pending, _ in restarts:
			for ref in pending:
				if ref in first and first[ref] > at:
					worst = max(worst, first[ref] - at)
		secs = time.monotonic() - t0
		print("chaos: seed %d, %d cycles in %.0f s: %d acknowledged, "
		    "%d lost, %d stored not once, %d alerts delivered twice "
		    "(under two keys), %d re-sent after a kill (same key), worst "
		    "restart to delivery %.1f s" % (seed, args.cycles, secs,
		    len(acked), len(lost), len(bad), len(doubled), len(twice),
		    worst))
		inflight.sort()
		slow = (args.inflight_max is not None and inflight and
		    inflight[-1] > args.inflight_max)
		print("chaos: %d alerts in flight at a kill, delivered after the "
		    "restart in median %.1f s, worst %.1f s%s" % (len(inflight),
		    inflight[len(inflight) // 2] if inflight else 0.0,
		    inflight[-1] if inflight else 0.0,
		    "" if args.inflight_max is None else " (at most %.0f s "
		    "allowed)" % args.inflight_max))
		if lost or bad or doubled or slow:
			print("chaos: lost %r, stored not once %r, doubled %r, in "
			    "flight over the limit %r" % (lost[:10], bad[:10],
			    doubled[:10], [round(t, 1) for t in inflight if
			    slow and t > args.inflight_max][:10]))
			return 1
		return 0
	finally:
		for n in reversed(nodes):
			n.cleanup()
		sink.close()
		bad_sink.close()


if __name__ == "__main__":
	sys.exit(main())
