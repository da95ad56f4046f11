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
void	log_to_ipc(struct ipcbuf *);	/* workers: relay through cfgd */
void	log_flush(void);
void	log_line(int pri, const char *procname, const char *msg);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_hexdump(const char *, const uint8_t *, size_t);
/*
 * For lines a peer can cause at will: a line whose format was logged less
 * than LOG_SUM_WINDOW ago is counted instead, and the count logged as
 * "<latest line> (repeated N times in the last 60 s)" when the window
 * ends (a timer of common/ev.c).
 */
#define LOG_SUM_WINDOW	60000		/* ms */
void	log_warnx_sum(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info_sum(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_sum_expire(int all);	/* report the ended windows (or all) */
extern int64_t	(*log_now_ms)(void);	/* monotonic ms; tests set it */
/*
 * Workers: at most LOG_QUEUE_MAX bytes wait for tsun-cfgd; lines beyond
 * are dropped and counted, and "N log lines dropped" is logged once the
 * queue is below LOG_QUEUE_LOW.  Call log_drained() after each flush.
 */
#define LOG_QUEUE_MAX	(256 * 1024)
#define LOG_QUEUE_LOW	(64 * 1024)
void	log_drained(void);
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
