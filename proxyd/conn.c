/*
 * Device connections: accepting, the capped buffers, the idle timeouts,
 * the connection limit with eviction, and the glue between sockets and
 * the protocol engines.  Client mode is client.c's, the status table
 * status.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cmd.h"
#include "common/conf.h"
#include "common/connect.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "proxyd/conn_priv.h"
#include "proxyd/devstat.h"
#include "proxyd/proto.h"
#include "proxyd/proxyd.h"
#include "proxyd/valuedb.h"

#define IN_MAX		16384		/* a partial frame kept per connection */
#define OUT_MAX		(256 * 1024)	/* unsent bytes to a device */
#define UNKNOWN_MAX	64		/* allow_all: unknown devices at once */
#define EXPIRE_EVERY_MS	(10 * 60 * 1000)	/* allow_all devices expire */

struct listener {
	TAILQ_ENTRY(listener) entry;
	int		 fd;
	struct ev_fd	*ev;
	struct ipc_listener il;
	int		 gen;		/* listener set generation */
};

static TAILQ_HEAD(, listener)	listeners = TAILQ_HEAD_INITIALIZER(listeners);
struct connq			conns = TAILQ_HEAD_INITIALIZER(conns);
int				nconns;
static int			nunknown;
static uint64_t			nextid = 1;
static int			listen_gen;
static int			accept_paused;
static uint8_t			rbuf[65536 + IN_MAX];
static struct ev_timer		expire_timer;
static int			expire_on;

static void	conn_io(int, int, void *);

const char *
conn_name(const struct conn *c)
{
	return c->name;
}

int
conn_is_client(const struct conn *c)
{
	return c->client;
}

static void
set_idle(struct conn *c)
{
	time_t	 now;
	int	 s;

	/*
	 * A connection without an accepted serial goes at its deadline
	 * however it trickles and whatever state its protocol reports
	 * (a valid frame of an unknown serial is no identification).
	 */
	if (!c->identified && !c->client) {
		now = time(NULL);
		s = pconf->to_unidentified;
		if (now < c->since)
			c->since = now;
		s = now - c->since >= s ? 0 : s - (int)(now - c->since);
		ev_timer_add(&c->idle, (int64_t)s * 1000);
		return;
	}
	switch (c->state) {
	case PSTATE_INIT:
		s = pconf->to_unidentified;
		break;
	case PSTATE_RECEIVED:
		s = pconf->to_before_up;
		break;
	default:
		s = c->polling ? pconf->to_up_polling : pconf->to_up;
	}
	ev_timer_add(&c->idle, (int64_t)s * 1000);
}

static void
idle_cb(struct ev_timer *t, void *arg)
{
	struct conn	*c = arg;

	conn_close(c, "idle timeout");
}

static void
pause_accept(int pause)
{
	struct listener	*l;

	accept_paused = pause;
	TAILQ_FOREACH(l, &listeners, entry)
		if (l->ev != NULL)
			ev_set(l->ev, pause ? 0 : POLLIN);
}

/* -vv: every frame in and out, per connection and direction */
static void
dump(const struct conn *c, const char *dir, const uint8_t *p, size_t len)
{
	char	 label[sizeof(c->name) + 16];

	snprintf(label, sizeof(label), "%s %s", c->name, dir);
	log_hexdump(label, p, len);
}

/* flush what the device has not taken yet */
static int
conn_flush(struct conn *c)
{
	ssize_t	 n;

	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.p + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		c->outoff += n;
	}
	if (c->outoff == c->out.len) {
		/*
		 * Nothing waits: give the buffer back, so that an idle
		 * connection holds none (a malloc per read with answers
		 * costs less than its send).
		 */
		wbuf_free(&c->out);
		c->outoff = 0;
	}
	if (c->ev != NULL)
		ev_set(c->ev, POLLIN | (c->out.len ? POLLOUT : 0));
	return 0;
}

/* proto_io callbacks */

static void
io_to_dev(void *arg, const uint8_t *p, size_t len)
{
	struct conn	*c = arg;

	if (c->closing || c->fd == -1)
		return;
	if (log_verbose >= 2)
		dump(c, "to device", p, len);
	if (c->out.len - c->outoff + len > OUT_MAX) {
		conn_close(c, "device does not read its answers");
		return;
	}
	wbuf_add(&c->out, p, len);
	/* the answers to one read leave together, at its end */
	if (c->reading)
		return;
	if (conn_flush(c) == -1)
		conn_close(c, "write error");
}

