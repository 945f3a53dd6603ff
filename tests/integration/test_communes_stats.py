"""
test_communes_stats.py: counts and administration of a city of three
communes whose hamlets share codes (T1..T4 in each: TINHCHAU, TINHAN,
NGHIAHA), SPEC §11 and issue 20:
  - TK: a commune's official counts its commune, a city official the
    city or the commune it names, a commune's official naming another is
    answered as a stranger;
  - tincayctl stats: --commune CODE is that commune's report in every
    format; without it the city's, with by_commune (every commune, zero
    rows too, "*" the reports nobody placed), per-commune medians, a table
    and a chart by commune, and complementary suppression across
    communes;
  - --commune on the listings (a WHERE of the store's query), the
    commune of report rows and contacts, an unknown code named;
  - tincayd -t: a role a commune's routing names with no contact of that
    commune nor of the city is warned of, naming the commune.
"""

import csv
import html
import io
import json
import os
import re

import harness
from harness import REF_RE, case, check, eq, fold

CITY_NUMBER = "8088"
COMMUNES = (("TINHCHAU", "Xã Tịnh Châu", "+84900000101"),
    ("TINHAN", "Xã Tịnh Ấn", "+84900000102"),
    ("NGHIAHA", "Xã Nghĩa Hà", None))
CODES = [code for code, _, _ in COMMUNES]
NAME = {code: name for code, name, _ in COMMUNES}
NUMBER = {code: number for code, _, number in COMMUNES if number}


def hamlets():
	return [{"code": "T%d" % i, "name": "Thôn %d" % i,
	    "aliases": ["thon %d" % i]} for i in range(1, 5)]


def city():
	communes = []
	for code, name, number in COMMUNES:
		c = {"code": code, "name": name, "areas": hamlets(),
		    "routing": {"gbv": ["police", "city_police"],
		    "shelter": ["volunteer"], "unknown": []},
		    "escalation": {"gbv": {"after_s": 600, "to": ["leader"]}},
		    "officials": ["official"]}
		if number:
			c["numbers"] = [number]
		communes.append(c)
	return {"areas": hamlets(), "officials": ["city_official"],
	    "routing": {"gbv": ["city_police"], "shelter": ["city_police"],
	    "unknown": []},
	    "escalation": {"gbv": {"after_s": 600, "to": ["city_police"]},
	    "shelter": {"after_s": 900, "to": ["city_police"]}},
	    "communes": communes}


CITY = city()

# name, phone, role, commune
BOOK = [("%s %s" % (code, role), "09%d%d0000%02d" % (k, j, j), role, code)
    for k, code in enumerate(CODES, 1)
    for j, role in enumerate(("police", "volunteer", "leader",
    "official"), 1)] + [
    ("city police", "0990000001", "city_police", "*"),
    ("city official", "0990000002", "city_official", "*")]
PHONE = {name: phone for name, phone, _, _ in BOOK}

_ids = iter(range(1, 1 << 30))
_people = iter(range(1, 1 << 30))


def import_book(d, book=BOOK):
	path = os.path.join(d.tmpdir, "city.csv")
	with open(path, "w", encoding="utf-8") as f:
		f.write("name,phone,role,areas,channel,url,pin,commune\n")
		for name, phone, role, commune in book:
			f.write("%s,%s,%s,*,sms,,,%s\n" % (name, phone, role,
			    commune))
	d.ctl("contacts", "import", path)


def sms(d, frm, text, to=CITY_NUMBER):
	return d.sms("cs-%d" % next(_ids), frm, text, to=to)


def resident():
	return "0987%06d" % next(_people)


def report(d, text, to=CITY_NUMBER):
	res = sms(d, resident(), text, to)
	ref = res.get("ref")
	check(ref and REF_RE.match(ref), "%r to %s filed no report: %r" % (
	    text, to, res))
	return ref


# gbv this month: TINHCHAU 3 (T1, T3, T3), TINHAN 1 (T3), NGHIAHA 4 (T2),
# and one whose commune nobody told (*).
SEED = {"TINHCHAU": 3, "TINHAN": 1, "NGHIAHA": 4, "*": 1}


