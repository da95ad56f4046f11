/*
 * Host names for the workers.  tsun-cfgd never resolves a name itself:
 * a resolver process of its own (dns.c) does, and resolve.c keeps the
 * queries in flight toward it, each with a deadline.
 */
#ifndef TSUN_RESOLVE_H
#define TSUN_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ipc_resolve;
struct ipc_resolved;

#define RQ_MAX		32	/* queries in flight; beyond, EAI_AGAIN */
#define RQ_TIMEOUT_MS	10000	/* then EAI_AGAIN, and the resolver restarts */

/* tsun-cfgd -> resolver process (IMSG_RESOLVE; answer: IMSG_RESOLVED) */
struct dns_query {
	uint32_t	id;
	char		host[256];
	uint16_t	port;
	char		resolver[64];	/* "" = the system resolver */
};

/* resolve.c, in tsun-cfgd */
void	resolve_init(const char *self, const char *user);
void	resolve_start(void);
void	resolve_stop(void);
void	resolve_request(int role, const struct ipc_resolve *);
void	resolve_worker_gone(int role);
int	resolve_child_gone(int pid, int status);	/* 1 if it was ours */
void	resolve_status(FILE *);

/* cfgd.c: the answer to a worker's query */
void	cfgd_resolved(int role, const struct ipc_resolved *);
const char *cfgd_resolver(void);

/* dns.c: the resolver process, and its DNS client's pure parts */
__attribute__((noreturn)) void dns_main(int, char *[]);
int	dns_query_build(uint8_t *, size_t, uint16_t id, const char *name,
	    uint16_t qtype);
/* dns_answer_parse: its results */
#define DNS_ANS_OK	0	/* *naddr addresses added (maybe 0: no data) */
#define DNS_ANS_NXDOMAIN 1	/* the name does not exist */
#define DNS_ANS_FAIL	2	/* the server failed or refused */
#define DNS_ANS_IGNORE	3	/* not the answer to this query */
int	dns_answer_parse(const uint8_t *, size_t, const uint8_t *query,
	    size_t querylen, uint16_t port, struct ipc_resolved *);

#endif
