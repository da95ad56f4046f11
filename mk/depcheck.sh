#!/bin/sh
# Before compiling: are the libraries there?  One line naming what is
# missing beats a page of implicit-declaration errors.
# usage: sh mk/depcheck.sh OS pkg-config-module ...
os=$1
shift
if ! command -v pkg-config >/dev/null 2>&1; then
	echo "make: pkg-config not found: install pkg-config" \
	    "(Debian: apt-get install pkg-config, or make deps as root)" >&2
	exit 1
fi
missing=""
debs=""
for m in "$@"; do
	# libbsd is what Linux lacks; the BSDs have these functions in libc
	[ "$m" = libbsd-overlay ] && [ "$os" != Linux ] && continue
	pkg-config --exists "$m" 2>/dev/null && continue
	missing="$missing $m"
	case $m in
	libbsd-overlay)	debs="$debs libbsd-dev" ;;
	libmosquitto)	debs="$debs libmosquitto-dev" ;;
	libconfuse)	debs="$debs libconfuse-dev" ;;
	openssl)	debs="$debs libssl-dev" ;;
	check)		debs="$debs check" ;;
	*)		debs="$debs $m" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "make: missing libraries:$missing (Debian: apt-get install$debs," \
    "or make deps as root)" >&2
exit 1
