/*
 * MODBUS RTU: CRC, request building, answer validation and register
 * decoding, one Check test per "modbus-rtu" vector of gen3plus.json.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "proxyd/modbus.h"
#include "tests/unit/tjson.h"

#define VECTORS	"tests/vectors/gen3plus.json"

static struct tj	*vectors;
static struct tj	*mbvec[64];
static size_t		 nmbvec;

static long
numval(const struct tj *v)
{
	const char	*s;

	if ((s = tj_str(v)) != NULL)
		return strtol(s, NULL, 0);
	return (long)tj_num(v);
}

struct collect {
	struct mb_value	v[64];
	int		n;
};

static void
collect_cb(void *arg, const struct mb_value *v)
{
	struct collect	*c = arg;

	if (c->n < 64)
		c->v[c->n++] = *v;
}

static void
get_pending(const struct tj *ctx, struct mb_req *req)
{
	memset(req, 0, sizeof(*req));
	req->addr = numval(tj_get(ctx, "addr"));
	req->fcode = numval(tj_get(ctx, "fcode"));
	req->reg = numval(tj_get(ctx, "reg"));
	req->count = numval(tj_get(ctx, "count"));
}

static void
run_vector(int i)
{
	const struct tj	*v = mbvec[i], *ex, *ctx, *t;
	const char	*name;
	uint8_t		*p, out[MB_REQ_LEN];
	size_t		 len;
	struct mb_req	 req, *pend;
	struct collect	 c;
	int		 err;

	name = tj_str(tj_get(v, "name"));
	ex = tj_get(v, "expect");
	p = tj_hex(tj_str(tj_get(v, "hex")), &len);
	ck_assert_ptr_nonnull(p);

	/* the CRC property every vector states */
	if ((t = tj_get(v, "crc_check_zero")) != NULL)
		ck_assert_int_eq(mb_crc16(p, len) == 0, tj_bool(t));

	if ((t = tj_get(ex, "crc_of_first_6_bytes")) != NULL)
		ck_assert_uint_eq(mb_crc16(p, 6), numval(t));
	if ((t = tj_get(ex, "crc_of_whole_frame")) != NULL)
		ck_assert_uint_eq(mb_crc16(p, len), numval(t));
	if ((t = tj_get(ex, "crc_of_these_11_bytes")) != NULL)
		ck_assert_uint_eq(mb_crc16(p, len), numval(t));
	if (tj_get(ex, "crc_bytes_on_wire") != NULL) {
		mb_build_req(out, p[0], p[1], p[2] << 8 | p[3],
		    p[4] << 8 | p[5], NULL);
		ck_assert_mem_eq(out, p, MB_REQ_LEN);
	}

	if (strcmp(name, "build_write_0x2000") == 0) {
		mb_build_req(out, 1, 6, 0x2000, 0x12, &req);
		ck_assert_uint_eq(len, MB_REQ_LEN);
		ck_assert_mem_eq(out, p, MB_REQ_LEN);
		ck_assert_uint_eq(req.addr, numval(tj_get(ex, "last_addr")));
		ck_assert_uint_eq(req.fcode, numval(tj_get(ex, "last_fcode")));
		ck_assert_uint_eq(req.reg, numval(tj_get(ex, "last_reg")));
		ck_assert_uint_eq(req.count, numval(tj_get(ex, "last_len")));
		/* its own echo is a valid answer */
		ck_assert_int_eq(mb_check_answer(&req, p, len),
		    numval(tj_get(ex, "err")));
	} else if (strcmp(name, "req_read_0x3022_4") == 0) {
		mb_build_req(out, 1, 3, 0x3022, 4, &req);
		ck_assert_mem_eq(out, p, MB_REQ_LEN);
		ck_assert_int_eq(mb_parse_req(p, len, &req), 0);
		ck_assert_uint_eq(req.reg, 0x3022);
		ck_assert_uint_eq(req.count, 4);
	} else if (strcmp(name, "recv_req_crc_error") == 0) {
		memset(&req, 0, sizeof(req));
		ck_assert_int_eq(mb_parse_req(p, len, &req), -1);
		ck_assert(!tj_bool(tj_get(ex, "accepted")));
		ck_assert_uint_eq(req.fcode, numval(tj_get(ex, "last_fcode")));
	} else if (strcmp(name, "write_echo_0x2008") == 0) {
		ck_assert_int_eq(mb_parse_req(p, len, &req), 0);
		err = mb_check_answer(&req, p, len);
		ck_assert_int_eq(err, numval(tj_get(ex, "err")));
		c.n = 0;
		ck_assert_int_eq(mb_decode_answer(&req, p, len, collect_cb, &c),
		    numval(tj_get(ex, "values")));
	} else if ((ctx = tj_get(v, "context")) != NULL &&
	    (t = tj_get(ctx, "pending")) != NULL) {
		pend = NULL;
		if (!tj_isnull(t)) {
			get_pending(t, &req);
			pend = &req;
		}
		err = mb_check_answer(pend, p, len);
		ck_assert_int_eq(err, numval(tj_get(ex, "err")));
		c.n = 0;
		if (err == MB_OK)
			mb_decode_answer(pend, p, len, collect_cb, &c);
		if ((t = tj_get(ex, "values")) != NULL)
			ck_assert_int_eq(c.n, numval(t));
		if ((t = tj_get(ex, "request")) != NULL) {
			uint8_t	*rq;
			size_t	 rlen, k, j;
			char	 hex[64];

			/* "01 03 30 07 ..." with blanks */
			for (j = 0, k = 0; tj_str(t)[k] && j < 63; k++)
				if (tj_str(t)[k] != ' ')
					hex[j++] = tj_str(t)[k];
			hex[j] = '\0';
			rq = tj_hex(hex, &rlen);
			ck_assert_ptr_nonnull(rq);
			mb_build_req(out, req.addr, req.fcode, req.reg,
			    req.count, NULL);
			ck_assert_mem_eq(out, rq, MB_REQ_LEN);
			free(rq);
		}
		if ((t = tj_get(ex, "values_in_order")) != NULL) {
			size_t	k;

			ck_assert_int_eq(c.n, (int)tj_len(t));
			for (k = 0; k < tj_len(t); k++) {
				const struct tj	*e = tj_at(t, k);

				if (tj_str(e) != NULL) {
					ck_assert_int_eq(c.v[k].type, MBV_STR);
					ck_assert_str_eq(c.v[k].s, tj_str(e));
				} else if (c.v[k].type == MBV_FLOAT)
					ck_assert_double_eq(c.v[k].f,
					    tj_num(e));
				else {
					ck_assert_int_eq(c.v[k].type, MBV_INT);
					ck_assert_int_eq(c.v[k].i,
					    (int64_t)tj_num(e));
				}
			}
		}
	} else if (strncmp(name, "crc_", 4) != 0)
		ck_abort_msg("vector %s not covered", name);
	free(p);
}

