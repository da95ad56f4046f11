/*
 * Construction and lookup of struct tsun_conf.  The defaults here are the
 * ones of the configuration contract (config.md); cfgd/config.c keeps its
 * libconfuse tables in step with them.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

static const char *const acl_tsun_allow[] = { "AT+Z", "AT+UPURL",
    "AT+SUPDATE" };
static const char *const acl_mqtt_allow[] = { "AT+" };

static void
listener_defaults(struct conf_listener *l, int port, const char *host)
{
	l->enabled = 1;
	strlcpy(l->listen_address, "*", sizeof(l->listen_address));
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
	strlcpy(c->user, "_tsunproxy", sizeof(c->user));
	strlcpy(c->chroot, "/var/empty", sizeof(c->chroot));
	c->max_connections = 1024;
	strlcpy(c->control_socket, "/var/run/tsun-proxy.sock",
	    sizeof(c->control_socket));

	c->to_unidentified = 30;
	c->to_before_up = 400;
	c->to_up = 360;
	c->to_up_polling = 120;

	strlcpy(c->mqtt_host, "mqtt", sizeof(c->mqtt_host));
	c->mqtt_port = 1883;
	c->mqtt_keepalive = 60;
	strlcpy(c->tls_cafile, "/etc/ssl/certs/ca-certificates.crt",
	    sizeof(c->tls_cafile));

	strlcpy(c->ha_auto_conf_prefix, "homeassistant",
	    sizeof(c->ha_auto_conf_prefix));
	strlcpy(c->ha_discovery_prefix, "homeassistant",
	    sizeof(c->ha_discovery_prefix));
	strlcpy(c->ha_entity_prefix, "tsun", sizeof(c->ha_entity_prefix));
	strlcpy(c->ha_proxy_node_id, "proxy", sizeof(c->ha_proxy_node_id));
	strlcpy(c->ha_proxy_unique_id, "P170000000000001",
	    sizeof(c->ha_proxy_unique_id));

	listener_defaults(&c->tsun, 5005, "logger.talent-monitoring.com");
	listener_defaults(&c->solarman, 10000, "iot.talent-monitoring.com");

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
	d->modbus_interval = 60;
	d->client_port = 8899;
	d->scan_step = 1024;
	d->scan_bytes = 16;
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
