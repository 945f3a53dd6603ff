"""
test_examples.py: every example configuration shipped is one tincayd
accepts: config/*.json*, the EXAMPLES of tincay.json(5) as the page is
written, and any ```json block of the README. `tincayd -t` exits 0, or 1
only to refuse the placeholder secrets the example asks to replace. The
city of three communes (config/example-city.json) also runs: its contacts
(config/example-city-contacts.csv) import, and its reports reach the
contacts the README says they reach.
Warnings other than a placeholder secret or a database directory that
does not exist on this machine are mistakes in the example too.
"""

import glob
import json
import os
import re
import subprocess

from harness import REPO, SECRET, TINCAYD, WEBHOOK_SECRET, case, check, eq, fold

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


def man_examples(page):
	"""The text of every literal display under .Sh EXAMPLES, with the
	roff escapes the page uses turned back into characters."""
	with open(page, encoding="utf-8") as f:
		src = f.read()
	m = re.search(r"^\.Sh EXAMPLES\n(.*?)(?=^\.Sh )", src, re.S | re.M)
	check(m, "%s: no EXAMPLES section" % page)
	shown = re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed$", m.group(1),
	    re.S | re.M)
	check(shown, "%s: no literal display under EXAMPLES" % page)
	texts = []
	for block in shown:
		text = re.sub(r"\\\[u([0-9A-Fa-f]{4,5})\]",
		    lambda u: chr(int(u.group(1), 16)), block)
		text = text.replace("\\&", "").replace("\\e", "\\")
		check("\\" not in text.replace('\\"', ""), "%s: a roff escape "
		    "this test does not know in the example: %r" % (page, text))
		texts.append(text)
	return texts


@case(start=False)
def test_examples_config_files(d):
	files = sorted(glob.glob(os.path.join(REPO, "config", "*.json*")))
	check(len(files) >= 3, "config examples: %r" % files)
	for path in files:
		with open(path, encoding="utf-8") as f:
			_t(d, os.path.relpath(path, REPO), f.read())


@case(start=False)
def test_examples_man_page(d):
	"""Every example of tincay.json(5): one commune, and a city."""
	shown = man_examples(os.path.join(REPO, "man", "tincay.json.5"))
	check(len(shown) >= 2 and "communes" in shown[-1], "tincay.json(5) "
	    "shows %d examples, the last without communes" % len(shown))
	for i, text in enumerate(shown):
		_t(d, "tincay.json.5-%d" % i, text)


@case(start=False)
def test_examples_readme(d):
	with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
		readme = f.read()
	for i, block in enumerate(re.findall(r"^\s*```json\n(.*?)^\s*```",
	    readme, re.S | re.M)):
		_t(d, "README.md-%d" % i, block)


# The example city's numbers (config/example-city.json): Tịnh Châu's and
# Tịnh Ấn's own; Nghĩa Hà's residents text the city's shared one.
CITY_SHARED = "+84905100100"
CITY_OWN = {"TINHCHAU": "+84905100101", "TINHAN": "+84905100102"}


def _city_alerted(d, ref):
	"""The names of the contacts report ref's first alerts went to."""
	return {o.get("contact") for o in d.outbox() if o.get("ref") == ref and
	    o.get("event") == "report.created"}


@case(start=False)
def test_examples_city(d):
	"""config/example-city.json runs as shipped (only its port, database
	and secrets are the test's), its contacts CSV imports with their
	communes, and a report goes to its commune's contacts (and the city's
	where its routing names a city role), found by the number texted or
	by the commune its text names; a report whose commune nobody told
	goes to the city's police, and its reply asks which commune."""
	with open(os.path.join(REPO, "config", "example-city.json"),
	    encoding="utf-8") as f:
		cfg = json.load(f)
	for k in ("listen", "public_url", "database", "key_file"):
		if k in d.config:
			cfg[k] = d.config[k]
	cfg["providers"]["generic"]["secret"] = SECRET
	cfg["webhook_secret"] = WEBHOOK_SECRET
	d.config = cfg
	d.write_config()
	p = d.run_daemon_args("-t", "-c", d.cfgpath)
	eq(p.returncode, 0, "tincayd -t on the example city (%s)" %
	    p.stderr.decode("utf-8", "replace").strip()[-400:])
	d.start()
	csv = os.path.join(REPO, "config", "example-city-contacts.csv")
	p = d.ctl("contacts", "import", csv)
	check(b"warning" not in p.stderr, "contacts import of the example "
	    "city warns: %r" % p.stderr[-400:])
	eq(len(d.contacts()), 20, "contacts imported from %s" %
	    os.path.basename(csv))
	with open(csv, encoding="utf-8") as f:
		want = {}
		for line in f:
			row = line.rstrip("\n").split(",")
			if len(row) == 8 and row[0] != "name":
				want["+84" + row[1][1:]] = row[7]
	eq(dict(d.sql("SELECT phone, commune FROM contacts")), want,
	    "each contact's commune (the CSV's 8th column)")
	eq(sorted(set(want.values())), ["*", "NGHIAHA", "TINHAN", "TINHCHAU"],
	    "the CSV's communes")

	def report(n, text, to):
		res = d.sms("city-%d" % n, "09871000%02d" % n, text, to=to)
		ref = res.get("ref")
		check(ref, "%r sent to %s: no report (%r)" % (text, to, res))
		return ref, res.get("reply")

	for n, (text, to, commune, who) in enumerate((
	    ("BL thon 3", CITY_OWN["TINHAN"], "TINHAN",
	        {"Cong an xa Tinh An (truc)", "Tram y te xa Tinh An"}),
	    ("BL thon 3", CITY_OWN["TINHCHAU"], "TINHCHAU",
	        {"Cong an xa Tinh Chau (truc)", "Tram y te xa Tinh Chau"}),
	    ("TC Thôn 3", CITY_OWN["TINHCHAU"], "TINHCHAU",
	        {"Tinh nguyen vien Tinh Chau Thon 3-4", "Hoi LHPN thanh pho"}),
	    ("BL Nghĩa Hà thôn 4", CITY_SHARED, "NGHIAHA",
	        {"Cong an xa Nghia Ha (truc)", "Tram y te xa Nghia Ha"}),
	    ("TC nghia ha xom bau", CITY_SHARED, "NGHIAHA",
	        {"Tinh nguyen vien Nghia Ha Thon 3-4", "Hoi LHPN thanh pho"}),
	    ("BL thon 2", CITY_SHARED, "*", {"Cong an thanh pho (truc)"}),
	    ), 1):
		ref, reply = report(n, text, to)
		what = "%r sent to %s" % (text, to)
		eq(d.sql_value("SELECT commune FROM reports WHERE ref = ?", ref),
		    commune, "%s: the report's commune" % what)
		eq(_city_alerted(d, ref), who, "%s: who is alerted" % what)
		asks = "xa nao" in fold(reply)
		eq(asks, commune == "*", "%s: the reply asks which commune "
		    "(%r)" % (what, reply))
