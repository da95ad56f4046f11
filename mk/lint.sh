#!/bin/sh
# Lint what is not C: man pages (mandoc), rc scripts (sh -n), the systemd
# unit (systemd-analyze verify, where systemd is installed), and the manual
# against the code (tests/manual/check_manual.py: configuration keys,
# defaults and ranges; every warning log line in a DIAGNOSTICS section).
fail=0
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" tests/manual/check_manual.py || fail=1
for f in man/*.5 man/*.8; do
	out=$(mandoc -Tlint -Wwarning "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
done
for f in etc/rc.d/openbsd/tsun_proxy etc/rc.d/freebsd/tsun_proxy; do
	sh -n "$f" || fail=1
done
if command -v systemd-analyze >/dev/null 2>&1; then
	d=$(mktemp -d)
	sed "s|/usr/local/sbin/tsun-cfgd|$PWD/build/tsun-cfgd|g" \
	    etc/tsun-proxy.service > "$d/tsun-proxy.service"
	out=$(systemd-analyze verify --man=no "$d/tsun-proxy.service" 2>&1)
	rm -rf "$d"
	if [ -n "$out" ]; then
		echo "$out"
		fail=1
	fi
fi
[ $fail -eq 0 ] && echo "lint: man pages and service files clean"
exit $fail
