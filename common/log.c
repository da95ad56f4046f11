#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"

int			 log_verbose;
static int		 log_foreground = 1;
static const char	*log_proc = "tsun";
static struct ipcbuf	*log_ipc;

void
log_init(int foreground, int verbose, const char *procname)
{
	log_foreground = foreground;
	log_verbose = verbose;
	log_proc = procname;
	tzset();
	if (!foreground)
		openlog(procname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* workers: push queued lines to tsun-cfgd now (before dying on purpose) */
void
log_flush(void)
{
	if (log_ipc != NULL)
		ipc_flush_sync(log_ipc, 1000);
}

void
log_procname(const char *name)
{
	log_proc = name;
}

void
log_to_ipc(struct ipcbuf *ib)
{
	log_ipc = ib;
}

/* cfgd: write one line, its own or a worker's */
void
log_line(int pri, const char *procname, const char *msg)
{
	if (log_foreground) {
		fprintf(stderr, "%s: %s\n", procname, msg);
		fflush(stderr);
	} else
		syslog(pri, "%s: %s", procname, msg);
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char		 msg[2048];
	size_t		 i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* untrusted bytes may end up in a message: keep lines printable */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (log_ipc != NULL) {
		uint8_t	 buf[sizeof(msg) + 4];
		int32_t	 p = pri;
		size_t	 len = strlen(msg);

		memcpy(buf, &p, sizeof(p));
		memcpy(buf + 4, msg, len);
		ipc_compose(log_ipc, IMSG_LOG, 0, -1, buf, len + 4);
		if (pri <= LOG_CRIT)
			ipc_flush_sync(log_ipc, 1000);
		return;
	}
	log_line(pri, log_proc, msg);
}

void
log_warn(const char *fmt, ...)
{
	char	 buf[1024];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_hexdump(const char *label, const uint8_t *p, size_t len)
{
	char	 line[16 * 3 + 1];
	size_t	 i, j;

	if (log_verbose < 2)
		return;
	log_debug("%s: %zu bytes", label, len);
	for (i = 0; i < len; i += 16) {
		for (j = 0; j < 16 && i + j < len; j++)
			snprintf(line + j * 3, 4, "%02x ", p[i + j]);
		line[j * 3 > 0 ? j * 3 - 1 : 0] = '\0';
		log_debug("  %04zx: %s", i, line);
	}
}

void
fatal(const char *fmt, ...)
{
	char	 buf[1024];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (saved)
		log_warnx("fatal: %s: %s", buf, strerror(saved));
	else
		log_warnx("fatal: %s", buf);
	if (log_ipc != NULL)
		ipc_flush_sync(log_ipc, 1000);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("fatal: %s", buf);
	if (log_ipc != NULL)
		ipc_flush_sync(log_ipc, 1000);
	exit(1);
}
