"""Helpers of the fault and hostile-input end-to-end tests
(test_faults.py, test_hostile.py).  Python 3 standard library only;
builds on lib.py (not changed here).

- FDaemon: lib.Daemon with a config of our own (several GEN3 and GEN3PLUS
  devices, both clouds, max_connections, timeouts) and optionally a low
  RLIMIT_NOFILE for tsun-cfgd and its workers;
- FaultCloud: a fake cloud that resets every connection, answers garbage
  or answers with mutated frames, all in one selector thread;
- GEN3 frames with chosen TLV values, Solarman V5 frames and checks;
- the frame mutator (seeded);
- /proc readers: PSS, descriptors, CPU time, zombies.
"""

import os
import random
import resource
import selectors
import socket
import struct
import subprocess
import threading
import time

import lib
from lib import check

G3P_SERIAL = "Y170000000000001"
G3P_MONITOR_SN = 2070233889		# logger serial in the gen3plus vectors


def raise_nofile(n=16384):
    """Raise this process's RLIMIT_NOFILE (soft, and hard if allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ----------------------------------------------------------------------
# /proc

def pss_kb(pid):
    """Proportional set size of pid in kB (smaps_rollup), or None."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def fd_targets(pid):
    out = []
    try:
        for e in os.listdir("/proc/%d/fd" % pid):
            try:
                out.append(os.readlink("/proc/%d/fd/%s" % (pid, e)))
            except OSError:
                pass
    except OSError:
        pass
    return sorted(out)


