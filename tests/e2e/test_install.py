#!/usr/bin/env python3
"""make install into a DESTDIR lays out every file where the admin
expects it; the example configuration installed is accepted by -n."""
import os
import subprocess
import sys
import tempfile

def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory() as dest:
        r = subprocess.run(["make", "install", "BUILD=" + build,
                            "DESTDIR=" + dest, "PREFIX=/usr/local"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Still to do" in r.stdout, r.stdout
        want = {
            "usr/local/sbin/tsun-cfgd": 0o555,
            "usr/local/sbin/tsun-ctl": 0o555,
            "usr/local/libexec/tsun-proxy/tsun-proxyd": 0o555,
            "usr/local/libexec/tsun-proxy/tsun-mqttd": 0o555,
            # it is copied to hold the broker password: 0600, see below
            "etc/tsun-proxy.conf.example": 0o600,
            "usr/local/share/man/man5/tsun-proxy.conf.5": 0o444,
            "usr/local/share/man/man8/tsun-cfgd.8": 0o444,
            "usr/local/share/man/man8/tsun-proxyd.8": 0o444,
            "usr/local/share/man/man8/tsun-mqttd.8": 0o444,
            "usr/local/share/man/man8/tsun-ctl.8": 0o444,
            "usr/local/lib/systemd/system/tsun-proxy.service": 0o644,
        }
        for path, mode in want.items():
            p = os.path.join(dest, path)
            assert os.path.isfile(p), "missing " + path
            got = os.stat(p).st_mode & 0o777
            assert got == mode, "%s mode %o, want %o" % (path, got, mode)
        # tsun-ctl is tsun-cfgd under another name
        a = os.stat(os.path.join(dest, "usr/local/sbin/tsun-cfgd"))
        b = os.stat(os.path.join(dest, "usr/local/sbin/tsun-ctl"))
        assert a.st_ino == b.st_ino, "tsun-ctl is not a hard link"
        unit = open(os.path.join(dest, want_unit())).read()
        assert "/usr/local/sbin/tsun-cfgd" in unit
        # the installed example parses (as non-root semantics: -n only)
        r = subprocess.run([os.path.join(dest, "usr/local/sbin/tsun-cfgd"),
                            "-n", "-f",
                            os.path.join(dest, "etc/tsun-proxy.conf.example")],
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        # as root the example names _tsunproxy, which may not exist here
        assert r.returncode == 0 or "_tsunproxy" in out, out
        # README: cp the example, write the password: no warning
        conf = os.path.join(dest, "etc/tsun-proxy.conf")
        subprocess.run(["cp", os.path.join(dest, "etc/tsun-proxy.conf"
                        ".example"), conf], check=True)
        with open(conf) as f:
            text = f.read()
        assert 'passwd = ""' in text
        with open(conf, "w") as f:	# keeps the mode cp gave it
            f.write(text.replace('passwd = ""', 'passwd = "secret"'))
        r = subprocess.run([os.path.join(dest, "usr/local/sbin/tsun-cfgd"),
                            "-n", "-f", conf], capture_output=True,
                           text=True, timeout=30)
        assert "readable by others" not in r.stdout + r.stderr, \
            r.stdout + r.stderr
    print("install: every file in place")

def want_unit():
    return "usr/local/lib/systemd/system/tsun-proxy.service"

if __name__ == "__main__":
    main()
