"""
test_communes.py: many communes (SPEC §11, issue 20). A city of three
communes whose hamlets share names (Thôn 1..4 in each): TINHCHAU and
TINHAN each have a number of their own, NGHIAHA shares the city's. What
is checked:
  - which commune a message is for, in order: the number it was sent to
    (generic "to", Twilio "To", Africa's Talking "to"); the commune named
    in the text, folded like keywords; the commune of the sender's open or
    recent report; else none: the report is filed all the same, alerts
    only the city's (top-level routing) roles, goes to the review list,
    and the reply asks for the commune in one discreet line;
  - need to know: a commune's report alerts only that commune's contacts
    (by area) and the city-level ("*") contacts of the roles its routing
    names, checked on every outbox row; another commune's contact who
    sends NHAN/XONG/TK about it gets what a stranger gets;
  - escalation within the commune and up to the city's roles, on the
    commune's own timing or the top level's;
  - counts: TK of a commune official, of a city official (the city or a
    named commune), tincayctl stats with and without --commune;
  - tincayctl --commune on the listings, the contacts' commune column,
    broadcasts to one commune, and tincayd -t naming the commune at fault;
  - a config without communes is today's.
The implementation is written against the same contract at the same time;
where a test assumes more than SPEC §11 says, its docstring says so.
"""

import base64
import collections
import copy
import datetime
import hashlib
import hmac
import html
import itertools
import json
import os
import re
import urllib.parse

from harness import REF_RE, case, check, eq, fold, wait_until
from sink import Sink

# ---------------------------------------------------------------- the city

CITY_NUMBER = "8088"		# the city's shared number: no commune's own
COMMUNES = (("TINHCHAU", "Xã Tịnh Châu", "+84900000101"),
    ("TINHAN", "Xã Tịnh Ấn", "+84900000102"),
    ("NGHIAHA", "Xã Nghĩa Hà", None))
CODES = tuple(code for code, _, _ in COMMUNES)
NAME = {code: name for code, name, _ in COMMUNES}
NUMBER = {code: number for code, _, number in COMMUNES if number}
TOP_ROUTING = {"gbv": ["city_police"], "shelter": ["city_union"],
    "unknown": []}
COMMUNE_ROUTING = {"gbv": ["police", "health", "city_police"],
    "shelter": ["volunteer", "city_union"], "unknown": []}


def areas():
	"""Thôn 1..4: every commune has them, under the same codes."""
	return [{"code": "T%d" % i, "name": "Thôn %d" % i,
	    "aliases": ["thon %d" % i]} for i in range(1, 5)]


def city(**extra):
	"""Config overrides for the city of three communes. extra: a commune's
	code -> keys it has besides (e.g. its own escalation)."""
	communes = []
	for code, name, number in COMMUNES:
		c = {"code": code, "name": name, "areas": areas(),
		    "routing": copy.deepcopy(COMMUNE_ROUTING),
		    "officials": ["official", "leader"]}
		if number:
			c["numbers"] = [number]
		c.update(copy.deepcopy(extra.get(code, {})))
		communes.append(c)
	# The top level: the city's roles, officials and defaults (the
	# escalation of harness.base_config: gbv after 600 s to leader).
	return {"areas": areas(), "routing": copy.deepcopy(TOP_ROUTING),
	    "officials": ["city_official"], "communes": communes}


CITY = city()

# ---------------------------------------------------------------- the book

Contact = collections.namedtuple("Contact", "name phone role areas commune")


def _book():
	"""In each commune: police of T1 and of T3, and health, volunteer,
	leader and official for all its hamlets; at the city level ("*"):
	police, the women's union and an official."""
	book = []
	for k, code in enumerate(CODES, 1):
		for n, (what, role, where) in enumerate((
		    ("police T1", "police", "T1"),
		    ("police T3", "police", "T3"),
		    ("health", "health", "*"),
		    ("volunteer", "volunteer", "*"),
		    ("leader", "leader", "*"),
		    ("official", "official", "*")), 1):
			book.append(Contact("%s %s" % (code, what),
			    "093%d00000%d" % (k, n), role, where, code))
	for n, (what, role) in enumerate((("city police", "city_police"),
	    ("city union", "city_union"), ("city official", "city_official")),
	    1):
		book.append(Contact(what, "093900000%d" % n, role, "*", "*"))
	return book


BOOK = _book()
BY_NAME = {c.name: c for c in BOOK}


def who(code, what):
	"""The book's contact "what" of commune code (or of the city)."""
	return BY_NAME["%s %s" % (code, what) if code != "*" else what]


def csv_rows(book):
	return [(c.name, c.phone, c.role, c.areas, "sms", "", "", c.commune)
	    for c in book]


def stderr_of(p):
	return (p.stderr or b"").decode("utf-8", "replace").strip()


def up(d, book=BOOK):
	"""The city's config must pass tincayd -t; then the daemon starts and
	the book is imported (its commune column, SPEC §11)."""
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	check(p.returncode == 0, "tincayd -t refuses the config of three "
	    "communes (SPEC §11), exit %d: %s" % (p.returncode,
	    stderr_of(p)[-500:]))
	d.start()
	if book:
		d.import_contacts(csv_rows(book))


# ---------------------------------------------------------------- messages

_ids = itertools.count(1)
_residents = itertools.count(1)
FORBIDDEN = ("bao luc", "baoluc", "bao hanh", "tam lanh", "violence",
    "abuse", "shelter")


def resident():
	"""A number nobody used yet."""
	return "0987%06d" % next(_residents)


def sms(d, frm, text, to=CITY_NUMBER):
	"""A signed generic SMS sent to the number to; its {"ref","reply"}."""
	return d.sms("cm-%d" % next(_ids), frm, text, to=to)


