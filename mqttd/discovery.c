/*
 * Home Assistant MQTT discovery, built from the register table alone:
 * the original's abbreviated keys, unique ids and device tree, plus our
 * additions (retained configs, availability, origin "tsun-proxy") and
 * fixes: bit fields tested with masks, templates that keep the state
 * when their key is missing, the configured area as the suggested area,
 * no via_device that nothing announces.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/num.h"
#include "common/record.h"
#include "common/registers.h"
#include "mqttd/json.h"
#include "mqttd/mqttd.h"

#define ORIGIN_NAME	"tsun-proxy"
#define PROXY_MF	"Stefan Allius"	/* as the original, HA keeps the device */

/* the four mode counters have no HA metadata upstream: ours */
static const struct {
	int		 reg;
	const char	*id;
	const char	*name;
} mode_cnt[] = {
	{ REG_SERVER_MODE_CNT, "server_mode_cnt_", "Server Mode Connections" },
	{ REG_CLIENT_MODE_CNT, "client_mode_cnt_", "Client Mode Connections" },
	/* not "Proxy ...": Home Assistant puts the device name in front */
	{ REG_PROXY_MODE_CNT, "proxy_mode_cnt_", "Connections in Proxy Mode" },
	{ REG_EMU_MODE_CNT, "emu_mode_cnt_", "Emulation Mode Connections" },
};

/*
 * The settings the proxy can write, as number entities: the command topic
 * is the existing one, the state the value the device reports back.
 */
static const struct number {
	const char	*cmd;		/* command leaf and unique id prefix */
	const char	*name;
	int		 reg;		/* the state */
	uint16_t	 ann;		/* REGA_* */
	const char	*ha_dev;
	int		 min, max, step;
	const char	*unit;
	const char	*dev_cla;
	const char	*icon;
	const char	*ent_cat;
	int		 en;		/* enabled by default */
} numbers[] = {
	{ "out_coeff", "Output Limit", REG_OUTPUT_COEFFICIENT,
	    REGA_G3_0001 | REGA_G3P_02B0, "inverter", 0, 100, 1, "%", NULL,
	    "mdi:percent", "config", 1 },
	/* an installer's setting, its values model specific */
	{ "rated_load", "Rated Load", REG_RATED_LEVEL,
	    REGA_G3_0001 | REGA_G3P_02B0, "inverter", 0, 65535, 1, NULL, NULL,
	    "mdi:tune", "config", 0 },
	{ "dcu_power", "Output Power", REG_BATT_OUT_POWER_SET,
	    REGA_G3P_3026, "batterie", 100, 800, 1, "W", "power", NULL, NULL,
	    1 },
};
#define NNUMBERS	(int)(sizeof(numbers) / sizeof(numbers[0]))

struct ent {
	const struct reg_def	*def;
	const char		*ha_dev;
	const char		*id;
	const char		*name;
	const char		*dev_cla;
	const char		*stat_cla;
	const char		*icon;
	const char		*ent_cat;
	const char		*fmt;
	const char		*val_tpl;
	const char *const	*bits;
	const char		*bits_zero;
};

static struct json	 dj;
static char		 tplbuf[4096];

static uint32_t	 sensor_list(const struct mq_dev *);
static int	 ent_get(const struct mq_dev *, int, struct ent *);
static int	 announced(const struct mq_dev *, const struct ent *, int);
static int	 live(const struct mq_dev *, int, struct ent *);
static int	 put_tail(const struct mq_dev *, const char *, int,
		    const char **, size_t *);
static void	 tpl_has(char *, size_t, const struct reg_def *);
static void	 tpl_ref(char *, size_t, const struct reg_def *);
static int	 dev_live(const struct mq_dev *, const char *);
static const char *value_tpl(const struct ent *);
static void	 put_val(struct json *, const char *, const struct mq_dev *,
		    int, const char *);
static void	 dev_block(struct json *, const struct mq_dev *, const char *);
static int	 disc_topic(char *, size_t, const struct mq_dev *,
		    const struct ent *);

