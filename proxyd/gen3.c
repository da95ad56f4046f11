/*
 * GEN3 "Talent" protocol: the data loggers of the TSUN GEN3 inverters.
 * Frames: int32 length, Pascal id (the logger serial), control byte,
 * message id, payload; all integers big-endian.  The proxy answers the
 * logger itself and forwards copies to the cloud; see gen3-talent.md.
 */
#include <sys/types.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/num.h"
#include "common/cmd.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/registers.h"
#include "proxyd/gen3.h"
#include "proxyd/gen3_map.h"
#include "proxyd/gen3_priv.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/proto.h"
#include "proxyd/valuedb.h"

#define SIDE_DEV	0
#define SIDE_CLOUD	1

#define REPLAY_AGE_S		86400.0
#define POLL_SLOW_REG		0x2000
#define POLL_SLOW_CNT		96
#define POLL_FAST_REG		0x3000
#define POLL_FAST_CNT		48
#define MB_PREFIX		"\x00\x01\xa3\x28"

/* forward() rewrites a copy here and hands it on at once */
static uint8_t	fwd[GEN3_FRAME_MAX];

/* ---- the state machine ---- */

static void
count(struct gen3 *g, enum reg_id r)
{
	vdb_count(r, 1);
	g->counted = 1;
}

static void
set_state(struct gen3 *g, int state)
{
	if (g->state == state)
		return;
	g->state = state;
	if (g->io->state != NULL)
		g->io->state(g->io->arg, state, g->polling);
}

static void
send_side(struct gen3 *g, int side, const uint8_t *p, size_t len)
{
	if (side == SIDE_DEV)
		g->io->to_dev(g->io->arg, p, len);
	else
		g->io->to_cloud(g->io->arg, p, len);
}

static void
reply(struct gen3 *g, int side, const struct gen3_hdr *h, uint8_t ctrl,
    uint8_t msg_id, const uint8_t *pl, size_t plen)
{
	uint8_t	 buf[64];
	size_t	 n;

	if ((n = gen3_build(buf, sizeof(buf), h->id, ctrl, msg_id, pl,
	    plen)) > 0)
		send_side(g, side, buf, n);
}

/*
 * Forward a frame to the other side.  Heartbeats carry the timestamp of
 * the receiving side's offset, data frames that of the peer; each frame
 * is rewritten once (the original added k offsets to the first of k).
 */
static void
forward(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	struct gen3_data	 d;
	int64_t			 ofs;
	size_t			 pos;

	if (len > sizeof(fwd))
		return;
	/* to_cloud is filtered by the connection layer, this way is ours */
	if (side == SIDE_CLOUD && g->conf != NULL &&
	    !g->conf->tsun.cloud_enabled)
		return;
	memcpy(fwd, frame, len);
	if (h->msg_id == GEN3_MSG_HEARTBEAT && h->ctrl == GEN3_CTRL_IND &&
	    h->data_len == 9) {
		ofs = side == SIDE_DEV ? g->ts_off_dev : g->ts_off_cloud;
		pos = h->header_len + 1;
		/* modulo 2^64: a peer's absurd clock must not be UB */
		g3_put64(fwd + pos, (int64_t)((uint64_t)g3_get64(fwd + pos) +
		    (uint64_t)ofs));
	} else if ((h->msg_id == GEN3_MSG_COLL_DATA ||
	    h->msg_id == GEN3_MSG_INV_DATA) &&
	    gen3_parse_data(h->data, h->data_len, &d) == 0) {
		ofs = side == SIDE_DEV ? g->ts_off_cloud : g->ts_off_dev;
		pos = h->header_len + d.ts_pos;
		g3_put64(fwd + pos, (int64_t)((uint64_t)d.ts_ms +
		    (uint64_t)ofs));
	}
	send_side(g, side == SIDE_DEV ? SIDE_CLOUD : SIDE_DEV, fwd, len);
}

static void
store_int(struct gen3 *g, enum reg_id r, int64_t v)
{
	if (g->vd != NULL && vdb_set_int(g->vd, r, v))
		g->dirty = 1;
}

