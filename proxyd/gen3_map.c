/*
 * GEN3 data maps and their look-up.
 */
#include <stdint.h>
#include <stdlib.h>

#include "common/registers.h"
#include "proxyd/gen3_map.h"

/* collector data, data_id 0x0E100000 */
static const struct g3_info map_collector[] = {
	{ 0x000927c0, REG_CHIP_TYPE, 0 },
	{ 0x00092ba8, REG_COLLECTOR_FW_VERSION, 0 },
	{ 0x00092f90, REG_CHIP_MODEL, 0 },
	{ 0x00094ae8, REG_MAC_ADDR, 0 },
	{ 0x00095a88, REG_TRACE_URL, 0 },
	{ 0x00095aec, REG_LOGGER_URL, 0 },
	{ 0x000c3500, REG_SIGNAL_STRENGTH, 0 },
	{ 0x000c7f38, REG_COMMUNICATION_TYPE, 0 },
	{ 0x000c96a8, REG_POWER_ON_TIME, 0 },
	{ 0x000cf850, REG_DATA_UP_INTERVAL, 0 },
	{ 0x000cfc38, REG_CONNECT_COUNT, 0 },
	{ 0x000d0020, REG_COLLECT_INTERVAL, 0 },
	{ 0, REG_NONE, 0 }
};

/* inverter data, data_id 0x01900001 (MS-600/800/2000) */
static const struct g3_info map_inv_0001[] = {
	{ 0x0000000a, REG_PRODUCT_NAME, 0 },
	{ 0x00000014, REG_MANUFACTURER, 0 },
	{ 0x0000001e, REG_VERSION, 0 },
	{ 0x00000028, REG_SERIAL_NUMBER, 0 },
	{ 0x00000032, REG_EQUIPMENT_MODEL, 0 },
	{ 0x00000064, REG_INVERTER_STATUS, 0 },
	{ 0x00000190, REG_EVENT_ALARM, 0 },
	{ 0x000001f4, REG_EVENT_FAULT, 0 },
	{ 0x00000258, REG_EVENT_BF1, 0 },
	{ 0x000002bc, REG_EVENT_BF2, 0 },
	{ 0x000003e8, REG_GRID_VOLTAGE, 0 },
	{ 0x0000044c, REG_GRID_CURRENT, 0 },
	{ 0x000004b0, REG_GRID_FREQUENCY, 0 },
	{ 0x00000514, REG_INVERTER_TEMP, 0 },
	{ 0x000005dc, REG_RATED_POWER, 0 },
	{ 0x00000640, REG_OUTPUT_POWER, 0 },
	{ 0x000006a4, REG_PV1_VOLTAGE, 0 },
	{ 0x00000708, REG_PV1_CURRENT, 0 },
	{ 0x0000076c, REG_PV1_POWER, 0 },
	{ 0x000007d0, REG_PV2_VOLTAGE, 0 },
	{ 0x00000834, REG_PV2_CURRENT, 0 },
	{ 0x00000898, REG_PV2_POWER, 0 },
	{ 0x000008fc, REG_PV3_VOLTAGE, 0 },
	{ 0x00000960, REG_PV3_CURRENT, 0 },
	{ 0x000009c4, REG_PV3_POWER, 0 },
	{ 0x00000a28, REG_PV4_VOLTAGE, 0 },
	{ 0x00000a8c, REG_PV4_CURRENT, 0 },
	{ 0x00000af0, REG_PV4_POWER, 0 },
	{ 0x00000b54, REG_DAILY_GENERATION, 0 },
	{ 0x00000bb8, REG_TOTAL_GENERATION, 0 },
	{ 0x00000c1c, REG_PV1_DAILY_GENERATION, 0 },
	{ 0x00000c80, REG_PV1_TOTAL_GENERATION, 0 },
	{ 0x00000ce4, REG_PV2_DAILY_GENERATION, 0 },
	{ 0x00000d48, REG_PV2_TOTAL_GENERATION, 0 },
	{ 0x00000dac, REG_PV3_DAILY_GENERATION, 0 },
	{ 0x00000e10, REG_PV3_TOTAL_GENERATION, 0 },
	{ 0x00000e74, REG_PV4_DAILY_GENERATION, 0 },
	{ 0x00000ed8, REG_PV4_TOTAL_GENERATION, 0 },
	{ 0x00000fa0, REG_BOOT_STATUS, 0 },
	{ 0x00001004, REG_DSP_STATUS, 0 },
	{ 0x000010cc, REG_WORK_MODE, 0 },
	{ 0x000011f8, REG_OUTPUT_SHUTDOWN, 0 },
	{ 0x0000125c, REG_MAX_DESIGNED_POWER, 0 },
	{ 0x000012c0, REG_RATED_LEVEL, 0 },
	{ 0x00001324, REG_INPUT_COEFFICIENT, 1 },
	{ 0x00001388, REG_GRID_VOLT_CAL_COEF, 0 },
	{ 0x00002710, REG_PROD_COMPL_TYPE, 0 },
	{ 0x00003200, REG_OUTPUT_COEFFICIENT, 1 },
	{ 0x00013880, REG_NO_INPUTS, 0 },
	{ 0, REG_NONE, 0 }
};

