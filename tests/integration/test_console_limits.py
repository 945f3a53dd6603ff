"""
test_console_limits.py: the console's listener holds its connections as
the webhooks' does (daemon/conns.c), on the defaults (request_timeout_s
10, the console's cap of 64): slow clients (slowloris) neither hold more
than 64 of the console's descriptors, nor keep a signed-out page from
being answered, nor slow the webhooks down; a client trickling its
headers a byte a second is cut at its deadline, as one that sends
nothing is. /metrics counts the console's answers by route and code.
"""

import http.client
import re
import socket
import threading
import time

from harness import case, check, eq
from webclient import console_up

RESIDENT = "0987401001"
CAP = 64			# CONSOLE_MAX_CONNS
TIMEOUT = 10			# limits.request_timeout_s's default


def console_get(d, path, timeout=10):
	c = http.client.HTTPConnection("127.0.0.1", d.console_port,
	    timeout=timeout)
	try:
		c.request("GET", path)
		r = c.getresponse()
		r.read()
		return r.status
	finally:
		c.close()


def metric(d, name, labels=""):
	r = d.request("GET", "/metrics", timeout=10)
	eq(r.status, 200, "GET /metrics")
	pat = re.compile(r"^%s%s (\S+)$" % (re.escape(name),
	    re.escape(labels)), re.M)
	m = pat.search(r.body.decode())
	return float(m.group(1)) if m else None


def slow_clients(port, n):
	"""n connections to port, each having sent the start of a request's
	headers and no more (as many as connect within 1 s each)."""
	socks = []
	for _ in range(n):
		try:
			s = socket.create_connection(("127.0.0.1", port),
			    timeout=1)
		except OSError:
			break
		try:
			s.sendall(b"GET /signin HTTP/1.1\r\nHost: x\r\n")
		except OSError:
			s.close()
			continue
		socks.append(s)
	return socks


@case(start=False)
def test_console_slow_clients_capped(d):
	"""150 slow clients on the console: it holds at most its cap of 64
	of them open (the rest wait in the listen queue or are shut down to
	make room), a signed-out GET /signin is answered well before their
	deadline, and the webhooks answer five signed reports and /healthz
	meanwhile as fast as ever."""
	console_up(d)
	# console_up's probe of the port may not be swept yet.
	check(metric(d, "tincay_console_connections") in (0.0, 1.0),
	    "console connections before")
	socks = slow_clients(d.console_port, 150)
	try:
		check(len(socks) > CAP, "only %d slow clients connected" %
		    len(socks))
		time.sleep(0.7)		# older than the grace before eviction
		held = metric(d, "tincay_console_connections")
		check(held is not None and held <= CAP, "the console holds "
		    "%r connections with %d slow clients (cap %d)" % (held,
		    len(socks), CAP))
		t0 = time.monotonic()
		for i in range(5):
			r = d.sms("cl-%d" % i, RESIDENT, "BL thon 3")
			check(r.get("ref"), "no REF beside slow console clients: "
			    "%r" % r)
		eq(d.request("GET", "/healthz", timeout=5).status, 200,
		    "/healthz beside slow console clients")
		took = time.monotonic() - t0
		check(took < 5, "five reports and /healthz beside 150 slow "
		    "console clients took %.1f s" % took)
		t0 = time.monotonic()
		eq(console_get(d, "/signin", timeout=TIMEOUT + 5), 200,
		    "GET /signin behind slow clients")
		took = time.monotonic() - t0
		check(took < TIMEOUT - 2, "GET /signin behind %d slow clients "
		    "took %.1f s: it waited for their deadline (%d s)" %
		    (len(socks), took, TIMEOUT))
		held = metric(d, "tincay_console_connections")
		check(held is not None and held <= CAP, "the console holds "
		    "%r connections (cap %d)" % (held, CAP))
		check(d.alive(), "tincayd died under slow console clients")
	finally:
		for s in socks:
			s.close()


def _cut_after(port, trickle):
	"""Seconds until the daemon closes a console connection that sends
	a header byte a second (trickle) or nothing at all; None if still
	open after 3 deadlines."""
	s = socket.create_connection(("127.0.0.1", port), timeout=5)
	t0 = time.monotonic()
	try:
		if trickle:
			s.sendall(b"GET /signin HTTP/1.1\r\nHost: x\r\n")
		s.settimeout(1)
		while time.monotonic() - t0 < 3 * TIMEOUT:
			try:
				if trickle:
					s.sendall(b"X")
				got = s.recv(4096)
				if not got or got.startswith(b"HTTP/"):
					return time.monotonic() - t0
			except socket.timeout:
				continue
			except OSError:
				return time.monotonic() - t0
		return None
	finally:
		s.close()


@case(start=False)
def test_console_deadline_holds(d):
	"""The deadline runs from accept until the request has arrived
	whole: libevent's own timeout restarts at every byte, so a client
	sending a header byte a second held its descriptor for ever. Both a
	trickling and a silent client are cut at request_timeout_s (10 s,
	with room for a loaded box)."""
	console_up(d)
	got = {}

	def run(name, trickle):
		got[name] = _cut_after(d.console_port, trickle)

	ts = [threading.Thread(target=run, args=(n, t)) for n, t in
	    (("trickle", True), ("silent", False))]
	for t in ts:
		t.start()
	for t in ts:
		t.join(4 * TIMEOUT)
	for name in ("trickle", "silent"):
		secs = got.get(name)
		check(secs is not None, "a %s console client was not cut in "
		    "%d s" % (name, 3 * TIMEOUT))
		check(TIMEOUT - 1 <= secs <= TIMEOUT + 6, "a %s console client "
		    "was cut after %.1f s, not at request_timeout_s (%d)" %
		    (name, secs, TIMEOUT))
	eq(console_get(d, "/signin"), 200, "GET /signin afterwards")
