"""
test_receipts.py: delivery receipts (issue 12, SPEC §5). An SMS alert
sent through Twilio or Africa's Talking keeps the provider's id for it;
Twilio's StatusCallback (asked for in every send, signed like its inbound
SMS) and Africa's Talking's delivery reports (token in the query) mark it
delivered or undelivered, and an alert that did not reach its responder
escalates its report at once, once, however often the provider repeats
itself. A send answer that refuses the number (Africa's Talking's 201 with
InsufficientBalance) fails the alert and escalates. The providers' APIs
are the recording sink, answering as the real ones do.
"""

import itertools
import json
import time
import urllib.parse

from harness import case, check, eq, wait_until
from sink import Sink
from test_providers import AT_TOKEN, PROVIDERS, TW_TOKEN, twilio_sign

POLICE = "0931000001"
TW_PATH = "/2010-04-01/Accounts/AC00000000000000000000000000000000/" \
    "Messages.json"
AT_PATH = "/version1/messaging"


def _config(sink, via):
	p = {k: dict(v) for k, v in PROVIDERS["providers"].items()}
	p[via]["api_base"] = sink.url
	return {"allow_http": True, "providers": p, "sms_out": {"via": via}}


def _twilio_api(sink):
	"""Answer each Messages API call as Twilio does: 201, a new sid."""
	n = itertools.count(1)

	def answer(req):
		if req.path != TW_PATH:
			return None
		return "json:201:" + json.dumps({"sid": "SM%032d" % next(n),
		    "status": "queued"})
	sink.program(answer)


def _at_api(sink, code=101, status="Success"):
	"""Answer each send as Africa's Talking does: 201, one recipient."""
	n = itertools.count(1)

	def answer(req):
		if req.path != AT_PATH:
			return None
		to = dict(urllib.parse.parse_qsl(req.body.decode())).get("to")
		one = {"statusCode": code, "number": to, "status": status,
		    "cost": "VND 300", "messageId": "ATXid_%d" % next(n)
		    if code < 200 else "None"}
		return "json:201:" + json.dumps({"SMSMessageData": {
		    "Message": "Sent to 1/1", "Recipients": [one]}})
	sink.program(answer)


def _answer(req):
	"""What the sink answered req with (a json: mode), as JSON."""
	return json.loads(req.mode.split(":", 2)[2])


def _at_id(req):
	return _answer(req)["SMSMessageData"]["Recipients"][0]["messageId"]


def _contacts(d, sink):
	"""Police by SMS (through the provider); the leader, whom gbv
	escalates to, by webhook."""
	d.add_contact("Police", POLICE, "police", areas="*", channel="sms")
	d.add_contact("Leader", "0931000009", "leader", areas="*",
	    channel="webhook", url=sink.url + "/leader")


def _started(d, sink, via, **answer):
	"""tincayd sending SMS through via's API (the sink, answering as
	that provider does; answer: _at_api's code and status), with the
	contacts of _contacts."""
	(_twilio_api if via == "twilio" else _at_api)(sink, **answer)
	d.overrides = _config(sink, via)
	d.new_config()
	d.start()
	_contacts(d, sink)


def _alert_row(d, ref):
	rows = [o for o in d.outbox() if o["ref"] == ref and
	    o["channel"] == "sms" and o["event"] == "report.created"]
	eq(len(rows), 1, "SMS alerts of %s" % ref)
	return rows[0]


def _escalations(sink, ref):
	return [r for r in sink.got("/leader") if r.event() ==
	    "report.escalated" and (r.json() or {}).get("ref") == ref]


def status_post(d, params, sig=None):
	path = "/sms/twilio/status"
	if sig is None:
		sig = twilio_sign(TW_TOKEN, d.config["public_url"] + path,
		    params)
	return d.request("POST", path, urllib.parse.urlencode(params).encode(),
	    {"Content-Type": "application/x-www-form-urlencoded",
	    "X-Twilio-Signature": sig})


