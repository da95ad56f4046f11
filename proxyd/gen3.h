/*
 * GEN3 "Talent" protocol (data loggers R17...): framing, TLV decoding and
 * the per-connection state machine.  One struct gen3 serves both links of
 * an inverter connection: the inverter (dev) side and its cloud side.
 * It never touches a socket: bytes come in through gen3_input_*, and go
 * out through the struct proto_io callbacks.
 */
#ifndef TSUN_GEN3_H
#define TSUN_GEN3_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct tsun_conf;
struct proto_io;
struct cmd_msg;
struct gen3;

#define GEN3_ID_MAX	17	/* longest id accepted in a header */
#define GEN3_FRAME_MAX	8192	/* largest frame; samples reach 2307 */

#define GEN3_CTRL_REQ	0x70
#define GEN3_CTRL_IND	0x91
#define GEN3_CTRL_RESP	0x99

#define GEN3_MSG_CONTACT	0x00
#define GEN3_MSG_INV_DATA	0x04
#define GEN3_MSG_OTA		0x13
#define GEN3_MSG_TIME		0x22
#define GEN3_MSG_COLL_DATA	0x71
#define GEN3_MSG_MODBUS		0x77
#define GEN3_MSG_MODBUS2	0x87
#define GEN3_MSG_HEARTBEAT	0x99

/* timer ids passed to io->timer and back to gen3_timer */
#define GEN3_TIMER_POLL		1
#define GEN3_TIMER_MODBUS	2

#define GEN3_POLL_FIRST_MS	40000
#define GEN3_MB_TIMEOUT_MS	15000

/* a parsed frame header; data points into the parsed buffer */
struct gen3_hdr {
	uint32_t	 msg_len;
	uint8_t		 id_len;
	char		 id[GEN3_ID_MAX + 1];
	uint8_t		 ctrl;
	uint8_t		 msg_id;
	size_t		 header_len;
	size_t		 data_len;
	const uint8_t	*data;
};

/*
 * gen3_parse_frame results besides a frame length; with GEN3_PARTIAL the
 * header fields are filled (header_len != 0) once the header is complete.
 */
#define GEN3_PARTIAL	0	/* wait for more bytes */
#define GEN3_BAD	(-1)	/* cannot resynchronise: discard the buffer */

/* payload head of collector (0x71) and inverter (0x04) data */
struct gen3_data {
	uint32_t	 data_id;
	uint8_t		 id2_len;
	char		 id2[256];
	int64_t		 ts_ms;		/* logger local milliseconds */
	size_t		 ts_pos;	/* offset of ts_ms in the payload */
	const uint8_t	*tlv;
	size_t		 tlv_len;
};

/* one TLV element */
#define GEN3_TV_NONE	0	/* 'A': no value */
#define GEN3_TV_INT	1
#define GEN3_TV_FLOAT	2
#define GEN3_TV_STR	3

struct gen3_tlv {
	uint32_t	 info_id;
	uint8_t		 type;		/* wire type byte */
	int		 vtype;		/* GEN3_TV_* */
	int64_t		 i;
	double		 f;		/* 'F': already rounded to 2 digits */
	char		 s[256 * 3 + 1];	/* 'T': bytes > 0x7f as U+FFFD */
};

typedef void	(*gen3_tlv_cb)(void *arg, const struct gen3_tlv *);

/* pure parsers */
ssize_t	 gen3_parse_frame(const uint8_t *, size_t, struct gen3_hdr *);
int	 gen3_parse_data(const uint8_t *, size_t, struct gen3_data *);
int	 gen3_tlv_decode(const uint8_t *, size_t, gen3_tlv_cb, void *);
/* logger local ms -> UTC seconds (TZ of the proxy) and the reverse */
double	 gen3_local_to_utc(int64_t);
int64_t	 gen3_local_ms(int64_t utc_ms);
/* builds a frame into out (cap bytes); returns its length or 0 */
size_t	 gen3_build(uint8_t *, size_t, const char *id, uint8_t ctrl,
	    uint8_t msg_id, const uint8_t *payload, size_t);

/* the state machine: struct proto_ops gen3_ops (proto.h) */

/* GEN3 numbers are big-endian on the wire */
static inline uint32_t
g3_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline int64_t
g3_get64(const uint8_t *p)
{
	return (int64_t)((uint64_t)g3_get32(p) << 32 | g3_get32(p + 4));
}

static inline void
g3_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void
g3_put64(uint8_t *p, int64_t v)
{
	g3_put32(p, (uint64_t)v >> 32);
	g3_put32(p + 4, (uint32_t)v);
}

#endif
