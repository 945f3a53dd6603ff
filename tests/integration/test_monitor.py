"""
test_monitor.py: what an operator watches (SPEC §9, issue 12). /metrics in
Prometheus text format 0.0.4, every family with HELP and TYPE, the outbox
depth and the age of its oldest pending alert, open reports by category, a
request latency histogram and build info, checked by promtool when it is
installed; tincayd -t's errors and warnings; every stderr line of a run
carrying its journald priority, and a failed alert's line naming its REF
and the contact's role.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import case, check, eq
from sink import Sink, closed_port
from webclient import console_up

RESIDENT = "0987301001"
PRIO = re.compile(r"^<[0-7]>")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')
SUFFIXES = ("_bucket", "_sum", "_count")
WANT = {
	"tincay_outbox_pending": "gauge",
	"tincay_outbox_oldest_alert_age_seconds": "gauge",
	"tincay_reports_open": "gauge",
	"tincay_escalations_total": "counter",
	"tincay_http_request_duration_seconds": "histogram",
	"tincay_build_info": "gauge",
	"tincay_receipts_total": "counter",
	"tincay_http_requests_total": "counter",
}


def scrape(d):
	r = d.request("GET", "/metrics")
	eq(r.status, 200, "GET /metrics status")
	eq(r.header("Content-Type"), "text/plain; version=0.0.4; "
	    "charset=utf-8", "/metrics Content-Type")
	return r.body.decode("utf-8")


def parse(text):
	"""Families {name: {type, help, samples: [(name, labels, value)]}};
	fails unless every sample follows its family's HELP and TYPE."""
	fams, helps, types = {}, set(), {}
	for line in text.splitlines():
		if line.startswith("# HELP "):
			helps.add(line.split(" ")[2])
			continue
		if line.startswith("# TYPE "):
			_, _, name, typ = line.split(" ", 3)
			types[name] = typ
			fams[name] = {"type": typ, "samples": []}
			continue
		check(line and not line.startswith("#"), "stray line %r" % line)
		m = SAMPLE.match(line)
		check(m, "not a sample line: %r" % line)
		name, labels, value = m.group(1), m.group(2) or "", m.group(3)
		fam = name
		if name not in types:
			for s in SUFFIXES:
				if name.endswith(s) and name[:-len(s)] in types:
					fam = name[:-len(s)]
		check(fam in types, "%s: no # TYPE before its sample" % name)
		check(fam in helps, "%s: no # HELP before its sample" % name)
		fams[fam]["samples"].append((name, labels, float(value)))
	for name in types:
		check(name in helps, "%s: TYPE without HELP" % name)
	return fams


def value(fams, fam, name=None, labels=""):
	for n, l, v in fams[fam]["samples"]:
		if n == (name or fam) and l == labels:
			return v
	return None


def promtool(text):
	"""promtool check metrics, if installed (the Debian package prometheus
	is too big to pull in for this check alone)."""
	tool = shutil.which("promtool")
	if tool is None:
		return
	p = subprocess.run([tool, "check", "metrics"], input=text.encode(),
	    capture_output=True, timeout=30)
	eq(p.returncode, 0, "promtool check metrics (%r)" %
	    (p.stdout + p.stderr)[:400])


@case({"allow_http": True})
def test_metrics_families_and_values(d):
	port = closed_port()
	d.add_contact("Cong an", "0921300001", "police", areas="*",
	    channel="webhook", url="http://127.0.0.1:%d/police" % port)
	text = scrape(d)
	before = parse(text)
	check("tincay_console_" not in text, "console families without a "
	    "console: %r" % re.findall(r"tincay_console_\S+", text))
	for fam, typ in WANT.items():
		check(fam in before, "no family %s" % fam)
		eq(before[fam]["type"], typ, "%s TYPE" % fam)
	r = d.sms("mon-1", RESIDENT, "BL thon 3")
	check(r.get("ref"), "no REF: %r" % r)
	time.sleep(0.5)	# the webhook fails to connect: its row stays pending
	text = scrape(d)
	fams = parse(text)
	promtool(text)
	check(value(fams, "tincay_reports_open", labels='{category="gbv"}')
	    >= 1, "open gbv reports after one: %r" %
	    fams["tincay_reports_open"])
	check(value(fams, "tincay_outbox_pending",
	    labels='{lane="webhook"}') >= 1, "pending webhook rows: %r" %
	    fams["tincay_outbox_pending"])
	age = value(fams, "tincay_outbox_oldest_alert_age_seconds")
	check(age is not None and 0 <= age < 60, "oldest alert age %r" % age)
	eq(value(fams, "tincay_escalations_total"), 0.0, "escalations")
	h = "tincay_http_request_duration_seconds"
	buckets = [(l, v) for n, l, v in fams[h]["samples"]
	    if n == h + "_bucket"]
	check(len(buckets) >= 10 and buckets[-1][0] == '{le="+Inf"}',
	    "histogram buckets: %r" % buckets)
	check(buckets[0][0] == '{le="0.001"}' and '{le="5"}' in
	    [l for l, _ in buckets], "bucket bounds: %r" % buckets)
	vals = [v for _, v in buckets]
	eq(vals, sorted(vals), "buckets cumulative")
	count = value(fams, h, h + "_count")
	eq(vals[-1], count, "+Inf bucket == _count")
	# the first scrape and the SMS at least, answered
	check(count >= 2, "requests counted in the histogram: %r" % count)
	check(value(fams, h, h + "_sum") >= 0, "histogram sum")
	info = fams["tincay_build_info"]["samples"]
	check(len(info) == 1 and info[0][2] == 1 and
	    re.match(r'\{version="\d+\.\d+[^"]*"\}$', info[0][1]),
	    "build info: %r" % info)


