/*
 * GEN3 Talent protocol: one Check test per vector of tests/vectors/gen3.json
 * (the ha_discovery vectors test_build_ha_conf* belong to test_discovery.c).
 * The vector file is read at run time; each test case is named after its
 * vector, so a failure names the vector.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"
#include "proxyd/gen3.h"
#include "proxyd/gen3_test.h"
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
	if (F.have_dev && strcmp(serial, F.dev.serial) == 0) {
		*dc = &F.dev;
		*vd = vdb_device(DEV_GEN3, serial, 0);
		return 1;
	}
	if (F.allow_all) {
		*dc = NULL;
		*vd = vdb_device(DEV_GEN3, serial, 0);
		return 1;
	}
	vdb_count(REG_UNKNOWN_SNR, 1);
	return 0;
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
		    r == REG_POLLING_INTERVAL),
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
	struct gen3	*g;
	int		 server;
	uint8_t		 rx[GEN3_FRAME_MAX * 4];
	size_t		 rxn;
	int		 msg0;
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

	ck_assert_uint_le(r->rxn + n, sizeof(r->rx));
	memcpy(r->rx + r->rxn, p, n);
	r->rxn += n;
	used = r->server ? gen3_ops.input_dev(r->g, r->rx, r->rxn) :
	    gen3_ops.input_cloud(r->g, r->rx, r->rxn);
	ck_assert_int_ge(used, 0);
	ck_assert_uint_le((size_t)used, r->rxn);
	memmove(r->rx, r->rx + used, r->rxn - used);
	r->rxn -= used;
}

/* a cloud MODBUS command that leaves the request of the vector pending */
static void
preset_pending(struct run *r, const struct tj *pend)
{
	uint8_t	 rtu[MB_REQ_LEN], pl[5 + MB_REQ_LEN], fr[64];
	size_t	 n;

	mb_build_req(rtu, tj_num(tj_get(pend, "addr")),
	    tj_num(tj_get(pend, "fcode")),
	    strtol(tj_str(tj_get(pend, "first_reg")), NULL, 16),
	    tj_num(tj_get(pend, "count")), NULL);
	memcpy(pl, "\x00\x01\xa3\x28\x08", 5);
	memcpy(pl + 5, rtu, MB_REQ_LEN);
	n = gen3_build(fr, sizeof(fr), SERIAL1, GEN3_CTRL_REQ,
	    GEN3_MSG_MODBUS, pl, sizeof(pl));
	ck_assert_int_eq(gen3_ops.input_cloud(r->g, fr, n), (ssize_t)n);
}

