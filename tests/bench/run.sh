#!/bin/sh
# tsun-proxy benchmark: sh tests/bench/run.sh BUILD
#
# Everything runs on 127.0.0.1 with private ports, a private mosquitto and
# a private copy of the three programs (a concurrent rebuild of BUILD does
# not disturb the run).  Every process started here is stopped on exit.
# Needs: cc, python3, mosquitto; root for the daemon (user nobody + chroot).

set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BENCH=$TOP/tests/bench

DUR=${BENCH_DUR:-10}		# seconds per throughput figure
LDUR=${BENCH_LDUR:-5}		# seconds per latency figure
NCONN=${BENCH_CONN:-50}		# concurrent inverters
WIN=${BENCH_WINDOW:-8}		# frames outstanding per connection
RATE=${BENCH_RATE:-10}		# frames/s per connection, latency runs
BIG=${BENCH_BIG:-10000}		# connections of the big memory figure

W=$(mktemp -d /tmp/tsun-bench.XXXXXX) || exit 1
chmod 755 "$W"
mkdir -p "$W/bin" "$W/empty"
chmod 755 "$W/empty"
PIDS=""
CFGD=""

cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$W/bin" "$W/empty"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }

# one table line: label, value, unit, reference
row() { printf '  %-58s %14s %-8s %s\n' "$1" "$2" "$3" "${4:-}"; }
# value of key in a load output file
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)

for f in tsun-cfgd tsun-proxyd tsun-mqttd; do
	[ -x "$BUILD/$f" ] || die "$BUILD/$f missing (make first)"
	cp "$BUILD/$f" "$W/bin/" || die "copy $f"
done
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQ" ] || die "mosquitto not installed"
[ "$(id -u)" = 0 ] || die "run as root (user nobody + chroot)"
${CC:-cc} -O2 -Wall -o "$W/load" "$BENCH/load.c" || die "cc load.c"
python3 "$BENCH/gen.py" frames "$W" || die "frame templates"
LOAD=$W/load
F3=$W/gen3_data.bin
F3P=$W/gen3plus_data.bin

set -- $(python3 -c '
import socket
s = [socket.socket() for _ in range(9)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
MQ=$1 G3=$2 G3P=$3 SINK1=$4 SINK2=$5 SINK3=$6 RELAY=$7 SINK4=$8 SINK5=$9

# ------------------------------------------------------------------
# helpers

start_bg() {	# logfile cmd...: start in its own session, pid in BGPID
	_log=$1; shift
	setsid "$@" >"$_log" 2>&1 &
	BGPID=$!
	PIDS="$PIDS $BGPID"
}

stop_pid() {	# pid: TERM, wait up to 10 s, then KILL
	kill -TERM "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

wait_for() {	# file regex seconds
	_i=0
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		[ $_i -ge $(($3 * 10)) ] && return 1
		sleep 0.1; _i=$((_i + 1))
	done
}

child_pid() {	# name (tsun-proxyd|tsun-mqttd) of the running cfgd
	for _p in $(pgrep -P "$CFGD"); do
		case $(cat /proc/"$_p"/cmdline 2>/dev/null | tr '\0' ' ') in
		"$1"*) echo "$_p"; return ;;
		esac
	done
}

mem() {		# pid -> "PSS_MB RSS_MB"
	_pss=$(awk '/^Pss:/ { print $2 }' /proc/"$1"/smaps_rollup 2>/dev/null)
	_rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null)
	awk -v p="${_pss:-0}" -v r="${_rss:-0}" \
	    'BEGIN { printf "%.2f %.2f\n", p / 1024, r / 1024 }'
}

cpu() {		# pid -> utime+stime in seconds
	_t=$(getconf CLK_TCK)
	sed 's/.*) //' /proc/"$1"/stat 2>/dev/null |
	    awk -v t="$_t" '{ printf "%.2f\n", ($12 + $13) / t }'
}

mem_rows() {	# title
	for _n in cfgd proxyd mqttd; do
		case $_n in
		cfgd) _p=$CFGD ;;
		proxyd) _p=$(child_pid tsun-proxyd) ;;
		mqttd) _p=$(child_pid tsun-mqttd) ;;
		esac
		if [ -z "$_p" ]; then
			row "$1: tsun-$_n" "gone" ""
			continue
		fi
		set -- "$1" $(mem "$_p")
		row "$1: tsun-$_n PSS / RSS" "$2 / $3" "MB"
	done
	_tp=0 _tr=0
	for _p in $CFGD $(child_pid tsun-proxyd) $(child_pid tsun-mqttd); do
		set -- "$1" $(mem "$_p")
		_tp=$(awk -v a="$_tp" -v b="$2" 'BEGIN { print a + b }')
		_tr=$(awk -v a="$_tr" -v b="$3" 'BEGIN { print a + b }')
	done
	row "$1: all three PSS / RSS" "$_tp / $_tr" "MB" \
	    "(Python: 46 PSS / 49.6 RSS)"
}

