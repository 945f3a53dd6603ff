"""
test_campaign.py: the Action Month campaign (SPEC §4, §6, §7): DK by SMS and
by USSD option 3 subscribes, STOP opts out of every campaign message,
`tincayctl broadcast` queues one SMS per live subscriber (outbox event
"broadcast") in batches, refuses unknown campaigns and long texts, and the
outbox delivers them through the console or sms_out generic.
"""

import datetime
import os
import re
import subprocess
import time
import urllib.parse

from harness import case, check, eq, fold, wait_until
from sink import Sink

AT_TOKEN = "it-at-token-5d0a"


def running_campaigns():
	"""THD around today in the commune's zone (UTC+7, no DST); OLD over."""
	today = (datetime.datetime.now(datetime.timezone.utc) +
	    datetime.timedelta(hours=7)).date()
	day = datetime.timedelta(days=1)
	return [{"code": "THD", "name": "Tháng hành động vì bình đẳng giới",
	    "start": str(today - day), "end": str(today + day)},
	    {"code": "OLD", "start": str(today - 40 * day),
	    "end": str(today - 30 * day)}]


CAMPAIGN = {"campaigns": running_campaigns()}
A, B, C = "0912345601", "0912345602", "0912345603"
E164 = {n: "+84" + n[1:] for n in (A, B, C)}
FORBIDDEN = ("bao luc", "baoluc", "bao hanh", "tam lanh", "violence")

_ids = iter(range(1, 10 ** 6))


def sms(d, frm, text):
	return d.sms("camp-%d" % next(_ids), frm, text)


def resident_reply(res, what):
	reply = res.get("reply")
	check(isinstance(reply, str) and reply, "%s: no reply" % what)
	check(reply.isascii() and len(reply) <= 160,
	    "%s: reply not one GSM-7 segment: %r" % (what, reply))
	check("113" in reply, "%s: reply lacks 113: %r" % (what, reply))
	for w in FORBIDDEN:
		check(w not in fold(reply), "%s: not discreet: %r" % (what, reply))
	eq(res.get("ref"), None, "%s: ref" % what)
	return fold(reply)


def broadcasts(d):
	return [o for o in d.outbox() if o.get("event") == "broadcast"]


def broadcast(d, code, text, ok=True):
	p = d.ctl("broadcast", code, text, ok=ok)
	return (p.returncode, p.stdout.decode("utf-8", "replace"),
	    p.stderr.decode("utf-8", "replace"))


def subscribe_many(d, prefix, n):
	"""n subscribers to THD written straight into the database, numbers
	prefix + 7 digits (a big campaign, in a second)."""
	d.sql_many("INSERT INTO subscriptions (phone, campaign, source, "
	    "subscribed_at) VALUES (?, 'THD', 'sms', 0)",
	    [("%s%07d" % (prefix, i),) for i in range(n)])


def masked(e164):
	"""A number as the console shows it: all but its last 3 digits
	masked (SPEC §8)."""
	return "+" + "*" * (len(e164) - 4) + e164[-3:]


def console_lines(d):
	try:
		with open(d.outpath, encoding="utf-8", errors="replace") as f:
			return [l for l in f.read().splitlines()
			    if l.startswith("console sms")]
	except OSError:
		return []


@case(CAMPAIGN)
def test_campaign_sms_signup_optout_broadcast(d):
	r = resident_reply(sms(d, A, "Đăng ký"), "DK")
	check("dang ky" in r and "huydk" in r, "signup reply %r" % r)
	resident_reply(sms(d, B, "DK"), "DK")
	resident_reply(sms(d, C, "join thd"), "JOIN THD")
	r = resident_reply(sms(d, A, "DK KHONGCO"), "unknown code")
	check("thd" not in r, "unknown-code reply names campaigns: %r" % r)
	r = resident_reply(sms(d, B, "STOP"), "STOP")
	check("dk" in r, "opt-out reply %r" % r)
	cats = [m["category"] for m in d.messages()]
	eq(cats, ["signup"] * 4 + ["optout"], "message categories")
	eq(len(d.reports()), 0, "reports")
	eq(d.outbox(), [], "outbox before the broadcast")

	rc, out, err = broadcast(d, "thd", "Hưởng ứng Tháng hành động, "
	    "cùng nhau xây dựng gia đình hạnh phúc.")
	check(re.search(r"^queued 2/2$", out, re.M), "progress: %r" % out)
	check(re.search(r"\b2 messages queued", out), "final count: %r" % out)
	rows = broadcasts(d)
	eq(len(rows), 2, "broadcast rows")
	for o in rows:
		eq((o["channel"], o["ref"]), ("sms", None), "broadcast row")
	# Delivered through the console, to A and C only, folded to GSM-7.
	wait_until(lambda: all(o["status"] == "sent" for o in broadcasts(d)),
	    10, 0.1, "broadcast rows sent")
	lines = console_lines(d)
	eq(len(lines), 2, "console SMS")
	# The console masks every number (SPEC §8): each by its last digits.
	for n in (A, C):
		check(any(" to %s: " % masked(E164[n]) in l and
		    l.endswith("Huong ung Thang hanh dong,"
		    " cung nhau xay dung gia dinh hanh phuc.") for l in lines),
		    "no console SMS to %s: %r" % (n, lines))
	check(not any(masked(E164[B]) in l for l in lines),
	    "opted-out number got it")
	for n in (A, B, C):
		check(not any(n[1:] in l for l in lines),
		    "a whole number on the console: %r" % lines)

	# B signs up again: the opt-out is cleared.
	resident_reply(sms(d, B, "thamgia"), "re-signup")
	broadcast(d, "THD", "Lan hai")
	eq(len(broadcasts(d)), 5, "broadcast rows after re-signup")
	# Opting out never stops alerts: B can still report and be answered.
	res = sms(d, B, "HUYDK")
	res = sms(d, B, "BL thon 3")
	check(res.get("ref"), "report after opt-out: %r" % res)