def one_segment(reply, what):
	check(isinstance(reply, str) and reply.isascii() and len(reply) <= 160,
	    "%s: reply does not fit one GSM-7 segment: %r" % (what, reply))


def discreet(reply, what):
	f = fold(reply)
	for w in FORBIDDEN:
		check(w not in f and w.replace(" ", "") not in
		    f.replace(" ", ""), "%s: reply is not discreet (has %r): "
		    "%r" % (what, w, reply))


def report_reply(res, what):
	"""A report's first reply: its REF, the hotline, discreet, one
	segment. The REF."""
	ref = res.get("ref")
	check(isinstance(ref, str) and REF_RE.match(ref), "%s: no report "
	    "filed (ref %r, reply %r)" % (what, ref, res.get("reply")))
	reply = res.get("reply")
	one_segment(reply, what)
	check(ref in reply and "113" in reply, "%s: reply %r lacks the REF "
	    "%s or hotline 113" % (what, reply, ref))
	discreet(reply, what)
	return ref


def report(d, text, to=CITY_NUMBER, frm=None):
	"""A resident reports: the REF (the reply checked)."""
	res = sms(d, frm or resident(), text, to)
	return report_reply(res, "%r sent to %s" % (text, to))


def reports(d):
	return {r.get("ref"): r for r in d.reports()}


def the_report(d, ref):
	r = reports(d).get(ref)
	check(r is not None, "report %s is not in reports list --json" % ref)
	return r


def commune_of(row, what):
	check("commune" in row, "%s: a reports list --json row has no "
	    "\"commune\" (SPEC §11): keys %r" % (what, sorted(row)))
	return row["commune"]


def check_commune(d, ref, want, what):
	"""Report ref's commune is want (None: its commune was not told, which
	a city's report keeps as "*", the city's own level, until placed)."""
	got = commune_of(the_report(d, ref), what)
	if want is None:
		eq(got, "*", "%s: report %s, whose commune cannot be told: its "
		    "commune (the city's, *)" % (what, ref))
	else:
		eq(got, want, "%s: commune of report %s" % (what, ref))


def check_area(d, ref, code, what):
	"""Report ref's area is code (bare, or written COMMUNE.code)."""
	a = the_report(d, ref).get("area")
	check(a == code or (isinstance(a, str) and a.endswith("." + code)),
	    "%s: area of report %s is %r, want %s" % (what, ref, a, code))


def alerted(d, ref, event="report.created", rows=None):
	"""The names of the contacts with an outbox row of event about ref."""
	rows = d.outbox() if rows is None else rows
	return {o.get("contact") for o in rows if o.get("ref") == ref and
	    o.get("event") == event}


def expected(commune, category, area):
	"""Who a report's report.created goes to: the contacts of the roles
	the commune's routing names (none told: the top level's), of that
	commune or of the city ("*"), covering the area."""
	roles = COMMUNE_ROUTING[category] if commune else TOP_ROUTING[category]
	return {c.name for c in BOOK if c.role in roles and c.commune in
	    ("*", commune) and c.areas in ("*", area)}


def check_alerts(d, ref, commune, category, area, what):
	eq(alerted(d, ref), expected(commune, category, area),
	    "%s: contacts alerted (report.created) about %s" % (what, ref))


def check_isolation(d, want):
	"""Need to know, on EVERY outbox row: want maps each REF filed to its
	commune (None: not told); a row about a report goes only to a contact
	of that report's commune or of the city. The rows."""
	rows = d.outbox()
	for o in rows:
		name, ref = o.get("contact"), o.get("ref")
		if name is None or ref is None:
			continue	# a reply to a resident, a test SMS
		c = BY_NAME.get(name)
		check(c is not None, "outbox row #%s goes to %r, not a contact "
		    "of the book" % (o.get("id"), name))
		check(ref in want, "outbox row #%s is about %s, a report the "
		    "test did not file" % (o.get("id"), ref))
		check(c.commune in ("*", want[ref]), "need to know: outbox row "
		    "#%s (%s) about %s, a report of %s, went to %r of %s" % (
		    o.get("id"), o.get("event"), ref, want[ref] or "no commune",
		    name, c.commune))
	return rows


def stranger_said(d, text, to):
	"""What a number nobody knows gets for text sent to to."""
	return sms(d, resident(), text, to)


# ---------------------------------------------------------------- config

@case(CITY, start=False)
def test_communes_config_valid_with_shared_hamlet_codes(d):
	"""Three communes, each with its T1..T4 (area codes are unique within
	a commune, not across them): tincayd -t says 0."""
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	eq(p.returncode, 0, "tincayd -t on three communes whose hamlets share "
	    "codes (stderr: %s)" % stderr_of(p)[-400:])


def _dup_area(c):
	c["communes"][1]["areas"].append({"code": "T2", "name": "Thôn Hai"})


def _dup_code(c):
	c["communes"][2]["code"] = "TINHAN"
	c["communes"][2].pop("numbers", None)


def _shared_number(c):
	c["communes"][1]["numbers"] = [NUMBER["TINHCHAU"]]


def _unknown_key(c):
	c["communes"][0]["routes"] = {"gbv": ["police"]}


def _bad_number(c):
	c["communes"][2]["numbers"] = ["not a number"]


def _bad_escalation(c):
	c["communes"][1]["escalation"] = {"gbv": {"after_s": "600",
	    "to": ["leader"]}}


