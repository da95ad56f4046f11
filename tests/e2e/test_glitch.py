"""Glitching devices and reconnects end to end (issue 13): a non-finite
or absurd value never reaches tsun-mqttd nor sticks in a must-increase
counter, one connection owns a serial, a serial switch on an identified
connection is refused, an unidentified GEN3PLUS connection goes at its
timeout however it trickles, and devices admitted by allow_all expire."""

import math
import re
import socket
import struct
import time

import lib
import lib_fault as lf
import lib_g3p as g3p
from lib import check, log

SERIAL2 = "R170000000000002"

TOTAL_GEN = 0x0bb8		# GEN3 TLV id of total.Total_Generation
NONFINITE = re.compile(rb"[:\[,]\s*-?(nan|inf)", re.I)


def set_float_tlv(frame, tlv_id, value):
    """The GEN3 data frame with the float TLV tlv_id set to value."""
    f = bytearray(frame)
    i = f.find(struct.pack("!IB", tlv_id, 0x46))
    check(i > 0, "frame has no float TLV 0x%x" % tlv_id)
    f[i + 5:i + 9] = struct.pack("!f", value)
    return bytes(f)


def test_non_finite_value(build):
    """Contact, then data frames carrying Total_Generation = +inf: the
    frames are answered, mqttd keeps running and publishing, the value
    is never published, and the log names device and field once."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    mq = d.workers()["mqttd"]
    inv = d.inverter()
    lib.bring_up(inv)
    for v in (math.inf, -math.inf, math.nan):
        f = set_float_tlv(lib.data_frame(voltage=230.0), TOTAL_GEN, v)
        lib.expect_reply(inv, f, lib.data_reply(), what="data reply")
    t = c.mark()
    lib.expect_reply(inv, lib.data_frame(voltage=231.5), lib.data_reply(),
                     what="data reply")
    m = c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == 231.5,
               timeout=10, since=t, what="grid values after the glitch")
    tot = c.wait("tsun/inv_1/total",
                 lambda m: "Total_Generation" in m.json(), timeout=5,
                 what="total")
    tg = tot.json().get("Total_Generation")
    check(isinstance(tg, (int, float)) and 0 < tg < 1e9,
          "Total_Generation %r" % tg)
    check(d.workers().get("mqttd") == mq, "tsun-mqttd was restarted")
    for m in c.all():
        check(not NONFINITE.search(m.payload), "published %s: %r"
              % (m.topic, m.payload[:200]))
    n = d.log().count("TOTAL_GENERATION value")
    check(n == 1, "%d log lines about TOTAL_GENERATION, expected 1" % n)
    check(lib.SERIAL1 in d.log(), "the log does not name the device")


def counter(d, name):
    """A proxy counter from tsun-ctl show counters."""
    out = d.ctl_run("show", "counters").stdout
    m = re.search(r"^\s*%s\s+(\d+)\s*$" % name, out, re.M)
    check(m, "counter %s not in %r" % (name, out))
    return int(m.group(1))


def _closed_by_proxy(sock, timeout=5):
    """True once the proxy closed sock (EOF or reset) within timeout."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True
    return False


def test_one_owner_per_serial(build):
    """An inverter reconnects while its old connection is still open:
    the old one is closed, the device stays online (no offline from
    the stale connection), and the new one is served."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    old = d.inverter()
    lib.bring_up(old)
    lib.expect_reply(old, lib.data_frame(), lib.data_reply(),
                     what="data reply (old connection)")
    c.wait("tsun/inv_1/status", lambda m: m.payload == b"online",
           timeout=10, what="device online")
    t = c.mark()
    new = d.inverter()
    lib.bring_up(new)
    check(_closed_by_proxy(old.sock), "the older connection is still open")
    lib.expect_reply(new, lib.data_frame(voltage=232.5), lib.data_reply(),
                     what="data reply (new connection)")
    c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == 232.5,
           timeout=10, since=t, what="values of the new connection")
    offl = [m for m in c.all("tsun/inv_1/status", since=t)
            if m.payload != b"online"]
    check(not offl, "status after the reconnect: %r" % offl)
    r = lib.retained(b.port, "tsun/inv_1/status")
    check(r is not None and r.payload == b"online",
          "retained status %r" % r)
    out = d.ctl_run("show", "inverters").stdout
    n = out.count(lib.SERIAL1)
    check(n == 1, "%d connections of %s in show inverters:\n%s"
          % (n, lib.SERIAL1, out))


@lib.timeout(60)
def test_one_serial_cannot_lock_out(build):
    """max_connections = 20 and twenty connections claiming one serial:
    they replace each other, another device still gets in."""
    b = lib.Broker()
    d = lf.FDaemon(build, b.port, max_connections=20,
                   gen3=((lib.SERIAL1, "inv_1"), (SERIAL2, "inv_2")))
    socks = []
    try:
        for i in range(20):
            inv = d.inverter()
            socks.append(inv)
            lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply(),
                             what="contact reply #%d" % i)
        other = d.inverter(SERIAL2)
        lib.expect_reply(other, lib.contact_frame(SERIAL2),
                         lib.contact_reply(SERIAL2),
                         what="contact reply of the other device")
        open_ = [s for s in socks[:-1] if not _closed_by_proxy(s.sock, 0.5)]
        check(not open_, "%d replaced connections still open" % len(open_))
    finally:
        for s in socks:
            s.close()


def test_serial_switch_gen3(build):
    """An identified GEN3 connection sends frames of another configured
    and of an unknown serial: no answer, nothing published under
    either, Unknown_SNR counts them."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lf.FDaemon(build, b.port,
                   gen3=((lib.SERIAL1, "inv_1"), (SERIAL2, "inv_2")))
    inv = d.inverter()
    lib.bring_up(inv)
    t = c.mark()
    for sn in (SERIAL2, "R170000000000099"):
        got = inv.request(lib.contact_frame(sn), timeout=1)
        check(got is None, "contact of %s answered: %s" % (sn, lib.hexs(got)
                                                            if got else ""))
        got = inv.request(lib.data_frame(serial=sn, voltage=111.0),
                          timeout=1)
        check(got is None, "data of %s answered" % sn)
    lib.expect_reply(inv, lib.data_frame(voltage=232.0), lib.data_reply(),
                     what="data reply of the own serial")
    c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == 232.0,
           timeout=10, since=t, what="own values")
    for m in c.all(since=t):
        check(m.topic.startswith("tsun/inv_1/") is False or
              b"111" not in m.payload, "published %s %r" % (m.topic,
                                                            m.payload))
        check(not m.topic.startswith("tsun/inv_2/"),
              "published %s" % m.topic)
    n = counter(d, "Unknown_SNR")
    check(n == 4, "Unknown_SNR %d, expected 4" % n)
    n = d.log().count("on the connection of %s dropped" % lib.SERIAL1)
    check(n == 1, "%d log lines about the switch, expected 1" % n)


