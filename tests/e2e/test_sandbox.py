"""The workers' sandbox and their reaction to malformed IPC.

Needs a test build (TEST_HOOKS=1: tsun-ctl gains 'debug' commands that
make tsun-cfgd inject the faults); it is made here in build-hooks/, with
the seccomp filter on (as a production build has it)."""

import os
import platform
import re
import signal

import lib
from lib import check, log, hooks_build




def start():
    b = lib.Broker()
    d = lib.Daemon(hooks_build(), b.port)
    d.wait_workers()
    return b, d


def forget_faults(d):
    # the faults below are wanted: keep the log checker from counting them
    open(d.logfile, "w").close()


@lib.timeout(240)
def test_sandbox_forbids_open_and_exec(build):
    if platform.system() != "Linux":
        lib.skip("seccomp is Linux only")
    b, d = start()
    for name in ("proxyd", "mqttd"):
        before = d.workers()
        since = d.log_size()
        r = d.ctl_run("debug", "sandbox", name)
        check(r.returncode == 0, "debug sandbox %s: %s" % (name, r.stdout))
        # open(2) is refused, exec(2) kills the worker with SIGSYS
        d.wait_log(r"tsun-%s: sandbox test: open failed" % name,
                   timeout=10, since=since)
        d.wait_log(r"tsun-%s died on signal 31 \(system call not allowed\)"
                   % name, timeout=10, since=since)
        text = d.log()[since:]
        check("open succeeded" not in text, "a worker opened a file")
        check("exec failed" not in text,
              "exec was refused instead of killing the worker")
        # each its own filter: what only the other worker needs kills it
        m = re.search(r"sandbox test: \w+ allowed", text)
        check(m is None, "%s: %s" % (name, m and m.group(0)))
        w = d.wait_workers(exclude=(before[name],))
        log("%s %d -> %d" % (name, before[name], w[name]))
    forget_faults(d)
    d.stop()
    b.stop()


@lib.timeout(240)
def test_malformed_ipc_kills_and_restarts(build):
    b, d = start()
    for name in ("proxyd", "mqttd"):
        before = d.workers()
        since = d.log_size()
        r = d.ctl_run("debug", "badipc", name)
        check(r.returncode == 0, "debug badipc %s: %s" % (name, r.stdout))
        d.wait_log(r"tsun-%s: fatal: malformed IPC message VERBOSE" % name,
                   timeout=10, since=since)
        d.wait_log(r"tsun-%s exited with status 1" % name, timeout=10,
                   since=since)
        w = d.wait_workers(exclude=(before[name],))
        log("%s %d -> %d" % (name, before[name], w[name]))
    # the restarted proxyd serves inverters again
    inv = lib.Gen3Inverter(d.gen3_port, retry_for=10)
    lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply())
    inv.close()
    forget_faults(d)
    d.stop()
    b.stop()


@lib.timeout(240)
def test_watchdog_kills_a_stuck_worker(build):
    """A worker that stops answering (here: SIGSTOP, as a busy loop would
    look) is killed by the supervisor's watchdog and restarted.  The test
    build pings every second and gives up after 3 s (production: 10 s and
    45 s)."""
    b, d = start()
    for name in ("proxyd", "mqttd"):
        before = d.workers()
        since = d.log_size()
        os.kill(before[name], signal.SIGSTOP)
        d.wait_log(r"tsun-%s has not answered for \d+ s: killing it" % name,
                   timeout=15, since=since)
        w = d.wait_workers(exclude=(before[name],))
        log("%s %d -> %d" % (name, before[name], w[name]))
    inv = lib.Gen3Inverter(d.gen3_port, retry_for=10)
    lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply())
    inv.close()
    forget_faults(d)
    d.stop()
    b.stop()


if __name__ == "__main__":
    lib.main(globals())
