"""
test_install.py: `make install DESTDIR=... PREFIX=...` (SPEC §9) lays out
the programs, the man pages, the systemd unit pointing at the installed
tincayd, the sysusers.d and tmpfiles.d files and the example configs, with
their modes; the installed tincayd accepts the example config; the README's
steps without a package work with what it installs.
"""

import json
import os
import re
import shutil
import stat
import subprocess

from harness import REPO, TINCAYD, case, check, eq

SQLITE_ONLY = ("make install's layout and the package, on their SQLite "
    "path: not the engine under test, run once by the sqlite pass")

FILES = {
	"sbin/tincayd": 0o755,
	"sbin/tincayctl": 0o755,
	"share/man/man8/tincayd.8": 0o644,
	"share/man/man8/tincayctl.8": 0o644,
	"share/man/man5/tincay.json.5": 0o644,
	"lib/systemd/system/tincay.service": 0o644,
	"lib/sysusers.d/tincay.conf": 0o644,
	"lib/tmpfiles.d/tincay.conf": 0o644,
	"share/doc/tincay/tincay.json.example": 0o644,
	"share/doc/tincay/example-full.json": 0o644,
}


def _install(d, prefix):
	dest = os.path.join(d.tmpdir, "dest")
	env = {k: v for k, v in os.environ.items()
	    if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
	args = ["make", "-s", "--no-print-directory", "-C", REPO, "install",
	    "DESTDIR=" + dest, "PREFIX=" + prefix]
	if "/build/san/" in TINCAYD:
		args.append("SANITIZE=1")
	p = subprocess.run(args, stdin=subprocess.DEVNULL,
	    capture_output=True, timeout=120, env=env)
	eq(p.returncode, 0, "make install exit code (%s)" %
	    (p.stdout + p.stderr).decode("utf-8", "replace")[-600:])
	return dest, dest + prefix


@case(start=False)
def test_install_tree(d):
	dest, root = _install(d, "/usr")
	for rel, mode in sorted(FILES.items()):
		path = os.path.join(root, rel)
		check(os.path.isfile(path), "not installed: /usr/%s" % rel)
		eq(stat.S_IMODE(os.stat(path).st_mode), mode, "mode of /usr/%s"
		    % rel)
	for top, dirs, files in os.walk(dest):
		for n in dirs + files:
			m = os.lstat(os.path.join(top, n)).st_mode
			check(not m & 0o022, "%s is writable by others" %
			    os.path.join(top, n)[len(dest):])
	with open(os.path.join(root, "lib/systemd/system/tincay.service")) as f:
		unit = f.read()
	for line in ("Type=notify", "ExecStart=/usr/sbin/tincayd -c "
	    "/etc/tincay/tincay.json", "StateDirectory=tincay",
	    "WorkingDirectory=/var/lib/tincay", "User=tincay"):
		check(re.search("^" + re.escape(line) + "$", unit, re.M),
		    "the installed unit lacks %r" % line)
	with open(os.path.join(root, "lib/sysusers.d/tincay.conf")) as f:
		check(re.search(r"^u\s+tincay\s", f.read(), re.M),
		    "sysusers.d: no user tincay")
	with open(os.path.join(root, "lib/tmpfiles.d/tincay.conf")) as f:
		check(re.search(r"^d\s+/var/lib/tincay\s+0700\s+tincay\s",
		    f.read(), re.M), "tmpfiles.d: no /var/lib/tincay 0700 tincay")
	tincayd = os.path.join(root, "sbin/tincayd")
	p = subprocess.run([tincayd, "-V"], capture_output=True, timeout=20)
	eq(p.returncode, 0, "installed tincayd -V")
	# The example as installed is refused for its placeholder secrets,
	# and accepted once they are replaced, as the README says to.
	example = os.path.join(root, "share/doc/tincay/tincay.json.example")
	p = subprocess.run([tincayd, "-c", example, "-t"], capture_output=True,
	    timeout=20)
	err = p.stderr.decode("utf-8", "replace")
	eq(p.returncode, 1, "tincayd -t on the example config (%s)" % err[-300:])
	check(re.search(r"refusing to start: providers\.generic\.secret, "
	    r"webhook_secret: still the shipped placeholders", err),
	    "the refusal names neither secret: %r" % err[-300:])
	with open(example, encoding="utf-8") as f:
		text = re.sub(r'"change-me[^"]*"', lambda m: '"%s"' % os.urandom(
		    12).hex(), f.read())
	edited = os.path.join(d.tmpdir, "edited.json")
	with open(edited, "w", encoding="utf-8") as f:
		f.write(text)
	p = subprocess.run([tincayd, "-c", edited, "-t"], capture_output=True,
	    timeout=20)
	eq(p.returncode, 0, "tincayd -t on the example with its secrets set "
	    "(%s)" % p.stderr.decode("utf-8", "replace")[-300:])


@case(start=False)
def test_install_prefix(d):
	"""Under /usr/local the unit starts /usr/local/sbin/tincayd."""
	dest, root = _install(d, "/usr/local")
	with open(os.path.join(root, "lib/systemd/system/tincay.service")) as f:
		unit = f.read()
	check("ExecStart=/usr/local/sbin/tincayd " in unit and
	    "/usr/sbin/" not in unit, "the unit does not start "
	    "/usr/local/sbin/tincayd")
	check(os.path.isfile(os.path.join(root, "sbin/tincayctl")),
	    "no /usr/local/sbin/tincayctl")


@case(start=False)
def test_deb(d):
	"""make deb (when debhelper and lintian are here; about 10 s): the
	package holds the programs, the unit where Debian 12's debhelper
	enables it, and /etc/tincay/tincay.json as a conffile readable by its
	group only; lintian finds neither error nor warning (make deb fails
	if it does)."""
	if ("/build/san/" in TINCAYD or shutil.which("dh") is None or
	    shutil.which("dpkg-buildpackage") is None or
	    shutil.which("lintian") is None):
		return
	out = os.path.join(d.tmpdir, "deb")
	env = {k: v for k, v in os.environ.items()
	    if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
	p = subprocess.run(["make", "-s", "--no-print-directory", "-C", REPO,
	    "deb", "DEBDIR=" + out], stdin=subprocess.DEVNULL,
	    capture_output=True, timeout=240, env=env)
	eq(p.returncode, 0, "make deb exit code (%s)" %
	    (p.stdout + p.stderr).decode("utf-8", "replace")[-600:])
	debs = [n for n in os.listdir(out) if n.endswith(".deb") and
	    "-dbgsym" not in n]
	eq(len(debs), 1, "packages built")
	deb = os.path.join(out, debs[0])
	listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True,
	    timeout=30, check=True).stdout.decode()
	for want in (r"^-rwxr-xr-x \S+ .* \./usr/sbin/tincayd$",
	    r"^-rwxr-xr-x \S+ .* \./usr/sbin/tincayctl$",
	    r"^-rw-r--r-- \S+ .* \./lib/systemd/system/tincay\.service$",
	    r"^-rw-r--r-- \S+ .* \./usr/lib/sysusers\.d/tincay\.conf$",
	    r"^-rw-r--r-- \S+ .* \./usr/lib/tmpfiles\.d/tincay\.conf$",
	    r"^-rw-r----- \S+ .* \./etc/tincay/tincay\.json$",
	    r"\./usr/share/man/man8/tincayd\.8\.gz$",
	    r"\./usr/share/doc/tincay/tincay\.json\.example$",
	    r"\./usr/share/doc/tincay/example-full\.json$",
	    r"\./usr/share/man/man5/tincay\.json\.5\.gz$"):
		check(re.search(want, listing, re.M), "the package lacks %s:\n%s"
		    % (want, listing))
	ctrl = os.path.join(d.tmpdir, "ctrl")
	subprocess.run(["dpkg-deb", "-e", deb, ctrl], check=True, timeout=30)
	with open(os.path.join(ctrl, "conffiles")) as f:
		check("/etc/tincay/tincay.json" in f.read().split(),
		    "/etc/tincay/tincay.json is not a conffile")
	with open(os.path.join(ctrl, "postinst")) as f:
		post = f.read()
	check("deb-systemd-invoke" in post and "systemd-sysusers" in post,
	    "postinst neither makes the user nor starts the service")


def readme_block(after):
	"""The first ```sh block of the README that follows the line
	holding after, as lines without comments."""
	with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
		readme = f.read()
	at = readme.find(after)
	check(at >= 0, "README: no %r" % after)
	m = re.search(r"```sh\n(.*?)```", readme[at:], re.S)
	check(m, "README: no sh block after %r" % after)
	return [re.sub(r"\s+#.*$", "", l).strip() for l in
	    m.group(1).splitlines() if l.strip()]


@case(start=False)
def test_install_readme_steps_without_package(d):
	"""The README's steps without a package, followed in order against
	what make install PREFIX=/usr installs: what they copy is installed,
	the group tincay exists (systemd-sysusers) before a file names it,
	and every directory they write into is made first."""
	dest, root = _install(d, "/usr")
	steps = readme_block("or, without a package")
	eq(steps[0], "make && make install PREFIX=/usr", "the first step")
	group, made, key = False, set(), None

	def have(path):
		return path in made or os.path.exists(dest + path)
	for s in steps[1:]:
		argv = s.split()
		if argv[0] == "systemd-sysusers":
			check(os.path.isfile(os.path.join(root, "lib/sysusers.d",
			    argv[-1])), "%r: no such sysusers.d file" % s)
			group = True
		elif argv[:2] == ["systemd-tmpfiles", "--create"]:
			check(os.path.isfile(os.path.join(root, "lib/tmpfiles.d",
			    argv[-1])), "%r: no such tmpfiles.d file" % s)
			made.add("/var/lib/tincay")
		elif argv[0] in ("install", "mkdir") and ("-d" in argv or
		    "-p" in argv):
			made.add(argv[-1])
		elif argv[0] in ("install", "cp"):
			if "tincay" in argv:
				check(group, "%r names the group tincay before "
				    "systemd-sysusers made it" % s)
			src, dst = argv[-2], argv[-1]
			check(src == "/dev/null" or have(src), "%r: make install "
			    "did not install %s" % (s, src))
			check(have(os.path.dirname(dst)), "%r: nothing made %s" %
			    (s, os.path.dirname(dst)))
			made.add(dst)
		elif argv[0] in ("chgrp", "chown"):
			check(group, "%r before systemd-sysusers" % s)
			check(have(argv[-1]), "%r: no %s yet" % (s, argv[-1]))
		elif argv[:3] == ["head", "-c", "32"] and argv[-2] == ">":
			check(argv[-1] in made, "%r: nothing made %s 0600 first"
			    % (s, argv[-1]))
			key = argv[-1]
		elif argv[:2] == ["systemctl", "daemon-reload"]:
			pass
		else:
			check(False, "a step this test does not know: %r" % s)
	check("/etc/tincay/tincay.json" in made, "the steps make no "
	    "/etc/tincay/tincay.json")
	# The key the unit passes as its credential, and the example's
	# key_file, is the one the steps make.
	with open(os.path.join(root, "lib/systemd/system/tincay.service")) as f:
		cred = re.search(r"^LoadCredential=tincay\.key:(\S+)$", f.read(),
		    re.M)
	check(cred, "the unit passes no credential tincay.key")
	eq(key, cred.group(1), "the key the steps make")
	with open(os.path.join(root, "share/doc/tincay/tincay.json.example"),
	    encoding="utf-8") as f:
		eq(json.load(f).get("key_file"), key, "the example's key_file")
