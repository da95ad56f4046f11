/*
 * mqttd/command.c: command payload syntax (mqtt-homeassistant.md 1.6),
 * routing by node_id, retained commands, rate limit and skip rules.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"
#include "mqttd/mqttd.h"

static struct cmd_msg	 sent[8];
static int		 nsent;
static int		 nread;		/* read-backs after settings writes */
static int64_t		 fake_now;
static struct tsun_conf	*conf;

static int
parse(int kind, const char *s, struct cmd_msg *m)
{
	char	err[128];

	return mq_cmd_parse(kind, s, strlen(s), m, err, sizeof(err));
}

START_TEST(test_parse_rated_load)
{
	struct cmd_msg	m;

	ck_assert_int_eq(parse(CMD_RATED_LOAD, "4", &m), 0);
	ck_assert_int_eq(m.kind, CMD_RATED_LOAD);
	ck_assert_int_eq(m.reg, 0x2008);
	ck_assert_int_eq(m.value, 4);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, " 1_0\n", &m), 0);
	ck_assert_int_eq(m.value, 10);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "+0", &m), 0);
	ck_assert_int_eq(m.value, 0);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "65535", &m), 0);
	ck_assert_int_eq(m.value, 65535);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "65536", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "-1", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "1,2", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "4.0", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "abc", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "   ", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "1__0", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "_1", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "1_", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD, "1 0", &m), -1);
	ck_assert_int_eq(parse(CMD_RATED_LOAD,
	    "99999999999999999999999999", &m), -1);
	/* a NUL inside the payload */
	ck_assert_int_eq(mq_cmd_parse(CMD_RATED_LOAD, "4\0", 2, &m,
	    (char[64]){ 0 }, 64), -1);
}
END_TEST

START_TEST(test_parse_out_coeff)
{
	struct cmd_msg	m;

	ck_assert_int_eq(parse(CMD_OUT_COEFF, "50", &m), 0);
	ck_assert_int_eq(m.reg, 0x202c);
	ck_assert_int_eq(m.value, 512);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "100", &m), 0);
	ck_assert_int_eq(m.value, 1024);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "0", &m), 0);
	ck_assert_int_eq(m.value, 0);
	/* "-0" is the number 0 (output off), nothing more, nothing less */
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "-0", &m), 0);
	ck_assert_int_eq(m.value, 0);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "-0.0e5", &m), 0);
	ck_assert_int_eq(m.value, 0);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "-0.001", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "-1e-300", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "50.5", &m), 0);
	ck_assert_int_eq(m.value, 517);			/* 517.12 */
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "1e1", &m), 0);
	ck_assert_int_eq(m.value, 102);			/* 102.4 */
	/* 0.048828125 % is exactly 0.5: Python's round() goes to even */
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "0.048828125", &m), 0);
	ck_assert_int_eq(m.value, 0);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "0.146484375", &m), 0);
	ck_assert_int_eq(m.value, 2);			/* 1.5 -> 2 */
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "100.1", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "-1", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "nan", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "inf", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "0x10", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, ".", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "1e", &m), -1);
	ck_assert_int_eq(parse(CMD_OUT_COEFF, "50%", &m), -1);
}
END_TEST

START_TEST(test_parse_modbus_read)
{
	struct cmd_msg	m;

	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "0x3000, 48", &m), 0);
	ck_assert_int_eq(m.kind, CMD_MODBUS_READ_REGS);
	ck_assert_int_eq(m.reg, 0x3000);
	ck_assert_int_eq(m.count, 48);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_INPUTS, "2000,96", &m), 0);
	ck_assert_int_eq(m.kind, CMD_MODBUS_READ_INPUTS);
	ck_assert_int_eq(m.reg, 0x2000);
	ck_assert_int_eq(m.count, 96);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, " ffc0 ,\t16 ", &m), 0);
	ck_assert_int_eq(m.reg, 0xffc0);
	ck_assert_int_eq(m.count, 16);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "3000", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "3000,48,1", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "zz,1", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "3000,0", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "3000,126", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "10000,1", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "3000,0x10", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, ",1", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "0x,1", &m), -1);
	ck_assert_int_eq(parse(CMD_MODBUS_READ_REGS, "-10,1", &m), -1);
}
END_TEST

