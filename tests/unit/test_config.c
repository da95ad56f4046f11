/*
 * Configuration parsing: defaults, every validation rule with its
 * file:line message, optional blocks, include/${VAR}, printing back.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "cfgd/cfgd.h"

#define EXAMPLE	"etc/tsun-proxy.conf"

static char	 tmpdir[] = "/tmp/tsun-cfgtest.XXXXXX";
static char	*errtext;	/* what the last parse wrote to errs */

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static struct tsun_conf *
parse_path(const char *path, int as_root)
{
	struct tsun_conf	*c;
	size_t			 len;
	FILE			*errs;

	free(errtext);
	errtext = NULL;
	errs = open_memstream(&errtext, &len);
	ck_assert_ptr_nonnull(errs);
	c = config_parse(path, as_root, errs);
	fclose(errs);
	return c;
}

static struct tsun_conf *
parse_text(const char *text, int as_root)
{
	char	 path[512];

	write_file("t.conf", text, 0600);
	snprintf(path, sizeof(path), "%s/t.conf", tmpdir);
	return parse_path(path, as_root);
}

/* errtext has the line "<tmpdir>/<msg>" (msg starts with "file:line:") */
static int
has_msg(const char *msg)
{
	char	 want[1024];

	snprintf(want, sizeof(want), "%s/%s\n", tmpdir, msg);
	return errtext != NULL && strstr(errtext, want) != NULL;
}

static int
count_lines(int warnings)
{
	const char	*p, *nl, *w;
	int		 n = 0;

	for (p = errtext; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		w = strstr(p, ": warning: ");
		if ((w != NULL && w < nl) == warnings)
			n++;
	}
	return n;
}

#define ck_msg(m)	ck_assert_msg(has_msg(m), "missing \"%s\" in:\n%s", \
			    (m), errtext ? errtext : "")

static void
assert_listener_eq(const struct conf_listener *a,
    const struct conf_listener *b)
{
	ck_assert_int_eq(a->enabled, b->enabled);
	ck_assert_str_eq(a->listen_address, b->listen_address);
	ck_assert_int_eq(a->listen_port, b->listen_port);
	ck_assert_int_eq(a->cloud_enabled, b->cloud_enabled);
	ck_assert_str_eq(a->host, b->host);
	ck_assert_int_eq(a->port, b->port);
}

static void
assert_list_eq(char **a, int na, char **b, int nb)
{
	int	 i;

	ck_assert_int_eq(na, nb);
	for (i = 0; i < na; i++)
		ck_assert_str_eq(a[i], b[i]);
}

static void
assert_conf_eq(const struct tsun_conf *a, const struct tsun_conf *b,
    int passwd)
{
	const struct conf_device	*da, *db;
	int				 i;

	ck_assert_str_eq(a->user, b->user);
	ck_assert_str_eq(a->chroot, b->chroot);
	ck_assert_int_eq(a->max_connections, b->max_connections);
	ck_assert_str_eq(a->resolver, b->resolver);
	ck_assert_str_eq(a->control_socket, b->control_socket);
	ck_assert_int_eq(a->to_unidentified, b->to_unidentified);
	ck_assert_int_eq(a->to_before_up, b->to_before_up);
	ck_assert_int_eq(a->to_up, b->to_up);
	ck_assert_int_eq(a->to_up_polling, b->to_up_polling);
	ck_assert_str_eq(a->mqtt_host, b->mqtt_host);
	ck_assert_int_eq(a->mqtt_port, b->mqtt_port);
	ck_assert_str_eq(a->mqtt_user, b->mqtt_user);
	if (passwd)
		ck_assert_str_eq(a->mqtt_passwd, b->mqtt_passwd);
	ck_assert_str_eq(a->mqtt_client_id, b->mqtt_client_id);
	ck_assert_int_eq(a->mqtt_keepalive, b->mqtt_keepalive);
	ck_assert_int_eq(a->mqtt_tls, b->mqtt_tls);
	ck_assert_str_eq(a->tls_cafile, b->tls_cafile);
	ck_assert_str_eq(a->tls_certfile, b->tls_certfile);
	ck_assert_str_eq(a->tls_keyfile, b->tls_keyfile);
	ck_assert_int_eq(a->tls_insecure, b->tls_insecure);
	ck_assert_str_eq(a->ha_auto_conf_prefix, b->ha_auto_conf_prefix);
	ck_assert_str_eq(a->ha_discovery_prefix, b->ha_discovery_prefix);
	ck_assert_str_eq(a->ha_entity_prefix, b->ha_entity_prefix);
	ck_assert_str_eq(a->ha_proxy_node_id, b->ha_proxy_node_id);
	ck_assert_str_eq(a->ha_proxy_unique_id, b->ha_proxy_unique_id);
	assert_listener_eq(&a->tsun, &b->tsun);
	assert_listener_eq(&a->solarman, &b->solarman);
	ck_assert_int_eq(a->allow_all, b->allow_all);
	assert_list_eq(a->acl_tsun.allow, a->acl_tsun.nallow,
	    b->acl_tsun.allow, b->acl_tsun.nallow);
	assert_list_eq(a->acl_tsun.block, a->acl_tsun.nblock,
	    b->acl_tsun.block, b->acl_tsun.nblock);
	assert_list_eq(a->acl_mqtt.allow, a->acl_mqtt.nallow,
	    b->acl_mqtt.allow, b->acl_mqtt.nallow);
	assert_list_eq(a->acl_mqtt.block, a->acl_mqtt.nblock,
	    b->acl_mqtt.block, b->acl_mqtt.nblock);

	ck_assert_int_eq(a->ndevices, b->ndevices);
	for (da = TAILQ_FIRST(&a->devices), db = TAILQ_FIRST(&b->devices);
	    da != NULL && db != NULL;
	    da = TAILQ_NEXT(da, entry), db = TAILQ_NEXT(db, entry)) {
		ck_assert_int_eq(da->kind, db->kind);
		ck_assert_str_eq(da->serial, db->serial);
		ck_assert_uint_eq(da->monitor_sn, db->monitor_sn);
		ck_assert_str_eq(da->node_id, db->node_id);
		ck_assert_str_eq(da->suggested_area, db->suggested_area);
		ck_assert_int_eq(da->modbus_polling, db->modbus_polling);
		ck_assert_int_eq(da->modbus_interval, db->modbus_interval);
		ck_assert_int_eq(da->modbus_interval_set,
		    db->modbus_interval_set);
		ck_assert_int_eq(da->sensor_list, db->sensor_list);
		ck_assert_int_eq(da->client_mode, db->client_mode);
		ck_assert_str_eq(da->client_host, db->client_host);
		ck_assert_int_eq(da->client_port, db->client_port);
		ck_assert_int_eq(da->client_forward, db->client_forward);
		ck_assert_int_eq(da->scanning, db->scanning);
		ck_assert_int_eq(da->scan_start, db->scan_start);
		ck_assert_int_eq(da->scan_step, db->scan_step);
		ck_assert_int_eq(da->scan_bytes, db->scan_bytes);
		for (i = 0; i < MAX_PV; i++) {
			ck_assert_int_eq(da->pv[i].present, db->pv[i].present);
			ck_assert_str_eq(da->pv[i].type, db->pv[i].type);
			ck_assert_str_eq(da->pv[i].manufacturer,
			    db->pv[i].manufacturer);
		}
	}
	ck_assert_ptr_null(da);
	ck_assert_ptr_null(db);
}

