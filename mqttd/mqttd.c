/*
 * tsun-mqttd: the unprivileged MQTT process.  libmosquitto runs inside our
 * own poll loop (mosquitto_loop_read/write/misc, never its thread).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/connect.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/priv.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "mqttd/mqttd.h"
#include "mqttd/tls.h"

#define BACKOFF_MAX_MS	60000
#define CONNECT_MS	10000		/* per address, up to the CONNACK */

/*
 * Home Assistant's births are coalesced: the first waits REDISCOVER_MS
 * for the rest of a burst, and re-sends are at least REDISCOVER_GAP_MS
 * apart; a birth while one is pending adds nothing.
 */
#define REDISCOVER_MS		1000
#define REDISCOVER_GAP_MS	30000

static struct tsun_conf	*mconf;
static struct ipcbuf	 parent;
static struct ev_fd	*parent_ev;
static struct ipcbuf	 peer;
static struct ev_fd	*peer_ev;
static struct worker_conf wconf;
static struct mosquitto	*mosq;
static struct ev_fd	*mosq_ev;
static int		 mosq_fd = -1;
static int		 connected;
static int		 connecting;
static int		 stopping;
static int64_t		 backoff_ms;
static struct ev_timer	 misc_timer, retry_timer, midnight_timer;
static struct ev_timer	 disc_timer;
static int64_t		 disc_last;	/* last re-send, ms; 0 none */
static char		 broker_addr[INET6_ADDRSTRLEN];
static uint32_t		 resolve_id;
static struct cwalk	 walk;		/* the broker's addresses in turn */
static void		*tls_ctx;

static void	broker_connect(void);
static void	mosq_sync(void);

/* after each round: what the handlers queued goes out now */
static void
flush_all(void)
{
	worker_flush_chan(&parent, parent_ev);
	worker_flush_chan(&peer, peer_ev);
	mosq_sync();
}

static void
tell_state(int up)
{
	int32_t	 v = up;

	if (ipc_compose(&parent, IMSG_MQTT_STATE, 0, -1, &v, sizeof(v)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_MQTT_STATE));
	worker_flush_chan(&parent, parent_ev);
}

/* keep the poll set in line with libmosquitto's socket and wishes */
static void
mosq_sync(void)
{
	int	 fd = mosq ? mosquitto_socket(mosq) : -1;
	void	 mosq_io(int, int, void *);

	/*
	 * A failed attempt's socket stays open in libmosquitto until the
	 * next connect: polling its hangup meanwhile would spin.  A queued
	 * DISCONNECT still goes out.
	 */
	if (fd != -1 && !connected && !connecting &&
	    !mosquitto_want_write(mosq))
		fd = -1;
	if (fd != mosq_fd && mosq_ev != NULL) {
		ev_del(mosq_ev);
		mosq_ev = NULL;
	}
	mosq_fd = fd;
	if (fd == -1)
		return;
	if (mosq_ev == NULL && (mosq_ev = ev_add(fd, POLLIN, mosq_io,
	    NULL)) == NULL)
		fatal("ev_add");
	ev_set(mosq_ev, POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0));
}

static void
schedule_retry(const char *why)
{
	char	 reason[256];
	size_t	 n;

	if (stopping)
		return;
	if (backoff_ms == 0)
		backoff_ms = 1000;
	/* libmosquitto's texts end in a full stop; ours go on */
	strlcpy(reason, why, sizeof(reason));
	if ((n = strlen(reason)) > 0 && reason[n - 1] == '.')
		reason[n - 1] = '\0';
	log_warnx("MQTT broker %s:%d: %s; retrying in %lld s",
	    mconf->mqtt_host, mconf->mqtt_port, reason,
	    (long long)backoff_ms / 1000);
	ev_timer_add(&retry_timer, backoff_ms);
	backoff_ms *= 2;
	if (backoff_ms > BACKOFF_MAX_MS)
		backoff_ms = BACKOFF_MAX_MS;
}

