"""tsun-mqttd end to end: availability, Home Assistant birth, broker
restarts, mqttd restarts (snapshot), MQTT commands."""

import os
import signal
import threading
import time

import lib
from lib_g3p import modbus_crc
from lib import check, log


def test_status_retained(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    r = lib.wait_retained(b.port, "tsun/proxy/status")
    check(r.payload == b"online", "retained tsun/proxy/status is %r"
          % r.payload)
    # the proxy's counters and discovery follow ('online' comes first)
    lib.wait_retained(b.port, "homeassistant/sensor/proxy/"
                      "inv_count_P170000000000001/config",
                      lambda m: m.json().get("stat_t") == "tsun/proxy/proxy",
                      what="retained proxy discovery")


def test_ha_birth_rediscovery(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    topic = "homeassistant/sensor/inv_1/out_volt_%s/config" % lib.SERIAL1
    c.wait(topic, timeout=10, what="first discovery")
    t = c.quiet()
    # nothing is sent again by itself (within 1 s: the test) ...
    time.sleep(1)
    check(not c.all("homeassistant/#", since=t),
          "discovery repeated without a reason")
    # ... but on Home Assistant's birth message
    t = c.mark()
    c.publish("homeassistant/status", "online")
    c.wait(topic, timeout=10, since=t, what="discovery after HA birth")
    c.wait("homeassistant/sensor/proxy/#", timeout=5, since=t,
           what="proxy discovery after HA birth")
    n = len(c.all("homeassistant/sensor/#", since=t))
    log("%d discovery messages after HA birth" % n)
    # 'offline' does not trigger anything
    t = c.quiet()
    c.publish("homeassistant/status", "offline")
    time.sleep(1)		# nothing within 1 s (the test)
    check(not c.all("homeassistant/sensor/#", since=t),
          "discovery sent on HA 'offline'")


def test_broker_restart(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(voltage=230.1), lib.data_reply())
    c.wait("tsun/inv_1/grid", lambda m: m.json()["Voltage"] == 230.1, 10,
           what="first value")
    c.close()
    off = d.log_size()
    b.stop()
    down = r"MQTT broker 127\.0\.0\.1:%d: .*retrying in" % b.port
    d.wait_log(down, 10, since=off)
    # new data while the broker is away: still answered
    lib.expect_reply(inv, lib.data_frame(voltage=237.7), lib.data_reply(),
                     what="data reply while the broker is down")
    # and it stays away through a failed reconnect
    d.wait_log(down + r" 2 s", 10, since=off)
    mq = d.workers()["mqttd"]
    c = lib.broker_back(d, b)
    t0 = time.monotonic()
    m = c.wait("tsun/inv_1/grid", lambda m: m.json()["Voltage"] == 237.7,
               40, what="the value sent while the broker was down")
    print("    value arrived %.1fs after the broker restart"
          % (time.monotonic() - t0))
    check(d.workers().get("mqttd") == mq, "mqttd was restarted")
    r = lib.retained(b.port, "tsun/proxy/status")
    check(r is not None and r.payload == b"online",
          "retained status after broker restart: %r" % r)


def test_kill_mqttd_snapshot(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    # data flows: a frame every 20 ms, each with another voltage
    stop = threading.Event()
    sent = []
    errors = []

    def flow():
        i = 0
        while not stop.is_set():
            v = 200.0 + i
            try:
                got = inv.request(lib.data_frame(voltage=v), timeout=5)
            except OSError as e:
                errors.append(e)
                return
            if got != lib.data_reply():
                errors.append("bad reply %r" % got)
                return
            sent.append(v)
            i += 1
            time.sleep(0.02)	# the frame rate
    th = threading.Thread(target=flow, daemon=True)
    th.start()
    try:
        c.wait("tsun/inv_1/grid", timeout=10, what="flowing data")
        lib.wait_until(lambda: len(sent) > 10 or errors, 5,
                       what="frames to flow")
        w0 = d.workers()
        t = c.mark()
        os.kill(w0["mqttd"], signal.SIGKILL)
        # frames go on while mqttd is away and until the new one runs
        n = len(sent)
        d.wait_workers(10, exclude=[w0["mqttd"]])
        lib.wait_until(lambda: len(sent) >= n + 5 or errors, 5,
                       what="frames sent while mqttd restarts")
    finally:
        stop.set()
        th.join(10)
    check(not errors, "data flow: %s" % errors)
    check(len(sent) > 10, "only %d frames went through" % len(sent))
    last = sent[-1]
    log("%d frames sent, last voltage %.1f" % (len(sent), last))
    w1 = d.wait_workers(10, exclude=[w0["mqttd"]])
    check(w1["proxyd"] == w0["proxyd"], "proxyd restarted")
    on = c.wait("tsun/proxy/status", lambda m: m.payload == b"online", 10,
                since=t, what="new mqttd online")
    c.wait("tsun/inv_1/grid", lambda m: m.json()["Voltage"] == last, 10,
           since=on.time, what="grid with the last voltage (%.1f)" % last)

    # again without data flowing: what arrives now can only come from
    # the snapshot proxyd sends the new mqttd
    c.quiet()
    t = c.mark()
    os.kill(w1["mqttd"], signal.SIGKILL)
    w2 = d.wait_workers(15, exclude=[w0["mqttd"], w1["mqttd"]])
    on = c.wait("tsun/proxy/status", lambda m: m.payload == b"online", 10,
                since=t, what="new mqttd online")
    m = c.wait("tsun/inv_1/grid", lambda m: m.json()["Voltage"] == last, 10,
               since=on.time, what="grid from the snapshot")
    log("after restart: %s" % m.text())
    c.wait("homeassistant/sensor/inv_1/out_volt_%s/config" % lib.SERIAL1,
           timeout=5, since=on.time, what="discovery after restart")
    c.wait("tsun/inv_1/total", timeout=5, since=on.time,
           what="total after restart")
    r = lib.retained(b.port, "tsun/inv_1/status")
    check(r is not None and r.payload == b"online",
          "device status after mqttd restart: %r" % r)
    # and new data goes through the new mqttd
    lib.expect_reply(inv, lib.data_frame(voltage=199.5), lib.data_reply())
    c.wait("tsun/inv_1/grid", lambda m: m.json()["Voltage"] == 199.5, 10,
           since=t, what="new data through the new mqttd")


def test_modbus_read_regs(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    c.wait("tsun/inv_1/grid", timeout=10, what="data on MQTT")
    c.publish("tsun/inv_1/modbus_read_regs", "0x3000, 10")
    f = inv.recv_match(lambda f: lib.talent_parse(f)[1:3] == (0x70, 0x77),
                       timeout=10)
    check(f is not None, "no MODBUS frame (ctrl 0x70, msg 0x77) reached the "
          "inverter within 10 s")
    serial, ctrl, mid, payload = lib.talent_parse(f)
    log("MODBUS frame to the inverter: %s" % lib.hexs(f))
    check(serial == lib.SERIAL1, "MODBUS frame for serial %s" % serial)
    # payload: 00 01 a3 28 | rtu length | rtu (as test_msg_build_modbus_req)
    check(payload[:4] == bytes.fromhex("0001a328"),
          "MODBUS frame prefix %s" % lib.hexs(payload[:4]))
    rtu = payload[5:]
    check(payload[4] == len(rtu), "RTU length byte %d, RTU %d bytes"
          % (payload[4], len(rtu)))
    check(rtu[:6] == bytes.fromhex("01033000000a"),
          "RTU request %s, expected 01 03 3000 000a" % lib.hexs(rtu))
    crc = modbus_crc(rtu[:6])
    check(rtu[6:] == bytes([crc & 0xff, crc >> 8]),
          "RTU CRC %s, expected %04x" % (lib.hexs(rtu[6:]), crc))


def _write_to_inverter(inv, what):
    f = inv.recv_match(lambda f: lib.talent_parse(f)[1:3] == (0x70, 0x77),
                       timeout=10)
    check(f is not None, "%s: no MODBUS frame reached the inverter" % what)
    rtu = lib.talent_parse(f)[3][5:]
    crc = modbus_crc(rtu[:6])
    check(rtu[6:] == bytes([crc & 0xff, crc >> 8]), "%s: bad CRC" % what)
    return rtu[:6]


def test_settings_writes(build):
    """rated_load and out_coeff become MODBUS writes (fc 6) with the
    spec's scaling; a retained command and garbage are ignored; a second
    write within a minute is held back (flash wear)."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    # stored by the broker before mqttd subscribes: it arrives with the
    # retain flag, as after every reconnect, and must not be executed
    c.publish("tsun/inv_1/rated_load", "600", retain=True)
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    c.wait("tsun/inv_1/grid", timeout=10, what="data on MQTT")
    d.wait_log(r"retained command ignored|tsun-mqttd: connected", timeout=5)
    c.publish("tsun/inv_1/out_coeff", "not a number")
    c.publish("tsun/inv_1/out_coeff", "50")
    rtu = _write_to_inverter(inv, "out_coeff 50")
    log("out_coeff 50 -> %s" % lib.hexs(rtu))
    # round(50 * 1024 / 100) = 512 = 0x0200 into register 0x202c
    check(rtu == bytes.fromhex("0106202c0200"),
          "out_coeff 50: RTU %s, expected 01 06 202c 0200" % lib.hexs(rtu))
    # nothing else came: the retained rated_load and the garbage were dropped
    extra = inv.recv_match(lambda f: lib.talent_parse(f)[1:3] ==
                           (0x70, 0x77), timeout=2)
    check(extra is None, "an ignored command reached the inverter: %s"
          % (lib.hexs(extra) if extra else ""))
    d.wait_log(r'tsun/inv_1/out_coeff: bad payload "not a number"',
               timeout=5)


if __name__ == "__main__":
    lib.main(globals())
