/*
 * The resolver process: tsun-cfgd runs itself again as "tsun-cfgd -R dns
 * user", so that no name lookup (which may wait for a DNS server that
 * never answers) ever blocks the supervisor's event loop.  It drops to
 * the unprivileged user without a chroot (the system resolver reads
 * /etc/hosts, /etc/resolv.conf and its NSS modules on every lookup) and
 * answers one query at a time over descriptor 3.
 *
 * With 'resolver' set, the query goes to that DNS server only, over UDP,
 * IPv4 or IPv6, asking AAAA and A: the DNS override that loops an
 * inverter into the proxy must not loop the proxy into itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/priv.h"
#include "cfgd/resolve.h"

#define DNS_FD		3
#define DNS_PORT	53
#define DNS_TRIES	3
#define DNS_TRY_MS	2000	/* 3 tries stay within RQ_TIMEOUT_MS */
#define T_A		1
#define T_AAAA		28
#define C_IN		1

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* a standard query with recursion desired; -1 if name cannot be sent */
int
dns_query_build(uint8_t *buf, size_t size, uint16_t id, const char *name,
    uint16_t qtype)
{
	size_t		 off = 12, n;
	const char	*p = name, *dot;

	if (size < 12 + 1 + 4 || name[0] == '\0' || strcmp(name, ".") == 0)
		return -1;
	memset(buf, 0, 12);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01;			/* RD */
	buf[5] = 1;			/* QDCOUNT */
	while (*p != '\0') {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		n = dot - p;
		if (n == 0 || n > 63 || off + 1 + n + 1 + 4 > size ||
		    off + 1 + n + 1 - 12 > 255)
			return -1;
		buf[off++] = n;
		memcpy(buf + off, p, n);
		off += n;
		p = *dot == '.' ? dot + 1 : dot;
	}
	buf[off++] = 0;
	buf[off++] = qtype >> 8;
	buf[off++] = qtype & 0xff;
	buf[off++] = 0;
	buf[off++] = C_IN;
	return off;
}

