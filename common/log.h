/*
 * Logging in the OpenBSD manner.  tsun-cfgd writes to syslog or, in the
 * foreground, to stderr; the workers hand their lines to tsun-cfgd over
 * IPC (a chrooted process cannot keep /dev/log).
 */
#ifndef TSUN_LOG_H
#define TSUN_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ipcbuf;

extern int	log_verbose;	/* 0 normal, 1 debug, 2 frame hex dumps */

void	log_init(int foreground, int verbose, const char *procname);
void	log_procname(const char *);
void	log_to_ipc(struct ipcbuf *);	/* workers: relay through cfgd */
void	log_flush(void);
void	log_line(int pri, const char *procname, const char *msg);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_hexdump(const char *, const uint8_t *, size_t);
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
