"""
sink.py: a misbehaving HTTP server for the delivery tests, in the spirit of
Postfix's smtp-sink. It listens on 127.0.0.1 (an ephemeral port, or a
given one), records every request (method, path, headers, body, time) and
answers each according to a mode:

  "200", "201", "404", "500", ...  that status, a short body
  "429"             429 without Retry-After
  "429:N"           429 with Retry-After: N (any status but 3xx takes one:
                    "503:N"); "503:@N": Retry-After as the HTTP date N
                    seconds from now (whole seconds, as dates are)
  "302" / "redirect[:URL]"   302 with a Location (default: <sink>/redirected)
  "hang"            read the request, never answer (until the sink closes)
  "slow:S[:CODE]"   wait S seconds, then answer CODE (default 200)
  "close"           status line and headers promising 64 bytes, 8 bytes of
                    body, then close the connection (close mid-body)
  "drop"            read the request, close without a byte of answer
  "big:N[:CODE]"    answer CODE (default 200) with an N-byte body
  "json:CODE:BODY"  answer CODE with BODY as application/json (what a
                    provider's send API answers)

Modes are chosen per request: first a callable set with program(fn)
(fn(req) returns a mode or None), then the queue for the request's path
(on(path, modes...)), then the path's default (default(mode, path)), then
the global default. refuse() closes the listening socket and every open
connection so that connects are refused; listen() opens it again on the
same port. Python 3 standard library only; every wait is bounded.
"""

import email.utils
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_MAX = 60.0		# a hung request is released after this at most

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 408: "Request Timeout", 410: "Gone",
    429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout"}


def closed_port():
	"""A loopback port with nothing listening (connects are refused)."""
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]
	finally:
		s.close()


class Req:
	"""One recorded request."""

	def __init__(self, method, path, headers, body, mode):
		self.method = method
		self.path = path
		self.headers = headers		# lower-case names
		self.body = body
		self.mode = mode		# how it was (or is being) answered
		self.time = time.time()
		self.mono = time.monotonic()

	def header(self, name):
		return self.headers.get(name.lower())

	def json(self):
		try:
			return json.loads(self.body)
		except ValueError:
			return None

	def event(self):
		j = self.json()
		return j.get("event") if isinstance(j, dict) else None

	def __repr__(self):
		return "<%s %s %s %r>" % (self.method, self.path, self.mode,
		    self.body[:120])


class _Server(ThreadingHTTPServer):
	daemon_threads = True
	block_on_close = False
	allow_reuse_address = True

	def handle_error(self, request, client_address):
		pass	# a client that resets or times out is no news here


