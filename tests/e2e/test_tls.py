"""TLS to the MQTT broker end to end: a mosquitto TLS listener with
certificates made by the test (openssl command): the right CA, a wrong
CA, a host-name mismatch with and without insecure = true, a client
certificate required by the broker, an IP-address broker host, and the
broker password neither printed by tsun-cfgd -n -v nor logged."""

import os
import re
import shutil
import subprocess
import time

import lib
from lib import check, log

PASSWORD = "S3cret-tls-e2e-pw"


# ----------------------------------------------------------------------
# certificates

def _openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30,
                       universal_newlines=True, errors="replace")
    check(r.returncode == 0, "openssl %s: exit %d: %s"
          % (" ".join(args), r.returncode, r.stdout[-800:]))
    return r.stdout


class PKI:
    """Test certificates in a temp dir (readable by everybody: mosquitto
    drops to its own user, and none of this is secret)."""

    def __init__(self):
        if shutil.which("openssl") is None:
            lib.skip("the openssl command is not installed")
        self.dir = lib.mktemp("tsun-e2e-pki-")
        os.chmod(self.dir, 0o755)
        self._serial = 1
        self.ca("ca", "tsun-proxy e2e test CA")
        self.ca("other-ca", "unrelated e2e test CA")
        self.leaf("server", "ca", "localhost",
                  "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                  "extendedKeyUsage=serverAuth\n")
        # signed by the right CA, but for another name
        self.leaf("wrongname", "ca", "broker.invalid",
                  "subjectAltName=DNS:broker.invalid\n"
                  "extendedKeyUsage=serverAuth\n")
        self.leaf("client", "ca", "tsun-proxy client",
                  "extendedKeyUsage=clientAuth\n")
        # a client certificate from the unrelated CA
        self.leaf("badclient", "other-ca", "tsun-proxy bad client",
                  "extendedKeyUsage=clientAuth\n")
        for f in os.listdir(self.dir):
            os.chmod(os.path.join(self.dir, f), 0o644)

    def path(self, name):
        return os.path.join(self.dir, name)

    def ca(self, name, cn):
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", name + ".key", "-out", name + ".pem",
                 "-days", "2", "-subj", "/CN=" + cn,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                 cwd=self.dir)

    def leaf(self, name, ca, cn, ext):
        with open(self.path(name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n" + ext)
        _openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", name + ".key", "-out", name + ".csr",
                 "-subj", "/CN=" + cn, cwd=self.dir)
        self._serial += 1
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                 "-CAkey", ca + ".key", "-set_serial", str(self._serial),
                 "-days", "2", "-extfile", name + ".ext",
                 "-out", name + ".pem", cwd=self.dir)


# ----------------------------------------------------------------------
# a mosquitto with a TLS listener

class TLSBroker(lib.Broker):
    """mosquitto with one TLS listener on 127.0.0.1 (server certificate
    `cert` from pki, client certificates checked against the test CA when
    require_cert) and optionally user/password authentication."""

    def __init__(self, pki, cert="server", require_cert=False,
                 password=False):
        self.port = lib.free_port()
        self.dir = lib.mktemp("tsun-e2e-mosq-")
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        self.logfile = os.path.join(self.dir, "mosquitto.log")
        auth = "allow_anonymous true\n"
        if password:
            pw = os.path.join(self.dir, "passwd")
            r = subprocess.run(["mosquitto_passwd", "-c", "-b", pw, "tsun",
                                PASSWORD], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=10,
                               universal_newlines=True)
            check(r.returncode == 0, "mosquitto_passwd: %s" % r.stdout)
            os.chmod(pw, 0o644)
            auth = "allow_anonymous false\npassword_file %s\n" % pw
        with open(self.conf, "w") as f:
            f.write("per_listener_settings false\n"
                    "persistence false\n"
                    "log_dest stderr\n"
                    "log_type error\nlog_type warning\nlog_type notice\n"
                    "log_type information\n"
                    "%s"
                    "listener %d 127.0.0.1\n"
                    "cafile %s\n"
                    "certfile %s\n"
                    "keyfile %s\n"
                    "require_certificate %s\n"
                    % (auth, self.port, pki.path("ca.pem"),
                       pki.path(cert + ".pem"), pki.path(cert + ".key"),
                       "true" if require_cert else "false"))
        self.proc = None
        self.start()


