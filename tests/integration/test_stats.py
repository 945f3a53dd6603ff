"""
test_stats.py: counts for officials and privacy (SPEC §6, §7, §8): TK by
SMS with and without the PIN, from officials and from anyone else (who
gets the unknown-message answer); tincayctl stats in json, csv and text,
its dates; tincayctl purge of old closed reports, which forgets texts and
numbers and keeps every count.
"""

import csv
import io
import json
import re
import time
from datetime import datetime, timedelta, timezone

from harness import case, check, eq

VN = timezone(timedelta(hours=7))	# Asia/Ho_Chi_Minh: UTC+7, no DST

OFFICIAL = "0905000001"			# role official, PIN 4321
LEADER = "0905000002"			# role leader, no PIN
POLICE = "0905000003"			# not an official
CONTACTS = [
	("Can bo xa", OFFICIAL, "official", "*", "sms", "", "4321"),
	("Chu tich", LEADER, "leader", "*", "sms"),
	("Cong an", POLICE, "police", "*", "sms"),
	("Tram y te", "0905000004", "health", "*", "sms"),
	("Tinh nguyen", "0905000005", "volunteer", "*", "sms"),
]


# A campaign running whatever the date, so that DK files a signup.
ALWAYS = {"campaigns": [{"code": "THD", "name": "Thang hanh dong",
    "start": "2020-01-01", "end": "2099-12-31"}]}


def local_month():
	now = datetime.now(VN)
	return "%02d/%04d" % (now.month, now.year), now


def month_bounds(now):
	first = now.date().replace(day=1)
	nxt = (first + timedelta(days=32)).replace(day=1)
	return first.isoformat(), (nxt - timedelta(days=1)).isoformat()


def seed(d):
	"""Reports this month: gbv T1 open, gbv T3 closed, gbv (no area)
	cancelled, shelter T1 acknowledged; two signups (T1 and none)."""
	d.import_contacts(CONTACTS)
	refs = {}
	for i, (frm, text) in enumerate([
	    ("0987100001", "BL thon 1 giup toi"),
	    ("0987100002", "BL thon 3"),
	    ("0987100003", "SOS"),
	    ("0987100004", "TC thon 1")]):
		res = d.sms("seed-%d" % i, frm, text)
		check(res.get("ref"), "no REF for %r" % text)
		refs[frm] = res["ref"]
	d.sms("seed-x", POLICE, "XONG %s" % refs["0987100002"])
	# A false alarm: only a responder cancels (HUY is a request, §8).
	d.sms("seed-h", POLICE, "XONG %s NHAM" % refs["0987100003"])
	d.sms("seed-a", "0905000005", "NHAN %s" % refs["0987100004"])
	d.sms("seed-d1", "0987200001", "DK thon 1")
	d.sms("seed-d2", "0987200002", "DANG KY")
	st = {r["ref"]: r["status"] for r in d.reports()}
	eq(st[refs["0987100002"]], "closed", "seed: XONG")
	eq(st[refs["0987100003"]], "cancelled", "seed: XONG NHAM")
	eq(st[refs["0987100004"]], "acknowledged", "seed: NHAN")
	return refs


def unknown_reply(d, n=[0]):
	n[0] += 1
	return d.sms("unk-%d" % n[0], "09771%05d" % n[0], "xin chao")


@case()
def test_stats_sms_complementary_suppression(d):
	"""SPEC §6: a hamlet's "<3" is never the only figure hidden in its
	table: commune totals are exact, so the next smallest hamlet is
	hidden too ("*"), and within a hamlet BL+TC and HUY+mo+xong, which
	count the same reports, never leave one hidden figure alone. Today
	TK T1 and TK T2 subtracted from TK gave T3's "<3" back."""
	d.import_contacts(CONTACTS)
	n = 0
	for area, count in ((1, 5), (2, 7), (3, 2)):
		for i in range(count):
			n += 1
			res = d.sms("cs-%d" % n, "09881%05d" % n, "BL thon %d" %
			    area)
			check(res.get("ref"), "no REF")
	label, _ = local_month()
	got = {}
	for a in ("", " thon 1", " thon 2", " thon 3", " thon 4"):
		got[a] = d.sms("cs-tk%s" % a, LEADER, "TK%s" % a)["reply"]
	eq(got[""], "TK %s: BL 14 TC 0 DK 0 HUY 0; mo 14 xong 0" % label,
	    "the commune, exact")
	eq(got[" thon 3"], "TK %s T3: BL <3 TC * DK 0 HUY *; mo <3 xong 0" %
	    label, "the small hamlet")
	eq(got[" thon 1"], "TK %s T1: BL * TC * DK 0 HUY *; mo * xong 0" %
	    label, "the next smallest, its complement")
	eq(got[" thon 2"], "TK %s T2: BL 7 TC 0 DK 0 HUY 0; mo 7 xong 0" %
	    label, "a hamlet shown")
	eq(got[" thon 4"], "TK %s T4: BL 0 TC 0 DK 0 HUY 0; mo 0 xong 0" %
	    label, "an empty hamlet")
	# What subtraction leaves: the commune less every figure shown is
	# never one hidden figure alone.
	for fig in ("BL", "mo"):
		hidden = [a for a in got if a and re.search(r"\b%s (<3|\*)" %
		    fig, got[a])]
		check(len(hidden) != 1, "%s: one hidden figure: %r" % (fig,
		    got))


