/*
 * The value database of tsun-proxyd.
 *
 * Each device keeps its values in an array in first-insertion order (the
 * key order of the JSON groups mqttd builds) and a per-register index
 * into it.  A "ghost" entry holds no value: it stands where a key was
 * removed or where a rejected first value created the key's parent
 * object upstream (input.pv1 = {}), and travels as REC_DEL, so mqttd can
 * rebuild the same objects in the same order.  A value set after a ghost
 * gets a new entry at the end, as a re-inserted Python dict key would.
 *
 * Devices are found by serial through a hash table; devices with
 * unsent changes sit on a dirty list so flushing all is cheap.  The proxy
 * device (kind 0, serial "") is kept apart from the table and holds the
 * counters.
 */
#include <sys/queue.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/record.h"
#include "common/registers.h"
#include "proxyd/valuedb.h"

#define VF_DIRTY	0x01	/* not sent yet */
#define VF_GHOST	0x02	/* no value: REC_DEL */

/*
 * Sanity bounds, by unit: what a micro-inverter, its logger or a DC1000
 * battery can physically report, generously.  A value outside them, or
 * NaN or an infinity, is a glitch of the device: it is dropped, never
 * stored nor sent.  Values without a unit are only checked for being
 * finite.
 */
static const struct vdb_bound {
	const char	*unit;
	double		 lo, hi;
} vdb_bounds[] = {
	{ "kWh",		0.0,		1e9 },
	{ "W",			-500000.0,	500000.0 },
	{ "V",			-2000.0,	2000.0 },
	{ "A",			-1000.0,	1000.0 },
	{ "Hz",			0.0,		1000.0 },
	{ "\302\260C",		-273.15,	1000.0 },
	{ "%",			-1000.0,	1000.0 },
	{ "M\316\251",		0.0,		1e9 },
	{ "s",			0.0,		1e10 },
	{ "min",		0.0,		1e9 },
};

/*
 * A must-increase energy counter may grow by at most VDB_INCR_SLACK kWh
 * plus VDB_INCR_KW kW times the time since its last accepted value, so
 * one absurd value cannot lock it.  A counter that reports smaller
 * non-zero values for VDB_RESET_S seconds, without ever reaching the
 * stored one again, was reset: the smaller value is accepted.
 */
#define VDB_INCR_KW	500.0
#define VDB_INCR_SLACK	100.0
#define VDB_RESET_S	3600

#define VDB_GROW	16	/* value slots added at a time */

struct vdb_val {
	uint16_t	reg;
	uint8_t		type;	/* REC_INT, REC_FLOAT, REC_STR, REC_NULL */
	uint8_t		flags;
	/* must-increase: seconds since the epoch it is lower, or 0 */
	uint32_t	low_since;	/* in the padding: 24 bytes a value */
	int64_t		ts;
	union {
		int64_t	 i;
		double	 f;
		char	*s;
	} v;
};

struct vdb_dev {
	LIST_ENTRY(vdb_dev)	 hash;
	TAILQ_ENTRY(vdb_dev)	 dirty;
	int			 ondirty;
	int			 online;
	int			 transient;	/* admitted by allow_all */
	int64_t			 seen;		/* last online or offline */
	uint64_t		 seen_seq;	/* the same, in order */
	uint8_t			 kind;
	char			 serial[SERIAL_LEN + 1];
	uint32_t		 monitor_sn;
	struct vdb_val		*vals;
	uint16_t		 nvals;
	uint16_t		 cap;
	uint16_t		 ndirty;
	uint16_t		 idx[REG_MAX];	/* slot + 1, 0: absent */
	/* parent objects some entry (live or ghost) creates upstream */
	uint64_t		 has_group[(REG_MAX + 63) / 64];
	uint64_t		 has_sub[(REG_MAX + 63) / 64];	/* group+sub */
	/* registers whose dropped value has been logged */
	uint64_t		 warned[(REG_MAX + 63) / 64];
};