static void
lost(const char *why)
{
	int	 was = connected;

	connecting = 0;
	connected = 0;
	if (mosq_ev != NULL) {
		ev_del(mosq_ev);
		mosq_ev = NULL;
	}
	mosq_fd = -1;
	/* before the CONNACK: this address failed, the next one may not */
	if (cwalk_active(&walk)) {
		cwalk_failed(&walk, why);
		return;
	}
	if (was) {
		mq_broker_down();
		tell_state(0);
	}
	schedule_retry(why);
}

void	mosq_io(int, int, void *);

void
mosq_io(int fd, int revents, void *arg)
{
	int		 rc = MOSQ_ERR_SUCCESS, err = 0;
	socklen_t	 len = sizeof(err);

	/*
	 * A refused connect during the TLS handshake: libmosquitto reports
	 * success and the hangup comes back at once, so look ourselves.
	 */
	if (connecting && (revents & (POLLHUP | POLLERR)) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0) {
		lost(strerror(err));
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (revents & POLLOUT))
		rc = mosquitto_loop_write(mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && connecting && (revents & POLLHUP)) {
		lost("connection closed");
		return;
	}
	if (rc != MOSQ_ERR_SUCCESS && (connected || connecting)) {
		lost(rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		return;
	}
	mosq_sync();
}

static void
misc_cb(struct ev_timer *t, void *arg)
{
	if (connected || connecting) {
		if (mosquitto_loop_misc(mosq) != MOSQ_ERR_SUCCESS &&
		    (connected || connecting))
			lost("keepalive failed");
		else
			mosq_sync();
	}
	mq_cmd_tick();
	ev_timer_add(&misc_timer, 1000);
}

/* the wall clock, checked often: NTP may move it at any time */
static void
midnight_cb(struct ev_timer *t, void *arg)
{
	static struct mq_day	 day;
	int64_t			 wait;

	switch (mq_day_check(&day, (int64_t)time(NULL), &wait)) {
	case MQ_DAY_RESET:
		log_info("local midnight: daily values reset");
		mq_midnight();
		mosq_sync();
		break;
	case MQ_DAY_JUMPED:
		log_info("the clock jumped into a new day: no daily reset "
		    "in the middle of it");
		break;
	}
	ev_timer_add(&midnight_timer, wait);
}

static void
disc_cb(struct ev_timer *t, void *arg)
{
	if (!connected)
		return;		/* the connect sends everything anyway */
	log_info("Home Assistant is online: sending discovery");
	disc_last = ev_now_ms();
	mq_publish_all();
	mosq_sync();
}

static void
disc_request(void *arg)
{
	int64_t	 wait = REDISCOVER_MS, now = ev_now_ms();

	if (ev_timer_pending(&disc_timer))
		return;
	if (disc_last != 0 && now - disc_last < REDISCOVER_GAP_MS &&
	    disc_last + REDISCOVER_GAP_MS - now > wait)
		wait = disc_last + REDISCOVER_GAP_MS - now;
	ev_timer_add(&disc_timer, wait);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	const char	**subs;
	size_t		  n, i;

	connecting = 0;
	cwalk_answered(&walk);
	if (rc != 0) {
		/* the broker said no: bad credentials are worth a clear line */
		log_warnx("MQTT broker refused the connection: %s",
		    mosquitto_connack_string(rc));
		mosquitto_disconnect(mosq);
		return;
	}
	connected = 1;
	backoff_ms = 0;
	log_info("connected to MQTT broker %s:%d", mconf->mqtt_host,
	    mconf->mqtt_port);
	subs = mq_subscriptions(&n);
	for (i = 0; i < n; i++)
		mosquitto_subscribe(mosq, NULL, subs[i], 0);
	mq_broker_up();
	tell_state(1);
	mosq_sync();
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	if (stopping)
		return;
	lost(rc == 0 ? "disconnected" : "connection lost");
}

/*
 * libmosquitto's error lines (with TLS): it prints OpenSSL's error queue
 * only here, e.g. the alert of a broker that wants a client certificate;
 * mosquitto_loop_read() itself says no more than "A TLS error occurred".
 */
static void
on_log(struct mosquitto *m, void *arg, int level, const char *str)
{
	if (level == MOSQ_LOG_ERR && str != NULL)
		log_warnx("TLS: libmosquitto: %s", str);
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	if (msg->topic == NULL)
		return;
	mq_message(msg->topic, msg->payload, msg->payloadlen, msg->retain);
	mosq_sync();
}

static void
pub_cb(const char *topic, const void *payload, size_t len, int retain,
    void *arg)
{
	int	 rc;

	if (mosq == NULL || len > INT32_MAX)
		return;
	rc = mosquitto_publish(mosq, NULL, topic, (int)len, payload, 0,
	    retain);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
		log_warnx_sum("publish %s: %s", topic,
		    mosquitto_strerror(rc));
}

static void
cmd_cb(const struct cmd_msg *cmd, void *arg)
{
	if (peer_ev == NULL) {
		log_warnx_sum("command for %s dropped: tsun-proxyd not "
		    "connected",
		    cmd->serial);
		return;
	}
	if (ipc_compose(&peer, IMSG_CMD, 0, -1, cmd, sizeof(*cmd)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_CMD));
	worker_flush_chan(&peer, peer_ev);
}

static const char *
mosq_errstr(int rc)
{
	return rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);
}

