"""
test_city.py: a city's communes in what residents and responders do (SPEC
§6, §6a, §11), through the real daemon: NHAN/XONG of another commune's
report answered as a stranger's; a report whose commune nobody told placed
by the resident's answer to "Ban o xa nao?"; review digests to each
commune's own reviewers; the USSD menu listing the communes first; a
broadcast to one commune's subscribers.
"""

import datetime
import re
import time

from harness import case, check, eq, fold, wait_until
from sink import Sink

AT_TOKEN = "it-at-token-c17y"
NUM_TC, NUM_TA, NUM_CITY = "0255111001", "0255111002", "8088"


def campaigns():
	"""THD running today in the commune's zone (UTC+7)."""
	today = (datetime.datetime.now(datetime.timezone.utc) +
	    datetime.timedelta(hours=7)).date()
	day = datetime.timedelta(days=1)
	return [{"code": "THD", "name": "Thang hanh dong",
	    "start": str(today - day), "end": str(today + day)}]


CITY = {
	"allow_http": True,
	"commune": "Thành phố Thử",
	"areas": None,
	"routing": {"gbv": ["police"], "shelter": ["volunteer"],
	    "unknown": []},
	"escalation": {"gbv": {"after_s": 600, "to": ["leader"]},
	    "shelter": None},
	"campaigns": campaigns(),
	"providers": {"africastalking": {"username": "sandbox",
	    "api_key": "k", "token": AT_TOKEN}},
	"communes": [
		{"code": "TC", "name": "Xã Tịnh Châu", "numbers": [NUM_TC],
		    "areas": [{"code": "T1", "name": "Thôn 1"},
		    {"code": "T3", "name": "Thôn 3"}]},
		{"code": "TA", "name": "Xã Tịnh An", "numbers": [NUM_TA],
		    "areas": [{"code": "T1", "name": "Thôn 1"}]},
	],
}

# name, phone, role, commune
POLICE_TC = ("Cong an TC", "0931000001", "police", "TC")
POLICE_TA = ("Cong an TA", "0931000002", "police", "TA")
LEADER_TC = ("Chu tich TC", "0931000003", "leader", "TC")
LEADER_TA = ("Chu tich TA", "0931000004", "leader", "TA")
LEADER_CITY = ("Thanh pho", "0931000005", "leader", "*")
POLICE_CITY = ("Cong an TP", "0931000007", "police", "*")
CONTACTS = [POLICE_TC, POLICE_TA, LEADER_TC, LEADER_TA, LEADER_CITY,
    POLICE_CITY]
FORBIDDEN = ("bao luc", "baoluc", "bao hanh", "tam lanh", "violence")

_ids = iter(range(1, 10 ** 6))


def e164(local):
	return "+84" + local[1:]


def sms(d, frm, text, to=NUM_CITY):
	return d.sms("city-%d" % next(_ids), frm, text, to=to)


def setup(d, contacts=CONTACTS):
	for name, phone, role, commune in contacts:
		d.numbers.add(phone)
		d.ctl("contacts", "add", "--name", name, "--phone", phone,
		    "--role", role, "--areas", "*", "--commune", commune)


def report(d, ref):
	rows = d.sql("SELECT status, commune, area FROM reports WHERE ref = ?",
	    ref)
	check(rows, "no report %s" % ref)
	return rows[0]


def alerted(d, contact, event="report.created"):
	"""How many outbox rows of event went to contact (by its name)."""
	return len([o for o in d.outbox() if o.get("event") == event and
	    o.get("contact") == contact[0]])


@case(CITY)
def test_city_need_to_know(d):
	"""A TC report: TA's police and leader (an official there) are
	strangers to it, their NHAN and XONG answered as one from a number
	nobody knows and nothing changes; the city's police, whose role TC's
	routing names, may take it."""
	setup(d)
	first = sms(d, "0987300001", "BL thon 3 chong danh em", to=NUM_TC)
	ref = first["ref"]
	eq(report(d, ref), ("open", "TC", "T3"), "status, commune, area")
	eq(alerted(d, POLICE_TC), 1, "TC's police alerted")
	eq(alerted(d, POLICE_CITY), 1, "the city's police alerted")
	eq(alerted(d, POLICE_TA), 0, "TA's police alerted")
	stranger = sms(d, "0987300099", "NHAN %s" % ref)
	before = len(d.outbox())
	for who, text in ((POLICE_TA, "NHAN %s" % ref),
	    (LEADER_TA, "XONG %s nu 30 CA" % ref),
	    (LEADER_TA, "OK %s" % ref)):
		got = sms(d, who[1], text, to=NUM_TA)
		eq(got, stranger, "%s's %r answered" % (who[0], text))
		eq(report(d, ref)[0], "open", "status after %s's %r" % (who[0],
		    text))
	eq(len(d.outbox()), before, "outbox rows after the refused ones")
	took = sms(d, POLICE_CITY[1], "NHAN %s" % ref)
	check("Da xac nhan" in took["reply"], "the city's police: %r" % took)
	eq(report(d, ref)[0], "acknowledged", "status")
	eq(alerted(d, POLICE_TC, "report.acknowledged"), 1,
	    "TC's police told it is taken")


