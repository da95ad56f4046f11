/*
 * GEN3PLUS: ACKs, forwarding, decoding, MODBUS inside V5, AT/DCU
 * commands, polling and client mode (spec gen3plus-solarman.md; section
 * numbers refer to it).  The framing is v5_frame.c's, the emulated
 * logger emu.c's.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/registers.h"
#include "proxyd/at_acl.h"
#include "proxyd/g3p_layout.h"
#include "proxyd/g3p_priv.h"
#include "proxyd/g3p_test.h"
#include "proxyd/gen3plus.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/proto.h"
#include "proxyd/v5_frame.h"
#include "proxyd/valuedb.h"

static const struct blk	ms_fast[] = { { 0x3000, 48 } };
static const struct blk	ms_slow[] = { { 0x2000, 96 } };
static const struct blk	mx_fast[] = { { 0x1100, 16 }, { 0x1200, 48 },
			    { 0x1300, 64 } };
static const struct blk	mx_slow[] = { { 0x1000, 16 }, { 0x1400, 80 } };
static const struct blk	dcu_fast[] = { { 0x0000, 45 } };

/* sensor-list detection candidates (§13.1), with their probe */
static const struct {
	uint16_t	sl;
	struct blk	probe;
} cands[] = {
	{ G3P_SL_MS, { 0x3000, 48 } },
	{ G3P_SL_MX, { 0x1000, 16 } },
	{ G3P_SL_DCU, { 0x0000, 45 } },
};
#define NCANDS	(sizeof(cands) / sizeof(cands[0]))

static void	mb_send_next(struct g3p *);
static void	poll_expiry(struct g3p *, int restart);

/*
 * Sequence bytes (§5): stamp a frame leaving on this link and fix its
 * checksum.
 */
static void
link_stamp(struct g3p_link *l, uint8_t *f, size_t flen)
{
	l->snd++;
	if (l->client) {
		f[5] = l->rcv;
		f[6] = l->snd;
	} else {
		f[5] = l->snd;
		f[6] = l->rcv;
	}
	f[flen - 2] = v5_checksum(f, flen);
}

static void
send_dev(struct g3p *g, const uint8_t *f, size_t flen)
{
	uint8_t	buf[G3P_MAX_FRAME];

	if (flen > sizeof(buf))
		return;
	memcpy(buf, f, flen);
	link_stamp(&g->dl, buf, flen);
	g->io->to_dev(g->io->arg, buf, flen);
}

void
g3p_send_cloud(struct g3p *g, const uint8_t *f, size_t flen)
{
	uint8_t	buf[G3P_MAX_FRAME];

	if (flen > sizeof(buf))
		return;
	memcpy(buf, f, flen);
	link_stamp(&g->cl, buf, flen);
	g->io->to_cloud(g->io->arg, buf, flen);
}

/* forward a frame from the inverter to the cloud (§9) */
static void
fwd_cloud(struct g3p *g, const uint8_t *f, size_t flen)
{
	if (g->no_forwarding || !g->conf->solarman.cloud_enabled)
		return;
	g3p_send_cloud(g, f, flen);
}

static void
set_timer(struct g3p *g, int id, int ms)
{
	g->io->timer(g->io->arg, id, ms);
}

static void
set_state(struct g3p *g, int st)
{
	if (g->state == st)
		return;
	g->state = st;
	g->io->state(g->io->arg, st, g->polling);
}

static const char *
dev_serial(const struct g3p *g)
{
	return g->dc != NULL ? g->dc->serial : "";
}

/*
 * Database helpers: every write goes through here so that a connection
 * without an accepted device writes nothing.
 */
static int
db_int(struct g3p *g, enum reg_id r, int64_t v)
{
	return g->dev != NULL ? vdb_set_int(g->dev, r, v) : 0;
}

static int
db_str(struct g3p *g, enum reg_id r, const char *s)
{
	return g->dev != NULL ? vdb_set_str(g->dev, r, s) : 0;
}

static void
db_flush(struct g3p *g)
{
	if (g->dev != NULL)
		vdb_flush(g->dev);
	g->ts_groups = 0;	/* a new publish cycle */
}

/*
 * §16.2: the first change of grid, input or total in a publish cycle
 * stamps the group's Timestamp with the time of the decoded data.
 */
static void
stamp_group(struct g3p *g, enum reg_id r)
{
	group_stamp(g->dev, r, &g->ts_groups, g->data_ts);
}

static void
store_cb(void *arg, const struct mb_value *v)
{
	struct g3p	*g = arg;

	if (g->dev != NULL && mb_value_store(g->dev, v))
		stamp_group(g, v->reg);
}

static void
sensor_list_str(struct g3p *g)
{
	char	buf[8];

	snprintf(buf, sizeof(buf), "%04x", g->sensor_list);
	db_str(g, REG_SENSOR_LIST, buf);
}

/*
 * T5: values computed from the battery registers.  A value whose inputs
 * are missing (or null) is stored as null, published as JSON null.
 */
