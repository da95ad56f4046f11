#!/bin/sh
# Install what building and testing tsun-proxy needs, on Debian-like
# systems, as root: apt-get update once, then only what is missing.
# Elsewhere (a BSD, or not root) say what is missing and go on.

PKGS="build-essential pkg-config libmosquitto-dev libconfuse-dev libbsd-dev
check libssl-dev libseccomp-dev mosquitto mosquitto-clients tzdata mandoc
bmake clang libclang-rt-14-dev python3 openssl valgrind procps iproute2
systemd python3-jinja2 python3-paho-mqtt python3-pytest python3-dnspython
faketime libfaketime"

if [ -r /etc/debian_version ] && command -v dpkg-query >/dev/null 2>&1; then
	missing=""
	for p in $PKGS; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$s" in
		*"install ok installed"*) ;;
		*) missing="$missing $p" ;;
		esac
	done
	[ -z "$missing" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing (run as root to install)" >&2
		exit 0
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || exit 1
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing || exit 1
	# mosquitto's package starts a system broker on 1883; tests use their own
	exit 0
fi
echo "deps: not a Debian system; install libmosquitto, libconfuse, check" \
    "and pkg-config with the system's package manager" >&2
exit 0
