"""The daily reset follows the wall clock (issue 14 item 7): the daemon
runs under libfaketime, whose clock jumps a few seconds after the start
(FAKETIME_START_AFTER_SECONDS) and jumps back to the real time later
(FAKETIME_STOP_AFTER_SECONDS), as NTP moves the clock of a machine
without a real-time clock.  The monotonic clock is left alone, as NTP
leaves it."""

import os
import time

import lib
from lib import check, log

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
RESET = "tsun-mqttd: local midnight: daily values reset"


def _faked(build, b, fake, start_after, stop_after=None):
    """The daemon under libfaketime: its clock jumps to fake (a local
    time, datetime-like string) start_after seconds after it started."""
    if not os.path.exists(FAKETIME):
        lib.skip("libfaketime not installed (sh mk/deps.sh)")
    env = {"LD_PRELOAD": FAKETIME, "FAKETIME": "@" + fake,
           "FAKETIME_START_AFTER_SECONDS": str(start_after),
           "FAKETIME_DONT_FAKE_MONOTONIC": "1",
           "FAKETIME_NO_CACHE": "1"}
    if stop_after is not None:
        env["FAKETIME_STOP_AFTER_SECONDS"] = str(stop_after)
    # the sanitizer build: libfaketime is preloaded ahead of ASan's runtime
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        "verify_asan_link_order=0"
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        d = lib.Daemon(build, b.port)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return d


def _away_from_midnight():
    """Seconds since local midnight, after waiting out a real midnight
    that is less than a minute away."""
    lt = time.localtime()
    tod = lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec
    if tod > 86400 - 60:
        time.sleep(86400 - tod + 2)
        lt = time.localtime()
        tod = lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec
    return tod


def _zeroes(c, since):
    return [m for m in c.all("tsun/inv_1/total", since=since)
            if m.json() == {"Daily_Generation": 0}]


def _data(d, c):
    inv = d.inverter()
    lib.bring_up(inv)
    lib.expect_reply(inv, lib.data_frame(), lib.data_reply())
    c.wait("tsun/inv_1/total", timeout=10, what="the daily values")
    return inv


@lib.timeout(60)
def test_jump_to_late_evening(build):
    """Started in the day, the clock moved to 23:59:52: the reset comes
    at midnight, once."""
    _away_from_midnight()
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    start_after = 5
    # the clock at the start is fake - start_after, at the jump 23:59:52
    fake = time.strftime("%Y-%m-%d 23:59:") + "%02d" % (52 - start_after)
    t0 = time.monotonic()
    d = _faked(build, b, fake, start_after)
    _data(d, c)
    t = c.mark()
    check(not _zeroes(c, None), "a reset before the clock jumped")
    m = c.wait("tsun/inv_1/total", lambda m: m.json() ==
               {"Daily_Generation": 0}, timeout=25, since=t,
               what="the reset at the faked midnight")
    # the jump came 5 s after the start, midnight 8 s after the jump
    dt = m.time - t0
    log("reset %.1fs after the start (midnight at about %ds)"
        % (dt, start_after + 8))
    check(start_after + 8 - 1 <= dt <= start_after + 8 + 4,
          "the reset came %.1fs after the start, not at the faked "
          "midnight" % dt)
    c.wait("tsun/inv_1/input", lambda m: m.json().get("pv1") ==
           {"Daily_Generation": 0}, timeout=5, since=t,
           what="pv1 daily reset")
    time.sleep(3)		# and no second reset within 3 s (the test)
    check(len(_zeroes(c, t)) == 1, "%d resets" % len(_zeroes(c, t)))
    check(d.log().count(RESET) == 1, "%d reset lines in the log"
          % d.log().count(RESET))


@lib.timeout(60)
def test_jump_back_within_day(build):
    """The clock goes back to the morning, then forward to the real
    time, all on one date: no reset."""
    tod = _away_from_midnight()
    if tod < 1200:
        lib.skip("too early in the day to jump back within it")
    b = lib.Broker()
    c = lib.MQTTClient(b.port, subscribe=("tsun/#",))
    start_after, stop_after = 4, 9
    back = time.time() - tod // 2
    fake = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(back))
    d = _faked(build, b, fake, start_after, stop_after)
    _data(d, c)
    t = c.mark()
    # no reset past both jumps and a few checks of the clock (every 2 s;
    # the test)
    time.sleep(stop_after + 5)
    log("clock: real, back %d min to %s, real again: %d resets"
        % (tod // 2 // 60, fake[11:], len(_zeroes(c, t))))
    check(not _zeroes(c, t), "a daily reset in the middle of the day")
    check(RESET not in d.log(), "a reset line in the log")
    check("jumped into a new day" not in d.log(),
          "a jump within the day taken for a new day")


if __name__ == "__main__":
    lib.main(globals())
