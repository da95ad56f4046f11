/*
 * GEN3PLUS: the two links, serial checks, ACKs, forwarding, data frames,
 * AT/DCU commands and the engine's proto_ops (spec gen3plus-solarman.md;
 * section numbers refer to it).  The framing is v5_frame.c's, MODBUS and
 * polling g3p_modbus.c's, the emulated logger emu.c's.
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
#include "proxyd/gen3plus.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/proto.h"
#include "proxyd/v5_frame.h"
#include "proxyd/valuedb.h"

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
	uint8_t	buf[V5_MAX_FRAME];

	if (flen > sizeof(buf))
		return;
	memcpy(buf, f, flen);
	link_stamp(&g->dl, buf, flen);
	g->io->to_dev(g->io->arg, buf, flen);
}

void
g3p_send_cloud(struct g3p *g, const uint8_t *f, size_t flen)
{
	uint8_t	buf[V5_MAX_FRAME];

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

static const char *
dev_serial(const struct g3p *g)
{
	return g->dc != NULL ? g->dc->serial : "";
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

void
g3p_store_cb(void *arg, const struct mb_value *v)
{
	struct g3p	*g = arg;

	if (g->dev != NULL && mb_value_store(g->dev, v))
		stamp_group(g, v->reg);
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
	if (dc->kind == DEV_BATTERY) {
		db_int(g, REG_NO_INPUTS, 2);
		db_str(g, REG_EQUIPMENT_MODEL, "TSOL-DC1000");
	} else if (SERIAL_IS_MX(dc->serial) && !derived)
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
int
g3p_snr_check(struct g3p *g, struct g3p_link *l, uint32_t snr)
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
	uint8_t	a[V5_HDR_LEN + V5_RSP_DLEN + V5_TRAILER_LEN];

	v5_build(a, V5_CTRL_RSP(rd16le(f + V5_OFS_CTRL)),
	    rd32le(f + V5_OFS_SNR), V5_RSP_DLEN);
	a[V5_OFS_FTYPE] = flen > V5_HDR_LEN + V5_TRAILER_LEN ?
	    f[V5_OFS_FTYPE] : 0;
	a[V5_OFS_RSP_STATUS] = 1;
	wr32le(a + V5_OFS_RSP_TIME, now_s());
	wr32le(a + V5_OFS_RSP_HB, ACK_HEARTBEAT);
	send_dev(g, a, sizeof(a));
}

/* a 0x4510 command frame towards the inverter (§10.1) */
void
g3p_send_cmd(struct g3p *g, uint8_t ftype, uint16_t sl, const uint8_t *data,
    size_t dlen)
{
	uint8_t	f[V5_HDR_LEN + CMD_HDR + CMDR_TEXT_MAX + V5_TRAILER_LEN];
	size_t	plen = CMD_HDR + dlen, flen;

	if (dlen > CMDR_TEXT_MAX)
		return;
	flen = V5_HDR_LEN + plen + V5_TRAILER_LEN;
	memset(f, 0, sizeof(f));
	v5_build(f, CTRL_CMD_REQ, g->dl.snr_acc, plen);
	f[V5_OFS_FTYPE] = ftype;
	wr16le(f + V5_OFS_CMD_SL, sl);
	memcpy(f + V5_HDR_LEN + CMD_HDR, data, dlen);
	send_dev(g, f, flen);
}

/*
 * Inverter link handlers.
 */
static void
on_cmd_rsp(struct g3p *g, const uint8_t *f, size_t flen)
{
	struct cmd_resp	 r;
	size_t		 plen = flen - V5_HDR_LEN - V5_TRAILER_LEN, n;
	const uint8_t	*pl = f + V5_HDR_LEN;
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
		g3p_mb_answer(g, f, flen, rtu, rlen);
		break;
	default:
		fwd_cloud(g, f, flen);
		break;
	}
}

static void
on_dev_ind(struct g3p *g, const uint8_t *f, size_t flen)
{
	size_t	len = flen - V5_TRAILER_LEN;

	g->data_ts = now_s();
	g3p_layout_decode(&g3p_layout_4110, f, len, g3p_store_cb, g);
	if (len >= V5_OFS_DEV_SL + 2)
		g->sensor_list = rd16le(f + V5_OFS_DEV_SL);
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
	size_t			 len = flen - V5_TRAILER_LEN;
	uint8_t			 ftype;
	uint16_t		 sl;

	ftype = len > V5_OFS_FTYPE ? f[V5_OFS_FTYPE] : 0;
	if (ftype == 1 && len >= V5_OFS_DATA_SL + 2) {
		sl = rd16le(f + V5_OFS_DATA_SL);
		if (len >= V5_OFS_DATA_TOFS + 4)
			g->time_ofs = rd32le(f + V5_OFS_DATA_TOFS);
		if (sl != g->sensor_list)
			log_debug("GEN3PLUS: data sensor list %#06x, link %#06x",
			    sl, g->sensor_list);
		/* §6.2: logger clock + time offset; our clock without one */
		g->data_ts = g->time_ofs != 0 &&
		    len >= V5_OFS_DATA_CLOCK + 4 ?
		    (int64_t)rd32le(f + V5_OFS_DATA_CLOCK) + g->time_ofs :
		    (int64_t)now_s();
		if ((l = g3p_layout_4210(sl)) != NULL) {
			g3p_layout_decode(l, f, len, g3p_store_cb, g);
			if (sl == G3P_SL_DCU)
				g3p_calc_batt(g->dev);
			g3p_update_model(g);
		}
	}
	fwd_cloud(g, f, flen);
	send_ack(g, f, flen);
	enter_up(g);
}

static void
on_sync(struct g3p *g, const uint8_t *f, size_t flen)
{
	if (flen - V5_TRAILER_LEN >= V5_OFS_SYNC_TOFS + 4)
		g->time_ofs = rd32le(f + V5_OFS_SYNC_TOFS);
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
	size_t		 plen = flen - V5_HDR_LEN - V5_TRAILER_LEN;
	const uint8_t	*pl = f + V5_HDR_LEN;
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
		g3p_mb_enqueue(g, req.addr, req.fcode, req.reg, req.count, 1);
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
	size_t	plen = flen - V5_HDR_LEN - V5_TRAILER_LEN;

	switch (g->cl.ctrl) {
	case CTRL_DEV_RSP:
	case CTRL_DATA_RSP:
	case CTRL_HB_RSP:
		if (g->emu_active && plen >= V5_RSP_DLEN) {
			g->emu_hb_s = rd32le(f + V5_OFS_RSP_HB);
			/* bounded: the timer takes milliseconds in an int */
			if (g->emu_hb_s == 0 || g->emu_hb_s > 86400)
				g->emu_hb_s = EMU_HB_S;
			/* the emulator's own offset, not the inverter link's */
			g->emu_time_ofs = rd32le(f + V5_OFS_RSP_TIME) -
			    emu_clock();
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
		else if (g3p_snr_check(g, l, l->snr)) {
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
		return g3p_mb_request(g, fcode, reg, val);
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
		g3p_send_cmd(g, FT_AT, 0x0002, (const uint8_t *)text, n);
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
		g3p_send_cmd(g, FT_DCU, g->sensor_list, pdu, sizeof(pdu));
		return 0;
	}
	return -1;
}

static void
g3p_timer(struct g3p *g, int id)
{
	switch (id) {
	case G3P_TIMER_POLL:
		g3p_poll_expiry(g, 1);
		break;
	case G3P_TIMER_MB_RSP:
		g3p_mb_expired(g);
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