@case(CITY)
def test_city_unknown_commune_placed(d):
	"""BL to the city's number: the reply asks the commune; "xa tinh
	chau" from that number makes the report TC's: TC's police hear of it
	as new, TA's never, the city's police of the text; the reply is one
	discreet GSM-7 segment with 113 and without the REF; its counts are
	TC's."""
	setup(d)
	first = sms(d, "0987300011", "Chong em dang danh em, cuu em")
	ref = first["ref"]
	check(ref, "no REF: %r" % first)
	check("xa nao" in fold(first["reply"]), "no question: %r" % first)
	eq(report(d, ref)[1], "*", "commune before")
	eq(alerted(d, POLICE_CITY), 1, "the city's police alerted")
	eq(alerted(d, POLICE_TC), 0, "TC's police before")

	placed = sms(d, "0987300011", "xa tinh chau")
	reply = placed["reply"]
	check(reply.isascii() and len(reply) <= 160,
	    "not one GSM-7 segment: %r" % reply)
	# Only a report's first reply carries its REF (SPEC §5).
	check(ref not in reply and "113" in reply, "a REF, or no 113: %r" %
	    reply)
	for w in FORBIDDEN:
		check(w not in fold(reply), "not discreet: %r" % reply)
	eq(report(d, ref), ("open", "TC", None), "status, commune, area")
	eq(alerted(d, POLICE_TC), 1, "TC's police alerted as new")
	eq(alerted(d, POLICE_TA), 0, "TA's police")
	eq(alerted(d, POLICE_CITY), 1, "the city's police: report.created")
	eq(alerted(d, POLICE_CITY, "report.updated"), 1,
	    "the city's police: the answer")
	# The hamlet named later is TC's own, and only it.
	more = sms(d, "0987300011", "em o thon 3")
	eq(report(d, ref)[2], "T3", "area")
	check(ref not in more["reply"], "a follow-up's reply: %r" % more)
	days = d.sql("SELECT area, sum(n) FROM report_days GROUP BY area"
	    " HAVING sum(n) <> 0")
	eq(sorted(tuple(r) for r in days), [("TC.T3", 1)], "report_days")


@case(start=False)
def test_city_review_per_commune(d):
	"""review.every_s 1: TC's text goes to TC's leader, TA's to TA's, the
	city's own to the city's leader; none to another commune's. A
	leader's DUYET of another commune's text is a stranger's; its own
	commune's leader, or an operator, files it in that commune."""
	with Sink() as sink:
		d.overrides = dict(CITY, review={"every_s": 1},
		    sms_out={"via": "generic", "url": sink.url + "/sms"})
		d.new_config()
		d.start()
		setup(d)
		sms(d, "0987300021", "cho em hoi lich tiem", to=NUM_TC)
		sms(d, "0987300022", "xin chao anh chi", to=NUM_TA)
		sms(d, "0987300023", "alo alo")
		ids = {row["text"]: row["id"] for row in d.ctl_json("inbox")}
		eq(len(ids), 3, "texts waiting: %r" % ids)

		def xem(contact):
			return [r.json()["text"] for r in sink.got("/sms")
			    if r.json().get("to") == e164(contact[1]) and
			    r.json()["text"].startswith("XEM ")]

		got = wait_until(lambda: all(xem(c) for c in (LEADER_TC,
		    LEADER_TA, LEADER_CITY)), 10, 0.1)
		check(got, "review SMS within 10 s: TC %r TA %r city %r" % (
		    xem(LEADER_TC), xem(LEADER_TA), xem(LEADER_CITY)))
		time.sleep(1.0)
		for who, text in ((LEADER_TC, "cho em hoi lich tiem"),
		    (LEADER_TA, "xin chao anh chi"), (LEADER_CITY, "alo alo")):
			got = xem(who)
			eq(len(got), 1, "review SMS to %s: %r" % (who[0], got))
			eq(re.findall(r"#(\d+) ", got[0]), [str(ids[text])],
			    "texts told to %s: %r" % (who[0], got[0]))
		check(not any(r.json()["text"].startswith("XEM ")
		    for r in sink.got("/sms") if r.json().get("to") in
		    (e164(POLICE_TC[1]), e164(POLICE_TA[1]))),
		    "a review SMS to the police")

		tc_text = ids["cho em hoi lich tiem"]
		stranger = sms(d, "0987300098", "DUYET %d" % tc_text)
		eq(sms(d, LEADER_TA[1], "DUYET %d" % tc_text, to=NUM_TA),
		    stranger, "TA's leader's DUYET of TC's text")
		check(tc_text in [r["id"] for r in d.ctl_json("inbox")],
		    "TC's text no longer waits after TA's DUYET")
		ok = sms(d, LEADER_TC[1], "DUYET %d thon 3" % tc_text,
		    to=NUM_TC)
		m = re.search(r"da lap bao cao ([A-Z0-9]+), thon T3", ok["reply"])
		check(m, "TC's leader's DUYET: %r" % ok)
		eq(report(d, m.group(1)), ("open", "TC", "T3"),
		    "the report DUYET filed")
		# An operator files a text in its own commune, of its hamlets.
		p = d.ctl("inbox", "file", str(ids["xin chao anh chi"]), "gbv",
		    "T1")
		m = re.search(rb"gbv report ([A-Z0-9]+), area T1", p.stdout)
		check(m, "inbox file: %r" % p.stdout)
		eq(report(d, m.group(1).decode()), ("open", "TA", "T1"),
		    "the report inbox file filed")


