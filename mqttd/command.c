/*
 * Command topics <ep>/<node_id>/<command>: payload parsing (pure, fuzzed),
 * routing by node_id, and the guards the original lacks: a malformed
 * payload is logged and dropped, settings writes are rate limited and
 * skipped when the inverter already reports the value.  A settings write
 * inside the minute is held, replacing one held before, and written when
 * the minute is over: the user's last choice wins.  After a MODBUS
 * settings write the register is read back, so that the state shown is
 * what the inverter holds.
 */
#include <sys/types.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "common/cmd.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/registers.h"
#include "mqttd/json.h"
#include "mqttd/mqttd.h"

#ifdef TSUN_TEST_HOOKS
#define WRITE_INTERVAL	4	/* the e2e tests wait no minute */
#else
#define WRITE_INTERVAL	60	/* seconds between settings writes */
#endif
#define NUM_MAX		64	/* longest numeric payload we look at */

#define REG_RATED_LOAD	0x2008
#define REG_OUT_COEFF	0x202c

static const struct {
	const char	*name;
	int		 kind;
} cmds[] = {
	{ "rated_load", CMD_RATED_LOAD },
	{ "out_coeff", CMD_OUT_COEFF },
	{ "modbus_read_regs", CMD_MODBUS_READ_REGS },
	{ "modbus_read_inputs", CMD_MODBUS_READ_INPUTS },
	{ "at_cmd", CMD_AT },
	{ "dcu_power", CMD_DCU_POWER },
};

static int	trim(const char *, size_t, char *, size_t);
static int	parse_int(const char *, int, int64_t *);
static int	parse_dec(const char *, double *);
static void	sanitize(const char *, size_t, char *, size_t);

int
mq_cmd_kind(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return cmds[i].kind;
	return 0;
}

static int
isws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* copy without surrounding white space; -1 if empty, too long or NUL */
static int
trim(const char *p, size_t len, char *out, size_t size)
{
	size_t	i;

	while (len > 0 && isws((unsigned char)p[0])) {
		p++;
		len--;
	}
	while (len > 0 && isws((unsigned char)p[len - 1]))
		len--;
	if (len == 0 || len >= size)
		return -1;
	for (i = 0; i < len; i++)
		if (p[i] == '\0')
			return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/*
 * Python int(s, base) for base 10 and 16 (optional 0x there): sign,
 * digits, single underscores between digits.  No white space inside.
 */
static int
parse_int(const char *s, int base, int64_t *v)
{
	int64_t	 n = 0;
	int	 neg = 0, d, nd = 0, us = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		us = 1;		/* "0x_1f" is valid Python */
	}
	for (; *s != '\0'; s++) {
		if (*s == '_') {
			if (us || nd == 0)
				return -1;
			us = 1;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		us = 0;
		if (n > (INT64_MAX - d) / base)
			return -1;
		n = n * base + d;
		nd++;
	}
	if (nd == 0 || us)
		return -1;
	*v = neg ? -n : n;
	return 0;
}

/* a plain decimal number: [+-]digits[.digits][e[+-]digits], finite */
static int
parse_dec(const char *s, double *v)
{
	const char	*p = s;
	char		*end;
	int		 nd = 0;

	if (*p == '+' || *p == '-')
		p++;
	while (*p >= '0' && *p <= '9') {
		p++;
		nd++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			nd++;
		}
	}
	if (nd == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	*v = strtod(s, &end);
	if (*end != '\0' || !isfinite(*v))
		return -1;
	return 0;
}

int
mq_cmd_parse(int kind, const char *payload, size_t len, struct cmd_msg *m,
    char *err, size_t errlen)
{
	char	 buf[CMD_TEXT_MAX], *comma, *a, *b;
	int64_t	 iv, cnt;
	double	 dv, r;
	size_t	 i;

	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)kind;
	if (trim(payload, len, buf, kind == CMD_AT ? sizeof(buf) :
	    NUM_MAX) == -1) {
		snprintf(err, errlen, "empty, too long or binary payload");
		return -1;
	}
	switch (kind) {
	case CMD_RATED_LOAD:
		if (parse_int(buf, 10, &iv) == -1 || iv < 0 || iv > 0xffff) {
			snprintf(err, errlen, "not an integer 0..65535");
			return -1;
		}
		m->reg = REG_RATED_LOAD;
		m->value = (int32_t)iv;
		return 0;
	case CMD_OUT_COEFF:
		if (parse_dec(buf, &dv) == -1 || dv < 0 || dv > 100) {
			snprintf(err, errlen, "not a percentage 0..100");
			return -1;
		}
		/* "-0" is the number 0, no special case: make it plain 0 */
		dv += 0.0;
		r = rint(dv * 1024 / 100);	/* ties to even, as round() */
		if (r < 0 || r > 1024) {
			snprintf(err, errlen, "out of range");
			return -1;
		}
		m->reg = REG_OUT_COEFF;
		m->value = (int32_t)r;
		return 0;
	case CMD_MODBUS_READ_REGS:
	case CMD_MODBUS_READ_INPUTS:
		if ((comma = strchr(buf, ',')) == NULL ||
		    strchr(comma + 1, ',') != NULL) {
			snprintf(err, errlen, "expected \"<hex reg>, <count>\"");
			return -1;
		}
		*comma = '\0';
		a = buf;
		b = comma + 1;
		while (*b != '\0' && isws((unsigned char)*b))
			b++;
		for (i = strlen(a); i > 0 && isws((unsigned char)a[i - 1]);
		    i--)
			a[i - 1] = '\0';
		if (parse_int(a, 16, &iv) == -1 || iv < 0 || iv > 0xffff) {
			snprintf(err, errlen, "bad register address");
			return -1;
		}
		if (parse_int(b, 10, &cnt) == -1 || cnt < 1 || cnt > 125) {
			snprintf(err, errlen, "bad register count (1..125)");
			return -1;
		}
		m->reg = (uint16_t)iv;
		m->count = (uint16_t)cnt;
		return 0;
	case CMD_AT:
		for (i = 0; buf[i] != '\0'; i++)
			if ((unsigned char)buf[i] < 0x20 ||
			    (unsigned char)buf[i] == 0x7f) {
				snprintf(err, errlen, "control character");
				return -1;
			}
		strlcpy(m->text, buf, sizeof(m->text));
		return 0;
	case CMD_DCU_POWER:
		if (parse_dec(buf, &dv) == -1 || dv < 100 || dv > 800) {
			snprintf(err, errlen, "not a power 100..800 W");
			return -1;
		}
		r = rint(dv * 10);
		if (r < 1000 || r > 8000) {
			snprintf(err, errlen, "out of range");
			return -1;
		}
		m->value = (int32_t)r;
		return 0;
	}
	snprintf(err, errlen, "unknown command");
	return -1;
}

