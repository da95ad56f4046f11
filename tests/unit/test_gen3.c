/*
 * GEN3 Talent protocol: one Check test per vector of tests/vectors/gen3.json
 * (the ha_discovery vectors test_build_ha_conf* belong to test_discovery.c).
 * The vector file is read at run time; each test case is named after its
 * vector, so a failure names the vector.
 *
 * The engine is driven through gen3_ops alone, as conn.c drives it: a
 * state a vector starts from is reached with real frames, and what it
 * expects is read from what the engine did through our proto_io, from
 * the device store it was handed in accept(), and from its log lines.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/record.h"
#include "common/registers.h"
#include "proxyd/gen3.h"
#include "proxyd/modbus.h"
#include "proxyd/proto.h"
#include "proxyd/valuedb.h"
#include "tests/unit/tjson.h"

#define VECTORS		"tests/vectors/gen3.json"
#define SERIAL1		"R170000000000001"
#define NOW_UTC_MS	1691239744000LL

static struct tj	*root;
static int		 absent_is_zero;
static int		 in_ref;	/* checking upstream's reference */
static int		 frame_path;	/* TLV blocks sent in data frames */
static char		 preset_sl[9];	/* Sensor_List a setup frame stored */

static int64_t
fake_now_ms(void)
{
	return NOW_UTC_MS;
}

static int64_t
fake_now_s(void)
{
	return NOW_UTC_MS / 1000;
}

int64_t	(*proto_now_ms)(void) = fake_now_ms;

/* ---- a fake connection layer ---- */

struct obuf {
	uint8_t	 b[65536];
	size_t	 n;
};

struct fake {
	struct tsun_conf	 conf;
	struct conf_device	 dev;
	int			 have_dev;
	int			 allow_all;
	struct obuf		 to_dev;
	struct obuf		 to_cloud;
	int			 timer_ms[3];
	int			 state;
	int			 state_polling;
	int			 nstate;
	int			 closed;
	int			 inv_batches;	/* batches with inverter values */
	int			 mb_cancels;	/* answer timers stopped */
	char			 serial[GEN3_ID_MAX + 1]; /* accepted last */
	int			 probing;	/* accept any serial */
};

static struct fake	 F;

static void
ob_add(struct obuf *o, const uint8_t *p, size_t n)
{
	ck_assert_uint_le(o->n + n, sizeof(o->b));
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
f_to_dev(void *arg, const uint8_t *p, size_t n)
{
	ob_add(&F.to_dev, p, n);
}

static void
f_to_cloud(void *arg, const uint8_t *p, size_t n)
{
	/* the connection layer drops forwards when the cloud is off */
	if (F.conf.tsun.cloud_enabled)
		ob_add(&F.to_cloud, p, n);
}

static int
f_accept(void *arg, const char *serial, uint32_t msn,
    const struct conf_device **dc, struct vdb_dev **vd)
{
	if (F.have_dev && strcmp(serial, F.dev.serial) == 0)
		*dc = &F.dev;
	else if (F.allow_all || F.probing)
		*dc = NULL;
	else {
		vdb_count(REG_UNKNOWN_SNR, 1);
		return 0;
	}
	*vd = vdb_device(DEV_GEN3, serial, 0);
	/* the serial accepted last is the engine's */
	strlcpy(F.serial, serial, sizeof(F.serial));
	return 1;
}

static void
f_state(void *arg, int state, int polling)
{
	F.state = state;
	F.state_polling = polling;
	F.nstate++;
}

static void
f_close(void *arg, const char *why)
{
	F.closed++;
}

static void
f_timer(void *arg, int id, int ms)
{
	if (id >= 0 && id < 3)
		F.timer_ms[id] = ms;
	if (id == GEN3_TIMER_MODBUS && ms < 0)
		F.mb_cancels++;
}

static const struct proto_io	 fio = {
	NULL, f_to_dev, f_to_cloud, f_accept, f_state, f_close, f_timer, NULL
};

static void
f_sink(const void *payload, size_t len, void *arg)
{
	struct batch_reader	 r;
	struct batch_hdr	 h;
	struct rec_value	 v;
	const struct reg_def	*d;

	ck_assert_int_eq(batch_read_hdr(&r, payload, len, &h), 0);
	while (batch_read_rec(&r, &v) == 1) {
		d = reg_get(v.reg);
		if (d != NULL && d->group != NULL &&
		    strcmp(d->group, "inverter") == 0 && v.type != REC_DEL)
			F.inv_batches++;
	}
}

/*
 * The engine's log lines since the last log_capture(), read from a
 * socketpair as tsun-cfgd reads a worker's.
 */
static int		 logsp[2] = { -1, -1 };
static struct ipcbuf	 logw, logr;
static char		 logtext[65536];

static void
log_read(void)
{
	struct ipc_msg	 m;
	size_t		 n = strlen(logtext), len;
	int		 r;

	for (;;) {
		ck_assert_int_ne(ipc_flush(&logw), -1);
		if (ipc_read(&logr) <= 0) {
			ck_assert_int_eq(errno, EAGAIN);
			if (!ipc_pending(&logw))
				break;
			continue;
		}
		while ((r = ipc_get(&logr, &m)) == 1) {
			ck_assert_uint_ge(m.len, 4);
			len = m.len - 4;
			if (n + len + 2 > sizeof(logtext))
				continue;
			memcpy(logtext + n, m.data + 4, len);
			n += len;
			logtext[n++] = '\n';
			logtext[n] = '\0';
		}
		ck_assert_int_eq(r, 0);
	}
}

static void
log_capture(void)
{
	if (logsp[0] == -1) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, logsp), 0);
		fcntl(logsp[0], F_SETFL, O_NONBLOCK);
		fcntl(logsp[1], F_SETFL, O_NONBLOCK);
		ipc_init(&logw, logsp[0]);
		ipc_init(&logr, logsp[1]);
		log_to_ipc(&logw);
	}
	log_read();
	logtext[0] = '\0';
}

static int
logged(const char *what)
{
	log_read();
	return strstr(logtext, what) != NULL;
}

/* ---- vector helpers ---- */

static struct tj *
vec(int i)
{
	return tj_at(root, i);
}

static uint8_t *
hexval(const struct tj *v, size_t *len)
{
	uint8_t	*b;

	ck_assert_ptr_nonnull(tj_str(v));
	b = tj_hex(tj_str(v), len);
	ck_assert_ptr_nonnull(b);
	return b;
}

static void
assert_hex(const char *what, const struct obuf *o, const char *hex)
{
	char	*got;
	size_t	 i;

	ck_assert_ptr_nonnull(hex);
	got = malloc(o->n * 2 + 1);
	for (i = 0; i < o->n; i++)
		snprintf(got + 2 * i, 3, "%02x", o->b[i]);
	got[2 * o->n] = '\0';
	ck_assert_msg(strcasecmp(got, hex) == 0, "%s: got %s want %s", what,
	    got, hex);
	free(got);
}

static enum reg_id
counter_reg(const char *name)
{
	enum reg_id	 r = reg_by_path("proxy", NULL, name);

	ck_assert_msg(r != REG_NONE, "no counter %s", name);
	return r;
}

static int64_t
counter(const char *name)
{
	int64_t	 v = 0;

	vdb_get_int(vdb_proxy(), counter_reg(name), &v);
	return v;
}

/* "group.field", "group.sub.field" or "grid.Timestamp (TS_GRID)" */
static enum reg_id
path_reg(const char *path)
{
	char		 buf[128], *a, *b, *c, *sp;
	enum reg_id	 r;

	strlcpy(buf, path, sizeof(buf));
	if ((sp = strchr(buf, ' ')) != NULL)
		*sp = '\0';
	a = buf;
	b = strchr(a, '.');
	ck_assert_ptr_nonnull(b);
	*b++ = '\0';
	if ((c = strchr(b, '.')) != NULL) {
		*c++ = '\0';
		r = reg_by_path(a, b, c);
	} else
		r = reg_by_path(a, NULL, b);
	ck_assert_msg(r != REG_NONE, "unknown path %s", path);
	return r;
}

