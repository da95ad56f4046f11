#!/bin/sh
# make run: the user and chroot directory, a local broker if none answers
# on 127.0.0.1:1883, and tsun-cfgd in the foreground with the example
# configuration pointed at that broker.  Ctrl-C stops tsun-cfgd and the
# broker started here; a broker that was running already stays.
build=${1:-build}
PATH=$PATH:/usr/sbin:/sbin
export PATH
if [ "$(id -u)" -eq 0 ]; then
	sh mk/install-user.sh || exit 1
else
	echo "run: not root: the workers will not chroot or change user" >&2
fi

broker_up() {
	python3 -c 'import socket; socket.create_connection(("127.0.0.1", 1883), 1)' \
	    2>/dev/null
}

mosq=""
cfgd=""
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$cfgd" ]; then
		kill -TERM "$cfgd" 2>/dev/null
		wait "$cfgd" 2>/dev/null
	fi
	if [ -n "$mosq" ]; then
		echo "run: stopping the mosquitto started here"
		kill -TERM "$mosq" 2>/dev/null
		wait "$mosq" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if ! broker_up; then
	command -v mosquitto >/dev/null 2>&1 || {
		echo "run: no broker on 127.0.0.1:1883 and no mosquitto" \
		    "(apt-get install mosquitto)" >&2
		exit 1
	}
	echo "run: starting mosquitto on 127.0.0.1:1883"
	cat > "$build/mosquitto.conf" <<EOT
listener 1883 127.0.0.1
allow_anonymous true
persistence false
log_type error
log_type warning
EOT
	mosquitto -c "$build/mosquitto.conf" &
	mosq=$!
	i=0
	until broker_up; do
		i=$((i + 1))
		if [ $i -ge 50 ] || ! kill -0 "$mosq" 2>/dev/null; then
			echo "run: mosquitto did not start" >&2
			exit 1
		fi
		sleep 0.1
	done
fi

conf="$build/run.conf"
sed -e 's|^\( *host *= *\)"mqtt"|\1"127.0.0.1"|' \
    -e "s|^control_socket *=.*|control_socket = \"$PWD/$build/tsun-proxy.sock\"|" \
    etc/tsun-proxy.conf > "$conf"
chmod 600 "$conf"
prefix=$(sed -n 's/^ *entity_prefix *= *"\([^"]*\)".*/\1/p' "$conf" | head -1)
cat <<EOT
run: watch the data arrive (in another terminal):
    mosquitto_sub -h 127.0.0.1 -p 1883 -v -t '${prefix:-tsun}/#'
run: point an inverter at this machine: GEN3 connects to port 5005,
     GEN3PLUS to port 10000; make logger.talent-monitoring.com (GEN3) or
     iot.talent-monitoring.com (GEN3PLUS) resolve to this machine's
     address in your router's DNS, or set the server on the logger's
     page config_hide.html (see README, "Looping the inverter in")
run: only the serials in $conf are accepted (edit it and restart)
run: $build/tsun-cfgd -d -w $build -f $conf (Ctrl-C stops it)
EOT
"$build/tsun-cfgd" -d -w "$build" -f "$conf" &
cfgd=$!
wait "$cfgd"
rc=$?
cfgd=""
exit $rc
