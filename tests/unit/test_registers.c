/*
 * The register table: sanity of every row, the announcement sets per
 * family (entity counts from mqtt-homeassistant.md 2.3), and the HA
 * metadata of every entity in the test_build_ha_conf* vectors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/registers.h"
#include "tests/unit/tjson.h"

#define VECTORS	"tests/vectors/gen3.json"

static struct tj	*vectors;

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* entities announced for a device with that mask and number of inputs */
static int
announced(const struct reg_def *d, uint16_t mask, int ninputs)
{
	if (d->ha_dev == NULL || (d->ann & mask) == 0)
		return 0;
	return d->ha_pv <= 1 || d->ha_pv <= ninputs;
}

static int
count_ann(int kind, uint32_t sl, int ninputs)
{
	int	i, n = 0;

	for (i = REG_NONE + 1; i < REG_MAX; i++)
		n += announced(reg_get(i), reg_ann_mask(kind, sl), ninputs);
	return n;
}

START_TEST(test_rows_complete)
{
	const struct reg_def	*d;
	int			 i;

	ck_assert_ptr_null(reg_get(REG_NONE));
	ck_assert_ptr_null(reg_get(REG_MAX));
	ck_assert_ptr_null(reg_get((enum reg_id)-1));
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		ck_assert_ptr_nonnull(d);
		ck_assert_msg(d->name != NULL && d->name[0] != '\0',
		    "row %d has no name", i);
		ck_assert_msg(d->group != NULL && d->group[0] != '\0',
		    "%s: no group", d->name);
		ck_assert_msg(d->key != NULL && d->key[0] != '\0',
		    "%s: no key", d->name);
		ck_assert_ptr_nonnull(d->unit);
		ck_assert_msg(d->kind >= REGK_INT && d->kind <= REGK_STR,
		    "%s: bad kind", d->name);
		ck_assert_int_eq(reg_by_name(d->name), i);
		ck_assert_int_eq(reg_by_path(d->group, d->sub, d->key), i);
	}
	ck_assert_int_eq(reg_by_name("NO_SUCH_REG"), REG_NONE);
	ck_assert_int_eq(reg_by_name(NULL), REG_NONE);
	ck_assert_int_eq(reg_by_name("SIGNAL_STRENGTH"), REG_SIGNAL_STRENGTH);
	ck_assert_int_eq(reg_by_path("input", "pv1", "Power"), REG_PV1_POWER);
	ck_assert_int_eq(reg_by_path("input", NULL, "Power"), REG_NONE);
	ck_assert_int_eq(reg_by_path("batterie", "cell", "Temp_2"),
	    REG_BATT_TEMP_2);
}
END_TEST

START_TEST(test_unique_names_and_paths)
{
	const struct reg_def	*a, *b;
	int			 i, j;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		a = reg_get(i);
		for (j = i + 1; j < REG_MAX; j++) {
			b = reg_get(j);
			ck_assert_msg(strcmp(a->name, b->name) != 0,
			    "duplicate name %s", a->name);
			ck_assert_msg(!(streq(a->group, b->group) &&
			    streq(a->sub, b->sub) && streq(a->key, b->key)),
			    "%s and %s share a JSON path", a->name, b->name);
		}
	}
}
END_TEST

START_TEST(test_ha_rows)
{
	const struct reg_def	*d;
	int			 i;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		if (d->ha_dev == NULL) {
			ck_assert_msg(d->ann == 0 && d->ha_id == NULL,
			    "%s: announced without HA data", d->name);
			continue;
		}
		ck_assert_msg(d->ha_id != NULL &&
		    d->ha_id[strlen(d->ha_id) - 1] == '_',
		    "%s: bad unique id prefix", d->name);
		ck_assert_msg((d->fmt != NULL) + (d->val_tpl != NULL) +
		    (d->bits != NULL) == 1,
		    "%s: needs exactly one of fmt, val_tpl and bits", d->name);
		if (d->val_tpl != NULL)
			ck_assert_msg(strstr(d->val_tpl, "value_json[") != NULL,
			    "%s: template reads no value", d->name);
		ck_assert_msg(d->stat_cla == NULL ||
		    streq(d->stat_cla, "measurement") ||
		    streq(d->stat_cla, "total") ||
		    streq(d->stat_cla, "total_increasing"),
		    "%s: bad stat_cla", d->name);
		ck_assert_msg(d->ent_cat == NULL ||
		    streq(d->ent_cat, "diagnostic"), "%s: ent_cat", d->name);
		if (strncmp(d->ha_dev, "input_pv", 8) == 0)
			ck_assert_int_eq(d->ha_pv, d->ha_dev[8] - '0');
		else
			ck_assert_int_eq(d->ha_pv, 0);
	}
}
END_TEST

