/*
 * libFuzzer target for what a worker reads from its IPC peer: the framing
 * (common/ipc.c ipc_read, ipc_get, descriptor claiming), the measurement
 * batches (common/record.c) and the configuration transaction
 * (common/conf_ipc.c).
 *
 * Input: one selector byte, then the byte stream as it arrives on the
 * socket.  Selector bit 0: through a real socketpair (ipc_read, in chunks
 * of 1 + 16 * (bits 3..7) bytes, bit 1: a descriptor rides with every
 * other chunk) instead of straight into the read buffer (bits 1..2:
 * descriptors already received).
 *
 * Beyond "no crash": whatever conf_recv_global, conf_recv_device and the
 * batch reader accept must serialise back to exactly the same bytes.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ipc.h"
#include "common/record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int			 fz_devnull = -1;
static struct tsun_conf		*fz_conf;
static volatile size_t		 fz_sink;

static void
fz_mismatch(const char *what, const void *a, size_t alen, const void *b,
    size_t blen)
{
	fprintf(stderr, "fuzz_ipc: %s does not serialise back: received %zu "
	    "bytes, sent %zu bytes%s\n", what, alen, blen,
	    b != NULL && alen == blen && memcmp(a, b, alen) != 0 ?
	    " (differing)" : "");
	abort();
}

/*
 * The n-th message conf_send queued (0 = CONF_BEGIN; -1: the one before
 * the last, CONF_END): its payload and length, NULL if none.  The queue
 * packs messages into blocks.
 */
static const uint8_t *
fz_queued(const struct ipcbuf *ob, int n, size_t *lenp)
{
	const struct ipc_out	*o;
	const uint8_t		*cur = NULL, *prev = NULL;
	size_t			 off, curlen = 0, prevlen = 0;
	struct ipc_hdr		 h;

	TAILQ_FOREACH(o, &ob->outq, entry) {
		for (off = 0; off + IPC_HDR_SIZE <= o->len;
		    off += IPC_HDR_SIZE + h.len) {
			memcpy(&h, o->data + off, IPC_HDR_SIZE);
			prev = cur;
			prevlen = curlen;
			cur = o->data + off + IPC_HDR_SIZE;
			curlen = h.len;
			if (n-- == 0) {
				*lenp = curlen;
				return cur;
			}
		}
	}
	*lenp = prevlen;
	return n < -1 ? prev : NULL;
}

static void
fz_check_send(const struct ipc_msg *m, int device)
{
	struct ipcbuf		 ob;
	const uint8_t		*p;
	size_t			 len;

	ipc_init(&ob, -1);
	conf_send(&ob, fz_conf);
	p = fz_queued(&ob, device ? -1 : 1, &len);
	if (p == NULL || len != m->len || memcmp(p, m->data, m->len) != 0)
		fz_mismatch(device ? "IMSG_CONF_DEVICE" : "IMSG_CONF_GLOBAL",
		    m->data, m->len, p, p == NULL ? 0 : len);
	ipc_clear(&ob);
}

static void
fz_batch(const struct ipc_msg *m)
{
	static struct batch	 b;
	struct batch_reader	 r;
	struct batch_hdr	 h;
	struct rec_value	 v;
	int			 rc, keep;

	if (batch_read_hdr(&r, m->data, m->len, &h) == -1)
		return;
	keep = m->len <= BATCH_MAX;
	batch_begin(&b, h.kind, h.flags, h.serial, h.monitor_sn);
	while ((rc = batch_read_rec(&r, &v)) == 1) {
		fz_sink += v.reg + v.type + (size_t)v.ts + strlen(v.s);
		switch (v.type) {
		case REC_INT:
			batch_add_int(&b, v.reg, v.ts, v.i);
			break;
		case REC_FLOAT:
			batch_add_float(&b, v.reg, v.ts, v.f);
			break;
		case REC_STR:
			batch_add_str(&b, v.reg, v.ts, v.s);
			break;
		case REC_DEL:
			batch_add_del(&b, v.reg, v.ts);
			break;
		case REC_NULL:
			batch_add_null(&b, v.reg, v.ts);
			break;
		default:
			fprintf(stderr, "fuzz_ipc: batch_read_rec returned "
			    "record type %u\n", v.type);
			abort();
		}
	}
	/* after the end (or an error) the reader stays there */
	if (batch_read_rec(&r, &v) == 1) {
		fprintf(stderr, "fuzz_ipc: a record after the end\n");
		abort();
	}
	if (rc == 0 && keep && (batch_end(&b) != m->len || b.full ||
	    memcmp(b.buf, m->data, m->len) != 0))
		fz_mismatch("IMSG_BATCH", m->data, m->len, b.buf, b.len);
}

