/*
 * MODBUS RTU: CRC, requests, answer validation and the register map.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "proxyd/modbus.h"
#include "proxyd/valuedb.h"

#define U16(r, c, a, id)	{ (r), MBT_U16BE, 0, (c), (a), (id) }
#define S16(r, c, a, id)	{ (r), MBT_S16BE, 0, (c), (a), (id) }
#define U32(r, c, a, id)	{ (r), MBT_U32BE, 0, (c), (a), (id) }
#define STR(r, n, id)		{ (r), MBT_STR, (n), MBC_RAW, 0, (id) }

/* spec T6; registers not listed are skipped (0x3007, 0x300d, ...) */
const struct mb_field mb_map[] = {
	STR(0x0000, 16, REG_SERIAL_NUMBER),
	U16(0x0008, MBC_RATIO, 0.01, REG_BATT_PV1_VOLT),
	U16(0x0009, MBC_RATIO, 0.01, REG_BATT_PV1_CUR),
	U16(0x000a, MBC_RATIO, 0.01, REG_BATT_PV2_VOLT),
	U16(0x000b, MBC_RATIO, 0.01, REG_BATT_PV2_CUR),
	U32(0x000c, MBC_RATIO, 0.01, REG_BATT_TOTAL_CHARG),
	U16(0x000e, MBC_RAW, 0, REG_BATT_PV1_STATUS),
	U16(0x000f, MBC_RAW, 0, REG_BATT_PV2_STATUS),
	S16(0x0010, MBC_RATIO, 0.01, REG_BATT_VOLT),
	S16(0x0011, MBC_RATIO, 0.01, REG_BATT_CUR),
	U16(0x0012, MBC_RATIO, 0.01, REG_BATT_SOC),
	U16(0x0013, MBC_RATIO, 0.001, REG_BATT_CELL1_VOLT),
	U16(0x0014, MBC_RATIO, 0.001, REG_BATT_CELL2_VOLT),
	U16(0x0015, MBC_RATIO, 0.001, REG_BATT_CELL3_VOLT),
	U16(0x0016, MBC_RATIO, 0.001, REG_BATT_CELL4_VOLT),
	U16(0x0017, MBC_RATIO, 0.001, REG_BATT_CELL5_VOLT),
	U16(0x0018, MBC_RATIO, 0.001, REG_BATT_CELL6_VOLT),
	U16(0x0019, MBC_RATIO, 0.001, REG_BATT_CELL7_VOLT),
	U16(0x001a, MBC_RATIO, 0.001, REG_BATT_CELL8_VOLT),
	U16(0x001b, MBC_RATIO, 0.001, REG_BATT_CELL9_VOLT),
	U16(0x001c, MBC_RATIO, 0.001, REG_BATT_CELL10_VOLT),
	U16(0x001d, MBC_RATIO, 0.001, REG_BATT_CELL11_VOLT),
	U16(0x001e, MBC_RATIO, 0.001, REG_BATT_CELL12_VOLT),
	U16(0x001f, MBC_RATIO, 0.001, REG_BATT_CELL13_VOLT),
	U16(0x0020, MBC_RATIO, 0.001, REG_BATT_CELL14_VOLT),
	U16(0x0021, MBC_RATIO, 0.001, REG_BATT_CELL15_VOLT),
	U16(0x0022, MBC_RATIO, 0.001, REG_BATT_CELL16_VOLT),
	S16(0x0023, MBC_RAW, 0, REG_BATT_TEMP_1),
	S16(0x0024, MBC_RAW, 0, REG_BATT_TEMP_2),
	S16(0x0025, MBC_RAW, 0, REG_BATT_TEMP_3),
	U16(0x0026, MBC_RATIO, 0.01, REG_BATT_OUT_VOLT),
	U16(0x0027, MBC_RATIO, 0.01, REG_BATT_OUT_CUR),
	U16(0x0028, MBC_RAW, 0, REG_BATT_OUT_STATUS),
	S16(0x0029, MBC_RAW, 0, REG_BATT_TEMP_4),
	S16(0x002a, MBC_RAW, 0, REG_BATT_ALARM),
	S16(0x002b, MBC_RAW, 0, REG_BATT_HW_VERS),
	S16(0x002c, MBC_RAW, 0, REG_BATT_SW_VERS),
	STR(0x1000, 16, REG_SERIAL_NUMBER),
	U16(0x100a, MBC_VERSION, 0, REG_PROT_VERSION),
	U16(0x100c, MBC_VERSION, 0, REG_VERSION),
	U16(0x1100, MBC_RAW, 0, REG_INVERTER_STATUS),
	U16(0x1105, MBC_RAW, 0, REG_EVENT_ALARM),
	U16(0x1106, MBC_RAW, 0, REG_EVENT_FAULT),
	U16(0x1107, MBC_RAW, 0, REG_EVENT_BF1),
	U16(0x1108, MBC_RAW, 0, REG_EVENT_BF2),
	U16(0x1200, MBC_RATIO, 0.1, REG_GRID_VOLTAGE),
	U16(0x1201, MBC_RATIO, 0.01, REG_GRID_CURRENT),
	U16(0x1202, MBC_RATIO, 0.1, REG_OUTPUT_POWER),
	U16(0x1203, MBC_RAW, 0, REG_TEST_VAL_3),
	U16(0x1209, MBC_RATIO, 0.01, REG_GRID_FREQUENCY),
	U16(0x1210, MBC_RAW, 0, REG_RATED_POWER),
	U16(0x1211, MBC_RAW, 0, REG_TEST_VAL_6),
	U16(0x1212, MBC_RATIO, 0.01, REG_DAILY_GENERATION),
	U32(0x1213, MBC_RATIO, 0.01, REG_TOTAL_GENERATION),
	U16(0x1215, MBC_RAW, 0, REG_TEST_VAL_10),
	U16(0x1216, MBC_RATIO, 0.01, REG_INSULATION_IMP_RX),
	U16(0x1217, MBC_RATIO, 0.01, REG_INSULATION_IMP_RY),
	U16(0x1218, MBC_OFS, -40, REG_INVERTER_TEMP),
	U16(0x1302, MBC_RATIO, 0.1, REG_PV1_VOLTAGE),
	U16(0x1303, MBC_RATIO, 0.01, REG_PV1_CURRENT),
	U16(0x1304, MBC_RATIO, 0.1, REG_PV1_POWER),
	U32(0x1305, MBC_RATIO, 0.01, REG_PV1_DAILY_GENERATION),
	U32(0x1307, MBC_RATIO, 0.01, REG_PV1_TOTAL_GENERATION),
	U16(0x1309, MBC_RATIO, 0.1, REG_PV2_VOLTAGE),
	U16(0x130a, MBC_RATIO, 0.01, REG_PV2_CURRENT),
	U16(0x130b, MBC_RATIO, 0.1, REG_PV2_POWER),
	U32(0x130c, MBC_RATIO, 0.01, REG_PV2_DAILY_GENERATION),
	U32(0x130e, MBC_RATIO, 0.01, REG_PV2_TOTAL_GENERATION),
	U16(0x1310, MBC_RATIO, 0.1, REG_PV3_VOLTAGE),
	U16(0x1311, MBC_RATIO, 0.01, REG_PV3_CURRENT),
	U16(0x1312, MBC_RATIO, 0.1, REG_PV3_POWER),
	U32(0x1313, MBC_RATIO, 0.01, REG_PV3_DAILY_GENERATION),
	U32(0x1315, MBC_RATIO, 0.01, REG_PV3_TOTAL_GENERATION),
	U16(0x1317, MBC_RATIO, 0.1, REG_PV4_VOLTAGE),
	U16(0x1318, MBC_RATIO, 0.01, REG_PV4_CURRENT),
	U16(0x1319, MBC_RATIO, 0.1, REG_PV4_POWER),
	U32(0x131a, MBC_RATIO, 0.01, REG_PV4_DAILY_GENERATION),
	U32(0x131c, MBC_RATIO, 0.01, REG_PV4_TOTAL_GENERATION),
	U16(0x131e, MBC_RATIO, 0.1, REG_PV5_VOLTAGE),
	U16(0x131f, MBC_RATIO, 0.01, REG_PV5_CURRENT),
	U16(0x1320, MBC_RATIO, 0.1, REG_PV5_POWER),
	U32(0x1321, MBC_RATIO, 0.01, REG_PV5_DAILY_GENERATION),
	U32(0x1323, MBC_RATIO, 0.01, REG_PV5_TOTAL_GENERATION),
	U16(0x1325, MBC_RATIO, 0.1, REG_PV6_VOLTAGE),
	U16(0x1326, MBC_RATIO, 0.01, REG_PV6_CURRENT),
	U16(0x1327, MBC_RATIO, 0.1, REG_PV6_POWER),
	U32(0x1328, MBC_RATIO, 0.01, REG_PV6_DAILY_GENERATION),
	U32(0x132a, MBC_RATIO, 0.01, REG_PV6_TOTAL_GENERATION),
	U16(0x1400, MBC_RAW, 0, REG_PROD_COMPL_TYPE),
	U16(0x1437, MBC_RATIO, 1, REG_MAX_DESIGNED_POWER),
	U16(0x2000, MBC_RAW, 0, REG_BOOT_STATUS),
	U16(0x2001, MBC_RAW, 0, REG_DSP_STATUS),
	U16(0x2003, MBC_RAW, 0, REG_WORK_MODE),
	U16(0x2006, MBC_RAW, 0, REG_OUTPUT_SHUTDOWN),
	U16(0x2007, MBC_RATIO, 1, REG_MAX_DESIGNED_POWER),
	U16(0x2008, MBC_RAW, 0, REG_RATED_LEVEL),
	U16(0x2009, MBC_RATIO, 100.0 / 1024, REG_INPUT_COEFFICIENT),
	U16(0x200a, MBC_RAW, 0, REG_GRID_VOLT_CAL_COEF),
	U16(0x2010, MBC_RAW, 0, REG_PROD_COMPL_TYPE),
	U16(0x202c, MBC_RATIO, 100.0 / 1024, REG_OUTPUT_COEFFICIENT),
	U16(0x3000, MBC_RAW, 0, REG_INVERTER_STATUS),
	U16(0x3001, MBC_RAW, 0, REG_DETECT_STATUS_1),
	U16(0x3002, MBC_RAW, 0, REG_DETECT_STATUS_2),
	U16(0x3003, MBC_RAW, 0, REG_EVENT_ALARM),
	U16(0x3004, MBC_RAW, 0, REG_EVENT_FAULT),
	U16(0x3005, MBC_RAW, 0, REG_EVENT_BF1),
	U16(0x3006, MBC_RAW, 0, REG_EVENT_BF2),
	U16(0x3008, MBC_VERSION, 0, REG_VERSION),
	U16(0x3009, MBC_RATIO, 0.1, REG_GRID_VOLTAGE),
	U16(0x300a, MBC_RATIO, 0.01, REG_GRID_CURRENT),
	U16(0x300b, MBC_RATIO, 0.01, REG_GRID_FREQUENCY),
	U16(0x300c, MBC_OFS, -40, REG_INVERTER_TEMP),
	U16(0x300e, MBC_RATIO, 1, REG_RATED_POWER),
	U16(0x300f, MBC_RATIO, 0.1, REG_OUTPUT_POWER),
	U16(0x3010, MBC_RATIO, 0.1, REG_PV1_VOLTAGE),
	U16(0x3011, MBC_RATIO, 0.01, REG_PV1_CURRENT),
	U16(0x3012, MBC_RATIO, 0.1, REG_PV1_POWER),
	U16(0x3013, MBC_RATIO, 0.1, REG_PV2_VOLTAGE),
	U16(0x3014, MBC_RATIO, 0.01, REG_PV2_CURRENT),
	U16(0x3015, MBC_RATIO, 0.1, REG_PV2_POWER),
	U16(0x3016, MBC_RATIO, 0.1, REG_PV3_VOLTAGE),
	U16(0x3017, MBC_RATIO, 0.01, REG_PV3_CURRENT),
	U16(0x3018, MBC_RATIO, 0.1, REG_PV3_POWER),
	U16(0x3019, MBC_RATIO, 0.1, REG_PV4_VOLTAGE),
	U16(0x301a, MBC_RATIO, 0.01, REG_PV4_CURRENT),
	U16(0x301b, MBC_RATIO, 0.1, REG_PV4_POWER),
	U16(0x301c, MBC_RATIO, 0.01, REG_DAILY_GENERATION),
	U32(0x301d, MBC_RATIO, 0.01, REG_TOTAL_GENERATION),
	U16(0x301f, MBC_RATIO, 0.01, REG_PV1_DAILY_GENERATION),
	U32(0x3020, MBC_RATIO, 0.01, REG_PV1_TOTAL_GENERATION),
	U16(0x3022, MBC_RATIO, 0.01, REG_PV2_DAILY_GENERATION),
	U32(0x3023, MBC_RATIO, 0.01, REG_PV2_TOTAL_GENERATION),
	U16(0x3025, MBC_RATIO, 0.01, REG_PV3_DAILY_GENERATION),
	U32(0x3026, MBC_RATIO, 0.01, REG_PV3_TOTAL_GENERATION),
	U16(0x3028, MBC_RATIO, 0.01, REG_PV4_DAILY_GENERATION),
	U32(0x3029, MBC_RATIO, 0.01, REG_PV4_TOTAL_GENERATION),
};
const size_t mb_map_len = sizeof(mb_map) / sizeof(mb_map[0]);

