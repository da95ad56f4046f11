/*
 * mqttd/publish.c: group JSON from record batches, compared with the
 * reference databases of the vectors and the spec's example payloads;
 * change detection, availability, broker restarts, midnight, reload.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "common/cmd.h"
#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"
#include "mqttd/json.h"
#include "mqttd/mqttd.h"
#include "tests/unit/tjson.h"
#include "tests/unit/tpub.h"

static struct tsun_conf	*conf;
static struct batch	*bt;
static int64_t		 fake_now = 1700000000;

static size_t
count_on(const char *topic)
{
	size_t	i, n = 0;

	for (i = 0; i < npubs; i++)
		if (strcmp(pubs[i].topic, topic) == 0)
			n++;
	return n;
}

static size_t
count_prefix(const char *prefix)
{
	size_t	i, n = 0;

	for (i = 0; i < npubs; i++)
		if (strncmp(pubs[i].topic, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static int64_t
now_fake(void)
{
	return fake_now;
}

static struct conf_device *
add_dev(struct tsun_conf *c, enum dev_kind kind, const char *serial,
    uint32_t msn, const char *node)
{
	struct conf_device	*d = conf_device_new();

	d->kind = kind;
	strlcpy(d->serial, serial, sizeof(d->serial));
	d->monitor_sn = msn;
	strlcpy(d->node_id, node, sizeof(d->node_id));
	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	c->ndevices++;
	return d;
}

static void
setup(void)
{
	conf = conf_new();
	add_dev(conf, DEV_GEN3, "R170000000000001", 0, "inv1");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000001", 2070233889, "inv2");
	add_dev(conf, DEV_BATTERY, "4100000000000001", 2070233888, "bat1");
	bt = malloc(sizeof(*bt));
	ck_assert_ptr_nonnull(bt);
	mq_now = now_fake;
	mq_init(conf, pub_cb, NULL, NULL, "0.1-test");
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

	ck_assert_int_eq(bt->full, 0);
	ck_assert_int_eq(mq_batch(bt->buf, len), 0);
}

/* ---- vectors: reference db -> batch -> published groups ---- */

static void
add_value(const char *group, const char *sub, const char *key,
    const struct tj *v)
{
	enum reg_id	 r = reg_by_path(group, sub, key);
	const char	*raw;

	if (r == REG_NONE)
		ck_abort_msg("no register for %s/%s/%s", group,
		    sub ? sub : "", key);
	if (v->type == TJ_STR)
		batch_add_str(bt, r, 1, tj_str(v));
	else if (v->type == TJ_NUM) {
		raw = tj_raw(v);
		if (strpbrk(raw, ".eE") != NULL)
			batch_add_float(bt, r, 1, tj_num(v));
		else
			batch_add_int(bt, r, 1, (int64_t)tj_num(v));
	} else
		ck_abort_msg("unexpected value type for %s", key);
}

/* published JSON equals the reference: keys, order, values, number text */
static void
same_json(const struct tj *want, const struct tj *got, const char *where)
{
	char		 b[64];
	const char	*wr;
	size_t		 i;

	ck_assert_ptr_nonnull(got);
	if (want->type == TJ_OBJ) {
		ck_assert_msg(got->type == TJ_OBJ, "%s: not an object", where);
		ck_assert_msg(tj_len(want) == tj_len(got), "%s: %zu keys, "
		    "want %zu", where, tj_len(got), tj_len(want));
		for (i = 0; i < tj_len(want); i++) {
			ck_assert_str_eq(tj_key(got, i), tj_key(want, i));
			same_json(tj_at(want, i), tj_at(got, i),
			    tj_key(want, i));
		}
		return;
	}
	if (want->type == TJ_STR) {
		ck_assert_msg(got->type == TJ_STR, "%s: not a string", where);
		ck_assert_str_eq(tj_str(got), tj_str(want));
		return;
	}
	ck_assert_msg(got->type == TJ_NUM, "%s: not a number", where);
	wr = tj_raw(want);
	if (strpbrk(wr, ".eE") == NULL) {
		ck_assert_str_eq(tj_raw(got), wr);
		return;
	}
	/* floats go out rounded to 2 decimals, as Python's round(v, 2) */
	json_fmt_repr(b, sizeof(b), num_round2(tj_num(want)));
	ck_assert_msg(strcmp(tj_raw(got), b) == 0, "%s: %s, want %s", where,
	    tj_raw(got), b);
	if (num_round2(tj_num(want)) == tj_num(want))
		ck_assert_str_eq(tj_raw(got), wr);
}

