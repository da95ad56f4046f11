/*
 * tsun-proxy.conf: libconfuse tables and validation (printing back is
 * in confprint.c).
 * The file reaches libconfuse through the pre-pass of cfgd/preparse.c
 * (comments removed, includes expanded, lines mapped back).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "common/conf.h"
#include "common/defaults.h"
#include "cfgd/cfgd.h"
#include "cfgd/preparse.h"

#define LINE_OPT	"__line"

/* libconfuse's error callback carries no user pointer */
static struct pctx	*cur_ctx;

static void
confuse_error(cfg_t *c, const char *fmt, va_list ap)
{
	const char	*file;
	char		 msg[256], *q;
	int		 line = c != NULL ? c->line : 0, fline;

	if (cur_ctx == NULL)
		return;
	pp_where(cur_ctx, line, &file, &fline);
	/*
	 * An included file may hold a secret (or be the wrong file): what
	 * libconfuse quotes from it stays out of the log.
	 */
	if (cur_ctx->nfiles > 1 && strcmp(file, cur_ctx->files[0]) != 0) {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		if ((q = strchr(msg, '\'')) != NULL) {
			while (q > msg && q[-1] == ' ')
				q--;
			*q = '\0';
		}
		perr(cur_ctx, line, "%s (the text of an included file is not "
		    "shown)", msg);
		return;
	}
	pp_vreport(cur_ctx, line, "", fmt, ap);
	cur_ctx->nerr++;
}

/*
 * libconfuse tables
 */

/* stores the line of the '{' that opened the section */
static int
line_cb(cfg_t *c, cfg_opt_t *opt, const char *value, void *res)
{
	int	*p;

	if ((p = malloc(sizeof(*p))) == NULL)
		return -1;
	*p = c->line;
	*(void **)res = p;
	return 0;
}

#define LINE_ENTRY	CFG_PTR_CB(LINE_OPT, "0", CFGF_NONE, line_cb, free)

