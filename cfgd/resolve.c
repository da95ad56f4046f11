/*
 * Host names for the workers (they never read /etc), resolved by the
 * resolver process (dns.c) so that tsun-cfgd never waits for a DNS
 * server.  At most RQ_MAX queries are in flight, each with a deadline of
 * RQ_TIMEOUT_MS: a query beyond the bound or past its deadline fails
 * with a temporary error (the worker retries later), and a resolver that
 * missed a deadline is stuck: it is killed and restarted, and the
 * queries still waiting go to the new one.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "cfgd/cfgd.h"
#include "cfgd/resolve.h"

#define RES_BACKOFF_MAX	60
#define RES_BACKOFF_RESET 60

struct rq {
	TAILQ_ENTRY(rq)	 entry;
	int		 role;		/* the worker that asked */
	uint32_t	 wid;		/* its id for the query */
	struct dns_query dq;
	int64_t		 deadline;
	int		 sent;		/* to the running resolver */
};

static TAILQ_HEAD(, rq)	 rqs = TAILQ_HEAD_INITIALIZER(rqs);
static int		 nrq;
static uint32_t		 rq_id;
static struct ev_timer	 rq_timer;
static char		 self[1024];	/* tsun-cfgd, to run it again */
static char		 user[256];
static pid_t		 res_pid = -1;
static struct ipcbuf	 res_ib;
static struct ev_fd	*res_ev;
static struct ev_timer	 res_restart;
static int		 res_backoff;
static int		 res_restarts;
static time_t		 res_started;
static int		 res_killed;	/* by us, for missing a deadline */
static int		 res_stopping;

static void	rq_arm(void);
static void	res_dispatch(int, int, void *);

static void
res_flush(void)
{
	if (res_ev == NULL)
		return;
	ev_set(res_ev, ipc_flush(&res_ib) == 1 ? POLLIN | POLLOUT : POLLIN);
}

static void
rq_answer(struct rq *q, const struct ipc_resolved *r)
{
	struct ipc_resolved	 res = *r;

	res.id = q->wid;
	if (res.error != 0)
		log_warnx("cannot resolve %s: %s", q->dq.host,
		    gai_strerror(res.error));
	cfgd_resolved(q->role, &res);
}

static void
rq_fail(struct rq *q, int error)
{
	struct ipc_resolved	 res;

	memset(&res, 0, sizeof(res));
	res.error = error;
	rq_answer(q, &res);
}

static void
rq_free(struct rq *q)
{
	TAILQ_REMOVE(&rqs, q, entry);
	nrq--;
	free(q);
}

static void
rq_send(void)
{
	struct rq	*q;

	if (res_ev == NULL)
		return;
	TAILQ_FOREACH(q, &rqs, entry)
		if (!q->sent) {
			if (ipc_compose(&res_ib, IMSG_RESOLVE, 0, -1, &q->dq,
			    sizeof(q->dq)) == -1) {
				/* still unsent: the next call tries again */
				log_warn("IPC message %s not queued",
				    ipc_typename(IMSG_RESOLVE));
				break;
			}
			q->sent = 1;
		}
	res_flush();
}

/* the oldest query missed its deadline: the resolver is stuck */
static void
rq_expire(struct ev_timer *t, void *arg)
{
	struct rq	*q;
	int64_t		 now = ev_now_ms();
	int		 stuck = 0;

	while ((q = TAILQ_FIRST(&rqs)) != NULL && q->deadline <= now) {
		log_warnx("resolving %s: no answer within %d s", q->dq.host,
		    RQ_TIMEOUT_MS / 1000);
		stuck |= q->sent;
		rq_fail(q, EAI_AGAIN);
		rq_free(q);
	}
	if (stuck && res_pid != -1 && !res_killed) {
		log_warnx("resolver process is stuck: restarting it");
		res_killed = 1;
		kill(res_pid, SIGKILL);
	}
	rq_arm();
}

static void
rq_arm(void)
{
	struct rq	*q;
	int64_t		 d;

	if ((q = TAILQ_FIRST(&rqs)) == NULL) {
		ev_timer_del(&rq_timer);
		return;
	}
	d = q->deadline - ev_now_ms();
	ev_timer_add(&rq_timer, d < 0 ? 0 : d);
}

void
resolve_request(int role, const struct ipc_resolve *req)
{
	struct rq	*q;

	if (nrq >= RQ_MAX || (q = calloc(1, sizeof(*q))) == NULL) {
		struct rq	 tmp;

		memset(&tmp, 0, sizeof(tmp));
		tmp.role = role;
		tmp.wid = req->id;
		memcpy(tmp.dq.host, req->host, sizeof(tmp.dq.host));
		log_warnx("%d host names are being resolved: %s must wait",
		    nrq, tmp.dq.host);
		rq_fail(&tmp, EAI_AGAIN);
		return;
	}
	q->role = role;
	q->wid = req->id;
	q->dq.id = ++rq_id;
	memcpy(q->dq.host, req->host, sizeof(q->dq.host));
	q->dq.port = req->port;
	strlcpy(q->dq.resolver, cfgd_resolver(), sizeof(q->dq.resolver));
	q->deadline = ev_now_ms() + RQ_TIMEOUT_MS;
	TAILQ_INSERT_TAIL(&rqs, q, entry);
	nrq++;
	log_debug("resolving %s", q->dq.host);
	if (TAILQ_FIRST(&rqs) == q)
		rq_arm();
	rq_send();
}