static void
store_str(struct gen3 *g, enum reg_id r, const char *v)
{
	if (g->vd != NULL && vdb_set_str(g->vd, r, v))
		g->dirty = 1;
}

static int
accept_serial(struct gen3 *g, const char *id)
{
	const struct conf_device	*dc = NULL;
	struct vdb_dev			*vd = NULL;
	int				 i;
	static const enum reg_id	 pvman[MAX_PV] = {
		REG_PV1_MANUFACTURER, REG_PV2_MANUFACTURER,
		REG_PV3_MANUFACTURER, REG_PV4_MANUFACTURER,
		REG_PV5_MANUFACTURER, REG_PV6_MANUFACTURER
	};
	static const enum reg_id	 pvmod[MAX_PV] = {
		REG_PV1_MODEL, REG_PV2_MODEL, REG_PV3_MODEL,
		REG_PV4_MODEL, REG_PV5_MODEL, REG_PV6_MODEL
	};

	if (g->serial[0] != '\0' && strcmp(g->serial, id) == 0)
		return 1;
	if (!g->io->accept(g->io->arg, id, 0, &dc, &vd) || vd == NULL)
		return 0;
	strlcpy(g->serial, id, sizeof(g->serial));
	g->dc = dc;
	g->vd = vd;
	g->polling = dc != NULL && dc->modbus_polling;
	g->poll_ms = (dc != NULL && dc->modbus_interval > 0 ?
	    dc->modbus_interval : 60) * 1000;
	if (dc != NULL && dc->scanning) {
		g->scan_addr = 1;
		g->scan_reg = dc->scan_start;
	}
	store_str(g, REG_COLLECTOR_SNR, id);
	for (i = 0; dc != NULL && i < MAX_PV; i++) {
		if (!dc->pv[i].present)
			continue;
		store_str(g, pvman[i], dc->pv[i].manufacturer);
		store_str(g, pvmod[i], dc->pv[i].type);
	}
	if (g->state == PSTATE_INIT)
		set_state(g, PSTATE_RECEIVED);
	return 1;
}

/* ---- MODBUS over Talent ---- */

static void
mb_timer(void *arg, int ms)
{
	struct gen3	*g = arg;

	if (g->io->timer != NULL)
		g->io->timer(g->io->arg, GEN3_TIMER_MODBUS, ms);
}

static void
mb_transmit(void *arg, const struct mbq_item *it)
{
	struct gen3	*g = arg;
	uint8_t		 pl[5 + MB_REQ_LEN], buf[64];
	size_t		 n;

	/* a cloud command waits its turn, but goes out only when up */
	if (g->state != PSTATE_UP || g->pend) {
		log_warnx_sum("%s: MODBUS request not sent, state not up",
		    g->serial);
		return;
	}
	memcpy(pl, MB_PREFIX, 4);
	pl[4] = MB_REQ_LEN;
	memcpy(pl + 5, it->rtu, MB_REQ_LEN);
	if ((n = gen3_build(buf, sizeof(buf), g->serial, GEN3_CTRL_REQ,
	    GEN3_MSG_MODBUS, pl, sizeof(pl))) > 0)
		g->io->to_dev(g->io->arg, buf, n);
}

static const struct mbq_ops	mb_ops = {
	GEN3_MB_TIMEOUT_MS, mb_timer, mb_transmit, NULL
};

static int
mb_queue(struct gen3 *g, const uint8_t rtu[MB_REQ_LEN],
    const struct mb_req *req, int from_cloud)
{
	if (mbq_push(&g->q, rtu, req, from_cloud) == -1)
		return -1;
	mbq_kick(&g->q, &mb_ops, g);
	return 0;
}

