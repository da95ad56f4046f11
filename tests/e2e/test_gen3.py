"""GEN3 (Talent) inverters end to end: island mode answers, values on
MQTT, Home Assistant discovery, cloud forwarding, a broken cloud."""

import re
import struct
import time

import lib
from lib import check, log, unhex, vec, hexs


def _get_time_check(inv):
    """Send get-time (msg 0x22), check the answer: header as in the
    vector, the time is the local time now (as the inverter reads it)."""
    v = vec("test_msg_get_time_autark")
    exp = unhex(v["expect"]["reply_hex"])
    before = lib.local_now_ms()
    got = inv.request(unhex(v["hex"]), timeout=5)
    after = lib.local_now_ms()
    check(got is not None, "no reply to get-time")
    check(len(got) == len(exp) and got[:-8] == exp[:-8],
          "get-time reply %s, expected header %s + 8 bytes time"
          % (hexs(got), hexs(exp[:-8])))
    ms = struct.unpack("!q", got[-8:])[0]
    check(before - 2000 <= ms <= after + 2000,
          "get-time answers %d ms, local time is %d..%d" % (ms, before, after))


def test_island_replies(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    # contact info: the exact answer from the vector
    v = vec("test_conttact_req")
    lib.expect_reply(inv, unhex(v["hex"]), unhex(v["expect"]["reply_hex"]),
                     what="contact-info reply")
    _get_time_check(inv)
    # heartbeat (0x99)
    v = vec("test_msg_act_time_autark")
    lib.expect_reply(inv, unhex(v["hex"]), unhex(v["expect"]["reply_hex"]),
                     what="heartbeat reply")
    # controller data (0x71) and inverter data (0x04)
    v = vec("test_msg_cntrl_ind")
    lib.expect_reply(inv, unhex(v["hex"]), unhex(v["expect"]["reply_hex"]),
                     what="controller-data reply")
    v = vec("test_msg_inv_ind1")
    lib.expect_reply(inv, lib.data_frame(), unhex(v["expect"]["reply_hex"]),
                     what="inverter-data reply")
    # an unknown serial gets no answer
    other = d.inverter("R170000000000009")
    other.send(lib.contact_frame("R170000000000009"))
    check(other.recv(timeout=1.5) is None, "unknown serial was answered")


def test_island_mqtt(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    t = c.mark()
    lib.expect_reply(inv, lib.data_frame(voltage=231.5), lib.data_reply(),
                     what="data reply")
    m = c.wait("tsun/inv_1/grid", timeout=10, since=t, what="grid values")
    log("grid: %s" % m.text())
    g = m.json()
    check(g.get("Voltage") == 231.5, "grid Voltage %r, expected 231.5"
          % g.get("Voltage"))
    # the other values of the vector frame (test_msg_inv_ind1)
    check(g.get("Frequency") == 50.02 and g.get("Output_Power") == 105.7,
          "grid JSON %s" % g)
    check(abs(g.get("Timestamp", 0) - time.time()) < 120,
          "grid Timestamp %r is not now" % g.get("Timestamp"))
    tot = c.wait("tsun/inv_1/total", timeout=5, since=t, what="total")
    log("total: %s" % tot.text())
    check("Total_Generation" in tot.json(), "total JSON %s" % tot.text())
    inp = c.wait("tsun/inv_1/input", timeout=5, since=t, what="input")
    check("pv1" in inp.json(), "input JSON %s" % inp.text())

    # discovery of the grid voltage entity, retained
    topic = "homeassistant/sensor/inv_1/out_volt_%s/config" % lib.SERIAL1
    dm = c.wait(topic, timeout=5, what="discovery")
    cfg = dm.json()
    log("discovery: %s" % dm.text()[:300])
    check(cfg.get("stat_t") == "tsun/inv_1/grid",
          "discovery stat_t %r" % cfg.get("stat_t"))
    check(cfg.get("uniq_id") == "out_volt_%s" % lib.SERIAL1,
          "discovery uniq_id %r" % cfg.get("uniq_id"))
    check("Voltage" in cfg.get("val_tpl", ""), "val_tpl %r"
          % cfg.get("val_tpl"))
    r = lib.retained(b.port, topic)
    check(r is not None and r.json() == cfg,
          "discovery on %s not retained: %r" % (topic, r))
    r = lib.retained(b.port, "tsun/inv_1/status")
    check(r is not None and r.payload == b"online",
          "retained tsun/inv_1/status: %r" % r)

    # the device goes offline when its connection closes
    t = c.mark()
    inv.close()
    c.wait("tsun/inv_1/status", lambda m: m.payload == b"offline",
           timeout=10, since=t, what="device offline")


def _cloud_daemon(build, cloud_port):
    b = lib.Broker()
    d = lib.Daemon(build, b.port, tsun_enabled=True, tsun_port=cloud_port)
    return b, d


def test_cloud_forward(build):
    cloud = lib.FakeCloud("record")
    try:
        b, d = _cloud_daemon(build, cloud.port)
        inv = d.inverter()
        # contact info: answered by us, not forwarded as such
        lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply(),
                         what="contact reply")
        sent = []
        for name in ("test_msg_act_time", "test_msg_get_time",
                     "test_msg_cntrl_ind", "test_msg_inv_ind"):
            v = vec(name)
            frame = unhex(v["hex"])
            if name == "test_msg_get_time":
                got = inv.request(frame, timeout=5)
                check(got is not None and
                      got[:-8] == unhex(v["expect"]["reply_hex"])[:-8],
                      "%s: reply %s" % (name, got and hexs(got)))
            else:
                lib.expect_reply(inv, frame, unhex(v["expect"]["reply_hex"]),
                                 what="%s reply" % name)
            fwd = v["expect"].get("forward_hex")
            check(fwd, "vector %s has no forward_hex" % name)
            sent.append((name, unhex(fwd)))
        for name, fwd in sent:
            cloud.wait_frame(lambda f: f == fwd, timeout=10,
                             what="forwarded %s" % name)
        frames = cloud.frames()
        log("cloud got %d frames: %s" % (len(frames),
                                         [hexs(f[21:23]) for f in frames]))
        # in the order sent
        idx = [frames.index(fwd) for _, fwd in sent]
        check(idx == sorted(idx), "forwarded out of order: %s" % idx)
        check(cloud.accepted == 1, "cloud saw %d connections, expected 1"
              % cloud.accepted)
        # the cloud gets one contact info, built by the proxy when the
        # cloud link came up, before anything else
        contacts = [f for f in frames if lib.talent_parse(f)[1:3] == (0x91, 0)]
        check(len(contacts) == 1 and frames[0] == contacts[0],
              "expected one contact info first, got %s"
              % [hexs(f) for f in contacts])
        check(lib.talent_parse(contacts[0])[0] == lib.SERIAL1,
              "contact info with serial %s" % lib.talent_parse(contacts[0])[0])
        # the cloud's answers are not passed to the inverter (we answered)
        cloud.send_all(unhex(vec("test_msg_inv_ack")["hex"]))
        lib.expect_reply(inv, lib.data_frame(), lib.data_reply(),
                         what="data reply after cloud ack")
        extra = inv.recv(timeout=0.5)
        check(extra is None, "unexpected frame to the inverter: %s"
              % (extra and hexs(extra)))
        r = d.ctl_run("show", "inverters")
        log(r.stdout.strip())
        check("up" in r.stdout.split(lib.SERIAL1, 1)[-1],
              "cloud link not shown as up: %s" % r.stdout)
    finally:
        cloud.close()


def _latency_run(inv, n=20):
    """Exchange frames; return the worst answer latency."""
    worst = 0.0
    lib.bring_up(inv)
    for i in range(n):
        dt = lib.expect_reply(inv, lib.data_frame(voltage=220.0 + i),
                              lib.data_reply(), timeout=5,
                              what="data reply %d" % i)
        worst = max(worst, dt)
    v = vec("test_msg_act_time")
    dt = lib.expect_reply(inv, unhex(v["hex"]), unhex(v["expect"]
                                                      ["reply_hex"]),
                          what="heartbeat reply")
    return max(worst, dt)


def test_cloud_closed_port(build):
    port = lib.free_port()		# nothing listens there
    b, d = _cloud_daemon(build, port)
    c = lib.MQTTClient(b.port, subscribe=("tsun/inv_1/grid",))
    inv = d.inverter()
    t0 = time.monotonic()
    worst = _latency_run(inv)
    print("    cloud on a closed port: worst answer latency %.3fs, "
          "22 exchanges in %.2fs" % (worst, time.monotonic() - t0))
    check(worst < 2, "answer latency %.2fs with the cloud port closed"
          % worst)
    # and the data still reach MQTT
    c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == 239.0,
           timeout=10, what="last grid value")