/* per register: its group's id and its (group, sub) id (0: no sub) */
static uint16_t		 reg_gid[REG_MAX], reg_sid[REG_MAX];
static double		 reg_lo[REG_MAX], reg_hi[REG_MAX];
static int		 parents_init;

static void
parents_setup(void)
{
	const struct reg_def	*a, *b;
	size_t			 u;
	int			 i, k;

	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		reg_lo[i] = -INFINITY;
		reg_hi[i] = INFINITY;
		if ((a = reg_get(i)) == NULL)
			continue;
		for (u = 0; a->unit != NULL &&
		    u < sizeof(vdb_bounds) / sizeof(vdb_bounds[0]); u++) {
			if (strcmp(a->unit, vdb_bounds[u].unit) == 0) {
				reg_lo[i] = vdb_bounds[u].lo;
				reg_hi[i] = vdb_bounds[u].hi;
				break;
			}
		}
		if (a->group == NULL)
			continue;
		reg_gid[i] = i;
		reg_sid[i] = a->sub != NULL ? i : 0;
		/* the id of a set is its first register */
		for (k = REG_NONE + 1; k < i; k++) {
			if ((b = reg_get(k)) == NULL || b->group == NULL ||
			    strcmp(a->group, b->group) != 0)
				continue;
			if (reg_gid[i] == i)
				reg_gid[i] = reg_gid[k];
			if (a->sub != NULL && b->sub != NULL &&
			    strcmp(a->sub, b->sub) == 0) {
				reg_sid[i] = reg_sid[k];
				break;
			}
		}
	}
	parents_init = 1;
}

LIST_HEAD(vdb_bucket, vdb_dev);
TAILQ_HEAD(vdb_dirtyq, vdb_dev);

static struct vdb_bucket	*buckets;
static size_t			 nbuckets;
static size_t			 ndevs;
static size_t			 ntransient;
static uint64_t			 seen_seq;
static struct vdb_dirtyq	 dirtyq = TAILQ_HEAD_INITIALIZER(dirtyq);
static struct vdb_dev		*proxydev;
static vdb_sink			 sink;
static void			*sink_arg;
static struct batch		 bt;	/* 60 kB: not on the stack */

static void	send_batch(void);
static void	send_dev(struct vdb_dev *, uint8_t, int);

static int64_t
vdb_time(void)
{
	return (int64_t)time(NULL);
}

int64_t	(*vdb_now)(void) = vdb_time;

static uint32_t
hash_serial(const char *s)
{
	uint32_t	h = 2166136261u;

	while (*s != '\0') {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

static void
hash_grow(void)
{
	struct vdb_bucket	*nb;
	struct vdb_dev		*d;
	size_t			 i, n;

	n = nbuckets == 0 ? 64 : nbuckets * 2;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < n; i++)
		LIST_INIT(&nb[i]);
	for (i = 0; i < nbuckets; i++) {
		while ((d = LIST_FIRST(&buckets[i])) != NULL) {
			LIST_REMOVE(d, hash);
			LIST_INSERT_HEAD(&nb[hash_serial(d->serial) % n], d,
			    hash);
		}
	}
	free(buckets);
	buckets = nb;
	nbuckets = n;
}

static void
dev_free(struct vdb_dev *d)
{
	uint16_t	i;

	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].type == REC_STR && !(d->vals[i].flags & VF_GHOST))
			free(d->vals[i].v.s);
	free(d->vals);
	free(d);
}

static void
mark_dirty(struct vdb_dev *d, struct vdb_val *v)
{
	if (!(v->flags & VF_DIRTY)) {
		v->flags |= VF_DIRTY;
		d->ndirty++;
	}
	if (!d->ondirty) {
		TAILQ_INSERT_TAIL(&dirtyq, d, dirty);
		d->ondirty = 1;
	}
}

static void
clear_dirty(struct vdb_dev *d)
{
	uint16_t	i;

	for (i = 0; i < d->nvals; i++)
		d->vals[i].flags &= ~VF_DIRTY;
	d->ndirty = 0;
	if (d->ondirty) {
		TAILQ_REMOVE(&dirtyq, d, dirty);
		d->ondirty = 0;
	}
}