static void
check_db(const char *file, const char *name, const char *where,
    int kind, const char *serial, uint32_t msn, const char *node)
{
	struct tj	*all, *vec = NULL, *db, *g, *m, *got;
	struct pubmsg	*p;
	char		 topic[256];
	size_t		 i, k, s;

	all = tj_load(file);
	ck_assert_ptr_nonnull(all);
	for (i = 0; i < tj_len(all); i++)
		if (strcmp(tj_str(tj_get(tj_at(all, i), "name")), name) == 0)
			vec = tj_at(all, i);
	ck_assert_msg(vec != NULL, "vector %s missing", name);
	db = tj_get(tj_get(vec, where), strcmp(where, "reference") == 0 ?
	    "db" : "decoded_reference");
	ck_assert_msg(tj_len(db) > 0, "%s: no reference db", name);

	batch_begin(bt, (uint8_t)kind, BATCH_CONNECT, serial, msn);
	for (i = 0; i < tj_len(db); i++) {
		g = tj_at(db, i);
		for (k = 0; k < tj_len(g); k++) {
			m = tj_at(g, k);
			if (m->type != TJ_OBJ) {
				add_value(tj_key(db, i), NULL, tj_key(g, k), m);
				continue;
			}
			for (s = 0; s < tj_len(m); s++)
				add_value(tj_key(db, i), tj_key(g, k),
				    tj_key(m, s), tj_at(m, s));
		}
	}
	pubs_clear();
	send_batch();
	for (i = 0; i < tj_len(db); i++) {
		snprintf(topic, sizeof(topic), "tsun/%s/%s", node,
		    tj_key(db, i));
		p = last_on(topic);
		ck_assert_msg(p != NULL, "%s: nothing on %s", name, topic);
		ck_assert_int_eq(p->retain, 0);
		ck_assert_uint_eq(count_on(topic), 1);
		got = tj_parse(p->payload, p->len);
		ck_assert_msg(got != NULL, "%s: bad JSON %s", topic,
		    p->payload);
		same_json(tj_at(db, i), got, topic);
		tj_free(got);
	}
	/* availability and discovery came with it */
	snprintf(topic, sizeof(topic), "tsun/%s/status", node);
	ck_assert_ptr_nonnull(last_on(topic));
	ck_assert_str_eq(last_on(topic)->payload, "online");
	ck_assert_int_eq(last_on(topic)->retain, 1);
	snprintf(topic, sizeof(topic), "homeassistant/sensor/%s/", node);
	ck_assert_uint_gt(count_prefix(topic), 0);
	tj_free(all);
}

#define G3	"tests/vectors/gen3.json"
#define G3P	"tests/vectors/gen3plus.json"
#define G3SN	"R170000000000001"

