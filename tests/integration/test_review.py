"""
test_review.py: nothing a resident sends waits unseen (SPEC §4). Every
text that enters the review list (`tincayctl inbox`) is sent to the
review.to roles (default leader) within review.every_s (default 900 s),
several to a message, masked: by SMS `XEM 3 tin: #17 ..678 "em bi..." ;
...` in at most two segments, by webhook event inbox.review with its
items; each once, across kill -9. A reviewer answers DUYET ID [AREA]
(filed as a gbv report, alerts and reply as a plea's) or BO ID
(dismissed); anyone else's DUYET or BO is answered as a text without
keyword. `tincayctl inbox file ID --to REF` makes a text a follow-up of
the report it belongs to.
"""

import math
import re
import time

from harness import WEBHOOK_SECRET, case, check, eq, verify, wait_until
from sink import Sink

LIMITS = {"request_timeout_s": 2, "retry_base_ms": 100, "retry_max_s": 2}
POLICE, HEALTH, LEADER = "0931000001", "0931000002", "0931000003"
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789"
    ":;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyz"
    "äöñüà")
GSM7_EXT = set("^{}\\[~]|€\f")

_ids = iter(range(1, 10 ** 6))


def sms(d, frm, text):
	return d.sms("rv-%d" % next(_ids), frm, text)


def segments(s):
	bad = [c for c in s if c not in GSM7 and c not in GSM7_EXT]
	check(not bad, "not GSM-7: %r in %r" % (bad, s))
	n = sum(2 if c in GSM7_EXT else 1 for c in s)
	return 1 if n <= 160 else math.ceil(n / 153)


def inbox_ids(d):
	return [x["id"] for x in d.ctl_json("inbox")]


def review_at(d, mid):
	return d.sql("SELECT review_at FROM messages WHERE id = ?", mid)[0][0]


def sms_to(sink, phone):
	"""The SMS sms_out generic sent to phone (E.164), texts in order."""
	return [r.json()["text"] for r in sink.got("/sms")
	    if (r.json() or {}).get("to") == phone]


def reviews(sink):
	return [t for t in sms_to(sink, "+84" + LEADER[1:])
	    if t.startswith("XEM ")]


def parse(text):
	"""The items of a review SMS: [(id, last3, beginning)]."""
	m = re.match(r"^XEM (\d+) tin: (.*)\. Tra loi DUYET", text, re.S)
	check(m, "review SMS %r" % text)
	items = re.findall(r'#(\d+) \.\.(\d{3}) "([^"]*)"', m.group(2))
	eq(len(items), int(m.group(1)), "items in %r" % text)
	return [(int(i), l3, b) for i, l3, b in items]


@case({"allow_http": True})
def test_review_default_every_s_in_store(d):
	"""Shipped defaults (review.to leader, every_s 900): a text that
	enters the review list is due for review 900 s after it came, in the
	store's scheduling seconds (we read the due time, not wait 900 s), and
	not sent before."""
	with Sink() as sink:
		d.add_contact("Leader", LEADER, "leader", areas="*",
		    channel="webhook", url=sink.url + "/leader")
		sms(d, "0987600001", "cho em hoi lich tiem cho be")
		mid = inbox_ids(d)[0]
		at = review_at(d, mid)
		now = time.time()
		check(at is not None, "no review due time: the text waits "
		    "unseen until someone runs tincayctl inbox")
		check(900 - 5 <= at - now <= 900 + 1, "review due %r s from now, "
		    "want 900 (review.every_s default)" % (at - now))
		time.sleep(1.0)
		eq(sink.got("/leader"), [], "sent before every_s")
		# A text filed from the list needs no review message any more.
		d.ctl("inbox", "dismiss", str(mid))
		eq(review_at(d, mid), None, "due time of a dismissed text")


