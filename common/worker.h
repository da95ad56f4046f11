/*
 * What both workers do the same way: refuse to run by hand, take their
 * IPC channel from descriptor 3, receive the configuration transaction.
 */
#ifndef TSUN_WORKER_H
#define TSUN_WORKER_H

struct ipc_msg;
struct tsun_conf;

#define WORKER_FD	3

struct worker_conf {
	struct tsun_conf	*pending;	/* being received */
	struct tsun_conf	*ready;		/* complete: caller takes it */
};

/* exits 1 with a message unless started by tsun-cfgd as 'role' */
void	worker_check(int, char *[], const char *name, const char *role);
/* 0: not a configuration message; 1: consumed; 2: wc->ready is set */
int	worker_conf_msg(struct worker_conf *, const struct ipc_msg *);

struct ipcbuf;
/*
 * The channel from tsun-cfgd, for a poll event on it: the configuration
 * transaction (apply() gets each complete one), verbosity and the sandbox
 * test are handled here, every other message goes to handle(), which
 * must die on one it does not expect.  cfgd gone or a malformed message:
 * fatal.
 */
void	worker_parent_io(struct ipcbuf *, int revents, struct worker_conf *,
	    void (*apply)(struct tsun_conf *), void (*handle)(struct ipc_msg *));

struct ev_fd;
/*
 * The start of both main(): checks (worker_check), logging toward
 * tsun-cfgd, signals, the channel to tsun-cfgd in parent (polled with
 * parent_cb), no peer channel yet, and a timer that gives freed heap
 * back to the system after bursts.  Returns parent's event.
 */
struct ev_fd *worker_start(int, char *[], const char *name, const char *role,
	    struct ipcbuf *parent, struct ipcbuf *peer,
	    void (*parent_cb)(int, int, void *));
/* send what is queued; poll for POLLOUT while some remains */
void	worker_flush_chan(struct ipcbuf *, struct ev_fd *);
/*
 * IMSG_PEER: the old channel to the other worker (its event *evp, may be
 * NULL) closed, fd taken as the new one and polled with cb.
 */
void	worker_set_peer(struct ipcbuf *, struct ev_fd **evp, int fd,
	    void (*cb)(int, int, void *));
/* the other worker went away: its channel closed, *evp NULL */
void	worker_peer_gone(struct ipcbuf *, struct ev_fd **evp);

#endif