START_TEST(test_msg_inv_ind1)
{
	check_db(G3, "test_msg_inv_ind1", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_msg_inv_ind3)
{
	check_db(G3, "test_msg_inv_ind3", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_msg_inv_ind4)
{
	check_db(G3, "test_msg_inv_ind4", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_msg_inv_ind5)
{
	check_db(G3, "test_msg_inv_ind5", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_build_modell_3000)
{
	check_db(G3, "test_build_modell_3000", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_msg_inv_replay)
{
	check_db(G3, "test_msg_inv_replay", "reference", DEV_GEN3, G3SN, 0,
	    "inv1");
}
END_TEST

START_TEST(test_msg_modbus_fragment)
{
	check_db(G3, "test_msg_modbus_fragment", "reference", DEV_GEN3, G3SN,
	    0, "inv1");
}
END_TEST

START_TEST(test_device_ind_0x4110_ms2000)
{
	check_db(G3P, "device_ind_0x4110_ms2000", "derived", DEV_GEN3PLUS,
	    "Y170000000000001", 2070233889, "inv2");
}
END_TEST

START_TEST(test_data_ind_0x4210_02b0_ms2000_600)
{
	check_db(G3P, "data_ind_0x4210_02b0_ms2000_600", "derived",
	    DEV_GEN3PLUS, "Y170000000000001", 2070233889, "inv2");
}
END_TEST

START_TEST(test_dcu_data_ind_0x4210_3026)
{
	check_db(G3P, "dcu_data_ind_0x4210_3026", "derived", DEV_BATTERY,
	    "4100000000000001", 2070233888, "bat1");
}
END_TEST

/* ---- the spec's example payloads, byte for byte ---- */

START_TEST(test_spec_examples)
{
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 238.5);
	batch_add_float(bt, REG_GRID_CURRENT, 1, 0.05);
	batch_add_float(bt, REG_GRID_FREQUENCY, 1, 50.0);
	batch_add_float(bt, REG_OUTPUT_POWER, 1, 0.0);
	batch_add_float(bt, REG_DAILY_GENERATION, 1, 1.7);
	batch_add_float(bt, REG_TOTAL_GENERATION, 1, 17.36);
	batch_add_int(bt, REG_INVERTER_STATUS, 1, 1);
	batch_add_int(bt, REG_INVERTER_TEMP, 1, 23);
	batch_add_int(bt, REG_EVENT_ALARM, 1, 0);
	batch_add_int(bt, REG_EVENT_FAULT, 1, 0);
	batch_add_int(bt, REG_EVENT_BF1, 1, 0);
	batch_add_int(bt, REG_EVENT_BF2, 1, 0);
	batch_add_str(bt, REG_PRODUCT_NAME, 1, "Microinv");
	batch_add_str(bt, REG_MANUFACTURER, 1, "TSUN");
	batch_add_str(bt, REG_VERSION, 1, "V5.0.11");
	batch_add_str(bt, REG_SERIAL_NUMBER, 1, "T170000000000001");
	batch_add_str(bt, REG_EQUIPMENT_MODEL, 1, "TSOL-MS600");
	send_batch();
	ck_assert_str_eq(last_on("tsun/inv1/grid")->payload,
	    "{\"Voltage\": 238.5, \"Current\": 0.05, \"Frequency\": 50.0, "
	    "\"Output_Power\": 0.0}");
	ck_assert_str_eq(last_on("tsun/inv1/total")->payload,
	    "{\"Daily_Generation\": 1.7, \"Total_Generation\": 17.36}");
	ck_assert_str_eq(last_on("tsun/inv1/env")->payload,
	    "{\"Inverter_Status\": 1, \"Inverter_Temp\": 23}");
	ck_assert_str_eq(last_on("tsun/inv1/events")->payload,
	    "{\"Inverter_Alarm\": 0, \"Inverter_Fault\": 0, "
	    "\"Inverter_Bitfield_1\": 0, \"Inverter_bitfield_2\": 0}");
	ck_assert_str_eq(last_on("tsun/inv1/inverter")->payload,
	    "{\"Product_Name\": \"Microinv\", \"Manufacturer\": \"TSUN\", "
	    "\"Version\": \"V5.0.11\", \"Serial_Number\": "
	    "\"T170000000000001\", \"Equipment_Model\": \"TSOL-MS600\"}");

	batch_begin(bt, DEV_GEN3PLUS, 0, "Y170000000000001", 2070233889);
	batch_add_str(bt, REG_CHIP_MODEL, 1, "LSW5BLE_17_02B0_1.05");
	batch_add_str(bt, REG_MAC_ADDR, 1, "40:2a:8f:4f:51:54");
	batch_add_str(bt, REG_COLLECTOR_FW_VERSION, 1, "V1.1.00.0B");
	batch_add_float(bt, REG_PV1_VOLTAGE, 1, 35.3);
	batch_add_float(bt, REG_PV1_CURRENT, 1, 1.68);
	batch_add_float(bt, REG_PV1_POWER, 1, 59.6);
	batch_add_float(bt, REG_PV1_DAILY_GENERATION, 1, 0.04);
	batch_add_float(bt, REG_PV1_TOTAL_GENERATION, 1, 30.76);
	batch_add_float(bt, REG_PV2_VOLTAGE, 1, 0.125);
	send_batch();
	ck_assert_str_eq(last_on("tsun/inv2/collector")->payload,
	    "{\"Chip_Model\": \"LSW5BLE_17_02B0_1.05\", \"MAC-Addr\": "
	    "\"40:2a:8f:4f:51:54\", \"Collector_Fw_Version\": \"V1.1.00.0B\"}");
	ck_assert_str_eq(last_on("tsun/inv2/input")->payload,
	    "{\"pv1\": {\"Voltage\": 35.3, \"Current\": 1.68, \"Power\": 59.6, "
	    "\"Daily_Generation\": 0.04, \"Total_Generation\": 30.76}, "
	    "\"pv2\": {\"Voltage\": 0.12}}");
}
END_TEST

START_TEST(test_nesting_order_and_escaping)
{
	struct pubmsg	*p;
	struct tj	*t;

	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_PV1_VOLTAGE, 1, 33.6);
	batch_add_int(bt, REG_TS_INPUT, 1, 1691243349);
	batch_add_float(bt, REG_PV2_VOLTAGE, 1, 33.5);
	batch_add_float(bt, REG_PV1_CURRENT, 1, 1.91);
	batch_add_str(bt, REG_SSID, 1, "a\"b\\c\n\x01\xc2\xb0");
	send_batch();
	ck_assert_str_eq(last_on("tsun/inv1/input")->payload,
	    "{\"pv1\": {\"Voltage\": 33.6, \"Current\": 1.91}, "
	    "\"Timestamp\": 1691243349, \"pv2\": {\"Voltage\": 33.5}}");
	p = last_on("tsun/inv1/controller");
	ck_assert_str_eq(p->payload,
	    "{\"WiFi_SSID\": \"a\\\"b\\\\c\\n\\u0001\\u00b0\"}");
	t = tj_parse(p->payload, p->len);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(tj_str(tj_get(t, "WiFi_SSID")),
	    "a\"b\\c\n\x01\xc2\xb0");
	tj_free(t);
}
END_TEST

START_TEST(test_change_detection)
{
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	batch_add_int(bt, REG_INVERTER_TEMP, 1, 20);
	send_batch();
	ck_assert_uint_eq(count_on("tsun/inv1/grid"), 1);
	ck_assert_uint_eq(count_on("tsun/inv1/env"), 1);
	/* data without a connect flag: the device is online */
	ck_assert_str_eq(last_on("tsun/inv1/status")->payload, "online");
	pubs_clear();

	/* same values again: nothing */
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	batch_add_int(bt, REG_INVERTER_TEMP, 1, 20);
	send_batch();
	ck_assert_uint_eq(npubs, 0);

	/* one change: the whole group of it, nothing else */
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_CURRENT, 1, 0.5);
	batch_add_int(bt, REG_INVERTER_TEMP, 1, 20);
	send_batch();
	ck_assert_uint_eq(npubs, 1);
	ck_assert_str_eq(last_on("tsun/inv1/grid")->payload,
	    "{\"Voltage\": 230.0, \"Current\": 0.5}");

	/* a deleted key leaves the group */
	pubs_clear();
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_del(bt, REG_GRID_VOLTAGE, 1);
	send_batch();
	ck_assert_str_eq(last_on("tsun/inv1/grid")->payload,
	    "{\"Current\": 0.5}");

	/* a snapshot sends everything */
	pubs_clear();
	batch_begin(bt, DEV_GEN3, BATCH_SNAPSHOT, G3SN, 0);
	send_batch();
	ck_assert_uint_eq(count_on("tsun/inv1/grid"), 1);
	ck_assert_uint_eq(count_on("tsun/inv1/env"), 1);
}
END_TEST

/* REC_NULL prints null, as json.dumps prints None; null -> null: quiet */
START_TEST(test_null)
{
	batch_begin(bt, DEV_BATTERY, 0, "4100000000000001", 2070233888);
	batch_add_float(bt, REG_BATT_OUT_VOLT, 1, 0.14);
	batch_add_null(bt, REG_BATT_OUT_PWR, 1);
	batch_add_null(bt, REG_BATT_PWR_SUPL_STATE, 1);
	batch_add_float(bt, REG_BATT_PV_PWR, 1, 37.92);
	send_batch();
	ck_assert_str_eq(last_on("tsun/bat1/batterie")->payload,
	    "{\"out\": {\"Voltage\": 0.14, \"Power\": null, "
	    "\"Suppl_State\": null}, \"PV_Power\": 37.92}");
	pubs_clear();

	batch_begin(bt, DEV_BATTERY, 0, "4100000000000001", 2070233888);
	batch_add_null(bt, REG_BATT_OUT_PWR, 2);
	send_batch();
	ck_assert_uint_eq(count_on("tsun/bat1/batterie"), 0);

	/* a value replaces the null in place, and a null the value */
	batch_begin(bt, DEV_BATTERY, 0, "4100000000000001", 2070233888);
	batch_add_float(bt, REG_BATT_OUT_PWR, 3, -1.5);
	batch_add_int(bt, REG_BATT_PWR_SUPL_STATE, 3, 0);
	batch_add_null(bt, REG_BATT_PV_PWR, 3);
	send_batch();
	ck_assert_uint_eq(count_on("tsun/bat1/batterie"), 1);
	ck_assert_str_eq(last_on("tsun/bat1/batterie")->payload,
	    "{\"out\": {\"Voltage\": 0.14, \"Power\": -1.5, "
	    "\"Suppl_State\": 0}, \"PV_Power\": null}");

	/* and the null survives a full republish */
	pubs_clear();
	mq_broker_down();
	mq_broker_up();
	ck_assert_str_eq(last_on("tsun/bat1/batterie")->payload,
	    "{\"out\": {\"Voltage\": 0.14, \"Power\": -1.5, "
	    "\"Suppl_State\": 0}, \"PV_Power\": null}");
}
END_TEST

START_TEST(test_malformed_batch)
{
	size_t	len;

	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	batch_add_int(bt, REG_INVERTER_TEMP, 1, 20);
	len = batch_end(bt);
	pubs_clear();
	ck_assert_int_eq(mq_batch(bt->buf, len - 1), -1);
	ck_assert_int_eq(mq_batch(bt->buf, 3), -1);
	ck_assert_uint_eq(npubs, 0);
	bt->buf[0] = 9;		/* no such device kind */
	ck_assert_int_eq(mq_batch(bt->buf, len), -1);
	ck_assert_uint_eq(npubs, 0);
	ck_assert_uint_eq(mq_ndevices(), 0);
}
END_TEST

START_TEST(test_proxy_counters)
{
	struct pubmsg	*p;
	struct tj	*t;

	p = last_on("tsun/proxy/proxy");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->payload, "{\"Inverter_Cnt\": 0, "
	    "\"Cloud_Conn_Cnt\": 0, \"Unknown_SNR\": 0, \"Unknown_Msg\": 0, "
	    "\"Invalid_Data_Type\": 0, \"Internal_Error\": 0, "
	    "\"Unknown_Ctrl\": 0, \"OTA_Start_Msg\": 0, \"SW_Exception\": 0, "
	    "\"Invalid_Msg_Format\": 0, \"AT_Command\": 0, "
	    "\"AT_Command_Blocked\": 0, \"DCU_Command\": 0, "
	    "\"Modbus_Command\": 0, \"ServerMode_Cnt\": 0, "
	    "\"ClientMode_Cnt\": 0, \"ProxyMode_Cnt\": 0, \"EmuMode_Cnt\": 0}");
	ck_assert_str_eq(last_on("tsun/proxy/status")->payload, "online");
	ck_assert_int_eq(last_on("tsun/proxy/status")->retain, 1);
	ck_assert_str_eq(mq_will_topic(), "tsun/proxy/status");

	pubs_clear();
	batch_begin(bt, 0, 0, "", 0);
	batch_add_int(bt, REG_INVERTER_CNT, 1, 1);
	batch_add_int(bt, REG_SERVER_MODE_CNT, 1, 1);
	send_batch();
	ck_assert_uint_eq(npubs, 1);
	t = tj_parse(pubs[0].payload, pubs[0].len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(tj_len(t), 18);
	ck_assert_str_eq(tj_raw(tj_get(t, "Inverter_Cnt")), "1");
	ck_assert_str_eq(tj_raw(tj_get(t, "ServerMode_Cnt")), "1");
	tj_free(t);

	pubs_clear();
	mq_shutdown();
	ck_assert_str_eq(last_on("tsun/proxy/status")->payload, "offline");
	ck_assert_int_eq(last_on("tsun/proxy/status")->retain, 1);
}
END_TEST

START_TEST(test_broker_restart)
{
	batch_begin(bt, DEV_GEN3, BATCH_CONNECT, G3SN, 0);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "01900001");
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	batch_add_float(bt, REG_DAILY_GENERATION, 1, 1.5);
	send_batch();
	mq_broker_down();
	pubs_clear();

	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 231.0);
	send_batch();
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 232.0);
	send_batch();
	ck_assert_uint_eq(npubs, 0);

	mq_broker_up();
	ck_assert_str_eq(pubs[0].topic, "tsun/proxy/status");
	ck_assert_str_eq(pubs[0].payload, "online");
	ck_assert_uint_eq(count_on("tsun/inv1/grid"), 1);
	ck_assert_str_eq(last_on("tsun/inv1/grid")->payload,
	    "{\"Voltage\": 232.0}");
	ck_assert_str_eq(last_on("tsun/inv1/total")->payload,
	    "{\"Daily_Generation\": 1.5}");
	ck_assert_str_eq(last_on("tsun/inv1/status")->payload, "online");
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/inv1/out_power_R170000000000001/config"));
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/proxy/inv_count_P170000000000001/config"));
	ck_assert_ptr_nonnull(last_on("tsun/proxy/proxy"));

	/* the device goes away: offline, retained */
	pubs_clear();
	batch_begin(bt, DEV_GEN3, BATCH_DISCONN, G3SN, 0);
	send_batch();
	ck_assert_uint_eq(npubs, 1);
	ck_assert_str_eq(last_on("tsun/inv1/status")->payload, "offline");
	ck_assert_int_eq(last_on("tsun/inv1/status")->retain, 1);
}
END_TEST

