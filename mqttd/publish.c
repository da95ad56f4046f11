/*
 * The publishing side of tsun-mqttd: record batches into the device store
 * (store.c), the group JSON built from it, availability, and what happens
 * on broker and Home Assistant (re)starts, at midnight and on a new
 * configuration.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/record.h"
#include "common/registers.h"
#include "common/cmd.h"
#include "mqttd/json.h"
#include "mqttd/mqttd.h"

struct mq_state		 mq;

static int64_t		 now_real(void);
int64_t			(*mq_now)(void) = now_real;

static const char	*groups[MQ_MAX_GROUPS];
static int		 ngroups;
static int8_t		 reg_group[REG_MAX];
static struct json	 gjson;
static char		 will[MQ_TOPIC_MAX];
static char		**subs;
static size_t		 nsubs;

static void		 groups_init(void);
static void		 val_put(struct json *, const char *,
			    const struct mq_val *);
static uint32_t		 groups_present(const struct mq_dev *);
static void		 dev_flush(struct mq_dev *);
static void		 dev_avty(struct mq_dev *);
static void		 proxy_status(const char *);
static void		 subs_build(void);
static void		 subs_free(void);

static int64_t
now_real(void)
{
	return (int64_t)time(NULL);
}

static void
groups_init(void)
{
	const struct reg_def	*d;
	int			 r, g;

	ngroups = 0;
	for (r = 0; r < REG_MAX; r++) {
		reg_group[r] = -1;
		if ((d = reg_get(r)) == NULL || d->group == NULL ||
		    d->key == NULL)
			continue;
		for (g = 0; g < ngroups; g++)
			if (strcmp(groups[g], d->group) == 0)
				break;
		if (g == ngroups) {
			if (ngroups == MQ_MAX_GROUPS)
				continue;	/* table sanity, never reached */
			groups[ngroups++] = d->group;
		}
		reg_group[r] = (int8_t)g;
	}
}

void
mq_publish(const char *topic, const void *payload, size_t len, int retain)
{
	if (!mq.up || mq.pub == NULL)
		return;
	mq.pub(topic, payload, len, retain, mq.arg);
}

static void
val_put(struct json *j, const char *key, const struct mq_val *v)
{
	if (v->type == REC_INT)
		json_int(j, key, v->v.i);
	else if (v->type == REC_FLOAT)
		json_num2(j, key, v->v.f);
	else if (v->type == REC_NULL)
		json_null(j, key);	/* Python's None */
	else
		json_str(j, key, v->v.s);
}

static uint32_t
groups_present(const struct mq_dev *d)
{
	uint32_t	m = 0;
	uint16_t	i;

	for (i = 0; i < d->nvals; i++)
		if (reg_group[d->vals[i].reg] >= 0)
			m |= 1u << reg_group[d->vals[i].reg];
	return m;
}

/*
 * The whole group as one JSON object.  Nested objects ("pv1") sit where
 * their first member was inserted and hold their members in order.
 */
const char *
mq_group_json(const struct mq_dev *d, int g, size_t *lenp)
{
	const struct reg_def	*di, *dk;
	uint16_t		 i, k;
	int			 any = 0, seen;

	json_reset(&gjson);
	json_obj_open(&gjson, NULL);
	for (i = 0; i < d->nvals; i++) {
		if (reg_group[d->vals[i].reg] != g)
			continue;
		any = 1;
		di = reg_get(d->vals[i].reg);
		if (di->sub == NULL) {
			val_put(&gjson, di->key, &d->vals[i]);
			continue;
		}
		for (seen = 0, k = 0; k < i && !seen; k++) {
			if (reg_group[d->vals[k].reg] != g)
				continue;
			dk = reg_get(d->vals[k].reg);
			seen = dk->sub != NULL && strcmp(dk->sub, di->sub) == 0;
		}
		if (seen)
			continue;
		json_obj_open(&gjson, di->sub);
		for (k = i; k < d->nvals; k++) {
			if (reg_group[d->vals[k].reg] != g)
				continue;
			dk = reg_get(d->vals[k].reg);
			if (dk->sub != NULL && strcmp(dk->sub, di->sub) == 0)
				val_put(&gjson, dk->key, &d->vals[k]);
		}
		json_obj_close(&gjson);
	}
	json_obj_close(&gjson);
	if (!any)
		return NULL;
	return json_finish(&gjson, lenp);
}

