"""
test_followup.py: what a number's next text becomes (SPEC §4, §5, §8), on
the shipped defaults (followup_window_s 1800, reopen_window_s 30 days):
- the phone gives nothing away: the reply to a follow-up, to HUY REF and
  to a text without keyword is the same, byte for byte, whoever sends it;
  a coalesced report (SMS or USSD) is answered as a first one; HUY alerts
  the contacts once per report;
- coalescing by category: a gbv or shelter keyword joins the newest young
  open report of its category, whatever else the number has; a follow-up
  that names an area gives the report its area, and that area's contacts
  are alerted then (and nobody twice);
- after a report closed or cancelled less than reopen_window_s ago, a plea,
  a keyword or a text a follow-up would be is a new report that names the
  earlier (previous), takes its area, and alerts who took or closed it.
"""

import json
import time

from harness import REF_RE, case, check, eq, wait_until
from sink import Sink

# Contacts by name (outbox rows carry the contact's name).
POLICE_T3 = ("Cong an T3", "0911000003", "police", "T3")
POLICE_T1 = ("Cong an T1", "0911000001", "police", "T1")
HEALTH = ("Tram y te", "0912000000", "health", "*")
VOLUNTEER = ("Tinh nguyen", "0913000000", "volunteer", "*")
VOLUNTEER_T2 = ("Tinh nguyen T2", "0913000002", "volunteer", "T2")
LEADER = ("Truong thon", "0914000000", "leader", "*")
CONTACTS = [POLICE_T3, POLICE_T1, HEALTH, VOLUNTEER, VOLUNTEER_T2, LEADER]

AT_TOKEN = "it-at-token-5d71"
USSD = {"providers": {"africastalking": {"username": "sandbox",
    "api_key": "k", "token": AT_TOKEN}}}

_ids = iter(range(1, 10 ** 6))


def sms(d, frm, text):
	return d.sms("fu-%d" % next(_ids), frm, text)


def console(d):
	"""What the console channel printed (the SMS it stands in for)."""
	try:
		with open(d.outpath, encoding="utf-8", errors="replace") as f:
			return f.read()
	except OSError:
		return ""


def setup(d):
	d.import_contacts([c + ("sms",) for c in CONTACTS])


def alerted(d, ref, event="report.created"):
	"""The names of the contacts with a row of event for ref, sorted."""
	return sorted(o.get("contact") for o in d.outbox()
	    if o.get("ref") == ref and o.get("event") == event)


def report(d, ref):
	rows = [r for r in d.reports() if r.get("ref") == ref]
	eq(len(rows), 1, "reports list rows of %s" % ref)
	return rows[0]


def new_ref(res, what):
	ref = res.get("ref")
	check(isinstance(ref, str) and REF_RE.match(ref), "%s: no REF: %r" %
	    (what, res))
	check(ref in (res.get("reply") or ""), "%s: the reply %r does not "
	    "name %s" % (what, res.get("reply"), ref))
	return ref


# ---------------------------------------------------------------- §5, §8


@case()
def test_followup_reply_same_as_any_numbers(d):
	"""SPEC §5: the reply to a follow-up is the one any number gets for a
	text without keyword; no REF in it (today: '...ma N6VK...', so that
	whoever holds the phone could test whether she reported)."""
	setup(d)
	ref = new_ref(sms(d, "0987100001", "BL thon 3 chong danh vo"), "BL")
	text = "anh ay van dang o nha"
	mine = sms(d, "0987100001", text)
	theirs = sms(d, "0987100002", text)
	eq(mine.get("reply").encode(), theirs.get("reply").encode(),
	    "reply to a follow-up against a stranger's")
	check(ref not in mine["reply"], "the follow-up's reply names the "
	    "REF: %r" % mine["reply"])
	# It is still a follow-up, sent on to those already alerted.
	eq(report(d, ref).get("messages"), 2, "messages of the report")
	eq(alerted(d, ref, "report.updated"), sorted([POLICE_T3[0],
	    HEALTH[0]]), "report.updated rows")
	eq(len(d.reports()), 1, "reports")


