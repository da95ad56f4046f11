/*
 * mqttd/discovery.c: discovery payloads against the exact strings of the
 * vectors test_build_ha_conf1..5 (gen3.json) and the spec's examples.
 * Both sides are parsed and compared as ordered objects, after removing
 * our additions (avty, avty_mode, origin name "tsun-proxy" for "proxy")
 * and with our deliberate differences (issue 10): the suggested area is
 * the configured area itself (none if none is configured) where the
 * original suggests "<device name>"; a template is wrapped in a test for
 * its key.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"
#include "mqttd/mqttd.h"
#include "tests/unit/tjson.h"
#include "tests/unit/tpub.h"

static struct tsun_conf	*conf;
static struct conf_device *cdev;
static struct batch	*bt;
static const char	*cur_area;

/* distinct discovery topics under a prefix with a non-empty payload */
static size_t
count_entities(const char *prefix)
{
	size_t	i, k, n = 0;
	int	dup;

	for (i = 0; i < npubs; i++) {
		if (strncmp(pubs[i].topic, prefix, strlen(prefix)) != 0 ||
		    pubs[i].len == 0)
			continue;
		for (dup = 0, k = i + 1; k < npubs && !dup; k++)
			dup = strcmp(pubs[i].topic, pubs[k].topic) == 0;
		if (!dup)
			n++;
	}
	return n;
}

static struct conf_device *
add_dev(struct tsun_conf *c, enum dev_kind kind, const char *serial,
    uint32_t msn, const char *node, const char *area)
{
	struct conf_device	*d = conf_device_new();

	d->kind = kind;
	strlcpy(d->serial, serial, sizeof(d->serial));
	d->monitor_sn = msn;
	strlcpy(d->node_id, node, sizeof(d->node_id));
	strlcpy(d->suggested_area, area, sizeof(d->suggested_area));
	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	c->ndevices++;
	return d;
}

static void
start(const char *area, const char *proxy_uid)
{
	conf = conf_new();
	cur_area = area;
	strlcpy(conf->ha_proxy_unique_id, proxy_uid,
	    sizeof(conf->ha_proxy_unique_id));
	cdev = add_dev(conf, DEV_GEN3, "123", 0, "garagendach", area);
	bt = malloc(sizeof(*bt));
	ck_assert_ptr_nonnull(bt);
	/* the original's version is "unknown" when VERSION is unset */
	mq_init(conf, pub_cb, NULL, NULL, "unknown");
	mq_broker_up();
}

static void
teardown(void)
{
	mq_free();
	conf_free(conf);
	pubs_free();
	free(bt);
}

static void
send_batch(void)
{
	size_t	len = batch_end(bt);

	ck_assert_int_eq(mq_batch(bt->buf, len), 0);
}

/* the decoded content of the fixtures contr_data_seq and inv_data_seq */
static void
feed_g3(const char *sensor_list, const char *fw, int with_inv)
{
	batch_begin(bt, DEV_GEN3, BATCH_CONNECT, "123", 0);
	batch_add_str(bt, REG_SENSOR_LIST, 1, sensor_list);
	if (fw != NULL) {
		batch_add_str(bt, REG_COLLECTOR_FW_VERSION, 1, fw);
		batch_add_str(bt, REG_CHIP_TYPE, 1, "Raymon");
		batch_add_str(bt, REG_CHIP_MODEL, 1, "RSW-1-10001");
		batch_add_int(bt, REG_NO_INPUTS, 1,
		    strcmp(sensor_list, "01900000") == 0 ? 4 : 2);
		batch_add_int(bt, REG_SIGNAL_STRENGTH, 1, 100);
	}
	if (with_inv) {
		batch_add_str(bt, REG_PRODUCT_NAME, 1, "Microinv");
		batch_add_str(bt, REG_MANUFACTURER, 1, "TSUN");
		batch_add_str(bt, REG_VERSION, 1, "V5.0.11");
		batch_add_str(bt, REG_SERIAL_NUMBER, 1, "T170000000000001");
		batch_add_str(bt, REG_EQUIPMENT_MODEL, 1, "TSOL-MS600");
	}
	send_batch();
}

