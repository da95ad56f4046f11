/*
 * The value database: change detection, the must-increase rule, key
 * order, flushes and snapshots decoded with the record reader, the
 * proxy counters, connection state and batch splitting.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"
#include "proxyd/valuedb.h"

#define MAXB	16
#define MAXR	4096

struct rbatch {
	struct batch_hdr	h;
	int			n;
	struct rec_value	*r;
};

static struct rbatch	got[MAXB];
static int		ngot;
static int64_t		clock_now = 1700000000;

static int64_t
fixed_now(void)
{
	return clock_now;
}

static void
sink(const void *p, size_t len, void *arg)
{
	struct batch_reader	rd;
	struct rbatch		*b;
	int			res;

	ck_assert_ptr_eq(arg, &got);
	ck_assert_int_lt(ngot, MAXB);
	ck_assert_uint_le(len, BATCH_MAX);
	b = &got[ngot++];
	ck_assert_int_eq(batch_read_hdr(&rd, p, len, &b->h), 0);
	b->r = calloc(MAXR, sizeof(*b->r));
	ck_assert_ptr_nonnull(b->r);
	b->n = 0;
	while ((res = batch_read_rec(&rd, &b->r[b->n])) == 1)
		ck_assert_int_lt(++b->n, MAXR);
	ck_assert_int_eq(res, 0);
	ck_assert_int_eq(b->n, b->h.nrec);
}

static void
count_sink(const void *p, size_t len, void *arg)
{
	struct batch_reader	rd;
	struct batch_hdr	h;

	ck_assert_int_eq(batch_read_hdr(&rd, p, len, &h), 0);
	(*(int *)arg)++;
}

static void
drop(void)
{
	int	i;

	for (i = 0; i < ngot; i++)
		free(got[i].r);
	ngot = 0;
}

static void
setup(void)
{
	vdb_reset();
	vdb_init(sink, &got);
	vdb_now = fixed_now;
	drop();
}

static void
teardown(void)
{
	drop();
	vdb_reset();
}

START_TEST(test_change_detection)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	int64_t		 i;
	double		 f;

	ck_assert_ptr_eq(vdb_device(DEV_GEN3, "R170000000000001", 0), d);
	ck_assert_int_eq(vdb_set_int(d, REG_INVERTER_STATUS, 1), 1);
	ck_assert_int_eq(vdb_set_int(d, REG_INVERTER_STATUS, 1), 0);
	ck_assert_int_eq(vdb_set_int(d, REG_INVERTER_STATUS, 0), 1);
	/* 0 == 0.0 upstream: no change, the integer stays */
	ck_assert_int_eq(vdb_set_float(d, REG_INVERTER_STATUS, 0.0), 0);
	ck_assert_int_eq(vdb_get_int(d, REG_INVERTER_STATUS, &i), 1);
	ck_assert_int_eq(i, 0);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, 238.5), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, 238.5), 0);
	ck_assert_int_eq(vdb_get_float(d, REG_GRID_VOLTAGE, &f), 1);
	ck_assert(f == 238.5);
	ck_assert_int_eq(vdb_get_int(d, REG_GRID_VOLTAGE, &i), 0);
	ck_assert_int_eq(vdb_set_str(d, REG_VERSION, "V5.0.11"), 1);
	ck_assert_int_eq(vdb_set_str(d, REG_VERSION, "V5.0.11"), 0);
	ck_assert_int_eq(vdb_set_str(d, REG_VERSION, "V5.0.12"), 1);
	ck_assert_str_eq(vdb_get_str(d, REG_VERSION), "V5.0.12");
	ck_assert_ptr_null(vdb_get_str(d, REG_GRID_VOLTAGE));
	ck_assert_int_eq(vdb_has(d, REG_GRID_CURRENT), 0);
	ck_assert_int_eq(vdb_set_int(d, REG_NONE, 1), 0);
	ck_assert_int_eq(vdb_set_int(d, REG_MAX, 1), 0);
	ck_assert_int_eq(vdb_set_int(NULL, REG_GRID_CURRENT, 1), 0);
}
END_TEST