def delivery_post(d, fields, token=AT_TOKEN):
	return d.request("POST", "/sms/africastalking/delivery?token=" +
	    urllib.parse.quote(token), urllib.parse.urlencode(fields).encode(),
	    {"Content-Type": "application/x-www-form-urlencoded"})


def _report(d, sink, api_path, n):
	"""A gbv report whose police alert went out by SMS: (REF, the
	provider's API request)."""
	ref = d.sms("rc-%d" % n, "0912000%03d" % n, "BL thon 3")["ref"]
	check(ref, "no REF")
	got = wait_until(lambda: [r for r in sink.got(api_path)
	    if ref in r.body.decode()], 5, 0.05, "the alert of %s" % ref)
	wait_until(lambda: _alert_row(d, ref)["status"] == "sent", 5, 0.05,
	    "the alert of %s marked sent" % ref)
	return ref, got[0]


@case(start=False)
def test_twilio_status_callback_escalates_undelivered(d):
	with Sink() as sink:
		_started(d, sink, "twilio")
		ref, req = _report(d, sink, TW_PATH, 1)
		form = dict(urllib.parse.parse_qsl(req.body.decode()))
		eq(form.get("StatusCallback"), d.config["public_url"] +
		    "/sms/twilio/status", "StatusCallback asked for")
		sid = _answer(req)["sid"]
		# On its way: nothing recorded.
		p = [("MessageSid", sid), ("MessageStatus", "sent"),
		    ("AccountSid", "AC00000000000000000000000000000000")]
		eq(status_post(d, p).status, 200, "status 'sent'")
		eq(_alert_row(d, ref).get("receipt"), None, "receipt after sent")
		# Signed by someone else: refused, nothing recorded.
		p = [("MessageSid", sid), ("MessageStatus", "undelivered"),
		    ("ErrorCode", "30003")]
		eq(status_post(d, p, sig="AAAA").status, 403, "bad signature")
		eq(_alert_row(d, ref).get("receipt"), None, "after a forgery")
		eq(_escalations(sink, ref), [], "escalated by a forgery")
		# Undelivered: recorded, the report escalates now (after_s is
		# 600 s), once, though Twilio says it three times.
		for _ in range(3):
			eq(status_post(d, p).status, 200, "status 'undelivered'")
		wait_until(lambda: _escalations(sink, ref), 30, 0.05,
		    "report.escalated to the leader")
		row = _alert_row(d, ref)
		eq(row.get("receipt"), "undelivered", "receipt")
		check("30003" in (row.get("last_error") or ""), "error code "
		    "kept: %r" % row.get("last_error"))
		check(row.get("receipt_at"), "receipt_at: %r" % row)
		time.sleep(1.0)	# four housekeeping ticks
		eq(len(_escalations(sink, ref)), 1, "escalations after the "
		    "same receipt three times")
		log = d.stderr()
		check("not delivered" in log and ref in log and "police" in log,
		    "the log names REF and role: %r" % log[-400:])
		m = d.request("GET", "/metrics").body.decode()
		for status, n in (("pending", 1), ("delivered", 0),
		    ("undelivered", 3)):
			check('tincay_receipts_total{status="%s"} %d\n' % (status,
			    n) in m, "metrics: %s %d in %r" % (status, n,
			    [l for l in m.splitlines() if "receipt" in l]))


@case(start=False)
def test_twilio_delivered_and_unknown_sid(d):
	with Sink() as sink:
		_started(d, sink, "twilio")
		ref, req = _report(d, sink, TW_PATH, 2)
		sid = _answer(req)["sid"]
		p = [("MessageSid", sid), ("MessageStatus", "delivered")]
		eq(status_post(d, p).status, 200, "status 'delivered'")
		eq(_alert_row(d, ref).get("receipt"), "delivered", "receipt")
		# A sid that is not ours: answered, nothing changes.
		p = [("MessageSid", "SM" + "f" * 32), ("MessageStatus",
		    "undelivered")]
		eq(status_post(d, p).status, 200, "unknown sid")
		# Missing fields: 400.
		eq(status_post(d, [("MessageSid", sid)]).status, 400,
		    "no MessageStatus")
		time.sleep(0.6)
		eq(_escalations(sink, ref), [], "escalated though delivered")
		eq(_alert_row(d, ref).get("receipt"), "delivered",
		    "receipt after the unknown sid")


