/*
 * What tsun-cfgd accepts from a worker (cfgd/wmsg.c): every malformed
 * message is refused (the caller kills the worker), none is fatal; and
 * the tsun-ctl stream (cfgd/ctlwire.c), whose status worker text cannot
 * forge.
 */
#include <sys/types.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/ipc.h"
#include "cfgd/cfgd.h"
#include "cfgd/control.h"

static int	 n_log, n_resolve, n_state, n_status, last_pri, last_state;
static char	 last_log[WMSG_LOGMAX];

static void
t_log(void *arg, int pri, const char *msg)
{
	n_log++;
	last_pri = pri;
	strlcpy(last_log, msg, sizeof(last_log));
}

static void
t_resolve(void *arg, const struct ipc_resolve *r)
{
	n_resolve++;
}

static void
t_state(void *arg, int v)
{
	n_state++;
	last_state = v;
}

static void
t_status(void *arg, uint32_t type, const uint8_t *p, size_t len)
{
	n_status++;
}

static const struct wmsg_ops ops = { t_log, t_resolve, t_state, t_status };

static int
msg(int role, uint32_t type, const void *p, size_t len)
{
	struct ipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = len;
	m.data = p;
	m.len = len;
	m.fd = -1;
	return wmsg_handle(role, &m, &ops, NULL);
}

START_TEST(test_wrong_lengths)
{
	struct ipc_resolve	 req;
	uint8_t			 junk[sizeof(req) + 1];
	int32_t			 one = 1;

	memset(junk, 'x', sizeof(junk));
	/* these were fatalx in tsun-cfgd: now the worker is refused */
	ck_assert_int_eq(msg(WROLE_MQTTD, IMSG_MQTT_STATE, junk, 3), -1);
	ck_assert_int_eq(msg(WROLE_MQTTD, IMSG_MQTT_STATE, junk, 5), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_RESOLVE, junk, 3), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_RESOLVE, junk,
	    sizeof(req) + 1), -1);
	/* a host that is not a C string */
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_RESOLVE, junk, sizeof(req)),
	    -1);
	ck_assert_int_eq(n_resolve, 0);
	ck_assert_int_eq(n_state, 0);
	/* only tsun-mqttd has an MQTT state */
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_MQTT_STATE, &one, 4), -1);
	ck_assert_int_eq(msg(WROLE_MQTTD, IMSG_MQTT_STATE, &one, 4), 0);
	ck_assert_int_eq(n_state, 1);
	ck_assert_int_eq(last_state, 1);
	memset(&req, 0, sizeof(req));
	strlcpy(req.host, "example.org", sizeof(req.host));
	ck_assert_int_eq(msg(WROLE_MQTTD, IMSG_RESOLVE, &req, sizeof(req)),
	    0);
	ck_assert_int_eq(n_resolve, 1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_PONG, junk, 1), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_PONG, NULL, 0), 0);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_STATUS_END, junk, 1), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_LOG, junk, 3), -1);
	/* what cfgd sends, never receives */
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_RESOLVED, NULL, 0), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_CONF_BEGIN, NULL, 0), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_MAX, NULL, 0), -1);
	ck_assert_int_eq(msg(WROLE_PROXYD, 0xffffffff, NULL, 0), -1);
}
END_TEST

START_TEST(test_descriptor_refused)
{
	struct ipc_msg	 m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = IMSG_PONG;
	m.fd = 0;
	ck_assert_int_eq(wmsg_handle(WROLE_PROXYD, &m, &ops, NULL), -1);
}
END_TEST

START_TEST(test_log_line)
{
	uint8_t	 buf[4 + 3000];
	int32_t	 pri = 99;

	memcpy(buf, &pri, 4);
	memcpy(buf + 4, "one\nfake: line\x1b[2J", 18);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_LOG, buf, 4 + 18), 0);
	ck_assert_str_eq(last_log, "one?fake: line?[2J");
	ck_assert_int_eq(last_pri, LOG_WARNING);
	memset(buf + 4, 'a', 3000);
	ck_assert_int_eq(msg(WROLE_PROXYD, IMSG_LOG, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(strlen(last_log), WMSG_LOGMAX - 1);
}
END_TEST

struct out {
	char	 p[8192];
	size_t	 len;
};

static void
emit(void *arg, const char *s, size_t len)
{
	struct out	*o = arg;

	ck_assert_uint_lt(o->len + len, sizeof(o->p));
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

static void
relay(struct out *o, struct ctl_lines *l, const char *s)
{
	ctl_lines_add(l, (const uint8_t *)s, strlen(s), emit, o);
}

START_TEST(test_forged_exit)
{
	struct out		 o;
	struct ctl_lines	 l;
	char			*text;
	int			 st;

	memset(&o, 0, sizeof(o));
	memset(&l, 0, sizeof(l));
	/* a worker's "exit 0", cut over two messages, then no more */
	relay(&o, &l, "inverters\nex");
	relay(&o, &l, "it 0");
	ctl_lines_end(&l, emit, &o);
	ck_assert_str_eq(o.p, "inverters\n\\exit 0\n");
	/* the stream is cut here: tsun-ctl finds no status */
	ck_assert_int_eq(ctl_answer(o.p, o.len, &text, &st), -1);
	ck_assert_int_eq(st, -1);
	ck_assert_str_eq(text, "inverters\nexit 0\n");

	memset(&o, 0, sizeof(o));
	relay(&o, &l, "exit 0");
	ctl_lines_end(&l, emit, &o);
	emit(&o, "tsun-proxyd did not answer\nexit 1\n", 34);
	ck_assert_int_eq(ctl_answer(o.p, o.len, &text, &st), 0);
	ck_assert_int_eq(st, 1);
	ck_assert_str_eq(text, "exit 0\ntsun-proxyd did not answer\n");
}
END_TEST

START_TEST(test_escapes)
{
	struct out		 o;
	struct ctl_lines	 l;
	char			*text, big[3000];
	int			 st;

	memset(&o, 0, sizeof(o));
	memset(&l, 0, sizeof(l));
	relay(&o, &l, "\\back\nbell\a\x7f\texit\n");
	ck_assert_str_eq(o.p, "\\\\back\nbell??\texit\n");
	emit(&o, "exit 0\n", 7);
	ck_assert_int_eq(ctl_answer(o.p, o.len, &text, &st), 0);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(text, "\\back\nbell??\texit\n");
	/* a line too long becomes several lines */
	memset(&o, 0, sizeof(o));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	relay(&o, &l, big);
	ctl_lines_end(&l, emit, &o);
	ck_assert_uint_eq(o.len, sizeof(big) - 1 + 3);
	/* "exit" needs a number in range to be a status */
	strlcpy(o.p, "exit 300\n", sizeof(o.p));
	ck_assert_int_eq(ctl_answer(o.p, strlen(o.p), &text, &st), -1);
	strlcpy(o.p, "exit 2\n", sizeof(o.p));
	ck_assert_int_eq(ctl_answer(o.p, strlen(o.p), &text, &st), 0);
	ck_assert_int_eq(st, 2);
	ck_assert_str_eq(text, "");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("wmsg");
	TCase	*tc = tcase_create("wmsg");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_wrong_lengths);
	tcase_add_test(tc, test_descriptor_refused);
	tcase_add_test(tc, test_log_line);
	tcase_add_test(tc, test_forged_exit);
	tcase_add_test(tc, test_escapes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