START_TEST(test_ha_online)
{
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "01900001");
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	send_batch();
	pubs_clear();

	/* a retained birth is what we sent everything for already */
	mq_message("homeassistant/status", "online", 6, 1);
	ck_assert_uint_eq(npubs, 0);
	mq_message("homeassistant/status", "offline", 7, 0);
	ck_assert_uint_eq(npubs, 0);
	mq_message("homeassistant/status", "online", 6, 0);
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/inv1/out_power_R170000000000001/config"));
	ck_assert_ptr_nonnull(last_on(
	    "homeassistant/sensor/proxy/inv_count_P170000000000001/config"));
	ck_assert_uint_eq(count_on("tsun/inv1/grid"), 1);
}
END_TEST

START_TEST(test_midnight)
{
	batch_begin(bt, DEV_GEN3, 0, G3SN, 0);
	batch_add_int(bt, REG_NO_INPUTS, 1, 2);
	batch_add_float(bt, REG_PV1_DAILY_GENERATION, 1, 1.08);
	batch_add_float(bt, REG_PV2_DAILY_GENERATION, 1, 0.62);
	batch_add_float(bt, REG_DAILY_GENERATION, 1, 1.7);
	batch_add_float(bt, REG_TOTAL_GENERATION, 1, 17.36);
	send_batch();
	pubs_clear();
	mq_midnight();
	ck_assert_str_eq(last_on("tsun/inv1/total")->payload,
	    "{\"Daily_Generation\": 0}");
	ck_assert_str_eq(last_on("tsun/inv1/input")->payload,
	    "{\"pv1\": {\"Daily_Generation\": 0}, "
	    "\"pv2\": {\"Daily_Generation\": 0}}");
	/* the store forgot yesterday too */
	pubs_clear();
	mq_broker_down();
	mq_broker_up();
	ck_assert_str_eq(last_on("tsun/inv1/total")->payload,
	    "{\"Daily_Generation\": 0, \"Total_Generation\": 17.36}");
	ck_assert(mq_secs_to_midnight(fake_now) > 0);
	ck_assert(mq_secs_to_midnight(fake_now) <= 25 * 3600);
}
END_TEST