cpu_rows() {	# title
	for _n in cfgd proxyd mqttd; do
		case $_n in
		cfgd) _p=$CFGD ;;
		proxyd) _p=$(child_pid tsun-proxyd) ;;
		mqttd) _p=$(child_pid tsun-mqttd) ;;
		esac
		[ -n "$_p" ] && row "$1: tsun-$_n user+sys" "$(cpu "$_p")" "s"
	done
}

DAEMON_N=0
start_daemon() {	# name conf -> CFGD, STARTUP_MS
	DAEMON_N=$((DAEMON_N + 1))
	DLOG=$W/daemon-$1.log
	_t0=$(date +%s%N)
	start_bg "$DLOG" "$W/bin/tsun-cfgd" -d -w "$W/bin" -f "$2"
	CFGD=$BGPID
	DIED=0
	STARTUP_MS=$("$LOAD" waitport "$G3" "$_t0" 60)
	wait_for "$DLOG" "tsun-mqttd: connected to MQTT broker" 30 ||
	    echo "  (warning: tsun-mqttd did not report its broker connection)"
	sleep 1
}

stop_daemon() {
	stop_pid "$CFGD"
	CFGD=""
}

config() {	# file key=value...
	_f=$1; shift
	python3 "$BENCH/gen.py" config "$_f" chroot="$W/empty" \
	    ctl="$W/ctl.sock" mqtt="$MQ" gen3="$G3" gen3plus="$G3P" "$@" ||
	    die "config"
}

run_load() {	# outfile args...
	_o=$1; shift
	"$LOAD" "$@" >"$_o" 2>&1 || { echo "  load failed:"; sed 's/^/    /' "$_o"; }
}

checks() {	# outfile: report anything odd of a load run
	_u=$(kv "$1" unexpected_frames) _c=$(kv "$1" closed_conns)
	_s=$(kv "$1" frames_sent) _a=$(kv "$1" frames_acked)
	_e=$(kv "$1" unacked_at_end) _d=$(kv "$1" never_acked)
	if [ "${_u:-0}" != 0 ] || [ "${_c:-0}" != 0 ]; then
		row "  ! unexpected frames / closed connections" "$_u / $_c" ""
	fi
	row "  frames sent / acked in the window (in flight at end)" \
	    "$_s / $_a" "($_e)"
	[ "${_d:-0}" != 0 ] &&
	    row "  ! frames never acked (3 s after the end)" "$_d" ""
	_k=$(grep -c "died on signal" "$DLOG" 2>/dev/null)
	if [ "${_k:-0}" != "${DIED:-0}" ]; then
		row "  ! a worker died during this run" "$((_k - ${DIED:-0}))" "" \
		    "(see the log lines at the end)"
		DIED=$_k
	fi
	return 0
}

hold() {	# n [gen3plus] -> holds n connections, BGPID = load, after READY
	if [ "${2:-}" = gen3plus ]; then
		start_bg "$W/hold-$1.out" "$LOAD" hold3plus "$G3P" "$1" "$F3P" 300
	else
		start_bg "$W/hold-$1.out" "$LOAD" hold "$G3" "$1" "$F3" 300
	fi
	HOLD=$BGPID
	if ! wait_for "$W/hold-$1.out" "^READY" 150; then
		echo "  hold $1: no READY after 150 s"
		return 1
	fi
	sed -n 's/^READY /  hold: /p' "$W/hold-$1.out"
	# the steady state: the workers give freed heap back every 10 s
	sleep 12
}

# ------------------------------------------------------------------
echo "tsun-proxy benchmark   $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "kernel:  $(uname -srm)   open files: $NOFILE"
echo "binaries: $BUILD (copied to $W/bin)"
echo "load: $NCONN connections, window $WIN frames for throughput (${DUR}s each),"
echo "      window 1 at $RATE frames/s per connection for latency (${LDUR}s each);"
echo "      load generator, mosquitto and the daemon share these CPUs."
echo

