/*
 * The MODBUS request queue, the polling plan and the command table
 * shared by the GEN3 and GEN3PLUS engines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/registers.h"
#include "proxyd/modbus.h"
#include "proxyd/poll.h"
#include "proxyd/valuedb.h"

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
	q->busy = 0;
	q->retries = 0;
}

void
mbq_free(struct mbq *q)
{
	free(q->q);
	q->q = NULL;
	mbq_clear(q);
}

void
mbq_kick(struct mbq *q, const struct mbq_ops *ops, void *arg)
{
	if (q->busy || q->len == 0)
		return;
	q->busy = 1;
	q->retries = 0;
	ops->timer(arg, ops->timeout_ms);
	ops->send(arg, mbq_head(q));
}

struct mbq_item *
mbq_current(struct mbq *q)
{
	return q->busy ? mbq_head(q) : NULL;
}

void
mbq_answered(struct mbq *q, const struct mbq_ops *ops, void *arg)
{
	if (!q->busy)
		return;
	q->busy = 0;
	mbq_drop(q);
	ops->timer(arg, -1);
}

void
mbq_expired(struct mbq *q, const struct mbq_ops *ops, void *arg)
{
	if (!q->busy)
		return;
	if (q->retries < q->retry_max) {
		q->retries++;
		ops->timer(arg, ops->timeout_ms);
		ops->send(arg, mbq_head(q));
		return;
	}
	if (ops->gave_up != NULL)
		ops->gave_up(arg, mbq_head(q));
	q->busy = 0;
	mbq_drop(q);
	mbq_kick(q, ops, arg);
}

int
mbq_last_try(const struct mbq *q)
{
	return q->retries >= q->retry_max;
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

/* the GRP_* bit of each register's group, from the table once */
int
group_bit(enum reg_id r)
{
	static uint8_t		 bits[REG_MAX];
	static int		 done;
	const struct reg_def	*def;
	int			 i;

	if (!done) {
		for (i = 0; i < REG_MAX; i++) {
			if ((def = reg_get(i)) == NULL || def->group == NULL)
				continue;
			if (strcmp(def->group, "grid") == 0)
				bits[i] = GRP_GRID;
			else if (strcmp(def->group, "input") == 0)
				bits[i] = GRP_INPUT;
			else if (strcmp(def->group, "total") == 0)
				bits[i] = GRP_TOTAL;
			else if (strcmp(def->group, "inverter") == 0)
				bits[i] = GRP_INVERTER;
		}
		done = 1;
	}
	if ((int)r < 0 || r >= REG_MAX)
		return 0;
	return bits[r];
}

void
group_stamp(struct vdb_dev *vd, enum reg_id r, int *groups, int64_t ts)
{
	enum reg_id	 tsreg;
	int		 bit;

	switch ((bit = group_bit(r))) {
	case GRP_GRID:
		tsreg = REG_TS_GRID;
		break;
	case GRP_INPUT:
		tsreg = REG_TS_INPUT;
		break;
	case GRP_TOTAL:
		tsreg = REG_TS_TOTAL;
		break;
	case GRP_INVERTER:
		*groups |= GRP_INVERTER;
		return;
	default:
		return;
	}
	if (*groups & bit)
		return;
	*groups |= bit;
	if (ts >= 0 && vd != NULL)
		vdb_set_int(vd, tsreg, ts);
}

int
poll_night_close(struct vdb_dev *vd)
{
	double	 pw;
	int64_t	 ipw;

	if (vd == NULL)
		return 0;
	if (!vdb_get_float(vd, REG_OUTPUT_POWER, &pw)) {
		if (!vdb_get_int(vd, REG_OUTPUT_POWER, &ipw))
			return 0;
		pw = ipw;
	}
	return pw < 2 && vdb_set_int(vd, REG_INVERTER_STATUS, 0);
}
