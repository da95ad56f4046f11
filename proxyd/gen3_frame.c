/*
 * GEN3 "Talent" framing and payloads: pure parsers and builders, no
 * connection state (gen3-talent.md).  Frames: int32 length, Pascal id
 * (the logger serial), control byte, message id, payload; all integers
 * big-endian.
 */
#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/num.h"
#include "proxyd/gen3.h"

ssize_t
gen3_parse_frame(const uint8_t *p, size_t len, struct gen3_hdr *h)
{
	size_t	 total, i;

	memset(h, 0, sizeof(*h));
	if (len < 5)
		return GEN3_PARTIAL;
	h->msg_len = g3_get32(p);
	h->id_len = p[4];
	if (h->id_len > GEN3_ID_MAX)
		return GEN3_BAD;
	/* checked before buffering anything: a length we cannot hold */
	if (h->msg_len > GEN3_FRAME_MAX - 4 ||
	    h->msg_len < (uint32_t)h->id_len + 3)
		return GEN3_BAD;
	if (len < 7 + (size_t)h->id_len)
		return GEN3_PARTIAL;
	/* the header is complete: report it even while the payload is not */
	h->header_len = 7 + h->id_len;
	h->data_len = h->msg_len - h->id_len - 3;
	for (i = 0; i < h->id_len; i++)
		h->id[i] = p[5 + i];
	h->id[h->id_len] = '\0';
	h->ctrl = p[5 + h->id_len];
	h->msg_id = p[6 + h->id_len];
	total = 4 + (size_t)h->msg_len;
	if (len < total)
		return GEN3_PARTIAL;
	h->data = p + h->header_len;
	return total;
}

int
gen3_parse_data(const uint8_t *p, size_t len, struct gen3_data *d)
{
	size_t	 left = len, i;

	memset(d, 0, sizeof(*d));
	if (left < 5)
		goto too_short;
	d->data_id = g3_get32(p);
	d->id2_len = p[4];
	left -= 5;
	if (left < (size_t)d->id2_len + 1 + 8)
		goto too_short;
	for (i = 0; i < d->id2_len; i++)
		d->id2[i] = p[5 + i];
	d->id2[d->id2_len] = '\0';
	/* one unknown byte (0x01) before the timestamp */
	d->ts_pos = 5 + d->id2_len + 1;
	d->ts_ms = g3_get64(p + d->ts_pos);
	d->tlv = p + d->ts_pos + 8;
	d->tlv_len = len - (d->ts_pos + 8);
	return 0;
too_short:
	return -1;
}


int
gen3_tlv_decode(const uint8_t *p, size_t len, gen3_tlv_cb cb, void *arg)
{
	struct gen3_tlv	 t;
	size_t		 left = len, o, n, i;
	uint32_t	 count, k;
	union {
		uint32_t	u;
		float		f;
	} fu;

	if (left < 4)
		goto bad;
	count = g3_get32(p);
	p += 4;
	left -= 4;
	for (k = 0; k < count; k++) {
		/* not the whole string buffer (770 bytes) for every value */
		t.i = 0;
		t.f = 0;
		t.vtype = GEN3_TV_NONE;
		t.s[0] = '\0';
		if (left < 5)
			goto bad;
		t.info_id = g3_get32(p);
		t.type = p[4];
		p += 5;
		left -= 5;
		switch (t.type) {
		case 'T':
			if (left < 1 || left - 1 < p[0])
				goto bad;
			n = p[0];
			for (i = 0, o = 0; i < n; i++) {
				if (p[1 + i] > 0x7f) {
					/* U+FFFD, as a strict ASCII decode */
					t.s[o++] = (char)0xef;
					t.s[o++] = (char)0xbf;
					t.s[o++] = (char)0xbd;
				} else if (p[1 + i] != 0)
					t.s[o++] = p[1 + i];
			}
			t.s[o] = '\0';
			t.vtype = GEN3_TV_STR;
			n += 1;
			break;
		case 'B':
			if (left < 1)
				goto bad;
			t.i = p[0];
			t.vtype = GEN3_TV_INT;
			n = 1;
			break;
		case 'S':
			if (left < 2)
				goto bad;
			t.i = (int16_t)(p[0] << 8 | p[1]);
			t.vtype = GEN3_TV_INT;
			n = 2;
			break;
		case 'I':
			if (left < 4)
				goto bad;
			t.i = (int32_t)g3_get32(p);
			t.vtype = GEN3_TV_INT;
			n = 4;
			break;
		case 'L':
			if (left < 8)
				goto bad;
			t.i = g3_get64(p);
			t.vtype = GEN3_TV_INT;
			n = 8;
			break;
		case 'F':
			if (left < 4)
				goto bad;
			fu.u = g3_get32(p);
			t.f = num_round2((double)fu.f);
			t.vtype = GEN3_TV_FLOAT;
			n = 4;
			break;
		case 'A':
			t.vtype = GEN3_TV_NONE;
			n = 0;
			break;
		case 0:
			/* end marker */
			return k + 1;
		default:
			goto bad;
		}
		p += n;
		left -= n;
		if (cb != NULL)
			cb(arg, &t);
	}
	return count;
bad:
	return -1;
}

static long
gmtoff_at(time_t t)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

double
gen3_local_to_utc(int64_t ms)
{
	time_t	 l, u;
	long	 ob, oa;
	int64_t	 sec, frac;

	/* the wall time as if UTC, then placed in the local zone */
	sec = ms / 1000;
	frac = ms % 1000;
	if (frac < 0) {
		sec--;
		frac += 1000;
	}
	l = (time_t)sec;
	ob = gmtoff_at(l - 86400);
	oa = gmtoff_at(l + 86400);
	/* fold=0 semantics: the offset before a transition wins */
	if (gmtoff_at(l - ob) == ob)
		u = l - ob;
	else if (gmtoff_at(l - oa) == oa)
		u = l - oa;
	else
		u = l - ob;
	return (double)u + frac / 1000.0;
}

int64_t
gen3_local_ms(int64_t utc_ms)
{
	int64_t	 s = utc_ms / 1000;

	if (utc_ms % 1000 < 0)
		s--;
	return utc_ms + (int64_t)gmtoff_at((time_t)s) * 1000;
}

size_t
gen3_build(uint8_t *out, size_t cap, const char *id, uint8_t ctrl,
    uint8_t msg_id, const uint8_t *payload, size_t plen)
{
	size_t	 idl = strlen(id), total;

	if (idl > GEN3_ID_MAX)
		return 0;
	total = 7 + idl + plen;
	if (total > cap)
		return 0;
	g3_put32(out, total - 4);
	out[4] = idl;
	memcpy(out + 5, id, idl);
	out[5 + idl] = ctrl;
	out[6 + idl] = msg_id;
	if (plen > 0)
		memcpy(out + 7 + idl, payload, plen);
	return total;
}