@case(overrides=ALWAYS)
def test_stats_sms_official(d):
	seed(d)
	label, _ = local_month()
	want = "TK %s: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1" % label
	for i, text in enumerate(["TK 4321", "tk 4321 thang",
	    "Thống kê 4321 %s" % label]):
		res = d.sms("tk-o%d" % i, OFFICIAL, text)
		eq(res.get("reply"), want, "reply to %r" % text)
		eq(res.get("ref"), None, "ref of a TK reply")
	res = d.sms("tk-area", OFFICIAL, "TK 4321 %s thon 1" % label)
	# A hamlet's small counts name a household (§6, min_count 3); HUY 0
	# and xong 0 would give mo and the others back (complements).
	eq(res.get("reply"), "TK %s T1: BL <3 TC <3 DK <3 HUY *; mo <3 "
	    "xong *" % label, "reply with AREA")
	res = d.sms("tk-year", OFFICIAL, "TK 4321 NAM")
	check(res["reply"].startswith("TK %s: BL 3 TC 1 DK 2 " %
	    label[3:]), "reply for NAM: %r" % res["reply"])
	# The leader has no PIN: the period comes straight after TK.
	res = d.sms("tk-l", LEADER, "TK %s" % label)
	eq(res.get("reply"), want, "leader's reply")
	res = d.sms("tk-old", LEADER, "TK 01/2020")
	eq(res.get("reply"), "TK 01/2020: BL 0 TC 0 DK 0 HUY 0; mo 0 xong 0",
	    "a month with nothing")
	for r in (want,):
		check(r.isascii() and len(r) <= 306, "over two segments: %r" % r)
	msgs = {m["provider_id"]: m for m in d.messages()}
	eq(msgs["tk-o0"]["category"], "stats", "stored category of TK")


@case(overrides=ALWAYS)
def test_stats_sms_refused_like_unknown(d):
	seed(d)
	label, _ = local_month()
	plain = unknown_reply(d)
	for i, (frm, text) in enumerate([
	    (POLICE, "TK %s" % label),		# not an official
	    (OFFICIAL, "TK %s" % label),	# PIN missing
	    (OFFICIAL, "TK 1111 %s" % label),	# wrong PIN
	    (OFFICIAL, "TK"),
	    ("0966000001", "TK 4321"),		# a stranger
	    ("0966000002", "THONGKE")]):
		res = d.sms("tk-r%d" % i, frm, text)
		eq(res, plain, "answer to %r from %s" % (text, frm))
	msgs = {m["provider_id"]: m for m in d.messages()}
	for i in range(6):
		eq(msgs["tk-r%d" % i]["category"], "unknown",
		    "stored category of refused TK %d" % i)
	# Nothing in the replies or logs names stats or the PIN.
	check("4321" not in d.stderr(), "the PIN is in the log")


def ctl_stats(d, *args):
	return d.ctl("stats", *args).stdout.decode()


