"""
test_http.py: the inbound HTTP surface of SPEC §3 on /sms/generic and
/healthz: status codes for every malformed, unauthenticated or oversized
request, nothing stored for a 4xx, and the limits (body size, slow
clients) that libevent does not set by itself.
"""

import http.client
import json
import os
import resource
import socket
import threading
import time

from harness import SECRET, case, check, eq, idle_connections, sign

RESIDENT = "0987001001"


def no_rows(d, what):
	m, r, o = d.counts()
	check((m, r, o) == (0, 0, 0), "%s stored something: %d messages, "
	    "%d reports, %d outbox rows" % (what, m, r, o))


def short_error(r, what):
	"""SPEC §3: error bodies are one short plain-text line."""
	body = r.body.decode("utf-8", "replace").strip()
	check("\n" not in body and len(body) <= 200,
	    "%s: error body is not one short line: %r" % (what, r.body[:300]))


def test_healthz(d):
	r = d.request("GET", "/healthz")
	eq(r.status, 200, "GET /healthz status")
	eq(r.body.strip(), b"ok", "GET /healthz body")


def test_metrics(d):
	d.sms("m-1", RESIDENT, "HD")
	r = d.request("GET", "/metrics")
	eq(r.status, 200, "GET /metrics status")
	check(b"tincay_" in r.body, "GET /metrics has no tincay_ metric: %r"
	    % r.body[:200])


def test_unknown_path_404(d):
	for method, path in (("GET", "/nope"), ("POST", "/sms/nothing"),
	    ("GET", "/"), ("POST", "/sms/generic/extra")):
		body = d.sms_body("p-" + path, RESIDENT, "HD")
		r = d.post_raw(body, path=path) if method == "POST" else \
		    d.request(method, path)
		eq(r.status, 404, "%s %s status" % (method, path))
		short_error(r, "%s %s" % (method, path))
	no_rows(d, "404 requests")


def test_absent_provider_404(d):
	# The test config has only providers.generic.
	form = "From=%2B84987001001&To=8088&Body=BL+thon+3&MessageSid=SM1"
	for path in ("/sms/twilio", "/sms/africastalking?token=x",
	    "/ussd/africastalking?token=x"):
		r = d.request("POST", path, form, {"Content-Type":
		    "application/x-www-form-urlencoded"})
		eq(r.status, 404, "POST %s (provider section absent) status" %
		    path)
	no_rows(d, "404 requests")


@case(overrides={"providers": {"generic": None, "africastalking": {
    "username": "sandbox", "api_key": "k", "from": "8088", "token": "tok",
    "api_base": "https://127.0.0.1:9"}}})
def test_absent_generic_404(d):
	r = d.post_raw(d.sms_body("g-1", RESIDENT, "BL thon 3"))
	eq(r.status, 404, "POST /sms/generic without providers.generic status")
	no_rows(d, "404 request")


def test_get_generic_405(d):
	r = d.request("GET", "/sms/generic")
	eq(r.status, 405, "GET /sms/generic status")
	short_error(r, "GET /sms/generic")
	no_rows(d, "405 request")


def test_other_methods_405_with_allow(d):
	"""SPEC §9: a method an endpoint does not take gets 405 with Allow,
	not libevent's 501, on a provider's endpoint and on our own routes;
	nothing is stored."""
	body = d.sms_body("m405-1", RESIDENT, "BL thon 3")
	for path, allow in (("/sms/generic", "POST"), ("/healthz", "GET"),
	    ("/metrics", "GET")):
		for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
			r = d.request(method, path, body=body, headers={
			    "Content-Type": "application/json",
			    "X-Tincay-Signature": sign(SECRET, body)})
			what = "%s %s" % (method, path)
			eq(r.status, 405, "%s: status" % what)
			eq(r.header("Allow"), allow, "%s: Allow" % what)
			short_error(r, what)
	no_rows(d, "405 requests")


def _head_of(port, request):
	"""Send raw request bytes; the response's status and headers (a
	CONNECT's answer has no body nor length, and its connection stays)."""
	with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
		s.sendall(request)
		got = b""
		while b"\r\n\r\n" not in got and len(got) < 65536:
			b = s.recv(4096)
			if not b:
				break
			got += b
	head = got.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
	status = int(head[0].split(" ")[1])
	headers = dict((k.strip().lower(), v.strip()) for k, v in
	    (line.split(":", 1) for line in head[1:] if ":" in line))
	return status, headers