static void
fz_conf_end(void)
{
	struct conf_device	*d;

	TAILQ_FOREACH(d, &fz_conf->devices, entry) {
		if (conf_find_serial(fz_conf, d->serial) == NULL) {
			fprintf(stderr, "fuzz_ipc: device %s not found\n",
			    d->serial);
			abort();
		}
		if (d->monitor_sn != 0 &&
		    conf_find_monitor_sn(fz_conf, d->monitor_sn) == NULL)
			abort();
		(void)conf_find_node_id(fz_conf, d->node_id);
		if (!conf_device_equal(d, d))
			abort();
	}
}

static void
fz_msg(const struct ipc_msg *m)
{
	fz_sink += strlen(ipc_typename(m->hdr.type));
	if (m->fd != -1)
		close(m->fd);
	switch (m->hdr.type) {
	case IMSG_CONF_BEGIN:
		conf_free(fz_conf);
		fz_conf = conf_new();
		break;
	case IMSG_CONF_GLOBAL:
		if (fz_conf == NULL && (fz_conf = conf_new()) == NULL)
			break;
		if (conf_recv_global(fz_conf, m->data, m->len) == 0)
			fz_check_send(m, 0);
		break;
	case IMSG_CONF_DEVICE:
		if (fz_conf == NULL && (fz_conf = conf_new()) == NULL)
			break;
		if (conf_recv_device(fz_conf, m->data, m->len) == 0)
			fz_check_send(m, 1);
		break;
	case IMSG_CONF_END:
		if (fz_conf != NULL)
			fz_conf_end();
		break;
	case IMSG_BATCH:
		fz_batch(m);
		break;
	default:
		/* the rest are fixed-size structs checked by ipc_expect_len */
		break;
	}
}

/* 1: go on, 0: the stream is bad, stop */
static int
fz_drain(struct ipcbuf *ib)
{
	struct ipc_msg	 m;
	int		 rc;

	while ((rc = ipc_get(ib, &m)) == 1) {
		if (m.len != m.hdr.len || m.hdr.type == IMSG_NONE ||
		    m.hdr.type >= IMSG_MAX)
			abort();
		fz_msg(&m);
	}
	return rc == 0;
}

static void
fz_buffer(uint8_t sel, const uint8_t *data, size_t size)
{
	struct ipcbuf	 ib;
	int		 i;

	ipc_init(&ib, -1);
	/* exactly the input, so ASan sees any read past rlen */
	if ((ib.rbuf = malloc(size ? size : 1)) == NULL)
		return;
	memcpy(ib.rbuf, data, size);
	ib.rlen = ib.rcap = size;
	for (i = 0; i < ((sel >> 1) & 3); i++)
		if ((ib.fds[ib.nfds] = dup(fz_devnull)) != -1)
			ib.nfds++;
	fz_drain(&ib);
	ipc_clear(&ib);
}

static void
fz_socket(uint8_t sel, const uint8_t *data, size_t size)
{
	struct ipcbuf	 ib;
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr	*cmsg;
	size_t		 chunk = 1 + 16 * (size_t)(sel >> 3), off, n;
	int		 sv[2], k = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return;
	ipc_init(&ib, sv[1]);
	for (off = 0; off < size; off += n, k++) {
		n = size - off < chunk ? size - off : chunk;
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = (void *)(uintptr_t)(data + off);
		iov.iov_len = n;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if ((sel & 2) && (k & 1) == 0) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &fz_devnull, sizeof(int));
		}
		if (sendmsg(sv[0], &msg, MSG_NOSIGNAL) != (ssize_t)n)
			break;
		if (ipc_read(&ib) <= 0)
			break;
		if (ib.rlen > ib.rcap || ib.roff > ib.rlen)
			abort();
		if (!fz_drain(&ib))
			break;
	}
	ipc_clear(&ib);
	close(sv[0]);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	 sel;

	if (fz_devnull == -1 &&
	    (fz_devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		abort();
	if (size < 1)
		return 0;
	sel = data[0];
	if (sel & 1)
		fz_socket(sel, data + 1, size - 1);
	else
		fz_buffer(sel, data + 1, size - 1);
	conf_free(fz_conf);
	fz_conf = NULL;
	return 0;
}
