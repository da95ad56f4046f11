/*
 * GEN3PLUS data layouts (spec gen3plus §17, T1-T4).
 */
#include <stddef.h>
#include <string.h>

#include "proxyd/g3p_layout.h"

#define F(o, t, c, a, id)	{ (o), (t), 0, (c), (a), (id) }
#define S(o, n, id)		{ (o), MBT_STR, (n), MBC_RAW, 0, (id) }
#define B16(o, c, a, id)	F(o, MBT_U16BE, c, a, id)
#define S16(o, c, a, id)	F(o, MBT_S16BE, c, a, id)

static const struct mb_field t1[] = {
	F(0x18, MBT_U8, MBC_RATIO, 60, REG_DATA_UP_INTERVAL),
	F(0x19, MBT_U8, MBC_QUOT, 60, REG_COLLECT_INTERVAL),
	F(0x1a, MBT_U8, MBC_RATIO, 1, REG_HEARTBEAT_INTERVAL),
	F(0x1c, MBT_U8, MBC_RATIO, 1, REG_SIGNAL_STRENGTH),
	S(0x1e, 40, REG_CHIP_MODEL),
	F(0x46, MBT_MAC, MBC_RAW, 0, REG_MAC_ADDR),
	S(0x4c, 16, REG_IP_ADDRESS),
	F(0x5f, MBT_U16LE, MBC_HEX4, 0, REG_SENSOR_LIST),
	S(0x64, 40, REG_COLLECTOR_FW_VERSION),
	S(0xb7, 40, REG_SSID),
};

/* common head of every 0x4210 layout */
#define HEAD4210 \
	F(0x0c, MBT_U16LE, MBC_HEX4, 0, REG_SENSOR_LIST), \
	F(0x1c, MBT_U16LE, MBC_RATIO, 1, REG_POWER_ON_TIME), \
	S(0x20, 16, REG_SERIAL_NUMBER)

static const struct mb_field t2[] = {
	HEAD4210,
	B16(0xc0, MBC_RAW, 0, REG_INVERTER_STATUS),
	B16(0xc2, MBC_RAW, 0, REG_DETECT_STATUS_1),
	B16(0xc4, MBC_RAW, 0, REG_DETECT_STATUS_2),
	B16(0xc6, MBC_RAW, 0, REG_EVENT_ALARM),
	B16(0xc8, MBC_RAW, 0, REG_EVENT_FAULT),
	B16(0xca, MBC_RAW, 0, REG_EVENT_BF1),
	B16(0xcc, MBC_RAW, 0, REG_EVENT_BF2),
	B16(0xd0, MBC_VERSION, 0, REG_VERSION),
	B16(0xd2, MBC_RATIO, 0.1, REG_GRID_VOLTAGE),
	B16(0xd4, MBC_RATIO, 0.01, REG_GRID_CURRENT),
	B16(0xd6, MBC_RATIO, 0.01, REG_GRID_FREQUENCY),
	B16(0xd8, MBC_OFS, -40, REG_INVERTER_TEMP),
	B16(0xdc, MBC_RATIO, 1, REG_RATED_POWER),
	B16(0xde, MBC_RATIO, 0.1, REG_OUTPUT_POWER),
	B16(0xe0, MBC_RATIO, 0.1, REG_PV1_VOLTAGE),
	B16(0xe2, MBC_RATIO, 0.01, REG_PV1_CURRENT),
	B16(0xe4, MBC_RATIO, 0.1, REG_PV1_POWER),
	B16(0xe6, MBC_RATIO, 0.1, REG_PV2_VOLTAGE),
	B16(0xe8, MBC_RATIO, 0.01, REG_PV2_CURRENT),
	B16(0xea, MBC_RATIO, 0.1, REG_PV2_POWER),
	B16(0xec, MBC_RATIO, 0.1, REG_PV3_VOLTAGE),
	B16(0xee, MBC_RATIO, 0.01, REG_PV3_CURRENT),
	B16(0xf0, MBC_RATIO, 0.1, REG_PV3_POWER),
	B16(0xf2, MBC_RATIO, 0.1, REG_PV4_VOLTAGE),
	B16(0xf4, MBC_RATIO, 0.01, REG_PV4_CURRENT),
	B16(0xf6, MBC_RATIO, 0.1, REG_PV4_POWER),
	B16(0xf8, MBC_RATIO, 0.01, REG_DAILY_GENERATION),
	F(0xfa, MBT_U32BE, MBC_RATIO, 0.01, REG_TOTAL_GENERATION),
	B16(0xfe, MBC_RATIO, 0.01, REG_PV1_DAILY_GENERATION),
	F(0x100, MBT_U32BE, MBC_RATIO, 0.01, REG_PV1_TOTAL_GENERATION),
	B16(0x104, MBC_RATIO, 0.01, REG_PV2_DAILY_GENERATION),
	F(0x106, MBT_U32BE, MBC_RATIO, 0.01, REG_PV2_TOTAL_GENERATION),
	B16(0x10a, MBC_RATIO, 0.01, REG_PV3_DAILY_GENERATION),
	F(0x10c, MBT_U32BE, MBC_RATIO, 0.01, REG_PV3_TOTAL_GENERATION),
	B16(0x110, MBC_RATIO, 0.01, REG_PV4_DAILY_GENERATION),
	F(0x112, MBT_U32BE, MBC_RATIO, 0.01, REG_PV4_TOTAL_GENERATION),
	B16(0x116, MBC_RAW, 0, REG_INV_UNKNOWN_1),
	B16(0x118, MBC_RAW, 0, REG_BOOT_STATUS),
	B16(0x11a, MBC_RAW, 0, REG_DSP_STATUS),
	B16(0x11e, MBC_RAW, 0, REG_WORK_MODE),
	B16(0x124, MBC_RAW, 0, REG_OUTPUT_SHUTDOWN),
	B16(0x126, MBC_RAW, 0, REG_MAX_DESIGNED_POWER),
	B16(0x128, MBC_RAW, 0, REG_RATED_LEVEL),
	B16(0x12a, MBC_RATIO, 100.0 / 1024, REG_INPUT_COEFFICIENT),
	B16(0x12c, MBC_RAW, 0, REG_GRID_VOLT_CAL_COEF),
	B16(0x138, MBC_RAW, 0, REG_PROD_COMPL_TYPE),
	B16(0x170, MBC_RATIO, 100.0 / 1024, REG_OUTPUT_COEFFICIENT),
};