uint16_t
mb_crc16(const uint8_t *p, size_t len)
{
	uint16_t	crc = 0xffff;
	size_t		i;
	int		b;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xa001 : crc >> 1;
	}
	return crc;
}

void
mb_build_req(uint8_t out[MB_REQ_LEN], uint8_t addr, uint8_t fcode,
    uint16_t reg, uint16_t val, struct mb_req *req)
{
	uint16_t	crc;

	out[0] = addr;
	out[1] = fcode;
	out[2] = reg >> 8;
	out[3] = reg & 0xff;
	out[4] = val >> 8;
	out[5] = val & 0xff;
	crc = mb_crc16(out, 6);
	out[6] = crc & 0xff;
	out[7] = crc >> 8;
	if (req != NULL) {
		req->addr = addr;
		req->fcode = fcode;
		req->reg = reg;
		req->count = val;
	}
}

int
mb_parse_req(const uint8_t *p, size_t len, struct mb_req *req)
{
	if (len != MB_REQ_LEN || mb_crc16(p, len) != 0)
		return -1;
	req->addr = p[0];
	req->fcode = p[1];
	req->reg = (uint16_t)(p[2] << 8 | p[3]);
	req->count = (uint16_t)(p[4] << 8 | p[5]);
	return 0;
}

int
mb_answer_has_data(const struct mb_req *req)
{
	return req->addr == 1 && (req->fcode == MB_FN_READ_HOLDING ||
	    req->fcode == MB_FN_READ_INPUT);
}

