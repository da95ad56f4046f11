"""Name resolution in its own process: tsun-cfgd never waits for DNS.

A DNS server that never answers must delay only the connection that
needs the name, never tsun-ctl, log relay or the watchdog; the
'resolver' option works with an IPv4 and an IPv6 server.  The test
build (TEST_HOOKS=1, made in build-hooks/) has a 3 s watchdog and lets
the test DNS server use a port of its own (TSUN_TEST_DNS_PORT)."""

import os
import random
import re
import socket
import subprocess
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

import lib
from lib import check, log
from lib import hooks_build

NAME = "broker.tsun-e2e.test"


class Blackhole:
    """A UDP socket on 127.x.y.z port 53 that reads queries and drops
    them: the port is the standard one, so any resolver uses it."""

    def __init__(self):
        self.sock = None
        for _ in range(50):
            addr = "127.%d.%d.%d" % (random.randint(1, 254),
                                     random.randint(0, 255),
                                     random.randint(1, 254))
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((addr, 53))
            except OSError:
                s.close()
                continue
            self.sock, self.addr = s, addr
            break
        if self.sock is None:
            lib.skip("no free loopback address with port 53")
        self.queries = 0
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                self.sock.recvfrom(4096)
                self.queries += 1
            except socket.timeout:
                pass
            except OSError:
                return

    def stop(self):
        self.stop_ev.set()
        self.t.join(2)
        self.sock.close()


class DnsServer:
    """Answers A and AAAA for the names in 'zone' ({name: [addresses]}),
    NXDOMAIN for the rest; records the (name, type) of each query."""

    def __init__(self, host, zone):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.zone = zone
        self.queries = []
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            r = dns.message.make_response(q)
            qq = q.question[0]
            name = qq.name.to_text(omit_final_dot=True).lower()
            rtype = dns.rdatatype.to_text(qq.rdtype)
            self.queries.append((name, rtype))
            if name not in self.zone:
                r.set_rcode(dns.rcode.NXDOMAIN)
            else:
                want = [a for a in self.zone[name]
                        if (":" in a) == (rtype == "AAAA")]
                if want:
                    r.answer.append(dns.rrset.from_text(
                        qq.name, 60, "IN", rtype, *want))
            self.sock.sendto(r.to_wire(), peer)

    def stop(self):
        self.stop_ev.set()
        self.t.join(2)
        self.sock.close()


def config_with(d, mqtt_host, resolver):
    text = d.config_text()
    text = text.replace('mqtt { host = "127.0.0.1"',
                        'mqtt { host = "%s"' % mqtt_host)
    return 'resolver = "%s"\n' % resolver + text


@lib.timeout(240)
def test_dns_blackhole_blocks_nothing(build):
    """resolver = a DNS server that never answers, broker given by name:
    tsun-ctl answers within 1 s, worker log lines keep flowing, no
    worker is killed by the watchdog, and the lookup fails in time."""
    hooks = hooks_build()
    os.environ.pop("TSUN_TEST_DNS_PORT", None)
    bh = Blackhole()
    b = lib.Broker()
    d = lib.Daemon(hooks, b.port, start=False)
    d.write_config(text=config_with(d, NAME, bh.addr))
    d.start()
    before = d.workers()
    lib.wait_until(lambda: bh.queries > 0, 10, what="a query to the "
                   "blackhole")
    t_end = time.monotonic() + 8
    worst = 0.0
    n = 0
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        r = d.ctl_run("show", "status", timeout=5)
        dt = time.monotonic() - t0
        worst = max(worst, dt)
        check(r.returncode in (0, 1) and "tsun-proxyd" in r.stdout,
              "show status failed: %r" % (r.stdout,))
        check(dt < 1.0, "show status took %.2f s while DNS hangs" % dt)
        # a worker's log line reaches the log at once
        since = d.log_size()
        inv = lib.Gen3Inverter(d.gen3_port, retry_for=2)
        d.wait_log(r"tsun-proxyd: .*connection from 127\.0\.0\.1",
                   timeout=1, since=since)
        inv.close()
        n += 1
        time.sleep(0.3)		# the probing rate
    log("%d rounds, slowest show status %.3f s, %d queries dropped"
        % (n, worst, bh.queries))
    text = d.log()
    check("has not answered" not in text,
          "the watchdog killed a worker:\n" + text[-2000:])
    check(d.workers() == before, "workers changed: %s -> %s"
          % (before, d.workers()))
    # the lookup itself fails with a temporary error, and is retried
    d.wait_log(r"cannot resolve %s" % NAME.replace(".", r"\."),
               timeout=10)
    d.stop()
    b.stop()
    bh.stop()


def resolver_answers(family_host):
    hooks = hooks_build()
    # the broker listens on 127.0.0.1 only: ::1, tried first, fails
    srv = DnsServer(family_host, {NAME: ["127.0.0.1", "::1"]})
    os.environ["TSUN_TEST_DNS_PORT"] = str(srv.port)
    try:
        b = lib.Broker()
        d = lib.Daemon(hooks, b.port, start=False)
        d.write_config(text=config_with(d, NAME, family_host))
        r = subprocess.run([os.path.join(hooks, "tsun-cfgd"), "-n", "-f",
                            d.conf], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=10)
        check(r.returncode == 0, "-n: %s" % r.stdout)
        d.start()
    finally:
        os.environ.pop("TSUN_TEST_DNS_PORT", None)
    lib.wait_retained(b.port, "tsun/proxy/status", timeout=15,
                      what="mqttd connected through %s" % NAME)
    types = sorted(set(t for n, t in srv.queries if n == NAME))
    log("queries: %s" % srv.queries)
    check(types == ["A", "AAAA"], "asked %s, not A and AAAA" % types)
    # IPv6 addresses come first
    text = d.log()
    m6 = re.search(r"address \[?::1\]?\S* failed", text)
    m4 = re.search(r"address 127\.0\.0\.1\S* answered", text)
    check(m6 and m4 and m6.start() < m4.start(),
          "::1 not tried before 127.0.0.1:\n" + text[-1500:])
    d.stop()
    b.stop()
    srv.stop()


