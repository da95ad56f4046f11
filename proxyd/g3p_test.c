/*
 * Introspection of a GEN3PLUS connection for the unit tests and the fuzz
 * harness (g3p_test.h).  Nothing in tsun-proxyd calls these, so they are
 * not linked into it.
 */
#include <stdint.h>
#include <string.h>

#include "proxyd/g3p_priv.h"
#include "proxyd/g3p_test.h"
#include "proxyd/gen3plus.h"
#include "proxyd/modbus.h"

void
g3p_seq(const struct g3p *g, int link, uint8_t *rcv, uint8_t *snd)
{
	const struct g3p_link	*l = link == G3P_LINK_DEV ? &g->dl : &g->cl;

	*rcv = l->rcv;
	*snd = l->snd;
}

void
g3p_set_seq(struct g3p *g, int link, uint8_t rcv, uint8_t snd)
{
	struct g3p_link	*l = link == G3P_LINK_DEV ? &g->dl : &g->cl;

	l->rcv = rcv;
	l->snd = snd;
}

uint16_t
g3p_sensor_list(const struct g3p *g)
{
	return g->sensor_list;
}

uint32_t
g3p_time_ofs(const struct g3p *g)
{
	return g->time_ofs;
}

int
g3p_header_valid(const struct g3p *g, int link)
{
	return link == G3P_LINK_DEV ? g->dl.hdr_valid : g->cl.hdr_valid;
}

int
g3p_last_mb_err(const struct g3p *g)
{
	return g->last_err;
}

int
g3p_mb_pending(const struct g3p *g, struct mb_req *req)
{
	if (g->q.busy && req != NULL)
		*req = g->q.q[g->q.head].req;
	return g->q.busy;
}

/* the request in flight becomes req: it replaces one, or goes in front */
void
g3p_set_pending(struct g3p *g, const struct mb_req *r, int from_cloud)
{
	struct mbq_item	*it;
	uint8_t		 rtu[MB_REQ_LEN];
	struct mb_req	 req;

	mb_build_req(rtu, r->addr, r->fcode, r->reg, r->count, &req);
	if (!g->q.busy) {
		if (mbq_push(&g->q, rtu, &req, from_cloud) == -1)
			return;
		/* the pushed item moves from the tail to the head */
		it = &g->q.q[(g->q.head + g->q.len - 1) % MBQ_MAX];
		g->q.head = (g->q.head + MBQ_MAX - 1) % MBQ_MAX;
		g->q.q[g->q.head] = *it;
		g->q.busy = 1;
	}
	it = mbq_head(&g->q);
	memcpy(it->rtu, rtu, MB_REQ_LEN);
	it->req = req;
	it->from_cloud = from_cloud;
	g->q.retries = 0;
}

void
g3p_set_max_retries(struct g3p *g, int n)
{
	g->q.retry_max = n;
}

int
g3p_fwd_at_resp(const struct g3p *g)
{
	return g->fwd_at;
}

int
g3p_fwd_dcu_resp(const struct g3p *g)
{
	return g->fwd_dcu;
}

void
g3p_set_fwd_flags(struct g3p *g, int at, int dcu)
{
	g->fwd_at = at;
	g->fwd_dcu = dcu;
}

void
g3p_set_no_forwarding(struct g3p *g, int on)
{
	g->no_forwarding = on;
}

int
g3p_detecting(const struct g3p *g)
{
	return g->detecting;
}

/* accept monitor_sn on the inverter link and enter UP, as it would */
void
g3p_force_up(struct g3p *g, uint32_t monitor_sn)
{
	if (g3p_snr_check(g, &g->dl, monitor_sn))
		set_state(g, PSTATE_UP);
}