@case(CITY, start=False)
def test_communes_config_errors_name_commune_and_key(d):
	"""tincayd -t on a bad commune exits 1 naming the commune and the key
	at fault."""
	good = copy.deepcopy(d.config)
	for spoil, communes, key, what in (
	    (_dup_area, ("TINHAN",), "areas", "an area code twice in TINHAN"),
	    (_dup_code, ("TINHAN",), "code", "the code TINHAN twice"),
	    (_shared_number, ("TINHCHAU", "TINHAN"), "numbers",
	        "TINHCHAU's number also TINHAN's"),
	    (_unknown_key, ("TINHCHAU",), "routes",
	        "an unknown key in TINHCHAU"),
	    (_bad_number, ("NGHIAHA",), "numbers",
	        "not a phone number in NGHIAHA's numbers"),
	    (_bad_escalation, ("TINHAN",), "escalation",
	        "after_s a string in TINHAN's escalation")):
		cfg = copy.deepcopy(good)
		spoil(cfg)
		d.write_config(cfg)
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		err = stderr_of(p)
		eq(p.returncode, 1, "tincayd -t with %s: exit code (stderr: %s)"
		    % (what, err[-300:]))
		check(key in err and any(c in err for c in communes),
		    "tincayd -t with %s: the error does not name both the "
		    "commune (%s) and the key %r: %r" % (what,
		    " or ".join(communes), key, err[-300:]))


@case(CITY, start=False)
def test_communes_contacts_commune_checked(d):
	"""The contacts' commune column: a commune the config does not have is
	an import error naming its line and the column, and nothing is
	imported; "*" is the
	city; contacts add --commune CODE files a contact in its commune and
	refuses an unknown one."""
	up(d, book=None)
	bad = os.path.join(d.tmpdir, "communes.csv")
	with open(bad, "w", encoding="utf-8") as f:
		f.write("name,phone,role,areas,channel,url,pin,commune\n"
		    "Cong an TC,0931000001,police,T3,sms,,,TINHCHAU\n"
		    "Cong an XX,0931000002,police,T3,sms,,,NOSUCH\n"
		    "Cong an TP,0939000001,city_police,*,sms,,,*\n")
	p = d.ctl("contacts", "import", bad, ok=False)
	eq(p.returncode, 1, "import of a contact of an unknown commune: exit "
	    "code")
	err = stderr_of(p)
	check("communes.csv:3" in err and "commune" in err, "the import "
	    "error does not name its line (communes.csv:3) and its column "
	    "(commune): %r" % err)
	eq(d.contacts(), [], "contacts after the refused import")
	d.import_contacts([("Cong an TC", "0931000001", "police", "T3", "sms",
	    "", "", "TINHCHAU"), ("Cong an TP", "0939000001", "city_police",
	    "*", "sms", "", "", "*")])
	d.add_contact("Y te TA", "0932000003", "health", commune="TINHAN")
	names = {c.get("name") for c in
	    d.ctl_json("contacts", "list", "--commune", "TINHAN")}
	check("Y te TA" in names and "Cong an TC" not in names, "contacts "
	    "list --commune TINHAN: %r" % sorted(names))
	p = d.ctl("contacts", "add", "--name", "X", "--phone", "0932000004",
	    "--role", "police", "--commune", "NOSUCH", ok=False)
	eq(p.returncode, 1, "contacts add --commune NOSUCH: exit code")
	check("NOSUCH" in stderr_of(p), "contacts add --commune NOSUCH: the "
	    "error does not name it: %r" % stderr_of(p))
	eq(len(d.contacts()), 3, "contacts after the refused add")


@case()
def test_communes_single_commune_config_unchanged(d):
	"""A config without "communes" is one commune, as today: a report's
	row says commune "" (or the commune's own), and the reply is today's
	byte for byte."""
	d.import_contacts([("Cong an T3", "0911000003", "police", "T3", "sms"),
	    ("Tram y te", "0912000000", "health", "*", "sms")])
	res = d.sms("one-1", "0987000001", "BL thon 3 chong danh vo")
	ref = res.get("ref")
	check(isinstance(ref, str) and REF_RE.match(ref), "no report: %r" %
	    res)
	eq(res.get("reply"), "Tin nhan da duoc tiep nhan, ma %s. Khan cap goi "
	    "113." % ref, "the reply of a single commune")
	row = the_report(d, ref)
	got = commune_of(row, "one commune")
	check(got in ("", d.config["commune"]), "a single commune's report "
	    "has commune %r, want \"\" or %r" % (got, d.config["commune"]))
	eq((row.get("category"), row.get("area")), ("gbv", "T3"), "the report")
	eq(len([o for o in d.outbox() if o.get("ref") == ref]), 2, "alerts "
	    "(police T3 and health, as today)")


# ---------------------------------------------------------------- by number

@case(CITY, start=False)
def test_communes_by_number(d):
	"""The number a message was sent to (generic "to") decides its
	commune, in any of its forms (E.164 or national, SPEC §3); the same
	text to two communes' numbers makes two communes' reports, each
	alerting its own police of T3 and health and the city police."""
	up(d)
	want = {}
	for to, code in ((NUMBER["TINHCHAU"], "TINHCHAU"),
	    (NUMBER["TINHAN"], "TINHAN"), ("0900000102", "TINHAN")):
		ref = report(d, "BL thon 3 chong danh vo", to=to)
		what = "BL thon 3 to %s" % to
		check_commune(d, ref, code, what)
		check_area(d, ref, "T3", what)
		check_alerts(d, ref, code, "gbv", "T3", what)
		want[ref] = code
	check_isolation(d, want)


TW_TOKEN = "it-twilio-token-c0mm"
AT_TOKEN = "it-at-token-c0mm"
PROVIDERS = {"providers": {
	"twilio": {"account_sid": "AC00000000000000000000000000000000",
	    "auth_token": TW_TOKEN, "from": "+15005550006"},
	"africastalking": {"token": AT_TOKEN}}}


def twilio_sign(token, url, params):
	"""As Twilio's library: url + key + value, sorted by key."""
	s = url
	for k in sorted(set(k for k, _ in params)):
		for v in sorted(set(v for kk, v in params if kk == k)):
			s += k + v
	mac = hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()
	return base64.b64encode(mac).decode()