def ussd(d, text, session, phone="+84987300031", code="*384*1%23"):
	r = d.request("POST", "/ussd/africastalking?token=" + AT_TOKEN,
	    ("sessionId=%s&serviceCode=%s&phoneNumber=%%2B%s"
	    "&networkCode=45204&text=%s" % (session, code, phone[1:],
	    text.replace("*", "%2A"))).encode(),
	    {"Content-Type": "application/x-www-form-urlencoded"})
	eq(r.status, 200, "USSD %r: %r" % (text, r))
	return r.body.decode()


@case(CITY)
def test_city_ussd_communes_first(d):
	"""The city's service code: the communes first, then the menu, then
	the chosen commune's own hamlets; the report is that commune's and
	alerts its police. A commune's own number has its menu at once."""
	setup(d)
	eq(ussd(d, "", "S1"), "CON Chon xa:\n1 Xa Tinh Chau\n2 Xa Tinh An\n"
	    "0 Khong biet", "first screen")
	check(ussd(d, "2", "S1").startswith("CON Tin cay - chon so:\n1 "),
	    "the menu after a commune")
	eq(ussd(d, "2*1", "S1"), "CON Chon thon:\n1 Thon 1\n0 Khong biet",
	    "TA's hamlets")
	eq(ussd(d, "1*1", "S2"), "CON Chon thon:\n1 Thon 1\n2 Thon 3\n"
	    "0 Khong biet", "TC's hamlets")
	end = ussd(d, "1*1*2", "S2")
	m = re.search(r"ma ([A-Z0-9]{4,6})", end)
	check(end.startswith("END ") and m, "END with a REF: %r" % end)
	eq(report(d, m.group(1)), ("open", "TC", "T3"), "the USSD report")
	eq(alerted(d, POLICE_TC), 1, "TC's police alerted")
	eq(alerted(d, POLICE_TA), 0, "TA's police alerted")
	eq(ussd(d, "1*1*2", "S2"), end, "the same session again")
	eq(len(d.reports()), 1, "reports after the same session again")
	# Signup through TA's menu: a subscription of TA.
	check("dang ky" in fold(ussd(d, "2*3", "S3", "+84987300032")),
	    "USSD signup")
	eq(d.sql("SELECT commune FROM subscriptions"), [("TA",)],
	    "the subscription's commune")


@case(start=False)
def test_city_broadcast_commune(d):
	"""DK to each commune's number; broadcast --commune TC reaches TC's
	subscriber only; the same text to TA is no slip, to TC again is;
	without --commune, a text goes to all."""
	with Sink() as sink:
		d.overrides = dict(CITY, sms_out={"via": "generic",
		    "url": sink.url + "/sms", "rate_per_second": 50})
		d.new_config()
		d.start()
		tc, ta = "0987300041", "0987300042"
		sms(d, tc, "DK", to=NUM_TC)
		sms(d, ta, "DK", to=NUM_TA)
		eq(sorted(d.sql("SELECT commune FROM subscriptions")),
		    [("TA",), ("TC",)], "subscriptions' communes")

		def to(phone, text):
			return [r for r in sink.got("/sms") if r.json().get("to") ==
			    e164(phone) and r.json().get("text") == text]

		p = d.ctl("broadcast", "THD", "Tin cho Tinh Chau", "--commune",
		    "TC")
		check(b"1 message queued" in p.stdout, "out: %r" % p.stdout)
		check(wait_until(lambda: to(tc, "Tin cho Tinh Chau"), 10, 0.1),
		    "TC's subscriber got nothing")
		time.sleep(0.5)
		eq(to(ta, "Tin cho Tinh Chau"), [], "TA's subscriber got TC's")
		p = d.ctl("broadcast", "THD", "Tin cho Tinh Chau", "--commune",
		    "TC", ok=False)
		eq(p.returncode, 1, "the same text to TC again: %r" % p.stderr)
		check(b"--again" in p.stderr, "why: %r" % p.stderr)
		d.ctl("broadcast", "THD", "Tin cho Tinh Chau", "--commune", "ta")
		check(wait_until(lambda: to(ta, "Tin cho Tinh Chau"), 10, 0.1),
		    "the same text to TA: TA's subscriber got nothing")
		eq(len(to(tc, "Tin cho Tinh Chau")), 1, "TC's subscriber twice")
		p = d.ctl("broadcast", "THD", "x", "--commune", "XX", ok=False)
		eq(p.returncode, 1, "an unknown commune")
		d.ctl("broadcast", "THD", "Tin cho ca thanh pho")
		check(wait_until(lambda: to(tc, "Tin cho ca thanh pho") and
		    to(ta, "Tin cho ca thanh pho"), 10, 0.1),
		    "a broadcast to all reached both")