def test_refused_requests_logged_and_counted(d):
	"""Issue 17 item 3: a request refused 403 or 415 is a rate-limited
	warning naming the endpoint and the reason, never the body, and
	every reply is counted in tincay_http_requests_total{endpoint,code};
	a path not served is counted as endpoint "other", whatever it is."""
	secret_text = "BL thon 3 canary-9f2e"
	body = d.sms_body("ref-1", RESIDENT, secret_text)
	eq(d.post_raw(body, sig=None).status, 403, "unsigned post")
	eq(d.post_raw(body, content_type="text/plain").status, 415,
	    "post as text/plain")
	eq(d.request("GET", "/no/such/0912345678").status, 404, "unknown path")
	eq(d.post_raw(body).status, 200, "signed post")
	line = d.wait_stderr(r"^<4>.*/sms/generic.*403.*signature.*$", 3)
	check(line, "no warning for the 403: %r" % d.stderr()[-600:])
	check(d.wait_stderr(r"^<4>.*/sms/generic.*415.*$", 3),
	    "no warning for the 415: %r" % d.stderr()[-600:])
	for i in range(40):
		d.post_raw(d.sms_body("ref-x%d" % i, RESIDENT, secret_text),
		    sig="t=1,v1=00")
	text = scrape(d)
	promtool(text)
	fams = parse(text)
	f = "tincay_http_requests_total"
	for ep, code, want in (("/sms/generic", 403, 41),
	    ("/sms/generic", 415, 1), ("/sms/generic", 200, 1),
	    ("other", 404, 1)):
		eq(value(fams, f, labels='{endpoint="%s",code="%d"}' % (ep,
		    code)), want, "%s %s %d" % (f, ep, code))
	check(value(fams, f, labels='{endpoint="/healthz",code="200"}') >= 1,
	    "healthz not counted: %r" % fams[f])
	log = d.stderr()
	check(secret_text not in log and "canary" not in log and
	    "912345678" not in log, "a body or a path is in the log")
	n = len([l for l in log.splitlines() if "/sms/generic: 403" in l])
	check(n <= 12, "%d warnings for 41 refusals: not rate-limited" % n)


@case({"allow_http": True, "allow_placeholders": True,
    "webhook_secret": "change-me-monitor"})
def test_log_lines_have_priorities(d):
	with Sink() as sink:
		sink.default("404", "/police")
		d.add_contact("Cong an", "0921300002", "police", areas="*",
		    channel="webhook", url="%s/police" % sink.url)
		d.add_contact("Truong thon", "0924300002", "leader", areas="*")
		r = d.sms("mon-2", RESIDENT, "BL thon 3")
		ref = r.get("ref")
		check(ref, "no REF: %r" % r)
		m = d.wait_stderr(r"^<4>.*failed.*$", timeout=5)
		check(m, "no warning for the failed alert: %r" %
		    d.stderr()[-600:])
		line = m.group(0)
		check(ref in line and "police" in line, "the failed alert's "
		    "line names neither its REF nor its role: %r" % line)
		check(d.wait_stderr(r"^<5>escalation: report %s" % ref,
		    timeout=5), "no notice for the escalation: %r" %
		    d.stderr()[-600:])
	d.signal(signal.SIGTERM)
	d.proc.wait(timeout=10)
	err = d.stderr()
	check(re.search(r"^<4>tincayd: warning: webhook_secret", err, re.M),
	    "no prioritised start-up warning: %r" % err[:400])
	bad = [l for l in err.splitlines() if not PRIO.match(l)]
	eq(bad, [], "stderr lines without a priority prefix")


