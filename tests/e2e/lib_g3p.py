"""GEN3PLUS (Solarman V5) helpers for the end-to-end tests.

Python 3 standard library only; builds on lib.py (which is not ours to
change).  V5 frame (gen3plus-solarman.md §2):

    a5 | data_len u16 LE | control u16 LE | seq byte5 | seq byte6 |
    monitor SN u32 LE | payload | checksum | 15

checksum = sum of bytes 1 .. 10+n, & 0xff.
"""

import socket
import struct
import time

import lib
from lib import check, hexs, unhex

# the logger of the vectors (tests/vectors/gen3plus.json)
MONITOR_SN = 2070233889
SERIAL = "Y170000000000001"
OTHER_SN = 2070233888          # a monitor SN nobody configured

HDR_LEN = 11
TRAILER_LEN = 2

CTRL_DEV_IND = 0x4110
CTRL_DEV_RSP = 0x1110
CTRL_DATA_IND = 0x4210
CTRL_DATA_RSP = 0x1210
CTRL_SYNC_START = 0x4310
CTRL_HB_IND = 0x4710
CTRL_HB_RSP = 0x1710
CTRL_CMD_REQ = 0x4510
CTRL_CMD_RSP = 0x1510


# ----------------------------------------------------------------------
# vectors

def vec(name):
    return lib.vec(name, "gen3plus.json")


def vec_bytes(name, key=None):
    """The bytes of a vector ('hex'), or of one of its expect fields."""
    v = vec(name)
    return unhex(v["hex"] if key is None else v["expect"][key])


# ----------------------------------------------------------------------
# frames

def checksum(f):
    return sum(f[1:-2]) & 0xff


def build(ctrl, payload, snr=MONITOR_SN, seq=(0, 0)):
    f = bytearray(struct.pack("<BHHBBI", 0xa5, len(payload), ctrl, seq[0],
                              seq[1], snr))
    f += payload + b"\x00\x15"
    f[-2] = checksum(f)
    return bytes(f)


class Frame:
    def __init__(self, raw):
        self.raw = bytes(raw)
        (self.start, self.dlen, self.ctrl, self.seq5, self.seq6,
         self.snr) = struct.unpack("<BHHBBI", raw[:HDR_LEN])
        self.payload = self.raw[HDR_LEN:-TRAILER_LEN]

    def __repr__(self):
        return "<V5 %04x seq %02x %02x snr %d %s>" % (
            self.ctrl, self.seq5, self.seq6, self.snr, hexs(self.raw))


def parse(raw):
    return Frame(raw)


def valid(raw):
    """A complete, well-formed V5 frame with a correct checksum."""
    if len(raw) < HDR_LEN + TRAILER_LEN or raw[0] != 0xa5 or raw[-1] != 0x15:
        return False
    dlen = struct.unpack("<H", raw[1:3])[0]
    return len(raw) == dlen + HDR_LEN + TRAILER_LEN and \
        raw[-2] == checksum(raw)


def restamp(raw, seq5, seq6):
    """The same frame with other sequence bytes and its checksum fixed."""
    f = bytearray(raw)
    f[5], f[6] = seq5, seq6
    f[-2] = checksum(f)
    return bytes(f)


def with_snr(raw, snr):
    """The same frame from another logger (monitor SN), checksum fixed."""
    f = bytearray(raw)
    f[7:11] = struct.pack("<I", snr)
    f[-2] = checksum(f)
    return bytes(f)


def split(buf):
    """Split a byte stream into V5 frames: (frames, rest).  A byte that
    cannot start a frame ends the split (rest starts there)."""
    out = []
    while len(buf) >= HDR_LEN:
        if buf[0] != 0xa5:
            break
        n = struct.unpack("<H", buf[1:3])[0] + HDR_LEN + TRAILER_LEN
        if len(buf) < n:
            break
        out.append(buf[:n])
        buf = buf[n:]
    return out, buf


def modbus_crc(b):
    crc = 0xFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu_with_crc(body):
    c = modbus_crc(body)
    return bytes(body) + bytes([c & 0xff, c >> 8])


def modbus_rsp_frame(rtu, snr=MONITOR_SN, seq=(0, 0)):
    """0x1510 answer: ftype 2, status 1, 12 bytes of logger times, RTU
    (gen3plus-solarman.md §10.2)."""
    return build(CTRL_CMD_RSP, b"\x02\x01" + bytes(12) + rtu, snr, seq)


def at_rsp_frame(text, snr=MONITOR_SN, seq=(0, 0)):
    return build(CTRL_CMD_RSP, b"\x01\x01" + bytes(12) + text.encode(),
                 snr, seq)


def check_ack(got, expected, t0, t1, what="ACK"):
    """Compare a proxy-built ACK with the vector's: every byte but the
    clock (frame bytes 13..16) and the checksum that follows from it must
    be equal; the clock must be the Unix time now."""
    check(got is not None, "no %s" % what)
    check(valid(got), "%s %s is not a valid V5 frame" % (what, hexs(got)))
    check(len(got) == len(expected) and got[:13] == expected[:13] and
          got[17:21] == expected[17:21] and got[-1:] == expected[-1:],
          "%s %s, expected %s (bytes 13..16 and the checksum may differ)"
          % (what, hexs(got), hexs(expected)))
    ts = struct.unpack("<I", got[13:17])[0]
    check(int(t0) - 2 <= ts <= int(t1) + 2,
          "%s carries time %d, now is %d..%d" % (what, ts, t0, t1))


