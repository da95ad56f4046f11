"""The inverter settings as Home Assistant number entities (issue 12):
their discovery, a setting made through the command topic as the
register write the test inverter receives, the state following what the
inverter answers, the one-write-per-minute limit that keeps the last
request, and an out-of-range request that never reaches the inverter.

Needs a test build (TEST_HOOKS=1: the minute of the write limit is 4 s
there); it is made here in build-hooks/."""

import struct
import time

import lib
import lib_g3p as g
import lib_ha
from lib import check, log, hexs, hooks_build

INTERVAL = 4            # WRITE_INTERVAL of the test build
G3 = lib.SERIAL1
MS = (g.SERIAL, g.MONITOR_SN)
DC = ("4101240701490314", 2070233888)



def devices():
    return ('inverter "%s" { node_id = "inv_g3" modbus_polling = false }\n'
            % G3 +
            g.device_block(MS[0], MS[1], "inv_ms", "modbus_polling = false") +
            'battery "%s" { monitor_sn = %d node_id = "bat_1" '
            'modbus_polling = false }\n' % DC)


def start(c, b):
    d = g.daemon(hooks_build(), b.port, devices())
    inv = d.inverter()
    lib.bring_up(inv)
    check(inv.request(lib.data_frame("test_msg_inv_ind1")) is not None,
          "no answer to the GEN3 data")
    lg = g.Logger(d.gen3plus_port)
    g.bring_up(lg)
    bat = g.Logger(d.gen3plus_port)
    check(bat.request(g.vec_bytes("dcu_dev_ind_0x4110_3026"),
                      g.CTRL_DEV_RSP) is not None, "no ACK of the DC1000")
    check(bat.request(g.vec_bytes("dcu_data_ind_0x4210_3026"),
                      g.CTRL_DATA_RSP) is not None, "no ACK of the DC1000")
    for nid, grp in (("inv_g3", "grid"), ("inv_ms", "inverter"),
                     ("bat_1", "batterie")):
        c.wait("tsun/%s/%s" % (nid, grp), timeout=10,
               what="%s of %s" % (grp, nid))
    for t in ("homeassistant/number/inv_g3/out_coeff_%s/config" % G3,
              "homeassistant/number/inv_ms/out_coeff_%d/config" % MS[1],
              "homeassistant/number/bat_1/dcu_power_%d/config" % DC[1]):
        c.wait(t, timeout=10, what="discovery " + t)
    return d, inv, lg, bat


def modbus_req(lg, timeout=10):
    """The next MODBUS request (0x4510 ftype 2) to the logger: (frame,
    RTU without CRC)."""
    f = lg.recv_match(lambda f: g.parse(f).ctrl == g.CTRL_CMD_REQ and
                      g.parse(f).payload[0] == 2, timeout)
    if f is None:
        return None, None
    rtu = g.parse(f).payload[15:]
    check(len(rtu) == 8 and g.modbus_crc(rtu) == 0,
          "MODBUS request %s with a bad CRC" % hexs(rtu))
    return f, rtu[:6]


def answer(lg, f, body):
    p = g.parse(f)
    lg.send(g.modbus_rsp_frame(g.rtu_with_crc(body), seq=(p.seq5, p.seq6)))


def write_and_read_back(lg, reg, value, held=None, timeout=10):
    """Expect the write of value to reg, echo it, expect the read-back of
    reg and answer it with held (the inverter keeps the old value when
    held is given)."""
    f, rtu = modbus_req(lg, timeout)
    check(rtu is not None, "no write of %#x reached the inverter" % reg)
    want = struct.pack(">BBHH", 1, 6, reg, value)
    check(rtu == want, "write %s, want %s" % (hexs(rtu), hexs(want)))
    t = time.monotonic()
    answer(lg, f, rtu)
    f, rtu = modbus_req(lg, 10)
    check(rtu == struct.pack(">BBHH", 1, 3, reg, 1),
          "after the write: %s, want the read-back of %#x"
          % (rtu and hexs(rtu), reg))
    answer(lg, f, struct.pack(">BBBH", 1, 3, 2,
                              value if held is None else held))
    return t


def number_state(c, nid, grp, tpl, pred, what, since=None):
    m = c.wait("tsun/%s/%s" % (nid, grp),
               lambda m: pred(lib_ha.render(tpl, m.json())), timeout=10,
               since=since, what=what)
    return lib_ha.render(tpl, m.json())