/* a request of the proxy itself: only while up */
static int
mb_send_cmd(struct gen3 *g, uint8_t fcode, uint16_t reg, uint16_t val,
    uint8_t addr)
{
	uint8_t		rtu[MB_REQ_LEN];
	struct mb_req	req;

	if (g->state != PSTATE_UP || g->pend)
		return -1;
	mb_build_req(rtu, addr, fcode, reg, val, &req);
	return mb_queue(g, rtu, &req, 0);
}

struct g3_mbctx {
	struct gen3	*g;
	int		 groups;
};

static void
stamp_group(struct gen3 *g, enum reg_id r, int *groups, int64_t ts)
{
	group_stamp(g->vd, r, groups, ts);
}

static void
mb_value(void *arg, const struct mb_value *v)
{
	struct g3_mbctx	*c = arg;

	if (mb_value_store(c->g->vd, v)) {
		c->g->dirty = 1;
		/* MODBUS values carry the current time, not the logger's */
		stamp_group(c->g, v->reg, &c->groups,
		    (int64_t)llround(proto_now_ms() / 1000.0));
	}
}

static void
mb_answer(struct gen3 *g, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	struct g3_mbctx	 c;
	struct mbq_item	*it;
	const uint8_t	*rtu;
	size_t		 sub, rlen;
	int		 from_cloud;

	sub = h->msg_id == GEN3_MSG_MODBUS2 ? 6 : 5;
	if (h->data_len < sub)
		return;
	rtu = h->data + sub;
	rlen = h->data_len - sub;
	it = mbq_current(&g->q);
	if (mb_check_answer(it != NULL ? &it->req : NULL, rtu, rlen) !=
	    MB_OK || it == NULL)
		return;
	from_cloud = it->from_cloud;
	memset(&c, 0, sizeof(c));
	c.g = g;
	if (g->dc != NULL && g->dc->scanning && !from_cloud) {
		log_info("%s: MODBUS scan 0x%04x: %zu bytes", g->serial,
		    it->req.reg, rlen);
		log_hexdump("scan", rtu, rlen);
	} else if (g->vd != NULL && mb_answer_has_data(&it->req))
		mb_decode_answer(&it->req, rtu, rlen, mb_value, &c);
	if (from_cloud)
		forward(g, SIDE_DEV, frame, len, h);
	mbq_answered(&g->q, &mb_ops, g);
	mbq_kick(&g->q, &mb_ops, g);
}

static void
mb_cloud_cmd(struct gen3 *g, const struct gen3_hdr *h)
{
	struct mb_req	 req;
	const uint8_t	*rtu;
	size_t		 sub;

	sub = h->msg_id == GEN3_MSG_MODBUS2 ? 6 : 5;
	if (h->data_len < sub) {
		count(g, REG_INVALID_MSG_FMT);
		return;
	}
	rtu = h->data + sub;
	if (mb_parse_req(rtu, h->data_len - sub, &req) != 0) {
		count(g, REG_INVALID_MSG_FMT);
		return;
	}
	count(g, REG_MODBUS_COMMAND);
	if (mb_queue(g, rtu, &req, 1) != 0)
		log_warnx_sum("%s: MODBUS queue full", g->serial);
}

static void
poll_restart(struct gen3 *g)
{
	if (!g->polling)
		return;
	if (g->io->timer != NULL)
		g->io->timer(g->io->arg, GEN3_TIMER_POLL, GEN3_POLL_FIRST_MS);
	store_int(g, REG_POLLING_INTERVAL, g->poll_ms / 1000);
}

static void
poll_expired(struct gen3 *g)
{
	const struct conf_device	*dc = g->dc;
	int				 n;

	if (!g->polling)
		return;
	if (g->io->timer != NULL)
		g->io->timer(g->io->arg, GEN3_TIMER_POLL, g->poll_ms);
	n = g->poll_count++;
	if (dc != NULL && dc->scanning) {
		if (mb_send_cmd(g, MB_FN_READ_HOLDING, g->scan_reg,
		    dc->scan_bytes, g->scan_addr) == 0) {
			if (g->scan_reg + dc->scan_step > 0xffff)
				g->scan_addr = (g->scan_addr + 1) & 0xff;
			g->scan_reg = (g->scan_reg + dc->scan_step) & 0xffff;
		}
		return;
	}
	if (poll_slow_due(n, 2))
		mb_send_cmd(g, MB_FN_READ_HOLDING, POLL_SLOW_REG,
		    POLL_SLOW_CNT, 1);
	else
		mb_send_cmd(g, MB_FN_READ_HOLDING, POLL_FAST_REG,
		    POLL_FAST_CNT, 1);
}

