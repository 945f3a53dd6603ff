"""
test_console_browser.py: the console (SPEC §12, issue 21) in a real
browser: Debian's chromium, headless, driven by chromium-driver through
python3-selenium (scripts/install-deps installs the three). A caseworker's
morning: sign in, open a case from the list, close it with an outcome,
see the month's report change, sign out. On the way: no page breaks its
own Content-Security-Policy (chromium logs every refused style or
script), the pages a caseworker works in fit a phone's width, and
screenshots of the sign-in page, the case list, the case page and the
month at phone (390x844) and desktop (1366x900) widths are written to
build/console-shots/ for people to look at.

chromium refuses to run as root without --no-sandbox (CI runs as root):
the flag is given then, and only then; --headless=new always.
"""

import base64
import os
import shutil
import struct
import sys
import tempfile
import urllib.parse

import harness
from harness import case, check, eq
from test_console import ADMIN, commune, first_of_month, show, today
from webclient import cells, contains_run

SHOTS = os.path.join(harness.REPO, "build", "console-shots")
PHONE = (390, 844)
DESKTOP = (1366, 900)
TIMEOUT = 20
DEBIAN_PY = "/usr/lib/python3/dist-packages"

try:
	import selenium  # noqa: F401
except ImportError:
	# Debian's python3-selenium, for a python3 that is not Debian's
	# own (pyenv, a venv): its modules are pure Python.
	if DEBIAN_PY not in sys.path:
		sys.path.append(DEBIAN_PY)


def driver(tmpdir):
	"""A headless chromium under chromedriver; the test fails (does not
	skip) when one of them is missing: make check installs them."""
	try:
		from selenium import webdriver
		from selenium.webdriver.chrome.service import Service
	except ImportError as e:
		raise harness.TestFailure("python3-selenium is missing (%s): "
		    "scripts/install-deps installs it" % e)
	chromium = shutil.which("chromium")
	chromedriver = shutil.which("chromedriver") or \
	    "/usr/bin/chromedriver"
	check(chromium and os.access(chromedriver, os.X_OK), "chromium or "
	    "chromedriver is missing: scripts/install-deps installs chromium "
	    "and chromium-driver")
	opts = webdriver.ChromeOptions()
	opts.binary_location = chromium
	opts.add_argument("--headless=new")
	if os.geteuid() == 0:
		opts.add_argument("--no-sandbox")
	for a in ("--disable-gpu", "--disable-dev-shm-usage",
	    "--no-first-run", "--disable-extensions",
	    "--window-size=%d,%d" % DESKTOP,
	    "--user-data-dir=%s" % tempfile.mkdtemp(prefix="chromium-",
	    dir=tmpdir)):
		opts.add_argument(a)
	opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
	drv = webdriver.Chrome(service=Service(executable_path=chromedriver,
	    log_path=os.path.join(tmpdir, "chromedriver.log")), options=opts)
	drv.set_page_load_timeout(TIMEOUT)
	return drv


def size(drv, wh, mobile):
	drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
	    "width": wh[0], "height": wh[1], "deviceScaleFactor": 1,
	    "mobile": mobile})


def png_size(data):
	check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
	return struct.unpack(">II", data[16:24])


def shoot(drv, name, fit=True):
	"""Screenshots of the page at both widths, the whole page long;
	fit: its content must be no wider than a phone's screen. The
	pictures' paths."""
	os.makedirs(SHOTS, exist_ok=True)
	paths = []
	for label, wh, mobile in (("phone", PHONE, True),
	    ("desktop", DESKTOP, False)):
		size(drv, wh, mobile)
		m = drv.execute_cdp_cmd("Page.getLayoutMetrics", {})
		content = m.get("cssContentSize") or m["contentSize"]
		w, h = int(content["width"]), int(content["height"])
		if fit and label == "phone":
			check(w <= wh[0], "%s: the page is %d px wide on a phone "
			    "of %d px (it scrolls sideways: no <meta name="
			    "viewport content=width=device-width>?)" % (name, w,
			    wh[0]))
		shot = drv.execute_cdp_cmd("Page.captureScreenshot", {
		    "format": "png", "captureBeyondViewport": True,
		    "clip": {"x": 0, "y": 0, "width": max(w, wh[0]),
		    "height": max(h, wh[1]), "scale": 1}})
		data = base64.b64decode(shot["data"])
		pw, ph = png_size(data)
		check(pw >= wh[0] and ph >= wh[1], "%s %s: a picture of %dx%d" %
		    (name, label, pw, ph))
		path = os.path.join(SHOTS, "%s-%s.png" % (name, label))
		with open(path, "wb") as f:
			f.write(data)
		paths.append(path)
	drv.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
	return paths


def body_text(drv):
	from selenium.webdriver.common.by import By
	return drv.find_element(By.TAG_NAME, "body").text


def path_of(drv):
	u = urllib.parse.urlsplit(drv.current_url)
	return u.path


