/*
 * The register table.  Home Assistant templates are those of the
 * original's infos.py, except where it shows wrong values: the bit fields
 * are named here and their templates built by mqttd with masks
 * (0x0001 for bit0 ... 0x8000 for bit15, where the original tests the bit
 * numbers 1..16), the Input_Coefficient template tests its own key, the
 * designed power shows n/a for the signed -1 (0xffff) too.  Those for
 * Country and the battery enums follow the pattern of the original with
 * the lists of mqtt-homeassistant.md 2.4.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/conf.h"
#include "common/registers.h"

/* the names of the bits of the bit fields, bit0 first (spec 2.4) */
static const char *const inv_alarm_bits[16] = {
	"HBridgeFault", "DriVoltageFault", "GFDI-Fault", "OverTemp",
	"CommLose", "Bit6", "Bit7", "EEPROM-Fault", "NoUtility",
	"VG_Offset", "Relais_Open", "Relais_Short",
	"GridVoltOverRating", "GridVoltUnderRating",
	"GridFreqOverRating", "GridFreqUnderRating",
};
static const char *const inv_fault_bits[16] = {
	"PVOV-Fault (PV OverVolt)", "PVLV-Fault (PV LowVolt)",
	"PV OI-Fault (PV OverCurrent)", "PV OFV-Fault",
	"DC ShortCircuitFault", "Bit6", "Bit7", "Bit8", "Bit9",
	"Bit10", "Bit11", "Bit12", "Bit13", "Bit14", "Bit15", "Bit16",
};
static const char *const batt_alarm_bits[16] = {
	"PV1-OverVoltage", "PV2-OverVoltage", "EquipmentOverheating",
	"EquipmentLowTemp", "BMS-CommFailed", "UnderVoltageProt",
	"ChargingHighTemp", "ChargingLowTemp", "DischargeHighTemp",
	"DischargeLowTemp", "BatterieOverVoltage",
	"SingleCorePressureDifferenceIsTooLarge", "Bit-12", "Bit-13",
	"Bit-14", "Bit-15",
};

/*
 * The Val_n/iVal_n values are unidentified: no device class, since the
 * original's "power" without a unit is a configuration Home Assistant
 * rejects.
 */