/* ---- message handlers ---- */

struct g3_tlvctx {
	struct gen3		*g;
	struct vdb_dev		*vd;
	const struct g3_info	*map;
	int64_t			 ts;
	int			 groups;
	int			 changed;
};

static void
tlv_store(void *arg, const struct gen3_tlv *t)
{
	struct g3_tlvctx	*c = arg;
	const struct g3_info	*m;
	int			 ch = 0;

	if ((m = g3_info_find(c->map, t->info_id)) == NULL)
		return;
	switch (t->vtype) {
	case GEN3_TV_INT:
		if (m->ratio)
			ch = vdb_set_float(c->vd, m->reg,
			    num_round2(t->i * 100.0 / 1024));
		else
			ch = vdb_set_int(c->vd, m->reg, t->i);
		break;
	case GEN3_TV_FLOAT:
		if (m->ratio)
			ch = vdb_set_float(c->vd, m->reg,
			    num_round2(t->f * 100.0 / 1024));
		else
			ch = vdb_set_float(c->vd, m->reg, t->f);
		break;
	case GEN3_TV_STR:
		ch = vdb_set_str(c->vd, m->reg, t->s);
		break;
	default:
		return;
	}
	if (ch) {
		c->changed = 1;
		stamp_group(c->g, m->reg, &c->groups, c->ts);
	}
}

/*
 * Decode a TLV block with the info-id map of data_id into vd.  ts >= 0
 * stamps grid/input/total.Timestamp on the first change of the group.
 * Returns -1 on an invalid type or a block running past its end
 * (Invalid_Data_Type counted, values before it kept), else 0; *groups
 * gets GRP_INVERTER when the inverter group changed.
 */
static int
decode_info(struct gen3 *g, struct vdb_dev *vd, uint32_t data_id,
    const uint8_t *p, size_t len, int64_t ts, int *changed, int *groups)
{
	struct g3_tlvctx	 c;
	int			 rv;

	memset(&c, 0, sizeof(c));
	c.g = g;
	c.vd = vd;
	c.map = g3_info_map(data_id);
	c.ts = ts;
	rv = gen3_tlv_decode(p, len, tlv_store, &c);
	if (rv < 0)
		count(g, REG_INVALID_DATA_TYPE);
	*changed = c.changed;
	*groups = c.groups;
	return rv < 0 ? -1 : 0;
}

static void
handle_contact(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	const uint8_t	*p = h->data;
	size_t		 n, m;
	uint8_t		 one = 1;

	if (h->ctrl != GEN3_CTRL_IND) {
		count(g, REG_UNKNOWN_CTRL);
		forward(g, side, frame, len, h);
		return;
	}
	if (side == SIDE_CLOUD) {
		if (g->await_contact > 0)
			g->await_contact--;
		else
			forward(g, side, frame, len, h);
		return;
	}
	if (h->data_len == 1) {
		/* a contact response: not ours to answer */
		forward(g, side, frame, len, h);
		return;
	}
	g->name[0] = g->mail[0] = '\0';
	if (h->data_len >= 1 && (n = p[0]) + 2 <= h->data_len) {
		memcpy(g->name, p + 1, n);
		g->name[n] = '\0';
		m = p[n + 1];
		if (n + 2 + m <= h->data_len) {
			memcpy(g->mail, p + n + 2, m);
			g->mail[m] = '\0';
		}
	}
	reply(g, side, h, GEN3_CTRL_IND, GEN3_MSG_CONTACT, &one, 1);
}