cat >"$W/mosquitto.conf" <<EOF
listener $MQ 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
log_dest stderr
EOF
start_bg "$W/mosquitto.log" "$MOSQ" -c "$W/mosquitto.conf"
MOSQPID=$BGPID
"$LOAD" waitport "$MQ" "$(date +%s%N)" 10 >/dev/null || die "mosquitto did not start"

# ---- A: island mode (no cloud) ----------------------------------
NA=1000
[ "$BIG" -lt "$NA" ] && NA=$BIG
config "$W/a.conf" ninv=$NA nplus=$NCONN
start_daemon a "$W/a.conf"
echo "[1] GEN3, island mode (tsun.enabled = false), $NA + $NCONN devices configured"
row "start-up: exec -> GEN3 listener answers" "$STARTUP_MS" "ms"
mem_rows "idle"

run_load "$W/g3.out" gen3 "$G3" "$NCONN" "$WIN" "$DUR" 1 "$F3" -m "$MQ"
row "GEN3 frames/s decoded+acked ($NCONN conns, window $WIN)" \
    "$(kv "$W/g3.out" frames_per_s)" "frames/s" "(Python: 1,860)"
row "MQTT messages/s received by the subscriber" \
    "$(kv "$W/g3.out" mqtt_msgs_per_s)" "msg/s"
row "ACK latency under that load, median / p99" \
    "$(kv "$W/g3.out" ack_lat_p50_ms) / $(kv "$W/g3.out" ack_lat_p99_ms)" "ms"
checks "$W/g3.out"

run_load "$W/g3l.out" gen3 "$G3" "$NCONN" 1 "$LDUR" 1 "$F3" -m "$MQ" -r "$RATE"
row "ACK latency at $(kv "$W/g3l.out" frames_per_s) frames/s, median / p99" \
    "$(kv "$W/g3l.out" ack_lat_p50_ms) / $(kv "$W/g3l.out" ack_lat_p99_ms)" \
    "ms" "(Python: 2.1 median)"
row "MQTT messages/s at that rate" "$(kv "$W/g3l.out" mqtt_msgs_per_s)" "msg/s"
checks "$W/g3l.out"
echo

echo "[3] GEN3PLUS (Solarman V5), island mode"
run_load "$W/g3p.out" gen3plus "$G3P" "$NCONN" "$WIN" "$DUR" 1 "$F3P" -m "$MQ"
_f=$(kv "$W/g3p.out" frames_per_s)
if [ -z "$_f" ] || [ "$(kv "$W/g3p.out" frames_acked)" = 0 ]; then
	row "GEN3PLUS frames/s" "n/a" "" "(no ACKs: see $W/g3p.out)"
else
	row "GEN3PLUS frames/s decoded+acked ($NCONN conns, window $WIN)" \
	    "$_f" "frames/s"
	row "MQTT messages/s received by the subscriber" \
	    "$(kv "$W/g3p.out" mqtt_msgs_per_s)" "msg/s"
	row "ACK latency under that load, median / p99" \
	    "$(kv "$W/g3p.out" ack_lat_p50_ms) / $(kv "$W/g3p.out" ack_lat_p99_ms)" "ms"
	checks "$W/g3p.out"
	run_load "$W/g3pl.out" gen3plus "$G3P" "$NCONN" 1 "$LDUR" 1 "$F3P" \
	    -m "$MQ" -r "$RATE"
	row "ACK latency at $(kv "$W/g3pl.out" frames_per_s) frames/s, median / p99" \
	    "$(kv "$W/g3pl.out" ack_lat_p50_ms) / $(kv "$W/g3pl.out" ack_lat_p99_ms)" "ms"
	row "MQTT messages/s at that rate" "$(kv "$W/g3pl.out" mqtt_msgs_per_s)" "msg/s"
	checks "$W/g3pl.out"
fi
echo

echo "[4] memory and CPU (island run)"
mem_rows "after the load runs"
if hold "$NA"; then
	mem_rows "$NA GEN3 connections open"
fi
cpu_rows "CPU over the island run"
stop_pid "$HOLD"
# robustness: inverters that vanish with frames in flight (RST while the
# proxy still answers them)
_k0=$(grep -c "died on signal" "$DLOG")
run_load "$W/abrupt.out" gen3 "$G3" "$NCONN" "$WIN" 2 0 "$F3" -a
sleep 2
_k1=$(grep -c "died on signal" "$DLOG")
row "abrupt close of $NCONN conns with frames in flight: worker deaths" \
    "$((_k1 - _k0))" "" "(expected 0)"
stop_daemon
echo