def seed(d):
	"""The reports of SEED, filed by SMS as residents send them; REF ->
	commune, checked against reports list --json."""
	want = {}
	for text in ("BL thon 1", "BL thon 3", "BL thon 3"):
		want[report(d, text, NUMBER["TINHCHAU"])] = "TINHCHAU"
	want[report(d, "BL thon 3", NUMBER["TINHAN"])] = "TINHAN"
	for _ in range(4):
		want[report(d, "BL Nghia Ha thon 2")] = "NGHIAHA"
	want[report(d, "BL thon 2")] = "*"
	got = {r["ref"]: r.get("commune") for r in d.reports()}
	eq(got, want, "the seeded reports' communes (reports list --json)")
	return want


def up(d, book=BOOK):
	d.start()
	if book:
		import_book(d, book)


def stats_json(d, *args):
	p = d.ctl("stats", "--format", "json", *args)
	return json.loads(p.stdout)


def stderr_of(p):
	return (p.stderr or b"").decode("utf-8", "replace").strip()


# ---------------------------------------------------------------- TK

TK_RE = re.compile(r"^TK (\S+)(?: (\S+))?(?: (\S+))?: BL (\S+) TC (\S+) "
    r"DK (\S+) HUY (\S+); mo (\S+) xong (\S+)$")


def tk(d, who, text, to=CITY_NUMBER):
	reply = sms(d, PHONE[who], text, to).get("reply") or ""
	m = TK_RE.match(reply)
	check(m, "%r from %s: not a TK answer: %r" % (text, who, reply))
	return reply, m.group(4)


@case(CITY, start=False)
def test_communes_stats_tk(d):
	"""TK: a commune's official gets its commune's counts whatever number
	it texts; the city official the city, or the commune it names (code
	or name, anywhere); a commune's official naming another commune gets
	what a stranger gets."""
	up(d)
	seed(d)
	for who, to, n in (("TINHCHAU official", CITY_NUMBER, "3"),
	    ("TINHCHAU official", NUMBER["TINHAN"], "3"),
	    ("TINHAN official", NUMBER["TINHCHAU"], "1"),
	    ("NGHIAHA official", CITY_NUMBER, "4")):
		reply, bl = tk(d, who, "TK", to)
		eq(bl, n, "BL of %r from %s to %s" % (reply, who, to))
		check(who.split()[0] in reply, "%r does not name the commune "
		    "it counts" % reply)
	reply, bl = tk(d, "city official", "TK")
	eq(bl, "9", "BL of the city official's TK: %r" % reply)
	for text, n in (("TK THANG TINHCHAU", "3"), ("TK Tịnh Ấn THANG", "1"),
	    ("tk thang nghia ha", "4")):
		reply, bl = tk(d, "city official", text)
		eq(bl, n, "BL of %r from the city official: %r" % (text, reply))
	# A hamlet: of the commune named, its small counts hidden.
	reply, bl = tk(d, "city official", "TK THANG TINHCHAU thon 3")
	check(" TINHCHAU T3:" in reply and bl in ("<3", "*"), "TK THANG "
	    "TINHCHAU thon 3: %r" % reply)
	# Another commune's counts: never, whatever number.
	for text, to in (("TK THANG TINHAN", CITY_NUMBER),
	    ("TK NGHIAHA", NUMBER["TINHCHAU"])):
		plain = sms(d, resident(), text, to)
		got = sms(d, PHONE["TINHCHAU official"], text, to)
		eq(got, plain, "%r from TINHCHAU's official to %s: a stranger's "
		    "answer" % (text, to))


# ---------------------------------------------------------------- stats

