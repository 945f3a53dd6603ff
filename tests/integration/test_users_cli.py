"""
test_users_cli.py: the console's users and audit from tincayctl (SPEC §12,
issue 21): users add|list|remove|passwd|totp and audit as an operator
meets them, with a running tincayd, on either engine. The password is one
line of standard input; whatever is refused (a short or empty password,
an unknown role, a name taken, an unknown user, areas or communes the
config lacks) exits 1 with a message naming it and writes nothing, not
even an audit row; every change is an audit row of user "tincayctl";
neither a hash nor a secret is ever printed by a listing; a TOTP secret
is printed once, with an otpauth:// URI whose codes are RFC 6238's.
"""

import base64
import hashlib
import hmac
import json
import re
import struct
import subprocess
import time

from harness import case, check, eq

PASSWORD = "mật khẩu dài 1"


def users(d, *args, stdin=b"", ok=True):
	"""tincayctl users ARGS with stdin (bytes) as its standard input."""
	p = subprocess.run([d.tincayctl, "-c", d.cfgpath, "users"] +
	    list(args), input=stdin, capture_output=True, timeout=60,
	    cwd=d.tmpdir)
	if ok:
		eq(p.returncode, 0, "users %s: exit code (stderr %r)" % (
		    " ".join(args), p.stderr[:300]))
	return p


def listed(d):
	return {u["name"]: u for u in d.ctl_json("users", "list")}


def audit(d, *args):
	return d.ctl_json("audit", *args)