# ---- B: cloud forwarding ----------------------------------------
config "$W/b.conf" ninv=$NCONN nplus=$NCONN tsun_cloud=$SINK1 solarman_cloud=$SINK2
start_daemon b "$W/b.conf"
echo "[2] GEN3 with cloud forwarding (tsun.enabled = true -> sink in the bench)"
run_load "$W/c3.out" gen3 "$G3" "$NCONN" "$WIN" "$DUR" 1 "$F3" -m "$MQ" -s "$SINK1"
C3=$(kv "$W/c3.out" frames_per_s)
row "GEN3 frames/s acked, with forwarding ($NCONN conns, window $WIN)" \
    "$C3" "frames/s"
row "frames/s received by the cloud sink" "$(kv "$W/c3.out" sink_frames_per_s)" "frames/s"
row "bytes/s received by the cloud sink" "$(kv "$W/c3.out" sink_bytes_per_s)" "B/s"
row "MQTT messages/s" "$(kv "$W/c3.out" mqtt_msgs_per_s)" "msg/s"
row "inverter->cloud latency under load, median / p99" \
    "$(kv "$W/c3.out" cloud_lat_p50_ms) / $(kv "$W/c3.out" cloud_lat_p99_ms)" "ms"
checks "$W/c3.out"
run_load "$W/c3l.out" gen3 "$G3" "$NCONN" 1 "$LDUR" 1 "$F3" -m "$MQ" -s "$SINK1" -r "$RATE"
row "ACK latency at $(kv "$W/c3l.out" frames_per_s) frames/s, median / p99" \
    "$(kv "$W/c3l.out" ack_lat_p50_ms) / $(kv "$W/c3l.out" ack_lat_p99_ms)" "ms"
row "inverter->cloud latency at that rate, median / p99" \
    "$(kv "$W/c3l.out" cloud_lat_p50_ms) / $(kv "$W/c3l.out" cloud_lat_p99_ms)" "ms"
checks "$W/c3l.out"

run_load "$W/c3p.out" gen3plus "$G3P" "$NCONN" "$WIN" "$DUR" 1 "$F3P" -m "$MQ" -s "$SINK2"
row "GEN3PLUS frames/s acked, with forwarding" "$(kv "$W/c3p.out" frames_per_s)" "frames/s"
row "GEN3PLUS frames/s received by the cloud sink" \
    "$(kv "$W/c3p.out" sink_frames_per_s)" "frames/s"
checks "$W/c3p.out"
cpu_rows "CPU over the cloud run"
stop_daemon

# bare relay: inverter -> relay -> sink, the sink ACKs back through it
start_bg "$W/relay.log" "$LOAD" relay "$RELAY" "$SINK3" 120
RELAYPID=$BGPID
wait_for "$W/relay.log" "relay ready" 10
run_load "$W/r3.out" gen3 "$RELAY" "$NCONN" "$WIN" "$DUR" 1 "$F3" -s "$SINK3"
R3=$(kv "$W/r3.out" frames_per_s)
row "bare C relay: frames/s (ACK from the sink, same load)" "$R3" "frames/s"
row "bare relay: inverter->sink latency under load, median / p99" \
    "$(kv "$W/r3.out" cloud_lat_p50_ms) / $(kv "$W/r3.out" cloud_lat_p99_ms)" "ms"
run_load "$W/r3l.out" gen3 "$RELAY" "$NCONN" 1 "$LDUR" 1 "$F3" -s "$SINK3" -r "$RATE"
row "bare relay: inverter->sink latency at $(kv "$W/r3l.out" frames_per_s) frames/s, median / p99" \
    "$(kv "$W/r3l.out" cloud_lat_p50_ms) / $(kv "$W/r3l.out" cloud_lat_p99_ms)" "ms"
row "bare relay: round trip (ACK) at that rate, median / p99" \
    "$(kv "$W/r3l.out" ack_lat_p50_ms) / $(kv "$W/r3l.out" ack_lat_p99_ms)" "ms"