static struct conf_device *
nth_device(struct tsun_conf *c, int n)
{
	struct conf_device	*d;

	TAILQ_FOREACH(d, &c->devices, entry)
		if (n-- == 0)
			return d;
	return NULL;
}

START_TEST(test_example_parses)
{
	struct tsun_conf	*c;
	struct conf_device	*d;

	c = parse_path(EXAMPLE, 0);
	ck_assert_msg(c != NULL, "example rejected:\n%s", errtext);
	ck_assert_int_eq(count_lines(0), 0);
	/* only the "not root" note */
	ck_assert_int_eq(count_lines(1), 1);
	ck_assert_ptr_nonnull(strstr(errtext, "not running as root"));
	ck_assert_int_eq(c->ndevices, 2);
	d = conf_find_serial(c, "R170000000000001");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->kind, DEV_GEN3);
	ck_assert_str_eq(d->node_id, "inv_1");
	ck_assert_int_eq(d->modbus_polling, 0);
	ck_assert_int_eq(d->pv[0].present, 1);
	ck_assert_int_eq(d->pv[1].present, 1);
	ck_assert_int_eq(d->pv[2].present, 0);
	ck_assert_str_eq(d->pv[0].type, "RSM40-8-395M");
	d = conf_find_monitor_sn(c, 2000000000);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->kind, DEV_GEN3PLUS);
	ck_assert_str_eq(d->serial, "Y170000000000001");
	ck_assert_ptr_eq(conf_find_node_id(c, "inv_2"), d);
	ck_assert_int_eq(d->client_mode, 0);
	ck_assert_int_eq(d->scanning, 0);
	ck_assert_int_eq(d->line, 92);
	conf_free(c);
}
END_TEST

/* the example file shows the defaults: apart from devices it is conf_new() */
START_TEST(test_example_shows_defaults)
{
	struct tsun_conf	*c, *def;
	struct conf_device	*d;

	c = parse_path(EXAMPLE, 0);
	ck_assert_ptr_nonnull(c);
	while ((d = TAILQ_FIRST(&c->devices)) != NULL) {
		TAILQ_REMOVE(&c->devices, d, entry);
		free(d);
		c->ndevices--;
	}
	def = conf_new();
	assert_conf_eq(c, def, 1);
	conf_free(def);
	conf_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct tsun_conf	*c, *def;

	def = conf_new();
	ck_assert_ptr_nonnull(def);
	ck_assert_str_eq(def->user, "_tsunproxy");
	ck_assert_str_eq(def->chroot, "/var/empty");
	ck_assert_int_eq(def->max_connections, 1024);
	ck_assert_str_eq(def->resolver, "");
	ck_assert_str_eq(def->control_socket, "/var/run/tsun-proxy.sock");
	ck_assert_int_eq(def->to_unidentified, 30);
	ck_assert_int_eq(def->to_before_up, 400);
	ck_assert_int_eq(def->to_up, 360);
	ck_assert_int_eq(def->to_up_polling, 120);
	ck_assert_str_eq(def->mqtt_host, "mqtt");
	ck_assert_int_eq(def->mqtt_port, 1883);
	ck_assert_int_eq(def->mqtt_keepalive, 60);
	ck_assert_int_eq(def->mqtt_tls, 0);
	ck_assert_str_eq(def->tls_cafile, "/etc/ssl/certs/ca-certificates.crt");
	ck_assert_str_eq(def->ha_auto_conf_prefix, "homeassistant");
	ck_assert_str_eq(def->ha_discovery_prefix, "homeassistant");
	ck_assert_str_eq(def->ha_entity_prefix, "tsun");
	ck_assert_str_eq(def->ha_proxy_node_id, "proxy");
	ck_assert_str_eq(def->ha_proxy_unique_id, "P170000000000001");
	ck_assert_int_eq(def->tsun.enabled, 1);
	ck_assert_str_eq(def->tsun.listen_address, "*");
	ck_assert_int_eq(def->tsun.listen_port, 5005);
	ck_assert_str_eq(def->tsun.host, "logger.talent-monitoring.com");
	ck_assert_int_eq(def->tsun.port, 5005);
	ck_assert_int_eq(def->solarman.listen_port, 10000);
	ck_assert_str_eq(def->solarman.host, "iot.talent-monitoring.com");
	ck_assert_int_eq(def->solarman.port, 10000);
	ck_assert_int_eq(def->allow_all, 0);
	ck_assert_int_eq(def->acl_tsun.nallow, 3);
	ck_assert_str_eq(def->acl_tsun.allow[1], "AT+UPURL");
	ck_assert_int_eq(def->acl_mqtt.nallow, 1);
	ck_assert_str_eq(def->acl_mqtt.allow[0], "AT+");
	ck_assert_int_eq(def->acl_tsun.nblock, 0);
	ck_assert_int_eq(def->ndevices, 0);
	ck_assert_ptr_null(TAILQ_FIRST(&def->devices));

	/* an empty file, and empty blocks: libconfuse's defaults agree */
	c = parse_text("", 0);
	ck_assert_ptr_nonnull(c);
	assert_conf_eq(c, def, 1);
	conf_free(c);
	c = parse_text("timeouts {}\nmqtt {}\nha {}\ntsun {}\nsolarman {}\n"
	    "inverters {}\nat_acl { tsun {} mqtt {} }\n", 0);
	ck_assert_ptr_nonnull(c);
	assert_conf_eq(c, def, 1);
	ck_assert_int_eq(c->mqtt_tls, 0);
	conf_free(c);
	conf_free(def);
}
END_TEST

