"""
test_console.py: the web console (SPEC §12, issue 21) through the real
tincayd, its console listening on a second loopback port, judged by the
contract the three builders share (CONSOLE.md: routes, fields, statuses,
headers, the tincayctl commands). Users are made with `tincayctl users
add`, the password on standard input. What is checked:
  - signed out, every page but /signin and /style.css redirects to
    /signin and no POST acts; sign-in lands an admin and a caseworker on
    /cases and a viewer on /month, with a fresh (rotated) session cookie
    __Host-tincay: Path=/, HttpOnly, SameSite=Strict, no Domain (Secure
    and an https Origin with console.https);
  - a wrong name, password or TOTP code is a 401 with the same page;
    5 wrong for a user lock her 15 min and 20 from one address lock that
    address (429 + Retry-After, even with the right password; another
    address still signs in); TOTP codes computed here from the secret
    `tincayctl users totp` prints;
  - CSRF: a POST without the token, with a wrong one, another session's,
    or a foreign Origin is 403 and changes nothing;
  - the security headers on EVERY response the tests get (webclient
    checks each one: pages, redirects, 4xx), no script in any page;
  - need to know: a caseworker of T1;T3 never sees a case of T5 or of no
    area (list, filters, page and actions 404, the same 404 as for a REF
    that does not exist); in a city, a caseworker of one commune never
    sees another's cases or review items, and her month is her commune's;
    a viewer gets 403 on cases, review, users and audit and never sees a
    text or a number (month page and CSV included);
  - hostile texts sent by SMS (<script>, an attribute break-out, U+202E,
    zero-width characters, ESC, CR) are escaped and cleaned on the case
    page and the review list; the reporter's number is masked until
    POST /cases/REF/number;
  - ack, close (outcome, sex, age; a bad value 400 naming it, nothing
    changed), amend, false alarm, review file/belongs/dismiss change what
    tincayctl shows and write their audit rows; the list's filters and
    pages (50, newest first);
  - sign-out ends the session on the server; the month page holds the
    same tables as tincayctl stats --format html, month.csv the same CSV;
    users and audit pages are the admins'; audit rows survive a purge
    and hold no text or number;
  - idle (900 s) and absolute (8 h) session ends, on the defaults, under
    libfaketime as test_clock.py uses it.
Where a test expects more than CONSOLE.md writes, its docstring says so.
"""

import datetime
import html
import itertools
import json
import re
import time

import harness
from harness import case, check, eq
from webclient import (PASSWORD, Browser, add_user, audit,
    audited, cells, console_up, contains_run, ctl_in, forms, location,
    redirect, refs_listed, secret_of, show, text_of, totp)

ADMIN, CW, VIEWER = "quantri1", "canbo13", "thongke1"
POLICE, HEALTH = "0931000001", "0931000002"
MARK = "kx7q"			# in every text a resident sends here
VN = datetime.timezone(datetime.timedelta(hours=7))

_ids = itertools.count(1)
_phones = itertools.count(1)


def sms(d, frm, text, to="8088"):
	return d.sms("con-%d" % next(_ids), frm, text, to=to)


def resident():
	return "0912%06d" % (314000 + next(_phones))


def commune(d, console=None, overrides=None):
	"""The single commune of harness.base_config (T1..T6) with its
	console, two contacts for every area, and the three users: an
	admin, a caseworker of T1 and T3, a viewer. Reports: one each in
	T1, T3, T5 and one of no area; {"T1": ref, ..., None: ref} and
	their reporters' numbers."""
	console_up(d, overrides, console)
	d.add_contact("Cong an", POLICE, "police", areas="*")
	d.add_contact("Y te", HEALTH, "health", areas="*")
	add_user(d, ADMIN, "admin")
	add_user(d, CW, "caseworker", areas="T1;T3")
	add_user(d, VIEWER, "viewer")
	refs, phones = {}, {}
	for area, text in (("T1", "BL thon 1 chong danh vo %s" % MARK),
	    ("T3", "BL thon 3 bi danh %s" % MARK),
	    ("T5", "BL thon 5 chong danh %s" % MARK),
	    (None, "BL cuu toi %s" % MARK)):
		phone = resident()
		refs[area] = sms(d, phone, text)["ref"]
		phones[area] = phone
		check(refs[area], "no report for %r" % text)
		eq(show(d, refs[area])["area"], area, "area of %r" % text)
	return refs, phones


def signed_in(d, name, **kw):
	b = Browser(d, **kw)
	b.signin(name)
	return b


def digits_rx(digits):
	"""digits as a page may write them: one space, dot or dash allowed
	between two, never a tag (a table's cells are not one number)."""
	return re.compile(r"[ .\-]?".join(digits))


def page_text(body):
	"""A page's text, each tag a "|", entities decoded."""
	s = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
	return html.unescape(re.sub(r"<[^>]*>", "|", s))


def no_number(body, phone, what):
	t = page_text(body)
	check(not digits_rx(phone[-6:]).search(t), "%s shows the number %s "
	    "(its last six digits or more; only the last three may be seen)"
	    % (what, phone))


def shows_number(body, phone):
	return bool(digits_rx(phone[1:]).search(page_text(body)))


def today():
	return datetime.datetime.now(VN).date()


def first_of_month():
	return today().replace(day=1)


def review_ids(body):
	"""The review items a page offers actions on (its forms'
	/review/ID/…), in page order."""
	seen = []
	for f in forms(body):
		m = re.match(r"^(?:https?://[^/]+)?/review/(\d+)/", f["action"])
		if m and int(m.group(1)) not in seen:
			seen.append(int(m.group(1)))
	return seen


def inbox_ids(d):
	return [x["id"] for x in d.ctl_json("inbox")]


def users(d):
	return {u["name"]: u for u in d.ctl_json("users", "list")}


def case_state(d, ref):
	r = show(d, ref)
	return (r["status"], r["victim_sex"], r["victim_age"],
	    sorted(r["outcome"] or []), len(r.get("texts") or []))


def no_scripts(r, what):
	check(b"<script" not in r.body.lower(), "%s: a <script> in the page "
	    "(the CSP forbids scripts; none is needed)" % what)


# ---------------------------------------------------------------- config

@case(start=False)
def test_console_config_checked(d):
	"""tincayd -t accepts the console object of CONSOLE.md and names a
	wrong key in it."""
	good = {"listen": "127.0.0.1:%d" % harness.free_port(), "https": False,
	    "require_totp": False, "idle_s": 900, "absolute_s": 28800}
	d.overrides = {"console": good}
	d.new_config()
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	eq(p.returncode, 0, "tincayd -t with the console of CONSOLE.md: %s" %
	    p.stderr.decode("utf-8", "replace")[-300:])
	for bad, word in (({"bogus": 1}, "bogus"), ({"idle_s": "900"},
	    "idle_s"), ({"listen": 8081}, "listen"), ({"https": "yes"},
	    "https"), ({"absolute_s": -1}, "absolute_s")):
		c = dict(good)
		c.update(bad)
		d.overrides = {"console": c}
		d.new_config()
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		err = p.stderr.decode("utf-8", "replace")
		eq(p.returncode, 1, "tincayd -t with console %r" % bad)
		check("console" in err and word in err, "tincayd -t with console "
		    "%r does not name console and %s: %r" % (bad, word,
		    err[-300:]))


