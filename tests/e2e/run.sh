#!/bin/sh
# End-to-end tests of tsun-proxy: sh tests/e2e/run.sh BUILDDIR
#
# Runs every tests/e2e/test_*.py against BUILDDIR/tsun-cfgd (as root: the
# workers chroot and drop privileges), with a real mosquitto.  Each test
# prints one line (PASS/FAIL/SKIP); diagnostics go to standard error.
# A test file that prints no such line is one test: exit status 0 passes.
# The last line is "N passed, N failed"; the exit status is 1 if any
# test failed.

if [ $# -ne 1 ]; then
	echo "usage: sh tests/e2e/run.sh BUILDDIR" >&2
	exit 2
fi
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# a whole file may take this long (each test has its own, shorter limit)
FILE_TIMEOUT=${E2E_FILE_TIMEOUT:-200}

die() {
	echo "e2e: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ -x "$BUILD/tsun-cfgd" ] || die "$BUILD/tsun-cfgd not found: run make first"
# Debian's python3, with Debian's packages (paho-mqtt, jinja2, ...)
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
command -v "$PYTHON" >/dev/null 2>&1 || die "python3 not found"
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] ||
    die "mosquitto not found (apt-get install mosquitto)"
[ "$(id -u)" -eq 0 ] || die "must run as root (the workers chroot)"
id nobody >/dev/null 2>&1 || die "user nobody does not exist"
PATH=$PATH:/usr/sbin:/sbin
export PATH

# A fresh Debian 12 names localhost ::1 as well, and getaddrinfo gives
# ::1 first: the whole suite runs so, in a private mount namespace whose
# /etc/hosts says localhost is ::1, then 127.0.0.1 (the test servers
# listen on 127.0.0.1 only), whatever this machine's file says.
if [ -z "${TSUN_E2E_HOSTS:-}" ]; then
	TSUN_E2E_HOSTS=$(mktemp "${TMPDIR:-/tmp}/tsun-e2e-hosts.XXXXXX") ||
	    die "mktemp"
	export TSUN_E2E_HOSTS
	{
		printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
		printf '127.0.0.1\tlocalhost\n'
		grep -v -w -e localhost -e ip6-localhost /etc/hosts 2>/dev/null
	} > "$TSUN_E2E_HOSTS"
	chmod 644 "$TSUN_E2E_HOSTS"
	if command -v unshare >/dev/null 2>&1 &&
	    unshare -m sh -c 'mount --bind "$1" /etc/hosts' sh \
	    "$TSUN_E2E_HOSTS" 2>/dev/null; then
		# shellcheck disable=SC2016
		exec unshare -m sh -c 'mount --make-rprivate / &&
		    mount --bind "$TSUN_E2E_HOSTS" /etc/hosts &&
		    exec sh "$0" "$@"' "$0" "$@"
	fi
	rm -f "$TSUN_E2E_HOSTS"
	echo "e2e: no private mount namespace (unshare -m): the tests" \
	    "see this machine's /etc/hosts as it is" >&2
else
	echo "e2e: /etc/hosts here: localhost is" \
	    "$(getent ahosts localhost | awk '{ print $1 }' | uniq |
	    tr '\n' ' ')" >&2
fi

# ASan: no leak check noise from the test harness; keep reports in logs
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsun-e2e-run.XXXXXX") || die "mktemp"
# (the file under the bind mount goes when the namespace does)
trap 'rm -rf "$tmp" "${TSUN_E2E_HOSTS:-}"' EXIT
trap 'exit 1' INT TERM HUP

# the test build (TEST_HOOKS=1) some files use: made once here, so that
# files running at once never build it at the same time
if grep -l 'hooks_build' "$HERE"/test_*.py >/dev/null 2>&1; then
	(cd "$HERE/../.." && make -s BUILD=build-hooks TEST_HOOKS=1 SECCOMP=1 \
	    all >"$tmp/hooks.log" 2>&1) ||
	    { cat "$tmp/hooks.log" >&2; die "the test build (build-hooks) failed"; }
fi

# E2E_ONLY="test_a.py test_b.py": only these files.  The slowest files
# start first, so that none of them ends the run alone.
SLOW="test_faults.py test_cfgd.py test_midnight.py test_tls.py
test_resolver.py"
for t in $(for f in $SLOW; do [ -f "$HERE/$f" ] && echo "$HERE/$f"; done) \
    $(ls "$HERE"/test_*.py | grep -v -F "$(printf '%s\n' $SLOW)"); do
	name=$(basename "$t")
	if [ -n "${E2E_ONLY:-}" ]; then
		case " $E2E_ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	echo "$t"
done > "$tmp/files"

# one file: its output, diagnostics and exit status under $tmp/<name>.*
one() {
	n=$(basename "$1")
	timeout -k 10 "$FILE_TIMEOUT" "$PYTHON" -u "$1" "$BUILD" \
	    >"$tmp/$n.out" 2>"$tmp/$n.err"
	echo $? > "$tmp/$n.rc"
}

# The files spend most of their time waiting on the programs: E2E_JOBS
# of them (default 4) run at once, each with its own broker and ports.
start=$(date +%s)
jobs=${E2E_JOBS:-4}
running=0
pids=""
while read -r t; do
	one "$t" &
	pids="$pids $!"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		# wait for the oldest, then start the next
		set -- $pids
		wait "$1"
		shift
		pids="$*"
		running=$((running - 1))
	fi
done < "$tmp/files"
wait

passed=0
failed=0
skipped=0
while read -r t; do
	name=$(basename "$t")
	rc=$(cat "$tmp/$name.rc" 2>/dev/null || echo 1)
	cat "$tmp/$name.out"
	p=$(grep -c '^PASS ' "$tmp/$name.out")
	f=$(grep -c '^FAIL ' "$tmp/$name.out")
	s=$(grep -c '^SKIP ' "$tmp/$name.out")
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] &&
	    [ "$s" -eq 0 ]; then
		# a file that is one test by itself: exit status 0 passes
		echo "PASS $name"
		p=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "FAIL $name: timed out after ${FILE_TIMEOUT}s"
		else
			echo "FAIL $name: exit status $rc"
		fi
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		{
			echo "==== $name: diagnostics (last 300 lines)"
			tail -n 300 "$tmp/$name.err"
			echo "==== end of $name"
		} >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done < "$tmp/files"
end=$(date +%s)
[ "$skipped" -ne 0 ] && echo "($skipped skipped)"
echo "e2e: $((end - start)) s" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