class TLSSub(lib.MQTTClient):
    """A subscriber over TLS to localhost, checking the broker's
    certificate against the test CA; with a client certificate and with
    the password if asked."""

    def __init__(self, port, pki, topics=("#",), cert=None, insecure=False,
                 password=False):
        self.pki = pki
        self.opts = dict(cert=cert, insecure=insecure, password=password)
        tls = {"cafile": pki.path("ca.pem"), "insecure": insecure}
        if cert:
            tls.update(certfile=pki.path(cert + ".pem"),
                       keyfile=pki.path(cert + ".key"))
        super().__init__(port, subscribe=topics, host="localhost", tls=tls,
                         auth=("tsun", PASSWORD) if password else None)


# ----------------------------------------------------------------------
# the daemon with TLS to the broker

def _tls_daemon(build, broker, host="localhost", cafile=None, certfile="",
                keyfile="", insecure=False, password=False, start=True):
    d = lib.Daemon(build, broker.port, start=False)
    tls = ('tls { cafile = "%s" certfile = "%s" keyfile = "%s" '
           'insecure = %s }' % (cafile, certfile, keyfile,
                                "true" if insecure else "false"))
    cred = ' user = "tsun" passwd = "%s"' % PASSWORD if password else ""
    text, n = re.subn(r'mqtt \{ host = "127\.0\.0\.1" port = (\d+) '
                      r'keepalive = 10 \}',
                      lambda m: 'mqtt { host = "%s" port = %s keepalive = 10'
                      '%s %s }' % (host, m.group(1), cred, tls),
                      d.config_text())
    check(n == 1, "cannot find the mqtt block in the test config:\n%s"
          % d.config_text())
    d.write_config(text=text)
    if start:
        d.start()
    return d


def _mqtt_status(d):
    """'connected' or 'not connected' from tsun-ctl show status."""
    r = d.ctl_run("show", "status")
    m = re.search(r"(?i)mqtt\b[^\n]*?\b(not connected|connected)", r.stdout)
    return m.group(1) if m else "? (%s)" % r.stdout.strip()[-300:]


def _values_arrive(d, sub, voltage):
    """A GEN3 inverter's data frame: its grid voltage shows up on MQTT
    (through the TLS subscriber)."""
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(voltage=voltage), lib.data_reply(),
                     what="data reply")
    m = sub.wait("tsun/inv_1/grid",
                 lambda m: m.json().get("Voltage") == voltage, 10,
                 what="grid voltage %s" % voltage)
    log("grid over TLS: %s" % m.text()[:200])
    inv.close()


def _connected(d, sub, timeout=15):
    """mqttd is connected: the retained status reached a TLS
    subscriber, and tsun-ctl status says so."""
    sub.wait("tsun/proxy/status", lambda m: m.payload == b"online",
             timeout, what="status online")
    # retained: a new subscriber gets it at once
    s2 = TLSSub(sub.port, sub.pki, topics=("tsun/proxy/status",),
                **sub.opts)
    try:
        s2.wait("tsun/proxy/status", lambda m: m.payload == b"online" and
                m.retain, 5, what="retained status online")
    finally:
        s2.close()
    d.wait_log(r"tsun-mqttd: connected to MQTT broker", 5)
    st = _mqtt_status(d)
    check(st == "connected", "tsun-ctl status: mqtt %s" % st)


def _refused(d, broker, pattern, what, retries=2):
    """mqttd does not get through: a log line matching pattern, nothing
    retained, tsun-ctl status not connected, and no connected line, not
    after the first attempt nor after retries more."""
    m = d.wait_log(pattern, 15)
    log("tsun-mqttd says: %s" % m.group(0))
    d.wait_log(r"tsun-mqttd: MQTT broker localhost:%d: .*; retrying"
               % broker.port, 10)
    # the retries fail as well (the back-off doubles from 1 s)
    d.wait_log(r"tsun-mqttd: MQTT broker localhost:%d: .*; retrying in "
               r"%d s" % (broker.port, 2 ** retries), 2 ** retries + 10)
    check(not re.search(r"connected to MQTT broker", d.log()),
          "%s: mqttd connected anyway; log:\n%s" % (what, d.log()[-1500:]))
    st = _mqtt_status(d)
    check(st == "not connected", "%s: tsun-ctl status: mqtt %s" % (what, st))
    check(d.workers().get("mqttd"), "%s: tsun-mqttd is gone" % what)


# ----------------------------------------------------------------------
# tests

