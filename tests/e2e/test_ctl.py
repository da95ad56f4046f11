"""tsun-ctl against a running tsun-cfgd."""

import os
import re
import signal
import socket
import stat

import lib
from lib import check, log


def test_show_status(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    lib.wait_retained(b.port, "tsun/proxy/status", what="mqttd connected")
    w = d.workers()
    r = d.ctl_run("show", "status")
    log(r.stdout.strip())
    check(r.returncode == 0, "show status exit %d: %s"
          % (r.returncode, r.stdout))
    for name in ("proxyd", "mqttd"):
        check(re.search(r"tsun-%s\b.*\b%d\b" % (name, w[name]), r.stdout),
              "show status does not show tsun-%s with pid %d: %s"
              % (name, w[name], r.stdout))
    check(re.search(r"mqtt.*\bconnected", r.stdout, re.I),
          "MQTT state not 'connected': %s" % r.stdout)
    # the broker goes away: status is unhealthy, exit 1
    b.stop()
    r = lib.wait_until(lambda: (lambda r: r if r.returncode != 0 else None)
                       (d.ctl_run("show", "status")), 10,
                       what="show status to report the broker down")
    log(r.stdout.strip())
    check(r.returncode == 1, "show status with the broker down: exit %d"
          % r.returncode)
    # a worker is down: exit 1 as well.  Kill proxyd until cfgd waits
    # before restarting it (back-off 0 s, 1 s, 2 s) and ask meanwhile.
    b.start()
    lib.wait_until(lambda: d.ctl_run("show", "status").returncode == 0, 30,
                   what="show status healthy again")
    old = []
    for i in range(3):
        pid = d.workers()["proxyd"]
        old.append(pid)
        os.kill(pid, signal.SIGKILL)
        if i < 2:
            d.wait_workers(10, exclude=old)
    r = lib.wait_until(lambda: (lambda r: r if r.returncode == 1 else None)
                       (d.ctl_run("show", "status")), 1.5,
                       what="show status to report proxyd down")
    log(r.stdout.strip())
    w = d.wait_workers(10, exclude=old)
    r = d.ctl_run("show", "status")
    check(re.search(r"tsun-proxyd.*\b%d\b.*\b3 restarts" % w["proxyd"],
                    r.stdout),
          "restart count not shown as 3: %s" % r.stdout)


def test_show_inverters_and_counters(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    r = d.ctl_run("show", "inverters")
    log(r.stdout.strip())
    check(r.returncode == 0, "show inverters exit %d" % r.returncode)
    line = next((l for l in r.stdout.splitlines() if lib.SERIAL1 in l), None)
    check(line, "serial %s not in show inverters: %s"
          % (lib.SERIAL1, r.stdout))
    peer = "127.0.0.1:%d" % inv.sock.getsockname()[1]
    check(peer in line and "inv_1" in line and re.search("gen3", line, re.I),
          "inverter line %r lacks peer %s / node id / protocol" % (line, peer))

    def counter(out, name):
        m = re.search(r"^\s*%s\s+(\d+)\s*$" % name, out, re.M)
        check(m, "counter %s not in %r" % (name, out))
        return int(m.group(1))
    r = d.ctl_run("show", "counters")
    log(r.stdout.strip().replace("\n", "; "))
    check(r.returncode == 0, "show counters exit %d" % r.returncode)
    check(counter(r.stdout, "Inverter_Cnt") == 1, "Inverter_Cnt not 1")
    unk = counter(r.stdout, "Unknown_SNR")
    # an unknown serial: not answered, counted
    other = d.inverter("R170000000000009")
    other.send(lib.contact_frame("R170000000000009"))
    check(other.recv(timeout=1) is None, "unknown serial answered")
    lib.wait_until(lambda: counter(d.ctl_run("show", "counters").stdout,
                                   "Unknown_SNR") == unk + 1, 5,
                   what="Unknown_SNR to count the unknown serial")
    # the connections close: Inverter_Cnt drops back
    check(counter(d.ctl_run("show", "counters").stdout, "Inverter_Cnt") == 2,
          "Inverter_Cnt does not count the second connection")
    inv.close()
    other.close()
    lib.wait_until(lambda: counter(d.ctl_run("show", "counters").stdout,
                                   "Inverter_Cnt") == 0, 5,
                   what="Inverter_Cnt back to 0")


def test_reload(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    w0 = d.workers()
    inv = d.inverter()
    lib.bring_up(inv)
    d.write_config(inverters=((lib.SERIAL1, "inv_1"), (lib.SERIAL2, "inv_2")))
    off = d.log_size()
    r = d.ctl_run("reload")
    log("reload: %d %s" % (r.returncode, r.stdout.strip()))
    check(r.returncode == 0, "tsun-ctl reload exit %d: %s"
          % (r.returncode, r.stdout))
    d.wait_log(r"tsun-proxyd: .*configuration applied", 10, since=off)
    check(d.workers() == w0, "workers restarted by reload")
    inv2 = d.inverter(lib.SERIAL2)
    lib.bring_up(inv2, lib.SERIAL2)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply(),
                     what="old connection after reload")
    # a broken file: the old configuration stays
    d.write_config(text="this is { not a config\n")
    off = d.log_size()
    r = d.ctl_run("reload")
    log("broken reload: %d %s" % (r.returncode, r.stdout.strip()))
    d.wait_log(r"has errors|%s:\d+:" % re.escape(d.conf), 10, since=off)
    check(d.workers() == w0, "workers restarted by a broken reload")
    lib.bring_up(d.inverter(lib.SERIAL2), lib.SERIAL2)


def test_stale_socket(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port, start=False)
    # a socket file left behind by a dead daemon
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(d.ctl)
    s.close()
    check(stat.S_ISSOCK(os.stat(d.ctl).st_mode), "no stale socket made")
    r = d.ctl_run("show", "status")
    check(r.returncode == 1, "tsun-ctl on a dead socket: exit %d, "
          "expected 1: %s" % (r.returncode, r.stdout))
    d.start()
    r = lib.wait_until(lambda: (lambda r: r if r.returncode == 0 else None)
                       (d.ctl_run("show", "status")), 10,
                       what="tsun-ctl show status to work")
    st = os.stat(d.ctl)
    log("control socket mode %o uid %d" % (stat.S_IMODE(st.st_mode),
                                           st.st_uid))
    check(stat.S_IMODE(st.st_mode) & 0o007 == 0,
          "control socket accessible by others: %o" % st.st_mode)
    # clean stop removes it... or at least the next start still works
    check(d.stop() == 0, "tsun-cfgd exit status not 0")
    r = d.ctl_run("show", "status")
    check(r.returncode == 1, "tsun-ctl with the daemon stopped: exit %d"
          % r.returncode)


if __name__ == "__main__":
    lib.main(globals())