int
mb_check_answer(const struct mb_req *pending, const uint8_t *p, size_t len)
{
	if (pending == NULL)
		return MB_ERR_NOREQ;
	if (len < 2 || mb_crc16(p, len) != 0)
		return MB_ERR_CRC;
	if (p[0] != pending->addr)
		return MB_ERR_ADDR;
	if (p[1] != pending->fcode)
		return MB_ERR_FCODE;
	if (mb_answer_has_data(pending)) {
		/* addr, fn, byte count, crc: the byte count must be there */
		if (len < 5 || (p[2] >> 1) != pending->count)
			return MB_ERR_LEN;
	}
	return MB_OK;
}


void
mb_version_str(uint16_t x, char *buf, size_t len)
{
	snprintf(buf, len, "V%u.%u.%u%X", x >> 12, (x >> 8) & 15,
	    (x >> 4) & 15, x & 15);
}

/* ties to even, as Python's round() to an integer */
static int64_t
round_even(double v)
{
	double	r = nearbyint(v);	/* default rounding mode: to nearest even */

	return (int64_t)r;
}

int
mb_field_decode(const struct mb_field *f, const uint8_t *p, size_t len,
    struct mb_value *v)
{
	int64_t	raw = 0;
	size_t	need, i, n;

	switch (f->type) {
	case MBT_U8:
		need = 1;
		break;
	case MBT_U16LE:
	case MBT_U16BE:
	case MBT_S16BE:
		need = 2;
		break;
	case MBT_U32BE:
		need = 4;
		break;
	case MBT_STR:
		need = f->len;
		break;
	case MBT_MAC:
		need = 6;
		break;
	default:
		return -1;
	}
	if (len < need)
		return -1;

