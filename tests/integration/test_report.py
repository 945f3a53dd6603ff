"""
test_report.py: the report to the city (SPEC §6a, §7): reports filed and
closed through the daemon with sex, age and outcome (XONG REF NU 30 CA),
then tincayctl stats: by_sex, by_age, by_outcome, by_month, the median
times to acknowledge and to close, --suppress K, csv --table, the text
lines, and --format html as one self-contained page with its charts.
"""

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from harness import case, check, eq

VN = timezone(timedelta(hours=7))	# Asia/Ho_Chi_Minh

LEADER = "0905000002"			# an official: may NHAN/XONG any report
CONTACTS = [
	("Chu tich", LEADER, "leader", "*", "sms"),
	("Cong an", "0905000003", "police", "*", "sms"),
	("Tram y te", "0905000004", "health", "*", "sms"),
	("Tinh nguyen", "0905000005", "volunteer", "*", "sms"),
]

# Markup in the names the page shows: it must come out as text.
ODD = {
	"commune": "Xã <Thử> & \"Nghiệm\"",
	"areas": [{"code": "T%d" % i, "name": "Thôn %d" % i,
	    "aliases": ["thon %d" % i]} for i in range(1, 4)] + [
	    {"code": "T9", "name": "<b>Bãi</b>", "aliases": ["bai"]}],
}

# name: (text filed, what the official sends after it, seconds to the
# first NHAN/XONG, seconds to XONG) — the times are set afterwards.
CASES = [
	("r1", "BL thon 1", ["XONG %s NU 30 CA"], 60, 3600),
	("r2", "BL thon 1", ["NHAN %s", "XONG %s nam 15 yt ca"], 120, 7200),
	("r3", "BL thon 3", ["XONG %s Nữ 70 YT"], 300, 1800),
	("r4", "TC thon 2", ["NHAN %s"], 600, None),
	("r5", "SOS", [], None, None),
	("r6", "BL thon 2", ["XONG %s NHAM"], 30, 100),
]


def file_cases(d):
	"""File and close CASES through the daemon; REF of each name."""
	d.import_contacts(CONTACTS)
	refs = {}
	for i, (name, text, acts, _, _) in enumerate(CASES):
		res = d.sms("c-%s" % name, "09871000%02d" % i, text)
		check(res.get("ref"), "no REF for %r" % text)
		refs[name] = res["ref"]
		for j, act in enumerate(acts):
			d.sms("c-%s-%d" % (name, j), LEADER, act % res["ref"])
	st = {r["ref"]: r for r in d.reports()}
	eq([st[refs[n]]["status"] for n, *_ in CASES], ["closed", "closed",
	    "closed", "acknowledged", "open", "cancelled"], "statuses")
	eq(d.sql("SELECT outcome, victim_sex, victim_age FROM reports "
	    "WHERE ref = ?", refs["r2"]), [("YT CA", "m", 15)], "r2 as closed")
	return refs


def stamps(d, refs):
	"""The daemon stamped acked_at at the first NHAN or XONG; then set
	every span to the CASES' seconds, for exact medians."""
	got = {}
	for name, _, _, ack, close in CASES:
		got[name] = d.sql("SELECT acked_at, closed_at, updated_at "
		    "FROM reports WHERE ref = ?", refs[name])[0]
	eq(got["r5"][:2], (None, None), "open report's stamps")
	eq(got["r4"][1], None, "acknowledged report closed_at")
	check(got["r4"][0], "NHAN stamped no acked_at")
	for name in ("r1", "r3", "r6"):		# XONG without NHAN
		eq(got[name][0], got[name][1], "%s acked_at = closed_at" % name)
	check(got["r2"][0] <= got["r2"][1], "r2 acked after closed")
	d.sql_many("UPDATE reports SET acked_at = created_at + ?, closed_at = "
	    "created_at + ? WHERE ref = ?", [(ack, close, refs[name])
	    for name, _, _, ack, close in CASES])


def this_month():
	now = datetime.now(VN)
	return "%04d-%02d" % (now.year, now.month)


def stats(d, *args):
	return d.ctl("stats", *args).stdout.decode()


