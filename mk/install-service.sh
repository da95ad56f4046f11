#!/bin/sh
# Install the service file for this system and say what is left to do.
# $1 uname -s, $2 DESTDIR, $3 SYSTEMDUNITDIR, $4 SYSCONFDIR, $5 SBINDIR
os=$1 destdir=$2 unitdir=$3 sysconfdir=$4 sbindir=${5:-/usr/local/sbin}
case "$os" in
Linux)
	install -d "$destdir$unitdir" || exit 1
	sed "s|/usr/local/sbin|$sbindir|g" etc/tsun-proxy.service \
	    > "$destdir$unitdir/tsun-proxy.service" || exit 1
	chmod 644 "$destdir$unitdir/tsun-proxy.service"
	enable="systemctl daemon-reload && systemctl enable --now tsun-proxy"
	;;
OpenBSD)
	install -d "$destdir/etc/rc.d" || exit 1
	sed "s|/usr/local/sbin|$sbindir|g" etc/rc.d/openbsd/tsun_proxy \
	    > "$destdir/etc/rc.d/tsun_proxy" || exit 1
	chmod 555 "$destdir/etc/rc.d/tsun_proxy"
	enable="rcctl enable tsun_proxy && rcctl start tsun_proxy"
	;;
FreeBSD)
	install -d "$destdir/usr/local/etc/rc.d" || exit 1
	sed "s|/usr/local/sbin|$sbindir|g" etc/rc.d/freebsd/tsun_proxy \
	    > "$destdir/usr/local/etc/rc.d/tsun_proxy" || exit 1
	chmod 555 "$destdir/usr/local/etc/rc.d/tsun_proxy"
	enable="sysrc tsun_proxy_enable=YES && service tsun_proxy start"
	;;
*)
	enable="start $sbindir/tsun-cfgd from your system's rc"
	;;
esac
cat <<EOT

tsun-proxy is installed.  Still to do:
  1. create the user _tsunproxy and the directory /var/empty
     (make install-user does both)
  2. cp $sysconfdir/tsun-proxy.conf.example $sysconfdir/tsun-proxy.conf
     and edit it; check it with: tsun-cfgd -n
  3. $enable
EOT
