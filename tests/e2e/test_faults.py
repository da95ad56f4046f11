"""Faults end to end: the broker away under load, broken clouds under
sustained traffic, workers killed again and again, connection floods
and descriptor exhaustion, reloads under traffic."""

import os
import re
import signal
import socket
import threading
import time

import lib
import lib_fault as lf
from lib import check, log


def _serial(i):
    return "R17000000000%04d" % (100 + i)


def _nid(i):
    return "inv_%02d" % i


class Traffic:
    """A thread that keeps one GEN3 inverter sending data frames and
    checks every answer.  reconnect=True: a dropped connection is
    reopened (and brought up again); else it is an error."""

    def __init__(self, d, serial=lib.SERIAL1, frame=None, interval=0.02,
                 reconnect=False, reply_timeout=3, inv=None):
        self.d = d
        self.serial = serial
        self.frame = frame or (lambda i: lib.data_frame(
            serial=serial, voltage=200.0 + (i % 400) * 0.25))
        self.interval = interval
        self.reconnect = reconnect
        self.reply_timeout = reply_timeout
        self.inv = inv
        self.sock_id = id(inv.sock) if inv else None
        self.n = 0			# answered frames
        self.last_value = None
        self.last_ok = None		# monotonic time of the last answer
        self.worst = 0.0
        self.lat = []
        self.errors = []
        self.reconnects = 0
        self.stop = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _connect(self):
        inv = lib.Gen3Inverter(self.d.gen3_port, self.serial, timeout=3)
        lib.bring_up(inv, self.serial)
        return inv

    def _run(self):
        i = 0
        exp = lib.data_reply(self.serial)
        while not self.stop.is_set():
            if self.inv is None:
                try:
                    self.inv = self._connect()
                    self.reconnects += 1
                except (OSError, lib.TestFailure):
                    if self.inv is not None:
                        self.inv.close()
                    self.inv = None
                    time.sleep(0.1)	# pace the reconnects (a retry rate)
                    continue
            f = self.frame(i)
            t0 = time.monotonic()
            try:
                got = self.inv.request(f, timeout=self.reply_timeout)
            except OSError as e:
                got = e
            except Exception as e:		# a malformed frame to us
                self.errors.append("frame %d: %s: %s"
                                   % (i, type(e).__name__, e))
                return
            dt = time.monotonic() - t0
            if got != exp:
                what = ("no answer within %.1fs" % dt if got is None
                        else "%r" % (got,))
                if got is None and self.inv.reader.buf:
                    what += ", unparsed %s" % lib.hexs(
                        self.inv.reader.buf[:64])
                if not self.reconnect:
                    self.errors.append("frame %d: %s (eof %s)"
                                       % (i, what, self.inv.reader.eof))
                    return
                self.inv.close()
                self.inv = None
                continue
            self.n += 1
            self.last_value = i
            self.last_ok = time.monotonic()
            self.worst = max(self.worst, dt)
            self.lat.append(dt)
            i += 1
            if self.interval:
                time.sleep(self.interval)	# the traffic's frame rate

    def halt(self):
        self.stop.set()
        self.th.join(10)
        check(not self.th.is_alive(), "traffic thread did not stop")

    def wait_more(self, n_more=1, timeout=10, what="answers"):
        n0 = self.n
        lib.wait_until(lambda: self.n >= n0 + n_more or self.errors,
                       timeout, what=what)
        check(not self.errors, "traffic %s: %s" % (self.serial, self.errors))


# ----------------------------------------------------------------------

