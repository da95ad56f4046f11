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

/* header offsets */
#define V5_OFS_LEN		1
#define V5_OFS_CTRL		3
#define V5_OFS_SEQ5		5
#define V5_OFS_SEQ6		6
#define V5_OFS_SNR		7

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
uint8_t		 v5_checksum(const uint8_t *, size_t flen);
/* 1 if p[0..len) is one complete frame with good start, stop, checksum */
int		 v5_frame_valid(const uint8_t *, size_t);

#endif
