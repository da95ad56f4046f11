/*
 * tsun-cfgd: the supervision of tsun-proxyd and tsun-mqttd: starting
 * them, reading what they say, the watchdog, reaping and restarting with
 * back-off.  Apart from cfgd.c (main, signals, listeners, reload).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "cfgd/cfgd.h"
#include "cfgd/control.h"
#include "cfgd/resolve.h"


#define W_PROXYD	WROLE_PROXYD
#define W_MQTTD		WROLE_MQTTD
#define KILL_WAIT_MS	5000
#define BACKOFF_MAX	60
#define BACKOFF_RESET	60
/* a worker that answers no ping for WD_TIMEOUT seconds is killed */
#ifdef TSUN_TEST_HOOKS
#define WD_INTERVAL_MS	1000
#define WD_TIMEOUT	3
#else
#define WD_INTERVAL_MS	10000
#define WD_TIMEOUT	45
#endif

struct worker {
	const char	*name;		/* tsun-proxyd */
	const char	*role;		/* proxyd */
	pid_t		 pid;
	struct ipcbuf	 ib;
	struct ev_fd	*ev;
	int		 restarts;
	int		 backoff;	/* seconds before the next start */
	time_t		 started;
	struct ev_timer	 restart;
	int		 stopping;
	int64_t		 last_seen;	/* last message from it, monotonic ms */
	int64_t		 wd_due;	/* when the watchdog tick is due */
	struct ev_timer	 wd;
	int		 renew;		/* stopped to start with a new config */
	struct ev_timer	 stop;		/* kills it if it does not stop */
};

static const struct tsun_conf	*conf;
static struct worker	 workers[2] = {
	{ .name = "tsun-proxyd", .role = "proxyd", .pid = -1 },
	{ .name = "tsun-mqttd", .role = "mqttd", .pid = -1 }
};
static const char	*workdir;
static int		 verbose;
static int		 shutting_down;
static struct ev_timer	 kill_timer;
/* cfgd.c owns the listeners: tsun-proxyd gets them on every start */
static void		(*send_listeners)(struct ipcbuf *);
int			 mqtt_connected;

static void	worker_start(struct worker *);
static void	worker_dispatch(int, int, void *);
static const struct wmsg_ops wm_ops;

static void
send_verbose(struct worker *w)
{
	int32_t	 v = verbose;

	if (ipc_compose(&w->ib, IMSG_VERBOSE, 0, -1, &v, sizeof(v)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_VERBOSE));
}

static void
worker_flush(struct worker *w)
{
	if (w->pid == -1 || w->ev == NULL)
		return;
	switch (ipc_flush(&w->ib)) {
	case -1:
		/* it died: SIGCHLD does the rest */
		ev_set(w->ev, POLLIN);
		break;
	case 1:
		ev_set(w->ev, POLLIN | POLLOUT);
		break;
	default:
		ev_set(w->ev, POLLIN);
	}
}

/* a fresh proxyd<->mqttd pair, one end to each running worker */
static void
send_peers(void)
{
	int	 sp[2];

	if (workers[W_PROXYD].pid == -1 || workers[W_MQTTD].pid == -1)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return;
	}
	/* ipc_flush closes our copies once they are sent */
	if (ipc_compose(&workers[W_PROXYD].ib, IMSG_PEER, 0, sp[0],
	    NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_PEER));
	if (ipc_compose(&workers[W_MQTTD].ib, IMSG_PEER, 0, sp[1],
	    NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_PEER));
	worker_flush(&workers[W_PROXYD]);
	worker_flush(&workers[W_MQTTD]);
}

static void
watchdog_cb(struct ev_timer *t, void *arg)
{
	struct worker	*w = arg;
	int64_t		 now = ev_now_ms(), quiet;

	if (w->pid == -1 || shutting_down)
		return;
	/* a worker is judged by what it said: read what is waiting */
	if (w->ev != NULL)
		worker_dispatch(w->ib.fd, POLLIN, w);
	if (w->ev == NULL)
		return;			/* killed, or going: SIGCHLD follows */
	if (now - w->wd_due > WD_INTERVAL_MS) {
		/* tsun-cfgd itself could not listen: not the worker's fault */
		log_info("supervisor stalled for %lld s: %s gets a fresh "
		    "grace period", (long long)(now - w->wd_due) / 1000,
		    w->name);
		w->last_seen = now;
	}
	quiet = (now - w->last_seen) / 1000;
	if (quiet >= WD_TIMEOUT) {
		log_warnx("%s has not answered for %lld s: killing it",
		    w->name, (long long)quiet);
		kill(w->pid, SIGKILL);
		return;
	}
	if (ipc_compose(&w->ib, IMSG_PING, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_PING));
	worker_flush(w);
	w->wd_due = now + WD_INTERVAL_MS;
	ev_timer_add(&w->wd, WD_INTERVAL_MS);
}

