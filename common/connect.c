/*
 * Connect to every resolved address in turn, each with its own timeout:
 * a name whose first address is dead (an AAAA record of a host without
 * IPv6, "localhost" as ::1 on a broker listening on 127.0.0.1) still
 * reaches the address that answers.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/connect.h"
#include "common/log.h"

static void	cwalk_try(struct cwalk *);

const char *
cwalk_ntop(const struct ipc_resolved *res, uint32_t i, char *buf,
    size_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	/* the addresses in struct ipc_resolved may be unaligned */
	if (res->addr[i].family == AF_INET &&
	    res->addr[i].len >= sizeof(sin)) {
		memcpy(&sin, res->addr[i].sa, sizeof(sin));
		if (inet_ntop(AF_INET, &sin.sin_addr, buf, len) != NULL)
			return buf;
	} else if (res->addr[i].family == AF_INET6 &&
	    res->addr[i].len >= sizeof(sin6)) {
		memcpy(&sin6, res->addr[i].sa, sizeof(sin6));
		if (inet_ntop(AF_INET6, &sin6.sin6_addr, buf, len) != NULL)
			return buf;
	}
	strlcpy(buf, "?", len);
	return buf;
}

int
cwalk_literal(const char *host, int port, struct ipc_resolved *res)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	memset(res, 0, sizeof(*res));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(res->addr[0].sa, &sin, sizeof(sin));
		res->addr[0].len = sizeof(sin);
		res->addr[0].family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(res->addr[0].sa, &sin6, sizeof(sin6));
		res->addr[0].len = sizeof(sin6);
		res->addr[0].family = AF_INET6;
	} else
		return 0;
	res->naddr = 1;
	return 1;
}

static void
cwalk_close(struct cwalk *w)
{
	ev_timer_del(&w->tmo);
	if (w->ev != NULL) {
		ev_del(w->ev);
		w->ev = NULL;
	}
	if (w->fd != -1) {
		close(w->fd);
		w->fd = -1;
	}
}

static void
cwalk_log_failed(struct cwalk *w, const char *why)
{
	char	 reason[128];
	size_t	 n;

	/* libmosquitto's texts end in a full stop; ours go on */
	strlcpy(reason, why, sizeof(reason));
	if ((n = strlen(reason)) > 0 && reason[n - 1] == '.')
		reason[n - 1] = '\0';
	log_warnx("%s %s:%d: address %s failed: %s", w->what, w->host,
	    w->port, w->addr, reason);
}

static void
cwalk_io(int fd, int revents, void *arg)
{
	struct cwalk	*w = arg;
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0 && !(revents & POLLOUT))
		return;
	if (err != 0) {
		cwalk_log_failed(w, strerror(err));
		cwalk_close(w);
		w->ai++;
		cwalk_try(w);
		return;
	}
	ev_del(w->ev);
	w->ev = NULL;
	fd = w->fd;
	w->fd = -1;
	cwalk_answered(w);
	w->ops->up(w->arg, fd);
}

static void
cwalk_tmo(struct ev_timer *t, void *arg)
{
	struct cwalk	*w = arg;
	char		 why[64];

	if (!w->advance) {
		snprintf(why, sizeof(why), "no answer within %d s",
		    w->timeout_ms / 1000);
		cwalk_log_failed(w, why);
		if (w->ops->start != NULL)
			w->ops->stop(w->arg);
	}
	w->advance = 0;
	cwalk_close(w);
	w->ai++;
	cwalk_try(w);
}

/* the socket of our own attempt: NULL when connecting, or why not */
static const char *
cwalk_socket(struct cwalk *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 salen = w->addrs.addr[w->ai].len;
	int			 on = 1;

	if (salen > sizeof(ss) || salen > sizeof(w->addrs.addr[0].sa))
		return "bad address";
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, w->addrs.addr[w->ai].sa, salen);
	w->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (w->fd == -1)
		return strerror(errno);
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(w->fd, (struct sockaddr *)&ss, salen) == -1 &&
	    errno != EINPROGRESS)
		return strerror(errno);
	if ((w->ev = ev_add(w->fd, POLLOUT, cwalk_io, w)) == NULL)
		return "out of memory";
	return NULL;
}

static void
cwalk_try(struct cwalk *w)
{
	const char	*why;

	for (; w->ai < w->addrs.naddr; w->ai++) {
		cwalk_ntop(&w->addrs, w->ai, w->addr, sizeof(w->addr));
		if (w->ops->start != NULL)
			why = w->ops->start(w->arg, w->addr);
		else
			why = cwalk_socket(w);
		if (why == NULL) {
			ev_timer_add(&w->tmo, w->timeout_ms);
			return;
		}
		cwalk_log_failed(w, why);
		cwalk_close(w);
	}
	w->active = 0;
	w->ops->fail(w->arg);
}

void
cwalk_init(struct cwalk *w, const struct cwalk_ops *ops, void *arg,
    const char *what, const char *host, int port, int timeout_ms)
{
	memset(w, 0, sizeof(*w));
	w->ops = ops;
	w->arg = arg;
	strlcpy(w->what, what, sizeof(w->what));
	strlcpy(w->host, host, sizeof(w->host));
	w->port = port;
	w->timeout_ms = timeout_ms;
	w->fd = -1;
	ev_timer_init(&w->tmo, cwalk_tmo, w);
}

void
cwalk_start(struct cwalk *w, const struct ipc_resolved *res)
{
	cwalk_cancel(w);
	w->addrs = *res;
	if (w->addrs.naddr > RESOLVE_MAX)
		w->addrs.naddr = RESOLVE_MAX;
	w->ai = 0;
	w->active = 1;
	cwalk_try(w);
}

/*
 * The caller's attempt failed.  The next one starts from the event loop:
 * the caller may be inside libmosquitto's callbacks.
 */
void
cwalk_failed(struct cwalk *w, const char *why)
{
	if (!w->active || w->advance)
		return;
	cwalk_log_failed(w, why);
	w->advance = 1;
	ev_timer_add(&w->tmo, 0);
}

void
cwalk_answered(struct cwalk *w)
{
	if (!w->active)
		return;
	cwalk_close(w);
	w->active = 0;
	w->advance = 0;
	log_info("%s %s:%d: address %s answered", w->what, w->host, w->port,
	    w->addr);
}

void
cwalk_cancel(struct cwalk *w)
{
	cwalk_close(w);
	w->active = 0;
	w->advance = 0;
}

int
cwalk_active(const struct cwalk *w)
{
	return w->active;
}
