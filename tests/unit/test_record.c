/*
 * Record batches: round trip of every record type, and the reader's
 * refusal of truncated, padded, garbage and oversized input.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/record.h"
#include "common/registers.h"

static struct batch	b;

static int	read_all(const uint8_t *, size_t);

static size_t
build_sample(void)
{
	char	long_s[REC_STR_MAX + 1];

	memset(long_s, 'x', REC_STR_MAX);
	long_s[REC_STR_MAX] = '\0';
	batch_begin(&b, 2, BATCH_CONNECT, "Y170000000000001", 2070233889);
	ck_assert_int_eq(batch_add_int(&b, REG_SIGNAL_STRENGTH, 100, -5), 0);
	ck_assert_int_eq(batch_add_float(&b, REG_GRID_VOLTAGE, 101, 238.5), 0);
	ck_assert_int_eq(batch_add_str(&b, REG_CHIP_MODEL, 102,
	    "LSW5BLE_17_02B0_1.05"), 0);
	ck_assert_int_eq(batch_add_del(&b, REG_PV1_DAILY_GENERATION, 103), 0);
	ck_assert_int_eq(batch_add_str(&b, REG_SSID, 104, ""), 0);
	ck_assert_int_eq(batch_add_str(&b, REG_TRACE_URL, 105, long_s), 0);
	ck_assert_int_eq(b.full, 0);
	return batch_end(&b);
}

START_TEST(test_round_trip)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	size_t			len;

	len = build_sample();
	ck_assert_int_eq(batch_read_hdr(&r, b.buf, len, &h), 0);
	ck_assert_int_eq(h.kind, 2);
	ck_assert_int_eq(h.flags, BATCH_CONNECT);
	ck_assert_int_eq(h.nrec, 6);
	ck_assert_uint_eq(h.monitor_sn, 2070233889);
	ck_assert_str_eq(h.serial, "Y170000000000001");

	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.reg, REG_SIGNAL_STRENGTH);
	ck_assert_int_eq(v.type, REC_INT);
	ck_assert_int_eq(v.ts, 100);
	ck_assert_int_eq(v.i, -5);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_FLOAT);
	ck_assert(v.f == 238.5);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_STR);
	ck_assert_str_eq(v.s, "LSW5BLE_17_02B0_1.05");
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_DEL);
	ck_assert_int_eq(v.reg, REG_PV1_DAILY_GENERATION);
	ck_assert_int_eq(v.ts, 103);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_str_eq(v.s, "");
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_uint_eq(strlen(v.s), REC_STR_MAX);
	ck_assert_int_eq(batch_read_rec(&r, &v), 0);
	ck_assert_int_eq(batch_read_rec(&r, &v), 0);
}
END_TEST

/* REC_NULL: a key holding JSON null travels without a value */
START_TEST(test_null)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	uint8_t			buf[128];
	size_t			len;

	batch_begin(&b, DEV_BATTERY, 0, "4100000000000001", 2070233888);
	ck_assert_int_eq(batch_add_float(&b, REG_BATT_OUT_VOLT, 7, 0.14), 0);
	ck_assert_int_eq(batch_add_null(&b, REG_BATT_OUT_PWR, 8), 0);
	ck_assert_int_eq(batch_add_null(&b, REG_BATT_PWR_SUPL_STATE, 9), 0);
	len = batch_end(&b);
	/* header, one float record, two records of 11 bytes each */
	ck_assert_uint_eq(len, 25 + 19 + 11 + 11);
	ck_assert_int_eq(batch_read_hdr(&r, b.buf, len, &h), 0);
	ck_assert_int_eq(h.nrec, 3);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_FLOAT);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_NULL);
	ck_assert_int_eq(v.reg, REG_BATT_OUT_PWR);
	ck_assert_int_eq(v.ts, 8);
	ck_assert_int_eq(v.i, 0);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_int_eq(v.type, REC_NULL);
	ck_assert_int_eq(v.reg, REG_BATT_PWR_SUPL_STATE);
	ck_assert_int_eq(batch_read_rec(&r, &v), 0);

	/* a null carries no value bytes: one more byte is garbage */
	memcpy(buf, b.buf, len);
	buf[len] = 0;
	ck_assert_int_eq(read_all(buf, len + 1), -1);
	/* the type after REC_NULL is still unknown */
	memcpy(buf, b.buf, len);
	buf[25 + 19 + 2] = REC_NULL + 1;
	ck_assert_int_eq(read_all(buf, len), -1);
	ck_assert_int_eq(read_all(b.buf, len), 0);
}
END_TEST

