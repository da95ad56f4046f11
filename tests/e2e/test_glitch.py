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
from lib import check, log

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


if __name__ == "__main__":
    lib.main(globals())
