/*
 * Commands from MQTT (tsun-mqttd) to a device (tsun-proxyd), and their
 * replies.  Fixed-size structs: the IPC handlers check the exact size.
 */
#ifndef TSUN_CMD_H
#define TSUN_CMD_H

#include <stdint.h>

#include "common/serial.h"

enum cmd_kind {
	CMD_MODBUS_READ_REGS = 1,	/* function 3: reg, count */
	CMD_MODBUS_READ_INPUTS = 2,	/* function 4: reg, count */
	CMD_RATED_LOAD = 3,		/* write 0x2008: value 0..65535 */
	CMD_OUT_COEFF = 4,		/* write 0x202c: value 0..1024 (1/1024) */
	CMD_AT = 5,			/* AT command: text */
	CMD_DCU_POWER = 6		/* battery output: value W*10, 1000..8000 */
};

#define CMD_TEXT_MAX	256

struct cmd_msg {
	uint8_t		kind;		/* enum cmd_kind */
	char		serial[SERIAL_LEN + 1];	/* target device */
	uint16_t	reg;
	uint16_t	count;
	int32_t		value;
	char		text[CMD_TEXT_MAX];	/* NUL terminated */
};

enum cmd_resp_kind {
	CMDR_AT = 1,		/* published on <ep>/<node_id>/at_resp */
	CMDR_DCU = 2		/* published on <ep>/<node_id>/dcu_resp */
};

#define CMDR_TEXT_MAX	512

struct cmd_resp {
	uint8_t		kind;		/* enum cmd_resp_kind */
	char		serial[SERIAL_LEN + 1];
	char		text[CMDR_TEXT_MAX];	/* NUL terminated */
};

#endif