static void
restart_cb(struct ev_timer *t, void *arg)
{
	worker_start(arg);
}

static void
worker_start(struct worker *w)
{
	char	 path[1024];
	char	*argv[] = { (char *)w->name, "-R", (char *)w->role, NULL };
	int	 fd;
	pid_t	 pid;

	if (shutting_down)
		return;
	snprintf(path, sizeof(path), "%s/%s", workdir, w->name);
	if ((pid = cfgd_spawn(path, argv, &fd)) == -1) {
		ev_timer_add(&w->restart, 1000);
		return;
	}
	w->pid = pid;
	w->started = time(NULL);
	ipc_init(&w->ib, fd);
	if ((w->ev = ev_add(fd, POLLIN, worker_dispatch, w)) == NULL)
		fatal("ev_add");
	log_info("started %s, pid %ld", w->name, (long)pid);
	w->last_seen = ev_now_ms();
	w->wd_due = w->last_seen + WD_INTERVAL_MS;
	ev_timer_add(&w->wd, WD_INTERVAL_MS);
	send_verbose(w);
	/* only tsun-mqttd needs the broker password */
	conf_send_to(&w->ib, conf, w == &workers[W_MQTTD]);
	if (w == &workers[W_PROXYD])
		send_listeners(&w->ib);
	worker_flush(w);
	send_peers();
}

static void
worker_gone(struct worker *w, int status)
{
	time_t	 ran = time(NULL) - w->started;

	ev_timer_del(&w->wd);
	if (w->ev != NULL) {
		ev_del(w->ev);
		w->ev = NULL;
	}
	resolve_worker_gone(w - workers);
	/* read what it said last: its fatal line explains the death */
	if (w->ib.fd != -1) {
		struct ipc_msg	 m;

		while (ipc_read(&w->ib) > 0)
			;
		while (ipc_get(&w->ib, &m) == 1) {
			/* its log lines only, checked as any message */
			if (m.hdr.type == IMSG_LOG)
				wmsg_handle(w - workers, &m, &wm_ops, w);
			if (m.fd != -1)
				close(m.fd);
		}
		close(w->ib.fd);
		ipc_clear(&w->ib);
	}
	w->pid = -1;
	if (shutting_down) {
		log_info("%s exited", w->name);
		return;
	}
	if (w == &workers[W_MQTTD])
		mqtt_connected = 0;
	if (w->renew) {
		/* asked to stop for a reload: back at once, no back-off */
		w->renew = 0;
		ev_timer_del(&w->stop);
		log_info("%s stopped: starting it with the new configuration",
		    w->name);
		worker_start(w);
		return;
	}
	if (WIFSIGNALED(status))
		log_warnx("%s died on signal %d%s", w->name, WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (system call not allowed)" :
		    "");
	else
		log_warnx("%s exited with status %d", w->name,
		    WEXITSTATUS(status));
	if (ran >= BACKOFF_RESET)
		w->backoff = 0;
	w->restarts++;
	log_warnx("restarting %s in %d s (restart %d)", w->name, w->backoff,
	    w->restarts);
	ev_timer_add(&w->restart, (int64_t)w->backoff * 1000);
	w->backoff = w->backoff == 0 ? 1 : w->backoff * 2;
	if (w->backoff > BACKOFF_MAX)
		w->backoff = BACKOFF_MAX;
}

void
supervise_sigchld(int sig, void *arg)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (resolve_child_gone(pid, status))
			continue;
		for (i = 0; i < 2; i++)
			if (workers[i].pid == pid)
				worker_gone(&workers[i], status);
	}
	if (shutting_down && workers[0].pid == -1 && workers[1].pid == -1)
		ev_break();
}

/* the resolver process answered a worker's query */
void
cfgd_resolved(int role, const struct ipc_resolved *res)
{
	struct worker	*w = &workers[role];

	if (w->pid == -1)
		return;
	if (ipc_compose(&w->ib, IMSG_RESOLVED, 0, -1, res, sizeof(*res)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_RESOLVED));
	worker_flush(w);
}