/* skip a possibly compressed name; -1 past the end */
static int
skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t	 o = *off;

	for (;;) {
		if (o >= len)
			return -1;
		if (p[o] == 0) {
			*off = o + 1;
			return 0;
		}
		if ((p[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (p[o] & 0xc0)
			return -1;
		o += 1 + p[o];
	}
}

/*
 * The answer to query q (as dns_query_build made it): the addresses of
 * its type in the answer section, appended to res.  A truncated answer
 * yields the records it holds in full.
 */
int
dns_answer_parse(const uint8_t *p, size_t len, const uint8_t *q,
    size_t qlen, uint16_t port, struct ipc_resolved *res)
{
	size_t		 off, qd;
	uint16_t	 qtype, type, class, rdlen, an;

	if (len < 12 || qlen < 12 + 1 + 4 || p[0] != q[0] || p[1] != q[1] ||
	    !(p[2] & 0x80) || (p[2] & 0x78) != 0 || get16(p + 4) != 1)
		return DNS_ANS_IGNORE;
	/* the question, echoed: the name compares without regard to case */
	qd = qlen - 12;
	if (len < 12 + qd || strncasecmp((const char *)p + 12,
	    (const char *)q + 12, qd - 4) != 0 ||
	    memcmp(p + 12 + qd - 4, q + 12 + qd - 4, 4) != 0)
		return DNS_ANS_IGNORE;
	switch (p[3] & 0x0f) {
	case 0:
		break;
	case 3:
		return DNS_ANS_NXDOMAIN;
	default:
		return DNS_ANS_FAIL;
	}
	qtype = get16(q + qlen - 4);
	an = get16(p + 6);
	off = 12 + qd;
	while (an-- > 0) {
		if (skip_name(p, len, &off) == -1 || off + 10 > len)
			break;
		type = get16(p + off);
		class = get16(p + off + 2);
		rdlen = get16(p + off + 8);
		off += 10;
		if (off + rdlen > len)
			break;
		if (type == qtype && class == C_IN &&
		    res->naddr < RESOLVE_MAX) {
			uint8_t	*sa = res->addr[res->naddr].sa;

			if (type == T_A && rdlen == 4) {
				struct sockaddr_in	 s4;

				memset(&s4, 0, sizeof(s4));
				s4.sin_family = AF_INET;
				s4.sin_port = htons(port);
				memcpy(&s4.sin_addr, p + off, 4);
				memcpy(sa, &s4, sizeof(s4));
				res->addr[res->naddr].len = sizeof(s4);
				res->addr[res->naddr].family = AF_INET;
				res->naddr++;
			} else if (type == T_AAAA && rdlen == 16) {
				struct sockaddr_in6	 s6;

				memset(&s6, 0, sizeof(s6));
				s6.sin6_family = AF_INET6;
				s6.sin6_port = htons(port);
				memcpy(&s6.sin6_addr, p + off, 16);
				memcpy(sa, &s6, sizeof(s6));
				res->addr[res->naddr].len = sizeof(s6);
				res->addr[res->naddr].family = AF_INET6;
				res->naddr++;
			}
		}
		off += rdlen;
	}
	return DNS_ANS_OK;
}

static int
server_addr(const char *resolver, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	int			 port = DNS_PORT;

#ifdef TSUN_TEST_HOOKS
	/* test builds: a test DNS server needs no privileged port */
	if (getenv("TSUN_TEST_DNS_PORT") != NULL)
		port = atoi(getenv("TSUN_TEST_DNS_PORT"));
#endif
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, resolver, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sslen = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, resolver, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*sslen = sizeof(*s4);
		return 0;
	}
	return -1;
}

/* AAAA and A from one DNS server: IPv6 addresses first */
static void
dns_lookup(const struct dns_query *dq, struct ipc_resolved *res)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct ipc_resolved	 part[2];
	uint8_t			 q[2][300], a[4096];
	int			 qlen[2], st[2], done[2] = { 0, 0 };
	uint16_t		 qtype[2] = { T_AAAA, T_A };
	struct pollfd		 pfd;
	int64_t			 until;
	int			 s, i, try, r;
	ssize_t			 n;
	uint32_t		 k;

	if (server_addr(dq->resolver, &ss, &sslen) == -1) {
		/* config.c accepts addresses only: never fall back */
		log_warnx("resolver %s is not an address", dq->resolver);
		res->error = EAI_FAIL;
		return;
	}
	for (i = 0; i < 2; i++) {
		memset(&part[i], 0, sizeof(part[i]));
		st[i] = DNS_ANS_FAIL;
		if ((qlen[i] = dns_query_build(q[i], sizeof(q[i]),
		    arc4random() & 0xffff, dq->host, qtype[i])) == -1) {
			res->error = EAI_NONAME;
			return;
		}
	}
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&ss, sslen) == -1) {
		log_warn("resolver %s", dq->resolver);
		if (s != -1)
			close(s);
		res->error = EAI_AGAIN;
		return;
	}
	for (try = 0; try < DNS_TRIES && !(done[0] && done[1]); try++) {
		for (i = 0; i < 2; i++)
			if (!done[i])
				send(s, q[i], qlen[i], 0);
		until = ev_now_ms() + DNS_TRY_MS;
		while (!(done[0] && done[1])) {
			int64_t	 left = until - ev_now_ms();

			if (left <= 0)
				break;
			pfd.fd = s;
			pfd.events = POLLIN;
			if ((r = poll(&pfd, 1, left)) == -1 && errno != EINTR)
				break;
			if (r <= 0)
				continue;
			/* refused (nothing listens there): try again later */
			if ((n = recv(s, a, sizeof(a), 0)) == -1)
				continue;
			for (i = 0; i < 2; i++) {
				if (done[i])
					continue;
				r = dns_answer_parse(a, n, q[i], qlen[i],
				    dq->port, &part[i]);
				if (r != DNS_ANS_IGNORE) {
					st[i] = r;
					done[i] = 1;
					break;
				}
			}
		}
	}
	close(s);
	for (i = 0; i < 2; i++)
		for (k = 0; k < part[i].naddr && res->naddr < RESOLVE_MAX; k++)
			res->addr[res->naddr++] = part[i].addr[k];
	if (res->naddr > 0)
		res->error = 0;
	else if (!done[0] || !done[1] || st[0] == DNS_ANS_FAIL ||
	    st[1] == DNS_ANS_FAIL)
		res->error = EAI_AGAIN;
	else
		res->error = EAI_NONAME;
}