def test_connect_and_unknown_methods_405_with_allow(d):
	"""Issue 23: CONNECT got 404 (libevent reads its target as an
	authority, so the path was lost) and a method libevent does not know
	(PROPFIND, BREW) got libevent's HTML 501: each is 405 with Allow on
	every endpoint, the error in plain text; nothing is stored."""
	for path, allow in (("/sms/generic", "POST"), ("/healthz", "GET"),
	    ("/metrics", "GET"), ("/sms/twilio", None)):
		status, h = _head_of(d.port, b"CONNECT %s HTTP/1.1\r\n"
		    b"Host: x\r\n\r\n" % path.encode())
		if allow is None:	# no such endpoint here: 404
			eq(status, 404, "CONNECT %s: status" % path)
			continue
		eq(status, 405, "CONNECT %s: status" % path)
		eq(h.get("allow"), allow, "CONNECT %s: Allow" % path)
		for method in ("PROPFIND", "BREW"):
			what = "%s %s" % (method, path)
			r = d.request(method, path, body=b"{}", headers={
			    "Content-Type": "application/json"})
			eq(r.status, 405, "%s: status" % what)
			eq(r.header("Allow"), allow, "%s: Allow" % what)
			check((r.header("Content-Type") or "").startswith(
			    "text/plain"), "%s: %r" % (what,
			    r.header("Content-Type")))
			short_error(r, what)
	no_rows(d, "405 requests")


def test_bad_request_400(d):
	now = int(time.time())
	cases = [
		("bad JSON", b'{"id": "b1", "from": '),
		("not an object", b'["b2", "0987001001", "8088", "BL"]'),
		("empty body", b""),
		("missing text", json.dumps({"id": "b3", "from": RESIDENT,
		    "to": "8088"}).encode()),
		("missing id", json.dumps({"from": RESIDENT, "to": "8088",
		    "text": "BL thon 3"}).encode()),
		("missing from", json.dumps({"id": "b4", "to": "8088",
		    "text": "BL thon 3"}).encode()),
		("text is a number", json.dumps({"id": "b5", "from": RESIDENT,
		    "to": "8088", "text": 5}).encode()),
		("id is null", json.dumps({"id": None, "from": RESIDENT,
		    "to": "8088", "text": "BL thon 3"}).encode()),
		("from is a list", json.dumps({"id": "b6", "from": [RESIDENT],
		    "to": "8088", "text": "BL thon 3"}).encode()),
	]
	for what, body in cases:
		r = d.post_raw(body, t=now)
		eq(r.status, 400, "signed request with %s: status" % what)
		short_error(r, what)
	no_rows(d, "400 requests")


def test_nul_in_json_string_400(d):
	"""SPEC §9: a JSON string holding U+0000 gets 400. cJSON ends a string
	there: an id "m1\\u0000x" looked like the stored "m1" (answered with
	its REF, the new text dropped) and a text was cut."""
	first = d.sms("nul-1", RESIDENT, "BL thon 3 giup toi")
	check(first.get("ref"), "no REF for the first message: %r" % first)
	cases = [
		("an id with \\u0000 after a stored id",
		    b'{"id":"nul-1\\u0000x","from":"%s","to":"8088",'
		    b'"text":"BL thon 4 khac"}' % RESIDENT.encode()),
		("a text with \\u0000", b'{"id":"nul-2","from":"%s",'
		    b'"to":"8088","text":"BL\\u0000 thon 5"}' %
		    RESIDENT.encode()),
		("\\u0000 ending a text", b'{"id":"nul-3","from":"%s",'
		    b'"to":"8088","text":"BL thon 5\\u0000"}' %
		    RESIDENT.encode()),
		("another key with \\u0000", b'{"id":"nul-4","from":"%s",'
		    b'"to":"8088","text":"HD","x\\u0000":1}' %
		    RESIDENT.encode()),
		("a raw NUL byte", b'{"id":"nul-5","from":"%s","to":"8088",'
		    b'"text":"BL\x00 thon 5"}' % RESIDENT.encode()),
	]
	for what, body in cases:
		r = d.post_raw(body)
		eq(r.status, 400, "%s: status (%r)" % (what, r.body[:100]))
		short_error(r, what)
	eq([m["provider_id"] for m in d.messages()], ["nul-1"],
	    "messages after the 400s")
	eq(len(d.reports()), 1, "reports after the 400s")