def totp(secret, t, step=0):
	"""RFC 6238's code, HMAC-SHA1, 6 digits, 30 s, computed here."""
	key = base64.b32decode(secret + "=" * (-len(secret) % 8))
	msg = struct.pack(">Q", int(t) // 30 + step)
	md = hmac.new(key, msg, hashlib.sha1).digest()
	off = md[-1] & 15
	return (struct.unpack(">I", md[off:off + 4])[0] & 0x7fffffff) % 10 ** 6


def everything(d):
	"""What the tables say, to compare before and after a refusal."""
	return (d.ctl("users", "list", "--json").stdout,
	    d.ctl("audit", "--json").stdout)


@case()
def test_users_cli_add_list_remove(d):
	p = users(d, "add", "--name", "lan", "--role", "caseworker",
	    "--areas", "T1;t3", stdin=(PASSWORD + "\n").encode())
	check(b"lan" in p.stdout, "add says nothing of lan: %r" % p.stdout)
	users(d, "add", "--name", "binh", "--role", "admin",
	    stdin=b"12345678")	# no newline: the line is the input
	users(d, "add", "--name", "an", "--role", "viewer",
	    stdin=b"abcdefgh\r\nignored\n")
	rows = d.ctl_json("users", "list")
	eq([u["name"] for u in rows], ["an", "binh", "lan"], "by name")
	lan = rows[2]
	eq(sorted(lan), ["areas", "communes", "created_at", "last_signin_at",
	    "name", "role", "totp"], "a row's fields")
	eq((lan["role"], lan["areas"], lan["communes"], lan["totp"],
	    lan["last_signin_at"]), ("caseworker", "T1;T3", "*", False, None),
	    "lan's row (areas in the config's spelling)")
	check(isinstance(lan["created_at"], int) and
	    abs(lan["created_at"] - time.time()) < 120, "created_at %r" %
	    lan["created_at"])
	eq(rows[1]["areas"], "*", "areas default")
	# The text listing: local times, never a hash.
	out = d.ctl("users", "list").stdout.decode()
	check(out.startswith("name"), "no header: %r" % out)
	check(re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", out), "no local "
	    "time: %r" % out)
	for text in (out, json.dumps(rows)):
		check("scrypt" not in text and PASSWORD not in text,
		    "a listing shows a hash or a password: %r" % text)
	# The hash is stored, slow and salted; the password nowhere.
	h = d.sql_value("SELECT pw_hash FROM users WHERE name = ?", "lan")
	check(h.startswith("scrypt$32768$8$1$"), "pw_hash %r" % h)
	n = d.sql_value("SELECT count(*) FROM users WHERE pw_hash = ?",
	    PASSWORD)
	eq(n, 0, "a password kept in clear")

	p = users(d, "remove", "binh")
	check(b"binh" in p.stdout, "remove says nothing: %r" % p.stdout)
	eq(sorted(listed(d)), ["an", "lan"], "after remove")
	rows = audit(d)
	eq([(r["user"], r["action"], r["target"]) for r in rows], [
	    ("tincayctl", "user_remove", "binh"),
	    ("tincayctl", "user_add", "an"),
	    ("tincayctl", "user_add", "binh"),
	    ("tincayctl", "user_add", "lan")], "the audit, newest first")
	eq(sorted(rows[0]), ["action", "addr", "at", "detail", "target",
	    "user"], "an audit row's fields")
	eq(rows[3]["detail"], "caseworker", "user_add's detail")
	eq(audit(d, "--user", "lan"), [], "audit of a user who did nothing")
	eq(len(audit(d, "--user", "tincayctl")), 4, "audit --user tincayctl")
	today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
	eq(len(audit(d, "--from", today, "--to", today)), 4, "today's rows")
	eq(audit(d, "--to", "2020-01-01"), [], "rows before 2020")
	out = d.ctl("audit").stdout.decode()
	check(re.search(r"^at +user +action +target +addr +detail$",
	    out.split("\n")[0]), "audit's header: %r" % out[:200])


@case()
def test_users_cli_refusals_write_nothing(d):
	users(d, "add", "--name", "lan", "--role", "admin",
	    stdin=b"12345678\n")
	before = everything(d)
	refused = [
	    (["add", "--name", "an", "--role", "viewer"], b"", b"empty"),
	    (["add", "--name", "an", "--role", "viewer"], b"\n", b"empty"),
	    (["add", "--name", "an", "--role", "viewer"], b"1234567\n",
		b"shorter than 8"),
	    (["add", "--name", "an", "--role", "viewer"], "mật kh\n".encode(),
		b"shorter than 8"),
	    (["add", "--name", "an", "--role", "boss"], b"12345678\n",
		b"boss"),
	    (["add", "--name", "lan", "--role", "viewer"], b"12345678\n",
		b"lan exists"),
	    (["add", "--name", "a b", "--role", "viewer"], b"12345678\n",
		b"--name a b"),
	    (["add", "--name", "tincayctl", "--role", "viewer"],
		b"12345678\n", b"tincayctl"),
	    (["add", "--name", "an", "--role", "viewer", "--areas", "T9"],
		b"12345678\n", b"--areas"),
	    (["add", "--name", "an", "--role", "viewer", "--communes", "X"],
		b"12345678\n", b"--communes"),
	    (["add", "--name", "an"], b"12345678\n", b"usage"),
	    (["add", "--name", "an", "--role", "viewer", "--bogus"],
		b"12345678\n", b"--bogus"),
	    (["remove", "nobody"], b"", b"no user nobody"),
	    (["passwd", "nobody"], b"12345678\n", b"no user nobody"),
	    (["passwd", "lan"], b"short\n", b"shorter than 8"),
	    (["passwd", "lan"], b"", b"empty"),
	    (["totp", "nobody"], b"", b"no user nobody"),
	    (["totp"], b"", b"usage"),
	]
	for args, stdin, says in refused:
		p = users(d, *args, stdin=stdin, ok=False)
		eq(p.returncode, 1, "users %s: exit code" % " ".join(args))
		check(says in p.stderr, "users %s: %r not in stderr %r" % (
		    " ".join(args), says, p.stderr))
		eq(p.stdout, b"", "users %s wrote to stdout" % " ".join(args))
		eq(everything(d), before, "users %s changed something" %
		    " ".join(args))
	p = d.ctl("audit", "--from", "2020-02-30", ok=False)
	eq(p.returncode, 1, "audit --from 2020-02-30")
	check(b"2020-02-30" in p.stderr, "stderr %r" % p.stderr)


@case()
def test_users_cli_passwd_and_totp(d):
	users(d, "add", "--name", "lan", "--role", "caseworker",
	    stdin=b"first password\n")
	old = d.sql_value("SELECT pw_hash FROM users WHERE name = ?", "lan")
	users(d, "passwd", "lan", stdin=b"second password\n")
	new = d.sql_value("SELECT pw_hash FROM users WHERE name = ?", "lan")
	check(new != old and new.startswith("scrypt$"), "passwd left %r" % new)

	p = users(d, "totp", "lan")
	out = p.stdout.decode()
	m = re.search(r"\b([A-Z2-7]{32})\b", out)
	check(m, "no base32 secret in %r" % out)
	secret = m.group(1)
	uri = re.search(r"otpauth://totp/\S+", out)
	check(uri, "no otpauth URI in %r" % out)
	eq(uri.group(0), "otpauth://totp/tincay:lan?secret=%s&issuer=tincay"
	    "&algorithm=SHA1&digits=6&period=30" % secret, "the URI")
	eq(listed(d)["lan"]["totp"], True, "totp after users totp")
	# Sealed at rest: the secret is in no byte of its column.
	blob = d.sql_value("SELECT totp_secret FROM users WHERE name = ?",
	    "lan")
	check(isinstance(blob, bytes) and secret.encode() not in blob and
	    blob[0] == 1, "totp_secret at rest: %r" % blob)
	for text in (d.ctl("users", "list").stdout,
	    d.ctl("users", "list", "--json").stdout, d.ctl("audit").stdout,
	    d.ctl("audit", "--json").stdout):
		check(secret.encode() not in text, "a listing shows the secret")
	# The codes an app makes from it are RFC 6238's (a known vector).
	eq(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59), 287082, "RFC 6238")
	check(0 <= totp(secret, time.time()) < 10 ** 6, "a code")

	# A new secret replaces the old; --off removes it.
	p = users(d, "totp", "lan")
	check(secret.encode() not in p.stdout, "the same secret twice")
	p = users(d, "totp", "lan", "--off")
	check(b"off" in p.stdout, "--off says %r" % p.stdout)
	eq(listed(d)["lan"]["totp"], False, "totp after --off")
	eq(d.sql_value("SELECT count(*) FROM users WHERE totp_secret IS NULL"),
	    1, "the secret gone")

	# add --totp prints a secret as users totp does.
	p = users(d, "add", "--name", "binh", "--role", "admin", "--totp",
	    stdin=b"third password\n")
	check(re.search(rb"\b[A-Z2-7]{32}\b", p.stdout) and
	    b"otpauth://totp/tincay:binh?" in p.stdout, "add --totp: %r" %
	    p.stdout)
	eq(listed(d)["binh"]["totp"], True, "binh's totp")
	eq([(r["action"], r["target"], r["detail"]) for r in audit(d)], [
	    ("user_totp", "binh", "on"),
	    ("user_add", "binh", "admin totp"),
	    ("user_totp", "lan", "off"),
	    ("user_totp", "lan", "on"),
	    ("user_totp", "lan", "on"),
	    ("user_passwd", "lan", ""),
	    ("user_add", "lan", "caseworker")], "the audit")


