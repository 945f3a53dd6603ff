"""
test_escalate.py: escalation never gives up in silence (SPEC §5). After
its last step (three of after_s), a report nobody acknowledged alerts the
last step's roles again every escalation.repeat_s (default 3600 s) until
someone does; the timer is the store's escalate_at, in the one scheduling
clock, so it survives a kill -9; /metrics counts such reports.
"""

import re
import time

from harness import case, check, eq, wait_until
from sink import Sink

LIMITS = {"request_timeout_s": 2, "retry_base_ms": 100, "retry_max_s": 2}
POLICE, LEADER = "0931000001", "0931000003"
REPORTER = "0912345678"
GAUGE = "tincay_reports_escalation_repeating"

_ids = iter(range(1, 10 ** 6))


def cfg(after_s, repeat_s=None):
	e = {"gbv": {"after_s": after_s, "to": ["leader"]}}
	if repeat_s is not None:
		e["repeat_s"] = repeat_s
	return {"allow_http": True, "limits": LIMITS, "escalation": e}


def setup(d, sink):
	for name, phone, role in (("Police", POLICE, "police"),
	    ("Leader", LEADER, "leader")):
		d.add_contact(name, phone, role, areas="*", channel="webhook",
		    url="%s/%s" % (sink.url, role))
	r = d.sms("esc-%d" % next(_ids), REPORTER, "BL thon 3 chong danh vo")
	check(r.get("ref"), "no REF: %r" % r)
	return r["ref"]


def escalations(sink, ref):
	return [q for q in sink.got("/leader") if q.event() ==
	    "report.escalated" and (q.json() or {}).get("ref") == ref]


def gauge(d):
	"""The repeating-reports gauge, with its HELP and TYPE lines."""
	r = d.request("GET", "/metrics")
	eq(r.status, 200, "/metrics")
	text = r.body.decode()
	check("# HELP %s " % GAUGE in text and "# TYPE %s gauge" % GAUGE in
	    text, "no HELP/TYPE for %s" % GAUGE)
	m = re.search(r"^%s (\d+)$" % GAUGE, text, re.M)
	check(m, "no %s sample" % GAUGE)
	return int(m.group(1))


def escalate_at(d):
	"""(escalation_level, escalate_at) of the one report, from the
	store: its timer, in the daemon's scheduling seconds (which start at
	the wall clock)."""
	rows = d.sql("SELECT escalation_level, escalate_at FROM reports")
	eq(len(rows), 1, "reports in the store")
	return rows[0]


@case(cfg(1))
def test_escalation_repeats_hourly_by_default(d):
	"""On the shipped repeat_s (3600 s): after the third step the report
	is not left alone; the store holds its next alert an hour later (we
	do not wait the hour: the due time is what the housekeeping tick
	reads), and /metrics counts it."""
	with Sink() as sink:
		ref = setup(d, sink)
		check(wait_until(lambda: len(escalations(sink, ref)) >= 3, 10,
		    0.1), "three escalation steps within 10 s (after_s 1)")
		wait_until(lambda: escalate_at(d)[0] == 3, 5, 0.1)
		now = time.time()
		level, at = escalate_at(d)
		eq(level, 3, "escalation level after the last step")
		check(at is not None, "after its last step the report has no "
		    "time to be alerted again: escalation gave up in silence")
		check(3600 - 5 <= at - now <= 3600 + 1, "next alert %r s from now, "
		    "want 3600 (escalation.repeat_s default)" % (at - now))
		eq(gauge(d), 1, GAUGE)
		time.sleep(1.5)
		eq(len(escalations(sink, ref)), 3, "alerts within 1.5 s of the "
		    "last step (the next is an hour away)")


@case(cfg(1, 1))
def test_escalation_repeat_until_acknowledged_across_kill9(d):
	"""repeat_s 1: the leader is alerted again and again past the last
	step, across a kill -9 (the timer is in the store), until NHAN; then
	nothing more and the gauge falls to 0."""
	with Sink() as sink:
		ref = setup(d, sink)
		check(wait_until(lambda: len(escalations(sink, ref)) >= 5, 15,
		    0.1), "five alerts within 15 s (after_s 1, repeat_s 1): %d"
		    % len(escalations(sink, ref)))
		eq(gauge(d), 1, GAUGE)
		d.kill()
		n = len(escalations(sink, ref))
		d.start()
		check(wait_until(lambda: len(escalations(sink, ref)) >= n + 2,
		    15, 0.1), "alerts again after a kill -9 and a restart")
		j = escalations(sink, ref)[-1].json()
		eq((j["event"], j["category"], j["area"]), ("report.escalated",
		    "gbv", "T3"), "the repeated alert")
		r = d.sms("esc-%d" % next(_ids), LEADER, "NHAN %s" % ref)
		eq(r.get("ref"), ref, "NHAN")
		eq(d.ctl_json("reports", "show", ref)["status"], "acknowledged",
		    "status")
		eq(gauge(d), 0, GAUGE + " once acknowledged")
		time.sleep(0.5)
		n = len(escalations(sink, ref))
		time.sleep(2.5)
		eq(len(escalations(sink, ref)), n, "alerts after NHAN")


@case(start=False)
def test_escalation_repeat_s_checked(d):
	for bad, why in ((0, "repeat_s"), ("60", "repeat_s"), (604801,
	    "repeat_s")):
		d.config["escalation"] = {"repeat_s": bad}
		d.write_config()
		p = d.run_daemon_args("-c", d.cfgpath, "-t")
		eq(p.returncode, 1, "tincayd -t with escalation.repeat_s %r" % bad)
		check("escalation.repeat_s" in (p.stderr or b"").decode(),
		    "the error names escalation.repeat_s: %r" % p.stderr)
	d.config["escalation"] = {"repeat_s": 60}
	d.write_config()
	eq(d.run_daemon_args("-c", d.cfgpath, "-t").returncode, 0, "repeat_s 60")