# ---------------------------------------------------------------- signed out

GET_PAGES = ("/", "/cases", "/cases?status=open", "/cases/%(ref)s",
    "/review", "/month", "/month.csv", "/users", "/audit")
POST_ACTIONS = ("/cases/%(ref)s/ack", "/cases/%(ref)s/close",
    "/cases/%(ref)s/amend", "/cases/%(ref)s/number", "/review/%(rid)d/file",
    "/review/%(rid)d/belongs", "/review/%(rid)d/dismiss", "/users",
    "/users/%(viewer)s/remove", "/signout")


@case(start=False)
def test_console_signed_out(d):
	refs, _ = commune(d)
	sms(d, resident(), "cho hoi lich hop %s" % MARK)
	rid = inbox_ids(d)[0]
	v = {"ref": refs["T1"], "rid": rid, "viewer": VIEWER}
	before = (case_state(d, refs["T1"]), inbox_ids(d), sorted(users(d)))
	b = Browser(d)
	r = b.get("/style.css")
	eq(r.status, 200, "GET /style.css signed out")
	check((r.header("Content-Type") or "").startswith("text/css"),
	    "style.css Content-Type %r" % r.header("Content-Type"))
	r = b.get("/signin")
	eq(r.status, 200, "GET /signin")
	check((r.header("Content-Type") or "").startswith("text/html"),
	    "/signin Content-Type %r" % r.header("Content-Type"))
	no_scripts(r, "/signin")
	names = {n for f in forms(r.body) for n, _, _ in f["fields"]}
	check({"name", "password", "code", "csrf"} <= names, "the sign-in "
	    "form's fields: %r" % sorted(names))
	check(b.cookie(), "GET /signin set no pre-sign-in cookie %s" %
	    "__Host-tincay")
	for tmpl in GET_PAGES:
		path = tmpl % v
		redirect(Browser(d).get(path), "/signin", "GET %s signed out" %
		    path)
		# With a pre-sign-in cookie, still signed out.
		redirect(b.get(path), "/signin", "GET %s with a pre-sign-in "
		    "cookie" % path)
	token = b.csrf_in(b.get("/signin").body, "/signin")
	for tmpl in POST_ACTIONS:
		path = tmpl % v
		f = {"category": "gbv", "area": "T1", "ref": refs["T3"],
		    "sex": "f", "age": "30", "outcome": "CA", "name": "x" + CW,
		    "role": "admin", "password": PASSWORD}
		for who, r in (("no cookie", Browser(d).post(path, f,
		    csrf=False)), ("a pre-sign-in session and its token",
		    b.post(path, f, csrf=token))):
			check(r.status in (303, 403), "POST %s signed out (%s): %d"
			    % (path, who, r.status))
			if r.status == 303:
				eq(location(r), "/signin", "POST %s signed out: "
				    "Location" % path)
	eq((case_state(d, refs["T1"]), inbox_ids(d), sorted(users(d))), before,
	    "the case, the review list and the users after signed-out POSTs")
	eq(audited(d, "ack") + audited(d, "close") + audited(d, "user_add",
	    target="x" + CW), [], "audit rows of signed-out POSTs")


# ---------------------------------------------------------------- sign-in

def session_cookie(b, r, what):
	"""The __Host-tincay Set-Cookie of response r, its attributes
	checked; its value."""
	sc = [v for k, v in r.headers if k.lower() == "set-cookie" and
	    v.strip().startswith("__Host-tincay=")]
	check(sc, "%s: no Set-Cookie __Host-tincay" % what)
	value = sc[-1].split(";", 1)[0].split("=", 1)[1]
	attrs = [a.strip().lower() for a in sc[-1].split(";")[1:]]
	check("path=/" in attrs, "%s: cookie without Path=/: %r" % (what,
	    sc[-1]))
	check("httponly" in attrs, "%s: cookie not HttpOnly: %r" % (what,
	    sc[-1]))
	check("samesite=strict" in attrs, "%s: cookie not SameSite=Strict: "
	    "%r" % (what, sc[-1]))
	check(not any(a.startswith("domain") for a in attrs), "%s: a "
	    "__Host- cookie with a Domain: %r" % (what, sc[-1]))
	check(len(value) >= 22, "%s: a session id of %d characters" % (what,
	    len(value)))
	return value, attrs


@case(start=False)
def test_console_signin_by_role(d):
	commune(d)
	for name, land in ((ADMIN, "/cases"), (CW, "/cases"),
	    (VIEWER, "/month")):
		b = Browser(d)
		b.get("/signin")
		pre = b.cookie()
		r = b.signin(name)
		eq(location(r), land, "sign-in of %s: Location" % name)
		value, _ = session_cookie(b, r, "sign-in of %s" % name)
		check(value != pre, "sign-in of %s kept the pre-sign-in session "
		    "id (not rotated)" % name)
		redirect(b.get("/"), land, "GET / as %s" % name)
		r = b.get(land)
		eq(r.status, 200, "GET %s as %s" % (land, name))
		no_scripts(r, "%s as %s" % (land, name))
		# The pre-sign-in id does not carry the session.
		old = Browser(d)
		old.jar["__Host-tincay"] = pre
		redirect(old.get(land), "/signin", "the pre-sign-in cookie of %s "
		    "after sign-in" % name)
		rows = audited(d, "signin", user=name)
		eq(len(rows), 1, "audit signin rows of %s" % name)
		eq(rows[0]["addr"], "127.0.0.1", "the signin row's addr")
		check(users(d)[name].get("last_signin_at"), "users list: no "
		    "last_signin_at for %s after sign-in" % name)
	# A made-up cookie is no session.
	b = Browser(d)
	b.jar["__Host-tincay"] = "A" * 43
	redirect(b.get("/cases"), "/signin", "a forged session cookie")


def same_page(a, b):
	"""Two pages alike once each field's value (the csrf, the name
	typed) is taken out."""
	strip = lambda s: re.sub(rb'value="[^"]*"', b'value=""', s)
	return strip(a) == strip(b)


@case(start=False)
def test_console_signin_failure_says_nothing(d):
	commune(d)
	b = Browser(d)
	wrong_pw = b.signin(ADMIN, "mat-khau-sai-9", want=401)
	wrong_name = b.signin("khongco1", PASSWORD, want=401)
	empty = b.signin("", "", want=401)
	for r in (wrong_pw, wrong_name, empty):
		check({"name", "password", "csrf"} <= {n for f in forms(r.body)
		    for n, _, _ in f["fields"]}, "a 401 without the form again")
	check(same_page(wrong_pw.body, wrong_name.body), "a wrong password "
	    "and a wrong name get different pages: %r vs %r" % (
	    wrong_pw.body[:400], wrong_name.body[:400]))
	redirect(b.get("/cases"), "/signin", "after failed sign-ins")
	rows = audited(d, "signin_failed")
	check(len(rows) >= 2, "audit: %d signin_failed rows, want the "
	    "wrong password's and the wrong name's" % len(rows))
	out = d.ctl("audit", "--json").stdout.decode()
	check("mat-khau-sai-9" not in out and PASSWORD not in out, "a "
	    "password in the audit log")
	b.signin(ADMIN)		# the right one still works