@case(CAMPAIGN)
def test_campaign_broadcast_refusals(d):
	sms(d, A, "DK")
	rc, out, err = broadcast(d, "NOPE", "x", ok=False)
	eq(rc, 1, "unknown campaign exit")
	check("NOPE" in err, "unknown campaign message %r" % err)
	rc, out, err = broadcast(d, "THD", "a" * 307, ok=False)
	eq(rc, 1, "long text exit")
	check("3 SMS segments" in err, "segment count in %r" % err)
	rc, out, err = broadcast(d, "THD", "   ", ok=False)
	eq(rc, 1, "empty text exit")
	p = d.ctl("broadcast", "THD", ok=False)
	eq(p.returncode, 1, "missing text exit")
	eq(broadcasts(d), [], "nothing queued by refusals")
	# 306 characters fit two segments.
	rc, out, err = broadcast(d, "THD", "b" * 306)
	eq(len(broadcasts(d)), 1, "two-segment broadcast")
	# No subscriber: fine, nothing queued.
	rc, out, err = broadcast(d, "OLD", "x")
	check("0 messages queued" in out, "empty campaign: %r" % out)


@case(dict(CAMPAIGN, sms_out={"rate_per_second": 1000}))
def test_campaign_broadcast_batches(d):
	"""Subscribers written straight into the database (a big campaign)
	are queued in transactions of 200 with progress lines."""
	subscribe_many(d, "+8491", 450)
	d.sql("UPDATE subscriptions SET opted_out_at = 1 WHERE phone = "
	    "'+84910000007'")
	rc, out, err = broadcast(d, "THD", "Chao ban")
	eq(re.findall(r"^queued (\d+)/(\d+)$", out, re.M),
	    [("200", "449"), ("400", "449"), ("449", "449")], "progress")
	check("449 messages queued" in out, "final: %r" % out)
	rows = broadcasts(d)
	eq(len(rows), 449, "rows")
	wait_until(lambda: len(console_lines(d)) == 449, 20, 0.2,
	    "449 console SMS")
	# The console masks the numbers (SPEC §8), which share their last
	# digits here: the queue it prints from holds no row for the
	# opted-out number.
	check(not any(re.search(r"\+8491\d{7}", l) for l in
	    console_lines(d)), "a whole number on the console")
	eq(d.sql_value("SELECT count(*) FROM outbox WHERE event = "
	    "'broadcast' AND dest = '+84910000007'"), 0,
	    "broadcast rows to the opted-out number")
	eq(d.sql_value("SELECT count(DISTINCT dest) FROM outbox WHERE "
	    "event = 'broadcast'"), 449, "numbers the broadcast went to")


@case(dict(CAMPAIGN, allow_http=True), start=False)
def test_campaign_broadcast_generic_sink(d):
	with Sink() as sink:
		d.overrides = dict(CAMPAIGN, allow_http=True,
		    sms_out={"via": "generic", "url": sink.url + "/sms"})
		d.new_config()
		d.start()
		sms(d, A, "DK")
		sms(d, C, "DK")
		sms(d, C, "TU CHOI")
		broadcast(d, "THD", "Mời bạn dự mít tinh ngày 25/11")
		got = sink.wait_for(1, "/sms", timeout=5)
		eq(len(got), 1, "SMS through sms_out generic")
		j = got[0].json()
		eq(j["to"], E164[A], "recipient")
		eq(j["text"], "Moi ban du mit tinh ngay 25/11", "text")
		wait_until(lambda: [o["status"] for o in broadcasts(d)] ==
		    ["sent"], 5, 0.1, "broadcast row sent")


