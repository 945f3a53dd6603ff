"""
test_habits.py: what an operator trips over at the command line (issue
17, items 4, 5 and 9): a misspelt `database` gets no empty database, a
mistyped role is warned of, --help of a group, one-line messages for a
wrong word, listings in columns, singular counts, offsets as UTC+07:00,
journald prefixes only on the journal, and a daemon that cannot bind
leaves nothing behind.
"""

import json
import os
import pty
import re
import socket
import subprocess

import harness

from harness import TINCAYCTL, TINCAYD, case, check, eq, sqlite_only

READERS = (("reports", "list"), ("reports", "show", "ABCD"),
    ("messages", "list"), ("outbox", "list"), ("contacts", "list"),
    ("inbox",), ("stats",), ("backup", "copy.db"),
    ("reports", "close", "ABCD"), ("contacts", "remove", "0912000001"),
    ("inbox", "dismiss", "1"), ("purge", "--older-than", "30"),
    ("send", "0912000001", "thu"), ("broadcast", "THD", "thu"))


def run(argv, cwd, **kw):
	return subprocess.run(argv, stdin=subprocess.DEVNULL,
	    capture_output=True, timeout=harness.CTL_TIMEOUT, cwd=cwd, **kw)


def err(p):
	return p.stderr.decode("utf-8", "replace")


def _misspelt(d):
	"""The config with `database` pointing where nothing is."""
	cfg = json.loads(json.dumps(d.config))
	cfg["database"] = os.path.join(d.tmpdir, "tincay-typo.db")
	d.write_config(cfg)
	return cfg["database"]


# ---------------------------------------------------------------- item 4

@sqlite_only("a misspelt database path")
@case(start=False)
def test_readers_refuse_a_database_not_there(d):
	"""Every command but contacts add/import refuses a database that is
	not there, names its path, exits 1 and creates nothing (it used to
	create an empty database and a new key, and list nothing)."""
	db = _misspelt(d)
	for args in READERS:
		p = d.ctl(*args, ok=False)
		eq(p.returncode, 1, "%s on no database: exit code" % (args,))
		check(db in err(p) and "does not exist" in err(p),
		    "%s: the message names no path: %r" % (args, err(p)))
		eq(sorted(n for n in os.listdir(d.tmpdir) if "typo" in n),
		    [], "%s on no database: files created" % (args,))


@sqlite_only("a misspelt database path made by contacts add")
@case(start=False)
def test_contacts_add_creates_and_says_so(d):
	db = _misspelt(d)
	p = d.add_contact("Cong an", "0931000001", "police")
	check("created database %s" % db in err(p) and db + ".key" in err(p),
	    "contacts add made the database without a word: %r" % err(p))
	check(os.path.exists(db), "no database after contacts add")
	p = d.ctl("contacts", "list")
	check("created" not in err(p), "said again: %r" % err(p))


@sqlite_only("the database file's path in the log")
@case(start=False)
def test_daemon_says_it_created_the_database(d):
	d.start()
	d.stop()
	check(re.search(r"created database %s" % re.escape(d.dbpath),
	    d.stderr()), "tincayd made the database without a word: %r" %
	    d.stderr()[:600])


@case(start=False)
def test_daemon_that_cannot_bind_creates_nothing(d):
	"""A daemon whose port is taken exits 1 and leaves no database nor
	key behind (it created both, then failed to listen)."""
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		s.bind(("127.0.0.1", d.port))
		s.listen(1)
		p = run([TINCAYD, "-c", d.cfgpath], d.tmpdir)
	finally:
		s.close()
	eq(p.returncode, 1, "tincayd on a taken port: exit code (%r)" %
	    err(p)[-300:])
	check("listen" in err(p), "no word of the port: %r" % err(p))
	if d.engine == "sqlite":
		check(not d.db_made() and not os.path.exists(d.keypath),
		    "a database or key left by a daemon that could not bind")
	else:
		# A server's database is the operator's: what the start
		# made in it stays, and its key with it, or the next start
		# would meet a database sealed under a key that is gone.
		check(d.db_made() == os.path.exists(d.keypath),
		    "the schema and its key must stay together")
	if d.engine == "sqlite":
		left = [n for n in os.listdir(d.tmpdir) if n.startswith("t.db")]
		eq(left, [], "files left by a daemon that could not bind")
	# One that ran before keeps its database, of course.
	d.start()
	d.stop()
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	try:
		s.bind(("127.0.0.1", d.port))
		s.listen(1)
		p = run([TINCAYD, "-c", d.cfgpath], d.tmpdir)
	finally:
		s.close()
	eq(p.returncode, 1, "the second start: exit code")
	check(d.db_made() and os.path.exists(d.keypath),
	    "a database that was there is gone")


# ---------------------------------------------------------------- item 9