/*
 * "<ep>/<node>/<command>": the node may hold '/' itself, and so may
 * <ep> (the original required one level).  0, or -1 if not ours.
 */
int
mq_cmd_topic(const char *topic, char *node, size_t size, int *kind)
{
	const char	*ep = mq.conf->ha_entity_prefix, *rest, *slash;
	size_t		 n = strlen(ep);

	if (strncmp(topic, ep, n) != 0 || topic[n] != '/')
		return -1;
	rest = topic + n + 1;
	if ((slash = strrchr(rest, '/')) == NULL || slash == rest)
		return -1;
	if ((*kind = mq_cmd_kind(slash + 1)) == 0)
		return -1;
	if ((size_t)(slash - rest) >= size)
		return -1;
	memcpy(node, rest, slash - rest);
	node[slash - rest] = '\0';
	return 0;
}

/* untrusted text for a log line */
static void
sanitize(const char *p, size_t len, char *out, size_t size)
{
	size_t	i, o = 0;

	for (i = 0; i < len && o + 1 < size; i++)
		out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
	out[o] = '\0';
}

/* the inverter reports this value already: the write would change nothing */
static int
already(const struct mq_dev *d, const struct cmd_msg *m)
{
	int64_t	iv;
	double	dv;

	switch (m->kind) {
	case CMD_RATED_LOAD:
		return mq_val_int(d, REG_RATED_LEVEL, &iv) && iv == m->value;
	case CMD_OUT_COEFF:
		return mq_val_num(d, REG_OUTPUT_COEFFICIENT, &dv) &&
		    fabs(num_round2(m->value * 100.0 / 1024) - dv) < 0.005;
	}
	return 0;
}

/* the slot of a settings write, -1 for other commands */
static int
set_slot(int kind)
{
	switch (kind) {
	case CMD_RATED_LOAD:
		return 0;
	case CMD_OUT_COEFF:
		return 1;
	case CMD_DCU_POWER:
		return 2;
	}
	return -1;
}

