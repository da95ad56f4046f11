/*
 * tsun-cfgd: the supervisor.  Configuration parsing lives in config.c.
 */
#ifndef TSUN_CFGD_H
#define TSUN_CFGD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ipc_msg;
struct ipcbuf;
struct ipc_resolve;
struct tsun_conf;

/*
 * config.c.  libconfuse owns the cfg_ prefix (cfg_parse, cfg_print), so
 * ours are config_*.
 *
 * config_parse: NULL on any error, after writing every error to errs as
 * "file:line: message" (warnings as "file:line: warning: message").
 * as_root: also check the user and the chroot directory.
 */
struct tsun_conf	*config_parse(const char *path, int as_root, FILE *errs);

/* confprint.c: the effective configuration in config syntax, password masked */
void			 config_print(FILE *, const struct tsun_conf *);

/*
 * supervise.c: runs tsun-proxyd and tsun-mqttd.  The configuration
 * passed stays the caller's and must live until the next one.
 */
int	supervise_init(const char *, int, void (*)(struct ipcbuf *));
void	supervise_start(const struct tsun_conf *);
void	supervise_reconf(const struct tsun_conf *, int);
int	supervise_stopping(void);
void	supervise_stop(void);
void	supervise_status(FILE *);
void	supervise_sigchld(int, void *);

/* spawn.c */
pid_t			 cfgd_spawn(const char *, char *const [], int *);

/* wmsg.c: one message from a worker; -1: malformed, kill the worker */
#define WROLE_PROXYD	0
#define WROLE_MQTTD	1
#define WMSG_LOGMAX	2048
struct wmsg_ops {
	void	(*log)(void *, int, const char *);
	void	(*resolve)(void *, const struct ipc_resolve *);
	void	(*mqtt_state)(void *, int);
	void	(*status)(void *, uint32_t, const uint8_t *, size_t);
};
int	wmsg_handle(int, const struct ipc_msg *, const struct wmsg_ops *,
	    void *);

#endif
