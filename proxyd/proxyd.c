/*
 * tsun-proxyd: the unprivileged network process.  Talks to tsun-cfgd
 * (configuration, listeners, name resolution, logging) and to tsun-mqttd
 * (record batches out, commands in).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cmd.h"
#include "common/conf.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/priv.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "proxyd/proto.h"
#include "proxyd/proxyd.h"
#include "proxyd/valuedb.h"

/* mqttd slower than the devices: past this, batches wait for a snapshot */
#define PEER_QUEUE_MAX	(8 * 1024 * 1024)
/* queued batches past this go out at once, else at the end of the round */
#define PEER_FLUSH_AT	(64 * 1024)

/*
 * Name resolution through tsun-cfgd, which answers inline: so that a
 * thousand inverters reconnecting at once do not mean a thousand DNS
 * queries, answers are kept for a while (failures briefly) and requests
 * for a name already asked for wait for that answer.
 */
#define RESOLVE_TTL_MS		60000
#define RESOLVE_NEG_TTL_MS	5000

struct resolve_req {			/* a waiter */
	TAILQ_ENTRY(resolve_req) entry;
	char		 host[256];
	int		 port;
	resolve_cb	 cb;
	void		*arg;
};

struct resolve_name {			/* asked for, or answered */
	TAILQ_ENTRY(resolve_name) entry;
	char		 host[256];
	int		 port;
	uint32_t	 id;		/* in flight; 0 when answered */
	int64_t		 when;
	struct ipc_resolved res;
};

struct tsun_conf	*pconf;
static struct ipcbuf	 parent;
static struct ev_fd	*parent_ev;
static struct ipcbuf	 peer;
static struct ev_fd	*peer_ev;
static int		 peer_resync;
static struct worker_conf wconf;
static int		 started;
static TAILQ_HEAD(, resolve_req) resolves = TAILQ_HEAD_INITIALIZER(resolves);
static TAILQ_HEAD(, resolve_name) names = TAILQ_HEAD_INITIALIZER(names);
/* waiters whose answer is being handed out (a callback may cancel one) */
static TAILQ_HEAD(, resolve_req) ready = TAILQ_HEAD_INITIALIZER(ready);
static uint32_t		 resolve_id;

/* after each round: what the handlers queued goes out now */
static void
flush_all(void)
{
	worker_flush_chan(&parent, parent_ev);
	worker_flush_chan(&peer, peer_ev);
}

static void
parent_flush(void)
{
	worker_flush_chan(&parent, parent_ev);
}

/* the value database hands us batches for tsun-mqttd */
static void
batch_sink(const void *p, size_t len, void *arg)
{
	if (peer_ev == NULL)
		return;		/* a snapshot follows when mqttd is back */
	if (peer.outbytes > PEER_QUEUE_MAX) {
		if (!peer_resync)
			log_warnx("tsun-mqttd is not keeping up: sending a "
			    "snapshot when it has caught up");
		peer_resync = 1;
		return;
	}
	if (ipc_compose(&peer, IMSG_BATCH, 0, -1, p, len) == -1) {
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_BATCH));
		peer_resync = 1;	/* a snapshot makes up for it */
		return;
	}
	/*
	 * The batches of one event-loop round leave together (flush_all,
	 * one sendmsg); a big burst (a snapshot) is sent as it grows.
	 */
	if (peer.outbytes >= PEER_FLUSH_AT)
		worker_flush_chan(&peer, peer_ev);
}

static void
send_snapshot(void)
{
	vdb_snapshot();
	if (ipc_compose(&peer, IMSG_SNAPSHOT_END, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_SNAPSHOT_END));
	worker_flush_chan(&peer, peer_ev);
}

void
proxyd_cmd_resp(const struct cmd_resp *r)
{
	if (peer_ev == NULL)
		return;
	if (ipc_compose(&peer, IMSG_CMD_RESP, 0, -1, r, sizeof(*r)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_CMD_RESP));
	worker_flush_chan(&peer, peer_ev);
}

static struct resolve_name *
name_find(const char *host, int port)
{
	struct resolve_name	*n;

	TAILQ_FOREACH(n, &names, entry)
		if (n->port == port && strcmp(n->host, host) == 0)
			return n;
	return NULL;
}