START_TEST(test_must_incr)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	double		 f;

	/* a first 0 is not stored */
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 0.0), 0);
	ck_assert_int_eq(vdb_has(d, REG_DAILY_GENERATION), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 1.7), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 1.5), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 1.7), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 0.0), 0);
	ck_assert_int_eq(vdb_get_float(d, REG_DAILY_GENERATION, &f), 1);
	ck_assert(f == 1.7);
	ck_assert_int_eq(vdb_set_float(d, REG_DAILY_GENERATION, 1.71), 1);
	ck_assert_int_eq(vdb_set_int(d, REG_BATT_TOTAL_CHARG, -3), 0);
	ck_assert_int_eq(vdb_set_int(d, REG_BATT_TOTAL_CHARG, 3), 1);
	/* a normal register may go down to 0 */
	ck_assert_int_eq(vdb_set_float(d, REG_OUTPUT_POWER, 10.0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_OUTPUT_POWER, 0.0), 1);
}
END_TEST

/* issue 13: NaN and the infinities are never stored, nor sent */
START_TEST(test_non_finite)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	double		 f;

	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, INFINITY), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, NAN), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_INV_UNKNOWN_1, -INFINITY), 0);
	ck_assert_int_eq(vdb_has(d, REG_TOTAL_GENERATION), 0);
	ck_assert_int_eq(vdb_has(d, REG_GRID_VOLTAGE), 0);
	ck_assert_int_eq(vdb_has(d, REG_INV_UNKNOWN_1), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 17.36), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, 230.1), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, NAN), 0);
	ck_assert_int_eq(vdb_get_float(d, REG_GRID_VOLTAGE, &f), 1);
	ck_assert(f == 230.1);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, INFINITY), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 17.37), 1);
	vdb_flush(d);
	vdb_snapshot();
	/* the sink's reader saw every record: none was dropped */
	ck_assert_int_eq(ngot, 3);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[2].n, 2);
}
END_TEST

/*
 * issue 13: sanity bounds per unit, and a must-increase counter that
 * cannot be locked by one absurd value.
 */
START_TEST(test_bounds)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R170000000000001", 0);
	double		 f;

	/* the poisoning of the issue: 3.4e38 kWh, then real values */
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 3.4e38), 0);
	ck_assert_int_eq(vdb_has(d, REG_TOTAL_GENERATION), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 1000.0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 3.4e38), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 1000.5), 1);
	/* within the bounds, but no inverter makes 1e8 kWh in a minute */
	clock_now += 60;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 9e8), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 1000.6), 1);
	/* a day later a large step is possible */
	clock_now += 86400;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 3000.0), 1);
	ck_assert_int_eq(vdb_get_float(d, REG_TOTAL_GENERATION, &f), 1);
	ck_assert(f == 3000.0);

	/* a counter reset: smaller values for an hour are accepted */
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 2.0), 0);
	clock_now += 1800;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 2.5), 0);
	clock_now += 1800;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 3.0), 1);
	ck_assert_int_eq(vdb_get_float(d, REG_TOTAL_GENERATION, &f), 1);
	ck_assert(f == 3.0);
	/* a glitch in between (the stored value again) starts over */
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 4.0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 1.0), 0);
	clock_now += 1800;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 4.0), 0);
	clock_now += 1800;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 1.0), 0);
	/* 0 is a glitch, never a reset */
	clock_now += 7200;
	ck_assert_int_eq(vdb_set_float(d, REG_TOTAL_GENERATION, 0.0), 0);
	ck_assert_int_eq(vdb_get_float(d, REG_TOTAL_GENERATION, &f), 1);
	ck_assert(f == 4.0);

	/* bounds by unit, for every kind of register */
	ck_assert_int_eq(vdb_set_float(d, REG_OUTPUT_POWER, 3.4e38), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_OUTPUT_POWER, -1e7), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_OUTPUT_POWER, 600.0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, 1e6), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_VOLTAGE, 231.0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_CURRENT, -5000.0), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_GRID_FREQUENCY, 1e5), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_INVERTER_TEMP, -300.0), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_INVERTER_TEMP, -20.0), 1);
	ck_assert_int_eq(vdb_set_int(d, REG_DAILY_GENERATION, -1), 0);
	ck_assert_int_eq(vdb_set_int(d, REG_DAILY_GENERATION, 2000000000), 0);
	ck_assert_int_eq(vdb_has(d, REG_GRID_CURRENT), 0);
	ck_assert_int_eq(vdb_has(d, REG_GRID_FREQUENCY), 0);
	ck_assert_int_eq(vdb_has(d, REG_DAILY_GENERATION), 0);
	/* without a unit: any finite number */
	ck_assert_int_eq(vdb_set_int(d, REG_EVENT_ALARM, INT64_MAX), 1);
}
END_TEST