static void
wm_log(void *arg, int pri, const char *msg)
{
	struct worker	*w = arg;

	log_line(pri, w->name, msg);
}

static void
wm_resolve(void *arg, const struct ipc_resolve *req)
{
	struct worker	*w = arg;

	resolve_request(w - workers, req);
}

static void
wm_mqtt_state(void *arg, int connected)
{
	mqtt_connected = connected;
}

static void
wm_status(void *arg, uint32_t type, const uint8_t *p, size_t len)
{
	struct worker	*w = arg;

	control_worker_status(w->name, type, p, len);
}

static const struct wmsg_ops wm_ops = {
	wm_log, wm_resolve, wm_mqtt_state, wm_status
};

/* a worker that speaks nonsense is not trusted: restart it */
static void
worker_bad(struct worker *w)
{
	log_warnx("malformed IPC message from %s: killing it", w->name);
	kill(w->pid, SIGKILL);
	if (w->ev != NULL) {
		ev_del(w->ev);
		w->ev = NULL;
	}
}

static int
worker_msg(struct worker *w, struct ipc_msg *m)
{
	w->last_seen = ev_now_ms();
	if (wmsg_handle(w - workers, m, &wm_ops, w) == -1) {
		if (m->fd != -1)
			close(m->fd);
		worker_bad(w);
		return -1;
	}
	return 0;
}

static void
worker_dispatch(int fd, int revents, void *arg)
{
	struct worker	*w = arg;
	struct ipc_msg	 m;
	ssize_t		 n;
	int		 r;

	if (revents & POLLOUT)
		worker_flush(w);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = ipc_read(&w->ib);
	if (n == 0 || (n == -1 && errno != EAGAIN)) {
		/* the process is going: wait for SIGCHLD */
		ev_del(w->ev);
		w->ev = NULL;
		return;
	}
	while ((r = ipc_get(&w->ib, &m)) == 1)
		if (worker_msg(w, &m) == -1)
			return;
	if (r == -1) {
		worker_bad(w);
		return;
	}
	worker_flush(w);
}

static void
stop_cb(struct ev_timer *t, void *arg)
{
	struct worker	*w = arg;

	if (w->pid != -1 && w->renew) {
		log_warnx("%s did not stop in time: killing it", w->name);
		kill(w->pid, SIGKILL);
	}
}

static void
kill_cb(struct ev_timer *t, void *arg)
{
	int	 i;

	for (i = 0; i < 2; i++)
		if (workers[i].pid != -1) {
			log_warnx("%s did not stop in time: killing it",
			    workers[i].name);
			kill(workers[i].pid, SIGKILL);
		}
}

/*
 * Check that the workers are there to be run; verbose is what they are
 * told, send_listeners gives tsun-proxyd the listeners.
 */
