/*
 * Measurement records: what tsun-proxyd tells tsun-mqttd.  A batch is one
 * IPC message (IMSG_BATCH) holding one device's identity and the records
 * that changed, in the order they changed (which is the key order of the
 * JSON groups mqttd builds).
 *
 * Wire layout, all integers in host byte order (both ends run on the same
 * machine):
 *	u8  kind (enum dev_kind, 0 = the proxy itself)
 *	u8  flags (BATCH_*)
 *	u16 nrec
 *	u32 monitor_sn
 *	char serial[SERIAL_LEN + 1] (NUL terminated, NUL padded)
 *	nrec times:
 *		u16 reg (enum reg_id)
 *		u8  type (REC_*)
 *		i64 ts (unix seconds the value was stored)
 *		REC_INT: i64; REC_FLOAT: f64; REC_STR: u16 len, len bytes
 *		REC_DEL: nothing (the key was removed, e.g. midnight reset)
 *		REC_NULL: nothing (the key holds no value: JSON null, e.g. a
 *		    calculated battery power whose inputs are missing)
 */
#ifndef TSUN_RECORD_H
#define TSUN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/serial.h"

#define REC_INT		1
#define REC_FLOAT	2
#define REC_STR		3
#define REC_DEL		4
#define REC_NULL	5

#define BATCH_SNAPSHOT	0x01	/* part of a full snapshot */
#define BATCH_CONNECT	0x02	/* device connected (availability online) */
#define BATCH_DISCONN	0x04	/* device disconnected (availability offline) */
#define BATCH_FORGET	0x08	/* device forgotten: no records, clear its topics */

#define REC_STR_MAX	256	/* longest string value carried */
#define BATCH_MAX	60000	/* largest batch payload */

struct rec_value {
	uint16_t	reg;
	uint8_t		type;
	int64_t		ts;
	int64_t		i;
	double		f;
	char		s[REC_STR_MAX + 1];
};

struct batch_hdr {
	uint8_t		kind;
	uint8_t		flags;
	uint16_t	nrec;
	uint32_t	monitor_sn;
	char		serial[SERIAL_LEN + 1];
};

/* building: a fixed buffer of BATCH_MAX bytes */
struct batch {
	uint8_t		buf[BATCH_MAX];
	size_t		len;
	uint16_t	nrec;
	int		full;	/* a record did not fit: caller must split */
};

void	batch_begin(struct batch *, uint8_t kind, uint8_t flags,
	    const char *serial, uint32_t monitor_sn);
int	batch_add_int(struct batch *, uint16_t reg, int64_t ts, int64_t v);
int	batch_add_float(struct batch *, uint16_t reg, int64_t ts, double v);
int	batch_add_str(struct batch *, uint16_t reg, int64_t ts, const char *);
int	batch_add_del(struct batch *, uint16_t reg, int64_t ts);
int	batch_add_null(struct batch *, uint16_t reg, int64_t ts);
/* patch nrec into the header; returns the payload length */
size_t	batch_end(struct batch *);

/* reading: -1 on any malformed byte; never reads past len */
struct batch_reader {
	const uint8_t	*p;
	size_t		 left;
	uint16_t	 remaining;
	uint16_t	 dropped;	/* non-finite floats skipped */
};
int	batch_read_hdr(struct batch_reader *, const void *, size_t,
	    struct batch_hdr *);
/*
 * 1 = a record read, 0 = no more records (and no trailing bytes), -1 bad.
 * A float record holding NaN or an infinity is skipped and counted in
 * dropped: a bad value, not a malformed batch.
 */
int	batch_read_rec(struct batch_reader *, struct rec_value *);

#endif