static void
io_to_cloud(void *arg, const uint8_t *p, size_t len)
{
	struct conn		*c = arg;
	struct conf_listener	*cl;

	if (c->closing)
		return;
	cl = c->proto == DEV_GEN3 ? &pconf->tsun : &pconf->solarman;
	if (!cl->cloud_enabled)
		return;
	if (c->client && (c->dc == NULL || !c->dc->client_forward))
		return;
	if (c->cloud == NULL &&
	    (c->cloud = cloud_new(c, cl->host, cl->port)) == NULL)
		return;
	if (log_verbose >= 2)
		dump(c, "to cloud", p, len);
	cloud_send(c->cloud, p, len);
}

static int
serial_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) || i >= SERIAL_LEN)
			return 0;
	return i == SERIAL_LEN;
}

/*
 * One owner per serial: the newest identified connection.  Older ones
 * (a reconnect while the stale connection is still open) are closed
 * without taking the device offline.
 */
static void
replace_older(struct conn *c)
{
	struct conn	*o, *next;

	TAILQ_FOREACH_SAFE(o, &conns, entry, next) {
		if (o == c || o->closing || !o->identified ||
		    o->proto != c->proto || strcmp(o->serial, c->serial) != 0)
			continue;
		o->replaced = 1;
		conn_close(o, "replaced by a newer connection of the device");
	}
}

static int
io_accept(void *arg, const char *serial, uint32_t monitor_sn,
    const struct conf_device **dcp, struct vdb_dev **vdp)
{
	struct conn		*c = arg;
	struct conf_device	*dc = NULL;
	char			 key[SERIAL_LEN + 1];
	int			 kind;

	if (c->identified) {
		if ((serial != NULL && strcmp(serial, c->serial) == 0) ||
		    (serial == NULL && monitor_sn == c->monitor_sn)) {
			*dcp = c->dc;
			*vdp = c->vd;
			return 1;
		}
		/* a connection keeps the device it identified itself with */
		vdb_count(REG_UNKNOWN_SNR, 1);
		if (!c->switch_warned) {
			c->switch_warned = 1;
			if (serial != NULL)
				log_warnx("%s: frames of %s on the connection "
				    "of %s dropped", c->name,
				    serial_ok(serial) ? serial : "?", c->serial);
			else
				log_warnx("%s: frames of monitor SN %u on the "
				    "connection of %s dropped", c->name,
				    monitor_sn, c->serial);
		}
		return 0;
	}
	if (serial != NULL) {
		if (serial_ok(serial))
			dc = conf_find_serial(pconf, serial);
	} else
		dc = conf_find_monitor_sn(pconf, monitor_sn);
	if (dc == NULL) {
		if (serial != NULL)
			strlcpy(key, serial, sizeof(key));
		else
			snprintf(key, sizeof(key), "%u", monitor_sn);
		/* a new allow_all device may push out a forgotten one */
		if (!pconf->allow_all || nunknown >= UNKNOWN_MAX ||
		    (serial != NULL && !serial_ok(serial)) ||
		    (serial == NULL && monitor_sn == 0) ||
		    (vdb_find(key) == NULL && !vdb_transient_room())) {
			vdb_count(REG_UNKNOWN_SNR, 1);
			if (serial != NULL)
				log_warnx_sum("%s: unknown device %s refused",
				    c->name, serial);
			else
				log_warnx_sum("%s: unknown device monitor SN "
				    "%u refused", c->name, monitor_sn);
			return 0;
		}
		kind = c->proto;
		c->unknown = 1;
		nunknown++;
		log_info("%s: unknown device %s admitted (allow_all)",
		    c->name, key);
	} else {
		strlcpy(key, dc->serial, sizeof(key));
		kind = dc->kind;
	}
	c->identified = 1;
	c->dc = dc;
	c->monitor_sn = monitor_sn;
	strlcpy(c->serial, key, sizeof(c->serial));
	replace_older(c);
	c->vd = vdb_device(kind, key, dc ? dc->monitor_sn : monitor_sn);
	vdb_set_transient(c->vd, c->unknown);
	vdb_set_online(c->vd, 1);
	devstat_up(key, kind);
	vdb_flush(vdb_proxy());
	log_info("%s: device %s%s%s", c->name, key,
	    dc && dc->node_id[0] ? " node " : "", dc ? dc->node_id : "");
	*dcp = dc;
	*vdp = c->vd;
	return 1;
}

