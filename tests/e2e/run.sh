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
command -v python3 >/dev/null 2>&1 || die "python3 not found"
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] ||
    die "mosquitto not found (apt-get install mosquitto)"
[ "$(id -u)" -eq 0 ] || die "must run as root (the workers chroot)"
id nobody >/dev/null 2>&1 || die "user nobody does not exist"
PATH=$PATH:/usr/sbin:/sbin
export PATH

# ASan: no leak check noise from the test harness; keep reports in logs
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tsun-e2e-run.XXXXXX") || die "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

passed=0
failed=0
skipped=0
start=$(date +%s)
for t in "$HERE"/test_*.py; do
	name=$(basename "$t")
	timeout -k 10 "$FILE_TIMEOUT" python3 -u "$t" "$BUILD" \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out"
	p=$(grep -c '^PASS ' "$tmp/out")
	f=$(grep -c '^FAIL ' "$tmp/out")
	s=$(grep -c '^SKIP ' "$tmp/out")
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
			tail -n 300 "$tmp/err"
			echo "==== end of $name"
		} >&2
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
end=$(date +%s)
[ "$skipped" -ne 0 ] && echo "($skipped skipped)"
echo "e2e: $((end - start)) s" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
