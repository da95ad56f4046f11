/*
 * The device records behind tsun-ctl show inverters.  They outlive the
 * connections; at most DEVSTAT_MAX are kept, and when a new device
 * finds no room the one not connected and seen longest ago goes.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "proxyd/devstat.h"

#define DEVSTAT_MAX	1024

static TAILQ_HEAD(, devstat)	devstats = TAILQ_HEAD_INITIALIZER(devstats);
static int			ndevstats;

struct devstat *
devstat_find(const char *serial)
{
	struct devstat	*d;

	TAILQ_FOREACH(d, &devstats, entry)
		if (strcmp(d->serial, serial) == 0)
			return d;
	return NULL;
}

struct devstat *
devstat_next(struct devstat *d)
{
	return d == NULL ? TAILQ_FIRST(&devstats) : TAILQ_NEXT(d, entry);
}

void
devstat_up(const char *serial, int kind)
{
	struct devstat	*d, *o;

	if ((d = devstat_find(serial)) == NULL) {
		if (ndevstats >= DEVSTAT_MAX) {
			d = NULL;
			TAILQ_FOREACH(o, &devstats, entry)
				if (o->online == 0 && (d == NULL ||
				    o->last_seen < d->last_seen))
					d = o;
			if (d == NULL)
				return;
			TAILQ_REMOVE(&devstats, d, entry);
			ndevstats--;
			free(d);
		}
		if ((d = calloc(1, sizeof(*d))) == NULL)
			fatal("%s", __func__);
		strlcpy(d->serial, serial, sizeof(d->serial));
		TAILQ_INSERT_TAIL(&devstats, d, entry);
		ndevstats++;
	}
	d->kind = kind;
	d->online++;
	d->nconn++;
	d->last_seen = time(NULL);
}

void
devstat_down(const char *serial, time_t last_data, uint64_t dropped)
{
	struct devstat	*d;

	if ((d = devstat_find(serial)) == NULL)
		return;
	if (d->online > 0)
		d->online--;
	d->last_seen = time(NULL);
	if (last_data > d->last_data)
		d->last_data = last_data;
	d->dropped += dropped;
}
