/*
 * The control socket of tsun-cfgd and its client, tsun-ctl (tsun-cfgd
 * under another name).  One command line per connection; the answer is
 * text, closed by a line "exit N" that tsun-ctl turns into its status.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/defaults.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "cfgd/control.h"

#define CTL_MAXCLIENTS	8
#define CTL_LINE	256
#define CTL_IDLE_MS	5000		/* to send the command, or to read */
#define CTL_OUTMAX	(4 * 1024 * 1024)
#define CTL_WAIT_MS	60000		/* tsun-ctl: the whole answer */
#define CTL_BUSY	"tsun-cfgd serves 8 tsun-ctl clients already: " \
			    "try again\nexit 1\n"

struct ctl_client {
	int		 fd;
	struct ev_fd	*ev;
	char		 line[CTL_LINE];
	size_t		 len;
	int		 waiting;	/* for a proxyd report */
	int		 closing;	/* answered: close once it is sent */
	int		 dead;		/* to be dropped */
	struct ev_timer	 timeout;
	struct ev_timer	 idle;
	char		*out;		/* not sent yet: out[outoff..outlen) */
	size_t		 outlen;
	size_t		 outoff;
	size_t		 outcap;
	struct ctl_lines wl;		/* a worker's line being assembled */
};

static int		 ctl_fd = -1;
static struct ev_fd	*ctl_ev;
static char		 ctl_path[CONF_STR];
static struct ctl_client *clients[CTL_MAXCLIENTS];

static void
client_drop(struct ctl_client *c)
{
	int	 i;

	for (i = 0; i < CTL_MAXCLIENTS; i++)
		if (clients[i] == c)
			clients[i] = NULL;
	ev_timer_del(&c->timeout);
	ev_timer_del(&c->idle);
	if (c->ev != NULL)
		ev_del(c->ev);
	close(c->fd);
	free(c->out);
	free(c);
}

/* never blocks: what the socket does not take waits for POLLOUT */
static void
client_send(struct ctl_client *c)
{
	ssize_t	 n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			client_drop(c);
			return;
		}
		c->outoff += n;
		/* progress: the client reads */
		ev_timer_add(&c->idle, CTL_IDLE_MS);
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->closing) {
			client_drop(c);
			return;
		}
		/* waiting for a worker: its own timeout runs */
		if (c->waiting)
			ev_timer_del(&c->idle);
		ev_set(c->ev, c->waiting ? 0 : POLLIN);
		return;
	}
	if (!ev_timer_pending(&c->idle))
		ev_timer_add(&c->idle, CTL_IDLE_MS);
	ev_set(c->ev, POLLOUT);
}

/*
 * Queue text for the client; the event loop sends it.  Never frees c (the
 * callers go on using it): a client over CTL_OUTMAX is marked dead and
 * dropped by the next round of the loop.
 */
static void
client_append(void *arg, const char *s, size_t len)
{
	struct ctl_client	*c = arg;
	char			*p;
	size_t			 cap;

	if (c->dead)
		return;
	if (c->outlen - c->outoff + len > CTL_OUTMAX) {
		log_warnx("tsun-ctl client does not read its answer: "
		    "dropped");
		c->dead = 1;
		ev_set(c->ev, POLLOUT);
		return;
	}
	/* what was sent goes once it is the larger part: no quadratic moves */
	if (c->outoff > 0 && c->outoff >= c->outlen - c->outoff) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + len > c->outcap) {
		cap = c->outcap ? c->outcap : 4096;
		while (cap < c->outlen + len)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL) {
			c->dead = 1;
			ev_set(c->ev, POLLOUT);
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->outlen += len;
	ev_set(c->ev, POLLOUT);
}

static void
client_write(struct ctl_client *c, const char *s)
{
	client_append(c, s, strlen(s));
}

/* the answer is complete: close once the client has it all */
static void
client_close(struct ctl_client *c)
{
	c->waiting = 0;
	c->closing = 1;
	ev_timer_del(&c->timeout);
	if (c->dead || c->outoff == c->outlen) {
		client_drop(c);
		return;
	}
	ev_set(c->ev, POLLOUT);
	if (!ev_timer_pending(&c->idle))
		ev_timer_add(&c->idle, CTL_IDLE_MS);
}

/* the client neither sent its command nor read its answer in time */
static void
client_idle(struct ev_timer *t, void *arg)
{
	client_drop(arg);
}

static void
client_timeout(struct ev_timer *t, void *arg)
{
	struct ctl_client *c = arg;

	ctl_lines_end(&c->wl, client_append, c);
	client_write(c, "tsun-proxyd did not answer\nexit 1\n");
	client_close(c);
}