@case()
def test_huy_reply_neutral_and_alerts_once(d):
	"""SPEC §8: HUY REF from the reporter's phone is answered as a text
	without keyword from any number, and warns the contacts once per
	report: a second HUY pages nobody (today each HUY re-alerted all)."""
	setup(d)
	me = "0987100101"
	ref = new_ref(sms(d, me, "BL thon 3"), "BL")
	plain = sms(d, "0987100102", "xin chao").get("reply").encode()
	stranger = sms(d, "0987100103", "HUY %s" % ref).get("reply").encode()
	first = sms(d, me, "HUY %s" % ref).get("reply").encode()
	eq(first, plain, "the reporter's HUY against a text without keyword")
	eq(stranger, plain, "a stranger's HUY against a text without keyword")
	warned = alerted(d, ref, "report.cancel_requested")
	eq(warned, sorted([POLICE_T3[0], HEALTH[0]]), "warned by the first "
	    "HUY")
	eq(sms(d, me, "huỷ %s" % ref).get("reply").encode(), plain,
	    "reply to a second HUY")
	eq(alerted(d, ref, "report.cancel_requested"), warned,
	    "cancel_requested rows after a second HUY")
	row = report(d, ref)
	eq((row.get("status"), row.get("cancel_requested")), ("open", True),
	    "status, cancel_requested")


@case()
def test_coalesced_keyword_answered_as_a_first_report(d):
	"""A keyword from a number with a young open report of its category
	joins it, and is answered as a first report is: the same reply, byte
	for byte, as the first one; the same shape as any number's."""
	setup(d)
	first = sms(d, "0987100201", "BL thon 3")
	ref = new_ref(first, "BL")
	again = sms(d, "0987100201", "BL thon 3")
	eq(again.get("reply").encode(), first["reply"].encode(),
	    "reply to the same keyword again")
	other = sms(d, "0987100202", "BL thon 3")
	oref = new_ref(other, "a stranger's BL")
	eq(other["reply"].replace(oref, ref).encode(), first["reply"].encode(),
	    "a stranger's first reply, its REF aside")
	eq(report(d, ref).get("messages"), 2, "messages of the report")


def ussd(d, text, session, phone):
	r = d.request("POST", "/ussd/africastalking?token=" + AT_TOKEN,
	    ("sessionId=%s&serviceCode=*384*1%%23&phoneNumber=%%2B%s"
	    "&networkCode=45204&text=%s" % (session, phone[1:], text)).encode(),
	    {"Content-Type": "application/x-www-form-urlencoded"})
	eq(r.status, 200, "USSD %r: %r" % (text, r))
	return r.body.decode()


@case(USSD)
def test_coalesced_ussd_screen_is_a_first_reports(d):
	"""SPEC §5: a coalesced USSD report's screen is a first report's: the
	same as the one its first session showed, and any number's screen
	with its REF in place of the other's."""
	setup(d)
	me, other = "+84987100301", "+84987100302"
	first = ussd(d, "1*3", "S1", me)
	check(first.startswith("END "), "first screen %r" % first)
	ref = d.reports()[0]["ref"]
	check(ref in first, "the first screen %r lacks %s" % (first, ref))
	again = ussd(d, "1*3", "S2", me)
	eq(again, first, "a second session's screen")
	eq(len(d.reports()), 1, "reports after a second session")
	eq(report(d, ref).get("messages"), 2, "messages of the report")
	theirs = ussd(d, "1*3", "S3", other)
	oref = [r["ref"] for r in d.reports() if r["ref"] != ref][0]
	eq(theirs.replace(oref, ref), first, "another number's screen, its "
	    "REF aside")


# ---------------------------------------------------------------- §4 coalescing


@case()
def test_coalescing_by_category(d):
	"""SPEC §4: TC, then BL, then 'TC thon 2' is two reports, not three:
	the last joins the shelter report (the newest open one of its
	category), gives it area T2, and alerts T2's volunteer then; the
	volunteer alerted at first hears an update, not a second report."""
	setup(d)
	me = "0987100401"
	tc = new_ref(sms(d, me, "TC"), "TC")
	bl = new_ref(sms(d, me, "BL"), "BL")
	check(bl != tc, "BL joined the shelter report")
	eq(alerted(d, tc), [VOLUNTEER[0]], "the shelter report's first alerts")
	res = sms(d, me, "TC thon 2")
	eq(res.get("ref"), tc, "'TC thon 2' joins the shelter report")
	eq(len(d.reports()), 2, "reports")
	row = report(d, tc)
	eq((row.get("area"), row.get("messages")), ("T2", 2),
	    "the shelter report's area and messages")
	eq(alerted(d, tc), sorted([VOLUNTEER[0], VOLUNTEER_T2[0]]),
	    "report.created rows of the shelter report")
	eq(alerted(d, tc, "report.updated"), [VOLUNTEER[0]],
	    "report.updated rows of the shelter report")
	eq(report(d, bl).get("messages"), 1, "the gbv report's messages")
	eq(report(d, bl).get("area"), None, "the gbv report's area")


