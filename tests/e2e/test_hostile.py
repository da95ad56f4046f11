"""Hostile input end to end: 10,000 mutated frames built from the
vectors at both listeners over many connections, while the clouds answer
the forwarded frames with mutated bytes.  No worker may die, and valid
traffic afterwards is answered correctly.

The RNG is seeded; the seed is printed.  E2E_SEED=N repeats a run."""

import os
import random
import re
import socket
import threading
import time

import lib
import lib_fault as lf
from lib import check, log

NFRAMES = 10000


def _drain(s):
    """Read and drop what the proxy sent, without waiting; False once
    it closed the connection."""
    s.setblocking(False)
    try:
        while True:
            try:
                d = s.recv(65536)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not d:
                return False
    finally:
        s.settimeout(5)


class Sender:
    """Sends n mutated frames of one protocol over many sequential
    connections, each opened with a valid prologue (so that the device
    is identified and its cloud link is opened)."""

    def __init__(self, port, proto, bases, prologue, n, seed):
        self.port = port
        self.proto = proto
        self.bases = bases
        self.prologue = prologue
        self.n = n
        self.rng = random.Random(seed)
        self.sent = 0
        self.conns = 0
        self.closed_by_proxy = 0
        self.kinds = {}
        self.error = None
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _connect(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", self.port),
                                             timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)	# pace the connect retries
        s.settimeout(5)
        self.conns += 1
        for f in self.prologue():
            s.sendall(f)
        return s

    def _run(self):
        try:
            self._loop()
        except Exception as e:
            self.error = "%s: %s" % (type(e).__name__, e)

    def _loop(self):
        rng = self.rng
        s = None
        left = 0
        while self.sent < self.n:
            if s is None:
                s = self._connect()
                left = rng.randint(5, 40)
            # one to three mutated frames in one write
            data = b""
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                kind, f = lf.mutate(rng, rng.choice(self.bases), self.proto,
                                    others=self.bases)
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
                data += f
                self.sent += 1
            alive = True
            try:
                s.sendall(data)
            except OSError:
                alive = False
            alive = alive and _drain(s)
            left -= 1
            if not alive:
                self.closed_by_proxy += 1
            if not alive or left <= 0:
                self._finish(s)
                s = None
        if s is not None:
            self._finish(s)

    @staticmethod
    def _finish(s):
        """Close after the proxy has read everything: half-close, read
        until it closes too (bounded).  A plain close with unread data
        would reset the connection and the proxy would never see the
        last frames."""
        try:
            s.shutdown(socket.SHUT_WR)
            s.settimeout(2)
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()


def _feed_cloud(port, frames, cloud, want, secs):
    """One device connection sends valid frames (forwarded to the cloud,
    which answers each read with mutated frames) until the cloud has
    sent want mutated frames or secs passed.  Reconnects when the proxy
    closes.  Returns the number of valid frames sent."""
    deadline = time.monotonic() + secs
    sent = 0
    s = None
    while cloud.frames_sent < want and time.monotonic() < deadline:
        if s is None:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(frames[sent % len(frames)]())
            sent += 1
        except OSError:
            s.close()
            s = None
            continue
        if not _drain(s):
            s.close()
            s = None
        time.sleep(0.002)	# the sending rate
    if s is not None:
        Sender._finish(s)
    return sent


def _gen3_bases():
    out = lf.base_frames("gen3.json", "inverter->proxy")
    for name in ("test_msg_inv_ind1", "test_msg_inv_ind2",
                 "test_msg_inv_ind4", "test_msg_inv_ind5"):
        out.append(lib.data_frame(name))		# time stamps of now
    return out


def _gen3_prologue():
    return [lib.contact_frame(), lib.data_frame()]


def _g3p_prologue():
    return [lib.unhex(lf.g3p_vec("device_ind_0x4110_ms2000")["hex"]),
            lib.unhex(lf.g3p_vec("data_ind_0x4210_02b0_ms2000_600")["hex"])]