def form(fields):
	return urllib.parse.urlencode(fields).encode()


@case(dict(CITY, **PROVIDERS), start=False)
def test_communes_by_number_twilio_and_africastalking(d):
	"""The recipient field of each provider decides the commune: Twilio's
	"To", Africa's Talking's "to"."""
	up(d)
	want = {}
	params = [("AccountSid", "AC00000000000000000000000000000000"),
	    ("MessageSid", "SMcomm1"), ("From", "+84986000001"),
	    ("To", NUMBER["TINHAN"]), ("Body", "BL thon 3"),
	    ("NumMedia", "0")]
	sig = twilio_sign(TW_TOKEN, d.config["public_url"] + "/sms/twilio",
	    params)
	r = d.request("POST", "/sms/twilio", form(params), {"Content-Type":
	    "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
	eq(r.status, 200, "Twilio inbound: %r" % r)
	new = list(reports(d))
	eq(len(new), 1, "reports after the Twilio SMS")
	check(new[0] in r.body.decode(), "the TwiML reply %r lacks REF %s" %
	    (r.body, new[0]))
	check_commune(d, new[0], "TINHAN", "Twilio To=%s" % NUMBER["TINHAN"])
	check_alerts(d, new[0], "TINHAN", "gbv", "T3", "Twilio")
	want[new[0]] = "TINHAN"
	r = d.request("POST", "/sms/africastalking?token=" + AT_TOKEN,
	    form({"from": "+84986000002", "to": NUMBER["TINHCHAU"],
	    "text": "BL thon 3", "date": "2026-11-20 10:00:00",
	    "id": "at-comm-1", "linkId": "L1"}),
	    {"Content-Type": "application/x-www-form-urlencoded"})
	eq(r.status, 200, "Africa's Talking inbound: %r" % r)
	new = [ref for ref in reports(d) if ref not in want]
	eq(len(new), 1, "new reports after the Africa's Talking SMS")
	check_commune(d, new[0], "TINHCHAU", "Africa's Talking to=%s" %
	    NUMBER["TINHCHAU"])
	check_alerts(d, new[0], "TINHCHAU", "gbv", "T3", "Africa's Talking")
	want[new[0]] = "TINHCHAU"
	check_isolation(d, want)


@case(CITY, start=False)
def test_communes_number_wins_over_text(d):
	"""A message to TINHAN's number that names Tịnh Châu is TINHAN's: the
	number comes first."""
	up(d)
	ref = report(d, "BL Tinh Chau thon 3", to=NUMBER["TINHAN"])
	check_commune(d, ref, "TINHAN", "'BL Tinh Chau thon 3' to TINHAN's "
	    "number")
	check_alerts(d, ref, "TINHAN", "gbv", "T3", "number over text")


# ---------------------------------------------------------------- by text

@case(CITY, start=False)
def test_communes_by_text(d):
	"""To the city's shared number, the commune named in the text decides,
	folded like keywords (accents, case, spacing): NGHIAHA, which has no
	number, is reached this way."""
	up(d)
	want = {}
	for text, code in (("BL Tinh Chau thon 3", "TINHCHAU"),
	    ("BL tịnh châu thôn 3", "TINHCHAU"),
	    ("BL TINHCHAU thon 3", "TINHCHAU"),
	    ("bl  Tịnh   Ấn, Thôn 3", "TINHAN"),
	    ("BL Nghĩa Hà thôn 3", "NGHIAHA"),
	    ("BL nghia ha thon 3", "NGHIAHA")):
		ref = report(d, text)
		what = "%r to the city's number" % text
		check_commune(d, ref, code, what)
		check_area(d, ref, "T3", what)
		check_alerts(d, ref, code, "gbv", "T3", what)
		want[ref] = code
	check_isolation(d, want)


# ---------------------------------------------------------------- by history

@case(CITY, start=False)
def test_communes_by_history_open_report(d):
	"""A sender whose open report is TINHCHAU's writes a new report (TC, a
	shelter) to the city's number naming no commune: it is TINHCHAU's."""
	up(d)
	frm = resident()
	first = report(d, "BL thon 3", to=NUMBER["TINHCHAU"], frm=frm)
	ref = report(d, "TC thon 2", frm=frm)
	check(ref != first, "TC after BL was taken as a follow-up of %s" %
	    first)
	check_commune(d, ref, "TINHCHAU", "TC from the sender of an open "
	    "TINHCHAU report")
	check_alerts(d, ref, "TINHCHAU", "shelter", "T2", "by history")
	check_isolation(d, {first: "TINHCHAU", ref: "TINHCHAU"})


@case(CITY, start=False)
def test_communes_by_history_recent_closed_report(d):
	"""A sender whose report in TINHAN was closed a moment ago writes again
	(BL, to the city's number, no commune named): the new report is
	TINHAN's."""
	up(d)
	frm = resident()
	first = report(d, "BL thon 1", to=NUMBER["TINHAN"], frm=frm)
	res = sms(d, who("TINHAN", "police T1").phone, "XONG %s" % first,
	    to=NUMBER["TINHAN"])
	eq(the_report(d, first).get("status"), "closed", "XONG by TINHAN's "
	    "police of T1 (reply %r)" % res.get("reply"))
	ref = report(d, "BL thon 4 lai bi danh", frm=frm)
	check(ref != first, "a closed report was written to again")
	check_commune(d, ref, "TINHAN", "BL from the sender of a recently "
	    "closed TINHAN report")
	got = alerted(d, ref)
	for name in expected("TINHAN", "gbv", "T4"):
		check(name in got, "%s not alerted about %s (alerted: %r)" % (
		    name, ref, sorted(got)))
	check_isolation(d, {first: "TINHAN", ref: "TINHAN"})


@case(CITY, start=False)
def test_communes_text_wins_over_history(d):
	"""A sender with an open TINHCHAU report who names Nghĩa Hà in a new
	report is heard: the text comes before history."""
	up(d)
	frm = resident()
	first = report(d, "BL thon 3", to=NUMBER["TINHCHAU"], frm=frm)
	ref = report(d, "TC Nghia Ha thon 2", frm=frm)
	check(ref != first, "TC after BL was taken as a follow-up")
	check_commune(d, ref, "NGHIAHA", "TC naming Nghia Ha from a sender "
	    "with a TINHCHAU report")
	check_alerts(d, ref, "NGHIAHA", "shelter", "T2", "text over history")
	check_isolation(d, {first: "TINHCHAU", ref: "NGHIAHA"})


# ---------------------------------------------------------------- unknown

@case(CITY, start=False)
def test_communes_unknown_filed_to_city_and_review(d):
	"""A report to the shared number naming no commune, from a sender with
	no history, is never dropped: it is filed with no commune, alerts only
	the city-level contacts of the top-level routing (city police), none of
	any commune, enters the review list (tincayctl inbox), and the reply
	asks for the commune in one line, one segment, discreetly.
	Assumed: the generic reply's "ref" is the report's REF (it is filed);
	the request for the commune contains the word "xa" (xã) once folded."""
	up(d)
	text = "BL thon 3 cuu toi"
	res = sms(d, resident(), text)
	rows = d.reports()
	eq(len(rows), 1, "reports after a report whose commune cannot be told "
	    "(never dropped)")
	ref = rows[0].get("ref")
	eq(res.get("ref"), ref, "the reply's ref")
	check_commune(d, ref, None, "BL thon 3 to the shared number")
	eq(alerted(d, ref), expected(None, "gbv", "T3"), "contacts alerted "
	    "about a report of no commune (only the city's roles)")
	check_isolation(d, {ref: None})
	inbox = [m.get("text") for m in d.ctl_json("inbox")]
	check(text in inbox, "the report of no commune is not in the review "
	    "list (tincayctl inbox --json texts: %r)" % inbox)
	reply = res.get("reply")
	what = "the reply to a report of no commune"
	one_segment(reply, what)
	check("\n" not in reply and "\r" not in reply, "%s is not one line: "
	    "%r" % (what, reply))
	discreet(reply, what)
	check(re.search(r"\bxa\b", fold(reply)), "%s does not ask for the "
	    "commune (xa): %r" % (what, reply))


@case(CITY, start=False)
def test_communes_unknown_then_named_in_followup(d):
	"""Assumed (SPEC §4's rule for a follow-up naming an area, applied to
	the commune): the resident asked for the commune answers "Tinh Chau";
	the report becomes TINHCHAU's and its police of T3 and health are
	alerted then, and still no other commune's contact."""
	up(d)
	frm = resident()
	res = sms(d, frm, "BL thon 3")
	ref = res.get("ref")
	check(ref, "no report filed: %r" % res)
	sms(d, frm, "Tinh Chau")
	check_commune(d, ref, "TINHCHAU", "after the follow-up 'Tinh Chau'")
	got = alerted(d, ref)
	for name in ("TINHCHAU police T3", "TINHCHAU health"):
		check(name in got, "%s not alerted once the commune was told "
		    "(alerted: %r)" % (name, sorted(got)))
	check_isolation(d, {ref: "TINHCHAU"})
	# Placed, it is its commune's like any other: it waits for no review
	# (the commune's roles have it), nor is a reviewer told of it later.
	inbox = [m.get("text") for m in d.ctl_json("inbox")]
	check("BL thon 3" not in inbox, "the placed report is still in the "
	    "review list (tincayctl inbox --json texts: %r)" % inbox)
	eq(d.sql_value("SELECT count(*) FROM messages WHERE review_at IS NOT "
	    "NULL AND report_id = (SELECT id FROM reports WHERE ref = ?)", ref),
	    0, "texts of the placed report still due in a review digest")


# ---------------------------------------------------------------- need to know

@case(CITY, start=False)
def test_communes_isolation_every_outbox_row(d):
	"""Reports in every commune, in hamlets whose codes all three share,
	by number and by text, gbv and shelter, with follow-ups, NHAN and
	XONG: each report alerts exactly its commune's contacts of the area
	and the city's roles, and not one outbox row about a commune's report
	reaches another commune's contact."""
	up(d)
	want, reporter = {}, {}
	for code, text, to, cat, area in (
	    ("TINHCHAU", "BL thon 3", NUMBER["TINHCHAU"], "gbv", "T3"),
	    ("TINHCHAU", "BL Tinh Chau thon 1", CITY_NUMBER, "gbv", "T1"),
	    ("TINHCHAU", "TC thon 2", NUMBER["TINHCHAU"], "shelter", "T2"),
	    ("TINHCHAU", "SOS", NUMBER["TINHCHAU"], "gbv", None),
	    ("TINHAN", "BL thon 3", NUMBER["TINHAN"], "gbv", "T3"),
	    ("TINHAN", "BL thon 1", NUMBER["TINHAN"], "gbv", "T1"),
	    ("TINHAN", "TC Tinh An thon 3", CITY_NUMBER, "shelter", "T3"),
	    ("NGHIAHA", "BL Nghia Ha thon 3", CITY_NUMBER, "gbv", "T3"),
	    ("NGHIAHA", "BL Nghia Ha thon 1", CITY_NUMBER, "gbv", "T1"),
	    ("NGHIAHA", "TC Nghia Ha", CITY_NUMBER, "shelter", None)):
		frm = resident()
		ref = report(d, text, to=to, frm=frm)
		what = "%r to %s" % (text, to)
		check_commune(d, ref, code, what)
		check_alerts(d, ref, code, cat, area, what)
		want[ref] = code
		reporter[(code, text)] = (ref, frm, to)
	# Later events: a follow-up, an acknowledgement, a close.
	ref, frm, to = reporter[("TINHCHAU", "BL thon 3")]
	sms(d, frm, "anh ay van o nha", to=to)
	check(alerted(d, ref, "report.updated"), "no report.updated rows "
	    "for the follow-up of %s" % ref)
	ref, _, to = reporter[("TINHAN", "BL thon 3")]
	sms(d, who("TINHAN", "police T3").phone, "NHAN %s" % ref, to=to)
	eq(the_report(d, ref).get("status"), "acknowledged", "NHAN by TINHAN's "
	    "own police of T3")
	ref, _, _ = reporter[("NGHIAHA", "BL Nghia Ha thon 3")]
	sms(d, who("NGHIAHA", "police T3").phone, "XONG %s" % ref)
	eq(the_report(d, ref).get("status"), "closed", "XONG by NGHIAHA's own "
	    "police of T3")
	rows = check_isolation(d, want)
	events = {o.get("event") for o in rows}
	for ev in ("report.created", "report.updated", "report.acknowledged",
	    "report.closed"):
		check(ev in events, "no %s row among the outbox rows checked" %
		    ev)


@case(CITY, start=False)
def test_communes_city_contact_area_named_with_commune(d):
	"""Assumed (SPEC §11: an area is written COMMUNE.AREA where the
	commune must be named): a city-level contact whose areas are
	"TINHCHAU.T3" is alerted about TINHCHAU's T3, not TINHAN's T3 nor
	TINHCHAU's T1."""
	up(d)
	d.import_contacts([("city police TC T3", "0939000009", "city_police",
	    "TINHCHAU.T3", "sms", "", "", "*")])
	for to, text, yes in ((NUMBER["TINHCHAU"], "BL thon 3", True),
	    (NUMBER["TINHAN"], "BL thon 3", False),
	    (NUMBER["TINHCHAU"], "BL thon 1", False)):
		ref = report(d, text, to=to)
		got = "city police TC T3" in alerted(d, ref)
		eq(got, yes, "the contact of TINHCHAU.T3 alerted about %r sent "
		    "to %s" % (text, to))


@case(CITY, start=False)
def test_communes_other_commune_nhan_xong_refused(d):
	"""NHAN, OK, XONG and XONG NHAM about TINHCHAU's report from another
	commune's contacts (its police of the same hamlet code, its official,
	its leader) get exactly what a stranger gets for the same text to the
	same number, and the report stays open; TINHCHAU's own police of T3
	then acknowledges it."""
	up(d)
	ref = report(d, "BL thon 3", to=NUMBER["TINHCHAU"])
	for contact, to in ((who("TINHAN", "police T3"), NUMBER["TINHAN"]),
	    (who("TINHAN", "official"), NUMBER["TINHAN"]),
	    (who("NGHIAHA", "leader"), CITY_NUMBER),
	    (who("NGHIAHA", "police T3"), NUMBER["TINHCHAU"])):
		for verb in ("NHAN %s", "OK %s", "XONG %s NU 30 CA",
		    "XONG %s NHAM"):
			text = verb % ref
			plain = stranger_said(d, text, to)
			got = sms(d, contact.phone, text, to)
			eq(got, plain, "%s from %s (of %s) to %s: the answer, "
			    "want a stranger's" % (text, contact.name,
			    contact.commune, to))
			eq(the_report(d, ref).get("status"), "open", "status "
			    "of %s after %r from %s" % (ref, text,
			    contact.name))
	rows = d.outbox()
	for ev in ("report.acknowledged", "report.closed", "report.cancelled"):
		eq(alerted(d, ref, ev, rows), set(), "%s rows about %s" % (ev,
		    ref))
	sms(d, who("TINHCHAU", "police T3").phone, "NHAN %s" % ref,
	    to=NUMBER["TINHCHAU"])
	eq(the_report(d, ref).get("status"), "acknowledged", "NHAN by "
	    "TINHCHAU's own police of T3")


# ---------------------------------------------------------------- escalation

@case(city(TINHCHAU={"escalation": {"gbv": {"after_s": 1,
    "to": ["leader", "city_police"]}}}), start=False)
def test_communes_escalation_to_city(d):
	"""TINHCHAU escalates gbv after 1 s to its leader and the city police:
	its unacknowledged report reaches TINHCHAU's leader and the city police,
	never TINHAN's or NGHIAHA's leader; TINHAN's report (the top level's
	600 s) has not escalated."""
	up(d)
	ref = report(d, "BL thon 3", to=NUMBER["TINHCHAU"])
	other = report(d, "BL thon 3", to=NUMBER["TINHAN"])
	want = {"TINHCHAU leader", "city police"}

	def escalated():
		rows = d.outbox()
		return rows if want <= alerted(d, ref, "report.escalated",
		    rows) else None
	# One step alerts all its contacts in one transaction: once these
	# two have theirs, a wrong one would have its row too.
	rows = wait_until(escalated, 10, 0.2, "report.escalated to %s "
	    "within 10 s (after_s 1)" % " and ".join(sorted(want)))
	eq(alerted(d, ref, "report.escalated", rows), want, "contacts of the "
	    "escalation of TINHCHAU's report")
	eq(alerted(d, other, "report.escalated", rows), set(), "escalation of "
	    "TINHAN's report (after 600 s)")
	check_isolation(d, {ref: "TINHCHAU", other: "TINHAN"})


@case(city(NGHIAHA={"escalation": {"gbv": {"after_s": 1200,
    "to": ["leader"]}}}), start=False)
def test_communes_escalation_timing_own_or_top_level(d):
	"""On the default timing: a commune without escalation of its own
	escalates gbv on the top level's after_s (600 s) and shelter on its
	900 s; NGHIAHA's own gbv after_s (1200 s) is its. Read from each
	report's escalate_at (the store's timer; nobody waits 10 minutes)."""
	up(d)
	for to, text, after in ((NUMBER["TINHCHAU"], "BL thon 3", 600),
	    (NUMBER["TINHAN"], "TC thon 2", 900),
	    (CITY_NUMBER, "BL Nghia Ha thon 3", 1200)):
		ref = report(d, text, to=to)
		r = d.ctl_json("reports", "show", ref)
		at, made = r.get("escalate_at"), r.get("created_at")
		check(isinstance(at, int) and isinstance(made, int),
		    "reports show %s: escalate_at %r created_at %r" % (ref, at,
		    made))
		check(after - 5 <= at - made <= after + 5, "%r to %s escalates "
		    "%d s after it was filed, want %d" % (text, to, at - made,
		    after))


# ---------------------------------------------------------------- counts

SEED = (("TINHCHAU", 3), ("TINHAN", 4), ("NGHIAHA", 5))
TK_RE = re.compile(r"\bBL (\d+) TC (\d+) DK \d+ HUY (\d+); mo (\d+) "
    r"xong (\d+)")


def seed_counts(d):
	"""gbv reports this month: TINHCHAU 3, TINHAN 4 (by number), NGHIAHA
	5 (by text), all open. Their communes are not read back here (the
	routing tests do): the counts, all different, tell them apart."""
	for code, n in SEED:
		for _ in range(n):
			if code in NUMBER:
				report(d, "BL thon 2", to=NUMBER[code])
			else:
				report(d, "BL Nghia Ha thon 2")


def tk(d, contact, text, to=CITY_NUMBER):
	"""(BL, TC, mo) of a TK reply, or a failure naming the reply."""
	reply = sms(d, contact.phone, text, to).get("reply") or ""
	m = TK_RE.search(reply)
	check(reply.startswith("TK ") and m, "%r from %s: not a TK answer: %r"
	    % (text, contact.name, reply))
	return int(m.group(1)), int(m.group(2)), int(m.group(4))


@case(CITY, start=False)
def test_communes_tk_commune_official(d):
	"""TK from a commune's official or leader (its officials) counts that
	commune's reports only, whichever number it is sent to."""
	up(d)
	seed_counts(d)
	for contact, to, n in ((who("TINHCHAU", "official"), CITY_NUMBER, 3),
	    (who("TINHAN", "leader"), NUMBER["TINHAN"], 4),
	    (who("NGHIAHA", "official"), CITY_NUMBER, 5)):
		eq(tk(d, contact, "TK", to), (n, 0, n), "TK from %s: (BL, TC, "
		    "mo)" % contact.name)


@case(CITY, start=False)
def test_communes_tk_city_official(d):
	"""TK from the city's official counts the whole city; TK THANG CODE
	(or the commune's name, folded) one commune."""
	up(d)
	seed_counts(d)
	boss = who("*", "city official")
	eq(tk(d, boss, "TK"), (12, 0, 12), "TK from the city official: (BL, "
	    "TC, mo) of the city")
	for text, n in (("TK THANG TINHCHAU", 3), ("TK THANG Tịnh Ấn", 4),
	    ("tk thang nghiaha", 5)):
		eq(tk(d, boss, text), (n, 0, n), "%r from the city official" %
		    text)


@case(CITY, start=False)
def test_communes_tk_other_commune_refused(d):
	"""TK naming another commune from a commune official is answered as a
	stranger's TK: no counts of a commune not its own."""
	up(d)
	seed_counts(d)
	official = who("TINHCHAU", "official")
	for text, to in (("TK THANG TINHAN", CITY_NUMBER),
	    ("TK THANG NGHIAHA", NUMBER["TINHCHAU"])):
		plain = stranger_said(d, text, to)
		got = sms(d, official.phone, text, to)
		eq(got, plain, "%r from TINHCHAU's official to %s: want a "
		    "stranger's answer" % (text, to))


@case(CITY, start=False)
def test_communes_ctl_stats_city_and_commune(d):
	"""tincayctl stats --format json: the city's, with by_commune (code ->
	count); with --commune CODE, that commune's reports only. Assumed:
	by_commune may list a commune with 0, never count one wrongly."""
	up(d)
	seed_counts(d)
	p = d.ctl("stats", "--format", "json")
	j = json.loads(p.stdout)
	eq(j.get("reports"), 12, "stats: the city's reports")
	check("by_commune" in j, "stats --format json has no by_commune: keys "
	    "%r" % sorted(j))
	eq({k: v for k, v in j["by_commune"].items() if v},
	    dict(SEED), "stats by_commune")
	for code, n in SEED:
		p = d.ctl("stats", "--commune", code, "--format", "json")
		j = json.loads(p.stdout)
		eq(j.get("reports"), n, "stats --commune %s: reports" % code)
		eq({k: v for k, v in (j.get("by_category") or {}).items() if v},
		    {"gbv": n}, "stats --commune %s: by_category (not 0)" %
		    code)
	p = d.ctl("stats", "--commune", "NOSUCH", "--format", "json", ok=False)
	eq(p.returncode, 1, "stats --commune NOSUCH: exit code")
	check("NOSUCH" in stderr_of(p), "stats --commune NOSUCH: the error "
	    "does not name it: %r" % stderr_of(p))


@case(CITY, start=False)
def test_communes_ctl_stats_table_and_chart_by_commune(d):
	"""The city's report (stats without --commune) has a table by commune
	in text (a row for each commune, by code or name, with its count) and
	a chart by commune in HTML (an SVG chart titled by "xã"), naming each
	commune."""
	up(d)
	seed_counts(d)
	text = d.ctl("stats").stdout.decode()
	for code, n in SEED:
		# A row of its own: the commune (not one of its hamlets,
		# CODE.T2, in the table by area) and its count.
		row = r"^\s*(?:%s|%s)(?![.\w])[^\n]*\b%d\b" % (
		    re.escape(code), re.escape(NAME[code]), n)
		check(re.search(row, text, re.M), "stats (text) has no row "
		    "for %s with its %d reports: %r" % (code, n, text[:800]))
	page = d.ctl("stats", "--format", "html").stdout.decode()
	for code in CODES:
		check(code in page or NAME[code] in page or
		    html.escape(NAME[code]) in page, "stats --format html does "
		    "not name %s" % code)
	titles = " | ".join(re.findall(r"<svg.*?<title>(.*?)</title>", page,
	    re.S))
	check(re.search(r"\bxa\b", fold(html.unescape(titles))), "stats "
	    "--format html: no chart by commune (xã) among the charts %r" %
	    titles)


# ---------------------------------------------------------------- tincayctl

@case(CITY, start=False)
def test_communes_ctl_listings_by_commune(d):
	"""--commune CODE scopes reports list, outbox list, inbox and contacts
	list; reports rows carry "commune"; an unknown CODE is an error naming
	it."""
	up(d)
	mine = [report(d, "BL thon 3", to=NUMBER["TINHCHAU"]),
	    report(d, "BL Tinh Chau thon 1")]
	others = [report(d, "BL thon 3", to=NUMBER["TINHAN"]),
	    report(d, "BL Nghia Ha thon 3")]
	sms(d, resident(), "xin chao ban A", to=NUMBER["TINHCHAU"])
	sms(d, resident(), "xin chao ban B", to=NUMBER["TINHAN"])
	rows = d.ctl_json("reports", "list", "--commune", "TINHCHAU")
	eq(sorted(r.get("ref") for r in rows), sorted(mine), "reports list "
	    "--commune TINHCHAU")
	eq({commune_of(r, "reports list --commune") for r in rows},
	    {"TINHCHAU"}, "communes of reports list --commune TINHCHAU")
	eq([r.get("ref") for r in d.ctl_json("reports", "list", "--commune",
	    "TINHAN")], others[:1], "reports list --commune TINHAN")
	everything = d.outbox()
	rows = d.ctl_json("outbox", "list", "--commune", "TINHCHAU")
	ids = sorted(o.get("id") for o in rows)
	want = sorted(o.get("id") for o in everything if o.get("ref") in mine)
	check(want, "no outbox rows about TINHCHAU's reports")
	eq(ids, want, "outbox list --commune TINHCHAU (ids)")
	texts = [m.get("text") for m in d.ctl_json("inbox", "--commune",
	    "TINHCHAU")]
	eq(texts, ["xin chao ban A"], "inbox --commune TINHCHAU")
	names = {c.get("name") for c in d.ctl_json("contacts", "list",
	    "--commune", "TINHCHAU")}
	missing = {c.name for c in BOOK if c.commune == "TINHCHAU"} - names
	stray = {c.name for c in BOOK if c.commune not in ("TINHCHAU", "*")} \
	    & names
	check(not missing and not stray, "contacts list --commune TINHCHAU: "
	    "missing %r, of other communes %r" % (sorted(missing),
	    sorted(stray)))
	for args in (("reports", "list"), ("outbox", "list"), ("inbox",),
	    ("contacts", "list")):
		p = d.ctl(*(args + ("--commune", "NOSUCH", "--json")), ok=False)
		eq(p.returncode, 1, "%s --commune NOSUCH: exit code" %
		    " ".join(args))
		check("NOSUCH" in stderr_of(p), "%s --commune NOSUCH: the "
		    "error does not name it: %r" % (" ".join(args),
		    stderr_of(p)))


def running_campaign():
	"""THD around today in the communes' zone (UTC+7, no DST)."""
	today = (datetime.datetime.now(datetime.timezone.utc) +
	    datetime.timedelta(hours=7)).date()
	day = datetime.timedelta(days=1)
	return [{"code": "THD", "name": "Tháng hành động vì bình đẳng giới",
	    "start": str(today - day), "end": str(today + day)}]


@case(start=False)
def test_communes_broadcast_to_one_commune(d):
	"""Assumed (issue 20 §5: broadcasts go to one commune's subscribers
	or all): a signup is its commune's as a report is (here by the number
	it was sent to), and broadcast THD TEXT --commune TINHCHAU queues one
	SMS, to TINHCHAU's subscriber only."""
	with Sink() as sink:
		d.overrides = dict(city(), allow_http=True,
		    campaigns=running_campaign(), sms_out={"via": "generic",
		    "url": sink.url + "/sms"})
		d.new_config()
		up(d, book=None)
		a, b = "0912345601", "0912345602"
		for frm, to in ((a, NUMBER["TINHCHAU"]), (b, NUMBER["TINHAN"])):
			res = sms(d, frm, "DK", to)
			eq(res.get("ref"), None, "DK to %s: ref" % to)
		d.ctl("broadcast", "THD", "Hop thon chu nhat nay", "--commune",
		    "TINHCHAU")
		rows = [o for o in d.outbox() if o.get("event") == "broadcast"]
		eq(len(rows), 1, "broadcast rows for --commune TINHCHAU (one "
		    "subscriber of TINHCHAU, one of TINHAN)")
		got = sink.wait_for(1, "/sms", timeout=10)
		eq([r.json().get("to") for r in got], ["+84" + a[1:]],
		    "the numbers the broadcast SMS went to")