@case(start=False)
def test_console_lockout_after_five(d):
	commune(d)
	b = Browser(d)
	for i in range(4):
		b.signin(CW, "mat-khau-sai-%d" % i, want=401)
	# The fifth locks: it may say so already.
	r = b.signin(CW, "mat-khau-sai-4", want=None)
	check(r.status in (401, 429), "the fifth wrong password: %d" %
	    r.status)
	r = b.signin(CW, want=429)
	ra = r.header("Retry-After")
	check(ra and ra.isdigit() and 0 < int(ra) <= 900, "429 Retry-After "
	    "%r, want seconds up to 15 min" % ra)
	redirect(b.get("/cases"), "/signin", "a locked sign-in's session")
	# Locked whatever the address.
	Browser(d, source="127.0.0.2").signin(CW, want=429)
	# Another user from the same address is not locked (5 < 20).
	b.signin(ADMIN)
	eq(len(audited(d, "signin", user=CW)), 0, "signin rows of the locked "
	    "user")


@case(start=False)
def test_console_address_throttle(d):
	commune(d)
	b = Browser(d)
	for i in range(19):
		b.signin("khongco%d" % i, want=401)
	r = b.signin("khongco19", want=None)
	check(r.status in (401, 429), "the 20th failure: %d" % r.status)
	r = b.signin(ADMIN, want=429)
	check((r.header("Retry-After") or "").isdigit(), "429 without "
	    "Retry-After: %r" % r.header("Retry-After"))
	# A header does not make another address of it.
	b.signin(ADMIN, want=429, headers={"X-Forwarded-For": "10.9.8.7",
	    "X-Real-IP": "10.9.8.7", "Forwarded": "for=10.9.8.7"})
	# Another address is another client: it signs in.
	Browser(d, source="127.0.0.2").signin(ADMIN)


@case(start=False)
def test_console_totp(d):
	commune(d)
	out = add_user(d, "haibuoc", "caseworker", areas="*", totp=True)
	secret = secret_of(out)
	b = Browser(d)
	no_code = b.signin("haibuoc", want=401)
	right = totp(secret)
	wrong = "%06d" % ((int(right) + 1) % 1000000)
	bad = b.signin("haibuoc", code=wrong, want=401)
	check(same_page(no_code.body, bad.body), "no code and a wrong code "
	    "get different pages")
	wrong_pw = b.signin(ADMIN, "mat-khau-sai-9", want=401)
	check(same_page(bad.body, wrong_pw.body), "a wrong code and a wrong "
	    "password get different pages")
	b.signin("haibuoc", code=totp(secret, time.time() - 150),
	    want=401)
	r = b.signin("haibuoc", code=totp(secret))
	eq(location(r), "/cases", "TOTP sign-in: Location")
	# A user without TOTP needs no code; one switched off neither.
	ctl_in(d, "", "users", "totp", "haibuoc", "--off")
	Browser(d).signin("haibuoc")
	# A new secret: the old one's codes are refused.
	out = ctl_in(d, "", "users", "totp", "haibuoc").stdout.decode()
	new = secret_of(out)
	check(new != secret, "users totp printed the same secret again")
	check("otpauth://" in out, "users totp printed no otpauth:// URI")
	if totp(secret) != totp(new):
		Browser(d).signin("haibuoc", code=totp(secret), want=401)
	Browser(d).signin("haibuoc", code=totp(new))


@case(start=False)
def test_console_https_cookie_and_origin(d):
	"""console.https: cookies get Secure and the Origin expected is
	https://Host."""
	refs, _ = commune(d, console={"https": True})
	b = Browser(d, origin="https://127.0.0.1:%d" % d.console_port)
	r = b.signin(ADMIN)
	_, attrs = session_cookie(b, r, "sign-in behind https")
	check("secure" in attrs, "behind https the cookie is not Secure")
	ref = refs["T1"]
	r = b.post("/cases/%s/ack" % ref, origin="http://127.0.0.1:%d" %
	    d.console_port)
	eq(r.status, 403, "behind https, an http:// Origin")
	eq(show(d, ref)["status"], "open", "status after a refused ack")
	redirect(b.post("/cases/%s/ack" % ref), "/cases/%s" % ref,
	    "ack with the https Origin")
	eq(show(d, ref)["status"], "acknowledged", "status after the ack")


# ---------------------------------------------------------------- CSRF

@case(start=False)
def test_console_csrf(d):
	refs, _ = commune(d)
	ref = refs["T1"]
	b = signed_in(d, ADMIN)
	other = signed_in(d, CW)
	theirs = other.csrf_for("/cases/%s/ack" % ref)
	mine = b.csrf_for("/cases/%s/ack" % ref)
	check(mine != theirs, "two sessions share one csrf token")
	path = "/cases/%s/ack" % ref
	for what, kw in (("no token", {"csrf": False}),
	    ("a wrong token", {"csrf": "A" * len(mine)}),
	    ("an empty token", {"csrf": ""}),
	    ("another session's token", {"csrf": theirs}),
	    ("a foreign Origin", {"origin": "http://evil.example"}),
	    ("another port's Origin", {"origin": "http://127.0.0.1:%d" %
	        d.port})):
		r = b.post(path, **kw)
		eq(r.status, 403, "ack with %s" % what)
		eq(show(d, ref)["status"], "open", "status after ack with %s" %
		    what)
	# What a browser marks as sent from another site is refused,
	# whatever Origin it carries.
	for o in ("null", "own"):
		r = b.post(path, origin=o, headers={"Sec-Fetch-Site":
		    "cross-site"})
		eq(r.status, 403, "ack marked Sec-Fetch-Site: cross-site, "
		    "Origin %s" % o)
	eq(show(d, ref)["status"], "open", "status after cross-site acks")
	r = b.post("/cases/%s/close" % ref, {"sex": "f", "age": "30",
	    "outcome": "CA"}, csrf=False)
	eq(r.status, 403, "close without a token")
	eq(case_state(d, ref)[:4], ("open", None, None, []), "after close "
	    "without a token")
	eq(audited(d, "ack") + audited(d, "close"), [], "audit rows of "
	    "refused POSTs")
	# Sign-in needs its token (and the pre-sign-in cookie it belongs to).
	c = Browser(d)
	r = c.post("/signin", {"name": ADMIN, "password": PASSWORD},
	    csrf=False)
	eq(r.status, 403, "POST /signin without a token")
	redirect(c.get("/cases"), "/signin", "after a sign-in without token")
	c = Browser(d)
	token = c.csrf_in(c.get("/signin").body, "/signin")
	r = c.post("/signin", {"name": ADMIN, "password": PASSWORD},
	    csrf=token, origin="http://evil.example")
	eq(r.status, 403, "POST /signin from a foreign Origin")
	r = Browser(d).post("/signin", {"name": ADMIN, "password": PASSWORD},
	    csrf=token)
	eq(r.status, 403, "POST /signin with a token but not its cookie")
	# "Origin: null" is not judged here: under Referrer-Policy:
	# no-referrer chromium sends it on the console's own forms, so
	# refusing it refuses every real browser (test_console_browser
	# judges what a browser gets). No Origin at all (an old browser)
	# with the right token: accepted.
	redirect(b.post(path, origin=False), "/cases/%s" % ref, "ack with its "
	    "token and no Origin")
	eq(show(d, ref)["status"], "acknowledged", "status after the ack")