def cpu_ticks(pid):
    """utime + stime of pid in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])


CLK_TCK = os.sysconf("SC_CLK_TCK")


def zombies(ppid):
    """Children of ppid in state Z."""
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        st = lib.proc_stat(int(e))
        if st and st[2] == ppid and st[1] == "Z":
            out.append(int(e))
    return out


def is_asan(pid):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


# ----------------------------------------------------------------------
# the daemon with a config of our own

def fault_config(d, *, mqtt_port, gen3_port, gen3plus_port, chroot, ctl,
                 gen3=((lib.SERIAL1, "inv_1"),), gen3plus=(),
                 tsun_cloud=None, solarman_cloud=None, max_connections=None,
                 timeouts=None, extra=""):
    """gen3: (serial, node_id, [block text]); gen3plus: (serial,
    monitor_sn, node_id); *_cloud: port of a cloud on 127.0.0.1 or
    None (forwarding off)."""
    def cloud(port):
        if port is None:
            return "enabled = false"
        return 'enabled = true host = "127.0.0.1" port = %d' % port
    text = ('user = "nobody"\n'
            'chroot = "%s"\n'
            'control_socket = "%s"\n' % (chroot, ctl))
    if max_connections is not None:
        text += "max_connections = %d\n" % max_connections
    if timeouts:
        text += "timeouts { %s }\n" % " ".join(
            "%s = %d" % kv for kv in sorted(timeouts.items()))
    text += ('mqtt { host = "127.0.0.1" port = %d keepalive = 10 }\n'
             'tsun { listen_address = "127.0.0.1" listen_port = %d %s }\n'
             'solarman { listen_address = "127.0.0.1" listen_port = %d '
             '%s }\n' % (mqtt_port, gen3_port, cloud(tsun_cloud),
                         gen3plus_port, cloud(solarman_cloud)))
    for g in gen3:
        serial, nid = g[0], g[1]
        more = g[2] if len(g) > 2 else ""
        text += ('inverter "%s" { node_id = "%s" modbus_polling = false%s }\n'
                 % (serial, nid, (" " + more) if more else ""))
    for serial, msn, nid in gen3plus:
        text += ('inverter "%s" { monitor_sn = %d node_id = "%s" '
                 'modbus_polling = false }\n' % (serial, msn, nid))
    return text + extra


class FDaemon(lib.Daemon):
    """lib.Daemon with fault_config() as its config; nofile= starts
    tsun-cfgd (and so its workers) with that RLIMIT_NOFILE."""

    def __init__(self, build, mqtt_port, start=True, nofile=None, **confopts):
        self.nofile = nofile
        super().__init__(build, mqtt_port, start=start, **confopts)

    def config_text(self, **opts):
        o = dict(self.confopts)
        o.update(opts)
        return fault_config(self.dir, mqtt_port=self.mqtt_port,
                            gen3_port=self.gen3_port,
                            gen3plus_port=self.gen3plus_port,
                            chroot=self.chroot, ctl=self.ctl, **o)

    def start(self, wait=True, timeout=15):
        if self.nofile is None:
            return super().start(wait, timeout)
        n = self.nofile

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        logf = open(self.logfile, "ab")
        self.proc = lib.register(subprocess.Popen(
            [os.path.join(self.build, "tsun-cfgd"), "-d", "-v",
             "-w", self.build, "-f", self.conf],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
            start_new_session=True, preexec_fn=limit))
        logf.close()
        if wait:
            self.wait_workers(timeout)
            self.wait_log(r"tsun-proxyd: listening on 127\.0\.0\.1:%d"
                          % self.gen3_port, timeout)
        return self

    def g3p(self):
        return G3PInverter(self.gen3plus_port)


# ----------------------------------------------------------------------
# GEN3 frames with chosen values

# (info id, group, key(s)) of the values a test changes; the 'F' ones are
# floats, 0x514 (env.Inverter_Temp) is an 'S'
MUST_INCR = {0xB54, 0xBB8, 0xC1C, 0xC80, 0xCE4, 0xD48}
VALUE_IDS = {
    0x3E8: ("grid", ("Voltage",)),
    0x44C: ("grid", ("Current",)),
    0x4B0: ("grid", ("Frequency",)),
    0x640: ("grid", ("Output_Power",)),
    0x6A4: ("input", ("pv1", "Voltage")),
    0x708: ("input", ("pv1", "Current")),
    0x76C: ("input", ("pv1", "Power")),
    0x7D0: ("input", ("pv2", "Voltage")),
    0x834: ("input", ("pv2", "Current")),
    0x898: ("input", ("pv2", "Power")),
    0xB54: ("total", ("Daily_Generation",)),
    0xBB8: ("total", ("Total_Generation",)),
    0xC1C: ("input", ("pv1", "Daily_Generation")),
    0xC80: ("input", ("pv1", "Total_Generation")),
    0xCE4: ("input", ("pv2", "Daily_Generation")),
    0xD48: ("input", ("pv2", "Total_Generation")),
    0x514: ("env", ("Inverter_Temp",)),
}


def _tlv_walk(p, off):
    """Yield (info_id, type, value offset, value length) of the TLV
    block of a 0x71/0x04 payload starting at off (the element count)."""
    cnt = struct.unpack("!i", p[off:off + 4])[0]
    off += 4
    sizes = {"B": 1, "S": 2, "I": 4, "L": 8, "F": 4, "A": 0}
    for _ in range(cnt):
        iid, t = struct.unpack("!iB", p[off:off + 5])
        off += 5
        t = chr(t)
        if t == "T":
            n = 1 + p[off]
        elif t in sizes:
            n = sizes[t]
        else:
            return
        yield iid, t, off, n
        off += n


def values_for(inv, step):
    """Values for inverter number inv (0..) in send step step (0..):
    different per inverter, changing with every step, increasing for
    the energy counters, exact in float32 (multiples of 0.25)."""
    vals = {}
    for k, iid in enumerate(sorted(VALUE_IDS)):
        if iid == 0x514:
            vals[iid] = 10 + inv * 3 + step % 40
        elif iid in MUST_INCR:
            vals[iid] = 100.0 * (inv + 1) + k * 10 + step * 0.25
        else:
            vals[iid] = 50.0 * (inv + 1) + k + (step % 200) * 0.25
    return vals


def value_frame(serial, vals, name="test_msg_inv_ind1"):
    """lib.data_frame (time stamp now) with the TLVs in vals set."""
    f = bytearray(lib.data_frame(name, serial))
    hl = 5 + f[4] + 2
    p0 = hl				# payload start in the frame
    id2_len = f[p0 + 4]
    off = 5 + id2_len + 1 + 8
    payload = f[p0:]
    seen = set()
    for iid, t, voff, n in _tlv_walk(payload, off):
        if iid in vals:
            if t == "F":
                payload[voff:voff + 4] = struct.pack("!f", vals[iid])
            elif t == "S":
                payload[voff:voff + 2] = struct.pack("!h", int(vals[iid]))
            else:
                raise lib.TestFailure("TLV %#x has type %s" % (iid, t))
            seen.add(iid)
    check(seen == set(vals), "vector %s lacks TLVs %s"
          % (name, sorted(set(vals) - seen)))
    return bytes(f[:p0] + payload)


def expected_groups(vals):
    """{group: {key path: value}} that MQTT must show for vals."""
    out = {}
    for iid, v in vals.items():
        grp, path = VALUE_IDS[iid]
        out.setdefault(grp, {})[path] = v
    return out


def group_matches(js, want):
    """Does the JSON object js carry every value of want ({path: v})?
    Returns a list of differences."""
    diff = []
    for path, v in want.items():
        o = js
        for k in path:
            o = o.get(k) if isinstance(o, dict) else None
        if o != v:
            diff.append("%s=%r (want %r)" % (".".join(path), o, v))
    return diff


# ----------------------------------------------------------------------
# Solarman V5 (GEN3PLUS)

def g3p_vec(name):
    return lib.vec(name, "gen3plus.json")


def v5_checksum(frame):
    return sum(frame[1:-2]) & 0xFF


def v5_check_reply(got, expect_hex, what):
    """got matches the vector reply apart from the proxy's time stamp
    (bytes 13..16) and thus the checksum; the checksum is right."""
    exp = lib.unhex(expect_hex)
    check(got is not None, "no %s" % what)
    check(len(got) == len(exp), "%s: %s, expected like %s"
          % (what, lib.hexs(got), lib.hexs(exp)))
    check(got[:13] == exp[:13] and got[17:-2] == exp[17:-2] and
          got[-1] == 0x15, "%s: %s, expected like %s"
          % (what, lib.hexs(got), lib.hexs(exp)))
    check(got[-2] == v5_checksum(got), "%s: bad checksum in %s"
          % (what, lib.hexs(got)))
    ts = struct.unpack("<I", got[13:17])[0]
    check(abs(ts - time.time()) < 120, "%s: time stamp %d is not now"
          % (what, ts))


class G3PInverter:
    """A fake GEN3PLUS logger: a TCP client of the solarman listener."""

    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _take(self):
        i = self.buf.find(b"\xa5")
        if i < 0:
            self.buf = b""
            return None
        self.buf = self.buf[i:]
        if len(self.buf) < 3:
            return None
        n = struct.unpack("<H", self.buf[1:3])[0]
        if len(self.buf) < 13 + n:
            return None
        f, self.buf = self.buf[:13 + n], self.buf[13 + n:]
        return f

    def recv(self, timeout=5):
        """The next V5 frame, or None on timeout/EOF."""
        deadline = time.monotonic() + timeout
        while True:
            f = self._take()
            if f is not None:
                return f
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                d = self.sock.recv(65536)
            except OSError:
                return None
            if not d:
                return None
            self.buf += d

    def request(self, data, timeout=5):
        self.send(data)
        return self.recv(timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def g3p_bring_up(inv):
    """Device info + inverter data with the vector's logger serial:
    both answered as in the vectors."""
    v = g3p_vec("device_ind_0x4110_ms2000")
    got = inv.request(lib.unhex(v["hex"]))
    v5_check_reply(got, v["expect"]["reply"], "GEN3PLUS device-info ACK")
    v = g3p_vec("data_ind_0x4210_02b0_ms2000_600")
    got = inv.request(lib.unhex(v["hex"]))
    v5_check_reply(got, v["expect"]["reply"], "GEN3PLUS inverter-data ACK")


# ----------------------------------------------------------------------
# the frame mutator

MUTATIONS = ("bitflip", "truncate", "len0", "len1", "lenmax", "random",
             "splice", "extend", "byteset", "header_random")


def base_frames(fname, direction):
    """The 'hex' of every vector of fname going in direction."""
    out = []
    for v in lib.vectors(fname).values():
        if v.get("direction") == direction and v.get("hex"):
            out.append(lib.unhex(v["hex"]))
    return out


def mutate(rng, frame, proto, kind=None, others=()):
    """A mutated copy of frame; proto 'gen3' (4-byte big-endian length
    first) or 'gen3plus' (0xa5, little-endian u16 length).  Returns
    (kind, bytes)."""
    kind = kind or rng.choice(MUTATIONS)
    f = bytearray(frame)
    if kind == "bitflip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(f))
            f[i] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        f = f[:rng.randrange(1, max(2, len(f)))]
    elif kind in ("len0", "len1", "lenmax"):
        if proto == "gen3":
            v = {"len0": 0, "len1": 1, "lenmax": 0x7FFFFFFF}[kind]
            f[0:4] = struct.pack("!I", v)
        else:
            v = {"len0": 0, "len1": 1, "lenmax": 0xFFFF}[kind]
            if len(f) >= 3:
                f[1:3] = struct.pack("<H", v)
        if rng.random() < 0.5:		# sometimes a shorter rest
            f = f[:rng.randrange(1, max(2, len(f)))]
    elif kind == "random":
        f = bytearray(rng.getrandbits(8) for _ in
                      range(rng.randint(1, 600)))
    elif kind == "header_random":
        # a plausible header, random rest: gets past the framing
        n = rng.randint(0, 300)
        body = bytearray(rng.getrandbits(8) for _ in range(n))
        if proto == "gen3":
            keep = min(len(f), 4 + 1 + 16 + 2)
            f = bytearray(struct.pack("!I", keep - 4 + n)) + f[4:keep] + body
        else:
            keep = min(len(f), 11)
            f = bytearray(f[:keep]) + body + b"\x00\x15"
            if len(f) >= 3:
                f[1:3] = struct.pack("<H", max(0, len(f) - 13))
            f[-2] = v5_checksum(f)
    elif kind == "splice":
        o = rng.choice(others) if others else frame
        a = rng.randrange(len(f) + 1)
        b = rng.randrange(len(o) + 1)
        f = f[:a] + bytearray(o[b:])
    elif kind == "extend":
        f += bytearray(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
    elif kind == "byteset":
        for _ in range(rng.randint(1, 4)):
            f[rng.randrange(len(f))] = rng.choice((0, 0xFF, 0x7F, 0x80))
    if proto == "gen3plus" and kind in ("bitflip", "byteset") and \
            rng.random() < 0.5 and len(f) >= 13:
        # half of them with a good checksum: they reach the decoder
        f[-2] = v5_checksum(f)
    if not f:
        f = bytearray(b"\x00")
    return kind, bytes(f)


# ----------------------------------------------------------------------
# a cloud that misbehaves

class FaultCloud:
    """A TCP server on 127.0.0.1, one selector thread for every
    connection.  mode:
      'reset'   accept, then close at once with an RST (SO_LINGER 0);
      'garbage' accept, read, answer everything with random bytes;
      'mutate'  accept, read, answer each read with mutated frames made
                from answers (bytes) of proto ('gen3' or 'gen3plus');
      'quiet'   accept, read, never answer (a test may switch to it).
    """

    def __init__(self, mode, seed=0, proto="gen3", answers=()):
        self.mode = mode
        self.rng = random.Random(seed)
        self.proto = proto
        self.answers = list(answers)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(128)
        self.lsock.setblocking(False)
        self.port = self.lsock.getsockname()[1]
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.lsock, selectors.EVENT_READ, None)
        self.accepted = 0
        self.received = 0
        self.sent = 0
        self.frames_sent = 0
        self.stopped = False
        self.conns = set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _drop(self, s):
        try:
            self.sel.unregister(s)
        except (KeyError, ValueError):
            pass
        self.conns.discard(s)
        try:
            s.close()
        except OSError:
            pass

    def _answer(self):
        if self.mode == "garbage":
            return bytes(self.rng.getrandbits(8) for _ in
                         range(self.rng.randint(1, 512)))
        out = b""
        for _ in range(self.rng.randint(1, 6)):
            base = self.rng.choice(self.answers)
            if self.rng.random() < 0.15:
                out += base			# now and then a valid one
            else:
                out += mutate(self.rng, base, self.proto,
                              others=self.answers)[1]
            self.frames_sent += 1
        return out

    def _run(self):
        while not self.stopped:
            try:
                events = self.sel.select(0.2)
            except (OSError, ValueError):
                return
            for key, _ in events:
                s = key.fileobj
                if s is self.lsock:
                    try:
                        c, _ = self.lsock.accept()
                    except OSError:
                        continue
                    self.accepted += 1
                    if self.mode == "reset":
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                        c.close()
                        continue
                    c.setblocking(False)
                    self.conns.add(c)
                    self.sel.register(c, selectors.EVENT_READ, None)
                    continue
                try:
                    d = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    self._drop(s)
                    continue
                if not d:
                    self._drop(s)
                    continue
                self.received += len(d)
                if self.mode == "quiet":
                    continue
                a = self._answer()
                try:
                    n = s.send(a)		# never block: drop the rest
                    self.sent += n
                except BlockingIOError:
                    pass
                except OSError:
                    self._drop(s)

    def close(self):
        self.stopped = True
        self.thread.join(3)
        for s in list(self.conns):
            self._drop(s)
        try:
            self.lsock.close()
        except OSError:
            pass
        self.sel.close()
