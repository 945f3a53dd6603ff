"""
test_close.py: a close can be corrected (SPEC §6a) through the real
daemon: XONG REF CODES again within 24 h of the close, from whoever may
close it, replaces the codes and answers "Da sua"; after 24 h it is
refused as before; tincayctl reports amend does it at any time. An age
outside 0-120 and contradicting codes (NU NAM, two ages) are named as not
understood, and nothing is guessed.
"""

import json

from harness import case, check, eq

REPORTER = "0912345678"
STRANGER = "0987654321"
POLICE = "0905000003"			# alerted for every report
LEADER = "0905000002"			# an official: may XONG any report
CONTACTS = [
	("Chu tich", LEADER, "leader", "*", "sms"),
	("Cong an", POLICE, "police", "*", "sms"),
]
TAKEN = "Ma %s da co nguoi nhan hoac da dong."

_n = [0]


def sms(d, frm, text):
	_n[0] += 1
	return d.sms("cl-%d" % _n[0], frm, text)


def reply(d, frm, text):
	return sms(d, frm, text).get("reply", "")


def codes(d, ref):
	r = d.ctl_json("reports", "show", ref)
	return (r["status"], r["victim_sex"], r["victim_age"],
	    sorted(r["outcome"] or []))


def closed_at(d, ref):
	return d.sql("SELECT closed_at FROM reports WHERE ref = ?", ref)[0][0]


def age_close(d, ref, seconds):
	"""The close as if it were seconds older."""
	d.sql("UPDATE reports SET closed_at = closed_at - ? WHERE ref = ?",
	    seconds, ref)


def filed(d):
	d.import_contacts(CONTACTS)
	ref = sms(d, REPORTER, "BL thon 3 chong danh vo").get("ref")
	check(ref, "no REF")
	return ref


@case()
def test_xong_again_within_24h_corrects_the_close(d):
	ref = filed(d)
	r = reply(d, POLICE, "XONG %s nu 30 CA" % ref)
	check(r.startswith("Da dong ma %s." % ref), "the close %r" % r)
	eq(codes(d, ref), ("closed", "f", 30, ["CA"]), "closed")
	when = closed_at(d, ref)

	# The closer mistyped: the same XONG again replaces every code.
	r = reply(d, POLICE, "XONG %s Nam 45 yt tl" % ref)
	eq(r, "Da sua ma %s. Cam on. Ghi nhan: nam, 45 tuoi, YT TL." % ref,
	    "the correction's reply")
	eq(codes(d, ref), ("closed", "m", 45, ["TL", "YT"]), "corrected")
	eq(closed_at(d, ref), when, "when it closed stays")
	# Codes not given again are not kept: replaced, not merged.
	r = reply(d, POLICE, "XONG %s PL" % ref)
	check(r.startswith("Da sua ma %s." % ref), "second correction %r" % r)
	eq(codes(d, ref), ("closed", None, None, ["PL"]), "replaced")
	# A false alarm after all, and back: NHAM is a code like the others.
	reply(d, POLICE, "XONG %s NHAM" % ref)
	eq(codes(d, ref)[0], "cancelled", "corrected to a false alarm")
	reply(d, POLICE, "XONG %s nu 30 CA" % ref)
	eq(codes(d, ref), ("closed", "f", 30, ["CA"]), "back to closed")
	counts = json.loads(d.ctl("stats", "--format", "json").stdout)[
	    "by_status"]
	eq((counts.get("closed"), counts.get("cancelled", 0)), (1, 0),
	    "counts follow the correction")

	# A bare XONG (a second responder's) corrects nothing: the codes
	# stay, and the answer is the one a closed report always had.
	eq(reply(d, LEADER, "XONG %s" % ref), TAKEN % ref, "a bare XONG")
	eq(codes(d, ref), ("closed", "f", 30, ["CA"]), "after a bare XONG")
	# An official may correct it too; a stranger changes nothing.
	r = reply(d, LEADER, "XONG %s nu 31 CA" % ref)
	check(r.startswith("Da sua ma %s." % ref), "official's %r" % r)
	help_reply = reply(d, STRANGER, "xin chao")
	eq(reply(d, STRANGER, "XONG %s nam 50" % ref), help_reply,
	    "a stranger's XONG")
	eq(codes(d, ref), ("closed", "f", 31, ["CA"]), "after the stranger")

	# 24 h after the close: refused as before, nothing changed.
	age_close(d, ref, 86400)
	eq(reply(d, POLICE, "XONG %s nam 50 HG" % ref), TAKEN % ref,
	    "XONG 24 h after the close")
	eq(codes(d, ref), ("closed", "f", 31, ["CA"]), "after 24 h")


@case()
def test_reports_amend_at_any_time(d):
	ref = filed(d)
	p = d.ctl("reports", "amend", ref, "nu", "30", ok=False)
	eq(p.returncode, 1, "amend of an open report")
	check("not closed" in p.stderr.decode(), "said %r" % p.stderr)
	eq(codes(d, ref), ("open", None, None, []), "open report untouched")
	reply(d, POLICE, "XONG %s nu 30 CA" % ref)
	age_close(d, ref, 30 * 86400)
	p = d.ctl("reports", "amend", ref.lower(), "Nam", "17", "yt", "xyz")
	out = p.stdout.decode()
	check("Da sua ma %s. Cam on. Ghi nhan: nam, 17 tuoi, YT. Khong hieu: "
	    "xyz." % ref in out, "reports amend said %r" % out)
	eq(codes(d, ref), ("closed", "m", 17, ["YT"]), "amended")
	p = d.ctl("reports", "amend", "ZZZZ", "nu", ok=False)
	eq(p.returncode, 1, "amend of no report")
	p = d.ctl("reports", "close", ref, "nu", ok=False)
	check("reports amend" in p.stderr.decode(), "close of a closed report "
	    "names amend: %r" % p.stderr)


@case()
def test_xong_names_what_contradicts_and_guesses_nothing(d):
	cases = [
		# (codes, said, not understood, (sex, age, outcome))
		("NU 30 NAM", "30 tuoi", "nu nam", (None, 30, [])),
		("nam 45 nữ CA", "45 tuoi, CA", "nam nu", (None, 45, ["CA"])),
		("nu 30 40", "nu", "30 40", ("f", None, [])),
		("nu 131 YT", "nu, YT", "131", ("f", None, ["YT"])),
		("nu 3O", "nu", "3o", ("f", None, [])),
		("nu nu 30 30 KHAC", "nu, 30 tuoi, KHAC", None,
		    ("f", 30, ["KHAC"])),
	]
	for i, (words, said, unknown, want) in enumerate(cases):
		ref = sms(d, "09120000%02d" % i, "BL thon %d" % (i % 3 + 1)) \
		    .get("ref") if i else filed(d)
		r = reply(d, POLICE, "XONG %s %s" % (ref, words))
		check(("Ghi nhan: %s." % said) in r, "%r: understood %r" %
		    (words, r))
		if unknown is None:
			check("Khong hieu" not in r, "%r: %r" % (words, r))
		else:
			check(("Khong hieu: %s." % unknown) in r,
			    "%r: not understood %r" % (words, r))
		eq(codes(d, ref)[1:], want, "%r stored" % words)