# ---------------------------------------------------------------- headers

@case(start=False)
def test_console_headers_on_every_status(d):
	"""Every response the console gives, each status, carries the
	headers (webclient.check_headers runs on every one of them)."""
	refs, _ = commune(d)
	b = Browser(d)
	seen = set()
	seen.add(b.get("/style.css").status)
	seen.add(b.get("/cases").status)				# 303
	seen.add(b.signin(ADMIN, "mat-khau-sai-9", want=401).status)
	seen.add(b.post("/signin", {"name": ADMIN}, csrf=False).status)	# 403
	b.signin(ADMIN)
	for path in ("/cases", "/cases/%s" % refs["T1"], "/review", "/month",
	    "/users", "/audit"):
		r = b.get(path)
		eq(r.status, 200, "GET %s as admin" % path)
		check(re.match(r"text/html;\s*charset=utf-8", r.header(
		    "Content-Type") or "", re.I), "GET %s Content-Type %r" % (
		    path, r.header("Content-Type")))
		no_scripts(r, path)
		seen.add(r.status)
	seen.add(b.get("/month.csv").status)
	r = b.get("/no-such-page")
	eq(r.status, 404, "GET /no-such-page")
	seen.add(r.status)
	r = b.get("/cases/ZZZZ")
	eq(r.status, 404, "GET /cases/ZZZZ")
	r = b.post("/cases/%s/close" % refs["T1"], {"age": "130"})
	eq(r.status, 400, "close with age 130")
	seen.add(r.status)
	r = b.request("DELETE", "/cases")
	check(r.status in (404, 405), "DELETE /cases: %d" % r.status)
	seen.add(r.status)
	eq(seen >= {200, 303, 400, 401, 403, 404}, True, "statuses seen: %r" %
	    sorted(seen))
	# A throttled sign-in's 429 too.
	c = Browser(d, source="127.0.0.3")
	for i in range(6):
		r = c.signin(VIEWER, "mat-khau-sai-%d" % i, want=None)
	eq(r.status, 429, "the 6th wrong sign-in of a user")


# ---------------------------------------------------------------- roles

@case(start=False)
def test_console_route_matrix(d):
	"""Each role against each route: who gets 200, who 403; a refused
	POST (with its right token) changes nothing."""
	refs, _ = commune(d)
	ref = refs["T1"]
	sms(d, resident(), "cho hoi lich hop %s" % MARK)
	rid = inbox_ids(d)[0]
	allowed = {		# GET path: the roles that get 200
		"/cases": (ADMIN, CW), "/cases/%s" % ref: (ADMIN, CW),
		"/review": (ADMIN, CW), "/month": (ADMIN, CW, VIEWER),
		"/month.csv": (ADMIN, CW, VIEWER), "/users": (ADMIN,),
		"/audit": (ADMIN,),
	}
	browsers = {n: signed_in(d, n) for n in (ADMIN, CW, VIEWER)}
	for path, ok in sorted(allowed.items()):
		for name, b in sorted(browsers.items()):
			r = b.get(path)
			eq(r.status, 200 if name in ok else 403, "GET %s as %s" %
			    (path, name))
	refused = [		# (who, path, fields)
		(VIEWER, "/cases/%s/ack" % ref, {}),
		(VIEWER, "/cases/%s/close" % ref, {"sex": "f", "age": "30",
		    "outcome": "CA"}),
		(VIEWER, "/cases/%s/amend" % ref, {"sex": "m"}),
		(VIEWER, "/cases/%s/number" % ref, {}),
		(VIEWER, "/review/%d/file" % rid, {"category": "gbv",
		    "area": "T1"}),
		(VIEWER, "/review/%d/belongs" % rid, {"ref": ref}),
		(VIEWER, "/review/%d/dismiss" % rid, {}),
		(VIEWER, "/users", {"name": "moi1", "role": "admin",
		    "password": PASSWORD, "areas": "*", "communes": "*"}),
		(VIEWER, "/users/%s/remove" % CW, {}),
		(CW, "/users", {"name": "moi1", "role": "admin",
		    "password": PASSWORD, "areas": "*", "communes": "*"}),
		(CW, "/users/%s/remove" % VIEWER, {}),
	]
	before = (case_state(d, ref), inbox_ids(d), sorted(users(d)))
	for name, path, f in refused:
		b = browsers[name]
		r = b.post(path, f, csrf=b.csrf_in(b.get("/month").body))
		eq(r.status, 403, "POST %s as %s" % (path, name))
	eq((case_state(d, ref), inbox_ids(d), sorted(users(d))), before,
	    "the case, the review list and the users after refused POSTs")
	eq(audited(d, "number_shown") + audited(d, "user_add", user=CW) +
	    audited(d, "user_add", user=VIEWER), [], "audit of refused POSTs")
	# The viewer saw no text and no number on any page she may see.
	for path in ("/month", "/month.csv", "/"):
		r = browsers[VIEWER].get(path)
		check(MARK not in r.body.decode("utf-8", "replace"), "a "
		    "resident's text on %s as viewer" % path)
		for phone in d.numbers:
			no_number(r.body, phone, "%s as viewer" % path)


# ---------------------------------------------------------------- need to know

@case(start=False)
def test_console_caseworker_areas(d):
	"""A caseworker of T1;T3 sees T1's and T3's cases only: not T5's,
	not one of no area (it is in none of her areas; the admin sees
	it)."""
	refs, _ = commune(d)
	mine, others = {refs["T1"], refs["T3"]}, {refs["T5"], refs[None]}
	a = signed_in(d, ADMIN)
	eq(set(refs_listed(a.get("/cases").body)), mine | others, "the "
	    "admin's case list")
	b = signed_in(d, CW)
	r = b.get("/cases")
	eq(r.status, 200, "the caseworker's case list")
	eq(set(refs_listed(r.body)), mine, "the caseworker's case list")
	for q in ("?area=T5", "?area=T1", "?status=open", "?category=gbv",
	    "?page=2", "?area="):
		got = set(refs_listed(b.get("/cases" + q).body))
		check(not got & others, "/cases%s as caseworker lists %r" % (q,
		    sorted(got & others)))
	missing = b.get("/cases/ZZZZ")
	eq(missing.status, 404, "a REF that does not exist")
	for ref in others:
		r = b.get("/cases/%s" % ref)
		eq(r.status, 404, "another area's case %s" % ref)
		check(same_page(r.body, missing.body), "another area's case "
		    "and a missing REF get different 404 pages")
		check(MARK not in r.body.decode("utf-8", "replace"), "another "
		    "area's text in the 404")
		token = b.csrf_in(b.get("/cases/%s" % refs["T1"]).body)
		for act, f in (("ack", {}), ("close", {"sex": "f", "age": "30",
		    "outcome": "CA"}), ("number", {})):
			r = b.post("/cases/%s/%s" % (ref, act), f, csrf=token)
			eq(r.status, 404, "POST %s of another area's case" % act)
		eq(case_state(d, ref)[:4], ("open", None, None, []), "another "
		    "area's case after the caseworker's POSTs")
	for ref in mine:
		eq(b.get("/cases/%s" % ref).status, 200, "her case %s" % ref)
	eq(audited(d, "number_shown") + audited(d, "ack"), [], "audit rows")
	views = {r["target"] for r in audited(d, "case_view", user=CW)}
	eq(views, mine, "case_view rows of the caseworker (not of the 404s)")


