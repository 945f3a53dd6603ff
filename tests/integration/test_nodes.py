"""Several tincayd on one database (issue 19): a server's database only.

Two daemons share one PostgreSQL database and its key, each on its own
port, as two boxes behind a load balancer would: any of them takes any
webhook; the one holding the leader's lock delivers and escalates; when it
dies, the other takes over. On SQLite one daemon owns a file (flock), so
these tests skip there.
"""

import threading
import time

import harness
from harness import case, check, eq, skip
from sink import Sink

PHONES = {"police": "0931000001", "health": "0931000002",
    "leader": "0931000003"}


def need_pg(d):
	if d.engine != "pg":
		skip("several daemons share a server's database (PostgreSQL); "
		    "an SQLite file has one daemon")


def second(d):
	"""Another daemon on d's database and key, started."""
	b = d.sibling()
	b.start()
	return b


def contacts(d, sink, roles=("police", "health")):
	for role in roles:
		d.add_contact("Contact %s" % role, PHONES[role], role, areas="*",
		    channel="webhook", url="%s/%s" % (sink.url, role))


def post(node, mid, frm, text, tries=50):
	"""Like a provider: again after a 503 or a dropped connection, until
	200; the reply's JSON."""
	for _ in range(tries):
		try:
			r = node.post_raw(node.sms_body(mid, frm, text))
		except OSError:
			time.sleep(0.1)
			continue
		if r.status == 200:
			return r.json()
		time.sleep(0.1)
	raise harness.TestFailure("%s: no 200 after %d tries" % (mid, tries))


def leader_of(nodes, timeout=30.0):
	"""The node that says it holds the leader's lock."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		for n in nodes:
			if "leader's lock is ours" in n.stderr():
				return n
		time.sleep(0.1)
	return None


def keys_once(sink, paths):
	"""Every Idempotency-Key seen at paths, and those seen more than once."""
	seen, twice = {}, []
	for p in paths:
		for r in sink.got(p):
			k = r.header("idempotency-key")
			seen[k] = seen.get(k, 0) + 1
	twice = [k for k, n in seen.items() if n > 1]
	return seen, twice


@case({"allow_http": True})
def test_two_nodes_one_database_every_alert_once(d):
	"""Load through both nodes at once: every report filed once, every
	alert delivered once at a healthy sink (no key twice), every outbox
	row sent at its first attempt."""
	need_pg(d)
	b = second(d)
	try:
		with Sink() as sink:
			contacts(d, sink)
			nodes = (d, b)
			per_thread, threads_n = 15, 4
			refs, lock = {}, threading.Lock()

			def client(t):
				for i in range(per_thread):
					node = nodes[(t + i) % 2]
					mid = "nodes-%d-%d" % (t, i)
					frm = "09%08d" % (t * 1000 + i)
					j = post(node, mid, frm, "BL thon 3 co nguoi "
					    "bi danh %d" % i)
					with lock:
						refs[mid] = j.get("ref")

			ts = [threading.Thread(target=client, args=(t,))
			    for t in range(threads_n)]
			for t in ts:
				t.start()
			for t in ts:
				t.join(120)
			n = per_thread * threads_n
			eq(len(refs), n, "messages answered 200")
			check(all(refs.values()), "a report without a REF: %r" %
			    [m for m, r in refs.items() if not r])
			eq(len(set(refs.values())), n, "distinct REFs of %d reports "
			    "from %d numbers" % (n, n))
			got = sink.wait_for(2 * n, None, None, timeout=60)
			eq(len(got), 2 * n, "alerts at the sink (two per report)")
			time.sleep(1.0)		# nothing more may come
			seen, twice = keys_once(sink, ("/police", "/health"))
			eq(twice, [], "alerts delivered twice at a healthy sink")
			eq(len(seen), 2 * n, "distinct Idempotency-Keys")
			rows = d.outbox()
			eq(sorted({(o["status"], o["attempts"]) for o in rows}),
			    [("sent", 1)], "outbox rows (status, attempts)")
			eq(len(d.reports()), n, "reports in the database")
	finally:
		b.stop()
		b.cleanup()


@case({"allow_http": True,
    "escalation": {"gbv": {"after_s": 2, "to": ["leader"]}}})
def test_two_nodes_escalate_once_per_step(d):
	"""Nobody acknowledges: each escalation step reaches the leader role
	once, not once per daemon."""
	need_pg(d)
	b = second(d)
	try:
		with Sink() as sink:
			contacts(d, sink, ("police", "leader"))
			j = post(b, "nodes-esc-1", "0912345678", "BL thon 3 chong "
			    "danh vo")
			ref = j.get("ref")
			check(ref, "no REF: %r" % j)
			got = sink.wait_for(2, "/leader", lambda r: r.event() ==
			    "report.escalated", timeout=30)
			eq(len(got), 2, "escalations within 30 s, after_s 2")
			time.sleep(1.0)
			steps = [r for r in sink.got("/leader") if r.event() ==
			    "report.escalated"]
			# Two daemons escalating alone would send two per step.
			check(len(steps) <= 3, "escalations: %d in ~5 s of two "
			    "steps" % len(steps))
			_, twice = keys_once(sink, ("/leader",))
			eq(twice, [], "an escalation delivered twice")
			levels = sorted({o["id"] for o in d.outbox() if
			    o.get("ref") == ref and o["event"] ==
			    "report.escalated"})
			eq(len(levels), len(steps), "escalation rows and requests")
	finally:
		b.stop()
		b.cleanup()


@case({"allow_http": True})
def test_leader_killed_the_other_delivers(d):
	"""kill -9 of the daemon that delivers: the other takes its lock and
	delivers what waits and what comes, each alert under its key."""
	need_pg(d)
	b = second(d)
	try:
		with Sink() as sink:
			contacts(d, sink, ("police",))
			lead = leader_of((d, b))
			check(lead is not None, "no daemon holds the leader's lock")
			other = b if lead is d else d
			post(other, "nodes-k-1", "0912000001", "BL thon 3 bi danh")
			check(sink.wait_for(1, "/police", timeout=30),
			    "no alert before the kill")
			# Its result committed first: one in flight at a kill
			# goes again under its key (test_chaos counts those).
			harness.wait_until(lambda: [o for o in d.outbox() if
			    o["status"] == "sent"], 10, 0.05, "the first alert "
			    "recorded sent")
			lead.kill()
			t0 = time.monotonic()
			j = post(other, "nodes-k-2", "0912000002", "BL thon 4 bi "
			    "danh")
			got = sink.wait_for(2, "/police", timeout=30)
			eq(len(got), 2, "alerts once the leader was killed")
			print("    takeover: alert %.2f s after the kill" %
			    (got[1].mono - t0))
			check("leader's lock is ours" in other.stderr(),
			    "the survivor never took the lock")
			_, twice = keys_once(sink, ("/police",))
			eq(twice, [], "an alert delivered twice")
			check(j.get("ref"), "no REF after the kill")
	finally:
		if b.alive():
			b.stop()
		b.cleanup()
