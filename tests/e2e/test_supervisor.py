"""tsun-cfgd as supervisor: workers, privileges, restarts, signals,
config check."""

import os
import re
import signal
import subprocess
import time

import lib
from lib import check, log


def test_config_check_ok(build):
    d = lib.mktemp()
    conf = os.path.join(d, "good.conf")
    with open(conf, "w") as f:
        f.write('user = "nobody"\nchroot = "%s"\n'
                'mqtt { host = "127.0.0.1" port = 1883 }\n'
                'inverter "R170000000000001" { node_id = "inv_1" }\n' % d)
    os.chmod(d, 0o755)
    r = subprocess.run([os.path.join(build, "tsun-cfgd"), "-n", "-f", conf],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10,
                       universal_newlines=True)
    check(r.returncode == 0, "tsun-cfgd -n on a good file: exit %d: %s"
          % (r.returncode, r.stdout))
    check("configuration OK" in r.stdout,
          "no 'configuration OK' in %r" % r.stdout)


def test_config_check_bad(build):
    d = lib.mktemp()
    os.chmod(d, 0o755)
    # a syntax error (unknown key) on line 3
    bad1 = os.path.join(d, "bad1.conf")
    with open(bad1, "w") as f:
        f.write('user = "nobody"\nchroot = "%s"\nno_such_key = 1\n' % d)
    # two semantic errors: both must be reported, each with file:line:
    bad2 = os.path.join(d, "bad2.conf")
    with open(bad2, "w") as f:
        f.write('user = "nobody"\nchroot = "%s"\n'
                'tsun { listen_port = 99999 }\n'
                'solarman {\n listen_port = 0\n}\n'
                'inverter "R170000000000001" { node_id = "inv_1" }\n' % d)
    # (file, line of the error or None, least number of error lines)
    for path, line, nerr in ((bad1, 3, 1), (bad2, None, 2)):
        r = subprocess.run([os.path.join(build, "tsun-cfgd"), "-n", "-f",
                            path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10, universal_newlines=True)
        log("%s -> %d: %s" % (os.path.basename(path), r.returncode,
                              r.stdout.strip()))
        check(r.returncode == 1, "tsun-cfgd -n %s: exit %d, expected 1"
              % (path, r.returncode))
        check("configuration OK" not in r.stdout, "bad file reported OK")
        lines = [l for l in r.stdout.splitlines()
                 if re.match(re.escape(path) + r":\d+: ", l)]
        check(len(lines) >= nerr, "expected %d '%s:LINE: message' lines "
              "in %r" % (nerr, path, r.stdout))
        if line is not None:
            check(any(l.startswith("%s:%d: " % (path, line)) for l in lines),
                  "error not reported at line %d: %r" % (line, r.stdout))


def test_worker_by_hand(build):
    for prog in ("tsun-proxyd", "tsun-mqttd"):
        r = subprocess.run([os.path.join(build, prog)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10,
                           universal_newlines=True)
        check(r.returncode == 1, "%s by hand: exit %d, expected 1"
              % (prog, r.returncode))
        check("tsun-cfgd" in r.stdout, "%s by hand: message %r does not "
              "mention tsun-cfgd" % (prog, r.stdout))
        check(len(r.stdout.strip().splitlines()) == 1,
              "%s by hand: expected one line, got %r" % (prog, r.stdout))


def test_workers_privsep(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    time.sleep(0.5)		# let it settle: no extra process may appear
    kids = lib.children(d.pid)
    # the workers and the resolver process (unprivileged, no chroot)
    check(len(kids) == 3, "tsun-cfgd has %d children, expected 3: %s"
          % (len(kids), [(k, lib.proc_cmdline(k)) for k in kids]))
    res = [k for k in kids if "tsun-cfgd: resolver" in lib.proc_cmdline(k)]
    check(len(res) == 1 and 0 not in lib.proc_uids(res[0]),
          "no unprivileged resolver process: %s"
          % [(k, lib.proc_cmdline(k), lib.proc_uids(k)) for k in kids])
    w = d.workers()
    check(set(w) == {"proxyd", "mqttd"}, "workers found: %s (children %s)"
          % (w, [(k, lib.proc_cmdline(k)) for k in kids]))
    titles = {"proxyd": "tsun-proxyd: network", "mqttd": "tsun-mqttd: mqtt"}
    for name, pid in w.items():
        cmd = lib.proc_cmdline(pid)
        log("%s pid %d: %r uids %s root %s" % (name, pid, cmd,
                                              lib.proc_uids(pid),
                                              os.readlink("/proc/%d/root"
                                                          % pid)))
        check(titles[name] in cmd, "%s process title %r, expected %r"
              % (name, cmd, titles[name]))
        uids = lib.proc_uids(pid)
        check(0 not in uids, "%s (pid %d) has uid 0: %s" % (name, pid, uids))
        root = os.readlink("/proc/%d/root" % pid)
        check(os.path.realpath(root) == os.path.realpath(d.chroot),
              "%s root is %s, expected chroot %s" % (name, root, d.chroot))
    check("tsun-cfgd: supervisor" in lib.proc_cmdline(d.pid),
          "cfgd title %r" % lib.proc_cmdline(d.pid))


def test_kill_proxyd(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    w0 = d.workers()
    inv = d.inverter()
    lib.bring_up(inv)

    # 1: hold cfgd so that it cannot restart proxyd: while no proxyd
    # exists at all, a connect must still succeed (cfgd keeps its copy
    # of the listener, the kernel queues the connection)
    os.kill(d.pid, signal.SIGSTOP)
    try:
        os.kill(w0["proxyd"], signal.SIGKILL)
        lib.wait_until(lambda: not lib.pid_alive(w0["proxyd"]), 5,
                       what="proxyd to die")
        try:
            queued = lib.Gen3Inverter(d.gen3_port, timeout=3)
        except OSError as e:
            raise lib.TestFailure("connect while proxyd is dead failed: %s"
                                  % e)
    finally:
        os.kill(d.pid, signal.SIGCONT)
    # the old connection was dropped with proxyd
    check(inv.recv(timeout=5) is None and inv.reader.eof,
          "old inverter connection not closed after proxyd died")
    w1 = d.wait_workers(10, exclude=[w0["proxyd"]])
    check(w1["mqttd"] == w0["mqttd"], "mqttd was restarted too: %s -> %s"
          % (w0, w1))
    d.wait_log(r"tsun-proxyd (died on signal 9|.*signal 9)", 5)
    # the connection queued during the gap is served by the new proxyd
    lib.bring_up(queued)
    queued.close()

    # 2: without holding cfgd; the second restart comes after a back-off
    # (1 s), so this connect happens while no proxyd runs
    os.kill(w1["proxyd"], signal.SIGKILL)
    t0 = time.monotonic()
    try:
        inv2 = lib.Gen3Inverter(d.gen3_port, timeout=3)
    except OSError as e:
        raise lib.TestFailure("connect during proxyd restart failed: %s" % e)
    w2 = d.wait_workers(15, exclude=[w0["proxyd"], w1["proxyd"]])
    log("second restart after %.2fs: %s -> %s"
        % (time.monotonic() - t0, w1, w2))
    lib.bring_up(inv2)
    dt = lib.expect_reply(inv2, lib.data_frame(), lib.data_reply(),
                          what="data reply")
    check(dt < 2, "data reply took %.2fs" % dt)


def test_kill_mqttd(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    c.wait("tsun/proxy/status", lambda m: m.payload == b"online", 10,
           what="online")
    w0 = d.workers()
    t = c.mark()
    os.kill(w0["mqttd"], signal.SIGKILL)
    # the broker publishes the last will ...
    off = c.wait("tsun/proxy/status", lambda m: m.payload == b"offline", 10,
                 since=t, what="last will 'offline'")
    w1 = d.wait_workers(10, exclude=[w0["mqttd"]])
    check(w1["proxyd"] == w0["proxyd"], "proxyd was restarted too: %s -> %s"
          % (w0, w1))
    # ... and the new mqttd reconnects and says online again
    c.wait("tsun/proxy/status",
           lambda m: m.payload == b"online" and m.time >= off.time, 15,
           since=t, what="'online' after restart")
    r = lib.retained(b.port, "tsun/proxy/status")
    check(r is not None and r.payload == b"online",
          "retained tsun/proxy/status after mqttd restart: %r" % r)


def test_sighup_broken_config(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    w0 = d.workers()
    good = open(d.conf).read()
    d.write_config(text=good + 'inverter "R170000000000002" { '
                   'node_id = "inv_2" no_such_key = 1 }\n'
                   'tsun { listen_port = 0 }\n')
    off = d.log_size()
    d.hup()
    d.wait_log(r"has errors|%s:\d+:" % re.escape(d.conf), 10, since=off)
    time.sleep(0.5)		# and nothing is applied within 0.5 s (the test)
    check(d.workers() == w0, "workers changed after a broken reload: %s -> %s"
          % (w0, d.workers()))
    check(d.proc.poll() is None, "tsun-cfgd exited")
    check("configuration applied" not in d.log()[off:],
          "a broken config was applied:\n%s" % d.log()[off:])
    # the old connection is still served, the new serial is not accepted
    lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply(),
                     what="contact reply after broken reload")
    inv2 = d.inverter(lib.SERIAL2)
    inv2.send(lib.contact_frame(lib.SERIAL2))
    check(inv2.recv(timeout=1.5) is None,
          "serial 2 answered although its config block was broken")


def test_sighup_good_config(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    w0 = d.workers()
    # not configured yet: no answer
    inv2 = d.inverter(lib.SERIAL2)
    inv2.send(lib.contact_frame(lib.SERIAL2))
    check(inv2.recv(timeout=1.5) is None,
          "unknown serial %s answered before the reload" % lib.SERIAL2)
    inv2.close()
    d.write_config(inverters=((lib.SERIAL1, "inv_1"), (lib.SERIAL2, "inv_2")))
    off = d.log_size()
    d.hup()
    d.wait_log(r"tsun-proxyd: .*configuration applied", 10, since=off)
    check(d.workers() == w0, "worker pids changed on reload: %s -> %s"
          % (w0, d.workers()))
    # the existing connection was not dropped
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply(),
                     what="data reply on the old connection after reload")
    inv2 = d.inverter(lib.SERIAL2)
    lib.bring_up(inv2, lib.SERIAL2)


def test_sighup_listener_change(build):
    """A new GEN3 port on reload: bound before the old one goes, the
    workers stay.  A new address on the same port cannot be bound while
    the old socket lives: the reload is refused with a line saying so and
    the old listener keeps serving (nothing half-applied)."""
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    w0 = d.workers()
    old_port = d.gen3_port
    # same port, other address: refused, old one intact
    text = d.config_text().replace(
        'tsun { listen_address = "127.0.0.1"', 'tsun { listen_address = "*"')
    check(text != d.config_text(), "test config has no tsun listener line")
    d.write_config(text)
    off = d.log_size()
    d.hup()
    d.wait_log(r"port %d is in use by the running listener" % old_port, 10,
               since=off)
    d.wait_log(r"keeping the running configuration", 10, since=off)
    inv = d.inverter()
    lib.bring_up(inv)
    inv.close()
    # another port: applied
    d.gen3_port = lib.free_port()
    d.write_config()
    off = d.log_size()
    d.hup()
    d.wait_log(r"tsun-proxyd: .*configuration applied", 10, since=off)
    d.wait_log(r"listening on 127\.0\.0\.1:%d \(gen3\)" % d.gen3_port, 10,
               since=off)
    check(d.workers() == w0, "worker pids changed on reload: %s -> %s"
          % (w0, d.workers()))
    inv = d.inverter(retry_for=5)
    lib.bring_up(inv)
    inv.close()
    lib.wait_until(lambda: not lib.port_open(old_port), 10,
                   what="the old GEN3 port closed")


def test_sigterm(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    c.wait("tsun/proxy/status", lambda m: m.payload == b"online", 10,
           what="online")
    inv = d.inverter()
    lib.bring_up(inv)
    w = d.workers()
    t = c.mark()
    d.proc.send_signal(signal.SIGTERM)
    try:
        rc = d.proc.wait(15)
    except subprocess.TimeoutExpired:
        raise lib.TestFailure("tsun-cfgd did not exit within 15 s of SIGTERM")
    check(rc == 0, "tsun-cfgd exit status %d after SIGTERM" % rc)
    for name, pid in w.items():
        lib.wait_until(lambda: not lib.pid_alive(pid), 5,
                       what="%s (pid %d) to be gone" % (name, pid))
    # clean stop: mqttd said offline itself; the inverter was disconnected
    c.wait("tsun/proxy/status", lambda m: m.payload == b"offline", 5,
           since=t, what="'offline' on clean stop")
    check(inv.recv(timeout=3) is None and inv.reader.eof,
          "inverter connection still open after stop")
    check(not lib.port_open(d.gen3_port), "GEN3 listener still open")


if __name__ == "__main__":
    lib.main(globals())