/* a worker restarted: its queries have no one to go to */
void
resolve_worker_gone(int role)
{
	struct rq	*q, *next;

	TAILQ_FOREACH_SAFE(q, &rqs, entry, next)
		if (q->role == role)
			rq_free(q);
	rq_arm();
}

static void
res_answer(const struct ipc_msg *m)
{
	struct ipc_resolved	 r;
	struct rq		*q;

	memcpy(&r, m->data, sizeof(r));
	TAILQ_FOREACH(q, &rqs, entry)
		if (q->sent && q->dq.id == r.id)
			break;
	if (q == NULL)
		return;			/* failed already, or its worker left */
	if (r.naddr > RESOLVE_MAX)
		r.naddr = RESOLVE_MAX;
	rq_answer(q, &r);
	rq_free(q);
	rq_arm();
}

static void
res_kill(const char *why)
{
	log_warnx("%s from the resolver process: killing it", why);
	if (res_pid != -1)
		kill(res_pid, SIGKILL);
	if (res_ev != NULL) {
		ev_del(res_ev);
		res_ev = NULL;
	}
}

static void
res_dispatch(int fd, int revents, void *arg)
{
	struct ipc_msg	 m;
	ssize_t		 n;
	int		 r;

	if (revents & POLLOUT)
		res_flush();
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = ipc_read(&res_ib);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		/* it is going: SIGCHLD does the rest */
		ev_del(res_ev);
		res_ev = NULL;
		return;
	}
	while ((r = ipc_get(&res_ib, &m)) == 1) {
		if (m.fd != -1) {
			close(m.fd);
			r = -1;
			break;
		}
		if (m.hdr.type == IMSG_RESOLVED &&
		    m.len == sizeof(struct ipc_resolved))
			res_answer(&m);
		else if (m.hdr.type == IMSG_LOG && m.len >= 4) {
			char	 msg[2048];
			int32_t	 pri;
			size_t	 len = m.len - 4, i;

			memcpy(&pri, m.data, 4);
			if (len >= sizeof(msg))
				len = sizeof(msg) - 1;
			memcpy(msg, m.data + 4, len);
			msg[len] = '\0';
			for (i = 0; i < len; i++)
				if ((unsigned char)msg[i] < 0x20 ||
				    msg[i] == 0x7f)
					msg[i] = '?';
			if (pri < LOG_EMERG || pri > LOG_DEBUG)
				pri = LOG_WARNING;
			log_line(pri, "resolver", msg);
		} else {
			r = -1;
			break;
		}
	}
	if (r == -1) {
		res_kill("malformed IPC message");
		return;
	}
	res_flush();
}

static void
res_restart_cb(struct ev_timer *t, void *arg)
{
	resolve_start();
}

void
resolve_init(const char *path, const char *u)
{
	strlcpy(self, path, sizeof(self));
	strlcpy(user, u, sizeof(user));
	ev_timer_init(&rq_timer, rq_expire, NULL);
	ev_timer_init(&res_restart, res_restart_cb, NULL);
}

void
resolve_start(void)
{
	struct rq	*q;
	char		*argv[] = { "tsun-cfgd", "-R", "dns", user, NULL };
	int		 fd;
	pid_t		 pid;

	if (res_stopping || res_pid != -1)
		return;
	if ((pid = cfgd_spawn(self, argv, &fd)) == -1) {
		ev_timer_add(&res_restart, 1000);
		return;
	}
	res_pid = pid;
	res_started = time(NULL);
	res_killed = 0;
	ipc_init(&res_ib, fd);
	if ((res_ev = ev_add(fd, POLLIN, res_dispatch, NULL)) == NULL)
		fatal("ev_add");
	log_debug("started the resolver process, pid %ld", (long)pid);
	TAILQ_FOREACH(q, &rqs, entry)
		q->sent = 0;
	rq_send();
}

/* SIGCHLD: 1 if pid was the resolver process */
int
resolve_child_gone(int pid, int status)
{
	if (pid != res_pid || res_pid == -1)
		return 0;
	if (res_ev != NULL) {
		ev_del(res_ev);
		res_ev = NULL;
	}
	close(res_ib.fd);
	ipc_clear(&res_ib);
	res_pid = -1;
	if (res_stopping)
		return 1;
	if (!res_killed) {
		if (WIFSIGNALED(status))
			log_warnx("resolver process died on signal %d",
			    WTERMSIG(status));
		else
			log_warnx("resolver process exited with status %d",
			    WEXITSTATUS(status));
	}
	/* a stuck resolver is replaced at once: the queries are waiting */
	if (res_killed || time(NULL) - res_started >= RES_BACKOFF_RESET)
		res_backoff = 0;
	res_restarts++;
	ev_timer_add(&res_restart, (int64_t)res_backoff * 1000);
	res_backoff = res_backoff == 0 ? 1 : res_backoff * 2;
	if (res_backoff > RES_BACKOFF_MAX)
		res_backoff = RES_BACKOFF_MAX;
	return 1;
}

void
resolve_stop(void)
{
	res_stopping = 1;
	ev_timer_del(&res_restart);
	ev_timer_del(&rq_timer);
	if (res_pid != -1)
		kill(res_pid, SIGTERM);
}

void
resolve_status(FILE *fp)
{
	if (res_pid == -1)
		fprintf(fp, "resolver: down, %d restarts\n", res_restarts);
	else
		fprintf(fp, "resolver: pid %ld, %d queries, %d restarts\n",
		    (long)res_pid, nrq, res_restarts);
}
