"""
test_migrate.py: tincayctl migrate --to postgresql://... (issue 19, item 8):
a commune's SQLite database, filled through the running daemon, copied into
an empty PostgreSQL database, on which tincayd then runs with the same key
as if nothing had happened: the same REFs and texts, new REFs that collide
with none, an old reporter's follow-up joining her open report (the keyed
hash of her number unchanged), the rows left pending delivered. A database
that holds rows is refused and left as it was; a wrong --to is said in one
line. The other way: backup FILE of a server's database, taken while its
daemon runs, is an SQLite file a daemon starts on with the same key.

These need a PostgreSQL server: they run in make's pg pass (and wherever
TINCAY_TEST_PG names one); elsewhere they are skipped. The source is
SQLite on either engine's run.
"""

import datetime
import os
import sqlite3
import stat
import subprocess

import harness

from harness import REF_RE, case, check, eq, skip, wait_until
from sink import Sink

POLICE = ("Cong an T3", "0931000003", "police", "T3", "sms")
HEALTH = ("Tram y te", "0932000000", "health", "*", "sms")
VOLUNTEER = ("Tinh nguyen", "0933000000", "volunteer", "*", "sms")
LEADER = ("Truong thon", "0934000000", "leader", "*", "sms", "", "4826")
ANH = "0987300001"		# a report, a follow-up, acknowledged
BINH = "0987300002"		# a report left open
CHI = "0987300003"		# a report closed, then another naming it
DUNG = "0987300004"		# a subscriber
NEW = "0987300009"		# after the move

_ids = iter(range(1, 10 ** 6))


def sms(d, frm, text):
	return d.sms("mg-%d" % next(_ids), frm, text)


def running_campaign():
	today = (datetime.datetime.now(datetime.timezone.utc) +
	    datetime.timedelta(hours=7)).date()
	day = datetime.timedelta(days=1)
	return [{"code": "THD", "name": "Thang hanh dong",
	    "start": str(today - day), "end": str(today + day)}]


def commune(d, sink):
	"""The daemon's config made a commune's: SQLite in its temp dir and
	a key file of its own (on pg too), SMS through the sink. The test's
	PostgreSQL database (made on the pg run; here otherwise) is the
	destination, dropped at cleanup."""
	if not harness.PG_BASE:
		skip("no PostgreSQL server to migrate to (TINCAY_TEST_PG, or "
		    "TINCAY_TEST_ENGINE=pg)")
	if d.pgdb is None:
		d.pgdb = harness.pg_create_db()
	d.overrides = {
		"database": os.path.join(d.tmpdir, "commune.db"),
		"key_file": os.path.join(d.tmpdir, "commune.key"),
		"allow_http": True,
		"campaigns": running_campaign(),
		"sms_out": {"via": "generic", "url": sink.url + "/sms",
		    "rate_per_second": 1000},
	}
	d.new_config()
	return harness.pg_uri(d.pgdb)


def on_server(d, uri):
	"""The config pointed at the server's database, the key kept."""
	d.overrides["database"] = uri
	d.config["database"] = uri
	d.write_config()


def sqlite_rows(d, query):
	c = sqlite3.connect("file:%s?mode=ro" % d.dbpath, uri=True)
	try:
		return c.execute(query).fetchall()
	finally:
		c.close()


def pg_rows(uri, query):
	return harness.pg_query(uri, query)


DAYS = ("SELECT day, area, category, status, sum(n) FROM report_days"
    " GROUP BY day, area, category, status HAVING sum(n) <> 0"
    " ORDER BY day, area, category, status")


def listings(d, refs):
	"""What tincayctl shows of everything, on the config's database."""
	return {
		"reports": d.reports(),
		"shows": {r: d.ctl_json("reports", "show", r) for r in refs},
		"messages": d.messages(),
		"contacts": d.contacts(),
		"outbox": d.outbox(),
	}