/* what the emulator writes where the logger has constants */
static const struct g3p_const	t1c[] = {
	{ 0x1b, 1, { 1 } },
	{ 0x1d, 1, { 1 } },
	{ 0x5c, 1, { 15 } },
	{ 0x5e, 1, { 1 } },
	{ 0x61, 3, { 0x0f, 0x00, 0xff } },
	{ 0x8c, 2, { 0xfe, 0xfe } },
};

/* u16 BE register values */
#define W(v)		(uint8_t)((v) >> 8), (uint8_t)((v) & 0xff)
#define C1(o, a)	{ (o), 2, { W(a) } }
#define C2(o, a, b)	{ (o), 4, { W(a), W(b) } }
#define C3(o, a, b, c)	{ (o), 6, { W(a), W(b), W(c) } }
#define C4(o, a, b, c, d) { (o), 8, { W(a), W(b), W(c), W(d) } }

static const struct g3p_const	t2c[] = {
	C1(0x11c, 1),
	C1(0x12e, 1024),
	C4(0x130, 1024, 1, 65535, 1),
	C3(0x13a, 104, 104, 1280),
	C4(0x140, 2509, 1974, 5020, 4900),
	C4(0x148, 1, 1966, 1039, 65),
	C4(0x150, 15, 2660, 2660, 6),
	C4(0x158, 6, 2550, 4748, 4748),
	C4(0x160, 16, 16, 5202, 5202),
	C4(0x168, 16, 16, 337, 5),
	C3(0x172, 1, 5020, 4000),
	C4(0x178, 78, 102, 1000, 1024),
	C4(0x180, 2510, 1960, 5020, 4902),
	C4(0x188, 0, 0, 0, 0),
	C4(0x190, 0, 0, 1024, 1024),
	C4(0x198, 0, 0, 65535, 0),
	C2(0x1a0, 0, 0),
};

/* the MX data indication carries no measurements (they come by MODBUS) */
static const struct mb_field t3[] = {
	HEAD4210,
};