static void
handle_time(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	uint8_t	 ts[8];
	int64_t	 local, ofs;

	if (h->ctrl != GEN3_CTRL_IND) {
		count(g, REG_UNKNOWN_CTRL);
		forward(g, side, frame, len, h);
		return;
	}
	local = gen3_local_ms(proto_now_ms());
	if (h->data_len == 0) {
		g3_put64(ts, local);
		reply(g, side, h, GEN3_CTRL_IND, GEN3_MSG_TIME, ts, 8);
		if (side == SIDE_DEV && g->state == PSTATE_UP)
			g->pend = 1;
		forward(g, side, frame, len, h);
	} else if (h->data_len >= 8) {
		ofs = (int64_t)((uint64_t)g3_get64(h->data) - (uint64_t)local);
		if (side == SIDE_CLOUD) {
			g->ts_off_cloud = ofs;
			g->ts_off_dev = ofs;
		} else
			g->ts_off_dev = ofs;
	} else
		forward(g, side, frame, len, h);
}

static void
handle_heartbeat(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	uint8_t	 two = 2;

	if (h->ctrl == GEN3_CTRL_RESP)
		return;
	if (h->ctrl != GEN3_CTRL_IND) {
		count(g, REG_UNKNOWN_CTRL);
		forward(g, side, frame, len, h);
		return;
	}
	if (h->data_len != 9) {
		forward(g, side, frame, len, h);
		return;
	}
	if (side == SIDE_DEV) {
		g->pend = 0;
		set_state(g, PSTATE_UP);
		poll_restart(g);
	}
	reply(g, side, h, GEN3_CTRL_RESP, GEN3_MSG_HEARTBEAT, &two, 1);
	forward(g, side, frame, len, h);
}

static void
handle_data(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	struct gen3_data	 d;
	char			 sl[9];
	uint8_t			 one = 1;
	int			 inv = h->msg_id == GEN3_MSG_INV_DATA;
	int			 changed = 0, groups = 0;
	double			 ts_utc, now;
	int64_t			 mdp;

	if (h->ctrl == GEN3_CTRL_RESP)
		return;
	if (h->ctrl != GEN3_CTRL_IND) {
		count(g, REG_UNKNOWN_CTRL);
		forward(g, side, frame, len, h);
		return;
	}
	reply(g, side, h, GEN3_CTRL_RESP, h->msg_id, &one, 1);
	/* the cloud never sends data; just pass such a frame on */
	if (side == SIDE_DEV && g->vd != NULL &&
	    gen3_parse_data(h->data, h->data_len, &d) == 0) {
		if (inv && g->sensor_list == 0) {
			g->sensor_list = d.data_id;
			snprintf(sl, sizeof(sl), "%08x", d.data_id);
			store_str(g, REG_SENSOR_LIST, sl);
		} else if (inv && g->sensor_list != d.data_id) {
			log_warnx("%s: data_id %08x differs from sensor list "
			    "%08x", g->serial, d.data_id, g->sensor_list);
		}
		ts_utc = gen3_local_to_utc(d.ts_ms);
		now = proto_now_ms() / 1000.0;
		if (inv && (now - ts_utc) / REPLAY_AGE_S > 1)
			log_info("%s: replayed inverter data ignored",
			    g->serial);
		else {
			decode_info(g, g->vd, d.data_id, d.tlv, d.tlv_len,
			    (int64_t)nearbyint(ts_utc), &changed, &groups);
			if (changed)
				g->dirty = 1;
		}
		if ((groups & GRP_INVERTER) &&
		    !vdb_has(g->vd, REG_EQUIPMENT_MODEL) &&
		    vdb_get_int(g->vd, REG_MAX_DESIGNED_POWER, &mdp) &&
		    mdp == 3000) {
			store_str(g, REG_EQUIPMENT_MODEL, "TSOL-MS3000");
			store_str(g, REG_MANUFACTURER, "TSUN");
			store_int(g, REG_NO_INPUTS, 4);
		}
	}
	if (inv && side == SIDE_DEV) {
		g->pend = 0;
		set_state(g, PSTATE_UP);
		poll_restart(g);
	}
	forward(g, side, frame, len, h);
}