void
g3p_calc_batt(struct vdb_dev *dev)
{
	double	v1, c1, v2, c2, bv, bc, ov, oc, op;

	if (dev == NULL)
		return;
	if (vdb_get_float(dev, REG_BATT_PV1_VOLT, &v1) &&
	    vdb_get_float(dev, REG_BATT_PV1_CUR, &c1) &&
	    vdb_get_float(dev, REG_BATT_PV2_VOLT, &v2) &&
	    vdb_get_float(dev, REG_BATT_PV2_CUR, &c2))
		vdb_set_float(dev, REG_BATT_PV_PWR, v1 * c1 + v2 * c2);
	else
		vdb_set_null(dev, REG_BATT_PV_PWR);

	if (vdb_get_float(dev, REG_BATT_VOLT, &bv) &&
	    vdb_get_float(dev, REG_BATT_CUR, &bc))
		vdb_set_float(dev, REG_BATT_PWR, bv * bc);
	else
		vdb_set_null(dev, REG_BATT_PWR);

	if (vdb_get_float(dev, REG_BATT_OUT_VOLT, &ov) &&
	    vdb_get_float(dev, REG_BATT_OUT_CUR, &oc))
		vdb_set_float(dev, REG_BATT_OUT_PWR, ov * oc);
	else
		vdb_set_null(dev, REG_BATT_OUT_PWR);

	/* from the stored power: null in, null out */
	if (vdb_get_float(dev, REG_BATT_OUT_PWR, &op))
		vdb_set_int(dev, REG_BATT_PWR_SUPL_STATE, op > 0 ? 1 : 0);
	else
		vdb_set_null(dev, REG_BATT_PWR_SUPL_STATE);

	if (vdb_get_float(dev, REG_BATT_CUR, &bc))
		vdb_set_int(dev, REG_BATT_STATUS,
		    bc < 0.0 ? 0 : (bc == 0.0 ? 1 : 2));
	else
		vdb_set_null(dev, REG_BATT_STATUS);
}

static int
is_battery(const struct g3p *g)
{
	return g->dc != NULL && strncmp(g->dc->serial, "410", 3) == 0;
}

/* §16.3: model name and number of inputs from the designed power */
static void
update_model(struct g3p *g)
{
	int64_t		 mdp, rated = 0;
	int		 inputs;
	const char	*series;
	char		 model[64], suffix[16] = "";

	if (g->dev == NULL || is_battery(g))
		return;
	if (!vdb_get_int(g->dev, REG_MAX_DESIGNED_POWER, &mdp) || mdp == 0)
		return;
	vdb_get_int(g->dev, REG_RATED_POWER, &rated);
	switch (mdp) {
	case 3300: case 3000: case 2700: case 2500: case 2400:
		inputs = 6;
		break;
	case 2250: case 2000: case 1800: case 1600:
		inputs = 4;
		break;
	case 500: case 450: case 400: case 350: case 300:
		inputs = 1;
		break;
	default:
		inputs = 2;
		break;
	}
	series = (g->dc != NULL && strncmp(g->dc->serial, "Y00", 3) == 0) ?
	    "MX" : "MS";
	if ((mdp == 3000 && rated == 800) ||
	    (mdp == 2000 && (rated == 600 || rated == 800)))
		snprintf(suffix, sizeof(suffix), "(%lld)", (long long)rated);
	snprintf(model, sizeof(model), "TSOL-%s%lld%s%s", series,
	    (long long)mdp, mdp == 3000 ? "D" : "", suffix);
	db_int(g, REG_NO_INPUTS, inputs);
	db_str(g, REG_EQUIPMENT_MODEL, model);
}

/* polled blocks for the current sensor list (§11.1) */
static void
blocks(uint16_t sl, const struct blk **fast, size_t *nfast,
    const struct blk **slow, size_t *nslow)
{
	switch (sl) {
	case G3P_SL_MX:
		*fast = mx_fast;
		*nfast = 3;
		*slow = mx_slow;
		*nslow = 2;
		break;
	case G3P_SL_DCU:
		*fast = dcu_fast;
		*nfast = 1;
		*slow = NULL;
		*nslow = 0;
		break;
	default:
		*fast = ms_fast;
		*nfast = 1;
		*slow = ms_slow;
		*nslow = 1;
		break;
	}
}

/*
 * §7: apply the configuration of an accepted device.
 */
static void
apply_device(struct g3p *g, uint32_t snr, const struct conf_device *dc,
    struct vdb_dev *vd)
{
	const char	*model;
	int		 i, derived;

