/*
 * GEN3 introspection for the unit tests and the fuzz harness: the state
 * of a struct gen3 that they may read and preset.  The daemon drives the
 * engine through struct proto_ops alone; gen3.c keeps this state in its
 * struct gen3.
 */
#ifndef TSUN_GEN3_TEST_H
#define TSUN_GEN3_TEST_H

#include <stdint.h>

#include "proxyd/gen3.h"

struct gen3_dbg {
	char		 serial[GEN3_ID_MAX + 1];	/* accepted serial */
	int		 state;		/* PSTATE_* of the dev side */
	int		 pend;		/* time request while up: no MODBUS */
	int64_t		 ts_off_dev;	/* ms added to dev timestamps */
	int64_t		 ts_off_cloud;
	int		 await_contact;	/* contact replies to swallow */
	char		 name[256];	/* contact info of the logger */
	char		 mail[256];
	uint32_t	 sensor_list;	/* first data_id of 0x04, 0: none */
	int		 msg_count;	/* frames dispatched, both sides */
	int		 poll_count;	/* poll timer expiries so far */
	int		 mb_err;	/* last MODBUS answer check (MB_*) */
	int		 mb_elms;	/* values in the last MODBUS answer */
	int		 mb_last_reg;	/* last scan request */
	int		 mb_last_len;
	int		 data_warned;	/* data_id differed from sensor_list */
};

/* poll state and counters */
struct gen3_dbg	*gen3_dbg(struct gen3 *);

#endif
