"""
test_cli.py: the operator's command line (SPEC §1, §6a, §7; issue 11):
-h/--help and -V of both programs, local times in text listings, the
texts of a report, send, backup while tincayd runs, reports close, and
contacts add/import as an operator meets them (an existing number, a
spreadsheet's CSV).
"""

import datetime
import json
import os
import re
import stat
import subprocess
import threading
import time

import harness

from harness import (TINCAYCTL, TINCAYD, case, check, eq, sqlite_only,
    wait_until)
from sink import Sink

REPORTER = "0912345678"
POLICE = "0931000001"
HEALTH = "0931000002"
STAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
EPOCH_RE = re.compile(r"\b1\d{9}\b")	# seconds since 1970, 2001..2286
VN = datetime.timezone(datetime.timedelta(hours=7))

_ids = iter(range(1, 10 ** 6))


def sms(d, frm, text):
	return d.sms("cli-%d" % next(_ids), frm, text)


def local(t):
	"""Epoch seconds as the commune's (UTC+7) YYYY-MM-DD HH:MM."""
	return datetime.datetime.fromtimestamp(t, VN).strftime("%Y-%m-%d %H:%M")


def table(out):
	"""A text listing: its header names and rows as dicts, each cell
	read under its column's header (columns are lined up)."""
	lines = out.decode().rstrip("\n").split("\n")
	cols = [(m.start(), m.group(0)) for m in re.finditer(r"\S+",
	    lines[0])]
	ends = [s for s, _ in cols[1:]] + [None]
	head = [n for _, n in cols]
	return head, [{n: l[s:e].rstrip() for (s, n), e in zip(cols, ends)}
	    for l in lines[1:]]


def text(p):
	return (p.stdout + p.stderr).decode("utf-8", "replace")


# ---------------------------------------------------------------- listings

@case()
def test_text_listings_show_local_times(d):
	d.add_contact("Cong an", POLICE, "police")
	ref = sms(d, REPORTER, "BL thon 3 chong danh vo")["ref"]
	want = {
		"reports": ("created_at",),
		"messages": ("received_at",),
		"outbox": ("created_at", "next_at"),
	}
	for noun, cols in sorted(want.items()):
		rows_json = d.ctl_json(noun, "list")
		out = d.ctl(noun, "list").stdout
		check(not EPOCH_RE.search(out.decode()), "%s list shows epoch "
		    "seconds: %r" % (noun, out[:300]))
		head, rows = table(out)
		eq(len(rows), len(rows_json), "%s list rows" % noun)
		for col in cols:
			check(col in head, "%s list has no %s: %r" % (noun, col,
			    head))
			for tr, jr in zip(rows, rows_json):
				check(STAMP_RE.match(tr[col]), "%s %s: %r" % (noun,
				    col, tr[col]))
				eq(tr[col], local(jr[col]), "%s %s" % (noun, col))
	# JSON keeps numbers.
	r = d.ctl_json("reports", "show", ref)
	check(isinstance(r["created_at"], int), "JSON created_at %r" %
	    r["created_at"])


# ---------------------------------------------------------------- -h, -V

# Every command of SPEC §7 tincayctl has (inbox is not built yet).
COMMANDS = ["contacts import", "contacts add", "contacts list",
    "contacts remove", "reports list", "reports show", "reports close",
    "messages list", "outbox list", "send", "backup", "stats",
    "broadcast", "purge", "migrate"]


def run(argv, cwd):
	return subprocess.run(argv, stdin=subprocess.DEVNULL,
	    capture_output=True, timeout=harness.CTL_TIMEOUT, cwd=cwd)


