"""Shared helpers for the tsun-proxy end-to-end tests.

Python 3's standard library and Debian's python3-paho-mqtt (mk/deps.sh
installs it; run.sh uses /usr/bin/python3).  Everything here is bounded
in time: every wait has a deadline, and every process started is
registered so that it is stopped even when a test fails or times out.

A test file imports this module, defines functions named test_*, and
ends with ``lib.main(globals())``.  Each test function prints exactly
one line:

    PASS <file>::<test> (1.23s)
    FAIL <file>::<test>: <reason>
    SKIP <file>::<test>: <reason>

tests/e2e/run.sh counts those lines.
"""

import binascii
import importlib
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback


def need_modules(*names):
    """Import names; when one is missing, run this script again under
    Debian's /usr/bin/python3, where mk/deps.sh installs python3-<name>."""
    try:
        for n in names:
            importlib.import_module(n)
    except ImportError:
        if sys.executable != "/usr/bin/python3" and \
                os.path.exists("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise


need_modules("paho.mqtt.client")
import paho.mqtt.client as paho  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
VECTORS = os.path.join(TOP, "tests", "vectors")

SERIAL1 = "R170000000000001"
SERIAL2 = "R170000000000002"

# every process started by a test; killed by cleanup_all()
_procs = []
_tmpdirs = []
_daemons = []


class TestFailure(AssertionError):
    pass


class TestSkip(Exception):
    pass


class TestTimeout(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)

HOOKS = "build-hooks"


def hooks_build():
    """The test build (TEST_HOOKS=1: short watchdog and write-limit
    times, tsun-ctl's 'debug' commands) in build-hooks/; run.sh makes it
    once before the files run, so here it is normally up to date."""
    r = subprocess.run(["make", "BUILD=" + HOOKS, "TEST_HOOKS=1",
                        "SECCOMP=1", "all"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=400, cwd=TOP)
    check(r.returncode == 0, "test build failed:\n" + r.stdout[-3000:])
    return os.path.join(TOP, HOOKS)



def skip(msg):
    raise TestSkip(msg)


def log(msg):
    """Diagnostics of a test (stderr, kept apart from the result lines)."""
    sys.stderr.write("    %s\n" % msg)
    sys.stderr.flush()


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns something true; return that value.
    Raise TestFailure after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.1fs waiting for %s"
                              % (timeout, what))
        time.sleep(interval)	# the poll interval


# ----------------------------------------------------------------------
# ports, temp dirs, processes

_port_rng = random.SystemRandom()	# not the seeded one: runs in parallel


def _port_range():
    """Ports below the kernel's ephemeral range: a port taken from there
    and let go can be the source port of any outgoing connection (four
    test files run at once) before the daemon binds it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        lo = 32768
    return (10000, lo - 1) if lo > 12000 else (lo // 2, lo - 1)


def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 free right now (held open
    together while choosing), outside the ephemeral range."""
    lo, hi = _port_range()
    socks = []
    try:
        while len(socks) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", _port_rng.randint(lo, hi)))
            except OSError:
                s.close()
                continue
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    return free_ports(1)[0]


def port_open(port, host="127.0.0.1", timeout=0.5):
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return False
    s.close()
    return True


def mktemp(prefix="tsun-e2e-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def register(proc):
    _procs.append(proc)
    return proc


def stop_proc(proc, sig=signal.SIGTERM, timeout=10):
    """Signal a process we started and reap it; SIGKILL after timeout.
    Returns its exit status."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait(5)
    return proc.returncode


def kill_group(proc):
    """SIGKILL the process group of a process started with
    start_new_session=True (the process and the children it forked)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def cleanup_all(dump=False):
    """Stop every process, check the daemons' logs for sanitizer reports
    and crashes, remove the temp dirs.  Returns a list of problems."""
    problems = []
    for p in reversed(_procs):
        try:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            # also the workers if cfgd died without taking them along
            kill_group(p)
            try:
                p.wait(2)
            except subprocess.TimeoutExpired:
                pass
        except Exception:
            pass
    del _procs[:]
    for d in _daemons:
        problems += d.problems(dump)
    del _daemons[:]
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    del _tmpdirs[:]
    return problems


def proc_stat(pid):
    """(comm, state, ppid) of a pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    lp, rp = s.index("("), s.rindex(")")
    comm = s[lp + 1:rp]
    rest = s[rp + 2:].split()
    return comm, rest[0], int(rest[1])


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def pid_alive(pid):
    st = proc_stat(pid)
    return st is not None and st[1] != "Z"


def children(ppid):
    """Live (non-zombie) children of ppid: list of pids."""
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        st = proc_stat(int(e))
        if st and st[2] == ppid and st[1] != "Z":
            out.append(int(e))
    return sorted(out)


def proc_uids(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    return None


# ----------------------------------------------------------------------
# mosquitto

class Broker:
    """A private mosquitto on 127.0.0.1:port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = mktemp("tsun-e2e-mosq-")
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.logfile = os.path.join(self.dir, "mosquitto.log")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\n"
                    "allow_anonymous true\n"
                    "persistence false\n"
                    "set_tcp_nodelay true\n"
                    "log_dest stderr\n"
                    "log_type error\nlog_type warning\nlog_type notice\n"
                    "log_type information\n" % self.port)
        self.proc = None
        self.start()

    def start(self, timeout=10):
        if shutil.which("mosquitto") is None and \
                not os.path.exists("/usr/sbin/mosquitto"):
            raise TestFailure("mosquitto is not installed")
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        logf = open(self.logfile, "ab")
        deadline = time.monotonic() + timeout
        # the port may still be in TIME_WAIT/held for a moment after a stop
        while True:
            self.proc = register(subprocess.Popen(
                [exe, "-c", self.conf], stdin=subprocess.DEVNULL,
                stdout=logf, stderr=logf, start_new_session=True))
            ok = False
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if port_open(self.port):
                    ok = True
                    break
                time.sleep(0.05)	# poll interval of the wait
            if ok:
                break
            stop_proc(self.proc)
            if time.monotonic() >= deadline:
                logf.close()
                raise TestFailure("mosquitto did not start on port %d: %s"
                                  % (self.port, self.log()[-500:]))
            time.sleep(0.3)	# pace the restarts (port still held)
        logf.close()

    def stop(self):
        stop_proc(self.proc)
        self.proc = None

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


# ----------------------------------------------------------------------
# MQTT client: Debian's python3-paho-mqtt (1.6), MQTT 3.1.1

class Message:
    def __init__(self, topic, payload, retain):
        self.topic = topic
        self.payload = payload
        self.retain = retain
        self.time = time.monotonic()

    def text(self):
        return self.payload.decode(errors="replace")

    def json(self):
        return json.loads(self.payload.decode())

    def __repr__(self):
        return "<%s%s %r>" % (self.topic, " (retained)" if self.retain else "",
                               self.payload[:80])


class MQTTClient:
    """A clean-session client whose paho network thread collects every
    message it receives; the queries below look at them, wait() sleeps
    on a condition the thread signals.  subscribe() returns after the
    SUBACK, publish() after the PUBACK (QoS 1): the broker has the
    message and has passed it on to its subscribers.  Never reconnects:
    once the broker closes the connection, wait() fails at once.
    tls: {"cafile", "certfile", "keyfile", "insecure"}; auth: (user,
    password)."""

    _n = 0

    def __init__(self, port, subscribe=("#",), host="127.0.0.1",
                 timeout=10, keepalive=30, tls=None, auth=None):
        MQTTClient._n += 1
        self.client_id = "e2e-%d-%d" % (os.getpid(), MQTTClient._n)
        self.host, self.port = host, port
        self.cond = threading.Condition()
        self.msgs = []
        self.closed = False
        self.error = None
        self._connack = None
        self._acked = {}	# mid of a SUBACK or PUBACK: granted QoS
        c = self._c = paho.Client(client_id=self.client_id,
                                  protocol=paho.MQTTv311,
                                  reconnect_on_failure=False)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = c.on_publish = self._on_ack
        if tls is not None:
            ctx = ssl.create_default_context(cafile=tls["cafile"])
            if tls.get("certfile"):
                ctx.load_cert_chain(tls["certfile"], tls["keyfile"])
            ctx.check_hostname = not tls.get("insecure")
            c.tls_set_context(ctx)
        if auth is not None:
            c.username_pw_set(*auth)
        c.connect(host, port, keepalive)
        c.loop_start()
        try:
            self._wait_for(lambda: self._connack is not None, timeout,
                           "CONNACK")
            check(self._connack == 0, "MQTT CONNACK refused: %s"
                  % paho.connack_string(self._connack))
            if subscribe:
                self.subscribe(*subscribe)
        except BaseException:
            self.close()
            raise

    # --- paho's network thread
    def _on_connect(self, client, userdata, flags, rc):
        with self.cond:
            self._connack = rc
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, rc):
        with self.cond:
            if not self.closed:
                self.error = "connection lost: %s" % paho.error_string(rc)
            self.closed = True
            self.cond.notify_all()

    def _on_message(self, client, userdata, msg):
        m = Message(msg.topic, bytes(msg.payload), bool(msg.retain))
        with self.cond:
            self.msgs.append(m)
            self.cond.notify_all()

    def _on_ack(self, client, userdata, mid, granted_qos=None):
        with self.cond:
            self._acked[mid] = granted_qos
            self.cond.notify_all()

    def _wait_for(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                if self.closed:
                    raise TestFailure("MQTT client connection closed "
                                      "waiting for %s: %s" % (what,
                                                              self.error))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure("no %s from the broker within %.1fs"
                                      % (what, timeout))
                self.cond.wait(left)

    def subscribe(self, *topics, timeout=5):
        rc, mid = self._c.subscribe([(t, 0) for t in topics])
        check(rc == paho.MQTT_ERR_SUCCESS, "MQTT subscribe %s: %s"
              % (topics, paho.error_string(rc)))
        self._wait_for(lambda: mid in self._acked, timeout,
                       "SUBACK for %s" % ", ".join(topics))
        check(0x80 not in self._acked[mid], "MQTT subscribe %s refused"
              % (topics,))

    def publish(self, topic, payload, retain=False, timeout=5):
        info = self._c.publish(topic, payload, qos=1, retain=retain)
        check(info.rc == paho.MQTT_ERR_SUCCESS, "MQTT publish on %s: %s"
              % (topic, paho.error_string(info.rc)))
        self._wait_for(lambda: info.mid in self._acked, timeout,
                       "PUBACK for %s" % topic)

    def close(self):
        with self.cond:
            was, self.closed = self.closed, True
        if not was:
            self._c.disconnect()
        # the thread ends once the DISCONNECT is out (or the connection
        # was lost): within a turn of its 1 s select
        self._c.loop_stop()

    # --- queries
    def all(self, topic=None, since=None):
        with self.cond:
            return [m for m in self.msgs
                    if (topic is None or _match(topic, m.topic))
                    and (since is None or m.time >= since)]

    def last(self, topic, since=None):
        ms = self.all(topic, since)
        return ms[-1] if ms else None

    def mark(self):
        """A time stamp to pass as since= to see only later messages."""
        return time.monotonic()

    def wait(self, topic, pred=None, timeout=10, since=None, what=None):
        """Wait for a message on topic (MQTT wildcards allowed) for which
        pred(msg) is true; return it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.msgs:
                    if since is not None and m.time < since:
                        continue
                    if _match(topic, m.topic) and (pred is None or pred(m)):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [m for m in self.msgs if _match(topic, m.topic)
                            and (since is None or m.time >= since)]
                    raise TestFailure(
                        "timed out after %.1fs waiting for %s on %s "
                        "(%d messages there%s)" % (
                            timeout, what or "a message", topic, len(seen),
                            ", last: %r" % seen[-1] if seen else ""))
                if self.closed:
                    raise TestFailure("MQTT client connection closed: %s"
                                      % self.error)
                self.cond.wait(left)

    def quiet(self, secs=0.5, timeout=10):
        """Wait until no message arrived for secs; return a mark."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                now = time.monotonic()
                if not self.msgs or now - self.msgs[-1].time >= secs:
                    return now
                if now >= deadline:
                    raise TestFailure("MQTT traffic still flowing after "
                                      "%.1fs (last: %r)"
                                      % (timeout, self.msgs[-1]))
                self.cond.wait(min(deadline, self.msgs[-1].time + secs)
                               - now)


def _match(filt, topic):
    fp = filt.split("/")
    tp = topic.split("/")
    for i, f in enumerate(fp):
        if f == "#":
            return True
        if i >= len(tp):
            return False
        if f != "+" and f != tp[i]:
            return False
    return len(fp) == len(tp)


def _retained(port, topic, timeout):
    """The retained messages on topic (wildcards allowed): a fresh
    subscription delivers them at once, and before the broker answers a
    later SUBSCRIBE, so that SUBACK ends the wait."""
    c = MQTTClient(port, subscribe=(topic,))
    try:
        c.subscribe("e2e/barrier", timeout=timeout)
        return [m for m in c.all(topic) if m.retain]
    finally:
        c.close()


def retained(port, topic, timeout=3):
    """The retained message on topic (exact), or None."""
    return next(iter(_retained(port, topic, timeout)), None)


def retained_all(port, topic="#", timeout=3):
    """{topic: payload} of the retained messages on topic."""
    return {m.topic: m.payload for m in _retained(port, topic, timeout)}


def wait_retained(port, topic, pred=None, timeout=10, what=None):
    """Wait until the broker holds a retained message on topic (exact)
    for which pred(msg) is true; return it.  A subscriber gets what is
    retained at once and what is published later as it comes."""
    c = MQTTClient(port, subscribe=(topic,))
    try:
        m = c.wait(topic, pred, timeout, what=what or "a retained message")
    finally:
        c.close()
    if not m.retain:
        m = retained(port, topic)
        check(m is not None and (pred is None or pred(m)),
              "%s: published, but the broker retains %r" % (topic, m))
    return m


# ----------------------------------------------------------------------
# GEN3 (Talent) frames

_vec_cache = {}


def vectors(name="gen3.json"):
    if name not in _vec_cache:
        with open(os.path.join(VECTORS, name)) as f:
            _vec_cache[name] = {v["name"]: v for v in json.load(f)}
    return _vec_cache[name]


def vec(name, fname="gen3.json"):
    return vectors(fname)[name]


def unhex(h):
    return binascii.unhexlify(h)


def hexs(b):
    return binascii.hexlify(b).decode()


def talent_frame(serial, ctrl, msg_id, payload=b""):
    body = bytes([len(serial)]) + serial.encode() + bytes([ctrl, msg_id]) \
        + payload
    return struct.pack("!I", len(body)) + body


def talent_parse(frame):
    """(serial, ctrl, msg_id, payload) of one complete frame."""
    sl = frame[4]
    serial = frame[5:5 + sl].decode(errors="replace")
    return serial, frame[5 + sl], frame[6 + sl], frame[7 + sl:]


def with_serial(frame, serial):
    """The same Talent frame with another 16-char serial in the header."""
    s, ctrl, mid, payload = talent_parse(frame)
    return talent_frame(serial, ctrl, mid, payload)


def contact_frame(serial=SERIAL1):
    return with_serial(unhex(vec("test_conttact_req")["hex"]), serial)


def contact_reply(serial=SERIAL1):
    return with_serial(unhex(vec("test_conttact_req")["expect"]["reply_hex"]),
                       serial)


def local_now_ms():
    """The inverter's clock: local wall time in ms, as if it were UTC."""
    t = time.time()
    return int((t + time.localtime(t).tm_gmtoff) * 1000)


def data_frame(name="test_msg_inv_ind1", serial=SERIAL1, voltage=None):
    """An inverter-data frame (msg 0x04) from the vectors with its time
    stamp set to now (older data is ignored as a replay) and optionally
    another grid voltage (TLV 0x3e8, float)."""
    f = bytearray(with_serial(unhex(vec(name)["hex"]), serial))
    hl = 5 + f[4] + 2			# length, serial, ctrl, msg id
    id2_len = f[hl + 4]
    ts = hl + 5 + id2_len + 1
    f[ts:ts + 8] = struct.pack("!q", local_now_ms())
    if voltage is not None:
        i = f.find(b"\x00\x00\x03\xe8\x46", ts + 8)
        check(i > 0, "vector %s has no grid voltage TLV" % name)
        f[i + 5:i + 9] = struct.pack("!f", voltage)
    return bytes(f)


def data_reply(serial=SERIAL1):
    return with_serial(unhex(vec("test_msg_inv_ind1")["expect"]["reply_hex"]),
                       serial)


class FrameReader:
    """Splits a TCP stream into length-prefixed Talent frames."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            self.eof = True
            return False
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def frame(self, timeout=5):
        """The next frame, or None on timeout/EOF."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack("!I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    f, self.buf = self.buf[:4 + n], self.buf[4 + n:]
                    return f
            if self.eof or not self._fill(deadline):
                return None


class Gen3Inverter:
    """A fake GEN3 inverter: a TCP client of the proxy's tsun listener."""

    def __init__(self, port, serial=SERIAL1, timeout=5, retry_for=0):
        self.serial = serial
        deadline = time.monotonic() + retry_for
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port),
                                                     timeout=timeout)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)	# pace the connect retries
        self.reader = FrameReader(self.sock)

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=5):
        return self.reader.frame(timeout)

    def recv_match(self, pred, timeout=5):
        """Skip frames until pred(frame); return it, or None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            f = self.reader.frame(left)
            if f is None:
                return None
            if pred(f):
                return f

    def request(self, data, ctrl_reply=None, timeout=5):
        """Send a frame, return the first answer frame with the same
        msg id (and ctrl byte ctrl_reply if given)."""
        _, _, mid, _ = talent_parse(data)

        def ok(f):
            _, c, m, _ = talent_parse(f)
            return m == mid and (ctrl_reply is None or c == ctrl_reply)
        self.send(data)
        return self.recv_match(ok, timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def expect_reply(inv, frame, expected, timeout=5, what="reply"):
    t0 = time.monotonic()
    got = inv.request(frame, timeout=timeout)
    dt = time.monotonic() - t0
    check(got is not None, "no %s within %.1fs" % (what, timeout))
    check(got == expected, "%s: got %s, expected %s"
          % (what, hexs(got), hexs(expected)))
    return dt


# ----------------------------------------------------------------------
# fake cloud

class FakeCloud:
    """A TCP server on loopback that records what it receives.
    mode 'record': accept and read everything; 'deaf': accept but never
    read; 'blackhole': never accept, with a full accept queue, so that
    connects hang (SYNs are dropped) as with a firewalled cloud."""

    def __init__(self, mode="record"):
        self.mode = mode
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if mode == "deaf":
            # tiny buffers: fills up quickly
            self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        self.lsock.bind(("127.0.0.1", 0))
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.data = b""
        self.conns = []
        self.accepted = 0
        self.stopped = False
        self.filler = None
        if mode == "blackhole":
            self.lsock.listen(0)
            self.filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.filler.settimeout(2)
            self.filler.connect(("127.0.0.1", self.port))
            # check that the queue is really full
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.settimeout(0.3)
            try:
                probe.connect(("127.0.0.1", self.port))
                raise TestFailure("blackhole cloud: connect still succeeds")
            except socket.timeout:
                pass
            finally:
                probe.close()
            self.thread = None
            return
        self.lsock.listen(16)
        self.lsock.settimeout(0.2)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        threads = []
        while not self.stopped:
            try:
                s, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self.lock:
                self.accepted += 1
                self.conns.append(s)
            if self.mode == "record":
                t = threading.Thread(target=self._reader, args=(s,),
                                     daemon=True)
                t.start()
                threads.append(t)

    def _reader(self, s):
        s.settimeout(0.2)
        while not self.stopped:
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not d:
                return
            with self.lock:
                self.data += d

    def received(self):
        with self.lock:
            return self.data

    def frames(self):
        buf, out = self.received(), []
        while len(buf) >= 4:
            n = struct.unpack("!I", buf[:4])[0]
            if len(buf) < 4 + n:
                break
            out.append(buf[:4 + n])
            buf = buf[4 + n:]
        return out

    def wait_frame(self, pred, timeout=5, what="frame"):
        return wait_until(lambda: next((f for f in self.frames() if pred(f)),
                                       None), timeout, what=what)

    def send_all(self, data):
        with self.lock:
            conns = list(self.conns)
        for s in conns:
            try:
                s.sendall(data)
            except OSError:
                pass

    def close(self):
        self.stopped = True
        for s in [self.lsock, self.filler] + self.conns:
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass
        if self.thread is not None:
            self.thread.join(2)


# ----------------------------------------------------------------------
# the daemon

def make_config(d, *, mqtt_port, gen3_port, gen3plus_port, chroot, ctl,
                tsun_enabled=False, tsun_host="127.0.0.1", tsun_port=None,
                inverters=((SERIAL1, "inv_1"),), extra=""):
    inv = ""
    for serial, nid in inverters:
        inv += ('inverter "%s" { node_id = "%s" modbus_polling = false }\n'
                % (serial, nid))
    tsun_cloud = ""
    if tsun_enabled:
        tsun_cloud = ' host = "%s" port = %d' % (tsun_host, tsun_port)
    return (
        'user = "nobody"\n'
        'chroot = "%s"\n'
        'control_socket = "%s"\n'
        'mqtt { host = "127.0.0.1" port = %d keepalive = 10 }\n'
        'tsun { listen_address = "127.0.0.1" listen_port = %d '
        'enabled = %s%s }\n'
        'solarman { listen_address = "127.0.0.1" listen_port = %d '
        'enabled = false }\n'
        '%s%s'
        % (chroot, ctl, mqtt_port, gen3_port,
           "true" if tsun_enabled else "false", tsun_cloud, gen3plus_port,
           inv, extra))


class Daemon:
    """tsun-cfgd with its workers, on private ports and a private
    chroot, control socket and log file."""

    def __init__(self, build, mqtt_port, start=True, **confopts):
        self.build = os.path.abspath(build)
        self.dir = mktemp()
        os.chmod(self.dir, 0o755)
        self.chroot = os.path.join(self.dir, "empty")
        os.mkdir(self.chroot)
        os.chmod(self.chroot, 0o755)
        self.conf = os.path.join(self.dir, "tsun-proxy.conf")
        self.ctl = os.path.join(self.dir, "ctl.sock")
        self.logfile = os.path.join(self.dir, "cfgd.log")
        self.mqtt_port = mqtt_port
        self.gen3_port, self.gen3plus_port = free_ports(2)
        self.confopts = confopts
        self.write_config(**confopts)
        self.proc = None
        _daemons.append(self)
        if start:
            self.start()

    def config_text(self, **opts):
        o = dict(self.confopts)
        o.update(opts)
        return make_config(self.dir, mqtt_port=self.mqtt_port,
                           gen3_port=self.gen3_port,
                           gen3plus_port=self.gen3plus_port,
                           chroot=self.chroot, ctl=self.ctl, **o)

    def write_config(self, text=None, **opts):
        if text is None:
            text = self.config_text(**opts)
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.conf)

    def start(self, wait=True, timeout=15):
        self._logf = open(self.logfile, "ab")
        self.proc = register(subprocess.Popen(
            [os.path.join(self.build, "tsun-cfgd"), "-d", "-v",
             "-w", self.build, "-f", self.conf],
            stdin=subprocess.DEVNULL, stdout=self._logf, stderr=self._logf,
            start_new_session=True))
        self._logf.close()
        if wait:
            self.wait_workers(timeout)
            # no probe connection: it would show up in the counters
            self.wait_log(r"tsun-proxyd: listening on 127\.0\.0\.1:%d"
                          % self.gen3_port, timeout)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_size(self):
        try:
            return os.path.getsize(self.logfile)
        except OSError:
            return 0

    def wait_log(self, pattern, timeout=10, since=0):
        """Wait for a log line matching the regex; since = byte offset."""
        rx = re.compile(pattern)

        def find():
            text = self.log()[since:]
            m = rx.search(text)
            return m or None
        try:
            return wait_until(find, timeout, what="log /%s/" % pattern)
        except TestFailure:
            raise TestFailure("no log line /%s/ within %ss; log tail:\n%s"
                              % (pattern, timeout, self.log()[since:][-1500:]))

    # sanitizer reports, and workers crashing without a test killing them
    _BAD = re.compile(r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|"
                      r"runtime error: |"
                      r"died on signal (4|6|7|8|11)\b")

    def problems(self, dump=False):
        out = []
        text = self.log()
        for line in text.splitlines():
            if self._BAD.search(line):
                out.append("%s: %s" % (os.path.basename(self.logfile), line))
        if out or dump:
            sys.stderr.write("---- %s\n%s\n----\n"
                             % (self.logfile, text[-6000:]))
        return out[:5]

    def workers(self):
        """{'proxyd': pid, 'mqttd': pid} for the live children of cfgd."""
        out = {}
        if self.proc is None or self.proc.poll() is not None:
            return out
        for pid in children(self.proc.pid):
            st = proc_stat(pid)
            cmd = proc_cmdline(pid)
            name = (st[0] if st else "") + " " + cmd
            if "tsun-proxyd" in name:
                out["proxyd"] = pid
            elif "tsun-mqttd" in name:
                out["mqttd"] = pid
        return out

    def wait_workers(self, timeout=15, exclude=()):
        """Wait until both workers run (and none of them has a pid in
        exclude); return workers()."""
        def ok():
            if self.proc.poll() is not None:
                raise TestFailure("tsun-cfgd exited with %s; log:\n%s"
                                  % (self.proc.returncode,
                                     self.log()[-2000:]))
            w = self.workers()
            if len(w) == 2 and not set(w.values()) & set(exclude):
                return w
            return None
        return wait_until(ok, timeout, what="both workers")

    def hup(self):
        os.kill(self.proc.pid, signal.SIGHUP)

    def ctl_run(self, *args, timeout=10):
        r = subprocess.run(
            [os.path.join(self.build, "tsun-ctl"), "-s", self.ctl] +
            list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=timeout,
            universal_newlines=True, errors="replace")
        if r.returncode != 0 and self.proc is not None and \
                self.proc.poll() is None and not os.path.exists(self.ctl):
            log("tsun-ctl %s: control socket %s missing while tsun-cfgd "
                "(pid %d) runs; dir: %s" % (" ".join(args), self.ctl,
                                            self.proc.pid,
                                            os.listdir(self.dir)))
        return r

    def stop(self, timeout=15):
        if self.proc is None:
            return None
        return stop_proc(self.proc, signal.SIGTERM, timeout)

    def inverter(self, serial=SERIAL1, retry_for=0):
        return Gen3Inverter(self.gen3_port, serial, retry_for=retry_for)


def broker_back(d, b, subscribe=("tsun/#",)):
    """Start the stopped broker b again with tsun-mqttd of daemon d held
    (SIGSTOP), so that the returned subscriber is in place before mqttd
    reconnects and publishes."""
    mq = d.workers()["mqttd"]
    os.kill(mq, signal.SIGSTOP)
    try:
        b.start()
        return MQTTClient(b.port, subscribe=subscribe)
    finally:
        os.kill(mq, signal.SIGCONT)


def bring_up(inv, serial=SERIAL1):
    """Contact info + heartbeat: the GEN3 connection is identified and
    up.  Checks the answers."""
    expect_reply(inv, contact_frame(serial), contact_reply(serial),
                 what="contact-info reply")
    hb = with_serial(unhex(vec("test_msg_act_time_autark")["hex"]), serial)
    exp = with_serial(unhex(vec("test_msg_act_time_autark")["expect"]
                            ["reply_hex"]), serial)
    expect_reply(inv, hb, exp, what="heartbeat reply")


# ----------------------------------------------------------------------
# running the tests of a file

def _alarm(signum, frame):
    raise TestTimeout("test timed out")


def _term(signum, frame):
    cleanup_all()
    sys.exit(1)


def main(namespace, default_timeout=60):
    """Run every test_* function of the calling file, in file order.
    argv[1] is the build directory; argv[2:] optionally selects tests."""
    if len(sys.argv) < 2:
        sys.stderr.write("usage: %s BUILDDIR [test ...]\n" % sys.argv[0])
        sys.exit(2)
    build = sys.argv[1]
    only = sys.argv[2:]
    fname = os.path.basename(sys.modules["__main__"].__file__)
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGALRM, _alarm)
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f)]
    tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
    failed = 0
    for name, fn in tests:
        if only and name not in only:
            continue
        limit = getattr(fn, "timeout", default_timeout)
        t0 = time.monotonic()
        sys.stderr.write("--- %s::%s\n" % (fname, name))
        sys.stderr.flush()
        signal.alarm(limit)
        try:
            try:
                fn(build)
            finally:
                signal.alarm(0)
                problems = cleanup_all(dump=sys.exc_info()[0] is not None)
            if problems:
                raise TestFailure("in the daemon's log: %s"
                                  % " | ".join(problems))
            res = "PASS %s::%s (%.1fs)" % (fname, name, time.monotonic() - t0)
        except TestSkip as e:
            res = "SKIP %s::%s: %s" % (fname, name, e)
        except TestTimeout:
            failed += 1
            res = "FAIL %s::%s: timed out after %ds" % (fname, name, limit)
        except TestFailure as e:
            failed += 1
            res = "FAIL %s::%s: %s" % (fname, name, e)
            traceback.print_exc(file=sys.stderr)
        except Exception as e:
            failed += 1
            res = "FAIL %s::%s: %s: %s" % (fname, name, type(e).__name__, e)
            traceback.print_exc(file=sys.stderr)
        # multi-line reasons (log tails) go to stderr, the first line out
        first, _, rest = res.partition("\n")
        if rest:
            sys.stderr.write(rest + "\n")
        sys.stderr.flush()
        print(first, flush=True)
    sys.exit(1 if failed else 0)


def timeout(sec):
    """Decorator: per-test timeout in seconds."""
    def deco(fn):
        fn.timeout = sec
        return fn
    return deco