@lib.timeout(120)
def test_resolver_ipv6(build):
    """resolver = "::1" is used (not the system resolver)."""
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    except OSError:
        lib.skip("no IPv6 loopback")
    resolver_answers("::1")


@lib.timeout(120)
def test_resolver_ipv4(build):
    resolver_answers("127.0.0.1")


@lib.timeout(120)
def test_resolver_nxdomain(build):
    """A name the resolver does not know fails at once, as 'not known'."""
    hooks = hooks_build()
    srv = DnsServer("127.0.0.1", {})
    os.environ["TSUN_TEST_DNS_PORT"] = str(srv.port)
    try:
        b = lib.Broker()
        d = lib.Daemon(hooks, b.port, start=False)
        d.write_config(text=config_with(d, NAME, "127.0.0.1"))
        d.start()
    finally:
        os.environ.pop("TSUN_TEST_DNS_PORT", None)
    d.wait_log(r"cannot resolve %s: Name or service not known"
               % NAME.replace(".", r"\."), timeout=5)
    d.stop()
    b.stop()
    srv.stop()


@lib.timeout(120)
def test_system_resolver_sandboxed(build):
    """No 'resolver': the system resolver (/etc/hosts here) works inside
    the resolver process's sandbox, which runs as the configured user."""
    hooks = hooks_build()
    b = lib.Broker()
    d = lib.Daemon(hooks, b.port, start=False)
    d.write_config(text=d.config_text().replace(
        'mqtt { host = "127.0.0.1"', 'mqtt { host = "localhost"'))
    d.start()
    lib.wait_retained(b.port, "tsun/proxy/status", timeout=15,
                      what="mqttd connected to localhost")
    text = d.log()
    check(not re.search(r"cannot resolve|resolver process (died|exited|is "
                         r"stuck)|^resolver: ", text, re.M),
          "resolver trouble:\n" + text[-1500:])
    pids = [p for p in lib.children(d.pid)
            if "resolver" in lib.proc_cmdline(p)]
    check(len(pids) == 1, "no resolver process among %s" %
          lib.children(d.pid))
    with open("/proc/%d/status" % pids[0]) as f:
        st = f.read()
    uid = [l.split()[1] for l in st.splitlines() if l.startswith("Uid:")]
    log("resolver pid %d uid %s" % (pids[0], uid))
    if os.geteuid() == 0:
        check(uid[0] != "0", "the resolver process runs as root")
        check("NoNewPrivs:\t1" in st, "no_new_privs not set")
    if os.path.exists("/usr/include/seccomp.h"):
        # the test build has the system-call filter on
        check("Seccomp:\t2" in st, "no seccomp filter in the resolver")
    d.stop()
    b.stop()


def resolver_pid(d):
    r = d.ctl_run("show", "status", timeout=5)
    m = re.search(r"^resolver: pid (\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else None


@lib.timeout(120)
def test_stuck_resolver_restarted(build):
    """A lookup that hangs in the resolver process (the test build hangs
    on hang.tsun-test.invalid, as a system resolver can): after 10 s it
    fails, the stuck resolver process is replaced, tsun-ctl never
    waits."""
    hooks = hooks_build()
    b = lib.Broker()
    d = lib.Daemon(hooks, b.port, start=False)
    d.write_config(text=d.config_text().replace(
        'mqtt { host = "127.0.0.1"', 'mqtt { host = "hang.tsun-test.invalid"'))
    d.start()
    first = lib.wait_until(lambda: resolver_pid(d), 5, what="resolver pid")
    d.wait_log(r"resolving hang\.tsun-test\.invalid", timeout=5)
    t_end = time.monotonic() + 9
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        r = d.ctl_run("show", "status", timeout=5)
        check(time.monotonic() - t0 < 1.0 and "tsun-proxyd" in r.stdout,
              "show status slow or wrong: %r" % r.stdout)
        time.sleep(0.5)		# the probing rate
    d.wait_log(r"resolving hang\.tsun-test\.invalid: no answer within "
               r"10 s", timeout=5)
    d.wait_log(r"resolver process is stuck: restarting it", timeout=2)
    d.wait_log(r"cannot resolve hang\.tsun-test\.invalid: Temporary "
               r"failure", timeout=2)
    second = lib.wait_until(lambda: (lambda p: p if p and p != first
                                     else None)(resolver_pid(d)), 5,
                            what="a new resolver process")
    log("resolver %d -> %d" % (first, second))
    check(not lib.proc_stat(first) or lib.proc_stat(first)[1] == "Z",
          "the stuck resolver %d still runs" % first)
    check("has not answered" not in d.log(), "a worker was killed")
    d.stop()
    b.stop()


if __name__ == "__main__":
    lib.main(globals())