@case(start=False)
def test_help_and_version(d):
	for prog in (TINCAYD, TINCAYCTL):
		name = os.path.basename(prog)
		for opt in ("-h", "--help"):
			p = run([prog, opt], d.tmpdir)
			eq(p.returncode, 0, "%s %s exit code" % (name, opt))
			out = p.stdout.decode()
			check(out.startswith("usage: %s" % name), "%s %s: stdout "
			    "%r" % (name, opt, out[:200]))
		p = run([prog, "-V"], d.tmpdir)
		eq(p.returncode, 0, "%s -V exit code" % name)
		check(re.match(r"%s \d+\.\d+" % name, p.stdout.decode()),
		    "%s -V: %r" % (name, p.stdout))
		# A wrong option: said on stderr (tincayctl: in one line
		# naming it, not the whole usage), exit 1.
		p = run([prog, "--no-such-option"], d.tmpdir)
		eq(p.returncode, 1, "%s --no-such-option exit code" % name)
		check((b"usage:" in p.stderr if prog == TINCAYD else
		    b"'--no-such-option'" in p.stderr) and p.stdout == b"",
		    "%s --no-such-option: %r" % (name, p.stderr[:200]))
	usage = run([TINCAYCTL, "--help"], d.tmpdir).stdout.decode()
	for cmd in COMMANDS:
		check(re.search(r"^\s+tincayctl -c config\.json %s\b" % cmd,
		    usage, re.M), "tincayctl --help lacks %r:\n%s" % (cmd, usage))
	# One command's usage, without a config.
	p = run([TINCAYCTL, "reports", "list", "--help"], d.tmpdir)
	eq(p.returncode, 0, "reports list --help exit code")
	check(p.stdout.decode().startswith("usage: tincayctl -c config.json "
	    "reports list"), "reports list --help: %r" % p.stdout)


# ---------------------------------------------------------------- reports show

@case()
def test_reports_show_texts(d):
	d.add_contact("Cong an", POLICE, "police")
	first = "BL thôn 3 chồng đánh vợ"
	second = "anh ta vẫn ở nhà, xin đến nhanh"
	ref = sms(d, REPORTER, first)["ref"]
	sms(d, REPORTER, second)		# a follow-up
	sms(d, "0987000111", "BL thon 5 co danh nhau")	# another report
	sms(d, POLICE, "NHAN %s" % ref)		# the responder's, not counted
	r = d.ctl_json("reports", "show", ref.lower())
	eq(r["ref"], ref, "reports show ref")
	eq(r["texts"], [first, second, "NHAN %s" % ref],
	    "reports show --json texts")
	eq(r["messages"], 2, "messages from the reporter's number")
	eq([x["messages"] for x in d.reports() if x["ref"] == ref], [2],
	    "reports list messages")
	out = d.ctl("reports", "show", ref).stdout.decode()
	check(not EPOCH_RE.search(out), "reports show shows epoch seconds: "
	    "%r" % out)
	check(re.search(r"^created_at\s+%s$" % re.escape(local(
	    r["created_at"])), out, re.M), "reports show created_at: %r" % out)
	lines = out.split("texts:\n", 1)
	check(len(lines) == 2, "reports show has no texts: %r" % out)
	got = [l for l in lines[1].split("\n") if l]
	eq(len(got), 3, "reports show text lines")
	for line, want in zip(got, (first, second, "NHAN %s" % ref)):
		check(line.endswith(want) and re.match(r"^\s+\d{4}-\d\d-\d\d "
		    r"\d\d:\d\d\s+\w+\s+", line), "text line %r" % line)
	p = d.ctl("reports", "show", "ZZZZ", ok=False)
	eq(p.returncode, 1, "reports show of no report")
	check(b"no report" in p.stderr, "stderr %r" % p.stderr)


# ---------------------------------------------------------------- send

@case(start=False)
def test_send_reaches_sms_provider(d):
	with Sink() as sink:
		d.overrides = {"allow_http": True, "sms_out": {"via": "generic",
		    "url": sink.url + "/sms"}}
		d.new_config()
		d.start()
		p = d.ctl("send", "093 100 0001", "Thử tin nhắn từ xã — “OK”?")
		out = p.stdout.decode()
		check("+84931000001" in out, "send output %r" % out)
		got = sink.wait_for(1, "/sms", timeout=5)
		eq(len(got), 1, "SMS requests the sink received")
		j = got[0].json()
		eq(j["to"], "+84931000001", "SMS to")
		eq(j["text"], 'Thu tin nhan tu xa - "OK"?', "SMS text (GSM-7)")
		rows = wait_until(lambda: [o for o in d.outbox() if
		    o["status"] == "sent"], 5, 0.1, "the row sent")
		eq(len(rows), 1, "outbox rows")
		eq((rows[0]["channel"], rows[0]["event"], rows[0]["ref"]),
		    ("sms", "test", None), "the test row")
		eq(d.reports(), [], "reports")
		# Refused, nothing queued: a bad number, no text, too long.
		for args, why in ((("12", "hello"), "not a phone number"),
		    (("0931000001", "  "), "empty"),
		    (("0931000001", "x" * 307), "segments")):
			p = d.ctl("send", *args, ok=False)
			eq(p.returncode, 1, "send %r exit code" % (args,))
			check(why in p.stderr.decode(), "send %r: %r" % (args,
			    p.stderr))
		eq(len(d.outbox()), 1, "outbox rows after refusals")
		eq(len(sink.got("/sms")), 1, "SMS after refusals")


