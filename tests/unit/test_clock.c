/*
 * mqttd/clock.c: the daily reset follows the wall clock through jumps
 * forward and back and DST changes; once per date, never mid-day.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mqttd/mqttd.h"

static struct mq_day	 day;
static int64_t		 next_ms;	/* when mqttd.c would look again */
static int		 nresets, njumps;
static struct tm	 last_reset;

static void
tz(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

static int64_t
at(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int
check_at(int64_t ms)
{
	int64_t	 wait;
	time_t	 t = (time_t)(ms / 1000);
	int	 rc;

	rc = mq_day_check(&day, ms / 1000, &wait);
	ck_assert_int_gt(wait, 0);
	ck_assert_int_le(wait, MQ_DAY_CHECK_MS);
	next_ms = ms + wait;
	if (rc == MQ_DAY_RESET) {
		nresets++;
		localtime_r(&t, &last_reset);
	} else if (rc == MQ_DAY_JUMPED)
		njumps++;
	return rc;
}

/* the clock runs from 'from' to 'to' (s); mqttd looks when it asked to */
static void
run(int64_t from, int64_t to)
{
	int64_t	 ms = from * 1000;

	check_at(ms);
	while (next_ms < to * 1000)
		check_at(next_ms);
}

static void
setup(void)
{
	memset(&day, 0, sizeof(day));
	nresets = njumps = 0;
	tz("UTC");
}

START_TEST(test_plain_midnight)
{
	run(at(2026, 12, 7, 23, 0, 0), at(2026, 12, 8, 1, 0, 0));
	ck_assert_int_eq(nresets, 1);
	ck_assert_int_eq(last_reset.tm_mday, 8);
	ck_assert_int_eq(last_reset.tm_hour, 0);
	ck_assert_int_eq(last_reset.tm_min, 0);
	ck_assert_int_le(last_reset.tm_sec, 1);
}
END_TEST

/* issue 14 item 7: started at 10:00, NTP moves the clock to 23:59:45 */
START_TEST(test_jump_forward_to_late_evening)
{
	run(at(2026, 12, 7, 10, 0, 0), at(2026, 12, 7, 10, 0, 30));
	ck_assert_int_eq(nresets, 0);
	run(at(2026, 12, 7, 23, 59, 45), at(2026, 12, 8, 0, 0, 30));
	ck_assert_int_eq(nresets, 1);
	ck_assert_int_eq(last_reset.tm_hour, 0);
	ck_assert_int_eq(last_reset.tm_min, 0);
	ck_assert_int_le(last_reset.tm_sec, 1);
	ck_assert_int_eq(njumps, 0);
}
END_TEST

START_TEST(test_jump_back_within_day)
{
	run(at(2026, 12, 7, 15, 0, 0), at(2026, 12, 7, 15, 1, 0));
	run(at(2026, 12, 7, 9, 0, 0), at(2026, 12, 7, 9, 1, 0));
	run(at(2026, 12, 7, 16, 0, 0), at(2026, 12, 7, 16, 1, 0));
	ck_assert_int_eq(nresets, 0);
	ck_assert_int_eq(njumps, 0);
	/* and the midnight after still comes */
	run(at(2026, 12, 7, 23, 59, 0), at(2026, 12, 8, 0, 1, 0));
	ck_assert_int_eq(nresets, 1);
}
END_TEST

START_TEST(test_back_into_yesterday_and_forward)
{
	run(at(2026, 12, 7, 23, 59, 0), at(2026, 12, 8, 10, 0, 0));
	ck_assert_int_eq(nresets, 1);
	/* back to yesterday evening, forward again to the same date */
	run(at(2026, 12, 7, 23, 0, 0), at(2026, 12, 7, 23, 1, 0));
	run(at(2026, 12, 8, 10, 0, 5), at(2026, 12, 8, 10, 1, 0));
	ck_assert_int_eq(nresets, 1);
	/* the same around midnight itself: one reset for the date */
	run(at(2026, 12, 8, 23, 59, 50), at(2026, 12, 9, 0, 0, 10));
	ck_assert_int_eq(nresets, 2);
	run(at(2026, 12, 8, 23, 59, 58), at(2026, 12, 9, 0, 0, 20));
	ck_assert_int_eq(nresets, 2);
	/* and the next midnight has its reset */
	run(at(2026, 12, 9, 23, 59, 50), at(2026, 12, 10, 0, 0, 10));
	ck_assert_int_eq(nresets, 3);
}
END_TEST

START_TEST(test_jump_into_later_day)
{
	/* a stale boot clock corrected by days: no reset mid-day */
	run(at(2026, 1, 1, 10, 0, 0), at(2026, 1, 1, 10, 0, 30));
	run(at(2026, 12, 7, 14, 0, 0), at(2026, 12, 7, 14, 0, 30));
	ck_assert_int_eq(nresets, 0);
	ck_assert_int_eq(njumps, 1);
	run(at(2026, 12, 7, 23, 59, 0), at(2026, 12, 8, 0, 1, 0));
	ck_assert_int_eq(nresets, 1);
	/* a clock ahead by days, set back: resets resume at once */
	run(at(2026, 12, 20, 12, 0, 0), at(2026, 12, 20, 12, 0, 30));
	run(at(2026, 12, 8, 12, 0, 0), at(2026, 12, 9, 0, 1, 0));
	ck_assert_int_eq(nresets, 2);
	ck_assert_int_eq(last_reset.tm_mday, 9);
}
END_TEST

/* 48 hours across each DST change: a reset at each local midnight */
START_TEST(test_dst)
{
	tz("Europe/Berlin");
	run(at(2026, 3, 28, 12, 0, 0), at(2026, 3, 30, 12, 0, 0));
	ck_assert_int_eq(nresets, 2);
	ck_assert_int_eq(last_reset.tm_mday, 30);
	ck_assert_int_eq(last_reset.tm_hour, 0);
	ck_assert_int_le(last_reset.tm_sec, 1);
	memset(&day, 0, sizeof(day));		/* a new start */
	run(at(2026, 10, 24, 12, 0, 0), at(2026, 10, 26, 12, 0, 0));
	ck_assert_int_eq(nresets, 4);
	ck_assert_int_eq(last_reset.tm_mday, 26);
	ck_assert_int_eq(last_reset.tm_hour, 0);
	ck_assert_int_eq(njumps, 0);
	/* a zone whose DST began at midnight: 23:59:59 -> 01:00 */
	memset(&day, 0, sizeof(day));
	tz("America/Santiago");
	run(at(2022, 9, 10, 23, 0, 0), at(2022, 9, 11, 2, 0, 0));
	ck_assert_int_eq(nresets, 5);
	ck_assert_int_eq(last_reset.tm_mday, 11);
	ck_assert_int_eq(njumps, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("day");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_plain_midnight);
	tcase_add_test(tc, test_jump_forward_to_late_evening);
	tcase_add_test(tc, test_jump_back_within_day);
	tcase_add_test(tc, test_back_into_yesterday_and_forward);
	tcase_add_test(tc, test_jump_into_later_day);
	tcase_add_test(tc, test_dst);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
