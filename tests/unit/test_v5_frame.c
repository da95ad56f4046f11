/*
 * The pure V5 frame parser (proxyd/v5_frame.c).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "proxyd/v5_frame.h"

/* a frame of logger 2070233889 with a dlen-byte payload */
static size_t
frame(uint8_t *f, size_t dlen)
{
	size_t	i, flen = V5_HDR_LEN + dlen + V5_TRAILER_LEN;

	f[0] = 0xa5;
	f[1] = dlen & 0xff;
	f[2] = dlen >> 8;
	f[3] = 0x10;
	f[4] = 0x47;
	f[5] = 0x12;
	f[6] = 0x34;
	f[7] = 0x21;
	f[8] = 0x43;
	f[9] = 0x65;
	f[10] = 0x7b;
	for (i = 0; i < dlen; i++)
		f[V5_HDR_LEN + i] = (uint8_t)i;
	f[flen - 2] = v5_checksum(f, flen);
	f[flen - 1] = 0x15;
	return flen;
}

START_TEST(test_parse)
{
	uint8_t		 b[64];
	struct v5_frame	 f;
	size_t		 n, i;

	n = frame(b, 3);
	ck_assert(v5_frame_valid(b, n));
	ck_assert_int_eq(v5_parse(b, n, &f), (ssize_t)n);
	ck_assert_int_eq(f.status, V5_OK);
	ck_assert_int_eq(f.hdr, 1);
	ck_assert_uint_eq(f.dlen, 3);
	ck_assert_uint_eq(f.ctrl, 0x4710);
	ck_assert_uint_eq(f.seq5, 0x12);
	ck_assert_uint_eq(f.seq6, 0x34);
	ck_assert_uint_eq(f.snr, 2070233889u);
	ck_assert_ptr_eq(f.payload, b + V5_HDR_LEN);
	/* every shorter prefix needs more; the header counts from 11 */
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(v5_parse(b, i, &f), V5_NEED);
		ck_assert_int_eq(f.hdr, i >= V5_HDR_LEN);
	}
	/* a bad checksum or end byte skips the frame */
	b[n - 2] ^= 1;
	ck_assert_int_eq(v5_parse(b, n, &f), (ssize_t)n);
	ck_assert_int_eq(f.status, V5_ERR_CHECKSUM);
	ck_assert(!v5_frame_valid(b, n));
	b[n - 2] ^= 1;
	b[n - 1] = 0;
	ck_assert_int_eq(v5_parse(b, n, &f), (ssize_t)n);
	ck_assert_int_eq(f.status, V5_ERR_TRAILER);
	/* ... unless what follows is no frame start either */
	b[n] = 0x42;
	ck_assert_int_eq(v5_parse(b, n + 1, &f), V5_BAD);
	b[n] = 0xa5;
	ck_assert_int_eq(v5_parse(b, n + 1, &f), (ssize_t)n);
	/* a bad start or an impossible length: nothing to resynchronise */
	frame(b, 3);
	b[0] = 0xa4;
	ck_assert_int_eq(v5_parse(b, n, &f), V5_BAD);
	frame(b, 3);
	b[1] = (V5_MAX_DATA_LEN + 1) & 0xff;
	b[2] = (V5_MAX_DATA_LEN + 1) >> 8;
	ck_assert_int_eq(v5_parse(b, n, &f), V5_BAD);
	ck_assert_int_eq(v5_parse(b, 3, &f), V5_NEED);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("v5_frame");
	TCase	*tc = tcase_create("v5_frame");
	SRunner	*sr;
	int	 nfail;

	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