/* libmosquitto connects to the one numeric address it is given */
static const char *
walk_start(void *arg, const char *addr)
{
	int	 rc;

	strlcpy(broker_addr, addr, sizeof(broker_addr));
	connecting = 1;
	rc = mosquitto_connect_async(mosq, broker_addr, mconf->mqtt_port,
	    mconf->mqtt_keepalive);
	if (rc != MOSQ_ERR_SUCCESS) {
		connecting = 0;
		return mosq_errstr(rc);
	}
	mosq_sync();
	return NULL;
}

/* no CONNACK in time: the next connect_async closes this socket */
static void
walk_stop(void *arg)
{
	connecting = 0;
	if (mosq_ev != NULL) {
		ev_del(mosq_ev);
		mosq_ev = NULL;
	}
	mosq_fd = -1;
}

static void
walk_fail(void *arg)
{
	schedule_retry("no address answered");
}

static const struct cwalk_ops walk_ops = {
	walk_start, walk_stop, NULL, walk_fail
};

static void
handle_resolved(const struct ipc_msg *m)
{
	struct ipc_resolved	 res;

	ipc_expect_len(m, sizeof(res));
	memcpy(&res, m->data, sizeof(res));
	if (res.naddr > RESOLVE_MAX)
		fatalx("malformed IPC message RESOLVED");
	if (res.id != resolve_id)
		return;
	if (res.error != 0 || res.naddr == 0) {
		schedule_retry("cannot resolve the host name");
		return;
	}
	cwalk_start(&walk, &res);
}

static void
broker_connect(void)
{
	struct ipc_resolved	 res;
	struct ipc_resolve	 req;

	if (stopping || connected || connecting || cwalk_active(&walk))
		return;
	if (cwalk_literal(mconf->mqtt_host, mconf->mqtt_port, &res)) {
		cwalk_start(&walk, &res);
		return;
	}
	/* names are resolved by tsun-cfgd: we cannot read /etc */
	memset(&req, 0, sizeof(req));
	req.id = ++resolve_id;
	strlcpy(req.host, mconf->mqtt_host, sizeof(req.host));
	req.port = mconf->mqtt_port;
	if (ipc_compose(&parent, IMSG_RESOLVE, 0, -1, &req, sizeof(req)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_RESOLVE));
	worker_flush_chan(&parent, parent_ev);
}

static void
retry_cb(struct ev_timer *t, void *arg)
{
	broker_connect();
}