# ---------------------------------------------------------------- backup

@sqlite_only("SQLite's online backup while writers go on (a server's "
    "database: test_migrate.test_backup_of_a_server_is_an_sqlite_copy)")
@case()
def test_backup_while_daemon_runs(d):
	d.add_contact("Cong an", POLICE, "police")
	for i in range(20):
		sms(d, "+8491%07d" % i, "BL thon %d bi danh" % (i % 6 + 1))
	before = d.reports()
	stop = threading.Event()
	posted = []

	def post():
		i = 100
		while not stop.is_set() and i < 400:
			posted.append(sms(d, "+8491%07d" % i, "BL thon 2 cuu"))
			i += 1
	t = threading.Thread(target=post, daemon=True)
	t.start()
	try:
		wait_until(lambda: len(posted) >= 3, 10, 0.02, "posts under way")
		path = os.path.join(d.tmpdir, "copy.db")
		p = d.ctl("backup", path)
		check(path in p.stdout.decode(), "backup output %r" % p.stdout)
		# The second post begun after the copy is surely after it.
		n = len(posted)
		wait_until(lambda: len(posted) >= n + 2, 10, 0.02,
		    "posts after the backup")
	finally:
		stop.set()
		t.join(20)
	check(len(posted) < 300, "the posting ended before the backup did")
	eq(stat.S_IMODE(os.stat(path).st_mode), 0o600, "backup file mode")
	# The key does not travel with the data (§8): not asked for, not
	# written.
	check(not os.path.exists(path + ".key"), "a key beside the copy")
	after = d.reports()
	# The copy, read by tincayctl with a config pointing at it and at
	# the database's key.
	cfg = json.loads(json.dumps(d.config))
	cfg["database"] = path
	cfg["key_file"] = d.keypath
	cpath = os.path.join(d.tmpdir, "copy.json")
	with open(cpath, "w", encoding="utf-8") as f:
		json.dump(cfg, f, ensure_ascii=False)
	p = harness.subprocess.run([TINCAYCTL, "-c", cpath, "reports", "list",
	    "--json"], capture_output=True, timeout=harness.CTL_TIMEOUT)
	eq(p.returncode, 0, "reports list on the copy: %r" % p.stderr)
	copy = json.loads(p.stdout)
	# A snapshot: every report from before, then a prefix of the rest.
	eq(copy[:len(before)], before, "the copy's first reports")
	eq(copy, after[:len(copy)], "the copy is a prefix of the live reports")
	check(len(copy) < len(after), "reports filed after the copy")
	# Never over an existing file.
	size = os.path.getsize(path)
	p = d.ctl("backup", path, ok=False)
	eq(p.returncode, 1, "backup over an existing file")
	check(b"exists" in p.stderr, "stderr %r" % p.stderr)
	eq(os.path.getsize(path), size, "the existing file untouched")


# ---------------------------------------------------------------- close

@case({"allow_http": True})
def test_reports_close_by_operator(d):
	with Sink() as sink:
		for role, phone in (("police", POLICE), ("health", HEALTH)):
			d.add_contact("C %s" % role, phone, role, channel="webhook",
			    url="%s/%s" % (sink.url, role))
		text = "BL thon 3 chong danh vo"
		ref = sms(d, REPORTER, text)["ref"]
		sink.wait_for(2, pred=lambda r: r.event() == "report.created")
		p = d.ctl("reports", "close", ref.lower(), "Nữ", "30", "ca", "YT",
		    "xyz")
		out = p.stdout.decode()
		check("closed" in out and "Ghi nhan: nu, 30 tuoi, CA YT." in out
		    and "Khong hieu: xyz." in out, "reports close said %r" % out)
		for path in ("/police", "/health"):
			got = sink.wait_for(1, path, lambda r: r.event() ==
			    "report.closed", timeout=8)
			eq(len(got), 1, "report.closed to %s" % path)
			eq(got[0].json()["ref"], ref, "closed event's ref")
		r = d.ctl_json("reports", "show", ref)
		eq((r["status"], r["victim_sex"], r["victim_age"]),
		    ("closed", "f", 30), "the closed report")
		check("CA" in json.dumps(r["outcome"]) and "YT" in
		    json.dumps(r["outcome"]), "outcome %r" % r["outcome"])
		eq(r["texts"], [text], "texts before the purge")
		# Closed already: nothing changes, exit 1.
		p = d.ctl("reports", "close", ref, "nham", ok=False)
		eq(p.returncode, 1, "closing a closed report")
		check(b"already" in p.stderr, "stderr %r" % p.stderr)
		eq(d.ctl_json("reports", "show", ref)["status"], "closed",
		    "status after a second close")
		p = d.ctl("reports", "close", "ZZZZ", ok=False)
		eq(p.returncode, 1, "closing no report")
		check(b"no report" in p.stderr, "stderr %r" % p.stderr)
		# NHAM by an operator: cancelled.
		ref2 = sms(d, "0987000222", "BL thon 3 cuu")["ref"]
		p = d.ctl("reports", "close", ref2, "NHAM")
		check("cancelled" in p.stdout.decode(), "NHAM: %r" % p.stdout)
		eq(d.ctl_json("reports", "show", ref2)["status"], "cancelled",
		    "status after NHAM")
		# Once purged, a text is null.
		d.ctl("purge", "--older-than", "0")
		eq(d.ctl_json("reports", "show", ref)["texts"], [None],
		    "texts after the purge")