	memset(v, 0, sizeof(*v));
	v->reg = f->reg;
	switch (f->type) {
	case MBT_U8:
		raw = p[0];
		break;
	case MBT_U16LE:
		raw = p[0] | p[1] << 8;
		break;
	case MBT_U16BE:
		raw = p[0] << 8 | p[1];
		break;
	case MBT_S16BE:
		raw = (int16_t)(p[0] << 8 | p[1]);
		break;
	case MBT_U32BE:
		raw = (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]);
		break;
	case MBT_STR:
		/* text ends at the first NUL; keep it printable for JSON */
		n = need < MBV_STR_MAX - 1 ? need : MBV_STR_MAX - 1;
		for (i = 0; i < n && p[i] != '\0'; i++)
			v->s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
		v->s[i] = '\0';
		v->type = MBV_STR;
		return 0;
	case MBT_MAC:
		snprintf(v->s, sizeof(v->s), "%02x:%02x:%02x:%02x:%02x:%02x",
		    p[0], p[1], p[2], p[3], p[4], p[5]);
		v->type = MBV_STR;
		return 0;
	}

	switch (f->conv) {
	case MBC_VERSION:
		mb_version_str((uint16_t)raw, v->s, sizeof(v->s));
		v->type = MBV_STR;
		break;
	case MBC_HEX4:
		snprintf(v->s, sizeof(v->s), "%04x", (unsigned)raw);
		v->type = MBV_STR;
		break;
	case MBC_RATIO:
		if (f->arg == floor(f->arg)) {
			/* an integral ratio keeps an integer an integer */
			v->type = MBV_INT;
			v->i = raw * (int64_t)f->arg;
		} else {
			v->type = MBV_FLOAT;
			v->f = num_round2((double)raw * f->arg);
		}
		break;
	case MBC_QUOT:
		v->type = MBV_INT;
		v->i = f->arg != 0 ? round_even((double)raw / f->arg) : raw;
		break;
	case MBC_OFS:
		v->type = MBV_INT;
		v->i = raw + (int64_t)f->arg;
		break;
	default:
		v->type = MBV_INT;
		v->i = raw;
		break;
	}
	return 0;
}

