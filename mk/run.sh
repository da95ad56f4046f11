#!/bin/sh
# make run: the user and chroot directory, a local broker if none answers
# on 127.0.0.1:1883, and tsun-cfgd in the foreground with the example
# configuration pointed at that broker.
build=${1:-build}
if [ "$(id -u)" -eq 0 ]; then
	sh mk/install-user.sh || exit 1
else
	echo "run: not root: the workers will not chroot or change user" >&2
fi
if ! python3 -c 'import socket; socket.create_connection(("127.0.0.1", 1883), 1)' \
    2>/dev/null; then
	echo "run: starting mosquitto on 127.0.0.1:1883"
	cat > "$build/mosquitto.conf" <<EOT
listener 1883 127.0.0.1
allow_anonymous true
persistence false
EOT
	mosquitto -d -c "$build/mosquitto.conf" || exit 1
	sleep 1
fi
conf="$build/run.conf"
sed -e 's|^\( *host *= *\)"mqtt"|\1"127.0.0.1"|' \
    -e "s|^control_socket *=.*|control_socket = \"$PWD/$build/tsun-proxy.sock\"|" \
    etc/tsun-proxy.conf > "$conf"
chmod 600 "$conf"
echo "run: $build/tsun-cfgd -d -w $build -f $conf (Ctrl-C stops it)"
exec "$build/tsun-cfgd" -d -w "$build" -f "$conf"