/* unique ids are <prefix><snr>: unique within every device's set */
START_TEST(test_unique_ids_per_family)
{
	static const struct { int kind; uint32_t sl; } fam[] = {
		{ 0, 0 },
		{ DEV_GEN3, 0 }, { DEV_GEN3, 0x01900001 },
		{ DEV_GEN3, 0x01900000 }, { DEV_GEN3, 0x12345678 },
		{ DEV_GEN3PLUS, 0 }, { DEV_GEN3PLUS, 0x02b0 },
		{ DEV_GEN3PLUS, 0x1097 }, { DEV_BATTERY, 0x3026 },
	};
	const struct reg_def	*a, *b;
	size_t			 f;
	uint16_t		 m;
	int			 i, j;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		m = reg_ann_mask(fam[f].kind, fam[f].sl);
		ck_assert_uint_ne(m, 0);
		for (i = REG_NONE + 1; i < REG_MAX; i++) {
			a = reg_get(i);
			if (!announced(a, m, 6))
				continue;
			for (j = i + 1; j < REG_MAX; j++) {
				b = reg_get(j);
				if (!announced(b, m, 6))
					continue;
				ck_assert_msg(strcmp(a->ha_id, b->ha_id) != 0,
				    "%s and %s: same id %s", a->name, b->name,
				    a->ha_id);
			}
		}
	}
}
END_TEST

START_TEST(test_entity_counts)
{
	/* mqtt-homeassistant.md 2.3 (device entities, proxy apart) */
	ck_assert_int_eq(count_ann(0, 0, 0), 14);
	ck_assert_int_eq(count_ann(DEV_GEN3, 0x01900001, 2), 32);
	ck_assert_int_eq(count_ann(DEV_GEN3, 0x01900000, 4), 60);
	ck_assert_int_eq(count_ann(DEV_GEN3PLUS, 0x02b0, 2), 33);
	ck_assert_int_eq(count_ann(DEV_BATTERY, 0x3026, 2), 45);
	/* before the sensor list is known: controller entities only */
	ck_assert_int_eq(count_ann(DEV_GEN3, 0, 2), 6);
}
END_TEST

START_TEST(test_proxy_counters)
{
	static const char *keys[] = { "Inverter_Cnt", "Cloud_Conn_Cnt",
	    "Unknown_SNR", "Unknown_Msg", "Invalid_Data_Type",
	    "Internal_Error", "Unknown_Ctrl", "OTA_Start_Msg", "SW_Exception",
	    "Invalid_Msg_Format", "AT_Command", "AT_Command_Blocked",
	    "DCU_Command", "Modbus_Command" };
	const struct reg_def	*d;
	int			 i, n = 0, modes = 0;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		if (d->flags & REGF_MODE_CNT) {
			ck_assert_str_eq(d->group, "proxy");
			ck_assert_ptr_null(d->ha_dev);
			modes++;
		}
		if (!(d->flags & REGF_COUNTER))
			continue;
		ck_assert_int_lt(n, 14);
		ck_assert_str_eq(d->key, keys[n]);
		ck_assert_str_eq(d->group, "proxy");
		ck_assert_str_eq(d->fmt, "| int");
		ck_assert_str_eq(d->icon, "mdi:counter");
		ck_assert_ptr_null(d->stat_cla);
		if (i == REG_INVERTER_CNT || i == REG_CLOUD_CONN_CNT)
			ck_assert_ptr_null(d->ent_cat);
		else
			ck_assert_str_eq(d->ent_cat, "diagnostic");
		n++;
	}
	ck_assert_int_eq(n, 14);
	ck_assert_int_eq(modes, 4);
	ck_assert_str_eq(reg_get(REG_EMU_MODE_CNT)->key, "EmuMode_Cnt");
}
END_TEST

