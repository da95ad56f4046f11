/*
 * IPC between the three processes: a fixed header, a payload, and
 * optionally one descriptor riding alongside (SCM_RIGHTS).
 *
 * Header (host byte order): type, len (payload bytes), peerid, pid,
 * flags.  A message longer than IPC_MAX_PAYLOAD, a descriptor that did not
 * arrive, or a payload of the wrong size for its type is a fatal error of
 * the receiver.
 */
#ifndef TSUN_IPC_H
#define TSUN_IPC_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>

enum imsg_type {
	IMSG_NONE = 0,
	IMSG_LOG,		/* worker -> cfgd: i32 priority, text */
	IMSG_CONF_BEGIN,	/* cfgd -> worker: empty */
	IMSG_CONF_GLOBAL,	/* cfgd -> worker: global part */
	IMSG_CONF_DEVICE,	/* cfgd -> worker: one device */
	IMSG_CONF_END,		/* cfgd -> worker: apply atomically */
	IMSG_LISTENER,		/* cfgd -> proxyd: fd + struct ipc_listener */
	IMSG_LISTENERS_END,	/* cfgd -> proxyd: the set above is complete */
	IMSG_PEER,		/* cfgd -> worker: fd of the proxyd<->mqttd pair */
	IMSG_RESOLVE,		/* worker -> cfgd: struct ipc_resolve */
	IMSG_RESOLVED,		/* cfgd -> worker: struct ipc_resolved */
	IMSG_SHUTDOWN,		/* cfgd -> worker: finish and exit */
	IMSG_VERBOSE,		/* cfgd -> worker: i32 verbosity */
	IMSG_STATUS_REQ,	/* cfgd -> worker: empty */
	IMSG_STATUS,		/* worker -> cfgd: text lines */
	IMSG_STATUS_END,	/* worker -> cfgd: empty */
	IMSG_BATCH,		/* proxyd -> mqttd: common/record.h */
	IMSG_SNAPSHOT_END,	/* proxyd -> mqttd: empty */
	IMSG_CMD,		/* mqttd -> proxyd: struct cmd_msg */
	IMSG_CMD_RESP,		/* proxyd -> mqttd: struct cmd_resp */
	IMSG_MQTT_STATE,	/* mqttd -> cfgd: i32 connected */
	IMSG_SANDBOX_TEST,	/* cfgd -> worker (test builds only) */
	IMSG_PING,		/* cfgd -> worker: empty, the watchdog */
	IMSG_PONG,		/* worker -> cfgd: empty */
	IMSG_MAX
};

#define IPC_HDR_SIZE	20
#define IPC_MAX_PAYLOAD	65536
#define IPC_F_FD	0x1

struct ipc_hdr {
	uint32_t	type;
	uint32_t	len;
	uint32_t	peerid;
	uint32_t	pid;
	uint32_t	flags;
};

struct ipc_msg {
	struct ipc_hdr	 hdr;
	const uint8_t	*data;	/* valid until the next ipc_get/ipc_read */
	size_t		 len;
	int		 fd;	/* -1 if none; the receiver owns it */
};

/*
 * The output queue holds blocks: a message with a descriptor alone, the
 * others packed one after the other while the last block has room.  A
 * burst thus costs a few IPC_BLOCK allocations, not one per message left
 * between long-lived objects in the heap.
 */
#define IPC_BLOCK	16384

struct ipc_out {
	TAILQ_ENTRY(ipc_out) entry;
	size_t		 cap;
	size_t		 len;		/* bytes of whole messages */
	size_t		 off;		/* of which sent */
	int		 fd;		/* its one message's descriptor */
	uint8_t		 data[];
};

#define IPC_MAXFDS	64

struct ipcbuf {
	int		 fd;
	pid_t		 pid;		/* ours, for the headers (getpid once) */
	uint8_t		*rbuf;
	size_t		 rlen;
	size_t		 rcap;
	size_t		 roff;		/* consumed by ipc_get */
	int		 fds[IPC_MAXFDS];	/* received, not yet claimed */
	int		 nfds;
	TAILQ_HEAD(ipc_outq, ipc_out) outq;
	size_t		 outbytes;
};

struct ipc_listener {
	uint8_t		proto;		/* DEV_GEN3 or DEV_GEN3PLUS */
	char		addr[64];	/* for logs */
	uint16_t	port;
};

#define RESOLVE_MAX	8
struct ipc_resolve {
	uint32_t	id;
	char		host[256];
	uint16_t	port;
};
struct ipc_resolved {
	uint32_t	id;
	int32_t		error;		/* 0 or an EAI_* value */
	uint32_t	naddr;
	struct {
		uint8_t		len;
		uint8_t		family;
		uint8_t		sa[28];	/* struct sockaddr_in or _in6 */
	} addr[RESOLVE_MAX];
};

void	ipc_init(struct ipcbuf *, int);
void	ipc_clear(struct ipcbuf *);	/* free buffers, close held fds */
int	ipc_compose(struct ipcbuf *, uint32_t type, uint32_t peerid, int fd,
	    const void *, size_t);	/* -1: fd closed */
int	ipc_flush(struct ipcbuf *);	/* -1 error, 0 all sent, 1 more */
int	ipc_flush_sync(struct ipcbuf *, int timeout_ms);
int	ipc_pending(const struct ipcbuf *);
ssize_t	ipc_read(struct ipcbuf *);	/* -1 error (errno), 0 EOF, bytes */
int	ipc_get(struct ipcbuf *, struct ipc_msg *);	/* 1 msg, 0 none, -1 bad */
const char *ipc_typename(uint32_t);

/* exact payload size check; fatal with the message type on mismatch */
void	ipc_expect_len(const struct ipc_msg *, size_t);

#endif