@lib.timeout(90)
def test_tls_right_ca(build):
    pki = PKI()
    b = TLSBroker(pki)
    sub = TLSSub(b.port, pki)
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"))
    _connected(d, sub)
    _values_arrive(d, sub, 233.3)
    # the broker (whose only listener is TLS) has the session, without
    # TLS errors after it (the one before is Broker.start's TCP probe)
    log_ = b.log()
    m = re.search(r"New client connected from 127\.0\.0\.1:\d+ as "
                  r"tsun-P170000000000001", log_)
    check(m, "no tsun-* client in the broker log:\n%s" % log_[-1500:])
    check(not re.search(r"(?i)openssl error|protocol error",
                        log_[m.end():]),
          "broker log shows TLS errors:\n%s" % log_[-1500:])
    # and the will: stopping the daemon says offline, through TLS
    d.stop()
    sub.wait("tsun/proxy/status", lambda m: m.payload == b"offline", 10,
             what="status offline after stop")


@lib.timeout(90)
def test_tls_wrong_ca(build):
    pki = PKI()
    b = TLSBroker(pki)
    d = _tls_daemon(build, b, cafile=pki.path("other-ca.pem"))
    _refused(d, b, r"tsun-mqttd: TLS: broker certificate rejected [^\n]*"
             r"(self-signed certificate in certificate chain|"
             r"unable to get local issuer)[^\n]*other-ca\.pem[^\n]*",
             "wrong CA")
    sub = TLSSub(b.port, pki)
    time.sleep(1.5)		# nothing within 1.5 s (the test)
    check(not sub.all("tsun/proxy/status"),
          "a status was published although the CA is wrong")
    sub.close()


@lib.timeout(90)
def test_tls_hostname_mismatch(build):
    pki = PKI()
    b = TLSBroker(pki, cert="wrongname")
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"))
    _refused(d, b, r"tsun-mqttd: TLS: broker certificate rejected [^\n]*"
             r"CN=broker\.invalid[^\n]*hostname mismatch[^\n]*localhost",
             "host-name mismatch")
    d.stop()
    # the same broker and CA with insecure = true: accepted
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"), insecure=True)
    sub = TLSSub(b.port, pki, insecure=True)
    d.wait_log(r"tsun-mqttd: TLS: host name not verified", 10)
    _connected(d, sub)
    _values_arrive(d, sub, 229.9)


@lib.timeout(90)
def test_tls_insecure_still_checks_ca(build):
    # insecure only skips the host name: an unknown CA is still refused
    pki = PKI()
    b = TLSBroker(pki, cert="wrongname")
    d = _tls_daemon(build, b, cafile=pki.path("other-ca.pem"),
                    insecure=True)
    _refused(d, b, r"tsun-mqttd: TLS: broker certificate rejected [^\n]*"
             r"(self-signed certificate in certificate chain|"
             r"unable to get local issuer)[^\n]*other-ca\.pem[^\n]*",
             "insecure with wrong CA")


@lib.timeout(120)
def test_tls_client_certificate(build):
    pki = PKI()
    b = TLSBroker(pki, require_cert=True)
    sub = TLSSub(b.port, pki, cert="client")
    # without a client certificate: refused by the broker
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"))
    # TLS 1.3: the broker's alert arrives after the client's handshake
    # ends; when the client's CONNECT meets the closed socket first, the
    # kernel's reset discards the alert, so either line shows the refusal
    _refused(d, b, r"tsun-mqttd: (TLS: [^\n]*alert certificate required|"
             r"MQTT broker [^\n]*address 127\.0\.0\.1 failed: "
             r"(Connection reset by peer|Protocol error))",
             "no client certificate")
    d.stop()
    # a client certificate the broker does not trust: refused
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"),
                    certfile=pki.path("badclient.pem"),
                    keyfile=pki.path("badclient.key"))
    _refused(d, b, r"tsun-mqttd: (TLS: [^\n]*alert (unknown ca|"
             r"bad certificate|certificate unknown)|"
             r"MQTT broker [^\n]*address 127\.0\.0\.1 failed: "
             r"(Connection reset by peer|Protocol error))",
             "untrusted client certificate")
    d.stop()
    # with the right one: works
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"),
                    certfile=pki.path("client.pem"),
                    keyfile=pki.path("client.key"))
    _connected(d, sub)
    _values_arrive(d, sub, 241.2)
    check(re.search(r"New client connected from 127\.0\.0\.1:\d+ as tsun-",
                    b.log()), "broker log has no connection of tsun-*:\n%s"
          % b.log()[-1500:])