@case(overrides=ODD)
def test_report_json(d):
	refs = file_cases(d)
	stamps(d, refs)
	j = json.loads(stats(d, "--format", "json"))
	eq(j["reports"], 6, "reports")
	eq(j["by_sex"], {"f": 2, "m": 1, "unknown": 3}, "by_sex")
	eq(j["by_age"], {"0-17": 1, "18-59": 1, "60+": 1, "unknown": 3},
	    "by_age")
	eq(j["by_outcome"], {"CA": 2, "YT": 2, "TL": 0, "PL": 0, "HG": 0,
	    "KHAC": 0, "unknown": 3}, "by_outcome")
	eq(j["by_month"], {this_month(): 6}, "by_month")
	eq(j["median_ack_s"], 120, "median_ack_s (30 60 120 300 600)")
	eq(j["median_close_s"], 2700, "median_close_s (100 1800 3600 7200)")
	eq(j["by_area"], {"T1": 2, "T2": 2, "T3": 1, "unknown": 1}, "by_area")
	eq(j["by_status"], {"open": 1, "acknowledged": 1, "closed": 3,
	    "cancelled": 1}, "by_status")

	# A period with nothing: zeros, and no medians.
	j = json.loads(stats(d, "--from", "2020-01-01", "--to", "2020-03-31",
	    "--format", "json"))
	eq(j["by_sex"], {"f": 0, "m": 0, "unknown": 0}, "empty by_sex")
	eq(j["by_month"], {"2020-01": 0, "2020-02": 0, "2020-03": 0},
	    "empty by_month")
	eq((j["median_ack_s"], j["median_close_s"]), (None, None),
	    "empty medians")


@case(overrides=ODD)
def test_report_suppress(d):
	refs = file_cases(d)
	stamps(d, refs)
	j = json.loads(stats(d, "--format", "json", "--suppress", "3"))
	eq(j["reports"], 6, "reports over K")
	eq(j["by_sex"], {"f": "<3", "m": "<3", "unknown": 3}, "by_sex")
	eq(j["by_age"], {"0-17": "<3", "18-59": "<3", "60+": "<3",
	    "unknown": 3}, "by_age")
	eq(j["by_outcome"], {"CA": "<3", "YT": "<3", "TL": 0, "PL": 0,
	    "HG": 0, "KHAC": 0, "unknown": 3}, "by_outcome")
	eq(j["by_area"], {"T1": "<3", "T2": "<3", "T3": "<3",
	    "unknown": "<3"}, "by_area")
	check(all(r["count"] == "<3" for r in j["rows"]), "rows: %r" %
	    j["rows"])
	eq(j["median_ack_s"], 120, "medians stay")
	# --suppress 1: nothing below 1, exact.
	j1 = json.loads(stats(d, "--format", "json", "--suppress", "1"))
	eq(j1["by_sex"], {"f": 2, "m": 1, "unknown": 3}, "--suppress 1")
	for bad in ("0", "x", "-2", "", "1001"):
		p = d.ctl("stats", "--suppress", bad, ok=False)
		eq(p.returncode, 1, "--suppress %r: exit code" % bad)
		check(p.stderr.strip(), "--suppress %r: no message" % bad)

	text = stats(d, "--suppress", "3")
	check(re.search(r"^sex: f <3, m <3, unknown 3$", text, re.M),
	    "text sex line: %r" % text)
	# Closed 3 is hidden with the others: open and cancelled "<3" of 5
	# gbv and 3 closed would give them back (1 each).
	check(re.search(r"^all\s+all\s+<3\s+<3\s+\*\s+<3\s+6$", text, re.M),
	    "text total line: %r" % text)
	check(re.search(r"^all\s+gbv\s+<3\s+0\s+\*\s+<3\s+\*$", text, re.M),
	    "text gbv line: %r" % text)


