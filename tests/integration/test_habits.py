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
import subprocess

import harness

from harness import TINCAYCTL, case, check, eq

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


@case(start=False)
def test_contacts_add_creates_and_says_so(d):
	db = _misspelt(d)
	p = d.add_contact("Cong an", "0931000001", "police")
	check("created database %s" % db in err(p) and db + ".key" in err(p),
	    "contacts add made the database without a word: %r" % err(p))
	check(os.path.exists(db), "no database after contacts add")
	p = d.ctl("contacts", "list")
	check("created" not in err(p), "said again: %r" % err(p))


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

