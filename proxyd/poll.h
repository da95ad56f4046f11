/*
 * What both protocol engines do around MODBUS: the request queue (one
 * request in flight, the others waiting) and its retry, the polling plan,
 * the mapping of MQTT commands to register writes and reads, group time
 * stamps and the night-time close.
 */
#ifndef TSUN_POLL_H
#define TSUN_POLL_H

#include <stdint.h>

#include "proxyd/modbus.h"

#include "common/registers.h"

struct cmd_msg;
struct vdb_dev;

/*
 * The request queue.  Its array is allocated on first use: a connection
 * that never polls costs four ints.  The head is the request in flight
 * while busy; it is sent again retry_max times when its timer runs out,
 * then given up.
 */
#define MBQ_MAX		100		/* queued requests, in flight included */
#define MBQ_RETRIES	1		/* sent again once, then given up */

struct mbq_item {
	uint8_t		 rtu[MB_REQ_LEN];
	struct mb_req	 req;
	int		 from_cloud;	/* answer goes back to the cloud */
};

struct mbq {
	struct mbq_item	*q;
	int		 head;
	int		 len;
	int		 busy;		/* the head is in flight */
	int		 retries;	/* ... and was sent again so often */
	int		 retry_max;
};

/* how an engine arms its answer timer and puts a request on the wire */
struct mbq_ops {
	int	 timeout_ms;
	void	(*timer)(void *arg, int ms);	/* ms < 0: cancel */
	void	(*send)(void *arg, const struct mbq_item *);
	void	(*gave_up)(void *arg, const struct mbq_item *);	/* or NULL */
};

/* append a request (its RTU bytes): 0, or -1 when full or out of memory */
int		 mbq_push(struct mbq *, const uint8_t rtu[MB_REQ_LEN],
		    const struct mb_req *, int from_cloud);
/* the oldest request, NULL if none; mbq_drop() removes it */
struct mbq_item	*mbq_head(struct mbq *);
void		 mbq_drop(struct mbq *);
int		 mbq_len(const struct mbq *);
void		 mbq_clear(struct mbq *);	/* empty, memory kept */
void		 mbq_free(struct mbq *);	/* empty, memory freed */

/* not busy: the head goes out (timer armed, then sent) */
void		 mbq_kick(struct mbq *, const struct mbq_ops *, void *);
/* the request in flight, NULL if none */
struct mbq_item	*mbq_current(struct mbq *);
/* the request in flight was answered: dropped, timer cancelled */
void		 mbq_answered(struct mbq *, const struct mbq_ops *, void *);
/* the answer timer ran out: send again, or give up and send the next */
void		 mbq_expired(struct mbq *, const struct mbq_ops *, void *);
/* the request in flight has no retry left */
int		 mbq_last_try(const struct mbq *);

/*
 * The polling plan: the slowly changing registers are read every
 * POLL_SLOW_EVERY-th poll, starting with poll number first.
 */
#define POLL_SLOW_EVERY	30
int		 poll_slow_due(unsigned int n, unsigned int first);

/* registers written by MQTT commands */
#define MB_REG_RATED_LOAD	0x2008	/* rated load, raw */
#define MB_REG_OUT_COEFF	0x202c	/* output coefficient, 1/1024 */

/*
 * A MODBUS command from MQTT as a request (address 1): 0 and the
 * request, -1 if its value is out of range, 1 if the command is not a
 * MODBUS one.
 */
int		 poll_cmd_request(const struct cmd_msg *, uint8_t *fcode,
		    uint16_t *reg, uint16_t *val);

/*
 * Group time stamps: the first value of a decode stored in grid, input or
 * total sets that group's Timestamp to ts (none if ts < 0).  *groups
 * collects the GRP_* bits seen; GRP_INVERTER has no Timestamp.
 */
#define GRP_GRID	0x01
#define GRP_INPUT	0x02
#define GRP_TOTAL	0x04
#define GRP_INVERTER	0x08
int		 group_bit(enum reg_id);
void		 group_stamp(struct vdb_dev *, enum reg_id, int *groups,
		    int64_t ts);

/*
 * The night-time close: when the device link closes with an output power
 * below 2 W, Inverter_Status becomes 0 (off-line), since a silent logger
 * at night would stay "on-grid" forever.  1 if that changed the value.
 */
int		 poll_night_close(struct vdb_dev *);

#endif