# ---------------------------------------------------------------- contacts

@case(start=False)
def test_contacts_add_never_overwrites_silently(d):
	d.add_contact("Cong an", POLICE, "police", areas="T1")
	p = d.ctl("contacts", "add", "--name", "Nguoi khac", "--phone",
	    "+84 93 100 0001", "--role", "health", ok=False)
	eq(p.returncode, 1, "contacts add of an existing number")
	err = p.stderr.decode()
	check("+84931000001" in err and "already" in err and "--replace" in
	    err, "stderr %r" % err)
	c = d.contacts()
	eq([(x["name"], x["role"], x["areas"]) for x in c],
	    [("Cong an", "police", "T1")], "the contact is unchanged")
	p = d.ctl("contacts", "add", "--name", "Nguoi khac", "--phone",
	    POLICE, "--role", "health", "--replace")
	check(b"replaced" in p.stdout, "stdout %r" % p.stdout)
	c = d.contacts()
	eq([(x["name"], x["role"], x["areas"]) for x in c],
	    [("Nguoi khac", "health", "*")], "the contact replaced")


@case(start=False)
def test_contacts_import_spreadsheet_csv(d):
	path = os.path.join(d.tmpdir, "danhba.csv")
	# What a spreadsheet in a Vietnamese locale writes: a BOM, ';',
	# quoted names, CRLF, a field holding ';' quoted.
	with open(path, "wb") as f:
		f.write("\ufeff\"name\";\"phone\";\"role\";\"areas\";\"channel\";"
		    "\"url\";\"pin\"\r\n"
		    "Công an xã;0931000001;police;*;sms;;\r\n"
		    "\"Trạm y tế; trực\";0931000002;health;\"T1;T3\";sms;;1234\r\n"
		    .encode("utf-8"))
	d.ctl("contacts", "import", path)
	c = sorted((x["name"], x["phone"], x["role"], x["areas"]) for x in
	    d.contacts())
	eq(c, [("Công an xã", "+84931000001", "police", "*"),
	    ("Trạm y tế; trực", "+84931000002", "health", "T1;T3")],
	    "contacts from a ';' CSV with a BOM")
	# A BOM before a ',' header.
	path2 = os.path.join(d.tmpdir, "danhba2.csv")
	with open(path2, "wb") as f:
		f.write("\ufeffname,phone,role,areas\nLanh dao,0931000003,"
		    "leader,*\n".encode("utf-8"))
	d.ctl("contacts", "import", path2)
	eq(len(d.contacts()), 3, "contacts after a ',' CSV with a BOM")
	# A ';' file whose areas are not quoted fails by its line, whole.
	path3 = os.path.join(d.tmpdir, "bad.csv")
	with open(path3, "w", encoding="utf-8") as f:
		f.write("name;phone;role;areas;channel\nA;0931000004;police;"
		    "T1;T3;sms\n")
	p = d.ctl("contacts", "import", path3, ok=False)
	eq(p.returncode, 1, "a bad ';' CSV")
	check(b"bad.csv:2" in p.stderr, "stderr %r" % p.stderr)
	eq(len(d.contacts()), 3, "nothing imported from the bad file")


