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

#define G3P_HDR_LEN		V5_HDR_LEN
#define G3P_TRAILER_LEN		V5_TRAILER_LEN
#define G3P_MAX_DATA_LEN	V5_MAX_DATA_LEN
#define G3P_MAX_FRAME		V5_MAX_FRAME

/* timer ids passed to io->timer and back to g3p_timer() */
#define G3P_TIMER_POLL		1	/* MODBUS polling */
#define G3P_TIMER_MB_RSP	2	/* MODBUS response timeout */
#define G3P_TIMER_EMU_DATA	3	/* emulated logger: data */
#define G3P_TIMER_EMU_HB	4	/* emulated logger: heartbeat */

#define G3P_MB_TIMEOUT_MS	8000
#define G3P_POLL_FIRST_MS	40000

/*
 * side is PSIDE_SERVER (the logger connected to us) or PSIDE_CLIENT
 * (client mode: we connected to client_dev, which must then be given).
 */
struct g3p	*g3p_new(const struct tsun_conf *, const struct proto_io *,
		    int side, const struct conf_device *client_dev);
void		 g3p_free(struct g3p *);

/*
 * Bytes from the inverter / from the cloud.  Returns how many leading
 * bytes were consumed (complete frames, or garbage thrown away); the
 * caller keeps the rest and presents it again with more data appended.
 * Never more than G3P_MAX_FRAME bytes need to be kept.  -1: close.
 */
ssize_t		 g3p_input_dev(struct g3p *, const uint8_t *, size_t);
ssize_t		 g3p_input_cloud(struct g3p *, const uint8_t *, size_t);

/* the cloud link was connected / closed: a new link restarts sequences */
void		 g3p_cloud_up(struct g3p *);
void		 g3p_cloud_down(struct g3p *);

void		 g3p_timer(struct g3p *, int id);
void		 g3p_closed(struct g3p *);	/* inverter link closed */

/* a command from MQTT: 0 sent or queued, -1 refused (logged) */
int		 g3p_command(struct g3p *, const struct cmd_msg *);

/* client mode: the connection to the device is up (spec §14) */
void		 g3p_client_connected(struct g3p *);

/*
 * Introspection, for the connection table and the unit tests.
 */
#define G3P_LINK_DEV		0
#define G3P_LINK_CLOUD		1
void		 g3p_seq(const struct g3p *, int link, uint8_t *rcv,
		    uint8_t *snd);
void		 g3p_set_seq(struct g3p *, int link, uint8_t rcv, uint8_t snd);
int		 g3p_state(const struct g3p *);
uint16_t	 g3p_sensor_list(const struct g3p *);
uint32_t	 g3p_time_ofs(const struct g3p *);
int		 g3p_header_valid(const struct g3p *, int link);
int		 g3p_last_mb_err(const struct g3p *);
/* the outstanding MODBUS request, 0 if none */
int		 g3p_mb_pending(const struct g3p *, struct mb_req *);
/* make req the outstanding request (tests: vector context) */
void		 g3p_set_pending(struct g3p *, const struct mb_req *,
		    int from_cloud);
void		 g3p_set_max_retries(struct g3p *, int);
int		 g3p_fwd_at_resp(const struct g3p *);
int		 g3p_fwd_dcu_resp(const struct g3p *);
void		 g3p_set_fwd_flags(struct g3p *, int at, int dcu);
int		 g3p_detecting(const struct g3p *);
void		 g3p_set_no_forwarding(struct g3p *, int);
/* accept monitor_sn on the inverter link and enter state UP (tests) */
void		 g3p_force_up(struct g3p *, uint32_t monitor_sn);
struct vdb_dev	*g3p_vdb(const struct g3p *);

/* T5: the battery values computed from stored registers */
void		 g3p_calc_batt(struct vdb_dev *);


#endif