def csp_errors(drv):
	"""What chromium refused under the page's CSP since the last call."""
	return [e["message"] for e in drv.get_log("browser") if
	    "Content Security Policy" in e.get("message", "")]


def submit(form):
	"""Press the form's button, as a person would (no script), and wait
	for the page it leads to: a click returns before the browser has
	left the page, so the URL read at once may still be the old one."""
	from selenium.webdriver.common.by import By
	from selenium.webdriver.support import expected_conditions as EC
	from selenium.webdriver.support.ui import WebDriverWait
	buttons = form.find_elements(By.CSS_SELECTOR,
	    "button, input[type=submit]")
	check(buttons, "a form without a button: %s" %
	    form.get_attribute("action"))
	buttons[0].click()
	WebDriverWait(form.parent, 20).until(EC.staleness_of(buttons[0]))


def choose(form, name, value):
	"""Pick value for field name: a radio or checkbox, else a select."""
	from selenium.webdriver.common.by import By
	from selenium.webdriver.support.ui import Select
	boxes = form.find_elements(By.CSS_SELECTOR, 'input[name="%s"][value='
	    '"%s"]' % (name, value))
	if boxes:
		if not boxes[0].is_selected():
			boxes[0].click()
		return
	sel = form.find_elements(By.CSS_SELECTOR, 'select[name="%s"]' % name)
	check(sel, "the form has no %s=%s to choose" % (name, value))
	Select(sel[0]).select_by_value(value)


def form_for(drv, action):
	from selenium.webdriver.common.by import By
	fs = [f for f in drv.find_elements(By.TAG_NAME, "form") if
	    urllib.parse.urlsplit(f.get_attribute("action") or "").path ==
	    action]
	check(fs, "no form posting to %s on %s" % (action, drv.current_url))
	return fs[0]


@case(start=False)
def test_console_browser_close_a_case(d):
	from selenium.webdriver.common.by import By
	refs, _ = commune(d)
	ref = refs["T1"]
	d.ctl("reports", "close", refs["T3"], "NAM", "70", "YT")
	base = "http://127.0.0.1:%d" % d.console_port
	drv = driver(d.tmpdir)
	try:
		drv.get(base + "/cases")
		eq(path_of(drv), "/signin", "signed out, /cases goes to")
		shoot(drv, "signin")
		form = form_for(drv, "/signin")
		form.find_element(By.NAME, "name").send_keys(ADMIN)
		form.find_element(By.NAME, "password").send_keys(
		    "mat-khau-dai-1")
		submit(form)
		check(path_of(drv) == "/cases", "after sign-in chromium is on "
		    "%s, not /cases: %r (under Referrer-Policy: no-referrer "
		    "chromium sends Origin: null on a form's POST; a __Host- "
		    "cookie without Secure is dropped)" % (path_of(drv),
		    body_text(drv)[:300]))
		shoot(drv, "cases")
		month = base + "/month"
		drv.get(month)
		before = cells(drv.page_source)
		check(before, "the month page has no table")
		drv.get(base + "/cases")
		link = [a for a in drv.find_elements(By.TAG_NAME, "a") if
		    urllib.parse.urlsplit(a.get_attribute("href") or "").path ==
		    "/cases/" + ref]
		check(link, "the case list has no link to /cases/%s" % ref)
		link[0].click()
		eq(path_of(drv), "/cases/" + ref, "the case page")
		check(ref in body_text(drv),
		    "the case page does not show its REF")
		shoot(drv, "case")
		form = form_for(drv, "/cases/%s/close" % ref)
		choose(form, "sex", "f")
		form.find_element(By.NAME, "age").send_keys("34")
		choose(form, "outcome", "CA")
		choose(form, "outcome", "TL")
		submit(form)
		eq(path_of(drv), "/cases/" + ref, "after the close")
		r = show(d, ref)
		eq((r["status"], r["victim_sex"], r["victim_age"],
		    sorted(r["outcome"])), ("closed", "f", 34, ["CA", "TL"]),
		    "the case after the browser closed it")
		drv.get(month)
		after = cells(drv.page_source)
		check(after != before, "the month's report did not change")
		want = d.ctl("stats", "--format", "html", "--from",
		    first_of_month().isoformat(), "--to",
		    today().isoformat()).stdout
		check(contains_run(after, cells(want)), "the month page's "
		    "tables are not tincayctl stats --format html's")
		shoot(drv, "month", fit=False)
		errors = csp_errors(drv)
		eq(errors, [], "what chromium refused under the pages' own "
		    "Content-Security-Policy")
		submit(form_for(drv, "/signout"))
		eq(path_of(drv), "/signin", "after sign-out")
		drv.get(base + "/cases/" + ref)
		eq(path_of(drv), "/signin", "the case page after sign-out")
	finally:
		drv.quit()
	for name in ("signin", "cases", "case", "month"):
		for label in ("phone", "desktop"):
			p = os.path.join(SHOTS, "%s-%s.png" % (name, label))
			check(os.path.getsize(p) > 1000, "the screenshot %s" % p)
