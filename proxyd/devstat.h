/*
 * Per device what tsun-ctl show inverters tells beyond a live
 * connection: whether the device ever connected, when it was last seen,
 * how often it connected, the cloud frames dropped on its links.
 */
#ifndef TSUN_DEVSTAT_H
#define TSUN_DEVSTAT_H

#include <sys/queue.h>
#include <stdint.h>
#include <time.h>

#include "common/conf.h"

struct devstat {
	TAILQ_ENTRY(devstat) entry;
	char		 serial[SERIAL_LEN + 1];	/* or a monitor SN */
	int		 kind;		/* DEV_GEN3 / DEV_GEN3PLUS / ... */
	int		 online;	/* identified connections now */
	uint32_t	 nconn;		/* identified connections ever */
	time_t		 last_seen;	/* last identified or closed */
	time_t		 last_data;	/* last bytes of a closed connection */
	uint64_t	 dropped;	/* cloud frames dropped, closed links */
};

/* a connection identified itself as serial */
void		 devstat_up(const char *serial, int kind);
/* it closed: when it last sent data, what its cloud link dropped */
void		 devstat_down(const char *serial, time_t last_data,
		    uint64_t dropped);
struct devstat	*devstat_find(const char *serial);	/* NULL: never */
struct devstat	*devstat_next(struct devstat *);	/* NULL: the first */

#endif