/* a new entry at the end; the caller fills in type and value */
static struct vdb_val *
append(struct vdb_dev *d, enum reg_id reg)
{
	struct vdb_val	*nv;
	size_t		 ncap;

	if (d->nvals == d->cap) {
		if (d->cap == UINT16_MAX)
			fatalx("%s: too many values", __func__);
		/*
		 * In steps, not doubling: a device's set of values is
		 * complete after its first frames and then never grows
		 * (a GEN3 inverter's 45 values sat in 64 slots).
		 */
		ncap = (size_t)d->cap + VDB_GROW;
		if (ncap > UINT16_MAX)
			ncap = UINT16_MAX;
		nv = reallocarray(d->vals, ncap, sizeof(*nv));
		if (nv == NULL)
			fatal("%s", __func__);
		d->vals = nv;
		d->cap = ncap;
	}
	nv = &d->vals[d->nvals++];
	memset(nv, 0, sizeof(*nv));
	nv->reg = reg;
	if (!parents_init)
		parents_setup();
	if ((int)reg > REG_NONE && reg < REG_MAX) {
		d->has_group[reg_gid[reg] / 64] |= 1ull << reg_gid[reg] % 64;
		d->has_sub[reg_sid[reg] / 64] |= 1ull << reg_sid[reg] % 64;
	}
	nv->ts = vdb_now();
	return nv;
}

static struct vdb_val *
lookup(struct vdb_dev *d, enum reg_id reg)
{
	if (d == NULL || (int)reg <= REG_NONE || reg >= REG_MAX ||
	    d->idx[reg] == 0)
		return NULL;
	return &d->vals[d->idx[reg] - 1];
}

static struct vdb_val *
insert(struct vdb_dev *d, enum reg_id reg, uint8_t type)
{
	struct vdb_val	*v;

	v = append(d, reg);
	v->type = type;
	d->idx[reg] = d->nvals;
	mark_dirty(d, v);
	return v;
}

/* does an entry (live or ghost) already create reg's parent object? */
static int
parent_exists(struct vdb_dev *d, enum reg_id reg, const struct reg_def *def)
{
	const struct reg_def	*o;
	uint16_t		 i;

	/* entries are never removed: what append() saw is what exists */
	if (parents_init && def->group != NULL) {
		if (def->sub == NULL)
			return (d->has_group[reg_gid[reg] / 64] >>
			    reg_gid[reg] % 64) & 1;
		return (d->has_sub[reg_sid[reg] / 64] >> reg_sid[reg] % 64) & 1;
	}
	for (i = 0; i < d->nvals; i++) {
		o = reg_get(d->vals[i].reg);
		if (strcmp(o->group, def->group) != 0)
			continue;
		if (def->sub == NULL)
			return 1;
		if (o->sub != NULL && strcmp(o->sub, def->sub) == 0)
			return 1;
	}
	return 0;
}

/* a rejected first value still creates its parent object upstream */
static void
ghost_parent(struct vdb_dev *d, enum reg_id reg, const struct reg_def *def)
{
	struct vdb_val	*v;

	if (parent_exists(d, reg, def))
		return;
	v = append(d, reg);
	v->type = REC_INT;
	v->flags = VF_GHOST;
	mark_dirty(d, v);
}

static struct vdb_dev *
dev_new(int kind, const char *serial, uint32_t monitor_sn)
{
	struct vdb_dev	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("%s", __func__);
	d->kind = kind;
	strlcpy(d->serial, serial == NULL ? "" : serial, sizeof(d->serial));
	d->monitor_sn = monitor_sn;
	return d;
}

void
vdb_init(vdb_sink s, void *arg)
{
	sink = s;
	sink_arg = arg;
}