@case(start=False)
def test_group_help_and_one_line_mistakes(d):
	for noun, verbs in (("contacts", ("import", "add", "list", "remove")),
	    ("reports", ("list", "show", "close")), ("inbox", ("file",
	    "dismiss"))):
		p = run([TINCAYCTL, noun, "--help"], d.tmpdir)
		eq(p.returncode, 0, "%s --help: exit code" % noun)
		out = p.stdout.decode()
		for v in verbs:
			check("%s %s" % (noun, v) in out, "%s --help lacks %s: "
			    "%r" % (noun, v, out))
		check("stats" not in out, "%s --help printed the whole usage"
		    % noun)
	p = run([TINCAYCTL, "stats", "--help"], d.tmpdir)
	for value in ("rows", "medians", "outcome", "html"):
		check(value in p.stdout.decode(), "stats --help does not name "
		    "--table/--format value %s: %r" % (value, p.stdout))
	p = run([TINCAYCTL, "reports", "list", "--help"], d.tmpdir)
	check("acknowledged" in p.stdout.decode(), "reports list --help: %r"
	    % p.stdout)
	d.ctl("contacts", "add", "--name", "A", "--phone", "0931000001",
	    "--role", "police")
	for argv, want in (
	    ([TINCAYCTL, "contcts", "list"], "no command 'contcts'"),
	    ([TINCAYCTL, "-c", d.cfgpath, "contacts", "lst"],
	    "no command 'lst'"),
	    ([TINCAYCTL, "reports", "list", "-c", d.cfgpath],
	    "-c after the command"),
	    ([TINCAYCTL, "-c", d.cfgpath, "reports", "list", "--jsn"],
	    "unknown option '--jsn'"),
	    ([TINCAYCTL, "-c", d.cfgpath, "contacts", "add", "--nme", "x"],
	    "unknown option '--nme'"),
	    ([TINCAYCTL, "--no-such-option"], "'--no-such-option'")):
		p = run(argv, d.tmpdir)
		eq(p.returncode, 1, "%s: exit code" % argv[1:])
		e = err(p)
		check(want in e, "%s: %r does not say %r" % (argv[1:], e, want))
		eq(len(e.strip().splitlines()), 1, "%s: lines of %r" %
		    (argv[1:], e))
	# --config is -c.
	p = run([TINCAYCTL, "--config", d.cfgpath, "contacts", "list"],
	    d.tmpdir)
	eq(p.returncode, 0, "--config FILE: exit code (%r)" % err(p))


@case(start=False)
def test_contacts_import_of_a_directory(d):
	d.add_contact("Cong an", "0931000001", "police")
	p = d.ctl("contacts", "import", d.tmpdir, ok=False)
	eq(p.returncode, 1, "contacts import DIR: exit code (%r)" % p.stdout)
	check("directory" in err(p) and b"imported" not in p.stdout,
	    "stderr %r stdout %r" % (err(p), p.stdout))


@case(start=False)
def test_purge_all_asks_on_a_terminal(d):
	"""purge --older-than 0 empties every closed report at once: on a
	terminal it wants --yes; from a script (no tty) it runs."""
	d.add_contact("Cong an", "0931000001", "police")
	argv = [TINCAYCTL, "-c", d.cfgpath, "purge", "--older-than", "0"]
	master, slave = pty.openpty()
	try:
		p = subprocess.run(argv, stdin=slave, capture_output=True,
		    timeout=harness.CTL_TIMEOUT, cwd=d.tmpdir)
	finally:
		os.close(slave)
		os.close(master)
	eq(p.returncode, 1, "purge --older-than 0 on a terminal: exit code")
	check("--yes" in err(p) and b"purged" not in p.stdout,
	    "stderr %r stdout %r" % (err(p), p.stdout))
	master, slave = pty.openpty()
	try:
		p = subprocess.run(argv + ["--yes"], stdin=slave,
		    capture_output=True, timeout=harness.CTL_TIMEOUT,
		    cwd=d.tmpdir)
	finally:
		os.close(slave)
		os.close(master)
	eq(p.returncode, 0, "with --yes: exit code (%r)" % err(p))
	p = d.ctl("purge", "--older-than", "0")
	check(b"purged" in p.stdout, "without a terminal: %r" % p.stdout)


@case(start=False)
def test_listings_line_up_and_show_their_header(d):
	d.add_contact("Cong an", "0931000001", "police")
	d.add_contact("Nguyễn Văn Đông", "0931000002", "health", areas="T1;T3")
	for noun, col in (("reports", "ref"), ("messages", "received_at"),
	    ("outbox", "status")):
		out = d.ctl(noun, "list").stdout.decode()
		eq(len(out.splitlines()), 1, "%s list on no rows: %r" % (noun,
		    out))
		check(col in out.split(), "%s list: no header: %r" % (noun,
		    out))
	lines = d.ctl("contacts", "list").stdout.decode().splitlines()
	eq(len(lines), 3, "contacts list lines")
	check("\t" not in "".join(lines), "tabs in %r" % lines)
	head = lines[0]
	starts = [m.start() for m in re.finditer(r"\S+", head)]
	for l in lines[1:]:
		for s in starts[1:]:
			check(l[s - 1] == " " and l[s] != " ", "column at %d "
			    "does not line up in %r under %r" % (s, l, head))