def test_duplicate_json_key_400(d):
	"""A key twice in a JSON body (issue 23): {"id":"abc","id":"new"} was
	taken for a retry of the stored "abc" (cJSON finds the first key) and
	its text swallowed; a text given twice was one of two. Both 400."""
	first = d.sms("dup-1", RESIDENT, "BL thon 3 giup toi")
	check(first.get("ref"), "no REF for the first message: %r" % first)
	cases = [
		("an id twice, the first stored", b'{"id":"dup-1","id":"dup-2",'
		    b'"from":"%s","to":"8088","text":"BL thon 4 khac"}' %
		    RESIDENT.encode()),
		("a text twice", b'{"id":"dup-3","from":"%s","to":"8088",'
		    b'"text":"HD","text":"BL thon 5"}' % RESIDENT.encode()),
	]
	for what, body in cases:
		r = d.post_raw(body)
		eq(r.status, 400, "%s: status (%r)" % (what, r.body[:100]))
		short_error(r, what)
	eq([m["provider_id"] for m in d.messages()], ["dup-1"],
	    "messages after the 400s")


def test_signature_403(d):
	body = d.sms_body("s-1", RESIDENT, "BL thon 3 chong danh vo")
	now = int(time.time())
	good = sign(SECRET, body, now)
	mac = good.split("v1=")[1]
	flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
	cases = [
		("missing header", None),
		("empty header", ""),
		("garbage header", "garbage"),
		("no t", "v1=" + mac),
		("no v1", "t=%d" % now),
		("non-numeric t", "t=abc,v1=" + mac),
		("wrong mac", "t=%d,v1=%s" % (now, flipped)),
		("short mac", "t=%d,v1=%s" % (now, mac[:32])),
		("other secret", sign("not-the-secret", body, now)),
		("stale t", sign(SECRET, body, now - 400)),
		("future t", sign(SECRET, body, now + 400)),
		("t of the signature changed", "t=%d,v1=%s" % (now - 1, mac)),
		("other body", sign(SECRET, body + b" ", now)),
	]
	for what, hdr in cases:
		r = d.post_raw(body, sig=hdr)
		eq(r.status, 403, "%s: status" % what)
		short_error(r, what)
	no_rows(d, "403 requests")
	# And the well-signed one is accepted.
	r = d.post_raw(body, sig=good)
	eq(r.status, 200, "correctly signed request status")


def test_content_type_415(d):
	body = d.sms_body("c-1", RESIDENT, "BL thon 3")
	for ct in ("text/plain", "application/x-www-form-urlencoded", None):
		r = d.post_raw(body, content_type=ct)
		eq(r.status, 415, "Content-Type %r: status" % ct)
		short_error(r, "Content-Type %r" % ct)
	no_rows(d, "415 requests")


def test_content_type_with_charset_ok(d):
	body = d.sms_body("c-2", RESIDENT, "HD")
	r = d.post_raw(body, content_type="application/json; charset=utf-8")
	eq(r.status, 200, "Content-Type application/json; charset=utf-8: "
	    "status")


def _padded_body(d, id, size):
	"""A valid SMS JSON body of exactly size bytes."""
	base = d.sms_body(id, RESIDENT, "")
	pad = size - len(base)
	check(pad >= 0, "size too small")
	body = d.sms_body(id, RESIDENT, "x" * pad)
	eq(len(body), size, "padded body length")
	return body


def test_body_limit_413(d):
	limit = d.config["limits"]["max_body_bytes"]
	big = _padded_body(d, "big-1", limit + 1)
	r1 = d.post_raw(big)
	eq(r1.status, 413, "body of max_body_bytes+1 status")
	huge = _padded_body(d, "big-2", limit * 8)
	r413 = r = d.post_raw(huge)
	eq(r.status, 413, "body of 8*max_body_bytes status")
	no_rows(d, "413 requests")
	r = d.post_raw(_padded_body(d, "big-3", limit))
	eq(r.status, 200, "body of exactly max_body_bytes status")
	r = d.request("GET", "/healthz")
	eq(r.status, 200, "healthz after 413s")
	# libevent 2.1 writes this 413 itself, before any callback of ours
	# runs, as an HTML page: it is one plain-text line like every other
	# error (issue 23).
	for r, what in ((r1, "max_body_bytes+1"), (r413, "8*max_body_bytes")):
		check((r.header("Content-Type") or "").startswith("text/plain"),
		    "%s: 413 as %r: %r" % (what, r.header("Content-Type"),
		    r.body[:80]))
		short_error(r, what)


