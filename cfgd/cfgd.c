/*
 * tsun-cfgd: the supervisor.  Reads the configuration, binds the
 * listeners, resolves host names, runs tsun-proxyd and tsun-mqttd and
 * keeps them running.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
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

struct listener {
	TAILQ_ENTRY(listener) entry;
	int		 proto;		/* DEV_GEN3 / DEV_GEN3PLUS */
	char		 addr[64];	/* as configured */
	char		 bound[64];	/* numeric, for logs */
	int		 port;
	int		 fd;
	int		 taken;		/* kept from the running set (reload) */
};
TAILQ_HEAD(listeners, listener);

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

static struct tsun_conf	*conf;
static struct listeners	 listeners = TAILQ_HEAD_INITIALIZER(listeners);
static struct worker	 workers[2] = {
	{ .name = "tsun-proxyd", .role = "proxyd", .pid = -1 },
	{ .name = "tsun-mqttd", .role = "mqttd", .pid = -1 }
};
static const char	*conffile = SYSCONFDIR "/tsun-proxy.conf";
static const char	*workdir = LIBEXECDIR;
static int		 verbose;
static int		 foreground;
static int		 shutting_down;
static struct ev_timer	 kill_timer;
static time_t		 start_time;
int			 mqtt_connected;

static void	worker_start(struct worker *);
static void	worker_dispatch(int, int, void *);
static const struct wmsg_ops wm_ops;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: tsun-cfgd [-dnv] [-f file] [-w dir]\n");
	exit(2);
}

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

