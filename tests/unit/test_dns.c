/*
 * The DNS client of the resolver process (cfgd/dns.c): queries it
 * builds, answers it accepts, and those it must ignore or refuse.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <string.h>

#include "common/ipc.h"
#include "cfgd/resolve.h"

START_TEST(test_query)
{
	uint8_t	 q[300];
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'f', 'o', 'o', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
		0, 28, 0, 1
	};
	char	 name[300];

	ck_assert_int_eq(dns_query_build(q, sizeof(q), 0x1234, "foo.example",
	    28), sizeof(want));
	ck_assert_mem_eq(q, want, sizeof(want));
	/* a final dot changes nothing */
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 0x1234,
	    "foo.example.", 28), sizeof(want));
	ck_assert_mem_eq(q, want, sizeof(want));
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 1, "", 1), -1);
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 1, ".", 1), -1);
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 1, "a..b", 1), -1);
	memset(name, 'a', 64);
	name[64] = '\0';
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 1, name, 1), -1);
	name[63] = '\0';
	ck_assert_int_gt(dns_query_build(q, sizeof(q), 1, name, 1), 0);
	/* more than 255 bytes on the wire */
	memset(name, 'a', 299);
	name[299] = '\0';
	for (int i = 50; i < 299; i += 51)
		name[i] = '.';
	ck_assert_int_eq(dns_query_build(q, sizeof(q), 1, name, 1), -1);
	ck_assert_int_eq(dns_query_build(q, 20, 1, "foo.example", 1), -1);
}
END_TEST

/* an answer to q: its question, then n records of the query's type */
static size_t
answer(uint8_t *a, const uint8_t *q, size_t qlen, int rcode, int n,
    const uint8_t *rdata, int rdlen)
{
	size_t	 off = qlen;
	int	 i;

	memcpy(a, q, qlen);
	a[2] = 0x81;
	a[3] = 0x80 | rcode;
	a[7] = n;
	for (i = 0; i < n; i++) {
		a[off++] = 0xc0;		/* the name: a pointer to 12 */
		a[off++] = 12;
		memcpy(a + off, q + qlen - 4, 4);	/* type, class */
		off += 4;
		memcpy(a + off, "\0\0\0\x3c", 4);
		off += 4;
		a[off++] = 0;
		a[off++] = rdlen;
		memcpy(a + off, rdata, rdlen);
		off += rdlen;
	}
	return off;
}

START_TEST(test_answers)
{
	uint8_t			 q[300], a[1024];
	struct ipc_resolved	 res;
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	static const uint8_t	 v4[4] = { 192, 0, 2, 7 };
	uint8_t			 v6[16];
	size_t			 alen;
	int			 qlen;

	inet_pton(AF_INET6, "2001:db8::5", v6);
	qlen = dns_query_build(q, sizeof(q), 0xbeef, "Cloud.Example", 1);
	alen = answer(a, q, qlen, 0, 2, v4, 4);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 5005, &res),
	    DNS_ANS_OK);
	ck_assert_uint_eq(res.naddr, 2);
	ck_assert_uint_eq(res.addr[0].family, AF_INET);
	memcpy(&s4, res.addr[0].sa, sizeof(s4));
	ck_assert_uint_eq(ntohs(s4.sin_port), 5005);
	ck_assert_mem_eq(&s4.sin_addr, v4, 4);
	/* a truncated last record: the complete ones count */
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen - 2, q, qlen, 1, &res),
	    DNS_ANS_OK);
	ck_assert_uint_eq(res.naddr, 1);
	/* the question echoed in other case is the same question */
	a[13] = 'c';
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_OK);
	/* another id, another question, not an answer: ignored */
	a[1] ^= 1;
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_IGNORE);
	a[1] ^= 1;
	a[14] = 'x';
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_IGNORE);
	a[14] = 'l';
	a[2] &= 0x7f;
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_IGNORE);
	a[2] |= 0x80;
	ck_assert_int_eq(dns_answer_parse(a, 11, q, qlen, 1, &res),
	    DNS_ANS_IGNORE);
	ck_assert_int_eq(dns_answer_parse(a, qlen - 1, q, qlen, 1, &res),
	    DNS_ANS_IGNORE);
	/* NXDOMAIN, SERVFAIL */
	alen = answer(a, q, qlen, 3, 0, NULL, 0);
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_NXDOMAIN);
	alen = answer(a, q, qlen, 2, 0, NULL, 0);
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_FAIL);
	/* an A record of the wrong size is skipped */
	alen = answer(a, q, qlen, 0, 1, v6, 16);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 1, &res),
	    DNS_ANS_OK);
	ck_assert_uint_eq(res.naddr, 0);
	/* AAAA */
	qlen = dns_query_build(q, sizeof(q), 0x0101, "cloud.example", 28);
	alen = answer(a, q, qlen, 0, 1, v6, 16);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 53, &res),
	    DNS_ANS_OK);
	ck_assert_uint_eq(res.naddr, 1);
	ck_assert_uint_eq(res.addr[0].family, AF_INET6);
	ck_assert_uint_eq(res.addr[0].len, sizeof(s6));
	memcpy(&s6, res.addr[0].sa, sizeof(s6));
	ck_assert_mem_eq(&s6.sin6_addr, v6, 16);
	/* never more than RESOLVE_MAX */
	alen = answer(a, q, qlen, 0, 20, v6, 16);
	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(dns_answer_parse(a, alen, q, qlen, 53, &res),
	    DNS_ANS_OK);
	ck_assert_uint_eq(res.naddr, RESOLVE_MAX);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dns");
	TCase	*tc = tcase_create("dns");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_answers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