static void
feed_mac(const char *mac)
{
	batch_begin(bt, DEV_GEN3, 0, "123", 0);
	batch_add_str(bt, REG_MAC_ADDR, 1, mac);
	send_batch();
}

static int
skipped(const char *path, const char *key)
{
	if (strcmp(path, "/dev") == 0 && strcmp(key, "sa") == 0)
		return 1;	/* check_sa() */
	return *path == '\0' && (strcmp(key, "avty") == 0 ||
	    strcmp(key, "avty_mode") == 0);
}

/* ours: "{% if <key test> %}<the original's>[{% else %}...]{% endif %}" */
static int
same_tpl(const char *want, const char *got)
{
	static const char	*tails[] = { "{% endif %}",
	    "{% else %}{{ this.state }}{% endif %}" };
	const char		*p;
	char			 b[4096];
	size_t			 i, n;

	if (strcmp(want, got) == 0)
		return 1;
	if (strncmp(got, "{% if '", 7) != 0 ||
	    (p = strstr(got, " %}")) == NULL)
		return 0;
	n = p + 3 - got;
	if (strstr(got, " in value_json") > p || n >= sizeof(b))
		return 0;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(b, sizeof(b), "%.*s%s%s", (int)n, got, want,
		    tails[i]);
		if (strcmp(b, got) == 0)
			return 1;
	}
	return 0;
}

/* the configured area itself, and none without one (the proxy: "Proxy") */
static void
check_sa(const struct tj *got)
{
	const struct tj	*dev = tj_get(got, "dev");
	const char	*id = tj_str(tj_at(tj_get(dev, "ids"), 0));

	if (strcmp(id, "proxy") == 0)
		ck_assert_str_eq(tj_str(tj_get(dev, "sa")), "Proxy");
	else if (*cur_area != '\0')
		ck_assert_str_eq(tj_str(tj_get(dev, "sa")), cur_area);
	else
		ck_assert_ptr_null(tj_get(dev, "sa"));
}

static void
same(const struct tj *want, const struct tj *got, const char *path)
{
	char		 sub[256];
	size_t		 i, k;
	const char	*w, *g;

	ck_assert_msg(got != NULL, "%s: missing", path);
	ck_assert_msg(want->type == got->type, "%s: type %d, want %d", path,
	    got->type, want->type);
	switch (want->type) {
	case TJ_OBJ:
		for (i = 0, k = 0; i < tj_len(want); i++, k++) {
			if (skipped(path, tj_key(want, i))) {
				k--;
				continue;
			}
			while (k < tj_len(got) && skipped(path, tj_key(got, k)))
				k++;
			ck_assert_msg(k < tj_len(got), "%s: no key %s", path,
			    tj_key(want, i));
			ck_assert_msg(strcmp(tj_key(want, i),
			    tj_key(got, k)) == 0, "%s: key %s, want %s", path,
			    tj_key(got, k), tj_key(want, i));
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    tj_key(want, i));
			same(tj_at(want, i), tj_at(got, k), sub);
		}
		while (k < tj_len(got) && skipped(path, tj_key(got, k)))
			k++;
		ck_assert_msg(k == tj_len(got), "%s: extra key %s", path,
		    tj_key(got, k));
		break;
	case TJ_ARR:
		ck_assert_uint_eq(tj_len(got), tj_len(want));
		for (i = 0; i < tj_len(want); i++)
			same(tj_at(want, i), tj_at(got, i), path);
		break;
	case TJ_STR:
		w = tj_str(want);
		g = tj_str(got);
		/* our origin and proxy model: tsun-proxy, not "proxy" */
		if ((strcmp(path, "/o/name") == 0 ||
		    strcmp(path, "/dev/mdl") == 0) && strcmp(w, "proxy") == 0)
			w = "tsun-proxy";
		if (strcmp(path, "/val_tpl") == 0)
			ck_assert_msg(same_tpl(w, g), "%s: \"%s\", want \"%s\"",
			    path, g, w);
		else
			ck_assert_msg(strcmp(w, g) == 0,
			    "%s: \"%s\", want \"%s\"", path, g, w);
		break;
	case TJ_NUM:
		ck_assert_str_eq(tj_raw(got), tj_raw(want));
		break;
	default:
		break;
	}
}