/* the sensor list the device reports, else the configured one */
static uint32_t
sensor_list(const struct mq_dev *d)
{
	const char	*s;
	int64_t		 v;

	if ((s = mq_val_str(d, REG_SENSOR_LIST)) != NULL)
		return (uint32_t)strtoul(s, NULL, 16);
	if (mq_val_int(d, REG_SENSOR_LIST, &v))
		return (uint32_t)v;
	if (d->conf != NULL && d->conf->sensor_list != 0)
		return (uint32_t)d->conf->sensor_list;
	return 0;
}

int
mq_disc_pv_count(const struct mq_dev *d)
{
	int64_t	n;

	if (!mq_val_int(d, REG_NO_INPUTS, &n) || n < 1)
		return 1;
	return n > MAX_PV ? MAX_PV : (int)n;
}

/* the HA description of a register, or -1 if it has none */
static int
ent_get(const struct mq_dev *d, int reg, struct ent *e)
{
	const struct reg_def	*def;
	size_t			 i;

	memset(e, 0, sizeof(*e));
	if ((def = reg_get(reg)) == NULL || reg == REG_NONE)
		return -1;
	e->def = def;
	if (def->ha_dev != NULL) {
		e->ha_dev = def->ha_dev;
		e->id = def->ha_id;
		e->name = def->ha_name != NULL ? def->ha_name : def->key;
		e->dev_cla = def->dev_cla;
		e->stat_cla = def->stat_cla;
		e->icon = def->icon;
		e->ent_cat = def->ent_cat;
		e->fmt = def->fmt;
		e->val_tpl = def->val_tpl;
		e->bits = def->bits;
		e->bits_zero = def->bits_zero;
		return 0;
	}
	if ((def->flags & REGF_MODE_CNT) == 0)
		return -1;
	for (i = 0; i < sizeof(mode_cnt) / sizeof(mode_cnt[0]); i++)
		if (mode_cnt[i].reg == reg) {
			e->ha_dev = "proxy";
			e->id = mode_cnt[i].id;
			e->name = mode_cnt[i].name;
			e->icon = "mdi:counter";
			e->ent_cat = "diagnostic";
			e->fmt = "| int";
			return 0;
		}
	return -1;
}

/* announced for this device with its current data? */
static int
announced(const struct mq_dev *d, const struct ent *e, int reg)
{
	uint16_t	mask;

	if (d->kind == 0)
		return strcmp(e->ha_dev, "proxy") == 0;
	if (strcmp(e->ha_dev, "proxy") == 0)
		return 0;
	mask = reg_ann_mask(d->kind, sensor_list(d));
	if ((e->def->ann & mask) == 0)
		return 0;
	if (strncmp(e->ha_dev, "input_pv", 8) == 0 && e->def->ha_pv >= 2 &&
	    mq_disc_pv_count(d) < e->def->ha_pv)
		return 0;
	if ((e->def->flags & REGF_IF_PRESENT) && mq_val_get(d, reg) == NULL)
		return 0;
	return 1;
}

/* announced and not taken down (client mode) */
static int
live(const struct mq_dev *d, int reg, struct ent *e)
{
	if (ent_get(d, reg, e) == -1 || !announced(d, e, reg))
		return 0;
	return !(d->kind != DEV_GEN3 && d->kind != 0 && d->conf != NULL &&
	    d->conf->client_mode && (e->def->flags & REGF_SERVER_ONLY));
}

/* does some entity of this device announce the HA device ha_dev? */
static int
dev_live(const struct mq_dev *d, const char *ha_dev)
{
	struct ent	e;
	int		r;

	for (r = 1; r < REG_MAX; r++)
		if (live(d, r, &e) && strcmp(e.ha_dev, ha_dev) == 0)
			return 1;
	return 0;
}

/* "'K' in value_json", or with the nested object "'S' in ... and ..." */
static void
tpl_has(char *buf, size_t size, const struct reg_def *def)
{
	if (def->sub == NULL)
		snprintf(buf, size, "'%s' in value_json", def->key);
	else
		snprintf(buf, size, "'%s' in value_json and '%s' in "
		    "value_json['%s']", def->sub, def->key, def->sub);
}

