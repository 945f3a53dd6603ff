"""
test_safety.py: reporter safety (SPEC §8, issue 10) through the real
daemon: the console channel prints the SMS text but masks every number;
an official's PIN is kept only as a salted slow hash and a TK is stored
without it; five wrong PINs lock TK for that contact.
"""

import re

from harness import case, check, eq, wait_until

REPORTER = "0912345678"
POLICE = "0931000001"
OFFICIAL = "0905000001"		# role official, PIN 4321


def console(d):
	try:
		with open(d.outpath, encoding="utf-8", errors="replace") as f:
			return f.read()
	except OSError:
		return ""


def db_rows(d, sql, *args):
	return d.sql(sql, *args)


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


@case()
def test_console_shows_no_control_characters(d):
	"""SPEC §8: CR, LF, tab, escape, bidi overrides and zero-width
	characters become a space or go before numbers are masked: the
	console printed raw CR/LF (a forged line), and digits split by
	zero-width spaces escaped the mask."""
	d.add_contact("Cong an", POLICE, "police", areas="*")
	text = ("BL thon 3 cuu\r\nconsole sms #99 to +84*: da xong\tSDT "
	    "09\u200b87\u200b65\u200d43\u206021 \u202enhà\u202c\x1b[2J het")
	ref = d.sms("safe-cc", REPORTER, text).get("ref")
	check(ref, "no REF")
	wait_until(lambda: ref in console(d), 10, 0.1,
	    "the alert on the console")
	lines = [l for l in console(d).split("\n") if ref in l]
	eq(len(lines), 1, "the alert on one line: %r" % lines)
	line = lines[0]
	for c in "\r\t\x1b\u200b\u200d\u2060\u202e\u202c":
		check(c not in line, "%r on the console: %r" % (c, line))
	check(not any(l.startswith("console sms #99 ") for l in
	    console(d).splitlines()), "a forged console line")
	check("cuu console sms #99 to +84*: da xong SDT *******321 nha [2J "
	    "het" in line, "the alert's words %r" % line)
	check("9876543" not in line, "the number escaped the mask: %r" % line)


@case()
def test_pin_kept_when_contacts_updated_without_one(d):
	"""An official's PIN survives an update that names none: a contacts
	list imported again without the pin column, or contacts add
	--replace without --pin. Dropped, TK answered whoever held the
	phone."""
	d.add_contact("Can bo xa", OFFICIAL, "official", pin="4321")
	plain = d.sms("x-1", "0977000001", "xin chao")
	d.import_contacts([("Chu tich xa", OFFICIAL, "official", "*")])
	d.ctl("contacts", "add", "--name", "Chu tich", "--phone", OFFICIAL,
	    "--role", "official", "--replace")
	eq([c.get("name") for c in d.contacts()], ["Chu tich"], "contacts")
	eq(d.sms("tk-n", OFFICIAL, "TK THANG"), plain, "TK without the PIN")
	res = d.sms("tk-y", OFFICIAL, "TK 4321 THANG")
	check(res.get("reply", "").startswith("TK "), "TK with the PIN %r" %
	    res)


@case()
def test_tk_pin_hashed_stored_without_it_and_lockout(d):
	d.add_contact("Can bo xa", OFFICIAL, "official", pin="4321")
	rows = db_rows(d, "SELECT pin FROM contacts")
	eq(len(rows), 1, "contacts")
	check(rows[0][0].startswith("scrypt$") and rows[0][0] != "4321",
	    "PIN kept as %r" % rows[0][0])
	res = d.sms("tk-1", OFFICIAL, "TK 4321 THANG")
	check(res.get("reply", "").startswith("TK "), "TK reply %r" % res)
	# Texts are sealed at rest (§8): read them as tincayctl opens them.
	texts = {m["provider_id"]: m.get("text") for m in d.messages()}
	eq(texts.get("tk-1"), "TK THANG", "stored TK")
	plain = d.sms("x-1", "0977000001", "xin chao")
	for i in range(5):
		eq(d.sms("tk-w%d" % i, OFFICIAL, "TK 1%d11 THANG" % i), plain,
		    "wrong PIN %d" % i)
	# Locked: the right PIN is answered as a text without keyword.
	eq(d.sms("tk-2", OFFICIAL, "TK 4321 THANG"), plain, "TK while locked")
	cats = {m["provider_id"]: m["category"] for m in d.messages()}
	eq([cats["tk-w%d" % i] for i in range(5)] + [cats["tk-2"]],
	    ["unknown"] * 6, "stored categories")
	texts = [m.get("text") or "" for m in d.messages()]
	check(not any("4321" in t or re.search(r"1\d11", t) for t in texts),
	    "a PIN among the stored messages: %r" % texts)
	eq(db_rows(d, "SELECT count(*) FROM messages WHERE reply LIKE "
	    "'%4321%'"), [(0,)], "a PIN among the replies")
	check("4321" not in d.stderr(), "the PIN is in the log")


@case()
def test_no_pin_kept_from_anything_that_begins_like_tk(d):
	"""SPEC §8: anything an official's number sends that begins like TK
	is stored without its PIN: TK1234 (glued, no keyword to the router)
	and TK PIN 1234 left the PIN in the inbox and the messages table."""
	d.add_contact("Can bo xa", OFFICIAL, "official", pin="4321")
	sent = {
		"g-1": "TK4321",
		"g-2": "tk4321 thang",
		"g-3": "TK PIN 4321",
		"g-4": "TK pin: 4321 THANG",
		"g-5": "TKPIN4321",
		"g-6": "Thong ke 4321",
		"g-7": "TK PIN 9876",		# a wrong one
		"g-8": "TK9876 11/2026",	# a wrong one, glued
	}
	for pid, text in sent.items():
		d.sms(pid, OFFICIAL, text)
	# Written out, the word PIN is no PIN: the TK is answered.
	res = d.sms("g-9", OFFICIAL, "TK PIN 4321 THANG")
	check(res.get("reply", "").startswith("TK "), "TK PIN 4321 THANG: %r"
	    % res)
	texts = {m["provider_id"]: m.get("text") or "" for m in d.messages()}
	for pid in list(sent) + ["g-9"]:
		check("4321" not in texts[pid] and "9876" not in texts[pid],
		    "%s: a PIN stored: %r" % (pid, texts[pid]))
	eq(texts["g-1"], "TK", "TK1234 as stored")
	eq(texts["g-8"], "TK 11/2026", "the period stays")
	inbox = d.ctl_json("inbox")
	check(not any("4321" in (r.get("text") or "") or "9876" in
	    (r.get("text") or "") for r in inbox), "a PIN in the inbox: %r" %
	    inbox)
	out = d.ctl("messages", "list").stdout.decode()
	check("4321" not in out and "9876" not in out, "a PIN listed: %r" %
	    out)
	check("4321" not in d.stderr() and "9876" not in d.stderr(),
	    "a PIN in the log")
	# Anyone else's TK1234 is no PIN of theirs: kept as sent.
	d.sms("o-1", "0977000001", "TK1234")
	texts = {m["provider_id"]: m.get("text") for m in d.messages()}
	eq(texts["o-1"], "TK1234", "a resident's text")