void
vdb_reset(void)
{
	struct vdb_dev	*d;
	size_t		 i;

	for (i = 0; i < nbuckets; i++) {
		while ((d = LIST_FIRST(&buckets[i])) != NULL) {
			LIST_REMOVE(d, hash);
			dev_free(d);
		}
	}
	free(buckets);
	buckets = NULL;
	nbuckets = 0;
	ndevs = 0;
	ntransient = 0;
	if (proxydev != NULL)
		dev_free(proxydev);
	proxydev = NULL;
	TAILQ_INIT(&dirtyq);
}

struct vdb_dev *
vdb_find(const char *serial)
{
	struct vdb_dev	*d;
	char		 sn[SERIAL_LEN + 1];

	strlcpy(sn, serial == NULL ? "" : serial, sizeof(sn));
	if (nbuckets == 0)
		return NULL;
	LIST_FOREACH(d, &buckets[hash_serial(sn) % nbuckets], hash)
		if (strcmp(d->serial, sn) == 0)
			return d;
	return NULL;
}

struct vdb_dev *
vdb_device(int kind, const char *serial, uint32_t monitor_sn)
{
	struct vdb_dev	*d;
	uint32_t	 h;
	char		 sn[SERIAL_LEN + 1];

	strlcpy(sn, serial == NULL ? "" : serial, sizeof(sn));
	h = hash_serial(sn);
	if (nbuckets != 0) {
		LIST_FOREACH(d, &buckets[h % nbuckets], hash) {
			if (strcmp(d->serial, sn) != 0)
				continue;
			/* learnt later, e.g. the logger's monitor SN */
			if (monitor_sn != 0)
				d->monitor_sn = monitor_sn;
			if (kind != 0)
				d->kind = kind;
			return d;
		}
	}
	if (ndevs >= nbuckets)
		hash_grow();
	d = dev_new(kind, sn, monitor_sn);
	d->seen = vdb_now();
	d->seen_seq = ++seen_seq;
	LIST_INSERT_HEAD(&buckets[h % nbuckets], d, hash);
	ndevs++;
	return d;
}

struct vdb_dev *
vdb_proxy(void)
{
	const struct reg_def	*def;
	struct vdb_val		*v;
	int			 i;

	if (proxydev != NULL)
		return proxydev;
	proxydev = dev_new(0, "", 0);
	/* the registered counters are published from start, all 0 */
	for (i = REG_NONE + 1; i < REG_MAX; i++) {
		def = reg_get(i);
		if (def->flags & REGF_COUNTER) {
			v = insert(proxydev, i, REC_INT);
			v->v.i = 0;
		}
	}
	return proxydev;
}

void
vdb_forget(struct vdb_dev *d)
{
	if (d == NULL)
		return;
	if (d->ondirty)
		TAILQ_REMOVE(&dirtyq, d, dirty);
	if (d == proxydev) {
		proxydev = NULL;
	} else {
		LIST_REMOVE(d, hash);
		ndevs--;
		if (d->transient)
			ntransient--;
	}
	dev_free(d);
}

/*
 * Devices admitted by allow_all are remembered for a while only: at most
 * VDB_TRANSIENT_MAX of them, each until it has been offline for
 * VDB_TRANSIENT_TTL seconds.  Forgetting one tells tsun-mqttd
 * (BATCH_FORGET), which takes its retained topics down.
 */
void
vdb_set_transient(struct vdb_dev *d, int on)
{
	if (d == NULL || d == proxydev || d->transient == (on != 0))
		return;
	d->transient = on != 0;
	if (on)
		ntransient++;
	else
		ntransient--;
}

static void
forget_transient(struct vdb_dev *d, const char *why)
{
	log_info("device %s forgotten: %s", d->serial, why);
	if (d->ndirty > 0)
		send_dev(d, 0, 0);
	batch_begin(&bt, d->kind, BATCH_FORGET, d->serial, d->monitor_sn);
	send_batch();
	vdb_forget(d);
}

/* the offline transient device seen longest ago, NULL if none */
static struct vdb_dev *
oldest_transient(void)
{
	struct vdb_dev	*d, *o = NULL;
	size_t		 i;

	for (i = 0; i < nbuckets && ntransient > 0; i++)
		LIST_FOREACH(d, &buckets[i], hash)
			if (d->transient && !d->online &&
			    (o == NULL || d->seen_seq < o->seen_seq))
				o = d;
	return o;
}

