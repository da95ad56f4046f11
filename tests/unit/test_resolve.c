/*
 * The queue of look-ups in tsun-cfgd (cfgd/resolve.c): bounded, and a
 * worker that restarts takes its queries along.  No resolver process is
 * started here: the queries wait.
 */
#include <sys/types.h>

#include <check.h>
#include <netdb.h>
#include <string.h>

#include "common/ipc.h"
#include "cfgd/resolve.h"

static int	 n_answers, last_role, last_error;
static uint32_t	 last_id;

void
cfgd_resolved(int role, const struct ipc_resolved *res)
{
	n_answers++;
	last_role = role;
	last_id = res->id;
	last_error = res->error;
}

const char *
cfgd_resolver(void)
{
	return "";
}

START_TEST(test_bound)
{
	struct ipc_resolve	 req;
	int			 i;

	resolve_init("/nonexistent", "nobody");
	memset(&req, 0, sizeof(req));
	strlcpy(req.host, "example.org", sizeof(req.host));
	for (i = 0; i < RQ_MAX; i++) {
		req.id = 100 + i;
		resolve_request(i & 1, &req);
	}
	ck_assert_int_eq(n_answers, 0);
	/* one more fails at once, with a temporary error, to its worker */
	req.id = 999;
	resolve_request(1, &req);
	ck_assert_int_eq(n_answers, 1);
	ck_assert_int_eq(last_role, 1);
	ck_assert_uint_eq(last_id, 999);
	ck_assert_int_eq(last_error, EAI_AGAIN);
	/* a restarted worker's queries go: room for as many again */
	resolve_worker_gone(1);
	for (i = 0; i < RQ_MAX / 2; i++)
		resolve_request(1, &req);
	ck_assert_int_eq(n_answers, 1);
	resolve_request(1, &req);
	ck_assert_int_eq(n_answers, 2);
	resolve_worker_gone(0);
	resolve_worker_gone(1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("resolve");
	TCase	*tc = tcase_create("resolve");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_bound);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
