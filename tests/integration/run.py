#!/usr/bin/env python3
"""
run.py: the integration suite. Runs every test_* function of the
tests/integration/test_*.py modules, each against its own tincayd (fresh
temp dir, config, database and loopback port), a few at a time, and ends
with exactly one line "integration: N passed, M failed, K skipped"; exit 1
on any failure. Binaries come from $TINCAYD and $TINCAYCTL.

The engine is $TINCAY_TEST_ENGINE (sqlite, the default, or pg). On pg
each test gets a database of its own on the server of $TINCAY_TEST_PG, a
base URI; without one, run.py starts a throwaway cluster
(scripts/pg-scratch) for the run and stops it at the end. Tests marked
sqlite_only are skipped there, each with its reason.

  python3 tests/integration/run.py [-j JOBS] [-k REGEX] [--keep]
"""

import argparse
import glob
import importlib.util
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

# Hard stop for the whole run, seconds: far above what the suite takes
# (about 280 s for 230 tests on a loaded 2-core box, more under ASan), so
# only a hung suite meets it.
SUITE_TIMEOUT = int(os.environ.get("TINCAY_SUITE_TIMEOUT", "1200"))

_print_lock = threading.Lock()


def say(*a):
	with _print_lock:
		print(*a, flush=True)


def discover(pattern):
	tests = []
	for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
		name = os.path.splitext(os.path.basename(path))[0]
		spec = importlib.util.spec_from_file_location(name, path)
		mod = importlib.util.module_from_spec(spec)
		spec.loader.exec_module(mod)
		for attr in sorted(vars(mod)):
			fn = getattr(mod, attr)
			if attr.startswith("test_") and callable(fn):
				full = "%s.%s" % (name, attr)
				if not pattern or re.search(pattern, full):
					tests.append((full, fn))
					if not hasattr(fn, "sqlite_only") and \
					    getattr(mod, "SQLITE_ONLY", None):
						fn.sqlite_only = mod.SQLITE_ONLY
	return tests


def run_one(name, fn, keep):
	"""One test: "pass", "fail" or "skip"."""
	why = getattr(fn, "sqlite_only", None)
	if why and harness.ENGINE != "sqlite":
		say("skip %s: %s" % (name, why))
		return "skip"
	d = None
	t0 = time.monotonic()
	reason = None
	try:
		d = harness.Daemon(getattr(fn, "overrides", None))
		if getattr(fn, "start", True):
			d.start()
		fn(d)
		if d.alive():
			d.stop()	# SIGTERM must give exit 0 within 5 s
	except harness.Skip as e:
		if d is not None:
			d.cleanup()
		say("skip %s: %s" % (name, e))
		return "skip"
	except harness.TestFailure as e:
		reason = str(e)
	except Exception as e:
		reason = "%s: %s\n%s" % (type(e).__name__, e,
		    "".join(traceback.format_exc(limit=4)))
	tail = ""
	if d is not None:
		if reason:
			lines = [l for l in d.stderr().splitlines() if l.strip()]
			if lines:
				tail = "\n".join("      | " + l[:200]
				    for l in lines[-6:])
		d.cleanup(keep=bool(reason) and keep)
	dt = time.monotonic() - t0
	if reason:
		msg = "FAIL %s (%.1fs): %s" % (name, dt, reason.strip())
		if tail:
			msg += "\n    daemon stderr tail:\n" + tail
		if keep and d is not None:
			msg += "\n    kept: %s" % d.tmpdir
			if d.pgdb:
				msg += ", %s" % harness.pg_uri(d.pgdb)
		say(msg)
		return "fail"
	say("ok   %s (%.1fs)" % (name, dt))
	return "pass"


class Scratch:
	"""The throwaway PostgreSQL cluster of a pg run without a server of
	its own ($TINCAY_TEST_PG): started here, stopped at the end (also
	on a bail-out), its directory removed."""

	def __init__(self):
		self.dir = None

	def start(self):
		self.dir = tempfile.mkdtemp(prefix="tincay-pg-")
		uri = harness.pg_scratch("start", self.dir)
		harness.PG_BASE = uri
		os.environ["TINCAY_TEST_PG"] = uri
		os.environ["TINCAY_TEST_PG_DIR"] = self.dir
		return uri

	def stop(self):
		d, self.dir = self.dir, None
		if d is None:
			return
		try:
			harness.pg_scratch("stop", d)
		except Exception as e:
			say("pg-scratch: %s (left in %s)" % (e, d))
			return
		shutil.rmtree(d, ignore_errors=True)


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("-j", type=int, default=3, help="tests in parallel")
	ap.add_argument("-k", default="", help="only tests whose name matches this regex")
	ap.add_argument("--keep", action="store_true",
	    help="keep temp dirs of failing tests")
	args = ap.parse_args()
	scratch = Scratch()

	def bail(*_):
		harness.kill_leftovers()
		scratch.stop()
		say("suite interrupted or over %d s" % SUITE_TIMEOUT)
		say("integration: 0 passed, 1 failed, 0 skipped")
		os._exit(1)

	signal.signal(signal.SIGINT, bail)
	signal.signal(signal.SIGTERM, bail)
	timer = threading.Timer(SUITE_TIMEOUT, bail)
	timer.daemon = True
	timer.start()

	say("tincayd:   %s" % harness.TINCAYD)
	say("tincayctl: %s" % harness.TINCAYCTL)
	tests = discover(args.k)
	t0 = time.monotonic()
	try:
		if harness.ENGINE == "pg" and not harness.PG_BASE:
			try:
				scratch.start()
			except Exception as e:
				say("engine:    pg: %s" % e)
				say("integration: 0 passed, 1 failed, 0 skipped")
				return 1
		say("engine:    %s%s" % (harness.ENGINE, " (%s)" %
		    harness.PG_BASE if harness.ENGINE == "pg" else ""))
		with ThreadPoolExecutor(max_workers=max(1, args.j)) as ex:
			results = list(ex.map(lambda t: run_one(t[0], t[1],
			    args.keep), tests))
	finally:
		timer.cancel()
		harness.kill_leftovers()
		scratch.stop()
	passed = results.count("pass")
	failed = results.count("fail")
	skipped = results.count("skip")
	if failed:
		say("failed:", ", ".join(n for (n, _), r in zip(tests, results)
		    if r == "fail"))
	say("(%.1f s)" % (time.monotonic() - t0))
	say("integration: %d passed, %d failed, %d skipped" % (passed, failed,
	    skipped))
	return 1 if failed or not tests else 0


if __name__ == "__main__":
	sys.exit(main())
