"""
test_safety.py: reporter safety (SPEC §8, issue 10) through the real
daemon: the console channel prints the SMS text but masks every number.
"""

from harness import case, check, eq, wait_until

REPORTER = "0912345678"
POLICE = "0931000001"


def console(d):
	try:
		with open(d.outpath, encoding="utf-8", errors="replace") as f:
			return f.read()
	except OSError:
		return ""


@case()
def test_console_masks_every_number(d):
	d.add_contact("Cong an", POLICE, "police", areas="*")
	ref = d.sms("safe-1", REPORTER, "BL thon 3 goi lai cho toi "
	    "0987 654 321 hoac +84911222333").get("ref")
	check(ref, "no REF")
	line = wait_until(lambda: [l for l in console(d).splitlines()
	    if l.startswith("console sms") and ref in l], 10, 0.1,
	    "the alert on the console")[0]
	# The text is there, every number masked but its last 3 digits.
	check("BL %s T3 *******678: " % ref in line, "alert head %r" % line)
	check("goi lai cho toi **** *** 321 hoac +********333" in line,
	    "resident's words %r" % line)
	check(" to +********001: " in line, "destination %r" % line)
	out = console(d)
	for n in ("912345678", "987 654 321", "911222333", "931000001"):
		check(n not in out, "%r on the console: %r" % (n, out))