@case(start=False)
def test_review_sms_to_leader_masked_once(d):
	"""every_s 2: the leader gets the texts by SMS, several to one, each
	at most two segments, masked, once; a kill -9 before the texts were
	due does not lose them, one after they were sent does not repeat
	them."""
	with Sink() as sink:
		d.overrides = {"allow_http": True, "limits": LIMITS,
		    "review": {"every_s": 2},
		    "sms_out": {"via": "generic", "url": sink.url + "/sms"}}
		d.new_config()
		d.start()
		d.add_contact("Leader", LEADER, "leader", areas="*")
		sms(d, "0987600678", "em o\r\nthon\x1b[2J  3, goi 0912 345 678 "
		    "nho chi goi lai cho em nhe, em o nha")
		sms(d, "0987600679", 'chi oi "alo" em')
		d.kill()			# before they are due
		d.start()
		got = wait_until(lambda: reviews(sink), 10, 0.1)
		check(got, "no review SMS to the leader within 10 s of the "
		    "restart (every_s 2)")
		time.sleep(1.0)
		got = reviews(sink)
		eq(len(got), 1, "review SMS for two short texts: %r" % got)
		text = got[0]
		check(segments(text) <= 2, "%r is over two segments" % text)
		items = parse(text)
		ids = inbox_ids(d)
		eq([i for i, _, _ in items], ids, "ids in the SMS")
		eq([l for _, l, _ in items], ["678", "679"], "last 3 digits")
		check(items[0][2].startswith("em o thon"), "control characters "
		    "not screened: %r" % items[0][2])
		check("0912" not in text and "345 678" not in text and
		    "987600678" not in text, "a whole phone number: %r" % text)
		check("\x1b" not in text and "\r" not in text and "\n" not in
		    text, "control characters in %r" % text)
		check(items[0][2].endswith("..."), "a long text's beginning "
		    "ends '...': %r" % items[0][2])
		# Told once: a kill -9 after it was sent repeats nothing.
		wait_until(lambda: all(o["status"] == "sent" for o in d.outbox()
		    if o["event"] == "inbox.review"), 5, 0.1)
		d.kill()
		d.start()
		# Many texts: as many SMS as two segments each need.
		for k in range(12):
			sms(d, "09876011%02d" % k, "tin so %d: " % k + "mot hai ba "
			    "bon nam sau bay tam chin muoi " * 3)
		check(wait_until(lambda: len(reviews(sink)) >= 3, 10, 0.1),
		    "review SMS for 12 more texts")
		time.sleep(2.5)
		got = reviews(sink)
		seen = []
		for t in got:
			check(segments(t) <= 2, "%r is over two segments" % t)
			seen += [i for i, _, _ in parse(t)]
		eq(sorted(seen), sorted(inbox_ids(d)), "every text of the list, "
		    "once")
		check(len(got) >= 3, "14 texts in %d SMS" % len(got))


@case({"allow_http": True, "limits": LIMITS, "review": {"every_s": 1}})
def test_review_webhook_duyet_bo(d):
	with Sink() as sink:
		for name, phone, role in (("Police", POLICE, "police"),
		    ("Health", HEALTH, "health"), ("Leader", LEADER, "leader")):
			d.add_contact(name, phone, role, areas="*",
			    channel="webhook", url="%s/%s" % (sink.url, role))
		unknown = sms(d, "0987600001", "toi o thon 3, nha co chuyen, "
		    "goi lai cho toi 0912345678")
		sms(d, "0987600002", "cho hoi lich hop")
		ids = inbox_ids(d)
		eq(len(ids), 2, "the review list")
		got = sink.wait_for(1, "/leader", lambda r: r.event() ==
		    "inbox.review", timeout=8)
		check(got, "no inbox.review webhook to the leader within 8 s")
		sig = got[0].header("x-tincay-signature")
		check(sig and verify(WEBHOOK_SECRET, sig, got[0].body),
		    "inbox.review not signed: %r" % sig)
		check(got[0].header("idempotency-key"), "no Idempotency-Key")
		j = got[0].json()
		eq([x["id"] for x in j["items"]], ids, "items")
		check(all(set(x) >= {"id", "text"} for x in j["items"]),
		    "items %r" % j["items"])
		check("0912345678" not in got[0].body.decode() and "345678" not in
		    j["items"][0]["text"], "a whole number: %r" % j["items"])
		check(j["items"][0]["text"].startswith("toi o thon 3"), "text")

		# Refused to anyone not in review.to: as a text without keyword.
		for frm in ("0987600009", POLICE):
			r = sms(d, frm, "DUYET %d" % ids[0])
			eq((r.get("ref"), r.get("reply")), (None, unknown["reply"]),
			    "DUYET from %s" % frm)
			r = sms(d, frm, "BO %d" % ids[1])
			eq((r.get("ref"), r.get("reply")), (None, unknown["reply"]),
			    "BO from %s" % frm)
		eq(inbox_ids(d)[:2], ids, "the list after refused DUYET and BO")

		r = sms(d, LEADER, "duyet %d" % ids[0])
		ref = re.search(r"bao cao ([A-Z0-9]{4,6})", r.get("reply") or "")
		check(ref, "reply to DUYET: %r" % r)
		ref = ref.group(1)
		got = sink.wait_for(1, "/police", lambda q: (q.json() or {}).get(
		    "ref") == ref, timeout=8)
		check(got, "no alert for the approved text's report %s" % ref)
		a = got[0].json()
		eq((a["event"], a["category"], a["area"], a["reporter"]),
		    ("report.created", "gbv", "T3", "+84987600001"), "the alert")
		check(a["text"].startswith("toi o thon 3"), "alert text")
		replies = [o for o in d.outbox() if o["event"] == "reply" and
		    o.get("ref") == ref]
		eq(len(replies), 1, "the plea's reply to its sender")
		r = sms(d, LEADER, "BO %d" % ids[1])
		check("bo qua" in (r.get("reply") or ""), "reply to BO: %r" % r)
		check(ids[0] not in inbox_ids(d) and ids[1] not in inbox_ids(d),
		    "approved and dismissed texts left the list")
		r = sms(d, LEADER, "BO %d" % ids[1])
		check("khong con" in (r.get("reply") or ""), "BO twice: %r" % r)
		eq(d.ctl_json("reports", "show", ref)["status"], "open", "status")