void
proxyd_resolve(const char *host, int port, resolve_cb cb, void *arg)
{
	struct resolve_req	*rr;
	struct resolve_name	*n;
	struct ipc_resolve	 req;
	int64_t			 age;

	n = name_find(host, port);
	if (n != NULL && n->id == 0) {
		age = ev_now_ms() - n->when;
		if (age < (n->res.error == 0 ? RESOLVE_TTL_MS :
		    RESOLVE_NEG_TTL_MS)) {
			cb(arg, &n->res);
			return;
		}
	}
	if ((rr = calloc(1, sizeof(*rr))) == NULL) {
		struct ipc_resolved	 res;

		memset(&res, 0, sizeof(res));
		res.error = -1;
		cb(arg, &res);
		return;
	}
	strlcpy(rr->host, host, sizeof(rr->host));
	rr->port = port;
	rr->cb = cb;
	rr->arg = arg;
	TAILQ_INSERT_TAIL(&resolves, rr, entry);
	if (n != NULL && n->id != 0)
		return;			/* asked already: wait for it */
	if (n == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			fatal("resolve");
		strlcpy(n->host, host, sizeof(n->host));
		n->port = port;
		TAILQ_INSERT_TAIL(&names, n, entry);
	}
	n->id = ++resolve_id;
	if (n->id == 0)
		n->id = ++resolve_id;
	memset(&req, 0, sizeof(req));
	req.id = n->id;
	strlcpy(req.host, host, sizeof(req.host));
	req.port = port;
	if (ipc_compose(&parent, IMSG_RESOLVE, 0, -1, &req, sizeof(req)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_RESOLVE));
	parent_flush();
}

void
proxyd_resolve_cancel(void *arg)
{
	struct resolve_req	*rr, *next;

	TAILQ_FOREACH_SAFE(rr, &resolves, entry, next)
		if (rr->arg == arg) {
			TAILQ_REMOVE(&resolves, rr, entry);
			free(rr);
		}
	TAILQ_FOREACH_SAFE(rr, &ready, entry, next)
		if (rr->arg == arg) {
			TAILQ_REMOVE(&ready, rr, entry);
			free(rr);
		}
}

static void
handle_resolved(const struct ipc_msg *m)
{
	struct ipc_resolved	 res;
	struct resolve_name	*n;
	struct resolve_req	*rr, *next;

	ipc_expect_len(m, sizeof(res));
	memcpy(&res, m->data, sizeof(res));
	if (res.naddr > RESOLVE_MAX)
		fatalx("malformed IPC message RESOLVED: %u addresses",
		    res.naddr);
	TAILQ_FOREACH(n, &names, entry)
		if (n->id != 0 && n->id == res.id)
			break;
	if (n == NULL)
		return;
	n->id = 0;
	n->when = ev_now_ms();
	n->res = res;
	/* callbacks may ask again: take this name's waiters out first */
	TAILQ_FOREACH_SAFE(rr, &resolves, entry, next)
		if (rr->port == n->port && strcmp(rr->host, n->host) == 0) {
			TAILQ_REMOVE(&resolves, rr, entry);
			TAILQ_INSERT_TAIL(&ready, rr, entry);
		}
	while ((rr = TAILQ_FIRST(&ready)) != NULL) {
		TAILQ_REMOVE(&ready, rr, entry);
		rr->cb(rr->arg, &res);
		free(rr);
	}
}

