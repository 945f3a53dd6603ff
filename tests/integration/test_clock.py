"""
test_clock.py: SPEC §9, clock steps. A commune box after a power cut
boots with a wrong clock and NTP sets it later. Under libfaketime (the
wall clock moved, the monotonic clock not), tincayd must neither drop nor
hold back alerts and replies:
  (a) started 2 h slow, then set right: a resident's reply through
      Africa's Talking goes out at once, not 2 h later;
  (b) started 2 days slow, then set right: an alert that got a 500 is
      retried and delivered, not failed "after 24 h" at its first retry;
  (c) a report filed while the clock ran 2 h fast escalates on time after
      a restart with the clock set right.
libfaketime comes with scripts/install-deps (package faketime).
"""

import glob
import os
import subprocess
import time

import harness
from harness import case, check, eq, wait_until
from sink import Sink

LIMITS = {"request_timeout_s": 2, "retry_base_ms": 200, "retry_max_s": 2}


def faked(d, offset):
	"""Run d's tincayd under libfaketime, its wall clock offset by the
	contents of a file we can rewrite while it runs."""
	libs = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
	check(libs, "libfaketime is missing (scripts/install-deps installs "
	    "the faketime package)")
	path = os.path.join(d.tmpdir, "faketime")
	set_clock(path, offset)
	# Under ASan its runtime must come first in the preload list.
	ldd = subprocess.run(["ldd", harness.TINCAYD], capture_output=True,
	    text=True).stdout
	asan = [line.split("=>")[1].split()[0] for line in ldd.splitlines()
	    if "libasan" in line and "=>" in line]
	d.env = {"LD_PRELOAD": " ".join(asan + libs[:1]),
	    "FAKETIME_TIMESTAMP_FILE": path,
	    "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
	    "FAKETIME_DONT_RESET": "1"}
	return path


def set_clock(path, offset):
	with open(path + ".tmp", "w") as f:
		f.write(offset + "\n")
	os.replace(path + ".tmp", path)


AT = {"africastalking": {"token": "it-clock-token-1"}}


def escalating(d, sink, after_s, offset):
	"""d started with its wall clock offset, escalating gbv to the leader
	after after_s; police and leader by webhook to sink. The clock file."""
	d.overrides = {"allow_http": True, "limits": LIMITS, "providers": AT,
	    "escalation": {"gbv": {"after_s": after_s, "to": ["leader"]}}}
	d.new_config()
	clock = faked(d, offset)
	d.start()
	for name, phone, role in (("Police", "0931000001", "police"),
	    ("Leader", "0931000003", "leader")):
		d.add_contact(name, phone, role, areas="*", channel="webhook",
		    url="%s/%s" % (sink.url, role))
	return clock


def at_sms(d, id, text):
	"""An SMS through Africa's Talking: its token holds no time, so the
	faked clock does not make it stale as a signed generic post would."""
	import urllib.parse
	body = urllib.parse.urlencode({"from": "+84912345678", "to": "8088",
	    "text": text, "date": "2026-11-20 10:00:00", "id": id}).encode()
	token = d.config["providers"]["africastalking"]["token"]
	r = d.request("POST", "/sms/africastalking?token=" + token, body,
	    {"Content-Type": "application/x-www-form-urlencoded"})
	eq(r.status, 200, "Africa's Talking inbound %s" % id)


@case(start=False)
def test_clock_set_right_reply_goes_at_once(d):
	with Sink() as sink:
		sink.default("201")
		d.overrides = {"allow_http": True, "limits": LIMITS,
		    "providers": {"africastalking": {"username": "commune",
		    "api_key": "k", "token": "it-clock-token-1",
		    "api_base": sink.url}}}
		d.new_config()
		clock = faked(d, "-2h")
		d.start()
		at_sms(d, "clk-1", "HD")
		got = sink.wait_for(1, "/version1/messaging", timeout=5)
		eq(len(got), 1, "the first reply, clock 2 h slow")
		set_clock(clock, "+0")		# NTP sets it right
		time.sleep(0.2)
		at_sms(d, "clk-2", "HD")
		got = sink.wait_for(2, "/version1/messaging", timeout=5)
		eq(len(got), 2, "the reply after the clock was set right, "
		    "within 5 s")