@case(overrides=ODD)
def test_report_text_csv(d):
	refs = file_cases(d)
	stamps(d, refs)
	text = stats(d)
	for line in (r"^month: %s 6$" % this_month(),
	    r"^sex: f 2, m 1, unknown 3$",
	    r"^age: 0-17 1, 18-59 1, 60\+ 1, unknown 3$",
	    r"^outcome: CA 2, YT 2, TL 0, PL 0, HG 0, KHAC 0, unknown 3$",
	    r"^median time to acknowledge: 2 min 0 s \(120 s, 5 reports\)$",
	    r"^median time to close: 45 min 0 s \(2700 s, 4 reports\)$",
	    r"^made \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Ho_Chi_Minh\)$",
	    r"^all\s+all\s+1\s+1\s+3\s+1\s+6$"):
		check(re.search(line, text, re.M), "text has no %s: %r" %
		    (line, text))
	check(not re.search(r"\b1[6-9]\d{8}\b", text), "epoch seconds in "
	    "text: %r" % text)

	def table(name):
		return list(csv.reader(io.StringIO(stats(d, "--format", "csv",
		    "--table", name))))
	eq(table("sex"), [["sex", "count"], ["f", "2"], ["m", "1"],
	    ["unknown", "3"]], "csv sex")
	eq(table("age")[0], ["age", "count"], "csv age header")
	eq(table("outcome")[1:3], [["CA", "2"], ["YT", "2"]], "csv outcome")
	eq(table("month"), [["month", "count"], [this_month(), "6"]],
	    "csv month")
	eq(table("medians"), [["span", "median_s", "reports"],
	    ["acknowledge", "120", "5"], ["close", "2700", "4"]],
	    "csv medians")
	eq(table("rows"), list(csv.reader(io.StringIO(stats(d, "--format",
	    "csv")))), "csv rows is the default")
	for args in (["--table", "nope", "--format", "csv"],
	    ["--table", "sex"], ["--table", "sex", "--format", "json"]):
		p = d.ctl("stats", *args, ok=False)
		eq(p.returncode, 1, "stats %s: exit code" % " ".join(args))


class Page(HTMLParser):
	"""Every tag with its attributes, the text, and what the page would
	fetch from elsewhere."""

	def __init__(self):
		super().__init__(convert_charrefs=True)
		self.tags = []
		self.text = []
		self.outside = []
		self.svg_titles = []
		self._in_svg_title = False

	def handle_starttag(self, tag, attrs):
		self.tags.append(tag)
		for k, v in attrs:
			if k in ("src", "href", "srcset", "data", "xlink:href",
			    "action", "poster") and not (v or "").startswith("#"):
				self.outside.append((tag, k, v))
		if tag in ("script", "link", "img", "iframe", "object",
		    "embed", "base"):
			self.outside.append((tag, None, None))
		if tag == "title" and "svg" in self.tags:
			self._in_svg_title = True

	def handle_startendtag(self, tag, attrs):
		self.handle_starttag(tag, attrs)

	def handle_endtag(self, tag):
		self._in_svg_title = False

	def handle_data(self, data):
		self.text.append(data)
		if self._in_svg_title:
			self.svg_titles.append(data)


@case(overrides=ODD)
def test_report_html(d):
	refs = file_cases(d)
	stamps(d, refs)
	raw = stats(d, "--format", "html", "--suppress", "3")
	check(raw.startswith("<!DOCTYPE html>"), "no doctype: %r" % raw[:80])
	p = Page()
	p.feed(raw)
	p.close()
	eq(p.outside, [], "the page fetches from elsewhere")
	for bad in ("http://", "https://", "url(", "@import", "file:"):
		check(bad not in raw, "%r in the page" % bad)
	eq(p.tags.count("svg"), 4, "charts")
	titles = " | ".join(p.svg_titles)
	for want in ("tháng", "thôn", "giới tính", "độ tuổi"):
		check(want in titles.lower(), "no chart by %s: %r" % (want,
		    titles))
	text = "".join(p.text)
	# Escaped markup comes back as the names themselves, and never as
	# tags of the page.
	check("Xã <Thử> & \"Nghiệm\"" in text, "commune name: %r" % text[:300])
	check("<b>Bãi</b> (T9)" in text, "area name as text")
	check("<Thử>" not in raw and "<b>Bãi" not in raw, "unescaped markup")
	check("b" not in p.tags, "a name became a tag")
	# Figures, suppressed: 6 reports, hamlets "<3", medians in words.
	check("Thôn 1 (T1)<3" in text, "T1 row: %r" % text)
	check("2 phút 0 giây" in text, "median to acknowledge in words")
	check("45 phút 0 giây" in text, "median to close in words")
	check("“<3”" in text, "no note on suppressed counts")
	frm, to = datetime.now(VN).replace(day=1), datetime.now(VN)
	check("từ ngày %s" % frm.strftime("%d/%m/%Y") in text,
	    "period in local dates: %r" % text[:400])
	check(re.search(r"lập lúc \d{4}-\d\d-\d\d \d\d:\d\d", text),
	    "when made")
	# No bar gives a suppressed count away: in each chart, every "<3"
	# bar is as long as the others.
	for svg in raw.split("<svg")[1:]:
		widths = re.findall(r'width="(\d+)" height="\d+" class="b m"',
		    svg)
		check(len(set(widths)) <= 1, "suppressed bars: %r" % widths)
	check("class=\"b m\"" in raw, "no suppressed bar drawn")