static void
peer_dispatch(int fd, int revents, void *arg)
{
	struct ipc_msg	 m;
	struct cmd_msg	 cmd;
	ssize_t		 n;
	int		 r;

	if (revents & POLLOUT) {
		if (ipc_flush(&peer) == -1)
			goto gone;
		if (!ipc_pending(&peer)) {
			ev_set(peer_ev, POLLIN);
			if (peer_resync) {
				peer_resync = 0;
				send_snapshot();
			}
		}
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = ipc_read(&peer);
	if (n == 0 || (n == -1 && errno != EAGAIN))
		goto gone;
	while ((r = ipc_get(&peer, &m)) == 1) {
		if (m.fd != -1)
			fatalx("unexpected descriptor from tsun-mqttd");
		switch (m.hdr.type) {
		case IMSG_CMD:
			ipc_expect_len(&m, sizeof(cmd));
			memcpy(&cmd, m.data, sizeof(cmd));
			if (memchr(cmd.serial, '\0', sizeof(cmd.serial)) ==
			    NULL || memchr(cmd.text, '\0',
			    sizeof(cmd.text)) == NULL)
				fatalx("malformed IPC message CMD");
			conn_command(&cmd);
			break;
		default:
			fatalx("unexpected IPC message %s from tsun-mqttd",
			    ipc_typename(m.hdr.type));
		}
	}
	if (r == -1)
		fatalx("malformed IPC message from tsun-mqttd");
	return;
gone:
	log_debug("tsun-mqttd channel closed");
	worker_peer_gone(&peer, &peer_ev);
}

static void
set_peer(int fd)
{
	worker_set_peer(&peer, &peer_ev, fd, peer_dispatch);
	peer_resync = 0;
	/* a new mqttd starts from nothing: tell it everything */
	send_snapshot();
}

static void
apply_conf(struct tsun_conf *nc)
{
	if (!started) {
		pconf = nc;
		priv_drop(nc->user, nc->chroot, "network");
		sandbox_enter(SANDBOX_PROXYD);
		started = 1;
		conn_listeners_done();
		conn_reconf(nc);
		log_info("configured: %d devices", nc->ndevices);
		return;
	}
	conn_reconf(nc);
	log_info("configuration applied: %d devices", nc->ndevices);
}

static void
status_reply(const struct ipc_msg *m)
{
	struct wbuf	 w;
	char		 what[32];
	size_t		 off;

	if (m->len >= sizeof(what))
		fatalx("malformed IPC message STATUS_REQ");
	memcpy(what, m->data, m->len);
	what[m->len] = '\0';
	wbuf_init(&w);
	conn_status(&w, what);
	for (off = 0; off < w.len; off += IPC_MAX_PAYLOAD)
		if (ipc_compose(&parent, IMSG_STATUS, 0, -1, w.p + off,
		    w.len - off > IPC_MAX_PAYLOAD ? IPC_MAX_PAYLOAD :
		    w.len - off) == -1)
			log_warn("IPC message %s not queued",
			    ipc_typename(IMSG_STATUS));
	if (ipc_compose(&parent, IMSG_STATUS_END, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_STATUS_END));
	wbuf_free(&w);
}

/* what only tsun-proxyd gets from tsun-cfgd */
static void
parent_msg(struct ipc_msg *m)
{
	struct ipc_listener	 il;

	switch (m->hdr.type) {
	case IMSG_LISTENER:
		ipc_expect_len(m, sizeof(il));
		if (m->fd == -1)
			fatalx("malformed IPC message LISTENER: no descriptor");
		memcpy(&il, m->data, sizeof(il));
		conn_listener_add(m->fd, &il);
		break;
	case IMSG_LISTENERS_END:
		ipc_expect_len(m, 0);
		if (started)
			conn_listeners_done();
		break;
	case IMSG_PEER:
		ipc_expect_len(m, 0);
		if (m->fd == -1)
			fatalx("malformed IPC message PEER");
		set_peer(m->fd);
		break;
	case IMSG_RESOLVED:
		handle_resolved(m);
		break;
	case IMSG_STATUS_REQ:
		status_reply(m);
		break;
	case IMSG_SHUTDOWN:
		ipc_expect_len(m, 0);
		conn_shutdown();
		ev_break();
		break;
	default:
		fatalx("unexpected IPC message %s from tsun-cfgd",
		    ipc_typename(m->hdr.type));
	}
}

static void
parent_dispatch(int fd, int revents, void *arg)
{
	worker_parent_io(&parent, revents, &wconf, apply_conf, parent_msg);
	parent_flush();
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	/* many inverters: take what the hard limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	parent_ev = worker_start(argc, argv, "tsun-proxyd", "proxyd", &parent,
	    &peer, parent_dispatch);
	raise_nofile();
	vdb_init(batch_sink, NULL);
	ev_set_idle(flush_all);
	ev_loop();
	ipc_flush_sync(&peer, 1000);
	ipc_flush_sync(&parent, 1000);
	return 0;
}