@case(start=False)
def test_clock_set_right_retry_not_given_up(d):
	with Sink() as sink:
		d.overrides = {"allow_http": True, "limits": LIMITS,
		    "providers": AT}
		d.new_config()
		clock = faked(d, "-2d")
		d.start()
		d.add_contact("Police", "0931000001", "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		sink.on("/police", "500")
		at_sms(d, "clk-3", "BL thon 3")
		got = sink.wait_for(1, "/police", timeout=5)
		check(got, "no first attempt")
		ref = got[0].json().get("ref")
		set_clock(clock, "+0")
		got = sink.wait_for(2, "/police", timeout=8)
		eq(len(got), 2, "the alert retried after the clock was set "
		    "right (%r)" % [o["status"] for o in d.outbox()])
		eq(got[1].json().get("ref"), ref, "the retried alert")
		wait_until(lambda: [o["status"] for o in d.outbox()
		    if o["channel"] == "webhook"] == ["sent"], 5, 0.1,
		    "the alert marked sent, not failed")


@case(start=False)
def test_clock_fast_then_right_escalates_after_restart(d):
	with Sink() as sink:
		clock = escalating(d, sink, 3, "+2h")
		at_sms(d, "clk-4", "BL thon 3")
		got = sink.wait_for(1, "/police", timeout=5)
		check(got, "no alert to the police")
		ref = got[0].json().get("ref")
		d.kill()		# a power cut before it escalates
		set_clock(clock, "+0")
		d.start()
		got = sink.wait_for(1, "/leader", lambda r: r.event() ==
		    "report.escalated", timeout=15)
		check(got, "no escalation within 15 s of the restart")
		eq(got[0].json().get("ref"), ref, "the escalated report")


@case(start=False)
def test_clock_set_right_ctl_writes_in_daemon_time(d):
	"""Started 2 days slow, then set right while it runs: a report filed
	from the review list by tincayctl (which runs on the right clock)
	escalates after its after_s, not 2 days later; the daemon tells
	tincayctl how far its scheduling clock runs from the wall clock."""
	with Sink() as sink:
		clock = escalating(d, sink, 2, "-2d")
		set_clock(clock, "+0")		# NTP sets it right
		at_sms(d, "clk-5", "xin chao, cho hoi lich hop thon")
		wait_until(lambda: d.ctl_json("inbox"), 5, 0.1, "the review list")
		mid = d.ctl_json("inbox")[0]["id"]
		time.sleep(1.5)			# the daemon publishes its offset
		d.ctl("inbox", "file", str(mid), "gbv", "T3")
		got = sink.wait_for(1, "/leader", lambda r: r.event() ==
		    "report.escalated", timeout=10)
		check(got, "a report filed by tincayctl did not escalate within "
		    "10 s (after_s 2) after the clock was set right")


AT_PATH = "/version1/messaging"


def stepped_while_stopped(d, sink, step, after):
	"""On the shipped retry limits: a report whose police alert (by
	webhook) and whose resident's reply (through Africa's Talking's
	send API) both got a 503 asking to retry in 4 s; the daemon stopped,
	its wall clock stepped by step while it was down, then started again
	with the sink answering each path the modes of after."""
	d.overrides = {"allow_http": True, "providers": {"africastalking": {
	    "username": "commune", "api_key": "k", "token": "it-clock-token-1",
	    "api_base": sink.url}}}
	d.new_config()
	clock = faked(d, "+0")
	d.start()
	d.add_contact("Police", "0931000001", "police", areas="*",
	    channel="webhook", url=sink.url + "/police")
	sink.on("/police", "503:4")
	sink.on(AT_PATH, "503:4")
	at_sms(d, "clk-step-%s" % step, "BL thon 3")
	check(sink.wait_for(1, "/police", timeout=5), "no first alert")
	check(sink.wait_for(1, AT_PATH, timeout=5), "no first reply")
	wait_until(lambda: sorted(o["attempts"] for o in d.outbox()) == [1, 1],
	    5, 0.05, "both first attempts recorded")
	d.stop()
	set_clock(clock, step)
	for path in ("/police", AT_PATH):
		sink.on(path, *after)
		sink.default("201" if path == AT_PATH else "200", path)
	d.start()


@case(start=False)
def test_clock_set_back_while_stopped_retries_on_time(d):
	"""Set back 1 h while stopped: the alert and the reply that were due
	4 s after their 503 go 4 s after the start, not retry_max_s (30
	min) later: a due time is not trusted across clocks."""
	with Sink() as sink:
		stepped_while_stopped(d, sink, "-1h", ())
		check(sink.wait_for(2, "/police", timeout=20)[1:],
		    "the alert not retried within 20 s of the start (%r)" %
		    [(o["status"], o["next_at"]) for o in d.outbox()])
		check(sink.wait_for(2, AT_PATH, timeout=10)[1:],
		    "the reply not retried within 20 s of the start")
		wait_until(lambda: [o["status"] for o in d.outbox()] ==
		    ["sent", "sent"], 5, 0.1, "both sent")


@case(start=False)
def test_clock_set_forward_while_stopped_does_not_give_up(d):
	"""Set forward 1 day while stopped: a 500 after the start is retried;
	the alert and the reply are not failed 'giving up after 24 h' (they
	have failed for 4 s, not a day)."""
	with Sink() as sink:
		stepped_while_stopped(d, sink, "+1d", ("500",))
		got = sink.wait_for(3, "/police", timeout=20)
		eq(len(got), 3, "alert attempts: 503, 500 after the start, then "
		    "200 (%r)" % [(o["status"], o["last_error"])
		    for o in d.outbox()])
		eq(len(sink.wait_for(3, AT_PATH, timeout=10)), 3,
		    "reply attempts")
		wait_until(lambda: [o["status"] for o in d.outbox()] ==
		    ["sent", "sent"], 5, 0.1, "both sent, not failed")
		check("giving up" not in d.stderr(), "gave up")
