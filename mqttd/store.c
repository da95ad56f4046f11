/*
 * The device store of tsun-mqttd: every device tsun-proxyd told us about
 * (or the configuration names), found by serial in a hash table and kept
 * in a list, with its latest values in first-insertion order, which is
 * the JSON key order of its groups.  Publishing is in publish.c.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/num.h"
#include "common/record.h"
#include "common/registers.h"
#include "mqttd/mqttd.h"

#define HASH_SIZE	256

static struct mq_dev	*htab[HASH_SIZE];

static unsigned int	 hash_serial(const char *);
static void		 dev_free(struct mq_dev *);
static void		 dev_unlink(struct mq_dev *);

/* ---- devices ---- */

static unsigned int
hash_serial(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h % HASH_SIZE;
}

const struct conf_device *
mq_conf_lookup(const struct tsun_conf *c, const struct mq_dev *d)
{
	const struct conf_device	*cd;

	if (c == NULL)
		return NULL;
	TAILQ_FOREACH(cd, &c->devices, entry) {
		if (d->serial[0] != '\0' && strcmp(cd->serial, d->serial) == 0)
			return cd;
		if (d->serial[0] == '\0' && d->monitor_sn != 0 &&
		    cd->monitor_sn == d->monitor_sn)
			return cd;
	}
	return NULL;
}

struct mq_dev *
mq_dev_new(uint8_t kind, const char *serial, uint32_t msn)
{
	struct mq_dev	*d;
	unsigned int	 h;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->kind = kind;
	strlcpy(d->serial, serial, sizeof(d->serial));
	d->monitor_sn = msn;
	d->online = -1;
	d->dcu_sent = -1;
	if (kind != 0) {
		d->conf = mq_conf_lookup(mq.conf, d);
		h = hash_serial(d->serial);
		d->next = htab[h];
		htab[h] = d;
		d->lnext = mq.devs;
		mq.devs = d;
		mq.ndevs++;
	}
	return d;
}

static void
dev_free(struct mq_dev *d)
{
	uint16_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].type == REC_STR)
			free(d->vals[i].v.s);
	free(d->vals);
	free(d);
}