/*
 * vector test_new_data_types: the rejected first value of
 * input.pv1.Daily_Generation still creates "pv1": {} upstream; here a
 * REC_DEL of that key before any other pv1 record.
 */
START_TEST(test_new_data_types)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R170000000000001", 0);

	ck_assert_int_eq(vdb_set_int(d, REG_MANUFACTURER, 0), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_PV1_DAILY_GENERATION, 0.0), 0);
	/* the parent exists now: no second placeholder */
	ck_assert_int_eq(vdb_set_float(d, REG_PV1_TOTAL_GENERATION, 0.0), 0);
	ck_assert_int_eq(vdb_has(d, REG_PV1_DAILY_GENERATION), 0);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[0].reg, REG_MANUFACTURER);
	ck_assert_int_eq(got[0].r[1].reg, REG_PV1_DAILY_GENERATION);
	ck_assert_int_eq(got[0].r[1].type, REC_DEL);
	drop();
	/* once pv1 has a value, rejected energies add nothing */
	ck_assert_int_eq(vdb_set_float(d, REG_PV1_VOLTAGE, 33.1), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_PV1_TOTAL_GENERATION, 0.0), 0);
	ck_assert_int_eq(vdb_set_float(d, REG_PV1_DAILY_GENERATION, 0.5), 1);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[0].reg, REG_PV1_VOLTAGE);
	ck_assert_int_eq(got[0].r[1].reg, REG_PV1_DAILY_GENERATION);
	ck_assert_int_eq(got[0].r[1].type, REC_FLOAT);
	drop();
	/* the snapshot replays the placeholder where it was */
	vdb_snapshot();
	ck_assert_int_eq(ngot, 2);
	ck_assert_int_eq(got[1].n, 4);
	ck_assert_int_eq(got[1].r[1].type, REC_DEL);
	ck_assert_int_eq(got[1].r[3].reg, REG_PV1_DAILY_GENERATION);
	ck_assert_int_eq(got[1].r[3].type, REC_FLOAT);
}
END_TEST

START_TEST(test_order_and_flush)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3PLUS, "Y170000000000001",
	    2070233889);
	struct rbatch	*b;

	vdb_set_float(d, REG_GRID_VOLTAGE, 238.5);
	clock_now++;
	vdb_set_int(d, REG_TS_GRID, 1700000123);
	vdb_set_float(d, REG_GRID_CURRENT, 0.05);
	vdb_set_str(d, REG_CHIP_MODEL, "LSW5BLE_17_02B0_1.05");
	vdb_flush(NULL);
	ck_assert_int_eq(ngot, 1);
	b = &got[0];
	ck_assert_int_eq(b->h.kind, DEV_GEN3PLUS);
	ck_assert_int_eq(b->h.flags, 0);
	ck_assert_uint_eq(b->h.monitor_sn, 2070233889);
	ck_assert_str_eq(b->h.serial, "Y170000000000001");
	ck_assert_int_eq(b->n, 4);
	ck_assert_int_eq(b->r[0].reg, REG_GRID_VOLTAGE);
	ck_assert_int_eq(b->r[0].ts, 1700000000);
	ck_assert_int_eq(b->r[1].reg, REG_TS_GRID);
	ck_assert_int_eq(b->r[1].i, 1700000123);
	ck_assert_int_eq(b->r[1].ts, 1700000001);
	ck_assert_int_eq(b->r[2].reg, REG_GRID_CURRENT);
	ck_assert(b->r[2].f == 0.05);
	ck_assert_str_eq(b->r[3].s, "LSW5BLE_17_02B0_1.05");
	drop();
	/* nothing changed: nothing sent */
	vdb_flush(NULL);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 0);
	/* changes go out in first-insertion order, new keys last */
	vdb_set_float(d, REG_OUTPUT_POWER, 12.5);
	vdb_set_float(d, REG_GRID_CURRENT, 0.06);
	vdb_set_float(d, REG_GRID_VOLTAGE, 238.5);
	vdb_set_float(d, REG_GRID_VOLTAGE, 239.0);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].n, 3);
	ck_assert_int_eq(got[0].r[0].reg, REG_GRID_VOLTAGE);
	ck_assert(got[0].r[0].f == 239.0);
	ck_assert_int_eq(got[0].r[1].reg, REG_GRID_CURRENT);
	ck_assert_int_eq(got[0].r[2].reg, REG_OUTPUT_POWER);
}
END_TEST

