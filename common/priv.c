#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/priv.h"

void
priv_drop(const char *user, const char *chroot_dir, const char *title)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	/*
	 * Local time must survive the chroot: GEN3 speaks local time.  With
	 * TZ unset glibc re-reads /etc/localtime on every localtime() and
	 * falls back to UTC once it cannot; a fixed TZ is loaded once.
	 */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 1);
	tzset();
	{
		time_t	 t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
	}

	if (geteuid() != 0) {
		log_warnx("not started as root: no chroot, no user change "
		    "(development mode)");
		setproctitle("%s", title);
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user %s", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (chroot(chroot_dir) == -1)
		fatal("chroot %s", chroot_dir);
	if (chdir("/") == -1)
		fatal("chdir /");
	setproctitle("%s", title);
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("cannot drop privileges");
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
#endif
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("could regain root after dropping privileges");
}