static void
dns_resolve(const struct dns_query *dq, struct ipc_resolved *res)
{
	struct addrinfo	 hints, *ai, *a;
	char		 port[8];
	int		 e;

	memset(res, 0, sizeof(*res));
	res->id = dq->id;
#ifdef TSUN_TEST_HOOKS
	/* test builds: a lookup that hangs, as the system resolver can */
	if (strcmp(dq->host, "hang.tsun-test.invalid") == 0)
		poll(NULL, 0, -1);
#endif
	snprintf(port, sizeof(port), "%u", dq->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (dq->resolver[0] != '\0') {
		/* an address needs no lookup; a name goes to 'resolver' only */
		hints.ai_flags = AI_NUMERICHOST;
		if (getaddrinfo(dq->host, port, &hints, &ai) != 0) {
			dns_lookup(dq, res);
			return;
		}
	} else if ((e = getaddrinfo(dq->host, port, &hints, &ai)) != 0) {
		res->error = e;
		return;
	}
	for (a = ai; a != NULL && res->naddr < RESOLVE_MAX; a = a->ai_next) {
		if (a->ai_addrlen > sizeof(res->addr[0].sa))
			continue;
		res->addr[res->naddr].len = a->ai_addrlen;
		res->addr[res->naddr].family = a->ai_family;
		memcpy(res->addr[res->naddr].sa, a->ai_addr, a->ai_addrlen);
		res->naddr++;
	}
	freeaddrinfo(ai);
}

#if defined(__OpenBSD__)
static void
dns_sandbox(void)
{
	/* the dns promise reads resolv.conf and hosts; inet: our own client */
	if (pledge("stdio inet dns", NULL) == -1)
		fatal("pledge");
}
#elif defined(TSUN_SECCOMP)
#include <fcntl.h>
#include <seccomp.h>

/* what a lookup needs: files read-only, UDP/TCP/netlink/unix sockets */
static const int dns_allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(recvmmsg),
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(socket), SCMP_SYS(connect),
	SCMP_SYS(bind), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(stat), SCMP_SYS(lstat),
	SCMP_SYS(statx), SCMP_SYS(lseek), SCMP_SYS(pread64),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(uname), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(restart_syscall)
};

static void
dns_sandbox(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;

	/* anything else (exec, fork, writing a file) fails with EACCES */
	if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EACCES))) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(dns_allowed) / sizeof(dns_allowed[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, dns_allowed[i],
		    0) < 0)
			fatalx("seccomp rule %zu", i);
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY)) < 0)
		fatalx("seccomp rule open");
	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load");
	seccomp_release(ctx);
}
#else
static void
dns_sandbox(void)
{
	/* sanitizer and valgrind builds: they need what a filter forbids */
}
#endif

void
dns_main(int argc, char *argv[])
{
	struct ipcbuf		 ib;
	struct ipc_msg		 m;
	struct dns_query	 dq;
	struct ipc_resolved	 res;
	struct stat		 st;
	ssize_t			 n;
	int			 r;

	if (argc != 4 || fstat(DNS_FD, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "tsun-cfgd: -R dns is for tsun-cfgd itself\n");
		exit(1);
	}
	log_init(1, 0, "resolver");
	ipc_init(&ib, DNS_FD);
	log_to_ipc(&ib);
	priv_drop(argv[3], "/", "resolver");
	dns_sandbox();
	for (;;) {
		n = ipc_read(&ib);
		if (n == 0)
			exit(0);		/* tsun-cfgd is gone */
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fatal("read from tsun-cfgd");
		}
		while ((r = ipc_get(&ib, &m)) == 1) {
			if (m.hdr.type != IMSG_RESOLVE ||
			    m.len != sizeof(dq) || m.fd != -1)
				fatalx("malformed IPC message from tsun-cfgd");
			memcpy(&dq, m.data, sizeof(dq));
			dq.host[sizeof(dq.host) - 1] = '\0';
			dq.resolver[sizeof(dq.resolver) - 1] = '\0';
			dns_resolve(&dq, &res);
			if (ipc_compose(&ib, IMSG_RESOLVED, 0, -1, &res,
			    sizeof(res)) == -1)
				log_warn("IPC message %s not queued",
				    ipc_typename(IMSG_RESOLVED));
			if (ipc_flush_sync(&ib, -1) == -1)
				exit(0);
		}
		if (r == -1)
			fatalx("malformed IPC message from tsun-cfgd");
	}
}