AREAS3 = [{"code": "T%d" % i, "name": "Thôn %d" % i,
    "aliases": ["thon %d" % i]} for i in (1, 2, 3)]
CITY = {"areas": AREAS3, "communes": [
    {"code": "TINHCHAU", "name": "Xã Tịnh Châu",
        "numbers": ["+84900000101"], "areas": AREAS3},
    {"code": "TINHAN", "name": "Xã Tịnh Ấn",
        "numbers": ["+84900000102"], "areas": AREAS3}]}
TO = {"TINHCHAU": "+84900000101", "TINHAN": "+84900000102"}


@case(start=False)
def test_console_caseworker_commune(d):
	"""A city of two communes: a caseworker of TINHCHAU sees its cases
	and review items, never TINHAN's; one of TINHCHAU.T1 only T1's; her
	month is her commune's (tincayctl stats --commune)."""
	console_up(d, CITY)
	for code in TO:
		d.add_contact("Cong an " + code, "09310001%02d" % len(code),
		    "police", areas="*", commune=code)
	add_user(d, ADMIN, "admin")
	add_user(d, CW, "caseworker", communes="TINHCHAU")
	add_user(d, "canbot1", "caseworker", communes="TINHCHAU",
	    areas="TINHCHAU.T1")
	refs = {}
	for code in TO:
		for area in ("1", "3"):
			refs[code, area] = sms(d, resident(), "BL thon %s giup %s" %
			    (area, MARK), to=TO[code])["ref"]
	xong = sms(d, resident(), "BL thon 2 giup", to=TO["TINHCHAU"])["ref"]
	d.ctl("reports", "close", xong, "NU", "30", "CA")
	refs["TINHCHAU", "2"] = xong
	for code in TO:
		sms(d, resident(), "cho hoi lich hop %s %s" % (code, MARK),
		    to=TO[code])
	box = {x["commune"]: x["id"] for x in d.ctl_json("inbox")}
	check(set(box) >= set(TO), "inbox communes: %r" % box)
	chau = {r for (c, _), r in refs.items() if c == "TINHCHAU"}
	an = {r for (c, _), r in refs.items() if c == "TINHAN"}

	b = signed_in(d, CW)
	eq(set(refs_listed(b.get("/cases").body)), chau, "TINHCHAU's "
	    "caseworker's case list")
	for q in ("?commune=TINHAN", "?area=TINHAN.T1", "?status=open"):
		got = set(refs_listed(b.get("/cases" + q).body))
		check(not got & an, "/cases%s as TINHCHAU's caseworker lists %r"
		    % (q, sorted(got & an)))
	for ref in an:
		eq(b.get("/cases/%s" % ref).status, 404, "TINHAN's case %s" % ref)
	r = b.get("/review")
	eq(r.status, 200, "the review list of TINHCHAU's caseworker")
	eq(review_ids(r.body), [box["TINHCHAU"]], "TINHCHAU's caseworker's "
	    "review items")
	check("TINHAN %s" % MARK not in text_of(r.body), "TINHAN's text in "
	    "TINHCHAU's review list")
	r = b.post("/review/%d/dismiss" % box["TINHAN"],
	    csrf=b.csrf_in(r.body))
	eq(r.status, 404, "dismissing TINHAN's review item")
	check(box["TINHAN"] in inbox_ids(d), "TINHAN's item left the review "
	    "list")
	# Her month is her commune's.
	frm, to = first_of_month().isoformat(), today().isoformat()
	r = b.get("/month.csv?from=%s&to=%s" % (frm, to))
	eq(r.status, 200, "month.csv of TINHCHAU's caseworker")
	want = d.ctl("stats", "--commune", "TINHCHAU", "--format", "csv",
	    "--from", frm, "--to", to).stdout
	eq(r.body.replace(b"\r\n", b"\n"), want, "her month.csv against "
	    "tincayctl stats --commune TINHCHAU --format csv")

	t1 = signed_in(d, "canbot1")
	eq(set(refs_listed(t1.get("/cases").body)), {refs["TINHCHAU", "1"]},
	    "the case list of TINHCHAU.T1's caseworker")
	eq(t1.get("/cases/%s" % refs["TINHCHAU", "3"]).status, 404,
	    "TINHCHAU.T3's case for TINHCHAU.T1's caseworker")
	a = signed_in(d, ADMIN)
	eq(set(refs_listed(a.get("/cases").body)), chau | an, "the admin's "
	    "case list in the city")
	eq(sorted(review_ids(a.get("/review").body)), sorted(box.values()),
	    "the admin's review items in the city")


# ---------------------------------------------------------------- texts

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
BAD_CHARS = ("\u202e", "\u202d", "\u202c", "\u2066", "\u2069", "\u200b",
    "\u200c", "\u200d", "\u2060", "\ufeff", "\x1b", "\r", "\x07")


def clean_and_escaped(body, what):
	"""body shows the hostile texts as text (escaped), with no tag of
	theirs and none of the characters SPEC §8 removes."""
	low = body.lower()
	check(b"<script" not in low, "%s: a raw <script>" % what)
	check(b"<img" not in low, "%s: a raw <img>" % what)
	check(not re.search(rb"<[^>]*\sonerror\s*=", low), "%s: an onerror "
	    "attribute" % what)
	t = text_of(body)
	for h in HOSTILE:
		check(h in t, "%s does not show %r as text" % (what, h))
	u = html.unescape(body.decode("utf-8", "replace"))
	for c in BAD_CHARS:
		check(c not in u, "%s: U+%04X is still in the page" % (what,
		    ord(c)))


@case(start=False)
def test_console_hostile_texts(d):
	console_up(d)
	d.add_contact("Cong an", POLICE, "police", areas="*")
	add_user(d, ADMIN, "admin")
	phone = resident()
	ref = sms(d, phone, "BL thon 1 %s %s" % (HOSTILE[0], MARK))["ref"]
	for text in (HOSTILE[1], "em o nha \u202etxet\u202c ba \u2066x\u2069",
	    "ch\u200bong d\u200ca\u200dnh\u2060 em\ufeff",
	    "dong 1\r\ndong 2 \x1b[31mdo\x1b[0m \x07"):
		sms(d, phone, text)
	eq(len(show(d, ref)["texts"]), 5, "the report's texts (4 follow-ups)")
	other = resident()
	sms(d, other, "hoi lich %s %s \u202eabc \u200bxyz" % (HOSTILE[0], MARK))
	sms(d, resident(), "hoi them %s" % HOSTILE[1])
	check(len(inbox_ids(d)) == 2, "the review list: %r" % inbox_ids(d))
	b = signed_in(d, ADMIN)
	r = b.get("/cases/%s" % ref)
	eq(r.status, 200, "the case page")
	clean_and_escaped(r.body, "the case page")
	t = text_of(r.body)
	check("dong 1" in t and "dong 2" in t, "the CR LF text is not shown")
	r = b.get("/review")
	eq(r.status, 200, "the review list")
	clean_and_escaped(r.body, "the review list")
	r = b.get("/cases")
	check(b"<script" not in r.body.lower() and b"<img" not in
	    r.body.lower(), "the case list")