START_TEST(test_flags)
{
	static const enum reg_id incr[] = { REG_DAILY_GENERATION,
	    REG_TOTAL_GENERATION, REG_PV1_DAILY_GENERATION,
	    REG_PV6_TOTAL_GENERATION, REG_BATT_TOTAL_CHARG };
	const struct reg_def	*d;
	size_t			 k;
	int			 i, nincr = 0, ndaily = 0;

	for (k = 0; k < sizeof(incr) / sizeof(incr[0]); k++)
		ck_assert(reg_get(incr[k])->flags & REGF_MUST_INCR);
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		nincr += (d->flags & REGF_MUST_INCR) != 0;
		if (d->flags & REGF_DAILY) {
			ndaily++;
			ck_assert_str_eq(d->key, "Daily_Generation");
			ck_assert(d->flags & REGF_MUST_INCR);
		}
		if (d->flags & REGF_TIMESTAMP)
			ck_assert_str_eq(d->key, "Timestamp");
	}
	/* 2 totals, 6 x 2 per input, Total_Charging */
	ck_assert_int_eq(nincr, 15);
	ck_assert_int_eq(ndaily, 7);
	ck_assert(reg_get(REG_SIGNAL_STRENGTH)->flags & REGF_SERVER_ONLY);
	ck_assert(!(reg_get(REG_HEARTBEAT_INTERVAL)->flags &
	    REGF_SERVER_ONLY));
}
END_TEST

START_TEST(test_custom_templates)
{
	static const struct { enum reg_id id; const char *needle; } t[] = {
		{ REG_COMMUNICATION_TYPE, "'GPRS'" },
		{ REG_INVERTER_STATUS, "'Off-grid'" },
		{ REG_WORK_MODE, "'DTU-Mode'" },
		{ REG_PROD_COMPL_TYPE, "'South Afrika', 'UK'" },
		{ REG_RATED_POWER, "+' W'" },
		/* the original shows the signed -1 (0xffff) as "-1 W" */
		{ REG_MAX_DESIGNED_POWER, "0 <= (value_json['Max_Designed_Power'] | int(-1)) < 0x8000" },
		/* the original tests Output_Coefficient here */
		{ REG_INPUT_COEFFICIENT, "'Input_Coefficient' in value_json" },
		{ REG_OUTPUT_COEFFICIENT, "+' %'" },
		{ REG_BATT_PV2_STATUS, "['pv2']['MPPT-Status']" },
		{ REG_BATT_OUT_STATUS, "['Standby', 'On', 'Off']" },
		{ REG_BATT_PWR_SUPL_STATE, "'Power-Supply'" },
		{ REG_BATT_STATUS, "['Discharging', 'Static', 'Loading']" },
		/* the original shows Volt4 for cell 2, Volt2 for 3, Volt3 for 4 */
		{ REG_BATT_CELL2_VOLT, "['cell']['Volt2']" },
		{ REG_BATT_CELL3_VOLT, "['cell']['Volt3']" },
		{ REG_BATT_CELL4_VOLT, "['cell']['Volt4']" },
		{ REG_BATT_CELL5_VOLT, "['cell']['Volt5']" },
	};
	size_t	k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		ck_assert_ptr_nonnull(reg_get(t[k].id)->val_tpl);
		ck_assert_msg(strstr(reg_get(t[k].id)->val_tpl,
		    t[k].needle) != NULL, "%s lacks %s",
		    reg_get(t[k].id)->name, t[k].needle);
	}
	ck_assert_str_eq(reg_get(REG_PV3_CURRENT)->val_tpl,
	    "{{ (value_json['pv3']['Current'] | float)}}");
	ck_assert_str_eq(reg_get(REG_BATT_OUT_PWR)->val_tpl,
	    "{{ (value_json['out']['Power'] | int)}}");
	ck_assert_str_eq(reg_get(REG_RATED_POWER)->val_tpl,
	    "{% if 'Rated_Power' in value_json and value_json['Rated_Power'] "
	    "!= None %}{{value_json['Rated_Power']|string() +' W'}}"
	    "{% else %}{{ this.state }}{% endif %}");
	ck_assert_str_eq(reg_get(REG_COLLECT_INTERVAL)->fmt,
	    "| string + \" min\"");
	ck_assert_str_eq(reg_get(REG_INVERTER_TEMP)->unit, "\302\260C");
}
END_TEST

