"""What the manual promises an administrator: the listener "*", reload
and its outcome in tsun-ctl, tsun-ctl's exit codes, show inverters."""

import os
import re
import socket
import subprocess

import lib
from lib import check, log


def star_config(d, port):
    """d's configuration with the GEN3 listener on "*" port."""
    return d.config_text().replace(
        'tsun { listen_address = "127.0.0.1" listen_port = %d'
        % d.gen3_port, 'tsun { listen_address = "*" listen_port = %d' % port)


def test_ipv6_bind_failure_is_a_warning(build):
    if not socket.has_ipv6:
        lib.skip("no IPv6")
    # the port is taken on IPv6 only: "*" can bind IPv4 alone
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::", 0))
    except OSError as e:
        lib.skip("no IPv6 socket: %s" % e)
    port = s6.getsockname()[1]
    s6.listen(1)
    b = lib.Broker()
    d = lib.Daemon(build, b.port, start=False)
    d.write_config(star_config(d, port))
    d.start(wait=False)
    d.wait_workers()
    d.wait_log(r"tsun-proxyd: listening on 0\.0\.0\.0:%d" % port)
    line = d.wait_log(r"bind \[::\]:%d failed, listening on IPv4 only: "
                      r"Address already in use" % port).group(0)
    log(line)
    check("no IPv6 on this machine" not in d.log(),
          "a port in use reported as a machine without IPv6")
    # IPv4 is served
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.close()
    s6.close()


if __name__ == "__main__":
    lib.main(globals())