size_t
mb_field_size(const struct mb_field *f)
{
	switch (f->type) {
	case MBT_U8:
		return 1;
	case MBT_U16LE:
	case MBT_U16BE:
	case MBT_S16BE:
		return 2;
	case MBT_U32BE:
		return 4;
	case MBT_STR:
		return f->len;
	case MBT_MAC:
		return 6;
	}
	return 0;
}

/* "V4.0.10" -> 0x4010, the inverse of mb_version_str; -1 if not one */
static int32_t
version_parse(const char *s)
{
	unsigned int	a, b, c, d;
	size_t		n;
	char		cs[8], *end;

	if (s[0] != 'V' || sscanf(s + 1, "%u.%u.", &a, &b) != 2)
		return -1;
	if ((s = strchr(s + 1, '.')) == NULL || (s = strchr(s + 1, '.')) ==
	    NULL)
		return -1;
	s++;
	n = strlen(s);
	/* c in decimal, then one upper-case hex digit */
	if (n < 2 || n > sizeof(cs) || !isxdigit((unsigned char)s[n - 1]))
		return -1;
	memcpy(cs, s, n - 1);
	cs[n - 1] = '\0';
	c = (unsigned int)strtoul(cs, &end, 10);
	if (*end != '\0' || !isdigit((unsigned char)cs[0]))
		return -1;
	d = (unsigned int)(isdigit((unsigned char)s[n - 1]) ? s[n - 1] - '0' :
	    toupper((unsigned char)s[n - 1]) - 'A' + 10);
	if (a > 15 || b > 15 || c > 15)
		return -1;
	return (int32_t)(a << 12 | b << 8 | c << 4 | d);
}

