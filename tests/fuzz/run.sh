#!/bin/sh
# Build and run every libFuzzer target tests/fuzz/fuzz_*.c.
#
#	sh tests/fuzz/run.sh [SECONDS [RUNS]]
#
# make fuzz-smoke: 5 s; make fuzz: FUZZTIME seconds (and FUZZRUNS inputs)
# per target.  With RUNS each target stops after RUNS inputs, SECONDS 0
# meaning no time limit: make fuzz FUZZTIME=0 FUZZRUNS=10000000.
#
# The project sources are compiled once per run, with coverage
# instrumentation and ASan/UBSan, into archives under build-fuzz/ (archives,
# so a harness may define a symbol such as proto_now_ms itself).  Each
# target then runs for SECONDS on a copy of tests/fuzz/corpus/<name>/
# (<name> = the file name without fuzz_ and .c) in build-fuzz/, never on
# the tree, with the dictionary tests/fuzz/<name>.dict if there is one.
# Crash inputs land in build-fuzz/artifacts/.  Exit status 1 if any target
# crashed, leaked, hit a sanitizer report or did not build.
#
# Unattended runs do not fill the disk: the code under test is built with
# TSUN_FUZZ, which silences every log line but fatal ones (common/log.c),
# libFuzzer prints a status line at powers of two and for new coverage
# only, and a target's log keeps its last 10 MB.
#
# Environment: CLANG (default clang), FUZZ_JOBS (targets run at once,
# default the number of CPUs), FUZZ_ARGS (extra libFuzzer options),
# FUZZ_TARGETS (names to run, default all).

secs=${1:-5}
runs=${2:-}
case "$secs$runs" in
''|*[!0-9]*) echo "usage: $0 [seconds [runs]]" >&2; exit 2 ;;
esac
if [ "$secs" -eq 0 ] && [ -z "$runs" ]; then
	echo "usage: $0 [seconds [runs]]: 0 seconds needs runs" >&2
	exit 2
fi
limits="-max_total_time=$secs"
[ -n "$runs" ] && limits="$limits -runs=$runs"

cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
OUT=$TOP/build-fuzz
CC=${CLANG:-clang}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: SKIPPED: $CC not found (Debian: sh mk/deps.sh installs" \
	    "clang and libclang-rt-14-dev)"
	exit 0
fi
mkdir -p "$OUT" || exit 2
# libFuzzer is in compiler-rt (libclang-rt-NN-dev on Debian)
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *, size_t);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' \
    >"$OUT/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$OUT/probe" \
    "$OUT/probe.c" >"$OUT/probe.log" 2>&1; then
	echo "fuzz: SKIPPED: $CC cannot build libFuzzer targets" \
	    "(Debian: install libclang-rt-14-dev):"
	sed 's/^/    /' "$OUT/probe.log" | head -5
	exit 0
fi

SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all \
-fno-omit-frame-pointer"
WARN="-Wall -Wextra -Wshadow -Wpointer-arith -Wno-unused-parameter \
-Wformat=2 -Wno-format-nonliteral -Wno-unknown-warning-option"
# the quotes are meant literally: -DTSUN_VERSION="fuzz" makes a C string
# shellcheck disable=SC2089
DEFS="-D_GNU_SOURCE -DTSUN_FUZZ -DTSUN_VERSION=\"fuzz\" \
-DLIBEXECDIR=\"/usr/local/libexec/tsun-proxy\" -DSYSCONFDIR=\"/etc\""
BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay 2>/dev/null)
BSD_LIBS=$(pkg-config --libs libbsd-overlay libbsd-ctor 2>/dev/null)
DEP_CFLAGS=$(pkg-config --cflags libmosquitto libconfuse openssl 2>/dev/null)
DEP_LIBS=$(pkg-config --libs libmosquitto libconfuse openssl 2>/dev/null) ||
    DEP_LIBS="-lmosquitto -lconfuse -lssl -lcrypto"
CFLAGS="-std=gnu11 -g -O1 $SANFLAGS $WARN $DEFS -I$TOP $BSD_CFLAGS $DEP_CFLAGS"
LIBS="$DEP_LIBS $BSD_LIBS -lm"