static int
bind_one(struct listener *l, const struct sockaddr *sa, socklen_t salen)
{
	int	 fd, on = 1;
	char	 host[NI_MAXHOST];

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, sa, salen) == -1 || listen(fd, SOMAXCONN) == -1) {
		int	 saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	if (getnameinfo(sa, salen, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(host, "?", sizeof(host));
	snprintf(l->bound, sizeof(l->bound), "%s%s%s", 
	    sa->sa_family == AF_INET6 ? "[" : "", host,
	    sa->sa_family == AF_INET6 ? "]" : "");
	l->fd = fd;
	return 0;
}

/* bind one configured listen_address: "*" is IPv6 and IPv4 */
static int
bind_listener(struct listeners *lh, int proto, const char *addr, int port)
{
	struct addrinfo	 hints, *ai, *a;
	struct listener	*l;
	char		 sport[8];
	int		 e, n = 0;

	snprintf(sport, sizeof(sport), "%d", port);
	if (strcmp(addr, "*") == 0) {
		struct sockaddr_in6	 s6;
		struct sockaddr_in	 s4;

		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(port);
		s6.sin6_addr = in6addr_any;
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = htons(port);
		s4.sin_addr.s_addr = htonl(INADDR_ANY);
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return -1;
		if (bind_one(l, (struct sockaddr *)&s6, sizeof(s6)) == 0) {
			l->proto = proto;
			l->port = port;
			strlcpy(l->addr, addr, sizeof(l->addr));
			TAILQ_INSERT_TAIL(lh, l, entry);
			n++;
			l = calloc(1, sizeof(*l));
			if (l == NULL)
				return -1;
		} else if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)
			/* a machine without IPv6: nothing to worry about */
			log_info("no IPv6 on this machine: port %d is IPv4 only",
			    port);
		else
			log_warn("bind [::]:%d failed, listening on IPv4 only",
			    port);
		if (bind_one(l, (struct sockaddr *)&s4, sizeof(s4)) == -1) {
			log_warn("bind *:%d", port);
			free(l);
			return -1;
		}
		l->proto = proto;
		l->port = port;
		strlcpy(l->addr, addr, sizeof(l->addr));
		TAILQ_INSERT_TAIL(lh, l, entry);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((e = getaddrinfo(addr, sport, &hints, &ai)) != 0) {
		log_warnx("listen_address %s: %s", addr, gai_strerror(e));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if ((l = calloc(1, sizeof(*l))) == NULL)
			break;
		if (bind_one(l, a->ai_addr, a->ai_addrlen) == -1) {
			log_warn("bind %s:%d", addr, port);
			free(l);
			continue;
		}
		l->proto = proto;
		l->port = port;
		strlcpy(l->addr, addr, sizeof(l->addr));
		TAILQ_INSERT_TAIL(lh, l, entry);
		n++;
	}
	freeaddrinfo(ai);
	return n > 0 ? 0 : -1;
}

static void
close_listeners(struct listeners *lh)
{
	struct listener	*l;

	while ((l = TAILQ_FIRST(lh)) != NULL) {
		TAILQ_REMOVE(lh, l, entry);
		close(l->fd);
		free(l);
	}
}

static int
same_listener(const struct conf_listener *a, const struct conf_listener *b)
{
	return a->enabled == b->enabled && a->listen_port == b->listen_port &&
	    strcmp(a->listen_address, b->listen_address) == 0;
}

/*
 * Bind the listeners of c into lh.  On reload, unchanged listeners are
 * taken over from 'old' (marked taken); the old ones stay open until the
 * caller knows the new set is complete, so a failure changes nothing.
 */
static int
setup_listeners(struct listeners *lh, const struct tsun_conf *c,
    const struct tsun_conf *oc, struct listeners *old)
{
	const struct conf_listener *cl[2] = { &c->tsun, &c->solarman };
	const struct conf_listener *ol[2] = { NULL, NULL };
	int			 proto[2] = { DEV_GEN3, DEV_GEN3PLUS };
	struct listener		*l, *next;
	int			 i;

	if (oc != NULL) {
		ol[0] = &oc->tsun;
		ol[1] = &oc->solarman;
	}
	for (i = 0; i < 2; i++) {
		if (old != NULL && ol[i] != NULL && same_listener(cl[i], ol[i])) {
			TAILQ_FOREACH_SAFE(l, old, entry, next)
				if (l->proto == proto[i]) {
					TAILQ_REMOVE(old, l, entry);
					l->taken = 1;
					TAILQ_INSERT_TAIL(lh, l, entry);
				}
			continue;
		}
		if (!cl[i]->enabled)
			continue;
		if (bind_listener(lh, proto[i], cl[i]->listen_address,
		    cl[i]->listen_port) == -1) {
			/* the running listener holds that port (in tsun-proxyd
			   too): only a restart can move it */
			if (old != NULL)
				TAILQ_FOREACH(l, old, entry)
					if (l->port == cl[i]->listen_port)
						log_warnx("port %d is in use by "
						    "the running listener: "
						    "restart tsun-cfgd to "
						    "change its address",
						    l->port);
			return -1;
		}
	}
	return 0;
}

static void
send_listeners(struct worker *w)
{
	struct listener		*l;
	struct ipc_listener	 il;
	int			 fd;

	TAILQ_FOREACH(l, &listeners, entry) {
		if ((fd = dup(l->fd)) == -1) {
			log_warn("dup listener");
			continue;
		}
		memset(&il, 0, sizeof(il));
		il.proto = l->proto;
		strlcpy(il.addr, l->bound, sizeof(il.addr));
		il.port = l->port;
		if (ipc_compose(&w->ib, IMSG_LISTENER, 0, fd, &il,
		    sizeof(il)) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_LISTENER));
	}
	if (ipc_compose(&w->ib, IMSG_LISTENERS_END, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_LISTENERS_END));
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
		send_listeners(w);
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

static void
on_sigchld(int sig, void *arg)
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

const char *
cfgd_resolver(void)
{
	return conf->resolver;
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

/* the parser's scratch memory goes back to the system (many devices) */
static void
trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* parse, with every error and warning going to the log (and to out) */
static struct tsun_conf *
parse_logged(const char *file, FILE *out)
{
	struct tsun_conf	*nc;
	char			*buf = NULL, *p, *line;
	size_t			 len = 0;
	FILE			*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	nc = config_parse(file, geteuid() == 0, fp);
	fclose(fp);
	for (p = buf; (line = strsep(&p, "\n")) != NULL;)
		if (*line != '\0') {
			log_warnx("%s", line);
			if (out != NULL)
				fprintf(out, "%s\n", line);
		}
	free(buf);
	trim_heap();
	return nc;
}

/* the settings tsun-mqttd reads once, at its start */
static int
mqtt_changed(const struct tsun_conf *a, const struct tsun_conf *b)
{
	return strcmp(a->mqtt_host, b->mqtt_host) != 0 ||
	    a->mqtt_port != b->mqtt_port ||
	    strcmp(a->mqtt_user, b->mqtt_user) != 0 ||
	    strcmp(a->mqtt_passwd, b->mqtt_passwd) != 0 ||
	    strcmp(a->mqtt_client_id, b->mqtt_client_id) != 0 ||
	    a->mqtt_keepalive != b->mqtt_keepalive ||
	    a->mqtt_tls != b->mqtt_tls ||
	    strcmp(a->tls_cafile, b->tls_cafile) != 0 ||
	    strcmp(a->tls_certfile, b->tls_certfile) != 0 ||
	    strcmp(a->tls_keyfile, b->tls_keyfile) != 0 ||
	    a->tls_insecure != b->tls_insecure ||
	    /* the last will's topic and the default client id */
	    strcmp(a->ha_entity_prefix, b->ha_entity_prefix) != 0 ||
	    strcmp(a->ha_proxy_node_id, b->ha_proxy_node_id) != 0 ||
	    strcmp(a->ha_proxy_unique_id, b->ha_proxy_unique_id) != 0;
}

/*
 * What only a restart of tsun-cfgd can change keeps its running value;
 * the names of those that differ go to buf, comma-separated.
 */
static void
keep_fixed(struct tsun_conf *nc, const struct tsun_conf *oc, char *buf,
    size_t len)
{
	struct {
		const char	*name;
		char		*nv;
		const char	*ov;
	} f[] = {
		{ "control_socket", nc->control_socket, oc->control_socket },
		{ "user", nc->user, oc->user },
		{ "chroot", nc->chroot, oc->chroot }
	};
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (strcmp(f[i].nv, f[i].ov) == 0)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, f[i].name, len);
		strlcpy(f[i].nv, f[i].ov, CONF_STR);
	}
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

/*
 * Reload the file: 0 when it is in force, -1 when it was rejected and
 * the running configuration stays.  What an administrator must know
 * (errors with file:line, keys that need a restart) goes to out too.
 */
static int
reload(FILE *out)
{
	struct tsun_conf	*nc;
	struct listeners	 nl = TAILQ_HEAD_INITIALIZER(nl);
	char			 fixed[64];
	int			 i, renew_mqttd;

	log_info("reloading %s", conffile);
	if ((nc = parse_logged(conffile, out)) == NULL) {
		log_warnx("%s has errors: keeping the running configuration",
		    conffile);
		if (out != NULL)
			fprintf(out, "%s has errors: keeping the running "
			    "configuration\n", conffile);
		return -1;
	}
	if (setup_listeners(&nl, nc, conf, &listeners) == -1) {
		log_warnx("cannot bind the new listeners: keeping the "
		    "running configuration");
		if (out != NULL)
			fprintf(out, "cannot bind the new listeners: keeping "
			    "the running configuration\n");
		/* what we took over goes back, what we bound goes */
		while (!TAILQ_EMPTY(&nl)) {
			struct listener *l = TAILQ_FIRST(&nl);

			TAILQ_REMOVE(&nl, l, entry);
			if (l->taken) {
				l->taken = 0;
				TAILQ_INSERT_TAIL(&listeners, l, entry);
			} else {
				close(l->fd);
				free(l);
			}
		}
		conf_free(nc);
		return -1;
	}
	close_listeners(&listeners);
	TAILQ_CONCAT(&listeners, &nl, entry);
	{
		struct listener	*l;

		TAILQ_FOREACH(l, &listeners, entry)
			l->taken = 0;
	}
	keep_fixed(nc, conf, fixed, sizeof(fixed));
	renew_mqttd = mqtt_changed(conf, nc);
	conf_free(conf);
	conf = nc;
	control_reconf(conf);
	for (i = 0; i < 2; i++) {
		if (workers[i].pid == -1)
			continue;
		conf_send_to(&workers[i].ib, conf, i == W_MQTTD);
		if (i == W_PROXYD)
			send_listeners(&workers[i]);
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
	if (renew_mqttd)
		log_info("MQTT settings changed: tsun-mqttd reconnects to the "
		    "broker with them");
	log_info("configuration reloaded");
	if (fixed[0] != '\0')
		log_warnx("restart tsun-cfgd to apply: %s", fixed);
	if (out != NULL) {
		fprintf(out, "configuration reloaded\n");
		if (renew_mqttd)
			fprintf(out, "MQTT settings changed: reconnecting to the "
			    "broker\n");
		if (fixed[0] != '\0')
			fprintf(out, "restart to apply: %s\n", fixed);
	}
	return 0;
}

static void
on_reload(int sig, void *arg)
{
	reload(NULL);
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

static void
on_terminate(int sig, void *arg)
{
	int	 i;

	if (shutting_down)
		return;
	shutting_down = 1;
	log_info("stopping (signal %d)", sig);
	resolve_stop();
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
cfgd_status(FILE *fp)
{
	int	 i;

	fprintf(fp, "tsun-cfgd pid %ld, up %lld s\n", (long)getpid(),
	    (long long)(time(NULL) - start_time));
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
	resolve_status(fp);
	fprintf(fp, "mqtt: %s\n", mqtt_connected ? "connected" :
	    "not connected");
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

int
cfgd_reload(FILE *out)
{
	return reload(out);
}

static void
on_usr1(int sig, void *arg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;
	char	*line, *p;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return;
	cfgd_status(fp);
	fclose(fp);
	for (p = buf; (line = strsep(&p, "\n")) != NULL;)
		if (*line != '\0')
			log_info("status: %s", line);
	free(buf);
	cfgd_status_request("log");
}

int
main(int argc, char *argv[])
{
	const char	*prog;
	int		 ch, noaction = 0, i;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(prog, "tsun-ctl") == 0)
		return ctl_main(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "-R") == 0 &&
	    strcmp(argv[2], "dns") == 0)
		dns_main(argc, argv);

	while ((ch = getopt(argc, argv, "df:nvw:")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'w':
			workdir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	conf = config_parse(conffile, geteuid() == 0, stderr);
	if (noaction) {
		if (conf == NULL)
			return 1;
		if (verbose)
			config_print(stdout, conf);
		printf("configuration OK\n");
		return 0;
	}
	if (conf == NULL)
		return 1;
	trim_heap();

	log_init(1, verbose, "tsun-cfgd");
	if (TAILQ_EMPTY(&listeners) &&
	    setup_listeners(&listeners, conf, NULL, NULL) == -1) {
		fprintf(stderr, "tsun-cfgd: cannot bind the listeners\n");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		char		 path[1024];

		snprintf(path, sizeof(path), "%s/%s", workdir,
		    workers[i].name);
		if (access(path, X_OK) == -1) {
			fprintf(stderr, "tsun-cfgd: %s: %s\n", path,
			    strerror(errno));
			return 1;
		}
	}
	if (control_init(conf) == -1)
		return 1;
	if (!foreground) {
		if (daemon(0, 0) == -1) {
			fprintf(stderr, "tsun-cfgd: daemon: %s\n",
			    strerror(errno));
			return 1;
		}
	}
	log_init(foreground, verbose, "tsun-cfgd");
	/* the resolver process is this program again (an upgrade, too) */
	{
		char	 self[1024];
		ssize_t	 n;

		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0)
			self[n] = '\0';
		else
			strlcpy(self, argv[0], sizeof(self));
		resolve_init(self, conf->user);
	}
	setproctitle("%s", "supervisor");
	start_time = time(NULL);
	signal(SIGPIPE, SIG_IGN);
	ev_timer_init(&kill_timer, kill_cb, NULL);
	ev_signal(SIGCHLD, on_sigchld, NULL);
	ev_signal(SIGHUP, on_reload, NULL);
	ev_signal(SIGTERM, on_terminate, NULL);
	ev_signal(SIGINT, on_terminate, NULL);
	ev_signal(SIGUSR1, on_usr1, NULL);
	for (i = 0; i < 2; i++) {
		ev_timer_init(&workers[i].restart, restart_cb, &workers[i]);
		ev_timer_init(&workers[i].wd, watchdog_cb, &workers[i]);
		ev_timer_init(&workers[i].stop, stop_cb, &workers[i]);
		worker_start(&workers[i]);
	}
	resolve_start();
	control_reconf(conf);
	log_info("started, configuration %s", conffile);
	ev_loop();
	control_cleanup();
	close_listeners(&listeners);
	conf_free(conf);
	log_info("stopped");
	return 0;
}
