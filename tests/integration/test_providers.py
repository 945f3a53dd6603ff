"""
test_providers.py: the real providers and USSD (SPEC §3, §6): Twilio's
signature, TwiML and retries; Africa's Talking SMS with its token and the
reply through the outbox; the USSD menu on a basic phone, filing exactly
one report per session.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

from harness import REF_RE, case, check, eq, wait_until
from sink import Sink

TW_TOKEN = "it-twilio-token-3b8e"
AT_TOKEN = "it-at-token-91c2"
PROVIDERS = {"providers": {
	"twilio": {"account_sid": "AC00000000000000000000000000000000",
	    "auth_token": TW_TOKEN, "from": "+15005550006"},
	"africastalking": {"username": "sandbox", "api_key": "k",
	    "token": AT_TOKEN}}}


def twilio_sign(token, url, params):
	"""As the official library: url + key + value sorted by key."""
	s = url
	for k in sorted(set(k for k, _ in params)):
		for v in sorted(set(v for kk, v in params if kk == k)):
			s += k + v
	mac = hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()
	return base64.b64encode(mac).decode()


def twilio_post(d, params, sig=None, body=None):
	path = "/sms/twilio"
	if sig is None:
		sig = twilio_sign(TW_TOKEN, d.config["public_url"] + path,
		    params)
	if body is None:
		body = urllib.parse.urlencode(params).encode()
	return d.request("POST", path, body, {
	    "Content-Type": "application/x-www-form-urlencoded",
	    "X-Twilio-Signature": sig})


def tw_params(sid, frm, text):
	return [("AccountSid", "AC00000000000000000000000000000000"),
	    ("MessageSid", sid), ("From", frm), ("To", "+15005550006"),
	    ("Body", text), ("NumMedia", "0")]


@case(PROVIDERS)
def test_twilio_signed_retry_and_tamper(d):
	p = tw_params("SMa1", "+84912345678", "Báo lực thôn 3 a+b & <c>")
	r = twilio_post(d, p)
	eq(r.status, 200, "signed Twilio request: %r" % r)
	check((r.header("Content-Type") or "").startswith("text/xml"),
	    "TwiML content type: %r" % r.header("Content-Type"))
	body = r.body.decode()
	check(body.startswith("<Response><Message>") and
	    body.endswith("</Message></Response>"), "TwiML: %r" % body)
	reps = d.reports()
	eq(len(reps), 1, "reports after one Twilio SMS")
	check(REF_RE.match(reps[0]["ref"]) and reps[0]["ref"] in body,
	    "REF %s in %r" % (reps[0]["ref"], body))
	eq(reps[0]["area"], "T3", "area")
	# Retried MessageSid: identical reply, nothing new.
	r2 = twilio_post(d, p)
	eq(r2.status, 200, "retry status")
	eq(r2.body, r.body, "retry body")
	eq(len(d.reports()), 1, "reports after the retry")
	eq(len(d.messages()), 1, "messages after the retry")
	# One byte of the signed body changed: 403, nothing stored.
	raw = urllib.parse.urlencode(tw_params("SMa2", "+84912345678",
	    "BL thon 3")).encode()
	sig = twilio_sign(TW_TOKEN, d.config["public_url"] + "/sms/twilio",
	    tw_params("SMa2", "+84912345678", "BL thon 3"))
	eq(twilio_post(d, None, sig, raw).status, 200, "good request")
	bad = raw.replace(b"thon+3", b"thon+4")
	check(bad != raw, "tamper")
	bad = bad.replace(b"SMa2", b"SMa3")
	eq(twilio_post(d, None, sig, bad).status, 403, "one byte changed")
	eq(twilio_post(d, None, "", raw.replace(b"SMa2", b"SMa4")).status,
	    403, "no signature")
	eq(len(d.messages()), 2, "messages after the refused ones")
	# Wrong content type, broken form.
	r = d.request("POST", "/sms/twilio", raw, {"Content-Type":
	    "application/json", "X-Twilio-Signature": sig})
	eq(r.status, 415, "JSON to /sms/twilio")
	r = d.request("POST", "/sms/twilio", b"Body=%zz", {"Content-Type":
	    "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
	eq(r.status, 400, "broken form")


@case()
def test_providers_absent_404(d):
	for path in ("/sms/twilio", "/sms/africastalking?token=x",
	    "/ussd/africastalking?token=x"):
		r = d.request("POST", path, b"a=1", {"Content-Type":
		    "application/x-www-form-urlencoded"})
		eq(r.status, 404, "%s without its provider" % path)


def at_post(d, path, fields, token=AT_TOKEN):
	q = "?token=" + urllib.parse.quote(token) if token is not None else ""
	return d.request("POST", path + q,
	    urllib.parse.urlencode(fields).encode(),
	    {"Content-Type": "application/x-www-form-urlencoded"})


@case(PROVIDERS)
def test_africastalking_sms_token_and_outbox(d):
	f = {"from": "+84912345678", "to": "8088", "text": "BL thon 2",
	    "date": "2026-11-20 10:00:00", "id": "at-1", "linkId": "L1"}
	eq(at_post(d, "/sms/africastalking", f, "wrong").status, 403,
	    "wrong token")
	eq(at_post(d, "/sms/africastalking", f, None).status, 403,
	    "no token")
	eq(len(d.messages()), 0, "nothing stored for 403")
	r = at_post(d, "/sms/africastalking", f)
	eq(r.status, 200, "right token: %r" % r)
	eq(r.body, b"", "empty body")
	reps = d.reports()
	eq(len(reps), 1, "reports")
	replies = [o for o in d.outbox() if o.get("event") == "reply"]
	eq(len(replies), 1, "reply rows in the outbox")
	eq(replies[0].get("channel"), "sms", "reply channel")
	eq(replies[0].get("ref"), reps[0]["ref"], "reply ref")
	# A retry: 200, no second report, no second reply.
	eq(at_post(d, "/sms/africastalking", f).status, 200, "retry")
	eq(len(d.reports()), 1, "reports after retry")
	eq(len([o for o in d.outbox() if o.get("event") == "reply"]), 1,
	    "reply rows after retry")
	del f["id"]
	eq(at_post(d, "/sms/africastalking", f).status, 400, "no id")


def ussd(d, text, session="ATUid_1", phone="+84912345678"):
	r = at_post(d, "/ussd/africastalking", {"sessionId": session,
	    "serviceCode": "*384*123#", "phoneNumber": phone,
	    "networkCode": "45204", "text": text})
	eq(r.status, 200, "USSD %r: %r" % (text, r))
	body = r.body.decode()
	check(body.startswith("CON ") or body.startswith("END "),
	    "USSD body %r" % body)
	check(len(body) <= 182 and body.isascii(),
	    "screen over 182 characters or not ASCII: %r" % body)
	return body


@case(PROVIDERS)
def test_ussd_session_files_once(d):
	s = ussd(d, "")
	check(s.startswith("CON ") and "1 " in s and "4 " in s, "menu %r" % s)
	s = ussd(d, "1")
	check(s.startswith("CON ") and "3 Thon 3" in s and "0 " in s,
	    "areas %r" % s)
	end = ussd(d, "1*3")
	check(end.startswith("END "), "final %r" % end)
	reps = d.reports()
	eq(len(reps), 1, "reports")
	eq(reps[0]["category"], "gbv", "category")
	eq(reps[0]["area"], "T3", "area")
	check(reps[0]["ref"] in end, "REF in %r" % end)
	# The last step re-sent: same screen, still one report.
	eq(ussd(d, "1*3"), end, "re-sent final step")
	eq(len(d.reports()), 1, "reports after re-send")
	msgs = [m for m in d.messages() if m["provider"] ==
	    "africastalking-ussd"]
	eq(len(msgs), 1, "USSD messages")
	# The message id is the session bound to its number (§6), which it
	# never shows.
	pid = msgs[0]["provider_id"]
	check(pid.startswith("ATUid_1:"), "message id %r is not the session"
	    % pid)
	check("912345678" not in pid, "the number is in the id %r" % pid)
	# Another session: hotlines, help, unknown area; wrong token.
	check("113" in ussd(d, "4", "ATUid_2"), "hotlines")
	# A wrong key shows the menu again, never END (§6); "00" is the
	# main menu from anywhere; the next right key goes on from there.
	got = ussd(d, "9", "ATUid_3")
	check(got.startswith("CON Sai so."), "wrong key: %r" % got)
	got = ussd(d, "9*1*00", "ATUid_3")
	check(got.startswith("CON Tin cay"), "00: %r" % got)
	check("113" in ussd(d, "9*1*00*4", "ATUid_3"), "hotlines after 00")
	ussd(d, "2*0", "ATUid_4")
	reps = d.reports()
	eq(len(reps), 2, "reports after a shelter report")
	eq(reps[1]["area"], None, "unknown area")
	r = at_post(d, "/ussd/africastalking", {"sessionId": "x",
	    "phoneNumber": "+84912345678", "text": ""}, "nope")
	eq(r.status, 403, "USSD with a wrong token")
	# An unencoded '+' in phoneNumber arrives as a space: still a number.
	r = d.request("POST", "/ussd/africastalking?token=" + AT_TOKEN,
	    b"sessionId=ATUid_5&serviceCode=*384#&phoneNumber=+84912345678"
	    b"&text=1*1", {"Content-Type":
	    "application/x-www-form-urlencoded"})
	eq(r.status, 200, "raw plus: %r" % r)


@case(PROVIDERS)
def test_ussd_session_bound_to_number(d):
	"""The same sessionId from another number is a new session with its
	own report, never the first caller's REF (SPEC §6); each number's
	retry gets its own REF back."""
	first = ussd(d, "1*3", "ATUid_9", "+84912345678")
	other = ussd(d, "1*3", "ATUid_9", "0987654321")
	check(first.startswith("END ") and other.startswith("END "),
	    "final screens %r %r" % (first, other))
	reps = d.reports()
	eq(len(reps), 2, "reports of one sessionId from two numbers")
	refs = [r["ref"] for r in reps]
	check(refs[0] in first and refs[1] in other and refs[0] not in other,
	    "REFs %r in %r, %r" % (refs, first, other))
	eq(ussd(d, "1*3", "ATUid_9", "+84912345678"), first, "first retried")
	eq(ussd(d, "1*3", "ATUid_9", "+84987654321"), other, "other retried")
	eq(len(d.reports()), 2, "reports after the retries")
	ids = [m["provider_id"] for m in d.messages()]
	eq(len(ids), 2, "USSD messages")
	check(not any("912345678" in i or "987654321" in i for i in ids),
	    "a number in the ids %r" % ids)


@case(dict(PROVIDERS, areas=[{"code": "X%d" % i,
    "name": "Thôn Phú Lộc %d" % i} for i in range(1, 31)]))
def test_ussd_paging(d):
	s = ussd(d, "1")
	check("98 Tiep" in s and "99 Truoc" not in s, "first page %r" % s)
	s2 = ussd(d, "1*98")
	check("99 Truoc" in s2 and s2 != s, "second page %r" % s2)
	end = ussd(d, "1*98*98*30")
	check(end.startswith("END "), "final %r" % end)
	eq(d.reports()[0]["area"], "X30", "area 30")


def _sending(sink, via, section):
	"""Providers config whose send API is the sink, SMS out through it."""
	p = {k: dict(v) for k, v in PROVIDERS["providers"].items()}
	p[section]["api_base"] = sink.url
	return {"allow_http": True, "providers": p,
	    "sms_out": {"via": via}}


@case(start=False)
def test_africastalking_reply_through_send_api(d):
	"""SPEC §3: an Africa's Talking SMS is answered through its send API
	(POST {api_base}/version1/messaging, apikey header, form fields as the
	SDK sends them; 201 is success)."""
	with Sink() as sink:
		sink.default("201")
		d.overrides = _sending(sink, "africastalking", "africastalking")
		# the sandbox switch only applies to the default api_base
		d.overrides["providers"]["africastalking"]["username"] = "commune"
		d.overrides["providers"]["africastalking"]["from"] = "TINCAY"
		d.new_config()
		d.start()
		f = {"from": "+84912345678", "to": "8088", "text": "HD",
		    "date": "2026-11-20 10:00:00", "id": "at-send-1"}
		eq(at_post(d, "/sms/africastalking", f).status, 200, "inbound")
		got = sink.wait_for(1, "/version1/messaging", timeout=5)
		eq(len(got), 1, "send API requests")
		r = got[0]
		eq(r.method, "POST", "method")
		eq(r.header("apikey"), "k", "apikey header")
		eq((r.header("accept") or ""), "application/json", "Accept")
		check((r.header("content-type") or "").startswith(
		    "application/x-www-form-urlencoded"), "Content-Type %r" %
		    r.header("content-type"))
		form = dict(urllib.parse.parse_qsl(r.body.decode()))
		eq(form.get("username"), "commune", "username")
		eq(form.get("to"), "+84912345678", "to")
		eq(form.get("from"), "TINCAY", "from")
		eq(form.get("bulkSMSMode"), "1", "bulkSMSMode")
		check("113" in form.get("message", ""), "help reply %r" % form)
		wait_until(lambda: [o["status"] for o in d.outbox()] == ["sent"],
		    5, 0.1, "the reply row sent")


@case(start=False)
def test_twilio_sms_out_messages_api(d):
	"""SMS alerts through Twilio's Messages API: basic auth, form
	To/From/Body, to {api_base}/2010-04-01/Accounts/SID/Messages.json."""
	with Sink() as sink:
		sink.default("201")
		d.overrides = _sending(sink, "twilio", "twilio")
		d.new_config()
		d.start()
		d.add_contact("Police", "0931000001", "police", areas="*",
		    channel="sms")
		r = d.sms("tw-out-1", "0912345678", "BL thon 3")
		ref = r["ref"]
		path = "/2010-04-01/Accounts/AC00000000000000000000000000000000/" \
		    "Messages.json"
		got = sink.wait_for(1, path, timeout=5)
		eq(len(got), 1, "Messages API requests")
		auth = got[0].header("authorization") or ""
		check(auth.startswith("Basic "), "no basic auth: %r" % auth)
		eq(base64.b64decode(auth[6:]).decode(),
		    "AC00000000000000000000000000000000:" + TW_TOKEN, "basic auth")
		form = dict(urllib.parse.parse_qsl(got[0].body.decode()))
		eq(form.get("To"), "+84931000001", "To")
		eq(form.get("From"), "+15005550006", "From")
		check(form.get("Body", "").startswith("BL %s T3 " % ref) and
		    ("NHAN %s" % ref) in form["Body"], "Body %r" % form)


@case(start=False)
def test_africastalking_reply_through_its_api_not_sms_out(d):
	"""SPEC §5: a reply goes back through the provider the message came
	in on: with sms_out through generic, an Africa's Talking resident is
	still answered through Africa's Talking's send API, while the alerts
	of the same report go through sms_out."""
	with Sink() as sink:
		sink.default("201")
		p = {k: dict(v) for k, v in PROVIDERS["providers"].items()}
		p["africastalking"]["api_base"] = sink.url
		p["generic"] = {"secret": "it-generic-secret-0123456789"}
		d.overrides = {"allow_http": True, "providers": p,
		    "sms_out": {"via": "generic", "url": sink.url + "/generic"}}
		d.new_config()
		d.start()
		d.add_contact("Police", "0931000001", "police", areas="*",
		    channel="sms")
		f = {"from": "+84912345678", "to": "8088", "text": "BL thon 1",
		    "date": "2026-11-20 10:00:00", "id": "at-via-1"}
		eq(at_post(d, "/sms/africastalking", f).status, 200, "inbound")
		got = sink.wait_for(1, "/version1/messaging", timeout=5)
		eq(len(got), 1, "replies through Africa's Talking")
		form = dict(urllib.parse.parse_qsl(got[0].body.decode()))
		eq(form.get("to"), "+84912345678", "reply to")
		check("113" in form.get("message", ""), "reply %r" % form)
		alerts = sink.wait_for(1, "/generic", timeout=5)
		eq(len(alerts), 1, "the alert through sms_out (generic)")
		check("0931000001" in alerts[0].body.decode() or "+84931000001"
		    in alerts[0].body.decode(), "alert to the police: %r" %
		    alerts[0].body[:200])
		time.sleep(0.3)
		eq(len(sink.got("/version1/messaging")), 1, "only the reply "
		    "went through Africa's Talking")


@case(PROVIDERS)
def test_ussd_ids_unlinked_and_purged(d):
	"""A USSD message's id tags its session with the number (SPEC §6),
	but one number's sessions share no tag that would tie them together,
	and a purge replaces the ids of what it purges (SPEC §8): nothing
	left points back to the caller."""
	from test_privacy import found
	ussd(d, "1*1", "ATUid_p1", "+84915551234")
	ussd(d, "2*1", "ATUid_p2", "+84915551234")
	ids = [m["provider_id"] for m in d.messages()
	    if m["provider"] == "africastalking-ussd"]
	eq(len(ids), 2, "USSD messages")
	tags = [i.split(":", 1)[1] for i in ids]
	check(tags[0] != tags[1], "one number's two sessions share the tag "
	    "%r" % tags)
	for r in d.reports():
		d.ctl("reports", "close", r["ref"], "nham")
	d.ctl("purge", "--older-than", "0")
	after = [m["provider_id"] for m in d.messages()
	    if m["provider"] == "africastalking-ussd"]
	check(all(i.startswith("purged:") for i in after),
	    "ids after the purge: %r" % after)
	eq(found(d, tags), [], "the tags in the files after the purge")
