/*
 * The one register table: every value tsun-proxyd stores and tsun-mqttd
 * publishes, with its place in the MQTT JSON and its Home Assistant
 * metadata.
 *
 * The table itself lives in common/registers.c.
 *
 * Names are REG_ + the original's Register enum names (infos.py).  Parsers
 * map protocol fields to these ids; mqttd builds the JSON groups and the
 * discovery messages from the table alone.
 *
 * TEST_REG1/TEST_REG2 of the original have no definition (never stored)
 * and therefore no id: map them to REG_NONE.
 */
#ifndef TSUN_REGISTERS_H
#define TSUN_REGISTERS_H

#include <stdint.h>

enum reg_id {
	REG_NONE = 0,

	/* proxy device; the first 14 are published from start, in this order */
	REG_INVERTER_CNT,
	REG_CLOUD_CONN_CNT,
	REG_UNKNOWN_SNR,
	REG_UNKNOWN_MSG,
	REG_INVALID_DATA_TYPE,
	REG_INTERNAL_ERROR,
	REG_UNKNOWN_CTRL,
	REG_OTA_START_MSG,
	REG_SW_EXCEPTION,
	REG_INVALID_MSG_FMT,
	REG_AT_COMMAND,
	REG_AT_COMMAND_BLOCKED,
	REG_DCU_COMMAND,
	REG_MODBUS_COMMAND,
	/* appended on first use, never announced */
	REG_SERVER_MODE_CNT,
	REG_CLIENT_MODE_CNT,
	REG_PROXY_MODE_CNT,
	REG_EMU_MODE_CNT,

	/* collector */
	REG_COLLECTOR_FW_VERSION,
	REG_CHIP_TYPE,
	REG_CHIP_MODEL,
	REG_TRACE_URL,
	REG_LOGGER_URL,
	REG_MAC_ADDR,
	REG_COLLECTOR_SNR,		/* collector.Serial_Number */

	/* controller */
	REG_COMMUNICATION_TYPE,
	REG_SIGNAL_STRENGTH,
	REG_POWER_ON_TIME,
	REG_COLLECT_INTERVAL,
	REG_DATA_UP_INTERVAL,
	REG_CONNECT_COUNT,
	REG_HEARTBEAT_INTERVAL,
	REG_IP_ADDRESS,
	REG_POLLING_INTERVAL,
	REG_SENSOR_LIST,
	REG_SSID,			/* controller.WiFi_SSID */

	/* inverter */
	REG_PRODUCT_NAME,
	REG_MANUFACTURER,
	REG_VERSION,
	REG_SERIAL_NUMBER,
	REG_EQUIPMENT_MODEL,
	REG_NO_INPUTS,
	REG_MAX_DESIGNED_POWER,
	REG_RATED_POWER,
	REG_WORK_MODE,
	REG_INPUT_COEFFICIENT,
	REG_OUTPUT_COEFFICIENT,
	REG_PROD_COMPL_TYPE,		/* inverter.Country */
	REG_PROT_VERSION,
	REG_INSULATION_IMP_RX,
	REG_INSULATION_IMP_RY,
	REG_BOOT_STATUS,
	REG_DSP_STATUS,
	REG_PV1_MANUFACTURER,
	REG_PV1_MODEL,
	REG_PV2_MANUFACTURER,
	REG_PV2_MODEL,
	REG_PV3_MANUFACTURER,
	REG_PV3_MODEL,
	REG_PV4_MANUFACTURER,
	REG_PV4_MODEL,
	REG_PV5_MANUFACTURER,
	REG_PV5_MODEL,
	REG_PV6_MANUFACTURER,
	REG_PV6_MODEL,

	/* other, inv_unknown */
	REG_OUTPUT_SHUTDOWN,
	REG_RATED_LEVEL,
	REG_GRID_VOLT_CAL_COEF,
	REG_INV_UNKNOWN_1,

	/* env */
	REG_INVERTER_STATUS,
	REG_INVERTER_TEMP,
	REG_DETECT_STATUS_1,
	REG_DETECT_STATUS_2,

	/* events */
	REG_EVENT_ALARM,
	REG_EVENT_FAULT,
	REG_EVENT_BF1,
	REG_EVENT_BF2,

	/* grid */
	REG_TS_GRID,			/* grid.Timestamp */
	REG_GRID_VOLTAGE,
	REG_GRID_CURRENT,
	REG_GRID_FREQUENCY,
	REG_OUTPUT_POWER,