START_TEST(test_crc_spec_values)
{
	static const uint8_t	a[] = { 0x01, 0x03, 0x30, 0x00, 0x00, 0x30 };
	uint8_t			out[MB_REQ_LEN];

	mb_build_req(out, 1, 3, 0x3000, 0x30, NULL);
	ck_assert_mem_eq(out, a, sizeof(a));
	ck_assert_uint_eq(out[6], 0x4a);
	ck_assert_uint_eq(out[7], 0xde);
	ck_assert_uint_eq(mb_crc16(out, 8), 0);
}
END_TEST

START_TEST(test_short_answers)
{
	static const uint8_t	two[] = { 0x05, 0x00 };
	struct mb_req		req = { 1, 3, 0x3000, 48 };
	uint8_t			r[5];
	uint16_t		crc;

	ck_assert_int_eq(mb_check_answer(&req, two, sizeof(two)), MB_ERR_CRC);
	ck_assert_int_eq(mb_check_answer(&req, two, 0), MB_ERR_CRC);
	ck_assert_int_eq(mb_check_answer(NULL, two, 0), MB_ERR_NOREQ);
	/* exception answer: function with bit 7 set */
	r[0] = 1;
	r[1] = 0x83;
	r[2] = 2;
	crc = mb_crc16(r, 3);
	r[3] = crc & 0xff;
	r[4] = crc >> 8;
	ck_assert_int_eq(mb_check_answer(&req, r, 5), MB_ERR_FCODE);
	/* four bytes: address, function and a CRC, but no byte count */
	r[1] = 3;
	crc = mb_crc16(r, 2);
	r[2] = crc & 0xff;
	r[3] = crc >> 8;
	ck_assert_int_eq(mb_check_answer(&req, r, 4), MB_ERR_LEN);
}
END_TEST

