#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ev.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/worker.h"

/*
 * What a burst freed (the queue to a slow broker, IPC messages to a slow
 * peer) glibc keeps as holes between long-lived objects and never gives
 * back by itself: tsun-mqttd held 34 MB after the bench's load run, 6 MB
 * in use.  Every HEAP_CHECK_MS, when more than HEAP_SLACK bytes lie free,
 * malloc_trim returns their pages.  Other mallocs (OpenBSD's) unmap on
 * their own.
 */
#define HEAP_CHECK_MS	10000
#define HEAP_SLACK	(256 * 1024)

static struct ev_timer	heap_timer;

static void
heap_check(struct ev_timer *t, void *arg)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
	struct mallinfo2	mi = mallinfo2();

	if (mi.fordblks > HEAP_SLACK)
		malloc_trim(0);
#elif defined(__GLIBC__)
	malloc_trim(0);
#endif
	ev_timer_add(t, HEAP_CHECK_MS);
}

void
worker_check(int argc, char *argv[], const char *name, const char *role)
{
	struct stat	 st;

	if (argc != 3 || strcmp(argv[1], "-R") != 0 ||
	    strcmp(argv[2], role) != 0 || fstat(WORKER_FD, &st) == -1 ||
	    !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "%s: this program is started by tsun-cfgd, "
		    "not by hand\n", name);
		exit(1);
	}
}

int
worker_conf_msg(struct worker_conf *wc, const struct ipc_msg *m)
{
	switch (m->hdr.type) {
	case IMSG_CONF_BEGIN:
		ipc_expect_len(m, 0);
		if (wc->pending != NULL)
			conf_free(wc->pending);
		if ((wc->pending = conf_new()) == NULL)
			fatal("conf_new");
		/* the defaults carry no device: the transaction brings them */
		return 1;
	case IMSG_CONF_GLOBAL:
		if (wc->pending == NULL ||
		    conf_recv_global(wc->pending, m->data, m->len) == -1)
			fatalx("malformed IPC message CONF_GLOBAL");
		return 1;
	case IMSG_CONF_DEVICE:
		if (wc->pending == NULL ||
		    conf_recv_device(wc->pending, m->data, m->len) == -1)
			fatalx("malformed IPC message CONF_DEVICE");
		return 1;
	case IMSG_CONF_END:
		ipc_expect_len(m, 0);
		if (wc->pending == NULL)
			fatalx("malformed IPC message: CONF_END without BEGIN");
		wc->ready = wc->pending;
		wc->pending = NULL;
		return 2;
	default:
		return 0;
	}
}

void
worker_parent_io(struct ipcbuf *ib, int revents, struct worker_conf *wc,
    void (*apply)(struct tsun_conf *), void (*handle)(struct ipc_msg *))
{
	struct ipc_msg	 m;
	ssize_t		 n;
	int32_t		 v;
	int		 r;

	if (revents & POLLOUT) {
		if (ipc_flush(ib) == -1)
			fatalx("tsun-cfgd went away");
		log_drained();
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = ipc_read(ib);
	if (n == 0)
		fatalx("tsun-cfgd went away");
	if (n == -1 && errno != EAGAIN)
		fatal("read from tsun-cfgd");
	while ((r = ipc_get(ib, &m)) == 1) {
		switch (worker_conf_msg(wc, &m)) {
		case 1:
			continue;
		case 2:
			apply(wc->ready);
			wc->ready = NULL;
			continue;
		}
		switch (m.hdr.type) {
		case IMSG_VERBOSE:
			ipc_expect_len(&m, sizeof(v));
			memcpy(&v, m.data, sizeof(v));
			log_verbose = v;
			break;
		case IMSG_SANDBOX_TEST:
			sandbox_test(&m);
			break;
		case IMSG_PING:
			/* the watchdog: a worker stuck in a loop cannot answer */
			ipc_expect_len(&m, 0);
			if (ipc_compose(ib, IMSG_PONG, 0, -1, NULL, 0) == -1)
				log_warn("IPC message %s not queued",
				    ipc_typename(IMSG_PONG));
			break;
		default:
			handle(&m);
		}
	}
	if (r == -1)
		fatalx("malformed IPC message from tsun-cfgd");
}

struct ev_fd *
worker_start(int argc, char *argv[], const char *name, const char *role,
    struct ipcbuf *parent, struct ipcbuf *peer,
    void (*parent_cb)(int, int, void *))
{
	struct ev_fd	*ev;

	worker_check(argc, argv, name, role);
	log_init(1, 0, name);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	fcntl(WORKER_FD, F_SETFL, O_NONBLOCK);
	fcntl(WORKER_FD, F_SETFD, FD_CLOEXEC);
	ipc_init(parent, WORKER_FD);
	ipc_init(peer, -1);
	log_to_ipc(parent);
	if ((ev = ev_add(WORKER_FD, POLLIN, parent_cb, NULL)) == NULL)
		fatal("ev_add");
	ev_timer_init(&heap_timer, heap_check, NULL);
	ev_timer_add(&heap_timer, HEAP_CHECK_MS);
	return ev;
}

void
worker_flush_chan(struct ipcbuf *ib, struct ev_fd *ev)
{
	if (ev == NULL || !ipc_pending(ib))
		return;
	if (ipc_flush(ib) == 1)
		ev_set(ev, POLLIN | POLLOUT);
	else
		ev_set(ev, POLLIN);
}

void
worker_set_peer(struct ipcbuf *ib, struct ev_fd **evp, int fd,
    void (*cb)(int, int, void *))
{
	if (*evp != NULL) {
		ev_del(*evp);
		*evp = NULL;
	}
	if (ib->fd != -1)
		close(ib->fd);
	ipc_clear(ib);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ipc_init(ib, fd);
	if ((*evp = ev_add(fd, POLLIN, cb, NULL)) == NULL)
		fatal("ev_add");
}

void
worker_peer_gone(struct ipcbuf *ib, struct ev_fd **evp)
{
	ev_del(*evp);
	*evp = NULL;
	if (ib->fd != -1)
		close(ib->fd);
	ipc_clear(ib);
}
