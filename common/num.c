#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/num.h"

double
num_round2(double v)
{
	char	 b[400];
	double	 t, f, d;

	if (!isfinite(v) || fabs(v) >= 1e300)
		return v;
	/*
	 * Fast path, same result: "%.2f" rounds the exact v*100 to an
	 * integer n and strtod() gives the double nearest n/100, that is
	 * n / 100.0 while |n| < 2^53.  t = v*100 is within |t| * 2^-53 of
	 * the exact product: away from a midpoint t tells the side.  Near a
	 * midpoint (or for large values) printf decides.
	 */
	if (fabs(v) < 1e12) {
		t = v * 100.0;
		f = floor(t);
		d = t - (f + 0.5);
		if (fabs(d) > fabs(t) * 0x1p-50 + 0x1p-60) {
			if (d > 0)
				f += 1.0;
			if (f == 0)
				return copysign(0.0, v);	/* "-0.00" */
			return f / 100.0;
		}
	}
	/* printf rounds the exact binary value, as Python's round() */
	snprintf(b, sizeof(b), "%.2f", v);
	return strtod(b, NULL);
}

int64_t
num_to_i64(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 0x1p63)
		return INT64_MAX;
	if (v <= -0x1p63)
		return INT64_MIN;
	return (int64_t)v;
}
