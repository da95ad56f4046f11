/*
 * Solarman V5 framing: a pure parser, no connection state.
 */
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proxyd/v5_frame.h"

uint8_t
v5_checksum(const uint8_t *f, size_t flen)
{
	uint8_t	sum = 0;
	size_t	i;

	/* bytes 1 .. last payload byte */
	for (i = 1; i + 2 < flen; i++)
		sum += f[i];
	return sum;
}

int
v5_frame_valid(const uint8_t *p, size_t len)
{
	if (len < V5_HDR_LEN + V5_TRAILER_LEN || p[0] != V5_START)
		return 0;
	if ((size_t)rd16le(p + V5_OFS_LEN) + V5_HDR_LEN + V5_TRAILER_LEN !=
	    len)
		return 0;
	return p[len - 1] == V5_STOP && p[len - 2] == v5_checksum(p, len);
}

ssize_t
v5_parse(const uint8_t *p, size_t len, struct v5_frame *f)
{
	memset(f, 0, sizeof(*f));
	if (len < V5_HDR_LEN)
		return V5_NEED;
	f->dlen = rd16le(p + V5_OFS_LEN);
	f->ctrl = rd16le(p + V5_OFS_CTRL);
	f->seq5 = p[V5_OFS_SEQ5];
	f->seq6 = p[V5_OFS_SEQ6];
	f->snr = rd32le(p + V5_OFS_SNR);
	if (p[0] != V5_START || f->dlen > V5_MAX_DATA_LEN)
		return V5_BAD;
	f->hdr = 1;
	f->flen = (size_t)f->dlen + V5_HDR_LEN + V5_TRAILER_LEN;
	if (len < f->flen)
		return V5_NEED;
	f->payload = p + V5_HDR_LEN;
	if (p[f->flen - 1] != V5_STOP) {
		/* a frame start must follow, else nothing is left to trust */
		if (len > f->flen && p[f->flen] != V5_START)
			return V5_BAD;
		f->status = V5_ERR_TRAILER;
	} else if (p[f->flen - 2] != v5_checksum(p, f->flen))
		f->status = V5_ERR_CHECKSUM;
	return (ssize_t)f->flen;
}

void
v5_build(uint8_t *f, uint16_t ctrl, uint32_t snr, size_t dlen)
{
	f[0] = V5_START;
	wr16le(f + V5_OFS_LEN, (uint16_t)dlen);
	wr16le(f + V5_OFS_CTRL, ctrl);
	f[V5_OFS_SEQ5] = f[V5_OFS_SEQ6] = 0;
	wr32le(f + V5_OFS_SNR, snr);
	f[V5_HDR_LEN + dlen + 1] = V5_STOP;
}