	g->dc = dc;
	if (vd != NULL)
		g->dev = vd;
	/*
	 * Defaults only: a device known from an earlier connection keeps
	 * its database, the model derived from it included.
	 */
	model = g->dev != NULL ? vdb_get_str(g->dev, REG_EQUIPMENT_MODEL) :
	    NULL;
	derived = model != NULL && strcmp(model, "TSOL-MSxx00") != 0;
	if (!g->accepted) {
		db_str(g, REG_MANUFACTURER, "TSUN");
		if (!derived)
			db_str(g, REG_EQUIPMENT_MODEL, "TSOL-MSxx00");
		db_str(g, REG_CHIP_TYPE, "IGEN TECH");
	}
	g->accepted = 1;
	db_int(g, REG_COLLECTOR_SNR, snr);
	if (dc == NULL) {
		log_warnx("GEN3PLUS: monitor SN %u not configured, accepted "
		    "(allow_all)", snr);
		return;
	}
	db_str(g, REG_SERIAL_NUMBER, dc->serial);
	if (strncmp(dc->serial, "410", 3) == 0) {
		db_int(g, REG_NO_INPUTS, 2);
		db_str(g, REG_EQUIPMENT_MODEL, "TSOL-DC1000");
	} else if (strncmp(dc->serial, "Y00", 3) == 0 && !derived)
		db_str(g, REG_EQUIPMENT_MODEL, "TSOL-MXxx00");
	for (i = 0; i < MAX_PV; i++) {
		if (!dc->pv[i].present)
			continue;
		if (dc->pv[i].manufacturer[0] != '\0')
			db_str(g, REG_PV1_MANUFACTURER + 2 * i,
			    dc->pv[i].manufacturer);
		if (dc->pv[i].type[0] != '\0')
			db_str(g, REG_PV1_MODEL + 2 * i, dc->pv[i].type);
	}
	g->polling = dc->modbus_polling;
	g->scanning = dc->scanning;
	if (g->sensor_list == 0 && dc->sensor_list != 0)
		g->sensor_list = (uint16_t)dc->sensor_list;
	if (g->sensor_list != 0)
		log_info("Use sensor-list: %#06x for '%s'", g->sensor_list,
		    dc->serial);
}

/* is this monitor SN configured (cloud link check) */
static int
conf_has_snr(const struct tsun_conf *conf, uint32_t snr)
{
	const struct conf_device	*d;

	TAILQ_FOREACH(d, &conf->devices, entry)
		if (d->monitor_sn == snr && (d->kind == DEV_GEN3PLUS ||
		    d->kind == DEV_BATTERY))
			return 1;
	return conf->allow_all;
}

/* §7 on a valid frame: 1 if the serial is accepted on this link */
static int
snr_check(struct g3p *g, struct g3p_link *l, uint32_t snr)
{
	const struct conf_device	*dc = NULL;
	struct vdb_dev			*vd = NULL;

	if (l->snr_ok && l->snr_acc == snr)
		return 1;
	if (l == &g->cl) {
		/* the emulated cloud link takes any serial */
		if (g->emu_active || (g->dl.snr_ok && g->dl.snr_acc == snr) ||
		    conf_has_snr(g->conf, snr)) {
			l->snr_ok = 1;
			l->snr_acc = snr;
			return 1;
		}
		vdb_count(REG_UNKNOWN_SNR, 1);
		return 0;
	}
	if (!g->io->accept(g->io->arg, NULL, snr, &dc, &vd))
		return 0;
	l->snr_ok = 1;
	l->snr_acc = snr;
	apply_device(g, snr, dc, vd);
	return 1;
}

/* §8: the proxy's own ACK to a logger request */
static void
send_ack(struct g3p *g, const uint8_t *f, size_t flen)
{
	uint8_t	a[G3P_HDR_LEN + 10 + G3P_TRAILER_LEN];

	a[0] = 0xa5;
	wr16le(a + 1, 10);
	wr16le(a + 3, rd16le(f + 3) - 0x3000);
	memcpy(a + 7, f + 7, 4);
	a[11] = flen > G3P_HDR_LEN + G3P_TRAILER_LEN ? f[11] : 0;
	a[12] = 1;
	wr32le(a + 13, now_s());
	wr32le(a + 17, ACK_HEARTBEAT);
	a[sizeof(a) - 1] = 0x15;
	send_dev(g, a, sizeof(a));
}

/* a 0x4510 command frame towards the inverter (§10.1) */
static void
send_cmd(struct g3p *g, uint8_t ftype, uint16_t sl, const uint8_t *data,
    size_t dlen)
{
	uint8_t	f[G3P_HDR_LEN + CMD_HDR + CMDR_TEXT_MAX + G3P_TRAILER_LEN];
	size_t	plen = CMD_HDR + dlen, flen;

	if (dlen > CMDR_TEXT_MAX)
		return;
	flen = G3P_HDR_LEN + plen + G3P_TRAILER_LEN;
	memset(f, 0, sizeof(f));
	f[0] = 0xa5;
	wr16le(f + 1, (uint16_t)plen);
	wr16le(f + 3, CTRL_CMD_REQ);
	wr32le(f + 7, g->dl.snr_acc);
	f[11] = ftype;
	wr16le(f + 12, sl);
	memcpy(f + G3P_HDR_LEN + CMD_HDR, data, dlen);
	f[flen - 1] = 0x15;
	send_dev(g, f, flen);
}

/*
 * MODBUS queue (§12.2).
 */
static void
mb_timer(void *arg, int ms)
{
	set_timer(arg, G3P_TIMER_MB_RSP, ms);
}

static void
mb_transmit(void *arg, const struct mbq_item *it)
{
	struct g3p	*g = arg;

	if (g->state != PSTATE_UP) {
		/* stays pending until its timer runs out */
		log_warnx_sum("GEN3PLUS: MODBUS request not sent, link not up");
		return;
	}
	send_cmd(g, FT_MODBUS, g->sensor_list, it->rtu, MB_REQ_LEN);
}

