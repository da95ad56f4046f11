/*
 * GEN3's per-connection state, private to gen3.c.
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

struct gen3 {
	const struct tsun_conf		*conf;
	const struct proto_io		*io;
	int				 side;
	const struct conf_device	*dc;
	struct vdb_dev			*vd;
	char				 serial[GEN3_ID_MAX + 1];
	int				 state;	/* PSTATE_*, dev side */
	int				 pend;	/* time req. while up */
	/* ms added to the timestamps of each side */
	int64_t				 ts_off_dev;
	int64_t				 ts_off_cloud;
	int				 await_contact;	/* to swallow */
	/* the contact info of the logger */
	char				 name[256];
	char				 mail[256];
	uint32_t			 sensor_list;	/* 1st 0x04 id */
	int				 polling;
	int				 poll_ms;
	int				 poll_count;	/* expiries */
	int				 counted;	/* a counter changed */
	int				 dirty;		/* a value changed */
	struct mbq			 q;	/* MODBUS requests */
	/* scan mode */
	int				 scan_addr;
	int				 scan_reg;
};

#endif