@case({"allow_http": True, "limits": LIMITS})
def test_inbox_file_to_ref(d):
	"""A victim's second text, which went to the review list, is filed
	with her report: a follow-up, forwarded to the contacts alerted for
	it, no second REF."""
	with Sink() as sink:
		d.add_contact("Police", POLICE, "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		r = sms(d, "0912345670", "BL thon 3 chong danh em")
		ref = r["ref"]
		sms(d, "0987600003", "em la nguoi vua nhan tin, em dang o nha "
		    "me de")
		mid = inbox_ids(d)[0]
		bad = d.ctl("inbox", "file", str(mid), "--to", "ZZZZ", ok=False)
		eq(bad.returncode, 1, "a REF that names no report")
		d.ctl("inbox", "file", str(mid), "--to", ref.lower())
		got = sink.wait_for(1, "/police", lambda q: q.event() ==
		    "report.updated", timeout=8)
		check(got, "the follow-up was not forwarded to the police")
		j = got[0].json()
		eq((j["ref"], j["text"]), (ref, "em la nguoi vua nhan tin, em "
		    "dang o nha me de"), "the follow-up")
		eq(inbox_ids(d), [], "the review list")
		eq([x["ref"] for x in d.reports()], [ref], "reports: one REF")
		texts = d.ctl_json("reports", "show", ref).get("texts")
		check(texts and len(texts) == 2, "the report's texts: %r" % texts)


@case(start=False)
def test_review_config_checked(d):
	for bad in ({"to": []}, {"to": "leader"}, {"every_s": 0},
	    {"every_s": "900"}, {"every_s": 86401}, {"when": 1}):
		d.config["review"] = bad
		d.write_config()
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		eq(p.returncode, 1, "tincayd -t with review %r" % bad)
		check(b"review." in p.stderr, "the error names the key: %r" %
		    p.stderr)
	d.config["review"] = {"to": ["leader", "union"], "every_s": 60}
	d.write_config()
	eq(d.run_daemon_args("-c", d.cfgpath, "-t").returncode, 0, "a good "
	    "review section")


@case(start=False)
def test_review_clock_fast_then_right_after_restart(d):
	"""A text that came while the clock ran 2 h fast is told of within
	every_s of a restart with the clock set right (SPEC §9: one
	scheduling clock), not 2 h later."""
	import test_clock
	with Sink() as sink:
		d.overrides = {"allow_http": True, "limits": LIMITS,
		    "providers": test_clock.AT, "review": {"every_s": 3}}
		d.new_config()
		clock = test_clock.faked(d, "+2h")
		d.start()
		d.add_contact("Leader", LEADER, "leader", areas="*",
		    channel="webhook", url=sink.url + "/leader")
		test_clock.at_sms(d, "rv-clk-1", "cho em hoi chut viec")
		d.kill()			# a power cut before it is due
		test_clock.set_clock(clock, "+0")
		d.start()
		got = sink.wait_for(1, "/leader", lambda r: r.event() ==
		    "inbox.review", timeout=15)
		check(got, "the text was not told of within 15 s of the restart "
		    "(every_s 3) after the clock was set right")
