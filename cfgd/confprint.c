/*
 * tsun-proxy.conf printed back from the parsed configuration, for
 * tsun-cfgd -n -v: apart from config.c, which parses and checks it.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>

#include "common/conf.h"
#include "cfgd/cfgd.h"

#define PASSWD_MASK	"********"

static void
print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
		case '\\':
		case '$':	/* keeps ${ from being expanded on the way back */
			fprintf(f, "\\%c", *s);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fprintf(f, "\\x%02x", (unsigned char)*s);
			else
				fputc(*s, f);
		}
	}
	fputc('"', f);
}

static void
print_kv(FILE *f, int indent, const char *key, const char *val)
{
	fprintf(f, "%*s%s = ", indent * 4, "", key);
	print_str(f, val);
	fputc('\n', f);
}

static void
print_ki(FILE *f, int indent, const char *key, long val)
{
	fprintf(f, "%*s%s = %ld\n", indent * 4, "", key, val);
}

static void
print_kb(FILE *f, int indent, const char *key, int val)
{
	fprintf(f, "%*s%s = %s\n", indent * 4, "", key,
	    val ? "true" : "false");
}

static void
print_list(FILE *f, const char *key, char **l, int n)
{
	int	 i;

	fprintf(f, " %s = {", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", f);
		print_str(f, l[i]);
	}
	fputs("}", f);
}

static void
print_listener(FILE *f, const char *name, const struct conf_listener *l)
{
	fprintf(f, "\n%s {\n", name);
	print_kb(f, 1, "listener", l->enabled);
	print_kv(f, 1, "listen_address", l->listen_address);
	print_ki(f, 1, "listen_port", l->listen_port);
	print_kb(f, 1, "enabled", l->cloud_enabled);
	print_kv(f, 1, "host", l->host);
	print_ki(f, 1, "port", l->port);
	fputs("}\n", f);
}

static void
print_device(FILE *f, const struct conf_device *d)
{
	int	 i;

	fprintf(f, "\n%s ", d->kind == DEV_BATTERY ? "battery" : "inverter");
	print_str(f, d->serial);
	fputs(" {\n", f);
	if (d->monitor_sn != 0)
		fprintf(f, "    monitor_sn = %lu\n",
		    (unsigned long)d->monitor_sn);
	print_kv(f, 1, "node_id", d->node_id);
	print_kv(f, 1, "suggested_area", d->suggested_area);
	print_kb(f, 1, "modbus_polling", d->modbus_polling);
	if (d->modbus_interval_set)
		print_ki(f, 1, "modbus_interval", d->modbus_interval);
	else
		fprintf(f, "    # modbus_interval = %d (default)\n",
		    d->modbus_interval);
	print_ki(f, 1, "sensor_list", d->sensor_list);
	if (d->client_mode) {
		fputs("    client_mode {\n", f);
		print_kv(f, 2, "host", d->client_host);
		print_ki(f, 2, "port", d->client_port);
		print_kb(f, 2, "forward", d->client_forward);
		fputs("    }\n", f);
	}
	if (d->scanning)
		fprintf(f, "    modbus_scanning { start = %d step = %d "
		    "bytes = %d }\n", d->scan_start, d->scan_step,
		    d->scan_bytes);
	for (i = 0; i < MAX_PV; i++) {
		if (!d->pv[i].present)
			continue;
		fprintf(f, "    pv%d { type = ", i + 1);
		print_str(f, d->pv[i].type);
		fputs(" manufacturer = ", f);
		print_str(f, d->pv[i].manufacturer);
		fputs(" }\n", f);
	}
	fputs("}\n", f);
}

void
config_print(FILE *f, const struct tsun_conf *c)
{
	const struct conf_device	*d;

	print_kv(f, 0, "user", c->user);
	print_kv(f, 0, "chroot", c->chroot);
	print_ki(f, 0, "max_connections", c->max_connections);
	print_kv(f, 0, "resolver", c->resolver);
	print_kv(f, 0, "control_socket", c->control_socket);

	fputs("\ntimeouts {\n", f);
	print_ki(f, 1, "unidentified", c->to_unidentified);
	print_ki(f, 1, "before_up", c->to_before_up);
	print_ki(f, 1, "up", c->to_up);
	print_ki(f, 1, "up_polling", c->to_up_polling);
	fputs("}\n", f);

	fputs("\nmqtt {\n", f);
	print_kv(f, 1, "host", c->mqtt_host);
	print_ki(f, 1, "port", c->mqtt_port);
	print_kv(f, 1, "user", c->mqtt_user);
	print_kv(f, 1, "passwd", c->mqtt_passwd[0] != '\0' ?
	    PASSWD_MASK : "");
	print_kv(f, 1, "client_id", c->mqtt_client_id);
	print_ki(f, 1, "keepalive", c->mqtt_keepalive);
	if (c->mqtt_tls) {
		fputs("    tls {\n", f);
		print_kv(f, 2, "cafile", c->tls_cafile);
		print_kv(f, 2, "certfile", c->tls_certfile);
		print_kv(f, 2, "keyfile", c->tls_keyfile);
		print_kb(f, 2, "insecure", c->tls_insecure);
		fputs("    }\n", f);
	}
	fputs("}\n", f);

	fputs("\nha {\n", f);
	print_kv(f, 1, "auto_conf_prefix", c->ha_auto_conf_prefix);
	print_kv(f, 1, "discovery_prefix", c->ha_discovery_prefix);
	print_kv(f, 1, "entity_prefix", c->ha_entity_prefix);
	print_kv(f, 1, "proxy_node_id", c->ha_proxy_node_id);
	print_kv(f, 1, "proxy_unique_id", c->ha_proxy_unique_id);
	fputs("}\n", f);

	print_listener(f, "tsun", &c->tsun);
	print_listener(f, "solarman", &c->solarman);

	fputs("\ninverters {\n", f);
	print_kb(f, 1, "allow_all", c->allow_all);
	fputs("}\n", f);

	fputs("\nat_acl {\n    tsun {", f);
	print_list(f, "allow", c->acl_tsun.allow, c->acl_tsun.nallow);
	print_list(f, "block", c->acl_tsun.block, c->acl_tsun.nblock);
	fputs(" }\n    mqtt {", f);
	print_list(f, "allow", c->acl_mqtt.allow, c->acl_mqtt.nallow);
	print_list(f, "block", c->acl_mqtt.block, c->acl_mqtt.nblock);
	fputs(" }\n}\n", f);

	TAILQ_FOREACH(d, &c->devices, entry)
		print_device(f, d);
}
