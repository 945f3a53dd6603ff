"""
test_run.py: `make run` as a user runs it (scripts/run, what the target
starts), in a copy of the tree's layout (bin/, scripts/, config/) under the
test's temp dir, so that the working tree is left alone: LISTEN= runs on
another port without editing config/tincay.json.
"""

import hashlib
import http.client
import json
import os
import shutil
import signal
import stat
import subprocess

import harness
from harness import REPO, TINCAYCTL, TINCAYD, case, check, eq, wait_until

SQLITE_ONLY = ("make run's tree, var/tincay.db and config/: not the engine "
    "under test, run once by the sqlite pass")


def _tree(d):
	"""A make run tree in d.tmpdir/tree: the programs under test, the
	scripts, and a copy of config/ (tincay.json, contacts.csv)."""
	root = os.path.join(d.tmpdir, "tree")
	os.makedirs(os.path.join(root, "bin"))
	os.symlink(TINCAYD, os.path.join(root, "bin", "tincayd"))
	os.symlink(TINCAYCTL, os.path.join(root, "bin", "tincayctl"))
	os.symlink(os.path.join(REPO, "scripts"), os.path.join(root, "scripts"))
	os.makedirs(os.path.join(root, "config"))
	for f in ("tincay.json", "contacts.csv"):
		shutil.copy(os.path.join(REPO, "config", f),
		    os.path.join(root, "config", f))
	return root


def _digest(path):
	with open(path, "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


def _healthz(port):
	try:
		c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
		c.request("GET", "/healthz")
		return c.getresponse().status
	except OSError:
		return None
	finally:
		c.close()


def run(d, root, *args):
	"""Start scripts/run in root; returns the process (registered for
	cleanup)."""
	err = open(os.path.join(d.tmpdir, "run.stderr"), "wb")
	p = subprocess.Popen(["scripts/run"] + list(args), cwd=root,
	    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
	err.close()
	harness._register(p)
	return p


def stop(p):
	p.send_signal(signal.SIGTERM)
	try:
		eq(p.wait(timeout=10), 0, "tincayd's exit status after SIGTERM")
	finally:
		harness._unregister(p)


def run_stderr(d):
	with open(os.path.join(d.tmpdir, "run.stderr"), "rb") as f:
		return f.read().decode("utf-8", "replace")


@case(start=False)
def test_run_listen_elsewhere_edits_nothing(d):
	root = _tree(d)
	conf = os.path.join(root, "config", "tincay.json")
	before = _digest(conf)
	port = harness.free_port()
	p = run(d, root, "config/tincay.json", "127.0.0.1:%d" % port)
	try:
		ok = wait_until(lambda: p.poll() is not None or
		    _healthz(port) == 200, 30, 0.1)
		check(ok and p.poll() is None, "make run LISTEN=127.0.0.1:%d "
		    "not serving: %s" % (port, run_stderr(d)[-600:]))
	finally:
		if p.poll() is None:
			stop(p)
	eq(_digest(conf), before, "config/tincay.json after make run LISTEN=")
	with open(os.path.join(root, "config", "tincay.run.json"),
	    encoding="utf-8") as f:
		c = json.load(f)
	eq(c["listen"], "127.0.0.1:%d" % port, "listen of the copy")
	eq(c["public_url"], "http://127.0.0.1:%d" % port, "its public_url")
	with open(conf, encoding="utf-8") as f:
		shipped = json.load(f)
	for k in shipped:
		if k not in ("listen", "public_url"):
			eq(c[k], shipped[k], "the copy's %s" % k)


@case(start=False)
def test_run_key_not_beside_the_database(d):
	"""SPEC §8 for make run: the key in config/ (git-ignored), outside
	var/, which holds the database."""
	root = _tree(d)
	port = harness.free_port()
	p = run(d, root, "config/tincay.json", "127.0.0.1:%d" % port)
	try:
		ok = wait_until(lambda: p.poll() is not None or
		    _healthz(port) == 200, 30, 0.1)
		check(ok and p.poll() is None, "make run not serving: %s" %
		    run_stderr(d)[-600:])
	finally:
		if p.poll() is None:
			stop(p)
	var = sorted(os.listdir(os.path.join(root, "var")))
	check("tincay.db" in var, "no database in var/: %r" % var)
	check(not [n for n in var if n.endswith(".key")], "a key in var/: %r"
	    % var)
	key = os.path.join(root, "config", "tincay.db.key")
	eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "config/tincay.db.key "
	    "mode")
	with open(os.path.join(REPO, ".gitignore")) as f:
		check("/config/*.key" in f.read().split(), "config/'s keys are "
		    "not git-ignored")
