#ifndef TSUN_RESOLVE_H
#define TSUN_RESOLVE_H

struct ipc_resolve;
struct ipc_resolved;

/* resolve req->host:port (through 'resolver' when it is not empty) */
void	resolve_host(const char *resolver, const struct ipc_resolve *,
	    struct ipc_resolved *);

#endif
