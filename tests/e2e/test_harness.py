"""The harness's MQTT client (lib.MQTTClient on paho-mqtt) against a
real mosquitto, without the daemon: what it waits for arrives, what
never comes makes it fail in time, a lost broker fails it at once."""

import threading
import time

import lib
from lib import check


def _fails(fn, what):
    """Run fn; it must raise TestFailure.  Returns (seconds, message)."""
    t0 = time.monotonic()
    try:
        fn()
    except lib.TestFailure as e:
        return time.monotonic() - t0, str(e)
    raise lib.TestFailure("%s did not fail" % what)


def test_publish_subscribe_retained(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("e2e/#",))
    other = lib.MQTTClient(b.port, subscribe=())
    # publish returns after the PUBACK: the broker has passed it on
    other.publish("e2e/a", "1", retain=True)
    other.publish("e2e/b", b"\x00\xff")
    m = c.wait("e2e/+", lambda m: m.payload == b"1", 5)
    check(m.text() == "1" and not m.retain, "live message %r" % m)
    c.wait("e2e/b", timeout=5)
    check([m.topic for m in c.all("e2e/#")] == ["e2e/a", "e2e/b"],
          "messages %r" % c.all())
    check(c.all("e2e/a", since=c.mark()) == [], "since= sees the past")
    r = lib.retained(b.port, "e2e/a")
    check(r is not None and r.retain and r.payload == b"1",
          "retained e2e/a: %r" % r)
    check(lib.retained(b.port, "e2e/b") is None, "e2e/b retained")
    check(lib.retained_all(b.port) == {"e2e/a": b"1"},
          "retained_all: %r" % lib.retained_all(b.port))
    other.publish("e2e/json", '{"x": 1}', retain=True)
    check(lib.wait_retained(b.port, "e2e/json").json() == {"x": 1},
          "wait_retained e2e/json")
    other.close()
    c.close()


def test_wait_times_out(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    dt, msg = _fails(lambda: c.wait("e2e/never", timeout=0.5,
                                    what="nothing"), "wait on a silent topic")
    check(0.5 <= dt < 1.5, "wait(timeout=0.5) failed after %.2fs" % dt)
    check("nothing on e2e/never" in msg, "message %r" % msg)
    # a predicate nothing matches: the same
    c.publish("e2e/x", "a")
    dt, _ = _fails(lambda: c.wait("e2e/x", lambda m: m.text() == "b",
                                  timeout=0.3), "wait with a predicate")
    check(0.3 <= dt < 1.3, "wait(timeout=0.3) failed after %.2fs" % dt)
    # since= skips what came before
    c.wait("e2e/x", timeout=5)
    t = c.mark()
    _fails(lambda: c.wait("e2e/x", timeout=0.3, since=t), "wait since")
    dt, _ = _fails(lambda: lib.wait_retained(b.port, "e2e/never",
                                             timeout=0.3),
                   "wait_retained on nothing")
    check(dt < 1.3, "wait_retained(timeout=0.3) failed after %.2fs" % dt)


def test_broker_gone_fails_at_once(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    b.stop()
    dt, msg = _fails(lambda: c.wait("e2e/never", timeout=10),
                     "wait after the broker stopped")
    check(dt < 2, "wait failed %.2fs after the broker stopped" % dt)
    check("closed" in msg, "message %r" % msg)
    _fails(lambda: c.publish("e2e/x", "a", timeout=2), "publish without "
           "a broker")
    c.close()
    try:
        lib.MQTTClient(b.port)
    except OSError:
        pass
    else:
        raise lib.TestFailure("connected to a stopped broker")


def test_quiet(build):
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    other = lib.MQTTClient(b.port, subscribe=())

    def talk():
        for i in range(10):
            other.publish("e2e/t", str(i))
            time.sleep(0.1)	# a message every 0.1 s for 1 s
    th = threading.Thread(target=talk, daemon=True)
    th.start()
    c.wait("e2e/t", timeout=5)
    t = c.quiet(0.5, timeout=5)
    th.join(5)
    last = c.last("e2e/t")
    check(last.text() == "9" and t - last.time >= 0.5,
          "quiet returned %.2fs after %r" % (t - last.time, last))
    other.publish("e2e/t", "x")
    c.wait("e2e/t", lambda m: m.text() == "x", 5)
    dt, _ = _fails(lambda: c.quiet(0.5, timeout=0.2), "quiet in traffic")
    check(dt < 1, "quiet(timeout=0.2) failed after %.2fs" % dt)


if __name__ == "__main__":
    lib.main(globals())