@case({"campaigns": running_campaigns(), "providers": {"africastalking": {
    "username": "sandbox", "api_key": "k", "token": AT_TOKEN}}})
def test_campaign_ussd_signup(d):
	def ussd(text, session):
		r = d.request("POST", "/ussd/africastalking?token=" + AT_TOKEN,
		    urllib.parse.urlencode({"sessionId": session,
		    "serviceCode": "*384*123#", "phoneNumber": E164[A],
		    "networkCode": "45204", "text": text}).encode(),
		    {"Content-Type": "application/x-www-form-urlencoded"})
		eq(r.status, 200, "USSD %r: %r" % (text, r))
		return r.body.decode()

	check("3 " in ussd("", "U1"), "menu has option 3")
	end = ussd("3", "U1")
	check(end.startswith("END ") and "dang ky" in fold(end) and
	    "113" in end, "signup screen %r" % end)
	eq(ussd("3", "U1"), end, "re-sent step")
	msgs = [m for m in d.messages() if m["provider"] ==
	    "africastalking-ussd"]
	eq([m["category"] for m in msgs], ["signup"], "USSD messages")
	rc, out, err = broadcast(d, "THD", "Xin chao")
	check("1 message queued" in out, "USSD subscriber: %r" % out)
	# The number is sealed (SPEC §8): the row is A's by its keyed hash,
	# and its phone is a sealed blob, not the number.
	rows = d.sql("SELECT phone_hash, source, phone FROM subscriptions")
	eq([r[:2] for r in rows], [(d.phone_hash(E164[A]), "ussd")],
	    "subscription row")
	check(isinstance(rows[0][2], bytes) and E164[A][1:].encode() not in
	    rows[0][2], "the subscription's phone is not sealed: %r" %
	    (rows[0][2],))


@case(dict(CAMPAIGN, sms_out={"rate_per_second": 5}))
def test_campaign_alert_overtakes_queued_broadcast(d):
	"""A broadcast that needs 40 s at the SMS rate never holds back an
	alert filed behind it: broadcasts wait in a lane of their own, served
	with what alerts and replies leave of the rate."""
	subscribe_many(d, "+8492", 200)
	eq(broadcast(d, "THD", "Chao ban")[0], 0, "broadcast exit status")
	wait_until(lambda: console_lines(d), 5, 0.1, "the first broadcast SMS")
	d.add_contact("Cong an", "0931000001", "police", areas="*")
	ref = sms(d, "0912345678", "BL thon 3 co nguoi bi danh").get("ref")
	check(ref, "no REF")
	line = wait_until(lambda: [l for l in console_lines(d) if ref in l],
	    3, 0.1, "the alert among the console SMS")
	sent = len(console_lines(d))
	check(sent < 40, "the alert came after %d SMS of the broadcast" % sent)
	check(len([o for o in broadcasts(d) if o["status"] == "pending"]) > 150,
	    "the broadcast should still be mostly queued: %r" % line)


@case(dict(CAMPAIGN, sms_out={"rate_per_second": 1}))
def test_campaign_stop_after_queued_and_ended_code(d):
	"""A broadcast still queued when its subscriber says "Hủy đăng ký"
	(or STOP) never reaches that number (SPEC §8); a code naming a
	campaign that is over joins nothing and says none is open."""
	for n in (A, B, C):
		sms(d, n, "DK")
	rc, out, err = broadcast(d, "THD", "Moi ban du mit tinh")
	eq(rc, 0, "broadcast: %r" % err)
	r = resident_reply(sms(d, C, "Hủy đăng ký"), "opt-out in words")
	check("ngung" in r, "not the opt-out reply: %r" % r)
	wait_until(lambda: not any(o["status"] == "pending"
	    for o in broadcasts(d)), 15, 0.2, "broadcast rows done")
	lines = console_lines(d)
	check(not any(masked(E164[C]) in l for l in lines),
	    "the broadcast reached the number that stopped: %r" % lines)
	eq(sorted(o["status"] for o in broadcasts(d)),
	    ["failed", "sent", "sent"], "broadcast rows")
	r = resident_reply(sms(d, "0912345604", "DK OLD"), "DK of an ended "
	    "campaign")
	check("chua mo" in r, "not the none-open reply: %r" % r)
	eq(d.sql_value("SELECT count(*) FROM subscriptions WHERE campaign = "
	    "'OLD'"), 0, "subscriptions to OLD")