def test_serial_switch_gen3plus(build):
    """The same for GEN3PLUS: frames of another monitor SN on an
    identified connection get no ACK and count Unknown_SNR."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = g3p.daemon(build, b.port, g3p.device_block() +
                   g3p.device_block("Y170000000000002", g3p.OTHER_SN,
                                    "inv_q"))
    lg = g3p.Logger(d.gen3plus_port)
    g3p.bring_up(lg)
    t = c.mark()
    unk = counter(d, "Unknown_SNR")
    f = g3p.with_snr(g3p.vec_bytes("data_ind_0x4210_02b0_ms2000_600"),
                     g3p.OTHER_SN)
    got = lg.request(f, g3p.CTRL_DATA_RSP, timeout=1)
    check(got is None, "data of another monitor SN answered")
    n = counter(d, "Unknown_SNR")
    check(n == unk + 1, "Unknown_SNR %d, expected %d" % (n, unk + 1))
    for m in c.all(since=t):
        check(not m.topic.startswith("tsun/inv_q/"), "published %s"
              % m.topic)
    # the own serial is still served
    got = lg.request(g3p.vec_bytes("data_ind_0x4210_02b0_ms2000_600"),
                     g3p.CTRL_DATA_RSP)
    check(got is not None, "own data not answered after the switch")


def test_gen3plus_unidentified_trickle(build):
    """A GEN3PLUS frame with a valid checksum but an unknown monitor SN,
    then one byte a second: closed at timeouts.unidentified (3 s), not
    at before_up (400 s)."""
    b = lib.Broker()
    d = g3p.daemon(build, b.port, g3p.device_block(),
                   extra="timeouts { unidentified = 3 }\n")
    s = socket.create_connection(("127.0.0.1", d.gen3plus_port), timeout=5)
    f = g3p.with_snr(g3p.vec_bytes("device_ind_0x4110_ms2000"),
                     g3p.OTHER_SN)
    t0 = time.monotonic()
    s.sendall(f)
    nxt = f
    closed = False
    k = 0
    while time.monotonic() - t0 < 10:
        try:
            s.sendall(nxt[k % len(nxt):k % len(nxt) + 1])
        except OSError:
            closed = True
            break
        k += 1
        s.settimeout(1)
        try:
            if not s.recv(4096):
                closed = True
                break
        except socket.timeout:
            pass
        except OSError:
            closed = True
            break
    dt = time.monotonic() - t0
    s.close()
    check(closed, "trickling unidentified connection open after %.1fs" % dt)
    check(dt < 6, "closed only after %.1fs (unidentified = 3)" % dt)


@lib.timeout(90)
def test_allow_all_bound(build):
    """65 unknown devices admitted by allow_all, one after another: the
    65th pushes out the one offline longest (at most 64 are kept), whose
    retained discovery topics are cleared."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("homeassistant/#",))
    d = lf.FDaemon(build, b.port, gen3=(),
                   extra="inverters { allow_all = true }\n")
    first = "R17%013d" % 1000
    for i in range(65):
        sn = "R17%013d" % (1000 + i)
        inv = d.inverter(sn)
        lib.expect_reply(inv, lib.contact_frame(sn), lib.contact_reply(sn),
                         what="contact reply of %s" % sn)
        lib.expect_reply(inv, lib.data_frame(serial=sn),
                         lib.data_reply(sn), what="data reply of %s" % sn)
        if i == 0:
            m = c.wait("homeassistant/#",
                       lambda m: first in m.topic and m.payload,
                       timeout=10, what="discovery of %s" % first)
            topic = m.topic
            log("discovery of the first device on %s" % topic)
        inv.close()
        if i == 0:
            # the first goes offline before the others
            d.wait_log(r"closed: closed by the device", 5)
    c.wait(topic, lambda m: m.payload == b"", timeout=10,
           what="discovery of %s cleared" % first)
    d.wait_log(r"device %s forgotten" % first, 5)
    r = lib.retained(b.port, topic, timeout=1)
    check(r is None or r.payload == b"", "still retained: %r" % r)


if __name__ == "__main__":
    lib.main(globals())
