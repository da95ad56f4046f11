/*
 * libFuzzer target: MQTT command payload parsing (mqttd/command.c).
 * The first byte picks the command, the rest is the payload as it came
 * from the broker (any bytes, any length).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "mqttd/mqttd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_msg	 m;
	char		 err[128];
	int		 kind;

	if (size < 1)
		return 0;
	kind = data[0] % 8;		/* 0 and 7: unknown commands */
	if (mq_cmd_parse(kind, (const char *)data + 1, size - 1, &m, err,
	    sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (memchr(m.text, '\0', sizeof(m.text)) == NULL)
		abort();
	switch (kind) {
	case CMD_OUT_COEFF:
		if (m.value < 0 || m.value > 1024)
			abort();
		break;
	case CMD_DCU_POWER:
		if (m.value < 1000 || m.value > 8000)
			abort();
		break;
	case CMD_RATED_LOAD:
		if (m.value < 0 || m.value > 0xffff)
			abort();
		break;
	case CMD_MODBUS_READ_REGS:
	case CMD_MODBUS_READ_INPUTS:
		if (m.count < 1 || m.count > 125)
			abort();
		break;
	case CMD_AT:
		if (m.text[0] == '\0')
			abort();
		break;
	default:
		abort();	/* an unknown command must not parse */
	}
	return 0;
}
