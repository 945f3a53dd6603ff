"""
kannel.py: Kannel 1.4.5 (Debian's kannel package), make bench's peer
(issue 22), run by scripts/bench.py beside tincayd on the same load and
the same sink. Python 3 standard library only.

One Kannel is a bearerbox and an smsbox on a config of its own in a
directory of its own, on free loopback ports of its own, with its store
on (a file store in that directory): whatever the package's own service
runs (/etc/kannel, ports 13000 and up) is neither used nor touched. Every
port is bound to 127.0.0.1 but the HTTP SMSC's, which 1.4.5 binds to all
addresses: it answers 127.0.0.1 only (connect-allow-ip). Both
boxes die with the process that started them (PR_SET_PDEATHSIG), and
stop() ends them, so no round leaves one behind.

The message's way through it, doing what tincayd does with one:
  - the MO: wrk POSTs the Africa's Talking-shaped form to an HTTP SMSC of
    system-type generic (from, to, text are its parameter names); Kannel
    1.4.5 reads an MO's parameters from the URL only, never from a POST's
    body, so bench.lua repeats the form in the query (its QUERY argument);
    the SMSC answers 200 "Sent" once bearerbox has the message in its
    store (a file it appends each message to and flushes to the kernel,
    with no fsync: less than tincayd's commit, which reaches the disk);
  - the alert: bearerbox hands it to smsbox, whose sms-service for the
    keyword BL POSTs it to the sink's /hook (post-url), naming the sender;
  - the reply: what the webhook answers becomes the reply (the sink's JSON
    is no SMS text: smsbox replies "Result could not be represented as an
    SMS message.", as long as a short reply), which goes back through
    bearerbox and its store and out through the same HTTP SMSC: a GET of
    the sink's /version1/messaging (the generic type sends with GET only),
    at most 1,000 a second (throughput), as tincayd's sms_out.
Both transfers carry the resident's number, which bench.lua gives each
message alone: the sink's key of each is its path and query (sink.c),
so a message delivered twice shows as a duplicate there.
"""

import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time

PR_SET_PDEATHSIG = 1
BOXES = ("bearerbox", "smsbox")
# The sms-service's webhook and the provider's send API, on the sink.
HOOK = "/hook"
SEND = "/version1/messaging"
# tincayd's sms_out.rate_per_second in make bench.
SMS_RATE = 1000

CONFIG = """\
# make bench's Kannel (scripts/kannel.py): 127.0.0.1 only, ports of its own.
group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = {password}
admin-allow-ip = "127.0.0.1"
smsbox-port = {box}
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "{dir}/bearerbox.log"
log-level = 2
store-type = file
store-location = "{dir}/kannel.store"
dlr-storage = internal

group = smsc
smsc = http
smsc-id = at
system-type = generic
port = {mo}
connect-allow-ip = "127.0.0.1"
send-url = "{sink}{send}?username=commune&to=%p&message=%b&from=%P"
status-success-regex = "ok"
generic-status-sent = 200
generic-status-error = 400
throughput = {rate}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = "{dir}/smsbox.log"
log-level = 2

group = sms-service
keyword = bl
post-url = "{sink}{hook}?from=%p"
accept-x-kannel-headers = true
max-messages = 1
"""


def binaries():
	"""The paths of bearerbox and smsbox, or None if Kannel is not
	installed (scripts/install-deps with TINCAY_KANNEL=1 installs it)."""
	path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
	found = [shutil.which(b, path=path) for b in BOXES]
	return found if all(found) else None


def _free_ports(n):
	"""n distinct free loopback ports (held open together while chosen)."""
	socks = []
	try:
		for _ in range(n):
			s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
			s.bind(("127.0.0.1", 0))
			socks.append(s)
		return [s.getsockname()[1] for s in socks]
	finally:
		for s in socks:
			s.close()


def _die_with_parent():
	"""In the child, before exec: SIGKILL when the bench goes, however it
	goes."""
	libc = ctypes.CDLL(None, use_errno=True)
	libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _proc_fields(pid):
	with open("/proc/%d/stat" % pid) as f:
		return f.read().rsplit(")", 1)[1].split()


def _kb(pid, path, field):
	"""A "Field: N kB" line of /proc/PID/path, in kB, or None."""
	try:
		with open("/proc/%d/%s" % (pid, path)) as f:
			for line in f:
				if line.startswith(field + ":"):
					return int(line.split()[1])
	except OSError:
		pass
	return None