CITY = {"communes": [
	{"code": "TINHCHAU", "name": "Tịnh Châu", "areas": [
	    {"code": "T1", "name": "Thôn 1"}, {"code": "T2", "name": "Thôn 2"}]},
	{"code": "TINHAN", "name": "Tịnh Ấn", "areas": [
	    {"code": "T1", "name": "Thôn 1"}]}]}


@case(CITY)
def test_users_cli_city_scopes(d):
	users(d, "add", "--name", "lan", "--role", "caseworker", "--communes",
	    "tinhchau;TINHAN", "--areas", "tinhchau.t2;TINHAN.T1",
	    stdin=b"12345678\n")
	lan = listed(d)["lan"]
	eq((lan["communes"], lan["areas"]), ("TINHCHAU;TINHAN",
	    "TINHCHAU.T2;TINHAN.T1"), "a city's scope, as the config spells it")
	for areas, says in (("T1", b"CODE.T3"), ("X.T1", b"before the dot"),
	    ("TINHAN.T2", b"not a configured area")):
		p = users(d, "add", "--name", "an", "--role", "caseworker",
		    "--areas", areas, stdin=b"12345678\n", ok=False)
		eq(p.returncode, 1, "--areas %s: exit code" % areas)
		check(says in p.stderr, "--areas %s: stderr %r" % (areas,
		    p.stderr))
	p = users(d, "add", "--name", "an", "--role", "caseworker",
	    "--communes", "TINHAN", "--areas", "TINHCHAU.T1",
	    stdin=b"12345678\n", ok=False)
	check(b"--communes leaves out" in p.stderr, "stderr %r" % p.stderr)
	eq(sorted(listed(d)), ["lan"], "refused users added")