static void
tpl_ref(char *buf, size_t size, const struct reg_def *def)
{
	if (def->sub == NULL)
		snprintf(buf, size, "value_json['%s']", def->key);
	else
		snprintf(buf, size, "value_json['%s']['%s']", def->sub,
		    def->key);
}

/*
 * The value template.  A bit field shows the names of its set bits, each
 * tested with its mask.  Groups are published as they fill, so a key may
 * be missing from a message: then a number renders empty (Home Assistant
 * ignores an empty numeric state) and a text keeps its state, where the
 * original's templates log an error or show a default.
 */
static const char *
value_tpl(const struct ent *e)
{
	char		 has[256], ref[256], base[3072], b[512];
	int		 i, numeric;

	tpl_has(has, sizeof(has), e->def);
	tpl_ref(ref, sizeof(ref), e->def);
	if (e->bits != NULL) {
		snprintf(tplbuf, sizeof(tplbuf), "{%% if %s and %s != None %%}"
		    "{%% set val_int = %s | int %%}{%% if val_int == 0 %%}%s"
		    "{%% else %%}{%% set result = '' %%}", has, ref, ref,
		    e->bits_zero != NULL ? e->bits_zero : "");
		for (i = 0; i < 16; i++) {
			snprintf(b, sizeof(b), "{%% if val_int | bitwise_and("
			    "0x%04x) %%}{%% set result = result + '%s, ' %%}"
			    "{%% endif %%}", 1u << i, e->bits[i]);
			strlcat(tplbuf, b, sizeof(tplbuf));
		}
		strlcat(tplbuf, "{{ result }}{% endif %}{% else %}"
		    "{{ this.state }}{% endif %}", sizeof(tplbuf));
		return tplbuf;
	}
	if (e->val_tpl != NULL)
		strlcpy(base, e->val_tpl, sizeof(base));
	else
		snprintf(base, sizeof(base), "{{value_json['%s'] %s}}",
		    e->def->key, e->fmt != NULL ? e->fmt : "| string");
	/* the original's own guard */
	snprintf(b, sizeof(b), "'%s' in value_json", e->def->key);
	if (strstr(base, b) != NULL)
		return strlcpy(tplbuf, base, sizeof(tplbuf)) < sizeof(tplbuf) ?
		    tplbuf : NULL;
	numeric = e->stat_cla != NULL || e->dev_cla != NULL;
	if (snprintf(tplbuf, sizeof(tplbuf), "{%% if %s %%}%s%s{%% endif %%}",
	    has, base, numeric ? "" : "{% else %}{{ this.state }}") >=
	    (int)sizeof(tplbuf))
		return NULL;
	return tplbuf;
}