def test_listing_times_local(d):
	"""Text listings show times as local YYYY-MM-DD HH:MM (SPEC §7)."""
	d.import_contacts(CONTACTS)
	ref = d.sms("t-1", "0987100001", "BL thon 1")["ref"]
	d.sms("t-2", LEADER, "XONG %s" % ref)
	t, = [r["created_at"] for r in d.reports() if r["ref"] == ref]
	want = datetime.fromtimestamp(t, VN).strftime("%Y-%m-%d %H:%M")
	for args in (["reports", "list"], ["messages", "list"],
	    ["reports", "show", ref]):
		out = d.ctl(*args).stdout.decode()
		check(want in out, "%s: no %s in %r" % (" ".join(args), want,
		    out))
		check(not re.search(r"\b1[6-9]\d{8}\b", out), "%s: epoch "
		    "seconds in %r" % (" ".join(args), out))


@case()
def test_report_complementary_suppression(d):
	"""SPEC §6, §7: under --suppress, a small count is never the only one
	hidden in its table (area, sex, age, outcome, and the rows): the next
	smallest reads "*" until the hidden ones are two and hold at least K,
	so no subtraction from the exact totals gives one back."""
	d.import_contacts(CONTACTS)
	n = 0
	for area, count, codes in ((1, 5, "nam 40 YT"), (2, 7, None),
	    (3, 2, "nu 30 CA")):
		for i in range(count):
			n += 1
			ref = d.sms("cx-%d" % n, "09882%05d" % n, "BL thon %d" %
			    area)["ref"]
			if codes:
				d.sms("cx-x%d" % n, LEADER, "XONG %s %s" % (ref,
				    codes))
	j = json.loads(stats(d, "--format", "json", "--suppress", "3"))
	eq(j["reports"], 14, "the total, exact")
	eq(j["by_area"], {"T1": "*", "T2": 7, "T3": "<3"}, "by_area")
	eq(j["by_sex"], {"f": "<3", "m": "*", "unknown": 7}, "by_sex")
	eq(j["by_age"], {"0-17": 0, "18-59": 7, "60+": 0, "unknown": 7},
	    "by_age: nothing small")
	eq(j["by_outcome"]["CA"], "<3", "by_outcome CA")
	eq(j["by_outcome"]["YT"], "*", "by_outcome YT, its complement")
	rows = {(r["area"], r["status"]): r["count"] for r in j["rows"]}
	eq(rows, {("T1", "closed"): "*", ("T2", "open"): 7,
	    ("T3", "closed"): "<3"}, "rows")
	# No table leaves one hidden count for a subtraction to give back.
	for name in ("by_area", "by_sex", "by_age", "by_outcome"):
		hidden = [k for k, v in j[name].items() if isinstance(v, str)]
		check(len(hidden) != 1, "%s: one hidden: %r" % (name, j[name]))
	text = stats(d, "--suppress", "3")
	check(re.search(r"^sex: f <3, m \*, unknown 7$", text, re.M),
	    "text sex line: %r" % text)
	# T1's only figure hidden: its line total is hidden with it.
	check(re.search(r"^T1\s+gbv\s+0\s+0\s+\*\s+0\s+\*$", text, re.M),
	    "text T1 line: %r" % text)
	check(re.search(r"^all\s+gbv\s+7\s+0\s+7\s+0\s+14$", text, re.M),
	    "text all line: %r" % text)
	check("* hidden with them" in text, "the note on *: %r" % text)
	out = stats(d, "--format", "csv", "--suppress", "3", "--table", "area")
	eq(sorted(out.strip().splitlines()[1:]), ["T1,*", "T2,7", "T3,<3"],
	    "csv area table")
	raw = stats(d, "--format", "html", "--suppress", "3")
	check(re.search(r"Thôn 1 \(T1\)</td><td>\*</td>", raw),
	    "html T1 row: %r" % raw[:3000])
	# --suppress 1: exact.
	j1 = json.loads(stats(d, "--format", "json", "--suppress", "1"))
	eq(j1["by_area"], {"T1": 5, "T2": 7, "T3": 2}, "--suppress 1")