static void
mb_gave_up(void *arg, const struct mbq_item *it)
{
	(void)arg;
	log_info("GEN3PLUS: MODBUS timeout, reg %#06x", it->req.reg);
}

static const struct mbq_ops	mb_ops = {
	G3P_MB_TIMEOUT_MS, mb_timer, mb_transmit, mb_gave_up
};

static void
mb_send_next(struct g3p *g)
{
	mbq_kick(&g->q, &mb_ops, g);
}

static int
mb_enqueue(struct g3p *g, uint8_t addr, uint8_t fcode, uint16_t reg,
    uint16_t val, int from_cloud)
{
	uint8_t		rtu[MB_REQ_LEN];
	struct mb_req	req;

	mb_build_req(rtu, addr, fcode, reg, val, &req);
	if (mbq_push(&g->q, rtu, &req, from_cloud) == -1) {
		log_warnx_sum("GEN3PLUS: MODBUS queue full, request dropped");
		return -1;
	}
	mb_send_next(g);
	return 0;
}

/* own polls and MQTT requests are only queued while up (§11) */
static int
mb_request(struct g3p *g, uint8_t fcode, uint16_t reg, uint16_t val)
{
	if (g->state != PSTATE_UP) {
		log_debug("GEN3PLUS: MODBUS request dropped, link not up");
		return -1;
	}
	return mb_enqueue(g, 1, fcode, reg, val, 0);
}

/* §13.1: probe the current candidate */
static void
detect_probe(struct g3p *g)
{
	g->sensor_list = cands[g->cand].sl;
	log_info("Testing sensor-list: %#06x by reading modbus registers "
	    "at %#06x", cands[g->cand].sl, cands[g->cand].probe.reg);
	mb_request(g, MB_FN_READ_HOLDING, cands[g->cand].probe.reg,
	    cands[g->cand].probe.cnt);
}

static void
scan_step(struct g3p *g)
{
	const struct conf_device	*dc = g->dc;

	if (dc == NULL)
		return;
	g->scan_reg += dc->scan_step;
	if (g->scan_reg > 0xffff) {
		g->scan_reg &= 0xffff;
		g->scan_addr++;
	}
	if (g->state == PSTATE_UP)
		mb_enqueue(g, g->scan_addr, MB_FN_READ_HOLDING,
		    (uint16_t)g->scan_reg, (uint16_t)dc->scan_bytes, 0);
}

static void
poll_blocks(struct g3p *g, int with_slow)
{
	const struct blk	*fast, *slow;
	size_t			 nfast, nslow, i;

	blocks(g->sensor_list, &fast, &nfast, &slow, &nslow);
	for (i = 0; i < nfast; i++)
		mb_request(g, MB_FN_READ_HOLDING, fast[i].reg, fast[i].cnt);
	if (with_slow)
		for (i = 0; i < nslow; i++)
			mb_request(g, MB_FN_READ_HOLDING, slow[i].reg,
			    slow[i].cnt);
}

/* one poll-timer expiry (§11) */
static void
poll_expiry(struct g3p *g, int restart)
{
	unsigned int	k = g->poll_k++;

	if (restart)
		set_timer(g, G3P_TIMER_POLL, g->poll_ms);
	if (g->state != PSTATE_UP)
		return;
	if (g->scanning) {
		scan_step(g);
		return;
	}
	if (g->detecting) {
		g->cand = (g->cand + 1) % NCANDS;
		detect_probe(g);
		return;
	}
	poll_blocks(g, poll_slow_due(k, 1));
}

/*
 * Decoding the register data of an answer.
 */
static void
mb_answer(struct g3p *g, const uint8_t *f, size_t flen, const uint8_t *rtu,
    size_t rlen)
{
	struct mbq_item	*it = mbq_current(&g->q);
	struct mb_req	 req;
	int		 err, from_cloud;

	err = mb_check_answer(it != NULL ? &it->req : NULL, rtu, rlen);
	g->last_err = err;
	if (err != MB_OK) {
		log_debug("GEN3PLUS: MODBUS answer error %d", err);
		if (g->detecting && mbq_last_try(&g->q)) {
			/* give up on this candidate: probe the next one */
			g->cand = (g->cand + 1) % NCANDS;
			detect_probe(g);
		}
		return;
	}
	req = it->req;
	from_cloud = it->from_cloud;
	mbq_answered(&g->q, &mb_ops, g);
	if (g->scanning && rlen >= 5 && rtu[0] == req.addr &&
	    rtu[1] == req.fcode && rlen == 5 + 2 * (size_t)req.count)
		log_hexdump("GEN3PLUS: MODBUS scan", rtu, rlen);
	if (mb_answer_has_data(&req)) {
		g->data_ts = now_s();
		mb_decode_answer(&req, rtu, rlen, store_cb, g);
		if (g->sensor_list == G3P_SL_DCU)
			g3p_calc_batt(g->dev);
		update_model(g);
	}
	if (from_cloud)
		g3p_send_cloud(g, f, flen);
	if (g->detecting) {
		/* this candidate answered */
		g->detecting = 0;
		g->dl.snr_ok = 0;
		snr_check(g, &g->dl, g->dl.snr_acc);
		sensor_list_str(g);
		if (g->dc != NULL)
			log_info("Use sensor-list: %#06x for '%s'",
			    g->sensor_list, g->dc->serial);
		g->poll_k = 1;
		poll_expiry(g, 0);
	}
	if (g->emu_wanted && !g->emu_active)
		emu_start(g);
	mb_send_next(g);
}