# one library: every .c of a directory but its main program
build_lib() {
	d=$1
	rm -rf "$OUT/obj/$d" "$OUT/lib$d.a"
	mkdir -p "$OUT/obj/$d"
	srcs=""
	for f in "$TOP/$d"/*.c; do
		[ "$f" = "$TOP/$d/$d.c" ] || srcs="$srcs $f"
	done
	# shellcheck disable=SC2086,SC2090
	(cd "$OUT/obj/$d" && "$CC" $CFLAGS -fsanitize=fuzzer-no-link -c \
	    $srcs) >"$OUT/lib$d.log" 2>&1 &&
	    ar rcs "$OUT/lib$d.a" "$OUT/obj/$d"/*.o
}

echo "fuzz: building the libraries in build-fuzz/"
t0=$(date +%s)
pids=""
for d in common proxyd mqttd cfgd; do
	build_lib "$d" &
	pids="$pids $!"
done
fail=0
for p in $pids; do
	wait "$p" || fail=1
done
if [ $fail -ne 0 ]; then
	for d in common proxyd mqttd cfgd; do
		[ -f "$OUT/lib$d.a" ] && continue
		echo "fuzz: FAIL: lib$d.a did not build:"
		sed 's/^/    /' "$OUT/lib$d.log" | head -30
	done
	exit 1
fi
for d in common proxyd mqttd cfgd; do
	grep -q 'warning:' "$OUT/lib$d.log" &&
	    sed 's/^/    /' "$OUT/lib$d.log" | grep 'warning:'
done

targets=""
for f in tests/fuzz/fuzz_*.c; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .c)
	n=${n#fuzz_}
	if [ -n "$FUZZ_TARGETS" ]; then
		case " $FUZZ_TARGETS " in
		*" $n "*) ;;
		*) continue ;;
		esac
	fi
	targets="$targets $n"
done
if [ -z "$targets" ]; then
	echo "fuzz: no targets (tests/fuzz/fuzz_*.c)"
	exit 0
fi

mkdir -p "$OUT/bin" "$OUT/logs" "$OUT/artifacts"
buildfail=""
built=""
for n in $targets; do
	# shellcheck disable=SC2086,SC2090
	if "$CC" $CFLAGS -fsanitize=fuzzer -o "$OUT/bin/fuzz_$n" \
	    "tests/fuzz/fuzz_$n.c" "$OUT/libproxyd.a" "$OUT/libmqttd.a" \
	    "$OUT/libcfgd.a" "$OUT/libcommon.a" $LIBS \
	    >"$OUT/logs/$n.build" 2>&1; then
		built="$built $n"
		grep 'warning:' "$OUT/logs/$n.build" | sed 's/^/    /'
	else
		buildfail="$buildfail $n"
		echo "fuzz: FAIL: fuzz_$n did not build:"
		grep -v '^ *$' "$OUT/logs/$n.build" | head -20 |
		    sed 's/^/    /'
	fi
done
if [ "$secs" -eq 0 ]; then
	each="$runs inputs"
else
	each="${runs:+$runs inputs, at most }${secs}s"
fi
echo "fuzz: built in $(($(date +%s) - t0))s; running each target $each"

# one run: a fresh copy of the corpus, the tree stays untouched
run_one() {
	n=$1
	c=$OUT/corpus/$n
	rm -rf "$c" "$OUT/tmp/$n" "$OUT/artifacts/$n-"*
	mkdir -p "$c" "$OUT/tmp/$n"
	if [ -d "tests/fuzz/corpus/$n" ]; then
		cp -R "tests/fuzz/corpus/$n/." "$c/"
	fi
	dict=""
	[ -f "tests/fuzz/$n.dict" ] && dict="-dict=tests/fuzz/$n.dict"
	# shellcheck disable=SC2086
	# the end of the log holds the stats and any report: keep that
	{
		TMPDIR=$OUT/tmp/$n \
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		    "$OUT/bin/fuzz_$n" $limits -timeout=10 \
		    -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix="$OUT/artifacts/$n-" $dict $FUZZ_ARGS \
		    "$c" </dev/null 2>&1
		echo $? >"$OUT/logs/$n.rc"
	} | tail -c 10000000 >"$OUT/logs/$n.log"
}

jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
running=0
pids=""
for n in $built; do
	run_one "$n" &
	pids="$pids $!"
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		for p in $pids; do
			wait "$p"
		done
		pids=""
		running=0
	fi
done
for p in $pids; do
	wait "$p"
done

status=0
[ -n "$buildfail" ] && status=1
printf '%-14s %12s %8s %7s  %s\n' target execs exec/s corpus result
for n in $built; do
	log=$OUT/logs/$n.log
	rc=$(cat "$OUT/logs/$n.rc" 2>/dev/null || echo 99)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(find "$OUT/corpus/$n" -type f | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ] && ! grep -Eq \
	    'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' \
	    "$log"; then
		res=ok
	else
		res="FAIL (exit $rc)"
		status=1
	fi
	printf '%-14s %12s %8s %7s  %s\n' "$n" "${execs:-?}" "${rate:-?}" \
	    "$cov" "$res"
	if [ "$res" != ok ]; then
		grep -E -A12 \
		    'ERROR: |runtime error:|SUMMARY:|^==[0-9]+== ?ERROR' \
		    "$log" | head -40 | sed 's/^/    /'
		grep -E 'Test unit written to|artifact_prefix' "$log" |
		    sed 's/^/    /'
		echo "    log: $log"
	fi
done
for n in $buildfail; do
	printf '%-14s %12s %8s %7s  %s\n' "$n" - - - "FAIL (build)"
done
exit $status
