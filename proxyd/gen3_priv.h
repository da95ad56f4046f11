/*
 * GEN3's per-connection state, private to gen3.c and its test view
 * (gen3_test.h).
 */
#ifndef TSUN_GEN3_PRIV_H
#define TSUN_GEN3_PRIV_H

#include <stdint.h>

#include "proxyd/gen3.h"
#include "proxyd/poll.h"

struct tsun_conf;
struct proto_io;
struct conf_device;
struct vdb_dev;

/* what the unit tests and the fuzzer may read and preset (gen3_dbg()) */
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

struct gen3 {
	const struct tsun_conf		*conf;
	const struct proto_io		*io;
	int				 side;
	const struct conf_device	*dc;
	struct vdb_dev			*vd;
	int				 polling;
	int				 poll_ms;
	int				 counted;	/* a counter changed */
	int				 dirty;		/* a value changed */
	struct mbq			 q;	/* MODBUS requests */
	/* scan mode */
	int				 scan_addr;
	int				 scan_reg;
	struct gen3_dbg			 d;
};

#endif