static void
client_command(struct ctl_client *c)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if (strcmp(c->line, "show status") == 0) {
		if ((fp = open_memstream(&buf, &len)) == NULL)
			goto fail;
		cfgd_status(fp);
		fprintf(fp, "exit %d\n",
		    cfgd_workers_up() && mqtt_connected ? 0 : 1);
		fclose(fp);
		client_write(c, buf);
		free(buf);
		client_close(c);
	} else if (strcmp(c->line, "show inverters") == 0 ||
	    strcmp(c->line, "show counters") == 0) {
		c->waiting = 1;
		ev_timer_add(&c->timeout, 5000);
		cfgd_status_request(c->line + 5);
	} else if (strcmp(c->line, "reload") == 0) {
		/* the outcome, with the errors as -n prints them */
		if ((fp = open_memstream(&buf, &len)) == NULL)
			goto fail;
		fprintf(fp, "exit %d\n", cfgd_reload(fp) == 0 ? 0 : 1);
		fclose(fp);
		client_write(c, buf);
		free(buf);
		client_close(c);
	} else if (strcmp(c->line, "log verbose") == 0) {
		cfgd_set_verbose(2);
		client_write(c, "logging verbose\nexit 0\n");
		client_close(c);
	} else if (strcmp(c->line, "log brief") == 0) {
		cfgd_set_verbose(0);
		client_write(c, "logging brief\nexit 0\n");
		client_close(c);
#ifdef TSUN_TEST_HOOKS
	} else if (strncmp(c->line, "debug forge ", 12) == 0) {
		/* test builds: worker text ending in "exit 0", then silence */
		c->waiting = 1;
		ev_timer_add(&c->timeout, 5000);
		if (cfgd_debug(c->line + 6) == -1) {
			client_write(c, "unknown debug command\nexit 2\n");
			client_close(c);
		}
	} else if (strncmp(c->line, "debug ", 6) == 0) {
		/* test builds only: make a worker face its sandbox or bad IPC */
		client_write(c, cfgd_debug(c->line + 6) == 0 ?
		    "sent\nexit 0\n" : "unknown debug command\nexit 2\n");
		client_close(c);
#endif
	} else {
		client_write(c, "unknown command\nexit 2\n");
		client_close(c);
	}
	return;
fail:
	client_close(c);
}

static void
client_io(int fd, int revents, void *arg)
{
	struct ctl_client	*c = arg;
	ssize_t			 n;
	char			*nl;

	if (c->dead) {
		client_drop(c);
		return;
	}
	if (revents & POLLOUT) {
		client_send(c);		/* may drop c */
		return;
	}
	if (c->waiting || c->closing) {
		/* gone before its answer (POLLHUP even with no events) */
		if (revents & (POLLHUP | POLLERR))
			client_drop(c);
		return;
	}
	n = read(fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		client_drop(c);
		return;
	}
	c->len += n;
	c->line[c->len] = '\0';
	if ((nl = strchr(c->line, '\n')) == NULL) {
		if (c->len == sizeof(c->line) - 1)
			client_drop(c);
		return;
	}
	*nl = '\0';
	ev_set(c->ev, 0);
	ev_timer_del(&c->idle);
	client_command(c);
}

static void
ctl_accept(int fd, int revents, void *arg)
{
	struct ctl_client	*c;
	int			 s, i;

	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	for (i = 0; i < CTL_MAXCLIENTS; i++)
		if (clients[i] == NULL)
			break;
	if (i == CTL_MAXCLIENTS || (c = calloc(1, sizeof(*c))) == NULL) {
		/* a fresh socket takes this at once: tsun-ctl can say it */
		if (write(s, CTL_BUSY, strlen(CTL_BUSY)) == -1)
			log_debug("control socket: %s", strerror(errno));
		close(s);
		return;
	}
	c->fd = s;
	ev_timer_init(&c->timeout, client_timeout, c);
	ev_timer_init(&c->idle, client_idle, c);
	if ((c->ev = ev_add(s, POLLIN, client_io, c)) == NULL) {
		close(s);
		free(c);
		return;
	}
	ev_timer_add(&c->idle, CTL_IDLE_MS);
	clients[i] = c;
}

void
control_worker_status(const char *name, uint32_t type, const uint8_t *p,
    size_t len)
{
	int	 i;

	for (i = 0; i < CTL_MAXCLIENTS; i++) {
		struct ctl_client *c = clients[i];

		if (c == NULL || !c->waiting)
			continue;
		if (type == IMSG_STATUS) {
			ctl_lines_add(&c->wl, p, len, client_append, c);
			continue;
		}
		ctl_lines_end(&c->wl, client_append, c);
		client_write(c, len == 0 && !cfgd_workers_up() ?
		    "tsun-proxyd is down\nexit 1\n" : "exit 0\n");
		client_close(c);
	}
	if (type == IMSG_STATUS && len >= 4 && memcmp(p, "log:", 4) == 0) {
		/* SIGUSR1 reports go to the log too, line by line */
		char	 text[IPC_MAX_PAYLOAD + 1], *line, *s = text;
		size_t	 k;

		if (len > IPC_MAX_PAYLOAD)
			len = IPC_MAX_PAYLOAD;
		memcpy(text, p, len);
		text[len] = '\0';
		for (k = 0; k < len; k++)
			if (text[k] != '\n' && ((unsigned char)text[k] < 0x20 ||
			    text[k] == 0x7f))
				text[k] = '?';
		while ((line = strsep(&s, "\n")) != NULL)
			if (*line != '\0' && strncmp(line, "log:", 4))
				log_info("status: %s", line);
	}
}