@lib.timeout(90)
def test_tls_broker_restart(build):
    # the TLS session is set up again after the broker went away
    pki = PKI()
    b = TLSBroker(pki)
    sub = TLSSub(b.port, pki)
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"))
    _connected(d, sub)
    mq = d.workers()["mqttd"]
    sub.close()
    n = d.log().count("connected to MQTT broker")
    b.stop()
    d.wait_log(r"tsun-mqttd: MQTT broker localhost:%d: [^\n]*retrying"
               % b.port, 10)
    b.start()
    lib.wait_until(lambda: d.log().count("connected to MQTT broker") > n,
                   30, what="mqttd to reconnect over TLS")
    sub = TLSSub(b.port, pki)
    _connected(d, sub)
    _values_arrive(d, sub, 238.8)
    check(d.workers().get("mqttd") == mq, "tsun-mqttd was restarted")


@lib.timeout(90)
def test_tls_ip_host(build):
    # mqtt.host is an IP address: checked against the certificate's
    # IP subjectAltName
    pki = PKI()
    b = TLSBroker(pki)
    sub = TLSSub(b.port, pki)
    d = _tls_daemon(build, b, host="127.0.0.1", cafile=pki.path("ca.pem"))
    _connected(d, sub)


@lib.timeout(60)
def test_tls_bad_cafile(build):
    # a CA file that cannot be loaded: tsun-mqttd says so and does not run
    pki = PKI()
    b = TLSBroker(pki)
    d = _tls_daemon(build, b, cafile=pki.path("missing-ca.pem"),
                    start=False)
    d.start(wait=False)
    m = d.wait_log(r"tsun-mqttd: TLS: cannot load CA file [^\n]*"
                   r"missing-ca\.pem[^\n]*", 15)
    log("tsun-mqttd says: %s" % m.group(0))
    d.wait_log(r"tsun-mqttd: [^\n]*cannot set up TLS to the broker", 5)
    time.sleep(1)		# and no connection within 1 s (the test)
    check(not re.search(r"connected to MQTT broker", d.log()),
          "mqttd connected without a CA file")


@lib.timeout(90)
def test_tls_password_masked(build):
    pki = PKI()
    b = TLSBroker(pki, password=True)
    sub = TLSSub(b.port, pki, password=True)
    d = _tls_daemon(build, b, cafile=pki.path("ca.pem"), password=True,
                    start=False)
    os.chmod(d.conf, 0o600)
    r = subprocess.run([os.path.join(build, "tsun-cfgd"), "-n", "-v", "-f",
                        d.conf], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=10, universal_newlines=True)
    check(r.returncode == 0, "tsun-cfgd -n -v: exit %d: %s"
          % (r.returncode, r.stdout[-1000:]))
    check(PASSWORD not in r.stdout, "tsun-cfgd -n -v prints the password")
    check(re.search(r'passwd\s*=\s*"\*+"', r.stdout),
          "tsun-cfgd -n -v does not show a masked passwd:\n%s" % r.stdout)
    check(re.search(r"tls\s*\{[^}]*cafile[^}]*insecure\s*=\s*false",
                    r.stdout), "tsun-cfgd -n -v does not show tls:\n%s"
          % r.stdout)
    # the password is the one the broker wants: mqttd gets in over TLS
    d.start()
    _connected(d, sub)
    _values_arrive(d, sub, 236.4)
    # a reload (the workers get the new config, password included); a
    # changed TLS setting brings a new tsun-mqttd that reads it
    d.write_config(text=open(d.conf).read().replace("insecure = false",
                                                    "insecure = true"))
    since = d.log_size()
    t = sub.mark()
    d.hup()
    d.wait_log(r"tsun-cfgd: configuration reloaded", 10, since=since)
    d.wait_log(r"tsun-cfgd: tsun-mqttd stopped: starting it with the new "
               r"configuration", 10, since=since)
    d.wait_log(r"tsun-mqttd: connected to MQTT broker", 15, since=since)
    sub.wait("tsun/proxy/status", lambda m: m.payload == b"online", 10,
             since=t, what="the new tsun-mqttd online")
    d.stop()
    text = d.log()
    check(PASSWORD not in text, "the password is in the daemon's log")
    check(PASSWORD not in b.log(), "the password is in the broker's log")


if __name__ == "__main__":
    lib.main(globals())
