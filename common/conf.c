/*
 * Construction and lookup of struct tsun_conf.  The defaults are the ones
 * of the configuration contract (config.md), named in common/defaults.h,
 * which cfgd/config.c's libconfuse tables use too.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/defaults.h"

static const char *const acl_tsun_allow[] = DEF_ACL_TSUN_ALLOW_V;
static const char *const acl_mqtt_allow[] = DEF_ACL_MQTT_ALLOW_V;

static void
listener_defaults(struct conf_listener *l, int port, const char *host)
{
	l->enabled = 1;
	strlcpy(l->listen_address, DEF_LISTEN_ADDRESS,
	    sizeof(l->listen_address));
	l->listen_port = port;
	l->cloud_enabled = 1;
	strlcpy(l->host, host, sizeof(l->host));
	l->port = port;
}

static void
acl_clear(struct conf_acl *a)
{
	int	 i;

	for (i = 0; i < a->nallow; i++)
		free(a->allow[i]);
	for (i = 0; i < a->nblock; i++)
		free(a->block[i]);
	free(a->allow);
	free(a->block);
	memset(a, 0, sizeof(*a));
}

struct tsun_conf *
conf_new(void)
{
	struct tsun_conf	*c;
	size_t			 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->devices);
	strlcpy(c->user, DEF_USER, sizeof(c->user));
	strlcpy(c->chroot, DEF_CHROOT, sizeof(c->chroot));
	c->max_connections = DEF_MAX_CONNECTIONS;
	strlcpy(c->control_socket, DEF_CONTROL_SOCKET,
	    sizeof(c->control_socket));

	c->to_unidentified = DEF_TO_UNIDENTIFIED;
	c->to_before_up = DEF_TO_BEFORE_UP;
	c->to_up = DEF_TO_UP;
	c->to_up_polling = DEF_TO_UP_POLLING;

	strlcpy(c->mqtt_host, DEF_MQTT_HOST, sizeof(c->mqtt_host));
	c->mqtt_port = DEF_MQTT_PORT;
	c->mqtt_keepalive = DEF_MQTT_KEEPALIVE;
	strlcpy(c->tls_cafile, DEF_TLS_CAFILE, sizeof(c->tls_cafile));

	strlcpy(c->ha_auto_conf_prefix, DEF_HA_AUTO_CONF_PREFIX,
	    sizeof(c->ha_auto_conf_prefix));
	strlcpy(c->ha_discovery_prefix, DEF_HA_DISCOVERY_PREFIX,
	    sizeof(c->ha_discovery_prefix));
	strlcpy(c->ha_entity_prefix, DEF_HA_ENTITY_PREFIX,
	    sizeof(c->ha_entity_prefix));
	strlcpy(c->ha_proxy_node_id, DEF_HA_PROXY_NODE_ID,
	    sizeof(c->ha_proxy_node_id));
	strlcpy(c->ha_proxy_unique_id, DEF_HA_PROXY_UNIQUE_ID,
	    sizeof(c->ha_proxy_unique_id));

	listener_defaults(&c->tsun, DEF_TSUN_PORT, DEF_TSUN_HOST);
	listener_defaults(&c->solarman, DEF_SOLARMAN_PORT, DEF_SOLARMAN_HOST);

	for (i = 0; i < sizeof(acl_tsun_allow) / sizeof(acl_tsun_allow[0]);
	    i++)
		if (conf_acl_add(&c->acl_tsun.allow, &c->acl_tsun.nallow,
		    acl_tsun_allow[i]) == -1)
			goto fail;
	for (i = 0; i < sizeof(acl_mqtt_allow) / sizeof(acl_mqtt_allow[0]);
	    i++)
		if (conf_acl_add(&c->acl_mqtt.allow, &c->acl_mqtt.nallow,
		    acl_mqtt_allow[i]) == -1)
			goto fail;
	return c;
fail:
	conf_free(c);
	return NULL;
}

void
conf_free(struct tsun_conf *c)
{
	struct conf_device	*d;

	if (c == NULL)
		return;
	while ((d = TAILQ_FIRST(&c->devices)) != NULL) {
		TAILQ_REMOVE(&c->devices, d, entry);
		free(d);
	}
	acl_clear(&c->acl_tsun);
	acl_clear(&c->acl_mqtt);
	/* the broker password lives in here */
	freezero(c, sizeof(*c));
}

struct conf_device *
conf_device_new(void)
{
	struct conf_device	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->modbus_polling = 1;
	/* the parser lowers this to 30 for client mode when not given */
	d->modbus_interval = DEF_MODBUS_INTERVAL;
	d->client_port = DEF_CLIENT_PORT;
	d->scan_step = DEF_SCAN_STEP;
	d->scan_bytes = DEF_SCAN_BYTES;
	return d;
}

struct conf_device *
conf_find_serial(const struct tsun_conf *c, const char *serial)
{
	struct conf_device	*d;

	TAILQ_FOREACH(d, &c->devices, entry)
		if (strcmp(d->serial, serial) == 0)
			return d;
	return NULL;
}

struct conf_device *
conf_find_monitor_sn(const struct tsun_conf *c, uint32_t sn)
{
	struct conf_device	*d;

	if (sn == 0)
		return NULL;
	TAILQ_FOREACH(d, &c->devices, entry)
		if (d->monitor_sn == sn)
			return d;
	return NULL;
}

struct conf_device *
conf_find_node_id(const struct tsun_conf *c, const char *node_id)
{
	struct conf_device	*d;

	/* an empty node_id addresses no device */
	if (node_id[0] == '\0')
		return NULL;
	TAILQ_FOREACH(d, &c->devices, entry)
		if (strcmp(d->node_id, node_id) == 0)
			return d;
	return NULL;
}

int
conf_acl_add(char ***list, int *n, const char *s)
{
	char	**nl, *dup;

	if ((dup = strdup(s)) == NULL)
		return -1;
	if ((nl = reallocarray(*list, *n + 1, sizeof(*nl))) == NULL) {
		free(dup);
		return -1;
	}
	nl[*n] = dup;
	*list = nl;
	(*n)++;
	return 0;
}