/*
 * Inverter link handlers.
 */
static void
on_cmd_rsp(struct g3p *g, const uint8_t *f, size_t flen)
{
	struct cmd_resp	 r;
	size_t		 plen = flen - G3P_HDR_LEN - G3P_TRAILER_LEN, n;
	const uint8_t	*pl = f + G3P_HDR_LEN;
	const uint8_t	*rtu;
	size_t		 rlen;

	if (plen < 1) {
		fwd_cloud(g, f, flen);
		return;
	}
	memset(&r, 0, sizeof(r));
	strlcpy(r.serial, dev_serial(g), sizeof(r.serial));
	switch (pl[0]) {
	case FT_AT:
	case FT_AT_INTERIM:
		if (g->fwd_at) {
			fwd_cloud(g, f, flen);
			break;
		}
		r.kind = CMDR_AT;
		n = plen > RSP_HDR ? plen - RSP_HDR : 0;
		if (n > sizeof(r.text) - 1)
			n = sizeof(r.text) - 1;
		if (n > 0)
			memcpy(r.text, pl + RSP_HDR, n);
		r.text[n] = '\0';
		g->io->cmd_resp(g->io->arg, &r);
		break;
	case FT_DCU:
		if (g->fwd_dcu) {
			fwd_cloud(g, f, flen);
			break;
		}
		r.kind = CMDR_DCU;
		strlcpy(r.text, "+ok", sizeof(r.text));
		g->io->cmd_resp(g->io->arg, &r);
		break;
	case FT_MODBUS:
		if (plen < 2 || pl[1] != 1 || plen < RSP_HDR + 2)
			break;
		rtu = pl + RSP_HDR;
		rlen = plen - RSP_HDR;
		/* some firmware puts 0xff in front of the answer (#645) */
		if (rtu[0] == 0xff) {
			rtu++;
			rlen--;
		}
		mb_answer(g, f, flen, rtu, rlen);
		break;
	default:
		fwd_cloud(g, f, flen);
		break;
	}
}

static void
on_dev_ind(struct g3p *g, const uint8_t *f, size_t flen)
{
	size_t	len = flen - G3P_TRAILER_LEN;

	g->data_ts = now_s();
	g3p_layout_decode(&g3p_layout_4110, f, len, store_cb, g);
	if (len >= 0x61)
		g->sensor_list = rd16le(f + 0x5f);
	fwd_cloud(g, f, flen);
	send_ack(g, f, flen);
}

static void
enter_up(struct g3p *g)
{
	if (g->state == PSTATE_UP)
		return;
	set_state(g, PSTATE_UP);
	if (g->side == PSIDE_SERVER && g->polling) {
		g->poll_ms = POLL_SERVER_MS;
		if (g->dc != NULL && g->dc->modbus_interval_set &&
		    g->dc->modbus_interval > 0)
			g->poll_ms = g->dc->modbus_interval * 1000;
		if (g->scanning && g->dc != NULL)
			g->scan_reg = g->dc->scan_start - g->dc->scan_step;
		g->scan_addr = 1;
		set_timer(g, G3P_TIMER_POLL, G3P_POLL_FIRST_MS);
		db_int(g, REG_POLLING_INTERVAL, g->poll_ms / 1000);
	}
}

static void
on_data_ind(struct g3p *g, const uint8_t *f, size_t flen)
{
	const struct g3p_layout	*l;
	size_t			 len = flen - G3P_TRAILER_LEN;
	uint8_t			 ftype;
	uint16_t		 sl;

	ftype = len > 11 ? f[11] : 0;
	if (ftype == 1 && len >= 14) {
		sl = rd16le(f + 12);
		if (len >= 26)
			g->time_ofs = rd32le(f + 22);
		if (sl != g->sensor_list)
			log_debug("GEN3PLUS: data sensor list %#06x, link %#06x",
			    sl, g->sensor_list);
		/* §6.2: logger clock + time offset; our clock without one */
		g->data_ts = g->time_ofs != 0 && len >= 18 ?
		    (int64_t)rd32le(f + 14) + g->time_ofs : (int64_t)now_s();
		if ((l = g3p_layout_4210(sl)) != NULL) {
			g3p_layout_decode(l, f, len, store_cb, g);
			if (sl == G3P_SL_DCU)
				g3p_calc_batt(g->dev);
			update_model(g);
		}
	}
	fwd_cloud(g, f, flen);
	send_ack(g, f, flen);
	enter_up(g);
}

static void
on_sync(struct g3p *g, const uint8_t *f, size_t flen)
{
	if (flen - G3P_TRAILER_LEN >= 24)
		g->time_ofs = rd32le(f + 20);
	fwd_cloud(g, f, flen);
	send_ack(g, f, flen);
}