/* the stored value of r equals the JSON value v (null: absent) */
static void
assert_value(struct vdb_dev *vd, enum reg_id r, const struct tj *v,
    const char *what)
{
	const struct reg_def	*d = reg_get(r);
	int64_t			 i;
	double			 f;
	const char		*s;

	if (tj_isnull(v)) {
		ck_assert_msg(!vdb_has(vd, r), "%s: present", what);
		return;
	}
	/* upstream reads some values with a default of 0 */
	if (absent_is_zero && !vdb_has(vd, r) && v->type == TJ_NUM &&
	    tj_num(v) == 0)
		return;
	if (v->type == TJ_STR) {
		s = vdb_get_str(vd, r);
		ck_assert_msg(s != NULL && strcmp(s, tj_str(v)) == 0,
		    "%s: got %s want %s", what, s ? s : "(none)", tj_str(v));
		return;
	}
	ck_assert_msg(v->type == TJ_NUM, "%s: odd vector value", what);
	if (strpbrk(tj_raw(v), ".eE") != NULL) {
		ck_assert_msg(vdb_get_float(vd, r, &f), "%s: no float", what);
		ck_assert_msg(fabs(f - tj_num(v)) < 1e-9, "%s: got %g want %s",
		    what, f, tj_raw(v));
	} else if (vdb_get_int(vd, r, &i))
		ck_assert_msg(i == (int64_t)tj_num(v), "%s: got %lld want %s",
		    what, (long long)i, tj_raw(v));
	else {
		/* a timestamp may have been stored as a float before */
		ck_assert_msg((d->flags & REGF_TIMESTAMP) &&
		    vdb_get_float(vd, r, &f) && f == tj_num(v),
		    "%s: no integer", what);
	}
}

/*
 * A value the vector does not list, stored by the frames that brought its
 * data rather than by the data: a data frame stores the logger's serial
 * (accept) and the model a 3000 W inverter implies
 * (test_build_modell_3000); the first inverter data frame of a setup its
 * Sensor_List.
 */
static int
setup_added(struct vdb_dev *vd, enum reg_id r)
{
	const char	*s = vdb_get_str(vd, r);
	int64_t		 i;

	if (r == REG_SENSOR_LIST && preset_sl[0] != '\0')
		return s != NULL && strcmp(s, preset_sl) == 0;
	if (!frame_path)
		return 0;
	if (r == REG_COLLECTOR_SNR)
		return s != NULL && strcmp(s, SERIAL1) == 0;
	if (!vdb_get_int(vd, REG_MAX_DESIGNED_POWER, &i) || i != 3000)
		return 0;
	if (r == REG_EQUIPMENT_MODEL)
		return s != NULL && strcmp(s, "TSOL-MS3000") == 0;
	if (r == REG_MANUFACTURER)
		return s != NULL && strcmp(s, "TSUN") == 0;
	if (r == REG_NO_INPUTS)
		return vdb_get_int(vd, r, &i) && i == 4;
	return 0;
}

static void
assert_db_obj(struct vdb_dev *vd, const char *group, const char *sub,
    const struct tj *obj, const char *what)
{
	char		 w[256];
	size_t		 i;
	enum reg_id	 r;
	const struct reg_def *d;
	const char	*k;
	const struct tj	*v;

	for (i = 0; i < tj_len(obj); i++) {
		k = tj_key(obj, i);
		v = tj_at(obj, i);
		snprintf(w, sizeof(w), "%s %s.%s%s%s", what, group,
		    sub ? sub : "", sub ? "." : "", k);
		if (v->type == TJ_OBJ) {
			ck_assert_ptr_null(sub);
			assert_db_obj(vd, group, k, v, what);
			continue;
		}
		/* the upstream tests mocked the poll interval to 0.5 s */
		if (in_ref && strcmp(k, "Polling_Interval") == 0)
			continue;
		r = reg_by_path(group, sub, k);
		ck_assert_msg(r != REG_NONE, "%s: unknown", w);
		assert_value(vd, r, v, w);
	}
	/* nothing else of this object stored (timestamps aside) */
	for (r = REG_NONE + 1; r < REG_MAX; r++) {
		d = reg_get(r);
		if (d == NULL || d->group == NULL ||
		    strcmp(d->group, group) != 0 || !vdb_has(vd, r))
			continue;
		if ((sub == NULL) != (d->sub == NULL) ||
		    (sub != NULL && strcmp(sub, d->sub) != 0))
			continue;
		if (d->sub != NULL && sub == NULL)
			continue;
		ck_assert_msg(tj_get(obj, d->key) != NULL ||
		    (d->flags & REGF_TIMESTAMP) || (in_ref &&
		    r == REG_POLLING_INTERVAL) || setup_added(vd, r),
		    "%s: %s.%s stored but not expected", what, group, d->key);
	}
}

static void
assert_db(struct vdb_dev *vd, const struct tj *db, const char *what)
{
	size_t	 i;

	for (i = 0; i < tj_len(db); i++)
		assert_db_obj(vd, tj_key(db, i), NULL, tj_at(db, i), what);
}

static void
preset_db(struct vdb_dev *vd, const struct tj *db)
{
	size_t		 i, j, k;
	const struct tj	*g, *v, *s;
	enum reg_id	 r;

	for (i = 0; i < tj_len(db); i++) {
		g = tj_at(db, i);
		for (j = 0; j < tj_len(g); j++) {
			v = tj_at(g, j);
			if (v->type == TJ_OBJ) {
				for (k = 0; k < tj_len(v); k++) {
					s = tj_at(v, k);
					r = reg_by_path(tj_key(db, i),
					    tj_key(g, j), tj_key(v, k));
					vdb_set_float(vd, r, tj_num(s));
				}
				continue;
			}
			r = reg_by_path(tj_key(db, i), NULL, tj_key(g, j));
			ck_assert(r != REG_NONE);
			if (v->type == TJ_STR)
				vdb_set_str(vd, r, tj_str(v));
			else if (strpbrk(tj_raw(v), ".") != NULL)
				vdb_set_float(vd, r, tj_num(v));
			else
				vdb_set_int(vd, r, (int64_t)tj_num(v));
		}
	}
}

/* ---- running a talent_stream vector ---- */

struct run {
	void		*g;
	int		 server;
	uint8_t		 rx[GEN3_FRAME_MAX * 4];
	size_t		 rxn;
	/* the vector's bytes as fed, and how many the engine consumed */
	uint8_t		 in[GEN3_FRAME_MAX * 4];
	size_t		 inn;
	size_t		 used;
	struct mb_req	 pend_req;	/* the request a setup left in flight */
	int		 have_pend_req;
	/* what the probes check once the expectations are done; -1: none */
	int		 want_pend;
	int		 want_await;
	int		 have_ts_dev;
	int		 have_ts_cloud;
	int64_t		 want_ts_dev;
	int64_t		 want_ts_cloud;
	const char	*want_name;
	const char	*want_mail;
};

