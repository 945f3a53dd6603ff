"""
webclient.py: what the console's tests share (issue 21, SPEC §12, the
contract in CONSOLE.md). console_up() starts a Daemon with the console's
listener on a second free loopback port; Browser is a small cookie-keeping
HTTP client for it that checks the security headers of EVERY response it
gets (errors and redirects too) and finds a page's forms and CSRF token;
add_user() runs `tincayctl users add` with the password on standard input;
totp() computes RFC 6238 codes; cells() reads a page's table cells.
Python 3 standard library only.
"""

import base64
import hashlib
import hmac
import html
import html.parser
import http.client
import json
import re
import socket
import struct
import subprocess
import time
import urllib.parse

import harness
from harness import TestFailure, check, eq

COOKIE = "__Host-tincay"
PASSWORD = "mat-khau-dai-1"		# every test user's, unless said
CSP_WANT = {"default-src": "'none'", "style-src": "'self'",
    "form-action": "'self'", "frame-ancestors": "'none'"}
HEADERS_WANT = (("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"))


# ---------------------------------------------------------------- the daemon

def console_up(d, overrides=None, console=None, book=None, tries=3):
	"""Start d with overrides (a config of its own, e.g. a city's) and
	the console's listen on a free port (console: more of its keys).
	Waits until the console's port accepts; returns its port."""
	for attempt in range(tries):
		port = harness.free_port()
		c = {"listen": "127.0.0.1:%d" % port}
		c.update(console or {})
		# The harness's 2 s request deadline is for slow webhook
		# clients; a sign-in (scrypt) answered after its COMMIT on a
		# loaded box may take longer, which is not what these judge.
		d.overrides = harness.merge({"limits": {"request_timeout_s": 10}},
		    harness.merge(dict(overrides or {}), {"console": c}))
		d.new_config()
		try:
			d.start()
		except TestFailure:
			if attempt + 1 < tries and re.search(r"in use|bind",
			    d.stderr(), re.I):
				continue
			raise
		break
	d.console_port = port
	# It listens before the loop runs, so before /healthz answers.
	deadline = time.monotonic() + 5
	why = None
	while time.monotonic() < deadline:
		s = socket.socket()
		s.settimeout(1)
		try:
			s.connect(("127.0.0.1", port))
			return port
		except OSError as e:
			why = e
		finally:
			s.close()
		time.sleep(0.05)
	raise TestFailure("the console does not listen on console.listen "
	    "127.0.0.1:%d: %s" % (port, why))


def ctl_in(d, stdin, *args, ok=True):
	"""tincayctl with stdin (bytes or str) as its standard input."""
	if isinstance(stdin, str):
		stdin = stdin.encode()
	p = subprocess.run([d.tincayctl, "-c", d.cfgpath] + list(args),
	    input=stdin, capture_output=True, timeout=harness.CTL_TIMEOUT,
	    cwd=d.tmpdir)
	if ok and p.returncode != 0:
		raise TestFailure("tincayctl %s exited %d: %s" % (" ".join(args),
		    p.returncode, (p.stderr or p.stdout).decode("utf-8",
		    "replace").strip()[:400]))
	return p


def add_user(d, name, role, areas=None, communes=None, password=PASSWORD,
    totp=False):
	"""tincayctl users add, the password on stdin; its output (with
	--totp: the secret)."""
	args = ["users", "add", "--name", name, "--role", role]
	if areas is not None:
		args += ["--areas", areas]
	if communes is not None:
		args += ["--communes", communes]
	if totp:
		args.append("--totp")
	return ctl_in(d, password + "\n", *args).stdout.decode()


def audit(d, *args):
	"""tincayctl audit --json: the rows, newest first."""
	p = d.ctl("audit", "--json", *args)
	try:
		rows = json.loads(p.stdout)
	except ValueError:
		raise TestFailure("tincayctl audit --json: not JSON: %r" %
		    p.stdout[:300])
	check(isinstance(rows, list), "audit --json is not an array")
	return rows


def audited(d, action, user=None, target=None):
	"""The audit rows of action (by user, about target)."""
	return [r for r in audit(d) if r.get("action") == action and
	    (user is None or r.get("user") == user) and
	    (target is None or str(r.get("target")) == str(target))]


def show(d, ref):
	return d.ctl_json("reports", "show", ref)


# ---------------------------------------------------------------- TOTP

def secret_of(out):
	"""The base32 secret `users totp` / `users add --totp` printed: the
	otpauth:// URI's secret=, else a run of 32 base32 characters."""
	m = re.search(r"otpauth://\S+", out)
	if m:
		q = urllib.parse.parse_qs(urllib.parse.urlsplit(
		    m.group(0)).query)
		if q.get("secret"):
			return q["secret"][0]
	m = re.search(r"\b[A-Z2-7]{32}\b", out)
	check(m, "no base32 secret in %r" % out[:300])
	return m.group(0)