@sqlite_only("the owner of the database file and its directory")
@case(start=False)
def test_ctl_root_becomes_owner(d):
	"""Root's tincayctl on a database directory of another user creates
	the database (and its key) as that user, never as root (SPEC §9)."""
	if os.geteuid() != 0:
		return
	nobody = 65534
	os.chmod(d.tmpdir, 0o711)
	state = os.path.join(d.tmpdir, "state")
	keys = os.path.join(d.tmpdir, "keys")	# the key apart (SPEC §8)
	for path in (state, keys):
		os.mkdir(path, 0o700)
		os.chown(path, nobody, nobody)
	d.config["database"] = os.path.join(state, "t.db")
	d.config["key_file"] = os.path.join(keys, "t.key")
	d.write_config()
	d.add_contact("Cong an", "0931000001", "police")
	for path in (d.config["database"], d.config["key_file"]):
		eq(os.stat(path).st_uid, nobody, "owner of %s made by root's "
		    "tincayctl" % path)


@case({"allow_http": True, "limits": {"request_timeout_s": 2,
    "retry_base_ms": 200, "retry_max_s": 1}})
def test_contacts_remove_stops_what_waits_for_it(d):
	"""A contact removed (a volunteer who left) gets nothing more: alerts
	still waiting for it (its webhook answering 503) are failed and
	emptied of the reporter's number and words, not retried."""
	with Sink() as sink:
		sink.default("503", "/vol")
		d.add_contact("Police", "0931000001", "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		d.add_contact("Gone", "0944444444", "police", areas="*",
		    channel="webhook", url=sink.url + "/vol")
		ref = d.sms("rm-1", "0912000444", "BL thon 1 cuu")["ref"]
		check(sink.wait_for(2, "/vol", timeout=5), "no retry to /vol")
		out = d.ctl("contacts", "remove", "0944444444").stdout.decode()
		check("removed" in out, "remove: %r" % out)
		rows = [o for o in d.outbox() if o["ref"] == ref and
		    o.get("contact") != "Police"]
		check(rows and all(o["status"] == "failed" for o in rows),
		    "rows of the removed contact: %r" % [(o["event"],
		    o["status"]) for o in rows])
		n = len(sink.got("/vol"))
		time.sleep(2.0)
		eq(len(sink.got("/vol")), n, "requests to the removed contact "
		    "after its removal")


@case()
def test_listings_show_no_control_characters(d):
	"""A resident's text reaches the operator's terminal as text (SPEC
	§8): an escape sequence, a C1 control, CR LF and tabs that would
	forge a row of the listing become spaces; bidi overrides and
	zero-width characters, which reorder or hide what is shown, go."""
	text = ("hello\x1b[31mRED\x1b[0m\u009b2J\r\n99\tforged row\tx "
	    "\u202egnp.exe\u202c \u2066y\u2069 09\u200b12\u200d3\ufeff4")
	d.sms("cc-1", "0912000555", text)
	for args in (("inbox",), ("messages", "list")):
		out = d.ctl(*args).stdout.decode()
		for c in "\x1b\u009b\r\u202e\u202c\u2066\u2069\u200b\u200d\ufeff":
			check(c not in out, "%s: %r reached the terminal: %r" %
			    (args, c, out))
		rows = [l for l in out.splitlines() if "forged" in l]
		eq(len(rows), 1, "%s: the text on one row: %r" % (args, out))
		check("hello [31mRED [0m 2J 99 forged row x gnp.exe y 091234"
		    in rows[0], "%s: %r" % (args, rows[0]))
	j = [m for m in d.messages() if m["provider_id"] == "cc-1"]
	eq(j[0]["text"], text, "the text as stored, in --json")


@case()
def test_output_to_a_full_disk_fails(d):
	"""The monthly report written to a full disk is no report: tincayctl
	says so and exits 1 instead of 0."""
	d.sms("full-1", "0912000666", "BL thon 1")
	if not os.path.exists("/dev/full"):
		return
	for args in (("stats", "--format", "html"), ("reports", "list",
	    "--json")):
		with open("/dev/full", "w") as full:
			p = subprocess.run([d.tincayctl, "-c", d.cfgpath] +
			    list(args), stdin=subprocess.DEVNULL, stdout=full,
			    stderr=subprocess.PIPE, timeout=30)
		eq(p.returncode, 1, "%s to a full disk: exit code" % (args,))
		check(b"writing the output" in p.stderr, "%s: stderr %r" %
		    (args, p.stderr))


