/*
 * GEN3PLUS: the Solarman V5 protocol between TSUN loggers, the proxy and
 * the cloud (spec gen3plus-solarman.md).  One struct g3p per inverter
 * connection; it owns the state of the inverter link and of the cloud
 * link and acts only through struct proto_io and the value database.
 */
#ifndef TSUN_GEN3PLUS_H
#define TSUN_GEN3PLUS_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "proxyd/modbus.h"
#include "proxyd/proto.h"
#include "proxyd/v5_frame.h"

struct tsun_conf;
struct conf_device;
struct cmd_msg;
struct vdb_dev;
struct g3p;

/* timer ids passed to io->timer and back to g3p_timer() */
#define G3P_TIMER_POLL		1	/* MODBUS polling */
#define G3P_TIMER_MB_RSP	2	/* MODBUS response timeout */
#define G3P_TIMER_EMU_DATA	3	/* emulated logger: data */
#define G3P_TIMER_EMU_HB	4	/* emulated logger: heartbeat */

#define G3P_MB_TIMEOUT_MS	8000
#define G3P_POLL_FIRST_MS	40000

/*
 * The state machine is driven through struct proto_ops g3p_ops (proto.h):
 * side PSIDE_SERVER (the logger connected to us) or PSIDE_CLIENT (client
 * mode: we connected to client_dev, which must then be given).  Never
 * more than V5_MAX_FRAME unconsumed bytes need to be kept.
 */

/* T5: the battery values computed from stored registers */
void		 g3p_calc_batt(struct vdb_dev *);


#endif