@case(CITY, start=False)
def test_communes_stats_city_json(d):
	"""The city's report: by_commune holds every commune (0 too) and *,
	the hamlets are COMMUNE.AREA, rows name their commune, each commune
	has its medians (an acknowledged report's is a number, none null)."""
	up(d)
	refs = seed(d)
	mine = [r for r, c in refs.items() if c == "TINHCHAU"][0]
	sms(d, PHONE["TINHCHAU police"], "NHAN %s" % mine)
	eq(the(d, mine)["status"], "acknowledged", "NHAN %s" % mine)
	j = stats_json(d)
	eq(j["reports"], 9, "stats: the city's reports")
	eq(j["by_commune"], SEED, "stats: by_commune")
	eq(j["by_area"], {"TINHCHAU.T1": 1, "TINHCHAU.T3": 2, "TINHAN.T3": 1,
	    "NGHIAHA.T2": 4, "*.T2": 1}, "stats: by_area of the city")
	eq(sorted((r["commune"], r["area"], r["status"], r["count"]) for r in
	    j["rows"]), [("*", "T2", "open", 1), ("NGHIAHA", "T2", "open", 4),
	    ("TINHAN", "T3", "open", 1), ("TINHCHAU", "T1", "acknowledged",
	    1), ("TINHCHAU", "T3", "open", 2)], "stats: rows (commune, area, "
	    "status, count)")
	m = j["medians_by_commune"]
	eq(sorted(m), sorted(SEED), "medians_by_commune's communes")
	check(isinstance(m["TINHCHAU"]["median_ack_s"], (int, float)) and
	    m["TINHCHAU"]["median_ack_s"] >= 0, "TINHCHAU's median time to "
	    "acknowledge: %r" % m["TINHCHAU"])
	eq(m["TINHAN"], {"median_ack_s": None, "median_close_s": None},
	    "TINHAN's medians (nothing acknowledged)")
	# Only one commune reported: the others are there with 0.
	j = stats_json(d, "--from", "2020-01-01", "--to", "2020-01-31")
	eq(j["by_commune"], {c: 0 for c in CODES + ["*"]}, "by_commune of "
	    "a month without reports")


@case(CITY, start=False)
def test_communes_stats_one_commune(d):
	"""stats --commune CODE: that commune's reports and hamlets only, in
	text, csv, json and html; hamlets of the same code in other communes
	are not counted; an unknown code is named with the configured ones."""
	up(d)
	seed(d)
	j = stats_json(d, "--commune", "tinhchau")
	eq(j["reports"], 3, "stats --commune TINHCHAU: reports")
	eq(j.get("commune"), "TINHCHAU", "stats --commune: commune")
	eq(j["by_area"], {"T1": 1, "T3": 2}, "stats --commune TINHCHAU: "
	    "by_area")
	check("by_commune" not in j, "a commune's report has by_commune")
	j = stats_json(d, "--commune", "TINHAN")
	eq(j["by_area"], {"T3": 1}, "stats --commune TINHAN: by_area (T3 is "
	    "its own, not TINHCHAU's)")
	j = stats_json(d, "--commune", "*")
	eq(j["reports"], 1, "stats --commune '*': the reports nobody placed")
	rows = list(csv.reader(io.StringIO(d.ctl("stats", "--format", "csv",
	    "--commune", "NGHIAHA").stdout.decode())))
	eq(rows[0], ["area", "category", "status", "count"], "csv header")
	eq(rows[1:], [["T2", "gbv", "open", "4"]], "csv rows of NGHIAHA")
	text = d.ctl("stats", "--commune", "TINHCHAU").stdout.decode()
	check("commune TINHCHAU: Xã Tịnh Châu" in text, "text names the "
	    "commune: %r" % text[:300])
	check(re.search(r"^T3\s+gbv\s+2\s", text, re.M), "text: T3's line: "
	    "%r" % text)
	page = d.ctl("stats", "--format", "html", "--commune",
	    "TINHCHAU").stdout.decode()
	check("Thôn 3 (T3)" in page and html.escape("Xã Tịnh Châu") in page,
	    "html --commune TINHCHAU names its hamlets and itself")
	check("theo xã" not in page, "a commune's page has a table by commune")
	for args in (("--commune", "NOSUCH"), ("--commune", "")):
		p = d.ctl("stats", *args, ok=False)
		eq(p.returncode, 1, "stats %s: exit" % " ".join(args))
		for code in CODES:
			check(code in stderr_of(p), "stats %s: the error does "
			    "not name %s: %r" % (" ".join(args), code,
			    stderr_of(p)))


