/*
 * The MODBUS request queue, the polling plan and the command table
 * shared by the GEN3 and GEN3PLUS engines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"

int
mbq_push(struct mbq *q, const uint8_t rtu[MB_REQ_LEN],
    const struct mb_req *req, int from_cloud)
{
	struct mbq_item	*it;

	if (q->len >= MBQ_MAX)
		return -1;
	if (q->q == NULL && (q->q = calloc(MBQ_MAX, sizeof(*q->q))) == NULL)
		return -1;
	it = &q->q[(q->head + q->len) % MBQ_MAX];
	memcpy(it->rtu, rtu, MB_REQ_LEN);
	it->req = *req;
	it->from_cloud = from_cloud;
	q->len++;
	return 0;
}

struct mbq_item *
mbq_head(struct mbq *q)
{
	return q->len == 0 ? NULL : &q->q[q->head];
}

void
mbq_drop(struct mbq *q)
{
	if (q->len == 0)
		return;
	q->head = (q->head + 1) % MBQ_MAX;
	q->len--;
}

int
mbq_len(const struct mbq *q)
{
	return q->len;
}

void
mbq_clear(struct mbq *q)
{
	q->head = 0;
	q->len = 0;
}

void
mbq_free(struct mbq *q)
{
	free(q->q);
	q->q = NULL;
	mbq_clear(q);
}

int
poll_slow_due(unsigned int n, unsigned int first)
{
	return n % POLL_SLOW_EVERY == first % POLL_SLOW_EVERY;
}

int
poll_cmd_request(const struct cmd_msg *c, uint8_t *fcode, uint16_t *reg,
    uint16_t *val)
{
	switch (c->kind) {
	case CMD_MODBUS_READ_REGS:
	case CMD_MODBUS_READ_INPUTS:
		*fcode = c->kind == CMD_MODBUS_READ_REGS ?
		    MB_FN_READ_HOLDING : MB_FN_READ_INPUT;
		*reg = c->reg;
		*val = c->count;
		return 0;
	case CMD_RATED_LOAD:
		if (c->value < 0 || c->value > 0xffff)
			return -1;
		*fcode = MB_FN_WRITE_SINGLE;
		*reg = MB_REG_RATED_LOAD;
		*val = (uint16_t)c->value;
		return 0;
	case CMD_OUT_COEFF:
		/* tsun-mqttd converted the percent: 1/1024 steps */
		if (c->value < 0 || c->value > 1024)
			return -1;
		*fcode = MB_FN_WRITE_SINGLE;
		*reg = MB_REG_OUT_COEFF;
		*val = (uint16_t)c->value;
		return 0;
	}
	return 1;
}