static const struct reg_def reg_table[REG_MAX] = {
	[REG_INVERTER_CNT] = {
		.name = "INVERTER_CNT", .group = "proxy", .sub = NULL, .key = "Inverter_Cnt",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "inv_count_", .ha_name = "Active Inverter Connections",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_CLOUD_CONN_CNT] = {
		.name = "CLOUD_CONN_CNT", .group = "proxy", .sub = NULL, .key = "Cloud_Conn_Cnt",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "cloud_conn_count_", .ha_name = "Active Cloud Connections",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_UNKNOWN_SNR] = {
		.name = "UNKNOWN_SNR", .group = "proxy", .sub = NULL, .key = "Unknown_SNR",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "unknown_snr_", .ha_name = "Unknown Serial No",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_UNKNOWN_MSG] = {
		.name = "UNKNOWN_MSG", .group = "proxy", .sub = NULL, .key = "Unknown_Msg",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "unknown_msg_", .ha_name = "Unknown Msg Type",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_INVALID_DATA_TYPE] = {
		.name = "INVALID_DATA_TYPE", .group = "proxy", .sub = NULL, .key = "Invalid_Data_Type",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "inv_data_type_", .ha_name = "Invalid Data Type",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_INTERNAL_ERROR] = {
		.name = "INTERNAL_ERROR", .group = "proxy", .sub = NULL, .key = "Internal_Error",
		.kind = REGK_INT, .flags = REGF_COUNTER | REGF_HA_DISABLED, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "intern_err_", .ha_name = "Internal Error",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_UNKNOWN_CTRL] = {
		.name = "UNKNOWN_CTRL", .group = "proxy", .sub = NULL, .key = "Unknown_Ctrl",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "unknown_ctrl_", .ha_name = "Unknown Control Type",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_OTA_START_MSG] = {
		.name = "OTA_START_MSG", .group = "proxy", .sub = NULL, .key = "OTA_Start_Msg",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "ota_start_cmd_", .ha_name = "OTA Start Cmd",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_SW_EXCEPTION] = {
		.name = "SW_EXCEPTION", .group = "proxy", .sub = NULL, .key = "SW_Exception",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "sw_exception_", .ha_name = "Internal SW Exception",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_INVALID_MSG_FMT] = {
		.name = "INVALID_MSG_FMT", .group = "proxy", .sub = NULL, .key = "Invalid_Msg_Format",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "inv_msg_fmt_", .ha_name = "Invalid Message Format",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_AT_COMMAND] = {
		.name = "AT_COMMAND", .group = "proxy", .sub = NULL, .key = "AT_Command",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "at_cmd_", .ha_name = "AT Command",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_AT_COMMAND_BLOCKED] = {
		.name = "AT_COMMAND_BLOCKED", .group = "proxy", .sub = NULL, .key = "AT_Command_Blocked",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "at_cmd_blocked_", .ha_name = "AT Command Blocked",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_DCU_COMMAND] = {
		.name = "DCU_COMMAND", .group = "proxy", .sub = NULL, .key = "DCU_Command",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "dcu_cmd_", .ha_name = "DCU Command",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_MODBUS_COMMAND] = {
		.name = "MODBUS_COMMAND", .group = "proxy", .sub = NULL, .key = "Modbus_Command",
		.kind = REGK_INT, .flags = REGF_COUNTER, .unit = "",
		.ann = REGA_PROXY, .ha_pv = 0, .ha_dev = "proxy",
		.ha_id = "modbus_cmd_", .ha_name = "Modbus Command",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_SERVER_MODE_CNT] = {
		.name = "SERVER_MODE_CNT", .group = "proxy", .sub = NULL, .key = "ServerMode_Cnt",
		.kind = REGK_INT, .flags = REGF_MODE_CNT, .unit = ""
	},
	[REG_CLIENT_MODE_CNT] = {
		.name = "CLIENT_MODE_CNT", .group = "proxy", .sub = NULL, .key = "ClientMode_Cnt",
		.kind = REGK_INT, .flags = REGF_MODE_CNT, .unit = ""
	},
	[REG_PROXY_MODE_CNT] = {
		.name = "PROXY_MODE_CNT", .group = "proxy", .sub = NULL, .key = "ProxyMode_Cnt",
		.kind = REGK_INT, .flags = REGF_MODE_CNT, .unit = ""
	},
	[REG_EMU_MODE_CNT] = {
		.name = "EMU_MODE_CNT", .group = "proxy", .sub = NULL, .key = "EmuMode_Cnt",
		.kind = REGK_INT, .flags = REGF_MODE_CNT, .unit = ""
	},
	[REG_COLLECTOR_FW_VERSION] = {
		.name = "COLLECTOR_FW_VERSION", .group = "collector", .sub = NULL, .key = "Collector_Fw_Version",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_CHIP_TYPE] = {
		.name = "CHIP_TYPE", .group = "collector", .sub = NULL, .key = "Chip_Type",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_CHIP_MODEL] = {
		.name = "CHIP_MODEL", .group = "collector", .sub = NULL, .key = "Chip_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_TRACE_URL] = {
		.name = "TRACE_URL", .group = "collector", .sub = NULL, .key = "Trace_URL",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_LOGGER_URL] = {
		.name = "LOGGER_URL", .group = "collector", .sub = NULL, .key = "Logger_URL",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_MAC_ADDR] = {
		.name = "MAC_ADDR", .group = "collector", .sub = NULL, .key = "MAC-Addr",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_COLLECTOR_SNR] = {
		.name = "COLLECTOR_SNR", .group = "collector", .sub = NULL, .key = "Serial_Number",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_COMMUNICATION_TYPE] = {
		.name = "COMMUNICATION_TYPE", .group = "controller", .sub = NULL, .key = "Communication_Type",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "comm_type_", .ha_name = "Communication Type",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:wifi", .ent_cat = NULL,
		.val_tpl = "{%set com_types = ['n/a','Wi-Fi', 'G4', 'G5', 'GPRS'] %}{{com_types[value_json['Communication_Type']|int(0)]|default(value_json['Communication_Type'])}}"
	},
	[REG_SIGNAL_STRENGTH] = {
		.name = "SIGNAL_STRENGTH", .group = "controller", .sub = NULL, .key = "Signal_Strength",
		.kind = REGK_INT, .flags = REGF_SERVER_ONLY, .unit = "%",
		.ann = REGA_G3 | REGA_G3P, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "signal_", .ha_name = "Signal Strength",
		.dev_cla = NULL, .stat_cla = "measurement", .icon = "mdi:wifi", .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_POWER_ON_TIME] = {
		.name = "POWER_ON_TIME", .group = "controller", .sub = NULL, .key = "Power_On_Time",
		.kind = REGK_INT, .flags = REGF_SERVER_ONLY, .unit = "s",
		.ann = REGA_G3 | REGA_G3P_02B0 | REGA_G3P_1097 | REGA_G3P_3026, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "power_on_time_", .ha_name = "Power on Time",
		.dev_cla = "duration", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_COLLECT_INTERVAL] = {
		.name = "COLLECT_INTERVAL", .group = "controller", .sub = NULL, .key = "Collect_Interval",
		.kind = REGK_INT, .flags = REGF_SERVER_ONLY, .unit = "min",
		.ann = REGA_G3 | REGA_G3P, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "data_collect_intval_", .ha_name = "Data Collect Interval",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:update", .ent_cat = "diagnostic",
		.fmt = "| string + \" min\""
	},
	[REG_DATA_UP_INTERVAL] = {
		.name = "DATA_UP_INTERVAL", .group = "controller", .sub = NULL, .key = "Data_Up_Interval",
		.kind = REGK_INT, .flags = REGF_SERVER_ONLY, .unit = "s",
		.ann = REGA_G3 | REGA_G3P, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "data_up_intval_", .ha_name = "Data Up Interval",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:update", .ent_cat = "diagnostic",
		.fmt = "| string + \" s\""
	},
	[REG_CONNECT_COUNT] = {
		.name = "CONNECT_COUNT", .group = "controller", .sub = NULL, .key = "Connect_Count",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "connect_count_", .ha_name = "Connect Count",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:counter", .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_HEARTBEAT_INTERVAL] = {
		.name = "HEARTBEAT_INTERVAL", .group = "controller", .sub = NULL, .key = "Heartbeat_Interval",
		.kind = REGK_INT, .flags = 0, .unit = "s",
		.ann = REGA_G3P, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "heartbeat_intval_", .ha_name = "Heartbeat Interval",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:update", .ent_cat = "diagnostic",
		.fmt = "| string + \" s\""
	},
	[REG_IP_ADDRESS] = {
		.name = "IP_ADDRESS", .group = "controller", .sub = NULL, .key = "IP_Address",
		.kind = REGK_STR, .flags = 0, .unit = "",
		.ann = REGA_G3P, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "ip_address_", .ha_name = "IP Address",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:wifi", .ent_cat = "diagnostic",
		.fmt = "| string"
	},
	[REG_POLLING_INTERVAL] = {
		.name = "POLLING_INTERVAL", .group = "controller", .sub = NULL, .key = "Polling_Interval",
		.kind = REGK_INT, .flags = REGF_IF_PRESENT, .unit = "s",
		.ann = REGA_G3_OTHER | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "controller",
		.ha_id = "polling_intval_", .ha_name = "Polling Interval",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:update", .ent_cat = "diagnostic",
		.fmt = "| string + \" s\""
	},
	[REG_SENSOR_LIST] = {
		.name = "SENSOR_LIST", .group = "controller", .sub = NULL, .key = "Sensor_List",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_SSID] = {
		.name = "SSID", .group = "controller", .sub = NULL, .key = "WiFi_SSID",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PRODUCT_NAME] = {
		.name = "PRODUCT_NAME", .group = "inverter", .sub = NULL, .key = "Product_Name",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_MANUFACTURER] = {
		.name = "MANUFACTURER", .group = "inverter", .sub = NULL, .key = "Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_VERSION] = {
		.name = "VERSION", .group = "inverter", .sub = NULL, .key = "Version",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_SERIAL_NUMBER] = {
		.name = "SERIAL_NUMBER", .group = "inverter", .sub = NULL, .key = "Serial_Number",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_EQUIPMENT_MODEL] = {
		.name = "EQUIPMENT_MODEL", .group = "inverter", .sub = NULL, .key = "Equipment_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_NO_INPUTS] = {
		.name = "NO_INPUTS", .group = "inverter", .sub = NULL, .key = "No_Inputs",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_MAX_DESIGNED_POWER] = {
		.name = "MAX_DESIGNED_POWER", .group = "inverter", .sub = NULL, .key = "Max_Designed_Power",
		.kind = REGK_INT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "designed_power_", .ha_name = "Max Designed Power",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:lightning-bolt", .ent_cat = "diagnostic",
		.val_tpl = "\n"
		    "{% if 'Max_Designed_Power' in value_json and\n"
		    "      value_json['Max_Designed_Power'] != None %}\n"
		    "  {% if 0 <= (value_json['Max_Designed_Power'] | int(-1)) < 0x8000 %}\n"
		    "    {{value_json['Max_Designed_Power']|string() +' W'}}\n"
		    "  {% else %}\n"
		    "    n/a\n"
		    "  {% endif %}\n"
		    "{% else %}\n"
		    "  {{ this.state }}\n"
		    "{% endif %}\n"
	},
	[REG_RATED_POWER] = {
		.name = "RATED_POWER", .group = "inverter", .sub = NULL, .key = "Rated_Power",
		.kind = REGK_INT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "rated_power_", .ha_name = "Rated Power",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:lightning-bolt", .ent_cat = "diagnostic",
		.val_tpl = "{% if 'Rated_Power' in value_json and value_json['Rated_Power'] != None %}{{value_json['Rated_Power']|string() +' W'}}{% else %}{{ this.state }}{% endif %}"
	},
	[REG_WORK_MODE] = {
		.name = "WORK_MODE", .group = "inverter", .sub = NULL, .key = "Work_Mode",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "work_mode_", .ha_name = "Work Mode",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = "diagnostic",
		.val_tpl = "{%set mode = ['Normal-Mode', 'Aging-Mode', 'ATE-Mode', 'Shielding GFDI', 'DTU-Mode'] %}{{mode[value_json['Work_Mode']|int(0)]|default(value_json['Work_Mode'])}}"
	},
	[REG_INPUT_COEFFICIENT] = {
		.name = "INPUT_COEFFICIENT", .group = "inverter", .sub = NULL, .key = "Input_Coefficient",
		.kind = REGK_FLOAT, .flags = 0, .unit = "%",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "input_coef_", .ha_name = "Input Coefficient",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:lightning-bolt", .ent_cat = "diagnostic",
		.val_tpl = "{% if 'Input_Coefficient' in value_json and value_json['Input_Coefficient'] != None %}{{value_json['Input_Coefficient']|string() +' %'}}{% else %}{{ this.state }}{% endif %}"
	},
	[REG_OUTPUT_COEFFICIENT] = {
		.name = "OUTPUT_COEFFICIENT", .group = "inverter", .sub = NULL, .key = "Output_Coefficient",
		.kind = REGK_FLOAT, .flags = 0, .unit = "%",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "output_coef_", .ha_name = "Output Coefficient",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:lightning-bolt", .ent_cat = "diagnostic",
		.val_tpl = "{% if 'Output_Coefficient' in value_json and value_json['Output_Coefficient'] != None %}{{value_json['Output_Coefficient']|string() +' %'}}{% else %}{{ this.state }}{% endif %}"
	},
	[REG_PROD_COMPL_TYPE] = {
		.name = "PROD_COMPL_TYPE", .group = "inverter", .sub = NULL, .key = "Country",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "country_", .ha_name = "Country",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:earth", .ent_cat = "diagnostic",
		.val_tpl = "{%set country = ['Testing', 'Brazil', 'German', 'Netherland', 'Irland', 'Italy', 'Poland', 'Belgium', 'France', 'Austria', 'Spain', 'VDE 0126', 'Australia', 'Thailand MEA', 'Thailand PEA', 'South Afrika', 'UK'] %}{{country[value_json['Country']|int(0)]|default(value_json['Country'])}}"
	},
	[REG_PROT_VERSION] = {
		.name = "PROT_VERSION", .group = "inverter", .sub = NULL, .key = "PROT_Version",
		.kind = REGK_STR, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "prot_version_", .ha_name = "Protocol Version",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:information-variant", .ent_cat = "diagnostic",
		.fmt = "| string"
	},
	[REG_INSULATION_IMP_RX] = {
		.name = "INSULATION_IMP_RX", .group = "inverter", .sub = NULL, .key = "INSULATION_IMP_RX",
		.kind = REGK_FLOAT, .flags = 0, .unit = "M\316\251",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "imp_rx_", .ha_name = "Insulation Impendance RX",
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| float"
	},
	[REG_INSULATION_IMP_RY] = {
		.name = "INSULATION_IMP_RY", .group = "inverter", .sub = NULL, .key = "INSULATION_IMP_RY",
		.kind = REGK_FLOAT, .flags = 0, .unit = "M\316\251",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "imp_ry_", .ha_name = "Insulation Impendance RY",
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| float"
	},
	[REG_BOOT_STATUS] = {
		.name = "BOOT_STATUS", .group = "inverter", .sub = NULL, .key = "BOOT_STATUS",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_DSP_STATUS] = {
		.name = "DSP_STATUS", .group = "inverter", .sub = NULL, .key = "DSP_STATUS",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_PV1_MANUFACTURER] = {
		.name = "PV1_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV1_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV1_MODEL] = {
		.name = "PV1_MODEL", .group = "inverter", .sub = NULL, .key = "PV1_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV2_MANUFACTURER] = {
		.name = "PV2_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV2_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV2_MODEL] = {
		.name = "PV2_MODEL", .group = "inverter", .sub = NULL, .key = "PV2_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV3_MANUFACTURER] = {
		.name = "PV3_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV3_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV3_MODEL] = {
		.name = "PV3_MODEL", .group = "inverter", .sub = NULL, .key = "PV3_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV4_MANUFACTURER] = {
		.name = "PV4_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV4_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV4_MODEL] = {
		.name = "PV4_MODEL", .group = "inverter", .sub = NULL, .key = "PV4_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV5_MANUFACTURER] = {
		.name = "PV5_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV5_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV5_MODEL] = {
		.name = "PV5_MODEL", .group = "inverter", .sub = NULL, .key = "PV5_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV6_MANUFACTURER] = {
		.name = "PV6_MANUFACTURER", .group = "inverter", .sub = NULL, .key = "PV6_Manufacturer",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_PV6_MODEL] = {
		.name = "PV6_MODEL", .group = "inverter", .sub = NULL, .key = "PV6_Model",
		.kind = REGK_STR, .flags = 0, .unit = ""
	},
	[REG_OUTPUT_SHUTDOWN] = {
		.name = "OUTPUT_SHUTDOWN", .group = "other", .sub = NULL, .key = "Output_Shutdown",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_RATED_LEVEL] = {
		.name = "RATED_LEVEL", .group = "other", .sub = NULL, .key = "Rated_Level",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_GRID_VOLT_CAL_COEF] = {
		.name = "GRID_VOLT_CAL_COEF", .group = "other", .sub = NULL, .key = "Grid_Volt_Cal_Coef",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_INV_UNKNOWN_1] = {
		.name = "INV_UNKNOWN_1", .group = "inv_unknown", .sub = NULL, .key = "Unknown_1",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_INVERTER_STATUS] = {
		.name = "INVERTER_STATUS", .group = "env", .sub = NULL, .key = "Inverter_Status",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "inv_status_", .ha_name = "Inverter Status",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set inv_status = ['Off-line', 'On-grid', 'Off-grid'] %}{{inv_status[value_json['Inverter_Status']|int(0)]|default(value_json['Inverter_Status'])}}"
	},
	[REG_INVERTER_TEMP] = {
		.name = "INVERTER_TEMP", .group = "env", .sub = NULL, .key = "Inverter_Temp",
		.kind = REGK_INT, .flags = 0, .unit = "\302\260C",
		.ann = REGA_G3_0001 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "temp_", .ha_name = "Temperature",
		.dev_cla = "temperature", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_DETECT_STATUS_1] = {
		.name = "DETECT_STATUS_1", .group = "env", .sub = NULL, .key = "Detect_Status_1",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_DETECT_STATUS_2] = {
		.name = "DETECT_STATUS_2", .group = "env", .sub = NULL, .key = "Detect_Status_2",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_EVENT_ALARM] = {
		.name = "EVENT_ALARM", .group = "events", .sub = NULL, .key = "Inverter_Alarm",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "inv_alarm_", .ha_name = "Inverter Alarm",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:alarm-light", .ent_cat = NULL,
		.bits = inv_alarm_bits, .bits_zero = "noAlarm"
	},
	[REG_EVENT_FAULT] = {
		.name = "EVENT_FAULT", .group = "events", .sub = NULL, .key = "Inverter_Fault",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "inv_fault_", .ha_name = "Inverter Fault",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:alarm-light", .ent_cat = NULL,
		.bits = inv_fault_bits, .bits_zero = "noFault"
	},
	[REG_EVENT_BF1] = {
		.name = "EVENT_BF1", .group = "events", .sub = NULL, .key = "Inverter_Bitfield_1",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_EVENT_BF2] = {
		.name = "EVENT_BF2", .group = "events", .sub = NULL, .key = "Inverter_bitfield_2",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_TS_GRID] = {
		.name = "TS_GRID", .group = "grid", .sub = NULL, .key = "Timestamp",
		.kind = REGK_INT, .flags = REGF_TIMESTAMP, .unit = ""
	},
	[REG_GRID_VOLTAGE] = {
		.name = "GRID_VOLTAGE", .group = "grid", .sub = NULL, .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "out_volt_", .ha_name = "Grid Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| float"
	},
	[REG_GRID_CURRENT] = {
		.name = "GRID_CURRENT", .group = "grid", .sub = NULL, .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "out_cur_", .ha_name = "Grid Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| float"
	},
	[REG_GRID_FREQUENCY] = {
		.name = "GRID_FREQUENCY", .group = "grid", .sub = NULL, .key = "Frequency",
		.kind = REGK_FLOAT, .flags = 0, .unit = "Hz",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "out_freq_", .ha_name = "Grid Frequency",
		.dev_cla = "frequency", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| float"
	},
	[REG_OUTPUT_POWER] = {
		.name = "OUTPUT_POWER", .group = "grid", .sub = NULL, .key = "Output_Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "out_power_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.fmt = "| float"
	},
	[REG_TS_INPUT] = {
		.name = "TS_INPUT", .group = "input", .sub = NULL, .key = "Timestamp",
		.kind = REGK_INT, .flags = REGF_TIMESTAMP, .unit = ""
	},
	[REG_PV1_VOLTAGE] = {
		.name = "PV1_VOLTAGE", .group = "input", .sub = "pv1", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 1, .ha_dev = "input_pv1",
		.ha_id = "volt_pv1_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv1']['Voltage'] | float)}}"
	},
	[REG_PV1_CURRENT] = {
		.name = "PV1_CURRENT", .group = "input", .sub = "pv1", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 1, .ha_dev = "input_pv1",
		.ha_id = "cur_pv1_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv1']['Current'] | float)}}"
	},
	[REG_PV1_POWER] = {
		.name = "PV1_POWER", .group = "input", .sub = "pv1", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 1, .ha_dev = "input_pv1",
		.ha_id = "power_pv1_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv1']['Power'] | float)}}"
	},
	[REG_PV1_DAILY_GENERATION] = {
		.name = "PV1_DAILY_GENERATION", .group = "input", .sub = "pv1", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 1, .ha_dev = "input_pv1",
		.ha_id = "daily_gen_pv1_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv1']['Daily_Generation'] | float)}}"
	},
	[REG_PV1_TOTAL_GENERATION] = {
		.name = "PV1_TOTAL_GENERATION", .group = "input", .sub = "pv1", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 1, .ha_dev = "input_pv1",
		.ha_id = "total_gen_pv1_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv1']['Total_Generation'] | float)}}"
	},
	[REG_PV2_VOLTAGE] = {
		.name = "PV2_VOLTAGE", .group = "input", .sub = "pv2", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 2, .ha_dev = "input_pv2",
		.ha_id = "volt_pv2_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv2']['Voltage'] | float)}}"
	},
	[REG_PV2_CURRENT] = {
		.name = "PV2_CURRENT", .group = "input", .sub = "pv2", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 2, .ha_dev = "input_pv2",
		.ha_id = "cur_pv2_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv2']['Current'] | float)}}"
	},
	[REG_PV2_POWER] = {
		.name = "PV2_POWER", .group = "input", .sub = "pv2", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 2, .ha_dev = "input_pv2",
		.ha_id = "power_pv2_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv2']['Power'] | float)}}"
	},
	[REG_PV2_DAILY_GENERATION] = {
		.name = "PV2_DAILY_GENERATION", .group = "input", .sub = "pv2", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 2, .ha_dev = "input_pv2",
		.ha_id = "daily_gen_pv2_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv2']['Daily_Generation'] | float)}}"
	},
	[REG_PV2_TOTAL_GENERATION] = {
		.name = "PV2_TOTAL_GENERATION", .group = "input", .sub = "pv2", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 2, .ha_dev = "input_pv2",
		.ha_id = "total_gen_pv2_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv2']['Total_Generation'] | float)}}"
	},
	[REG_PV3_VOLTAGE] = {
		.name = "PV3_VOLTAGE", .group = "input", .sub = "pv3", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 3, .ha_dev = "input_pv3",
		.ha_id = "volt_pv3_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv3']['Voltage'] | float)}}"
	},
	[REG_PV3_CURRENT] = {
		.name = "PV3_CURRENT", .group = "input", .sub = "pv3", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 3, .ha_dev = "input_pv3",
		.ha_id = "cur_pv3_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv3']['Current'] | float)}}"
	},
	[REG_PV3_POWER] = {
		.name = "PV3_POWER", .group = "input", .sub = "pv3", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 3, .ha_dev = "input_pv3",
		.ha_id = "power_pv3_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv3']['Power'] | float)}}"
	},
	[REG_PV3_DAILY_GENERATION] = {
		.name = "PV3_DAILY_GENERATION", .group = "input", .sub = "pv3", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 3, .ha_dev = "input_pv3",
		.ha_id = "daily_gen_pv3_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv3']['Daily_Generation'] | float)}}"
	},
	[REG_PV3_TOTAL_GENERATION] = {
		.name = "PV3_TOTAL_GENERATION", .group = "input", .sub = "pv3", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 3, .ha_dev = "input_pv3",
		.ha_id = "total_gen_pv3_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv3']['Total_Generation'] | float)}}"
	},
	[REG_PV4_VOLTAGE] = {
		.name = "PV4_VOLTAGE", .group = "input", .sub = "pv4", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 4, .ha_dev = "input_pv4",
		.ha_id = "volt_pv4_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv4']['Voltage'] | float)}}"
	},
	[REG_PV4_CURRENT] = {
		.name = "PV4_CURRENT", .group = "input", .sub = "pv4", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 4, .ha_dev = "input_pv4",
		.ha_id = "cur_pv4_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv4']['Current'] | float)}}"
	},
	[REG_PV4_POWER] = {
		.name = "PV4_POWER", .group = "input", .sub = "pv4", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 4, .ha_dev = "input_pv4",
		.ha_id = "power_pv4_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv4']['Power'] | float)}}"
	},
	[REG_PV4_DAILY_GENERATION] = {
		.name = "PV4_DAILY_GENERATION", .group = "input", .sub = "pv4", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 4, .ha_dev = "input_pv4",
		.ha_id = "daily_gen_pv4_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv4']['Daily_Generation'] | float)}}"
	},
	[REG_PV4_TOTAL_GENERATION] = {
		.name = "PV4_TOTAL_GENERATION", .group = "input", .sub = "pv4", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3P_02B0 | REGA_G3P_1097, .ha_pv = 4, .ha_dev = "input_pv4",
		.ha_id = "total_gen_pv4_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv4']['Total_Generation'] | float)}}"
	},
	[REG_PV5_VOLTAGE] = {
		.name = "PV5_VOLTAGE", .group = "input", .sub = "pv5", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 5, .ha_dev = "input_pv5",
		.ha_id = "volt_pv5_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv5']['Voltage'] | float)}}"
	},
	[REG_PV5_CURRENT] = {
		.name = "PV5_CURRENT", .group = "input", .sub = "pv5", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 5, .ha_dev = "input_pv5",
		.ha_id = "cur_pv5_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv5']['Current'] | float)}}"
	},
	[REG_PV5_POWER] = {
		.name = "PV5_POWER", .group = "input", .sub = "pv5", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 5, .ha_dev = "input_pv5",
		.ha_id = "power_pv5_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv5']['Power'] | float)}}"
	},
	[REG_PV5_DAILY_GENERATION] = {
		.name = "PV5_DAILY_GENERATION", .group = "input", .sub = "pv5", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3P_1097, .ha_pv = 5, .ha_dev = "input_pv5",
		.ha_id = "daily_gen_pv5_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv5']['Daily_Generation'] | float)}}"
	},
	[REG_PV5_TOTAL_GENERATION] = {
		.name = "PV5_TOTAL_GENERATION", .group = "input", .sub = "pv5", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3P_1097, .ha_pv = 5, .ha_dev = "input_pv5",
		.ha_id = "total_gen_pv5_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv5']['Total_Generation'] | float)}}"
	},
	[REG_PV6_VOLTAGE] = {
		.name = "PV6_VOLTAGE", .group = "input", .sub = "pv6", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 6, .ha_dev = "input_pv6",
		.ha_id = "volt_pv6_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv6']['Voltage'] | float)}}"
	},
	[REG_PV6_CURRENT] = {
		.name = "PV6_CURRENT", .group = "input", .sub = "pv6", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 6, .ha_dev = "input_pv6",
		.ha_id = "cur_pv6_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv6']['Current'] | float)}}"
	},
	[REG_PV6_POWER] = {
		.name = "PV6_POWER", .group = "input", .sub = "pv6", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3_0000 | REGA_G3P_1097, .ha_pv = 6, .ha_dev = "input_pv6",
		.ha_id = "power_pv6_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv6']['Power'] | float)}}"
	},
	[REG_PV6_DAILY_GENERATION] = {
		.name = "PV6_DAILY_GENERATION", .group = "input", .sub = "pv6", .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3P_1097, .ha_pv = 6, .ha_dev = "input_pv6",
		.ha_id = "daily_gen_pv6_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv6']['Daily_Generation'] | float)}}"
	},
	[REG_PV6_TOTAL_GENERATION] = {
		.name = "PV6_TOTAL_GENERATION", .group = "input", .sub = "pv6", .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3P_1097, .ha_pv = 6, .ha_dev = "input_pv6",
		.ha_id = "total_gen_pv6_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['pv6']['Total_Generation'] | float)}}"
	},
	[REG_TEST_VAL_0] = {
		.name = "TEST_VAL_0", .group = "input", .sub = NULL, .key = "Val_0",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_0_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_1] = {
		.name = "TEST_VAL_1", .group = "input", .sub = NULL, .key = "Val_1",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_1_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_2] = {
		.name = "TEST_VAL_2", .group = "input", .sub = NULL, .key = "Val_2",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_2_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_3] = {
		.name = "TEST_VAL_3", .group = "input", .sub = NULL, .key = "Val_3",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_3_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_4] = {
		.name = "TEST_VAL_4", .group = "input", .sub = NULL, .key = "Val_4",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_4_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_5] = {
		.name = "TEST_VAL_5", .group = "input", .sub = NULL, .key = "Val_5",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_5_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_6] = {
		.name = "TEST_VAL_6", .group = "input", .sub = NULL, .key = "Val_6",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_6_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_7] = {
		.name = "TEST_VAL_7", .group = "input", .sub = NULL, .key = "Val_7",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_7_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_8] = {
		.name = "TEST_VAL_8", .group = "input", .sub = NULL, .key = "Val_8",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_8_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_9] = {
		.name = "TEST_VAL_9", .group = "input", .sub = NULL, .key = "Val_9",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_9_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_10] = {
		.name = "TEST_VAL_10", .group = "input", .sub = NULL, .key = "Val_10",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_10_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_11] = {
		.name = "TEST_VAL_11", .group = "input", .sub = NULL, .key = "Val_11",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_11_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_12] = {
		.name = "TEST_VAL_12", .group = "input", .sub = NULL, .key = "Val_12",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_12_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_13] = {
		.name = "TEST_VAL_13", .group = "input", .sub = NULL, .key = "Val_13",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_13_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_14] = {
		.name = "TEST_VAL_14", .group = "input", .sub = NULL, .key = "Val_14",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_14_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_15] = {
		.name = "TEST_VAL_15", .group = "input", .sub = NULL, .key = "Val_15",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_15_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_16] = {
		.name = "TEST_VAL_16", .group = "input", .sub = NULL, .key = "Val_16",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_16_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_17] = {
		.name = "TEST_VAL_17", .group = "input", .sub = NULL, .key = "Val_17",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_17_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_18] = {
		.name = "TEST_VAL_18", .group = "input", .sub = NULL, .key = "Val_18",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_18_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_19] = {
		.name = "TEST_VAL_19", .group = "input", .sub = NULL, .key = "Val_19",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_19_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_20] = {
		.name = "TEST_VAL_20", .group = "input", .sub = NULL, .key = "Val_20",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_20_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_21] = {
		.name = "TEST_VAL_21", .group = "input", .sub = NULL, .key = "Val_21",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_21_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_22] = {
		.name = "TEST_VAL_22", .group = "input", .sub = NULL, .key = "Val_22",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_22_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_23] = {
		.name = "TEST_VAL_23", .group = "input", .sub = NULL, .key = "Val_23",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_23_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_24] = {
		.name = "TEST_VAL_24", .group = "input", .sub = NULL, .key = "Val_24",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_24_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_25] = {
		.name = "TEST_VAL_25", .group = "input", .sub = NULL, .key = "Val_25",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_25_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_26] = {
		.name = "TEST_VAL_26", .group = "input", .sub = NULL, .key = "Val_26",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_26_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_27] = {
		.name = "TEST_VAL_27", .group = "input", .sub = NULL, .key = "Val_27",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_27_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_28] = {
		.name = "TEST_VAL_28", .group = "input", .sub = NULL, .key = "Val_28",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_28_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_29] = {
		.name = "TEST_VAL_29", .group = "input", .sub = NULL, .key = "Val_29",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_29_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_30] = {
		.name = "TEST_VAL_30", .group = "input", .sub = NULL, .key = "Val_30",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_30_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_31] = {
		.name = "TEST_VAL_31", .group = "input", .sub = NULL, .key = "Val_31",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_31_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_VAL_32] = {
		.name = "TEST_VAL_32", .group = "input", .sub = NULL, .key = "Val_32",
		.kind = REGK_FLOAT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "val_32_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_1] = {
		.name = "TEST_IVAL_1", .group = "input", .sub = NULL, .key = "iVal_1",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_1_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_2] = {
		.name = "TEST_IVAL_2", .group = "input", .sub = NULL, .key = "iVal_2",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_2_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_3] = {
		.name = "TEST_IVAL_3", .group = "input", .sub = NULL, .key = "iVal_3",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_3_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_4] = {
		.name = "TEST_IVAL_4", .group = "input", .sub = NULL, .key = "iVal_4",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_4_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_5] = {
		.name = "TEST_IVAL_5", .group = "input", .sub = NULL, .key = "iVal_5",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_5_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_6] = {
		.name = "TEST_IVAL_6", .group = "input", .sub = NULL, .key = "iVal_6",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_6_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_7] = {
		.name = "TEST_IVAL_7", .group = "input", .sub = NULL, .key = "iVal_7",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = 0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_7_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_8] = {
		.name = "TEST_IVAL_8", .group = "input", .sub = NULL, .key = "iVal_8",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_8_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_9] = {
		.name = "TEST_IVAL_9", .group = "input", .sub = NULL, .key = "iVal_9",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_9_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_10] = {
		.name = "TEST_IVAL_10", .group = "input", .sub = NULL, .key = "iVal_10",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_10_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_11] = {
		.name = "TEST_IVAL_11", .group = "input", .sub = NULL, .key = "iVal_11",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_11_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TEST_IVAL_12] = {
		.name = "TEST_IVAL_12", .group = "input", .sub = NULL, .key = "iVal_12",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3_0000, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "ival_12_", .ha_name = NULL,
		.dev_cla = NULL, .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.fmt = "| int"
	},
	[REG_TS_TOTAL] = {
		.name = "TS_TOTAL", .group = "total", .sub = NULL, .key = "Timestamp",
		.kind = REGK_INT, .flags = REGF_TIMESTAMP, .unit = ""
	},
	[REG_DAILY_GENERATION] = {
		.name = "DAILY_GENERATION", .group = "total", .sub = NULL, .key = "Daily_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR | REGF_DAILY, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "daily_gen_", .ha_name = "Daily Generation",
		.dev_cla = "energy", .stat_cla = "total_increasing", .icon = "mdi:solar-power-variant", .ent_cat = NULL,
		.fmt = "| float"
	},
	[REG_TOTAL_GENERATION] = {
		.name = "TOTAL_GENERATION", .group = "total", .sub = NULL, .key = "Total_Generation",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3_0001 | REGA_G3_0000 | REGA_G3P_02B0, .ha_pv = 0, .ha_dev = "inverter",
		.ha_id = "total_gen_", .ha_name = "Total Generation",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:solar-power", .ent_cat = NULL,
		.fmt = "| float"
	},
	[REG_BATT_PV1_VOLT] = {
		.name = "BATT_PV1_VOLT", .group = "batterie", .sub = "pv1", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "bat_inp_pv1",
		.ha_id = "volt_pv1_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv1']['Voltage'] | float)}}"
	},
	[REG_BATT_PV1_CUR] = {
		.name = "BATT_PV1_CUR", .group = "batterie", .sub = "pv1", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "bat_inp_pv1",
		.ha_id = "cur_pv1_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv1']['Current'] | float)}}"
	},
	[REG_BATT_PV2_VOLT] = {
		.name = "BATT_PV2_VOLT", .group = "batterie", .sub = "pv2", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "bat_inp_pv2",
		.ha_id = "volt_pv2_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv2']['Voltage'] | float)}}"
	},
	[REG_BATT_PV2_CUR] = {
		.name = "BATT_PV2_CUR", .group = "batterie", .sub = "pv2", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "bat_inp_pv2",
		.ha_id = "cur_pv2_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['pv2']['Current'] | float)}}"
	},
	[REG_BATT_TOTAL_CHARG] = {
		.name = "BATT_TOTAL_CHARG", .group = "batterie", .sub = "batt", .key = "Total_Charging",
		.kind = REGK_FLOAT, .flags = REGF_MUST_INCR, .unit = "kWh",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "total_charg_", .ha_name = "Total Charging Energy",
		.dev_cla = "energy", .stat_cla = "total", .icon = "mdi:battery-charging", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['batt']['Total_Charging'] | float)}}"
	},
	[REG_BATT_PV1_STATUS] = {
		.name = "BATT_PV1_STATUS", .group = "batterie", .sub = "pv1", .key = "MPPT-Status",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "status1_", .ha_name = "MPPT-1 Status",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set mppt_status = ['Standby', 'On', 'Off'] %}{{mppt_status[value_json['pv1']['MPPT-Status']|int(0)]|default(value_json['pv1']['MPPT-Status'])}}"
	},
	[REG_BATT_PV2_STATUS] = {
		.name = "BATT_PV2_STATUS", .group = "batterie", .sub = "pv2", .key = "MPPT-Status",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "status2_", .ha_name = "MPPT-2 Status",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set mppt_status = ['Standby', 'On', 'Off'] %}{{mppt_status[value_json['pv2']['MPPT-Status']|int(0)]|default(value_json['pv2']['MPPT-Status'])}}"
	},
	[REG_BATT_VOLT] = {
		.name = "BATT_VOLT", .group = "batterie", .sub = "batt", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_bat_", .ha_name = "Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['batt']['Voltage'] | float)}}"
	},
	[REG_BATT_CUR] = {
		.name = "BATT_CUR", .group = "batterie", .sub = "batt", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "cur_bat_", .ha_name = "Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['batt']['Current'] | float)}}"
	},
	[REG_BATT_SOC] = {
		.name = "BATT_SOC", .group = "batterie", .sub = "batt", .key = "SOC",
		.kind = REGK_FLOAT, .flags = 0, .unit = "%",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "soc_", .ha_name = "State of Charge (SOC)",
		.dev_cla = NULL, .stat_cla = "measurement", .icon = "mdi:battery-90", .ent_cat = NULL,
		.val_tpl = "{{ (value_json['batt']['SOC'] | float)}}"
	},
	[REG_BATT_CELL1_VOLT] = {
		.name = "BATT_CELL1_VOLT", .group = "batterie", .sub = "cell", .key = "Volt1",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell1_", .ha_name = "Cell-01 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt1'] | float)}}"
	},
	[REG_BATT_CELL2_VOLT] = {
		.name = "BATT_CELL2_VOLT", .group = "batterie", .sub = "cell", .key = "Volt2",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell2_", .ha_name = "Cell-02 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt2'] | float)}}"
	},
	[REG_BATT_CELL3_VOLT] = {
		.name = "BATT_CELL3_VOLT", .group = "batterie", .sub = "cell", .key = "Volt3",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell3_", .ha_name = "Cell-03 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt3'] | float)}}"
	},
	[REG_BATT_CELL4_VOLT] = {
		.name = "BATT_CELL4_VOLT", .group = "batterie", .sub = "cell", .key = "Volt4",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell4_", .ha_name = "Cell-04 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt4'] | float)}}"
	},
	[REG_BATT_CELL5_VOLT] = {
		.name = "BATT_CELL5_VOLT", .group = "batterie", .sub = "cell", .key = "Volt5",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell5_", .ha_name = "Cell-05 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt5'] | float)}}"
	},
	[REG_BATT_CELL6_VOLT] = {
		.name = "BATT_CELL6_VOLT", .group = "batterie", .sub = "cell", .key = "Volt6",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell6_", .ha_name = "Cell-06 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt6'] | float)}}"
	},
	[REG_BATT_CELL7_VOLT] = {
		.name = "BATT_CELL7_VOLT", .group = "batterie", .sub = "cell", .key = "Volt7",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell7_", .ha_name = "Cell-07 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt7'] | float)}}"
	},
	[REG_BATT_CELL8_VOLT] = {
		.name = "BATT_CELL8_VOLT", .group = "batterie", .sub = "cell", .key = "Volt8",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell8_", .ha_name = "Cell-08 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt8'] | float)}}"
	},
	[REG_BATT_CELL9_VOLT] = {
		.name = "BATT_CELL9_VOLT", .group = "batterie", .sub = "cell", .key = "Volt9",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell9_", .ha_name = "Cell-09 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt9'] | float)}}"
	},
	[REG_BATT_CELL10_VOLT] = {
		.name = "BATT_CELL10_VOLT", .group = "batterie", .sub = "cell", .key = "Volt10",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell10_", .ha_name = "Cell-10 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt10'] | float)}}"
	},
	[REG_BATT_CELL11_VOLT] = {
		.name = "BATT_CELL11_VOLT", .group = "batterie", .sub = "cell", .key = "Volt11",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell11_", .ha_name = "Cell-11 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt11'] | float)}}"
	},
	[REG_BATT_CELL12_VOLT] = {
		.name = "BATT_CELL12_VOLT", .group = "batterie", .sub = "cell", .key = "Volt12",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell12_", .ha_name = "Cell-12 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt12'] | float)}}"
	},
	[REG_BATT_CELL13_VOLT] = {
		.name = "BATT_CELL13_VOLT", .group = "batterie", .sub = "cell", .key = "Volt13",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell13_", .ha_name = "Cell-13 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt13'] | float)}}"
	},
	[REG_BATT_CELL14_VOLT] = {
		.name = "BATT_CELL14_VOLT", .group = "batterie", .sub = "cell", .key = "Volt14",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell14_", .ha_name = "Cell-14 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt14'] | float)}}"
	},
	[REG_BATT_CELL15_VOLT] = {
		.name = "BATT_CELL15_VOLT", .group = "batterie", .sub = "cell", .key = "Volt15",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell15_", .ha_name = "Cell-15 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt15'] | float)}}"
	},
	[REG_BATT_CELL16_VOLT] = {
		.name = "BATT_CELL16_VOLT", .group = "batterie", .sub = "cell", .key = "Volt16",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "volt_cell16_", .ha_name = "Cell-16 Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Volt16'] | float)}}"
	},
	[REG_BATT_TEMP_1] = {
		.name = "BATT_TEMP_1", .group = "batterie", .sub = "cell", .key = "Temp_1",
		.kind = REGK_INT, .flags = 0, .unit = "\302\260C",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "temp_1_", .ha_name = "Cell Temp-1",
		.dev_cla = "temperature", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Temp_1'] | int)}}"
	},
	[REG_BATT_TEMP_2] = {
		.name = "BATT_TEMP_2", .group = "batterie", .sub = "cell", .key = "Temp_2",
		.kind = REGK_INT, .flags = 0, .unit = "\302\260C",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "temp_2_", .ha_name = "Cell Temp-2",
		.dev_cla = "temperature", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Temp_2'] | int)}}"
	},
	[REG_BATT_TEMP_3] = {
		.name = "BATT_TEMP_3", .group = "batterie", .sub = "cell", .key = "Temp_3",
		.kind = REGK_INT, .flags = 0, .unit = "\302\260C",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "temp_3_", .ha_name = "Cell Temp-3",
		.dev_cla = "temperature", .stat_cla = "measurement", .icon = NULL, .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['cell']['Temp_3'] | int)}}"
	},
	[REG_BATT_OUT_VOLT] = {
		.name = "BATT_OUT_VOLT", .group = "batterie", .sub = "out", .key = "Voltage",
		.kind = REGK_FLOAT, .flags = 0, .unit = "V",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "out_volt_", .ha_name = "Output Voltage",
		.dev_cla = "voltage", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['out']['Voltage'] | float)}}"
	},
	[REG_BATT_OUT_CUR] = {
		.name = "BATT_OUT_CUR", .group = "batterie", .sub = "out", .key = "Current",
		.kind = REGK_FLOAT, .flags = 0, .unit = "A",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "out_cur_", .ha_name = "Output Current",
		.dev_cla = "current", .stat_cla = "measurement", .icon = "mdi:gauge", .ent_cat = "diagnostic",
		.val_tpl = "{{ (value_json['out']['Current'] | float)}}"
	},
	[REG_BATT_OUT_STATUS] = {
		.name = "BATT_OUT_STATUS", .group = "batterie", .sub = "out", .key = "Out_Status",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "out_status_", .ha_name = "Output Status",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set out_status = ['Standby', 'On', 'Off'] %}{{out_status[value_json['out']['Out_Status']|int(0)]|default(value_json['out']['Out_Status'])}}"
	},
	[REG_BATT_TEMP_4] = {
		.name = "BATT_TEMP_4", .group = "batterie", .sub = NULL, .key = "Controller_Temp",
		.kind = REGK_INT, .flags = 0, .unit = "\302\260C",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "temp_4_", .ha_name = "Temperature",
		.dev_cla = "temperature", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_BATT_ALARM] = {
		.name = "BATT_ALARM", .group = "batterie", .sub = NULL, .key = "Batterie_Alarm",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "batt_alarm_", .ha_name = "Alarm",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:alarm-light", .ent_cat = NULL,
		.bits = batt_alarm_bits, .bits_zero = "noAlarm"
	},
	[REG_BATT_HW_VERS] = {
		.name = "BATT_HW_VERS", .group = "batterie", .sub = NULL, .key = "Hardware_Version",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_BATT_SW_VERS] = {
		.name = "BATT_SW_VERS", .group = "batterie", .sub = NULL, .key = "Software_Version",
		.kind = REGK_INT, .flags = 0, .unit = ""
	},
	[REG_BATT_PV_PWR] = {
		.name = "BATT_PV_PWR", .group = "batterie", .sub = NULL, .key = "PV_Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "pv_power_", .ha_name = "PV Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.fmt = "| int"
	},
	[REG_BATT_PWR] = {
		.name = "BATT_PWR", .group = "batterie", .sub = "batt", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "power_", .ha_name = "Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['batt']['Power'] | int)}}"
	},
	[REG_BATT_OUT_PWR] = {
		.name = "BATT_OUT_PWR", .group = "batterie", .sub = "out", .key = "Power",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "out_power_", .ha_name = "Supply Power",
		.dev_cla = "power", .stat_cla = "measurement", .icon = NULL, .ent_cat = NULL,
		.val_tpl = "{{ (value_json['out']['Power'] | int)}}"
	},
	[REG_BATT_PWR_SUPL_STATE] = {
		.name = "BATT_PWR_SUPL_STATE", .group = "batterie", .sub = "out", .key = "Suppl_State",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "status_supply_", .ha_name = "Supply State",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set suppl_state = ['Idle', 'Power-Supply'] %}{{suppl_state[value_json['out']['Suppl_State']|int(0)]|default(value_json['out']['Suppl_State'])}}"
	},
	[REG_BATT_OUT_POWER_SET] = {
		.name = "BATT_OUT_POWER_SET", .group = "batterie", .sub = NULL, .key = "Output_Power_Set",
		.kind = REGK_FLOAT, .flags = 0, .unit = "W"
	},
	[REG_BATT_STATUS] = {
		.name = "BATT_STATUS", .group = "batterie", .sub = "batt", .key = "Batt_State",
		.kind = REGK_INT, .flags = 0, .unit = "",
		.ann = REGA_G3P_3026, .ha_pv = 0, .ha_dev = "batterie",
		.ha_id = "status_batt_", .ha_name = "State",
		.dev_cla = NULL, .stat_cla = NULL, .icon = "mdi:power", .ent_cat = NULL,
		.val_tpl = "{%set batt_state = ['Discharging', 'Static', 'Loading'] %}{{batt_state[value_json['batt']['Batt_State']|int(0)]|default(value_json['batt']['Batt_State'])}}"
	},
};

