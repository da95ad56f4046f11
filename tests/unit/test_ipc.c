/*
 * IPC framing, descriptor passing, malformed input; the event loop's
 * timers; the configuration transaction over IPC.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/worker.h"

static int		 sp[2];
static struct ipcbuf	 a, b;

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ipc_init(&a, sp[0]);
	ipc_init(&b, sp[1]);
}

static void
teardown(void)
{
	ipc_clear(&a);
	ipc_clear(&b);
	close(sp[0]);
	close(sp[1]);
}

START_TEST(test_roundtrip)
{
	struct ipc_msg	 m;
	const char	 msg[] = "hello";
	int		 i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ipc_compose(&a, IMSG_LOG, i, -1, msg,
		    sizeof(msg)), 0);
	ck_assert_int_eq(ipc_flush(&a), 0);
	ck_assert_int_gt(ipc_read(&b), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(ipc_get(&b, &m), 1);
		ck_assert_uint_eq(m.hdr.type, IMSG_LOG);
		ck_assert_uint_eq(m.hdr.peerid, (unsigned)i);
		ck_assert_uint_eq(m.hdr.pid, (unsigned)getpid());
		ck_assert_uint_eq(m.len, sizeof(msg));
		ck_assert_mem_eq(m.data, msg, sizeof(msg));
		ck_assert_int_eq(m.fd, -1);
	}
	ck_assert_int_eq(ipc_get(&b, &m), 0);
}
END_TEST

START_TEST(test_fd_passing)
{
	struct ipc_msg	 m;
	struct stat	 st1, st2;
	int		 fd;

	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st1), 0);
	ck_assert_int_eq(ipc_compose(&a, IMSG_PEER, 0, fd, NULL, 0), 0);
	ck_assert_int_eq(ipc_compose(&a, IMSG_LOG, 0, -1, "x", 1), 0);
	ck_assert_int_eq(ipc_flush(&a), 0);
	/* ours was closed once it was sent */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_gt(ipc_read(&b), 0);
	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(fstat(m.fd, &st2), 0);
	ck_assert(st1.st_ino == st2.st_ino && st1.st_dev == st2.st_dev);
	close(m.fd);
	/* the kernel ends a read where ancillary data starts or stops */
	if (ipc_get(&b, &m) == 0) {
		ck_assert_int_gt(ipc_read(&b), 0);
		ck_assert_int_eq(ipc_get(&b, &m), 1);
	}
	ck_assert_uint_eq(m.hdr.type, IMSG_LOG);
	ck_assert_int_eq(m.fd, -1);
}
END_TEST

/*
 * A burst is packed into few blocks; a descriptor's message keeps a
 * block of its own and its place in the order; all arrive intact.
 */
START_TEST(test_packing)
{
	struct ipc_msg		 m;
	const struct ipc_out	*o;
	uint8_t			 pl[100];
	int			 i, n, nblocks, fd, r, got_fd = -1;

	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 1000; i++) {
		memset(pl, i & 0xff, sizeof(pl));
		ck_assert_int_eq(ipc_compose(&a, IMSG_LOG, i, i == 500 ? fd : -1,
		    pl, 1 + i % sizeof(pl)), 0);
	}
	nblocks = 0;
	TAILQ_FOREACH(o, &a.outq, entry) {
		nblocks++;
		ck_assert_uint_le(o->len, o->cap);
		if (o->fd != -1)
			ck_assert_uint_eq(o->len, IPC_HDR_SIZE + 1 + 500 % 100);
	}
	/* 1000 messages, 70 KB: the 16 KB blocks, and the descriptor's */
	ck_assert_int_le(nblocks, 8);
	ck_assert_uint_eq(a.outbytes, 1000 * IPC_HDR_SIZE + 10 * 5050);
	for (n = 0; n < 1000; ) {
		ck_assert_int_ne(r = ipc_flush(&a), -1);
		if (ipc_read(&b) <= 0)
			continue;
		while (ipc_get(&b, &m) == 1) {
			ck_assert_uint_eq(m.hdr.peerid, (unsigned)n);
			ck_assert_uint_eq(m.len, 1 + n % sizeof(pl));
			memset(pl, n & 0xff, sizeof(pl));
			ck_assert_mem_eq(m.data, pl, m.len);
			if (n == 500) {
				ck_assert_int_ge(m.fd, 0);
				got_fd = m.fd;
			} else
				ck_assert_int_eq(m.fd, -1);
			n++;
		}
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_ge(got_fd, 0);
	close(got_fd);
	ck_assert(TAILQ_EMPTY(&a.outq));
	ck_assert_uint_eq(a.outbytes, 0);
}
END_TEST

