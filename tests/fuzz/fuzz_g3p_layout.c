/*
 * libFuzzer target: the V5 data layouts (T1-T4).  The first byte picks
 * the layout, the rest is a frame image.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxyd/g3p_layout.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
sink(void *arg, const struct mb_value *v)
{
	int	*n = arg;

	(*n)++;
	if (v->type == MBV_STR && v->s[MBV_STR_MAX - 1] != '\0')
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static const uint16_t	 sl[] = { 0, G3P_SL_MS, G3P_SL_MX, G3P_SL_DCU };
	const struct g3p_layout	*l;
	int			 n = 0;

	if (len < 1)
		return 0;
	if (p[0] % 5 == 4)
		l = &g3p_layout_4110;
	else if ((l = g3p_layout_4210(sl[p[0] % 4])) == NULL)
		return 0;
	g3p_layout_decode(l, p + 1, len - 1, sink, &n);
	return 0;
}
