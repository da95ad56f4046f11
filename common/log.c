#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"

int			 log_verbose;
static int		 log_foreground = 1;
static const char	*log_proc = "tsun";
static struct ipcbuf	*log_ipc;

int64_t			(*log_now_ms)(void) = ev_now_ms;

/*
 * Summaries: a line of log_warnx_sum/log_info_sum whose format was logged
 * less than LOG_SUM_WINDOW ago is only counted; the count comes out when
 * the window ends.  A flood costs two lines a minute per call site.
 */
#define LOG_SUM_SLOTS	32
#define LOG_SUM_TEXT	256

struct log_sum {
	const char	*fmt;		/* the key: NULL for a free slot */
	int		 pri;
	int64_t		 start;		/* the first line, logged */
	unsigned long	 count;		/* lines since, not logged */
	char		 last[LOG_SUM_TEXT];	/* the latest of them */
};
static struct log_sum	 sums[LOG_SUM_SLOTS];
static struct ev_timer	 sum_timer;
static int		 sum_timer_ready;

/*
 * The queue toward tsun-cfgd is bounded: a stalled tsun-cfgd must not
 * make a worker grow.  Lines that do not fit are counted, and the count
 * is logged once the queue has drained below LOG_QUEUE_LOW.
 */
static unsigned long	 log_dropped;

static void	log_emit(int, const char *);
static void	sum_arm(void);
static void	log_crit(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/* fuzz builds: the code under test may log at every input; fatal stays */
#ifdef TSUN_FUZZ
#define LOG_WANTED(pri)	((pri) <= LOG_CRIT)
#else
#define LOG_WANTED(pri)	1
#endif

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
	log_sum_expire(1);
	if (log_ipc != NULL)
		ipc_flush_sync(log_ipc, 1000);
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

/* workers: what is queued toward tsun-cfgd, dropped when it is full */
static void
log_queue(int pri, const char *msg)
{
	uint8_t	 buf[2048 + 4];
	int32_t	 p = pri;
	size_t	 len = strlen(msg);

	if (len > sizeof(buf) - 4)
		len = sizeof(buf) - 4;
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + 4, msg, len);
	if (ipc_compose(log_ipc, IMSG_LOG, 0, -1, buf, len + 4) == -1)
		log_dropped++;
}

/* the queue toward tsun-cfgd has room again: say what was lost */
void
log_drained(void)
{
	char	 note[64];

	if (log_ipc == NULL || log_dropped == 0 ||
	    log_ipc->outbytes > LOG_QUEUE_LOW)
		return;
	snprintf(note, sizeof(note), "%lu log lines dropped", log_dropped);
	log_dropped = 0;
	log_queue(LOG_WARNING, note);
}

static void
log_emit(int pri, const char *text)
{
	char	 msg[2048];
	size_t	 i;

	if (!LOG_WANTED(pri))
		return;
	strlcpy(msg, text, sizeof(msg));
	/* untrusted bytes may end up in a message: keep lines printable */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (log_ipc != NULL) {
		log_drained();
		/* a fatal line always goes: it is the last one */
		if (log_ipc->outbytes >= LOG_QUEUE_MAX && pri > LOG_CRIT) {
			log_dropped++;
			return;
		}
		log_queue(pri, msg);
		if (pri <= LOG_CRIT)
			ipc_flush_sync(log_ipc, 1000);
		return;
	}
	log_line(pri, log_proc, msg);
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 msg[2048];

	if (!LOG_WANTED(pri))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(pri, msg);
}

static void
sum_cb(struct ev_timer *t, void *arg)
{
	log_sum_expire(0);
}

/* the timer for the earliest window with a count to report */
static void
sum_arm(void)
{
	int64_t	 first = INT64_MAX;
	int	 i;

	if (!sum_timer_ready) {
		ev_timer_init(&sum_timer, sum_cb, NULL);
		sum_timer_ready = 1;
	}
	for (i = 0; i < LOG_SUM_SLOTS; i++)
		if (sums[i].fmt != NULL && sums[i].count > 0 &&
		    sums[i].start < first)
			first = sums[i].start;
	if (first == INT64_MAX)
		ev_timer_del(&sum_timer);
	else
		ev_timer_add(&sum_timer, first + LOG_SUM_WINDOW -
		    log_now_ms());
}

static void
sum_report(struct log_sum *ls, int64_t now)
{
	char	 msg[LOG_SUM_TEXT + 64];
	int64_t	 secs = (now - ls->start + 999) / 1000;

	if (ls->count > 0) {
		snprintf(msg, sizeof(msg), "%s (repeated %lu times in the "
		    "last %lld s)", ls->last, ls->count, (long long)secs);
		log_emit(ls->pri, msg);
	}
	memset(ls, 0, sizeof(*ls));
}

/* report and free every slot whose window has ended (all: every slot) */
void
log_sum_expire(int all)
{
	int64_t	 now = log_now_ms();
	int	 i;

	for (i = 0; i < LOG_SUM_SLOTS; i++)
		if (sums[i].fmt != NULL &&
		    (all || now - sums[i].start >= LOG_SUM_WINDOW))
			sum_report(&sums[i], now);
	if (sum_timer_ready)
		sum_arm();
}

static void
vlog_sum(int pri, const char *fmt, va_list ap)
{
	struct log_sum	*ls = NULL, *old = &sums[0];
	char		 msg[2048];
	int64_t		 now;
	int		 i;

	if (!LOG_WANTED(pri))
		return;
	now = log_now_ms();
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; i < LOG_SUM_SLOTS; i++) {
		if (sums[i].fmt == fmt && sums[i].pri == pri) {
			ls = &sums[i];
			break;
		}
		if (old->fmt != NULL && (sums[i].fmt == NULL ||
		    sums[i].start < old->start))
			old = &sums[i];
	}
	if (ls != NULL && now - ls->start < LOG_SUM_WINDOW) {
		ls->count++;
		strlcpy(ls->last, msg, sizeof(ls->last));
		if (ls->count == 1)
			sum_arm();
		return;
	}
	if (ls == NULL)
		ls = old;
	/* an ended window, or the slot of the oldest: its count goes now */
	if (ls->fmt != NULL)
		sum_report(ls, now);
	ls->fmt = fmt;
	ls->pri = pri;
	ls->start = now;
	log_emit(pri, msg);
}

void
log_warnx_sum(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_sum(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info_sum(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_sum(LOG_INFO, fmt, ap);
	va_end(ap);
}

static void
log_crit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
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
		log_crit("fatal: %s: %s", buf, strerror(saved));
	else
		log_crit("fatal: %s", buf);
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
	log_crit("fatal: %s", buf);
	if (log_ipc != NULL)
		ipc_flush_sync(log_ipc, 1000);
	exit(1);
}
