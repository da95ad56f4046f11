/*
 * common/ev.c: removing descriptors, NULL included, while others stay
 * registered and still dispatch.
 */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/ev.h"

static int	 fired[2];

static void
on_read(int fd, int revents, void *arg)
{
	char	 c;

	(void)revents;
	if (read(fd, &c, 1) == 1)
		fired[*(int *)arg]++;
}

START_TEST(test_del_null)
{
	/* as free(NULL): callers need not test first */
	ev_del(NULL);
}
END_TEST

START_TEST(test_del_keeps_others)
{
	static int	 id[2] = { 0, 1 };
	struct ev_fd	*e[2];
	int		 p[2][2], i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pipe(p[i]), 0);
		ck_assert_ptr_nonnull(e[i] = ev_add(p[i][0], POLLIN, on_read,
		    &id[i]));
		ck_assert_int_eq(write(p[i][1], "x", 1), 1);
	}
	/* the first goes: the last moves into its slot */
	ev_del(e[0]);
	ck_assert_int_eq(ev_once(1000), 0);
	ck_assert_int_eq(fired[0], 0);
	ck_assert_int_eq(fired[1], 1);
	ev_del(e[1]);
	for (i = 0; i < 2; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ev");
	TCase	*tc = tcase_create("ev");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_del_null);
	tcase_add_test(tc, test_del_keeps_others);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