static void
fake_setup(const struct tj *v)
{
	const struct tj	*setup = tj_get(v, "setup");
	const struct tj	*cfg = tj_get(setup, "config");
	const struct tj	*invs = tj_get(cfg, "inverters");
	const struct tj	*d;
	size_t		 i;

	memset(&F, 0, sizeof(F));
	F.state = PSTATE_INIT;
	frame_path = 0;
	preset_sl[0] = '\0';
	TAILQ_INIT(&F.conf.devices);
	/* vectors without a config ran with the cloud on, one inverter */
	F.conf.tsun.cloud_enabled = tj_get(tj_get(cfg, "tsun"), "enabled") ?
	    tj_bool(tj_get(tj_get(cfg, "tsun"), "enabled")) : 1;
	if (cfg == NULL) {
		F.have_dev = 1;
		strlcpy(F.dev.serial, SERIAL1, sizeof(F.dev.serial));
		F.dev.modbus_polling = 1;
	}
	F.allow_all = tj_bool(tj_get(invs, "allow_all"));
	for (i = 0; i < tj_len(invs); i++) {
		if (strcmp(tj_key(invs, i), "allow_all") == 0)
			continue;
		d = tj_at(invs, i);
		F.have_dev = 1;
		strlcpy(F.dev.serial, tj_key(invs, i), sizeof(F.dev.serial));
		strlcpy(F.dev.node_id, tj_str(tj_get(d, "node_id")),
		    sizeof(F.dev.node_id));
		F.dev.modbus_polling = tj_bool(tj_get(d, "modbus_polling"));
	}
	if (tj_get(setup, "mb_timeout") != NULL)
		F.dev.modbus_interval = tj_num(tj_get(setup, "mb_timeout"));
	if (tj_bool(tj_get(setup, "mb_scan"))) {
		F.dev.scanning = 1;
		F.dev.scan_start = strtol(tj_str(tj_get(setup,
		    "mb_start_reg")), NULL, 16);
		F.dev.scan_step = 0x400;
		F.dev.scan_bytes = tj_num(tj_get(setup, "mb_bytes"));
	}
	F.conf.allow_all = F.allow_all;
	vdb_reset();
	vdb_init(f_sink, NULL);
	vdb_now = fake_now_s;
	proto_now_ms = fake_now_ms;
	log_capture();
}

static int
pstate(const char *s)
{
	if (strcmp(s, "up") == 0 || strcmp(s, "pend") == 0)
		return PSTATE_UP;
	if (strcmp(s, "received") == 0)
		return PSTATE_RECEIVED;
	return PSTATE_INIT;
}

static void
feed(struct run *r, const uint8_t *p, size_t n)
{
	ssize_t	 used;

	ck_assert_uint_le(r->inn + n, sizeof(r->in));
	memcpy(r->in + r->inn, p, n);
	r->inn += n;
	ck_assert_uint_le(r->rxn + n, sizeof(r->rx));
	memcpy(r->rx + r->rxn, p, n);
	r->rxn += n;
	used = r->server ? gen3_ops.input_dev(r->g, r->rx, r->rxn) :
	    gen3_ops.input_cloud(r->g, r->rx, r->rxn);
	ck_assert_int_ge(used, 0);
	ck_assert_uint_le((size_t)used, r->rxn);
	memmove(r->rx, r->rx + used, r->rxn - used);
	r->rxn -= used;
	r->used += used;
}

/* the frames the engine consumed of the vector's bytes */
static int
consumed_frames(const struct run *r)
{
	struct gen3_hdr	 h;
	size_t		 off = 0;
	ssize_t		 fl;
	int		 n = 0;

	while (off < r->used && (fl = gen3_parse_frame(r->in + off,
	    r->used - off, &h)) > 0) {
		n++;
		off += fl;
	}
	return n;
}

/* a frame of the setup or of a probe, taken whole by the engine */
static void
send_frame(struct run *r, int dev, const char *id, uint8_t ctrl,
    uint8_t msg_id, const uint8_t *pl, size_t plen)
{
	static uint8_t	 fr[GEN3_FRAME_MAX];
	size_t		 n;

	n = gen3_build(fr, sizeof(fr), id, ctrl, msg_id, pl, plen);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(dev ? gen3_ops.input_dev(r->g, fr, n) :
	    gen3_ops.input_cloud(r->g, fr, n), (ssize_t)n);
}

/* collector (0x71) or inverter (0x04) data: data_id, logger ms, TLVs */
static void
send_data(struct run *r, int dev, const char *id, uint8_t msg_id,
    uint32_t data_id, int64_t ts, const uint8_t *tlv, size_t tlen)
{
	static uint8_t	 pl[GEN3_FRAME_MAX];

	ck_assert_uint_le(14 + tlen, sizeof(pl));
	g3_put32(pl, data_id);
	pl[4] = 0;		/* no second id */
	pl[5] = 1;
	g3_put64(pl + 6, ts);
	memcpy(pl + 14, tlv, tlen);
	send_frame(r, dev, id, GEN3_CTRL_IND, msg_id, pl, 14 + tlen);
}

/* an answer to a get-time: its clock is ofs ms ahead of ours */
static void
time_answer(struct run *r, int dev, int64_t ofs)
{
	uint8_t	 ts[8];

	g3_put64(ts, gen3_local_ms(NOW_UTC_MS) + ofs);
	send_frame(r, dev, SERIAL1, GEN3_CTRL_IND, GEN3_MSG_TIME, ts, 8);
}

/* a heartbeat of the logger brings the link up */
static void
heartbeat(struct run *r)
{
	uint8_t	 pl[9];

	pl[0] = 1;
	g3_put64(pl + 1, gen3_local_ms(NOW_UTC_MS));
	send_frame(r, 1, SERIAL1, GEN3_CTRL_IND, GEN3_MSG_HEARTBEAT, pl, 9);
}

static void
time_request(struct run *r)
{
	send_frame(r, 1, SERIAL1, GEN3_CTRL_IND, GEN3_MSG_TIME, NULL, 0);
	F.to_dev.n = F.to_cloud.n = 0;
}

/* a cloud MODBUS command that leaves the request of the vector pending */
static void
preset_pending(struct run *r, const struct tj *pend)
{
	uint8_t	 rtu[MB_REQ_LEN], pl[5 + MB_REQ_LEN];

	mb_build_req(rtu, tj_num(tj_get(pend, "addr")),
	    tj_num(tj_get(pend, "fcode")),
	    strtol(tj_str(tj_get(pend, "first_reg")), NULL, 16),
	    tj_num(tj_get(pend, "count")), &r->pend_req);
	r->have_pend_req = 1;
	memcpy(pl, "\x00\x01\xa3\x28\x08", 5);
	memcpy(pl + 5, rtu, MB_REQ_LEN);
	send_frame(r, 0, SERIAL1, GEN3_CTRL_REQ, GEN3_MSG_MODBUS, pl,
	    sizeof(pl));
}

static void
run_setup(struct run *r, const struct tj *v, int64_t peer_ofs)
{
	static const uint8_t	 none[4];
	const struct tj		*setup = tj_get(v, "setup");
	struct vdb_dev		*vd;
	const char		*s, *st;
	int64_t			 before, dev_ofs, cloud_ofs, cur = 0;
	int			 i, await;
	uint32_t		 sl;

	memset(r, 0, sizeof(*r));
	r->want_pend = r->want_await = -1;
	fake_setup(v);
	if ((s = tj_str(tj_get(setup, "side"))) != NULL)
		r->server = strcmp(s, "server") == 0;
	else
		r->server = strcmp(tj_str(tj_get(v, "direction")),
		    "cloud->proxy") != 0;
	r->g = gen3_ops.new(&F.conf, &fio, PSIDE_SERVER, NULL);
	ck_assert_ptr_nonnull(r->g);
	if (tj_get(setup, "pending_modbus_request") != NULL)
		preset_pending(r, tj_get(setup, "pending_modbus_request"));

	/* the state the vector starts from, reached with real frames */
	if ((st = tj_str(tj_get(setup, "state_before"))) == NULL)
		st = tj_str(tj_get(setup, "server_side_state"));
	before = tj_num(tj_get(setup, "ts_offset_before"));
	await = tj_num(tj_get(setup, "await_conn_resp_cnt_before"));
	dev_ofs = r->server ? before : peer_ofs;
	cloud_ofs = r->server ? peer_ofs : before;
	/* the cloud's time answer sets both offsets, the logger's its own */
	if (cloud_ofs != 0) {
		time_answer(r, 0, cloud_ofs);
		cur = cloud_ofs;
	}
	if (dev_ofs != cur || await > 0 ||
	    (st != NULL && pstate(st) != PSTATE_INIT))
		time_answer(r, 1, dev_ofs);
	if (st != NULL && pstate(st) == PSTATE_UP)
		heartbeat(r);
	if (st != NULL && strcmp(st, "pend") == 0)
		time_request(r);
	/* each contact info sent to the cloud awaits its answer */
	for (i = 0; i < await; i++)
		gen3_ops.cloud_up(r->g);
	if ((s = tj_str(tj_get(setup, "sensor_list_before"))) != NULL) {
		sl = strtoul(s, NULL, 16);
		send_data(r, 1, SERIAL1, GEN3_MSG_INV_DATA, sl,
		    gen3_local_ms(NOW_UTC_MS), none, sizeof(none));
		snprintf(preset_sl, sizeof(preset_sl), "%08x", sl);
	}

	vd = vdb_device(DEV_GEN3, SERIAL1, 0);
	if (tj_get(setup, "controller.Polling_Interval_before") != NULL)
		vdb_set_int(vd, REG_POLLING_INTERVAL, tj_num(tj_get(setup,
		    "controller.Polling_Interval_before")));
	if (tj_get(setup, "db_before") != NULL)
		preset_db(vd, tj_get(setup, "db_before"));
	F.to_dev.n = F.to_cloud.n = 0;
	F.inv_batches = 0;
	F.mb_cancels = 0;
	log_capture();
}