# ---------------------------------------------------------------- the number

@case(start=False)
def test_console_number_masked_until_asked(d):
	refs, phones = commune(d)
	ref, phone = refs["T3"], phones["T3"]
	b = signed_in(d, CW)
	r = b.get("/cases/%s" % ref)
	eq(r.status, 200, "the case page")
	no_number(r.body, phone, "the case page")
	check(phone[-3:] in text_of(r.body), "the masked number's last three "
	    "digits %s are not on the case page" % phone[-3:])
	actions = {f["action"] for f in forms(r.body)}
	for act in ("ack", "close", "number"):
		check("/cases/%s/%s" % (ref, act) in actions, "the case page has "
		    "no form for /cases/%s/%s: %r" % (ref, act, sorted(actions)))
	eq(len(audited(d, "case_view", user=CW, target=ref)), 1, "case_view "
	    "rows")
	eq(audited(d, "number_shown"), [], "number_shown before it is asked")
	r = b.post("/cases/%s/number" % ref)
	eq(r.status, 200, "POST /cases/%s/number" % ref)
	check(shows_number(r.body, phone), "the number page does not show "
	    "the whole number %s" % phone)
	rows = audited(d, "number_shown", user=CW, target=ref)
	eq(len(rows), 1, "number_shown rows")
	check(phone[-6:] not in json.dumps(rows), "a number in the audit row")
	no_number(b.get("/cases/%s" % ref).body, phone, "the case page after "
	    "the number was shown")


# ---------------------------------------------------------------- actions

@case(start=False)
def test_console_ack_close_amend(d):
	refs, _ = commune(d)
	ref = refs["T1"]
	b = signed_in(d, CW)
	redirect(b.post("/cases/%s/ack" % ref), "/cases/%s" % ref, "ack")
	eq(show(d, ref)["status"], "acknowledged", "status after the ack")
	check([o for o in d.outbox() if o["ref"] == ref and o["event"] ==
	    "report.acknowledged"], "the alerted contacts were not told of "
	    "the ack (as NHAN tells them)")
	eq(len(audited(d, "ack", user=CW, target=ref)), 1, "ack rows")
	close = "/cases/%s/close" % ref
	for bad, word in ((("age", "121"), "age"), (("age", "-1"), "age"),
	    (("age", "ba muoi"), "age"), (("sex", "x"), "sex"),
	    (("outcome", "ZZ"), "outcome"), (("false_alarm", "2"),
	    "false_alarm")):
		f = [("sex", "f"), ("age", "30"), ("outcome", "CA")]
		f = [kv for kv in f if kv[0] != bad[0]] + [bad]
		r = b.post(close, f)
		eq(r.status, 400, "close with %s=%s" % bad)
		t = text_of(r.body).lower()
		names = {"age": ("age", "tuổi"), "sex": ("sex", "giới"),
		    "outcome": ("outcome", "kết quả", "xử lý", bad[1].lower()),
		    "false_alarm": ("false_alarm", "nhầm")}[word]
		check(any(n in t for n in names), "the 400 for %s=%s does not "
		    "name it: %r" % (bad[0], bad[1], t[:300]))
		eq(case_state(d, ref)[:4], ("acknowledged", None, None, []),
		    "the case after close with %s=%s" % bad)
	eq(audited(d, "close"), [], "close rows after refused closes")
	redirect(b.post(close, [("sex", "f"), ("age", "30"), ("outcome", "CA"),
	    ("outcome", "YT")]), "/cases/%s" % ref, "close")
	eq(case_state(d, ref)[:4], ("closed", "f", 30, ["CA", "YT"]), "the "
	    "case after close")
	eq(len(audited(d, "close", user=CW, target=ref)), 1, "close rows")
	r = b.get("/cases/%s" % ref)
	check("/cases/%s/amend" % ref in {f["action"] for f in forms(r.body)},
	    "a closed case's page has no amend form")
	redirect(b.post("/cases/%s/amend" % ref, [("sex", "m"), ("age", "45"),
	    ("outcome", "TL")]), "/cases/%s" % ref, "amend")
	eq(case_state(d, ref)[:4], ("closed", "m", 45, ["TL"]), "the case "
	    "after amend (codes replaced)")
	r = b.post("/cases/%s/amend" % ref, [("age", "200")])
	eq(r.status, 400, "amend with age 200")
	eq(case_state(d, ref)[:4], ("closed", "m", 45, ["TL"]), "the case "
	    "after a bad amend")
	eq(len(audited(d, "amend", user=CW, target=ref)), 1, "amend rows")
	# Amend is for a closed case: an open one is not closed by it.
	other = refs["T3"]
	r = b.post("/cases/%s/amend" % other, [("sex", "f"), ("age", "20")])
	check(400 <= r.status < 500, "amend of an open case: %d" % r.status)
	eq(case_state(d, other)[:4], ("open", None, None, []), "an open case "
	    "after amend")
	# A false alarm is cancelled, not closed.
	redirect(b.post("/cases/%s/close" % other, [("false_alarm", "1")]),
	    "/cases/%s" % other, "close as a false alarm")
	eq(show(d, other)["status"], "cancelled", "status of a false alarm")
	# No text and no number in the audit log.
	out = d.ctl("audit", "--json").stdout.decode()
	check(MARK not in out, "a resident's text in the audit log")
	for phone in d.numbers:
		check(phone[-6:] not in out, "a number in the audit log")