def test_cloud_deaf(build):
    cloud = lib.FakeCloud("deaf")
    try:
        b, d = _cloud_daemon(build, cloud.port)
        inv = d.inverter()
        t0 = time.monotonic()
        worst = 0.0
        lib.bring_up(inv)
        # big frames to fill the socket buffers and the proxy's backlog
        # towards the cloud (about 9 MB)
        big = lib.data_frame("test_msg_inv_ind4")
        n = 0
        for n in range(1, 4001):
            dt = lib.expect_reply(inv, big, lib.data_reply(), timeout=5,
                                  what="data reply %d" % n)
            worst = max(worst, dt)
        worst = max(worst, _latency_run(inv, 5))
        print("    cloud that never reads: worst answer latency %.3fs, "
              "%d bytes sent in %.2fs" % (worst, n * len(big),
                                           time.monotonic() - t0))
        check(cloud.accepted >= 1, "the proxy never connected to the cloud")
        check(worst < 2, "answer latency %.2fs with a deaf cloud" % worst)
        r = d.ctl_run("show", "counters")
        dropped = re.search(r"Cloud_Frames_Dropped\s+(\d+)", r.stdout)
        log("Cloud_Frames_Dropped: %s" % (dropped and dropped.group(1)))
        check(dropped and int(dropped.group(1)) > 0,
              "9 MB to a deaf cloud and no frame dropped: is the backlog "
              "bounded? %s" % r.stdout)
    finally:
        cloud.close()