START_TEST(test_del)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R1", 0);

	vdb_set_int(d, REG_INVERTER_STATUS, 1);
	vdb_set_int(d, REG_INVERTER_TEMP, 20);
	vdb_flush(d);
	drop();
	ck_assert_int_eq(vdb_del(d, REG_INVERTER_STATUS), 1);
	ck_assert_int_eq(vdb_del(d, REG_INVERTER_STATUS), 0);
	ck_assert_int_eq(vdb_has(d, REG_INVERTER_STATUS), 0);
	/* set again: a re-inserted key goes last */
	ck_assert_int_eq(vdb_set_int(d, REG_INVERTER_STATUS, 1), 1);
	vdb_flush(d);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[0].type, REC_DEL);
	ck_assert_int_eq(got[0].r[0].reg, REG_INVERTER_STATUS);
	ck_assert_int_eq(got[0].r[1].type, REC_INT);
	ck_assert_int_eq(got[0].r[1].reg, REG_INVERTER_STATUS);
	drop();
	vdb_snapshot();
	ck_assert_int_eq(got[1].n, 3);
	ck_assert_int_eq(got[1].r[1].reg, REG_INVERTER_TEMP);
	ck_assert_int_eq(got[1].r[2].reg, REG_INVERTER_STATUS);
}
END_TEST

/* JSON null: stored, sent as REC_NULL, null -> null is no change */
START_TEST(test_null)
{
	struct vdb_dev	*d = vdb_device(DEV_BATTERY, "4100000000000001", 1);
	double		 f;
	int64_t		 i;

	ck_assert_int_eq(vdb_set_float(d, REG_BATT_OUT_VOLT, 0.14), 1);
	ck_assert_int_eq(vdb_set_null(d, REG_BATT_OUT_PWR), 1);
	ck_assert_int_eq(vdb_set_null(d, REG_BATT_OUT_PWR), 0);
	ck_assert_int_eq(vdb_is_null(d, REG_BATT_OUT_PWR), 1);
	ck_assert_int_eq(vdb_is_null(d, REG_BATT_OUT_VOLT), 0);
	ck_assert_int_eq(vdb_is_null(d, REG_BATT_PWR), 0);
	/* present, but no getter sees a value */
	ck_assert_int_eq(vdb_has(d, REG_BATT_OUT_PWR), 1);
	ck_assert_int_eq(vdb_get_float(d, REG_BATT_OUT_PWR, &f), 0);
	ck_assert_int_eq(vdb_get_int(d, REG_BATT_OUT_PWR, &i), 0);
	ck_assert_ptr_null(vdb_get_str(d, REG_BATT_OUT_PWR));
	ck_assert_int_eq(vdb_set_null(d, REG_NONE), 0);
	ck_assert_int_eq(vdb_set_null(NULL, REG_BATT_OUT_PWR), 0);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[1].reg, REG_BATT_OUT_PWR);
	ck_assert_int_eq(got[0].r[1].type, REC_NULL);
	ck_assert_int_eq(got[0].r[1].ts, clock_now);
	drop();

	/* a null again sends nothing */
	vdb_set_null(d, REG_BATT_OUT_PWR);
	vdb_flush(d);
	ck_assert_int_eq(ngot, 0);

	/* a number replaces it in place (key order kept), and back */
	ck_assert_int_eq(vdb_set_float(d, REG_BATT_OUT_PWR, 0.0), 1);
	ck_assert_int_eq(vdb_get_float(d, REG_BATT_OUT_PWR, &f), 1);
	ck_assert(f == 0.0);
	ck_assert_int_eq(vdb_set_null(d, REG_BATT_OUT_PWR), 1);
	ck_assert_int_eq(vdb_set_str(d, REG_BATT_OUT_PWR, "x"), 1);
	ck_assert_int_eq(vdb_set_null(d, REG_BATT_OUT_PWR), 1);
	ck_assert_int_eq(vdb_set_int(d, REG_BATT_PWR_SUPL_STATE, 0), 1);
	vdb_flush(d);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[0].reg, REG_BATT_OUT_PWR);
	ck_assert_int_eq(got[0].r[0].type, REC_NULL);
	drop();

	/* must-increase: a null stays until a value above 0 comes */
	ck_assert_int_eq(vdb_set_null(d, REG_BATT_TOTAL_CHARG), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_BATT_TOTAL_CHARG, 0.0), 0);
	ck_assert_int_eq(vdb_is_null(d, REG_BATT_TOTAL_CHARG), 1);
	ck_assert_int_eq(vdb_set_float(d, REG_BATT_TOTAL_CHARG, 20.8), 1);

	/* in a snapshot as well */
	drop();
	vdb_snapshot();
	ck_assert_int_eq(got[1].r[1].type, REC_NULL);
}
END_TEST