static void
raw_send(const void *p, size_t len)
{
	ck_assert_int_eq(write(sp[0], p, len), (ssize_t)len);
}

START_TEST(test_truncated)
{
	struct ipc_hdr	 h = { IMSG_LOG, 10, 0, 1, 0 };
	struct ipc_msg	 m;

	/* header alone, then half the payload: not yet a message */
	raw_send(&h, 7);
	ck_assert_int_gt(ipc_read(&b), 0);
	ck_assert_int_eq(ipc_get(&b, &m), 0);
	raw_send((char *)&h + 7, sizeof(h) - 7);
	raw_send("01234", 5);
	ck_assert_int_gt(ipc_read(&b), 0);
	ck_assert_int_eq(ipc_get(&b, &m), 0);
	raw_send("56789", 5);
	ck_assert_int_gt(ipc_read(&b), 0);
	ck_assert_int_eq(ipc_get(&b, &m), 1);
	ck_assert_mem_eq(m.data, "0123456789", 10);
}
END_TEST

START_TEST(test_oversized)
{
	struct ipc_hdr	 h = { IMSG_BATCH, IPC_MAX_PAYLOAD + 1, 0, 1, 0 };
	struct ipc_msg	 m;
	char		 big[16];

	raw_send(&h, sizeof(h));
	ck_assert_int_gt(ipc_read(&b), 0);
	ck_assert_int_eq(ipc_get(&b, &m), -1);
	/* and the sender refuses to build one */
	ck_assert_int_eq(ipc_compose(&a, IMSG_LOG, 0, -1, big,
	    IPC_MAX_PAYLOAD + 1), -1);
}
END_TEST

/* a message that cannot be queued closes the descriptor it carried */
START_TEST(test_compose_fail_closes_fd)
{
	static char	 big[IPC_MAX_PAYLOAD + 1];
	int		 fd;

	ck_assert_int_ne(fd = open("/dev/null", O_RDONLY), -1);
	ck_assert_int_eq(ipc_compose(&a, IMSG_LISTENER, 0, fd, big,
	    sizeof(big)), -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert(!ipc_pending(&a));
}
END_TEST

START_TEST(test_garbage)
{
	struct ipc_hdr	 h1 = { IMSG_MAX, 0, 0, 1, 0 };
	struct ipc_hdr	 h2 = { IMSG_NONE, 0, 0, 1, 0 };
	struct ipc_hdr	 h3 = { IMSG_LOG, 0, 0, 1, 0x80 };
	struct ipc_hdr	 h4 = { IMSG_PEER, 0, 0, 1, IPC_F_FD };
	struct ipc_hdr	*hs[] = { &h1, &h2, &h3, &h4 };
	struct ipc_msg	 m;
	size_t		 i;

	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		teardown();
		setup();
		raw_send(hs[i], sizeof(*hs[i]));
		ck_assert_int_gt(ipc_read(&b), 0);
		/* unknown type, bad flags, a descriptor that never came */
		ck_assert_int_eq(ipc_get(&b, &m), -1);
	}
}
END_TEST

START_TEST(test_eof)
{
	close(sp[0]);
	ck_assert_int_eq(ipc_read(&b), 0);
	sp[0] = open("/dev/null", O_RDONLY);
}
END_TEST

static int	 fired[8], nfired;

static void
timer_cb(struct ev_timer *t, void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
}

