"""
test_sealed.py: encrypted at rest (SPEC §8). A resident's text and number
are nowhere in the bytes of the database, its WAL or its SHM while the
daemon runs — reports, follow-ups, alerts (webhook and SMS), replies,
signups and broadcasts — yet tincayctl shows them to the operator who
holds the key, which the first program made 0600 beside the database. A
database copied without its key cannot be read.
"""

import datetime
import os
import shutil
import stat
import time

from harness import case, check, eq, sqlite_only, wait_until
from sink import Sink

# The canaries: a text no template holds, and a number in every spelling
# it could be stored in.
CANARY_TEXT = "Zqx canary vuon nha so 47 bi danh"
CANARY_FOLLOWUP = "Zqx canary hang xom nghe tieng het"
CANARY_LOCAL = "0912770047"
CANARY_E164 = "+84912770047"
CANARY_FORMS = (CANARY_E164, "84912770047", CANARY_LOCAL, "912770047")
POLICE = "0931000001"


def running_campaign():
	today = (datetime.datetime.now(datetime.timezone.utc) +
	    datetime.timedelta(hours=7)).date()
	day = datetime.timedelta(days=1)
	return [{"code": "THD", "name": "Thang hanh dong",
	    "start": str(today - day), "end": str(today + day)}]


def leaks(d):
	"""Which canaries the database, WAL and SHM hold, byte by byte."""
	found = []
	for sfx in ("", "-wal", "-shm"):
		p = d.dbpath + sfx
		if not os.path.exists(p):
			continue
		with open(p, "rb") as f:
			data = f.read()
		for c in (CANARY_TEXT, CANARY_FOLLOWUP, "canary") + CANARY_FORMS:
			for enc in ("utf-8", "utf-16-le", "utf-16-be"):
				if c.encode(enc) in data:
					found.append("%r (%s) in t.db%s" % (c, enc,
					    sfx))
	return found


def sink_config(sink):
	return {"allow_http": True, "campaigns": running_campaign(),
	    "sms_out": {"via": "generic", "url": sink.url + "/sms",
	    "rate_per_second": 1000}}


@sqlite_only("reads the bytes of SQLite's database, WAL and SHM")
@case(start=False)
def test_sealed_nothing_clear_on_disk(d):
	with Sink() as sink:
		d.overrides = sink_config(sink)
		d.new_config()
		d.umask = 0		# the key must not rely on the umask
		d.start()
		d.umask = 0o022
		d.add_contact("Cong an", POLICE, "police", areas="*",
		    channel="webhook", url=sink.url + "/police")
		d.add_contact("Tram y te", "0931000002", "health", areas="*")
		r = d.sms("sl-1", CANARY_LOCAL, "BL thon 3 " + CANARY_TEXT)
		ref = r.get("ref")
		check(ref, "no REF: %r" % r)
		d.sms("sl-2", CANARY_LOCAL, CANARY_FOLLOWUP)
		d.sms("sl-3", CANARY_LOCAL, "DK")
		d.ctl("broadcast", "THD", "Moi ban du mit tinh")
		# HUY from the reporter: compared through the store, it is a
		# request (the reporter's own number), not help.
		d.sms("sl-4", CANARY_LOCAL, "HUY " + ref)
		# Alerts and SMS reach the sink: webhook created and updated,
		# the SMS alert to health, the broadcast to the subscriber.
		wait_until(lambda: len(sink.got("/police")) >= 2, 10, 0.1,
		    "webhook alerts")
		wait_until(lambda: any(r.json().get("to") == CANARY_E164
		    for r in sink.got("/sms")), 10, 0.1, "broadcast SMS")
		wait_until(lambda: all(o["status"] == "sent"
		    for o in d.outbox()), 10, 0.1, "outbox sent")
		got = sink.got("/police")[0].json()
		eq(got["reporter"], CANARY_E164, "alert's reporter")
		check(CANARY_TEXT in got["text"], "alert's text %r" % got["text"])
		eq(d.ctl_json("reports", "show", ref).get("cancel_requested"),
		    True, "HUY from the reporter's number")

		# While the daemon runs: nothing clear in any byte.
		check(d.alive(), "tincayd died")
		found = leaks(d)
		check(not found, "clear on disk: %s" % ", ".join(found))

		# The operator with the key sees the plaintext.
		show = d.ctl_json("reports", "show", ref)
		eq(show["reporter"], CANARY_E164, "reports show reporter")
		eq(show["texts"], ["BL thon 3 " + CANARY_TEXT, CANARY_FOLLOWUP,
		    "HUY " + ref], "reports show texts")
		eq(show["messages"], 3, "reports show messages")
		texts = [m["text"] for m in d.messages() if m["ref"] == ref]
		eq(texts, ["BL thon 3 " + CANARY_TEXT, CANARY_FOLLOWUP,
		    "HUY " + ref], "messages list texts")
		# Reading them wrote nothing clear either.
		found = leaks(d)
		check(not found, "clear on disk after tincayctl: %s" %
		    ", ".join(found))
		st = os.stat(d.keypath)
		eq(oct(stat.S_IMODE(st.st_mode)), oct(0o600), "key file mode")
		eq(st.st_size, 32, "key file size")
		check(d.alive(), "tincayd died")


@sqlite_only("copies SQLite's database file")
def test_sealed_copy_without_key(d):
	ref = d.sms("sk-1", CANARY_LOCAL, "BL thon 3 " + CANARY_TEXT)["ref"]
	d.stop()
	copy = os.path.join(d.tmpdir, "copy")
	os.mkdir(copy)
	for sfx in ("", "-wal"):
		if os.path.exists(d.dbpath + sfx):
			shutil.copy(d.dbpath + sfx, os.path.join(copy, "t.db" + sfx))
	key = d.keypath
	d.config["database"] = os.path.join(copy, "t.db")
	# Where the copied folder's key would be: not there.
	d.config["key_file"] = os.path.join(copy, "t.db.key")
	d.write_config()

	p = d.ctl("reports", "show", ref, "--json", ok=False)
	eq(p.returncode, 1, "tincayctl on a database without its key")
	err = p.stderr.decode("utf-8", "replace")
	check("key" in err and "missing" in err and d.keypath in err,
	    "no clear reason: %r" % err)
	eq(p.stdout, b"", "output without the key")
	check(not os.path.exists(d.keypath), "a new key was made for a "
	    "database that had one")

	# Another database's key is refused too.
	other = os.path.join(d.tmpdir, "other")
	os.mkdir(other)
	d2 = dict(d.config, database=os.path.join(other, "o.db"),
	    key_file=os.path.join(other, "o.db.key"))
	d.write_config(d2)
	d.add_contact("Cong an", "0931000001", "police")	# makes o.db
	d.write_config()
	shutil.copy(os.path.join(other, "o.db.key"), d.keypath)
	p = d.ctl("reports", "list", ok=False)
	eq(p.returncode, 1, "tincayctl with another database's key")
	check("not the key" in p.stderr.decode(), "reason: %r" % p.stderr)

	# Restored with its own key: readable; a key others may read is not.
	shutil.copy(key, d.keypath)
	os.chmod(d.keypath, 0o644)
	p = d.ctl("reports", "list", ok=False)
	eq(p.returncode, 1, "tincayctl with a key file of mode 0644")
	check("0644" in p.stderr.decode(), "reason: %r" % p.stderr)
	os.chmod(d.keypath, 0o600)
	eq(d.ctl_json("reports", "show", ref)["reporter"], CANARY_E164,
	    "restored with its key")