def totp(secret, t=None, step=30):
	"""RFC 6238 (RFC 4226's HOTP over HMAC-SHA1, 6 digits) at time t."""
	if t is None:
		t = time.time()
	s = secret.upper().replace(" ", "")
	key = base64.b32decode(s + "=" * (-len(s) % 8))
	mac = hmac.new(key, struct.pack(">Q", int(t) // step),
	    hashlib.sha1).digest()
	off = mac[-1] & 0x0F
	n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
	return "%06d" % (n % 1000000)


# ---------------------------------------------------------------- pages

class _Forms(html.parser.HTMLParser):
	"""Every form of a page: {"action", "method", "fields": [(name,
	value, type)]}; links' hrefs."""

	def __init__(self):
		super().__init__(convert_charrefs=True)
		self.forms = []
		self.links = []
		self._form = None

	def handle_starttag(self, tag, attrs):
		a = dict(attrs)
		if tag == "form":
			self._form = {"action": a.get("action") or "",
			    "method": (a.get("method") or "get").lower(),
			    "fields": []}
			self.forms.append(self._form)
		elif tag in ("input", "select", "textarea", "button") and \
		    self._form is not None and a.get("name"):
			self._form["fields"].append((a["name"], a.get("value") or
			    "", (a.get("type") or tag).lower()))
		elif tag == "a" and a.get("href"):
			self.links.append(a["href"])

	def handle_startendtag(self, tag, attrs):
		self.handle_starttag(tag, attrs)

	def handle_endtag(self, tag):
		if tag == "form":
			self._form = None


def forms(body):
	p = _Forms()
	p.feed(body.decode("utf-8", "replace") if isinstance(body, bytes)
	    else body)
	return p.forms


def links(body):
	p = _Forms()
	p.feed(body.decode("utf-8", "replace") if isinstance(body, bytes)
	    else body)
	return p.links


class _Cells(html.parser.HTMLParser):
	"""The text of every <th> and <td>, in order, spaces collapsed."""

	def __init__(self):
		super().__init__(convert_charrefs=True)
		self.cells = []
		self._buf = None

	def handle_starttag(self, tag, attrs):
		if tag in ("td", "th"):
			self._buf = []

	def handle_data(self, data):
		if self._buf is not None:
			self._buf.append(data)

	def handle_endtag(self, tag):
		if tag in ("td", "th") and self._buf is not None:
			self.cells.append(" ".join("".join(self._buf).split()))
			self._buf = None


def cells(body):
	p = _Cells()
	p.feed(body.decode("utf-8", "replace") if isinstance(body, bytes)
	    else body)
	return p.cells


def contains_run(big, small):
	"""Whether the list small appears in big, contiguous."""
	n = len(small)
	return any(big[i:i + n] == small for i in range(len(big) - n + 1))


def text_of(body):
	"""A page's text: tags dropped, entities decoded."""
	s = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
	s = re.sub(r"<[^>]*>", " ", s)
	return html.unescape(s)


REF_LINK = re.compile(r'href="(?:https?://[^/"]*)?/cases/([A-Z0-9]{4,6})"')


def refs_listed(body):
	"""The REFs a case list links to (/cases/REF), in page order, once
	each."""
	seen = []
	for ref in REF_LINK.findall(body.decode("utf-8", "replace")):
		if ref not in seen:
			seen.append(ref)
	return seen


# ---------------------------------------------------------------- headers

def check_headers(r, what):
	"""The headers every console response carries (CONSOLE.md)."""
	csp = r.header("Content-Security-Policy")
	check(csp, "%s (%d): no Content-Security-Policy" % (what, r.status))
	got = {}
	for part in csp.split(";"):
		words = part.split()
		if words:
			got[words[0].lower()] = " ".join(words[1:])
	for k, v in CSP_WANT.items():
		eq(got.get(k), v, "%s (%d): CSP %s" % (what, r.status, k))
	check("unsafe-inline" not in csp and "unsafe-eval" not in csp,
	    "%s (%d): CSP allows unsafe code: %r" % (what, r.status, csp))
	check(got.get("script-src", "'none'") == "'none'", "%s (%d): CSP "
	    "lets scripts run: %r" % (what, r.status, csp))
	cc = r.header("Cache-Control") or ""
	check("no-store" in cc, "%s (%d): Cache-Control %r, want no-store" %
	    (what, r.status, cc))
	for k, v in HEADERS_WANT:
		eq(r.header(k), v, "%s (%d): %s" % (what, r.status, k))


# ---------------------------------------------------------------- a browser

class Browser:
	"""One user agent of the console: its cookies, its address (source
	address: another loopback address is another client), the Origin
	it sends on POST (a browser sends its own on a form's POST)."""

	def __init__(self, d, source="127.0.0.1", origin="own"):
		self.d = d
		self.port = d.console_port
		self.source = source
		self.origin = origin
		self.jar = {}
		self.last = None
		self.setcookies = []	# every Set-Cookie received

	@property
	def own_origin(self):
		return "http://127.0.0.1:%d" % self.port

	def cookie(self):
		return self.jar.get(COOKIE)

	def _keep(self, r):
		for k, v in r.headers:
			if k.lower() != "set-cookie":
				continue
			self.setcookies.append(v)
			name, _, rest = v.partition("=")
			value = rest.split(";", 1)[0]
			attrs = [a.strip().lower() for a in rest.split(";")[1:]]
			gone = (value == "" or "max-age=0" in attrs or any(
			    a.startswith("expires=") and ("1970" in a) for a in
			    attrs))
			if gone:
				self.jar.pop(name.strip(), None)
			else:
				self.jar[name.strip()] = value

	def request(self, method, path, body=None, headers=None, origin=None,
	    cookies=True, timeout=harness.HTTP_TIMEOUT):
		"""One request; the headers every response needs are checked
		here, whatever its status. origin: None (POST: this browser's
		own rule), False (none) or a value."""
		h = {}
		if cookies and self.jar:
			h["Cookie"] = "; ".join("%s=%s" % kv for kv in
			    self.jar.items())
		if method == "POST":
			o = self.origin if origin is None else origin
			if o == "own":
				o = self.own_origin
			if o:
				h["Origin"] = o
		if isinstance(body, (dict, list)):
			body = urllib.parse.urlencode(body, doseq=True)
		if isinstance(body, str):
			body = body.encode()
		if body is not None:
			h["Content-Type"] = "application/x-www-form-urlencoded"
		h.update(headers or {})
		c = http.client.HTTPConnection("127.0.0.1", self.port,
		    timeout=timeout, source_address=(self.source, 0))
		try:
			try:
				c.request(method, path, body=body, headers=h)
				resp = c.getresponse()
				data = resp.read()
			except ConnectionRefusedError:
				raise TestFailure("%s %s: the console refused the "
				    "connection (port %d)" % (method, path,
				    self.port))
			r = harness.Response(resp.status, resp.getheaders(), data)
		finally:
			c.close()
		check_headers(r, "%s %s" % (method, path))
		if cookies:
			self._keep(r)
		self.last = r
		return r

	def get(self, path, **kw):
		return self.request("GET", path, **kw)

	def post(self, path, fields=None, csrf=True, **kw):
		"""POST a form; csrf: True adds this session's token (from the
		page the form is on, found by its action), a string is sent
		as the token, False sends none."""
		fields = list((fields or {}).items()) if isinstance(fields,
		    dict) else list(fields or [])
		if csrf is True:
			csrf = self.csrf_for(path)
		if csrf is not False and csrf is not None:
			fields.append(("csrf", csrf))
		return self.request("POST", path, fields, **kw)

	def csrf_for(self, action):
		"""The csrf of the form posting to action, read from the page
		such a form is on (the case page for /cases/REF/…, the review
		list for /review/…, /users, /signin; else /month)."""
		page = "/month"
		m = re.match(r"^(/cases/[^/]+)/", action)
		if m:
			page = m.group(1)
		elif action.startswith("/review/"):
			page = "/review"
		elif action.startswith("/users"):
			page = "/users"
		elif action == "/signin":
			page = "/signin"
		r = self.get(page)
		if r.status != 200 and page != "/month":
			r = self.get("/month")
		return self.csrf_in(r.body, action)

	def csrf_in(self, body, action=None):
		fs = forms(body)
		pick = [f for f in fs if action and urllib.parse.urlsplit(
		    f["action"]).path == action] or fs
		for f in pick:
			for name, value, _ in f["fields"]:
				if name == "csrf":
					return value
		raise TestFailure("no form with a csrf field (for %s) in the page "
		    "%r" % (action, body[:300]))

	# -- signing in

	def signin(self, name, password=PASSWORD, code="", want=303,
	    **kw):
		"""GET /signin (its pre-sign-in cookie and csrf), then POST it.
		The response, its status checked against want (None: not)."""
		r = self.get("/signin")
		eq(r.status, 200, "GET /signin")
		token = self.csrf_in(r.body, "/signin")
		# As a browser sends the form: code too, empty when not asked.
		f = [("name", name), ("password", password), ("code", code)]
		r = self.post("/signin", f, csrf=token, **kw)
		if want is not None:
			eq(r.status, want, "POST /signin as %s: %r" % (name,
			    r.body[:300]))
		return r


def location(r):
	"""A redirect's Location as a path (+ query), whether absolute or
	not."""
	loc = r.header("Location")
	check(loc, "%d without Location" % r.status)
	u = urllib.parse.urlsplit(loc)
	return u.path + ("?" + u.query if u.query else "")


def redirect(r, path, what):
	eq(r.status, 303, "%s: status (body %r)" % (what, r.body[:200]))
	eq(location(r), path, "%s: Location" % what)