/* feeds the vector's bytes in its chunks: cumulative ends, 0 = rest */
static void
run_feed(struct run *r, const struct tj *v, void (*after)(struct run *,
    int))
{
	const struct tj	*chunks = tj_get(tj_get(v, "setup"), "chunks");
	uint8_t		*b;
	size_t		 n, i, from = 0, to;

	b = hexval(tj_get(v, "hex"), &n);
	for (i = 0; i < tj_len(chunks) && from < n; i++) {
		to = tj_num(tj_at(chunks, i));
		if (to == 0 || to > n)
			to = n;
		feed(r, b + from, to - from);
		from = to;
		if (after != NULL)
			after(r, i);
	}
	/* explicit chunks without a final 0 leave the rest unread */
	if (chunks == NULL && from < n)
		feed(r, b + from, n - from);
	free(b);
}

static void
check_frames(const struct tj *v, const struct tj *frames)
{
	struct gen3_hdr	 h;
	uint8_t		*b;
	size_t		 n, off = 0, i;
	ssize_t		 fl;
	const struct tj	*f;

	b = hexval(tj_get(v, "hex"), &n);
	for (i = 0; i < tj_len(frames); i++) {
		f = tj_at(frames, i);
		fl = gen3_parse_frame(b + off, n - off, &h);
		ck_assert_int_gt(fl, 0);
		ck_assert_int_eq(h.ctrl, tj_num(tj_get(f, "ctrl")));
		ck_assert_int_eq(h.msg_id, tj_num(tj_get(f, "msg_id")));
		ck_assert_int_eq(h.header_len, tj_num(tj_get(f, "header_len")));
		ck_assert_int_eq(h.data_len, tj_num(tj_get(f, "data_len")));
		off += fl;
	}
	free(b);
}

static int
header_valid(struct run *r)
{
	struct gen3_hdr	 h;

	return gen3_parse_frame(r->rx, r->rxn, &h) == GEN3_PARTIAL &&
	    h.header_len != 0;
}

/* the MODBUS answers of the logger the engine consumed; the last one's RTU */
static int
mb_answers(const struct run *r, const uint8_t **rtu, size_t *rlen)
{
	struct gen3_hdr	 h;
	size_t		 off = 0, sub;
	ssize_t		 fl;
	int		 n = 0;

	while (r->server && off < r->used && (fl = gen3_parse_frame(r->in +
	    off, r->used - off, &h)) > 0) {
		off += fl;
		if (h.ctrl != GEN3_CTRL_IND || (h.msg_id != GEN3_MSG_MODBUS &&
		    h.msg_id != GEN3_MSG_MODBUS2))
			continue;
		sub = h.msg_id == GEN3_MSG_MODBUS2 ? 6 : 5;
		ck_assert_uint_ge(h.data_len, sub);
		*rtu = h.data + sub;
		*rlen = h.data_len - sub;
		n++;
	}
	return n;
}

/*
 * modbus_err of the last answer: MB_OK if the engine took every answer
 * (each one stops the answer timer); else it left the last one alone,
 * and modbus.c's verdict on it, against the request then in flight, is
 * the vector's.
 */
static void
check_mb_err(const struct run *r, int want)
{
	const uint8_t	*rtu = NULL;
	size_t		 rlen = 0;
	int		 n;

	n = mb_answers(r, &rtu, &rlen);
	ck_assert_int_gt(n, 0);
	if (want == MB_OK) {
		ck_assert_int_eq(F.mb_cancels, n);
		return;
	}
	ck_assert_int_lt(F.mb_cancels, n);
	ck_assert_int_eq(mb_check_answer(r->have_pend_req &&
	    F.mb_cancels == 0 ? &r->pend_req : NULL, rtu, rlen), want);
}

struct elms {
	struct vdb_dev	*vd;
	int		 n;
};

static void
elm_stored(void *arg, const struct mb_value *v)
{
	struct elms	*e = arg;
	const char	*s;
	int64_t		 i;
	double		 f;

	e->n++;
	switch (v->type) {
	case MBV_INT:
		ck_assert(vdb_get_int(e->vd, v->reg, &i) && i == v->i);
		break;
	case MBV_FLOAT:
		ck_assert(vdb_get_float(e->vd, v->reg, &f) && f == v->f);
		break;
	case MBV_STR:
		s = vdb_get_str(e->vd, v->reg);
		ck_assert(s != NULL && strcmp(s, v->s) == 0);
		break;
	}
}

/* modbus_elms: the answer to the pending request has n values, all stored */
static void
check_mb_elms(const struct run *r, struct vdb_dev *vd, int want)
{
	const uint8_t	*rtu = NULL;
	size_t		 rlen = 0;
	struct elms	 e;

	ck_assert(r->have_pend_req);
	ck_assert_int_gt(mb_answers(r, &rtu, &rlen), 0);
	e.vd = vd;
	e.n = 0;
	mb_decode_answer(&r->pend_req, rtu, rlen, elm_stored, &e);
	ck_assert_int_eq(e.n, want);
}

static void
want_int(int *w, int v)
{
	ck_assert(*w == -1 || *w == v);
	*w = v;
}

static void
want_ts(int *have, int64_t *w, int64_t v)
{
	ck_assert(!*have || *w == v);
	*have = 1;
	*w = v;
}

