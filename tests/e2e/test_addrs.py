"""Outbound connections to a name with several addresses, the first one
dead: tsun-mqttd, client mode and the cloud links try each address in
turn (issue 14).
The condition is made here: the whole file runs in a private mount
namespace whose /etc/hosts maps the test name, and localhost, to ::1
first and 127.0.0.1 second, with nothing listening on ::1.  Also TLS:
the broker stand-in sees the configured name as SNI, not the address,
and a certificate for another name is refused."""

import atexit
import ctypes
import os
import re
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import lib
import lib_g3p as g
from lib import check, log
from test_tls import PKI

NAME = "tsun-e2e-dual.test"
CLONE_NEWNS = 0x00020000
_ns_error = None


def private_hosts():
    """From here on this process and its children see a test /etc/hosts:
    NAME and localhost as ::1 first, then 127.0.0.1."""
    global _ns_error
    if os.geteuid() != 0:
        _ns_error = "not root"
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        _ns_error = "unshare: %s" % os.strerror(ctypes.get_errno())
        return
    fd, path = tempfile.mkstemp(prefix="tsun-e2e-hosts-")
    with os.fdopen(fd, "w") as f:
        f.write("::1\t%s localhost ip6-localhost ip6-loopback\n"
                "127.0.0.1\t%s localhost\n" % (NAME, NAME))
    os.chmod(path, 0o644)
    for cmd in (["mount", "--make-rprivate", "/"],
                ["mount", "--bind", path, "/etc/hosts"]):
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if r.returncode != 0:
            _ns_error = "%s: %s" % (" ".join(cmd), r.stdout.strip())
            return
    # removed at exit: a bind mount of a deleted file cannot be mounted
    # over in a nested namespace
    atexit.register(os.unlink, path)


def dual_name(port):
    """NAME resolves to ::1 first, then 127.0.0.1, and ::1 does not
    answer on port: the condition every test here needs."""
    if _ns_error is not None:
        lib.skip("no private /etc/hosts: %s" % _ns_error)
    addrs = [a[4][0] for a in socket.getaddrinfo(NAME, port,
                                                 type=socket.SOCK_STREAM)]
    check(addrs[:2] == ["::1", "127.0.0.1"],
          "%s resolves to %s, not ::1 then 127.0.0.1" % (NAME, addrs))
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(("::1", port))
        lib.skip("something listens on [::1]:%d" % port)
    except OSError:
        pass
    finally:
        s.close()


def _walked(d, what, port, timeout=20, host=NAME):
    """The log names the address that failed and the one that answered."""
    m = d.wait_log(r"%s %s:%d: address ::1 failed: [^\n]*"
                   % (what, re.escape(host), port), timeout)
    log(m.group(0))
    m = d.wait_log(r"%s %s:%d: address 127\.0\.0\.1 answered"
                   % (what, re.escape(host), port), timeout)
    log(m.group(0))


@lib.timeout(60)
def test_mqtt_second_address(build):
    b = lib.Broker()
    dual_name(b.port)
    c = lib.MQTTClient(b.port, subscribe=("tsun/proxy/status",))
    d = lib.Daemon(build, b.port, start=False)
    text, n = re.subn(r'mqtt \{ host = "127\.0\.0\.1"',
                      'mqtt { host = "%s"' % NAME, d.config_text())
    check(n == 1, "no mqtt block in the test config")
    d.write_config(text=text)
    d.start()
    c.wait("tsun/proxy/status", lambda m: m.payload == b"online", 20,
           what="status online through the second address")
    d.wait_log(r"tsun-mqttd: connected to MQTT broker %s:%d"
               % (re.escape(NAME), b.port), 5)
    _walked(d, "tsun-mqttd: MQTT broker", b.port)


@lib.timeout(60)
def test_client_mode_second_address(build):
    port = lib.free_port()
    dev = g.FakeDevice(port)
    dual_name(port)
    try:
        b = lib.Broker()
        d = g.daemon(build, b.port, g.device_block(
            node_id="inv_c", body='sensor_list = 688 client_mode { '
            'host = "%s" port = %d }' % (NAME, port)))
        peer = dev.accept(20)
        f = peer.recv(timeout=10)
        check(f is not None, "no poll from the proxy")
        check(f == g.vec_bytes("client_mode_start_poll"),
              "first poll %s" % lib.hexs(f))
        _walked(d, "tsun-proxyd: client mode %s" % g.SERIAL, port)
        d.wait_log(r"client mode connection to %s up" % g.SERIAL, 5)
    finally:
        dev.close()


@lib.timeout(60)
def test_cloud_second_address(build):
    # the cloud link uses the same walker: the log says so
    cloud = lib.FakeCloud("record")
    dual_name(cloud.port)
    try:
        b = lib.Broker()
        d = lib.Daemon(build, b.port, tsun_enabled=True, tsun_host=NAME,
                       tsun_port=cloud.port)
        inv = d.inverter()
        lib.bring_up(inv)
        lib.expect_reply(inv, lib.data_frame(), lib.data_reply(),
                         what="data reply")
        cloud.wait_frame(lambda f: True, timeout=15,
                         what="a frame forwarded through the second address")
        _walked(d, r"tsun-proxyd: [^\n]*: cloud", cloud.port)
        inv.close()
    finally:
        cloud.close()