@case(start=False)
def test_console_review_actions(d):
	refs, _ = commune(d)
	for text in ("cho hoi lich hop %s" % MARK, "nha toi o thon 3 %s" % MARK,
	    "sau nay gui lai %s" % MARK, "tin rac %s" % MARK):
		sms(d, resident(), text)
	ids = inbox_ids(d)
	eq(len(ids), 4, "the review list")
	b = signed_in(d, ADMIN)
	r = b.get("/review")
	eq(r.status, 200, "GET /review")
	eq(sorted(review_ids(r.body)), sorted(ids), "the review page's items")
	check(MARK in text_of(r.body), "the review page shows no text")
	n_reports = len(d.reports())
	# Bad values: 400, nothing changes.
	for path, f in (("/review/%d/file" % ids[1], {"category": "spam",
	    "area": "T3"}), ("/review/%d/file" % ids[1], {"category": "gbv",
	    "area": "T99"}), ("/review/%d/belongs" % ids[2], {"ref": "ZZZZ"})):
		r = b.post(path, f)
		check(400 <= r.status < 500 and r.status != 403, "POST %s %r: %d"
		    % (path, f, r.status))
	eq((inbox_ids(d), len(d.reports())), (ids, n_reports), "after bad "
	    "review actions")
	r = b.post("/review/999999/dismiss")
	eq(r.status, 404, "dismiss of an item that does not exist")
	redirect(b.post("/review/%d/file" % ids[1], {"category": "gbv",
	    "area": "T3"}), "/review", "file")
	new = [x for x in d.reports() if x["ref"] not in refs.values()]
	eq([(x["category"], x["area"]) for x in new], [("gbv", "T3")],
	    "the report filed from the review list")
	before = show(d, refs["T1"])["messages"]
	redirect(b.post("/review/%d/belongs" % ids[2], {"ref": refs["T1"]}),
	    "/review", "belongs")
	eq(show(d, refs["T1"])["messages"], before + 1, "messages of the REF "
	    "the text belongs to")
	redirect(b.post("/review/%d/dismiss" % ids[3]), "/review", "dismiss")
	eq(inbox_ids(d), [ids[0]], "the review list after file, belongs, "
	    "dismiss")
	for action, rid in (("review_file", ids[1]), ("review_belongs", ids[2]),
	    ("review_dismiss", ids[3])):
		eq(len(audited(d, action, user=ADMIN, target=rid)), 1, "%s rows"
		    % action)
	eq(review_ids(b.get("/review").body), [ids[0]], "the review page "
	    "after")


@case(start=False)
def test_console_case_list_pages_and_filters(d):
	"""50 a page, newest first; status, category and area filters."""
	console_up(d)
	d.add_contact("Cong an", POLICE, "police", areas="*")
	add_user(d, ADMIN, "admin")
	refs = []
	for i in range(53):
		word = "TC" if i % 10 == 0 else "BL"
		refs.append(sms(d, resident(), "%s thon %d %s" % (word,
		    1 + i % 2, MARK))["ref"])
	d.ctl("reports", "close", refs[5], "NU", "30", "CA")
	b = signed_in(d, ADMIN)
	p1 = refs_listed(b.get("/cases").body)
	eq(p1, refs[::-1][:50], "page 1: the 50 newest, newest first")
	eq(refs_listed(b.get("/cases?page=2").body), refs[::-1][50:], "page 2")
	eq(refs_listed(b.get("/cases?status=closed").body), [refs[5]],
	    "status=closed")
	eq(refs_listed(b.get("/cases?category=shelter").body),
	    [r for i, r in enumerate(refs) if i % 10 == 0][::-1],
	    "category=shelter")
	t2 = [r for i, r in enumerate(refs) if i % 2 == 1][::-1]
	eq(refs_listed(b.get("/cases?area=T2").body), t2, "area=T2")
	eq(len(audited(d, "case_list", user=ADMIN)) >= 1, True, "case_list "
	    "rows")


# ---------------------------------------------------------------- sign-out

@case(start=False)
def test_console_signout(d):
	commune(d)
	b = signed_in(d, CW)
	cookie = b.cookie()
	eq(b.post("/signout", csrf=False).status, 403, "sign-out without its "
	    "token")
	eq(b.get("/cases").status, 200, "still signed in after a refused "
	    "sign-out")
	redirect(b.post("/signout"), "/signin", "sign-out")
	old = Browser(d)
	old.jar["__Host-tincay"] = cookie
	redirect(old.get("/cases"), "/signin", "the old cookie after sign-out")
	redirect(old.get("/month"), "/signin", "the old cookie after sign-out")
	eq(len(audited(d, "signout", user=CW)), 1, "signout rows")


# ---------------------------------------------------------------- the month

@case(start=False)
def test_console_month_page_and_csv(d):
	"""The month's page holds tincayctl stats --format html's tables,
	cell for cell, and as many SVG charts; month.csv is tincayctl's
	CSV."""
	refs, _ = commune(d)
	d.ctl("reports", "close", refs["T1"], "NU", "30", "CA")
	d.ctl("reports", "close", refs["T3"], "NAM", "70", "YT", "TL")
	frm, to = first_of_month().isoformat(), today().isoformat()
	b = signed_in(d, ADMIN)
	want = d.ctl("stats", "--format", "html", "--from", frm, "--to",
	    to).stdout
	for q in ("", "?from=%s&to=%s" % (frm, to)):
		r = b.get("/month" + q)
		eq(r.status, 200, "GET /month%s" % q)
		check(contains_run(cells(r.body), cells(want)), "/month%s: its "
		    "table cells are not tincayctl stats --format html's: %r "
		    "vs %r" % (q, cells(r.body)[:40], cells(want)[:40]))
		eq(r.body.count(b"<svg"), want.count(b"<svg"), "/month%s: SVG "
		    "charts" % q)
	r = b.get("/month.csv?from=%s&to=%s" % (frm, to))
	eq(r.status, 200, "GET /month.csv")
	check((r.header("Content-Type") or "").startswith("text/csv"),
	    "month.csv Content-Type %r" % r.header("Content-Type"))
	check((r.header("Content-Disposition") or "").startswith("attachment"),
	    "month.csv Content-Disposition %r" %
	    r.header("Content-Disposition"))
	want = d.ctl("stats", "--format", "csv", "--from", frm, "--to",
	    to).stdout
	eq(r.body.replace(b"\r\n", b"\n"), want, "month.csv against tincayctl "
	    "stats --format csv")
	for q in ("?from=2026-13-01", "?from=%s&to=yesterday" % frm):
		r = b.get("/month" + q)
		eq(r.status, 400, "GET /month%s" % q)
	check(len(audited(d, "month_view", user=ADMIN)) >= 2, "month_view "
	    "rows")


# ---------------------------------------------------------------- users

@case(start=False)
def test_console_users_pages(d):
	"""Admins add and remove users on /users; a removed user's session
	ends (beyond CONSOLE.md: what a careful admin expects)."""
	commune(d)
	a = signed_in(d, ADMIN)
	r = a.get("/users")
	eq(r.status, 200, "GET /users")
	t = text_of(r.body)
	for name in (ADMIN, CW, VIEWER):
		check(name in t, "/users does not list %s" % name)
	check(b"scrypt$" not in r.body, "/users shows a password hash")
	r = a.post("/users", {"name": "moi2", "role": "caseworker",
	    "password": "ngan", "areas": "T2", "communes": "*"})
	eq(r.status, 400, "a password of 4 characters")
	r = a.post("/users", {"name": "moi2", "role": "chief",
	    "password": PASSWORD, "areas": "T2", "communes": "*"})
	eq(r.status, 400, "an unknown role")
	r = a.post("/users", {"name": CW, "role": "viewer",
	    "password": PASSWORD, "areas": "*", "communes": "*"})
	check(400 <= r.status < 500 and r.status != 403, "a name taken: %d" %
	    r.status)
	eq(users(d)[CW]["role"], "caseworker", "the taken name's role")
	check("moi2" not in users(d), "a refused user was added")
	r = a.post("/users", {"name": "moi2", "role": "caseworker",
	    "password": PASSWORD, "areas": "T2", "communes": "*"})
	check(r.status in (200, 303), "POST /users: %d" % r.status)
	u = users(d).get("moi2")
	check(u, "POST /users added no user")
	eq((u["role"], u["areas"]), ("caseworker", "T2"), "the new user")
	eq(len(audited(d, "user_add", user=ADMIN, target="moi2")), 1,
	    "user_add rows")
	m = signed_in(d, "moi2")
	eq(m.get("/cases").status, 200, "the new user's case list")
	r = a.post("/users/moi2/remove")
	check(r.status in (200, 303), "POST /users/moi2/remove: %d" % r.status)
	check("moi2" not in users(d), "the user is still there")
	eq(len(audited(d, "user_remove", user=ADMIN, target="moi2")), 1,
	    "user_remove rows")
	redirect(m.get("/cases"), "/signin", "a removed user's session")
	Browser(d).signin("moi2", want=401)
	for name in (CW, VIEWER):
		eq(signed_in(d, name).get("/users").status, 403, "GET /users as "
		    "%s" % name)