static void
io_state(void *arg, int state, int polling)
{
	struct conn	*c = arg;

	if (c->closing)
		return;
	c->state = state;
	c->polling = polling;
	set_idle(c);
}

static void
io_close(void *arg, const char *why)
{
	conn_close(arg, why);
}

static void
ptimer_cb(struct ev_timer *t, void *arg)
{
	struct ptimer	*pt = arg;
	struct conn	*c = pt->c;

	if (c->closing)
		return;
	c->ops->timer(c->p, pt->id);
}

static void
io_timer(void *arg, int id, int ms)
{
	struct conn	*c = arg;

	if (id < 0 || id >= NTIMERS)
		fatalx("protocol timer id %d out of range", id);
	if (ms < 0)
		ev_timer_del(&c->timers[id].t);
	else if (!c->closing)
		ev_timer_add(&c->timers[id].t, ms);
}

static void
io_cmd_resp(void *arg, const struct cmd_resp *r)
{
	proxyd_cmd_resp(r);
}

static void
reap_cb(struct ev_timer *t, void *arg)
{
	struct conn	*c = arg;
	int		 i;

	for (i = 0; i < NTIMERS; i++)
		ev_timer_del(&c->timers[i].t);
	ev_timer_del(&c->idle);
	cloud_free(c->cloud);
	c->ops->free(c->p);
	wbuf_free(&c->out);
	rest_free(&c->in);
	/* a configuration replaced by a reload lives while it is used */
	if (--c->conf->refs == 0 && c->conf != pconf)
		conf_free(c->conf);
	free(c);
}

void
conn_close(struct conn *c, const char *why)
{
	int	 i;

	if (c->closing)
		return;
	c->closing = 1;
	if (why != NULL)	/* NULL: the caller said it */
		log_info("%s: closed: %s", c->name, why);
	/* a replaced connection leaves the device to its new owner */
	if (!c->replaced)
		c->ops->closed(c->p);
	if (c->vd != NULL) {
		vdb_flush(c->vd);
		if (!c->replaced)
			vdb_set_online(c->vd, 0);
	}
	if (c->identified)
		devstat_down(c->serial, c->last_data, cloud_dropped(c->cloud));
	vdb_count(REG_INVERTER_CNT, -1);
	vdb_count(c->client ? REG_CLIENT_MODE_CNT : REG_SERVER_MODE_CNT, -1);
	/* a connection that never named a device causes no publish */
	if (c->identified || c->client)
		vdb_flush(vdb_proxy());
	if (c->unknown)
		nunknown--;
	if (c->out.len > c->outoff)
		(void)conn_flush(c);
	if (c->ev != NULL) {
		ev_del(c->ev);
		c->ev = NULL;
	}
	close(c->fd);
	c->fd = -1;
	/*
	 * The protocol module and the cloud link may be the very callers
	 * that asked for the close: they are freed in reap_cb, with c.
	 */
	for (i = 0; i < NTIMERS; i++)
		ev_timer_del(&c->timers[i].t);
	ev_timer_del(&c->idle);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	if (accept_paused)
		pause_accept(0);
	if (c->cl != NULL)
		client_closed(c->cl);
	/* callers up the stack may still hold c: free it later */
	ev_timer_init(&c->reap, reap_cb, c);
	ev_timer_add(&c->reap, 0);
}

void
conn_cloud_up(struct conn *c)
{
	if (c->closing)
		return;
	c->ops->cloud_up(c->p);
}

void
conn_cloud_down(struct conn *c)
{
	if (!c->closing)
		c->ops->cloud_down(c->p);
}

ssize_t
conn_cloud_input(struct conn *c, const uint8_t *p, size_t len)
{
	if (c->closing)
		return len;
	if (log_verbose >= 2)
		dump(c, "from cloud", p, len);
	return c->ops->input_cloud(c->p, p, len);
}