/* ---- publishing ---- */

static void
proxy_status(const char *what)
{
	mq_publish(mq_will_topic(), what, strlen(what), 1);
}

static void
dev_avty(struct mq_dev *d)
{
	char		 topic[MQ_TOPIC_MAX];
	const char	*s;

	if (d->kind == 0 || d->avty_sent || d->online < 0 || !mq.up)
		return;
	if (mq_dev_topic(topic, sizeof(topic), d, "status") == -1)
		return;
	s = d->online ? MQ_ONLINE : MQ_OFFLINE;
	mq_publish(topic, s, strlen(s), 1);
	d->avty_sent = 1;
}

/* discovery when it is due, availability, then every dirty group */
static void
dev_flush(struct mq_dev *d)
{
	char		 topic[MQ_TOPIC_MAX];
	const char	*js;
	size_t		 len;
	uint32_t	 h;
	int		 g;

	if (!mq.up)
		return;
	if (d->kind != 0 && d->nvals > 0) {
		h = mq_disc_hash(d);
		if (!d->disc_sent || h != d->disc_hash) {
			mq_disc_publish(d);
			d->disc_hash = h;
			d->disc_sent = 1;
		}
	}
	dev_avty(d);
	for (g = 0; g < ngroups; g++) {
		if ((d->dirty & (1u << g)) == 0)
			continue;
		d->dirty &= ~(1u << g);
		if ((js = mq_group_json(d, g, &len)) == NULL)
			continue;
		if (mq_dev_topic(topic, sizeof(topic), d, groups[g]) == -1) {
			log_warnx("topic too long for %s", d->serial);
			continue;
		}
		mq_publish(topic, js, len, 0);
	}
}

int
mq_batch(const void *payload, size_t len)
{
	struct batch_reader	 br;
	struct batch_hdr	 h;
	struct rec_value	 rv;
	struct mq_dev		*d;
	const struct reg_def	*def;
	char			 topic[MQ_TOPIC_MAX];
	int			 rc;

	/* validate first: a malformed batch changes nothing */
	if (batch_read_hdr(&br, payload, len, &h) == -1)
		return -1;
	while ((rc = batch_read_rec(&br, &rv)) == 1)
		;
	if (rc == -1)
		return -1;
	h.serial[sizeof(h.serial) - 1] = '\0';

	if (h.flags & BATCH_FORGET) {
		/* an allow_all device tsun-proxyd forgot: its topics go */
		if (h.kind != 0 && (d = mq_dev_find_key(h.serial,
		    h.monitor_sn)) != NULL && d->conf == NULL) {
			mq_disc_clear(d);
			if (mq_dev_topic(topic, sizeof(topic), d, "status") == 0)
				mq_publish(topic, "", 0, 1);
			mq_dev_remove(d);
		}
		return 0;
	}
	if (h.kind == 0)
		d = mq.proxy;
	else if (h.kind != DEV_GEN3 && h.kind != DEV_GEN3PLUS &&
	    h.kind != DEV_BATTERY)
		return -1;
	else if ((d = mq_dev_find_key(h.serial, h.monitor_sn)) == NULL &&
	    (d = mq_dev_new(h.kind, h.serial, h.monitor_sn)) == NULL) {
		log_warnx("out of memory for device %s", h.serial);
		return 0;
	}
	if (d == NULL)
		return 0;
	if (d->kind != 0) {
		d->kind = h.kind;
		d->monitor_sn = h.monitor_sn;
	}

	batch_read_hdr(&br, payload, len, &h);
	while (batch_read_rec(&br, &rv) == 1) {
		if ((def = reg_get(rv.reg)) == NULL || rv.reg == REG_NONE ||
		    reg_group[rv.reg] < 0) {
			log_debug("batch: unknown register %u", rv.reg);
			continue;
		}
		if (mq_val_set(d, &rv))
			d->dirty |= 1u << reg_group[rv.reg];
	}
	if (h.flags & BATCH_SNAPSHOT)
		d->dirty |= groups_present(d);
	if (h.flags & (BATCH_CONNECT | BATCH_DISCONN)) {
		d->online = (h.flags & BATCH_CONNECT) ? 1 : 0;
		d->avty_sent = 0;
	} else if (d->online < 0 && d->kind != 0 && h.nrec > 0 &&
	    (h.flags & BATCH_SNAPSHOT) == 0) {
		/* fresh data without a connect flag: it is talking to us */
		d->online = 1;
		d->avty_sent = 0;
	}
	dev_flush(d);
	return 0;
}