def test_unparsable_request_400_plain(d):
	"""A request line libevent cannot parse gets its 400, written before
	any callback of ours: in plain text too."""
	with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
		s.sendall(b"POST /sms/generic HTTP/9.x\r\nHost: x\r\n\r\n")
		got = b""
		while True:
			b = s.recv(4096)
			if not b:
				break
			got += b
	head, _, body = got.partition(b"\r\n\r\n")
	check(head.startswith(b"HTTP/1.1 400 "), "status: %r" % head[:40])
	check(b"text/plain" in head and b"<" not in body and
	    body.count(b"\n") == 1, "not one plain line: %r" % got[:300])


def _dribble(port, head, body, interval, limit):
	"""Send head, then body one byte per interval, watching the socket.
	Returns (outcome, seconds, data): outcome is closed, reset,
	response or alive (not cut off within limit)."""
	s = socket.create_connection(("127.0.0.1", port), timeout=5)
	try:
		s.sendall(head)
		t0 = time.monotonic()
		s.settimeout(interval)
		i = 0
		while time.monotonic() - t0 < limit:
			try:
				data = s.recv(4096)
				if not data:
					return "closed", time.monotonic() - t0, b""
				s.settimeout(1)
				try:
					while True:
						more = s.recv(4096)
						if not more:
							break
						data += more
				except OSError:
					pass
				return "response", time.monotonic() - t0, data
			except socket.timeout:
				pass
			except (ConnectionResetError, BrokenPipeError):
				return "reset", time.monotonic() - t0, b""
			if i < len(body):
				try:
					s.send(body[i:i + 1])
				except (ConnectionResetError, BrokenPipeError):
					return "reset", time.monotonic() - t0, b""
				i += 1
		return "alive", time.monotonic() - t0, b""
	finally:
		s.close()


def _expect_cut(d, outcome, secs, data, what):
	limit = d.config["limits"]["request_timeout_s"]
	if outcome == "response":
		status = data.split(b"\r\n", 1)[0]
		check(b" 408" in status, "%s: answered %r instead of closing or "
		    "408" % (what, status))
	check(outcome != "alive", "%s: still connected after %.1f s "
	    "(request_timeout_s %d): the deadline is reset by every byte?" %
	    (what, secs, limit))
	check(secs <= limit + 3, "%s: cut off only after %.1f s "
	    "(request_timeout_s %d)" % (what, secs, limit))


def test_slow_body_cut_off(d):
	limit = d.config["limits"]["request_timeout_s"]
	body = d.sms_body("slow-1", RESIDENT, "BL thon 3 " + "y" * 200)
	head = ("POST /sms/generic HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "X-Tincay-Signature: %s\r\n\r\n" % (len(body),
	    sign(SECRET, body))).encode()
	result = {}

	def probe():
		# The loop must keep serving others while one client dribbles:
		# the answer comes before the dribbler is cut off.
		time.sleep(0.5)
		try:
			r = d.request("GET", "/healthz", timeout=limit + 8)
			result["probe"] = (r.status, time.monotonic())
		except OSError as e:
			result["probe"] = (str(e), time.monotonic())

	th = threading.Thread(target=probe)
	th.start()
	t0 = time.monotonic()
	outcome, secs, data = _dribble(d.port, head, body, 0.2, limit + 6)
	th.join(limit + 10)
	_expect_cut(d, outcome, secs, data, "slow body")
	st, at = result.get("probe", ("no result", 0))
	check(st == 200 and at < t0 + secs, "GET /healthz while a client "
	    "dribbles: %r, answered only once it was cut off" % (st,))
	no_rows(d, "cut-off request")


def test_slow_headers_cut_off(d):
	limit = d.config["limits"]["request_timeout_s"]
	head = b"GET /healthz HTTP/1.1\r\n"
	trickle = b"X-Slow: " + b"a" * 200 + b"\r\n"
	outcome, secs, data = _dribble(d.port, head, trickle, 0.2, limit + 6)
	_expect_cut(d, outcome, secs, data, "slow headers")


def test_idle_connection_cut_off(d):
	limit = d.config["limits"]["request_timeout_s"]
	outcome, secs, data = _dribble(d.port, b"", b"", 0.2, limit + 6)
	_expect_cut(d, outcome, secs, data, "idle connection")


def _chunked_post(d, body, chunk=512):
	c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
	try:
		parts = [body[i:i + chunk] for i in range(0, len(body), chunk)]
		c.request("POST", "/sms/generic", body=iter(parts), headers={
		    "Content-Type": "application/json",
		    "X-Tincay-Signature": sign(SECRET, body)},
		    encode_chunked=True)
		r = c.getresponse()
		return r.status, r.read()
	finally:
		c.close()


