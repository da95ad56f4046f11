/*
 * libFuzzer target: MODBUS answer validation and register decoding.
 * The first 6 bytes are the pending request, the rest the RTU answer.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxyd/modbus.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
sink(void *arg, const struct mb_value *v)
{
	int	*n = arg;

	(*n)++;
	if (v->type == MBV_STR && v->s[MBV_STR_MAX - 1] != '\0')
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct mb_req	req;
	int		n = 0;

	if (len < 6)
		return 0;
	req.addr = p[0];
	req.fcode = p[1];
	req.reg = (uint16_t)(p[2] << 8 | p[3]);
	req.count = (uint16_t)(p[4] << 8 | p[5]);
	(void)mb_parse_req(p + 6, len - 6, &req);
	if (mb_check_answer(&req, p + 6, len - 6) == MB_OK)
		mb_decode_answer(&req, p + 6, len - 6, sink, &n);
	mb_decode_regs(req.reg, p + 6, len - 6, sink, &n);
	return 0;
}
