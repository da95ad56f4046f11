"""tsun-cfgd against clumsy tsun-ctl clients, misbehaving workers and its
own stalls.  Uses the test build (TEST_HOOKS=1, build-hooks/): a 3 s
watchdog, and 'tsun-ctl debug' commands that push a message through the
path a worker's messages take."""

import fcntl
import os
import signal
import socket
import struct
import termios
import time

import lib
from lib import check, log
from test_sandbox import start, forget_faults


def idle_client(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def queued(s):
    """Bytes waiting in s's receive buffer (FIONREAD)."""
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.FIONREAD,
                                          b"\0" * 4))[0]


@lib.timeout(120)
def test_idle_clients_time_out(build):
    """Eight connections that send nothing lock tsun-ctl out only for a
    few seconds; meanwhile tsun-ctl says so and exits 1 (no SIGPIPE)."""
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    fds0 = fd_count(d.pid)
    idle = [idle_client(d.ctl) for _ in range(8)]
    lib.wait_until(lambda: fd_count(d.pid) >= fds0 + 8, 5,
                   what="tsun-cfgd to accept the 8 idle clients")
    r = d.ctl_run("show", "status")
    log("with 8 idle clients: exit %d: %s" % (r.returncode,
                                              r.stdout.strip()))
    check(r.returncode == 1, "tsun-ctl exit %d (-13 is SIGPIPE): %r"
          % (r.returncode, r.stdout))
    check("tsun-ctl clients already" in r.stdout,
          "tsun-ctl does not say what happened: %r" % r.stdout)
    t0 = time.monotonic()
    lib.wait_until(lambda: d.ctl_run("show", "status").returncode in
                   (0, 1) and "tsun-proxyd" in
                   d.ctl_run("show", "status").stdout, 10,
                   what="tsun-ctl served again")
    log("served again after %.1f s" % (time.monotonic() - t0))
    for s in idle:
        s.settimeout(1)
        check(s.recv(100) == b"", "an idle client was not closed")
        s.close()
    # a client that sends half a command is timed out as well
    s = idle_client(d.ctl)
    s.sendall(b"show sta")
    s.settimeout(10)
    t0 = time.monotonic()
    check(s.recv(100) == b"", "half a command got an answer")
    check(time.monotonic() - t0 < 8, "half a command kept for %.1f s"
          % (time.monotonic() - t0))
    s.close()
    d.stop()
    b.stop()


@lib.timeout(120)
def test_client_that_does_not_read(build):
    """A tsun-ctl client asks for a long answer (thousands of devices) and
    reads nothing: tsun-cfgd never waits for it (show status answers at
    once) and drops it after a few seconds without progress."""
    b = lib.Broker()
    inv = [("R17%013d" % i, "inv_%d" % i) for i in range(1, 4001)]
    d = lib.Daemon(build, b.port, inverters=inv, start=False)
    d.start(timeout=30)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(d.ctl)
    s.sendall(b"show inverters\n")
    lib.wait_until(lambda: queued(s) > 0, 10, what="the answer to begin")
    worst = 0
    for _ in range(6):
        t0 = time.monotonic()
        r = d.ctl_run("show", "status")
        worst = max(worst, time.monotonic() - t0)
        check("tsun-proxyd" in r.stdout, "show status: %r" % r.stdout)
        time.sleep(0.3)		# the probes span 2 s of the stall
    log("slowest show status %.3f s" % worst)
    check(worst < 1.0, "show status took %.2f s behind a client that "
          "does not read" % worst)
    # the stalled client is dropped: what it gets ends without a status
    time.sleep(5)		# the 5 s idle timeout (CTL_IDLE_MS) runs out
    s.settimeout(10)
    got = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        got += c
    log("the stalled client got %d bytes, then end of file" % len(got))
    check(not got.endswith(b"exit 0\n"), "a client that did not read "
          "got its whole answer (%d bytes): not dropped" % len(got))
    s.close()
    d.stop()
    b.stop()


@lib.timeout(240)
def test_wrong_length_kills_only_the_worker(build):
    """MQTT_STATE (mqttd) and RESOLVE (proxyd) of a wrong length: the
    worker is killed and restarted, tsun-cfgd keeps running."""
    b, d = start()
    for name in ("mqttd", "proxyd"):
        before = d.workers()
        since = d.log_size()
        r = d.ctl_run("debug", "badlen", name)
        check(r.returncode == 0, "debug badlen %s: %s" % (name, r.stdout))
        d.wait_log(r"malformed IPC message from tsun-%s: killing it" % name,
                   timeout=10, since=since)
        w = d.wait_workers(exclude=(before[name],))
        log("%s %d -> %d" % (name, before[name], w[name]))
        check(d.proc.poll() is None, "tsun-cfgd exited")
    r = d.ctl_run("show", "status")
    check("tsun-proxyd" in r.stdout, "show status: %r" % r.stdout)
    forget_faults(d)
    d.stop()
    b.stop()


@lib.timeout(120)
def test_worker_cannot_forge_ctl_status(build):
    """Worker text "forged\\nexit 0" and then silence: tsun-ctl shows the
    text and exits 1 (tsun-proxyd did not answer), never 0."""
    b, d = start()
    r = d.ctl_run("debug", "forge", "proxyd", timeout=15)
    log("exit %d: %r" % (r.returncode, r.stdout))
    check(r.returncode == 1, "forged status: exit %d: %r"
          % (r.returncode, r.stdout))
    check("forged\nexit 0\n" in r.stdout,
          "worker text not shown as text: %r" % r.stdout)
    check("did not answer" in r.stdout, "no timeout line: %r" % r.stdout)
    d.stop()
    b.stop()


@lib.timeout(120)
def test_supervisor_stall_kills_no_worker(build):
    """tsun-cfgd stopped for longer than the watchdog's limit (3 s in
    the test build): on SIGCONT the workers get a fresh grace period."""
    b, d = start()
    before = d.workers()
    os.kill(d.pid, signal.SIGSTOP)
    time.sleep(5)		# a stall longer than the 3 s watchdog (the test)
    os.kill(d.pid, signal.SIGCONT)
    time.sleep(4)		# and no worker is killed within 4 s (the test)
    text = d.log()
    check("has not answered" not in text,
          "a worker was killed after the stall:\n" + text[-1500:])
    check(d.workers() == before, "workers changed: %s -> %s"
          % (before, d.workers()))
    # the watchdog still works after the stall
    since = d.log_size()
    os.kill(before["mqttd"], signal.SIGSTOP)
    d.wait_log(r"tsun-mqttd has not answered for \d+ s: killing it",
               timeout=15, since=since)
    d.wait_workers(exclude=(before["mqttd"],))
    forget_faults(d)
    d.stop()
    b.stop()


if __name__ == "__main__":
    lib.main(globals())