def _check_t(d, cfg):
	d.write_config(cfg)
	p = d.run_daemon_args("-c", d.cfgpath, "-t")
	out = (p.stdout + p.stderr).decode("utf-8", "replace")
	bad = [l for l in out.splitlines() if not PRIO.match(l)]
	eq(bad, [], "tincayd -t lines without a priority prefix")
	return p.returncode, out


@case(start=False)
def test_config_check_warnings(d):
	d.import_contacts([("Cong an", "0921300003", "police", "*", "sms")])
	cfg = json.loads(json.dumps(d.config))
	cfg["listen"] = "0.0.0.0:%d" % d.port
	cfg["providers"]["twilio"] = {"auth_token": "tw-9f3a",
	    "account_sid": "AC0123"}
	rc, out = _check_t(d, cfg)
	eq(rc, 0, "tincayd -t with warnings only: exit code (%r)" % out[:600])
	for want in ("sms_out.via: console, but listen 0.0.0.0",
	    "role health: no contact", "role leader: no contact",
	    "role volunteer: no contact", "configuration ok"):
		check(want in out, "tincayd -t: no %r in %r" % (want, out[:900]))
	check("role police:" not in out, "police has a contact: %r" % out)
	# A placeholder secret is warned about, and refused (test_placeholders).
	cfg["providers"]["twilio"]["auth_token"] = "\u2026"
	rc, out = _check_t(d, cfg)
	eq(rc, 1, "tincayd -t with a placeholder secret: exit code")
	for want in ("providers.twilio.auth_token: still the shipped "
	    "placeholder", "refusing to start: providers.twilio.auth_token"):
		check(want in out, "tincayd -t: no %r in %r" % (want, out[:900]))
	cfg = json.loads(json.dumps(d.config))
	del cfg["providers"]
	rc, out = _check_t(d, cfg)
	eq(rc, 0, "tincayd -t without providers: exit code")
	check("providers: none enabled" in out, "no warning for no provider: "
	    "%r" % out[:600])


@case(start=False)
def test_config_check_errors_named_once(d):
	cfg = json.loads(json.dumps(d.config))
	cfg["timezone"] = "Asia/Atlantis"
	rc, out = _check_t(d, cfg)
	eq(rc, 1, "tincayd -t with an unknown timezone: exit code")
	check("timezone" in out and "unknown time zone" in out,
	    "the error names neither the key nor why: %r" % out)
	absent = os.path.join(d.tmpdir, "absent.json")
	p = d.run_daemon_args("-c", absent, "-t")
	out = (p.stdout + p.stderr).decode("utf-8", "replace")
	eq(p.returncode, 1, "tincayd -t on a missing file: exit code")
	eq(out.count("absent.json"), 1, "the path named once in %r" % out)
	check(PRIO.match(out), "no priority prefix: %r" % out)


@case(start=False)
def test_console_requests_counted(d):
	"""The console's answers are counted as the webhooks' are:
	tincay_console_requests_total{route,code}, route the pattern of the
	console's route table (a case's REF is "*", so REFs add no labels)
	or "other" for a path not served; tincay_console_connections is a
	gauge (without a console neither family is there: the test
	above)."""
	console_up(d)
	for path in ("/signin", "/signin", "/cases/ABC123", "/cases/XYZ987",
	    "/no/such/0912345678", "/style.css"):
		c = http.client.HTTPConnection("127.0.0.1", d.console_port,
		    timeout=10)
		c.request("GET", path)
		c.getresponse().read()
		c.close()
	text = scrape(d)
	fams = parse(text)
	promtool(text)
	f = "tincay_console_requests_total"
	eq(fams[f]["type"], "counter", "%s TYPE" % f)
	eq(value(fams, f, labels='{route="/signin",code="200"}'), 2.0,
	    "GET /signin twice")
	eq(value(fams, f, labels='{route="/cases/*",code="303"}'), 2.0,
	    "two cases signed out (redirected)")
	eq(value(fams, f, labels='{route="other",code="303"}'), 1.0,
	    "a path not served, signed out")
	eq(value(fams, f, labels='{route="/style.css",code="200"}'), 1.0,
	    "the style sheet")
	check("0912345678" not in text and "ABC123" not in text,
	    "a path's words in the labels")
	eq(fams["tincay_console_connections"]["type"], "gauge",
	    "tincay_console_connections TYPE")
	check(value(fams, "tincay_console_connections") is not None,
	    "no tincay_console_connections sample")
	# The webhooks' count is the webhooks' only.
	check(all("signin" not in l for _, l, _ in
	    fams["tincay_http_requests_total"]["samples"]),
	    "console requests in tincay_http_requests_total")