/* after a (re)connect or a Home Assistant restart: everything again */
void
mq_publish_all(void)
{
	struct mq_dev	*d;

	mq_disc_publish(mq.proxy);
	for (d = mq.devs; d != NULL; d = d->lnext) {
		d->disc_sent = 0;
		d->avty_sent = 0;
		d->dirty |= groups_present(d);
		dev_flush(d);
	}
	mq.proxy->dirty |= groups_present(mq.proxy);
	dev_flush(mq.proxy);
}

void
mq_broker_up(void)
{
	mq.up = 1;
	proxy_status(MQ_ONLINE);
	mq_publish_all();
}

void
mq_broker_down(void)
{
	struct mq_dev	*d;

	/* dirty flags stay: what changed meanwhile goes out after reconnect */
	mq.up = 0;
	for (d = mq.devs; d != NULL; d = d->lnext) {
		d->disc_sent = 0;
		d->avty_sent = 0;
	}
}

void
mq_shutdown(void)
{
	proxy_status(MQ_OFFLINE);
}

void
mq_message(const char *topic, const void *payload, size_t len, int retain)
{
	char	t[MQ_TOPIC_MAX];

	if (mq.conf == NULL)
		return;
	snprintf(t, sizeof(t), "%s/status", mq.conf->ha_auto_conf_prefix);
	if (strcmp(topic, t) == 0) {
		/* a retained birth is old news: everything went out on connect */
		if (retain)
			return;
		if (len == strlen(MQ_ONLINE) &&
		    memcmp(payload, MQ_ONLINE, len) == 0) {
			/* mqttd.c turns a burst of births into one re-send */
			if (mq.rediscover != NULL)
				mq.rediscover(mq.arg);
			else {
				log_info("Home Assistant is online: sending "
				    "discovery");
				mq_publish_all();
			}
		} else
			log_debug("Home Assistant status changed");
		return;
	}
	if (retain) {
		log_debug("retained command ignored");
		return;
	}
	mq_cmd_message(topic, payload, len);
}

/*
 * The battery answered our dcu_power: the value is set.  It does not
 * report the setting otherwise, so this is the state of its number.
 */
static void
dcu_confirmed(struct mq_dev *d)
{
	struct rec_value	rv;

	memset(&rv, 0, sizeof(rv));
	rv.reg = REG_BATT_OUT_POWER_SET;
	rv.type = REC_FLOAT;
	rv.f = d->dcu_sent / 10.0;
	d->dcu_sent = -1;
	if (mq_val_set(d, &rv))
		d->dirty |= 1u << reg_group[REG_BATT_OUT_POWER_SET];
	dev_flush(d);
}

void
mq_cmd_resp(const struct cmd_resp *r)
{
	char		 topic[MQ_TOPIC_MAX], serial[SERIAL_LEN + 1];
	const char	*leaf;
	struct mq_dev	*d, tmp;
	size_t		 n;

	if (r->kind == CMDR_AT)
		leaf = "at_resp";
	else if (r->kind == CMDR_DCU)
		leaf = "dcu_resp";
	else {
		log_warnx("command response of unknown kind %u", r->kind);
		return;
	}
	memcpy(serial, r->serial, sizeof(serial));
	serial[sizeof(serial) - 1] = '\0';
	if (r->kind == CMDR_DCU && (d = mq_dev_find(serial)) != NULL &&
	    d->dcu_sent >= 0)
		dcu_confirmed(d);
	if ((d = mq_dev_find(serial)) == NULL) {
		/* never seen: the config alone names its node */
		memset(&tmp, 0, sizeof(tmp));
		strlcpy(tmp.serial, serial, sizeof(tmp.serial));
		tmp.kind = DEV_GEN3PLUS;
		tmp.conf = mq_conf_lookup(mq.conf, &tmp);
		d = &tmp;
	}
	if (mq_dev_topic(topic, sizeof(topic), d, leaf) == -1)
		return;
	n = strnlen(r->text, sizeof(r->text));
	mq_publish(topic, r->text, n, 0);
}