START_TEST(test_counters)
{
	struct vdb_dev	*p = vdb_proxy();
	int64_t		 v;
	int		 i, n = 0;

	ck_assert_ptr_eq(vdb_proxy(), p);
	ck_assert_int_eq(vdb_get_int(p, REG_DCU_COMMAND, &v), 1);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(vdb_has(p, REG_SERVER_MODE_CNT), 0);
	/* the first flush carries all 14 counters, in order */
	vdb_count(REG_UNKNOWN_SNR, 1);
	vdb_count(REG_UNKNOWN_SNR, 1);
	vdb_count(REG_SERVER_MODE_CNT, 1);
	vdb_flush(NULL);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].h.kind, 0);
	ck_assert_str_eq(got[0].h.serial, "");
	ck_assert_int_eq(got[0].n, 15);
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		if (!(reg_get(i)->flags & REGF_COUNTER))
			continue;
		ck_assert_int_eq(got[0].r[n].reg, i);
		ck_assert_int_eq(got[0].r[n].i, i == REG_UNKNOWN_SNR ? 2 : 0);
		n++;
	}
	ck_assert_int_eq(got[0].r[14].reg, REG_SERVER_MODE_CNT);
	ck_assert_int_eq(got[0].r[14].i, 1);
	drop();
	/* afterwards only what changed; 0 changes nothing */
	vdb_count(REG_INVERTER_CNT, 1);
	vdb_count(REG_INVERTER_CNT, -1);
	vdb_count(REG_SERVER_MODE_CNT, -1);
	vdb_count(REG_AT_COMMAND, 0);
	vdb_flush(vdb_proxy());
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].n, 2);
	ck_assert_int_eq(got[0].r[0].reg, REG_INVERTER_CNT);
	ck_assert_int_eq(got[0].r[0].i, 0);
	ck_assert_int_eq(got[0].r[1].reg, REG_SERVER_MODE_CNT);
	ck_assert_int_eq(got[0].r[1].i, 0);
}
END_TEST

