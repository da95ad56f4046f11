/*
 * MODBUS RTU as carried inside GEN3 (Talent 0x77/0x87) and GEN3PLUS
 * (Solarman V5 0x4510/0x1510) frames: CRC, request building, answer
 * validation and the register map (one global map, GEN3 and GEN3PLUS).
 *
 * The field descriptor and value conversion are shared with the V5 data
 * layouts (g3p_layout.c): a layout is the same kind of table with byte
 * offsets instead of register numbers.
 */
#ifndef TSUN_MODBUS_H
#define TSUN_MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/registers.h"

struct vdb_dev;

#define MB_FN_READ_HOLDING	3
#define MB_FN_READ_INPUT	4
#define MB_FN_WRITE_SINGLE	6

#define MB_REQ_LEN		8	/* addr fn reg val crc */

/* answer validation results, in the order they are checked (spec §12.3) */
#define MB_OK			0
#define MB_ERR_CRC		1
#define MB_ERR_ADDR		2
#define MB_ERR_FCODE		3
#define MB_ERR_LEN		4
#define MB_ERR_NOREQ		5

/* the outstanding request an answer is checked against */
struct mb_req {
	uint8_t		addr;
	uint8_t		fcode;
	uint16_t	reg;
	uint16_t	count;		/* bytes 4-5: count, or value for fn 6 */
};

/* field encodings */
#define MBT_U8		1
#define MBT_U16LE	2
#define MBT_U16BE	3
#define MBT_S16BE	4
#define MBT_U32BE	5
#define MBT_STR		6	/* len bytes, cut at the first NUL */
#define MBT_MAC		7	/* 6 bytes -> xx:xx:xx:xx:xx:xx */

/* conversions, applied after the encoding */
#define MBC_RAW		0	/* integer as read */
#define MBC_RATIO	1	/* x arg; float rounded to 2 digits unless arg integral */
#define MBC_QUOT	2	/* round(raw / arg), ties to even, integer */
#define MBC_OFS		3	/* raw + arg, integer */
#define MBC_VERSION	4	/* V{a}.{b}.{c}{D} */
#define MBC_HEX4	5	/* %04x */

struct mb_field {
	uint16_t	pos;	/* register number, or byte offset in a layout */
	uint8_t		type;	/* MBT_* */
	uint8_t		len;	/* MBT_STR: byte length */
	uint8_t		conv;	/* MBC_* */
	double		arg;
	enum reg_id	reg;
};

#define MBV_INT		1
#define MBV_FLOAT	2
#define MBV_STR		3
#define MBV_STR_MAX	48

struct mb_value {
	enum reg_id	reg;
	int		type;	/* MBV_* */
	int64_t		i;
	double		f;
	char		s[MBV_STR_MAX];
};

typedef void	(*mb_value_cb)(void *arg, const struct mb_value *);

/* CRC-16/MODBUS; a frame including its CRC (low byte first) yields 0 */
uint16_t	 mb_crc16(const uint8_t *, size_t);

/* builds an 8-byte request into out, fills *req when not NULL */
void		 mb_build_req(uint8_t out[MB_REQ_LEN], uint8_t addr,
		    uint8_t fcode, uint16_t reg, uint16_t val, struct mb_req *);
/* a request from the cloud: 0 and *req if an 8-byte frame with good CRC */
int		 mb_parse_req(const uint8_t *, size_t, struct mb_req *);

/* validate an answer; pending NULL means no request outstanding */
int		 mb_check_answer(const struct mb_req *pending, const uint8_t *,
		    size_t);

/* whether a checked answer carries register data to decode */
int		 mb_answer_has_data(const struct mb_req *);

/*
 * Decode the register data of a validated read answer (the whole RTU
 * frame): every mapped register that fits is reported through cb.
 * Returns the number of values.
 */
int		 mb_decode_answer(const struct mb_req *, const uint8_t *, size_t,
		    mb_value_cb, void *);
/* the same on bare register data starting at register first */
int		 mb_decode_regs(uint16_t first, const uint8_t *, size_t,
		    mb_value_cb, void *);

/* the global register map (spec T6), sorted by register */
extern const struct mb_field	mb_map[];
extern const size_t		mb_map_len;

/* shared with the V5 layouts: decode one field at p[0..len) */
int		 mb_field_decode(const struct mb_field *, const uint8_t *,
		    size_t, struct mb_value *);
/*
 * The inverse of mb_field_decode, for the emulated logger (spec §14.1):
 * write v into p[0..len) as field f.  Subtracts the offset, multiplies by
 * the quotient, divides by the ratio (rounded, ties to even), reverses
 * the text conversions (version text, %04x, MAC text), NUL-pads strings.
 * Returns the bytes the field takes, 0 if it was skipped (value 0 or
 * empty as upstream, unparsable text, out of the field's range: the
 * bytes stay untouched), -1 if the field does not fit in len.
 */
int		 mb_field_encode(const struct mb_field *, const struct mb_value *,
		    uint8_t *, size_t);
/* bytes a field takes (0: unknown type) */
size_t		 mb_field_size(const struct mb_field *);
/* round to 2 decimal digits like Python's round(x, 2) */
/* version text of a register value, e.g. 0x4010 -> "V4.0.10" */
void		 mb_version_str(uint16_t, char *, size_t);

/* store a value in the database: 1 if it changed */
int		 mb_value_store(struct vdb_dev *, const struct mb_value *);

#endif