static void
mosq_setup(void)
{
	char	 client_id[CONF_STR];
	int	 rc;

	mosquitto_lib_init();
	if (mconf->mqtt_client_id[0] != '\0')
		strlcpy(client_id, mconf->mqtt_client_id, sizeof(client_id));
	else
		snprintf(client_id, sizeof(client_id), "tsun-%s",
		    mconf->ha_proxy_unique_id);
	if ((mosq = mosquitto_new(client_id, true, NULL)) == NULL)
		fatal("mosquitto_new");
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    MQTT_PROTOCOL_V311);
	if (mconf->mqtt_user[0] != '\0') {
		rc = mosquitto_username_pw_set(mosq, mconf->mqtt_user,
		    mconf->mqtt_passwd[0] ? mconf->mqtt_passwd : NULL);
		if (rc != MOSQ_ERR_SUCCESS)
			fatalx("MQTT credentials: %s", mosquitto_strerror(rc));
	}
	/* libmosquitto has its copy: ours goes */
	explicit_bzero(mconf->mqtt_passwd, sizeof(mconf->mqtt_passwd));
	rc = mosquitto_will_set(mosq, mq_will_topic(), strlen(MQ_OFFLINE),
	    MQ_OFFLINE, 0, true);
	if (rc != MOSQ_ERR_SUCCESS)
		fatalx("MQTT will: %s", mosquitto_strerror(rc));
	if (tls_ctx != NULL) {
		rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, tls_ctx);
		if (rc != MOSQ_ERR_SUCCESS)
			fatalx("MQTT TLS: %s", mosquitto_strerror(rc));
		/*
		 * Our context as it is: with the defaults (on unless turned
		 * off) libmosquitto wants its own cafile (mosquitto_tls_set)
		 * and fails every connect with MOSQ_ERR_INVAL without one.
		 */
		rc = mosquitto_int_option(mosq,
		    MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
		if (rc != MOSQ_ERR_SUCCESS)
			fatalx("MQTT TLS defaults: %s", mosquitto_strerror(rc));
		/* OpenSSL's reasons for a failed handshake come this way */
		mosquitto_log_callback_set(mosq, on_log);
	}
	mosquitto_connect_callback_set(mosq, on_connect);
	mosquitto_disconnect_callback_set(mosq, on_disconnect);
	mosquitto_message_callback_set(mosq, on_message);
}

static void
apply_conf(struct tsun_conf *nc)
{
	struct tsun_conf	*old = mconf;

	if (old == NULL) {
		mconf = nc;
		/* the TLS material is read before the chroot */
		if (nc->mqtt_tls && (tls_ctx = tls_setup(nc)) == NULL)
			fatalx("cannot set up TLS to the broker");
		priv_drop(nc->user, nc->chroot, "mqtt");
		sandbox_enter(SANDBOX_MQTTD);
		mq_init(nc, pub_cb, cmd_cb, NULL, TSUN_VERSION);
		mq.rediscover = disc_request;
		mosq_setup();
		cwalk_init(&walk, &walk_ops, NULL, "MQTT broker",
		    nc->mqtt_host, nc->mqtt_port, CONNECT_MS);
		broker_connect();
		midnight_cb(&midnight_timer, NULL);
		return;
	}
	/* new broker settings: tsun-cfgd stops us and starts us with them */
	explicit_bzero(nc->mqtt_passwd, sizeof(nc->mqtt_passwd));
	mq_reconf(nc);
	mconf = nc;
	conf_free(old);
	/* new node ids bring new command topics; the broker ignores repeats */
	if (connected) {
		const char	**subs;
		size_t		  n, i;

		subs = mq_subscriptions(&n);
		for (i = 0; i < n; i++)
			mosquitto_subscribe(mosq, NULL, subs[i], 0);
	}
	mosq_sync();
}