/* the bit fields: 16 names each, in bit order (spec 2.4) */
START_TEST(test_bit_names)
{
	static const struct { enum reg_id id; int bit; const char *name; }
	    t[] = {
		{ REG_EVENT_ALARM, 0, "HBridgeFault" },
		{ REG_EVENT_ALARM, 8, "NoUtility" },
		{ REG_EVENT_ALARM, 15, "GridFreqUnderRating" },
		{ REG_EVENT_FAULT, 4, "DC ShortCircuitFault" },
		{ REG_EVENT_FAULT, 15, "Bit16" },
		{ REG_BATT_ALARM, 11, "SingleCorePressureDifferenceIsTooLarge" },
		{ REG_BATT_ALARM, 12, "Bit-12" },
	};
	const struct reg_def	*d;
	size_t			 k;
	int			 i, b, n = 0;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		ck_assert_str_eq(reg_get(t[k].id)->bits[t[k].bit], t[k].name);
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		if (d->bits == NULL)
			continue;
		n++;
		ck_assert_ptr_nonnull(d->bits_zero);
		for (b = 0; b < 16; b++)
			ck_assert_msg(d->bits[b] != NULL && *d->bits[b] != '\0' &&
			    strpbrk(d->bits[b], "'\"{}%\\") == NULL,
			    "%s: bit %d name", d->name, b);
	}
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(reg_get(REG_EVENT_FAULT)->bits_zero, "noFault");
}
END_TEST

/* a custom template reads the value of its own row, nothing else */
START_TEST(test_templates_read_own_key)
{
	const struct reg_def	*d;
	const char		*p;
	char			 own[128];
	int			 i;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = reg_get(i);
		if (d->val_tpl == NULL)
			continue;
		if (d->sub != NULL)
			snprintf(own, sizeof(own), "value_json['%s']['%s']",
			    d->sub, d->key);
		else
			snprintf(own, sizeof(own), "value_json['%s']", d->key);
		for (p = d->val_tpl; (p = strstr(p, "value_json[")) != NULL;
		    p++)
			ck_assert_msg(strncmp(p, own, strlen(own)) == 0,
			    "%s: template reads %.40s", d->name, p);
	}
}
END_TEST

/*
 * One discovery vector: every entity's table row must produce its
 * config_json fields (name, dev_cla, stat_cla, val_tpl, unit, icon,
 * ent_cat); the device-block part is mqttd's.
 */
static void
check_ha_vector(const char *name)
{
	const struct tj		*v, *disc, *e, *cj, *ids;
	const struct reg_def	*d = NULL;
	struct tj		*j;
	const char		*cfg, *uid, *snr, *stat_t, *group, *dev;
	char			 hid[64], hdev[64], tpl[256];
	size_t			 i, k, nchk = 0;
	int			 r;

	v = NULL;
	for (i = 0; i < tj_len(vectors); i++)
		if (streq(tj_str(tj_get(tj_at(vectors, i), "name")), name))
			v = tj_at(vectors, i);
	ck_assert_msg(v != NULL, "vector %s missing", name);
	snr = tj_str(tj_get(tj_get(tj_get(v, "setup"), "ha_confs_args"),
	    "snr"));
	ck_assert_ptr_nonnull(snr);
	disc = tj_get(tj_get(v, "expect"), "discovery");
	ck_assert_uint_gt(tj_len(disc), 0);
	for (k = 0; k < tj_len(disc); k++) {
		e = tj_at(disc, k);
		cfg = tj_str(tj_get(e, "config_json"));
		ck_assert_ptr_nonnull(cfg);
		j = tj_parse(cfg, strlen(cfg));
		ck_assert_ptr_nonnull(j);
		cj = j;
		uid = tj_str(tj_get(cj, "uniq_id"));
		ck_assert_ptr_nonnull(uid);
		ck_assert_uint_gt(strlen(uid), strlen(snr));
		snprintf(hid, sizeof(hid), "%.*s",
		    (int)(strlen(uid) - strlen(snr)), uid);
		ids = tj_get(tj_get(cj, "dev"), "ids");
		dev = tj_str(tj_at(ids, 0));
		ck_assert_ptr_nonnull(dev);
		if (strcmp(dev, "proxy") == 0)
			strlcpy(hdev, dev, sizeof(hdev));
		else
			snprintf(hdev, sizeof(hdev), "%.*s",
			    (int)(strlen(dev) - strlen(snr) - 1), dev);
		d = NULL;
		for (r = REG_NONE + 1; r < REG_MAX; r++)
			if (streq(reg_get(r)->ha_dev, hdev) &&
			    streq(reg_get(r)->ha_id, hid))
				d = reg_get(r);
		ck_assert_msg(d != NULL, "%s: no row for %s/%s", name, hdev,
		    hid);
		stat_t = tj_str(tj_get(cj, "stat_t"));
		ck_assert_ptr_nonnull(stat_t);
		group = strrchr(stat_t, '/');
		ck_assert_ptr_nonnull(group);
		ck_assert_str_eq(group + 1, d->group);
		ck_assert_str_eq(tj_str(tj_get(cj, "name")),
		    d->ha_name != NULL ? d->ha_name : d->key);
		if (d->dev_cla == NULL)
			ck_assert(tj_isnull(tj_get(cj, "dev_cla")));
		else
			ck_assert_str_eq(tj_str(tj_get(cj, "dev_cla")),
			    d->dev_cla);
		if (d->stat_cla == NULL) {
			ck_assert(tj_isnull(tj_get(cj, "stat_cla")));
			ck_assert_ptr_null(tj_get(cj, "unit_of_meas"));
		} else {
			ck_assert_str_eq(tj_str(tj_get(cj, "stat_cla")),
			    d->stat_cla);
			ck_assert_str_eq(tj_str(tj_get(cj, "unit_of_meas")),
			    d->unit);
		}
		if (d->val_tpl != NULL)
			strlcpy(tpl, d->val_tpl, sizeof(tpl));
		else
			snprintf(tpl, sizeof(tpl), "{{value_json['%s'] %s}}",
			    d->key, d->fmt);
		ck_assert_str_eq(tj_str(tj_get(cj, "val_tpl")), tpl);
		if (d->icon == NULL)
			ck_assert_ptr_null(tj_get(cj, "ic"));
		else
			ck_assert_str_eq(tj_str(tj_get(cj, "ic")), d->icon);
		if (d->ent_cat == NULL)
			ck_assert_ptr_null(tj_get(cj, "ent_cat"));
		else
			ck_assert_str_eq(tj_str(tj_get(cj, "ent_cat")),
			    d->ent_cat);
		tj_free(j);
		nchk++;
	}
	ck_assert_uint_eq(nchk, tj_len(disc));
}

