/*
 * GEN3PLUS's MODBUS side: the request queue inside V5 frames, the polled
 * blocks of each sensor list, sensor-list detection and scanning, the
 * decoding of answers, and the start of polling in client mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/registers.h"
#include "proxyd/g3p_layout.h"
#include "proxyd/g3p_priv.h"
#include "proxyd/gen3plus.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/proto.h"
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
	return g->dc != NULL && g->dc->kind == DEV_BATTERY;
}

/* §16.3: model name and number of inputs from the designed power */
void
g3p_update_model(struct g3p *g)
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
	series = g->dc != NULL && SERIAL_IS_MX(g->dc->serial) ? "MX" : "MS";
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
	g3p_send_cmd(g, FT_MODBUS, g->sensor_list, it->rtu, MB_REQ_LEN);
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

int
g3p_mb_enqueue(struct g3p *g, uint8_t addr, uint8_t fcode, uint16_t reg,
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
int
g3p_mb_request(struct g3p *g, uint8_t fcode, uint16_t reg, uint16_t val)
{
	if (g->state != PSTATE_UP) {
		log_debug("GEN3PLUS: MODBUS request dropped, link not up");
		return -1;
	}
	return g3p_mb_enqueue(g, 1, fcode, reg, val, 0);
}

/* §13.1: probe the current candidate */
static void
detect_probe(struct g3p *g)
{
	g->sensor_list = cands[g->cand].sl;
	log_info("Testing sensor-list: %#06x by reading modbus registers "
	    "at %#06x", cands[g->cand].sl, cands[g->cand].probe.reg);
	g3p_mb_request(g, MB_FN_READ_HOLDING, cands[g->cand].probe.reg,
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
		g3p_mb_enqueue(g, g->scan_addr, MB_FN_READ_HOLDING,
		    (uint16_t)g->scan_reg, (uint16_t)dc->scan_bytes, 0);
}

static void
poll_blocks(struct g3p *g, int with_slow)
{
	const struct blk	*fast, *slow;
	size_t			 nfast, nslow, i;

	blocks(g->sensor_list, &fast, &nfast, &slow, &nslow);
	for (i = 0; i < nfast; i++)
		g3p_mb_request(g, MB_FN_READ_HOLDING, fast[i].reg, fast[i].cnt);
	if (with_slow)
		for (i = 0; i < nslow; i++)
			g3p_mb_request(g, MB_FN_READ_HOLDING, slow[i].reg,
			    slow[i].cnt);
}

/* one poll-timer expiry (§11) */
void
g3p_poll_expiry(struct g3p *g, int restart)
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
void
g3p_mb_answer(struct g3p *g, const uint8_t *f, size_t flen, const uint8_t *rtu,
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
		mb_decode_answer(&req, rtu, rlen, g3p_store_cb, g);
		if (g->sensor_list == G3P_SL_DCU)
			g3p_calc_batt(g->dev);
		g3p_update_model(g);
	}
	if (from_cloud)
		g3p_send_cloud(g, f, flen);
	if (g->detecting) {
		/* this candidate answered */
		g->detecting = 0;
		g->dl.snr_ok = 0;
		g3p_snr_check(g, &g->dl, g->dl.snr_acc);
		sensor_list_str(g);
		if (g->dc != NULL)
			log_info("Use sensor-list: %#06x for '%s'",
			    g->sensor_list, g->dc->serial);
		g->poll_k = 1;
		g3p_poll_expiry(g, 0);
	}
	if (g->emu_wanted && !g->emu_active)
		emu_start(g);
	mb_send_next(g);
}

void
g3p_client_connected(struct g3p *g)
{
	const struct conf_device	*dc = g->client_dev;
	char				 ip[CONF_STR];

	if (dc == NULL)
		return;
	g->no_forwarding = 1;
	g->emu_wanted = dc->client_forward;
	g->dl.snr_ok = 0;
	if (!g3p_snr_check(g, &g->dl, dc->monitor_sn))
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


void
g3p_mb_expired(struct g3p *g)
{
	mbq_expired(&g->q, &mb_ops, g);
}