@case()
def test_followup_names_the_area(d):
	"""SPEC §4: a follow-up that names an area gives the report its area
	when it had none, and the area's contacts are alerted then; those
	alerted before are not alerted again, and a later area changes
	nothing."""
	setup(d)
	me = "0987100501"
	ref = new_ref(sms(d, me, "BL chong em dang danh em"), "BL")
	eq(alerted(d, ref), [HEALTH[0]], "alerts with no area")
	sms(d, me, "em dang o nha me de thon 3")
	row = report(d, ref)
	eq(row.get("area"), "T3", "area after the follow-up")
	eq(alerted(d, ref), sorted([HEALTH[0], POLICE_T3[0]]),
	    "report.created rows after the follow-up")
	eq(alerted(d, ref, "report.updated"), [HEALTH[0]],
	    "report.updated rows after the follow-up")
	sms(d, me, "khong, thon 1")
	eq(report(d, ref).get("area"), "T3", "area after another area")
	eq(alerted(d, ref), sorted([HEALTH[0], POLICE_T3[0]]),
	    "report.created rows after another area")


@case()
def test_plea_after_shelter_report_is_a_gbv_report(d):
	"""A plea is answered and filed exactly as BL (SPEC §4): after a
	shelter report it is a gbv report of its own, alerting police and
	health, not a follow-up the volunteer alone hears."""
	setup(d)
	me = "0987100601"
	tc = new_ref(sms(d, me, "TC thon 3"), "TC")
	res = sms(d, me, "chong toi dang danh toi o thon 3, cuu voi")
	ref = new_ref(res, "the plea")
	check(ref != tc, "the plea joined the shelter report")
	eq(report(d, ref).get("category"), "gbv", "the plea's category")
	eq(alerted(d, ref), sorted([HEALTH[0], POLICE_T3[0]]),
	    "the plea's alerts")


# ---------------------------------------------------------------- §4 reopen


@case()
def test_reopen_text_without_keyword(d):
	"""SPEC §4: a number whose report was closed less than reopen_window_s
	ago writes again without keyword: a new report of the same category
	and area, naming the earlier (previous), alerting the usual roles and
	whoever took or closed the earlier; the reply is a text without
	keyword's (today: help, and the inbox)."""
	setup(d)
	me = "0987100701"
	first = new_ref(sms(d, me, "BL thon 3 chong danh vo"), "BL")
	sms(d, POLICE_T3[1], "NHAN %s" % first)
	# The leader (an official, not in gbv's routing) closes it.
	sms(d, LEADER[1], "XONG %s nu 30 CA" % first)
	eq(report(d, first).get("status"), "closed", "status of the first")
	text = "anh ay lai ve nha roi"
	res = sms(d, me, text)
	plain = sms(d, "0987100702", text)
	eq(res.get("reply").encode(), plain.get("reply").encode(),
	    "reply, against a stranger's")
	check(first not in res["reply"], "the reply names a REF: %r" %
	    res["reply"])
	new = [r for r in d.reports() if r["ref"] != first]
	eq(len(new), 1, "reports after the text")
	row = new[0]
	eq((row.get("category"), row.get("area"), row.get("status"),
	    row.get("previous")), ("gbv", "T3", "open", first),
	    "the new report")
	eq(report(d, first).get("previous"), None, "the first's previous")
	eq(d.ctl_json("reports", "show", row["ref"]).get("previous"), first,
	    "reports show --json previous")
	# Its SMS alerts say which report came before.
	wait_until(lambda: [l for l in console(d).splitlines()
	    if "BL %s T3 " % row["ref"] in l and "(lan truoc %s): " % first
	    in l], 10, 0.1, "an SMS alert naming the earlier report")
	eq(alerted(d, row["ref"]), sorted([POLICE_T3[0], HEALTH[0],
	    LEADER[0]]), "report.created rows of the new report")
	eq([m["text"] for m in d.ctl_json("inbox")], [text], "the inbox: "
	    "the stranger's text only")
	# The text listings name it too.
	out = d.ctl("reports", "list").stdout.decode()
	head = out.splitlines()[0]
	check("previous" in head.split(), "reports list header %r" % head)
	line = [l for l in out.splitlines() if l.startswith(row["ref"])][0]
	# Columns are lined up: the cell starts under its header.
	at = head.index(" previous") + 1
	eq(line[at:].split()[0], first, "reports list: previous")
	out = d.ctl("reports", "show", row["ref"]).stdout.decode()
	check(any(l.split() == ["previous", first] for l in out.splitlines()),
	    "reports show: no 'previous %s' line in %r" % (first, out))