class SNIServer:
    """A TLS broker stand-in on 127.0.0.1: records the SNI of every
    ClientHello and whether the handshake completed."""

    def __init__(self, pki, cert):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pki.path(cert + ".pem"),
                                 pki.path(cert + ".key"))
        self.ctx.sni_callback = self._sni
        self.sni = []
        self.done = []
        self.errors = []
        self.cond = threading.Condition()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _sni(self, sslsock, name, ctx):
        with self.cond:
            self.sni.append(name)
            self.cond.notify_all()

    def _run(self):
        while not self.stopped:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(s,),
                             daemon=True).start()

    def _serve(self, s):
        s.settimeout(10)
        try:
            t = self.ctx.wrap_socket(s, server_side=True)
            # the client accepted the certificate: its MQTT CONNECT comes
            first = t.recv(1)
            with self.cond:
                self.done.append(first)
                self.cond.notify_all()
            t.close()
        except (OSError, ssl.SSLError) as e:
            with self.cond:
                self.errors.append(str(e))
                self.cond.notify_all()
            s.close()

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise lib.TestFailure(
                        "timed out waiting for %s (SNI %s, handshakes %s, "
                        "errors %s)" % (what, self.sni, self.done,
                                        self.errors[-3:]))
                self.cond.wait(min(left, 0.2))

    def close(self):
        self.stopped = True
        self.lsock.close()


def _tls_conf(d, port, pki, host):
    tls = 'tls { cafile = "%s" }' % pki.path("ca.pem")
    text, n = re.subn(r'mqtt \{ host = "127\.0\.0\.1" port = \d+ ',
                      'mqtt { host = "%s" port = %d %s ' % (host, port, tls),
                      d.config_text())
    check(n == 1, "no mqtt block in the test config")
    d.write_config(text=text)


@lib.timeout(60)
def test_tls_sni_is_the_name(build):
    pki = PKI()
    srv = SNIServer(pki, "server")
    dual_name(srv.port)
    try:
        d = lib.Daemon(build, srv.port, start=False)
        _tls_conf(d, srv.port, pki, "localhost")
        d.start()
        srv.wait(lambda: srv.done, 20, "a completed handshake")
        log("SNI seen by the broker: %s" % srv.sni)
        check(srv.sni and all(n == "localhost" for n in srv.sni),
              "SNI %s, expected localhost" % srv.sni)
        check(srv.done[0] == b"\x10", "first byte after the handshake %r, "
              "not an MQTT CONNECT" % srv.done[0])
        d.wait_log(r"tsun-mqttd: MQTT broker localhost:%d: address ::1 "
                   r"failed: [^\n]*" % srv.port, 5)
    finally:
        srv.close()


@lib.timeout(60)
def test_tls_other_name_refused(build):
    # signed by the right CA for broker.invalid: the name mqttd was
    # configured with is what the certificate is checked against, even
    # though it connects to an address
    pki = PKI()
    srv = SNIServer(pki, "wrongname")
    dual_name(srv.port)
    try:
        d = lib.Daemon(build, srv.port, start=False)
        _tls_conf(d, srv.port, pki, NAME)
        d.start()
        m = d.wait_log(r"tsun-mqttd: TLS: broker certificate rejected "
                       r"[^\n]*CN=broker\.invalid[^\n]*hostname mismatch"
                       r"[^\n]*%s" % re.escape(NAME), 20)
        log(m.group(0))
        srv.wait(lambda: srv.errors, 10, "the refused handshake")
        check(not srv.done, "the handshake completed: %s" % srv.done)
        check(srv.sni and all(n == NAME for n in srv.sni),
              "SNI %s, expected %s" % (srv.sni, NAME))
        time.sleep(1)		# and no connection within 1 s (the test)
        check(not re.search(r"connected to MQTT broker", d.log()),
              "mqttd connected with a certificate for another name")
    finally:
        srv.close()


def _cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


@lib.timeout(60)
def test_tls_dead_broker_idle(build):
    # no address of the broker answers a TLS connect: tsun-mqttd waits
    # for its retry instead of polling the dead socket's hangup
    pki = PKI()
    port = lib.free_port()
    dual_name(port)
    d = lib.Daemon(build, port, start=False)
    _tls_conf(d, port, pki, NAME)
    d.start()
    d.wait_log(r"tsun-mqttd: MQTT broker %s:%d: no address answered; "
               r"retrying in 2 s" % (re.escape(NAME), port), 15)
    pid = d.workers()["mqttd"]
    c0 = _cpu(pid)
    time.sleep(3)		# CPU used over 3 s (the test)
    used = _cpu(pid) - c0
    log("tsun-mqttd used %.2f s CPU in 3 s of back-off" % used)
    check(used < 0.5, "tsun-mqttd used %.2f s CPU in 3 s of back-off"
          % used)


if __name__ == "__main__":
    private_hosts()
    lib.main(globals())