static cfg_opt_t timeouts_opts[] = {
	LINE_ENTRY,
	CFG_INT("unidentified", DEF_TO_UNIDENTIFIED, CFGF_NONE),
	CFG_INT("before_up", DEF_TO_BEFORE_UP, CFGF_NONE),
	CFG_INT("up", DEF_TO_UP, CFGF_NONE),
	CFG_INT("up_polling", DEF_TO_UP_POLLING, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t tls_opts[] = {
	LINE_ENTRY,
	CFG_STR("cafile", DEF_TLS_CAFILE, CFGF_NONE),
	CFG_STR("certfile", "", CFGF_NONE),
	CFG_STR("keyfile", "", CFGF_NONE),
	CFG_BOOL("insecure", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t mqtt_opts[] = {
	LINE_ENTRY,
	CFG_STR("host", DEF_MQTT_HOST, CFGF_NONE),
	CFG_INT("port", DEF_MQTT_PORT, CFGF_NONE),
	CFG_STR("user", "", CFGF_NONE),
	CFG_STR("passwd", "", CFGF_NONE),
	CFG_STR("client_id", "", CFGF_NONE),
	CFG_INT("keepalive", DEF_MQTT_KEEPALIVE, CFGF_NONE),
	CFG_SEC("tls", tls_opts, CFGF_MULTI),
	CFG_END()
};

static cfg_opt_t ha_opts[] = {
	LINE_ENTRY,
	CFG_STR("auto_conf_prefix", DEF_HA_AUTO_CONF_PREFIX, CFGF_NONE),
	CFG_STR("discovery_prefix", DEF_HA_DISCOVERY_PREFIX, CFGF_NONE),
	CFG_STR("entity_prefix", DEF_HA_ENTITY_PREFIX, CFGF_NONE),
	CFG_STR("proxy_node_id", DEF_HA_PROXY_NODE_ID, CFGF_NONE),
	CFG_STR("proxy_unique_id", DEF_HA_PROXY_UNIQUE_ID, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t tsun_opts[] = {
	LINE_ENTRY,
	CFG_BOOL("listener", cfg_true, CFGF_NONE),
	CFG_STR("listen_address", "*", CFGF_NONE),
	CFG_INT("listen_port", DEF_TSUN_PORT, CFGF_NONE),
	CFG_BOOL("enabled", cfg_true, CFGF_NONE),
	CFG_STR("host", DEF_TSUN_HOST, CFGF_NONE),
	CFG_INT("port", DEF_TSUN_PORT, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t solarman_opts[] = {
	LINE_ENTRY,
	CFG_BOOL("listener", cfg_true, CFGF_NONE),
	CFG_STR("listen_address", "*", CFGF_NONE),
	CFG_INT("listen_port", DEF_SOLARMAN_PORT, CFGF_NONE),
	CFG_BOOL("enabled", cfg_true, CFGF_NONE),
	CFG_STR("host", DEF_SOLARMAN_HOST, CFGF_NONE),
	CFG_INT("port", DEF_SOLARMAN_PORT, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t inverters_opts[] = {
	LINE_ENTRY,
	CFG_BOOL("allow_all", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t acl_tsun_opts[] = {
	LINE_ENTRY,
	CFG_STR_LIST("allow", DEF_ACL_TSUN_ALLOW, CFGF_NONE),
	CFG_STR_LIST("block", "{}", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t acl_mqtt_opts[] = {
	LINE_ENTRY,
	CFG_STR_LIST("allow", DEF_ACL_MQTT_ALLOW, CFGF_NONE),
	CFG_STR_LIST("block", "{}", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t at_acl_opts[] = {
	LINE_ENTRY,
	CFG_SEC("tsun", acl_tsun_opts, CFGF_MULTI),
	CFG_SEC("mqtt", acl_mqtt_opts, CFGF_MULTI),
	CFG_END()
};

static cfg_opt_t client_opts[] = {
	LINE_ENTRY,
	CFG_STR("host", NULL, CFGF_NODEFAULT),
	CFG_INT("port", DEF_CLIENT_PORT, CFGF_NONE),
	CFG_BOOL("forward", cfg_false, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t scan_opts[] = {
	LINE_ENTRY,
	CFG_INT("start", 0, CFGF_NODEFAULT),
	CFG_INT("step", DEF_SCAN_STEP, CFGF_NONE),
	CFG_INT("bytes", DEF_SCAN_BYTES, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t pv_opts[] = {
	LINE_ENTRY,
	CFG_STR("type", "", CFGF_NONE),
	CFG_STR("manufacturer", "", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t dev_opts[] = {
	LINE_ENTRY,
	/* a string: libconfuse integers are longs, 32 bits on some systems */
	CFG_STR("monitor_sn", NULL, CFGF_NODEFAULT),
	CFG_STR("node_id", "", CFGF_NONE),
	CFG_STR("suggested_area", "", CFGF_NONE),
	CFG_BOOL("modbus_polling", cfg_true, CFGF_NONE),
	CFG_INT("modbus_interval", DEF_MODBUS_INTERVAL, CFGF_NODEFAULT),
	CFG_INT("sensor_list", 0, CFGF_NONE),
	CFG_SEC("client_mode", client_opts, CFGF_MULTI),
	CFG_SEC("modbus_scanning", scan_opts, CFGF_MULTI),
	CFG_SEC("pv1", pv_opts, CFGF_MULTI),
	CFG_SEC("pv2", pv_opts, CFGF_MULTI),
	CFG_SEC("pv3", pv_opts, CFGF_MULTI),
	CFG_SEC("pv4", pv_opts, CFGF_MULTI),
	CFG_SEC("pv5", pv_opts, CFGF_MULTI),
	CFG_SEC("pv6", pv_opts, CFGF_MULTI),
	CFG_END()
};

/* every section is multi: absence is visible, and twice is an error */
static cfg_opt_t root_opts[] = {
	CFG_STR("user", DEF_USER, CFGF_NONE),
	CFG_STR("chroot", DEF_CHROOT, CFGF_NONE),
	CFG_INT("max_connections", DEF_MAX_CONNECTIONS, CFGF_NONE),
	CFG_STR("resolver", "", CFGF_NONE),
	CFG_STR("control_socket", DEF_CONTROL_SOCKET, CFGF_NONE),
	CFG_SEC("timeouts", timeouts_opts, CFGF_MULTI),
	CFG_SEC("mqtt", mqtt_opts, CFGF_MULTI),
	CFG_SEC("ha", ha_opts, CFGF_MULTI),
	CFG_SEC("tsun", tsun_opts, CFGF_MULTI),
	CFG_SEC("solarman", solarman_opts, CFGF_MULTI),
	CFG_SEC("inverters", inverters_opts, CFGF_MULTI),
	CFG_SEC("at_acl", at_acl_opts, CFGF_MULTI),
	CFG_SEC("inverter", dev_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("battery", dev_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

/*
 * Validation and conversion
 */

static int
sec_line(cfg_t *s)
{
	int	*p = cfg_getptr(s, LINE_OPT);

	return p != NULL ? *p : 0;
}

/* the one instance of an optional block, NULL when absent */
static cfg_t *
one(struct pctx *x, cfg_t *parent, const char *name, const char *where_)
{
	unsigned int	 n = cfg_size(parent, name);

	if (n > 1)
		perr(x, sec_line(cfg_getnsec(parent, name, 1)),
		    "%s%s block given more than once", where_, name);
	return n > 0 ? cfg_getnsec(parent, name, 0) : NULL;
}

static void
get_strn(struct pctx *x, int line, char *dst, size_t size, cfg_t *s,
    const char *key, const char *what)
{
	const char	*v = cfg_getstr(s, key);

	if (v == NULL)
		v = "";
	if (strlcpy(dst, v, size) >= size)
		perr(x, line, "%s%s is too long (at most %zu characters)",
		    what, key, size - 1);
}

static void
get_str(struct pctx *x, int line, char *dst, cfg_t *s, const char *key,
    const char *what)
{
	get_strn(x, line, dst, CONF_STR, s, key, what);
}

static void
get_int(struct pctx *x, int line, int *dst, cfg_t *s, const char *key,
    long min, long max, const char *what)
{
	long	 v = cfg_getint(s, key);

	if (v < min || v > max) {
		perr(x, line, "%s%s %ld out of range %ld..%ld", what, key, v,
		    min, max);
		return;
	}
	*dst = (int)v;
}

static int
get_bool(cfg_t *s, const char *key)
{
	return cfg_getbool(s, key) == cfg_true;
}

/* MQTT topic levels: wildcards would subscribe or publish to the wrong place */
static void
check_topic(struct pctx *x, int line, const char *v, const char *what)
{
	if (strpbrk(v, "+#") != NULL)
		perr(x, line, "%s \"%s\" may not contain '+' or '#'", what, v);
}

/* one MQTT topic level that is safe everywhere: [A-Za-z0-9_-] */
static int
topic_word(const char *v)
{
	for (; *v != '\0'; v++)
		if (!isalnum((unsigned char)*v) && *v != '_' && *v != '-')
			return 0;
	return 1;
}

static void
check_word(struct pctx *x, int line, const char *v, const char *what)
{
	if (*v == '\0')
		perr(x, line, "%s may not be empty", what);
	else if (strpbrk(v, "+#") == NULL && !topic_word(v))
		perr(x, line, "%s \"%s\" may only contain letters, digits, "
		    "'_' and '-'", what, v);
}

static int
valid_hostname(const char *h)
{
	const char	*p;

	if (*h == '\0' || strlen(h) > 253 || *h == '-' || *h == '.')
		return 0;
	for (p = h; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
		    *p != '_')
			return 0;
	return 1;
}

static int
is_ip_literal(const char *a)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;

	return inet_pton(AF_INET, a, &in4) == 1 ||
	    inet_pton(AF_INET6, a, &in6) == 1;
}

static void
fill_listener(struct pctx *x, cfg_t *root, const char *name,
    struct conf_listener *l)
{
	cfg_t	*s;
	char	 what[32];
	int	 line;

	if ((s = one(x, root, name, "")) == NULL)
		return;
	line = sec_line(s);
	snprintf(what, sizeof(what), "%s.", name);
	l->enabled = get_bool(s, "listener");
	get_str(x, line, l->listen_address, s, "listen_address", what);
	if (strcmp(l->listen_address, "*") != 0 &&
	    !is_ip_literal(l->listen_address) &&
	    !valid_hostname(l->listen_address))
		perr(x, line, "%slisten_address \"%s\" is not '*', an "
		    "address or a host name", what, l->listen_address);
	get_int(x, line, &l->listen_port, s, "listen_port", 1, 65535, what);
	l->cloud_enabled = get_bool(s, "enabled");
	get_str(x, line, l->host, s, "host", what);
	if (l->cloud_enabled && !valid_hostname(l->host) &&
	    !is_ip_literal(l->host))
		perr(x, line, "%shost \"%s\" is not a host name or address",
		    what, l->host);
	get_int(x, line, &l->port, s, "port", 1, 65535, what);
}

static void
acl_reset(char ***list, int *n)
{
	int	 i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static void
fill_list(struct pctx *x, cfg_t *s, const char *key, char ***list, int *n)
{
	unsigned int	 i;

	acl_reset(list, n);
	for (i = 0; i < cfg_size(s, key); i++)
		if (conf_acl_add(list, n, cfg_getnstr(s, key, i)) == -1)
			x->oom = 1;
}

static void
fill_acl(struct pctx *x, cfg_t *root, struct tsun_conf *c)
{
	cfg_t	*acl, *s;

	if ((acl = one(x, root, "at_acl", "")) == NULL)
		return;
	if ((s = one(x, acl, "tsun", "at_acl.")) != NULL) {
		fill_list(x, s, "allow", &c->acl_tsun.allow,
		    &c->acl_tsun.nallow);
		fill_list(x, s, "block", &c->acl_tsun.block,
		    &c->acl_tsun.nblock);
	}
	if ((s = one(x, acl, "mqtt", "at_acl.")) != NULL) {
		fill_list(x, s, "allow", &c->acl_mqtt.allow,
		    &c->acl_mqtt.nallow);
		fill_list(x, s, "block", &c->acl_mqtt.block,
		    &c->acl_mqtt.nblock);
	}
}

static void
fill_mqtt(struct pctx *x, cfg_t *root, struct tsun_conf *c,
    const char **passwd_file)
{
	cfg_t		*s, *t;
	const char	*what = "mqtt.";
	int		 line, fline;

	if ((s = one(x, root, "mqtt", "")) == NULL)
		return;
	line = sec_line(s);
	get_str(x, line, c->mqtt_host, s, "host", what);
	get_int(x, line, &c->mqtt_port, s, "port", 1, 65535, what);
	get_str(x, line, c->mqtt_user, s, "user", what);
	get_str(x, line, c->mqtt_passwd, s, "passwd", what);
	get_str(x, line, c->mqtt_client_id, s, "client_id", what);
	get_int(x, line, &c->mqtt_keepalive, s, "keepalive", 5, 3600, what);
	if (c->mqtt_passwd[0] != '\0')
		pp_where(x, line, passwd_file, &fline);
	if ((t = one(x, s, "tls", what)) != NULL) {
		line = sec_line(t);
		c->mqtt_tls = 1;
		get_str(x, line, c->tls_cafile, t, "cafile", "mqtt.tls.");
		get_str(x, line, c->tls_certfile, t, "certfile", "mqtt.tls.");
		get_str(x, line, c->tls_keyfile, t, "keyfile", "mqtt.tls.");
		c->tls_insecure = get_bool(t, "insecure");
		if (c->tls_keyfile[0] != '\0' && c->tls_certfile[0] == '\0')
			perr(x, line, "mqtt.tls.keyfile needs certfile");
	}
}

static void
fill_ha(struct pctx *x, cfg_t *root, struct tsun_conf *c)
{
	cfg_t		*s;
	const char	*what = "ha.";
	int		 line;

	if ((s = one(x, root, "ha", "")) == NULL)
		return;
	line = sec_line(s);
	get_str(x, line, c->ha_auto_conf_prefix, s, "auto_conf_prefix", what);
	get_str(x, line, c->ha_discovery_prefix, s, "discovery_prefix", what);
	get_str(x, line, c->ha_entity_prefix, s, "entity_prefix", what);
	get_str(x, line, c->ha_proxy_node_id, s, "proxy_node_id", what);
	get_str(x, line, c->ha_proxy_unique_id, s, "proxy_unique_id", what);
	check_topic(x, line, c->ha_auto_conf_prefix, "ha.auto_conf_prefix");
	check_topic(x, line, c->ha_discovery_prefix, "ha.discovery_prefix");
	check_topic(x, line, c->ha_entity_prefix, "ha.entity_prefix");
	check_topic(x, line, c->ha_proxy_node_id, "ha.proxy_node_id");
	check_topic(x, line, c->ha_proxy_unique_id, "ha.proxy_unique_id");
	/* both are single topic levels and parts of unique_ids */
	check_word(x, line, c->ha_proxy_node_id, "ha.proxy_node_id");
	check_word(x, line, c->ha_proxy_unique_id, "ha.proxy_unique_id");
}

static void
fill_globals(struct pctx *x, cfg_t *root, struct tsun_conf *c)
{
	struct sockaddr_un	 sun;
	struct passwd		*pw;
	cfg_t			*s;
	int			 line;

	get_str(x, pp_key_line(x, "user"), c->user, root, "user", "");
	if (c->user[0] == '\0')
		perr(x, pp_key_line(x, "user"), "user may not be empty");
	else if (strcmp(c->user, "root") == 0 ||
	    ((pw = getpwnam(c->user)) != NULL && pw->pw_uid == 0))
		perr(x, pp_key_line(x, "user"), "user \"%s\" has uid 0: the "
		    "workers must not run as root", c->user);
	get_str(x, pp_key_line(x, "chroot"), c->chroot, root, "chroot", "");
	if (c->chroot[0] != '/')
		perr(x, pp_key_line(x, "chroot"), "chroot \"%s\" is not an "
		    "absolute path", c->chroot);
	get_int(x, pp_key_line(x, "max_connections"), &c->max_connections, root,
	    "max_connections", 1, 100000, "");
	get_str(x, pp_key_line(x, "resolver"), c->resolver, root, "resolver", "");
	if (c->resolver[0] != '\0' && !is_ip_literal(c->resolver))
		perr(x, pp_key_line(x, "resolver"), "resolver \"%s\" is not an "
		    "IPv4 or IPv6 address", c->resolver);
	get_str(x, pp_key_line(x, "control_socket"), c->control_socket, root,
	    "control_socket", "");
	if (strlen(c->control_socket) >= sizeof(sun.sun_path))
		perr(x, pp_key_line(x, "control_socket"), "control_socket is "
		    "too long for a socket name");
	else if (c->control_socket[0] != '/')
		perr(x, pp_key_line(x, "control_socket"), "control_socket \"%s\" "
		    "is not an absolute path", c->control_socket);

	if ((s = one(x, root, "timeouts", "")) != NULL) {
		line = sec_line(s);
		get_int(x, line, &c->to_unidentified, s, "unidentified", 1,
		    86400, "timeouts.");
		get_int(x, line, &c->to_before_up, s, "before_up", 1, 86400,
		    "timeouts.");
		get_int(x, line, &c->to_up, s, "up", 1, 86400, "timeouts.");
		get_int(x, line, &c->to_up_polling, s, "up_polling", 1, 86400,
		    "timeouts.");
	}
	if ((s = one(x, root, "inverters", "")) != NULL)
		c->allow_all = get_bool(s, "allow_all");
}

static int
valid_serial(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return i == SERIAL_LEN;
}

static int
has_prefix(const char *serial, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strncmp(serial, *list, strlen(*list)) == 0)
			return 1;
	return 0;
}

static const char *const gen3_prefixes[] = { "R17", "R47", NULL };
static const char *const gen3plus_prefixes[] = { "Y00", "Y17", "Y47", NULL };
static const char *const battery_prefixes[] = { "410", "Y00", NULL };

static void
fill_device(struct pctx *x, struct tsun_conf *c, cfg_t *s, int battery)
{
	struct conf_device	*d, *o;
	cfg_t			*t;
	const char		*serial = cfg_title(s), *msn, *errstr, *f;
	const char		*kindname = battery ? "battery" : "inverter";
	char			 what[64], pvname[16], *e;
	long long		 sn;
	size_t			 len;
	int			 line = sec_line(s), fline, i;

	snprintf(what, sizeof(what), "%s \"%.20s\": ", kindname, serial);
	if ((d = conf_device_new()) == NULL) {
		x->oom = 1;
		return;
	}
	pp_where(x, line, &f, &fline);
	d->line = fline;

	if (!valid_serial(serial))
		perr(x, line, "%sserial must be %d characters of [0-9A-Za-z]",
		    what, SERIAL_LEN);
	strlcpy(d->serial, serial, sizeof(d->serial));
	if ((o = conf_find_serial(c, d->serial)) != NULL)
		perr(x, line, "%sserial already configured at line %d", what,
		    o->line);

	if ((msn = cfg_getstr(s, "monitor_sn")) != NULL) {
		sn = strtonum(msn, 1, 4294967295LL, &errstr);
		if (errstr != NULL)
			perr(x, line, "%smonitor_sn \"%s\" is %s "
			    "(1..4294967295)", what, msn, errstr);
		else if ((o = conf_find_monitor_sn(c, (uint32_t)sn)) != NULL)
			perr(x, line, "%smonitor_sn %lld already used by \"%s\"",
			    what, sn, o->serial);
		else
			d->monitor_sn = (uint32_t)sn;
	}

	if (battery) {
		d->kind = DEV_BATTERY;
		if (msn == NULL)
			perr(x, line, "%smonitor_sn is required", what);
		else if (!has_prefix(serial, battery_prefixes))
			pwarn(x, line, "%sunknown serial prefix for a battery "
			    "(known: 410, Y00)", what);
	} else if (msn != NULL) {
		d->kind = DEV_GEN3PLUS;
		if (!has_prefix(serial, gen3plus_prefixes))
			pwarn(x, line, "%sunknown serial prefix for a GEN3PLUS "
			    "inverter (known: Y00, Y17, Y47)", what);
	} else {
		d->kind = DEV_GEN3;
		/* GEN3PLUS devices are found by monitor_sn: without it, never */
		if (has_prefix(serial, gen3plus_prefixes))
			perr(x, line, "%sa GEN3PLUS serial needs monitor_sn",
			    what);
		else if (!has_prefix(serial, gen3_prefixes))
			pwarn(x, line, "%sunknown serial prefix for a GEN3 "
			    "inverter (known: R17, R47)", what);
	}

	get_str(x, line, d->node_id, s, "node_id", what);
	if (strpbrk(d->node_id, "+#") != NULL)
		perr(x, line, "%snode_id \"%s\" may not contain '+' or '#'",
		    what, d->node_id);
	else if (d->node_id[0] == '/')
		perr(x, line, "%snode_id \"%s\" may not start with '/'", what,
		    d->node_id);
	else {
		len = strlen(d->node_id);
		if (len > 0 && d->node_id[len - 1] == '/') {
			pwarn(x, line, "%strailing '/' of node_id \"%s\" "
			    "removed", what, d->node_id);
			while (len > 0 && d->node_id[len - 1] == '/')
				d->node_id[--len] = '\0';
		}
		if (!topic_word(d->node_id))
			perr(x, line, "%snode_id \"%s\" may only contain "
			    "letters, digits, '_' and '-'", what, d->node_id);
		else if (d->node_id[0] != '\0' &&
		    strcmp(d->node_id, c->ha_proxy_node_id) == 0)
			perr(x, line, "%snode_id \"%s\" is the proxy's own "
			    "(ha.proxy_node_id)", what, d->node_id);
		else if ((o = conf_find_node_id(c, d->node_id)) != NULL)
			perr(x, line, "%snode_id \"%s\" already used by \"%s\"",
			    what, d->node_id, o->serial);
	}
	get_str(x, line, d->suggested_area, s, "suggested_area", what);
	d->modbus_polling = get_bool(s, "modbus_polling");
	if (cfg_size(s, "modbus_interval") > 0) {
		get_int(x, line, &d->modbus_interval, s, "modbus_interval", 10,
		    3600, what);
		d->modbus_interval_set = 1;
	}
	get_int(x, line, &d->sensor_list, s, "sensor_list", 0, 65535, what);

	if ((t = one(x, s, "client_mode", what)) != NULL) {
		line = sec_line(t);
		if (d->kind == DEV_GEN3)
			perr(x, line, "%sclient_mode is only for GEN3PLUS "
			    "devices (with monitor_sn)", what);
		e = what + strlen(what);
		strlcat(what, "client_mode.", sizeof(what));
		d->client_mode = 1;
		if (cfg_size(t, "host") == 0 ||
		    cfg_getstr(t, "host")[0] == '\0')
			perr(x, line, "%shost is required", what);
		else
			get_str(x, line, d->client_host, t, "host", what);
		get_int(x, line, &d->client_port, t, "port", 1, 65535, what);
		d->client_forward = get_bool(t, "forward");
		/* client mode polls more often: the device never calls in */
		if (!d->modbus_interval_set)
			d->modbus_interval = DEF_MODBUS_INTERVAL_CLIENT;
		*e = '\0';
	}

	if ((t = one(x, s, "modbus_scanning", what)) != NULL) {
		line = sec_line(t);
		e = what + strlen(what);
		strlcat(what, "modbus_scanning.", sizeof(what));
		d->scanning = 1;
		if (cfg_size(t, "start") == 0)
			perr(x, line, "%sstart is required", what);
		else
			get_int(x, line, &d->scan_start, t, "start", 0, 65535,
			    what);
		get_int(x, line, &d->scan_step, t, "step", 1, 65535, what);
		get_int(x, line, &d->scan_bytes, t, "bytes", 1, 80, what);
		*e = '\0';
	}

	for (i = 0; i < MAX_PV; i++) {
		snprintf(pvname, sizeof(pvname), "pv%d", i + 1);
		if ((t = one(x, s, pvname, what)) == NULL)
			continue;
		line = sec_line(t);
		if (battery && i >= 2)
			perr(x, line, "%s%s: batteries have pv1 and pv2 only",
			    what, pvname);
		d->pv[i].present = 1;
		e = what + strlen(what);
		strlcat(what, pvname, sizeof(what));
		strlcat(what, ".", sizeof(what));
		get_strn(x, line, d->pv[i].type, sizeof(d->pv[i].type), t,
		    "type", what);
		get_strn(x, line, d->pv[i].manufacturer,
		    sizeof(d->pv[i].manufacturer), t, "manufacturer",
		    what);
		*e = '\0';
	}

	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	c->ndevices++;
}

static void
check_root(struct pctx *x, const struct tsun_conf *c, int as_root)
{
	struct stat	 st;
	int		 uline = pp_key_line(x, "user"), cline = pp_key_line(x, "chroot");

	if (!as_root) {
		pwarn(x, uline, "not running as root: user and chroot not "
		    "checked");
		return;
	}
	if (getpwnam(c->user) == NULL)
		perr(x, uline, "user \"%s\" does not exist", c->user);
	if (stat(c->chroot, &st) == -1)
		perr(x, cline, "chroot \"%s\": %s", c->chroot, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		perr(x, cline, "chroot \"%s\" is not a directory", c->chroot);
	else if (st.st_uid != 0)
		perr(x, cline, "chroot \"%s\" is not owned by root", c->chroot);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		perr(x, cline, "chroot \"%s\" is writable by group or others",
		    c->chroot);
}

struct tsun_conf *
config_parse(const char *path, int as_root, FILE *errs)
{
	struct pctx		 x;
	struct tsun_conf	*c = NULL;
	struct stat		 st;
	cfg_t			*root = NULL;
	FILE			*fp;
	const char		*passwd_file = NULL;
	unsigned int		 i;
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.errs = errs;
	x.bline = 1;
	x.as_root = as_root;
	if (pp_file(&x, path, 0, 0) == -1 || x.nerr > 0 || x.oom)
		goto fail;
	/* libconfuse 3.3 takes end of file as the closing brace */
	if (x.depth > 0) {
		perr(&x, x.open[x.depth > 32 ? 31 : x.depth - 1],
		    "'{' is never closed");
		goto fail;
	}
	if (x.len == 0)
		pp_emit(&x, '\n');
	if (x.oom)
		goto fail;

	if ((root = cfg_init(root_opts, CFGF_NONE)) == NULL)
		goto oom;
	cfg_set_error_function(root, confuse_error);
	/* cfg_parse_fp keeps a name set beforehand */
	if ((root->filename = strdup(path)) == NULL)
		goto oom;
	if ((fp = fmemopen(x.buf, x.len, "r")) == NULL)
		goto oom;
	cur_ctx = &x;
	rc = cfg_parse_fp(root, fp);
	cur_ctx = NULL;
	fclose(fp);
	if (rc != CFG_SUCCESS) {
		if (x.nerr == 0)
			perr(&x, 0, "parse error");
		goto fail;
	}

	if ((c = conf_new()) == NULL)
		goto oom;
	fill_globals(&x, root, c);
	fill_mqtt(&x, root, c, &passwd_file);
	fill_ha(&x, root, c);
	fill_listener(&x, root, "tsun", &c->tsun);
	fill_listener(&x, root, "solarman", &c->solarman);
	fill_acl(&x, root, c);
	for (i = 0; i < cfg_size(root, "inverter"); i++)
		fill_device(&x, c, cfg_getnsec(root, "inverter", i), 0);
	for (i = 0; i < cfg_size(root, "battery"); i++)
		fill_device(&x, c, cfg_getnsec(root, "battery", i), 1);
	if (x.oom)
		goto oom;
	check_root(&x, c, as_root);
	if (passwd_file != NULL && stat(passwd_file, &st) == 0 &&
	    (st.st_mode & S_IROTH))
		pwarn(&x, sec_line(cfg_getnsec(root, "mqtt", 0)),
		    "mqtt.passwd is in a file readable by others");
	if (x.nerr > 0)
		goto fail;
	cfg_free(root);
	pp_free(&x);
	return c;

oom:
	perr(&x, 0, "out of memory");
fail:
	cur_ctx = NULL;
	if (root != NULL)
		cfg_free(root);
	conf_free(c);
	pp_free(&x);
	return NULL;
}