def test_cloud_blackhole(build):
    cloud = lib.FakeCloud("blackhole")
    try:
        b, d = _cloud_daemon(build, cloud.port)
        inv = d.inverter()
        t0 = time.monotonic()
        worst = _latency_run(inv)
        print("    cloud connect that never completes: worst answer latency "
              "%.3fs, 22 exchanges in %.2fs" % (worst,
                                                time.monotonic() - t0))
        check(worst < 2, "answer latency %.2fs while the cloud connect "
              "hangs" % worst)
        # "resolving" comes first: the name goes to tsun-cfgd's resolver

        def connecting():
            out = d.ctl_run("show", "inverters").stdout
            return out if "connecting" in out.split(lib.SERIAL1, 1)[-1] \
                else None
        out = lib.wait_until(connecting, 10, interval=0.2,
                             what="the cloud link shown as connecting")
        log(out.strip())
    finally:
        cloud.close()


def test_cloud_name_resolved_once(build):
    """Ten inverters open their cloud links at once: tsun-cfgd resolves
    the cloud's name once, not once per link (answers are shared)."""
    cloud = lib.FakeCloud("record")
    serials = ["R17000000000%04d" % i for i in range(1, 11)]
    try:
        b = lib.Broker()
        d = lib.Daemon(build, b.port, tsun_enabled=True,
                       tsun_host="localhost", tsun_port=cloud.port,
                       inverters=[(s, "inv_%d" % i)
                                  for i, s in enumerate(serials)])
        invs = [d.inverter(serial=s) for s in serials]
        for inv, s in zip(invs, serials):
            lib.expect_reply(inv, lib.contact_frame(s), lib.contact_reply(s))
            inv.send(lib.data_frame(serial=s))
        lib.wait_until(lambda: cloud.accepted >= len(serials),
                       10, what="a cloud link per inverter")
        n = len(re.findall(r"resolving localhost\b", d.log()))
        log("cloud links %d, name resolutions %d"
            % (cloud.accepted, n))
        check(n == 1, "the cloud name was resolved %d times" % n)
        for inv in invs:
            inv.close()
    finally:
        cloud.close()


if __name__ == "__main__":
    lib.main(globals())