/* compare every expected config of a vector; key: expect.discovery key */
static void
check_vector(const char *name, const char *only_key)
{
	struct tj	*all, *vec = NULL, *disc, *e, *want, *got, *avty;
	struct pubmsg	*p;
	const char	*topic, *uid;
	char		 dev_status[128];
	size_t		 i;
	int		 energy;

	all = tj_load("tests/vectors/gen3.json");
	ck_assert_ptr_nonnull(all);
	for (i = 0; i < tj_len(all); i++)
		if (strcmp(tj_str(tj_get(tj_at(all, i), "name")), name) == 0)
			vec = tj_at(all, i);
	ck_assert_msg(vec != NULL, "vector %s missing", name);
	disc = tj_get(tj_get(vec, "expect"), "discovery");
	ck_assert_uint_gt(tj_len(disc), 0);
	for (i = 0; i < tj_len(disc); i++) {
		if (only_key != NULL && strcmp(tj_key(disc, i), only_key) != 0)
			continue;
		e = tj_at(disc, i);
		topic = tj_str(tj_get(e, "topic"));
		p = last_on(topic);
		ck_assert_msg(p != NULL, "%s: nothing on %s", name, topic);
		ck_assert_int_eq(p->retain, 1);
		want = tj_parse(tj_str(tj_get(e, "config_json")),
		    strlen(tj_str(tj_get(e, "config_json"))));
		ck_assert_ptr_nonnull(want);
		got = tj_parse(p->payload, p->len);
		ck_assert_msg(got != NULL, "bad JSON: %s", p->payload);
		same(want, got, "");
		check_sa(got);

		/* our additions */
		uid = tj_str(tj_get(got, "uniq_id"));
		avty = tj_get(got, "avty");
		ck_assert_ptr_nonnull(avty);
		ck_assert_str_eq(tj_str(tj_get(tj_at(avty, 0), "t")),
		    "tsun/proxy/status");
		energy = strncmp(uid, "daily_gen", 9) == 0 ||
		    strncmp(uid, "total_gen", 9) == 0;
		if (strncmp(topic, "homeassistant/sensor/proxy/", 27) == 0 ||
		    energy) {
			ck_assert_uint_eq(tj_len(avty), 1);
			ck_assert_ptr_null(tj_get(got, "avty_mode"));
		} else {
			snprintf(dev_status, sizeof(dev_status),
			    "tsun/garagendach/status");
			ck_assert_uint_eq(tj_len(avty), 2);
			ck_assert_str_eq(tj_str(tj_get(tj_at(avty, 1), "t")),
			    dev_status);
			ck_assert_str_eq(tj_str(tj_get(got, "avty_mode")),
			    "all");
		}
		tj_free(want);
		tj_free(got);
	}
	tj_free(all);
}

static void
check_absent(const char *uid_prefix_snr)
{
	char	t[256];

	snprintf(t, sizeof(t), "homeassistant/sensor/garagendach/%s/config",
	    uid_prefix_snr);
	ck_assert_msg(last_on(t) == NULL, "%s announced", t);
	snprintf(t, sizeof(t), "homeassistant/sensor/proxy/%s/config",
	    uid_prefix_snr);
	if (strncmp(uid_prefix_snr, "inv_count_", 10) != 0)
		ck_assert_msg(last_on(t) == NULL, "%s announced", t);
}

START_TEST(test_build_ha_conf1)
{
	start("", "P170000000000001");
	feed_g3("01900001", NULL, 0);
	check_vector("test_build_ha_conf1", NULL);
	check_absent("power_pv2_123");
	/* inv_count_456 is the proxy's, never under the device node */
	check_absent("inv_count_456");
	/* No_Inputs unknown: PV1 only, so 32 of 2.3 minus PV2's 5 */
	ck_assert_uint_eq(count_entities("homeassistant/sensor/garagendach/"),
	    27);
	teardown();
}
END_TEST