static void
dev_unlink(struct mq_dev *d)
{
	struct mq_dev	**pp;

	for (pp = &htab[hash_serial(d->serial)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (pp = &mq.devs; *pp != NULL; pp = &(*pp)->lnext)
		if (*pp == d) {
			*pp = d->lnext;
			mq.ndevs--;
			break;
		}
}

void
mq_dev_remove(struct mq_dev *d)
{
	dev_unlink(d);
	dev_free(d);
}

/* every device, the proxy's included */
void
mq_dev_free_all(void)
{
	struct mq_dev	*d, *next;

	for (d = mq.devs; d != NULL; d = next) {
		next = d->lnext;
		dev_free(d);
	}
	dev_free(mq.proxy);
	memset(htab, 0, sizeof(htab));
}

struct mq_dev *
mq_dev_find(const char *serial)
{
	struct mq_dev	*d;

	for (d = htab[hash_serial(serial)]; d != NULL; d = d->next)
		if (strcmp(d->serial, serial) == 0)
			return d;
	return NULL;
}

struct mq_dev *
mq_dev_find_key(const char *serial, uint32_t msn)
{
	struct mq_dev	*d;

	for (d = htab[hash_serial(serial)]; d != NULL; d = d->next)
		if (strcmp(d->serial, serial) == 0 &&
		    (serial[0] != '\0' || d->monitor_sn == msn))
			return d;
	return NULL;
}

struct mq_dev *
mq_dev_by_node(const char *node)
{
	struct mq_dev			*d;
	const struct conf_device	*cd;

	if (node == NULL || *node == '\0' || mq.conf == NULL)
		return NULL;
	for (d = mq.devs; d != NULL; d = d->lnext)
		if (d->conf != NULL && strcmp(d->conf->node_id, node) == 0)
			return d;
	/* configured but never seen: known from now on (commands, limits) */
	TAILQ_FOREACH(cd, &mq.conf->devices, entry)
		if (strcmp(cd->node_id, node) == 0)
			return mq_dev_new((uint8_t)cd->kind, cd->serial,
			    cd->monitor_sn);
	return NULL;
}

size_t
mq_ndevices(void)
{
	return mq.ndevs;
}

const char *
mq_dev_node(const struct mq_dev *d)
{
	if (d->kind == 0)
		return mq.conf != NULL ? mq.conf->ha_proxy_node_id : "proxy";
	if (d->conf != NULL)
		return d->conf->node_id;
	return "";
}

int
mq_dev_topic(char *buf, size_t size, const struct mq_dev *d,
    const char *leaf)
{
	const char	*node = mq_dev_node(d);
	int		 n;

	if (*node != '\0')
		n = snprintf(buf, size, "%s/%s/%s", mq.conf->ha_entity_prefix,
		    node, leaf);
	else
		n = snprintf(buf, size, "%s/%s", mq.conf->ha_entity_prefix,
		    leaf);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

void
mq_dev_snr(const struct mq_dev *d, char *buf, size_t size)
{
	if (d->kind == 0)
		strlcpy(buf, mq.conf->ha_proxy_unique_id, size);
	else if (d->kind == DEV_GEN3 || d->monitor_sn == 0)
		strlcpy(buf, d->serial, size);
	else
		snprintf(buf, size, "%u", d->monitor_sn);
}

/* ---- values ---- */

const struct mq_val *
mq_val_get(const struct mq_dev *d, int reg)
{
	uint16_t	i;

	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].reg == reg)
			return &d->vals[i];
	return NULL;
}

int
mq_val_int(const struct mq_dev *d, int reg, int64_t *v)
{
	const struct mq_val	*mv = mq_val_get(d, reg);

	if (mv == NULL)
		return 0;
	if (mv->type == REC_INT)
		*v = mv->v.i;
	else if (mv->type == REC_FLOAT)
		*v = num_to_i64(mv->v.f);
	else
		return 0;
	return 1;
}

int
mq_val_num(const struct mq_dev *d, int reg, double *v)
{
	const struct mq_val	*mv = mq_val_get(d, reg);

	if (mv == NULL)
		return 0;
	if (mv->type == REC_INT)
		*v = (double)mv->v.i;
	else if (mv->type == REC_FLOAT)
		*v = mv->v.f;
	else
		return 0;
	return 1;
}

const char *
mq_val_str(const struct mq_dev *d, int reg)
{
	const struct mq_val	*mv = mq_val_get(d, reg);

	if (mv == NULL || mv->type != REC_STR)
		return NULL;
	return mv->v.s;
}

/* 1 if the stored value changed */
int
mq_val_set(struct mq_dev *d, const struct rec_value *r)
{
	struct mq_val	*mv, *nv;
	uint16_t	 i, ncap;
	char		*s = NULL;

	for (i = 0; i < d->nvals; i++)
		if (d->vals[i].reg == r->reg)
			break;
	mv = i < d->nvals ? &d->vals[i] : NULL;

	if (r->type == REC_DEL) {
		if (mv == NULL)
			return 0;
		if (mv->type == REC_STR)
			free(mv->v.s);
		memmove(mv, mv + 1, (d->nvals - i - 1) * sizeof(*mv));
		d->nvals--;
		return 1;
	}
	if (mv != NULL && mv->type == r->type) {
		if (r->type == REC_NULL ||
		    (r->type == REC_INT && mv->v.i == r->i) ||
		    (r->type == REC_FLOAT && mv->v.f == r->f) ||
		    (r->type == REC_STR && strcmp(mv->v.s, r->s) == 0))
			return 0;
	}
	if (r->type == REC_STR && (s = strdup(r->s)) == NULL)
		return 0;
	if (mv == NULL) {
		if (d->nvals == d->capvals) {
			ncap = d->capvals ? d->capvals * 2 : 16;
			if (ncap > REG_MAX)
				ncap = REG_MAX;
			if (ncap <= d->capvals || (nv = reallocarray(d->vals,
			    ncap, sizeof(*nv))) == NULL) {
				free(s);
				return 0;
			}
			d->vals = nv;
			d->capvals = ncap;
		}
		mv = &d->vals[d->nvals++];
		mv->reg = r->reg;
	} else if (mv->type == REC_STR)
		free(mv->v.s);
	mv->type = r->type;
	if (r->type == REC_INT)
		mv->v.i = r->i;
	else if (r->type == REC_FLOAT)
		mv->v.f = r->f;
	else if (r->type == REC_NULL)
		memset(&mv->v, 0, sizeof(mv->v));
	else
		mv->v.s = s;
	return 1;
}