START_TEST(test_parse_at_and_dcu)
{
	struct cmd_msg	m;
	char		long_at[400];

	ck_assert_int_eq(parse(CMD_AT, "  AT+TIME=1 \r\n", &m), 0);
	ck_assert_str_eq(m.text, "AT+TIME=1");
	ck_assert_int_eq(parse(CMD_AT, "AT\x01", &m), -1);
	ck_assert_int_eq(parse(CMD_AT, "AT\x7f", &m), -1);
	ck_assert_int_eq(parse(CMD_AT, "", &m), -1);
	memset(long_at, 'A', sizeof(long_at) - 1);
	long_at[sizeof(long_at) - 1] = '\0';
	ck_assert_int_eq(parse(CMD_AT, long_at, &m), -1);

	/* dcu_cmd_from_mqtt_0x4510: 100.0 W -> 1000 (PDU 01 01 06 01 00 01 03 e8) */
	ck_assert_int_eq(parse(CMD_DCU_POWER, "100.0", &m), 0);
	ck_assert_int_eq(m.value, 1000);
	ck_assert_int_eq(parse(CMD_DCU_POWER, "800", &m), 0);
	ck_assert_int_eq(m.value, 8000);
	ck_assert_int_eq(parse(CMD_DCU_POWER, "450.25", &m), 0);
	ck_assert_int_eq(m.value, 4502);		/* 4502.5 -> even */
	ck_assert_int_eq(parse(CMD_DCU_POWER, "99.9", &m), -1);
	ck_assert_int_eq(parse(CMD_DCU_POWER, "800.1", &m), -1);
	ck_assert_int_eq(parse(CMD_DCU_POWER, "abc", &m), -1);
	ck_assert_int_eq(mq_cmd_kind("dcu_power"), CMD_DCU_POWER);
	ck_assert_int_eq(mq_cmd_kind("rated_load"), CMD_RATED_LOAD);
	ck_assert_int_eq(mq_cmd_kind("status"), 0);
}
END_TEST

/* ---- routing through mq_message() ---- */

static void
pub_cb(const char *topic, const void *p, size_t len, int retain, void *arg)
{
}

static void
cmd_cb(const struct cmd_msg *m, void *arg)
{
	/* the read-back of the register just written: counted apart */
	if (m->kind == CMD_MODBUS_READ_REGS && m->count == 1 && nsent > 0 &&
	    sent[nsent - 1].reg == m->reg &&
	    (sent[nsent - 1].kind == CMD_RATED_LOAD ||
	    sent[nsent - 1].kind == CMD_OUT_COEFF)) {
		nread++;
		return;
	}
	if (nsent < (int)(sizeof(sent) / sizeof(sent[0])))
		sent[nsent++] = *m;
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
	add_dev(conf, DEV_GEN3, "R170000000000001", 0, "inv_1");
	add_dev(conf, DEV_GEN3PLUS, "Y170000000000001", 2070233889, "inv1");
	add_dev(conf, DEV_BATTERY, "4100000000000001", 3000000000u, "bat/1");
	nsent = 0;
	nread = 0;
	fake_now = 1700000000;
	mq_now = now_fake;
	mq_init(conf, pub_cb, cmd_cb, NULL, "test");
	mq_broker_up();
}

static void
teardown(void)
{
	mq_free();
	conf_free(conf);
}

static void
msg(const char *topic, const char *payload, int retain)
{
	mq_message(topic, payload, strlen(payload), retain);
}

