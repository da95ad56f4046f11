/*
 * tsun-cfgd: the supervisor.  Reads the configuration, binds the
 * listeners, resolves host names, runs tsun-proxyd and tsun-mqttd and
 * keeps them running (supervise.c).  Here: main, signals and reload.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netdb.h>
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

static struct tsun_conf	*conf;
static struct listeners	 listeners = TAILQ_HEAD_INITIALIZER(listeners);
static const char	*conffile = SYSCONFDIR "/tsun-proxy.conf";
static const char	*workdir = LIBEXECDIR;
static int		 verbose;
static int		 foreground;
static time_t		 start_time;

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: tsun-cfgd [-dnv] [-f file] [-w dir]\n");
	exit(2);
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
send_listeners(struct ipcbuf *ib)
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
		if (ipc_compose(ib, IMSG_LISTENER, 0, fd, &il,
		    sizeof(il)) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_LISTENER));
	}
	if (ipc_compose(ib, IMSG_LISTENERS_END, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_LISTENERS_END));
}

const char *
cfgd_resolver(void)
{
	return conf->resolver;
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
	int			 renew_mqttd;

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
	supervise_reconf(conf, renew_mqttd);
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
on_terminate(int sig, void *arg)
{
	if (supervise_stopping())
		return;
	log_info("stopping (signal %d)", sig);
	resolve_stop();
	supervise_stop();
}

void
cfgd_status(FILE *fp)
{
	fprintf(fp, "tsun-cfgd pid %ld, up %lld s\n", (long)getpid(),
	    (long long)(time(NULL) - start_time));
	supervise_status(fp);
	resolve_status(fp);
	fprintf(fp, "mqtt: %s\n", mqtt_connected ? "connected" :
	    "not connected");
}

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
	int		 ch, noaction = 0;

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
	if (supervise_init(workdir, verbose, send_listeners) == -1)
		return 1;
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
	ev_signal(SIGCHLD, supervise_sigchld, NULL);
	ev_signal(SIGHUP, on_reload, NULL);
	ev_signal(SIGTERM, on_terminate, NULL);
	ev_signal(SIGINT, on_terminate, NULL);
	ev_signal(SIGUSR1, on_usr1, NULL);
	supervise_start(conf);
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