int
control_init(const struct tsun_conf *c)
{
	struct sockaddr_un	 sun;
	int			 fd;
	mode_t			 old;

	if (c->control_socket[0] == '\0')
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, c->control_socket, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		fprintf(stderr, "tsun-cfgd: control socket path too long\n");
		return -1;
	}
	/* a live socket means another daemon runs; a dead one is stale */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		fprintf(stderr, "tsun-cfgd: %s: another tsun-cfgd is "
		    "running\n", c->control_socket);
		close(fd);
		return -1;
	}
	close(fd);
	if (unlink(c->control_socket) == -1 && errno != ENOENT) {
		fprintf(stderr, "tsun-cfgd: unlink %s: %s\n",
		    c->control_socket, strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	old = umask(S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* not fatal: the daemon serves inverters without it */
		fprintf(stderr, "tsun-cfgd: warning: control socket %s: %s\n",
		    c->control_socket, strerror(errno));
		umask(old);
		close(fd);
		return 0;
	}
	umask(old);
	chmod(c->control_socket, 0660);
	if (listen(fd, 8) == -1) {
		close(fd);
		return -1;
	}
	ctl_fd = fd;
	strlcpy(ctl_path, c->control_socket, sizeof(ctl_path));
	return 0;
}

static void
control_start(void)
{
	if (ctl_fd != -1 && ctl_ev == NULL)
		ctl_ev = ev_add(ctl_fd, POLLIN, ctl_accept, NULL);
}

void
control_reconf(const struct tsun_conf *c)
{
	control_start();
}

void
control_cleanup(void)
{
	if (ctl_fd == -1)
		return;
	close(ctl_fd);
	unlink(ctl_path);
	ctl_fd = -1;
}

static __attribute__((noreturn)) void
ctl_usage(void)
{
	fprintf(stderr, "usage: tsun-ctl [-s socket] command [argument]\n"
	    "commands: show status | show inverters | show counters | "
	    "reload | log verbose | log brief\n");
	exit(2);
}

/* checked before the daemon is asked: a typo exits 2 with or without it */
static int
ctl_known(const char *cmd)
{
	static const char *const cmds[] = {
		"show status\n", "show inverters\n", "show counters\n",
		"reload\n", "log verbose\n", "log brief\n", NULL
	};
	const char *const	*p;

	for (p = cmds; *p != NULL; p++)
		if (strcmp(cmd, *p) == 0)
			return 1;
#ifdef TSUN_TEST_HOOKS
	if (strncmp(cmd, "debug ", 6) == 0)
		return 1;
#endif
	return 0;
}

int
ctl_main(int argc, char *argv[])
{
	struct sockaddr_un	 sun;
	const char		*path = DEF_CONTROL_SOCKET;
	char			 cmd[CTL_LINE], buf[4096], *p, *text;
	char			*all = NULL;
	size_t			 alllen = 0;
	ssize_t			 n;
	int			 ch, fd, i, status = 1, werr;

	while ((ch = getopt(argc, argv, "s:")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		default:
			ctl_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		ctl_usage();
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strlcat(cmd, " ", sizeof(cmd));
		strlcat(cmd, argv[i], sizeof(cmd));
	}
	strlcat(cmd, "\n", sizeof(cmd));
	if (!ctl_known(cmd)) {
		cmd[strcspn(cmd, "\n")] = '\0';
		fprintf(stderr, "tsun-ctl: unknown command: %s\n", cmd);
		ctl_usage();
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	/* a daemon that closes on us is reported, not a silent SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "tsun-ctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* a failed write may still leave an answer to read (too busy) */
	werr = 0;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		werr = errno ? errno : EPIPE;
	for (;;) {
		struct pollfd	 pfd;

		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, CTL_WAIT_MS)) == -1 && errno == EINTR)
			continue;
		if (n == 0) {
			fprintf(stderr, "tsun-ctl: no answer from tsun-cfgd "
			    "within %d s\n", CTL_WAIT_MS / 1000);
			return 1;
		}
		if (n == -1 || (n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		if ((p = realloc(all, alllen + n + 1)) == NULL)
			return 1;
		all = p;
		memcpy(all + alllen, buf, n);
		alllen += n;
		all[alllen] = '\0';
	}
	if (n == -1 && all == NULL && werr == 0)
		werr = errno;
	close(fd);
	if (all == NULL) {
		if (werr != 0)
			fprintf(stderr, "tsun-ctl: %s: %s\n", path,
			    strerror(werr));
		else
			fprintf(stderr, "tsun-ctl: tsun-cfgd closed the "
			    "connection without an answer\n");
		return 1;
	}
	if (ctl_answer(all, alllen, &text, &status) == -1) {
		fputs(text, stdout);
		if (text[0] != '\0' && text[strlen(text) - 1] != '\n')
			putchar('\n');
		fprintf(stderr, "tsun-ctl: the answer of tsun-cfgd was cut "
		    "short\n");
		status = 1;
	} else
		fputs(text, stdout);
	free(all);
	return status;
}
