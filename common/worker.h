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

#endif