@lib.timeout(170)
def test_mutated_frames(build):
    seed = int(os.environ.get("E2E_SEED") or
               (int(time.time() * 1000) & 0x7fffffff))
    print("    seed %d (E2E_SEED=%d repeats this run)" % (seed, seed))
    rng = random.Random(seed)
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    cloud3 = lf.FaultCloud("mutate", rng.getrandbits(32), "gen3",
                           lf.base_frames("gen3.json", "cloud->proxy"))
    cloudp = lf.FaultCloud("mutate", rng.getrandbits(32), "gen3plus",
                           lf.base_frames("gen3plus.json", "cloud->proxy"))
    try:
        d = lf.FDaemon(build, b.port, gen3=[(lib.SERIAL1, "inv_1")],
                       gen3plus=[(lf.G3P_SERIAL, lf.G3P_MONITOR_SN,
                                  "inv_p")],
                       tsun_cloud=cloud3.port, solarman_cloud=cloudp.port)
        d.wait_log(r"tsun-proxyd: listening on 127\.0\.0\.1:%d"
                   % d.gen3plus_port, 10)
        w0 = d.workers()
        t0 = time.monotonic()
        senders = [
            Sender(d.gen3_port, "gen3", _gen3_bases(), _gen3_prologue,
                   NFRAMES // 2, rng.getrandbits(32)),
            Sender(d.gen3plus_port, "gen3plus",
                   lf.base_frames("gen3plus.json", "inverter->proxy"),
                   _g3p_prologue, NFRAMES - NFRAMES // 2,
                   rng.getrandbits(32)),
        ]
        for s in senders:
            s.th.join(150)
            check(not s.th.is_alive(), "%s sender did not finish" % s.proto)
        dt = time.monotonic() - t0
        for s in senders:
            print("    %s: %d mutated frames over %d connections (%d closed "
                  "by the proxy) in %.1fs; %s"
                  % (s.proto, s.sent, s.conns, s.closed_by_proxy, dt,
                     " ".join("%s=%d" % kv for kv in sorted(s.kinds.items()))))
            check(s.error is None, "%s sender: %s" % (s.proto, s.error))
        # the cloud side: long-lived links, many mutated answers
        feeders = [
            (d.gen3_port, [lib.contact_frame, lib.data_frame,
                           lambda: lib.unhex(lib.vec("test_msg_act_time")
                                             ["hex"])], cloud3),
            (d.gen3plus_port, [lambda: _g3p_prologue()[0],
                               lambda: _g3p_prologue()[1],
                               lambda: lib.unhex(lf.g3p_vec(
                                   "heartbeat_ind_0x4710")["hex"])], cloudp),
        ]
        res = [None, None]

        def feed(k):
            port, frames, cl = feeders[k]
            res[k] = _feed_cloud(port, frames, cl,
                                 cl.frames_sent + NFRAMES // 4, 30)
        ths = [threading.Thread(target=feed, args=(k,), daemon=True)
               for k in range(2)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(40)
        log("valid frames sent to be forwarded: gen3 %s, gen3plus %s"
            % tuple(res))
        print("    clouds: gen3 %d connections, %d mutated frames sent; "
              "gen3plus %d connections, %d mutated frames sent"
              % (cloud3.accepted, cloud3.frames_sent, cloudp.accepted,
                 cloudp.frames_sent))
        check(sum(s.sent for s in senders) >= NFRAMES,
              "only %d frames sent" % sum(s.sent for s in senders))
        check(cloud3.frames_sent >= NFRAMES // 4 and
              cloudp.frames_sent >= NFRAMES // 4,
              "the clouds sent only %d (gen3), %d (gen3plus) mutated frames"
              % (cloud3.frames_sent, cloudp.frames_sent))
        # the clouds stop answering: what follows is deterministic
        cloud3.mode = cloudp.mode = "quiet"
        time.sleep(1)		# a crash on what is in flight shows within 1 s
        check(d.proc.poll() is None, "tsun-cfgd exited")
        w1 = d.workers()
        check(w1 == w0, "workers restarted: %s -> %s" % (w0, w1))
        r = d.ctl_run("show", "counters")
        log("counters:\n%s" % r.stdout.strip())
        bad = [l for l in d.log().splitlines()
               if re.search(r"\b(died|exited)\b", l)]
        check(not bad, "in the log: %s" % bad[:5])

        # valid traffic is answered correctly
        inv = d.inverter()
        lib.bring_up(inv)
        lib.expect_reply(inv, lib.data_frame(voltage=239.25),
                         lib.data_reply(), what="GEN3 data reply after "
                         "the hostile input")
        c.wait("tsun/inv_1/grid", lambda m: m.json().get("Voltage") ==
               239.25, 10, what="GEN3 values on MQTT after the hostile "
               "input")
        p = d.g3p()
        lf.g3p_bring_up(p)
        check(d.workers() == w0, "workers restarted: %s -> %s"
              % (w0, d.workers()))
    finally:
        cloud3.close()
        cloudp.close()


if __name__ == "__main__":
    lib.main(globals())
