/*
 * IPC framing and descriptor passing, written for tsun-proxy.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"

static const char *ipc_names[IMSG_MAX] = {
	"NONE", "LOG", "CONF_BEGIN", "CONF_GLOBAL", "CONF_DEVICE", "CONF_END",
	"LISTENER", "LISTENERS_END", "PEER", "RESOLVE", "RESOLVED", "SHUTDOWN",
	"VERBOSE", "STATUS_REQ", "STATUS", "STATUS_END", "BATCH",
	"SNAPSHOT_END", "CMD", "CMD_RESP", "MQTT_STATE", "SANDBOX_TEST",
	"PING", "PONG"
};

const char *
ipc_typename(uint32_t type)
{
	if (type < IMSG_MAX && ipc_names[type] != NULL)
		return ipc_names[type];
	return "unknown";
}

void
ipc_init(struct ipcbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	ib->fd = fd;
	ib->pid = getpid();
	TAILQ_INIT(&ib->outq);
}

void
ipc_clear(struct ipcbuf *ib)
{
	struct ipc_out	*o;
	int		 i;

	while ((o = TAILQ_FIRST(&ib->outq)) != NULL) {
		TAILQ_REMOVE(&ib->outq, o, entry);
		if (o->fd != -1)
			close(o->fd);
		free(o);
	}
	for (i = 0; i < ib->nfds; i++)
		close(ib->fds[i]);
	free(ib->rbuf);
	ipc_init(ib, -1);
}

int
ipc_compose(struct ipcbuf *ib, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct ipc_out	*o;
	struct ipc_hdr	 hdr;
	size_t		 need = IPC_HDR_SIZE + len, cap;

	if (len > IPC_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		goto fail;
	}
	o = TAILQ_LAST(&ib->outq, ipc_outq);
	if (fd != -1 || o == NULL || o->fd != -1 || o->cap - o->len < need) {
		cap = fd != -1 || need > IPC_BLOCK ? need : IPC_BLOCK;
		if ((o = malloc(sizeof(*o) + cap)) == NULL)
			goto fail;
		o->cap = cap;
		o->len = 0;
		o->off = 0;
		o->fd = fd;
		TAILQ_INSERT_TAIL(&ib->outq, o, entry);
	}
	hdr.type = type;
	hdr.len = len;
	hdr.peerid = peerid;
	hdr.pid = ib->pid;
	hdr.flags = fd != -1 ? IPC_F_FD : 0;
	memcpy(o->data + o->len, &hdr, IPC_HDR_SIZE);
	if (len)
		memcpy(o->data + o->len + IPC_HDR_SIZE, data, len);
	o->len += need;
	ib->outbytes += need;
	return 0;
fail:
	/* the descriptor was ours to pass: it must not leak */
	if (fd != -1)
		close(fd);
	return -1;
}

int
ipc_pending(const struct ipcbuf *ib)
{
	return !TAILQ_EMPTY(&ib->outq);
}

#define IPC_IOV	64

int
ipc_flush(struct ipcbuf *ib)
{
	struct ipc_out	*o;
	struct msghdr	 msg;
	struct iovec	 iov[IPC_IOV];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	size_t		 left;
	int		 niov, fd;

	while ((o = TAILQ_FIRST(&ib->outq)) != NULL) {
		memset(&msg, 0, sizeof(msg));
		fd = -1;
		niov = 0;
		if (o->fd != -1 && o->off == 0) {
			/* a descriptor travels with its message alone */
			fd = o->fd;
			iov[niov].iov_base = o->data;
			iov[niov++].iov_len = o->len;
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = &cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
		} else {
			/* as many queued messages as fit one sendmsg */
			for (; o != NULL && niov < IPC_IOV; o = TAILQ_NEXT(o,
			    entry)) {
				if (o->fd != -1 && o->off == 0)
					break;
				iov[niov].iov_base = o->data + o->off;
				iov[niov++].iov_len = o->len - o->off;
			}
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = niov;
		n = sendmsg(ib->fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ENOBUFS)
				return 1;
			return -1;
		}
		if (fd != -1) {
			/* the descriptor is in flight: ours is no longer needed */
			o = TAILQ_FIRST(&ib->outq);
			close(o->fd);
			o->fd = -1;
		}
		ib->outbytes -= n;
		for (left = n; (o = TAILQ_FIRST(&ib->outq)) != NULL; ) {
			if (left < o->len - o->off) {
				o->off += left;
				break;
			}
			left -= o->len - o->off;
			TAILQ_REMOVE(&ib->outq, o, entry);
			free(o);
			if (left == 0)
				break;
		}
	}
	return 0;
}

int
ipc_flush_sync(struct ipcbuf *ib, int timeout_ms)
{
	struct pollfd	 pfd;
	int		 r;

	while ((r = ipc_flush(ib)) == 1) {
		pfd.fd = ib->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
	}
	return r;
}

ssize_t
ipc_read(struct ipcbuf *ib)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cmsgbuf;
	struct cmsghdr	*cmsg;
	ssize_t		 n;
	size_t		 want = 65536, i, nfd;
	int		 fd;

	/* drop what ipc_get consumed */
	if (ib->roff > 0) {
		memmove(ib->rbuf, ib->rbuf + ib->roff, ib->rlen - ib->roff);
		ib->rlen -= ib->roff;
		ib->roff = 0;
	}
	if (ib->rcap - ib->rlen < want) {
		uint8_t	*p;
		size_t	 ncap = ib->rlen + want;

		if ((p = realloc(ib->rbuf, ncap)) == NULL)
			return -1;
		ib->rbuf = p;
		ib->rcap = ncap;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = ib->rbuf + ib->rlen;
	iov.iov_len = ib->rcap - ib->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
again:
	if ((n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EINTR)
			goto again;
		return -1;
	}
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (ib->nfds < IPC_MAXFDS)
				ib->fds[ib->nfds++] = fd;
			else
				close(fd);
		}
	}
	ib->rlen += n;
	return n;
}

int
ipc_get(struct ipcbuf *ib, struct ipc_msg *m)
{
	size_t	 avail = ib->rlen - ib->roff;

	if (avail < IPC_HDR_SIZE)
		return 0;
	memcpy(&m->hdr, ib->rbuf + ib->roff, IPC_HDR_SIZE);
	if (m->hdr.len > IPC_MAX_PAYLOAD || m->hdr.type == IMSG_NONE ||
	    m->hdr.type >= IMSG_MAX || (m->hdr.flags & ~IPC_F_FD)) {
		errno = EBADMSG;
		return -1;
	}
	if (avail < IPC_HDR_SIZE + m->hdr.len)
		return 0;
	m->data = ib->rbuf + ib->roff + IPC_HDR_SIZE;
	m->len = m->hdr.len;
	m->fd = -1;
	if (m->hdr.flags & IPC_F_FD) {
		if (ib->nfds == 0) {
			errno = EBADMSG;
			return -1;
		}
		m->fd = ib->fds[0];
		memmove(ib->fds, ib->fds + 1, --ib->nfds * sizeof(int));
	}
	ib->roff += IPC_HDR_SIZE + m->hdr.len;
	return 1;
}

void
ipc_expect_len(const struct ipc_msg *m, size_t len)
{
	if (m->len != len)
		fatalx("malformed IPC message %s: %zu bytes, expected %zu",
		    ipc_typename(m->hdr.type), m->len, len);
}