@case(CITY, start=False)
def test_communes_stats_city_text_csv_html(d):
	"""The city's report in text (a table by commune, every commune and
	*), csv (rows with commune; --table commune; medians by commune) and
	html (a table and an SVG chart by commune, hamlets with their
	commune)."""
	up(d)
	seed(d)
	text = d.ctl("stats").stdout.decode()
	for code, n in SEED.items():
		check(re.search(r"^%s\s+%d\s" % (re.escape(code), n), text,
		    re.M), "text: no line %s %d in the table by commune: %r" %
		    (code, n, text))
	check(re.search(r"^TINHCHAU\.T3\s+gbv\s+2\s", text, re.M), "text: "
	    "TINHCHAU.T3's line: %r" % text)
	rows = list(csv.reader(io.StringIO(d.ctl("stats", "--format",
	    "csv").stdout.decode())))
	eq(rows[0], ["commune", "area", "category", "status", "count"],
	    "csv header of the city")
	eq(sum(int(r[4]) for r in rows[1:] if r[2] == "gbv"), 9, "csv rows")
	rows = list(csv.reader(io.StringIO(d.ctl("stats", "--format", "csv",
	    "--table", "commune").stdout.decode())))
	eq(rows, [["commune", "count"]] + [[c, str(SEED[c])] for c in
	    CODES + ["*"]], "csv --table commune")
	rows = list(csv.reader(io.StringIO(d.ctl("stats", "--format", "csv",
	    "--table", "medians").stdout.decode())))
	eq(rows[0], ["commune", "span", "median_s", "reports"], "csv "
	    "medians header")
	eq([r[0] for r in rows[1:]], ["all", "all"] + [c for c in CODES +
	    ["*"] for _ in (0, 1)], "csv medians: the city's, then each "
	    "commune's")
	page = d.ctl("stats", "--format", "html").stdout.decode()
	titles = re.findall(r"<svg.*?<title>(.*?)</title>", page, re.S)
	check(any(re.search(r"\bxa\b", fold(html.unescape(t))) for t in
	    titles), "html: no chart by commune among %r" % titles)
	for code in CODES:
		check(html.escape(NAME[code]) in page, "html does not name %s"
		    % code)
	check(html.escape("Xã Tịnh Châu · Thôn 3 (TINHCHAU.T3)") in page,
	    "html: a hamlet named with its commune")
	check(html.escape("Chưa rõ xã") in page, "html: * as no commune yet")


@case(CITY, start=False)
def test_communes_stats_suppression_across_communes(d):
	"""--suppress 3: TINHAN's one report is "<3", and enough other
	communes are hidden with it that the city's total less the shown
	communes never gives it back; every format agrees."""
	up(d)
	seed(d)
	j = stats_json(d, "--suppress", "3")
	eq(j["reports"], 9, "the city's total is shown")
	by = j["by_commune"]
	eq(by["TINHAN"], "<3", "TINHAN's 1 report under --suppress 3")
	hidden = [c for c, v in by.items() if not isinstance(v, int)]
	check(len(hidden) >= 2 and sum(SEED[c] for c in hidden) >= 3,
	    "hidden communes %r: the total less the others gives TINHAN "
	    "back (%r)" % (hidden, by))
	shown = sum(v for v in by.values() if isinstance(v, int))
	check(j["reports"] - shown != SEED["TINHAN"], "total - shown = "
	    "TINHAN's count: %r" % by)
	# A commune's medians of 1 or 2 reports are hidden too.
	eq(j["medians_by_commune"]["TINHAN"], {"median_ack_s": None,
	    "median_close_s": None}, "TINHAN's medians")
	rows = list(csv.reader(io.StringIO(d.ctl("stats", "--format", "csv",
	    "--table", "commune", "--suppress", "3").stdout.decode())))
	eq({r[0]: r[1] for r in rows[1:]}, {c: v if isinstance(v, str) else
	    str(v) for c, v in by.items()}, "csv --table commune agrees")
	text = d.ctl("stats", "--suppress", "3").stdout.decode()
	check(re.search(r"^TINHAN\s+<3\s", text, re.M), "text: TINHAN <3")


@case(CITY, start=False)
def test_communes_stats_dates_from_reports(d):
	"""Counted from the reports (a period that is not whole days in the
	daemon's counts: here, the daemon never ran in this zone), a city's
	and a commune's figures are the same as from the per-day counts."""
	up(d)
	seed(d)
	before = stats_json(d)
	one = stats_json(d, "--commune", "TINHCHAU")
	d.stop()
	d.sql("UPDATE meta SET %s = %s + 3600 WHERE key = 'day_offset'" % ((
	    "num",) * 2 if harness.ENGINE == "pg" else ("value",) * 2))
	after = stats_json(d)
	for k in ("reports", "by_commune", "by_area", "by_status"):
		eq(after[k], before[k], "%s counted from the reports" % k)
	eq(stats_json(d, "--commune", "TINHCHAU")["by_area"], one["by_area"],
	    "TINHCHAU's by_area counted from the reports")