static void
check_expect(struct run *r, const struct tj *v, const struct tj *ex,
    const int64_t *cnt0)
{
	struct vdb_dev	*vd = vdb_device(DEV_GEN3, F.serial[0] ?
			    F.serial : SERIAL1, 0);
	const struct obuf *rep, *fwd;
	const struct tj	*x;
	const char	*k;
	size_t		 i, j;

	rep = r->server ? &F.to_dev : &F.to_cloud;
	fwd = r->server ? &F.to_cloud : &F.to_dev;
	for (i = 0; i < tj_len(ex); i++) {
		k = tj_key(ex, i);
		x = tj_at(ex, i);
		if (strcmp(k, "frames") == 0)
			check_frames(v, x);
		else if (strcmp(k, "msg_count") == 0)
			ck_assert_int_eq(consumed_frames(r), tj_num(x));
		else if (strcmp(k, "reply_hex") == 0)
			assert_hex("reply", rep, tj_str(x));
		else if (strcmp(k, "forward_hex") == 0 &&
		    tj_get(ex, "sent_to_inverter_hex") == NULL)
			assert_hex("forward", fwd, tj_str(x));
		else if (strcmp(k, "sent_to_inverter_hex") == 0)
			assert_hex("to inverter", &F.to_dev, tj_str(x));
		else if (strcmp(k, "server_side_reply_hex") == 0 ||
		    strcmp(k, "server_side_forward_hex") == 0)
			assert_hex("server side", &F.to_cloud, tj_str(x));
		else if (strcmp(k, "unique_id") == 0) {
			if (tj_isnull(x))
				ck_assert_str_eq(F.serial, "");
			else
				ck_assert_str_eq(F.serial, tj_str(x));
		} else if (strcmp(k, "counters") == 0) {
			for (j = 0; j < tj_len(x); j++)
				ck_assert_msg(counter(tj_key(x, j)) -
				    cnt0[counter_reg(tj_key(x, j))] ==
				    tj_num(tj_at(x, j)), "counter %s: %lld",
				    tj_key(x, j), (long long)(counter(
				    tj_key(x, j)) -
				    cnt0[counter_reg(tj_key(x, j))]));
		} else if (strcmp(k, "state_after") == 0) {
			ck_assert_int_eq(F.state, pstate(tj_str(x)));
			want_int(&r->want_pend, strcmp(tj_str(x), "pend") == 0);
		} else if (strcmp(k, "ts_offset_after") == 0) {
			if (r->server)
				want_ts(&r->have_ts_dev, &r->want_ts_dev,
				    tj_num(x));
			else
				want_ts(&r->have_ts_cloud, &r->want_ts_cloud,
				    tj_num(x));
		} else if (strcmp(k, "server_side_ts_offset_after") == 0)
			want_ts(&r->have_ts_dev, &r->want_ts_dev, tj_num(x));
		else if (strcmp(k, "await_conn_resp_cnt_after") == 0)
			want_int(&r->want_await, tj_num(x));
		else if (strcmp(k, "contact_name") == 0)
			r->want_name = tj_str(x);
		else if (strcmp(k, "contact_mail") == 0)
			r->want_mail = tj_str(x);
		else if (strcmp(k, "header_valid_after") == 0)
			ck_assert_int_eq(header_valid(r), tj_bool(x));
		else if (strcmp(k, "modbus_err") == 0 ||
		    strcmp(k, "modbus_err_after_second_copy") == 0)
			check_mb_err(r, tj_num(x));
		else if (strcmp(k, "modbus_elms") == 0)
			check_mb_elms(r, vd, tj_num(x));
		else if (strcmp(k, "warning_logged") == 0)
			ck_assert_int_eq(logged("differs from sensor list"),
			    tj_bool(x));
		else if (strcmp(k, "db") == 0)
			assert_db(vd, x, tj_str(tj_get(v, "name")));
		else if (strcmp(k, "new_data.inverter") == 0)
			ck_assert_int_eq(F.inv_batches > 0, tj_bool(x));
		else if (strcmp(k, "env.Inverter_Status_after_close") == 0)
			;	/* checked after gen3_closed below */
		else if (strncmp(k, "forward_hex_after_update_header", 31) ==
		    0)
			;	/* a second run below */
		else if (strchr(k, '.') != NULL &&
		    strncmp(k, "then_", 5) != 0 &&
		    strncmp(k, "after_", 6) != 0)
			assert_value(vd, path_reg(k), x, k);
	}
}

/* ---- probes: what only a further exchange shows ---- */

static const char *
probe_id(void)
{
	return F.serial[0] != '\0' ? F.serial : SERIAL1;
}

