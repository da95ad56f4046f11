"""What the manual promises an administrator: the listener "*", reload
and its outcome in tsun-ctl, tsun-ctl's exit codes, show inverters."""

import os
import re
import socket
import subprocess

import lib
from lib import check, log


def star_config(d, port):
    """d's configuration with the GEN3 listener on "*" port."""
    return d.config_text().replace(
        'tsun { listen_address = "127.0.0.1" listen_port = %d'
        % d.gen3_port, 'tsun { listen_address = "*" listen_port = %d' % port)


def test_ipv6_bind_failure_is_a_warning(build):
    if not socket.has_ipv6:
        lib.skip("no IPv6")
    # the port is taken on IPv6 only: "*" can bind IPv4 alone
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::", 0))
    except OSError as e:
        lib.skip("no IPv6 socket: %s" % e)
    port = s6.getsockname()[1]
    s6.listen(1)
    b = lib.Broker()
    d = lib.Daemon(build, b.port, start=False)
    d.write_config(star_config(d, port))
    d.start(wait=False)
    d.wait_workers()
    d.wait_log(r"tsun-proxyd: listening on 0\.0\.0\.0:%d" % port)
    line = d.wait_log(r"bind \[::\]:%d failed, listening on IPv4 only: "
                      r"Address already in use" % port).group(0)
    log(line)
    check("no IPv6 on this machine" not in d.log(),
          "a port in use reported as a machine without IPv6")
    # IPv4 is served
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.close()
    s6.close()


# ----------------------------------------------------------------------
# reload

class PasswdBroker(lib.Broker):
    """mosquitto with two listeners: port wants user tsun and a password
    (mosquitto_passwd), watch_port lets the test in anonymously."""

    def __init__(self, password):
        self.port, self.watch_port = lib.free_ports(2)
        self.dir = lib.mktemp("tsun-e2e-mosq-")
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.logfile = os.path.join(self.dir, "mosquitto.log")
        self.pwfile = os.path.join(self.dir, "passwd")
        self.set_password(password)
        with open(self.conf, "w") as f:
            f.write("per_listener_settings true\n"
                    "persistence false\n"
                    "log_dest stderr\n"
                    "log_type error\nlog_type warning\nlog_type notice\n"
                    "log_type information\n"
                    "listener %d 127.0.0.1\n"
                    "allow_anonymous false\n"
                    "password_file %s\n"
                    "listener %d 127.0.0.1\n"
                    "allow_anonymous true\n"
                    % (self.port, self.pwfile, self.watch_port))
        self.proc = None
        self.start()

    def set_password(self, password):
        r = subprocess.run(["mosquitto_passwd", "-c", "-b", self.pwfile,
                            "tsun", password], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10, universal_newlines=True)
        check(r.returncode == 0, "mosquitto_passwd: %s" % r.stdout)
        os.chmod(self.pwfile, 0o644)


def passwd_config(d, password):
    text = d.config_text()
    old = 'mqtt { host = "127.0.0.1" port = %d keepalive = 10 }' % d.mqtt_port
    check(old in text, "no mqtt block in %r" % text)
    return text.replace(old, 'mqtt { host = "127.0.0.1" port = %d '
                        'keepalive = 10 user = "tsun" passwd = "%s" }'
                        % (d.mqtt_port, password))


def proxy_online(port):
    m = lib.retained(port, "tsun/proxy/status", 1)
    return m is not None and m.text() == "online"


def wait_online(port, timeout, what):
    lib.wait_retained(port, "tsun/proxy/status",
                      lambda m: m.text() == "online", timeout, what=what)


@lib.timeout(60)
def test_reload_applies_mqtt_password(build):
    b = PasswdBroker("old-secret")
    d = lib.Daemon(build, b.port, start=False)
    d.write_config(passwd_config(d, "old-secret"))
    os.chmod(d.conf, 0o600)
    d.start()
    wait_online(b.watch_port, 10, "the proxy online with the old password")
    cfgd = d.pid
    # the broker's password is rotated and it restarts (the retained
    # status goes with it): the old password is refused from now on
    b.set_password("new-secret")
    b.stop()
    since = d.log_size()
    b.start()
    d.wait_log(r"tsun-mqttd: MQTT broker refused the connection", 15,
               since=since)
    check(not proxy_online(b.watch_port), "online with the old password")
    # the administrator changes mqtt.passwd and reloads
    d.write_config(passwd_config(d, "new-secret"))
    os.chmod(d.conf, 0o600)
    r = d.ctl_run("reload")
    log(r.stdout.strip())
    check(r.returncode == 0, "tsun-ctl reload: exit %d: %s"
          % (r.returncode, r.stdout))
    # back online within a few seconds, not at the next back-off or crash
    wait_online(b.watch_port, 8, "the proxy online with the new password")
    check("configuration reloaded" in r.stdout and "MQTT settings changed"
          in r.stdout, "reload answer %r" % r.stdout)
    check(d.pid == cfgd and d.proc.poll() is None,
          "tsun-cfgd was restarted")
    check("new-secret" not in d.log(), "the password is in the log")