/* ---- midnight ---- */

int64_t
mq_secs_to_midnight(int64_t now)
{
	struct tm	tm;
	time_t		t = (time_t)now, m;

	if (localtime_r(&t, &tm) == NULL)
		return 24 * 3600;
	tm.tm_sec = 0;
	tm.tm_min = 0;
	tm.tm_hour = 0;
	tm.tm_mday++;
	tm.tm_isdst = -1;
	m = mktime(&tm);
	if (m == (time_t)-1 || m <= t)
		return 24 * 3600;
	return (int64_t)(m - t);
}

/*
 * Daily values go to 0 on their topics, and in the store, so that a later
 * full publish does not bring back yesterday's numbers.
 */
void
mq_midnight(void)
{
	struct mq_dev		*d;
	const struct reg_def	*def;
	struct json		 j;
	struct rec_value	 rv;
	char			 topic[MQ_TOPIC_MAX], sub[16];
	const char		*js;
	size_t			 len;
	int			 npv, n, r;

	json_init(&j);
	for (d = mq.devs; d != NULL; d = d->lnext) {
		if (d->kind != DEV_GEN3 && d->kind != DEV_GEN3PLUS)
			continue;
		if (d->nvals == 0)
			continue;
		memset(&rv, 0, sizeof(rv));
		rv.type = REC_INT;
		for (r = 1; r < REG_MAX; r++) {
			def = reg_get(r);
			if (def == NULL || (def->flags & REGF_DAILY) == 0 ||
			    mq_val_get(d, r) == NULL)
				continue;
			rv.reg = (uint16_t)r;
			mq_val_set(d, &rv);
		}

		json_reset(&j);
		json_obj_open(&j, NULL);
		json_int(&j, "Daily_Generation", 0);
		json_obj_close(&j);
		if ((js = json_finish(&j, &len)) != NULL &&
		    mq_dev_topic(topic, sizeof(topic), d, "total") == 0)
			mq_publish(topic, js, len, 0);

		npv = mq_disc_pv_count(d);
		json_reset(&j);
		json_obj_open(&j, NULL);
		for (n = 1; n <= npv; n++) {
			snprintf(sub, sizeof(sub), "pv%d", n);
			json_obj_open(&j, sub);
			json_int(&j, "Daily_Generation", 0);
			json_obj_close(&j);
		}
		json_obj_close(&j);
		if ((js = json_finish(&j, &len)) != NULL &&
		    mq_dev_topic(topic, sizeof(topic), d, "input") == 0)
			mq_publish(topic, js, len, 0);
	}
	json_free(&j);
}

/* ---- configuration ---- */

static void
subs_free(void)
{
	size_t	i;

	for (i = 0; i < nsubs; i++)
		free(subs[i]);
	free(subs);
	subs = NULL;
	nsubs = 0;
}

static void
subs_add(const char *a, const char *b, const char *c)
{
	char	t[MQ_TOPIC_MAX], *s, **ns;

	snprintf(t, sizeof(t), "%s%s%s", a, b, c);
	if ((s = strdup(t)) == NULL)
		fatal("subscriptions");
	if ((ns = reallocarray(subs, nsubs + 1, sizeof(*subs))) == NULL)
		fatal("subscriptions");
	subs = ns;
	subs[nsubs++] = s;
}

/*
 * "+" matches one level only: a node_id holding '/' gets its own
 * command subscriptions.
 */