@case()
def test_reopen_keyword_and_plea_after_cancel(d):
	"""After a cancelled report (XONG NHAM) the number's TC is a new
	shelter report naming it, in its area, alerting the police who
	cancelled it as well as the volunteers; after a closed one, a plea
	is a new gbv report naming it. Both answered as any first report."""
	setup(d)
	me, her = "0987100801", "0987100802"
	first = new_ref(sms(d, me, "BL thon 2"), "BL")
	sms(d, HEALTH[1], "XONG %s nham" % first)
	eq(report(d, first).get("status"), "cancelled", "status")
	tc = new_ref(sms(d, me, "TC"), "TC after the cancel")
	row = report(d, tc)
	eq((row.get("category"), row.get("area"), row.get("previous")),
	    ("shelter", "T2", first), "the TC report")
	eq(alerted(d, tc), sorted([VOLUNTEER[0], VOLUNTEER_T2[0],
	    HEALTH[0]]), "report.created rows of the TC report")
	hers = new_ref(sms(d, her, "BL thon 3"), "her BL")
	sms(d, POLICE_T3[1], "XONG %s nu" % hers)
	plea = new_ref(sms(d, her, "chong lai danh toi, cuu voi"), "plea")
	row = report(d, plea)
	eq((row.get("category"), row.get("area"), row.get("previous")),
	    ("gbv", "T3", hers), "the plea's report")
	eq(alerted(d, plea), sorted([POLICE_T3[0], HEALTH[0]]),
	    "report.created rows of the plea's report")


@case({"allow_http": True})
def test_reopen_webhook_names_previous(d):
	"""The webhook of a report filed after an earlier one closed carries
	'previous'; a first report's body keeps the keys of SPEC §5."""
	with Sink() as sink:
		d.add_contact("Tram y te", HEALTH[1], "health", areas="*",
		    channel="webhook", url=sink.url + "/health")
		me = "0987101001"
		first = new_ref(sms(d, me, "BL thon 3"), "BL")
		sms(d, HEALTH[1], "XONG %s" % first)
		again = new_ref(sms(d, me, "BL"), "BL again")
		got = sink.wait_for(1, "/health", lambda r: r.event() ==
		    "report.created" and (r.json() or {}).get("ref") == again,
		    8.0)
		check(got, "no report.created for %s: %r" % (again,
		    sink.got("/health")))
		j = got[0].json()
		eq((j.get("previous"), j.get("area")), (first, "T3"),
		    "previous and area in the webhook")
		one = [r.json() for r in sink.got("/health")
		    if (r.json() or {}).get("ref") == first][0]
		check("previous" not in one, "a first report's webhook: %r" % one)


@case({"reopen_window_s": 1})
def test_reopen_window_ends(d):
	"""Past reopen_window_s a text without keyword is kept for review and
	a keyword files a report that names none."""
	setup(d)
	me = "0987100901"
	first = new_ref(sms(d, me, "BL thon 3"), "BL")
	sms(d, POLICE_T3[1], "XONG %s" % first)
	time.sleep(2.2)
	sms(d, me, "anh ay lai ve roi")
	eq(len(d.reports()), 1, "reports after the window")
	eq(len(d.ctl_json("inbox")), 1, "inbox after the window")
	ref = new_ref(sms(d, me, "BL"), "BL after the window")
	eq((report(d, ref).get("previous"), report(d, ref).get("area")),
	    (None, None), "the new report")


@case(start=False)
def test_reopen_window_config(d):
	cfg = json.loads(json.dumps(d.config))
	for bad in ("soon", -1):
		cfg["reopen_window_s"] = bad
		d.write_config(cfg)
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		out = (p.stdout + p.stderr).decode("utf-8", "replace")
		eq(p.returncode, 1, "tincayd -t with reopen_window_s %r" % bad)
		check("reopen_window_s" in out, "no line names the key: %r" %
		    out[:300])
	cfg["reopen_window_s"] = 0
	d.write_config(cfg)
	eq(d.run_daemon_args("-c", d.cfgpath, "-t").returncode, 0,
	    "tincayd -t with reopen_window_s 0")