static void
handle_ota(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	if (h->ctrl == GEN3_CTRL_REQ)
		count(g, REG_OTA_START_MSG);
	else if (h->ctrl != GEN3_CTRL_IND)
		count(g, REG_UNKNOWN_CTRL);
	forward(g, side, frame, len, h);
}

static void
handle_modbus(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	if (h->ctrl == GEN3_CTRL_REQ && side == SIDE_CLOUD)
		mb_cloud_cmd(g, h);
	else if (h->ctrl == GEN3_CTRL_IND && side == SIDE_DEV)
		mb_answer(g, frame, len, h);
	else if (h->ctrl == GEN3_CTRL_IND)
		count(g, REG_UNKNOWN_MSG);
	else {
		/* includes a request from the logger, which crashed upstream */
		count(g, REG_UNKNOWN_CTRL);
		forward(g, side, frame, len, h);
	}
}

static void
dispatch(struct gen3 *g, int side, const uint8_t *frame, size_t len,
    const struct gen3_hdr *h)
{
	size_t	 i;

	for (i = 0; i < h->id_len; i++) {
		/* serials are ASCII; anything else cannot be accepted */
		if ((uint8_t)h->id[i] < 0x20 || (uint8_t)h->id[i] > 0x7e) {
			count(g, REG_INVALID_MSG_FMT);
			return;
		}
	}
	if (!accept_serial(g, h->id))
		return;
	switch (h->msg_id) {
	case GEN3_MSG_CONTACT:
		handle_contact(g, side, frame, len, h);
		break;
	case GEN3_MSG_TIME:
		handle_time(g, side, frame, len, h);
		break;
	case GEN3_MSG_HEARTBEAT:
		handle_heartbeat(g, side, frame, len, h);
		break;
	case GEN3_MSG_COLL_DATA:
	case GEN3_MSG_INV_DATA:
		handle_data(g, side, frame, len, h);
		break;
	case GEN3_MSG_OTA:
		handle_ota(g, side, frame, len, h);
		break;
	case GEN3_MSG_MODBUS:
	case GEN3_MSG_MODBUS2:
		handle_modbus(g, side, frame, len, h);
		break;
	default:
		count(g, REG_UNKNOWN_MSG);
		forward(g, side, frame, len, h);
		break;
	}
}

static ssize_t
input(struct gen3 *g, int side, const uint8_t *p, size_t len)
{
	struct gen3_hdr	 h;
	ssize_t		 n;
	size_t		 used = 0;

	/* network test of the original: "ping" echoed by the listener */
	if (side == SIDE_DEV && len >= 4 && memcmp(p, "ping", 4) == 0) {
		g->io->to_dev(g->io->arg, (const uint8_t *)"ping", 4);
		used = 4;
	}
	while (used < len) {
		n = gen3_parse_frame(p + used, len - used, &h);
		if (n == GEN3_PARTIAL)
			break;
		if (n == GEN3_BAD) {
			/* no way to find the next frame: drop what we have */
			count(g, REG_INVALID_MSG_FMT);
			used = len;
			break;
		}
		dispatch(g, side, p + used, n, &h);
		used += n;
		if (g->dirty && g->vd != NULL)
			vdb_flush(g->vd);
		g->dirty = 0;
	}
	if (g->counted)
		vdb_flush(vdb_proxy());
	g->counted = 0;
	return used;
}

static struct gen3 *
gen3_new(const struct tsun_conf *conf, const struct proto_io *io, int side)
{
	struct gen3	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->conf = conf;
	g->io = io;
	g->side = side;
	g->state = PSTATE_INIT;
	g->poll_ms = 60000;
	g->q.retry_max = MBQ_RETRIES;
	return g;
}

static void
gen3_free(struct gen3 *g)
{
	if (g == NULL)
		return;
	mbq_free(&g->q);
	free(g);
}