int
vdb_transient_room(void)
{
	struct vdb_dev	*d;

	if (ntransient < VDB_TRANSIENT_MAX)
		return 1;
	if ((d = oldest_transient()) == NULL)
		return 0;
	forget_transient(d, "allow_all device limit reached");
	return 1;
}

int
vdb_expire(void)
{
	struct vdb_dev	*d;
	int64_t		 now = vdb_now();
	int		 n = 0;

	while ((d = oldest_transient()) != NULL &&
	    now - d->seen >= VDB_TRANSIENT_TTL) {
		forget_transient(d, "not seen for a day");
		n++;
	}
	return n;
}

/* log a dropped value once per device and register */
static int
drop_value(struct vdb_dev *d, enum reg_id reg, const struct reg_def *def,
    const char *why, double nv, double ov)
{
	uint64_t	bit = 1ull << reg % 64;

	if (d->warned[reg / 64] & bit)
		return 0;
	d->warned[reg / 64] |= bit;
	if (isnan(ov))
		log_warnx("device %s: %s value %g %s, dropped",
		    d->serial[0] != '\0' ? d->serial : "proxy", def->name, nv,
		    why);
	else
		log_warnx("device %s: %s value %g %s %g, dropped",
		    d->serial[0] != '\0' ? d->serial : "proxy", def->name, nv,
		    why, ov);
	return 0;
}

/*
 * The must-increase rule for a stored value ov: 1 if nv replaces it.
 * Smaller values are refused (a glitch sends 0 or an old total) unless
 * they keep coming for VDB_RESET_S; larger ones are refused beyond what
 * VDB_INCR_KW could have produced since the last accepted value.
 */
static int
must_incr(struct vdb_dev *d, enum reg_id reg, const struct reg_def *def,
    struct vdb_val *v, double nv, double ov)
{
	int64_t	now = vdb_now();
	double	dt;

	if (nv > ov) {
		v->low_since = 0;
		dt = now > v->ts ? (double)(now - v->ts) : 0.0;
		if (strcmp(def->unit, "kWh") == 0 &&
		    nv - ov > VDB_INCR_SLACK + VDB_INCR_KW * dt / 3600.0)
			return drop_value(d, reg, def, "jumps from", nv, ov);
		return 1;
	}
	if (!(nv > 0) || nv == ov) {
		if (nv == ov)
			v->low_since = 0;
		return 0;
	}
	/* smaller, not 0: a glitch, or the counter was reset */
	if (v->low_since == 0) {
		v->low_since = (uint32_t)now;
		return 0;
	}
	if ((uint32_t)now - v->low_since < VDB_RESET_S)
		return 0;
	log_info("device %s: %s reset from %g to %g", d->serial, def->name,
	    ov, nv);
	v->low_since = 0;
	return 1;
}

/* numeric store with the must-increase rule; isf: the new value is a float */
static int
set_num(struct vdb_dev *d, enum reg_id reg, int isf, int64_t i, double f)
{
	const struct reg_def	*def;
	struct vdb_val		*v;
	double			 nv, ov;

	if (d == NULL || (def = reg_get(reg)) == NULL)
		return 0;
	if (!parents_init)
		parents_setup();
	nv = isf ? f : (double)i;
	if (!isfinite(nv))
		return drop_value(d, reg, def, "not finite", nv, NAN);
	if (nv < reg_lo[reg] || nv > reg_hi[reg])
		return drop_value(d, reg, def, "out of range", nv, NAN);
	v = lookup(d, reg);
	if (v != NULL && v->type != REC_STR && v->type != REC_NULL) {
		ov = v->type == REC_FLOAT ? v->v.f : (double)v->v.i;
		if (def->flags & REGF_MUST_INCR) {
			if (!must_incr(d, reg, def, v, nv, ov))
				return 0;
		} else if (v->type == REC_INT && !isf) {
			if (v->v.i == i)
				return 0;
		} else if (nv == ov) {
			/* 1 == 1.0 upstream: the stored form stays */
			return 0;
		}
	} else if (v == NULL && (def->flags & REGF_MUST_INCR) && !(nv > 0)) {
		ghost_parent(d, reg, def);
		return 0;
	} else if (v != NULL && v->type == REC_NULL &&
	    (def->flags & REGF_MUST_INCR) && !(nv > 0))
		return 0;	/* as for a missing key: null stays */
	if (v == NULL)
		v = insert(d, reg, REC_INT);
	else if (v->type == REC_STR)
		free(v->v.s);
	v->type = isf ? REC_FLOAT : REC_INT;
	if (isf)
		v->v.f = f;
	else
		v->v.i = i;
	v->ts = vdb_now();
	mark_dirty(d, v);
	return 1;
}