/* a settings write goes out; the register is read back after it */
static void
write_now(struct mq_dev *d, const struct cmd_msg *m)
{
	struct cmd_msg	rb;

	d->last_write = mq_now();
	if (m->kind == CMD_DCU_POWER)
		d->dcu_sent = m->value;
	if (mq.cmd == NULL)
		return;
	mq.cmd(m, mq.arg);
	if (m->kind != CMD_RATED_LOAD && m->kind != CMD_OUT_COEFF)
		return;
	memset(&rb, 0, sizeof(rb));
	rb.kind = CMD_MODBUS_READ_REGS;
	strlcpy(rb.serial, m->serial, sizeof(rb.serial));
	rb.reg = m->reg;
	rb.count = 1;
	mq.cmd(&rb, mq.arg);
}

/* held settings writes whose minute is over: the oldest goes out */
void
mq_cmd_tick(void)
{
	struct mq_dev	*d;
	int64_t		 now = mq_now();
	int		 i, k;

	for (d = mq.devs; d != NULL; d = d->lnext) {
		if (d->npend == 0 || (now - d->last_write < WRITE_INTERVAL &&
		    now >= d->last_write))
			continue;
		for (k = -1, i = 0; i < MQ_NSET; i++)
			if (d->pend_at[i] != 0 && (k == -1 ||
			    d->pend_at[i] < d->pend_at[k]))
				k = i;
		if (k == -1) {		/* cannot happen: count and slots agree */
			d->npend = 0;
			continue;
		}
		d->pend_at[k] = 0;
		d->npend--;
		if (d->online == 0) {
			log_info("%s: held settings write not written: the "
			    "device is offline", d->serial);
			continue;
		}
		if (already(d, &d->pend[k])) {
			log_info("%s: held settings write already set, "
			    "nothing written", d->serial);
			continue;
		}
		log_info("%s: held settings write written (value %d)",
		    d->serial, (int)d->pend[k].value);
		write_now(d, &d->pend[k]);
	}
}

void
mq_cmd_message(const char *topic, const char *payload, size_t len)
{
	struct cmd_msg	 m;
	struct mq_dev	*d;
	char		 node[CONF_STR], err[128], vis[80];
	int		 kind, slot;
	int64_t		 now;

	if (mq.conf == NULL || mq_cmd_topic(topic, node, sizeof(node),
	    &kind) == -1) {
		sanitize(topic, strlen(topic), vis, sizeof(vis));
		log_debug("message on unexpected topic %s", vis);
		return;
	}
	if ((d = mq_dev_by_node(node)) == NULL) {
		sanitize(node, strlen(node), vis, sizeof(vis));
		log_warnx_sum("Node_id: %s not found", vis);
		return;
	}
	if ((kind == CMD_AT || kind == CMD_DCU_POWER) &&
	    d->kind == DEV_GEN3) {
		log_warnx_sum("Cmd not supported by: %s", node);
		return;
	}
	if (mq_cmd_parse(kind, payload, len, &m, err, sizeof(err)) == -1) {
		sanitize(payload, len, vis, sizeof(vis));
		log_warnx_sum("%s: bad payload \"%s\": %s", topic, vis, err);
		return;
	}
	strlcpy(m.serial, d->serial, sizeof(m.serial));
	if ((slot = set_slot(kind)) == -1) {
		if (mq.cmd != NULL)
			mq.cmd(&m, mq.arg);
		return;
	}
	if (d->online == 0) {
		log_warnx_sum("%s: device offline, nothing written", topic);
		return;
	}
	/* the latest request decides: a held one of the same kind goes */
	if (d->pend_at[slot] != 0) {
		d->pend_at[slot] = 0;
		d->npend--;
	}
	if (already(d, &m)) {
		log_info("%s: value already set, nothing written", topic);
		return;
	}
	now = mq_now();
	if (d->last_write != 0 && now - d->last_write < WRITE_INTERVAL &&
	    now >= d->last_write) {
		d->pend[slot] = m;
		d->pend_at[slot] = now > 0 ? now : 1;
		d->npend++;
		log_info("%s: one settings write per minute: held, written in "
		    "%lld s", topic, (long long)(d->last_write +
		    WRITE_INTERVAL - now));
		return;
	}
	write_now(d, &m);
}
