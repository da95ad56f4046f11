/*
 * Outbound connections to a name: every address tsun-cfgd resolved it
 * to, in its order, each with its own timeout, before the caller backs
 * off and resolves again.  Serves the cloud links and client mode (the
 * walker connects the socket) and the MQTT broker (libmosquitto connects
 * to each address it is given; the caller reports the outcome).
 */
#ifndef TSUN_CONNECT_H
#define TSUN_CONNECT_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "common/ev.h"
#include "common/ipc.h"

struct cwalk_ops {
	/*
	 * NULL: the walker connects a non-blocking socket itself.  Else
	 * the caller starts the attempt on addr (numeric) and reports it
	 * with cwalk_failed() or cwalk_answered(); it returns NULL when
	 * started or why it could not start.
	 */
	const char	*(*start)(void *arg, const char *addr);
	void		 (*stop)(void *arg);	/* the attempt timed out */
	void		 (*up)(void *arg, int fd);	/* fd is the caller's */
	void		 (*fail)(void *arg);	/* no address answered */
};

struct cwalk {
	const struct cwalk_ops	*ops;
	void			*arg;
	char			 what[96];	/* "MQTT broker", for logs */
	char			 host[256];
	int			 port;
	int			 timeout_ms;
	struct ipc_resolved	 addrs;
	uint32_t		 ai;
	int			 active;
	int			 advance;	/* move on from the timer */
	int			 fd;
	struct ev_fd		*ev;
	struct ev_timer		 tmo;
	char			 addr[INET6_ADDRSTRLEN];	/* being tried */
};

void	cwalk_init(struct cwalk *, const struct cwalk_ops *, void *arg,
	    const char *what, const char *host, int port, int timeout_ms);
void	cwalk_start(struct cwalk *, const struct ipc_resolved *);
void	cwalk_failed(struct cwalk *, const char *why);
void	cwalk_answered(struct cwalk *);
void	cwalk_cancel(struct cwalk *);
int	cwalk_active(const struct cwalk *);
/* host is an address, not a name: fill res with it alone */
int	cwalk_literal(const char *host, int port, struct ipc_resolved *);
/* the numeric form of a resolved address, for logs */
const char *cwalk_ntop(const struct ipc_resolved *, uint32_t, char *, size_t);

#endif