# ----------------------------------------------------------------------
# sockets

class V5Reader(lib.FrameReader):
    """Splits a TCP stream into V5 frames (the buffering is FrameReader's,
    the framing is V5's)."""

    def frame(self, timeout=5):
        """The next frame, or None on timeout/EOF.  Garbage (a byte that
        cannot start a frame) is returned as it is, to fail the caller's
        checks instead of hanging."""
        deadline = time.monotonic() + timeout
        while True:
            if self.buf and self.buf[0] != 0xa5:
                g, self.buf = self.buf, b""
                return g
            if len(self.buf) >= HDR_LEN:
                n = struct.unpack("<H", self.buf[1:3])[0] + HDR_LEN + \
                    TRAILER_LEN
                if len(self.buf) >= n:
                    f, self.buf = self.buf[:n], self.buf[n:]
                    return f
            if self.eof or not self._fill(deadline):
                return None


class _Peer:
    """Frame I/O on one connected socket."""

    def __init__(self, sock):
        self.sock = sock
        self.reader = V5Reader(sock)

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=5):
        return self.reader.frame(timeout)

    def recv_match(self, pred, timeout=5):
        """Skip frames until pred(frame); return it, or None."""
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

    def request(self, data, ctrl_reply, timeout=5):
        """Send a frame; the first answer with control ctrl_reply."""
        self.send(data)
        return self.recv_match(lambda f: len(f) >= HDR_LEN and
                               parse(f).ctrl == ctrl_reply, timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Logger(_Peer):
    """A fake GEN3PLUS logger: TCP client of the proxy's solarman
    listener (server mode)."""

    def __init__(self, port, timeout=5):
        super().__init__(socket.create_connection(("127.0.0.1", port),
                                                  timeout=timeout))


class FakeDevice:
    """A fake GEN3PLUS device in client mode: it LISTENS on a loopback
    port, the proxy connects to it."""

    def __init__(self, port):
        self.port = port
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                self.lsock.bind(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
        self.lsock.listen(4)
        self.peer = None

    def accept(self, timeout):
        """Wait for the proxy to connect; the connection (a _Peer)."""
        self.lsock.settimeout(timeout)
        try:
            s, _ = self.lsock.accept()
        except socket.timeout:
            raise lib.TestFailure("the proxy did not connect to the fake "
                                  "device on 127.0.0.1:%d within %.0fs"
                                  % (self.port, timeout))
        self.peer = _Peer(s)
        return self.peer

    def close(self):
        """Stop the device: the connection and the listening socket."""
        if self.peer is not None:
            self.peer.close()
        try:
            self.lsock.close()
        except OSError:
            pass


# ----------------------------------------------------------------------
# the daemon with a GEN3PLUS configuration

def device_block(serial=SERIAL, monitor_sn=MONITOR_SN, node_id="inv_p",
                 body=""):
    return ('inverter "%s" { monitor_sn = %d node_id = "%s" %s }\n'
            % (serial, monitor_sn, node_id, body))


def config_text(d, devices, cloud_port=None, extra=""):
    if cloud_port is None:
        sol = "enabled = false"
    else:
        sol = 'enabled = true host = "127.0.0.1" port = %d' % cloud_port
    return (
        'user = "nobody"\n'
        'chroot = "%s"\n'
        'control_socket = "%s"\n'
        'mqtt { host = "127.0.0.1" port = %d keepalive = 10 }\n'
        'tsun { listen_address = "127.0.0.1" listen_port = %d '
        'enabled = false }\n'
        'solarman { listen_address = "127.0.0.1" listen_port = %d %s }\n'
        '%s%s'
        % (d.chroot, d.ctl, d.mqtt_port, d.gen3_port, d.gen3plus_port, sol,
           devices, extra))


def daemon(build, mqtt_port, devices, cloud_port=None, extra=""):
    """tsun-cfgd with our own configuration; returns once the solarman
    listener is up."""
    d = lib.Daemon(build, mqtt_port, start=False)
    d.write_config(text=config_text(d, devices, cloud_port, extra))
    d.start()
    d.wait_log(r"listening on 127\.0\.0\.1:%d" % d.gen3plus_port, 15)
    return d


def bring_up(lg, t_what=""):
    """Device indication (seq 00 01) and data indication (seq 01 02) of
    the MS-2000 trace; checks both ACKs against the vectors.  Returns the
    time the data indication was sent."""
    t0 = time.time()
    got = lg.request(vec_bytes("device_ind_0x4110_ms2000"), CTRL_DEV_RSP)
    check_ack(got, vec_bytes("device_ind_0x4110_ms2000", "reply"), t0,
              time.time(), "0x1110 ACK of the device indication")
    t0 = time.time()
    got = lg.request(vec_bytes("data_ind_0x4210_02b0_ms2000_600"),
                     CTRL_DATA_RSP)
    check_ack(got, vec_bytes("data_ind_0x4210_02b0_ms2000_600", "reply"),
              t0, time.time(), "0x1210 ACK of the data indication")
    return t0
