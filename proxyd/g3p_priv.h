/*
 * GEN3PLUS internals shared by gen3plus.c, its MODBUS side (g3p_modbus.c)
 * and the emulated logger (emu.c).  Not for anyone else: the connection
 * layer and the tests use proto_ops.
 */
#ifndef TSUN_G3P_PRIV_H
#define TSUN_G3P_PRIV_H

#include <stdint.h>

#include "proxyd/gen3plus.h"
#include "proxyd/poll.h"
#include "proxyd/proto.h"
#include "proxyd/valuedb.h"

#define CTRL_DEV_IND	0x4110
#define CTRL_DEV_RSP	0x1110
#define CTRL_DATA_IND	0x4210
#define CTRL_DATA_RSP	0x1210
#define CTRL_SYNC_START	0x4310
#define CTRL_SYNC_RSP	0x1310
#define CTRL_CMD_REQ	0x4510
#define CTRL_CMD_RSP	0x1510
#define CTRL_CMD_RSP2	0x0510
#define CTRL_HB_IND	0x4710
#define CTRL_HB_RSP	0x1710
#define CTRL_SYNC_END	0x4810
#define CTRL_SYNC_END_RSP 0x1810

#define FT_AT		1
#define FT_MODBUS	2
#define FT_DCU		5
#define FT_AT_INTERIM	8

#define ACK_HEARTBEAT	60	/* what the real cloud announces as well */
#define CMD_HDR		15	/* ftype, sensor list, 3 x u32 */
#define RSP_HDR		14	/* ftype, status, 3 x u32 */

#define POLL_SERVER_MS	60000
#define POLL_CLIENT_MS	30000

#define EMU_DATA_S	300
#define EMU_HB_S	60

struct g3p_link {
	int		 client;	/* we are the client: cloud rule */
	int		 hdr_valid;
	uint16_t	 dlen;
	uint16_t	 ctrl;
	uint32_t	 snr;
	uint8_t		 rcv;
	uint8_t		 snd;
	int		 snr_ok;
	uint32_t	 snr_acc;
};

struct blk {
	uint16_t	 reg;
	uint16_t	 cnt;
};

struct g3p {
	const struct tsun_conf	*conf;
	const struct proto_io	*io;
	int			 side;
	const struct conf_device *client_dev;
	const struct conf_device *dc;	/* accepted device, NULL: allow_all */
	struct vdb_dev		*dev;
	int			 accepted;
	struct g3p_link		 dl;	/* inverter link */
	struct g3p_link		 cl;	/* cloud link */
	int			 state;
	uint16_t		 sensor_list;
	uint32_t		 time_ofs;
	int64_t			 data_ts;	/* MQTT time stamp of a decode */
	int			 ts_groups;	/* grid/input/total stamped */
	int			 fwd_at;
	int			 fwd_dcu;
	int			 no_forwarding;

	struct mbq		 q;	/* allocated on first use */
	int			 last_err;

	int			 polling;
	int			 poll_ms;
	unsigned int		 poll_k;
	int			 scanning;
	int32_t			 scan_reg;
	uint8_t			 scan_addr;
	int			 detecting;
	int			 cand;

	int			 emu_wanted;
	int			 emu_active;
	int			 cloud_connected;
	uint32_t		 emu_started;
	uint32_t		 emu_pkt;
	uint32_t		 emu_hb_s;
	uint32_t		 emu_time_ofs;	/* cloud time - emulated time */
};

/* the clock (rd16le and friends: v5_frame.h) */
static inline uint32_t
now_s(void)
{
	return (uint32_t)(proto_now_ms() / 1000);
}

/* a frame to the cloud, sequence bytes and checksum filled in */
void		 g3p_send_cloud(struct g3p *, const uint8_t *, size_t);

/* the emulated logger towards the cloud (emu.c, §14.1) */
void		 emu_start(struct g3p *);
uint32_t	 emu_clock(void);
void		 emu_timer(struct g3p *, int id);

/* timers, state and database writes, for gen3plus.c and g3p_modbus.c */
static inline void
set_timer(struct g3p *g, int id, int ms)
{
	g->io->timer(g->io->arg, id, ms);
}

static inline void
set_state(struct g3p *g, int st)
{
	if (g->state == st)
		return;
	g->state = st;
	g->io->state(g->io->arg, st, g->polling);
}

/*
 * Database helpers: every write goes through here so that a connection
 * without an accepted device writes nothing.
 */
static inline int
db_int(struct g3p *g, enum reg_id r, int64_t v)
{
	return g->dev != NULL ? vdb_set_int(g->dev, r, v) : 0;
}

static inline int
db_str(struct g3p *g, enum reg_id r, const char *s)
{
	return g->dev != NULL ? vdb_set_str(g->dev, r, s) : 0;
}

static inline void
db_flush(struct g3p *g)
{
	if (g->dev != NULL)
		vdb_flush(g->dev);
	g->ts_groups = 0;	/* a new publish cycle */
}

/* gen3plus.c: store a decoded value, check a serial, send a command */
void		 g3p_store_cb(void *, const struct mb_value *);
int		 g3p_snr_check(struct g3p *, struct g3p_link *, uint32_t);
void		 g3p_send_cmd(struct g3p *, uint8_t ftype, uint16_t sl,
		    const uint8_t *, size_t);

/* the MODBUS side: queue, polling, sensor-list detection (g3p_modbus.c) */
int		 g3p_mb_enqueue(struct g3p *, uint8_t addr, uint8_t fcode,
		    uint16_t reg, uint16_t val, int from_cloud);
int		 g3p_mb_request(struct g3p *, uint8_t fcode, uint16_t reg,
		    uint16_t val);
void		 g3p_mb_expired(struct g3p *);
void		 g3p_mb_answer(struct g3p *, const uint8_t *, size_t,
		    const uint8_t *rtu, size_t rlen);
void		 g3p_poll_expiry(struct g3p *, int restart);
void		 g3p_update_model(struct g3p *);
void		 g3p_client_connected(struct g3p *);

#endif