START_TEST(test_snapshot)
{
	struct vdb_dev	*a, *b;
	int		 i, seen_a = 0, seen_b = 0;

	a = vdb_device(DEV_GEN3, "R170000000000001", 0);
	b = vdb_device(DEV_BATTERY, "Y170000000000002", 42);
	vdb_set_int(a, REG_INVERTER_STATUS, 1);
	vdb_set_float(b, REG_BATT_SOC, 55.5);
	vdb_set_float(b, REG_BATT_VOLT, 51.2);
	vdb_set_online(b, 1);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].h.flags, BATCH_CONNECT);
	ck_assert_int_eq(got[0].n, 0);
	drop();
	vdb_snapshot();
	ck_assert_int_eq(ngot, 3);
	/* the proxy first, with its counters */
	ck_assert_int_eq(got[0].h.kind, 0);
	ck_assert_int_eq(got[0].h.flags, BATCH_SNAPSHOT);
	ck_assert_int_eq(got[0].n, 14);
	for (i = 1; i < 3; i++) {
		if (strcmp(got[i].h.serial, "R170000000000001") == 0) {
			seen_a = 1;
			ck_assert_int_eq(got[i].h.flags, BATCH_SNAPSHOT);
			ck_assert_int_eq(got[i].n, 1);
		} else {
			seen_b = 1;
			ck_assert_int_eq(got[i].h.flags,
			    BATCH_SNAPSHOT | BATCH_CONNECT);
			ck_assert_int_eq(got[i].h.kind, DEV_BATTERY);
			ck_assert_uint_eq(got[i].h.monitor_sn, 42);
			ck_assert_int_eq(got[i].n, 2);
			ck_assert_int_eq(got[i].r[0].reg, REG_BATT_SOC);
			ck_assert_int_eq(got[i].r[1].reg, REG_BATT_VOLT);
		}
	}
	ck_assert(seen_a && seen_b);
	drop();
	/* the snapshot sent everything: nothing left to flush */
	vdb_flush(NULL);
	ck_assert_int_eq(ngot, 0);
}
END_TEST

START_TEST(test_online)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3, "R1", 0);

	vdb_set_online(d, 1);
	vdb_set_int(d, REG_INVERTER_STATUS, 0);
	vdb_set_online(d, 0);
	/* pending values go out before the offline state */
	ck_assert_int_eq(ngot, 3);
	ck_assert_int_eq(got[0].h.flags, BATCH_CONNECT);
	ck_assert_int_eq(got[1].h.flags, 0);
	ck_assert_int_eq(got[1].n, 1);
	ck_assert_int_eq(got[2].h.flags, BATCH_DISCONN);
	ck_assert_int_eq(got[2].n, 0);
	ck_assert_str_eq(got[2].h.serial, "R1");
}
END_TEST

/* more than BATCH_MAX of records: several valid batches, order kept */
START_TEST(test_split)
{
	struct vdb_dev	*d = vdb_device(DEV_GEN3PLUS, "Y1", 0);
	char		 s[REC_STR_MAX + 1];
	int		 i, k, total = 0, want = 0;
	int		 prev;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		snprintf(s, sizeof(s), "%0*d", REC_STR_MAX, i);
		ck_assert_int_eq(vdb_set_str(d, i, s), 1);
		want++;
	}
	/* each delete leaves a placeholder record */
	for (k = 0; k < 600; k++) {
		vdb_del(d, REG_TRACE_URL);
		vdb_set_str(d, REG_TRACE_URL, k & 1 ? "a" : "b");
		want++;
	}
	vdb_flush(d);
	ck_assert_int_ge(ngot, 2);
	prev = -1;
	for (i = 0; i < ngot; i++) {
		ck_assert_str_eq(got[i].h.serial, "Y1");
		ck_assert_int_eq(got[i].h.flags, 0);
		ck_assert_int_gt(got[i].n, 0);
		total += got[i].n;
		if (i == 0) {
			ck_assert_int_eq(got[i].r[0].reg, REG_NONE + 1);
			prev = got[i].r[got[i].n - 1].reg;
		}
	}
	ck_assert_int_ge(prev, REG_NONE + 1);
	ck_assert_int_eq(total, want);
	/* the string of the first register survived intact */
	snprintf(s, sizeof(s), "%0*d", REC_STR_MAX, REG_NONE + 1);
	ck_assert_str_eq(got[0].r[0].s, s);
	/* the last record is the last value set */
	ck_assert_str_eq(got[ngot - 1].r[got[ngot - 1].n - 1].s, "a");
}
END_TEST

START_TEST(test_many_devices)
{
	struct vdb_dev	*d[5000];
	char		 sn[17];
	int		 i, n = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(sn, sizeof(sn), "R17%013d", i);
		d[i] = vdb_device(DEV_GEN3, sn, 0);
		vdb_set_int(d[i], REG_INVERTER_STATUS, i);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(sn, sizeof(sn), "R17%013d", i);
		ck_assert_ptr_eq(vdb_device(DEV_GEN3, sn, 0), d[i]);
	}
	vdb_forget(d[17]);
	vdb_init(count_sink, &n);
	vdb_flush(NULL);
	ck_assert_int_eq(n, 4999);
	snprintf(sn, sizeof(sn), "R17%013d", 17);
	ck_assert_int_eq(vdb_has(vdb_device(DEV_GEN3, sn, 0),
	    REG_INVERTER_STATUS), 0);
	/* a serial longer than 16 characters is cut, not overflowed */
	ck_assert_ptr_eq(vdb_device(DEV_GEN3, "ABCDEFGHIJKLMNOPQRS", 0),
	    vdb_device(DEV_GEN3, "ABCDEFGHIJKLMNOP", 0));
}
END_TEST

