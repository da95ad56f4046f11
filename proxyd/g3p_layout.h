/*
 * GEN3PLUS (Solarman V5) data layouts: where the fields of the logger
 * indication (0x4110, spec T1) and of the data indications (0x4210,
 * T2/T3/T4 by sensor list) sit, as byte offsets from the frame start.
 */
#ifndef TSUN_G3P_LAYOUT_H
#define TSUN_G3P_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "common/registers.h"
#include "proxyd/modbus.h"

/* bytes only the emulated logger writes (spec T1/T2 "constant" rows) */
struct g3p_const {
	uint16_t	pos;
	uint8_t		n;
	uint8_t		b[8];
};

struct g3p_layout {
	const struct mb_field	*f;
	size_t			 n;
	const struct g3p_const	*c;
	size_t			 nc;
};

/* T1: the 0x4110 logger indication */
extern const struct g3p_layout	g3p_layout_4110;
/* the 0x4210 layout of a sensor list, NULL if unknown */
const struct g3p_layout	*g3p_layout_4210(uint16_t sensor_list);

/*
 * Decode every field of the layout that lies inside p[0..len) (len
 * without checksum and stop byte): fields that do not fit are skipped.
 * Returns the number of values reported.
 */
int	g3p_layout_decode(const struct g3p_layout *, const uint8_t *, size_t,
	    mb_value_cb, void *);

/* the value the database holds for reg: 1 and *v, 0 if none */
typedef int	(*g3p_value_get)(void *arg, enum reg_id, struct mb_value *);

/*
 * The inverse (spec §14.1): write the layout's constants and every field
 * whose value get() returns into p[0..len), which the caller zeroed.
 * Fields before offset from are left alone (the frame header); a field
 * that does not fit ends the build silently as upstream.  Returns the
 * number of fields written.
 */
int	g3p_layout_build(const struct g3p_layout *, uint8_t *, size_t,
	    size_t from, g3p_value_get, void *);

#endif