static const struct mb_field t4[] = {
	HEAD4210,
	B16(0x30, MBC_RATIO, 0.01, REG_BATT_PV1_VOLT),
	B16(0x32, MBC_RATIO, 0.01, REG_BATT_PV1_CUR),
	B16(0x34, MBC_RATIO, 0.01, REG_BATT_PV2_VOLT),
	B16(0x36, MBC_RATIO, 0.01, REG_BATT_PV2_CUR),
	F(0x38, MBT_U32BE, MBC_RATIO, 0.01, REG_BATT_TOTAL_CHARG),
	B16(0x3c, MBC_RAW, 0, REG_BATT_PV1_STATUS),
	B16(0x3e, MBC_RAW, 0, REG_BATT_PV2_STATUS),
	S16(0x40, MBC_RATIO, 0.01, REG_BATT_VOLT),
	S16(0x42, MBC_RATIO, 0.01, REG_BATT_CUR),
	B16(0x44, MBC_RATIO, 0.01, REG_BATT_SOC),
	B16(0x46, MBC_RATIO, 0.001, REG_BATT_CELL1_VOLT),
	B16(0x48, MBC_RATIO, 0.001, REG_BATT_CELL2_VOLT),
	B16(0x4a, MBC_RATIO, 0.001, REG_BATT_CELL3_VOLT),
	B16(0x4c, MBC_RATIO, 0.001, REG_BATT_CELL4_VOLT),
	B16(0x4e, MBC_RATIO, 0.001, REG_BATT_CELL5_VOLT),
	B16(0x50, MBC_RATIO, 0.001, REG_BATT_CELL6_VOLT),
	B16(0x52, MBC_RATIO, 0.001, REG_BATT_CELL7_VOLT),
	B16(0x54, MBC_RATIO, 0.001, REG_BATT_CELL8_VOLT),
	B16(0x56, MBC_RATIO, 0.001, REG_BATT_CELL9_VOLT),
	B16(0x58, MBC_RATIO, 0.001, REG_BATT_CELL10_VOLT),
	B16(0x5a, MBC_RATIO, 0.001, REG_BATT_CELL11_VOLT),
	B16(0x5c, MBC_RATIO, 0.001, REG_BATT_CELL12_VOLT),
	B16(0x5e, MBC_RATIO, 0.001, REG_BATT_CELL13_VOLT),
	B16(0x60, MBC_RATIO, 0.001, REG_BATT_CELL14_VOLT),
	B16(0x62, MBC_RATIO, 0.001, REG_BATT_CELL15_VOLT),
	B16(0x64, MBC_RATIO, 0.001, REG_BATT_CELL16_VOLT),
	S16(0x66, MBC_RAW, 0, REG_BATT_TEMP_1),
	S16(0x68, MBC_RAW, 0, REG_BATT_TEMP_2),
	S16(0x6a, MBC_RAW, 0, REG_BATT_TEMP_3),
	B16(0x6c, MBC_RATIO, 0.01, REG_BATT_OUT_VOLT),
	B16(0x6e, MBC_RATIO, 0.01, REG_BATT_OUT_CUR),
	B16(0x70, MBC_RAW, 0, REG_BATT_OUT_STATUS),
	S16(0x72, MBC_RAW, 0, REG_BATT_TEMP_4),
	B16(0x74, MBC_RAW, 0, REG_BATT_ALARM),
	S16(0x76, MBC_RAW, 0, REG_BATT_HW_VERS),
	S16(0x78, MBC_RAW, 0, REG_BATT_SW_VERS),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const struct g3p_layout	g3p_layout_4110 = { t1, NELEM(t1), t1c, NELEM(t1c) };
static const struct g3p_layout	l_ms = { t2, NELEM(t2), t2c, NELEM(t2c) };
static const struct g3p_layout	l_mx = { t3, NELEM(t3), NULL, 0 };
static const struct g3p_layout	l_dcu = { t4, NELEM(t4), NULL, 0 };

const struct g3p_layout *
g3p_layout_4210(uint16_t sensor_list)
{
	switch (sensor_list) {
	case G3P_SL_MS:
		return &l_ms;
	case G3P_SL_MX:
		return &l_mx;
	case G3P_SL_DCU:
		return &l_dcu;
	}
	return NULL;
}

int
g3p_layout_decode(const struct g3p_layout *l, const uint8_t *p, size_t len,
    mb_value_cb cb, void *arg)
{
	struct mb_value	v;
	size_t		i;
	int		n = 0;

	for (i = 0; i < l->n; i++) {
		if (l->f[i].pos >= len)
			continue;
		if (mb_field_decode(&l->f[i], p + l->f[i].pos,
		    len - l->f[i].pos, &v) == -1)
			continue;
		cb(arg, &v);
		n++;
	}
	return n;
}

int
g3p_layout_build(const struct g3p_layout *l, uint8_t *p, size_t len,
    size_t from, g3p_value_get get, void *arg)
{
	struct mb_value	 v;
	size_t		 i;
	int		 n = 0, r;

	for (i = 0; i < l->nc; i++) {
		if (l->c[i].pos < from || l->c[i].pos > len ||
		    len - l->c[i].pos < l->c[i].n)
			continue;
		memcpy(p + l->c[i].pos, l->c[i].b, l->c[i].n);
	}
	for (i = 0; i < l->n; i++) {
		if (l->f[i].pos < from)
			continue;
		if (l->f[i].pos > len)
			break;		/* upstream stops at the first misfit */
		memset(&v, 0, sizeof(v));
		if (!get(arg, l->f[i].reg, &v))
			continue;
		v.s[sizeof(v.s) - 1] = '\0';
		r = mb_field_encode(&l->f[i], &v, p + l->f[i].pos,
		    len - l->f[i].pos);
		if (r == -1)
			break;
		if (r > 0)
			n++;
	}
	return n;
}