START_TEST(test_byte_count_beyond_data)
{
	/* byte count 0x60 claims 48 registers, only one arrived */
	uint8_t			r[7] = { 1, 3, 0x60, 0x00, 0x01 };
	struct mb_req		req = { 1, 3, 0x3000, 48 };
	struct collect		c;
	uint16_t		crc;

	crc = mb_crc16(r, 5);
	r[5] = crc & 0xff;
	r[6] = crc >> 8;
	ck_assert_int_eq(mb_check_answer(&req, r, 7), MB_OK);
	c.n = 0;
	ck_assert_int_eq(mb_decode_answer(&req, r, 7, collect_cb, &c), 1);
	ck_assert_int_eq(c.v[0].reg, REG_INVERTER_STATUS);
	ck_assert_int_eq(c.v[0].i, 1);
}
END_TEST

START_TEST(test_conversions)
{
	char	buf[16];

	mb_version_str(0x4010, buf, sizeof(buf));
	ck_assert_str_eq(buf, "V4.0.10");
	mb_version_str(0x002c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "V0.0.2C");
	ck_assert_double_eq(num_round2(2248 * 0.1), 224.8);
	ck_assert_double_eq(num_round2(1024 * (100.0 / 1024)), 100.0);
	ck_assert_double_eq(num_round2(3297 * 0.001), 3.3);
}
END_TEST

START_TEST(test_map_sorted)
{
	size_t	i;

	for (i = 1; i < mb_map_len; i++)
		ck_assert_uint_lt(mb_map[i - 1].pos, mb_map[i].pos);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	TTest	*tt;
	static TTest	 tts[64];
	size_t	 i;
	int	 nfail;

	if ((vectors = tj_load(VECTORS)) == NULL) {
		fprintf(stderr, "cannot load %s\n", VECTORS);
		return 1;
	}
	for (i = 0; i < tj_len(vectors) && nmbvec < 64; i++) {
		const char *layer = tj_str(tj_get(tj_at(vectors, i), "layer"));

		if (layer != NULL && strcmp(layer, "modbus-rtu") == 0)
			mbvec[nmbvec++] = tj_at(vectors, i);
	}

	s = suite_create("modbus");
	/* static: the runner keeps pointers to them until it is freed */
	tc = tcase_create("vectors");
	for (i = 0; i < nmbvec; i++) {
		/* one named test per vector; _i selects it */
		tt = &tts[i];
		tt->name = tj_str(tj_get(mbvec[i], "name"));
		tt->fn = run_vector;
		tt->file = __FILE__;
		tt->line = __LINE__;
		_tcase_add_test(tc, tt, 0, 0, (int)i, (int)i + 1);
	}
	suite_add_tcase(s, tc);
	tc = tcase_create("extra");
	tcase_add_test(tc, test_crc_spec_values);
	tcase_add_test(tc, test_short_answers);
	tcase_add_test(tc, test_byte_count_beyond_data);
	tcase_add_test(tc, test_conversions);
	tcase_add_test(tc, test_map_sorted);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	tj_free(vectors);
	return nfail == 0 ? 0 : 1;
}
