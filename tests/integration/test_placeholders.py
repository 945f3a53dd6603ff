"""
test_placeholders.py: the placeholder secrets the examples ship
("change-me...", "...") are known to whoever read them: tincayd refuses to
start on them, naming each key, unless the config says
"allow_placeholders": true and it listens on loopback (make run); a
reload onto them keeps the running configuration; the package's postinst
starts the service only once `tincayd -t` accepts its configuration, and makes the
database's key apart from the database (/etc/tincay/tincay.key).
"""

import os
import re
import signal
import subprocess

from harness import REPO, SECRET, TINCAYD, case, check, eq

PLACEHOLDERS = {"providers": {"generic": {"secret": "change-me"}},
    "webhook_secret": "change-me-too"}
NAMED = (r"refusing to start: providers\.generic\.secret, webhook_secret: "
    r"still the shipped placeholders")


def _tincayd(d, *args):
	return subprocess.run([TINCAYD, "-c", d.cfgpath] + list(args),
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=20)


@case(PLACEHOLDERS, start=False)
def test_placeholders_refused_at_start(d):
	for args in ((), ("-t",)):
		p = _tincayd(d, *args)
		err = p.stderr.decode("utf-8", "replace")
		eq(p.returncode, 1, "tincayd %s on placeholder secrets: exit "
		    "status" % " ".join(args))
		check(re.search(NAMED, err), "tincayd %s does not name the keys: "
		    "%r" % (" ".join(args), err[-400:]))
	check(not d.db_made(), "a refused start made a database")


@case(dict(PLACEHOLDERS, allow_placeholders=True), start=False)
def test_placeholders_allowed_on_loopback_only(d):
	d.start()
	r = d.request("GET", "/healthz")
	eq(r.status, 200, "healthz with allowed placeholders on loopback")
	d.stop()
	d.config["listen"] = "0.0.0.0:%d" % d.port
	d.write_config()
	p = _tincayd(d, "-t")
	eq(p.returncode, 1, "tincayd -t: placeholders allowed, but listening "
	    "on every address")
	check(re.search(NAMED, p.stderr.decode()), "the refusal names no key")


def test_placeholders_reload_keeps_running_config(d):
	d.config["webhook_secret"] = "change-me-too"
	d.write_config()
	d.signal(signal.SIGHUP)
	check(d.wait_stderr(r"reload: webhook_secret: still the shipped "
	    r"placeholder;.*keeping the running configuration", timeout=10),
	    "no refusal of the reload: %r" % d.stderr()[-400:])
	r = d.sms("ph-1", "0912345678", "HD")
	check(r.get("reply"), "the running configuration stopped serving")


def _stubs(d, log):
	"""A PATH in which the postinst's tools log what they were asked,
	and runuser runs its command (tincayd is the one under test) on the
	test's configuration instead of /etc/tincay/tincay.json."""
	bindir = os.path.join(d.tmpdir, "stubs")
	os.makedirs(bindir)
	logger = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>%s\n" % log
	for name in ("systemd-sysusers", "chown", "chmod",
	    "deb-systemd-invoke", "deb-systemd-helper", "mv"):
		with open(os.path.join(bindir, name), "w") as f:
			f.write(logger)
	# The key is made in the test's directory, not in /etc/tincay.
	with open(os.path.join(bindir, "mktemp"), "w") as f:
		f.write("#!/bin/sh\necho \"mktemp $*\" >>%s\n: >%s/key.tmp\n"
		    "echo %s/key.tmp\n" % (log, d.tmpdir, d.tmpdir))
	with open(os.path.join(bindir, "dpkg-statoverride"), "w") as f:
		f.write("#!/bin/sh\nexit 1\n")
	with open(os.path.join(bindir, "runuser"), "w") as f:
		f.write("#!/bin/sh\necho \"runuser $*\" >>%s\n"
		    "while [ \"$1\" != -- ]; do shift; done; shift\n"
		    "cmd=$1; shift; for a; do shift; [ \"$a\" = "
		    "/etc/tincay/tincay.json ] && a=%s; set -- \"$@\" \"$a\"; "
		    "done\nexec \"$cmd\" \"$@\"\n" % (log, d.cfgpath))
	os.symlink(TINCAYD, os.path.join(bindir, "tincayd"))
	for n in os.listdir(bindir):
		os.chmod(os.path.join(bindir, n), 0o755)
	return bindir


def _postinst(d, bindir):
	env = dict(os.environ, PATH=bindir + ":/usr/bin:/bin")
	return subprocess.run(["sh", os.path.join(REPO, "debian",
	    "tincay.postinst"), "configure"], env=env, capture_output=True,
	    timeout=30, stdin=subprocess.DEVNULL)


@case(PLACEHOLDERS, start=False)
def test_postinst_starts_only_a_checked_config(d):
	log = os.path.join(d.tmpdir, "calls.log")
	bindir = _stubs(d, log)
	p = _postinst(d, bindir)
	eq(p.returncode, 0, "postinst exit status (%r)" % p.stderr[-400:])
	err = p.stderr.decode()
	with open(log) as f:
		calls = f.read()
	check("runuser -u tincay -- tincayd -t" in calls, "the check did not "
	    "run as the service's user: %r" % calls)
	check("deb-systemd-invoke" not in calls, "started with placeholder "
	    "secrets: %r" % calls)
	# The database's key, made apart from it (in /etc/tincay), 0600 (by
	# mktemp), the service's.
	tmp = os.path.join(d.tmpdir, "key.tmp")
	for want in ("mktemp /etc/tincay/tincay.key.XXXXXX",
	    "chown tincay:tincay %s" % tmp,
	    "mv %s /etc/tincay/tincay.key" % tmp):
		check(re.search("^" + re.escape(want) + "$", calls, re.M),
		    "postinst did not %r: %r" % (want, calls))
	eq(os.path.getsize(tmp), 32, "the key's size")
	check("not started" in err and re.search(NAMED, err), "postinst "
	    "does not say which keys hold placeholders: %r" % err)
	# The secrets changed: configure starts it.
	d.config["webhook_secret"] = WEBHOOK
	d.config["providers"]["generic"]["secret"] = SECRET
	d.write_config()
	p = _postinst(d, bindir)
	eq(p.returncode, 0, "postinst exit status (%r)" % p.stderr[-400:])
	with open(log) as f:
		calls = f.read()
	check(re.search(r"^deb-systemd-invoke restart tincay\.service$", calls,
	    re.M), "not started once the secrets changed: %r" % calls)


WEBHOOK = "it-webhook-" + "5" * 20
