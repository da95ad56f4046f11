"""Amplification and log floods (issue 13 item 7): what a peer can cause
at will stays bounded on MQTT and in the log."""

import os
import re
import signal
import socket
import time

import lib
from lib import check, log


def test_ha_birth_flood(build):
    """200 births of Home Assistant: one re-send of the discovery, not
    200 (each is every entity of every device)."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port)
    d = lib.Daemon(build, b.port)
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    topic = "homeassistant/sensor/inv_1/out_volt_%s/config" % lib.SERIAL1
    c.wait(topic, timeout=10, what="first discovery")
    t = c.quiet()
    n = 200
    for _ in range(n):
        c.publish("homeassistant/status", "online")
    c.wait(topic, timeout=10, since=t, what="discovery after the births")
    c.quiet(secs=1.5, timeout=20)
    resent = len(c.all(topic, since=t))
    total = len(c.all("homeassistant/#", since=t)) - n
    log("%d births: the discovery of one entity went out %d times, %d "
        "discovery messages in all" % (n, resent, total))
    check(resent == 1, "%d births caused %d re-sends of the discovery"
          % (n, resent))
    # another birth soon after: at most one more, and not at once
    t = c.mark()
    c.publish("homeassistant/status", "online")
    time.sleep(2)		# no answer within 2 s (the test)
    check(not c.all(topic, since=t), "a birth right after a re-send was "
          "answered at once")
    lines = len(re.findall(r"Home Assistant is online", d.log()))
    check(lines == 1, "%d log lines for the births" % lines)


def test_connect_no_publish(build):
    """A TCP connection that never names a device publishes nothing."""
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    d = lib.Daemon(build, b.port)
    c.wait("tsun/proxy/proxy", timeout=10, what="the proxy counters")
    t = c.quiet()
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", d.gen3_port), 2)
        s.close()
    time.sleep(1.5)		# no publish within 1.5 s (the test)
    n = len(c.all("tsun/proxy/proxy", since=t))
    log("50 empty connections: %d publishes of the proxy counters" % n)
    check(n == 0, "50 connections that sent nothing caused %d publishes"
          % n)
    # a device that identifies is counted and published as before
    inv = d.inverter()
    lib.bring_up(inv)
    m = c.wait("tsun/proxy/proxy", lambda m: m.json().get("Inverter_Cnt")
               == 1, timeout=10, since=t, what="Inverter_Cnt 1")
    check(m is not None, "no counters after a device connected")


def test_unknown_serial_log_flood(build):
    """Thousands of frames of an unknown serial, from one connection and
    from many: a bounded number of log lines."""
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    off = d.log_size()
    frame = lib.contact_frame("R17000000000BAD1")
    s = socket.create_connection(("127.0.0.1", d.gen3_port), 2)
    n = 5000
    try:
        s.sendall(frame * n)
    except OSError:
        pass
    for _ in range(20):
        try:
            o = socket.create_connection(("127.0.0.1", d.gen3_port), 2)
            o.sendall(frame * 10)
            o.close()
        except OSError:
            pass
    # a configured device still gets in, and its lines are all there
    inv = d.inverter()
    lib.bring_up(inv)
    d.wait_log(r"device %s node inv_1" % lib.SERIAL1, 10, since=off)
    s.close()
    text = d.log()[off:]
    refused = len(re.findall(r"unknown device R17000000000BAD1 refused",
                             text))
    log("%d frames of an unknown serial: %d log lines" % (n + 200, refused))
    check(1 <= refused <= 2, "%d log lines for %d unknown-serial frames"
          % (refused, n + 200))



@lib.timeout(90)
def test_log_queue_bounded_while_cfgd_stopped(build):
    """tsun-cfgd stopped (SIGSTOP) while tsun-proxyd logs every frame
    (-vv): proxyd's queue of log lines stays bounded, and says how many
    lines it dropped once tsun-cfgd reads again."""
    import lib_fault as lf
    b = lib.Broker()
    d = lib.Daemon(build, b.port)
    r = d.ctl_run("log", "verbose")
    check(r.returncode == 0, "log verbose: %s" % r.stdout)
    inv = d.inverter()
    lib.bring_up(inv)
    pid = d.workers()["proxyd"]
    frame = lib.data_frame()
    reply = lib.data_reply()
    # warm up: buffers and the allocator at their working size
    for _ in range(20):
        lib.expect_reply(inv, frame, reply)
    before = lf.pss_kb(pid)
    os.kill(d.pid, signal.SIGSTOP)
    try:
        sent = 0
        for _ in range(60):
            inv.send(frame * 50)
            for _ in range(50):
                check(inv.recv(timeout=5) is not None, "no reply with "
                      "tsun-cfgd stopped")
            sent += 50
        during = lf.pss_kb(pid)
    finally:
        os.kill(d.pid, signal.SIGCONT)
    log("%d frames at -vv with tsun-cfgd stopped: proxyd PSS %d -> %d kB"
        % (sent, before, during))
    check(during - before < 2048, "proxyd grew by %d kB while tsun-cfgd "
          "was stopped" % (during - before))
    m = d.wait_log(r"tsun-proxyd: (\d+) log lines dropped", 15)
    log("after SIGCONT: %s log lines dropped" % m.group(1))
    check(int(m.group(1)) > 0, "a count of 0")
    # and logging goes on
    since = d.log_size()
    lib.expect_reply(inv, frame, reply)
    d.wait_log(r"tsun-proxyd: .* from device: \d+ bytes", 5, since=since)


if __name__ == "__main__":
    lib.main(globals())
