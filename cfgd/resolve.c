/*
 * Host names for the workers, resolved inline by tsun-cfgd (the workers
 * never read /etc).  With 'resolver' set, the query goes to that DNS
 * server only, so the DNS override that loops an inverter into the proxy
 * does not loop the proxy into itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "common/ipc.h"
#include "common/log.h"
#include "cfgd/resolve.h"

static void
use_resolver(const char *resolver)
{
	struct in_addr	 a4;

	res_init();
	if (resolver == NULL || resolver[0] == '\0')
		return;
	if (inet_pton(AF_INET, resolver, &a4) == 1) {
		_res.nscount = 1;
		memset(&_res.nsaddr_list[0], 0, sizeof(_res.nsaddr_list[0]));
		_res.nsaddr_list[0].sin_family = AF_INET;
		_res.nsaddr_list[0].sin_port = htons(NAMESERVER_PORT);
		_res.nsaddr_list[0].sin_addr = a4;
	} else
		log_warnx("resolver %s is not an IPv4 address: using the "
		    "system resolver", resolver);
}

void
resolve_host(const char *resolver, const struct ipc_resolve *req,
    struct ipc_resolved *res)
{
	struct addrinfo	 hints, *ai, *a;
	char		 host[sizeof(req->host) + 1], port[8];
	int		 e;

	memset(res, 0, sizeof(*res));
	res->id = req->id;
	memcpy(host, req->host, sizeof(req->host));
	host[sizeof(req->host)] = '\0';
	snprintf(port, sizeof(port), "%u", req->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	use_resolver(resolver);
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		res->error = e;
		log_warnx("cannot resolve %s: %s", host, gai_strerror(e));
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