/* the ids of must_not_be_announced are not in the proxy's set */
static void
check_not_announced(const char *name, int kind)
{
	const struct tj		*v = NULL, *l;
	const char		*uid;
	char			 id[80];
	size_t			 i;
	int			 r;

	for (i = 0; i < tj_len(vectors); i++)
		if (streq(tj_str(tj_get(tj_at(vectors, i), "name")), name))
			v = tj_at(vectors, i);
	/* the listed ids use the inverter serial "123" */
	l = tj_get(tj_get(v, "expect"), "must_not_be_announced");
	ck_assert_uint_gt(tj_len(l), 0);
	for (i = 0; i < tj_len(l); i++) {
		uid = tj_str(tj_at(l, i));
		for (r = REG_NONE + 1; r < REG_MAX; r++) {
			if (!announced(reg_get(r), reg_ann_mask(kind, 0), 6))
				continue;
			snprintf(id, sizeof(id), "%s123", reg_get(r)->ha_id);
			ck_assert_msg(strcmp(uid, id) != 0,
			    "%s announced for the proxy", uid);
		}
	}
}

START_TEST(test_build_ha_conf1)
{
	check_ha_vector("test_build_ha_conf1");
}
END_TEST

START_TEST(test_build_ha_conf2)
{
	check_ha_vector("test_build_ha_conf2");
	check_not_announced("test_build_ha_conf2", 0);
}
END_TEST

START_TEST(test_build_ha_conf3)
{
	check_ha_vector("test_build_ha_conf3");
}
END_TEST

START_TEST(test_build_ha_conf4)
{
	check_ha_vector("test_build_ha_conf4");
}
END_TEST

START_TEST(test_build_ha_conf5)
{
	check_ha_vector("test_build_ha_conf5");
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 nfail;

	if ((vectors = tj_load(VECTORS)) == NULL) {
		fprintf(stderr, "cannot load %s\n", VECTORS);
		return 1;
	}
	s = suite_create("registers");
	tc = tcase_create("table");
	tcase_add_test(tc, test_rows_complete);
	tcase_add_test(tc, test_unique_names_and_paths);
	tcase_add_test(tc, test_ha_rows);
	tcase_add_test(tc, test_unique_ids_per_family);
	tcase_add_test(tc, test_entity_counts);
	tcase_add_test(tc, test_proxy_counters);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_custom_templates);
	tcase_add_test(tc, test_bit_names);
	tcase_add_test(tc, test_templates_read_own_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("vectors");
	tcase_add_test(tc, test_build_ha_conf1);
	tcase_add_test(tc, test_build_ha_conf2);
	tcase_add_test(tc, test_build_ha_conf3);
	tcase_add_test(tc, test_build_ha_conf4);
	tcase_add_test(tc, test_build_ha_conf5);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	tj_free(vectors);
	return nfail == 0 ? 0 : 1;
}
