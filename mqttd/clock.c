/*
 * When the daily reset is due: at local midnight by the wall clock, which
 * may jump (a Raspberry Pi boots with a stale time and NTP corrects it
 * minutes later).  A monotonic timer armed once would fire at the wrong
 * wall time, so the local date is checked every MQ_DAY_CHECK_MS and at
 * each midnight instead.  Pure: the caller passes the time.
 */
#include <sys/types.h>

#include <time.h>

#include "mqttd/mqttd.h"

static int32_t
local_date(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
}

int
mq_day_check(struct mq_day *d, int64_t now, int64_t *wait_ms)
{
	int64_t		 left;
	int32_t		 date;
	int		 rc = MQ_DAY_SAME;

	*wait_ms = MQ_DAY_CHECK_MS;
	if ((date = local_date(now)) == 0)
		return MQ_DAY_SAME;
	if (d->date != 0 && date > d->date) {
		/*
		 * A new day: reached at its midnight (which passed less than
		 * MQ_DAY_SLACK ago; under DST it may be 01:00), or jumped into.
		 */
		if (local_date(now - MQ_DAY_SLACK) >= date)
			rc = MQ_DAY_JUMPED;
		else if (date != d->reset) {
			rc = MQ_DAY_RESET;
			d->reset = date;
		}
	}
	/*
	 * An earlier date (the clock went back) is taken as it is: its own
	 * midnight is the next reset, and a jump forward again lands in
	 * the middle of a day, or on a date that had its reset.
	 */
	d->date = date;
	left = mq_secs_to_midnight(now) * 1000 + 200;
	if (left < *wait_ms)
		*wait_ms = left;
	return rc;
}
