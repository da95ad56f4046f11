/*
 * The cloud link of one device connection: opened lazily when the first
 * frame is to be forwarded, never blocking the device side, with a
 * bounded backlog while it connects or is down (oldest frames dropped and
 * counted), and reopened on the next frame after it failed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/connect.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "proxyd/proxyd.h"
#include "proxyd/valuedb.h"

#define BACKLOG_FRAMES	64
#define BACKLOG_BYTES	(128 * 1024)
#define CLOUD_INMAX	16384
#define CONNECT_MS	10000
#define RETRY_MS	5000

enum cstate {
	C_IDLE,			/* nothing to forward yet */
	C_RESOLVING,
	C_CONNECTING,
	C_UP,
	C_DOWN,			/* failed or closed: retried on the next frame */
	C_LOOP			/* the cloud is our own listener: never */
};

static const char *cstate_names[] = {
	"idle", "resolving", "connecting", "up", "down", "loop"
};

struct cframe {
	TAILQ_ENTRY(cframe) entry;
	size_t		 len;
	size_t		 off;
	uint8_t		 data[];
};

struct cloud {
	struct conn	*conn;
	char		 host[256];
	int		 port;
	enum cstate	 state;
	int		 fd;
	struct ev_fd	*ev;
	TAILQ_HEAD(, cframe) q;
	int		 qframes;
	size_t		 qbytes;
	struct rest	 in;		/* partial frame from the cloud */
	struct cwalk	 walk;		/* while connecting */
	int64_t		 last_try;
	uint64_t	 dropped;
};

uint64_t	cloud_dropped_total;
static uint8_t	cloud_rbuf[65536 + CLOUD_INMAX];

static void	cloud_connected(struct cloud *);
static void	cloud_io(int, int, void *);
static void	cloud_walk_up(void *, int);
static void	cloud_walk_fail(void *);

static const struct cwalk_ops cloud_walk_ops = {
	NULL, NULL, cloud_walk_up, cloud_walk_fail
};

const char *
cloud_state(const struct cloud *c)
{
	return c == NULL ? "disabled" : cstate_names[c->state];
}

uint64_t
cloud_dropped(const struct cloud *c)
{
	return c == NULL ? 0 : c->dropped;
}

/* the gauges of open cloud links (emulation counts apart) */
static void
cloud_count(struct cloud *c, int delta)
{
	vdb_count(REG_CLOUD_CONN_CNT, delta);
	vdb_count(conn_is_client(c->conn) ? REG_EMU_MODE_CNT :
	    REG_PROXY_MODE_CNT, delta);
	vdb_flush(vdb_proxy());
}