int
vdb_set_int(struct vdb_dev *d, enum reg_id reg, int64_t val)
{
	return set_num(d, reg, 0, val, 0.0);
}

int
vdb_set_float(struct vdb_dev *d, enum reg_id reg, double val)
{
	return set_num(d, reg, 1, 0, val);
}

int
vdb_set_str(struct vdb_dev *d, enum reg_id reg, const char *s)
{
	struct vdb_val	*v;
	char		*ns;

	if (d == NULL || reg_get(reg) == NULL || s == NULL)
		return 0;
	v = lookup(d, reg);
	if (v != NULL && v->type == REC_STR &&
	    strncmp(v->v.s, s, REC_STR_MAX) == 0)
		return 0;
	/* records carry at most REC_STR_MAX bytes: store what is sent */
	if ((ns = strndup(s, REC_STR_MAX)) == NULL)
		fatal("%s", __func__);
	if (v == NULL)
		v = insert(d, reg, REC_STR);
	else if (v->type == REC_STR)
		free(v->v.s);
	v->type = REC_STR;
	v->v.s = ns;
	v->ts = vdb_now();
	mark_dirty(d, v);
	return 1;
}

/*
 * A key without a value (JSON null): a calculated value whose inputs
 * are missing.  null -> null is no change; a later number or string
 * replaces it in place.
 */
int
vdb_set_null(struct vdb_dev *d, enum reg_id reg)
{
	struct vdb_val	*v;

	if (d == NULL || reg_get(reg) == NULL)
		return 0;
	v = lookup(d, reg);
	if (v != NULL && v->type == REC_NULL)
		return 0;
	if (v == NULL)
		v = insert(d, reg, REC_NULL);
	else if (v->type == REC_STR)
		free(v->v.s);
	v->type = REC_NULL;
	v->v.i = 0;
	v->ts = vdb_now();
	mark_dirty(d, v);
	return 1;
}

int
vdb_is_null(struct vdb_dev *d, enum reg_id reg)
{
	struct vdb_val	*v;

	return (v = lookup(d, reg)) != NULL && v->type == REC_NULL;
}

int
vdb_del(struct vdb_dev *d, enum reg_id reg)
{
	struct vdb_val	*v;

	if ((v = lookup(d, reg)) == NULL)
		return 0;
	if (v->type == REC_STR)
		free(v->v.s);
	v->type = REC_INT;
	v->v.i = 0;
	v->flags |= VF_GHOST;
	v->ts = vdb_now();
	d->idx[reg] = 0;
	mark_dirty(d, v);
	return 1;
}

int
vdb_get_int(struct vdb_dev *d, enum reg_id reg, int64_t *out)
{
	struct vdb_val	*v;

	if ((v = lookup(d, reg)) == NULL || v->type != REC_INT)
		return 0;
	if (out != NULL)
		*out = v->v.i;
	return 1;
}

/* integers are returned converted: callers compare numbers */
int
vdb_get_float(struct vdb_dev *d, enum reg_id reg, double *out)
{
	struct vdb_val	*v;

	if ((v = lookup(d, reg)) == NULL || v->type == REC_STR ||
	    v->type == REC_NULL)
		return 0;
	if (out != NULL)
		*out = v->type == REC_FLOAT ? v->v.f : (double)v->v.i;
	return 1;
}

