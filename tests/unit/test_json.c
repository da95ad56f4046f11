/*
 * mqttd/json.c: Python json.dumps() compatible output.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "mqttd/json.h"

static const char *
repr(double v)
{
	static char	b[64];

	json_fmt_repr(b, sizeof(b), v);
	return b;
}

static const char *
repr2(double v)
{
	return repr(num_round2(v));
}

START_TEST(test_number_formats)
{
	/* examples from mqtt-homeassistant.md 1.3 and Python's repr() */
	ck_assert_str_eq(repr2(0.125), "0.12");
	ck_assert_str_eq(repr2(0.375), "0.38");
	ck_assert_str_eq(repr2(50.0), "50.0");
	ck_assert_str_eq(repr2(225.9), "225.9");
	ck_assert_str_eq(repr2(238.5), "238.5");
	ck_assert_str_eq(repr2(0.05), "0.05");
	ck_assert_str_eq(repr2(100.0), "100.0");
	ck_assert_str_eq(repr2(0.0), "0.0");
	ck_assert_str_eq(repr2(17.36), "17.36");
	ck_assert_str_eq(repr2(50.02), "50.02");
	ck_assert_str_eq(repr2(-0.1), "-0.1");
	ck_assert_str_eq(repr2(2.675), "2.67");	/* 2.67499999... in binary */
	ck_assert_str_eq(repr2(1.005), "1.0");	/* 1.00499999... */
	ck_assert_str_eq(repr2(0.0001), "0.0");
	ck_assert_str_eq(repr2(-0.001), "-0.0");
	ck_assert_str_eq(repr2(-1.0 / 3), "-0.33");
	ck_assert_str_eq(repr2(600 * 100.0 / 1024), "58.59");
	ck_assert_str_eq(repr(0.1), "0.1");
	ck_assert_str_eq(repr(1.0 / 3), "0.3333333333333333");
	ck_assert_str_eq(repr(1e16), "1e+16");
	ck_assert_str_eq(repr(1234567890123456.0), "1234567890123456.0");
	ck_assert_str_eq(repr(0.0001), "0.0001");
	ck_assert_str_eq(repr(0.00001), "1e-05");
	ck_assert_str_eq(repr(1.5e-7), "1.5e-07");
	ck_assert_str_eq(repr(123456789.125), "123456789.125");
	ck_assert_str_eq(repr(1e22), "1e+22");
	ck_assert_str_eq(repr(-2.5e300), "-2.5e+300");
}
END_TEST

/* a float from a device as an integer: never undefined behaviour */
START_TEST(test_float_to_int)
{
	ck_assert_int_eq(num_to_i64(NAN), 0);
	ck_assert(num_to_i64(INFINITY) == INT64_MAX);
	ck_assert(num_to_i64(-INFINITY) == INT64_MIN);
	ck_assert(num_to_i64(-4.57e149) == INT64_MIN);
	ck_assert(num_to_i64(0x1p63) == INT64_MAX);
	ck_assert_int_eq(num_to_i64(-2.9), -2);
	ck_assert_int_eq(num_to_i64(688.0), 688);
}
END_TEST

START_TEST(test_object_layout)
{
	struct json	 j;
	const char	*s;
	size_t		 n;

	json_init(&j);
	json_obj_open(&j, NULL);
	json_num2(&j, "Voltage", 238.5);
	json_num2(&j, "Current", 0.05);
	json_num2(&j, "Frequency", 50.0);
	json_num2(&j, "Output_Power", 0.0);
	json_int(&j, "Timestamp", 1691243349);
	json_obj_open(&j, "pv1");
	json_int(&j, "a", -3);
	json_obj_close(&j);
	json_arr_open(&j, "cns");
	json_arr_open(&j, NULL);
	json_str(&j, NULL, "mac");
	json_str(&j, NULL, "00:a0:57:12:34:56");
	json_arr_close(&j);
	json_arr_close(&j);
	json_null(&j, "dev_cla");
	json_bool(&j, "t", 1);
	json_bool(&j, "f", 0);
	json_obj_open(&j, "e");
	json_obj_close(&j);
	json_obj_close(&j);
	s = json_finish(&j, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "{\"Voltage\": 238.5, \"Current\": 0.05, "
	    "\"Frequency\": 50.0, \"Output_Power\": 0.0, "
	    "\"Timestamp\": 1691243349, \"pv1\": {\"a\": -3}, "
	    "\"cns\": [[\"mac\", \"00:a0:57:12:34:56\"]], \"dev_cla\": null, "
	    "\"t\": true, \"f\": false, \"e\": {}}");
	ck_assert_uint_eq(n, strlen(s));

	/* reuse after reset */
	json_reset(&j);
	json_obj_open(&j, NULL);
	json_int(&j, "x", 1);
	json_obj_close(&j);
	ck_assert_str_eq(json_finish(&j, NULL), "{\"x\": 1}");
	json_free(&j);
}
END_TEST

START_TEST(test_escaping)
{
	struct json	 j;
	const char	*s;
	static const char raw[] = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f \xc2\xb0" "C "
	    "M\xce\xa9 \xf0\x9f\x98\x80 \xff\xc3 /";
	size_t		 n;

	json_init(&j);
	json_obj_open(&j, NULL);
	json_str(&j, "unit", "\xc2\xb0" "C");
	json_str(&j, "k\"ey", raw);
	json_strn(&j, "nul", "a\0b", 3);
	json_obj_close(&j);
	s = json_finish(&j, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "{\"unit\": \"\\u00b0C\", "
	    "\"k\\\"ey\": \"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f "
	    "\\u00b0C M\\u03a9 \\ud83d\\ude00 \\ufffd\\ufffd /\", "
	    "\"nul\": \"a\\u0000b\"}");
	/* every byte of the output is printable ASCII */
	for (; *s != '\0'; s++)
		ck_assert(*s >= 0x20 && *s < 0x7f);
	json_free(&j);
}
END_TEST

START_TEST(test_errors)
{
	struct json	j;

	json_init(&j);
	json_obj_open(&j, NULL);
	ck_assert_ptr_null(json_finish(&j, NULL));	/* still open */
	json_obj_close(&j);
	ck_assert_ptr_nonnull(json_finish(&j, NULL));
	json_obj_close(&j);				/* one too many */
	ck_assert_ptr_null(json_finish(&j, NULL));
	json_free(&j);

	json_init(&j);
	json_num(&j, NULL, NAN);
	ck_assert_str_eq(json_finish(&j, NULL), "null");
	json_free(&j);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite	*s = suite_create("json");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_number_formats);
	tcase_add_test(tc, test_float_to_int);
	tcase_add_test(tc, test_object_layout);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(json_suite());
	int	 nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