@case()
def test_contacts_import_refuses_repeats_and_other_encodings(d):
	"""One number twice in a list (in two forms) would make one contact
	silently overwrite the other; a CSV saved in a Windows code page
	would store names no JSON reader can read. Both are refused, with
	their lines, and nothing is imported; a good list says how many
	contacts were new and how many updated."""
	def imp(name, data):
		path = os.path.join(d.tmpdir, name)
		with open(path, "wb") as f:
			f.write(data)
		return d.ctl("contacts", "import", path, ok=False)

	d.add_contact("Police A", "0912345001", "police")
	p = imp("dup.csv", b"name,phone,role,areas\n"
	    b"Vol A,0911111111,volunteer,T1\n"
	    b"Vol B,+84911111111,volunteer,T2\n")
	eq(p.returncode, 1, "a repeated number: exit code")
	check(b"dup.csv:3: +84911111111 is on line 2 too" in p.stderr,
	    "stderr %r" % p.stderr)
	p = imp("cp.csv", b"name,phone,role\n"
	    b"Nguy\xf2n V\xe3n \xd0\xf4ng,0933333333,police\n")
	eq(p.returncode, 1, "not UTF-8: exit code")
	check(b"cp.csv:2: not UTF-8" in p.stderr, "stderr %r" % p.stderr)
	eq(len(d.contacts()), 1, "contacts after the refused imports")
	p = imp("ok.csv", "name,phone,role\nNguyễn Văn Đông,0933333333,"
	    "police\nCông an xã,0912345001,police\n".encode())
	eq(p.returncode, 0, "a good list: %r" % p.stderr)
	check(b"2 contacts imported (1 new, 1 updated)" in p.stdout,
	    "stdout %r" % p.stdout)


@case()
def test_listing_with_extra_words_says_why(d):
	"""An extra word after a listing is refused with a message, not a
	silent exit 1; an open report's outcome is an empty list in JSON
	(SPEC §7: a list of codes), never null."""
	for args in (("reports", "list", "extra"), ("inbox", "list"),
	    ("contacts", "list", "x")):
		p = d.ctl(*args, ok=False)
		eq(p.returncode, 1, "%s: exit code" % (args,))
		check(b"unexpected" in p.stderr, "%s: stderr %r" % (args,
		    p.stderr))
	ref = d.sms("ol-1", "0912000777", "BL thon 1")["ref"]
	eq([r.get("outcome") for r in d.reports() if r["ref"] == ref], [[]],
	    "outcome of an open report in reports list --json")
	eq(d.ctl_json("reports", "show", ref).get("outcome"), [],
	    "outcome in reports show --json")


@sqlite_only("tincayctl backup's file copy and the key beside it")
@case()
def test_backup_key_only_with_key_never_beside(d):
	"""SPEC §8: backup writes the key only when asked (--with-key KEYFILE),
	never in the copy's directory, never over a file; a refused KEYFILE
	writes nothing at all."""
	d.sms("bk-1", "0912000888", "BL thon 1")
	copies = os.path.join(d.tmpdir, "copies")
	keys = os.path.join(d.tmpdir, "keys")
	os.mkdir(copies)
	os.mkdir(keys)
	p = d.ctl("backup", os.path.join(copies, "a.db"))
	eq(sorted(os.listdir(copies)), ["a.db"], "what backup FILE wrote")
	check(b"--with-key" in p.stdout, "backup does not say where the key "
	    "is not: %r" % p.stdout)
	# Beside the copy: refused, nothing written.
	b = os.path.join(copies, "b.db")
	for key in (os.path.join(copies, "b.db.key"),
	    os.path.join(copies, "k")):
		p = d.ctl("backup", b, "--with-key", key, ok=False)
		eq(p.returncode, 1, "--with-key %s: exit code" % key)
		check(b"beside the copy" in p.stderr, "stderr %r" % p.stderr)
		eq(sorted(os.listdir(copies)), ["a.db"], "written after a "
		    "refused --with-key")
	# Never over a file, which is left as it was.
	taken = os.path.join(keys, "taken")
	with open(taken, "w") as f:
		f.write("someone else's")
	p = d.ctl("backup", b, "--with-key", taken, ok=False)
	eq(p.returncode, 1, "--with-key over a file: exit code")
	check(not os.path.exists(b), "the backup was written anyway")
	with open(taken) as f:
		eq(f.read(), "someone else's", "the file named by --with-key")
	# Elsewhere: the copy, and the key, 0600, the database's own.
	key = os.path.join(keys, "b.key")
	d.ctl("backup", "--with-key", key, b)
	eq(sorted(os.listdir(copies)), ["a.db", "b.db"], "the copies")
	eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "the key's mode")
	with open(key, "rb") as f, open(d.keypath, "rb") as g:
		check(f.read() == g.read(), "--with-key wrote another key")