const char *
vdb_get_str(struct vdb_dev *d, enum reg_id reg)
{
	struct vdb_val	*v;

	if ((v = lookup(d, reg)) == NULL || v->type != REC_STR)
		return NULL;
	return v->v.s;
}

int
vdb_has(struct vdb_dev *d, enum reg_id reg)
{
	return lookup(d, reg) != NULL;
}

void
vdb_count(enum reg_id reg, int delta)
{
	struct vdb_dev	*d = vdb_proxy();
	struct vdb_val	*v;

	if (reg_get(reg) == NULL)
		return;
	if ((v = lookup(d, reg)) == NULL) {
		v = insert(d, reg, REC_INT);
		v->v.i = delta;
		return;
	}
	if (delta == 0 || v->type != REC_INT)
		return;
	v->v.i += delta;
	v->ts = vdb_now();
	mark_dirty(d, v);
}

static void
send_batch(void)
{
	size_t	len;

	len = batch_end(&bt);
	if (sink != NULL)
		sink(bt.buf, len, sink_arg);
}

static void
add_rec(struct vdb_dev *d, uint8_t flags, const struct vdb_val *v)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (v->flags & VF_GHOST) {
			if (batch_add_del(&bt, v->reg, v->ts) == 0)
				return;
		} else if (v->type == REC_INT) {
			if (batch_add_int(&bt, v->reg, v->ts, v->v.i) == 0)
				return;
		} else if (v->type == REC_FLOAT) {
			if (batch_add_float(&bt, v->reg, v->ts, v->v.f) == 0)
				return;
		} else if (v->type == REC_NULL) {
			if (batch_add_null(&bt, v->reg, v->ts) == 0)
				return;
		} else if (batch_add_str(&bt, v->reg, v->ts, v->v.s) == 0)
			return;
		/* full: send what we have, go on in a fresh batch */
		send_batch();
		batch_begin(&bt, d->kind, flags, d->serial, d->monitor_sn);
	}
	fatalx("%s: record does not fit an empty batch", __func__);
}

/* every value (all) or the changed ones, in insertion order */
static void
send_dev(struct vdb_dev *d, uint8_t flags, int all)
{
	uint16_t	i;

	batch_begin(&bt, d->kind, flags, d->serial, d->monitor_sn);
	for (i = 0; i < d->nvals; i++)
		if (all || (d->vals[i].flags & VF_DIRTY))
			add_rec(d, flags, &d->vals[i]);
	send_batch();
	clear_dirty(d);
}

void
vdb_set_online(struct vdb_dev *d, int online)
{
	if (d == NULL)
		return;
	/* values decoded before the close belong before the offline state */
	if (!online && d->ndirty > 0)
		send_dev(d, 0, 0);
	d->online = online != 0;
	d->seen = vdb_now();
	d->seen_seq = ++seen_seq;
	batch_begin(&bt, d->kind, online ? BATCH_CONNECT : BATCH_DISCONN,
	    d->serial, d->monitor_sn);
	send_batch();
}

void
vdb_flush(struct vdb_dev *d)
{
	struct vdb_dev	*n;

	if (d != NULL) {
		if (d->ndirty > 0)
			send_dev(d, 0, 0);
		return;
	}
	while ((n = TAILQ_FIRST(&dirtyq)) != NULL) {
		if (n->ndirty > 0)
			send_dev(n, 0, 0);
		else
			clear_dirty(n);
	}
}

void
vdb_snapshot(void)
{
	struct vdb_dev	*d;
	size_t		 i;

	send_dev(vdb_proxy(), BATCH_SNAPSHOT, 1);
	for (i = 0; i < nbuckets; i++)
		LIST_FOREACH(d, &buckets[i], hash)
			send_dev(d, BATCH_SNAPSHOT |
			    (d->online ? BATCH_CONNECT : 0), 1);
}
