/*
 * The address walker: a dead first address is skipped for the live
 * second one, every address dead ends in one failure, a caller-driven
 * attempt that fails or times out moves on, literals and printing.
 * Real sockets on 127.0.0.1.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/connect.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"

static int	 nup, nfail, upfd = -1;
static int	 nstart, nstop;
static char	 started[8][64];
static const char *start_says;

static void
up_cb(void *arg, int fd)
{
	nup++;
	upfd = fd;
}

static void
fail_cb(void *arg)
{
	nfail++;
}

static const char *
start_cb(void *arg, const char *addr)
{
	strlcpy(started[nstart++ % 8], addr, sizeof(started[0]));
	return start_says;
}

static void
stop_cb(void *arg)
{
	nstop++;
}

static const struct cwalk_ops own_ops = { NULL, NULL, up_cb, fail_cb };
static const struct cwalk_ops caller_ops = {
	start_cb, stop_cb, NULL, fail_cb
};

static void
reset(void)
{
	nup = nfail = nstart = nstop = 0;
	if (upfd != -1)
		close(upfd);
	upfd = -1;
	start_says = NULL;
}

/* a listening socket on 127.0.0.1 and its port */
static int
listener(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(s, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(s, 4), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return s;
}

/* a port on 127.0.0.1 where nobody listens */
static int
dead_port(void)
{
	int	 port, s = listener(&port);

	close(s);
	return port;
}

static void
add_addr(struct ipc_resolved *res, const char *ip, int port)
{
	struct ipc_resolved	 one;

	ck_assert_int_eq(cwalk_literal(ip, port, &one), 1);
	ck_assert_uint_lt(res->naddr, RESOLVE_MAX);
	res->addr[res->naddr++] = one.addr[0];
}

static void
run_until(int *flag, int ms)
{
	int64_t	 end = ev_now_ms() + ms;

	while (*flag == 0 && ev_now_ms() < end)
		ev_once(50);
}

START_TEST(test_second_address)
{
	struct ipc_resolved	 res;
	struct cwalk		 w;
	int			 port, ls;

	reset();
	ls = listener(&port);
	memset(&res, 0, sizeof(res));
	/* the first port is dead, the second listens */
	add_addr(&res, "127.0.0.1", dead_port());
	add_addr(&res, "127.0.0.1", port);
	cwalk_init(&w, &own_ops, NULL, "test", "dual.test", port, 2000);
	cwalk_start(&w, &res);
	run_until(&nup, 3000);
	ck_assert_int_eq(nup, 1);
	ck_assert_int_eq(nfail, 0);
	ck_assert_int_ne(upfd, -1);
	ck_assert(!cwalk_active(&w));
	ck_assert_uint_eq(w.ai, 1);
	close(ls);
	reset();
}
END_TEST

START_TEST(test_all_dead)
{
	struct ipc_resolved	 res;
	struct cwalk		 w;

	reset();
	memset(&res, 0, sizeof(res));
	add_addr(&res, "127.0.0.1", dead_port());
	add_addr(&res, "127.0.0.1", dead_port());
	cwalk_init(&w, &own_ops, NULL, "test", "dead.test", 1, 2000);
	cwalk_start(&w, &res);
	run_until(&nfail, 3000);
	ck_assert_int_eq(nfail, 1);
	ck_assert_int_eq(nup, 0);
	ck_assert(!cwalk_active(&w));
	ck_assert_uint_eq(w.ai, 2);
}
END_TEST

START_TEST(test_caller_driven)
{
	struct ipc_resolved	 res;
	struct cwalk		 w;
	int			 never = 0, i;

	reset();
	memset(&res, 0, sizeof(res));
	add_addr(&res, "::1", 1883);
	add_addr(&res, "127.0.0.1", 1883);
	add_addr(&res, "192.0.2.1", 1883);
	cwalk_init(&w, &caller_ops, NULL, "MQTT broker", "b.test", 1883,
	    200);
	cwalk_start(&w, &res);
	ck_assert_int_eq(nstart, 1);
	ck_assert_str_eq(started[0], "::1");
	/* the caller says it failed: the next starts from the loop */
	cwalk_failed(&w, "Connection refused.");
	cwalk_failed(&w, "reported twice");
	ck_assert_int_eq(nstart, 1);
	for (i = 0; i < 20 && nstart < 2; i++)
		run_until(&never, 10);
	ck_assert_int_eq(nstart, 2);
	ck_assert_str_eq(started[1], "127.0.0.1");
	ck_assert_int_eq(nstop, 0);
	/* no answer in time: stopped, and the third one */
	for (i = 0; i < 20 && nstart < 3; i++)
		run_until(&never, 50);
	ck_assert_int_eq(nstop, 1);
	ck_assert_str_eq(started[2], "192.0.2.1");
	cwalk_answered(&w);
	ck_assert(!cwalk_active(&w));
	/* nothing more comes */
	run_until(&nfail, 400);
	ck_assert_int_eq(nfail, 0);
	ck_assert_int_eq(nstart, 3);

	/* every start refused at once: one failure, no timer left */
	reset();
	start_says = "refused";
	cwalk_start(&w, &res);
	ck_assert_int_eq(nstart, 3);
	ck_assert_int_eq(nfail, 1);
	ck_assert(!cwalk_active(&w));
	ck_assert(!ev_timer_pending(&w.tmo));
}
END_TEST

START_TEST(test_literal)
{
	struct ipc_resolved	 res;
	char			 buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(cwalk_literal("192.0.2.7", 8899, &res), 1);
	ck_assert_uint_eq(res.naddr, 1);
	ck_assert_str_eq(cwalk_ntop(&res, 0, buf, sizeof(buf)), "192.0.2.7");
	ck_assert_int_eq(cwalk_literal("2001:db8::5", 1, &res), 1);
	ck_assert_str_eq(cwalk_ntop(&res, 0, buf, sizeof(buf)),
	    "2001:db8::5");
	ck_assert_int_eq(cwalk_literal("localhost", 1, &res), 0);
	ck_assert_int_eq(cwalk_literal("", 1, &res), 0);
	/* a garbled family prints as "?" */
	res.addr[0].family = 99;
	ck_assert_str_eq(cwalk_ntop(&res, 0, buf, sizeof(buf)), "?");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("connect");
	TCase	*tc = tcase_create("connect");
	SRunner	*sr;
	int	 nf;

	log_init(1, 0, "test_connect");
	tcase_add_test(tc, test_second_address);
	tcase_add_test(tc, test_all_dead);
	tcase_add_test(tc, test_caller_driven);
	tcase_add_test(tc, test_literal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
