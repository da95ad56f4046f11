/*
 * libFuzzer target: the V5 data layouts (T1-T4).  The first byte picks
 * the layout, the rest is a frame image.  What was decoded is built
 * back (the emulated logger, spec §14.1) into a frame of the same size:
 * nothing may be written before the header limit or past the end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxyd/g3p_layout.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct mb_value	vals[REG_MAX];
static uint8_t		have[REG_MAX];

static void
sink(void *arg, const struct mb_value *v)
{
	int	*n = arg;

	(*n)++;
	if (v->type == MBV_STR && v->s[MBV_STR_MAX - 1] != '\0')
		__builtin_trap();
	if ((int)v->reg > REG_NONE && v->reg < REG_MAX) {
		vals[v->reg] = *v;
		have[v->reg] = 1;
	}
}

static int
get(void *arg, enum reg_id r, struct mb_value *v)
{
	if ((int)r <= REG_NONE || r >= REG_MAX || !have[r])
		return 0;
	*v = vals[r];
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static const uint16_t	 sl[] = { 0, G3P_SL_MS, G3P_SL_MX, G3P_SL_DCU };
	const struct g3p_layout	*l;
	uint8_t			*q;
	size_t			 i, n1, from;
	int			 n = 0;

	if (len < 1)
		return 0;
	if (p[0] % 5 == 4)
		l = &g3p_layout_4110;
	else if ((l = g3p_layout_4210(sl[p[0] % 4])) == NULL)
		return 0;
	memset(have, 0, sizeof(have));
	g3p_layout_decode(l, p + 1, len - 1, sink, &n);

	/* exactly the image's size, so ASan sees any write past it */
	n1 = len - 1;
	if ((q = malloc(n1 + 1)) == NULL)
		return 0;
	memset(q, 0, n1 + 1);
	from = l == &g3p_layout_4110 ? 0x18 : 0x20;
	if (g3p_layout_build(l, q, n1, from, get, NULL) > n)
		__builtin_trap();	/* more fields than were decoded */
	for (i = 0; i < from && i < n1; i++)
		if (q[i] != 0)
			__builtin_trap();
	if (q[n1] != 0)
		__builtin_trap();
	free(q);
	return 0;
}
