/*
 * The configuration over IPC: cfgd sends a begin/items/end transaction,
 * the worker builds a new struct tsun_conf and swaps it in at the end.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/ipc.h"
#include "common/log.h"

#define S(w, f)	wbuf_str(w, f)
#define I(w, f)	wbuf_i32(w, f)
#define RS(r, f)	rbuf_str(r, f, sizeof(f))
#define RI(r, f)	((f) = rbuf_i32(r))

static void
send_listener(struct wbuf *w, const struct conf_listener *l)
{
	I(w, l->enabled);
	S(w, l->listen_address);
	I(w, l->listen_port);
	I(w, l->cloud_enabled);
	S(w, l->host);
	I(w, l->port);
}

static void
recv_listener(struct rbuf *r, struct conf_listener *l)
{
	RI(r, l->enabled);
	RS(r, l->listen_address);
	RI(r, l->listen_port);
	RI(r, l->cloud_enabled);
	RS(r, l->host);
	RI(r, l->port);
}

static void
send_acl(struct wbuf *w, const struct conf_acl *a)
{
	int	 i;

	I(w, a->nallow);
	for (i = 0; i < a->nallow; i++)
		S(w, a->allow[i]);
	I(w, a->nblock);
	for (i = 0; i < a->nblock; i++)
		S(w, a->block[i]);
}

static void
drop_list(char ***list, int *n)
{
	int	 i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

/* the lists replace what conf_new() put there */
static void
recv_list(struct rbuf *r, char ***list, int *n)
{
	char	 s[CONF_STR];
	int	 i, cnt;

	drop_list(list, n);
	cnt = rbuf_i32(r);
	if (cnt < 0 || cnt > 1000) {
		r->err = 1;
		return;
	}
	for (i = 0; i < cnt && !r->err; i++) {
		rbuf_str(r, s, sizeof(s));
		if (!r->err && conf_acl_add(list, n, s) == -1)
			r->err = 1;
	}
}

void
conf_send(struct ipcbuf *ib, const struct tsun_conf *c)
{
	conf_send_to(ib, c, 1);
}

void
conf_send_to(struct ipcbuf *ib, const struct tsun_conf *c, int secrets)
{
	struct wbuf		 w;
	struct conf_device	*d;
	int			 i, r;

	/*
	 * A message that cannot be queued ends the transaction: without
	 * CONF_END the worker applies nothing, and the next BEGIN starts over.
	 */
	if (ipc_compose(ib, IMSG_CONF_BEGIN, 0, -1, NULL, 0) == -1)
		goto fail;

	wbuf_init(&w);
	S(&w, c->user);
	S(&w, c->chroot);
	I(&w, c->max_connections);
	S(&w, c->resolver);
	S(&w, c->control_socket);
	I(&w, c->to_unidentified);
	I(&w, c->to_before_up);
	I(&w, c->to_up);
	I(&w, c->to_up_polling);
	S(&w, c->mqtt_host);
	I(&w, c->mqtt_port);
	S(&w, c->mqtt_user);
	S(&w, secrets ? c->mqtt_passwd : "");
	S(&w, c->mqtt_client_id);
	I(&w, c->mqtt_keepalive);
	I(&w, c->mqtt_tls);
	S(&w, c->tls_cafile);
	S(&w, c->tls_certfile);
	S(&w, c->tls_keyfile);
	I(&w, c->tls_insecure);
	S(&w, c->ha_auto_conf_prefix);
	S(&w, c->ha_discovery_prefix);
	S(&w, c->ha_entity_prefix);
	S(&w, c->ha_proxy_node_id);
	S(&w, c->ha_proxy_unique_id);
	send_listener(&w, &c->tsun);
	send_listener(&w, &c->solarman);
	I(&w, c->allow_all);
	send_acl(&w, &c->acl_tsun);
	send_acl(&w, &c->acl_mqtt);
	r = ipc_compose(ib, IMSG_CONF_GLOBAL, 0, -1, w.p, w.len);
	/* the password was in this buffer */
	explicit_bzero(w.p, w.len);
	wbuf_free(&w);
	if (r == -1)
		goto fail;

	TAILQ_FOREACH(d, &c->devices, entry) {
		wbuf_init(&w);
		I(&w, d->kind);
		S(&w, d->serial);
		wbuf_u32(&w, d->monitor_sn);
		S(&w, d->node_id);
		S(&w, d->suggested_area);
		I(&w, d->modbus_polling);
		I(&w, d->modbus_interval);
		I(&w, d->modbus_interval_set);
		I(&w, d->sensor_list);
		I(&w, d->client_mode);
		S(&w, d->client_host);
		I(&w, d->client_port);
		I(&w, d->client_forward);
		I(&w, d->scanning);
		I(&w, d->scan_start);
		I(&w, d->scan_step);
		I(&w, d->scan_bytes);
		for (i = 0; i < MAX_PV; i++) {
			I(&w, d->pv[i].present);
			S(&w, d->pv[i].type);
			S(&w, d->pv[i].manufacturer);
		}
		I(&w, d->line);
		r = ipc_compose(ib, IMSG_CONF_DEVICE, 0, -1, w.p, w.len);
		wbuf_free(&w);
		if (r == -1)
			goto fail;
	}
	if (ipc_compose(ib, IMSG_CONF_END, 0, -1, NULL, 0) == 0)
		return;
fail:
	log_warn("IPC message %s not queued", "CONF");
}

