/*
 * Client mode: the devices tsun-proxyd connects to itself, resolved and
 * tried address by address, retried while they stay configured.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/connect.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "proxyd/conn_priv.h"
#include "proxyd/proxyd.h"
#include "proxyd/valuedb.h"

#define CLIENT_RETRY_MS	10000
#define CLIENT_CONNECT_MS 10000		/* per address */

static TAILQ_HEAD(, client)	clients = TAILQ_HEAD_INITIALIZER(clients);

static void	client_connect(struct client *);

static void
client_up(void *arg, int fd)
{
	struct client	*cl = arg;
	struct conn	*c;
	char		 peer[64];

	snprintf(peer, sizeof(peer), "%s:%d", cl->host, cl->port);
	if ((c = conn_new(fd, DEV_GEN3PLUS, peer, cl)) == NULL) {
		close(fd);
		ev_timer_add(&cl->retry, CLIENT_RETRY_MS);
		return;
	}
	cl->conn = c;
	vdb_count(REG_INVERTER_CNT, 1);
	vdb_count(REG_CLIENT_MODE_CNT, 1);
	vdb_flush(vdb_proxy());
	log_info("%s: client mode connection to %s up", c->name, cl->serial);
	c->ops->client_connected(c->p);
}

/* every address failed, each said why */
static void
client_fail(void *arg)
{
	struct client	*cl = arg;

	ev_timer_add(&cl->retry, CLIENT_RETRY_MS);
}

static const struct cwalk_ops client_walk_ops = {
	NULL, NULL, client_up, client_fail
};

static void
client_resolved(void *arg, const struct ipc_resolved *res)
{
	struct client		*cl = arg;

	cl->resolving = 0;
	if (res->error != 0 || res->naddr == 0) {
		log_warnx("client mode %s: cannot resolve %s", cl->serial,
		    cl->host);
		ev_timer_add(&cl->retry, CLIENT_RETRY_MS);
		return;
	}
	cwalk_start(&cl->walk, res);
}

static void
client_connect(struct client *cl)
{
	if (cl->conn != NULL || cl->resolving || cwalk_active(&cl->walk))
		return;
	cl->resolving = 1;
	proxyd_resolve(cl->host, cl->port, client_resolved, cl);
}

static void
client_retry(struct ev_timer *t, void *arg)
{
	client_connect(arg);
}

static void
client_stop(struct client *cl)
{
	TAILQ_REMOVE(&clients, cl, entry);
	ev_timer_del(&cl->retry);
	if (cl->resolving)
		proxyd_resolve_cancel(cl);
	cwalk_cancel(&cl->walk);
	cl->gone = 1;
	if (cl->conn != NULL)
		conn_close(cl->conn, "device removed from the configuration");
	else
		free(cl);
}

void
clients_reconf(void)
{
	struct conf_device	*d;
	struct client		*cl, *next;
	char			 what[64];

	TAILQ_FOREACH_SAFE(cl, &clients, entry, next) {
		d = conf_find_serial(pconf, cl->serial);
		if (d == NULL || !d->client_mode ||
		    strcmp(d->client_host, cl->host) != 0 ||
		    d->client_port != cl->port)
			client_stop(cl);
	}
	TAILQ_FOREACH(d, &pconf->devices, entry) {
		if (!d->client_mode)
			continue;
		TAILQ_FOREACH(cl, &clients, entry)
			if (strcmp(cl->serial, d->serial) == 0)
				break;
		if (cl != NULL)
			continue;
		if ((cl = calloc(1, sizeof(*cl))) == NULL)
			continue;
		strlcpy(cl->serial, d->serial, sizeof(cl->serial));
		strlcpy(cl->host, d->client_host, sizeof(cl->host));
		cl->port = d->client_port;
		snprintf(what, sizeof(what), "client mode %s", cl->serial);
		cwalk_init(&cl->walk, &client_walk_ops, cl, what, cl->host,
		    cl->port, CLIENT_CONNECT_MS);
		ev_timer_init(&cl->retry, client_retry, cl);
		TAILQ_INSERT_TAIL(&clients, cl, entry);
		client_connect(cl);
	}
}

/* the connection to a client-mode device closed */
void
client_closed(struct client *cl)
{
	cl->conn = NULL;
	if (!cl->gone)
		ev_timer_add(&cl->retry, CLIENT_RETRY_MS);
	else
		free(cl);
}

void
client_shutdown(void)
{
	struct client	*cl;

	while ((cl = TAILQ_FIRST(&clients)) != NULL)
		client_stop(cl);
}
