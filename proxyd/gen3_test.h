/*
 * GEN3 introspection for the unit tests and the fuzz harness (gen3_test.c,
 * not linked into tsun-proxyd): the state of a struct gen3 that they may
 * read and preset.  The daemon drives the engine through struct
 * proto_ops alone.
 */
#ifndef TSUN_GEN3_TEST_H
#define TSUN_GEN3_TEST_H

#include <stdint.h>

#include "proxyd/gen3_priv.h"

/* poll state and counters */
struct gen3_dbg	*gen3_dbg(struct gen3 *);

#endif