@case(CAMPAIGN)
def test_campaign_same_broadcast_twice_needs_again(d):
	"""The same text broadcast a second time (run again by mistake) is
	refused, so nobody gets it twice; --again sends it on purpose."""
	for n in (A, B):
		sms(d, n, "DK")
	eq(broadcast(d, "THD", "Moi ban du mit tinh")[0], 0, "first")
	rc, out, err = broadcast(d, "THD", "Moi ban du mit tinh", ok=False)
	eq(rc, 1, "the same text again: exit code")
	check("queued before (2 messages)" in err and "--again" in err,
	    "stderr %r" % err)
	eq(len(broadcasts(d)), 2, "broadcast rows after the refusal")
	p = d.ctl("broadcast", "THD", "Moi ban du mit tinh", "--again")
	check(b"2 messages queued" in p.stdout, "stdout %r" % p.stdout)
	eq(len(broadcasts(d)), 4, "broadcast rows after --again")


@case(start=False)
def test_campaign_slow_provider_keeps_room_for_alerts(d):
	"""Broadcasts and alerts go to one SMS provider, which answers the
	broadcasts slowly: broadcasts hold at most half its connections, so
	an alert filed behind them reaches it at once, not after a
	broadcast's answer."""
	with Sink() as sink:
		def answer(req):
			j = req.json() or {}
			return ("slow:8:200" if "Chao ban" in j.get("text", "")
			    else "200")
		sink.program(answer)
		# The default request timeout (the harness shortens it):
		# a broadcast's transfer holds its connection the 8 s.
		d.overrides = dict(CAMPAIGN, allow_http=True,
		    limits={"request_timeout_s": None},
		    sms_out={"via": "generic", "url": sink.url + "/sms",
		    "rate_per_second": 50})
		d.new_config()
		d.start()
		subscribe_many(d, "+8493", 40)
		d.add_contact("Cong an", "0931000001", "police", areas="*")
		eq(broadcast(d, "THD", "Chao ban")[0], 0, "broadcast")
		wait_until(lambda: len(sink.got("/sms")) >= 8, 5, 0.05,
		    "broadcasts at the provider")
		ref = sms(d, "0912345678", "BL thon 3 co nguoi bi danh")["ref"]
		got = wait_until(lambda: [r for r in sink.got("/sms")
		    if ref in (r.json() or {}).get("text", "")], 20, 0.05,
		    "the alert at the provider")
		# An order: it came before any held broadcast was answered.
		first = min(r.mono for r in sink.got("/sms") if "Chao ban" in
		    (r.json() or {}).get("text", ""))
		check(got[0].mono < first + 8, "the alert reached the provider "
		    "only after a broadcast's answer")
		eq(len([r for r in sink.got("/sms") if "Chao ban" in
		    (r.json() or {}).get("text", "")]), 8, "broadcasts the "
		    "provider was holding")


def _queued_per_number(d):
	return d.sql("SELECT count(*), count(DISTINCT dest) FROM outbox "
	    "WHERE event = 'broadcast'")[0]


@case(dict(CAMPAIGN, sms_out={"rate_per_second": 1}))
def test_campaign_broadcast_interrupted_resumes(d):
	"""Issue 23: a broadcast killed half-way could only be finished with
	--again, which sent it again to those already queued. Run again, it
	queues only the subscribers not yet queued for that text; a run
	after a finished one is refused as before, and --again is still a
	deliberate second send to everyone."""
	n = 3000
	subscribe_many(d, "+8492", n)
	p = subprocess.Popen([d.tincayctl, "-c", d.cfgpath, "broadcast", "THD",
	    "Chao ban"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, cwd=d.tmpdir)
	first = p.stdout.readline().decode()
	p.kill()
	p.communicate(timeout=10)
	check(first.startswith("queued "), "no progress line: %r" % first)
	done, numbers = _queued_per_number(d)
	check(0 < done < n, "killed half-way: %d of %d queued" % (done, n))
	rc, out, err = broadcast(d, "THD", "Chao ban")
	check("%d messages queued" % (n - done) in out, "the rest: %r %r" %
	    (out[-200:], err))
	eq(_queued_per_number(d), (n, n), "rows, numbers after the re-run")
	rc, out, err = broadcast(d, "THD", "Chao ban", ok=False)
	check(rc != 0 and "--again" in err, "a finished one run again: "
	    "%r" % err)
	d.ctl("broadcast", "THD", "Chao ban", "--again")
	eq(_queued_per_number(d)[0], 2 * n, "rows after --again")
