/*
 * The protocol modules' clock.  Alone in its file so that a unit test
 * defining its own proto_now_ms does not collide with this one.
 */
#include <stdint.h>
#include <time.h>

#include "proxyd/proto.h"

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t	(*proto_now_ms)(void) = wall_ms;
