/*
 * common/log.c: summaries of repeated lines, the bounded queue toward
 * tsun-cfgd.  The lines are read back from a real socketpair, as
 * tsun-cfgd reads them.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"

static int		 sp[2];
static struct ipcbuf	 w, c;		/* the worker's end, tsun-cfgd's */
static int64_t		 fake_ms;

static int64_t
fake_now(void)
{
	return fake_ms;
}

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	fcntl(sp[1], F_SETFL, O_NONBLOCK);
	ipc_init(&w, sp[0]);
	ipc_init(&c, sp[1]);
	log_to_ipc(&w);
	fake_ms = 1000000;
	log_now_ms = fake_now;
}

static void
teardown(void)
{
	log_sum_expire(1);
	log_to_ipc(NULL);
	ipc_clear(&w);
	ipc_clear(&c);
	close(sp[0]);
	close(sp[1]);
}

/* what tsun-cfgd receives: n lines into lines[] (NUL-terminated) */
static int
receive(char lines[][512], int max, int *pri)
{
	struct ipc_msg	 m;
	int		 n = 0, r;
	size_t		 len;

	for (;;) {
		r = ipc_flush(&w);
		ck_assert_int_ne(r, -1);
		log_drained();
		if (ipc_read(&c) <= 0) {
			ck_assert_int_eq(errno, EAGAIN);
			if (!ipc_pending(&w))
				break;
			continue;
		}
		while ((r = ipc_get(&c, &m)) == 1) {
			ck_assert_uint_eq(m.hdr.type, IMSG_LOG);
			ck_assert_uint_ge(m.len, 4);
			if (n < max) {
				len = m.len - 4;
				if (len > 511)
					len = 511;
				memcpy(lines[n], m.data + 4, len);
				lines[n][len] = '\0';
				if (pri != NULL)
					memcpy(&pri[n], m.data, 4);
			}
			n++;
		}
		ck_assert_int_eq(r, 0);
	}
	return n;
}

START_TEST(test_summary)
{
	static char	 lines[16][512];
	int		 pri[16], i, n;

	/* a flood from one call site: the first line, then silence */
	for (i = 0; i < 10000; i++)
		log_warnx_sum("conn%d: unknown device R17%013d refused", i, i);
	log_info("another line");
	n = receive(lines, 16, pri);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(lines[0], "conn0: unknown device R170000000000000 "
	    "refused");
	ck_assert_int_eq(pri[0], LOG_WARNING);
	ck_assert_str_eq(lines[1], "another line");

	/* the window has not ended: nothing yet */
	fake_ms += LOG_SUM_WINDOW - 1;
	log_sum_expire(0);
	ck_assert_int_eq(receive(lines, 16, NULL), 0);
	/* it has: the count, with the latest line */
	fake_ms += 1;
	log_sum_expire(0);
	n = receive(lines, 16, pri);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(lines[0], "conn9999: unknown device "
	    "R170000000009999 refused (repeated 9999 times in the last 60 s)");
	ck_assert_int_eq(pri[0], LOG_WARNING);

	/* a new window: the next line is logged again */
	log_warnx_sum("conn%d: unknown device R17%013d refused", 1, 1);
	ck_assert_int_eq(receive(lines, 16, NULL), 1);
	/* a window that saw no repeat ends without a word */
	fake_ms += LOG_SUM_WINDOW;
	log_sum_expire(0);
	ck_assert_int_eq(receive(lines, 16, NULL), 0);
}
END_TEST

static void
flood(int i)
{
	log_info_sum("site A %d", i);
}

START_TEST(test_summary_sites_apart)
{
	static char	 lines[16][512];
	int		 i, n;

	/* two call sites, two windows; a plain log_info is never summed */
	for (i = 0; i < 100; i++) {
		flood(i);
		log_warnx_sum("site B %d", i);
		if (i < 3)
			log_info("plain %d", i);
	}
	n = receive(lines, 16, NULL);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(lines[0], "site A 0");
	ck_assert_str_eq(lines[1], "site B 0");
	/* a repeat after the window ends reports the count, then logs */
	fake_ms += LOG_SUM_WINDOW + 5000;
	flood(100);
	n = receive(lines, 16, NULL);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(lines[0], "site A 99 (repeated 99 times in the last "
	    "65 s)");
	ck_assert_str_eq(lines[1], "site A 100");
	/* log_flush (a worker about to exit) reports every count */
	log_flush();
	n = receive(lines, 16, NULL);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(lines[0], "site B 99 (repeated 99 times in the last "
	    "65 s)");
}
END_TEST

START_TEST(test_summary_table_full)
{
	static char	 lines[256][512];
	static const char *fmts[40];
	char		*f;
	int		 i, n;

	/* more call sites than slots: the oldest's count comes out early */
	for (i = 0; i < 40; i++) {
		ck_assert_int_ne(asprintf(&f, "site %d %%d", i), -1);
		fmts[i] = f;
		log_info_sum(fmts[i], 0);
		log_info_sum(fmts[i], 1);
		fake_ms++;
	}
	n = receive(lines, 256, NULL);
	ck_assert_int_eq(n, 40 + 8);
	ck_assert_str_eq(lines[0], "site 0 0");
	ck_assert_str_eq(lines[31], "site 31 0");
	ck_assert_str_eq(lines[32], "site 0 1 (repeated 1 times in the last "
	    "1 s)");
	ck_assert_str_eq(lines[33], "site 32 0");
	log_sum_expire(1);
	ck_assert_int_eq(receive(lines, 256, NULL), 32);
	for (i = 0; i < 40; i++)
		free((char *)fmts[i]);
}
END_TEST

START_TEST(test_queue_bounded)
{
	static char	 lines[8][512];
	char		 pad[200];
	int		 i, n, sent = 50000;
	unsigned long	 dropped;

	/* tsun-cfgd does not read: the queue stops growing at the bound */
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (i = 0; i < sent; i++) {
		log_info("line %d %s", i, pad);
		ipc_flush(&w);
		ck_assert_uint_le(w.outbytes, LOG_QUEUE_MAX + 1024);
	}
	/* it reads again: every line kept, then the count of the rest */
	n = 0;
	for (;;) {
		struct ipc_msg	 m;
		int		 r;
		size_t		 len;
		char		 t[512];

		r = ipc_flush(&w);
		log_drained();
		if (ipc_read(&c) <= 0) {
			if (!ipc_pending(&w))
				break;
			continue;
		}
		while ((r = ipc_get(&c, &m)) == 1) {
			len = m.len - 4 > 511 ? 511 : m.len - 4;
			memcpy(t, m.data + 4, len);
			t[len] = '\0';
			if (strncmp(t, "line ", 5) == 0) {
				n++;
				continue;
			}
			strlcpy(lines[0], t, sizeof(lines[0]));
		}
	}
	ck_assert_int_lt(n, sent);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(sscanf(lines[0], "%lu log lines dropped", &dropped),
	    1);
	ck_assert_uint_eq(dropped, (unsigned long)(sent - n));
	/* and the queue works as before */
	log_info("after");
	ck_assert_int_eq(receive(lines, 8, NULL), 1);
	ck_assert_str_eq(lines[0], "after");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_summary_sites_apart);
	tcase_add_test(tc, test_summary_table_full);
	tcase_add_test(tc, test_queue_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