/* inverter data, data_id 0x01900000 (MS-3000) */
static const struct g3_info map_inv_0000[] = {
	{ 0x0000000a, REG_PRODUCT_NAME, 0 },
	{ 0x00000014, REG_MANUFACTURER, 0 },
	{ 0x0000001e, REG_VERSION, 0 },
	{ 0x00000046, REG_SERIAL_NUMBER, 0 },
	{ 0x0000005a, REG_EQUIPMENT_MODEL, 0 },
	{ 0x00000064, REG_INVERTER_STATUS, 0 },
	{ 0x00000190, REG_EVENT_ALARM, 0 },
	{ 0x000001f4, REG_EVENT_FAULT, 0 },
	{ 0x00000258, REG_EVENT_BF1, 0 },
	{ 0x000002bc, REG_EVENT_BF2, 0 },
	{ 0x00000320, REG_TEST_IVAL_1, 0 },
	{ 0x000003e8, REG_TEST_VAL_0, 0 },
	{ 0x0000044c, REG_TEST_VAL_1, 0 },
	{ 0x000004b0, REG_TEST_VAL_2, 0 },
	{ 0x00000514, REG_GRID_VOLTAGE, 0 },
	{ 0x00000578, REG_GRID_CURRENT, 0 },
	{ 0x000005dc, REG_TEST_VAL_3, 0 },
	{ 0x00000640, REG_GRID_FREQUENCY, 0 },
	{ 0x000006a4, REG_TEST_IVAL_2, 0 },
	{ 0x00000708, REG_TEST_IVAL_3, 0 },
	{ 0x0000076c, REG_TEST_IVAL_4, 0 },
	{ 0x000007d0, REG_TEST_VAL_4, 0 },
	{ 0x00000834, REG_MAX_DESIGNED_POWER, 0 },
	{ 0x00000898, REG_OUTPUT_POWER, 0 },
	{ 0x000008fc, REG_DAILY_GENERATION, 0 },
	{ 0x00000960, REG_TOTAL_GENERATION, 0 },
	{ 0x000009c4, REG_TEST_IVAL_5, 0 },
	{ 0x00000a28, REG_TEST_VAL_10, 0 },
	{ 0x00000a8c, REG_TEST_VAL_11, 0 },
	{ 0x00000af0, REG_TEST_IVAL_6, 0 },
	{ 0x00001324, REG_PV1_VOLTAGE, 0 },
	{ 0x00001388, REG_PV1_CURRENT, 0 },
	{ 0x000013ec, REG_PV1_POWER, 0 },
	{ 0x00001450, REG_TEST_VAL_5, 0 },
	{ 0x000015e0, REG_PV2_VOLTAGE, 0 },
	{ 0x00001644, REG_PV2_CURRENT, 0 },
	{ 0x000016a8, REG_PV2_POWER, 0 },
	{ 0x0000170c, REG_TEST_VAL_6, 0 },
	{ 0x0000189c, REG_PV3_VOLTAGE, 0 },
	{ 0x00001900, REG_PV3_CURRENT, 0 },
	{ 0x00001964, REG_PV3_POWER, 0 },
	{ 0x000019c8, REG_TEST_VAL_7, 0 },
	{ 0x00001c20, REG_TEST_VAL_14, 0 },
	{ 0x00001c84, REG_TEST_VAL_15, 0 },
	{ 0x00001ce8, REG_TEST_VAL_16, 0 },
	{ 0x00001d4c, REG_TEST_VAL_17, 0 },
	{ 0x00001db0, REG_TEST_VAL_18, 0 },
	{ 0x00001e14, REG_TEST_IVAL_8, 0 },
	{ 0x00001e78, REG_PV4_VOLTAGE, 0 },
	{ 0x00001edc, REG_PV4_CURRENT, 0 },
	{ 0x00001f40, REG_PV4_POWER, 0 },
	{ 0x00001fa4, REG_TEST_VAL_8, 0 },
	{ 0x000020c9, REG_TEST_IVAL_9, 0 },
	{ 0x000020db, REG_TEST_IVAL_10, 0 },
	{ 0x00002134, REG_PV5_VOLTAGE, 0 },
	{ 0x00002198, REG_PV5_CURRENT, 0 },
	{ 0x000021fc, REG_PV5_POWER, 0 },
	{ 0x000023f0, REG_PV6_VOLTAGE, 0 },
	{ 0x00002454, REG_PV6_CURRENT, 0 },
	{ 0x000024b8, REG_PV6_POWER, 0 },
	{ 0x00002774, REG_TEST_VAL_24, 0 },
	{ 0x000027d8, REG_TEST_VAL_25, 0 },
	{ 0x0000283c, REG_TEST_VAL_26, 0 },
	{ 0x000028a0, REG_TEST_VAL_27, 0 },
	{ 0x00002904, REG_TEST_VAL_28, 0 },
	{ 0x00002968, REG_TEST_IVAL_11, 0 },
	{ 0x000029cc, REG_TEST_IVAL_12, 0 },
	{ 0, REG_NONE, 0 }
};