struct conn *
conn_new(int fd, int proto, const char *peer, struct client *cl)
{
	struct conn	*c;
	int		 i, on = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->id = nextid++;
	c->fd = fd;
	c->proto = proto;
	c->client = cl != NULL;
	c->cl = cl;
	c->since = time(NULL);
	c->conf = pconf;
	strlcpy(c->peer, peer, sizeof(c->peer));
	snprintf(c->name, sizeof(c->name), "%s #%llu %s",
	    proto == DEV_GEN3 ? gen3_ops.name : g3p_ops.name,
	    (unsigned long long)c->id, peer);
	wbuf_init(&c->out);
	ev_timer_init(&c->idle, idle_cb, c);
	for (i = 0; i < NTIMERS; i++) {
		c->timers[i].c = c;
		c->timers[i].id = i;
		ev_timer_init(&c->timers[i].t, ptimer_cb, &c->timers[i]);
	}
	c->io.arg = c;
	c->io.to_dev = io_to_dev;
	c->io.to_cloud = io_to_cloud;
	c->io.accept = io_accept;
	c->io.state = io_state;
	c->io.close = io_close;
	c->io.timer = io_timer;
	c->io.cmd_resp = io_cmd_resp;
	c->ops = proto == DEV_GEN3 ? &gen3_ops : &g3p_ops;
	c->p = c->ops->new(pconf, &c->io, cl ? PSIDE_CLIENT : PSIDE_SERVER,
	    cl ? conf_find_serial(pconf, cl->serial) : NULL);
	if (c->p == NULL) {
		free(c);
		return NULL;
	}
	if ((c->ev = ev_add(fd, POLLIN, conn_io, c)) == NULL) {
		c->ops->free(c->p);
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	pconf->refs++;
	c->state = PSTATE_INIT;
	set_idle(c);
	return c;
}

static void
conn_read(struct conn *c)
{
	ssize_t	 n, r;
	size_t	 have, off = 0;

	n = rest_recv(&c->in, c->fd, rbuf, sizeof(rbuf), &have);
	if (n == 0) {
		conn_close(c, "closed by the device");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c, strerror(errno));
		return;
	}
	c->last_data = time(NULL);
	if (log_verbose >= 2)
		dump(c, "from device", rbuf + have - n, n);
	c->reading = 1;
	while (off < have && !c->closing) {
		r = c->ops->input_dev(c->p, rbuf + off, have - off);
		if (r < 0) {
			c->reading = 0;
			conn_close(c, "stream cannot be resynchronised");
			return;
		}
		if (r == 0)
			break;
		off += r;
	}
	c->reading = 0;
	if (c->closing)
		return;
	if (c->out.len > c->outoff && conn_flush(c) == -1) {
		conn_close(c, "write error");
		return;
	}
	if (have - off > IN_MAX) {
		vdb_count(REG_INVALID_MSG_FMT, 1);
		conn_close(c, "frame too long");
		return;
	}
	if (rest_keep(&c->in, rbuf + off, have - off) == -1) {
		conn_close(c, "out of memory");
		return;
	}
	/* a connection that never identifies itself goes, trickle or not */
	if (c->identified || c->client)
		set_idle(c);
}

