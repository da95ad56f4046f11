/*
 * Measurement records (layout in record.h).  The writer never overruns
 * its fixed buffer; the reader trusts nothing and fails on the first
 * malformed byte.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"

#define HDR_LEN		(1 + 1 + 2 + 4 + 17)
#define REC_HDR_LEN	(2 + 1 + 8)
#define NREC_OFS	2

static int
put(struct batch *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->buf))
		return -1;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

void
batch_begin(struct batch *b, uint8_t kind, uint8_t flags, const char *serial,
    uint32_t monitor_sn)
{
	char		sn[SERIAL_LEN + 1];
	uint16_t	zero = 0;
	size_t		n;

	b->len = 0;
	b->nrec = 0;
	b->full = 0;
	memset(sn, 0, sizeof(sn));
	if (serial != NULL) {
		n = strnlen(serial, sizeof(sn) - 1);
		memcpy(sn, serial, n);
	}
	put(b, &kind, 1);
	put(b, &flags, 1);
	put(b, &zero, 2);
	put(b, &monitor_sn, 4);
	put(b, sn, sizeof(sn));
}

/* a record goes in whole or not at all, so a split batch stays valid */
static int
rec_start(struct batch *b, uint16_t reg, uint8_t type, int64_t ts,
    size_t vlen)
{
	if (b->nrec == UINT16_MAX ||
	    b->len + REC_HDR_LEN + vlen > sizeof(b->buf)) {
		b->full = 1;
		return -1;
	}
	put(b, &reg, 2);
	put(b, &type, 1);
	put(b, &ts, 8);
	b->nrec++;
	return 0;
}

int
batch_add_int(struct batch *b, uint16_t reg, int64_t ts, int64_t v)
{
	if (rec_start(b, reg, REC_INT, ts, 8) == -1)
		return -1;
	return put(b, &v, 8);
}

/* NaN and the infinities are not numbers: never written */
int
batch_add_float(struct batch *b, uint16_t reg, int64_t ts, double v)
{
	if (!isfinite(v))
		return 0;
	if (rec_start(b, reg, REC_FLOAT, ts, 8) == -1)
		return -1;
	return put(b, &v, 8);
}

/* longer strings are cut at REC_STR_MAX bytes */
int
batch_add_str(struct batch *b, uint16_t reg, int64_t ts, const char *s)
{
	uint16_t	n;

	n = (uint16_t)strnlen(s, REC_STR_MAX);
	if (rec_start(b, reg, REC_STR, ts, 2 + (size_t)n) == -1)
		return -1;
	put(b, &n, 2);
	return put(b, s, n);
}

int
batch_add_del(struct batch *b, uint16_t reg, int64_t ts)
{
	return rec_start(b, reg, REC_DEL, ts, 0);
}

int
batch_add_null(struct batch *b, uint16_t reg, int64_t ts)
{
	return rec_start(b, reg, REC_NULL, ts, 0);
}

size_t
batch_end(struct batch *b)
{
	memcpy(b->buf + NREC_OFS, &b->nrec, 2);
	return b->len;
}

static int
get(struct batch_reader *r, void *p, size_t n)
{
	if (r->left < n)
		return -1;
	memcpy(p, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

int
batch_read_hdr(struct batch_reader *r, const void *buf, size_t len,
    struct batch_hdr *h)
{
	size_t	i, n;

	memset(h, 0, sizeof(*h));
	r->p = buf;
	r->left = buf == NULL ? 0 : len;
	r->remaining = 0;
	r->dropped = 0;
	if (get(r, &h->kind, 1) == -1 || get(r, &h->flags, 1) == -1 ||
	    get(r, &h->nrec, 2) == -1 || get(r, &h->monitor_sn, 4) == -1 ||
	    get(r, h->serial, sizeof(h->serial)) == -1)
		goto bad;
	if (h->kind > DEV_BATTERY)
		goto bad;
	if (h->flags & ~(BATCH_SNAPSHOT | BATCH_CONNECT | BATCH_DISCONN |
	    BATCH_FORGET))
		goto bad;
	/* NUL terminated and NUL padded */
	n = strnlen(h->serial, sizeof(h->serial));
	if (n == sizeof(h->serial))
		goto bad;
	for (i = n; i < sizeof(h->serial); i++)
		if (h->serial[i] != '\0')
			goto bad;
	r->remaining = h->nrec;
	return 0;
bad:
	r->left = 0;
	r->remaining = 0;
	return -1;
}

int
batch_read_rec(struct batch_reader *r, struct rec_value *v)
{
	uint16_t	n;

again:
	memset(v, 0, offsetof(struct rec_value, s) + 1);
	if (r->remaining == 0)
		return r->left == 0 ? 0 : -1;
	if (get(r, &v->reg, 2) == -1 || get(r, &v->type, 1) == -1 ||
	    get(r, &v->ts, 8) == -1)
		goto bad;
	if (v->reg == REG_NONE || v->reg >= REG_MAX)
		goto bad;
	switch (v->type) {
	case REC_INT:
		if (get(r, &v->i, 8) == -1)
			goto bad;
		break;
	case REC_FLOAT:
		if (get(r, &v->f, 8) == -1)
			goto bad;
		if (!isfinite(v->f)) {
			/* a bad value, not a bad batch: it is dropped */
			r->remaining--;
			r->dropped++;
			goto again;
		}
		break;
	case REC_STR:
		if (get(r, &n, 2) == -1 || n > REC_STR_MAX ||
		    get(r, v->s, n) == -1)
			goto bad;
		v->s[n] = '\0';
		if (strlen(v->s) != n)
			goto bad;
		break;
	case REC_DEL:
	case REC_NULL:
		break;
	default:
		goto bad;
	}
	r->remaining--;
	return 1;
bad:
	r->left = 0;
	r->remaining = 0;
	return -1;
}
