/*
 * AT command access lists.
 */
#include <check.h>
#include <string.h>

#include "common/conf.h"
#include "proxyd/at_acl.h"

static char	*tsun_allow[] = { "AT+Z", "AT+UPURL", "AT+SUPDATE", "AT+TIME" };
static char	*tsun_block[] = { "AT+WEBU" };
static char	*mqtt_allow[] = { "AT+" };

static const struct conf_acl	tsun = { tsun_allow, 4, tsun_block, 1 };
static const struct conf_acl	mqtt = { mqtt_allow, 1, tsun_block, 1 };
static const struct conf_acl	empty = { NULL, 0, NULL, 0 };

static int
ok(const struct conf_acl *acl, const char *cmd)
{
	return at_acl_allowed(acl, cmd, strlen(cmd));
}

START_TEST(test_at_cmd_from_cloud_allowed)
{
	/* vector at_cmd_from_cloud_allowed: "AT+TIME=214028,1,60,120\r" */
	ck_assert(ok(&tsun, "AT+TIME=214028,1,60,120\r"));
	ck_assert(ok(&tsun, "AT+Z\r"));
	ck_assert(ok(&tsun, "AT+UPURL=x"));
}
END_TEST

START_TEST(test_at_cmd_from_cloud_blocked)
{
	/* vector at_cmd_from_cloud_blocked: "AT+WEBU\r" */
	ck_assert(!ok(&tsun, "AT+WEBU\r"));
	/* not in the allow list */
	ck_assert(!ok(&tsun, "AT+INFO"));
	/* case does not matter, for the allow list as for the block list */
	ck_assert(ok(&tsun, "at+z"));
	ck_assert(!ok(&tsun, "at+webu=evil,evil"));
	ck_assert(!ok(&tsun, "At+WeBu"));
	ck_assert(!ok(&tsun, "at+info"));
}
END_TEST

START_TEST(test_at_cmd_from_mqtt_blocked)
{
	ck_assert(!ok(&mqtt, "AT+WEBU"));
	ck_assert(!ok(&mqtt, "at+webu=evil,evil"));
	ck_assert(!ok(&mqtt, "aT+wEbU"));
	ck_assert(ok(&mqtt, "at+time"));
	ck_assert(ok(&mqtt, "AT+TIME"));
	ck_assert(!ok(&mqtt, "ATZ"));
	ck_assert(!ok(&mqtt, "AT"));	/* shorter than the prefix */
	ck_assert(!ok(&mqtt, ""));
}
END_TEST

START_TEST(test_empty_allow_forbids_all)
{
	ck_assert(!ok(&empty, "AT+Z"));
	ck_assert(!at_acl_allowed(NULL, "AT+Z", 4));
}
END_TEST

START_TEST(test_len_bounds_compare)
{
	/* only len bytes count, even if the buffer is longer */
	ck_assert(!at_acl_allowed(&mqtt, "AT+WEBU", 2));
	ck_assert(at_acl_allowed(&mqtt, "AT+WEBU", 3));
	ck_assert(at_acl_allowed(&mqtt, "AT+WEBU", 6));
	ck_assert(!at_acl_allowed(&mqtt, "AT+WEBU", 7));
}
END_TEST

/* issue 13: a second command after CR, LF or NUL is never smuggled */
START_TEST(test_one_command)
{
	static const char	*bad[] = {
		"AT+TIME\rAT+WEBU=evil,evil\r",
		"AT+TIME\nAT+WEBU=evil,evil\r",
		"AT+TIME\nAT+WEBU=evil,evil",
		"AT+TIME\r\r",
		"AT+TIME\r\n",
		"AT+TIME\n",
		"AT+TIME=1\rX",
	};
	static const char	 nul[] = "AT+TIME\0AT+WEBU=evil,evil\r";
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!ok(&tsun, bad[i]), "allowed: %zu", i);
		ck_assert_msg(!ok(&mqtt, bad[i]), "allowed: %zu", i);
	}
	ck_assert(!at_acl_allowed(&tsun, nul, sizeof(nul) - 1));
	ck_assert(!at_acl_allowed(&mqtt, nul, sizeof(nul) - 1));
	ck_assert(!at_acl_allowed(&tsun, "AT+TIME\0", 8));
	/* one trailing CR, or none, is the normal form */
	ck_assert(ok(&tsun, "AT+TIME\r"));
	ck_assert(ok(&tsun, "AT+TIME"));
	ck_assert(ok(&mqtt, "AT+TIME=214028,1,60,120\r"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("at_acl");
	TCase	*tc = tcase_create("acl");
	SRunner	*sr;
	int	 nfail;

	tcase_add_test(tc, test_at_cmd_from_cloud_allowed);
	tcase_add_test(tc, test_at_cmd_from_cloud_blocked);
	tcase_add_test(tc, test_at_cmd_from_mqtt_blocked);
	tcase_add_test(tc, test_empty_allow_forbids_all);
	tcase_add_test(tc, test_len_bounds_compare);
	tcase_add_test(tc, test_one_command);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