static ssize_t
gen3_input_dev(struct gen3 *g, const uint8_t *p, size_t len)
{
	return input(g, SIDE_DEV, p, len);
}

static ssize_t
gen3_input_cloud(struct gen3 *g, const uint8_t *p, size_t len)
{
	return input(g, SIDE_CLOUD, p, len);
}

static void
gen3_cloud_up(struct gen3 *g)
{
	uint8_t	 pl[2 + 2 * 255], buf[GEN3_ID_MAX + 7 + sizeof(pl)];
	size_t	 n = strlen(g->name), m = strlen(g->mail), l;

	/*
	 * The original sends empty strings here (a bug); we send what the
	 * logger told us, as its first design did.
	 */
	if (g->serial[0] == '\0' || n > 255 || m > 255)
		return;
	pl[0] = n;
	memcpy(pl + 1, g->name, n);
	pl[1 + n] = m;
	memcpy(pl + 2 + n, g->mail, m);
	if ((l = gen3_build(buf, sizeof(buf), g->serial, GEN3_CTRL_IND,
	    GEN3_MSG_CONTACT, pl, n + m + 2)) == 0)
		return;
	g->io->to_cloud(g->io->arg, buf, l);
	g->await_contact++;
}

static void
gen3_timer(struct gen3 *g, int id)
{
	switch (id) {
	case GEN3_TIMER_POLL:
		poll_expired(g);
		break;
	case GEN3_TIMER_MODBUS:
		mbq_expired(&g->q, &mb_ops, g);
		break;
	}
}

static void
gen3_closed(struct gen3 *g)
{
	if (g->io->timer != NULL) {
		g->io->timer(g->io->arg, GEN3_TIMER_POLL, -1);
		g->io->timer(g->io->arg, GEN3_TIMER_MODBUS, -1);
	}
	g->state = PSTATE_CLOSED;
	if (poll_night_close(g->vd))
		vdb_flush(g->vd);
}

static int
gen3_command(struct gen3 *g, const struct cmd_msg *cmd)
{
	uint8_t		 fcode;
	uint16_t	 reg, val;

	switch (cmd->kind) {
	case CMD_MODBUS_READ_REGS:
	case CMD_MODBUS_READ_INPUTS:
		/* the answer's byte count is one byte */
		if (cmd->count < 1 || cmd->count > 125)
			return -1;
		break;
	}
	if (poll_cmd_request(cmd, &fcode, &reg, &val) != 0)
		return -1;
	return mb_send_cmd(g, fcode, reg, val, 1);
}

/*
 * The protocol interface of the connection layer.
 */
static void *
ops_new(const struct tsun_conf *conf, const struct proto_io *io, int side,
    const struct conf_device *client_dev)
{
	return gen3_new(conf, io, side);
}

static void
ops_free(void *g)
{
	gen3_free(g);
}

static ssize_t
ops_input_dev(void *g, const uint8_t *p, size_t len)
{
	return gen3_input_dev(g, p, len);
}

static ssize_t
ops_input_cloud(void *g, const uint8_t *p, size_t len)
{
	return gen3_input_cloud(g, p, len);
}

static void
ops_cloud_up(void *g)
{
	gen3_cloud_up(g);
}

/* a new cloud link starts from scratch anyway: nothing to forget */
static void
ops_none(void *g)
{
}

static void
ops_timer(void *g, int id)
{
	gen3_timer(g, id);
}

static void
ops_closed(void *g)
{
	gen3_closed(g);
}

static int
ops_command(void *g, const struct cmd_msg *cmd)
{
	return gen3_command(g, cmd);
}

const struct proto_ops gen3_ops = {
	.name = "gen3",
	.new = ops_new,
	.free = ops_free,
	.input_dev = ops_input_dev,
	.input_cloud = ops_input_cloud,
	.cloud_up = ops_cloud_up,
	.cloud_down = ops_none,
	.timer = ops_timer,
	.closed = ops_closed,
	.command = ops_command,
	.client_connected = ops_none,	/* GEN3 has no client mode */
};
