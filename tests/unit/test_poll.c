/*
 * The shared MODBUS request queue, polling plan and command table
 * (proxyd/poll.c).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/registers.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/valuedb.h"

static void
push(struct mbq *q, uint16_t reg, int want)
{
	uint8_t		rtu[MB_REQ_LEN];
	struct mb_req	req;

	mb_build_req(rtu, 1, MB_FN_READ_HOLDING, reg, 1, &req);
	ck_assert_int_eq(mbq_push(q, rtu, &req, reg & 1), want);
}

/* what the shared retry asked of the engine */
static struct {
	int		 timer_ms;
	int		 nsent;
	uint16_t	 sent[8];
	int		 ngaveup;
	uint16_t	 gaveup;
} X;

static void
x_timer(void *arg, int ms)
{
	X.timer_ms = ms;
}

static void
x_send(void *arg, const struct mbq_item *it)
{
	if (X.nsent < 8)
		X.sent[X.nsent] = it->req.reg;
	X.nsent++;
}

static void
x_gave_up(void *arg, const struct mbq_item *it)
{
	X.ngaveup++;
	X.gaveup = it->req.reg;
}

static const struct mbq_ops	x_ops = { 1234, x_timer, x_send, x_gave_up };

/* one request in flight, sent again retry_max times, then the next */
START_TEST(test_retry)
{
	struct mbq	 q;

	memset(&q, 0, sizeof(q));
	memset(&X, 0, sizeof(X));
	q.retry_max = MBQ_RETRIES;
	mbq_expired(&q, &x_ops, NULL);		/* nothing in flight */
	ck_assert_int_eq(X.nsent, 0);
	ck_assert_ptr_null(mbq_current(&q));
	push(&q, 0x3000, 0);
	push(&q, 0x2000, 0);
	mbq_kick(&q, &x_ops, NULL);
	mbq_kick(&q, &x_ops, NULL);		/* busy: no second send */
	ck_assert_int_eq(X.nsent, 1);
	ck_assert_int_eq(X.sent[0], 0x3000);
	ck_assert_int_eq(X.timer_ms, 1234);
	ck_assert_int_eq(mbq_current(&q)->req.reg, 0x3000);
	ck_assert(!mbq_last_try(&q));
	mbq_expired(&q, &x_ops, NULL);		/* the one retry */
	ck_assert_int_eq(X.nsent, 2);
	ck_assert_int_eq(X.sent[1], 0x3000);
	ck_assert(mbq_last_try(&q));
	ck_assert_int_eq(X.ngaveup, 0);
	mbq_expired(&q, &x_ops, NULL);		/* given up, next one out */
	ck_assert_int_eq(X.ngaveup, 1);
	ck_assert_int_eq(X.gaveup, 0x3000);
	ck_assert_int_eq(X.nsent, 3);
	ck_assert_int_eq(X.sent[2], 0x2000);
	ck_assert(!mbq_last_try(&q));
	mbq_answered(&q, &x_ops, NULL);
	ck_assert_int_eq(X.timer_ms, -1);
	ck_assert_ptr_null(mbq_current(&q));
	ck_assert_int_eq(mbq_len(&q), 0);
	mbq_kick(&q, &x_ops, NULL);
	ck_assert_int_eq(X.nsent, 3);
	mbq_free(&q);
}
END_TEST

START_TEST(test_queue)
{
	struct mbq	 q;
	struct mbq_item	*it;
	int		 i;

	memset(&q, 0, sizeof(q));
	/* nothing allocated until the first request */
	ck_assert_ptr_null(mbq_head(&q));
	ck_assert_ptr_null(q.q);
	mbq_drop(&q);
	ck_assert_int_eq(mbq_len(&q), 0);
	for (i = 0; i < MBQ_MAX; i++)
		push(&q, (uint16_t)i, 0);
	ck_assert_ptr_nonnull(q.q);
	push(&q, 0xffff, -1);
	ck_assert_int_eq(mbq_len(&q), MBQ_MAX);
	/* first in, first out, across the wrap of the ring */
	for (i = 0; i < MBQ_MAX / 2; i++) {
		it = mbq_head(&q);
		ck_assert_int_eq(it->req.reg, i);
		ck_assert_int_eq(it->from_cloud, i & 1);
		mbq_drop(&q);
		push(&q, (uint16_t)(MBQ_MAX + i), 0);
	}
	for (i = MBQ_MAX / 2; i < MBQ_MAX + MBQ_MAX / 2; i++) {
		it = mbq_head(&q);
		ck_assert_ptr_nonnull(it);
		ck_assert_int_eq(it->req.reg, i);
		ck_assert_int_eq(it->rtu[0], 1);
		mbq_drop(&q);
	}
	ck_assert_ptr_null(mbq_head(&q));
	push(&q, 7, 0);
	mbq_clear(&q);
	ck_assert_int_eq(mbq_len(&q), 0);
	ck_assert_ptr_nonnull(q.q);
	mbq_free(&q);
	ck_assert_ptr_null(q.q);
}
END_TEST