int
mb_field_encode(const struct mb_field *f, const struct mb_value *v,
    uint8_t *p, size_t len)
{
	unsigned int	m[6];
	double		x;
	int64_t		raw, lo, hi;
	size_t		need, n;
	char		*end;
	int		i;

	if ((need = mb_field_size(f)) == 0)
		return 0;
	if (len < need)
		return -1;

	if (f->type == MBT_STR) {
		if (v->type != MBV_STR || v->s[0] == '\0')
			return 0;
		n = strnlen(v->s, sizeof(v->s));
		memset(p, 0, need);
		memcpy(p, v->s, n < need ? n : need);
		return (int)need;
	}
	if (f->type == MBT_MAC) {
		if (v->type != MBV_STR || sscanf(v->s,
		    "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
		    &m[4], &m[5]) != 6)
			return 0;
		for (i = 0; i < 6; i++)
			p[i] = (uint8_t)m[i];
		return (int)need;
	}

	switch (f->conv) {
	case MBC_VERSION:
		if (v->type != MBV_STR || (raw = version_parse(v->s)) <= 0)
			return 0;
		break;
	case MBC_HEX4:
		if (v->type != MBV_STR || v->s[0] == '\0')
			return 0;
		raw = (int64_t)strtoul(v->s, &end, 16);
		if (*end != '\0' || raw == 0)
			return 0;
		break;
	default:
		if (v->type == MBV_STR)
			return 0;
		x = v->type == MBV_FLOAT ? v->f : (double)v->i;
		/* "if not value": 0 is not written, the zeros stay */
		if (x == 0 || !isfinite(x))
			return 0;
		if (f->conv == MBC_OFS)
			x -= f->arg;
		else if (f->conv == MBC_QUOT)
			x = x * f->arg;
		else if (f->conv == MBC_RATIO && f->arg != 0)
			x = x / f->arg;
		if (!(fabs(x) < 9.0e15))
			return 0;
		raw = round_even(x);
		break;
	}

	switch (f->type) {
	case MBT_U8:
		lo = 0;
		hi = UINT8_MAX;
		break;
	case MBT_S16BE:
		lo = INT16_MIN;
		hi = INT16_MAX;
		break;
	case MBT_U32BE:
		lo = 0;
		hi = UINT32_MAX;
		break;
	default:
		lo = 0;
		hi = UINT16_MAX;
		break;
	}
	if (raw < lo || raw > hi)
		return 0;
	switch (f->type) {
	case MBT_U8:
		p[0] = (uint8_t)raw;
		break;
	case MBT_U16LE:
		p[0] = raw & 0xff;
		p[1] = (raw >> 8) & 0xff;
		break;
	case MBT_U16BE:
	case MBT_S16BE:
		p[0] = (raw >> 8) & 0xff;
		p[1] = raw & 0xff;
		break;
	case MBT_U32BE:
		p[0] = (raw >> 24) & 0xff;
		p[1] = (raw >> 16) & 0xff;
		p[2] = (raw >> 8) & 0xff;
		p[3] = raw & 0xff;
		break;
	}
	return (int)need;
}

int
mb_decode_regs(uint16_t first, const uint8_t *p, size_t len, mb_value_cb cb,
    void *arg)
{
	struct mb_value	 v;
	size_t		 i, off;
	uint32_t	 last;
	int		 n = 0;

	last = (uint32_t)first + len / 2;	/* one past the last register */
	for (i = 0; i < mb_map_len; i++) {
		if (mb_map[i].pos < first || mb_map[i].pos >= last)
			continue;
		off = 2 * (size_t)(mb_map[i].pos - first);
		/* a 32-bit value or string crossing the end gives nothing */
		if (mb_field_decode(&mb_map[i], p + off, len - off, &v) == -1)
			continue;
		cb(arg, &v);
		n++;
	}
	return n;
}

int
mb_decode_answer(const struct mb_req *req, const uint8_t *p, size_t len,
    mb_value_cb cb, void *arg)
{
	size_t	dlen;

	if (!mb_answer_has_data(req) || len < 5)
		return 0;
	/* never trust the byte count beyond what arrived */
	dlen = p[2];
	if (dlen > len - 5)
		dlen = len - 5;
	return mb_decode_regs(req->reg, p + 3, dlen, cb, arg);
}

int
mb_value_store(struct vdb_dev *dev, const struct mb_value *v)
{
	switch (v->type) {
	case MBV_INT:
		return vdb_set_int(dev, v->reg, v->i);
	case MBV_FLOAT:
		return vdb_set_float(dev, v->reg, v->f);
	case MBV_STR:
		return vdb_set_str(dev, v->reg, v->s);
	}
	return 0;
}