@case(start=False)
def test_communes_stats_none_unchanged(d):
	"""A config without communes: stats has no by_commune nor commune in
	its rows; a report's --json row says commune "" (SPEC §11), its text
	listing has no commune column; --commune is refused (the config has
	none)."""
	d.start()
	sms(d, resident(), "BL thon 1")
	j = stats_json(d)
	check("by_commune" not in j and "medians_by_commune" not in j and
	    "commune" not in j, "stats of a config without communes: %r" %
	    sorted(j))
	check(all("commune" not in r for r in j["rows"]), "rows: commune")
	eq(d.reports()[0].get("commune"), "", "reports list --json of a "
	    "config without communes: commune")
	text = d.ctl("reports", "list").stdout.decode()
	check(re.match(r"ref\s+category\s+area\s+status\s", text), "reports "
	    "list of a config without communes: %r" % text[:200])
	p = d.ctl("stats", "--commune", "X", ok=False)
	eq(p.returncode, 1, "stats --commune without communes")
	check("no communes" in stderr_of(p), stderr_of(p))


# ---------------------------------------------------------------- listings

@case(CITY, start=False)
def test_communes_ctl_listings(d):
	"""--commune on reports list (with --status), reports show, messages
	list, outbox list, inbox and contacts list; rows carry the commune;
	reports close --commune refuses another commune's report; inbox file
	files into the commune the text was for."""
	up(d)
	refs = seed(d)
	mine = sorted(r for r, c in refs.items() if c == "TINHCHAU")
	rows = d.ctl_json("reports", "list", "--commune", "TINHCHAU")
	eq(sorted(r["ref"] for r in rows), mine, "reports list --commune")
	eq({r["commune"] for r in rows}, {"TINHCHAU"}, "their communes")
	eq(d.ctl_json("reports", "list", "--commune", "TINHCHAU", "--status",
	    "closed"), [], "reports list --commune --status closed")
	eq([r["ref"] for r in d.ctl_json("reports", "list", "--commune",
	    "*")], [r for r, c in refs.items() if c == "*"], "--commune *")
	other = [r for r, c in refs.items() if c == "TINHAN"][0]
	p = d.ctl("reports", "show", other, "--commune", "TINHCHAU", ok=False)
	eq(p.returncode, 1, "reports show of another commune's report")
	eq(d.ctl_json("reports", "show", other, "--commune", "TINHAN")[
	    "commune"], "TINHAN", "reports show --commune TINHAN")
	p = d.ctl("reports", "close", other, "NU", "--commune", "TINHCHAU",
	    ok=False)
	eq(p.returncode, 1, "reports close of another commune's report")
	eq(the(d, other)["status"], "open", "TINHAN's report after a "
	    "refused close")
	d.ctl("reports", "close", other, "NU", "30", "--commune", "TINHAN")
	eq(the(d, other)["status"], "closed", "closed with --commune TINHAN")
	# The outbox rows about a commune's reports only.
	outbox = d.outbox()
	want = sorted(o["id"] for o in outbox if o.get("ref") in mine)
	check(want, "no outbox rows about TINHCHAU's reports")
	eq(sorted(o["id"] for o in d.ctl_json("outbox", "list", "--commune",
	    "TINHCHAU")), want, "outbox list --commune TINHCHAU")
	msgs = d.ctl_json("messages", "list", "--commune", "NGHIAHA")
	eq(len(msgs), 4, "messages list --commune NGHIAHA")
	eq({m["commune"] for m in msgs}, {"NGHIAHA"}, "their communes")
	# The review list: a text to TINHAN's number is TINHAN's.
	sms(d, resident(), "xin chao", to=NUMBER["TINHAN"])
	sms(d, resident(), "alo alo")
	inbox = d.ctl_json("inbox", "--commune", "TINHAN")
	eq([m["text"] for m in inbox], ["xin chao"], "inbox --commune TINHAN")
	eq(inbox[0]["commune"], "TINHAN", "inbox row's commune")
	out = d.ctl("inbox", "file", str(inbox[0]["id"]), "gbv", "T4")
	check(b", area T4 (commune TINHAN);" in out.stdout, out.stdout)
	filed = [r for r in d.reports() if r["ref"] not in refs]
	eq([(r["commune"], r["area"]) for r in filed], [("TINHAN", "T4")],
	    "inbox file of a TINHAN text")
	# The city's: the text of no commune, and the report nobody placed
	# (it waits for review until its commune is told, SPEC §11).
	unplaced = d.ctl_json("inbox", "--commune", "*")
	eq([m["text"] for m in unplaced], ["BL thon 2", "alo alo"],
	    "inbox --commune *")
	d.ctl("inbox", "file", str(unplaced[1]["id"]), "gbv", "T1",
	    "--commune", "NGHIAHA")
	eq(len(d.ctl_json("reports", "list", "--commune", "NGHIAHA")), 5,
	    "inbox file --commune NGHIAHA")
	# Contacts: a commune's, with the city's; each row its commune.
	rows = d.ctl_json("contacts", "list", "--commune", "TINHAN")
	eq(sorted(r["name"] for r in rows), sorted(n for n, _, _, c in BOOK
	    if c in ("TINHAN", "*")), "contacts list --commune TINHAN")
	eq({r["name"]: r["commune"] for r in d.contacts()}, {n: c for n, _,
	    _, c in BOOK}, "contacts list: each contact's commune")
	text = d.ctl("contacts", "list").stdout.decode()
	check(re.search(r"^name\s+phone\s+role\s+areas\s+commune\s", text),
	    "contacts list (text) has no commune column: %r" % text[:200])
	for args in (("reports", "list"), ("reports", "show", mine[0]),
	    ("messages", "list"), ("outbox", "list"), ("inbox",),
	    ("contacts", "list")):
		p = d.ctl(*(args + ("--commune", "NOSUCH")), ok=False)
		eq(p.returncode, 1, "%s --commune NOSUCH: exit" % " ".join(args))
		check("NOSUCH" in stderr_of(p) and "TINHCHAU, TINHAN, NGHIAHA"
		    in stderr_of(p), "%s --commune NOSUCH: %r" % (
		    " ".join(args), stderr_of(p)))
	p = d.ctl("contacts", "add", "--name", "X", "--phone", "0911999999",
	    "--role", "police", "--commune", "NOSUCH", ok=False)
	check(p.returncode == 1 and "NOSUCH" in stderr_of(p) and
	    "TINHCHAU, TINHAN, NGHIAHA" in stderr_of(p), "contacts add "
	    "--commune NOSUCH: %r" % stderr_of(p))