START_TEST(test_reload_removes_device)
{
	struct tsun_conf	*nc;
	struct pubmsg		*p;
	const char		*t =
	    "homeassistant/sensor/inv1/out_power_R170000000000001/config";

	batch_begin(bt, DEV_GEN3, BATCH_CONNECT, G3SN, 0);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "01900001");
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	send_batch();
	p = last_on(t);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->retain, 1);
	ck_assert_uint_gt(p->len, 0);
	pubs_clear();

	nc = conf_new();
	add_dev(nc, DEV_GEN3PLUS, "Y170000000000001", 2070233889, "inv2");
	mq_reconf(nc);
	p = last_on(t);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->len, 0);
	ck_assert_int_eq(p->retain, 1);
	ck_assert_uint_eq(last_on("tsun/inv1/status")->len, 0);
	ck_assert_ptr_null(mq_dev_find(G3SN));
	mq_free();
	conf_free(nc);
	mq_init(conf, pub_cb, NULL, NULL, "0.1-test");
}
END_TEST

/*
 * issue 13: an allow_all device tsun-proxyd forgets (BATCH_FORGET) takes
 * its retained discovery and status down; a configured one stays.
 */
START_TEST(test_forget_device)
{
	const char	*sn = "R170000000000077";
	size_t		 i, ndisc = 0, nclear = 0;
	char		 pfx[64];

	batch_begin(bt, DEV_GEN3, BATCH_CONNECT, sn, 0);
	batch_add_str(bt, REG_SENSOR_LIST, 1, "01900001");
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	send_batch();
	batch_begin(bt, DEV_GEN3, BATCH_CONNECT, G3SN, 0);
	batch_add_float(bt, REG_GRID_VOLTAGE, 1, 230.0);
	send_batch();
	for (i = 0; i < npubs; i++)
		if (strstr(pubs[i].topic, sn) != NULL && pubs[i].retain &&
		    pubs[i].len > 0 &&
		    strncmp(pubs[i].topic, "homeassistant/", 14) == 0)
			ndisc++;
	ck_assert_uint_gt(ndisc, 0);
	ck_assert_ptr_nonnull(mq_dev_find(sn));
	pubs_clear();

	batch_begin(bt, DEV_GEN3, BATCH_FORGET, sn, 0);
	send_batch();
	for (i = 0; i < npubs; i++) {
		ck_assert_int_eq(pubs[i].retain, 1);
		ck_assert_uint_eq(pubs[i].len, 0);
		if (strncmp(pubs[i].topic, "homeassistant/", 14) == 0) {
			ck_assert_ptr_nonnull(strstr(pubs[i].topic, sn));
			nclear++;
		}
	}
	ck_assert_uint_eq(nclear, ndisc);
	snprintf(pfx, sizeof(pfx), "/status");
	ck_assert_uint_eq(npubs, nclear + 1);
	ck_assert_ptr_nonnull(strstr(pubs[npubs - 1].topic, pfx));
	ck_assert_ptr_null(mq_dev_find(sn));
	pubs_clear();

	/* a configured device is not forgotten */
	batch_begin(bt, DEV_GEN3, BATCH_FORGET, G3SN, 0);
	send_batch();
	ck_assert_uint_eq(npubs, 0);
	ck_assert_ptr_nonnull(mq_dev_find(G3SN));
}
END_TEST