def test_chunked_body(d):
	limit = d.config["limits"]["max_body_bytes"]
	st, data = _chunked_post(d, d.sms_body("ch-1", RESIDENT, "HD"), 16)
	eq(st, 200, "chunked POST within the limit: status (%r)" % data[:100])
	st, data = _chunked_post(d, _padded_body(d, "ch-2", limit * 3))
	eq(st, 413, "chunked POST over max_body_bytes: status")
	eq(len(d.messages()), 1, "messages after a chunked 200 and 413")


@case(overrides={"limits": {"max_connections": 8}})
def test_connection_cap(d):
	"""max_connections idle clients holding their sockets: the daemon
	survives, reaps them by request_timeout_s, and the next client (kept
	in the kernel's backlog meanwhile) is served within
	request_timeout_s, not after its own timeout."""
	limit = d.config["limits"]["request_timeout_s"]
	socks = []
	try:
		for _ in range(d.config["limits"]["max_connections"]):
			socks.append(socket.create_connection(("127.0.0.1", d.port),
			    timeout=2))
		time.sleep(0.2)
		check(d.alive(), "tincayd died at max_connections")
		try:
			r = d.request("GET", "/healthz", timeout=limit + 8)
			st = r.status
		except OSError as e:
			st = str(e)
		check(st == 200, "GET /healthz behind %d idle connections "
		    "(= max_connections): %r" % (len(socks), st))
	finally:
		for s in socks:
			s.close()
	d.sms("cap-1", RESIDENT, "HD")


def _cpu_ticks(pid):
	with open("/proc/%d/stat" % pid) as f:
		fields = f.read().rsplit(")", 1)[1].split()
	return int(fields[11]) + int(fields[12])	# utime + stime


@case({"limits": {"max_connections": 4000}}, start=False)
def test_out_of_descriptors_pauses(d):
	"""Running out of file descriptors (EMFILE on accept) neither spins
	nor floods the log, and the daemon serves again once they free up.
	The daemon fits its connection cap to the open-file limit it starts
	with (test_resilience), so the limit drops to 64 while it runs."""
	d.start()
	resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (64, 64))
	socks = idle_connections(d.port, 160)
	try:
		time.sleep(1.0)
		t0 = _cpu_ticks(d.proc.pid)
		time.sleep(2.0)
		used = _cpu_ticks(d.proc.pid) - t0
		hz = os.sysconf("SC_CLK_TCK")
		check(used < 0.5 * hz, "tincayd used %d ticks (%d/s) of CPU in "
		    "2 s while out of descriptors: spinning" % (used, hz))
		lines = [l for l in d.stderr().splitlines() if "accept" in l]
		check(1 <= len(lines) <= 5, "accept errors logged %d times: %r"
		    % (len(lines), lines[:3]))
	finally:
		for s in socks:
			s.close()
	deadline = time.monotonic() + 8
	while True:
		try:
			r = d.request("GET", "/healthz", timeout=2)
			if r.status == 200:
				break
		except OSError:
			pass
		check(time.monotonic() < deadline, "not serving again after "
		    "the descriptors were freed")
		time.sleep(0.2)


@case({"limits": {"request_timeout_s": 10, "max_connections": 64}})
def test_slow_clients_do_not_hold_requests_back(d):
	"""Slowloris (issue 9, row 6), on the default request_timeout_s: 100
	clients trickling headers (more than max_connections) must not keep
	a legitimate signed request waiting for their deadlines: at the cap
	the daemon closes the connection that waited longest."""
	socks = []
	try:
		for i in range(100):
			try:
				s = socket.create_connection(("127.0.0.1", d.port),
				    timeout=1)
			except OSError:
				break
			s.sendall(b"POST /sms/generic HTTP/1.1\r\nHost: x\r\n")
			socks.append(s)
		time.sleep(0.7)		# older than the daemon's grace
		# Answered before the slow clients' deadline (10 s), whatever
		# the machine's speed; waiting for it would take the whole 10 s.
		t0 = time.monotonic()
		for i in range(5):
			r = d.sms("loris-%d" % i, RESIDENT, "BL thon 3")
			check(r.get("ref"), "no REF behind slow clients: %r" % r)
			for s in socks[:5]:
				try:
					s.sendall(b"X-Slow: 1\r\n")
				except OSError:
					pass
		took = time.monotonic() - t0
		check(took < 10, "five signed requests behind 100 slow clients "
		    "took %.1f s: they waited for request_timeout_s (10)" % took)
		check(d.alive(), "tincayd died under slow clients")
	finally:
		for s in socks:
			s.close()