static void
dispatch_dev(struct g3p *g, const uint8_t *f, size_t flen)
{
	switch (g->dl.ctrl) {
	case CTRL_DEV_IND:
		on_dev_ind(g, f, flen);
		break;
	case CTRL_DATA_IND:
		on_data_ind(g, f, flen);
		break;
	case CTRL_SYNC_START:
	case CTRL_SYNC_END:
		on_sync(g, f, flen);
		break;
	case CTRL_HB_IND:
		fwd_cloud(g, f, flen);
		send_ack(g, f, flen);
		enter_up(g);
		break;
	case CTRL_CMD_RSP:
	case CTRL_CMD_RSP2:
		on_cmd_rsp(g, f, flen);
		break;
	case CTRL_DEV_RSP:
	case CTRL_DATA_RSP:
	case CTRL_SYNC_RSP:
	case CTRL_HB_RSP:
	case CTRL_SYNC_END_RSP:
		break;		/* responses are only logged */
	default:
		vdb_count(REG_UNKNOWN_MSG, 1);
		fwd_cloud(g, f, flen);
		break;
	}
}

/*
 * Cloud link handlers.
 */
static void
on_cloud_cmd(struct g3p *g, const uint8_t *f, size_t flen)
{
	size_t		 plen = flen - G3P_HDR_LEN - G3P_TRAILER_LEN;
	const uint8_t	*pl = f + G3P_HDR_LEN;
	struct mb_req	 req;

	if (plen < 1) {
		send_dev(g, f, flen);
		return;
	}
	switch (pl[0]) {
	case FT_AT:
		if (plen < CMD_HDR || !at_acl_allowed(&g->conf->acl_tsun,
		    (const char *)pl + CMD_HDR, plen - CMD_HDR)) {
			log_warnx_sum("GEN3PLUS: AT command from the cloud "
			    "blocked");
			vdb_count(REG_AT_COMMAND_BLOCKED, 1);
			return;
		}
		vdb_count(REG_AT_COMMAND, 1);
		g->fwd_at = 1;
		send_dev(g, f, flen);
		break;
	case FT_MODBUS:
		if (plen < CMD_HDR || mb_parse_req(pl + CMD_HDR,
		    plen - CMD_HDR, &req) == -1) {
			vdb_count(REG_INVALID_MSG_FMT, 1);
			g->last_err = MB_ERR_CRC;
			return;
		}
		vdb_count(REG_MODBUS_COMMAND, 1);
		/* re-issued through our queue, answer goes back to the cloud */
		mb_enqueue(g, req.addr, req.fcode, req.reg, req.count, 1);
		break;
	case FT_DCU:
		vdb_count(REG_DCU_COMMAND, 1);
		g->fwd_dcu = 1;
		send_dev(g, f, flen);
		break;
	default:
		send_dev(g, f, flen);
		break;
	}
}

static void
dispatch_cloud(struct g3p *g, const uint8_t *f, size_t flen)
{
	size_t	plen = flen - G3P_HDR_LEN - G3P_TRAILER_LEN;

	switch (g->cl.ctrl) {
	case CTRL_DEV_RSP:
	case CTRL_DATA_RSP:
	case CTRL_HB_RSP:
		if (g->emu_active && plen >= 10) {
			g->emu_hb_s = rd32le(f + 17);
			/* bounded: the timer takes milliseconds in an int */
			if (g->emu_hb_s == 0 || g->emu_hb_s > 86400)
				g->emu_hb_s = EMU_HB_S;
			/* the emulator's own offset, not the inverter link's */
			g->emu_time_ofs = rd32le(f + 13) - emu_clock();
			set_timer(g, G3P_TIMER_EMU_HB, (int)g->emu_hb_s * 1000);
		}
		break;
	case CTRL_SYNC_RSP:
	case CTRL_SYNC_END_RSP:
		/* the emulator sends no sync: §14.1 "anything else" */
		if (g->emu_active)
			vdb_count(REG_UNKNOWN_MSG, 1);
		break;
	case CTRL_CMD_REQ:
		if (g->emu_active) {
			vdb_count(REG_UNKNOWN_MSG, 1);
			break;
		}
		on_cloud_cmd(g, f, flen);
		break;
	default:
		vdb_count(REG_UNKNOWN_MSG, 1);
		if (!g->emu_active)
			send_dev(g, f, flen);
		break;
	}
}

/*
 * §4: framing.  Returns the number of bytes consumed.
 */