START_TEST(test_build_ha_conf2)
{
	start("", "456");
	feed_g3("01900001", NULL, 0);
	check_vector("test_build_ha_conf2", NULL);
	check_absent("out_power_456");
	ck_assert_ptr_null(last_on(
	    "homeassistant/sensor/proxy/out_power_123/config"));
	ck_assert_ptr_null(last_on(
	    "homeassistant/sensor/proxy/signal_123/config"));
	/* 14 counters + the 4 mode counters, diagnostic */
	ck_assert_uint_eq(count_entities("homeassistant/sensor/proxy/"), 18);
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/proxy/server_mode_cnt_456/config"));
	ck_assert_ptr_nonnull(strstr(last_on(
	    "homeassistant/sensor/proxy/emu_mode_cnt_456/config")->payload,
	    "\"ent_cat\": \"diagnostic\""));
	teardown();
}
END_TEST

START_TEST(test_build_ha_conf3)
{
	start("roof", "P170000000000001");
	feed_g3("01900001", "RSW_400_V1.00.06", 1);
	check_vector("test_build_ha_conf3", NULL);
	check_absent("power_pv3_123");
	ck_assert_uint_eq(count_entities("homeassistant/sensor/garagendach/"),
	    32);
	teardown();
}
END_TEST

START_TEST(test_build_ha_conf4)
{
	start("roof", "P170000000000001");
	feed_g3("01900001", "RSW_400_V1.00.06", 1);
	pubs_clear();
	feed_mac("00a057123456");
	check_vector("test_build_ha_conf4", "signal_123 (MAC_ADDR=00a057123456)");
	pubs_clear();
	feed_mac("00:a0:57:12:34:57");
	check_vector("test_build_ha_conf4",
	    "signal_123 (MAC_ADDR=00:a0:57:12:34:57)");
	teardown();
}
END_TEST

START_TEST(test_build_ha_conf5)
{
	start("roof", "P170000000000001");
	feed_g3("01900000", "RSW_400_V2.01.13", 1);
	pubs_clear();
	feed_mac("00a057123456");
	check_vector("test_build_ha_conf5", "signal_123 (MAC_ADDR=00a057123456)");
	/* 4 inputs and the 32 experimental Val_n/iVal_n sensors */
	ck_assert_uint_eq(count_entities("homeassistant/sensor/garagendach/"),
	    60);
	ck_assert_ptr_nonnull(strstr(last_on(
	    "homeassistant/sensor/garagendach/val_0_123/config")->payload,
	    "\"unit_of_meas\": \"\""));
	pubs_clear();
	feed_mac("00:a0:57:12:34:57");
	check_vector("test_build_ha_conf5",
	    "signal_123 (MAC_ADDR=00:a0:57:12:34:57)");
	teardown();
}
END_TEST