class Sink:
	def __init__(self, port=0, default="200", start=True):
		self.port = port
		self._default = default
		self._path_default = {}
		self._queues = {}
		self._program = None
		self.requests = []
		self.cond = threading.Condition()
		self._release = threading.Event()
		self._conns = set()
		self.httpd = None
		self.thread = None
		if start:
			self.listen()

	# -- configuration

	@property
	def url(self):
		return "http://127.0.0.1:%d" % self.port

	def on(self, path, *modes):
		"""Queue modes for the next requests to path."""
		with self.cond:
			self._queues.setdefault(path, []).extend(modes)
		return self

	def default(self, mode, path=None):
		"""The mode once path's queue is empty (all paths if None)."""
		with self.cond:
			if path is None:
				self._default = mode
			else:
				self._path_default[path] = mode
		return self

	def program(self, fn):
		"""fn(req) -> mode or None (fall through); None to remove."""
		with self.cond:
			self._program = fn
		return self

	def _choose(self, req):
		with self.cond:
			fn = self._program
		if fn is not None:
			m = fn(req)
			if m is not None:
				return m
		with self.cond:
			q = self._queues.get(req.path)
			if q:
				return q.pop(0)
			return self._path_default.get(req.path, self._default)

	# -- looking at what arrived

	def wait_for(self, n, path=None, pred=None, timeout=10.0):
		"""Wait until n matching requests arrived; returns the matching
		list (shorter on timeout)."""
		deadline = time.monotonic() + timeout
		with self.cond:
			while True:
				got = self._match(path, pred)
				left = deadline - time.monotonic()
				if len(got) >= n or left <= 0:
					return got
				self.cond.wait(min(left, 0.5))

	def got(self, path=None, pred=None):
		with self.cond:
			return self._match(path, pred)

	def _match(self, path, pred):
		return [r for r in self.requests if (path is None or
		    r.path == path) and (pred is None or pred(r))]

	# -- listening

	def listen(self):
		"""Start (or start again, on the same port) listening."""
		if self.httpd is not None:
			return self
		self._release.clear()
		outer = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"
			# Headers and body go out in two writes: without this,
			# Nagle and the client's delayed ACK add 40 ms a reply.
			disable_nagle_algorithm = True

			def setup(self):
				super().setup()
				with outer.cond:
					outer._conns.add(self.connection)

			def finish(self):
				try:
					super().finish()
				finally:
					with outer.cond:
						outer._conns.discard(self.connection)

			def _any(self):
				n = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(n) if n > 0 else b""
				req = Req(self.command, self.path, {k.lower(): v
				    for k, v in self.headers.items()}, body, None)
				mode = outer._choose(req)
				req.mode = mode
				with outer.cond:
					outer.requests.append(req)
					outer.cond.notify_all()
				outer._answer(self, mode)

			do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

			def log_message(self, *a):
				pass

		self.httpd = _Server(("127.0.0.1", self.port), Handler)
		self.port = self.httpd.server_address[1]
		self.thread = threading.Thread(target=self.httpd.serve_forever,
		    kwargs={"poll_interval": 0.05}, daemon=True)
		self.thread.start()
		return self

	def refuse(self):
		"""Stop listening and drop every open connection: connects to
		the port are refused until listen()."""
		if self.httpd is None:
			return self
		self._release.set()
		self.httpd.shutdown()
		self.httpd.server_close()
		self.httpd = None
		with self.cond:
			conns = list(self._conns)
		for c in conns:
			try:
				c.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass
		return self

	def close(self):
		self.refuse()

	def __enter__(self):
		return self

	def __exit__(self, *a):
		self.close()

	# -- answering

	def _answer(self, h, mode):
		mode = str(mode)
		kind, _, arg = mode.partition(":")
		if kind == "hang":
			self._release.wait(HANG_MAX)
			h.close_connection = True
			return
		if kind == "drop":
			h.close_connection = True
			return
		if kind == "close":
			h.wfile.write(b"HTTP/1.1 200 OK\r\n"
			    b"Content-Type: text/plain\r\n"
			    b"Content-Length: 64\r\n\r\npartial!")
			h.wfile.flush()
			try:
				h.connection.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass
			h.close_connection = True
			return
		if kind == "slow":
			secs, _, code = arg.partition(":")
			if self._release.wait(float(secs or 1)):
				h.close_connection = True
				return
			self._status(h, int(code or 200))
			return
		if kind == "big":
			n, _, code = arg.partition(":")
			code = int(code or 200)
			body = b"x" * int(n or 1 << 20)
			h.send_response(code, REASONS.get(code))
			h.send_header("Content-Type", "text/plain")
			h.send_header("Content-Length", str(len(body)))
			h.end_headers()
			try:
				h.wfile.write(body)
				h.wfile.flush()
			except OSError:
				h.close_connection = True
			return
		if kind == "json":	# json:CODE:BODY, a provider's API answer
			code, _, body = arg.partition(":")
			self._body(h, int(code), body.encode(), "application/json")
			return
		if kind == "redirect":
			self._status(h, 302, [("Location", arg or self.url +
			    "/redirected")])
			return
		code = int(kind)
		extra = []
		if arg.startswith("@"):
			arg = email.utils.formatdate(time.time() +
			    float(arg[1:]), usegmt=True)
		if arg and not 300 <= code < 400:
			extra.append(("Retry-After", arg))
		if 300 <= code < 400:
			extra.append(("Location", arg or self.url + "/redirected"))
		self._status(h, code, extra)

	def _status(self, h, code, extra=()):
		body = ("%d %s\n" % (code, REASONS.get(code, "Status"))).encode()
		self._body(h, code, body, "text/plain", extra)

	def _body(self, h, code, body, ctype, extra=()):
		h.send_response(code, REASONS.get(code))
		h.send_header("Content-Type", ctype)
		h.send_header("Content-Length", str(len(body)))
		for k, v in extra:
			h.send_header(k, v)
		h.end_headers()
		h.wfile.write(body)
		h.wfile.flush()