START_TEST(test_empty_batch)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	size_t			len;

	batch_begin(&b, 0, BATCH_SNAPSHOT, NULL, 0);
	len = batch_end(&b);
	ck_assert_uint_eq(len, 25);
	ck_assert_int_eq(batch_read_hdr(&r, b.buf, len, &h), 0);
	ck_assert_str_eq(h.serial, "");
	ck_assert_int_eq(h.nrec, 0);
	ck_assert_int_eq(batch_read_rec(&r, &v), 0);
}
END_TEST

/* every proper prefix of a valid batch is refused somewhere */
START_TEST(test_truncated)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	size_t			len, cut;
	uint8_t			*copy;
	int			res;

	len = build_sample();
	for (cut = 0; cut < len; cut++) {
		/* a private copy so ASan sees any read past the cut */
		copy = malloc(cut == 0 ? 1 : cut);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, b.buf, cut);
		if ((res = batch_read_hdr(&r, copy, cut, &h)) == 0)
			while ((res = batch_read_rec(&r, &v)) == 1)
				;
		ck_assert_msg(res == -1, "prefix of %zu bytes accepted", cut);
		free(copy);
	}
}
END_TEST

static int
read_all(const uint8_t *p, size_t len)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	int			res;

	if (batch_read_hdr(&r, p, len, &h) == -1)
		return -1;
	while ((res = batch_read_rec(&r, &v)) == 1)
		;
	return res;
}

START_TEST(test_garbage)
{
	uint8_t		buf[512];
	size_t		len, i;
	uint16_t	u16;
	uint32_t	seed = 1;

	len = build_sample();
	ck_assert_int_eq(read_all(b.buf, len), 0);

	/* trailing byte after the last record */
	memcpy(buf, b.buf, len);
	buf[len] = 0;
	ck_assert_int_eq(read_all(buf, len + 1), -1);
	/* unknown kind, unknown flag, unterminated and unpadded serial */
	memcpy(buf, b.buf, len);
	buf[0] = 9;
	ck_assert_int_eq(read_all(buf, len), -1);
	memcpy(buf, b.buf, len);
	buf[1] = 0x80;
	ck_assert_int_eq(read_all(buf, len), -1);
	memcpy(buf, b.buf, len);
	buf[8 + 16] = 'X';
	ck_assert_int_eq(read_all(buf, len), -1);
	batch_begin(&b, 1, 0, "R17", 0);
	len = batch_end(&b);
	memcpy(buf, b.buf, len);
	buf[8 + 5] = 'Z';
	ck_assert_int_eq(read_all(buf, len), -1);
	/* nrec larger than the records present */
	len = build_sample();
	memcpy(buf, b.buf, len);
	u16 = 7;
	memcpy(buf + 2, &u16, 2);
	ck_assert_int_eq(read_all(buf, len), -1);
	/* register 0, register out of range, unknown type */
	memcpy(buf, b.buf, len);
	u16 = REG_NONE;
	memcpy(buf + 25, &u16, 2);
	ck_assert_int_eq(read_all(buf, len), -1);
	memcpy(buf, b.buf, len);
	u16 = REG_MAX;
	memcpy(buf + 25, &u16, 2);
	ck_assert_int_eq(read_all(buf, len), -1);
	memcpy(buf, b.buf, len);
	buf[27] = 9;
	ck_assert_int_eq(read_all(buf, len), -1);
	/* NULL input */
	ck_assert_int_eq(read_all(NULL, 100), -1);
	/* random bytes never crash the reader */
	for (i = 0; i < 2000; i++) {
		size_t	k;

		for (k = 0; k < sizeof(buf); k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = seed >> 16;
		}
		buf[0] = buf[0] % 4;
		buf[1] = buf[1] & 7;
		read_all(buf, seed % sizeof(buf));
	}
}
END_TEST