static void
conn_io(int fd, int revents, void *arg)
{
	struct conn	*c = arg;

	if (c->closing)
		return;
	if (revents & POLLOUT) {
		if (conn_flush(c) == -1) {
			conn_close(c, "write error");
			return;
		}
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		conn_read(c);
}

/* at the cap, the oldest connection without an accepted serial goes */
static int
make_room(void)
{
	struct conn	*c;

	if (nconns < pconf->max_connections)
		return 1;
	TAILQ_FOREACH(c, &conns, entry)
		if (!c->identified && !c->client && !c->closing) {
			log_info_sum("%s: closed: evicted: connection limit "
			    "reached", c->name);
			conn_close(c, NULL);
			return 1;
		}
	return 0;
}

static void
listener_accept(int fd, int revents, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 host[NI_MAXHOST], serv[NI_MAXSERV], peer[64];
	int			 s;

	s = accept4(fd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* no busy loop: wait until a connection closes */
			log_warnx("accept: %s: not accepting until a "
			    "connection closes", strerror(errno));
			pause_accept(1);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(peer, sizeof(peer), "?");
	else
		snprintf(peer, sizeof(peer), "%s:%s", host, serv);
	if (!make_room()) {
		log_warnx_sum("connection from %s refused: max_connections "
		    "(%d) reached and every connection is identified", peer,
		    pconf->max_connections);
		close(s);
		return;
	}
	if (conn_new(s, l->il.proto, peer, NULL) == NULL) {
		close(s);
		return;
	}
	/* counted now, published once it names a device (identify) */
	vdb_count(REG_INVERTER_CNT, 1);
	vdb_count(REG_SERVER_MODE_CNT, 1);
	log_debug("connection from %s on %s", peer,
	    l->il.proto == DEV_GEN3 ? "gen3" : "gen3plus");
}

void
conn_listener_add(int fd, const struct ipc_listener *il)
{
	struct listener	*l;

	if (il->proto != DEV_GEN3 && il->proto != DEV_GEN3PLUS)
		fatalx("malformed IPC message LISTENER: protocol %d",
		    il->proto);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("listener");
	l->fd = fd;
	l->il = *il;
	l->il.addr[sizeof(l->il.addr) - 1] = '\0';
	l->gen = listen_gen + 1;
	TAILQ_INSERT_TAIL(&listeners, l, entry);
}

/* the new listener set is complete: start it, drop the old one */
void
conn_listeners_done(void)
{
	struct listener	*l, *next;

	listen_gen++;
	TAILQ_FOREACH_SAFE(l, &listeners, entry, next) {
		if (l->gen != listen_gen) {
			if (l->ev != NULL)
				ev_del(l->ev);
			close(l->fd);
			TAILQ_REMOVE(&listeners, l, entry);
			free(l);
			continue;
		}
		if (l->ev == NULL && pconf != NULL) {
			l->ev = ev_add(l->fd, accept_paused ? 0 : POLLIN,
			    listener_accept, l);
			log_info("listening on %s:%u (%s)", l->il.addr,
			    l->il.port, l->il.proto == DEV_GEN3 ? "gen3" :
			    "gen3plus");
		}
	}
}

/* is sa one of our listeners: the same port on an address of ours? */
int
conn_is_own_listener(const struct sockaddr *sa, socklen_t salen)
{
	struct listener		*l;
	struct sockaddr_storage	 ss;
	uint16_t		 port;
	int			 s, local, found = 0;

	/* sa may be unaligned (struct ipc_resolved): work on a copy */
	if (salen > sizeof(ss))
		return 0;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen);
	if (ss.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return 0;
	TAILQ_FOREACH(l, &listeners, entry)
		if (l->il.port == port)
			found = 1;
	if (!found)
		return 0;
	/* an address we can bind to is an address of this machine */
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	local = bind(s, (struct sockaddr *)&ss, salen) == 0;
	close(s);
	return local;
}

/*
 * A new configuration.  Connections of devices whose block is gone are
 * closed; the others stay up, keep the configuration they started with
 * (it is freed when the last of them closes) and take the new one when
 * the device reconnects.  A device whose block changed is reconnected.
 */
/* forget the allow_all devices not seen for VDB_TRANSIENT_TTL */
static void
expire_cb(struct ev_timer *t, void *arg)
{
	vdb_expire();
	ev_timer_add(&expire_timer, EXPIRE_EVERY_MS);
}

void
conn_reconf(struct tsun_conf *nc)
{
	struct tsun_conf	*old = pconf;
	struct conn		*c, *next;
	struct conf_device	*d;

	pconf = nc;
	if (!expire_on) {
		ev_timer_init(&expire_timer, expire_cb, NULL);
		ev_timer_add(&expire_timer, EXPIRE_EVERY_MS);
		expire_on = 1;
	}
	TAILQ_FOREACH_SAFE(c, &conns, entry, next) {
		if (c->closing || !c->identified || c->unknown)
			continue;
		d = conf_find_serial(nc, c->serial);
		if (d == NULL) {
			if (c->vd != NULL)
				vdb_forget(c->vd);
			c->vd = NULL;
			conn_close(c, "device removed from the configuration");
		} else if (c->dc != NULL && !conf_device_equal(c->dc, d))
			conn_close(c, "device configuration changed");
	}
	if (old != NULL && old != nc && old->refs == 0)
		conf_free(old);
	clients_reconf();
}

void
conn_command(const struct cmd_msg *cmd)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, entry) {
		if (c->closing || !c->identified ||
		    strcmp(c->serial, cmd->serial) != 0)
			continue;
		if (c->ops->command(c->p, cmd) == 0)
			return;
		log_warnx("%s: command %d not possible now", c->name,
		    cmd->kind);
		return;
	}
	log_warnx("command %d for %s: device not connected", cmd->kind,
	    cmd->serial);
}

void
conn_shutdown(void)
{
	struct conn	*c;

	client_shutdown();
	while ((c = TAILQ_FIRST(&conns)) != NULL)
		conn_close(c, "shutting down");
}