START_TEST(test_plan)
{
	unsigned int	n, slow = 0;

	for (n = 0; n < 3 * POLL_SLOW_EVERY; n++)
		if (poll_slow_due(n, 2)) {
			ck_assert_uint_eq(n % POLL_SLOW_EVERY, 2);
			slow++;
		}
	ck_assert_uint_eq(slow, 3);
	ck_assert(poll_slow_due(1, 1));
	ck_assert(!poll_slow_due(2, 1));
}
END_TEST

START_TEST(test_commands)
{
	struct cmd_msg	c;
	uint8_t		fc;
	uint16_t	reg, val;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_OUT_COEFF;
	c.value = 512;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), 0);
	ck_assert_int_eq(fc, MB_FN_WRITE_SINGLE);
	ck_assert_int_eq(reg, MB_REG_OUT_COEFF);
	ck_assert_int_eq(val, 512);
	c.value = 1025;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), -1);
	c.value = -1;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), -1);
	c.kind = CMD_RATED_LOAD;
	c.value = 0xffff;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), 0);
	ck_assert_int_eq(reg, MB_REG_RATED_LOAD);
	c.value = 0x10000;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), -1);
	c.kind = CMD_MODBUS_READ_INPUTS;
	c.reg = 0x3000;
	c.count = 48;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), 0);
	ck_assert_int_eq(fc, MB_FN_READ_INPUT);
	ck_assert_int_eq(reg, 0x3000);
	ck_assert_int_eq(val, 48);
	c.kind = CMD_AT;
	ck_assert_int_eq(poll_cmd_request(&c, &fc, &reg, &val), 1);
}
END_TEST

START_TEST(test_group_stamp)
{
	struct vdb_dev	*d;
	int		 groups = 0;
	int64_t		 v;

	vdb_reset();
	d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	ck_assert_int_eq(group_bit(REG_GRID_VOLTAGE), GRP_GRID);
	ck_assert_int_eq(group_bit(REG_PV1_POWER), GRP_INPUT);
	ck_assert_int_eq(group_bit(REG_TOTAL_GENERATION), GRP_TOTAL);
	ck_assert_int_eq(group_bit(REG_SSID), 0);
	ck_assert_int_eq(group_bit(REG_MAX), 0);
	group_stamp(d, REG_GRID_VOLTAGE, &groups, 100);
	group_stamp(d, REG_GRID_CURRENT, &groups, 200);
	group_stamp(d, REG_RATED_POWER, &groups, 300);
	group_stamp(d, REG_PV1_POWER, &groups, -1);
	ck_assert_int_eq(groups, GRP_GRID | GRP_INVERTER | GRP_INPUT);
	/* once per decode, with the first time stamp */
	ck_assert_int_eq(vdb_get_int(d, REG_TS_GRID, &v), 1);
	ck_assert_int_eq(v, 100);
	ck_assert_int_eq(vdb_has(d, REG_TS_INPUT), 0);
	ck_assert_int_eq(vdb_has(d, REG_TS_TOTAL), 0);
	vdb_reset();
}
END_TEST

START_TEST(test_night_close)
{
	struct vdb_dev	*d;
	int64_t		 v;

	vdb_reset();
	d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	ck_assert_int_eq(poll_night_close(NULL), 0);
	vdb_set_int(d, REG_INVERTER_STATUS, 1);
	/* no output power known: nothing to conclude */
	ck_assert_int_eq(poll_night_close(d), 0);
	vdb_set_float(d, REG_OUTPUT_POWER, 150.5);
	ck_assert_int_eq(poll_night_close(d), 0);
	vdb_set_int(d, REG_OUTPUT_POWER, 1);
	ck_assert_int_eq(poll_night_close(d), 1);
	ck_assert_int_eq(vdb_get_int(d, REG_INVERTER_STATUS, &v), 1);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(poll_night_close(d), 0);
	vdb_reset();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("poll");
	TCase	*tc = tcase_create("poll");
	SRunner	*sr;
	int	 nfail;

	tcase_add_test(tc, test_queue);
	tcase_add_test(tc, test_retry);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_group_stamp);
	tcase_add_test(tc, test_night_close);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