/* pend: while up, the engine refuses a MODBUS request after a get-time */
static void
probe_pend(struct run *r)
{
	struct cmd_msg	 cmd;

	if (F.state != PSTATE_UP) {
		ck_assert_int_eq(r->want_pend, 0);
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = CMD_MODBUS_READ_REGS;
	cmd.reg = 0x3000;
	cmd.count = 1;
	ck_assert_int_eq(gen3_ops.command(r->g, &cmd) == -1, r->want_pend);
}

/*
 * The offset the engine adds to the timestamps of one side: the logger's
 * (dev) shows in the data the cloud sends it, the cloud's in the cloud's
 * heartbeat passed on to it.
 */
static int64_t
probe_ts(struct run *r, int dev)
{
	static const uint8_t	 none[4];
	const int64_t		 t0 = 0x189c6534d80LL;
	struct gen3_hdr		 h;
	struct gen3_data	 d;
	uint8_t			 pl[9];

	F.to_dev.n = 0;
	if (dev)
		send_data(r, 0, probe_id(), GEN3_MSG_COLL_DATA, 0, t0, none,
		    sizeof(none));
	else {
		pl[0] = 1;
		g3_put64(pl + 1, t0);
		send_frame(r, 0, probe_id(), GEN3_CTRL_IND,
		    GEN3_MSG_HEARTBEAT, pl, sizeof(pl));
	}
	ck_assert_int_eq(gen3_parse_frame(F.to_dev.b, F.to_dev.n, &h),
	    (ssize_t)F.to_dev.n);
	if (dev) {
		ck_assert_int_eq(gen3_parse_data(h.data, h.data_len, &d), 0);
		return d.ts_ms - t0;
	}
	ck_assert_uint_eq(h.data_len, 9);
	return g3_get64(h.data + 1) - t0;
}

/* await_contact: how many contact answers of the cloud are swallowed */
static int
probe_await(struct run *r)
{
	uint8_t	 one = 1;
	int	 n;

	for (n = 0; n < 8; n++) {
		F.to_dev.n = 0;
		send_frame(r, 0, probe_id(), GEN3_CTRL_IND, GEN3_MSG_CONTACT,
		    &one, 1);
		if (F.to_dev.n > 0)
			break;
	}
	return n;
}

/* the logger's contact info, as the engine tells a new cloud link */
static void
probe_contact(struct run *r)
{
	struct gen3_hdr	 h;
	size_t		 n, m;

	F.to_cloud.n = 0;
	gen3_ops.cloud_up(r->g);
	ck_assert_int_eq(gen3_parse_frame(F.to_cloud.b, F.to_cloud.n, &h),
	    (ssize_t)F.to_cloud.n);
	ck_assert_int_eq(h.msg_id, GEN3_MSG_CONTACT);
	ck_assert_uint_ge(h.data_len, 2);
	n = h.data[0];
	ck_assert_uint_ge(h.data_len, n + 2);
	m = h.data[n + 1];
	ck_assert_uint_eq(h.data_len, n + m + 2);
	if (r->want_name != NULL) {
		ck_assert_uint_eq(strlen(r->want_name), n);
		ck_assert_mem_eq(h.data + 1, r->want_name, n);
	}
	if (r->want_mail != NULL) {
		ck_assert_uint_eq(strlen(r->want_mail), m);
		ck_assert_mem_eq(h.data + n + 2, r->want_mail, m);
	}
}

static void
run_probes(struct run *r)
{
	int	 cloud = F.conf.tsun.cloud_enabled;

	/* both ways open, any serial: a probe must get an answer */
	F.conf.tsun.cloud_enabled = 1;
	F.probing = 1;
	if (r->want_pend != -1)
		probe_pend(r);
	if (r->have_ts_dev)
		ck_assert_int_eq(probe_ts(r, 1), r->want_ts_dev);
	if (r->have_ts_cloud)
		ck_assert_int_eq(probe_ts(r, 0), r->want_ts_cloud);
	if (r->want_await != -1)
		ck_assert_int_eq(probe_await(r), r->want_await);
	if (r->want_name != NULL || r->want_mail != NULL)
		probe_contact(r);
	F.probing = 0;
	F.conf.tsun.cloud_enabled = cloud;
	F.to_dev.n = F.to_cloud.n = 0;
}

static void
check_ref(struct run *r, const struct tj *v, const char *k,
    const struct tj *x, const int64_t *cnt0)
{
	struct tj	 one;
	char		*key = (char *)k;
	struct tj	*item = (struct tj *)x;

	/* reuse check_expect on a one-member object */
	in_ref = 1;
	memset(&one, 0, sizeof(one));
	one.type = TJ_OBJ;
	one.n = 1;
	one.keys = &key;
	one.items = &item;
	check_expect(r, v, &one, cnt0);
	in_ref = 0;
}

static void
chunk_check(struct run *r, int i)
{
	struct gen3_hdr	 h;

	/* test_read_message_in_chunks*: nothing dispatched before the end */
	if (i < 2) {
		ck_assert_uint_eq(r->used, 0);
		ck_assert_int_eq(gen3_parse_frame(r->rx, r->rxn, &h),
		    GEN3_PARTIAL);
		ck_assert_int_eq(h.header_len != 0, r->rxn >= 23);
		if (r->rxn >= 23) {
			ck_assert_str_eq(h.id, SERIAL1);
			ck_assert_int_eq(h.ctrl, 0x91);
			ck_assert_int_eq(h.data_len, 25);
		}
	}
}

static void
run_stream(const struct tj *v)
{
	struct run	 r;
	const struct tj	*ex = tj_get(v, "expect"), *x, *ref;
	const char	*name = tj_str(tj_get(v, "name")), *k;
	int64_t		 cnt0[REG_MAX];
	size_t		 i;
	long		 ofs;
	uint8_t		*b;
	size_t		 n;

	run_setup(&r, v, 0);
	absent_is_zero = strcmp(name, "test_build_modell_3000") == 0;
	for (i = 0; i < REG_MAX; i++) {
		cnt0[i] = 0;
		vdb_get_int(vdb_proxy(), i, &cnt0[i]);
	}
	run_feed(&r, v, strncmp(name, "test_read_message_in_chunks", 27) ==
	    0 ? chunk_check : NULL);
	check_expect(&r, v, ex, cnt0);
	/* what upstream showed under the same setup, where we agree */
	ref = tj_get(v, "reference");
	for (i = 0; i < tj_len(ref); i++) {
		k = tj_key(ref, i);
		/* our "received" means identified (proxyd/proto.h) */
		if (strcmp(k, "state_after") == 0 && F.serial[0] == '\0')
			continue;
		if (tj_get(ex, k) != NULL || strcmp(k, "modbus_err") == 0 ||
		    strcmp(k, "counters") == 0 || strcmp(k, "frames") == 0 ||
		    strcmp(k, "msg_count") == 0 || strcmp(k, "reply_hex") == 0 ||
		    strcmp(k, "forward_hex") == 0 || strcmp(k, "db") == 0 ||
		    strcmp(k, "state_after") == 0 ||
		    strcmp(k, "ts_offset_after") == 0 ||
		    strcmp(k, "header_valid_after") == 0)
			check_ref(&r, v, k, tj_at(ref, i), cnt0);
	}
	run_probes(&r);
	if ((x = tj_get(ex, "then_init_new_client_conn_with_name_solarhub_"
	    "mail_solarhub@123456")) != NULL) {
		F.to_cloud.n = 0;
		gen3_ops.cloud_up(r.g);
		assert_hex("contact to cloud", &F.to_cloud, tj_str(x));
	}
	if ((x = tj_get(ex, "env.Inverter_Status_after_close")) != NULL) {
		gen3_ops.closed(r.g);
		assert_value(vdb_device(DEV_GEN3, SERIAL1, 0),
		    REG_INVERTER_STATUS, x, "status after close");
	}
	gen3_ops.free(r.g);

	for (i = 0; i < tj_len(ex); i++) {
		k = tj_key(ex, i);
		if (sscanf(k, "forward_hex_after_update_header(ts_offset=%ld)",
		    &ofs) != 1)
			continue;
		run_setup(&r, v, ofs);
		run_feed(&r, v, NULL);
		assert_hex("forward with offset", r.server ? &F.to_cloud :
		    &F.to_dev, tj_str(tj_at(ex, i)));
		gen3_ops.free(r.g);
	}
	/* the second frame of a replay vector must not have been decoded */
	if (strcmp(name, "test_msg_inv_replay") == 0) {
		b = hexval(tj_get(v, "hex"), &n);
		ck_assert_uint_gt(n, 2000);
		free(b);
	}
}

/* ---- the special vectors ---- */

static void
run_frame(const struct tj *v)
{
	struct gen3_hdr	 h;
	uint8_t		*b, out[GEN3_FRAME_MAX];
	size_t		 n, m;

	/* parse and rebuild: the builder reproduces the reference frame */
	b = hexval(tj_get(v, "hex"), &n);
	ck_assert_int_eq(gen3_parse_frame(b, n, &h), (ssize_t)n);
	m = gen3_build(out, sizeof(out), h.id, h.ctrl, h.msg_id, h.data,
	    h.data_len);
	ck_assert_uint_eq(m, n);
	ck_assert_mem_eq(out, b, n);
	free(b);
}

static void
run_generated(const struct tj *v)
{
	const char	*name = tj_str(tj_get(v, "name"));
	const struct tj	*ex = tj_get(v, "expect");
	struct run	 r;
	struct cmd_msg	 cmd;

	run_setup(&r, v, 0);
	memset(&cmd, 0, sizeof(cmd));
	if (strcmp(name, "proxy_contact_info_to_cloud") == 0) {
		time_request(&r);
		gen3_ops.cloud_up(r.g);
		assert_hex("contact", &F.to_cloud, tj_str(tj_get(v, "hex")));
		r.want_await = 1;
		run_probes(&r);
	} else if (strcmp(name, "test_msg_build_modbus_req") == 0) {
		time_request(&r);
		cmd.kind = CMD_RATED_LOAD;
		cmd.value = 0;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), -1);
		assert_hex("not up", &F.to_dev,
		    tj_str(tj_get(ex, "sent_when_state_not_up")));
		heartbeat(&r);
		F.to_dev.n = F.to_cloud.n = 0;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), 0);
		assert_hex("up", &F.to_dev,
		    tj_str(tj_get(ex, "sent_when_state_up")));
		ck_assert_int_eq(F.timer_ms[GEN3_TIMER_MODBUS],
		    GEN3_MB_TIMEOUT_MS);
	} else if (strcmp(name, "msg_modbus_cmd_new") == 0) {
		time_request(&r);
		heartbeat(&r);
		F.to_dev.n = F.to_cloud.n = 0;
		cmd.kind = CMD_MODBUS_READ_REGS;
		cmd.reg = 0x3000;
		cmd.count = 0x30;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), 0);
		assert_hex("poll", &F.to_dev, tj_str(tj_get(v, "hex")));
	} else
		ck_abort_msg("unhandled generated vector %s", name);
	gen3_ops.free(r.g);
}

/* the register and count of the MODBUS request the engine sent first */
static void
sent_req(const struct obuf *o, int *reg, int *cnt)
{
	struct gen3_hdr	 h;

	ck_assert_int_gt(gen3_parse_frame(o->b, o->n, &h), 0);
	ck_assert_int_eq(h.ctrl, GEN3_CTRL_REQ);
	ck_assert_int_eq(h.msg_id, GEN3_MSG_MODBUS);
	ck_assert_uint_eq(h.data_len, 5 + MB_REQ_LEN);
	*reg = h.data[7] << 8 | h.data[8];
	*cnt = h.data[9] << 8 | h.data[10];
}

/* answer timers run out until no request is in flight any more */
static void
mb_drain(struct run *r)
{
	int	 i;

	for (i = 0; i < 1000; i++) {
		F.to_dev.n = 0;
		gen3_ops.timer(r->g, GEN3_TIMER_MODBUS);
		if (F.to_dev.n == 0)
			return;
	}
	ck_abort_msg("the MODBUS queue does not drain");
}