static void
run_setup(struct run *r, const struct tj *v, int64_t peer_ofs)
{
	const struct tj	*setup = tj_get(v, "setup");
	struct gen3_dbg	*d;
	struct vdb_dev	*vd;
	const char	*s;

	memset(r, 0, sizeof(*r));
	fake_setup(v);
	if ((s = tj_str(tj_get(setup, "side"))) != NULL)
		r->server = strcmp(s, "server") == 0;
	else
		r->server = strcmp(tj_str(tj_get(v, "direction")),
		    "cloud->proxy") != 0;
	r->g = gen3_ops.new(&F.conf, &fio, PSIDE_SERVER, NULL);
	ck_assert_ptr_nonnull(r->g);
	d = gen3_dbg(r->g);
	if (tj_get(setup, "pending_modbus_request") != NULL)
		preset_pending(r, tj_get(setup, "pending_modbus_request"));
	if ((s = tj_str(tj_get(setup, "state_before"))) != NULL ||
	    (s = tj_str(tj_get(setup, "server_side_state"))) != NULL)
		d->state = pstate(s);
	if (tj_get(setup, "ts_offset_before") != NULL) {
		if (r->server)
			d->ts_off_dev = tj_num(tj_get(setup,
			    "ts_offset_before"));
		else
			d->ts_off_cloud = tj_num(tj_get(setup,
			    "ts_offset_before"));
	}
	if (r->server)
		d->ts_off_cloud = peer_ofs;
	else
		d->ts_off_dev = peer_ofs;
	if (tj_get(setup, "await_conn_resp_cnt_before") != NULL)
		d->await_contact = tj_num(tj_get(setup,
		    "await_conn_resp_cnt_before"));
	if ((s = tj_str(tj_get(setup, "sensor_list_before"))) != NULL)
		d->sensor_list = strtoul(s, NULL, 16);
	vd = vdb_device(DEV_GEN3, SERIAL1, 0);
	if (tj_get(setup, "controller.Polling_Interval_before") != NULL)
		vdb_set_int(vd, REG_POLLING_INTERVAL, tj_num(tj_get(setup,
		    "controller.Polling_Interval_before")));
	if (tj_get(setup, "db_before") != NULL)
		preset_db(vd, tj_get(setup, "db_before"));
	F.to_dev.n = F.to_cloud.n = 0;
	F.inv_batches = 0;
	r->msg0 = d->msg_count;
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

static void
check_expect(struct run *r, const struct tj *v, const struct tj *ex,
    const int64_t *cnt0)
{
	struct gen3_dbg	*d = gen3_dbg(r->g);
	struct vdb_dev	*vd = vdb_device(DEV_GEN3, d->serial[0] ?
			    d->serial : SERIAL1, 0);
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
			ck_assert_int_eq(d->msg_count - r->msg0, tj_num(x));
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
				ck_assert_str_eq(d->serial, "");
			else
				ck_assert_str_eq(d->serial, tj_str(x));
		} else if (strcmp(k, "counters") == 0) {
			for (j = 0; j < tj_len(x); j++)
				ck_assert_msg(counter(tj_key(x, j)) -
				    cnt0[counter_reg(tj_key(x, j))] ==
				    tj_num(tj_at(x, j)), "counter %s: %lld",
				    tj_key(x, j), (long long)(counter(
				    tj_key(x, j)) -
				    cnt0[counter_reg(tj_key(x, j))]));
		} else if (strcmp(k, "state_after") == 0) {
			ck_assert_int_eq(d->state, pstate(tj_str(x)));
			ck_assert_int_eq(d->pend,
			    strcmp(tj_str(x), "pend") == 0);
		} else if (strcmp(k, "ts_offset_after") == 0)
			ck_assert_int_eq(r->server ? d->ts_off_dev :
			    d->ts_off_cloud, tj_num(x));
		else if (strcmp(k, "server_side_ts_offset_after") == 0)
			ck_assert_int_eq(d->ts_off_dev, tj_num(x));
		else if (strcmp(k, "await_conn_resp_cnt_after") == 0)
			ck_assert_int_eq(d->await_contact, tj_num(x));
		else if (strcmp(k, "contact_name") == 0)
			ck_assert_str_eq(d->name, tj_str(x));
		else if (strcmp(k, "contact_mail") == 0)
			ck_assert_str_eq(d->mail, tj_str(x));
		else if (strcmp(k, "header_valid_after") == 0)
			ck_assert_int_eq(header_valid(r), tj_bool(x));
		else if (strcmp(k, "modbus_err") == 0 ||
		    strcmp(k, "modbus_err_after_second_copy") == 0)
			ck_assert_int_eq(d->mb_err, tj_num(x));
		else if (strcmp(k, "modbus_elms") == 0)
			ck_assert_int_eq(d->mb_elms, tj_num(x));
		else if (strcmp(k, "warning_logged") == 0)
			ck_assert_int_eq(d->data_warned, tj_bool(x));
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
		ck_assert_int_eq(gen3_dbg(r->g)->msg_count, 0);
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
		if (strcmp(k, "state_after") == 0 &&
		    gen3_dbg(r.g)->serial[0] == '\0')
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
time_request(struct run *r)
{
	uint8_t	 fr[64];
	size_t	 n;

	n = gen3_build(fr, sizeof(fr), SERIAL1, GEN3_CTRL_IND, GEN3_MSG_TIME,
	    NULL, 0);
	ck_assert_int_eq(gen3_ops.input_dev(r->g, fr, n), (ssize_t)n);
	F.to_dev.n = F.to_cloud.n = 0;
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
		ck_assert_int_eq(gen3_dbg(r.g)->await_contact, 1);
	} else if (strcmp(name, "test_msg_build_modbus_req") == 0) {
		time_request(&r);
		cmd.kind = CMD_RATED_LOAD;
		cmd.value = 0;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), -1);
		assert_hex("not up", &F.to_dev,
		    tj_str(tj_get(ex, "sent_when_state_not_up")));
		gen3_dbg(r.g)->state = PSTATE_UP;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), 0);
		assert_hex("up", &F.to_dev,
		    tj_str(tj_get(ex, "sent_when_state_up")));
		ck_assert_int_eq(F.timer_ms[GEN3_TIMER_MODBUS],
		    GEN3_MB_TIMEOUT_MS);
	} else if (strcmp(name, "msg_modbus_cmd_new") == 0) {
		time_request(&r);
		gen3_dbg(r.g)->state = PSTATE_UP;
		cmd.kind = CMD_MODBUS_READ_REGS;
		cmd.reg = 0x3000;
		cmd.count = 0x30;
		ck_assert_int_eq(gen3_ops.command(r.g, &cmd), 0);
		assert_hex("poll", &F.to_dev, tj_str(tj_get(v, "hex")));
	} else
		ck_abort_msg("unhandled generated vector %s", name);
	gen3_ops.free(r.g);
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
	int		 step;

	run_setup(&r, v, 0);
	F.dev.modbus_interval = 1;
	run_feed(&r, v, NULL);
	assert_hex("reply", &F.to_dev, tj_str(tj_get(ex, "reply_hex")));
	assert_hex("forward", &F.to_cloud, tj_str(tj_get(ex, "forward_hex")));
	ck_assert_int_eq(F.timer_ms[GEN3_TIMER_POLL], GEN3_POLL_FIRST_MS);
	ck_assert_int_eq(F.state_polling, 1);
	/* the upstream test consumed expiry number 0 itself */
	gen3_dbg(r.g)->poll_count = 1;
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
	ck_assert_int_eq(gen3_dbg(r.g)->poll_count,
	    tj_num(tj_get(ex, "timer_expiry_counter_next_value_at_end")));
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
	struct gen3_dbg	*d;

	run_setup(&r, v, 0);
	run_feed(&r, v, scan_after);
	d = gen3_dbg(r.g);
	assert_hex("scan request", &F.to_dev,
	    tj_str(tj_get(ex, "scan_request_sent_hex")));
	check_frames(v, tj_get(ex, "frames"));
	ck_assert_int_eq(d->mb_err, tj_num(tj_get(ex, "modbus_err")));
	ck_assert_int_eq(d->mb_last_reg,
	    tj_num(tj_get(ex, "modbus_last_reg")));
	ck_assert_int_eq(d->mb_last_len,
	    tj_num(tj_get(ex, "modbus_last_len")));
	ck_assert_int_eq(d->msg_count, 2);
	gen3_ops.free(r.g);
}