START_TEST(test_cmd_resp)
{
	struct cmd_resp	r;

	memset(&r, 0, sizeof(r));
	r.kind = CMDR_AT;
	strlcpy(r.serial, "Y170000000000001", sizeof(r.serial));
	strlcpy(r.text, "+ok", sizeof(r.text));
	mq_cmd_resp(&r);
	ck_assert_str_eq(last_on("tsun/inv2/at_resp")->payload, "+ok");
	ck_assert_int_eq(last_on("tsun/inv2/at_resp")->retain, 0);

	/* an allow_all device has no node: tsun/dcu_resp */
	r.kind = CMDR_DCU;
	strlcpy(r.serial, "Y170000000000009", sizeof(r.serial));
	mq_cmd_resp(&r);
	ck_assert_str_eq(last_on("tsun/dcu_resp")->payload, "+ok");

	r.kind = CMDR_AT;
	strlcpy(r.text, "'AT+WEBU' is forbidden", sizeof(r.text));
	mq_cmd_resp(&r);
	ck_assert_str_eq(last_on("tsun/at_resp")->payload,
	    "'AT+WEBU' is forbidden");
}
END_TEST

START_TEST(test_subscriptions)
{
	const char	**s;
	size_t		  n;

	s = mq_subscriptions(&n);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(s[0], "homeassistant/status");
	ck_assert_str_eq(s[1], "tsun/+/rated_load");
	ck_assert_str_eq(s[2], "tsun/+/out_coeff");
	ck_assert_str_eq(s[3], "tsun/+/modbus_read_regs");
	ck_assert_str_eq(s[4], "tsun/+/modbus_read_inputs");
	ck_assert_str_eq(s[5], "tsun/+/at_cmd");
	ck_assert_str_eq(s[6], "tsun/+/dcu_power");

	/* "+" is one level: a two-level node_id is subscribed by name */
	add_dev(conf, DEV_GEN3, "R170000000000002", 0, "roof/east");
	mq_reconf(conf);
	s = mq_subscriptions(&n);
	ck_assert_uint_eq(n, 13);
	ck_assert_str_eq(s[7], "tsun/roof/east/rated_load");
	ck_assert_str_eq(s[12], "tsun/roof/east/dcu_power");
}
END_TEST

