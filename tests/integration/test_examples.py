"""
test_examples.py: every example configuration shipped is one tincayd
accepts: config/*.json*, the EXAMPLES of tincay.json(5) as the page is
written, and any ```json block of the README. `tincayd -t` exits 0, or 1
only to refuse the placeholder secrets the example asks to replace.
Warnings other than a placeholder secret or a database directory that
does not exist on this machine are mistakes in the example too.
"""

import glob
import os
import re
import subprocess

from harness import REPO, TINCAYD, case, check, eq

# What an example may be warned about: it has placeholders to replace,
# and its database's directory is the installed one or make run's.
ALLOWED = (r"still the shipped placeholder", r"no directory .* here")


def _t(d, name, text):
	"""tincayd -t on text (written to a file in the test's temp dir)."""
	path = os.path.join(d.tmpdir, re.sub(r"[^\w.-]", "_", name))
	with open(path, "w", encoding="utf-8") as f:
		f.write(text)
	p = subprocess.run([TINCAYD, "-t", "-c", path], cwd=d.tmpdir,
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
	err = p.stderr.decode("utf-8", "replace")
	fatal = [l for l in err.splitlines() if "warning" not in l and
	    "configuration ok" not in l]
	if p.returncode == 1 and len(fatal) == 1 and re.search(
	    r": refusing to start: .*still the shipped placeholder", fatal[0]):
		pass
	else:
		eq(p.returncode, 0, "tincayd -t on %s: exit status (%s)" % (
		    name, err.strip()[-400:]))
	for line in err.splitlines():
		if "warning" in line:
			check(any(re.search(a, line) for a in ALLOWED),
			    "tincayd -t on %s warns: %s" % (name, line))
	return err


def man_example(page):
	"""The text of the first literal display under .Sh EXAMPLES, with
	the roff escapes the page uses turned back into characters."""
	with open(page, encoding="utf-8") as f:
		src = f.read()
	m = re.search(r"^\.Sh EXAMPLES\n.*?^\.Bd -literal[^\n]*\n(.*?)^\.Ed$",
	    src, re.S | re.M)
	check(m, "%s: no literal display under EXAMPLES" % page)
	text = re.sub(r"\\\[u([0-9A-Fa-f]{4,5})\]",
	    lambda u: chr(int(u.group(1), 16)), m.group(1))
	text = text.replace("\\&", "").replace("\\e", "\\")
	check("\\" not in text.replace('\\"', ""), "%s: a roff escape this "
	    "test does not know in the example: %r" % (page, text))
	return text


@case(start=False)
def test_examples_config_files(d):
	files = sorted(glob.glob(os.path.join(REPO, "config", "*.json*")))
	check(len(files) >= 3, "config examples: %r" % files)
	for path in files:
		with open(path, encoding="utf-8") as f:
			_t(d, os.path.relpath(path, REPO), f.read())


@case(start=False)
def test_examples_man_page(d):
	_t(d, "tincay.json.5", man_example(os.path.join(REPO, "man",
	    "tincay.json.5")))


@case(start=False)
def test_examples_readme(d):
	with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
		readme = f.read()
	for i, block in enumerate(re.findall(r"^\s*```json\n(.*?)^\s*```",
	    readme, re.S | re.M)):
		_t(d, "README.md-%d" % i, block)