def fill(d, sink):
	"""Reports with a follow-up, an acknowledgement, a close and a
	report naming the closed one; a subscriber; alerts sent; then, the
	daemon stopped, rows queued that nobody sent yet. The REFs."""
	d.import_contacts([POLICE, HEALTH, VOLUNTEER, LEADER])
	a = sms(d, ANH, "BL thon 3 chong danh vo")["ref"]
	sms(d, ANH, "anh ta van o nha, xin den nhanh")
	sms(d, POLICE[1], "NHAN %s" % a)
	b = sms(d, BINH, "BL thon 1 nha ben canh")["ref"]
	c = sms(d, CHI, "TC thon 2 can cho o")["ref"]
	sms(d, LEADER[1], "XONG %s nu 30 CA" % c)
	c2 = sms(d, CHI, "TC thon 2 lai bi")["ref"]
	sms(d, DUNG, "DK")
	for ref in (a, b, c, c2):
		check(REF_RE.match(ref or ""), "no REF: %r" % ref)
	eq(len({a, b, c, c2}), 4, "distinct REFs")
	wait_until(lambda: d.outbox() and all(o["status"] == "sent"
	    for o in d.outbox()), 10, 0.1, "the alerts sent")
	return [a, b, c, c2]


@case(start=False)
def test_migrate_keeps_history_and_runs_on(d):
	with Sink() as sink:
		uri = commune(d, sink)
		d.start()
		refs = fill(d, sink)
		a, b, c, c2 = refs
		eq([r["status"] for r in d.reports()], ["acknowledged", "open",
		    "closed", "open"], "statuses before")
		# While the daemon runs on it: refused, nothing touched.
		p = d.ctl("migrate", "--to", uri, ok=False)
		eq(p.returncode, 1, "migrate while tincayd runs")
		check(b"stop it first" in p.stderr, "why: %r" % p.stderr)
		check(not d.db_made(), "the server's database was touched")
		d.stop()
		# Queued while it is down: sent by the daemon on the server.
		d.ctl("send", VOLUNTEER[1], "Thu tin nhan sau khi chuyen")
		d.ctl("broadcast", "THD", "Moi ban du mit tinh")
		pending = [o["id"] for o in d.outbox() if o["status"] ==
		    "pending"]
		eq(len(pending), 2, "rows pending before the move")
		before = listings(d, refs)
		days = sqlite_rows(d, DAYS)
		check(days, "no counts by day in the commune's database")
		dkeys = sqlite_rows(d, "SELECT count(*) FROM data_keys")[0][0]
		check(dkeys >= 1, "no data key in the commune's database")

		p = d.ctl("migrate", "--to", uri)
		out = p.stdout.decode()
		for table, n in (("reports", 4), ("outbox", len(before[
		    "outbox"])), ("messages", len(before["messages"])),
		    ("subscriptions", 1), ("contacts", 4),
		    ("data_keys", dkeys)):
			check(any(l.split()[:2] == [table, str(n)]
			    for l in out.splitlines()), "migrate output lacks "
			    "%s %d: %s" % (table, n, out))
		check("ref_key" in out, "migrate output: %s" % out)

		on_server(d, uri)
		# tincayctl on the server shows what it showed, field for
		# field, texts opened with the same key.
		eq(listings(d, refs), before, "listings after the move")
		eq(pg_rows(uri, DAYS), [tuple(r) for r in days],
		    "counts by day")
		eq(before["shows"][a]["texts"], ["BL thon 3 chong danh vo",
		    "anh ta van o nha, xin den nhanh", "NHAN %s" % a],
		    "texts of %s" % a)

		d.start()
		# What waited goes out from the server.
		wait_until(lambda: all(o["status"] == "sent"
		    for o in d.outbox()), 15, 0.1, "the pending rows sent")
		check(sink.wait_for(1, "/sms", lambda r: (r.json() or {}).get(
		    "text", "").startswith("Moi ban du mit tinh")), "the "
		    "broadcast did not reach the sink")
		# A new report: a REF of its own.
		r = sms(d, NEW, "BL thon 4 co danh nhau")
		check(REF_RE.match(r.get("ref") or ""), "no REF: %r" % r)
		check(r["ref"] not in refs, "new REF %s collides" % r["ref"])
		# Anh's next text joins her open report: her number's hash
		# is the one it was.
		sms(d, ANH, "no lai den roi")
		rows = {x["ref"]: x for x in d.reports()}
		eq(len(rows), 5, "reports after the move")
		eq(rows[a]["messages"], 3, "messages of %s" % a)
		eq(d.ctl_json("reports", "show", a)["texts"][-1],
		    "no lai den roi", "the follow-up's text")
		# Counted once each: the copied counts and the new report's.
		eq(d.sql_value("SELECT sum(n) FROM report_days"), 5,
		    "reports counted by day")
		check(d.alive(), "tincayd died")


