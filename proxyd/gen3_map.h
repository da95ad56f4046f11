/*
 * GEN3 data maps: which register each info id of a data frame (0x71
 * collector data, 0x04 inverter data by data_id) is stored in
 * (gen3-talent.md §8).
 */
#ifndef TSUN_GEN3_MAP_H
#define TSUN_GEN3_MAP_H

#include <stdint.h>

#include "common/registers.h"

#define DATA_ID_COLLECTOR	0x0e100000
#define DATA_ID_INV_0001	0x01900001
#define DATA_ID_INV_0000	0x01900000

struct g3_info {
	uint32_t	id;
	enum reg_id	reg;
	int		ratio;		/* x100/1024 (coefficients) */
};

/* the map of a data_id (ends with reg REG_NONE); NULL: nothing decoded */
const struct g3_info	*g3_info_map(uint32_t data_id);
/* the entry of info id in map (NULL: no map), NULL if none */
const struct g3_info	*g3_info_find(const struct g3_info *, uint32_t id);

#endif