/* issue 13: allow_all devices are bounded and expire */
START_TEST(test_transient)
{
	struct vdb_dev	*d[VDB_TRANSIENT_MAX], *cf;
	char		 sn[17], sn3[17], sn5[17];
	int		 i, n = 0;

	vdb_init(count_sink, &n);
	cf = vdb_device(DEV_GEN3, "R170000000000001", 0);
	vdb_set_online(cf, 0);
	for (i = 0; i < VDB_TRANSIENT_MAX; i++) {
		ck_assert_int_eq(vdb_transient_room(), 1);
		snprintf(sn, sizeof(sn), "A%015d", i);
		d[i] = vdb_device(DEV_GEN3, sn, 0);
		vdb_set_transient(d[i], 1);
		vdb_set_online(d[i], 1);
		vdb_set_int(d[i], REG_INVERTER_STATUS, 1);
		clock_now++;
	}
	vdb_flush(NULL);
	vdb_init(sink, &got);
	/* every one online: no room, nothing forgotten */
	ck_assert_int_eq(vdb_transient_room(), 0);
	ck_assert_int_eq(vdb_expire(), 0);
	ck_assert_int_eq(ngot, 0);
	snprintf(sn5, sizeof(sn5), "A%015d", 5);
	snprintf(sn3, sizeof(sn3), "A%015d", 3);
	vdb_set_online(d[5], 0);
	clock_now++;
	vdb_set_online(d[3], 0);
	drop();
	/* the one offline longest goes, and mqttd is told */
	ck_assert_int_eq(vdb_transient_room(), 1);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].h.flags, BATCH_FORGET);
	ck_assert_str_eq(got[0].h.serial, sn5);
	ck_assert_int_eq(got[0].n, 0);
	ck_assert_ptr_null(vdb_find(sn5));
	ck_assert_ptr_eq(vdb_find(sn3), d[3]);
	drop();
	/* below the bound again */
	ck_assert_int_eq(vdb_transient_room(), 1);
	ck_assert_int_eq(ngot, 0);
	/* d[3] expires a day after it went offline, not earlier */
	clock_now += VDB_TRANSIENT_TTL - 1;
	ck_assert_int_eq(vdb_expire(), 0);
	clock_now++;
	ck_assert_int_eq(vdb_expire(), 1);
	ck_assert_int_eq(ngot, 1);
	ck_assert_int_eq(got[0].h.flags, BATCH_FORGET);
	ck_assert_str_eq(got[0].h.serial, sn3);
	ck_assert_ptr_null(vdb_find(sn3));
	drop();
	/* online devices and configured ones never expire */
	clock_now += 10 * VDB_TRANSIENT_TTL;
	ck_assert_int_eq(vdb_expire(), 0);
	ck_assert_ptr_eq(vdb_find("R170000000000001"), cf);
	ck_assert_ptr_eq(vdb_find("A000000000000000"), d[0]);
	/* a device configured later is no longer transient */
	vdb_set_transient(d[7], 0);
	vdb_set_online(d[7], 0);
	clock_now += 10 * VDB_TRANSIENT_TTL;
	drop();
	ck_assert_int_eq(vdb_expire(), 0);
	ck_assert_int_eq(ngot, 0);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 nfail;

	s = suite_create("valuedb");
	tc = tcase_create("valuedb");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_change_detection);
	tcase_add_test(tc, test_must_incr);
	tcase_add_test(tc, test_non_finite);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_new_data_types);
	tcase_add_test(tc, test_order_and_flush);
	tcase_add_test(tc, test_del);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_online);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_many_devices);
	tcase_add_test(tc, test_transient);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