static void
run_polling(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect");
	const struct tj	*last = tj_get(ex,
	    "last_sent_frame_after_0.1s_0.2s_0.3s");
	struct run	 r;
	struct obuf	 lastf;
	struct gen3_hdr	 h;
	ssize_t		 fl;
	size_t		 off;
	int		 step, next, k, reg, cnt;

	run_setup(&r, v, 0);
	F.dev.modbus_interval = 1;
	run_feed(&r, v, NULL);
	assert_hex("reply", &F.to_dev, tj_str(tj_get(ex, "reply_hex")));
	assert_hex("forward", &F.to_cloud, tj_str(tj_get(ex, "forward_hex")));
	ck_assert_int_eq(F.timer_ms[GEN3_TIMER_POLL], GEN3_POLL_FIRST_MS);
	ck_assert_int_eq(F.state_polling, 1);
	/* the upstream test consumed expiry number 0 itself: unanswered */
	F.to_dev.n = 0;
	gen3_ops.timer(r.g, GEN3_TIMER_POLL);
	ck_assert_uint_gt(F.to_dev.n, 0);
	mb_drain(&r);
	for (step = 0; step < 3; step++) {
		F.to_dev.n = 0;
		gen3_ops.timer(r.g, GEN3_TIMER_POLL);
		ck_assert_int_eq(F.timer_ms[GEN3_TIMER_POLL], 1000);
		if (step > 0)
			gen3_ops.timer(r.g, GEN3_TIMER_MODBUS);
		/* the last frame sent in this period */
		ck_assert_uint_gt(F.to_dev.n, 0);
		for (off = 0; off < F.to_dev.n; off += fl) {
			fl = gen3_parse_frame(F.to_dev.b + off,
			    F.to_dev.n - off, &h);
			ck_assert_int_gt(fl, 0);
			memcpy(lastf.b, F.to_dev.b + off, fl);
			lastf.n = fl;
		}
		assert_hex("poll", &lastf, tj_str(tj_at(last, step)));
	}
	/*
	 * The expiry counter's next value: the slow registers are read at
	 * expiry 2 modulo 30; count the expiries until they are.
	 */
	next = tj_num(tj_get(ex, "timer_expiry_counter_next_value_at_end"));
	mb_drain(&r);
	for (k = 1; k <= 30; k++) {
		F.to_dev.n = 0;
		gen3_ops.timer(r.g, GEN3_TIMER_POLL);
		sent_req(&F.to_dev, &reg, &cnt);
		if (reg == 0x2000)
			break;
		ck_assert_int_eq(reg, 0x3000);
		mb_drain(&r);
	}
	ck_assert_int_le(k, 30);
	ck_assert_int_eq((next + k - 1) % 30, 2);
	gen3_ops.free(r.g);
}

static void
scan_after(struct run *r, int i)
{
	if (i != 0)
		return;
	/* after the inverter data: one poll expiry sends the scan request */
	F.to_dev.n = 0;
	gen3_ops.timer(r->g, GEN3_TIMER_POLL);
}

static void
run_scanning(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect");
	struct run	 r;
	int		 reg, len;

	run_setup(&r, v, 0);
	run_feed(&r, v, scan_after);
	assert_hex("scan request", &F.to_dev,
	    tj_str(tj_get(ex, "scan_request_sent_hex")));
	check_frames(v, tj_get(ex, "frames"));
	check_mb_err(&r, tj_num(tj_get(ex, "modbus_err")));
	sent_req(&F.to_dev, &reg, &len);
	ck_assert_int_eq(reg, tj_num(tj_get(ex, "modbus_last_reg")));
	ck_assert_int_eq(len, tj_num(tj_get(ex, "modbus_last_len")));
	ck_assert_int_eq(consumed_frames(&r), 2);
	gen3_ops.free(r.g);
}

/*
 * A TLV block is decoded as the engine decodes it: inside a data frame
 * of the logger.  Collector data (0x71): the info-id map follows the
 * data_id alone, and the frame leaves the link state alone.
 */
static void
run_tlv(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect"), *steps, *st, *x;
	struct run	 r;
	struct vdb_dev	*vd;
	uint8_t		*b;
	size_t		 n, i, j, nsteps;
	int64_t		 idt0 = 0, idt;
	char		 pfx[32];

	memset(&r, 0, sizeof(r));
	fake_setup(v);
	frame_path = 1;
	r.server = 1;
	r.g = gen3_ops.new(&F.conf, &fio, PSIDE_SERVER, NULL);
	ck_assert_ptr_nonnull(r.g);
	vd = vdb_device(DEV_GEN3, SERIAL1, 0);
	vdb_get_int(vdb_proxy(), REG_INVALID_DATA_TYPE, &idt0);
	steps = tj_get(v, "steps");
	nsteps = steps ? tj_len(steps) : 1;
	for (i = 0; i < nsteps; i++) {
		st = steps ? tj_at(steps, i) : v;
		b = hexval(tj_get(st, "hex"), &n);
		send_data(&r, 1, SERIAL1, GEN3_MSG_COLL_DATA,
		    strtoul(tj_str(tj_get(st, "sensor_list")), NULL, 16),
		    gen3_local_ms(NOW_UTC_MS), b, n);
		free(b);
		snprintf(pfx, sizeof(pfx), "step%zu_db.", i + 1);
		for (j = 0; j < tj_len(ex); j++) {
			if (strncmp(tj_key(ex, j), pfx, strlen(pfx)) != 0)
				continue;
			assert_db_obj(vd, tj_key(ex, j) + strlen(pfx), NULL,
			    tj_at(ex, j), tj_key(ex, j));
		}
	}
	for (j = 0; j < tj_len(ex); j++)
		if (strncmp(tj_key(ex, j), "db.", 3) == 0)
			assert_db_obj(vd, tj_key(ex, j) + 3, NULL,
			    tj_at(ex, j), tj_key(ex, j));
	if ((x = tj_get(ex, "db")) != NULL)
		assert_db(vd, x, "db");
	/* one count per block with an invalid type */
	idt = 0;
	vdb_get_int(vdb_proxy(), REG_INVALID_DATA_TYPE, &idt);
	x = tj_get(tj_get(ex, "counters"), "Invalid_Data_Type");
	ck_assert_int_eq(idt - idt0, x ? tj_num(x) : 0);
	gen3_ops.free(r.g);
}

static void
run_tscnv(const struct tj *v)
{
	const struct tj	*m = tj_get(tj_get(v, "expect"),
	    "inverter_local_ms_to_utc_seconds (TZ Europe/Berlin)");
	size_t		 i;
	double		 got;

	ck_assert_uint_eq(tj_len(m), 3);
	for (i = 0; i < tj_len(m); i++) {
		got = gen3_local_to_utc(strtoll(tj_key(m, i), NULL, 10));
		ck_assert_msg(fabs(got - tj_num(tj_at(m, i))) < 1e-6,
		    "%s: %f", tj_key(m, i), got);
	}
	/* fold=0 in the gaps and overlaps of Europe/Berlin */
	ck_assert(gen3_local_to_utc(1711852200000LL) == 1711848600.0);
	ck_assert(gen3_local_to_utc(1729996200000LL) == 1729989000.0);
	ck_assert(gen3_local_to_utc(1729999800000LL) == 1729996200.0);
	ck_assert_int_eq(gen3_local_ms(NOW_UTC_MS), 1691246944000LL);
}

/*
 * Idle timeouts are the connection layer's; what it needs from us is
 * the state and whether polling is on (120 s instead of 360 s).
 */
static void
run_timeout(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect");
	struct run	 r;
	uint8_t		 fr[64], pl[9] = { 1, 0, 0, 1, 0x89, 0xc6, 0x53,
	    0x4d, 0x80 };
	size_t		 n;

	ck_assert_int_eq(tj_num(tj_get(ex, "state_init_or_received_s")), 400);
	run_setup(&r, v, 0);
	n = gen3_build(fr, sizeof(fr), "R170000000000009", GEN3_CTRL_IND,
	    GEN3_MSG_HEARTBEAT, pl, sizeof(pl));
	gen3_ops.input_dev(r.g, fr, n);
	ck_assert_int_eq(F.state, PSTATE_INIT);
	ck_assert_int_eq(F.nstate, 0);
	n = gen3_build(fr, sizeof(fr), SERIAL1, GEN3_CTRL_IND,
	    GEN3_MSG_HEARTBEAT, pl, sizeof(pl));
	gen3_ops.input_dev(r.g, fr, n);
	ck_assert_int_eq(F.state, PSTATE_UP);
	ck_assert_int_eq(F.state_polling, 1);
	gen3_ops.free(r.g);
	F.dev.modbus_polling = 0;
	r.g = gen3_ops.new(&F.conf, &fio, PSIDE_SERVER, NULL);
	gen3_ops.input_dev(r.g, fr, n);
	ck_assert_int_eq(F.state, PSTATE_UP);
	ck_assert_int_eq(F.state_polling, 0);
	gen3_ops.free(r.g);
}

static void
run_ctrl(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect");

	ck_assert_str_eq(tj_str(tj_get(ex, "0x70")), "req");
	ck_assert_str_eq(tj_str(tj_get(ex, "0x91")), "ind");
	ck_assert_str_eq(tj_str(tj_get(ex, "0x99")), "resp");
	ck_assert_int_eq(GEN3_CTRL_REQ, 0x70);
	ck_assert_int_eq(GEN3_CTRL_IND, 0x91);
	ck_assert_int_eq(GEN3_CTRL_RESP, 0x99);
}