def the(d, ref):
	for r in d.reports():
		if r["ref"] == ref:
			return r
	raise AssertionError("no report %s" % ref)


# ---------------------------------------------------------------- tincayd -t

@case(CITY, start=False)
def test_communes_check_contacts_per_commune(d):
	"""tincayd -t: a role a commune's routing names with no contact of
	that commune nor of the city is warned of, naming the commune; a
	city-level contact covers every commune; a city role without a
	city-level contact is warned of; a full book is not."""
	up(d, book=[b for b in BOOK if b[3] != "TINHAN" or b[2] != "police"
	    and b[2] != "volunteer"])
	d.stop()
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	err = stderr_of(p)
	eq(p.returncode, 0, "tincayd -t exit: %s" % err[-400:])
	check(re.search(r"commune TINHAN: role police: no contact", err),
	    "no warning for TINHAN's police: %r" % err)
	check(re.search(r"commune TINHAN: role volunteer: no contact", err),
	    "no warning for TINHAN's volunteer: %r" % err)
	check("commune TINHCHAU" not in err and "commune NGHIAHA" not in err,
	    "a warning for a commune with its contacts: %r" % err)
	# The city's police (a city-level contact) serves every commune:
	# it is not warned of anywhere.
	check("city_police" not in err, "city_police warned of: %r" % err)
	# Without city-level contacts, the city's roles are.
	d.ctl("contacts", "remove", PHONE["city police"])
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	err = stderr_of(p)
	check(re.search(r"the city's role city_police: no city-level "
	    r"contact", err), "no warning for the city's city_police: %r" %
	    err)
	check(re.search(r"commune TINHCHAU: role city_police: no contact",
	    err), "TINHCHAU's routing names city_police: %r" % err)
	import_book(d)
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	check("no contact" not in stderr_of(p), "a full book warned of: %r" %
	    stderr_of(p))