class Kannel:
	"""A bearerbox and an smsbox, their config, store and logs in dir;
	alerts and replies to sink_url. start() returns once the SMSC is on
	line and the smsbox connected; port is where the MOs go."""

	def __init__(self, dir, sink_url, register=None, unregister=None):
		self.dir = dir
		self.sink = sink_url
		self.register = register or (lambda p: None)
		self.unregister = unregister or (lambda p: None)
		self.procs = {}
		admin, box, mo, sendsms = _free_ports(4)
		self.admin, self.port = admin, mo
		self.password = "bench"
		os.makedirs(dir, exist_ok=True)
		self.config = os.path.join(dir, "kannel.conf")
		with open(self.config, "w") as f:
			f.write(CONFIG.format(admin=admin, box=box, mo=mo,
			    sendsms=sendsms, dir=dir, password=self.password,
			    sink=sink_url, hook=HOOK, send=SEND, rate=SMS_RATE))

	def _spawn(self, box, exe):
		err = open(os.path.join(self.dir, box + ".stderr"), "wb")
		try:
			# -v 3: errors only on the console; the log file has
			# warnings too
			p = subprocess.Popen([exe, "-v", "3", self.config],
			    stdin=subprocess.DEVNULL, stdout=err, stderr=err,
			    cwd=self.dir, preexec_fn=_die_with_parent)
		finally:
			err.close()
		self.procs[box] = p
		self.register(p)

	def status(self):
		"""bearerbox's status page (text), or "" if it does not answer."""
		c = http.client.HTTPConnection("127.0.0.1", self.admin, timeout=2)
		try:
			c.request("GET", "/status.txt?password=" + self.password)
			return c.getresponse().read().decode("utf-8", "replace")
		except (OSError, http.client.HTTPException):
			return ""
		finally:
			c.close()

	def start(self, timeout=20):
		exes = binaries()
		if not exes:
			raise RuntimeError("bearerbox and smsbox not found (make "
			    "bench installs Debian's kannel package)")
		self._spawn("bearerbox", exes[0])
		try:
			self._wait(lambda s: "SMSC connections" in s, timeout)
			self._spawn("smsbox", exes[1])
			self._wait(lambda s: "smsbox:" in s and "(online" in s and
			    "on-line" in s, timeout)
		except Exception:
			self.stop()
			raise

	def _wait(self, ready, timeout):
		deadline = time.monotonic() + timeout
		while True:
			for box, p in self.procs.items():
				if p.poll() is not None:
					raise RuntimeError("%s exited %s" % (box,
					    p.returncode))
			if ready(self.status()):
				return
			if time.monotonic() > deadline:
				raise RuntimeError("Kannel not ready within %d s" %
				    timeout)
			time.sleep(0.05)

	def last_words(self, box, n=3):
		"""The last n lines box wrote to its log (else its stderr), the
		frames of a panic's backtrace left out."""
		for name in (box + ".log", box + ".stderr"):
			try:
				with open(os.path.join(self.dir, name), "rb") as f:
					lines = f.read().decode("utf-8",
					    "replace").splitlines()
			except OSError:
				continue
			lines = [x for x in lines if not re.search(
			    r"PANIC: (/|\S+\(\S*\) \[0x)", x)]
			if lines:
				return " | ".join(lines[-n:])
		return "(nothing)"

	def pids(self):
		return [p.pid for p in self.procs.values() if p.poll() is None]

	def cpu_s(self):
		"""User + system CPU seconds of both boxes so far."""
		hz = os.sysconf("SC_CLK_TCK")
		total = 0
		for pid in self.pids():
			fields = _proc_fields(pid)
			total += int(fields[11]) + int(fields[12])
		return total / hz

	def memory(self):
		"""{box: (VmRSS, VmHWM, Pss)} in kB, of the boxes running."""
		out = {}
		for box, p in self.procs.items():
			if p.poll() is None:
				out[box] = (_kb(p.pid, "status", "VmRSS"),
				    _kb(p.pid, "status", "VmHWM"),
				    _kb(p.pid, "smaps_rollup", "Pss"))
		return out

	def stop(self):
		"""SIGTERM the smsbox, then the bearerbox; SIGKILL whichever has
		not gone within 5 s (a bearerbox with a queue left takes its
		time). Only these two processes are signalled."""
		for box in ("smsbox", "bearerbox"):
			p = self.procs.get(box)
			if p is None:
				continue
			if p.poll() is None:
				p.send_signal(signal.SIGTERM)
				try:
					p.wait(timeout=5)
				except subprocess.TimeoutExpired:
					p.kill()
					p.wait()
			self.unregister(p)
		self.procs = {}