/* system-test vectors: the behaviour the live test observed */
static void
run_system(const struct tj *v)
{
	const char	*name = tj_str(tj_get(v, "name"));
	const struct tj	*ex = tj_get(v, "expect");
	struct run	 r;

	run_setup(&r, v, 0);
	run_feed(&r, v, NULL);
	if (tj_get(ex, "reply_hex") != NULL)
		assert_hex("reply", &F.to_dev, tj_str(tj_get(ex, "reply_hex")));
	else if (tj_get(ex, "reply") != NULL)
		assert_hex("reply", &F.to_dev, "");	/* unknown serial */
	ck_assert_int_eq(consumed_frames(&r), 1);
	if (strcmp(name, "system_msg_timestamp_resp") == 0)
		/* ctrl 0x99 is no time response: passed to the inverter */
		ck_assert_uint_eq(F.to_dev.n, 31);
	gen3_ops.free(r.g);
}

static void
run_vector(const struct tj *v)
{
	const char	*kind = tj_str(tj_get(v, "kind"));
	const char	*name = tj_str(tj_get(v, "name"));

	if (strcmp(name, "test_modbus_polling") == 0)
		run_polling(v);
	else if (strcmp(name, "test_modbus_scaning") == 0)
		run_scanning(v);
	else if (strncmp(name, "system_", 7) == 0)
		run_system(v);
	else if (strcmp(kind, "talent_stream") == 0)
		run_stream(v);
	else if (strcmp(kind, "talent_frame") == 0)
		run_frame(v);
	else if (strcmp(kind, "talent_frame_generated") == 0)
		run_generated(v);
	else if (strcmp(kind, "tlv_payload") == 0)
		run_tlv(v);
	else if (strcmp(kind, "timestamp_conversion") == 0)
		run_tscnv(v);
	else if (strcmp(kind, "idle_timeout") == 0)
		run_timeout(v);
	else if (strcmp(kind, "control_byte") == 0)
		run_ctrl(v);
	else
		ck_abort_msg("%s: unknown kind %s", name, kind);
}

START_TEST(t_vector)
{
	run_vector(vec(_i));
}
END_TEST

/* ---- tests beyond the vectors ---- */

START_TEST(t_parser_bounds)
{
	struct gen3_hdr	 h;
	uint8_t		 b[64];

	memset(b, 0, sizeof(b));
	/* id_len 18 */
	memcpy(b, "\x00\x00\x00\x20\x12", 5);
	ck_assert_int_eq(gen3_parse_frame(b, sizeof(b), &h), GEN3_BAD);
	/* msg_len smaller than the header */
	memcpy(b, "\x00\x00\x00\x02\x10", 5);
	ck_assert_int_eq(gen3_parse_frame(b, sizeof(b), &h), GEN3_BAD);
	/* absurd length rejected before it is buffered */
	memcpy(b, "\x7f\x00\x00\x00\x10", 5);
	ck_assert_int_eq(gen3_parse_frame(b, 5, &h), GEN3_BAD);
	ck_assert_int_eq(gen3_parse_frame(b, 4, &h), GEN3_PARTIAL);
	/* empty id, no payload: a 7-byte frame */
	memcpy(b, "\x00\x00\x00\x03\x00\x91\x22", 7);
	ck_assert_int_eq(gen3_parse_frame(b, 7, &h), 7);
	ck_assert_int_eq(h.data_len, 0);
}
END_TEST

START_TEST(t_tlv_bounds)
{
	/* count 2, one 'S', then a 'T' whose length runs past the end */
	static const uint8_t	 t[] = { 0, 0, 0, 2, 0, 0, 0, 0x64, 'S', 0,
	    1, 0, 0, 0, 0x0a, 'T', 9, 'a' };
	/* count 3 but only one element present */
	static const uint8_t	 u[] = { 0, 0, 0, 3, 0, 0, 0, 0x64, 'B', 7 };
	/* NUL type ends the block early */
	static const uint8_t	 w[] = { 0, 0, 0, 9, 0, 0, 0, 1, 0 };

	ck_assert_int_eq(gen3_tlv_decode(t, sizeof(t), NULL, NULL), -1);
	ck_assert_int_eq(gen3_tlv_decode(u, sizeof(u), NULL, NULL), -1);
	ck_assert_int_eq(gen3_tlv_decode(w, sizeof(w), NULL, NULL), 1);
	ck_assert_int_eq(gen3_tlv_decode(t, 3, NULL, NULL), -1);
}
END_TEST

START_TEST(t_multi_frame_offset)
{
	const struct tj		*v;
	struct run		 r;
	uint8_t			*b, *two;
	size_t			 n, i;
	struct gen3_hdr		 h;
	struct gen3_data	 d;
	ssize_t			 fl;

	/* §9.3: every data frame of one read gets the offset once */
	for (i = 0; (v = vec(i)) != NULL; i++)
		if (strcmp(tj_str(tj_get(v, "name")), "test_msg_inv_ind") == 0)
			break;
	ck_assert_ptr_nonnull(v);
	run_setup(&r, v, 256);
	b = hexval(tj_get(v, "hex"), &n);
	two = malloc(2 * n);
	memcpy(two, b, n);
	memcpy(two + n, b, n);
	ck_assert_int_eq(gen3_ops.input_dev(r.g, two, 2 * n), (ssize_t)(2 * n));
	ck_assert_uint_eq(F.to_cloud.n, 2 * n);
	for (i = 0; i < 2; i++) {
		fl = gen3_parse_frame(F.to_cloud.b + i * n, n, &h);
		ck_assert_int_eq(fl, (ssize_t)n);
		ck_assert_int_eq(gen3_parse_data(h.data, h.data_len, &d), 0);
		ck_assert_int_eq(d.ts_ms, 0x189c6636108LL + 256);
	}
	free(two);
	free(b);
	gen3_ops.free(r.g);
}
END_TEST

START_TEST(t_ping_and_close)
{
	struct run	 r;
	uint8_t		 b[4096];
	size_t		 i;

	run_setup(&r, vec(1), 0);
	ck_assert_int_eq(gen3_ops.input_dev(r.g, (const uint8_t *)"ping", 4), 4);
	assert_hex("ping", &F.to_dev, "70696e67");
	/* garbage: consumed, counted, no crash, no reply */
	F.to_dev.n = 0;
	for (i = 0; i < sizeof(b); i++)
		b[i] = i * 7 + 3;
	ck_assert_int_ge(gen3_ops.input_dev(r.g, b, sizeof(b)), 0);
	ck_assert_uint_eq(F.to_dev.n, 0);
	gen3_ops.closed(r.g);
	ck_assert_int_eq(F.timer_ms[GEN3_TIMER_POLL], -1);
	gen3_ops.free(r.g);
}
END_TEST

static Suite *
gen3_suite(void)
{
	Suite		*s = suite_create("gen3");
	TCase		*tc;
	const char	*name;
	size_t		 i;

	for (i = 0; i < tj_len(root); i++) {
		name = tj_str(tj_get(vec(i), "name"));
		if (strncmp(name, "test_build_ha_conf", 18) == 0)
			continue;	/* discovery: test_discovery.c */
		tc = tcase_create(name);
		tcase_add_loop_test(tc, t_vector, i, i + 1);
		suite_add_tcase(s, tc);
	}
	tc = tcase_create("gen3_extra");
	tcase_add_test(tc, t_parser_bounds);
	tcase_add_test(tc, t_tlv_bounds);
	tcase_add_test(tc, t_multi_frame_offset);
	tcase_add_test(tc, t_ping_and_close);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nf;

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	if ((root = tj_load(VECTORS)) == NULL || tj_len(root) != 97) {
		fprintf(stderr, "cannot load %s\n", VECTORS);
		return 1;
	}
	sr = srunner_create(gen3_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	tj_free(root);
	return nf == 0 ? 0 : 1;
}