	/* input */
	REG_TS_INPUT,			/* input.Timestamp */
	REG_PV1_VOLTAGE,
	REG_PV1_CURRENT,
	REG_PV1_POWER,
	REG_PV1_DAILY_GENERATION,
	REG_PV1_TOTAL_GENERATION,
	REG_PV2_VOLTAGE,
	REG_PV2_CURRENT,
	REG_PV2_POWER,
	REG_PV2_DAILY_GENERATION,
	REG_PV2_TOTAL_GENERATION,
	REG_PV3_VOLTAGE,
	REG_PV3_CURRENT,
	REG_PV3_POWER,
	REG_PV3_DAILY_GENERATION,
	REG_PV3_TOTAL_GENERATION,
	REG_PV4_VOLTAGE,
	REG_PV4_CURRENT,
	REG_PV4_POWER,
	REG_PV4_DAILY_GENERATION,
	REG_PV4_TOTAL_GENERATION,
	REG_PV5_VOLTAGE,
	REG_PV5_CURRENT,
	REG_PV5_POWER,
	REG_PV5_DAILY_GENERATION,
	REG_PV5_TOTAL_GENERATION,
	REG_PV6_VOLTAGE,
	REG_PV6_CURRENT,
	REG_PV6_POWER,
	REG_PV6_DAILY_GENERATION,
	REG_PV6_TOTAL_GENERATION,
	/* input.Val_n / input.iVal_n: unidentified values */
	REG_TEST_VAL_0, REG_TEST_VAL_1, REG_TEST_VAL_2, REG_TEST_VAL_3,
	REG_TEST_VAL_4, REG_TEST_VAL_5, REG_TEST_VAL_6, REG_TEST_VAL_7,
	REG_TEST_VAL_8, REG_TEST_VAL_9, REG_TEST_VAL_10, REG_TEST_VAL_11,
	REG_TEST_VAL_12, REG_TEST_VAL_13, REG_TEST_VAL_14, REG_TEST_VAL_15,
	REG_TEST_VAL_16, REG_TEST_VAL_17, REG_TEST_VAL_18, REG_TEST_VAL_19,
	REG_TEST_VAL_20, REG_TEST_VAL_21, REG_TEST_VAL_22, REG_TEST_VAL_23,
	REG_TEST_VAL_24, REG_TEST_VAL_25, REG_TEST_VAL_26, REG_TEST_VAL_27,
	REG_TEST_VAL_28, REG_TEST_VAL_29, REG_TEST_VAL_30, REG_TEST_VAL_31,
	REG_TEST_VAL_32,
	REG_TEST_IVAL_1, REG_TEST_IVAL_2, REG_TEST_IVAL_3, REG_TEST_IVAL_4,
	REG_TEST_IVAL_5, REG_TEST_IVAL_6, REG_TEST_IVAL_7, REG_TEST_IVAL_8,
	REG_TEST_IVAL_9, REG_TEST_IVAL_10, REG_TEST_IVAL_11, REG_TEST_IVAL_12,

	/* total */
	REG_TS_TOTAL,			/* total.Timestamp */
	REG_DAILY_GENERATION,
	REG_TOTAL_GENERATION,

	/* batterie (DC1000, sensor list 0x3026) */
	REG_BATT_PV1_VOLT,
	REG_BATT_PV1_CUR,
	REG_BATT_PV2_VOLT,
	REG_BATT_PV2_CUR,
	REG_BATT_TOTAL_CHARG,
	REG_BATT_PV1_STATUS,
	REG_BATT_PV2_STATUS,
	REG_BATT_VOLT,
	REG_BATT_CUR,
	REG_BATT_SOC,
	REG_BATT_CELL1_VOLT, REG_BATT_CELL2_VOLT, REG_BATT_CELL3_VOLT,
	REG_BATT_CELL4_VOLT, REG_BATT_CELL5_VOLT, REG_BATT_CELL6_VOLT,
	REG_BATT_CELL7_VOLT, REG_BATT_CELL8_VOLT, REG_BATT_CELL9_VOLT,
	REG_BATT_CELL10_VOLT, REG_BATT_CELL11_VOLT, REG_BATT_CELL12_VOLT,
	REG_BATT_CELL13_VOLT, REG_BATT_CELL14_VOLT, REG_BATT_CELL15_VOLT,
	REG_BATT_CELL16_VOLT,
	REG_BATT_TEMP_1,
	REG_BATT_TEMP_2,
	REG_BATT_TEMP_3,
	REG_BATT_OUT_VOLT,
	REG_BATT_OUT_CUR,
	REG_BATT_OUT_STATUS,
	REG_BATT_TEMP_4,		/* batterie.Controller_Temp */
	REG_BATT_ALARM,
	REG_BATT_HW_VERS,
	REG_BATT_SW_VERS,
	/* calculated (T5) */
	REG_BATT_PV_PWR,
	REG_BATT_PWR,
	REG_BATT_OUT_PWR,
	REG_BATT_PWR_SUPL_STATE,
	REG_BATT_STATUS,
	/* tsun-mqttd's: the dcu_power the battery confirmed */
	REG_BATT_OUT_POWER_SET,