@lib.timeout(150)
def test_broker_down_10_inverters(build):
    N = 10
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    d = lf.FDaemon(build, b.port,
                   gen3=[(_serial(i), _nid(i)) for i in range(N)])
    w0 = d.workers()
    invs = []
    for i in range(N):
        inv = d.inverter(_serial(i))
        lib.bring_up(inv, _serial(i))
        invs.append(inv)
    # step 0 with the broker up: which groups does an inverter have?
    for i, inv in enumerate(invs):
        lib.expect_reply(inv, lf.value_frame(_serial(i), lf.values_for(i, 0)),
                         lib.data_reply(_serial(i)), what="data reply")
    for i in range(N):
        want = lf.expected_groups(lf.values_for(i, 0))["grid"]
        c.wait("tsun/%s/grid" % _nid(i),
               lambda m: not lf.group_matches(m.json(), want), 15,
               what="first values of %s" % _nid(i))
    # the groups published within this second are the set compared
    # after the outage (a time window: their number is not known here)
    time.sleep(1)
    groups = {}
    for m in c.all():
        parts = m.topic.split("/")
        if len(parts) == 3 and parts[1] in [_nid(i) for i in range(N)]:
            groups.setdefault(parts[1], set()).add(parts[2])
    log("groups before the outage: %s" % sorted(groups.get(_nid(0), ())))
    for i in range(N):
        check({"grid", "input", "total", "env"} <= groups.get(_nid(i), set()),
              "%s: groups %s" % (_nid(i), groups.get(_nid(i))))
    c.close()

    # the broker goes away for 30 s; data keeps coming, values change
    b.stop()
    t_down = time.monotonic()
    step = 0
    worst = 0.0
    while time.monotonic() - t_down < 30:
        step += 1
        for i, inv in enumerate(invs):
            dt = lib.expect_reply(
                inv, lf.value_frame(_serial(i), lf.values_for(i, step)),
                lib.data_reply(_serial(i)), timeout=5,
                what="data reply of %s while the broker is down" % _nid(i))
            worst = max(worst, dt)
        # one frame a second per inverter for the 30 s outage (the test)
        time.sleep(max(0, t_down + step * 1.0 - time.monotonic()))
    last = {i: lf.expected_groups(lf.values_for(i, step)) for i in range(N)}
    print("    broker down %.1fs: %d frames per inverter, worst answer %.3fs"
          % (time.monotonic() - t_down, step, worst))
    check(worst < 2, "answer latency %.2fs while the broker is down" % worst)

    c = lib.broker_back(d, b)
    t_up = time.monotonic()
    for i in range(N):
        for grp, want in sorted(last[i].items()):
            left = max(1, 60 - (time.monotonic() - t_up))
            c.wait("tsun/%s/%s" % (_nid(i), grp),
                   lambda m: not lf.group_matches(m.json(), want), left,
                   what="the last %s values of %s" % (grp, _nid(i)))
    print("    every inverter's last values on the broker %.1fs after it "
          "came back" % (time.monotonic() - t_up))
    # and nothing older follows: the last message of each group topic
    # carries the last values; every group known before is there again
    # (a time window: 2 s for anything older to arrive)
    time.sleep(2)
    for i in range(N):
        for grp in sorted(groups[_nid(i)]):
            m = c.last("tsun/%s/%s" % (_nid(i), grp))
            check(m is not None, "tsun/%s/%s not published after the broker "
                  "came back" % (_nid(i), grp))
            if grp in last[i]:
                diff = lf.group_matches(m.json(), last[i][grp])
                check(not diff, "tsun/%s/%s last message is not the latest "
                      "state: %s" % (_nid(i), grp, diff))
    check(d.workers() == w0, "workers restarted: %s -> %s"
          % (w0, d.workers()))


# ----------------------------------------------------------------------
# clouds that do not behave, under sustained traffic