static ssize_t
link_input(struct g3p *g, struct g3p_link *l, const uint8_t *p, size_t len)
{
	struct v5_frame	 fr;
	size_t		 off = 0;
	ssize_t		 n;
	int		 changed = 0;

	for (;;) {
		n = v5_parse(p + off, len - off, &fr);
		/* a header is taken once: sending meanwhile moves snd on */
		if (!l->hdr_valid && (n != V5_NEED || fr.hdr)) {
			l->dlen = fr.dlen;
			l->ctrl = fr.ctrl;
			l->snr = fr.snr;
			l->rcv = l->client ? fr.seq5 : fr.seq6;
			l->snd = l->client ? fr.seq6 : fr.seq5;
		}
		if (n == V5_NEED) {
			l->hdr_valid = fr.hdr;
			break;
		}
		l->hdr_valid = 0;
		if (n == V5_BAD) {
			vdb_count(REG_INVALID_MSG_FMT, 1);
			off = len;	/* no way to resynchronise */
			break;
		}
		if (fr.status != V5_OK)
			vdb_count(REG_INVALID_MSG_FMT, 1);
		else if (snr_check(g, l, l->snr)) {
			/* identified: an unknown serial is not */
			if (l == &g->dl && g->state == PSTATE_INIT)
				set_state(g, PSTATE_RECEIVED);
			if (l == &g->dl)
				dispatch_dev(g, p + off, fr.flen);
			else
				dispatch_cloud(g, p + off, fr.flen);
			changed = 1;
		}
		off += fr.flen;
	}
	if (changed)
		db_flush(g);
	return (ssize_t)off;
}

static ssize_t
g3p_input_dev(struct g3p *g, const uint8_t *p, size_t len)
{
	static const uint8_t	ping[] = { 'p', 'i', 'n', 'g' };
	ssize_t			n;

	/* network test of a web UI: answered, not framed */
	if (!g->dl.hdr_valid && len >= 4 && memcmp(p, ping, 4) == 0) {
		g->io->to_dev(g->io->arg, ping, sizeof(ping));
		n = link_input(g, &g->dl, p + 4, len - 4);
		return n < 0 ? n : n + 4;
	}
	return link_input(g, &g->dl, p, len);
}

static ssize_t
g3p_input_cloud(struct g3p *g, const uint8_t *p, size_t len)
{
	return link_input(g, &g->cl, p, len);
}

/*
 * Commands from MQTT (§10.3-§10.5).
 */
static int
g3p_command(struct g3p *g, const struct cmd_msg *c)
{
	struct cmd_resp	 r;
	char		 text[CMD_TEXT_MAX + 1];
	uint8_t		 pdu[8] = { 1, 1, 6, 1, 0, 1, 0, 0 };
	uint8_t		 fcode;
	uint16_t	 reg, val;
	size_t		 n, s;
	long		 v;

	if (g->state != PSTATE_UP) {
		log_info_sum("GEN3PLUS: command ignored, link not up");
		return -1;
	}
	switch (poll_cmd_request(c, &fcode, &reg, &val)) {
	case 0:
		return mb_request(g, fcode, reg, val);
	case -1:
		if (c->kind == CMD_OUT_COEFF)
			log_warnx("GEN3PLUS: out_coeff %ld/1024 out of range",
			    (long)c->value);
		return -1;
	}
	switch (c->kind) {
	case CMD_AT:
		/* trimmed, bounded copy: the text is untrusted */
		n = strnlen(c->text, sizeof(c->text));
		for (s = 0; s < n && isspace((unsigned char)c->text[s]); s++)
			;
		while (n > s && isspace((unsigned char)c->text[n - 1]))
			n--;
		n -= s;
		if (n > CMD_TEXT_MAX - 1)
			n = CMD_TEXT_MAX - 1;
		memcpy(text, c->text + s, n);
		text[n] = '\0';
		if (!at_acl_allowed(&g->conf->acl_mqtt, text, n)) {
			memset(&r, 0, sizeof(r));
			r.kind = CMDR_AT;
			strlcpy(r.serial, dev_serial(g), sizeof(r.serial));
			snprintf(r.text, sizeof(r.text), "'%s' is forbidden",
			    text);
			g->io->cmd_resp(g->io->arg, &r);
			return -1;
		}
		g->fwd_at = 0;
		text[n++] = '\r';
		send_cmd(g, FT_AT, 0x0002, (const uint8_t *)text, n);
		return 0;
	case CMD_DCU_POWER:
		/* tsun-mqttd sent round(W * 10) */
		v = c->value;
		if (v < 1000 || v > 8000) {
			log_warnx("GEN3PLUS: dcu_power %ld.%ld W out of range",
			    (long)v / 10, labs((long)v % 10));
			return -1;
		}
		if (g->sensor_list != G3P_SL_DCU) {
			log_warnx_sum("GEN3PLUS: dcu_power needs sensor list "
			    "0x3026");
			return -1;
		}
		pdu[6] = (uint8_t)(v >> 8);
		pdu[7] = (uint8_t)(v & 0xff);
		g->fwd_dcu = 0;
		send_cmd(g, FT_DCU, g->sensor_list, pdu, sizeof(pdu));
		return 0;
	}
	return -1;
}

static void
g3p_timer(struct g3p *g, int id)
{
	switch (id) {
	case G3P_TIMER_POLL:
		poll_expiry(g, 1);
		break;
	case G3P_TIMER_MB_RSP:
		mbq_expired(&g->q, &mb_ops, g);
		break;
	case G3P_TIMER_EMU_DATA:
	case G3P_TIMER_EMU_HB:
		emu_timer(g, id);
		break;
	}
}

/*
 * Client mode (§14): we connected to the device.
 */
