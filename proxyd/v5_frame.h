/*
 * Solarman V5 framing (spec gen3plus-solarman.md §2, §4): a pure parser,
 * bytes in, a frame or "need more" or "bad" out, no connection state.
 *
 *	a5 | data_len u16 LE | control u16 LE | seq byte5 | seq byte6 |
 *	monitor SN u32 LE | payload | checksum | 15
 */
#ifndef TSUN_V5_FRAME_H
#define TSUN_V5_FRAME_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define V5_HDR_LEN		11
#define V5_TRAILER_LEN		2
/* largest payload accepted; the biggest seen on the wire is 0x1c9 */
#define V5_MAX_DATA_LEN		4096
#define V5_MAX_FRAME		(V5_MAX_DATA_LEN + V5_HDR_LEN + V5_TRAILER_LEN)

#define V5_START		0xa5
#define V5_STOP			0x15

/* header offsets */
#define V5_OFS_LEN		1
#define V5_OFS_CTRL		3
#define V5_OFS_SEQ5		5
#define V5_OFS_SEQ6		6
#define V5_OFS_SNR		7

/* a response's control code: the request's minus 0x3000 (§3) */
#define V5_CTRL_RSP(req)	((uint16_t)((req) - 0x3000))

/* payload fields, as frame offsets (§3, §6, §8, §10) */
#define V5_OFS_FTYPE		11	/* every request and response */
#define V5_RSP_DLEN		10	/* response: ftype, status, time, hb */
#define V5_OFS_RSP_STATUS	12	/* 1: accepted */
#define V5_OFS_RSP_TIME		13	/* the sender's Unix time */
#define V5_OFS_RSP_HB		17	/* heartbeat interval, seconds */
#define V5_OFS_DEV_CLOCK	12	/* 0x4110: logger clock */
#define V5_OFS_DEV_SL		0x5f	/* 0x4110: the link's sensor list */
#define V5_OFS_DATA_SL		12	/* 0x4210: this frame's sensor list */
#define V5_OFS_DATA_CLOCK	14	/* logger clock ("total") */
#define V5_OFS_DATA_TIMER	18
#define V5_OFS_DATA_TOFS	22	/* time offset (ftype 1) */
#define V5_OFS_DATA_ONE		26	/* u16, 1 */
#define V5_OFS_DATA_PKT		28	/* packet counter */
#define V5_OFS_DATA_BODY	0x20	/* the table of the sensor list */
#define V5_OFS_SYNC_TOFS	20	/* 0x4310, 0x4810: time offset */
#define V5_OFS_CMD_SL		12	/* 0x4510: sensor list */

/* v5_parse results besides a frame length */
#define V5_NEED			0	/* wait for more bytes */
#define V5_BAD			(-1)	/* cannot resynchronise: drop it all */

/* the state of a complete frame */
#define V5_OK			0
#define V5_ERR_TRAILER		1	/* no 0x15 at the end: skipped */
#define V5_ERR_CHECKSUM		2	/* bad checksum: skipped */

struct v5_frame {
	int		 hdr;		/* the header is complete and sane */
	uint16_t	 dlen;
	uint16_t	 ctrl;
	uint8_t		 seq5;
	uint8_t		 seq6;
	uint32_t	 snr;
	int		 status;	/* V5_OK, V5_ERR_* (complete frames) */
	const uint8_t	*payload;	/* dlen bytes */
	size_t		 flen;
};

/*
 * Parse the frame at the start of p.  Returns its length (and f, status
 * included) when p holds it whole, V5_NEED (f->hdr set once the header is
 * complete) or V5_BAD.
 */
ssize_t		 v5_parse(const uint8_t *, size_t, struct v5_frame *);
/*
 * Start a frame of dlen payload bytes in f: start byte, data_len,
 * control, serial, stop byte.  The sequence bytes stay 0 and the
 * checksum unset: the link stamps both when the frame leaves.
 */
void		 v5_build(uint8_t *f, uint16_t ctrl, uint32_t snr, size_t dlen);
uint8_t		 v5_checksum(const uint8_t *, size_t flen);
/* 1 if p[0..len) is one complete frame with good start, stop, checksum */
int		 v5_frame_valid(const uint8_t *, size_t);

/* little-endian fields */
static inline uint16_t
rd16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
wr16le(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void
wr32le(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

#endif