/* spec 2.6: a diagnostic entity without unit */
START_TEST(test_spec_collect_interval)
{
	struct pubmsg	*p;
	struct tj	*t;

	start("", "P170000000000001");
	feed_g3("01900001", NULL, 0);
	p = last_on("homeassistant/sensor/garagendach/"
	    "data_collect_intval_123/config");
	ck_assert_ptr_nonnull(p);
	t = tj_parse(p->payload, p->len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(tj_str(tj_get(t, "val_tpl")),
	    "{% if 'Collect_Interval' in value_json %}"
	    "{{value_json['Collect_Interval'] | string + \" min\"}}"
	    "{% else %}{{ this.state }}{% endif %}");
	ck_assert_str_eq(tj_str(tj_get(t, "ic")), "mdi:update");
	ck_assert_str_eq(tj_str(tj_get(t, "ent_cat")), "diagnostic");
	ck_assert_ptr_null(tj_get(t, "unit_of_meas"));
	ck_assert_str_eq(tj_str(tj_get(tj_get(t, "o"), "sw")), "unknown");
	tj_free(t);
	teardown();
}
END_TEST

/* GEN3PLUS: ids carry the monitor SN; defaults; PV modules; client mode */
START_TEST(test_gen3plus_ids)
{
	struct pubmsg		*p;
	struct tj		*t, *dev;
	struct conf_device	*g3p;
	const char		*op =
	    "homeassistant/sensor/inv_2/out_power_2000000000/config";

	start("", "P170000000000001");
	g3p = add_dev(conf, DEV_GEN3PLUS, "Y170000000000001", 2000000000,
	    "inv_2", "garage");
	g3p->pv[0].present = 1;
	strlcpy(g3p->pv[0].type, "RSM40-8-410M", sizeof(g3p->pv[0].type));
	strlcpy(g3p->pv[0].manufacturer, "Risen",
	    sizeof(g3p->pv[0].manufacturer));
	mq_reconf(conf);
	pubs_clear();
	batch_begin(bt, DEV_GEN3PLUS, BATCH_CONNECT, "Y170000000000001",
	    2000000000);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "02b0");
	batch_add_int(bt, REG_NO_INPUTS, 1, 2);
	batch_add_float(bt, REG_OUTPUT_POWER, 1, 165.8);
	send_batch();
	/* the 33 of the original without Polling Interval: no polling here */
	ck_assert_uint_eq(count_entities("homeassistant/sensor/inv_2/"), 32);
	p = last_on(op);
	ck_assert_ptr_nonnull(p);
	t = tj_parse(p->payload, p->len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(tj_str(tj_get(t, "uniq_id")), "out_power_2000000000");
	ck_assert_str_eq(tj_str(tj_get(t, "stat_t")), "tsun/inv_2/grid");
	dev = tj_get(t, "dev");
	ck_assert_str_eq(tj_str(tj_get(dev, "name")), "Micro Inverter - garage");
	ck_assert_str_eq(tj_str(tj_get(dev, "via_device")),
	    "controller_2000000000");
	ck_assert_str_eq(tj_str(tj_get(dev, "mdl")), "TSOL-MSxx00");
	ck_assert_str_eq(tj_str(tj_get(dev, "mf")), "TSUN");
	ck_assert_str_eq(tj_str(tj_at(tj_get(dev, "ids"), 0)),
	    "inverter_2000000000");
	tj_free(t);

	p = last_on("homeassistant/sensor/inv_2/power_pv1_2000000000/config");
	ck_assert_ptr_nonnull(p);
	t = tj_parse(p->payload, p->len);
	dev = tj_get(t, "dev");
	ck_assert_str_eq(tj_key(dev, 3), "mdl");
	ck_assert_str_eq(tj_str(tj_get(dev, "mdl")), "RSM40-8-410M");
	ck_assert_str_eq(tj_str(tj_get(dev, "mf")), "Risen");
	ck_assert_str_eq(tj_str(tj_at(tj_get(dev, "ids"), 0)),
	    "input_pv1_2000000000");
	tj_free(t);
	ck_assert_ptr_null(last_on(
	    "homeassistant/sensor/inv_2/power_pv3_2000000000/config"));

	p = last_on("homeassistant/sensor/inv_2/signal_2000000000/config");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p->payload, "\"mf\": \"IGEN TECH\""));

	/* client mode: the server-only entities are removed (empty, retained) */
	g3p->client_mode = 1;
	mq_reconf(conf);
	p = last_on("homeassistant/sensor/inv_2/signal_2000000000/config");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_int_eq(p->retain, 1);
	teardown();
}
END_TEST

START_TEST(test_dc1000_count)
{
	start("", "P170000000000001");
	add_dev(conf, DEV_BATTERY, "4100000000000001", 3000000000u, "bat_1",
	    "");
	mq_reconf(conf);
	pubs_clear();
	batch_begin(bt, DEV_BATTERY, BATCH_CONNECT, "4100000000000001",
	    3000000000u);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "3026");
	batch_add_int(bt, REG_NO_INPUTS, 1, 2);
	send_batch();
	ck_assert_uint_eq(count_entities("homeassistant/sensor/bat_1/"), 45);
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/bat_1/volt_pv1_3000000000/config"));
	ck_assert_ptr_nonnull(strstr(last_on(
	    "homeassistant/sensor/bat_1/volt_pv1_3000000000/config")->payload,
	    "\"ids\": [\"bat_inp_pv1_3000000000\"]"));
	teardown();
}
END_TEST

/* discovery goes out again only when what it is built from changes */
START_TEST(test_resend_rules)
{
	start("roof", "P170000000000001");
	feed_g3("01900001", "RSW_400_V1.00.06", 1);
	pubs_clear();
	batch_begin(bt, DEV_GEN3, 0, "123", 0);
	batch_add_float(bt, REG_OUTPUT_POWER, 1, 100.0);
	send_batch();
	ck_assert_uint_eq(count_entities("homeassistant/"), 0);
	batch_begin(bt, DEV_GEN3, 0, "123", 0);
	batch_add_str(bt, REG_VERSION, 1, "V5.0.12");
	send_batch();
	ck_assert_ptr_nonnull(strstr(last_on(
	    "homeassistant/sensor/garagendach/out_power_123/config")->payload,
	    "\"sw\": \"V5.0.12\""));
	teardown();
}
END_TEST