START_TEST(test_device_defaults)
{
	struct tsun_conf	*c;
	struct conf_device	*d;

	d = conf_device_new();
	ck_assert_int_eq(d->modbus_polling, 1);
	ck_assert_int_eq(d->modbus_interval, 60);
	ck_assert_int_eq(d->client_port, 8899);
	ck_assert_int_eq(d->scan_step, 1024);
	ck_assert_int_eq(d->scan_bytes, 16);
	free(d);

	c = parse_text(
	    "inverter \"R170000000000001\" {}\n"
	    "inverter \"Y170000000000001\" {\n"
	    "  monitor_sn = 1\n"
	    "  client_mode { host = \"10.0.0.1\" }\n"
	    "}\n"
	    "inverter \"Y170000000000002\" {\n"
	    "  monitor_sn = 2 modbus_interval = 45\n"
	    "  client_mode { host = \"10.0.0.2\" port = 1 forward = yes }\n"
	    "  modbus_scanning { start = 0x3000 }\n"
	    "}\n"
	    "battery \"4100000000000001\" { monitor_sn = 3 }\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_int_eq(c->ndevices, 4);
	d = nth_device(c, 0);
	ck_assert_int_eq(d->kind, DEV_GEN3);
	ck_assert_uint_eq(d->monitor_sn, 0);
	ck_assert_str_eq(d->node_id, "");
	ck_assert_int_eq(d->modbus_polling, 1);
	ck_assert_int_eq(d->modbus_interval, 60);
	ck_assert_int_eq(d->modbus_interval_set, 0);
	ck_assert_int_eq(d->sensor_list, 0);
	ck_assert_int_eq(d->client_mode, 0);
	ck_assert_int_eq(d->scanning, 0);
	ck_assert_int_eq(d->line, 1);
	d = nth_device(c, 1);
	ck_assert_int_eq(d->kind, DEV_GEN3PLUS);
	ck_assert_int_eq(d->client_mode, 1);
	ck_assert_str_eq(d->client_host, "10.0.0.1");
	ck_assert_int_eq(d->client_port, 8899);
	ck_assert_int_eq(d->client_forward, 0);
	/* client mode without modbus_interval: 30 */
	ck_assert_int_eq(d->modbus_interval, 30);
	ck_assert_int_eq(d->modbus_interval_set, 0);
	ck_assert_int_eq(d->line, 2);
	d = nth_device(c, 2);
	ck_assert_int_eq(d->modbus_interval, 45);
	ck_assert_int_eq(d->modbus_interval_set, 1);
	ck_assert_int_eq(d->client_port, 1);
	ck_assert_int_eq(d->client_forward, 1);
	ck_assert_int_eq(d->scanning, 1);
	ck_assert_int_eq(d->scan_start, 0x3000);
	ck_assert_int_eq(d->scan_step, 1024);
	ck_assert_int_eq(d->scan_bytes, 16);
	d = nth_device(c, 3);
	ck_assert_int_eq(d->kind, DEV_BATTERY);
	ck_assert_uint_eq(d->monitor_sn, 3);
	ck_assert_int_eq(d->line, 11);
	conf_free(c);
}
END_TEST

/* one bad file per rule: its error text with file:line */
static const struct {
	const char	*text;
	const char	*msg;
} bad[] = {
	{ "user = \"\"\n", "t.conf:1: user may not be empty" },
	{ "\nchroot = \"var\"\n",
	    "t.conf:2: chroot \"var\" is not an absolute path" },
	{ "max_connections = 0\n",
	    "t.conf:1: max_connections 0 out of range 1..100000" },
	{ "max_connections = 100001\n",
	    "t.conf:1: max_connections 100001 out of range 1..100000" },
	{ "resolver = \"dns.example\"\n",
	    "t.conf:1: resolver \"dns.example\" is not an IPv4 or IPv6 "
	    "address" },
	{ "control_socket = \"tsun.sock\"\n",
	    "t.conf:1: control_socket \"tsun.sock\" is not an absolute path" },
	{ "timeouts {\n up = 0\n}\n",
	    "t.conf:1: timeouts.up 0 out of range 1..86400" },
	{ "\nmqtt {\n port = 0\n}\n",
	    "t.conf:2: mqtt.port 0 out of range 1..65535" },
	{ "mqtt { port = 65536 }\n",
	    "t.conf:1: mqtt.port 65536 out of range 1..65535" },
	{ "mqtt { keepalive = 4 }\n",
	    "t.conf:1: mqtt.keepalive 4 out of range 5..3600" },
	{ "mqtt { keepalive = 3601 }\n",
	    "t.conf:1: mqtt.keepalive 3601 out of range 5..3600" },
	{ "mqtt {\n tls {}\n tls {}\n}\n",
	    "t.conf:3: mqtt.tls block given more than once" },
	{ "mqtt {}\nmqtt {}\n", "t.conf:2: mqtt block given more than once" },
	{ "mqtt { tls { keyfile = \"/k\" } }\n",
	    "t.conf:1: mqtt.tls.keyfile needs certfile" },
	{ "ha { discovery_prefix = \"home+\" }\n",
	    "t.conf:1: ha.discovery_prefix \"home+\" may not contain '+' or "
	    "'#'" },
	{ "ha { entity_prefix = \"ts#\" }\n",
	    "t.conf:1: ha.entity_prefix \"ts#\" may not contain '+' or '#'" },
	{ "ha { auto_conf_prefix = \"a/+/b\" }\n",
	    "t.conf:1: ha.auto_conf_prefix \"a/+/b\" may not contain '+' or "
	    "'#'" },
	{ "ha { proxy_node_id = \"#\" }\n",
	    "t.conf:1: ha.proxy_node_id \"#\" may not contain '+' or '#'" },
	{ "tsun { listen_port = 0 }\n",
	    "t.conf:1: tsun.listen_port 0 out of range 1..65535" },
	{ "solarman { port = 65536 }\n",
	    "t.conf:1: solarman.port 65536 out of range 1..65535" },
	{ "tsun { listen_address = \"a b\" }\n",
	    "t.conf:1: tsun.listen_address \"a b\" is not '*', an address or "
	    "a host name" },
	{ "solarman { host = \"\" }\n",
	    "t.conf:1: solarman.host \"\" is not a host name or address" },
	{ "at_acl {\n mqtt {}\n mqtt {}\n}\n",
	    "t.conf:3: at_acl.mqtt block given more than once" },
	{ "inverter \"R17000000000001\" {}\n",
	    "t.conf:1: inverter \"R17000000000001\": serial must be 16 "
	    "characters of [0-9A-Za-z]" },
	{ "inverter \"R17000000000000-1\" {}\n",
	    "t.conf:1: inverter \"R17000000000000-1\": serial must be 16 "
	    "characters of [0-9A-Za-z]" },
	{ "inverter \"R170000000000001\" {}\n"
	    "battery \"R170000000000001\" { monitor_sn = 1 }\n",
	    "t.conf:2: battery \"R170000000000001\": serial already "
	    "configured at line 1" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 0\n}\n",
	    "t.conf:1: inverter \"Y170000000000001\": monitor_sn \"0\" is too "
	    "small (1..4294967295)" },
	{ "inverter \"Y170000000000001\" { monitor_sn = 4294967296 }\n",
	    "t.conf:1: inverter \"Y170000000000001\": monitor_sn "
	    "\"4294967296\" is too large (1..4294967295)" },
	{ "inverter \"Y170000000000001\" { monitor_sn = \"12a\" }\n",
	    "t.conf:1: inverter \"Y170000000000001\": monitor_sn \"12a\" is "
	    "invalid (1..4294967295)" },
	{ "inverter \"Y170000000000001\" { monitor_sn = 7 }\n"
	    "battery \"4100000000000001\" { monitor_sn = 7 }\n",
	    "t.conf:2: battery \"4100000000000001\": monitor_sn 7 already "
	    "used by \"Y170000000000001\"" },
	{ "inverter \"Y170000000000001\" {}\n",
	    "t.conf:1: inverter \"Y170000000000001\": a GEN3PLUS serial needs "
	    "monitor_sn" },
	{ "battery \"4100000000000001\" {}\n",
	    "t.conf:1: battery \"4100000000000001\": monitor_sn is required" },
	{ "inverter \"R170000000000001\" { node_id = \"a+\" }\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"a+\" may not "
	    "contain '+' or '#'" },
	{ "inverter \"R170000000000001\" { node_id = \"#\" }\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"#\" may not "
	    "contain '+' or '#'" },
	{ "inverter \"R170000000000001\" { node_id = \"/inv\" }\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"/inv\" may "
	    "not start with '/'" },
	/* topic levels and unique_id parts: [A-Za-z0-9_-] only */
	{ "inverter \"R170000000000001\" { node_id = \"a/b\" }\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"a/b\" may "
	    "only contain letters, digits, '_' and '-'" },
	{ "inverter \"R170000000000001\" { node_id = \"a b\" }\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"a b\" may "
	    "only contain letters, digits, '_' and '-'" },
	{ "inverter \"R170000000000001\" {\n node_id = \"proxy\"\n}\n",
	    "t.conf:1: inverter \"R170000000000001\": node_id \"proxy\" is "
	    "the proxy's own (ha.proxy_node_id)" },
	{ "ha { proxy_node_id = \"p1\" }\n"
	    "inverter \"R170000000000001\" { node_id = \"p1/\" }\n",
	    "t.conf:2: inverter \"R170000000000001\": node_id \"p1\" is "
	    "the proxy's own (ha.proxy_node_id)" },
	{ "ha { proxy_unique_id = \"P17#\" }\n",
	    "t.conf:1: ha.proxy_unique_id \"P17#\" may not contain '+' or "
	    "'#'" },
	{ "ha {\n proxy_unique_id = \"P17/1\"\n}\n",
	    "t.conf:1: ha.proxy_unique_id \"P17/1\" may only contain "
	    "letters, digits, '_' and '-'" },
	{ "ha { proxy_unique_id = \"P17 1\" }\n",
	    "t.conf:1: ha.proxy_unique_id \"P17 1\" may only contain "
	    "letters, digits, '_' and '-'" },
	{ "ha { proxy_unique_id = \"\" }\n",
	    "t.conf:1: ha.proxy_unique_id may not be empty" },
	{ "ha { proxy_node_id = \"a/b\" }\n",
	    "t.conf:1: ha.proxy_node_id \"a/b\" may only contain "
	    "letters, digits, '_' and '-'" },
	/* the workers would crash-loop on "could regain root" */
	{ "\nuser = \"root\"\n",
	    "t.conf:2: user \"root\" has uid 0: the workers must not run as "
	    "root" },
	/* an unset variable is an error, not an empty string */
	{ "mqtt {\n host = \"${TSUN_TEST_UNSET_XYZ}\"\n}\n",
	    "t.conf:2: ${TSUN_TEST_UNSET_XYZ}: environment variable "
	    "TSUN_TEST_UNSET_XYZ is not set" },
	{ "inverter \"R170000000000001\" { node_id = \"inv\" }\n"
	    "inverter \"R170000000000002\" { node_id = \"inv/\" }\n",
	    "t.conf:2: inverter \"R170000000000002\": node_id \"inv\" already "
	    "used by \"R170000000000001\"" },
	{ "inverter \"R170000000000001\" { node_id = \"a\\0b\" }\n",
	    "t.conf:1: NUL character in string" },
	{ "mqtt {\n user = \"a\\x0\"\n}\n",
	    "t.conf:2: NUL character in string" },
	{ "inverter \"R170000000000001\" { modbus_interval = 9 }\n",
	    "t.conf:1: inverter \"R170000000000001\": modbus_interval 9 out of "
	    "range 10..3600" },
	{ "inverter \"R170000000000001\" { modbus_interval = 3601 }\n",
	    "t.conf:1: inverter \"R170000000000001\": modbus_interval 3601 out "
	    "of range 10..3600" },
	{ "inverter \"R170000000000001\" { sensor_list = 65536 }\n",
	    "t.conf:1: inverter \"R170000000000001\": sensor_list 65536 out of "
	    "range 0..65535" },
	{ "inverter \"R170000000000001\" { sensor_list = -1 }\n",
	    "t.conf:1: inverter \"R170000000000001\": sensor_list -1 out of "
	    "range 0..65535" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " client_mode { port = 8899 }\n}\n",
	    "t.conf:3: inverter \"Y170000000000001\": client_mode.host is "
	    "required" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " client_mode { host = \"h\" port = 0 }\n}\n",
	    "t.conf:3: inverter \"Y170000000000001\": client_mode.port 0 out of "
	    "range 1..65535" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " client_mode { host = \"h\" }\n client_mode { host = \"h\" }\n}\n",
	    "t.conf:4: inverter \"Y170000000000001\": client_mode block given "
	    "more than once" },
	{ "inverter \"R170000000000001\" {\n"
	    " client_mode { host = \"h\" }\n}\n",
	    "t.conf:2: inverter \"R170000000000001\": client_mode is only "
	    "for GEN3PLUS devices (with monitor_sn)" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " modbus_scanning { step = 1 }\n}\n",
	    "t.conf:3: inverter \"Y170000000000001\": modbus_scanning.start is "
	    "required" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " modbus_scanning { start = 0 bytes = 0 }\n}\n",
	    "t.conf:3: inverter \"Y170000000000001\": modbus_scanning.bytes 0 "
	    "out of range 1..80" },
	{ "inverter \"Y170000000000001\" {\n monitor_sn = 1\n"
	    " modbus_scanning { start = 0 bytes = 81 }\n}\n",
	    "t.conf:3: inverter \"Y170000000000001\": modbus_scanning.bytes 81 "
	    "out of range 1..80" },
	{ "inverter \"R170000000000001\" {\n pv1 {}\n\n pv1 {}\n}\n",
	    "t.conf:4: inverter \"R170000000000001\": pv1 block given more "
	    "than once" },
	{ "battery \"4100000000000001\" {\n monitor_sn = 1\n pv1 {}\n"
	    " pv3 {}\n}\n",
	    "t.conf:4: battery \"4100000000000001\": pv3: batteries have pv1 "
	    "and pv2 only" },
	{ "inverter \"R170000000000001\" {\n pv2 { type = \""
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "\" }\n}\n",
	    "t.conf:2: inverter \"R170000000000001\": pv2.type is too long "
	    "(at most 63 characters)" },
	/* libconfuse's own errors stop the parse and name the line */
	{ "mqtt {\n  hots = \"x\"\n}\n", "t.conf:2: no such option 'hots'" },
	{ "mqtt {\n port = \"abc\"\n}\n",
	    "t.conf:2: invalid integer value for option 'port'" },
	{ "inverters { allow_all = maybe }\n",
	    "t.conf:1: invalid boolean value for option 'allow_all'" },
	{ "inverter \"R170000000000001\" {}\n\n"
	    "inverter \"R170000000000001\" {}\n",
	    "t.conf:3: found duplicate title 'R170000000000001'" },
	{ "mqtt {\n tls {\n}\n", "t.conf:1: '{' is never closed" },
	{ "mqtt {\n}\n}\n", "t.conf:3: unexpected closing brace" },
	{ "mqtt { host = \"x }\n", "t.conf:1: unterminated string" },
	{ "/* open\n\n", "t.conf:1: unterminated comment" },
	/* comments do not shift line numbers (libconfuse 3.3 would) */
	{ "# one\n// two\n/* three\n four */\nmqtt { # five\n"
	    "  port = 1 // six\n  bogus = 1\n}\n",
	    "t.conf:7: no such option 'bogus'" },
};