static void
peer_dispatch(int fd, int revents, void *arg)
{
	struct ipc_msg	 m;
	struct cmd_resp	 resp;
	ssize_t		 n;
	int		 r;

	if (revents & POLLOUT && ipc_flush(&peer) == -1)
		goto gone;
	if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
		worker_flush_chan(&peer, peer_ev);
		return;
	}
	n = ipc_read(&peer);
	if (n == 0 || (n == -1 && errno != EAGAIN))
		goto gone;
	while ((r = ipc_get(&peer, &m)) == 1) {
		if (m.fd != -1)
			fatalx("unexpected descriptor from tsun-proxyd");
		switch (m.hdr.type) {
		case IMSG_BATCH:
			if (mq_batch(m.data, m.len) == -1)
				fatalx("malformed IPC message BATCH");
			break;
		case IMSG_SNAPSHOT_END:
			ipc_expect_len(&m, 0);
			log_debug("snapshot from tsun-proxyd complete");
			break;
		case IMSG_CMD_RESP:
			ipc_expect_len(&m, sizeof(resp));
			memcpy(&resp, m.data, sizeof(resp));
			if (memchr(resp.serial, '\0', sizeof(resp.serial)) ==
			    NULL || memchr(resp.text, '\0',
			    sizeof(resp.text)) == NULL)
				fatalx("malformed IPC message CMD_RESP");
			mq_cmd_resp(&resp);
			break;
		default:
			fatalx("unexpected IPC message %s from tsun-proxyd",
			    ipc_typename(m.hdr.type));
		}
	}
	if (r == -1)
		fatalx("malformed IPC message from tsun-proxyd");
	mosq_sync();
	worker_flush_chan(&peer, peer_ev);
	return;
gone:
	log_debug("tsun-proxyd channel closed");
	worker_peer_gone(&peer, &peer_ev);
}

static void
shutdown_now(void)
{
	int	 i;

	stopping = 1;
	if (connected) {
		mq_shutdown();
		for (i = 0; i < 50 && mosquitto_want_write(mosq); i++) {
			struct pollfd pfd = { mosquitto_socket(mosq), POLLOUT,
			    0 };

			if (poll(&pfd, 1, 100) > 0 &&
			    mosquitto_loop_write(mosq, 1) != MOSQ_ERR_SUCCESS)
				break;
		}
		mosquitto_disconnect(mosq);
		mosquitto_loop_write(mosq, 1);
	}
	ev_break();
}

static void
status_reply(const struct ipc_msg *m)
{
	char	 line[256];

	snprintf(line, sizeof(line), "mqtt: %s, %zu devices\n",
	    connected ? "connected" : "not connected", mq_ndevices());
	if (ipc_compose(&parent, IMSG_STATUS, 0, -1, line, strlen(line)) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_STATUS));
	if (ipc_compose(&parent, IMSG_STATUS_END, 0, -1, NULL, 0) == -1)
		log_warn("IPC message %s not queued",
		    ipc_typename(IMSG_STATUS_END));
}

/* what only tsun-mqttd gets from tsun-cfgd */
static void
parent_msg(struct ipc_msg *m)
{
	switch (m->hdr.type) {
	case IMSG_PEER:
		ipc_expect_len(m, 0);
		if (m->fd == -1)
			fatalx("malformed IPC message PEER");
		worker_set_peer(&peer, &peer_ev, m->fd, peer_dispatch);
		break;
	case IMSG_RESOLVED:
		handle_resolved(m);
		break;
	case IMSG_STATUS_REQ:
		status_reply(m);
		break;
	case IMSG_SHUTDOWN:
		ipc_expect_len(m, 0);
		shutdown_now();
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
	worker_flush_chan(&parent, parent_ev);
}

int
main(int argc, char *argv[])
{
	parent_ev = worker_start(argc, argv, "tsun-mqttd", "mqttd", &parent,
	    &peer, parent_dispatch);
	ev_set_idle(flush_all);
	ev_timer_init(&misc_timer, misc_cb, NULL);
	ev_timer_init(&retry_timer, retry_cb, NULL);
	ev_timer_init(&midnight_timer, midnight_cb, NULL);
	ev_timer_init(&disc_timer, disc_cb, NULL);
	ev_timer_add(&misc_timer, 1000);
	ev_loop();
	ipc_flush_sync(&parent, 1000);
	if (mosq != NULL) {
		mosquitto_destroy(mosq);
		mosquitto_lib_cleanup();
	}
	mq_free();
	if (mconf != NULL)
		conf_free(mconf);
	return 0;
}