@case(start=False)
def test_migrate_refuses_a_database_with_rows(d):
	with Sink() as sink:
		uri = commune(d, sink)
		d.start()
		d.import_contacts([POLICE])
		ref = sms(d, ANH, "BL thon 3 chong danh vo")["ref"]
		d.stop()
		d.ctl("migrate", "--to", uri)
		meta = pg_rows(uri, "SELECT key, value, num FROM meta "
		    "ORDER BY key")
		# Something more, then the same again: refused, as it was.
		msgs = len(d.messages())
		d.start()
		sms(d, BINH, "BL thon 1 nha ben canh")
		d.stop()
		p = d.ctl("migrate", "--to", uri, ok=False)
		eq(p.returncode, 1, "migrate into a database with rows")
		err = p.stderr.decode()
		eq(err.count("\n"), 1, "one line: %r" % err)
		check("not empty" in err and "1 reports" in err, "why: %r" %
		    err)
		eq(p.stdout, b"", "output of a refused migrate")
		eq(pg_rows(uri, "SELECT key, value, num FROM meta ORDER BY "
		    "key"), meta, "meta after the refusal")
		eq(pg_rows(uri, "SELECT count(*) FROM messages"),
		    [(msgs,)], "messages after the refusal")
		eq(pg_rows(uri, "SELECT ref FROM reports"), [(ref,)],
		    "reports after the refusal")


@case(start=False)
def test_migrate_wrong_to(d):
	with Sink() as sink:
		uri = commune(d, sink)
		d.import_contacts([POLICE])
		closed = uri.rsplit("@", 1)[0] + "@127.0.0.1:1/tincay"
		nodb = uri.rsplit("/", 1)[0] + "/no_such_db_7f3a"
		for to, why in ((closed, "refused"), (nodb, "does not exist"),
		    (os.path.join(d.tmpdir, "x.db"), "not a PostgreSQL"),
		    ("postgresql://u:s3cret-pw@127.0.0.1:1/x", "refused")):
			p = d.ctl("migrate", "--to", to, ok=False)
			err = p.stderr.decode()
			eq(p.returncode, 1, "migrate --to %s" % to)
			eq(err.count("\n"), 1, "one line: %r" % err)
			check(why in err and err.startswith("tincayctl: "
			    "migrate: "), "migrate --to %s: %r" % (to, err))
			check("s3cret" not in err, "the password shown: %r" %
			    err)
		p = d.ctl("migrate", ok=False)
		eq(p.returncode, 1, "migrate without --to")
		check(b"usage: tincayctl migrate --to" in p.stderr, "usage: %r"
		    % p.stderr)
		check(not d.db_made(), "the server's database was touched")


def ctl_on(d, cfg, *args):
	"""tincayctl with another config than the daemon's."""
	path = os.path.join(d.tmpdir, "other.json")
	d.write_config(cfg)
	os.replace(d.cfgpath, path)
	d.write_config()
	return subprocess.run([d.tincayctl, "-c", path] + list(args),
	    stdin=subprocess.DEVNULL, capture_output=True,
	    timeout=harness.CTL_TIMEOUT, cwd=d.tmpdir)


@case(start=False)
def test_migrate_into_a_database_a_daemon_made(d):
	"""A daemon started on the server's database before the move made its
	schema and keys: migrate refuses while it runs (it would go on with
	those keys), then takes the database, rows and keys, once it is
	stopped."""
	with Sink() as sink:
		uri = commune(d, sink)
		d.start()
		d.import_contacts([POLICE])
		ref = sms(d, ANH, "BL thon 3 chong danh vo")["ref"]
		d.stop()
		source = dict(d.config)
		on_server(d, uri)
		d.start()
		eq(d.reports(), [], "reports of the new database")
		p = ctl_on(d, source, "migrate", "--to", uri)
		eq(p.returncode, 1, "migrate while a daemon runs there")
		check(b"other tincay program is connected" in p.stderr and
		    b"nothing was changed" in p.stderr, "why: %r" % p.stderr)
		eq(d.reports(), [], "reports after the refusal")
		d.stop()
		p = ctl_on(d, source, "migrate", "--to", uri)
		eq(p.returncode, 0, "migrate once it stopped: %r" % p.stderr)
		d.start()
		eq(d.ctl_json("reports", "show", ref)["texts"],
		    ["BL thon 3 chong danh vo"], "the report by its REF")
		r = sms(d, NEW, "BL thon 4 co danh nhau")["ref"]
		check(REF_RE.match(r or "") and r != ref, "new REF %r" % r)