static Suite *
publish_suite(void)
{
	Suite	*s = suite_create("publish");
	TCase	*tv = tcase_create("vectors");
	TCase	*tc = tcase_create("behaviour");

	tcase_add_checked_fixture(tv, setup, teardown);
	tcase_add_test(tv, test_msg_inv_ind1);
	tcase_add_test(tv, test_msg_inv_ind3);
	tcase_add_test(tv, test_msg_inv_ind4);
	tcase_add_test(tv, test_msg_inv_ind5);
	tcase_add_test(tv, test_build_modell_3000);
	tcase_add_test(tv, test_msg_inv_replay);
	tcase_add_test(tv, test_msg_modbus_fragment);
	tcase_add_test(tv, test_device_ind_0x4110_ms2000);
	tcase_add_test(tv, test_data_ind_0x4210_02b0_ms2000_600);
	tcase_add_test(tv, test_dcu_data_ind_0x4210_3026);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_examples);
	tcase_add_test(tc, test_nesting_order_and_escaping);
	tcase_add_test(tc, test_change_detection);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_malformed_batch);
	tcase_add_test(tc, test_proxy_counters);
	tcase_add_test(tc, test_broker_restart);
	tcase_add_test(tc, test_ha_online);
	tcase_add_test(tc, test_midnight);
	tcase_add_test(tc, test_reload_removes_device);
	tcase_add_test(tc, test_forget_device);
	tcase_add_test(tc, test_cmd_resp);
	tcase_add_test(tc, test_subscriptions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(publish_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