@lib.timeout(180)
def test_number_discovery(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d, inv, lg, bat = start(c, b)
    disc = lib_ha.parse_discovery(c.all())
    want = {
        "homeassistant/number/inv_g3/out_coeff_%s/config" % G3:
            ("tsun/inv_g3/out_coeff", "tsun/inv_g3/inverter", 0, 100, "%",
             "config", True),
        "homeassistant/number/inv_g3/rated_load_%s/config" % G3:
            ("tsun/inv_g3/rated_load", "tsun/inv_g3/other", 0, 65535, None,
             "config", False),
        "homeassistant/number/inv_ms/out_coeff_%d/config" % MS[1]:
            ("tsun/inv_ms/out_coeff", "tsun/inv_ms/inverter", 0, 100, "%",
             "config", True),
        "homeassistant/number/inv_ms/rated_load_%d/config" % MS[1]:
            ("tsun/inv_ms/rated_load", "tsun/inv_ms/other", 0, 65535, None,
             "config", False),
        "homeassistant/number/bat_1/dcu_power_%d/config" % DC[1]:
            ("tsun/bat_1/dcu_power", "tsun/bat_1/batterie", 100, 800, "W",
             None, True),
    }
    nums = {t: m for t, (comp, m) in disc.items() if comp == "number"}
    check(set(nums) == set(want), "number entities %s, want %s"
          % (sorted(nums), sorted(want)))
    for t, (cmd_t, stat_t, mn, mx, unit, cat, en) in want.items():
        cfg = nums[t].json()
        log("%s\n    %s" % (t, nums[t].text()))
        got = (cfg.get("cmd_t"), cfg.get("stat_t"), cfg.get("min"),
               cfg.get("max"), cfg.get("unit_of_meas"), cfg.get("ent_cat"),
               cfg.get("en", True))
        check(got == (cmd_t, stat_t, mn, mx, unit, cat, en),
              "%s: %s, want %s" % (t, got, (cmd_t, stat_t, mn, mx, unit,
                                            cat, en)))
        check(cfg.get("step") == 1, "%s: step %r" % (t, cfg.get("step")))
        uid = t.split("/")[3]
        check(cfg.get("uniq_id") == uid, "%s: uniq_id %r" % (t,
                                                            cfg["uniq_id"]))
        check(len(cfg.get("avty", [])) == 2 and
              cfg.get("avty_mode") == "all", "%s: availability %s"
              % (t, cfg.get("avty")))
    # the state of the output limit: what the inverter reported (100 %)
    t = "homeassistant/number/inv_ms/out_coeff_%d/config" % MS[1]
    st = number_state(c, "inv_ms", "inverter", nums[t].json()["val_tpl"],
                      lambda x: x != "", "the output limit's state")
    check(float(st) == 100.0, "output limit state %r, want 100" % st)
    # Home Assistant's rules on everything, numbers included
    rep, _, _ = lib_ha.check(c.all(), lib.retained_all(b.port))
    for e in rep.errors + rep.warnings:
        log(e)
    check(not rep.errors and not rep.warnings, "%d errors, %d warnings:\n%s"
          % (len(rep.errors), len(rep.warnings), rep.text()))
    # removed with the device: empty retained configs
    d.write_config(text=g.config_text(d, g.device_block(
        MS[0], MS[1], "inv_ms", "modbus_polling = false")))
    t0 = c.mark()
    d.hup()
    for t in ("homeassistant/number/inv_g3/out_coeff_%s/config" % G3,
              "homeassistant/number/bat_1/dcu_power_%d/config" % DC[1]):
        c.wait(t, lambda m: m.payload == b"", timeout=10, since=t0,
               what="removal of " + t)


@lib.timeout(180)
def test_number_set_and_limit(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d, inv, lg, bat = start(c, b)
    tpl = lib_ha.parse_discovery(c.all())[
        "homeassistant/number/inv_ms/out_coeff_%d/config" % MS[1]][1] \
        .json()["val_tpl"]
    # 50 %: register 0x202c gets 512; the state follows the read-back
    t0 = c.mark()
    c.publish("tsun/inv_ms/out_coeff", "50")
    t_first = write_and_read_back(lg, 0x202c, 512)
    # two more inside the minute: only the last, once, after the minute
    c.publish("tsun/inv_ms/out_coeff", "60")
    c.publish("tsun/inv_ms/out_coeff", "70")
    st = number_state(c, "inv_ms", "inverter", tpl,
                      lambda x: x not in ("", "100.0"), "state 50",
                      since=t0)
    check(float(st) == 50.0, "state after writing 50: %r" % st)
    d.wait_log(r"out_coeff: one settings write per minute: held", 5)
    # out of range: refused, never reaches the inverter
    c.publish("tsun/inv_ms/out_coeff", "150")
    d.wait_log(r'out_coeff: bad payload "150"', 5)
    t1 = c.mark()
    # round(70 * 1024 / 100) = 717; the inverter keeps 50 % (512):
    # the state shows what it holds, not what was asked for
    t_held = write_and_read_back(lg, 0x202c, 717, held=512,
                                 timeout=INTERVAL + 10)
    waited = t_held - t_first
    log("held write went out %.1f s after the first" % waited)
    check(waited >= INTERVAL - 1.2, "the held write came after %.1f s, "
          "the limit is %d s" % (waited, INTERVAL))
    d.wait_log(r"held settings write written \(value 717\)", 5)
    f, rtu = modbus_req(lg, INTERVAL + 2)
    check(rtu is None, "another MODBUS request: %s (60 %% or 150 %%?)"
          % (rtu and hexs(rtu)))
    # the read-back changed nothing: no 70 %, the last state is 50 %
    shown = [lib_ha.render(tpl, m.json())
             for m in c.all("tsun/inv_ms/inverter", since=t1)]
    check("70.0" not in shown, "state 70 %% after a write the inverter did "
          "not take: %s" % shown)
    m = c.last("tsun/inv_ms/inverter")
    check(lib_ha.render(tpl, m.json()) == "50.0", "state %r, want 50.0"
          % lib_ha.render(tpl, m.json()))

    # GEN3 (Talent): the rated load, as a MODBUS write over 0x77
    c.publish("tsun/inv_g3/rated_load", "4")
    f = inv.recv_match(lambda f: lib.talent_parse(f)[1:3] == (0x70, 0x77),
                       timeout=10)
    check(f is not None, "no MODBUS frame reached the GEN3 inverter")
    rtu = lib.talent_parse(f)[3][5:11]
    check(rtu == bytes.fromhex("010620080004"),
          "rated_load 4 on GEN3: %s" % hexs(rtu))


@lib.timeout(120)
def test_dcu_power_number(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d, inv, lg, bat = start(c, b)
    tpl = lib_ha.parse_discovery(c.all())[
        "homeassistant/number/bat_1/dcu_power_%d/config" % DC[1]][1] \
        .json()["val_tpl"]
    t0 = c.mark()
    c.publish("tsun/bat_1/dcu_power", "600")
    f = bat.recv_match(lambda f: g.parse(f).ctrl == g.CTRL_CMD_REQ, 10)
    check(f is not None, "no DCU command reached the battery")
    p = g.parse(f)
    check(p.payload[0] == 5 and p.payload[15:] ==
          bytes.fromhex("0101060100011770"),
          "DCU command %s, want ftype 5 and 01 01 06 01 00 01 17 70"
          % hexs(p.payload))
    # no state before the battery answered
    m = c.last("tsun/bat_1/batterie", since=t0)
    check(m is None or lib_ha.render(tpl, m.json()) == "",
          "state before the answer: %r" % (m and m.text()))
    bat.send(g.vec_bytes("dcu_cmd_rsp_to_mqtt_0x1510"))
    c.wait("tsun/bat_1/dcu_resp", timeout=10, since=t0, what="dcu_resp")
    st = number_state(c, "bat_1", "batterie", tpl, lambda x: x != "",
                      "the output power's state", since=t0)
    check(float(st) == 600.0, "output power state %r, want 600" % st)
    # out of range: refused before the battery
    c.publish("tsun/bat_1/dcu_power", "900")
    d.wait_log(r'dcu_power: bad payload "900"', 5)
    f = bat.recv_match(lambda f: g.parse(f).ctrl == g.CTRL_CMD_REQ, 2)
    check(f is None, "an out-of-range dcu_power reached the battery")


if __name__ == "__main__":
    lib.main(globals())
