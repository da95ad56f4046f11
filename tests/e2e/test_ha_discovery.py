"""Home Assistant discovery and states of the reference devices, checked
as Home Assistant would: an MS-600 (GEN3), an MS-2000 (GEN3PLUS 0x02b0),
an MX3000D (0x1097) and a DC1000 battery (0x3026), and the other GEN3
layout, an MS-3000 (data id 0x01900000), each sending the
frames of the vectors to the proxy in island mode, one real broker.
Every discovery message and every state published is put to the rules
of lib_ha.py: zero errors and zero warnings."""


import lib
import lib_g3p as g
import lib_ha
from lib import check, log

G3_SERIAL = lib.SERIAL1
G3K_SERIAL = lib.SERIAL2
MS2000 = (g.SERIAL, g.MONITOR_SN)
MX3000 = ("Y0019348081B0023", 2147483648)
DC1000 = ("4101240701490314", 2070233888)
AREA = "garage"


def devices():
    return (
        'inverter "%s" { node_id = "inv_g3" modbus_polling = false '
        'suggested_area = "%s" }\n' % (G3_SERIAL, AREA) +
        'inverter "%s" { node_id = "inv_g3k" modbus_polling = false '
        'suggested_area = "%s" }\n' % (G3K_SERIAL, AREA) +
        g.device_block(MS2000[0], MS2000[1], "inv_ms", 'modbus_polling = '
                       'false suggested_area = "%s" pv1 { type = '
                       '"RSM40-8-410M" manufacturer = "Risen" }' % AREA) +
        g.device_block(MX3000[0], MX3000[1], "inv_mx", 'modbus_polling = '
                       'false sensor_list = 4247') +
        'battery "%s" { monitor_sn = %d node_id = "bat_1" '
        'modbus_polling = false suggested_area = "%s" }\n'
        % (DC1000[0], DC1000[1], AREA))


def feed_gen3(d, serial, cntrl, data):
    inv = d.inverter(serial)
    lib.bring_up(inv, serial)
    for name in cntrl:
        got = inv.request(lib.with_serial(lib.unhex(lib.vec(name)["hex"]),
                                          serial))
        check(got is not None, "no answer to %s" % name)
    for name in data:
        got = inv.request(lib.data_frame(name, serial))
        check(got is not None, "no answer to %s" % name)
    return inv


def feed_g3p(d, dev_ind, data_ind):
    lg = g.Logger(d.gen3plus_port)
    got = lg.request(g.vec_bytes(dev_ind), g.CTRL_DEV_RSP)
    check(got is not None, "no ACK of %s" % dev_ind)
    got = lg.request(g.vec_bytes(data_ind), g.CTRL_DATA_RSP)
    check(got is not None, "no ACK of %s" % data_ind)
    return lg


