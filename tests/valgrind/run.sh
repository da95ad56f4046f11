#!/bin/sh
# The three programs under valgrind (memcheck) through a short life:
# start, GEN3 and GEN3PLUS traffic, a reload, a stop.  Fails on any memory
# error or definite leak.  Built without seccomp (valgrind needs calls the
# filter forbids) in build-vg/.
set -u
[ "$(id -u)" -eq 0 ] || { echo "valgrind: must run as root"; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind: not installed"; exit 1; }
make -s BUILD=build-vg OPT=-O1 SECCOMP=0 all >/dev/null || exit 1
top=$(pwd)
d=$(mktemp -d /tmp/tsun-vg.XXXXXX)
trap 'kill $cfgd $broker 2>/dev/null; rm -rf "$d"' EXIT INT TERM
mkdir "$d/empty" "$d/bin"
chmod 755 "$d" "$d/empty"
for p in tsun-proxyd tsun-mqttd; do
	cat > "$d/bin/$p" <<EOT
#!/bin/sh
exec valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite \
    --error-exitcode=99 --log-file=$d/$p.%p.vg $top/build-vg/$p "\$@"
EOT
	chmod 755 "$d/bin/$p"
done
ports=$(python3 -c 'import socket
ss=[socket.socket() for _ in range(3)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(" ".join(str(s.getsockname()[1]) for s in ss))')
set -- $ports
mport=$1 gport=$2 sport=$3
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mport" > "$d/mosq.conf"
mosquitto -c "$d/mosq.conf" >/dev/null 2>&1 &
broker=$!
cat > "$d/c.conf" <<EOT
user = "nobody"
chroot = "$d/empty"
control_socket = "$d/ctl.sock"
mqtt { host = "127.0.0.1" port = $mport }
tsun { listen_address = "127.0.0.1" listen_port = $gport enabled = false }
solarman { listen_address = "127.0.0.1" listen_port = $sport enabled = false }
inverter "R170000000000001" { node_id = "inv_1" modbus_polling = false }
EOT
valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite \
    --error-exitcode=99 --trace-children=no --log-file="$d/tsun-cfgd.vg" \
    build-vg/tsun-cfgd -d -w "$d/bin" -f "$d/c.conf" 2> "$d/log" &
cfgd=$!
# valgrind is slow to start: wait for the listener
python3 - "$gport" <<'EOT' || { cat "$d/log"; exit 1; }
import socket, sys, time
port = int(sys.argv[1])
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOT
python3 - "$gport" <<'EOT'
import sys
sys.path.insert(0, "tests/e2e")
import lib
port = int(sys.argv[1])
for i in range(3):
    inv = lib.Gen3Inverter(port, retry_for=10, timeout=20)
    lib.expect_reply(inv, lib.contact_frame(), lib.contact_reply(), timeout=20)
    inv.send(lib.data_frame())
    inv.recv(timeout=20)
    inv.send(b"\x00\x00\x00\x05garbage")
    inv.close()
EOT
sleep 2
kill -HUP $cfgd
sleep 3
kill -TERM $cfgd
wait $cfgd
rc=$?
sleep 2
fail=0
[ $rc -eq 0 ] || { echo "valgrind: tsun-cfgd exit status $rc"; fail=1; }
for f in "$d"/*.vg; do
	if [ -s "$f" ]; then
		echo "valgrind: report in $(basename "$f"):"
		cat "$f"
		fail=1
	fi
done
n=$(ls "$d"/*.vg | wc -l)
[ "$n" -ge 3 ] || { echo "valgrind: only $n processes ran under valgrind"; fail=1; }
if [ $fail -eq 0 ]; then
	echo "valgrind: $n processes clean (no memory errors, no definite leaks)"
fi
exit $fail