static int
disc_topic(char *buf, size_t size, const struct mq_dev *d,
    const struct ent *e)
{
	const char	*node = mq_dev_node(d);
	char		 snr[32];
	int		 n;

	mq_dev_snr(d, snr, sizeof(snr));
	if (*node != '\0')
		n = snprintf(buf, size, "%s/sensor/%s/%s%s/config",
		    mq.conf->ha_discovery_prefix, node, e->id, snr);
	else
		n = snprintf(buf, size, "%s/sensor/%s%s/config",
		    mq.conf->ha_discovery_prefix, e->id, snr);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

/* a stored value as it is (string or number), dflt if absent */
static void
put_val(struct json *j, const char *key, const struct mq_dev *d, int reg,
    const char *dflt)
{
	const struct mq_val	*v = mq_val_get(d, reg);

	if (v == NULL) {
		if (dflt != NULL)
			json_str(j, key, dflt);
		return;
	}
	if (v->type == REC_STR)
		json_str(j, key, v->v.s);
	else if (v->type == REC_INT)
		json_int(j, key, v->v.i);
	else
		json_num(j, key, v->v.f);
}

static void
put_mac(struct json *j, const char *mac)
{
	char	b[18];
	size_t	i, o = 0;

	json_arr_open(j, "cns");
	json_arr_open(j, NULL);
	json_str(j, NULL, "mac");
	if (strlen(mac) == 12 && strchr(mac, ':') == NULL) {
		for (i = 0; i < 12; i++) {
			if (i > 0 && i % 2 == 0)
				b[o++] = ':';
			b[o++] = mac[i];
		}
		b[o] = '\0';
		json_str(j, NULL, b);
	} else
		json_str(j, NULL, mac);
	json_arr_close(j);
	json_arr_close(j);
}

static void
dev_block(struct json *j, const struct mq_dev *d, const char *ha_dev)
{
	const struct conf_pv	*pv = NULL;
	const char		*name, *via = NULL, *area = "", *mac;
	char			 nm[CONF_STR + 64], id[64], viab[64], snr[32];
	int			 n, g3p = d->kind != DEV_GEN3;

	mq_dev_snr(d, snr, sizeof(snr));
	if (d->conf != NULL)
		area = d->conf->suggested_area;
	n = 0;
	if (strcmp(ha_dev, "proxy") == 0) {
		json_obj_open(j, "dev");
		json_str(j, "name", "Proxy");
		json_str(j, "sa", "Proxy");
		json_str(j, "mdl", ORIGIN_NAME);
		json_str(j, "mf", PROXY_MF);
		json_str(j, "sw", mq.version);
		json_arr_open(j, "ids");
		json_str(j, NULL, "proxy");
		json_arr_close(j);
		json_obj_close(j);
		return;
	}
	/* the parent, or the next one up that is announced (MX3000D) */
	if (strcmp(ha_dev, "controller") == 0) {
		name = "Controller";
		via = "proxy";
	} else if (strcmp(ha_dev, "inverter") == 0) {
		name = "Micro Inverter";
		via = "controller";
	} else if (strcmp(ha_dev, "batterie") == 0) {
		name = "Batterie";
		via = "controller";
	} else if (sscanf(ha_dev, "input_pv%d", &n) == 1 && n >= 1 &&
	    n <= MAX_PV) {
		name = NULL;
		via = dev_live(d, "inverter") ? "inverter" : "controller";
	} else if (sscanf(ha_dev, "bat_inp_pv%d", &n) == 1 && n >= 1 &&
	    n <= MAX_PV) {
		name = NULL;
		via = dev_live(d, "batterie") ? "batterie" : "controller";
	} else {
		name = ha_dev;
		n = 0;
	}
	if (via != NULL && strcmp(via, "proxy") != 0) {
		snprintf(viab, sizeof(viab), "%s_%s", via, snr);
		via = viab;
	}
	if (name == NULL)
		snprintf(nm, sizeof(nm), "Module PV%d", n);
	else
		strlcpy(nm, name, sizeof(nm));
	if (*area != '\0') {
		strlcat(nm, " - ", sizeof(nm));
		strlcat(nm, area, sizeof(nm));
	}

	json_obj_open(j, "dev");
	json_str(j, "name", nm);
	/* the area itself: all devices of an inverter land in one area */
	if (*area != '\0')
		json_str(j, "sa", area);
	if (via != NULL)
		json_str(j, "via_device", via);
	if (strcmp(ha_dev, "controller") == 0) {
		put_val(j, "mdl", d, REG_CHIP_MODEL, NULL);
		put_val(j, "mf", d, REG_CHIP_TYPE, g3p ? "IGEN TECH" : NULL);
		put_val(j, "sw", d, REG_COLLECTOR_FW_VERSION, NULL);
		put_val(j, "sn", d, REG_COLLECTOR_SNR, NULL);
	} else if (strcmp(ha_dev, "inverter") == 0) {
		put_val(j, "mdl", d, REG_EQUIPMENT_MODEL,
		    g3p ? "TSOL-MSxx00" : NULL);
		put_val(j, "mf", d, REG_MANUFACTURER, g3p ? "TSUN" : NULL);
		put_val(j, "sw", d, REG_VERSION, NULL);
		put_val(j, "sn", d, REG_SERIAL_NUMBER, NULL);
	} else if (strcmp(ha_dev, "batterie") == 0) {
		put_val(j, "mdl", d, REG_EQUIPMENT_MODEL, NULL);
		put_val(j, "mf", d, REG_MANUFACTURER, "TSUN");
		put_val(j, "sw", d, REG_BATT_SW_VERS, NULL);
		put_val(j, "hw", d, REG_BATT_HW_VERS, NULL);
		put_val(j, "sn", d, REG_SERIAL_NUMBER, NULL);
	} else if (n >= 1) {
		if (d->conf != NULL && d->conf->pv[n - 1].present)
			pv = &d->conf->pv[n - 1];
		if (pv != NULL && pv->type[0] != '\0')
			json_str(j, "mdl", pv->type);
		if (pv != NULL && pv->manufacturer[0] != '\0')
			json_str(j, "mf", pv->manufacturer);
	}
	snprintf(id, sizeof(id), "%s_%s", ha_dev, snr);
	json_arr_open(j, "ids");
	json_str(j, NULL, id);
	json_arr_close(j);
	if (strcmp(ha_dev, "controller") == 0 &&
	    (mac = mq_val_str(d, REG_MAC_ADDR)) != NULL && *mac != '\0')
		put_mac(j, mac);
	json_obj_close(j);
}

int
mq_disc_entity(const struct mq_dev *d, int reg, char *topic, size_t tsize,
    const char **payload, size_t *lenp)
{
	struct ent	 e;
	char		 b[MQ_TOPIC_MAX], snr[32];
	const char	*tpl;
	int		 energy;

	if (ent_get(d, reg, &e) == -1 || !announced(d, &e, reg))
		return -1;
	if (disc_topic(topic, tsize, d, &e) == -1)
		return -1;
	/* client mode: the server-only entities are taken down */
	if (d->kind != DEV_GEN3 && d->kind != 0 && d->conf != NULL &&
	    d->conf->client_mode && (e.def->flags & REGF_SERVER_ONLY)) {
		*payload = "";
		*lenp = 0;
		return 0;
	}
	mq_dev_snr(d, snr, sizeof(snr));

	json_reset(&dj);
	json_obj_open(&dj, NULL);
	json_str(&dj, "name", e.name);
	if (mq_dev_topic(b, sizeof(b), d, e.def->group) == -1)
		return -1;
	json_str(&dj, "stat_t", b);
	if (e.dev_cla != NULL)
		json_str(&dj, "dev_cla", e.dev_cla);
	else
		json_null(&dj, "dev_cla");
	if (e.stat_cla != NULL)
		json_str(&dj, "stat_cla", e.stat_cla);
	else
		json_null(&dj, "stat_cla");
	snprintf(b, sizeof(b), "%s%s", e.id, snr);
	json_str(&dj, "uniq_id", b);
	if ((tpl = value_tpl(&e)) == NULL)
		return -1;
	json_str(&dj, "val_tpl", tpl);
	/* the original sends a unit only with a state class */
	if (e.stat_cla != NULL)
		json_str(&dj, "unit_of_meas",
		    e.def->unit != NULL ? e.def->unit : "");
	if (e.icon != NULL)
		json_str(&dj, "ic", e.icon);
	if (e.ent_cat != NULL)
		json_str(&dj, "ent_cat", e.ent_cat);
	/*
	 * Energy counters keep their last value while the device sleeps at
	 * night: they follow the proxy alone, everything else needs both.
	 */
	energy = (e.def->flags & REGF_MUST_INCR) ||
	    (e.dev_cla != NULL && strcmp(e.dev_cla, "energy") == 0);
	return put_tail(d, e.ha_dev, d->kind != 0 && !energy, payload, lenp);
}

/* device, origin, availability; the end of every config */
static int
put_tail(const struct mq_dev *d, const char *ha_dev, int devavty,
    const char **payload, size_t *lenp)
{
	char	b[MQ_TOPIC_MAX];

	dev_block(&dj, d, ha_dev);
	json_obj_open(&dj, "o");
	json_str(&dj, "name", ORIGIN_NAME);
	json_str(&dj, "sw", mq.version);
	json_obj_close(&dj);
	json_arr_open(&dj, "avty");
	json_obj_open(&dj, NULL);
	json_str(&dj, "t", mq_will_topic());
	json_obj_close(&dj);
	if (devavty) {
		if (mq_dev_topic(b, sizeof(b), d, "status") == -1)
			return -1;
		json_obj_open(&dj, NULL);
		json_str(&dj, "t", b);
		json_obj_close(&dj);
	}
	json_arr_close(&dj);
	if (devavty)
		json_str(&dj, "avty_mode", "all");
	json_obj_close(&dj);
	if ((*payload = json_finish(&dj, lenp)) == NULL)
		return -1;
	return 0;
}

/* a number entity for this device?  Commands need a node_id. */
static int
num_announced(const struct mq_dev *d, const struct number *n)
{
	if (d->kind == 0 || *mq_dev_node(d) == '\0')
		return 0;
	return (n->ann & reg_ann_mask(d->kind, sensor_list(d))) != 0;
}

static int
num_topic(char *buf, size_t size, const struct mq_dev *d,
    const struct number *n)
{
	char	snr[32];
	int	k;

	mq_dev_snr(d, snr, sizeof(snr));
	k = snprintf(buf, size, "%s/number/%s/%s_%s/config",
	    mq.conf->ha_discovery_prefix, mq_dev_node(d), n->cmd, snr);
	return k < 0 || (size_t)k >= size ? -1 : 0;
}

/* one number's config: topic and payload; 0, or -1 if not announced */
int
mq_disc_number(const struct mq_dev *d, int i, char *topic, size_t tsize,
    const char **payload, size_t *lenp)
{
	const struct number	*n;
	const struct reg_def	*def;
	char			 b[MQ_TOPIC_MAX], snr[32], has[256], ref[256];

	if (i < 0 || i >= NNUMBERS)
		return -1;
	n = &numbers[i];
	if (!num_announced(d, n) || num_topic(topic, tsize, d, n) == -1)
		return -1;
	def = reg_get(n->reg);
	mq_dev_snr(d, snr, sizeof(snr));
	json_reset(&dj);
	json_obj_open(&dj, NULL);
	json_str(&dj, "name", n->name);
	if (mq_dev_topic(b, sizeof(b), d, def->group) == -1)
		return -1;
	json_str(&dj, "stat_t", b);
	if (mq_dev_topic(b, sizeof(b), d, n->cmd) == -1)
		return -1;
	json_str(&dj, "cmd_t", b);
	snprintf(b, sizeof(b), "%s_%s", n->cmd, snr);
	json_str(&dj, "uniq_id", b);
	tpl_has(has, sizeof(has), def);
	tpl_ref(ref, sizeof(ref), def);
	snprintf(tplbuf, sizeof(tplbuf), "{%% if %s %%}{{ %s }}{%% endif %%}",
	    has, ref);
	json_str(&dj, "val_tpl", tplbuf);
	json_int(&dj, "min", n->min);
	json_int(&dj, "max", n->max);
	json_int(&dj, "step", n->step);
	json_str(&dj, "mode", "box");
	if (n->unit != NULL)
		json_str(&dj, "unit_of_meas", n->unit);
	if (n->dev_cla != NULL)
		json_str(&dj, "dev_cla", n->dev_cla);
	if (n->icon != NULL)
		json_str(&dj, "ic", n->icon);
	if (n->ent_cat != NULL)
		json_str(&dj, "ent_cat", n->ent_cat);
	if (!n->en)
		json_bool(&dj, "en", 0);
	return put_tail(d, n->ha_dev, 1, payload, lenp);
}

void
mq_disc_publish(struct mq_dev *d)
{
	char		 topic[MQ_TOPIC_MAX];
	const char	*p;
	size_t		 len;
	int		 r;

	if (!mq.up || mq.conf == NULL)
		return;
	for (r = 1; r < REG_MAX; r++)
		if (mq_disc_entity(d, r, topic, sizeof(topic), &p, &len) == 0)
			mq_publish(topic, p, len, 1);
	for (r = 0; r < NNUMBERS; r++)
		if (mq_disc_number(d, r, topic, sizeof(topic), &p, &len) == 0)
			mq_publish(topic, p, len, 1);
}

/* empty retained configs: HA removes the entities */
void
mq_disc_clear(struct mq_dev *d)
{
	struct ent	 e;
	char		 topic[MQ_TOPIC_MAX];
	int		 r;

	if (!mq.up || mq.conf == NULL)
		return;
	for (r = 1; r < REG_MAX; r++) {
		if (ent_get(d, r, &e) == -1 || !announced(d, &e, r))
			continue;
		if (disc_topic(topic, sizeof(topic), d, &e) == 0)
			mq_publish(topic, "", 0, 1);
	}
	for (r = 0; r < NNUMBERS; r++)
		if (num_announced(d, &numbers[r]) &&
		    num_topic(topic, sizeof(topic), d, &numbers[r]) == 0)
			mq_publish(topic, "", 0, 1);
}

void
mq_disc_free(void)
{
	json_free(&dj);
}

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t	*s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 16777619u;
	return h;
}

