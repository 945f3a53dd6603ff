"""
test_notify.py: tincayd speaks systemd's notification protocol (SPEC §9)
over $NOTIFY_SOCKET without libsystemd: READY=1 once it listens,
RELOADING=1 (with MONOTONIC_USEC) then READY=1 on SIGHUP, STOPPING=1 on
SIGTERM, and WATCHDOG=1 at half of $WATCHDOG_USEC.
"""

import os
import signal
import socket
import time

from harness import case, check, eq


def _listen(d, env=None):
	path = os.path.join(d.tmpdir, "notify.sock")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(path)
	d.env = dict(env or {}, NOTIFY_SOCKET=path)
	return s


def _next(s, timeout=5.0, skip=("WATCHDOG=1",)):
	"""The next message (skipping watchdog pings), or None."""
	deadline = time.monotonic() + timeout
	while True:
		left = deadline - time.monotonic()
		if left <= 0:
			return None
		s.settimeout(left)
		try:
			msg = s.recv(4096).decode()
		except socket.timeout:
			return None
		if msg not in skip:
			return msg


@case(start=False)
def test_notify_ready_reload_stop(d):
	s = _listen(d)
	try:
		d.start()
		eq(_next(s), "READY=1", "first notification")
		d.signal(signal.SIGHUP)
		msg = _next(s) or ""
		lines = msg.split("\n")
		eq(lines[0], "RELOADING=1", "notification at SIGHUP")
		check(len(lines) == 2 and lines[1].startswith("MONOTONIC_USEC=")
		    and lines[1][15:].isdigit(), "RELOADING=1 without "
		    "MONOTONIC_USEC: %r" % msg)
		now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
		check(abs(now - int(lines[1][15:])) < 10e6, "MONOTONIC_USEC "
		    "is not the monotonic clock: %r" % msg)
		eq(_next(s), "READY=1", "notification after the reload")
		d.signal(signal.SIGTERM)
		eq(_next(s), "STOPPING=1", "notification at SIGTERM")
		d.stop(send=False)
	finally:
		s.close()


@case(start=False)
def test_notify_watchdog(d):
	s = _listen(d, {"WATCHDOG_USEC": "400000"})
	try:
		d.start()
		got = [_next(s, skip=()) for _ in range(4)]
		check(got.count("WATCHDOG=1") >= 2, "two WATCHDOG=1 within "
		    "about a second at WATCHDOG_USEC=400000: %r" % got)
		check("READY=1" in got, "no READY=1: %r" % got)
	finally:
		s.close()


@case(start=False)
def test_notify_watchdog_other_pid(d):
	"""A WATCHDOG_PID that is not tincayd's means no pings."""
	s = _listen(d, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
	try:
		d.start()
		eq(_next(s, skip=()), "READY=1", "first notification")
		eq(_next(s, timeout=1.0, skip=()), None, "a ping for pid 1")
	finally:
		s.close()