@case(overrides=ALWAYS)
def test_ctl_stats_formats(d):
	seed(d)
	label, now = local_month()
	first, last = month_bounds(now)
	j = json.loads(ctl_stats(d, "--format", "json"))
	eq(j["from"], first, "json from (this month)")
	eq(j["to"], last, "json to (this month)")
	eq(j["timezone"], "Asia/Ho_Chi_Minh", "json timezone")
	eq(j["reports"], 4, "json reports")
	eq(j["by_category"], {"gbv": 3, "shelter": 1}, "json by_category")
	eq(j["by_status"], {"open": 1, "acknowledged": 1, "closed": 1,
	    "cancelled": 1}, "json by_status")
	eq(j["by_area"], {"T1": 2, "T3": 1, "unknown": 1}, "json by_area")
	eq(j["signups"], 2, "json signups")
	eq(j["signups_by_area"], {"T1": 1, "unknown": 1}, "json signups area")
	eq(sum(r["count"] for r in j["rows"]), 4, "json rows sum")
	check({"area": "T3", "category": "gbv", "status": "closed",
	    "count": 1} in j["rows"], "json rows: %r" % j["rows"])

	# The SMS says the same as the json.
	res = d.sms("tk-cmp", OFFICIAL, "TK 4321")
	eq(res["reply"], "TK %s: BL %d TC %d DK %d HUY %d; mo %d xong %d" % (
	    label, j["by_category"]["gbv"], j["by_category"]["shelter"],
	    j["signups"], j["by_status"]["cancelled"],
	    j["by_status"]["open"] + j["by_status"]["acknowledged"],
	    j["by_status"]["closed"]), "SMS against json")

	rows = list(csv.DictReader(io.StringIO(ctl_stats(d, "--format",
	    "csv", "--from", first, "--to", last))))
	check(rows, "csv has no rows")
	eq(list(rows[0].keys()), ["area", "category", "status", "count"],
	    "csv header")
	rep = [r for r in rows if r["category"] != "signup"]
	eq(sum(int(r["count"]) for r in rep), 4, "csv report rows sum")
	eq(sum(int(r["count"]) for r in rows if r["category"] == "signup"), 2,
	    "csv signup rows sum")
	eq(sum(int(r["count"]) for r in rep if r["area"] == ""), 1,
	    "csv rows of unknown area")

	text = ctl_stats(d)
	check(re.search(r"^all\s+all\s+1\s+1\s+1\s+1\s+4$", text, re.M),
	    "text table has no total line 1 1 1 1 4: %r" % text)
	check(re.search(r"^signups: 2\b", text, re.M), "text signups: %r" %
	    text)

	# A past period holds nothing; --to alone starts at its month.
	j = json.loads(ctl_stats(d, "--from", "2020-01-01", "--to",
	    "2020-12-31", "--format", "json"))
	eq((j["reports"], j["signups"]), (0, 0), "2020 counts")
	j = json.loads(ctl_stats(d, "--to", "2020-02-29", "--format", "json"))
	eq((j["from"], j["to"]), ("2020-02-01", "2020-02-29"), "--to alone")
	today = now.date().isoformat()
	j = json.loads(ctl_stats(d, "--from", today, "--format", "json"))
	eq((j["to"], j["reports"]), (today, 4), "--from today alone")

	for args, what in [
	    (["--from", "2026-13-01"], "month 13"),
	    (["--from", "2026-02-29"], "29 February 2026"),
	    (["--to", "yesterday"], "a word"),
	    (["--from", "2026-1-01"], "a short month"),
	    (["--from", "2026-03-02", "--to", "2026-03-01"], "from after to"),
	    (["--format", "xml"], "an unknown format"),
	    (["extra"], "a stray word")]:
		p = d.ctl("stats", *args, ok=False)
		eq(p.returncode, 1, "stats with %s: exit code" % what)
		check(p.stderr.strip(), "stats with %s: no message" % what)