static void
cloud_close_fd(struct cloud *c)
{
	if (c->state == C_UP && c->fd != -1)
		cloud_count(c, -1);
	cwalk_cancel(&c->walk);
	if (c->ev != NULL) {
		ev_del(c->ev);
		c->ev = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	rest_free(&c->in);
}

static void
cloud_down(struct cloud *c, const char *why)
{
	struct cframe	*f;

	if (c->state == C_UP)
		log_info("%s: cloud link to %s:%d closed: %s", conn_name(c->conn),
		    c->host, c->port, why);
	else
		log_warnx("%s: cloud %s:%d not reachable: %s",
		    conn_name(c->conn), c->host, c->port, why);
	cloud_close_fd(c);
	/* a frame cut in the middle cannot be resumed on a new link */
	if ((f = TAILQ_FIRST(&c->q)) != NULL && f->off > 0) {
		TAILQ_REMOVE(&c->q, f, entry);
		c->qframes--;
		c->qbytes -= f->len;
		free(f);
	}
	c->state = C_DOWN;
	conn_cloud_down(c->conn);
}

static void
cloud_walk_fail(void *arg)
{
	cloud_down(arg, "no address answered");
}

static void
cloud_walk_up(void *arg, int fd)
{
	struct cloud	*c = arg;

	c->fd = fd;
	if ((c->ev = ev_add(c->fd, POLLIN, cloud_io, c)) == NULL) {
		cloud_down(c, "out of memory");
		return;
	}
	cloud_connected(c);
}

static void
resolved_cb(void *arg, const struct ipc_resolved *res)
{
	struct cloud	*c = arg;

	uint32_t	 i;

	if (res->error != 0 || res->naddr == 0) {
		cloud_down(c, "cannot resolve the host name");
		return;
	}
	for (i = 0; i < res->naddr && i < RESOLVE_MAX; i++)
		if (conn_is_own_listener((const struct sockaddr *)
		    res->addr[i].sa, res->addr[i].len)) {
			log_warnx("%s: cloud %s:%d is this proxy's own listener:"
			    " not forwarding (check the DNS override and "
			    "'resolver')", conn_name(c->conn), c->host,
			    c->port);
			c->state = C_LOOP;
			return;
		}
	c->state = C_CONNECTING;
	cwalk_start(&c->walk, res);
}

static void
cloud_start(struct cloud *c)
{
	char	 what[96];

	c->last_try = ev_now_ms();
	c->state = C_RESOLVING;
	snprintf(what, sizeof(what), "%s: cloud", conn_name(c->conn));
	cwalk_init(&c->walk, &cloud_walk_ops, c, what, c->host, c->port,
	    CONNECT_MS);
	proxyd_resolve(c->host, c->port, resolved_cb, c);
}

struct cloud *
cloud_new(struct conn *conn, const char *host, int port)
{
	struct cloud	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conn = conn;
	strlcpy(c->host, host, sizeof(c->host));
	c->port = port;
	c->fd = -1;
	c->state = C_IDLE;
	TAILQ_INIT(&c->q);
	cwalk_init(&c->walk, &cloud_walk_ops, c, "cloud", host, port,
	    CONNECT_MS);
	return c;
}

void
cloud_free(struct cloud *c)
{
	struct cframe	*f;

	if (c == NULL)
		return;
	if (c->state == C_RESOLVING)
		proxyd_resolve_cancel(c);
	cloud_close_fd(c);
	while ((f = TAILQ_FIRST(&c->q)) != NULL) {
		TAILQ_REMOVE(&c->q, f, entry);
		free(f);
	}
	free(c);
}

/* drop the oldest frames that have not started to go out */
static void
cloud_trim(struct cloud *c)
{
	struct cframe	*f, *next;

	for (f = TAILQ_FIRST(&c->q); f != NULL &&
	    (c->qframes > BACKLOG_FRAMES || c->qbytes > BACKLOG_BYTES);
	    f = next) {
		next = TAILQ_NEXT(f, entry);
		if (f->off > 0)
			continue;
		TAILQ_REMOVE(&c->q, f, entry);
		c->qframes--;
		c->qbytes -= f->len;
		free(f);
		if (c->dropped++ == 0 || c->dropped % 100 == 0)
			log_warnx("%s: cloud backlog full: %llu frames dropped",
			    conn_name(c->conn),
			    (unsigned long long)c->dropped);
		cloud_dropped_total++;
	}
}

void
cloud_send(struct cloud *c, const uint8_t *p, size_t len)
{
	struct cframe	*f;

	if (c == NULL || c->state == C_LOOP || len == 0)
		return;
	if ((f = malloc(sizeof(*f) + len)) == NULL)
		return;
	memcpy(f->data, p, len);
	f->len = len;
	f->off = 0;
	TAILQ_INSERT_TAIL(&c->q, f, entry);
	c->qframes++;
	c->qbytes += len;
	cloud_trim(c);
	switch (c->state) {
	case C_IDLE:
		cloud_start(c);
		break;
	case C_DOWN:
		if (ev_now_ms() - c->last_try >= RETRY_MS)
			cloud_start(c);
		break;
	case C_UP:
		if (c->ev != NULL)
			ev_set(c->ev, POLLIN | POLLOUT);
		break;
	default:
		break;
	}
}

static void
cloud_connected(struct cloud *c)
{
	TAILQ_HEAD(, cframe)	 backlog;
	struct cframe		*f;

	c->state = C_UP;
	cloud_count(c, 1);
	log_info("%s: cloud link to %s:%d up", conn_name(c->conn), c->host,
	    c->port);
	/* what the protocol sends on a new link goes before the backlog */
	TAILQ_INIT(&backlog);
	TAILQ_CONCAT(&backlog, &c->q, entry);
	conn_cloud_up(c->conn);
	while ((f = TAILQ_FIRST(&backlog)) != NULL) {
		TAILQ_REMOVE(&backlog, f, entry);
		TAILQ_INSERT_TAIL(&c->q, f, entry);
	}
	ev_set(c->ev, POLLIN | (TAILQ_EMPTY(&c->q) ? 0 : POLLOUT));
}

static void
cloud_write(struct cloud *c)
{
	struct cframe	*f;
	ssize_t		 n;

	while ((f = TAILQ_FIRST(&c->q)) != NULL) {
		n = send(c->fd, f->data + f->off, f->len - f->off,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			cloud_down(c, strerror(errno));
			return;
		}
		f->off += n;
		if (f->off < f->len)
			return;
		TAILQ_REMOVE(&c->q, f, entry);
		c->qframes--;
		c->qbytes -= f->len;
		free(f);
	}
	ev_set(c->ev, POLLIN);
}

static void
cloud_read(struct cloud *c)
{
	ssize_t	 n, r;
	size_t	 have, off = 0;

	n = rest_recv(&c->in, c->fd, cloud_rbuf, sizeof(cloud_rbuf), &have);
	if (n == 0) {
		cloud_down(c, "closed by the cloud");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			cloud_down(c, strerror(errno));
		return;
	}
	while (off < have) {
		r = conn_cloud_input(c->conn, cloud_rbuf + off, have - off);
		if (r < 0) {
			cloud_down(c, "unusable data from the cloud");
			return;
		}
		if (r == 0)
			break;
		off += r;
		/* the connection may have closed this link meanwhile */
		if (c->fd == -1)
			return;
	}
	if (have - off > CLOUD_INMAX) {
		cloud_down(c, "frame from the cloud too long");
		return;
	}
	if (rest_keep(&c->in, cloud_rbuf + off, have - off) == -1)
		cloud_down(c, "out of memory");
}

static void
cloud_io(int fd, int revents, void *arg)
{
	struct cloud	*c = arg;

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		cloud_read(c);
		if (c->state != C_UP)
			return;
	}
	if (revents & POLLOUT)
		cloud_write(c);
}