def _cloud_run(build, cloud, secs=10, big=False):
    """Three inverters send for secs seconds; return (worst latency,
    frames, pss before, pss after, daemon, broker client, traffic)."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/+/grid",))
    n = 3
    # ASan builds: a small quarantine, so that PSS shows what is live
    old_opts = os.environ.get("ASAN_OPTIONS")
    os.environ["ASAN_OPTIONS"] = ((old_opts + ":") if old_opts else "") + \
        "quarantine_size_mb=8"
    try:
        d = lf.FDaemon(build, b.port, gen3=[(_serial(i), _nid(i))
                                            for i in range(n)],
                       tsun_cloud=cloud.port)
    finally:
        if old_opts is None:
            del os.environ["ASAN_OPTIONS"]
        else:
            os.environ["ASAN_OPTIONS"] = old_opts
    w0 = d.workers()
    pid = w0["proxyd"]
    traffic = []
    for i in range(n):
        s = _serial(i)
        if big:
            fr = (lambda s: lambda k: lib.data_frame(
                "test_msg_inv_ind4", s))(s)
        else:
            fr = (lambda s, i: lambda k: lf.value_frame(
                s, lf.values_for(i, k)))(s, i)
        inv = d.inverter(s)
        lib.bring_up(inv, s)
        traffic.append(Traffic(d, s, frame=fr, interval=0, inv=inv,
                               reply_timeout=5))
    for t in traffic:
        t.wait_more(20, 10, what="traffic to flow")
    lib.wait_until(lambda: cloud.accepted >= 1, 10,
                   what="the proxy's first cloud connection")
    pss0 = lf.pss_kb(pid)
    t0 = time.monotonic()
    mid = None
    while time.monotonic() - t0 < secs:
        time.sleep(0.5)		# secs of sustained traffic (the test)
        if mid is None and time.monotonic() - t0 >= secs / 2:
            mid = lf.pss_kb(pid)
        for t in traffic:
            check(not t.errors, "inverter %s: %s" % (t.serial, t.errors))
    for t in traffic:
        t.halt()
        check(not t.errors, "inverter %s: %s" % (t.serial, t.errors))
    pss1 = lf.pss_kb(pid)
    worst = max(t.worst for t in traffic)
    frames = sum(t.n for t in traffic)
    lat = sorted(x for t in traffic for x in t.lat)
    p99 = lat[int(len(lat) * 0.99)] if lat else 0
    asan = lf.is_asan(pid)
    print("    %s cloud: %d answers in %.1fs, latency worst %.3fs p99 %.3fs; "
          "proxyd PSS %s kB -> %s kB (mid %s kB)%s"
          % (cloud.mode if hasattr(cloud, "mode") else "?", frames,
             time.monotonic() - t0, worst, p99, pss0, pss1, mid,
             " (ASan)" if asan else ""))
    check(frames > 100, "only %d frames answered in %ds" % (frames, secs))
    check(worst < 2, "answer latency %.2fs" % worst)
    check(pss0 and pss1, "no PSS of proxyd (pid %d)" % pid)
    # generous: a bounded backlog is 128 kB per cloud link; ASan keeps
    # freed memory in its quarantine (8 MB here) plus shadow memory
    bound = (64 if asan else 32) * 1024
    check(pss1 - pss0 < bound, "proxyd PSS grew by %d kB (bound %d kB)"
          % (pss1 - pss0, bound))
    check(d.workers() == w0, "workers restarted: %s -> %s"
          % (w0, d.workers()))
    # the data went on to MQTT all the time
    for i, t in enumerate(traffic):
        if not big:
            want = lf.expected_groups(lf.values_for(i, t.last_value))["grid"]
            c.wait("tsun/%s/grid" % _nid(i),
                   lambda m: not lf.group_matches(m.json(), want), 10,
                   what="last grid values of %s" % _nid(i))
    return d, traffic


@lib.timeout(60)
def test_cloud_deaf_sustained(build):
    cloud = lib.FakeCloud("deaf")
    cloud.mode = "deaf (never reads)"
    try:
        d, traffic = _cloud_run(build, cloud, big=True)
        check(cloud.accepted >= 1, "the proxy never connected to the cloud")
        r = d.ctl_run("show", "counters")
        m = re.search(r"Cloud_Frames_Dropped\s+(\d+)", r.stdout)
        log("Cloud_Frames_Dropped %s" % (m and m.group(1)))
        check(m and int(m.group(1)) > 0, "no cloud frame dropped: %s"
              % r.stdout)
    finally:
        cloud.close()


@lib.timeout(60)
def test_cloud_reset(build):
    cloud = lf.FaultCloud("reset")
    try:
        d, traffic = _cloud_run(build, cloud)
        log("cloud connections accepted and reset: %d" % cloud.accepted)
        check(cloud.accepted >= 3, "the proxy connected %d times to a "
              "cloud that resets every connection" % cloud.accepted)
        check(re.search(r"cloud link to 127\.0\.0\.1:%d closed|cloud "
                        r"127\.0\.0\.1:%d not reachable"
                        % (cloud.port, cloud.port), d.log()),
              "no log line about the cloud link failing")
    finally:
        cloud.close()


@lib.timeout(60)
def test_cloud_garbage(build):
    cloud = lf.FaultCloud("garbage", seed=1)
    try:
        d, traffic = _cloud_run(build, cloud)
        log("garbage cloud: %d connections, %d bytes in, %d bytes out"
            % (cloud.accepted, cloud.received, cloud.sent))
        check(cloud.received > 0 and cloud.sent > 0,
              "no exchange with the garbage cloud")
    finally:
        cloud.close()


# ----------------------------------------------------------------------

@lib.timeout(120)
def test_kill_workers_5_times(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    d = lf.FDaemon(build, b.port)
    w = d.workers()
    d.wait_log(r"tsun-mqttd: .*connected to MQTT broker", 10)
    fds0 = lf.fd_count(d.pid)
    targets0 = lf.fd_targets(d.pid)
    tr = Traffic(d, reconnect=True, interval=0.02, reply_timeout=2)
    seen = set(w.values())
    try:
        tr.wait_more(5, 10, what="traffic to flow")
        for rnd in range(1, 6):
            t0 = time.monotonic()
            os.kill(w["proxyd"], signal.SIGKILL)
            os.kill(w["mqttd"], signal.SIGKILL)
            w = d.wait_workers(30, exclude=seen)
            seen |= set(w.values())
            t1 = time.monotonic()
            # the inverter is served by the new proxyd
            n0 = tr.n
            lib.wait_until(lambda: tr.n > n0 + 3, 15,
                           what="answers after restart %d" % rnd)
            try:
                lib.wait_until(lambda: not lf.zombies(d.pid), 0.3,
                               what="no zombie")
            except lib.TestFailure:
                pass		# the check below says which
            z = lf.zombies(d.pid)
            log("round %d: workers back after %.2fs, traffic after %.2fs, "
                "%d reconnects; zombies %s" % (rnd, t1 - t0,
                                              time.monotonic() - t0,
                                              tr.reconnects, z))
            check(not z, "zombie children of tsun-cfgd: %s" % z)
    finally:
        tr.halt()
    check(d.proc.poll() is None, "tsun-cfgd exited")
    text = d.log()
    for name in ("tsun-proxyd", "tsun-mqttd"):
        waits = [int(x) for x in
                 re.findall(r"restarting %s in (\d+) s" % name, text)]
        print("    %s restart delays: %s s" % (name, waits))
        check(waits == [0, 1, 2, 4, 8], "%s: back-off %s, expected "
              "[0, 1, 2, 4, 8] (architecture.md 6)" % (name, waits))
    # the data of the last round reached MQTT through the new workers
    v = 200.0 + (tr.last_value % 400) * 0.25
    c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == v, 15,
           what="the last voltage %.2f" % v)
    # descriptors of cfgd: as many as before
    try:
        lib.wait_until(lambda: lf.fd_count(d.pid) == fds0, 5,
                       what="tsun-cfgd descriptors back to %d" % fds0)
    except lib.TestFailure:
        t1 = lf.fd_targets(d.pid)
        raise lib.TestFailure(
            "tsun-cfgd holds %d descriptors, %d before the kills; new: %s, "
            "gone: %s" % (len(t1), fds0,
                          sorted(set(t1) - set(targets0)),
                          sorted(set(targets0) - set(t1))))
    print("    tsun-cfgd descriptors before %d, after %d" %
          (fds0, lf.fd_count(d.pid)))
    check(not lf.zombies(d.pid), "zombies: %s" % lf.zombies(d.pid))


# ----------------------------------------------------------------------

def _eof(s):
    """Has the peer closed s (EOF or reset)?  Never waits."""
    s.setblocking(False)
    try:
        d = s.recv(4096)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return d == b""


def _open_idle(port, n, timeout=5):
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            break
        out.append(s)
    return out


@lib.timeout(90)
def test_slowloris_cap(build):
    lf.raise_nofile(16384)
    b = lib.Broker()
    # the new inverter is another device: one connection owns a serial
    sn2 = "R170000000000002"
    d = lf.FDaemon(build, b.port, max_connections=300,
                   timeouts={"unidentified": 3},
                   gen3=((lib.SERIAL1, "inv_1"), (sn2, "inv_2")))
    pid = d.workers()["proxyd"]
    inv = d.inverter()
    lib.bring_up(inv)
    socks = []
    trickle = []
    try:
        t0 = time.monotonic()
        socks = _open_idle(d.gen3_port, 2000)
        check(len(socks) == 2000, "only %d of 2000 connects succeeded"
              % len(socks))
        # and connections sending one byte a second (a contact frame)
        slow = lib.contact_frame("R170000000000077")
        trickle = _open_idle(d.gen3_port, 50)
        t_open = time.monotonic()
        log("2050 connections opened in %.2fs" % (t_open - t0))
        stop = threading.Event()
        sent = [0]

        def drip():
            k = 0
            while not stop.is_set() and k < len(slow):
                for s in trickle:
                    try:
                        s.send(slow[k:k + 1])
                    except OSError:
                        pass
                k += 1
                sent[0] = k
                stop.wait(1)
        th = threading.Thread(target=drip, daemon=True)
        th.start()
        # a new inverter is served although the table is full
        d.wait_log(r"evicted: connection limit reached", 5)
        t1 = time.monotonic()
        new = d.inverter(sn2)
        lib.bring_up(new, sn2)
        dt = lib.expect_reply(new, lib.data_frame(serial=sn2, voltage=231.0),
                              lib.data_reply(sn2), what="data reply of a new "
                              "inverter at the connection cap")
        print("    new inverter served %.2fs after connecting, at the cap"
              % (time.monotonic() - t1))
        check(dt < 2, "data reply took %.2fs" % dt)
        nfd = lf.fd_count(pid)
        evicted = len(re.findall(r"evicted: connection limit reached",
                                 d.log()))
        log("proxyd descriptors %d, evictions logged %d" % (nfd, evicted))
        # one line, the rest is counted and summed up a minute later
        check(1 <= evicted <= 2, "%d eviction lines logged for 2050 "
              "connections with max_connections 300" % evicted)
        check(nfd <= 300 + 40, "proxyd holds %d descriptors with "
              "max_connections 300" % nfd)
        # the oldest ones were evicted: the first connections are closed
        check(all(lib.wait_until(lambda: _eof(s), 3, what="eviction")
                  for s in socks[:100]),
              "the oldest connections are still open")
        # the idle rest is closed at the unidentified timeout (3 s)
        probes = _open_idle(d.gen3_port, 20)
        tp = time.monotonic()
        closed_at = {}

        def all_closed():
            now = time.monotonic()
            for s in probes:
                if s not in closed_at and _eof(s):
                    closed_at[s] = now - tp
            return len(closed_at) == len(probes)
        lib.wait_until(all_closed, 10, interval=0.1,
                       what="idle connections closed at their timeout")
        lo, hi = min(closed_at.values()), max(closed_at.values())
        print("    idle connections closed %.2f..%.2fs after connecting "
              "(timeouts.unidentified = 3)" % (lo, hi))
        check(lo >= 2.5 and hi <= 6, "idle connections closed after "
              "%.2f..%.2fs, timeout 3 s" % (lo, hi))
        still = [s for s in socks if not _eof(s)]
        log("flood connections still open %.1fs after the flood: %d"
            % (time.monotonic() - t_open, len(still)))
        check(not still, "%d idle flood connections still open after "
              "their timeout" % len(still))
        # trickling connections never identify themselves: the
        # unidentified timeout counts from the connect, bytes or not
        try:
            lib.wait_until(lambda: all(_eof(s) for s in trickle),
                           max(0, t_open + 7 - time.monotonic()),
                           interval=0.1, what="trickling connections closed")
        except lib.TestFailure:
            pass		# the check below says how many
        topen = [s for s in trickle if not _eof(s)]
        log("trickling connections (1 byte/s, %d bytes so far) still open "
            "%.1fs after connecting: %d of %d"
            % (sent[0], time.monotonic() - t_open, len(topen),
               len(trickle)))
        check(not topen, "%d trickling connections outlived "
              "timeouts.unidentified" % len(topen))
        stop.set()
        th.join(3)
        # the identified inverters were never affected
        lib.expect_reply(inv, lib.data_frame(voltage=232.0),
                         lib.data_reply(), what="data reply on the first "
                         "connection")
        lib.expect_reply(new, lib.data_frame(serial=sn2, voltage=233.0),
                         lib.data_reply(sn2), what="data reply on the new "
                         "connection")
        check(d.workers()["proxyd"] == pid, "proxyd restarted")
    finally:
        for s in socks + trickle:
            s.close()


@lib.timeout(60)
def test_fd_exhaustion_no_busy_loop(build):
    lf.raise_nofile(16384)
    b = lib.Broker()
    d = lf.FDaemon(build, b.port, nofile=200, max_connections=1000,
                   timeouts={"unidentified": 60})
    pid = d.workers()["proxyd"]
    inv = d.inverter()
    lib.bring_up(inv)
    base = lf.fd_count(pid)
    socks = []
    try:
        # more than the descriptors left; past the listen queue the
        # connects time out (SYNs dropped), which ends the loop
        socks = _open_idle(d.gen3_port, 200 - base + 150, timeout=1)
        log("proxyd had %d descriptors, %d connections opened" %
            (base, len(socks)))
        d.wait_log(r"not accepting until a connection closes", 10)
        nfd = lf.fd_count(pid)
        c0, t0 = lf.cpu_ticks(pid), time.monotonic()
        time.sleep(3)		# CPU used over 3 s (the test)
        c1, t1 = lf.cpu_ticks(pid), time.monotonic()
        cpu = (c1 - c0) / float(lf.CLK_TCK)
        print("    descriptors full (%d, limit 200): proxyd used %.2fs CPU "
              "in %.1fs" % (nfd, cpu, t1 - t0))
        check(nfd >= 195, "proxyd has only %d descriptors open" % nfd)
        check(cpu < 0.5, "proxyd used %.2fs CPU in %.1fs while it could "
              "not accept: busy loop?" % (cpu, t1 - t0))
        n = len(re.findall(r"not accepting until a connection closes",
                           d.log()))
        check(n < 20, "%d 'not accepting' log lines in 3 s" % n)
        # established connections are served all the while
        lib.expect_reply(inv, lib.data_frame(voltage=234.0),
                         lib.data_reply(), what="data reply with the "
                         "descriptor table full")
        # connections close: it accepts again
        for s in socks:
            s.close()
        socks = []
        new = lib.Gen3Inverter(d.gen3_port, timeout=5)
        lib.bring_up(new)
        lib.expect_reply(new, lib.data_frame(voltage=235.0),
                         lib.data_reply(), what="data reply of a new "
                         "inverter after descriptors were freed")
        check(d.workers()["proxyd"] == pid, "proxyd restarted")
    finally:
        for s in socks:
            s.close()


# ----------------------------------------------------------------------

@lib.timeout(60)
def test_sighup_under_traffic(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    s3, s4 = "R170000000000003", "R170000000000004"
    gen3 = [(lib.SERIAL1, "inv_1"), (lib.SERIAL2, "inv_2"), (s3, "inv_3")]
    d = lf.FDaemon(build, b.port, gen3=gen3)
    w0 = d.workers()
    invs = {}
    for s in (lib.SERIAL1, lib.SERIAL2, s3):
        invs[s] = d.inverter(s)
        lib.bring_up(invs[s], s)
    tr = {s: Traffic(d, s, inv=invs[s], interval=0.01)
          for s in (lib.SERIAL1, lib.SERIAL2)}
    socks = {s: invs[s].sock for s in invs}
    try:
        for t in tr.values():
            t.wait_more(5, 10)
        reloads = [
            # another inverter's block changes, a new one comes
            ("inv_3 changed, inv_4 added",
             [(lib.SERIAL1, "inv_1"), (lib.SERIAL2, "inv_2"),
              (s3, "inv_3b", 'suggested_area = "garage"'), (s4, "inv_4")]),
            # again, with inv_2's block changed (only inv_1 must stay)
            ("inv_2 changed",
             [(lib.SERIAL1, "inv_1"),
              (lib.SERIAL2, "inv_2", 'suggested_area = "roof"'),
              (s3, "inv_3b", 'suggested_area = "garage"'), (s4, "inv_4")]),
            # inv_3 removed
            ("inv_3 removed",
             [(lib.SERIAL1, "inv_1"),
              (lib.SERIAL2, "inv_2", 'suggested_area = "roof"'),
              (s4, "inv_4")]),
        ]
        for k, (what, g) in enumerate(reloads):
            # traffic between the reloads
            tr[lib.SERIAL1].wait_more(20, 10, what="answers to inv_1 "
                                      "before reload %d" % (k + 1))
            d.write_config(gen3=g)
            off = d.log_size()
            d.hup()
            d.wait_log(r"tsun-proxyd: .*configuration applied", 10,
                       since=off)
            tr[lib.SERIAL1].wait_more(10, 10, what="answers to inv_1 after "
                                      "reload %d (%s)" % (k + 1, what))
            if k == 0:
                # inv_2 is not concerned by this reload either
                tr[lib.SERIAL2].wait_more(10, 10, what="answers to inv_2 "
                                          "after reload 1")
            log("reload %d (%s): inv_1 %d answers, inv_2 %d answers%s"
                % (k + 1, what, tr[lib.SERIAL1].n, tr[lib.SERIAL2].n,
                   ", errors %s" % tr[lib.SERIAL2].errors
                   if tr[lib.SERIAL2].errors else ""))
        for line in d.log().splitlines():
            if re.search(r"closed: |configuration|device .* (node|gone|"
                         r"removed)", line) and "cloud" not in line:
                log("log: %s" % line)
        inv3_eof = invs[s3].recv(timeout=3) is None and invs[s3].reader.eof
        log("inv_3's connection after its removal: %s"
            % ("closed" if inv3_eof else "open"))
        check(inv3_eof, "the connection of inverter inv_3 (changed, then "
              "removed) is still open (architecture.md 6)")
    finally:
        for t in tr.values():
            t.halt()
    t1 = tr[lib.SERIAL1]
    check(not t1.errors, "inv_1: %s" % t1.errors)
    check(t1.inv.sock is socks[lib.SERIAL1] and not t1.inv.reader.eof,
          "inv_1's connection was replaced or closed")
    print("    3 reloads: inv_1 kept its connection, %d answers, worst "
          "%.3fs" % (t1.n, t1.worst))
    check(t1.worst < 2, "answer latency %.2fs during reloads" % t1.worst)
    check(d.workers() == w0, "workers restarted: %s -> %s"
          % (w0, d.workers()))
    v = 200.0 + (t1.last_value % 400) * 0.25
    c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") == v, 10,
           what="inv_1's last voltage after the reloads")
    # the new inverter works
    inv4 = d.inverter(s4)
    lib.bring_up(inv4, s4)


if __name__ == "__main__":
    lib.main(globals())