int
conf_recv_global(struct tsun_conf *c, const void *p, size_t len)
{
	struct rbuf	 r;

	rbuf_init(&r, p, len);
	RS(&r, c->user);
	RS(&r, c->chroot);
	RI(&r, c->max_connections);
	RS(&r, c->resolver);
	RS(&r, c->control_socket);
	RI(&r, c->to_unidentified);
	RI(&r, c->to_before_up);
	RI(&r, c->to_up);
	RI(&r, c->to_up_polling);
	RS(&r, c->mqtt_host);
	RI(&r, c->mqtt_port);
	RS(&r, c->mqtt_user);
	RS(&r, c->mqtt_passwd);
	RS(&r, c->mqtt_client_id);
	RI(&r, c->mqtt_keepalive);
	RI(&r, c->mqtt_tls);
	RS(&r, c->tls_cafile);
	RS(&r, c->tls_certfile);
	RS(&r, c->tls_keyfile);
	RI(&r, c->tls_insecure);
	RS(&r, c->ha_auto_conf_prefix);
	RS(&r, c->ha_discovery_prefix);
	RS(&r, c->ha_entity_prefix);
	RS(&r, c->ha_proxy_node_id);
	RS(&r, c->ha_proxy_unique_id);
	recv_listener(&r, &c->tsun);
	recv_listener(&r, &c->solarman);
	RI(&r, c->allow_all);
	recv_list(&r, &c->acl_tsun.allow, &c->acl_tsun.nallow);
	recv_list(&r, &c->acl_tsun.block, &c->acl_tsun.nblock);
	recv_list(&r, &c->acl_mqtt.allow, &c->acl_mqtt.nallow);
	recv_list(&r, &c->acl_mqtt.block, &c->acl_mqtt.nblock);
	if (r.err || r.left != 0)
		return -1;
	if (c->max_connections < 1 || c->mqtt_port < 1 ||
	    c->mqtt_port > 65535)
		return -1;
	return 0;
}

int
conf_recv_device(struct tsun_conf *c, const void *p, size_t len)
{
	struct rbuf		 r;
	struct conf_device	*d;
	int			 i;

	if ((d = conf_device_new()) == NULL)
		return -1;
	rbuf_init(&r, p, len);
	d->kind = rbuf_i32(&r);
	RS(&r, d->serial);
	d->monitor_sn = rbuf_u32(&r);
	RS(&r, d->node_id);
	RS(&r, d->suggested_area);
	RI(&r, d->modbus_polling);
	RI(&r, d->modbus_interval);
	RI(&r, d->modbus_interval_set);
	RI(&r, d->sensor_list);
	RI(&r, d->client_mode);
	RS(&r, d->client_host);
	RI(&r, d->client_port);
	RI(&r, d->client_forward);
	RI(&r, d->scanning);
	RI(&r, d->scan_start);
	RI(&r, d->scan_step);
	RI(&r, d->scan_bytes);
	for (i = 0; i < MAX_PV; i++) {
		RI(&r, d->pv[i].present);
		RS(&r, d->pv[i].type);
		RS(&r, d->pv[i].manufacturer);
	}
	RI(&r, d->line);
	if (r.err || r.left != 0 || d->kind < DEV_GEN3 ||
	    d->kind > DEV_BATTERY || strlen(d->serial) != SERIAL_LEN) {
		free(d);
		return -1;
	}
	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	c->ndevices++;
	return 0;
}

int
conf_device_equal(const struct conf_device *a, const struct conf_device *b)
{
	size_t	 from = offsetof(struct conf_device, kind);
	size_t	 to = offsetof(struct conf_device, line);

	return memcmp((const char *)a + from, (const char *)b + from,
	    to - from) == 0;
}