static void
run_tlv(const struct tj *v)
{
	const struct tj	*ex = tj_get(v, "expect"), *steps, *st, *x;
	struct vdb_dev	*vd;
	uint8_t		*b;
	size_t		 n, i, j, nsteps;
	int64_t		 idt0 = 0, idt;
	char		 pfx[32];
	int		 rv, bad = 0;

	fake_setup(v);
	vd = vdb_device(DEV_GEN3, SERIAL1, 0);
	vdb_get_int(vdb_proxy(), REG_INVALID_DATA_TYPE, &idt0);
	steps = tj_get(v, "steps");
	nsteps = steps ? tj_len(steps) : 1;
	for (i = 0; i < nsteps; i++) {
		st = steps ? tj_at(steps, i) : v;
		b = hexval(tj_get(st, "hex"), &n);
		rv = gen3_decode_tlv(vd, strtoul(tj_str(tj_get(st,
		    "sensor_list")), NULL, 16), b, n);
		if (rv < 0)
			bad++;
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
	idt = 0;
	vdb_get_int(vdb_proxy(), REG_INVALID_DATA_TYPE, &idt);
	x = tj_get(tj_get(ex, "counters"), "Invalid_Data_Type");
	ck_assert_int_eq(idt - idt0, x ? tj_num(x) : 0);
	ck_assert_int_eq(bad, x ? tj_num(x) : 0);
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
	ck_assert_int_eq(gen3_dbg(r.g)->msg_count, 1);
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