static void
subs_build(void)
{
	static const char		*cmds[] = { "/rated_load", "/out_coeff",
	    "/modbus_read_regs", "/modbus_read_inputs", "/at_cmd",
	    "/dcu_power" };
	const struct conf_device	*cd;
	char				 pre[MQ_TOPIC_MAX];
	size_t				 i;

	subs_free();
	subs_add(mq.conf->ha_auto_conf_prefix, "/status", "");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		subs_add(mq.conf->ha_entity_prefix, "/+", cmds[i]);
	TAILQ_FOREACH(cd, &mq.conf->devices, entry) {
		if (strchr(cd->node_id, '/') == NULL)
			continue;
		snprintf(pre, sizeof(pre), "%s/%s", mq.conf->ha_entity_prefix,
		    cd->node_id);
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			subs_add(pre, cmds[i], "");
	}
	snprintf(will, sizeof(will), "%s/%s/status", mq.conf->ha_entity_prefix,
	    mq.conf->ha_proxy_node_id);
}

const char **
mq_subscriptions(size_t *n)
{
	*n = nsubs;
	return (const char **)subs;
}

const char *
mq_will_topic(void)
{
	return will;
}

void
mq_init(const struct tsun_conf *conf, mq_pub_fn pub, mq_cmd_fn cmd,
    void *arg, const char *version)
{
	const struct reg_def	*def;
	struct rec_value	 rv;
	int			 r;

	mq_free();
	groups_init();
	json_init(&gjson);
	mq.conf = conf;
	mq.pub = pub;
	mq.cmd = cmd;
	mq.arg = arg;
	strlcpy(mq.version, version != NULL ? version : "unknown",
	    sizeof(mq.version));
	if ((mq.proxy = mq_dev_new(0, "", 0)) == NULL)
		fatalx("out of memory");
	/* every counter from the start, mode counters included */
	memset(&rv, 0, sizeof(rv));
	rv.type = REC_INT;
	for (r = 1; r < REG_MAX; r++) {
		def = reg_get(r);
		if (def == NULL || (def->flags & (REGF_COUNTER |
		    REGF_MODE_CNT)) == 0 || reg_group[r] < 0)
			continue;
		rv.reg = (uint16_t)r;
		mq_val_set(mq.proxy, &rv);
	}
	mq.proxy->dirty = groups_present(mq.proxy);
	subs_build();
}

/*
 * A new configuration.  The old one is still valid during this call, so
 * that removed or renamed devices can take their retained discovery and
 * availability down from the topics they had.
 */
void
mq_reconf(const struct tsun_conf *conf)
{
	const struct tsun_conf		*old = mq.conf;
	const struct conf_device	*ncd;
	struct mq_dev			*d, *next;
	char				 topic[MQ_TOPIC_MAX];
	int				 prefixes;

	prefixes = old == NULL ||
	    strcmp(old->ha_discovery_prefix, conf->ha_discovery_prefix) != 0 ||
	    strcmp(old->ha_entity_prefix, conf->ha_entity_prefix) != 0 ||
	    strcmp(old->ha_proxy_node_id, conf->ha_proxy_node_id) != 0 ||
	    strcmp(old->ha_proxy_unique_id, conf->ha_proxy_unique_id) != 0;
	if (prefixes && old != NULL) {
		mq_disc_clear(mq.proxy);
		proxy_status("");
	}
	for (d = mq.devs; d != NULL; d = next) {
		next = d->lnext;
		ncd = mq_conf_lookup(conf, d);
		if (d->conf != NULL && (ncd == NULL || prefixes ||
		    strcmp(d->conf->node_id, ncd->node_id) != 0)) {
			/* its old topics go away */
			mq_disc_clear(d);
			if (mq_dev_topic(topic, sizeof(topic), d,
			    "status") == 0)
				mq_publish(topic, "", 0, 1);
			d->disc_sent = 0;
			d->avty_sent = 0;
			if (ncd == NULL && !conf->allow_all) {
				mq_dev_remove(d);
				continue;
			}
		}
		d->conf = ncd;
		d->disc_sent = 0;	/* area or PV modules may differ */
	}
	mq.conf = conf;
	subs_build();
	if (prefixes && old != NULL && mq.up)
		proxy_status(MQ_ONLINE);
	if (mq.up) {
		mq_disc_publish(mq.proxy);
		for (d = mq.devs; d != NULL; d = d->lnext)
			dev_flush(d);
	}
}

void
mq_free(void)
{
	mq_dev_free_all();
	subs_free();
	json_free(&gjson);
	mq_disc_free();
	memset(&mq, 0, sizeof(mq));
}
