"""GEN3PLUS (Solarman V5) end to end: island mode answers, values and
Home Assistant discovery on MQTT, cloud forwarding with re-sequenced
frames, AT commands from MQTT with the ACL, client mode with polling and
reconnect."""

import struct
import time

import lib
import lib_g3p as g
from lib import check, log, hexs

SNR = g.MONITOR_SN
SNRS = str(SNR)


# ----------------------------------------------------------------------
# island mode (solarman.enabled = false)

def test_island_acks_and_mqtt(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = g.daemon(build, b.port, g.device_block(
        node_id="inv_p", body='modbus_polling = false '
        'suggested_area = "roof" sensor_list = 688'))
    lg = g.Logger(d.gen3plus_port)
    t = c.mark()
    g.bring_up(lg)

    # the values of the two frames, under tsun/inv_p/<group>
    m = c.wait("tsun/inv_p/grid", timeout=10, since=t, what="grid values")
    log("grid: %s" % m.text())
    gr = m.json()
    check((gr.get("Voltage"), gr.get("Current"), gr.get("Frequency"),
           gr.get("Output_Power")) == (224.8, 0.73, 50.05, 165.8),
          "grid JSON %s, expected 224.8 V, 0.73 A, 50.05 Hz, 165.8 W"
          % m.text())
    # data time stamp = logger clock + time offset of the frame (§6.2)
    check(gr.get("Timestamp") == 841271484 + 870598560,
          "grid Timestamp %r, expected %d" % (gr.get("Timestamp"),
                                              841271484 + 870598560))
    m = c.wait("tsun/inv_p/input", timeout=5, since=t, what="input values")
    pv1 = m.json().get("pv1", {})
    check(pv1.get("Voltage") == 35.3 and pv1.get("Power") == 59.6 and
          pv1.get("Total_Generation") == 30.76,
          "input JSON %s" % m.text())
    m = c.wait("tsun/inv_p/total", timeout=5, since=t, what="total values")
    check(m.json().get("Total_Generation") == 101.36,
          "total JSON %s" % m.text())
    m = c.wait("tsun/inv_p/inverter",
               lambda m: "Max_Designed_Power" in m.json(), timeout=5,
               since=t, what="inverter values of the data indication")
    inv = m.json()
    log("inverter: %s" % m.text())
    check(inv.get("Equipment_Model") == "TSOL-MS2000(600)" and
          inv.get("Max_Designed_Power") == 2000 and
          inv.get("Rated_Power") == 600,
          "inverter JSON %s" % m.text())
    # the device indication (0x4110)
    m = c.wait("tsun/inv_p/controller",
               lambda m: "WiFi_SSID" in m.json(), timeout=5, since=t,
               what="controller values")
    ctl = m.json()
    check(ctl.get("WiFi_SSID") == "Allius-Home" and
          ctl.get("IP_Address") == "192.168.80.49" and
          ctl.get("Sensor_List") == "02b0" and
          ctl.get("Heartbeat_Interval") == 120,
          "controller JSON %s" % m.text())
    m = c.wait("tsun/inv_p/collector",
               lambda m: "Chip_Model" in m.json(), timeout=5, since=t,
               what="collector values")
    col = m.json()
    check(col.get("Chip_Model") == "LSW5BLE_17_02B0_1.05" and
          col.get("Collector_Fw_Version") == "V1.1.00.0B" and
          col.get("MAC-Addr") == "40:2a:8f:4f:51:54",
          "collector JSON %s" % m.text())

    # Home Assistant discovery: unique ids from the monitor SN
    topic = "homeassistant/sensor/inv_p/out_volt_%s/config" % SNRS
    # sent again when the inverter group changes: the last has the model
    dm = c.wait(topic, lambda m: m.json().get("dev", {}).get("mdl") ==
                "TSOL-MS2000(600)", timeout=5,
                what="discovery of the grid voltage with the model")
    cfg = dm.json()
    log("discovery: %s" % dm.text()[:400])
    check(cfg.get("uniq_id") == "out_volt_" + SNRS,
          "uniq_id %r" % cfg.get("uniq_id"))
    check(cfg.get("stat_t") == "tsun/inv_p/grid", "stat_t %r"
          % cfg.get("stat_t"))
    dev = cfg.get("dev", {})
    check(dev.get("ids") == ["inverter_" + SNRS] and
          dev.get("via_device") == "controller_" + SNRS,
          "device block %s" % dev)
    check(dev.get("mdl") == "TSOL-MS2000(600)", "device model %r"
          % dev.get("mdl"))
    check(dev.get("name") == "Micro Inverter - roof", "device name %r"
          % dev.get("name"))
    # the controller device: sn is the monitor SN as a JSON number
    topic = "homeassistant/sensor/inv_p/signal_%s/config" % SNRS
    dm = c.wait(topic, timeout=5, what="discovery of the signal strength")
    cdev = dm.json().get("dev", {})
    check(cdev.get("ids") == ["controller_" + SNRS] and
          cdev.get("sn") == SNR and cdev.get("mdl") == "LSW5BLE_17_02B0_1.05",
          "controller device block %s" % cdev)
    c.wait("homeassistant/sensor/inv_p/power_pv1_%s/config" % SNRS,
           timeout=5, what="discovery of pv1 power")
    # every device entity of this logger has a monitor-SN unique id
    disc = [m for m in c.all("homeassistant/sensor/inv_p/+/config")
            if m.payload not in (b"", b"{}")]
    bad = [m.topic for m in disc
           if not m.json().get("uniq_id", "").endswith("_" + SNRS) or
           not m.topic.endswith("_%s/config" % SNRS)]
    log("%d discovery messages for inv_p" % len(disc))
    check(len(disc) >= 20 and not bad,
          "%d discovery messages, without the monitor SN: %s"
          % (len(disc), bad[:5]))
    r = lib.retained(b.port, "tsun/inv_p/status")
    check(r is not None and r.payload == b"online",
          "retained tsun/inv_p/status: %r" % r)
    # island: no cloud link at all
    r = d.ctl_run("show", "inverters")
    log(r.stdout.strip())
    row = [x for x in r.stdout.splitlines() if x.startswith(g.SERIAL)]
    check(len(row) == 1 and " disabled " in row[0],
          "cloud link not shown as disabled: %s" % r.stdout)

    # heartbeat and sync start: ACKs from the proxy too
    t0 = time.time()
    got = lg.request(g.vec_bytes("heartbeat_ind_0x4710"), g.CTRL_HB_RSP)
    g.check_ack(got, g.vec_bytes("heartbeat_ind_0x4710", "reply"), t0,
                time.time(), "0x1710 ACK of the heartbeat")
    t0 = time.time()
    got = lg.request(g.vec_bytes("sync_start_ind_0x4310"), 0x1310)
    g.check_ack(got, g.vec_bytes("sync_start_ind_0x4310", "reply"), t0,
                time.time(), "0x1310 ACK of the sync start")
    extra = lg.recv(timeout=0.5)
    check(extra is None, "unexpected frame to the logger: %s"
          % (extra and hexs(extra)))

    # a logger with an unknown monitor SN gets nothing (§7)
    other = g.Logger(d.gen3plus_port)
    other.send(g.with_snr(g.vec_bytes("device_ind_0x4110_ms2000"),
                          g.OTHER_SN))
    f = other.recv(timeout=1.5)
    check(f is None, "unknown monitor SN was answered: %s" % (f and hexs(f)))

    t = c.mark()
    lg.close()
    c.wait("tsun/inv_p/status", lambda m: m.payload == b"offline",
           timeout=10, since=t, what="device offline")


# ----------------------------------------------------------------------
# cloud forwarding

def test_cloud_forward(build):
    cloud = lib.FakeCloud("record")
    try:
        b = lib.Broker()
        d = g.daemon(build, b.port, g.device_block(
            node_id="inv_p", body="modbus_polling = false"),
            cloud_port=cloud.port)
        lg = g.Logger(d.gen3plus_port)
        g.bring_up(lg)
        sent = [g.vec_bytes("device_ind_0x4110_ms2000"),
                g.vec_bytes("data_ind_0x4210_02b0_ms2000_600")]

        def cloud_frames(n, what):
            def enough():
                fr, rest = g.split(cloud.received())
                return fr if len(fr) >= n or rest[:1] not in (b"", b"\xa5") \
                    else None
            return lib.wait_until(enough, 10, what=what)

        fr = cloud_frames(2, "2 frames at the cloud")
        log("cloud got: %s" % [hexs(f[:11]) for f in fr])
        check(cloud.accepted == 1, "cloud saw %d connections" % cloud.accepted)
        # the vector of the header rewrite on a fresh cloud link (§5.3)
        exp = g.split(g.vec_bytes("forward_header_update_fresh_cloud_link"))[0]
        check(fr[:2] == exp, "cloud frames %s, expected %s"
              % ([hexs(f) for f in fr[:2]], [hexs(f) for f in exp]))
        for f in fr:
            check(g.valid(f), "frame to the cloud with a bad checksum: %s"
                  % hexs(f))
        # both differ from what the logger sent only in the sequence bytes
        # and the checksum
        check(fr[1] != sent[1] and fr[1][:5] == sent[1][:5] and
              fr[1][7:-2] == sent[1][7:-2],
              "data indication not re-sequenced: %s" % hexs(fr[1][:11]))

        # sync start from the logger: ACKed, forwarded as 00 03
        lg.request(g.vec_bytes("sync_start_ind_0x4310"), 0x1310)
        fr = cloud_frames(3, "the sync start at the cloud")
        check(len(fr) == 3 and
              fr[2] == g.restamp(g.vec_bytes("sync_start_ind_0x4310"), 0, 3),
              "third cloud frame %s, expected the sync start with seq 00 03"
              % (hexs(fr[2]) if len(fr) > 2 else None))

        # the cloud answers with its own counter 07 (and echoes 01): the
        # next forwarded frame carries 07 02 (§5.2); the cloud answer is not
        # passed to the logger (§8)
        ack = g.build(g.CTRL_DEV_RSP, bytes.fromhex("02010d3018663c000000"),
                      seq=(7, 1))
        cloud.send_all(ack)
        time.sleep(1.0)		# no other sign that the proxy read it
        t0 = time.time()
        got = lg.request(g.vec_bytes("heartbeat_ind_0x4710"), g.CTRL_HB_RSP)
        g.check_ack(got, g.vec_bytes("heartbeat_ind_0x4710", "reply"), t0,
                    time.time(), "heartbeat ACK with the cloud enabled")
        extra = lg.recv(timeout=0.5)
        check(extra is None, "cloud answer passed to the logger: %s"
              % (extra and hexs(extra)))
        fr = cloud_frames(4, "the heartbeat at the cloud")
        exp = g.restamp(g.vec_bytes("heartbeat_ind_0x4710"), 7, 2)
        check(len(fr) == 4 and fr[3] == exp,
              "fourth cloud frame %s, expected %s"
              % (hexs(fr[3]) if len(fr) > 3 else None, hexs(exp)))
        seqs = ["%02x %02x" % (f[5], f[6]) for f in fr]
        log("cloud sequence bytes: %s" % seqs)
        for f in fr:
            check(g.valid(f), "frame to the cloud with a bad checksum: %s"
                  % hexs(f))
        r = d.ctl_run("show", "inverters")
        log(r.stdout.strip())
    finally:
        cloud.close()


# ----------------------------------------------------------------------
# AT commands from MQTT

AT_ACL = 'at_acl { mqtt { allow = {"AT+"} block = {"AT+WEBU"} } }\n'


def test_at_command_mqtt(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = g.daemon(build, b.port, g.device_block(
        node_id="inv_p", body="modbus_polling = false"), extra=AT_ACL)
    lg = g.Logger(d.gen3plus_port)
    t = c.mark()
    g.bring_up(lg)
    # mqttd is connected (and subscribed) once the values arrive
    c.wait("tsun/inv_p/grid", timeout=10, since=t, what="grid values")

    # allowed: the exact frame of the vector (seq 03 02 after the two
    # ACKs), the answer goes to at_resp
    v = g.vec("at_cmd_from_mqtt_0x4510")
    c.publish("tsun/inv_p/at_cmd", "AT+TIME=214028,1,60,120")
    f = lg.recv_match(lambda f: g.parse(f).ctrl == g.CTRL_CMD_REQ, 10)
    check(f is not None, "no 0x4510 frame reached the logger within 10 s")
    log("AT frame: %s" % hexs(f))
    check(f == lib.unhex(v["hex"]), "AT frame %s, expected %s"
          % (hexs(f), v["hex"]))
    t = c.mark()
    lg.send(g.vec_bytes("at_rsp_to_mqtt_0x1510"))
    m = c.wait("tsun/inv_p/at_resp", timeout=10, since=t,
               what="the AT answer")
    check(m.payload == b"+ok", "at_resp %r, expected '+ok'" % m.payload)
    # the answer is not ACKed or echoed
    extra = lg.recv(timeout=0.5)
    check(extra is None, "unexpected frame to the logger: %s"
          % (extra and hexs(extra)))

    # blocked by at_acl.mqtt.block: nothing reaches the logger
    t = c.mark()
    c.publish("tsun/inv_p/at_cmd", "AT+WEBU=admin,admin")
    m = c.wait("tsun/inv_p/at_resp", timeout=10, since=t,
               what="the 'forbidden' answer")
    log("at_resp: %s" % m.text())
    check(m.payload == b"'AT+WEBU=admin,admin' is forbidden",
          "at_resp %r" % m.payload)
    f = lg.recv(timeout=1.5)
    check(f is None, "a frame reached the logger after a blocked "
          "command: %s" % (f and hexs(f)))
    # not allowed at all (no AT+ prefix): also forbidden
    t = c.mark()
    c.publish("tsun/inv_p/at_cmd", "ATZ")
    m = c.wait("tsun/inv_p/at_resp", timeout=10, since=t,
               what="the 'forbidden' answer to ATZ")
    check(m.payload == b"'ATZ' is forbidden", "at_resp %r" % m.payload)

    # the next allowed command is the next frame, and no sequence number
    # was used by the blocked ones: 04 03 after the answer with 03 03
    c.publish("tsun/inv_p/at_cmd", "  AT+Z \n")
    f = lg.recv(timeout=10)
    check(f is not None, "no frame for the allowed AT+Z")
    exp = g.build(g.CTRL_CMD_REQ, b"\x01\x02\x00" + bytes(12) + b"AT+Z\r",
                  seq=(4, 3))
    check(f == exp, "AT+Z frame %s, expected %s" % (hexs(f), hexs(exp)))


# ----------------------------------------------------------------------
# client mode

def _rtu_regs(rtu):
    """register -> value of the vector's 0x3000 block answer"""
    n = rtu[2] // 2
    return {0x3000 + i: struct.unpack(">H", rtu[3 + 2 * i:5 + 2 * i])[0]
            for i in range(n)}


def _rtu_set(rtu, changes):
    body = bytearray(rtu[:-2])
    for reg, val in changes.items():
        o = 3 + 2 * (reg - 0x3000)
        body[o:o + 2] = struct.pack(">H", val)
    return g.rtu_with_crc(body)


@lib.timeout(90)
def test_client_mode(build):
    port = lib.free_port()
    dev = g.FakeDevice(port)
    try:
        b = lib.Broker()
        c = lib.MQTTClient(b.port)
        d = g.daemon(build, b.port, g.device_block(
            node_id="inv_c", body='sensor_list = 688 client_mode { '
            'host = "127.0.0.1" port = %d }' % port))
        poll = g.vec_bytes("client_mode_start_poll")
        # the vector's answer to the 0x3000 block (with a 0xff before the
        # RTU, issue #645)
        rsp = g.vec_bytes("modbus_rsp_leading_0xff")
        rtu = bytes.fromhex(g.vec("modbus_rsp_leading_0xff")["derived"]
                            ["rtu"])
        check(g.modbus_crc(rtu) == 0 and rtu[:3] == b"\x01\x03\x60",
              "vector RTU answer is not a 48-register read answer")
        regs = _rtu_regs(rtu)

        # 1st connection: the proxy connects and polls at once (§14)
        peer = dev.accept(15)
        t = c.mark()
        f = peer.recv(timeout=10)
        check(f is not None, "no poll from the proxy")
        log("first poll: %s" % hexs(f))
        check(f == poll, "first poll %s, expected %s" % (hexs(f), hexs(poll)))
        p = g.parse(f)
        check(p.payload[15:] == bytes.fromhex("010330000030") +
              bytes.fromhex("4ade"), "RTU request %s" % hexs(p.payload[15:]))
        peer.send(rsp)
        m = c.wait("tsun/inv_c/grid", timeout=10, since=t,
                   what="grid values from the poll answer")
        log("grid: %s" % m.text())
        gr = m.json()
        check(gr.get("Voltage") == regs[0x3009] / 10 and
              gr.get("Frequency") == regs[0x300b] / 100 and
              gr.get("Output_Power") == regs[0x300f] / 10,
              "grid JSON %s, expected %.1f V %.2f Hz %.1f W"
              % (m.text(), regs[0x3009] / 10, regs[0x300b] / 100,
                 regs[0x300f] / 10))
        # (mqttd may have published it before t)
        c.wait("tsun/inv_c/status", lambda m: m.payload == b"online",
               timeout=5, what="device online")
        m = c.wait("tsun/inv_c/controller",
                   lambda m: "IP_Address" in m.json(), timeout=5,
                   what="controller values")
        check(m.json().get("IP_Address") == "127.0.0.1" and
              m.json().get("Polling_Interval") == 30,
              "controller JSON %s" % m.text())
        # the device also sends a data indication in this link: handled
        # as in server mode (ACK, decoded): now the proxy knows the
        # device's Max_Designed_Power (2000)
        t0 = time.time()
        got = peer.request(g.vec_bytes("data_ind_0x4210_02b0_ms2000_600"),
                           g.CTRL_DATA_RSP)
        # (seq 02 02 as in the vector: the answer before had 03 03)
        g.check_ack(got, g.vec_bytes("data_ind_0x4210_02b0_ms2000_600",
                                     "reply"), t0, time.time(),
                    "0x1210 ACK in client mode")
        m = c.wait("tsun/inv_c/inverter",
                   lambda m: m.json().get("Equipment_Model") ==
                   "TSOL-MS2000(600)", timeout=10, since=t,
                   what="model TSOL-MS2000(600)")
        disc1 = {m.topic for m in c.all("homeassistant/sensor/inv_c/+/config")}
        check(disc1 and all(x.endswith("_%s/config" % SNRS) for x in disc1),
              "discovery topics %s" % sorted(disc1)[:5])

        # stop the device: the proxy sees the connection close
        t = c.mark()
        dev.close()
        off = c.wait("tsun/inv_c/status", lambda m: m.payload == b"offline",
                     timeout=10, since=t, what="device offline")
        t_off = off.time
        t_down = time.monotonic()
        # ... and start it again on the same port: the proxy comes back
        # (retry every 10 s)
        dev = g.FakeDevice(port)
        peer = dev.accept(25)
        log("reconnected after %.1fs" % (time.monotonic() - t_down))
        f = peer.recv(timeout=10)
        check(f is not None, "no poll after the reconnect")
        log("poll after reconnect: %s" % hexs(f))
        check(f == poll, "poll after reconnect %s, expected %s (a fresh "
              "link starts again at 01 00)" % (hexs(f), hexs(poll)))
        # another grid voltage and rated power 800
        rtu2 = _rtu_set(rtu, {0x3009: 2301, 0x300e: 800})
        t = c.mark()
        peer.send(g.modbus_rsp_frame(rtu2, seq=(1, 1)))
        m = c.wait("tsun/inv_c/grid",
                   lambda m: m.json().get("Voltage") == 230.1,
                   timeout=10, since=t, what="grid voltage 230.1")
        c.wait("tsun/inv_c/status", lambda m: m.payload == b"online",
               timeout=5, since=t_off, what="device online again")
        # the values of the first connection are kept: the model needs the
        # Max_Designed_Power that only the first connection's data
        # indication carried
        m = c.wait("tsun/inv_c/inverter",
                   lambda m: m.json().get("Rated_Power") == 800, timeout=10,
                   since=t, what="inverter values after the reconnect")
        log("inverter after reconnect: %s" % m.text())
        check(m.json().get("Equipment_Model") == "TSOL-MS2000(800)",
              "inverter JSON after reconnect %s, expected "
              "TSOL-MS2000(800) (Max_Designed_Power 2000 from before)"
              % m.text())
        # and the model known from before was never replaced by the
        # default of a new device meanwhile
        models = [x.json().get("Equipment_Model")
                  for x in c.all("tsun/inv_c/inverter", since=t_off)]
        log("models published after the reconnect: %s" % models)
        check("TSOL-MSxx00" not in models,
              "after the reconnect the model went back to the default "
              "TSOL-MSxx00: %s" % models)
        # the same device: same discovery topics, one device in the proxy
        disc = {m.topic for m in c.all("homeassistant/sensor/#")
                if "/proxy/" not in m.topic}
        check(all(x.endswith("_%s/config" % SNRS) and "/inv_c/" in x
                  for x in disc),
              "discovery of another device: %s"
              % sorted(x for x in disc if SNRS not in x)[:5])
        r = d.ctl_run("show", "inverters")
        log(r.stdout.strip())
        check(r.stdout.count(g.SERIAL) == 1,
              "show inverters lists %s %d times: %s"
              % (g.SERIAL, r.stdout.count(g.SERIAL), r.stdout))
    finally:
        dev.close()


if __name__ == "__main__":
    lib.main(globals())
