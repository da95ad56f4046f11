#ifndef TSUN_PRIV_H
#define TSUN_PRIV_H

/*
 * Drop root in the order of architecture.md §3: tzset, chroot, chdir,
 * setgroups/setresgid/setresuid, no_new_privs; then prove root is gone.
 * Not root: skip it with one warning (development mode).
 */
void	priv_drop(const char *user, const char *chroot_dir,
	    const char *title);

#endif