@case(start=False)
def test_africastalking_delivery_report_escalates(d):
	with Sink() as sink:
		_started(d, sink, "africastalking")
		ref, req = _report(d, sink, AT_PATH, 3)
		f = {"id": _at_id(req), "status": "Failed", "phoneNumber":
		    "+84931000001", "networkCode": "45201", "failureReason":
		    "AbsentSubscriber", "retryCount": "0"}
		eq(delivery_post(d, f, token="wrong").status, 403, "bad token")
		eq(_alert_row(d, ref).get("receipt"), None, "after a bad token")
		eq(delivery_post(d, f).status, 200, "delivery report")
		wait_until(lambda: _escalations(sink, ref), 5, 0.05,
		    "report.escalated to the leader")
		row = _alert_row(d, ref)
		eq(row.get("receipt"), "undelivered", "receipt")
		check("AbsentSubscriber" in (row.get("last_error") or ""),
		    "failureReason kept: %r" % row.get("last_error"))
		# A report once acknowledged does not escalate on a late one.
		ref2, req = _report(d, sink, AT_PATH, 4)
		d.sms("rc-ack", POLICE, "NHAN %s" % ref2)
		eq(d.ctl_json("reports", "show", ref2)["status"], "acknowledged",
		    "status after NHAN")
		eq(delivery_post(d, dict(f, id=_at_id(req))).status, 200,
		    "late delivery report")
		wait_until(lambda: _alert_row(d, ref2).get("receipt") ==
		    "undelivered", 5, 0.05, "the late receipt recorded")
		time.sleep(0.6)
		eq(_escalations(sink, ref2), [], "an acknowledged report "
		    "escalated")


@case(start=False)
def test_africastalking_refusal_fails_and_escalates(d):
	"""201, but the recipient's statusCode is 405 InsufficientBalance:
	the alert did not go; it fails at once and the report escalates."""
	with Sink() as sink:
		_started(d, sink, "africastalking", code=405,
		    status="InsufficientBalance")
		ref = d.sms("rc-5", "0912000005", "BL thon 3")["ref"]
		wait_until(lambda: _escalations(sink, ref), 5, 0.05,
		    "report.escalated to the leader")
		row = _alert_row(d, ref)
		eq(row["status"], "failed", "alert status")
		check("InsufficientBalance" in (row.get("last_error") or ""),
		    "why: %r" % row.get("last_error"))
		eq(len(sink.got(AT_PATH)) >= 1, True, "the send was tried")


@case(start=False)
def test_receipt_before_its_send_is_known(d):
	"""Twilio's status callback can reach us before its API's answer to
	the send does (here: posted while the send waits for its answer).
	The receipt is not lost: it is kept until the send's id is known,
	then the undelivered alert escalates its report."""
	seen = []
	with Sink() as sink:
		n = itertools.count(1)

		def answer(req):
			if req.path != TW_PATH:
				return None
			sid = "SM%032d" % next(n)
			seen.append(status_post(d, [("MessageSid", sid),
			    ("MessageStatus", "undelivered"),
			    ("ErrorCode", "30003")]).status)
			return "json:201:" + json.dumps({"sid": sid,
			    "status": "queued"})
		sink.program(answer)
		d.overrides = _config(sink, "twilio")
		d.new_config()
		d.start()
		_contacts(d, sink)
		ref = d.sms("rc-early", "0912000099", "BL thon 3")["ref"]
		wait_until(lambda: _escalations(sink, ref), 5, 0.05,
		    "report.escalated to the leader (%r)" % _alert_row(d, ref))
		eq(seen, [200], "the early receipt's answer")
		row = _alert_row(d, ref)
		eq((row["status"], row.get("receipt")), ("sent", "undelivered"),
		    "the alert's row")
		check("30003" in (row.get("last_error") or ""), "error code "
		    "kept: %r" % row.get("last_error"))