row "ratio frames/s proxy (forwarding) / bare relay" \
    "$(awk -v a="${C3:-0}" -v b="${R3:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" ""
row "bare relay CPU user+sys" "$(cpu "$RELAYPID")" "s"
stop_pid "$RELAYPID"
echo

# ---- D: many connections -----------------------------------------
if [ "$BIG" -gt "$NA" ]; then
	if [ "$NOFILE" -lt $((BIG + 200)) ]; then
		echo "[4b] $BIG connections skipped: open files limit $NOFILE"
	else
		config "$W/d.conf" ninv=$BIG nplus=0
		start_daemon d "$W/d.conf"
		echo "[4b] $BIG GEN3 devices configured"
		row "start-up: exec -> GEN3 listener answers" "$STARTUP_MS" "ms"
		mem_rows "idle"
		if hold "$BIG"; then
			mem_rows "$BIG GEN3 connections open"
		fi
		cpu_rows "CPU over the $BIG-connection run"
		stop_pid "$HOLD"
		stop_daemon
	fi
	echo
fi

# ---- C: what one connection costs ------------------------------
# A fresh daemon per protocol with NA devices of that kind configured:
# tsun-proxyd's PSS with NA connections held (one data frame each,
# acked) minus its PSS idle, per connection.
echo "[4c] tsun-proxyd memory per connection, $NA connections"
for _pr in gen3 gen3plus; do
	if [ $_pr = gen3 ]; then
		config "$W/c-$_pr.conf" ninv=$NA nplus=0
	else
		config "$W/c-$_pr.conf" ninv=0 nplus=$NA
	fi
	start_daemon "c-$_pr" "$W/c-$_pr.conf"
	_p=$(child_pid tsun-proxyd)
	set -- $(mem "$_p")
	_idle=$1
	if hold "$NA" $_pr; then
		set -- $(mem "$_p")
		row "$_pr: tsun-proxyd PSS idle / $NA held" "$_idle / $1" "MB"
		row "$_pr: tsun-proxyd PSS per connection" \
		    "$(awk -v a="$_idle" -v b="$1" -v n="$NA" \
		    'BEGIN { printf "%.2f", (b - a) * 1024 / n }')" "KB"
		stop_pid "$HOLD"
	fi
	stop_daemon
done
echo

# ---- E: scale at a compressed cadence -------------------------------
# A real inverter sends one data frame every few minutes; here each sends
# one every $CAD s, so a minute of the bench is many minutes of a house.
CAD=${BENCH_CADENCE:-5}
SDUR=${BENCH_SDUR:-30}
echo "[5] scale: N inverters, one data frame every ${CAD} s each, ${SDUR} s"
printf '  %-8s %26s %26s %26s\n' "N" "cfgd PSS MB / CPU s/min" \
    "proxyd PSS MB / CPU s/min" "mqttd PSS MB / CPU s/min"
_ns="1 100 1000"
[ "$BIG" -gt 1000 ] && _ns="$_ns $BIG"
for N in $_ns; do
	if [ "$NOFILE" -lt $((N + 200)) ]; then
		echo "  $N: skipped, open files limit $NOFILE"
		continue
	fi
	config "$W/s$N.conf" ninv="$N" nplus=0
	start_daemon "s$N" "$W/s$N.conf"
	_pp=$(child_pid tsun-proxyd)
	_mp=$(child_pid tsun-mqttd)
	_c0="$(cpu "$CFGD") $(cpu "$_pp") $(cpu "$_mp")"
	run_load "$W/s$N.out" gen3 "$G3" "$N" 1 "$SDUR" 0 "$F3" \
	    -r "$(awk -v c="$CAD" 'BEGIN { print 1 / c }')"
	_c1="$(cpu "$CFGD") $(cpu "$_pp") $(cpu "$_mp")"
	_line=""
	_i=1
	for _p in "$CFGD" "$_pp" "$_mp"; do
		_m=$(mem "$_p" | awk '{ print $1 }')
		_u=$(echo "$_c0 $_c1" | awk -v i="$_i" -v d="$SDUR" \
		    '{ printf "%.2f", ($(i + 3) - $i) * 60 / d }')
		_line="$_line $(printf '%26s' "$_m / $_u")"
		_i=$((_i + 1))
	done
	printf '  %-8s%s\n' "$N" "$_line"
	printf '  %-8s %s frames acked of %s sent\n' "" \
	    "$(kv "$W/s$N.out" frames_acked)" "$(kv "$W/s$N.out" frames_sent)"
	stop_daemon
done
echo

# ---- the daemons' logs --------------------------------------------
echo "daemon logs ($W/daemon-*.log): warnings and errors"
for f in "$W"/daemon-*.log; do
	_n=$(grep -ciE 'error|warn|fail|died|refused|fatal|abort|overflow|drop|full' "$f")
	row "$(basename "$f"): suspicious lines" "$_n" ""
	grep -iE 'error|warn|fail|died|refused|fatal|abort|overflow|drop|full' "$f" |
	    sort | uniq -c | sort -rn | head -8 | cut -c1-150 | sed 's/^/      /'
done
echo "work dir kept for inspection: $W"