static void
g3p_client_connected(struct g3p *g)
{
	const struct conf_device	*dc = g->client_dev;
	char				 ip[CONF_STR];

	if (dc == NULL)
		return;
	g->no_forwarding = 1;
	g->emu_wanted = dc->client_forward;
	g->dl.snr_ok = 0;
	if (!snr_check(g, &g->dl, dc->monitor_sn))
		return;
	g->poll_ms = POLL_CLIENT_MS;
	if (dc->modbus_interval_set && dc->modbus_interval > 0)
		g->poll_ms = dc->modbus_interval * 1000;
	if (g->sensor_list == 0 && !g->scanning) {
		g->detecting = 1;
		g->cand = 0;
	}
	strlcpy(ip, dc->client_host, sizeof(ip));
	db_str(g, REG_IP_ADDRESS, ip);
	db_int(g, REG_POLLING_INTERVAL, g->poll_ms / 1000);
	db_int(g, REG_DATA_UP_INTERVAL, 300);
	db_int(g, REG_COLLECT_INTERVAL, 1);
	db_int(g, REG_HEARTBEAT_INTERVAL, 120);
	if (g->detecting)
		g->sensor_list = cands[0].sl;
	sensor_list_str(g);
	g->state = PSTATE_RECEIVED;
	set_state(g, PSTATE_UP);
	g->poll_k = 0;
	if (g->scanning) {
		g->scan_addr = 1;
		g->scan_reg = dc->scan_start - dc->scan_step;
		scan_step(g);
	} else if (g->detecting)
		detect_probe(g);
	else
		poll_blocks(g, 0);
	set_timer(g, G3P_TIMER_POLL, g->poll_ms);
	db_flush(g);
}

static struct g3p *
g3p_new(const struct tsun_conf *conf, const struct proto_io *io, int side,
    const struct conf_device *client_dev)
{
	struct g3p	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->conf = conf;
	g->io = io;
	g->side = side;
	g->client_dev = client_dev;
	g->cl.client = 1;
	g->state = PSTATE_INIT;
	g->q.retry_max = MBQ_RETRIES;
	g->scan_addr = 1;
	g->emu_hb_s = EMU_HB_S;
	return g;
}

static void
g3p_free(struct g3p *g)
{
	if (g == NULL)
		return;
	mbq_free(&g->q);
	free(g);
}

static void
g3p_cloud_up(struct g3p *g)
{
	g->cloud_connected = 1;
}

static void
g3p_cloud_down(struct g3p *g)
{
	g->cloud_connected = 0;
	memset(&g->cl, 0, sizeof(g->cl));
	g->cl.client = 1;
	if (g->emu_active) {
		/* the next processed answer starts a new emulation */
		g->emu_active = 0;
		set_timer(g, G3P_TIMER_EMU_DATA, -1);
		set_timer(g, G3P_TIMER_EMU_HB, -1);
	}
}

static void
g3p_closed(struct g3p *g)
{
	set_state(g, PSTATE_CLOSED);
	set_timer(g, G3P_TIMER_POLL, -1);
	set_timer(g, G3P_TIMER_MB_RSP, -1);
	set_timer(g, G3P_TIMER_EMU_DATA, -1);
	set_timer(g, G3P_TIMER_EMU_HB, -1);
	mbq_clear(&g->q);
	/* a silent inverter at night is off, not still producing */
	if (poll_night_close(g->dev))
		vdb_flush(g->dev);
}

/*
 * For the unit tests (g3p_test.h): accept monitor_sn on the inverter link
 * and enter state UP, as a device indication would.
 */
void
g3p_force_up(struct g3p *g, uint32_t monitor_sn)
{
	if (snr_check(g, &g->dl, monitor_sn))
		set_state(g, PSTATE_UP);
}

/*
 * The protocol interface of the connection layer.
 */
static void *
ops_new(const struct tsun_conf *conf, const struct proto_io *io, int side,
    const struct conf_device *client_dev)
{
	return g3p_new(conf, io, side, client_dev);
}

static void
ops_free(void *g)
{
	g3p_free(g);
}

static ssize_t
ops_input_dev(void *g, const uint8_t *p, size_t len)
{
	return g3p_input_dev(g, p, len);
}

static ssize_t
ops_input_cloud(void *g, const uint8_t *p, size_t len)
{
	return g3p_input_cloud(g, p, len);
}

static void
ops_cloud_up(void *g)
{
	g3p_cloud_up(g);
}

static void
ops_cloud_down(void *g)
{
	g3p_cloud_down(g);
}

static void
ops_timer(void *g, int id)
{
	g3p_timer(g, id);
}

static void
ops_closed(void *g)
{
	g3p_closed(g);
}

static int
ops_command(void *g, const struct cmd_msg *cmd)
{
	return g3p_command(g, cmd);
}

static void
ops_client_connected(void *g)
{
	g3p_client_connected(g);
}

const struct proto_ops g3p_ops = {
	.name = "gen3plus",
	.new = ops_new,
	.free = ops_free,
	.input_dev = ops_input_dev,
	.input_cloud = ops_input_cloud,
	.cloud_up = ops_cloud_up,
	.cloud_down = ops_cloud_down,
	.timer = ops_timer,
	.closed = ops_closed,
	.command = ops_command,
	.client_connected = ops_client_connected,
};