START_TEST(test_bad_files)
{
	struct tsun_conf	*c;

	c = parse_text(bad[_i].text, 0);
	ck_assert_msg(c == NULL, "accepted: %s", bad[_i].text);
	ck_msg(bad[_i].msg);
	/* each of these files has exactly one error */
	ck_assert_msg(count_lines(0) == 1, "not one error line:\n%s",
	    errtext);
}
END_TEST

START_TEST(test_all_errors_reported)
{
	ck_assert_ptr_null(parse_text(
	    "max_connections = 0\n"
	    "mqtt {\n"
	    "  port = 0\n"
	    "}\n"
	    "inverter \"R170000000000001\" { sensor_list = 70000 }\n", 0));
	ck_assert_int_eq(count_lines(0), 3);
	ck_msg("t.conf:1: max_connections 0 out of range 1..100000");
	ck_msg("t.conf:2: mqtt.port 0 out of range 1..65535");
	ck_msg("t.conf:5: inverter \"R170000000000001\": sensor_list 70000 "
	    "out of range 0..65535");
}
END_TEST

START_TEST(test_optional_blocks)
{
	struct tsun_conf	*c;
	struct conf_device	*d;

	c = parse_text("mqtt { tls { certfile = \"/c\" keyfile = \"/k\" "
	    "insecure = on } }\n"
	    "inverter \"Y170000000000001\" {\n"
	    "  monitor_sn = 5\n"
	    "  modbus_scanning { start = 4096 step = 16 bytes = 80 }\n"
	    "  pv3 { type = \"t\" manufacturer = \"m\" }\n"
	    "}\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_int_eq(c->mqtt_tls, 1);
	ck_assert_str_eq(c->tls_cafile, "/etc/ssl/certs/ca-certificates.crt");
	ck_assert_str_eq(c->tls_certfile, "/c");
	ck_assert_str_eq(c->tls_keyfile, "/k");
	ck_assert_int_eq(c->tls_insecure, 1);
	d = nth_device(c, 0);
	ck_assert_int_eq(d->client_mode, 0);
	ck_assert_int_eq(d->scanning, 1);
	ck_assert_int_eq(d->scan_start, 4096);
	ck_assert_int_eq(d->scan_step, 16);
	ck_assert_int_eq(d->scan_bytes, 80);
	ck_assert_int_eq(d->pv[0].present, 0);
	ck_assert_int_eq(d->pv[2].present, 1);
	ck_assert_str_eq(d->pv[2].type, "t");
	ck_assert_str_eq(d->pv[2].manufacturer, "m");
	conf_free(c);

	c = parse_text("mqtt { host = \"b\" }\n", 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->mqtt_tls, 0);
	ck_assert_str_eq(c->mqtt_host, "b");
	conf_free(c);
}
END_TEST

START_TEST(test_monitor_sn_range)
{
	struct tsun_conf	*c;

	c = parse_text("inverter \"Y170000000000001\" "
	    "{ monitor_sn = 4294967295 }\n"
	    "battery \"4100000000000001\" { monitor_sn = \"1\" }\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_uint_eq(nth_device(c, 0)->monitor_sn, 4294967295U);
	ck_assert_ptr_eq(conf_find_monitor_sn(c, 4294967295U),
	    nth_device(c, 0));
	ck_assert_ptr_eq(conf_find_monitor_sn(c, 1), nth_device(c, 1));
	ck_assert_ptr_null(conf_find_monitor_sn(c, 2));
	/* 0 means "no monitor SN" and never matches a GEN3 device */
	ck_assert_ptr_null(conf_find_monitor_sn(c, 0));
	conf_free(c);

	ck_assert_ptr_null(parse_text("inverter \"Y170000000000001\" "
	    "{ monitor_sn = 4294967296 }\n", 0));
	ck_msg("t.conf:1: inverter \"Y170000000000001\": monitor_sn "
	    "\"4294967296\" is too large (1..4294967295)");
}
END_TEST

START_TEST(test_node_id)
{
	struct tsun_conf	*c;

	c = parse_text("inverter \"R170000000000001\" {\n"
	    "  node_id = \"roof_inv-1//\"\n}\n"
	    "inverter \"R170000000000002\" {}\n"
	    "inverter \"R470000000000003\" {}\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_str_eq(nth_device(c, 0)->node_id, "roof_inv-1");
	ck_msg("t.conf:1: warning: inverter \"R170000000000001\": trailing "
	    "'/' of node_id \"roof_inv-1//\" removed");
	ck_assert_ptr_eq(conf_find_node_id(c, "roof_inv-1"), nth_device(c, 0));
	/* several empty node_ids are allowed, and address nothing */
	ck_assert_ptr_null(conf_find_node_id(c, ""));
	ck_assert_ptr_null(conf_find_node_id(c, "roof_inv-1/"));
	conf_free(c);
}
END_TEST

START_TEST(test_warnings)
{
	struct tsun_conf	*c;
	char			 path[512];

	c = parse_text("inverter \"X170000000000001\" {}\n"
	    "inverter \"Z170000000000001\" { monitor_sn = 1 }\n"
	    "battery \"5000000000000001\" { monitor_sn = 2 }\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_int_eq(c->ndevices, 3);
	ck_msg("t.conf:1: warning: inverter \"X170000000000001\": unknown "
	    "serial prefix for a GEN3 inverter (known: R17, R47)");
	ck_msg("t.conf:2: warning: inverter \"Z170000000000001\": unknown "
	    "serial prefix for a GEN3PLUS inverter (known: Y00, Y17, Y47)");
	ck_msg("t.conf:3: warning: battery \"5000000000000001\": unknown "
	    "serial prefix for a battery (known: 410, Y00)");
	ck_assert_int_eq(count_lines(0), 0);
	conf_free(c);

	/* a password in a file others can read */
	write_file("pw.conf", "\nmqtt {\n passwd = \"s3cret\"\n}\n", 0644);
	snprintf(path, sizeof(path), "%s/pw.conf", tmpdir);
	c = parse_path(path, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->mqtt_passwd, "s3cret");
	ck_msg("pw.conf:2: warning: mqtt.passwd is in a file readable by "
	    "others");
	conf_free(c);
	write_file("pw.conf", "\nmqtt {\n passwd = \"s3cret\"\n}\n", 0600);
	c = parse_path(path, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(strstr(errtext, "readable by others"));
	ck_assert_ptr_null(strstr(errtext, "s3cret"));
	conf_free(c);
}
END_TEST

START_TEST(test_as_root)
{
	struct tsun_conf	*c;
	char			 dir[512], text[1024];

	c = parse_text("user = \"no-such-user-xyz\"\n", 1);
	ck_assert_ptr_null(c);
	ck_msg("t.conf:1: user \"no-such-user-xyz\" does not exist");

	c = parse_text("user = \"nobody\"\nchroot = \"/nonexistent-xyz\"\n",
	    1);
	ck_assert_ptr_null(c);
	ck_msg("t.conf:2: chroot \"/nonexistent-xyz\": No such file or "
	    "directory");

	c = parse_text("user = \"nobody\"\nchroot = \"/etc/passwd\"\n", 1);
	ck_assert_ptr_null(c);
	ck_msg("t.conf:2: chroot \"/etc/passwd\" is not a directory");

	if (geteuid() != 0)
		return;		/* cannot make root-owned test files */
	c = parse_text("user = \"nobody\"\nchroot = \"/\"\n", 1);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_ptr_null(strstr(errtext, "not running as root"));
	conf_free(c);

	snprintf(dir, sizeof(dir), "%s/empty", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	snprintf(text, sizeof(text), "user = \"nobody\"\nchroot = \"%s\"\n",
	    dir);
	ck_assert_ptr_null(parse_text(text, 1));
	ck_assert_ptr_nonnull(strstr(errtext, "is writable by group or "
	    "others"));
	ck_assert_int_eq(chown(dir, 1, 0), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_ptr_null(parse_text(text, 1));
	ck_assert_ptr_nonnull(strstr(errtext, "is not owned by root"));
	ck_assert_int_eq(chown(dir, 0, 0), 0);
	c = parse_text(text, 1);
	ck_assert_msg(c != NULL, "%s", errtext);
	conf_free(c);
}
END_TEST

START_TEST(test_include_and_env)
{
	struct tsun_conf	*c;
	char			 path[512];

	setenv("TSUN_TEST_HOST", "broker.example", 1);
	write_file("inc_mqtt.conf", "# mqtt part\n\nport = 8883\n"
	    "host = \"${TSUN_TEST_HOST}\"\n", 0600);
	write_file("main.conf", "# main\nmqtt {\n"
	    "    include(\"inc_mqtt.conf\") keepalive = 30\n}\n"
	    "include(\"inc_dev.conf\")\n", 0600);
	write_file("inc_dev.conf", "/* a device */\n"
	    "inverter \"R170000000000001\" { node_id = \"inv\" }\n", 0600);
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	c = parse_path(path, 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_str_eq(c->mqtt_host, "broker.example");
	ck_assert_int_eq(c->mqtt_port, 8883);
	ck_assert_int_eq(c->mqtt_keepalive, 30);
	ck_assert_int_eq(c->ndevices, 1);
	ck_assert_str_eq(nth_device(c, 0)->node_id, "inv");
	ck_assert_int_eq(nth_device(c, 0)->line, 2);
	conf_free(c);

	/* errors name the included file and its line, and ours after it */
	write_file("inc_mqtt.conf", "# mqtt part\n\nport = 8883\n"
	    "bogus = 1\n", 0600);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_msg("inc_mqtt.conf:4: no such option (the text of an included "
	    "file is not shown)");
	write_file("inc_mqtt.conf", "port = 0\n", 0600);
	write_file("main.conf", "# main\nmqtt {\n"
	    "    include(\"inc_mqtt.conf\") keepalive = 3\n}\n", 0600);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_msg("main.conf:2: mqtt.port 0 out of range 1..65535");
	ck_msg("main.conf:2: mqtt.keepalive 3 out of range 5..3600");
	write_file("main.conf", "\n\ninclude(\"missing.conf\")\n", 0600);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_assert_ptr_nonnull(strstr(errtext, "main.conf:3: include \""));
	ck_assert_ptr_nonnull(strstr(errtext, "missing.conf\": No such file"));
	write_file("loop.conf", "include(\"loop.conf\")\n", 0600);
	snprintf(path, sizeof(path), "%s/loop.conf", tmpdir);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_assert_ptr_nonnull(strstr(errtext, "nested too deeply"));
}
END_TEST

/* an included file that is no configuration: named, never echoed */
START_TEST(test_include_secret)
{
	char	 path[512];

	write_file("secret.txt", "\n s3cretPassw0rd\n", 0600);
	write_file("main.conf", "mqtt {\n  include(\"secret.txt\")\n}\n",
	    0600);
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_msg("secret.txt:2: no such option (the text of an included file "
	    "is not shown)");
	ck_assert_ptr_null(strstr(errtext, "s3cret"));
	/* the main file's own errors still say what is wrong */
	write_file("main.conf", "mqtt {\n  hots = 1\n}\n", 0600);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_msg("main.conf:2: no such option 'hots'");
}
END_TEST

START_TEST(test_env_default)
{
	struct tsun_conf	*c;

	unsetenv("TSUN_TEST_UNSET_XYZ");
	setenv("TSUN_TEST_SET_XYZ", "", 1);
	c = parse_text("mqtt { host = \"${TSUN_TEST_UNSET_XYZ:-dflt}\"\n"
	    " user = \"${TSUN_TEST_SET_XYZ}\" client_id = \"\\${NOPE}\" }\n",
	    0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_str_eq(c->mqtt_host, "dflt");
	ck_assert_str_eq(c->mqtt_user, "");
	ck_assert_str_eq(c->mqtt_client_id, "${NOPE}");
	conf_free(c);
	/* every unset one is named, in an included file with its line */
	ck_assert_ptr_null(parse_text("mqtt { host = \"${TSUN_A_XYZ}\"\n"
	    " user = \"x${TSUN_B_XYZ}y\" }\n", 0));
	ck_msg("t.conf:1: ${TSUN_A_XYZ}: environment variable TSUN_A_XYZ is "
	    "not set");
	ck_msg("t.conf:2: ${TSUN_B_XYZ}: environment variable TSUN_B_XYZ is "
	    "not set");
}
END_TEST

/* a file others can change is refused, as sshd does */
START_TEST(test_file_permissions)
{
	struct tsun_conf	*c;
	char			 path[512], want[1024];

	snprintf(path, sizeof(path), "%s/t.conf", tmpdir);
	write_file("t.conf", "mqtt { host = \"b\" }\n", 0666);
	ck_assert_ptr_null(parse_path(path, 0));
	snprintf(want, sizeof(want), "%s: is writable by others (mode 0666): "
	    "refusing to use it\n", path);
	ck_assert_str_eq(errtext, want);
	write_file("t.conf", "mqtt { host = \"b\" }\n", 0602);
	ck_assert_ptr_null(parse_path(path, 1));

	/* an included one is named at the include */
	write_file("inc.conf", "host = \"b\"\n", 0646);
	write_file("main.conf", "mqtt {\n include(\"inc.conf\")\n}\n", 0644);
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	ck_assert_ptr_null(parse_path(path, 0));
	ck_assert_ptr_nonnull(strstr(errtext, "main.conf:2: include \""));
	ck_assert_ptr_nonnull(strstr(errtext, "inc.conf\" is writable by "
	    "others (mode 0646): refusing to use it"));
	write_file("inc.conf", "host = \"b\"\n", 0644);
	c = parse_path(path, 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	conf_free(c);

	if (geteuid() != 0)
		return;		/* cannot give files away */
	c = parse_path(path, 1);
	ck_assert_msg(c != NULL, "%s", errtext);
	conf_free(c);
	snprintf(want, sizeof(want), "%s/inc.conf", tmpdir);
	ck_assert_int_eq(chown(want, 1, 0), 0);
	ck_assert_ptr_null(parse_path(path, 1));
	ck_assert_ptr_nonnull(strstr(errtext, "inc.conf\" is owned by uid 1, "
	    "not root: refusing to use it"));
	/* only root needs root's files */
	c = parse_path(path, 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	conf_free(c);
	ck_assert_int_eq(chown(path, 1, 0), 0);
	ck_assert_ptr_null(parse_path(path, 1));
	snprintf(want, sizeof(want), "%s: is owned by uid 1, not root: "
	    "refusing to use it\n", path);
	ck_assert_str_eq(errtext, want);
}
END_TEST

/* comments inside lists, which libconfuse 3.3 rejects on its own */
START_TEST(test_comments_in_lists)
{
	struct tsun_conf	*c;

	c = parse_text("at_acl {\n tsun {\n  allow = {\"AT+Z\", # reset\n"
	    "   \"AT+X\" // other\n  }\n  block = {\"AT+Y\"}\n }\n"
	    " mqtt { allow = {} }\n}\n"
	    "mqtt { host = \"a#b//c\" user = 'x#y' }\n", 0);
	ck_assert_msg(c != NULL, "%s", errtext);
	ck_assert_int_eq(c->acl_tsun.nallow, 2);
	ck_assert_str_eq(c->acl_tsun.allow[0], "AT+Z");
	ck_assert_str_eq(c->acl_tsun.allow[1], "AT+X");
	ck_assert_int_eq(c->acl_tsun.nblock, 1);
	ck_assert_str_eq(c->acl_tsun.block[0], "AT+Y");
	ck_assert_int_eq(c->acl_mqtt.nallow, 0);
	ck_assert_str_eq(c->mqtt_host, "a#b//c");
	ck_assert_str_eq(c->mqtt_user, "x#y");
	conf_free(c);
}
END_TEST

static const char *rich =
    "user = \"u\"\nchroot = \"/\"\nmax_connections = 5\n"
    "resolver = \"::1\"\ncontrol_socket = \"/tmp/s\"\n"
    "timeouts { unidentified = 1 before_up = 2 up = 3 up_polling = 4 }\n"
    "mqtt { host = \"h \\\"q\\\" \\\\ \\$x\" port = 1 user = \"me\"\n"
    "  passwd = \"TopSecret\" client_id = \"cid\" keepalive = 5\n"
    "  tls { cafile = \"/ca\" certfile = \"/c\" keyfile = \"/k\" "
    "insecure = true } }\n"
    "ha { auto_conf_prefix = \"a\" discovery_prefix = \"d\" "
    "entity_prefix = \"e\" proxy_node_id = \"p\" proxy_unique_id = \"u\" }\n"
    "tsun { listener = false listen_address = \"127.0.0.1\" "
    "listen_port = 6 enabled = off host = \"t.example\" port = 7 }\n"
    "solarman { listen_address = \"::\" listen_port = 8 host = \"10.1.1.1\" "
    "port = 9 }\n"
    "inverters { allow_all = yes }\n"
    "at_acl { tsun { allow = {} block = {\"AT+A\", \"AT+B\"} } "
    "mqtt { allow = {\"AT+C\"} } }\n"
    "inverter \"R470000000000001\" { node_id = \"n1\" "
    "suggested_area = \"Roof 'n' \\\"attic\\\"\" modbus_polling = false "
    "modbus_interval = 10 sensor_list = 0x3026\n"
    "  pv6 { type = \"x\" manufacturer = \"y\" } }\n"
    "inverter \"Y470000000000001\" { monitor_sn = 4294967295 "
    "node_id = \"n2\"\n"
    "  client_mode { host = \"192.0.2.1\" port = 1 forward = true }\n"
    "  modbus_scanning { start = 0 step = 2 bytes = 3 } }\n"
    "battery \"Y000000000000001\" { monitor_sn = 1 pv2 {} }\n";

START_TEST(test_print_roundtrip)
{
	struct tsun_conf	*a, *b;
	char			*text = NULL, path[512];
	size_t			 len;
	FILE			*f;

	a = parse_text(rich, 0);
	ck_assert_msg(a != NULL, "%s", errtext);
	ck_assert_str_eq(a->mqtt_host, "h \"q\" \\ $x");
	ck_assert_int_eq(nth_device(a, 0)->sensor_list, 0x3026);
	ck_assert_int_eq(nth_device(a, 1)->modbus_interval, 30);

	f = open_memstream(&text, &len);
	config_print(f, a);
	fclose(f);
	ck_assert_ptr_null(strstr(text, "TopSecret"));
	ck_assert_ptr_nonnull(strstr(text, "passwd = \"********\""));

	write_file("printed.conf", text, 0600);
	snprintf(path, sizeof(path), "%s/printed.conf", tmpdir);
	b = parse_path(path, 0);
	ck_assert_msg(b != NULL, "printed config rejected:\n%s\n%s", errtext,
	    text);
	ck_assert_str_eq(b->mqtt_passwd, "********");
	assert_conf_eq(a, b, 0);
	conf_free(a);
	conf_free(b);
	free(text);

	/* the example, too */
	a = parse_path(EXAMPLE, 0);
	ck_assert_ptr_nonnull(a);
	text = NULL;
	f = open_memstream(&text, &len);
	config_print(f, a);
	fclose(f);
	write_file("printed.conf", text, 0600);
	b = parse_path(path, 0);
	ck_assert_ptr_nonnull(b);
	assert_conf_eq(a, b, 1);
	conf_free(a);
	conf_free(b);
	free(text);
}
END_TEST

START_TEST(test_missing_file)
{
	ck_assert_ptr_null(parse_path("/nonexistent/tsun.conf", 0));
	ck_assert_str_eq(errtext, "/nonexistent/tsun.conf: No such file or "
	    "directory\n");
}
END_TEST

START_TEST(test_acl_add)
{
	char	**l = NULL;
	int	  n = 0;

	ck_assert_int_eq(conf_acl_add(&l, &n, "AT+A"), 0);
	ck_assert_int_eq(conf_acl_add(&l, &n, "AT+B"), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(l[0], "AT+A");
	ck_assert_str_eq(l[1], "AT+B");
	free(l[0]);
	free(l[1]);
	free(l);
}
END_TEST

static void
rm_tree(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[512];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (remove(p) == -1)
			rm_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	s = suite_create("config");
	tc = tcase_create("config");
	tcase_add_test(tc, test_example_parses);
	tcase_add_test(tc, test_example_shows_defaults);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_device_defaults);
	tcase_add_loop_test(tc, test_bad_files, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_optional_blocks);
	tcase_add_test(tc, test_monitor_sn_range);
	tcase_add_test(tc, test_node_id);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_as_root);
	tcase_add_test(tc, test_include_and_env);
	tcase_add_test(tc, test_include_secret);
	tcase_add_test(tc, test_env_default);
	tcase_add_test(tc, test_file_permissions);
	tcase_add_test(tc, test_comments_in_lists);
	tcase_add_test(tc, test_print_roundtrip);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_acl_add);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rm_tree(tmpdir);
	return failed == 0 ? 0 : 1;
}