const struct g3_info *
g3_info_map(uint32_t data_id)
{
	switch (data_id) {
	case DATA_ID_COLLECTOR:
		return map_collector;
	case DATA_ID_INV_0001:
		return map_inv_0001;
	case DATA_ID_INV_0000:
		return map_inv_0000;
	}
	/*
	 * The original's fallback map holds only the proxy counters and
	 * Polling_Interval, which no logger sends: nothing is decoded.
	 */
	return NULL;
}

/*
 * info id -> map entry: an open-addressed hash per map, built on first
 * use; the first entry of an id wins, as with the linear search.
 */
#define INFO_HASH	256

struct g3_infoidx {
	const struct g3_info	*map;
	uint8_t			 slot[INFO_HASH];	/* entry + 1, 0: empty */
};

static unsigned int
info_hash(uint32_t id)
{
	return (id * 2654435761u) >> 24;
}

const struct g3_info *
g3_info_find(const struct g3_info *map, uint32_t id)
{
	static struct g3_infoidx	 idx[4];
	struct g3_infoidx		*x = NULL;
	const struct g3_info		*m;
	unsigned int			 h, i, k;

	if (map == NULL)
		return NULL;
	for (i = 0; i < 4; i++) {
		if (idx[i].map == map) {
			x = &idx[i];
			break;
		}
		if (idx[i].map != NULL)
			continue;
		/* build it, at most half full */
		for (k = 0; map[k].reg != REG_NONE; k++)
			;
		if (k > INFO_HASH / 2)
			break;
		x = &idx[i];
		x->map = map;
		for (k = 0; map[k].reg != REG_NONE; k++) {
			for (h = info_hash(map[k].id); x->slot[h] != 0;
			    h = (h + 1) % INFO_HASH)
				if (map[x->slot[h] - 1].id == map[k].id)
					break;
			if (x->slot[h] == 0)
				x->slot[h] = k + 1;
		}
		break;
	}
	if (x == NULL) {
		/* not one of ours, or too big: search it */
		for (m = map; m->reg != REG_NONE; m++)
			if (m->id == id)
				return m;
		return NULL;
	}
	for (h = info_hash(id); x->slot[h] != 0; h = (h + 1) % INFO_HASH)
		if (map[x->slot[h] - 1].id == id)
			return &map[x->slot[h] - 1];
	return NULL;
}
