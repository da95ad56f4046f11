#ifndef TSUN_NUM_H
#define TSUN_NUM_H

#include <stdint.h>

/*
 * round(v, 2) as Python computes it: the exact binary value rounded to
 * two decimals, ties to even.  The decoders store numbers this way and
 * the JSON writer prints them this way, so both must agree to the bit.
 */
double	num_round2(double);

/* a float as an integer, saturated at the int64_t range, NaN as 0 */
int64_t	num_to_i64(double);

#endif