const struct reg_def *
reg_get(enum reg_id id)
{
	if ((int)id <= REG_NONE || id >= REG_MAX)
		return NULL;
	return &reg_table[id];
}

enum reg_id
reg_by_name(const char *name)
{
	int	i;

	if (name == NULL)
		return REG_NONE;
	for (i = REG_NONE + 1; i < REG_MAX; i++)
		if (strcmp(reg_table[i].name, name) == 0)
			return i;
	return REG_NONE;
}

enum reg_id
reg_by_path(const char *group, const char *sub, const char *key)
{
	const struct reg_def	*d;
	int			 i;

	if (group == NULL || key == NULL)
		return REG_NONE;
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		d = &reg_table[i];
		if (strcmp(d->group, group) != 0 || strcmp(d->key, key) != 0)
			continue;
		if ((d->sub == NULL) != (sub == NULL))
			continue;
		if (sub != NULL && strcmp(d->sub, sub) != 0)
			continue;
		return i;
	}
	return REG_NONE;
}

uint16_t
reg_ann_mask(int kind, uint32_t sensor_list)
{
	switch (kind) {
	case 0:
		return REGA_PROXY;
	case DEV_GEN3:
		if (sensor_list == 0x01900001)
			return REGA_G3 | REGA_G3_0001;
		if (sensor_list == 0x01900000)
			return REGA_G3 | REGA_G3_0000;
		/* no data yet: controller entities only */
		if (sensor_list == 0)
			return REGA_G3;
		return REGA_G3 | REGA_G3_OTHER;
	case DEV_GEN3PLUS:
	case DEV_BATTERY:
		switch (sensor_list) {
		case G3P_SL_MS:
			return REGA_G3P | REGA_G3P_02B0;
		case G3P_SL_MX:
			return REGA_G3P | REGA_G3P_1097;
		case G3P_SL_DCU:
			return REGA_G3P | REGA_G3P_3026;
		}
		return REGA_G3P;
	}
	return 0;
}