@case(start=False)
def test_counts_in_the_singular(d):
	path = os.path.join(d.tmpdir, "one.csv")
	with open(path, "w") as f:
		f.write("name,phone,role\nCong an,0931000001,police\n")
	p = d.ctl("contacts", "import", path)
	check(b"1 contact imported (1 new, 0 updated)" in p.stdout,
	    "stdout %r" % p.stdout)
	p = d.ctl("purge", "--older-than", "30")
	check(re.search(rb"purged 0 reports, 0 messages, 0 outbox rows, 0 "
	    rb"opted-out numbers", p.stdout), "stdout %r" % p.stdout)
	p = d.ctl("purge", "--older-than", "1")
	check(b"over 1 day ago" in p.stdout, "stdout %r" % p.stdout)


@case()
def test_offsets_as_hours_and_minutes(d):
	d.stop()
	log = d.stderr()
	check("UTC+07:00" in log, "no UTC+07:00 in %r" % log[:800])
	check(not re.search(r"UTC[+-]\d+ s", log), "seconds for an offset: "
	    "%r" % log[:800])


# ---------------------------------------------------------------- journald

def _journal_run(argv, cwd, journal):
	"""Run with stderr a file; JOURNAL_STREAM names it if journal."""
	path = os.path.join(cwd, "journal.log")
	with open(path, "wb") as f:
		st = os.fstat(f.fileno())
		env = dict(os.environ)
		env.pop("JOURNAL_STREAM", None)
		if journal:
			env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
		else:	# another file's: not stderr
			env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev,
			    st.st_ino + 1)
		p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f,
		    stderr=f, timeout=harness.CTL_TIMEOUT, cwd=cwd, env=env)
	with open(path, "rb") as f:
		return p.returncode, f.read().decode("utf-8", "replace")


@case(start=False)
def test_priority_prefixes_only_on_the_journal(d):
	argv = [TINCAYD, "-c", d.cfgpath, "-t"]
	rc, out = _journal_run(argv, d.tmpdir, True)
	eq(rc, 0, "tincayd -t: exit code (%r)" % out)
	check(re.search(r"^<6>tincayd: .*configuration ok", out, re.M),
	    "on the journal, no <6>: %r" % out)
	rc, out = _journal_run(argv, d.tmpdir, False)
	check(re.search(r"^tincayd: .*configuration ok", out, re.M) and
	    not re.search(r"^<\d>", out, re.M), "not the journal, yet "
	    "prefixed: %r" % out)
	p = run(argv, d.tmpdir, env={k: v for k, v in os.environ.items()
	    if k != "JOURNAL_STREAM"})
	check(not re.search(r"^<\d>", err(p), re.M), "a pipe without "
	    "JOURNAL_STREAM: %r" % err(p))


# ---------------------------------------------------------------- item 5

@case(start=False)
def test_a_role_nothing_names_is_warned_of(d):
	p = d.add_contact("Cong an", "0931000001", "polce")
	check("warning" in err(p) and "polce" in err(p),
	    "contacts add --role polce: no warning: %r" % err(p))
	check(b"saved" in p.stdout, "the contact is still saved: %r" %
	    p.stdout)
	p = d.add_contact("Truong thon", "0931000002", "leader")
	check("warning" not in err(p), "leader is named: %r" % err(p))
	path = os.path.join(d.tmpdir, "c.csv")
	with open(path, "w") as f:
		f.write("name,phone,role\nA,0931000003,helth\n"
		    "B,0931000004,police\n")
	p = d.ctl("contacts", "import", path)
	check(re.search(r"c\.csv:2: .*warning.*helth", err(p)) and
	    "role police" not in err(p), "import: %r" % err(p))
	p = run([TINCAYD, "-c", d.cfgpath, "-t"], d.tmpdir)
	eq(p.returncode, 0, "tincayd -t: exit code")
	out = err(p)
	for role in ("polce", "helth"):
		check(re.search(r"warning: .*role %s" % role, out),
		    "tincayd -t says nothing of %s: %r" % (role, out))
	check(not re.search(r"warning: .*role (police|leader)\b.*nothing",
	    out), "a named role warned of: %r" % out)
	# -t looks, never creates.
	db = _misspelt(d)
	p = run([TINCAYD, "-c", d.cfgpath, "-t"], d.tmpdir)
	eq(p.returncode, 0, "tincayd -t on no database: exit code")
	check(not os.path.exists(db), "tincayd -t created %s" % db)


@case()
def test_one_alert_in_the_singular(d):
	"""The daemon's lines count in the singular too: 1 alert, not 1
	alerts."""
	d.add_contact("Cong an", "0931000001", "police")
	ref = d.sms("one-1", "0912000999", "BL thon 3")["ref"]
	check(d.wait_stderr(r"report %s: .*: 1 alert queued$" % ref),
	    "no '1 alert queued': %r" % d.stderr()[-600:])
