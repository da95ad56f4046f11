#!/bin/sh
# Create the unprivileged user and the chroot directory of tsun-proxy.
user=_tsunproxy
dir=/var/empty
if ! id "$user" >/dev/null 2>&1; then
	case "$(uname -s)" in
	OpenBSD) useradd -d "$dir" -s /sbin/nologin -c "tsun-proxy" "$user" ;;
	FreeBSD) pw useradd "$user" -d "$dir" -s /usr/sbin/nologin -c "tsun-proxy" ;;
	*) useradd --system --home-dir "$dir" --no-create-home \
	    --shell /usr/sbin/nologin --comment "tsun-proxy" "$user" ;;
	esac || exit 1
	echo "created user $user"
fi
if [ ! -d "$dir" ]; then
	mkdir -p "$dir" && chown root "$dir" && chmod 755 "$dir" || exit 1
	echo "created $dir"
fi
exit 0