int
supervise_init(const char *dir, int v, void (*sl)(struct ipcbuf *))
{
	char	 path[1024];
	int	 i;

	workdir = dir;
	verbose = v;
	send_listeners = sl;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", workdir,
		    workers[i].name);
		if (access(path, X_OK) == -1) {
			fprintf(stderr, "tsun-cfgd: %s: %s\n", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

void
supervise_start(const struct tsun_conf *c)
{
	int	 i;

	conf = c;
	ev_timer_init(&kill_timer, kill_cb, NULL);
	for (i = 0; i < 2; i++) {
		ev_timer_init(&workers[i].restart, restart_cb, &workers[i]);
		ev_timer_init(&workers[i].wd, watchdog_cb, &workers[i]);
		ev_timer_init(&workers[i].stop, stop_cb, &workers[i]);
		worker_start(&workers[i]);
	}
}

/* a new configuration is in force: the running workers get it */
void
supervise_reconf(const struct tsun_conf *c, int renew_mqttd)
{
	int	 i;

	conf = c;
	for (i = 0; i < 2; i++) {
		if (workers[i].pid == -1)
			continue;
		conf_send_to(&workers[i].ib, conf, i == W_MQTTD);
		if (i == W_PROXYD)
			send_listeners(&workers[i].ib);
		/*
		 * tsun-mqttd reads the broker settings once: it stops (after
		 * clearing what the new topics replace) and starts again with
		 * them; tsun-proxyd sends the new one a full snapshot.
		 */
		if (i == W_MQTTD && renew_mqttd && !workers[i].renew) {
			workers[i].renew = 1;
			if (ipc_compose(&workers[i].ib, IMSG_SHUTDOWN, 0, -1,
			    NULL, 0) == -1)
				log_warn("IPC message %s not queued",
				    ipc_typename(IMSG_SHUTDOWN));
			ev_timer_add(&workers[i].stop, KILL_WAIT_MS);
		}
		worker_flush(&workers[i]);
	}
}

int
supervise_stopping(void)
{
	return shutting_down;
}

/* ask the workers to stop; kill_cb kills what is left after a while */
void
supervise_stop(void)
{
	int	 i;

	shutting_down = 1;
	for (i = 0; i < 2; i++) {
		ev_timer_del(&workers[i].restart);
		ev_timer_del(&workers[i].wd);
		if (workers[i].pid == -1)
			continue;
		if (ipc_compose(&workers[i].ib, IMSG_SHUTDOWN, 0, -1,
		    NULL, 0) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_SHUTDOWN));
		worker_flush(&workers[i]);
	}
	if (workers[0].pid == -1 && workers[1].pid == -1)
		ev_break();
	ev_timer_add(&kill_timer, KILL_WAIT_MS);
}

void
supervise_status(FILE *fp)
{
	int	 i;

	for (i = 0; i < 2; i++) {
		if (workers[i].pid == -1)
			fprintf(fp, "%s: down, %d restarts\n",
			    workers[i].name, workers[i].restarts);
		else
			fprintf(fp, "%s: pid %ld, up %lld s, %d restarts\n",
			    workers[i].name, (long)workers[i].pid,
			    (long long)(time(NULL) - workers[i].started),
			    workers[i].restarts);
	}
}

int
cfgd_workers_up(void)
{
	return workers[0].pid != -1 && workers[1].pid != -1;
}

/* ask proxyd for a status report: "inverters", "counters" or "log" */
void
cfgd_status_request(const char *what)
{
	struct worker	*w = &workers[W_PROXYD];

	if (w->pid == -1) {
		control_worker_status(w->name, IMSG_STATUS_END, NULL, 0);
		return;
	}
	if (ipc_compose(&w->ib, IMSG_STATUS_REQ, 0, -1, what,
	    strlen(what)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_STATUS_REQ));
	worker_flush(w);
}

void
cfgd_set_verbose(int v)
{
	int	 i;

	verbose = v;
	log_verbose = v;
	for (i = 0; i < 2; i++)
		if (workers[i].pid != -1) {
			send_verbose(&workers[i]);
			worker_flush(&workers[i]);
		}
}

#ifdef TSUN_TEST_HOOKS
/* "sandbox proxyd", "badipc mqttd": faults the e2e tests inject */
int
cfgd_debug(const char *what)
{
	struct worker	*w;
	const char	*name;
	uint8_t		 junk[3] = { 1, 2, 3 };

	if ((name = strchr(what, ' ')) == NULL)
		return -1;
	name++;
	if (strcmp(name, "proxyd") == 0)
		w = &workers[W_PROXYD];
	else if (strcmp(name, "mqttd") == 0)
		w = &workers[W_MQTTD];
	else
		return -1;
	if (w->pid == -1)
		return -1;
	if (strncmp(what, "sandbox ", 8) == 0) {
		if (ipc_compose(&w->ib, IMSG_SANDBOX_TEST, 0, -1, NULL, 0) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_SANDBOX_TEST));
	} else if (strncmp(what, "badlen ", 7) == 0 ||
	    strncmp(what, "forge ", 6) == 0) {
		struct ipc_msg	 m;
		static const char forged[] = "forged\nexit 0";

		/* as if the worker sent it: the path its messages take */
		memset(&m, 0, sizeof(m));
		m.fd = -1;
		if (what[0] == 'b') {
			m.hdr.type = w == &workers[W_MQTTD] ?
			    IMSG_MQTT_STATE : IMSG_RESOLVE;
			m.data = junk;
			m.len = sizeof(junk);
		} else {
			m.hdr.type = IMSG_STATUS;
			m.data = (const uint8_t *)forged;
			m.len = sizeof(forged) - 1;
		}
		m.hdr.len = m.len;
		worker_msg(w, &m);
		return 0;
	}
	else if (strncmp(what, "badipc ", 7) == 0) {
		/* IMSG_VERBOSE carries exactly 4 bytes: 3 is malformed */
		if (ipc_compose(&w->ib, IMSG_VERBOSE, 0, -1, junk,
		    sizeof(junk)) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_VERBOSE));
	} else
		return -1;
	worker_flush(w);
	return 0;
}
#endif