/* issue 10: what Home Assistant would show wrong with the original's set */
START_TEST(test_ha_fixes)
{
	struct pubmsg	*p;
	struct tj	*t;
	char		 b[256];
	int		 i;
	static const char *names[] = { "HBridgeFault", "DriVoltageFault",
	    "GFDI-Fault", "OverTemp", "CommLose", "Bit6", "Bit7",
	    "EEPROM-Fault", "NoUtility", "VG_Offset", "Relais_Open",
	    "Relais_Short", "GridVoltOverRating", "GridVoltUnderRating",
	    "GridFreqOverRating", "GridFreqUnderRating" };

	start("", "P170000000000001");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000001", 2000000000, "inv_2",
	    "");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000002", 2000000001, "inv_mx",
	    "");
	mq_reconf(conf);
	batch_begin(bt, DEV_GEN3PLUS, BATCH_CONNECT, "Y170000000000001",
	    2000000000);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "02b0");
	batch_add_int(bt, REG_NO_INPUTS, 1, 4);
	send_batch();
	/* masks, bit0 first */
	p = last_on("homeassistant/sensor/inv_2/inv_alarm_2000000000/config");
	ck_assert_ptr_nonnull(p);
	t = tj_parse(p->payload, p->len);
	for (i = 0; i < 16; i++) {
		snprintf(b, sizeof(b), "bitwise_and(0x%04x) %%}{%% set result = "
		    "result + '%s, ' %%}", 1u << i, names[i]);
		ck_assert_msg(strstr(tj_str(tj_get(t, "val_tpl")), b) != NULL,
		    "no %s", b);
	}
	tj_free(t);
	/* Polling Interval only with polling */
	ck_assert_ptr_null(last_on(
	    "homeassistant/sensor/inv_2/polling_intval_2000000000/config"));
	batch_begin(bt, DEV_GEN3PLUS, 0, "Y170000000000001", 2000000000);
	batch_add_int(bt, REG_POLLING_INTERVAL, 1, 60);
	send_batch();
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/inv_2/polling_intval_2000000000/config"));
	/* the MX3000D has no inverter entities: its modules hang on the
	   controller */
	batch_begin(bt, DEV_GEN3PLUS, BATCH_CONNECT, "Y170000000000002",
	    2000000001);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "1097");
	send_batch();
	p = last_on("homeassistant/sensor/inv_mx/power_pv1_2000000001/config");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p->payload,
	    "\"via_device\": \"controller_2000000001\""));
	ck_assert_ptr_null(strstr(p->payload, "\"sa\""));
	ck_assert_ptr_null(last_on(
	    "homeassistant/sensor/inv_mx/out_power_2000000001/config"));
	/* no entity name starts with its device's name */
	p = last_on("homeassistant/sensor/proxy/"
	    "proxy_mode_cnt_P170000000000001/config");
	ck_assert_ptr_nonnull(strstr(p->payload,
	    "\"name\": \"Connections in Proxy Mode\""));
	teardown();
}
END_TEST