	REG_MAX
};

/* value kind as the protocols deliver it (REGK_NUM: int or float) */
#define REGK_INT	1
#define REGK_FLOAT	2
#define REGK_STR	3

/* flags */
#define REGF_MUST_INCR	0x01	/* store only if larger; first 0 not stored */
#define REGF_DAILY	0x02	/* published as 0 by the midnight job */
#define REGF_TIMESTAMP	0x04	/* the group's "Timestamp" key */
#define REGF_SERVER_ONLY 0x08	/* GEN3PLUS client mode: publish "{}" config */
#define REGF_COUNTER	0x10	/* proxy counter, 0 from start on */
#define REGF_MODE_CNT	0x20	/* proxy counter added on first use, no HA */
#define REGF_HA_DISABLED 0x40	/* marked disabled upstream, never emitted */
#define REGF_IF_PRESENT	0x80	/* announced only once a value is known */

/*
 * Announcement mask: which device maps (family and sensor list) the
 * entity belongs to.  An entity is announced for a device when
 * (def->ann & reg_ann_mask(kind, sensor_list)) != 0 and, for an
 * "input_pvN" ha_dev, inverter.No_Inputs >= def->ha_pv.
 */
#define REGA_PROXY	0x0001	/* the proxy device */
#define REGA_G3		0x0002	/* GEN3, always (collector data) */
#define REGA_G3_0001	0x0004	/* GEN3, data_id 0x01900001 */
#define REGA_G3_0000	0x0008	/* GEN3, data_id 0x01900000 */
#define REGA_G3_OTHER	0x0010	/* GEN3, any other data_id (fallback map) */
#define REGA_G3P	0x0020	/* GEN3PLUS and battery, always (T1) */
#define REGA_G3P_02B0	0x0040	/* sensor list 0x02b0 (T2) */
#define REGA_G3P_1097	0x0080	/* sensor list 0x1097 (T3) */
#define REGA_G3P_3026	0x0100	/* sensor list 0x3026 (T4 + T5) */

/* GEN3PLUS sensor lists: which data layout a device sends */
#define G3P_SL_MS	0x02b0	/* MS series */
#define G3P_SL_MX	0x1097	/* MX3000D / Titan */
#define G3P_SL_DCU	0x3026	/* DC1000 battery */

struct reg_def {
	const char	*name;		/* "SIGNAL_STRENGTH" */
	const char	*group;		/* JSON group / topic: "controller" */
	const char	*sub;		/* nested object "pv1", "out" ... or NULL */
	const char	*key;		/* "Signal_Strength" */
	uint8_t		 kind;		/* REGK_* */
	uint8_t		 flags;		/* REGF_* */
	const char	*unit;		/* UTF-8 ("°C"), "" if none */

	/* Home Assistant; ha_dev NULL: not announced */
	uint16_t	 ann;		/* REGA_* */
	uint8_t		 ha_pv;		/* input_pvN device: N, else 0 */
	const char	*ha_dev;	/* "proxy", "controller", "inverter",
					   "input_pv1".."input_pv6", "batterie",
					   "bat_inp_pv1", "bat_inp_pv2" */
	const char	*ha_id;		/* unique id prefix "signal_" */
	const char	*ha_name;	/* NULL: use key */
	const char	*dev_cla;	/* NULL: JSON null */
	const char	*stat_cla;	/* NULL: JSON null (and no unit_of_meas) */
	const char	*icon;		/* NULL: no "ic" */
	const char	*ent_cat;	/* NULL: no "ent_cat" */
	const char	*fmt;		/* "| int" ... for the generated template */
	const char	*val_tpl;	/* custom template verbatim, NULL: generate
					   "{{value_json['<key>'] <fmt>}}" */
	/* a bit field: the names of bit0..bit15, and what 0 shows */
	const char *const *bits;
	const char	*bits_zero;
};

const struct reg_def	*reg_get(enum reg_id);	/* NULL if out of range */
enum reg_id		 reg_by_name(const char *);	/* REG_NONE if unknown */
/* by JSON path (sub NULL for a flat key); REG_NONE if unknown */
enum reg_id		 reg_by_path(const char *group, const char *sub,
			    const char *key);
/* the REGA_* bits for a device: kind enum dev_kind (0 = proxy) */
uint16_t		 reg_ann_mask(int kind, uint32_t sensor_list);

#endif
