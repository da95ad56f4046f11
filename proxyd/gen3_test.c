/*
 * The GEN3 state for the unit tests and the fuzz harness (gen3_test.h).
 * Nothing in tsun-proxyd calls it, so it is not linked into it.
 */
#include "proxyd/gen3_priv.h"
#include "proxyd/gen3_test.h"

struct gen3_dbg *
gen3_dbg(struct gen3 *g)
{
	return &g->d;
}
