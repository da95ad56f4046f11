/*
 * A device connection and a client-mode device, shared by conn.c, client.c
 * and status.c.
 */
#ifndef TSUN_CONN_PRIV_H
#define TSUN_CONN_PRIV_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/connect.h"
#include "common/ev.h"
#include "common/serial.h"
#include "proxyd/proto.h"

#define NTIMERS		8		/* protocol timer ids 0..7 */

struct ptimer {
	struct ev_timer	 t;
	struct conn	*c;
	int		 id;
};

struct conn {
	TAILQ_ENTRY(conn) entry;
	uint64_t	 id;
	int		 proto;		/* DEV_GEN3 or DEV_GEN3PLUS */
	int		 client;	/* client mode: we connected */
	int		 fd;
	struct ev_fd	*ev;
	char		 name[96];	/* "gen3 #12 192.0.2.1:4711" */
	char		 peer[64];
	struct rest	 in;		/* partial frame */
	struct wbuf	 out;
	size_t		 outoff;
	const struct proto_ops *ops;	/* the protocol engine */
	void		*p;		/* ... and its state */
	struct proto_io	 io;
	struct cloud	*cloud;
	int		 state;
	int		 polling;
	int		 identified;
	int		 unknown;	/* admitted by allow_all */
	int		 replaced;	/* a newer connection owns the serial */
	int		 switch_warned;	/* a frame of another serial logged */
	uint32_t	 monitor_sn;	/* GEN3PLUS: what it identified with */
	char		 serial[SERIAL_LEN + 1];
	const struct conf_device *dc;
	struct vdb_dev	*vd;
	time_t		 since;
	time_t		 last_data;
	struct ev_timer	 idle;
	struct ptimer	 timers[NTIMERS];
	struct ev_timer	 reap;		/* deferred close */
	int		 closing;
	int		 reading;	/* in conn_read: answers wait */
	struct client	*cl;		/* client mode owner */
	struct tsun_conf *conf;		/* what it was started with */
};

/* a client-mode device: we keep connecting to it */
struct client {
	TAILQ_ENTRY(client) entry;
	char		 serial[SERIAL_LEN + 1];
	char		 host[CONF_STR];
	int		 port;
	struct conn	*conn;
	struct ev_timer	 retry;
	int		 resolving;
	struct cwalk	 walk;		/* connecting */
	int		 gone;		/* removed from the config */
};

TAILQ_HEAD(connq, conn);
extern struct connq	conns;
extern int		nconns;

/* conn.c */
struct conn	*conn_new(int fd, int proto, const char *peer, struct client *);
void		 conn_close(struct conn *, const char *);

/* client.c */
void		 client_closed(struct client *);	/* its connection */
void		 clients_reconf(void);
void		 client_shutdown(void);

#endif