# ---------------------------------------------------------------- audit

@case(start=False)
def test_console_audit_page(d):
	commune(d)
	signed_in(d, CW).get("/cases")
	signed_in(d, VIEWER).get("/month")
	a = signed_in(d, ADMIN)
	r = a.get("/audit")
	eq(r.status, 200, "GET /audit")
	t = text_of(r.body)
	for name in (CW, VIEWER):
		check(name in t, "/audit does not show %s's sign-in" % name)
	t = text_of(a.get("/audit?user=%s" % CW).body)
	check(CW in t and VIEWER not in t, "/audit?user=%s shows other "
	    "users' rows" % CW)
	day = today().isoformat()
	eq(a.get("/audit?from=%s&to=%s" % (day, day)).status, 200,
	    "/audit?from&to")
	eq(a.get("/audit?from=2026-02-30").status, 400, "a date that is not")
	for name in (CW, VIEWER):
		eq(signed_in(d, name).get("/audit").status, 403, "GET /audit as "
		    "%s" % name)


@case(start=False)
def test_console_audit_survives_purge(d):
	refs, phones = commune(d)
	ref = refs["T1"]
	b = signed_in(d, ADMIN)
	b.get("/cases/%s" % ref)
	b.post("/cases/%s/number" % ref)
	redirect(b.post("/cases/%s/close" % ref, [("sex", "f"), ("age", "30"),
	    ("outcome", "CA")]), "/cases/%s" % ref, "close")
	before = audit(d)
	check({"signin", "case_view", "number_shown", "close"} <=
	    {r["action"] for r in before}, "audit actions: %r" %
	    sorted({r["action"] for r in before}))
	for r in before:
		check(set(r) >= {"at", "user", "action", "target", "addr",
		    "detail"}, "an audit row's keys: %r" % sorted(r))
	d.ctl("purge", "--older-than", "0")
	check(not any(show(d, ref).get("texts") or []), "the purge left the "
	    "closed report's texts")
	eq(audit(d), before, "the audit log after purge --older-than 0")
	out = d.ctl("audit", "--json").stdout.decode()
	check(MARK not in out, "a text in the audit log")
	for phone in phones.values():
		check(phone[-6:] not in out, "a number in the audit log")


# ---------------------------------------------------------------- sessions end

def faked_console(d):
	"""d's tincayd under libfaketime, wall and monotonic clocks both
	moved by the offset in a file (test_clock.faked fakes the wall clock
	only; a session's idle time may be kept on either): the file."""
	from test_clock import faked
	clock = faked(d, "+0")
	d.env.pop("FAKETIME_DONT_FAKE_MONOTONIC", None)
	return clock


def at(clock, seconds):
	from test_clock import set_clock
	set_clock(clock, "+%d" % seconds)


@case(start=False)
def test_console_idle_timeout_default(d):
	"""idle_s on its default, 900 s: the clock moved under libfaketime
	(the daemon's alone: tincayctl and these requests run on the real
	one). A session used 899 s after its last request still works; one
	left 901 s is gone."""
	clock = faked_console(d)
	commune(d)
	b = signed_in(d, CW)
	at(clock, 899)
	eq(b.get("/cases").status, 200, "899 s idle")
	at(clock, 899 + 899)
	eq(b.get("/cases").status, 200, "899 s idle again")
	at(clock, 899 + 899 + 901)
	redirect(b.get("/cases"), "/signin", "901 s idle")
	at(clock, 899 + 899 + 902)
	redirect(b.get("/cases"), "/signin", "the next request")
	c = signed_in(d, CW)		# a new sign-in works on the new clock
	eq(c.get("/cases").status, 200, "a new session")


@case(start=False)
def test_console_absolute_timeout_default(d):
	"""absolute_s on its default, 8 h: a session kept busy (a request
	every 800 s) ends 8 h after sign-in all the same."""
	clock = faked_console(d)
	commune(d)
	b = signed_in(d, CW)
	t = 0
	while t + 800 < 8 * 3600 - 10:
		t += 800
		at(clock, t)
		eq(b.get("/cases").status, 200, "busy session at %d s" % t)
	at(clock, 8 * 3600 - 10)
	eq(b.get("/cases").status, 200, "10 s before 8 h")
	at(clock, 8 * 3600 + 10)
	redirect(b.get("/cases"), "/signin", "10 s after 8 h")


@case(start=False)
def test_console_idle_s_from_config(d):
	"""console.idle_s of the config, not the default: 60 s."""
	clock = faked_console(d)
	commune(d, console={"idle_s": 60, "absolute_s": 600})
	b = signed_in(d, CW)
	at(clock, 59)
	eq(b.get("/cases").status, 200, "59 s idle of 60")
	at(clock, 59 + 61)
	redirect(b.get("/cases"), "/signin", "61 s idle of 60")
	c = signed_in(d, CW)		# at 120 s
	for t in range(120 + 50, 120 + 600, 50):
		at(clock, t)
		eq(c.get("/cases").status, 200, "a busy session at %d s" % t)
	at(clock, 120 + 595)
	eq(c.get("/cases").status, 200, "595 s after its sign-in")
	at(clock, 120 + 601)
	redirect(c.get("/cases"), "/signin", "601 s after its sign-in, "
	    "absolute_s 600")


@case(start=False)
def test_console_require_totp(d):
	"""console.require_totp: a user without TOTP cannot sign in, and
	her right password gets the page a wrong one gets (beyond
	CONSOLE.md: otherwise the page confirms a guessed password)."""
	commune(d, console={"require_totp": True})
	secret = secret_of(add_user(d, "haibuoc", "caseworker", areas="*",
	    totp=True))
	b = Browser(d)
	right = b.signin(CW, want=None)
	check(right.status != 303, "a user without TOTP signed in under "
	    "require_totp")
	redirect(b.get("/cases"), "/signin", "after it")
	wrong = b.signin(CW, "mat-khau-sai-9", want=401)
	eq(right.status, wrong.status, "the right password of a user "
	    "without TOTP against a wrong one: status")
	check(same_page(right.body, wrong.body), "the right password of a "
	    "user without TOTP gets another page than a wrong one: %r" %
	    text_of(right.body)[-300:])
	b.signin("haibuoc", code=totp(secret))