@case(overrides=ALWAYS)
def test_purge(d):
	refs = seed(d)
	old_closed = refs["0987100002"]		# XONG
	old_cancelled = refs["0987100003"]	# XONG NHAM
	open_ref = refs["0987100001"]
	# A closed report that is recent stays untouched.
	recent = d.sms("p-1", "0987300001", "BL thon 2")["ref"]
	d.sms("p-2", POLICE, "XONG %s" % recent)
	# Wait for the outbox to go out (console), so rows are not pending.
	deadline = time.monotonic() + 10
	while any(o["status"] == "pending" for o in d.outbox()):
		check(time.monotonic() < deadline, "outbox still pending")
		time.sleep(0.1)
	# Texts of no report: one old (purged), one recent (kept).
	d.sms("p-u1", "0987400001", "toi muon hoi mot chuyen")
	d.sms("p-u2", "0987400002", "cho hoi chut")
	# Age the two: closed 40 days ago (written beside the daemon, in
	# one transaction).
	old = int(time.time()) - 40 * 86400
	d.sql_tx([("UPDATE reports SET closed_at = ? WHERE ref IN (?, ?)",
	    (old, old_closed, old_cancelled)), ("UPDATE messages SET "
	    "received_at = ? WHERE provider_id = 'p-u1'", (old,))])
	before = d.counts()
	# The figures the purge must leave as they are, read after the aging
	# (which moves closed_at, so median_close_s with it): read before it,
	# a close that took a second crossing would differ by the aging alone.
	before_stats = json.loads(ctl_stats(d, "--format", "json"))
	# An unknown text is purged only once someone has seen it (§8).
	seen = [x["id"] for x in d.ctl_json("inbox")
	    if x["text"] == "toi muon hoi mot chuyen"]
	eq(len(seen), 1, "the old unknown text in the inbox")
	d.ctl("inbox", "dismiss", str(seen[0]))

	for bad in ("-3", "abc", "1.5", "", "36501"):
		p = d.ctl("purge", "--older-than", bad, ok=False)
		eq(p.returncode, 1, "purge --older-than %r: exit code" % bad)
	eq(d.ctl("purge", ok=False).returncode, 1, "purge without DAYS")

	out = d.ctl("purge", "--older-than", "30").stdout.decode()
	m = re.search(r"purged (\d+) reports?, (\d+) messages?", out)
	check(m, "purge output: %r" % out)
	# closed: the BL and the XONG; cancelled: the SOS and the HUY; and
	# the old text of no report.
	eq((int(m.group(1)), int(m.group(2))), (2, 5), "purged counts")

	for ref in (old_closed, old_cancelled):
		(rid, reporter), = d.sql("SELECT id, reporter FROM reports "
		    "WHERE ref = ?", ref)
		eq(reporter, None, "%s reporter after purge" % ref)
		for body, sender in d.sql("SELECT body, sender FROM messages "
		    "WHERE report_id = ?", rid):
			eq((body, sender), (None, None), "%s message" % ref)
		for dest, body, status in d.sql("SELECT dest, body, status "
		    "FROM outbox WHERE report_id = ?", rid):
			# "" on SQLite, b"" on PostgreSQL (bytea)
			check(status == "pending" or (not dest and not body),
			    "%s outbox row kept %r" % (ref, (dest, status)))
	for ref in (open_ref, recent):
		(rid, reporter), = d.sql("SELECT id, reporter FROM reports "
		    "WHERE ref = ?", ref)
		check(reporter, "%s lost its reporter" % ref)
		eq(d.sql_value("SELECT count(*) FROM messages WHERE report_id "
		    "= ? AND body IS NULL", rid), 0, "%s messages emptied" % ref)

	# The loose text p-u1 is purged, its provider's id with it (at the
	# provider it leads back to the number); p-u2 is too young.
	eq(d.sql_value("SELECT count(*) FROM messages WHERE provider_id = "
	    "'p-u1'"), 0, "p-u1's id after the purge")
	(body, sender), = d.sql("SELECT body, sender FROM messages WHERE "
	    "provider_id = 'p-u2'")
	check(body is not None and sender is not None, "p-u2 purged")
	eq(d.sql_value("SELECT count(*) FROM messages WHERE provider_id LIKE "
	    "'purged:%' AND (body IS NOT NULL OR sender IS NOT NULL)"), 0,
	    "ids replaced of texts not purged")

	# Rows and counts stay; the lists still list them.
	eq(d.counts(), before, "messages, reports, outbox counts")
	eq(json.loads(ctl_stats(d, "--format", "json")), before_stats,
	    "stats after purge")
	refs_listed = {m.get("ref") for m in d.messages()}
	check({old_closed, old_cancelled} <= refs_listed,
	    "messages list lost the purged reports' messages")
	show = json.loads(d.ctl("reports", "show", old_closed,
	    "--json").stdout)
	eq(show.get("status"), "closed", "reports show after purge")

	# Again: nothing left to purge. The daemon goes on.
	out = d.ctl("purge", "--older-than", "30").stdout.decode()
	check(out.startswith("purged 0 reports, 0 messages"), "second purge: %r"
	    % out)
	check(d.sms("p-3", "0987300009", "BL thon 1").get("ref"),
	    "no report after purge")


def test_purge_big_run(d):
	"""Batches with progress, while the daemon runs."""
	d.import_contacts(CONTACTS)
	old = int(time.time()) - 100 * 86400
	# A report each, then its message, by its id (no lastrowid on
	# every engine).
	d.sql_tx([("INSERT INTO reports (ref, category, area, status, "
	    "reporter, created_at, updated_at, closed_at) VALUES (?, 'gbv', "
	    "'T1', 'closed', ?, ?, ?, ?)", ("Z%05d" % i, "+8498%07d" % i, old,
	    old, old)) for i in range(1200)] + [("INSERT INTO messages "
	    "(provider, provider_id, sender, body, category, report_id, "
	    "received_at) SELECT 'generic', 'big-' || ref, reporter, "
	    "'secret words', 'gbv', id, created_at FROM reports WHERE "
	    "created_at = ?", (old,))])
	p = d.ctl("purge", "--older-than", "90")
	out = p.stdout.decode()
	check("purged 1200 reports, 1200 messages" in out, "big purge: %r" %
	    out)
	check(re.search(r"reports so far", p.stderr.decode()),
	    "no progress on a big run: %r" % p.stderr[:200])
	eq(d.sql_value("SELECT count(*) FROM messages WHERE body IS NOT NULL "
	    "OR sender IS NOT NULL"), 0, "texts left")
	eq(d.sql_value("SELECT count(*) FROM reports WHERE reporter IS NOT "
	    "NULL"), 0, "numbers left")
	eq(len(d.messages()), 1200, "messages listed after purge")
