"""
test_key.py: SPEC §8, the key does not travel with the data. The key is
never in the database's directory by default: a systemd credential
($CREDENTIALS_DIRECTORY/tincay.key) first, then key_file, then a key an
earlier version kept beside the database (it keeps working, and
`tincayd -t` warns), then the database's name + ".key" in the
configuration's directory. (make run's layout: test_run.py; backup
--with-key: test_cli.py.)
"""

import os
import stat
import subprocess

from harness import TINCAYCTL, TINCAYD, case, check, eq

SQLITE_ONLY = ("where the key goes by a database file's path (on "
    "PostgreSQL the harness names key_file)")

BESIDE = "is in the database's directory"


def _layout(d, key_file=None):
	"""The config in <tmp>/etc, the database in <tmp>/data."""
	etc, data = os.path.join(d.tmpdir, "etc"), os.path.join(d.tmpdir, "data")
	os.makedirs(etc, exist_ok=True)
	os.makedirs(data, exist_ok=True)
	d.cfgpath = os.path.join(etc, "tincay.json")
	d.config["database"] = os.path.join(data, "t.db")
	if key_file is None:
		d.config.pop("key_file", None)
	else:
		d.config["key_file"] = key_file
	d.write_config()
	return etc, data


def _check_t(d, env=None):
	p = subprocess.run([TINCAYD, "-t", "-c", d.cfgpath], cwd=d.tmpdir,
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
	    env=dict(os.environ, **(env or {})))
	eq(p.returncode, 0, "tincayd -t: exit status (%r)" % p.stderr[-300:])
	return p.stderr.decode("utf-8", "replace")


def _ctl(d, *args, env=None):
	return subprocess.run([TINCAYCTL, "-c", d.cfgpath] + list(args),
	    cwd=d.tmpdir, stdin=subprocess.DEVNULL, capture_output=True,
	    timeout=30, env=dict(os.environ, **(env or {})))


@case(start=False)
def test_key_default_apart_from_the_database(d):
	etc, data = _layout(d)
	d.start()
	ref = d.sms("k-1", "0912000111", "BL thon 1").get("ref")
	check(ref, "no REF")
	d.stop()
	names = os.listdir(data)
	check("t.db" in names and not [n for n in names if n.endswith(".key")],
	    "the database's directory: %r" % names)
	key = os.path.join(etc, "t.db.key")
	eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "the key's mode, in the "
	    "configuration's directory")
	check(BESIDE not in _check_t(d), "tincayd -t warns about a key apart "
	    "from the database")


@case(start=False)
def test_key_beside_database_keeps_working_and_warns(d):
	etc, data = _layout(d)
	old = os.path.join(data, "t.db.key")
	# An earlier version: its key beside its database.
	d.config["key_file"] = old
	d.write_config()
	d.start()
	ref = d.sms("k-2", "0912000222", "BL thon 2").get("ref")
	d.stop()
	# Today's config names no key_file: that key is still the one.
	d.config.pop("key_file")
	d.write_config()
	err = _check_t(d)
	check(BESIDE in err and old in err, "tincayd -t does not warn about "
	    "the key beside the database: %r" % err[-600:])
	d.start()
	eq([r["ref"] for r in d.ctl_json("reports", "list")], [ref],
	    "reports read with the key beside the database")
	check(not os.path.exists(os.path.join(etc, "t.db.key")), "a new key "
	    "was made beside the config")


@case(start=False)
def test_key_credential_first(d):
	etc, data = _layout(d, key_file=None)
	creds = os.path.join(d.tmpdir, "creds")
	os.mkdir(creds)
	cred = os.path.join(creds, "tincay.key")
	with open(cred, "wb") as f:
		f.write(os.urandom(32))
	# As systemd leaves it when an ACL gives the service user read
	# access: group bits from the ACL's mask.
	os.chmod(cred, 0o440)
	d.config["key_file"] = os.path.join(etc, "fallback.key")
	d.write_config()
	env = {"CREDENTIALS_DIRECTORY": creds}
	d.env = env
	d.start()
	ref = d.sms("k-3", "0912000333", "BL thon 3").get("ref")
	d.stop()
	check(not os.path.exists(d.config["key_file"]), "key_file made while "
	    "a credential was passed")
	names = os.listdir(data)
	check("t.db" in names and not [n for n in names if n.endswith(".key")],
	    "the database's directory: %r" % names)
	p = _ctl(d, "reports", "list", "--json", env=env)
	eq(p.returncode, 0, "tincayctl with the credential (%r)" % p.stderr)
	check(ref.encode() in p.stdout, "the report read with the credential")
	# Without it, key_file is the key: absent, the database says so.
	p = _ctl(d, "reports", "list", env={"CREDENTIALS_DIRECTORY": ""})
	eq(p.returncode, 1, "tincayctl without the credential")
	check(b"missing" in p.stderr and b"fallback.key" in p.stderr,
	    "stderr %r" % p.stderr)
	# Others' bits are refused even there.
	os.chmod(cred, 0o444)
	p = _ctl(d, "reports", "list", env=env)
	eq(p.returncode, 1, "a credential others may read")
	check(b"lets others at the key" in p.stderr, "stderr %r" % p.stderr)
