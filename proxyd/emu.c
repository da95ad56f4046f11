/*
 * The emulated logger of GEN3PLUS client mode (spec gen3plus-solarman.md
 * §14.1): towards the cloud the proxy plays the logger, with device,
 * data and heartbeat frames built from the polled values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/registers.h"
#include "proxyd/g3p_layout.h"
#include "proxyd/g3p_priv.h"
#include "proxyd/gen3plus.h"
#include "proxyd/modbus.h"
#include "proxyd/valuedb.h"

/* upstream's emulated clock runs a day behind (§19) */
uint32_t
emu_clock(void)
{
	return now_s() - 86400;
}

/* g3p_layout_build's view of the database */
static int
emu_get(void *arg, enum reg_id r, struct mb_value *v)
{
	struct g3p	*g = arg;
	const char	*s;
	double		 f;
	int64_t		 i;

	if (g->dev == NULL)
		return 0;
	if ((s = vdb_get_str(g->dev, r)) != NULL) {
		v->type = MBV_STR;
		strlcpy(v->s, s, sizeof(v->s));
	} else if (vdb_get_int(g->dev, r, &i)) {
		v->type = MBV_INT;
		v->i = i;
	} else if (vdb_get_float(g->dev, r, &f)) {
		v->type = MBV_FLOAT;
		v->f = f;
	} else
		return 0;
	return 1;
}

/* the sensor list from the database (§14.1), else the link's */
static uint16_t
emu_sensor_list(struct g3p *g)
{
	const char	*s;
	char		*end;
	unsigned long	 v;

	if (g->dev != NULL &&
	    (s = vdb_get_str(g->dev, REG_SENSOR_LIST)) != NULL &&
	    *s != '\0') {
		v = strtoul(s, &end, 16);
		if (*end == '\0' && v <= 0xffff)
			return (uint16_t)v;
	}
	return g->sensor_list;
}

static void
emu_frame(struct g3p *g, uint16_t ctrl, uint8_t *f, size_t plen)
{
	v5_build(f, ctrl, g->dl.snr_acc, plen);
	g3p_send_cloud(g, f, V5_HDR_LEN + plen + V5_TRAILER_LEN);
}

#define EMU_4110_LEN	0xdf	/* without checksum and stop byte */

/* 0x4110: T1 in reverse from the database */
static void
emu_dev_ind(struct g3p *g)
{
	uint8_t		 f[EMU_4110_LEN + V5_TRAILER_LEN];

	memset(f, 0, sizeof(f));
	g3p_layout_build(&g3p_layout_4110, f, EMU_4110_LEN, 0x18, emu_get, g);
	f[V5_OFS_FTYPE] = 2;
	wr32le(f + V5_OFS_DEV_CLOCK, emu_clock());
	emu_frame(g, CTRL_DEV_IND, f, EMU_4110_LEN - V5_HDR_LEN);
}

/* data timer: Data_Up_Interval from the database, 300 s by default */
static int
emu_data_ms(struct g3p *g)
{
	int64_t	v;

	if (g->dev != NULL && vdb_get_int(g->dev, REG_DATA_UP_INTERVAL, &v) &&
	    v > 0 && v <= 86400)
		return (int)v * 1000;
	return EMU_DATA_S * 1000;
}

void
emu_start(struct g3p *g)
{
	if (g->emu_active)
		return;
	g->emu_active = 1;
	g->emu_started = now_s();
	g->emu_pkt = 0;
	g->emu_hb_s = EMU_HB_S;
	g->emu_time_ofs = 0;
	/* a fresh cloud link: the first frame carries 00 01 */
	g->cl.rcv = g->cl.snd = 0;
	g->cl.snr_ok = 0;
	emu_dev_ind(g);
	g->io->timer(g->io->arg, G3P_TIMER_EMU_DATA, emu_data_ms(g));
}

/* 0x4210 ftype 1: header, then T2/T3/T4 in reverse from the database */
static void
emu_data(struct g3p *g)
{
	uint8_t			 f[V5_OFS_DATA_BODY + 0x184 + V5_TRAILER_LEN];
	const struct g3p_layout	*l;
	uint16_t		 sl = emu_sensor_list(g);
	size_t			 len;

	switch (sl) {
	case G3P_SL_MX:
		len = V5_OFS_DATA_BODY + 16;
		break;
	case G3P_SL_DCU:
		len = V5_OFS_DATA_BODY + 0x5a;
		break;
	default:
		len = V5_OFS_DATA_BODY + 0x184;
		break;
	}
	memset(f, 0, sizeof(f));
	if ((l = g3p_layout_4210(sl)) != NULL)
		g3p_layout_build(l, f, len, V5_OFS_DATA_BODY, emu_get, g);
	f[V5_OFS_FTYPE] = 1;
	wr16le(f + V5_OFS_DATA_SL, sl);
	wr32le(f + V5_OFS_DATA_CLOCK, emu_clock());
	wr32le(f + V5_OFS_DATA_TIMER, now_s() - g->emu_started);
	wr32le(f + V5_OFS_DATA_TOFS, g->emu_time_ofs);
	wr16le(f + V5_OFS_DATA_ONE, 1);
	wr32le(f + V5_OFS_DATA_PKT, ++g->emu_pkt);
	emu_frame(g, CTRL_DATA_IND, f, len - V5_HDR_LEN);
}

static void
emu_heartbeat(struct g3p *g)
{
	uint8_t	f[V5_HDR_LEN + 1 + V5_TRAILER_LEN];

	memset(f, 0, sizeof(f));
	emu_frame(g, CTRL_HB_IND, f, 1);
}

void
emu_timer(struct g3p *g, int id)
{
	if (!g->emu_active)
		return;
	switch (id) {
	case G3P_TIMER_EMU_DATA:
		g->io->timer(g->io->arg, G3P_TIMER_EMU_DATA, emu_data_ms(g));
		g->io->timer(g->io->arg, G3P_TIMER_EMU_HB,
		    (int)g->emu_hb_s * 1000);
		emu_data(g);
		break;
	case G3P_TIMER_EMU_HB:
		emu_heartbeat(g);
		break;
	}
}