START_TEST(test_string_too_long)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	char			big[1000];
	uint8_t			buf[1024];
	size_t			len;
	uint16_t		n;

	/* the writer cuts at REC_STR_MAX */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	batch_begin(&b, 1, 0, "R170000000000001", 0);
	ck_assert_int_eq(batch_add_str(&b, REG_TRACE_URL, 1, big), 0);
	len = batch_end(&b);
	ck_assert_int_eq(batch_read_hdr(&r, b.buf, len, &h), 0);
	ck_assert_int_eq(batch_read_rec(&r, &v), 1);
	ck_assert_uint_eq(strlen(v.s), REC_STR_MAX);

	/* a hand-made record longer than REC_STR_MAX is refused */
	memcpy(buf, b.buf, 25 + 11);
	n = REC_STR_MAX + 1;
	memcpy(buf + 25 + 11, &n, 2);
	memset(buf + 25 + 13, 'a', n);
	ck_assert_int_eq(read_all(buf, 25 + 13 + n), -1);
	/* an embedded NUL is refused too */
	memcpy(buf, b.buf, len);
	buf[25 + 13 + 3] = '\0';
	ck_assert_int_eq(read_all(buf, len), -1);
}
END_TEST

/*
 * issue 13: a NaN or an infinity is never written, and one that arrives
 * anyway is a bad value the reader drops, not a malformed batch.
 */
START_TEST(test_non_finite_float)
{
	struct batch_reader	r;
	struct batch_hdr	h;
	struct rec_value	v;
	uint8_t			buf[64];
	size_t			len;
	double			d[3] = { NAN, INFINITY, -INFINITY };
	int			i;

	batch_begin(&b, 1, 0, "R1", 0);
	ck_assert_int_eq(batch_add_float(&b, REG_GRID_VOLTAGE, 1, NAN), 0);
	ck_assert_int_eq(batch_add_float(&b, REG_GRID_VOLTAGE, 1, INFINITY), 0);
	ck_assert_int_eq(b.nrec, 0);
	batch_add_float(&b, REG_GRID_VOLTAGE, 1, 1.0);
	batch_add_int(&b, REG_GRID_CURRENT, 1, 7);
	len = batch_end(&b);
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_int_eq(read_all(b.buf, len), 0);
	for (i = 0; i < 3; i++) {
		memcpy(buf, b.buf, len);
		memcpy(buf + 25 + 11, &d[i], 8);
		ck_assert_int_eq(batch_read_hdr(&r, buf, len, &h), 0);
		ck_assert_int_eq(batch_read_rec(&r, &v), 1);
		ck_assert_int_eq(v.reg, REG_GRID_CURRENT);
		ck_assert_int_eq(v.i, 7);
		ck_assert_int_eq(batch_read_rec(&r, &v), 0);
		ck_assert_int_eq(r.dropped, 1);
	}
	/* the last record: skipped, then the end */
	memcpy(buf, b.buf, len - 19);
	memcpy(buf + 2, &(uint16_t){ 1 }, 2);
	memcpy(buf + 25 + 11, &d[0], 8);
	ck_assert_int_eq(read_all(buf, len - 19), 0);
}
END_TEST

/* a record that does not fit leaves the batch valid and flags it full */
START_TEST(test_full)
{
	char	s[REC_STR_MAX + 1];
	size_t	len;
	int	n = 0;

	memset(s, 'q', REC_STR_MAX);
	s[REC_STR_MAX] = '\0';
	batch_begin(&b, 1, 0, "R1", 0);
	while (batch_add_str(&b, REG_TRACE_URL, 1, s) == 0)
		n++;
	ck_assert_int_eq(b.full, 1);
	ck_assert_int_eq(b.nrec, n);
	len = batch_end(&b);
	ck_assert_uint_le(len, BATCH_MAX);
	ck_assert_int_eq(read_all(b.buf, len), 0);
	ck_assert_int_eq(n, (BATCH_MAX - 25) / (11 + 2 + REC_STR_MAX));
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 nfail;

	s = suite_create("record");
	tc = tcase_create("record");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_empty_batch);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_string_too_long);
	tcase_add_test(tc, test_non_finite_float);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