/* issue 12: the settings as number entities */
START_TEST(test_numbers)
{
	struct pubmsg	*p;
	struct tj	*t;
	struct cmd_resp	 r;
	struct conf_device *cd;
	const char	*oc = "homeassistant/number/inv_2/out_coeff_2000000000/"
	    "config";

	start("", "P170000000000001");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000001", 2000000000, "inv_2",
	    "");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000002", 2000000001, "",
	    "");
	add_dev(conf, DEV_BATTERY, "4100000000000001", 3000000000u, "bat_1",
	    "");
	mq_reconf(conf);
	batch_begin(bt, DEV_GEN3PLUS, BATCH_CONNECT, "Y170000000000001",
	    2000000000);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "02b0");
	send_batch();
	batch_begin(bt, DEV_GEN3PLUS, BATCH_CONNECT, "Y170000000000002",
	    2000000001);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "02b0");
	send_batch();
	batch_begin(bt, DEV_BATTERY, BATCH_CONNECT, "4100000000000001",
	    3000000000u);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "3026");
	send_batch();

	p = last_on(oc);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->retain, 1);
	t = tj_parse(p->payload, p->len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(tj_str(tj_get(t, "name")), "Output Limit");
	ck_assert_str_eq(tj_str(tj_get(t, "cmd_t")), "tsun/inv_2/out_coeff");
	ck_assert_str_eq(tj_str(tj_get(t, "stat_t")), "tsun/inv_2/inverter");
	ck_assert_str_eq(tj_str(tj_get(t, "uniq_id")), "out_coeff_2000000000");
	ck_assert_str_eq(tj_raw(tj_get(t, "min")), "0");
	ck_assert_str_eq(tj_raw(tj_get(t, "max")), "100");
	ck_assert_str_eq(tj_raw(tj_get(t, "step")), "1");
	ck_assert_str_eq(tj_str(tj_get(t, "unit_of_meas")), "%");
	ck_assert_str_eq(tj_str(tj_get(t, "ent_cat")), "config");
	ck_assert_str_eq(tj_str(tj_get(t, "val_tpl")),
	    "{% if 'Output_Coefficient' in value_json %}"
	    "{{ value_json['Output_Coefficient'] }}{% endif %}");
	ck_assert_ptr_null(tj_get(t, "en"));
	ck_assert_str_eq(tj_str(tj_at(tj_get(tj_get(t, "dev"), "ids"), 0)),
	    "inverter_2000000000");
	tj_free(t);
	p = last_on("homeassistant/number/inv_2/rated_load_2000000000/config");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p->payload, "\"en\": false"));
	/* no node_id: no command topic, no number */
	ck_assert_ptr_null(last_on(
	    "homeassistant/number/out_coeff_2000000001/config"));
	/* the battery: output power, no output limit */
	p = last_on("homeassistant/number/bat_1/dcu_power_3000000000/config");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p->payload, "\"min\": 100, "
	    "\"max\": 800"));
	ck_assert_ptr_nonnull(strstr(p->payload,
	    "\"stat_t\": \"tsun/bat_1/batterie\""));
	ck_assert_ptr_null(last_on(
	    "homeassistant/number/bat_1/out_coeff_3000000000/config"));

	/* its state: the value the battery confirmed */
	mq_message("tsun/bat_1/dcu_power", "600", 3, 0);
	ck_assert_ptr_null(last_on("tsun/bat_1/batterie"));
	memset(&r, 0, sizeof(r));
	r.kind = CMDR_DCU;
	strlcpy(r.serial, "4100000000000001", sizeof(r.serial));
	strlcpy(r.text, "+ok", sizeof(r.text));
	mq_cmd_resp(&r);
	p = last_on("tsun/bat_1/batterie");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->payload, "{\"Output_Power_Set\": 600.0}");

	/* removed with the device */
	pubs_clear();
	cd = TAILQ_NEXT(cdev, entry);
	TAILQ_REMOVE(&conf->devices, cd, entry);
	conf->ndevices--;
	mq_reconf(conf);
	p = last_on(oc);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_int_eq(p->retain, 1);
	TAILQ_INSERT_TAIL(&conf->devices, cd, entry);
	conf->ndevices++;
	teardown();
}
END_TEST

static Suite *
discovery_suite(void)
{
	Suite	*s = suite_create("discovery");
	TCase	*tc = tcase_create("vectors");

	tcase_add_test(tc, test_build_ha_conf1);
	tcase_add_test(tc, test_build_ha_conf2);
	tcase_add_test(tc, test_build_ha_conf3);
	tcase_add_test(tc, test_build_ha_conf4);
	tcase_add_test(tc, test_build_ha_conf5);
	tcase_add_test(tc, test_spec_collect_interval);
	tcase_add_test(tc, test_gen3plus_ids);
	tcase_add_test(tc, test_dc1000_count);
	tcase_add_test(tc, test_resend_rules);
	tcase_add_test(tc, test_ha_fixes);
	tcase_add_test(tc, test_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(discovery_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