def run_devices(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = g.daemon(build, b.port, devices())
    conns = [feed_gen3(d, G3_SERIAL, ("test_msg_cntrl_ind",),
                       ("test_msg_inv_ind", "test_msg_inv_ind1")),
             feed_gen3(d, G3K_SERIAL, ("msg_controller_ms3000_ind",),
                       ("test_msg_inv_ind4",)),
             feed_g3p(d, "device_ind_0x4110_ms2000",
                      "data_ind_0x4210_02b0_ms2000_600"),
             feed_g3p(d, "sys_titan_dev_ind_1097", "sys_titan_data_ind_1097"),
             feed_g3p(d, "dcu_dev_ind_0x4110_3026",
                      "dcu_data_ind_0x4210_3026")]
    for nid, grp in (("inv_g3", "grid"), ("inv_g3k", "grid"),
                     ("inv_ms", "grid"),
                     ("inv_mx", "controller"), ("bat_1", "batterie")):
        c.wait("tsun/%s/%s" % (nid, grp), timeout=10,
               what="the %s values of %s" % (grp, nid))
    c.quiet(0.7)
    return b, c, d, conns


def report(rep):
    for e in rep.errors:
        log("ERROR " + e)
    for w in rep.warnings:
        log("WARNING " + w)


@lib.timeout(90)
def test_ha_rules(build):
    bits = lib_ha.register_bitfields()
    for k in ("Inverter_Alarm", "Inverter_Fault", "Batterie_Alarm"):
        check(any(key == k for (_, _, key) in bits),
              "the register table names no bits for %s" % k)
    b, c, d, conns = run_devices(build)
    msgs = c.all()
    rep, disc, ents = lib_ha.check(msgs, lib.retained_all(b.port),
                                   bitfields=bits)
    log("%d entities, %d state messages" % (
        len(ents), len([m for m in msgs
                        if not m.topic.startswith("homeassistant/")])))
    report(rep)
    per = {}
    for _, comp, cfg, dev in ents:
        nid = cfg.get("state_topic", cfg.get("command_topic", "")) \
            .split("/")[1]
        per[nid] = per.get(nid, 0) + 1
    log("entities per node: %s" % per)
    for nid in ("proxy", "inv_g3", "inv_g3k", "inv_ms", "inv_mx", "bat_1"):
        check(per.get(nid, 0) > 0, "no entities for %s" % nid)
    check(not rep.errors and not rep.warnings,
          "%d errors, %d warnings:\n%s" % (len(rep.errors),
                                           len(rep.warnings), rep.text()))


@lib.timeout(90)
def test_ha_devices(build):
    """What a user sees: areas, the device tree, the alarm texts."""
    b, c, d, conns = run_devices(build)
    disc = lib_ha.parse_discovery(c.all())
    devs = {}
    for t, (comp, m) in disc.items():
        dev = m.json()["dev"]
        devs[dev["ids"][0]] = dev
    log("devices: %s" % sorted(devs))
    for i, dev in devs.items():
        if i == "proxy":
            continue
        if i.endswith("_%d" % MX3000[1]):
            check("sa" not in dev, "%s suggests area %r without one "
                  "configured" % (i, dev.get("sa")))
        else:
            check(dev.get("sa") == AREA, "%s suggests area %r, want %r"
                  % (i, dev.get("sa"), AREA))
    # the MX3000D's modules hang on a device that exists
    mx = [x for x in devs if x.startswith("input_pv") and
          x.endswith("_%d" % MX3000[1])]
    check(mx, "no PV module devices for the MX3000D")
    for i in mx:
        check(devs[i].get("via_device") in devs, "%s via %s, not announced"
              % (i, devs[i].get("via_device")))
    # the alarm of the MS-2000, as Home Assistant shows it for one bit
    t = "homeassistant/sensor/inv_ms/inv_alarm_%d/config" % MS2000[1]
    tpl = disc[t][1].json()["val_tpl"]
    for v, want in ((0, "noAlarm"), (1, "HBridgeFault,"),
                    (0x0500, "NoUtility, Relais_Open,")):
        got = lib_ha.render(tpl, {"Inverter_Alarm": v})
        check(got == want, "Inverter_Alarm %#x shows %r, want %r"
              % (v, got, want))
    # the designed power of a GEN3 that reports 0xffff (signed: -1)
    t = "homeassistant/sensor/inv_g3/designed_power_%s/config" % G3_SERIAL
    tpl = disc[t][1].json()["val_tpl"]
    for v, want in ((-1, "n/a"), (0xffff, "n/a"), (600, "600 W")):
        got = lib_ha.render(tpl, {"Max_Designed_Power": v})
        check(got == want, "Max_Designed_Power %d shows %r, want %r"
              % (v, got, want))
    # the input coefficient reads its own key
    t = "homeassistant/sensor/inv_ms/input_coef_%d/config" % MS2000[1]
    got = lib_ha.render(disc[t][1].json()["val_tpl"],
                        {"Input_Coefficient": 87.5})
    check(got == "87.5 %", "Input_Coefficient 87.5 shows %r" % got)
    # no polling: no Polling Interval entity
    check("homeassistant/sensor/inv_ms/polling_intval_%d/config" % MS2000[1]
          not in disc, "Polling Interval announced without polling")
    # no entity name starts with its device's name
    t = "homeassistant/sensor/proxy/proxy_mode_cnt_P170000000000001/config"
    check(not disc[t][1].json()["name"].startswith("Proxy "),
          "proxy mode counter named %r" % disc[t][1].json()["name"])


if __name__ == "__main__":
    lib.main(globals())