START_TEST(test_timers)
{
	struct ev_timer	 t[5];
	int64_t		 start = ev_now_ms();
	int		 i;

	nfired = 0;
	for (i = 0; i < 5; i++)
		ev_timer_init(&t[i], timer_cb, (void *)(intptr_t)i);
	ev_timer_add(&t[0], 60);
	ev_timer_add(&t[1], 20);
	ev_timer_add(&t[2], 40);
	ev_timer_add(&t[3], 10);
	ev_timer_add(&t[4], 30);
	ev_timer_del(&t[4]);
	ck_assert(!ev_timer_pending(&t[4]));
	ev_timer_add(&t[3], 50);	/* re-arming moves it */
	while (nfired < 4 && ev_now_ms() - start < 2000)
		ev_once(100);
	ck_assert_int_eq(nfired, 4);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 2);
	ck_assert_int_eq(fired[2], 3);
	ck_assert_int_eq(fired[3], 0);
	ck_assert_int_ge(ev_now_ms() - start, 60);
}
END_TEST

START_TEST(test_conf_transaction)
{
	struct tsun_conf	*c = conf_new(), *r;
	struct conf_device	*d = conf_device_new();
	struct worker_conf	 wc = { NULL, NULL };
	struct ipc_msg		 m;
	int			 x, n = 0;

	strlcpy(c->mqtt_host, "broker.example", sizeof(c->mqtt_host));
	c->mqtt_port = 8883;
	strlcpy(c->mqtt_passwd, "secret", sizeof(c->mqtt_passwd));
	conf_acl_add(&c->acl_mqtt.block, &c->acl_mqtt.nblock, "AT+X");
	d->kind = DEV_GEN3PLUS;
	strlcpy(d->serial, "Y170000000000001", sizeof(d->serial));
	d->monitor_sn = 4294967295u;
	strlcpy(d->node_id, "inv_2", sizeof(d->node_id));
	d->pv[1].present = 1;
	strlcpy(d->pv[1].type, "RSM40", sizeof(d->pv[1].type));
	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	c->ndevices = 1;
	conf_send(&a, c);
	ck_assert_int_eq(ipc_flush(&a), 0);
	ck_assert_int_gt(ipc_read(&b), 0);
	while ((x = ipc_get(&b, &m)) == 1) {
		n++;
		if (worker_conf_msg(&wc, &m) == 2)
			break;
	}
	ck_assert_int_eq(n, 4);
	ck_assert_ptr_nonnull(r = wc.ready);
	ck_assert_str_eq(r->mqtt_host, "broker.example");
	ck_assert_int_eq(r->mqtt_port, 8883);
	ck_assert_str_eq(r->mqtt_passwd, "secret");
	ck_assert_int_eq(r->acl_mqtt.nblock, 1);
	ck_assert_int_eq(r->acl_mqtt.nallow, c->acl_mqtt.nallow);
	ck_assert_int_eq(r->acl_tsun.nallow, c->acl_tsun.nallow);
	ck_assert_int_eq(r->ndevices, 1);
	d = TAILQ_FIRST(&r->devices);
	ck_assert_str_eq(d->serial, "Y170000000000001");
	ck_assert_uint_eq(d->monitor_sn, 4294967295u);
	ck_assert_str_eq(d->pv[1].type, "RSM40");
	ck_assert(conf_device_equal(d, conf_find_serial(r, d->serial)));
	/* tsun-proxyd's copy carries no password */
	conf_free(r);
	wc.ready = NULL;
	conf_send_to(&a, c, 0);
	ck_assert_int_eq(ipc_flush(&a), 0);
	ck_assert_int_gt(ipc_read(&b), 0);
	while (ipc_get(&b, &m) == 1)
		if (worker_conf_msg(&wc, &m) == 2)
			break;
	ck_assert_ptr_nonnull(r = wc.ready);
	ck_assert_str_eq(r->mqtt_passwd, "");
	ck_assert_str_eq(r->mqtt_host, "broker.example");
	/* a device payload cut short is refused */
	ck_assert_int_eq(conf_recv_device(r, "\1\0\0\0", 4), -1);
	ck_assert_int_eq(conf_recv_global(r, "", 0), -1);
	conf_free(r);
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ipc");
	TCase	*tc = tcase_create("ipc");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_fd_passing);
	tcase_add_test(tc, test_packing);
	tcase_add_test(tc, test_compose_fail_closes_fd);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_timers);
	tcase_add_test(tc, test_conf_transaction);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