@lib.timeout(60)
def test_ctl_reload_outcome(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    good = d.config_text()
    # a broken file: the errors with file:line, exit 1, nothing changes
    bad = good + "mqtt {\n port = 0\n}\n"
    d.write_config(bad)
    line = bad.count("\n", 0, bad.index("mqtt {\n port = 0")) + 1
    r = d.ctl_run("reload")
    log(r.stdout.strip())
    check(r.returncode == 1, "tsun-ctl reload of a broken file: exit %d"
          % r.returncode)
    check("%s:%d: mqtt block given more than once" % (d.conf, line)
          in r.stdout, "no '%s:%d: ...' error in %r"
          % (d.conf, line, r.stdout))
    check("keeping the running configuration" in r.stdout,
          "no 'keeping the running configuration' in %r" % r.stdout)
    check("configuration reloaded" not in r.stdout, "broken file reloaded")
    # a syntax error, too
    d.write_config(good + "no_such_key = 1\n")
    r = d.ctl_run("reload")
    check(r.returncode == 1 and re.search(re.escape(d.conf) +
                                          r":\d+: no such option", r.stdout),
          "tsun-ctl reload of a syntax error: exit %d: %r"
          % (r.returncode, r.stdout))
    # a good file: exit 0; what needs a restart is named
    chroot2 = os.path.join(d.dir, "empty2")
    os.mkdir(chroot2)
    os.chmod(chroot2, 0o755)
    d.write_config(good.replace('user = "nobody"', 'user = "daemon"')
                   .replace('chroot = "%s"' % d.chroot,
                            'chroot = "%s"' % chroot2))
    since = d.log_size()
    r = d.ctl_run("reload")
    log(r.stdout.strip())
    check(r.returncode == 0, "tsun-ctl reload of a good file: exit %d: %s"
          % (r.returncode, r.stdout))
    check("configuration reloaded" in r.stdout,
          "no 'configuration reloaded' in %r" % r.stdout)
    check("restart to apply: user, chroot" in r.stdout,
          "no 'restart to apply: user, chroot' in %r" % r.stdout)
    d.wait_log(r"restart tsun-cfgd to apply: user, chroot", 5, since=since)
    # the workers still run as before
    w = d.workers()
    check(lib.proc_uids(w["proxyd"])[0] == 65534,
          "tsun-proxyd changed its user on reload")
    # the same file again: nothing left to restart for
    r = d.ctl_run("reload")
    check(r.returncode == 0 and "restart to apply: user, chroot"
          in r.stdout, "second reload: %r" % r.stdout)


def test_ctl_exit_codes(build):
    ctl = os.path.join(build, "tsun-ctl")
    sock = os.path.join(lib.mktemp(), "none.sock")

    def run(*args):
        return subprocess.run([ctl, "-s", sock] + list(args),
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=10, universal_newlines=True)
    # no daemon: an unknown command or a usage error is still 2
    for args in (("bogus",), ("show", "everything"), ("reload", "now")):
        r = run(*args)
        check(r.returncode == 2, "tsun-ctl %s without a daemon: exit %d, "
              "expected 2" % (" ".join(args), r.returncode))
        check("unknown command" in r.stderr, "no 'unknown command' in %r"
              % r.stderr)
    r = subprocess.run([ctl], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10)
    check(r.returncode == 2, "tsun-ctl without a command: exit %d"
          % r.returncode)
    # a known command without a daemon: 1
    for args in (("show", "status"), ("reload",)):
        r = run(*args)
        check(r.returncode == 1, "tsun-ctl %s without a daemon: exit %d, "
              "expected 1" % (" ".join(args), r.returncode))


# ----------------------------------------------------------------------
# show inverters

_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
_ROW = re.compile(r"^(?P<serial>\S+)\s+(?P<node>\S+)\s+(?P<proto>\S+)\s+"
                  r"(?P<state>\S+)\s+(?P<peer>\S+)\s+(?P<since>-|%s)\s+"
                  r"(?P<seen>now|-|%s)\s+(?P<data>-|%s)\s+(?P<conns>\d+|-)"
                  r"\s+(?P<cloud>\S+)\s+(?P<dropped>\d+)$"
                  % (_TIME, _TIME, _TIME))


def inverter_rows(d):
    r = d.ctl_run("show", "inverters")
    check(r.returncode == 0, "show inverters: exit %d: %s"
          % (r.returncode, r.stdout))
    lines = r.stdout.splitlines()
    check(lines and lines[0].split()[:4] == ["SERIAL", "NODE", "PROTO",
                                             "STATE"],
          "no header in %r" % r.stdout)
    rows = {}
    for l in lines[1:]:
        m = _ROW.match(l)
        check(m, "show inverters row %r does not parse" % l)
        rows[m.group("serial")] = m.groupdict()
    return rows, r.stdout


@lib.timeout(60)
def test_show_inverters_lists_devices(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port, inverters=((lib.SERIAL1, "inv_1"),
                                             (lib.SERIAL2, "inv_2")))
    rows, out = inverter_rows(d)
    log(out.rstrip())
    for serial, node in ((lib.SERIAL1, "inv_1"), (lib.SERIAL2, "inv_2")):
        check(serial in rows, "configured %s not listed: %s" % (serial, out))
        r = rows[serial]
        check(r["state"] == "never" and r["conns"] == "0" and
              r["seen"] == "-" and r["data"] == "-" and r["node"] == node,
              "never-connected %s shown as %r" % (serial, r))
    # a connection, data, a disconnect
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    rows, out = inverter_rows(d)
    log(out.rstrip())
    r = rows[lib.SERIAL1]
    peer = "127.0.0.1:%d" % inv.sock.getsockname()[1]
    check(r["state"] == "connected" and r["conns"] == "1" and
          r["peer"] == peer and r["since"] != "-" and r["data"] != "-" and
          r["proto"] == "gen3",
          "connected %s shown as %r" % (lib.SERIAL1, r))
    inv.close()
    rows = lib.wait_until(
        lambda: (lambda rs: rs if rs[0][lib.SERIAL1]["state"] == "offline"
                 else None)(inverter_rows(d)), 5,
        what="%s offline in show inverters" % lib.SERIAL1)[0]
    r = rows[lib.SERIAL1]
    log("after the disconnect: %r" % r)
    check(r["conns"] == "1" and re.match(_TIME, r["seen"]) and
          re.match(_TIME, r["data"]) and r["peer"] == "-",
          "disconnected %s shown as %r" % (lib.SERIAL1, r))
    check(rows[lib.SERIAL2]["state"] == "never",
          "%s no longer 'never': %r" % (lib.SERIAL2, rows[lib.SERIAL2]))
    # it comes back: two connections
    inv = d.inverter()
    lib.bring_up(inv)
    rows, out = inverter_rows(d)
    check(rows[lib.SERIAL1]["state"] == "connected" and
          rows[lib.SERIAL1]["conns"] == "2", "reconnected: %r"
          % rows[lib.SERIAL1])
    inv.close()


@lib.timeout(60)
def test_show_inverters_allow_all(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port, inverters=(),
                   extra="inverters { allow_all = true }\n")
    rows, out = inverter_rows(d)
    check(rows == {}, "devices listed with none configured: %s" % out)
    inv = d.inverter(lib.SERIAL2)
    lib.bring_up(inv, lib.SERIAL2)
    inv.close()
    rows = lib.wait_until(
        lambda: (lambda rs: rs if lib.SERIAL2 in rs[0] and
                 rs[0][lib.SERIAL2]["state"] == "offline" else None)
        (inverter_rows(d)), 5, what="the allow_all device offline")[0]
    log("allow_all device: %r" % rows[lib.SERIAL2])
    check(rows[lib.SERIAL2]["conns"] == "1" and
          rows[lib.SERIAL2]["node"] == "-",
          "allow_all device shown as %r" % rows[lib.SERIAL2])


# ----------------------------------------------------------------------
# a configuration file others can change

def test_config_file_permissions(build):
    b = lib.Broker()
    d = lib.Daemon(build, b.port, start=False)
    cfgd = os.path.join(build, "tsun-cfgd")
    for mode, owner, why in ((0o666, 0, r"is writable by others \(mode 0666\)"),
                             (0o644, 65534, r"is owned by uid 65534, not root")):
        os.chmod(d.conf, mode)
        os.chown(d.conf, owner, 0)
        want = re.escape(d.conf) + r": " + why + r": refusing to use it"
        r = subprocess.run([cfgd, "-n", "-f", d.conf],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10,
                           universal_newlines=True)
        log("-n: %d %s" % (r.returncode, r.stdout.strip()))
        check(r.returncode == 1 and re.search(want, r.stdout),
              "tsun-cfgd -n on a file with mode %o owner %d: exit %d: %r"
              % (mode, owner, r.returncode, r.stdout))
        # the daemon does not start on it
        r = subprocess.run([cfgd, "-d", "-w", build, "-f", d.conf],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10,
                           universal_newlines=True)
        check(r.returncode == 1 and re.search(want, r.stdout),
              "tsun-cfgd started on a file with mode %o owner %d: exit %d:"
              " %r" % (mode, owner, r.returncode, r.stdout))
    # a running daemon's file becomes writable by others: reload refuses
    os.chown(d.conf, 0, 0)
    os.chmod(d.conf, 0o644)
    d.start()
    os.chmod(d.conf, 0o646)
    r = d.ctl_run("reload")
    check(r.returncode == 1 and "is writable by others" in r.stdout,
          "reload of a file writable by others: exit %d: %r"
          % (r.returncode, r.stdout))


if __name__ == "__main__":
    lib.main(globals())