def on_file(d, path):
	"""The config pointed at an SQLite file, the key kept."""
	d.overrides["database"] = path
	d.config["database"] = path
	d.write_config()


@case(start=False)
def test_backup_of_a_server_is_an_sqlite_copy(d):
	"""tincayctl backup FILE of a PostgreSQL database, its daemon
	running: an SQLite file, 0600, of the snapshot the copy began with;
	a daemon started on it with the same key lists what the server
	listed, and counts by day what it counted. FILE existing: refused,
	left as it was. --with-key copies the key as it does for SQLite."""
	with Sink() as sink:
		uri = commune(d, sink)
		on_server(d, uri)
		d.start()
		refs = fill(d, sink)
		d.ctl("send", VOLUNTEER[1], "Thu tin nhan truoc khi sao")
		wait_until(lambda: all(o["status"] == "sent"
		    for o in d.outbox()), 15, 0.1, "the outbox sent")
		before = listings(d, refs)
		days = pg_rows(uri, DAYS)
		check(days, "no counts by day on the server")
		path = os.path.join(d.tmpdir, "copy.db")
		p = d.ctl("backup", path)
		check(path in p.stdout.decode(), "backup output %r" % p.stdout)
		eq(p.stderr, b"", "progress of a small copy")
		eq(stat.S_IMODE(os.stat(path).st_mode), 0o600, "the copy's mode")
		check(not os.path.exists(path + "-wal") or
		    os.path.getsize(path + "-wal") == 0, "a WAL left beside it")
		# After the copy: on the server, not in the copy.
		late = sms(d, NEW, "BL thon 4 co danh nhau")["ref"]
		check(REF_RE.match(late or ""), "no REF: %r" % late)
		# Never over a file.
		with open(path, "rb") as f:
			kept = f.read()
		p = d.ctl("backup", path, ok=False)
		eq(p.returncode, 1, "backup over a file")
		check(b"exists; not overwritten" in p.stderr, "why: %r" %
		    p.stderr)
		with open(path, "rb") as f:
			eq(f.read(), kept, "the copy after a refused backup")
		keys = os.path.join(d.tmpdir, "keys")
		os.mkdir(keys)
		key = os.path.join(keys, "k")
		d.ctl("backup", os.path.join(d.tmpdir, "copy2.db"),
		    "--with-key", key)
		with open(key, "rb") as f, open(d.keypath, "rb") as g:
			eq(f.read(), g.read(), "the key copied")
		d.stop()

		c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
		try:
			eq(c.execute(DAYS).fetchall(), [tuple(r) for r in days],
			    "counts by day in the copy")
			eq(c.execute("PRAGMA integrity_check").fetchall(),
			    [("ok",)], "the copy's integrity")
			eq(c.execute("PRAGMA user_version").fetchone()[0],
			    pg_rows(uri, "SELECT num FROM meta WHERE key = "
			    "'schema_version'")[0][0], "the schema's version")
		finally:
			c.close()
		on_file(d, path)
		d.start()
		eq(listings(d, refs), before, "listings of the copy")
		check(late not in {r["ref"] for r in d.reports()},
		    "a report filed after the copy is in it")
		# It runs on: a new report, counted once.
		r = sms(d, "0987300010", "BL thon 5 co danh nhau")["ref"]
		check(REF_RE.match(r or "") and r not in refs, "new REF %r" % r)
		check(d.alive(), "tincayd died")
		d.stop()
		c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
		try:
			eq(c.execute("SELECT sum(n) FROM report_days").fetchone()[
			    0], len(refs) + 1, "reports counted by day")
		finally:
			c.close()