/* everything the discovery set is built from, hashed: changed -> resend */
uint32_t
mq_disc_hash(const struct mq_dev *d)
{
	static const int	 regs[] = { REG_CHIP_MODEL, REG_CHIP_TYPE,
	    REG_COLLECTOR_FW_VERSION, REG_COLLECTOR_SNR, REG_MAC_ADDR,
	    REG_EQUIPMENT_MODEL, REG_MANUFACTURER, REG_VERSION,
	    REG_SERIAL_NUMBER, REG_BATT_HW_VERS, REG_BATT_SW_VERS,
	    REG_POLLING_INTERVAL, REG_SENSOR_LIST, REG_NO_INPUTS };
#define NHREGS	12	/* hashed as they are; then the two above */
#define NREGS	(int)(sizeof(regs) / sizeof(regs[0]))
	static int8_t		 slot[REG_MAX];
	static int		 init;
	const struct mq_val	*v, *p[NREGS];
	uint32_t		 h = 2166136261u, sl;
	int64_t			 n;
	int			 i, k, npv, found = 0;

	/* called for every batch: one pass over the values, not 13 */
	if (!init) {
		memset(slot, -1, sizeof(slot));
		for (i = NREGS - 1; i >= 0; i--)
			slot[regs[i]] = (int8_t)i;
		init = 1;
	}
	memset(p, 0, sizeof(p));
	for (i = 0; i < d->nvals && found < NREGS; i++) {
		if (d->vals[i].reg >= REG_MAX ||
		    (k = slot[d->vals[i].reg]) < 0 || p[k] != NULL)
			continue;
		p[k] = &d->vals[i];
		found++;
	}
	/* as sensor_list() */
	v = p[NHREGS];
	if (v != NULL && v->type == REC_STR)
		sl = (uint32_t)strtoul(v->v.s, NULL, 16);
	else if (v != NULL && v->type == REC_INT)
		sl = (uint32_t)v->v.i;
	else if (v != NULL && v->type == REC_FLOAT)
		sl = (uint32_t)num_to_i64(v->v.f);
	else if (d->conf != NULL && d->conf->sensor_list != 0)
		sl = (uint32_t)d->conf->sensor_list;
	else
		sl = 0;
	/* as mq_disc_pv_count() */
	v = p[NHREGS + 1];
	npv = 1;
	if (v != NULL && (v->type == REC_INT || v->type == REC_FLOAT)) {
		n = v->type == REC_INT ? v->v.i : num_to_i64(v->v.f);
		if (n >= 1)
			npv = n > MAX_PV ? MAX_PV : (int)n;
	}
	h = fnv(h, &d->kind, sizeof(d->kind));
	h = fnv(h, &sl, sizeof(sl));
	h = fnv(h, &npv, sizeof(npv));
	for (i = 0; i < NHREGS; i++) {
		if ((v = p[i]) == NULL) {
			h = fnv(h, "-", 1);
			continue;
		}
		if (v->type == REC_STR)
			h = fnv(h, v->v.s, strlen(v->v.s) + 1);
		else
			h = fnv(h, &v->v, sizeof(v->v));
	}
	/* the config side (node, area, PV modules, client mode) is checked
	   by mq_reconf(), which forces a resend */
	return h | 1;	/* never 0 */
#undef NHREGS
#undef NREGS
}