START_TEST(test_route_by_node)
{
	msg("tsun/inv1/modbus_read_regs", "0x3000, 48", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_str_eq(sent[0].serial, "Y170000000000001");
	ck_assert_int_eq(sent[0].kind, CMD_MODBUS_READ_REGS);
	ck_assert_int_eq(sent[0].reg, 0x3000);
	ck_assert_int_eq(sent[0].count, 48);

	msg("tsun/inv1/at_cmd", "AT+TIME", 0);
	ck_assert_int_eq(nsent, 2);
	ck_assert_str_eq(sent[1].text, "AT+TIME");

	/* a node id of two levels works too */
	msg("tsun/bat/1/dcu_power", "100.0", 0);
	ck_assert_int_eq(nsent, 3);
	ck_assert_str_eq(sent[2].serial, "4100000000000001");
	ck_assert_int_eq(sent[2].value, 1000);

	/* dropped: unknown node, retained, GEN3 AT, garbage, other prefix */
	msg("tsun/nobody/rated_load", "4", 0);
	msg("tsun/inv1/rated_load", "5", 1);
	msg("tsun/inv_1/at_cmd", "AT+TIME", 0);
	msg("tsun/inv_1/dcu_power", "100", 0);
	msg("tsun/inv_1/modbus_read_regs", "garbage", 0);
	msg("other/inv_1/rated_load", "4", 0);
	msg("tsun/inv_1/unknown_cmd", "4", 0);
	msg("tsun/rated_load", "4", 0);
	ck_assert_int_eq(nsent, 3);
}
END_TEST

START_TEST(test_rate_limit)
{
	msg("tsun/inv_1/rated_load", "4", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_str_eq(sent[0].serial, "R170000000000001");
	ck_assert_int_eq(sent[0].value, 4);
	fake_now += 30;
	msg("tsun/inv_1/out_coeff", "50", 0);	/* same device, too soon */
	ck_assert_int_eq(nsent, 1);
	msg("tsun/inv1/out_coeff", "50", 0);	/* another device */
	ck_assert_int_eq(nsent, 2);
	msg("tsun/inv_1/modbus_read_regs", "3000,1", 0);  /* reads pass */
	ck_assert_int_eq(nsent, 3);
	fake_now += 31;
	msg("tsun/inv_1/out_coeff", "50", 0);
	ck_assert_int_eq(nsent, 4);
	ck_assert_int_eq(sent[3].value, 512);
}
END_TEST

START_TEST(test_skip_reported_value)
{
	struct batch	*b = malloc(sizeof(*b));
	size_t		 len;

	ck_assert_ptr_nonnull(b);
	batch_begin(b, DEV_GEN3, 0, "R170000000000001", 0);
	batch_add_int(b, REG_RATED_LEVEL, 1, 4);
	batch_add_float(b, REG_OUTPUT_COEFFICIENT, 1, 100.0);
	len = batch_end(b);
	ck_assert_int_eq(mq_batch(b->buf, len), 0);
	free(b);

	msg("tsun/inv_1/rated_load", "4", 0);
	msg("tsun/inv_1/out_coeff", "100", 0);
	ck_assert_int_eq(nsent, 0);
	msg("tsun/inv_1/out_coeff", "99", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_int_eq(sent[0].value, 1014);	/* 1013.76 */
}
END_TEST

/* "-0" goes through the same skip rule and rate limit as "0" */
static void
report_coeff(double v)
{
	struct batch	*b = malloc(sizeof(*b));
	size_t		 len;

	ck_assert_ptr_nonnull(b);
	batch_begin(b, DEV_GEN3, 0, "R170000000000001", 0);
	batch_add_float(b, REG_OUTPUT_COEFFICIENT, 1, v);
	len = batch_end(b);
	ck_assert_int_eq(mq_batch(b->buf, len), 0);
	free(b);
}

START_TEST(test_negative_zero_checked)
{
	report_coeff(0.0);
	msg("tsun/inv_1/out_coeff", "-0", 0);	/* reported already */
	ck_assert_int_eq(nsent, 0);
	report_coeff(50.0);
	msg("tsun/inv_1/out_coeff", "-0", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_int_eq(sent[0].reg, 0x202c);
	ck_assert_int_eq(sent[0].value, 0);
	fake_now += 10;
	msg("tsun/inv_1/out_coeff", "-0.0", 0);	/* too soon */
	msg("tsun/inv_1/out_coeff", "0", 0);
	ck_assert_int_eq(nsent, 1);
}
END_TEST

START_TEST(test_multi_level_prefix)
{
	strlcpy(conf->ha_entity_prefix, "home/solar", sizeof(conf->ha_entity_prefix));
	mq_reconf(conf);
	msg("home/solar/inv1/rated_load", "7", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_int_eq(sent[0].value, 7);
	msg("tsun/inv1/rated_load", "8", 0);
	ck_assert_int_eq(nsent, 1);
}
END_TEST

/* issue 12: inside the minute the last request is held, then written */
START_TEST(test_held_write)
{
	struct batch	*b = malloc(sizeof(*b));
	size_t		 len;

	ck_assert_ptr_nonnull(b);
	msg("tsun/inv_1/rated_load", "4", 0);
	ck_assert_int_eq(nsent, 1);
	ck_assert_int_eq(nread, 1);	/* 0x2008 read back */
	fake_now += 10;
	msg("tsun/inv_1/out_coeff", "50", 0);
	fake_now += 10;
	msg("tsun/inv_1/out_coeff", "60", 0);	/* replaces the 50 */
	msg("tsun/inv_1/out_coeff", "101", 0);	/* refused, changes nothing */
	mq_cmd_tick();
	ck_assert_int_eq(nsent, 1);
	fake_now += 39;
	mq_cmd_tick();
	ck_assert_int_eq(nsent, 1);
	fake_now += 1;				/* the minute is over */
	mq_cmd_tick();
	ck_assert_int_eq(nsent, 2);
	ck_assert_int_eq(sent[1].kind, CMD_OUT_COEFF);
	ck_assert_int_eq(sent[1].value, 614);	/* 60 %, once */
	ck_assert_int_eq(nread, 2);
	fake_now += 100;
	mq_cmd_tick();
	ck_assert_int_eq(nsent, 2);

	/* held, then the device goes offline: not written */
	msg("tsun/inv_1/rated_load", "5", 0);
	fake_now += 1;
	msg("tsun/inv_1/rated_load", "6", 0);
	ck_assert_int_eq(nsent, 3);
	batch_begin(b, DEV_GEN3, BATCH_DISCONN, "R170000000000001", 0);
	len = batch_end(b);
	ck_assert_int_eq(mq_batch(b->buf, len), 0);
	free(b);
	fake_now += 60;
	mq_cmd_tick();
	ck_assert_int_eq(nsent, 3);
	/* and nothing is written while it is offline */
	msg("tsun/inv_1/rated_load", "7", 0);
	ck_assert_int_eq(nsent, 3);
}
END_TEST

static Suite *
command_suite(void)
{
	Suite	*s = suite_create("command");
	TCase	*tc = tcase_create("parse");
	TCase	*tr = tcase_create("route");

	tcase_add_test(tc, test_parse_rated_load);
	tcase_add_test(tc, test_parse_out_coeff);
	tcase_add_test(tc, test_parse_modbus_read);
	tcase_add_test(tc, test_parse_at_and_dcu);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, test_route_by_node);
	tcase_add_test(tr, test_rate_limit);
	tcase_add_test(tr, test_skip_reported_value);
	tcase_add_test(tr, test_negative_zero_checked);
	tcase_add_test(tr, test_multi_level_prefix);
	tcase_add_test(tr, test_held_write);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(command_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
