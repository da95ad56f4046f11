#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ev.h"
#include "common/log.h"

struct ev_fd {
	int		 fd;
	int		 idx;		/* in pfds[] */
	ev_fd_cb	 cb;
	void		*arg;
};

static struct pollfd	 *pfds;
static struct ev_fd	**evs;
static int		  nfds, capfds;

static struct ev_timer	**heap;
static int		  nheap, capheap;

#define EV_NSIG	65
static struct {
	void	(*cb)(int, void *);
	void	 *arg;
} sigs[EV_NSIG];
static volatile sig_atomic_t	 sig_pending[EV_NSIG];
static int			 sigpipe[2] = { -1, -1 };
static struct ev_fd		*sigev;
static int			 ev_stop;
static void			(*ev_idle)(void);

void
ev_set_idle(void (*fn)(void))
{
	ev_idle = fn;
}

int64_t
ev_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sig_handler(int sig)
{
	int	 saved = errno;
	char	 c = 0;

	if (sig > 0 && sig < EV_NSIG)
		sig_pending[sig] = 1;
	(void)write(sigpipe[1], &c, 1);
	errno = saved;
}

static void
sig_dispatch(int fd, int revents, void *arg)
{
	char	 buf[64];
	int	 i;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (i = 1; i < EV_NSIG; i++)
		if (sig_pending[i]) {
			sig_pending[i] = 0;
			if (sigs[i].cb != NULL)
				sigs[i].cb(i, sigs[i].arg);
		}
}


struct ev_fd *
ev_add(int fd, int events, ev_fd_cb cb, void *arg)
{
	struct ev_fd	*e;

	if (nfds == capfds) {
		int	 ncap = capfds ? capfds * 2 : 64;
		void	*p;

		if ((p = reallocarray(pfds, ncap, sizeof(*pfds))) == NULL)
			return NULL;
		pfds = p;
		if ((p = reallocarray(evs, ncap, sizeof(*evs))) == NULL)
			return NULL;
		evs = p;
		capfds = ncap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->fd = fd;
	e->cb = cb;
	e->arg = arg;
	e->idx = nfds;
	pfds[nfds].fd = fd;
	pfds[nfds].events = events;
	pfds[nfds].revents = 0;
	evs[nfds] = e;
	nfds++;
	return e;
}

void
ev_set(struct ev_fd *e, int events)
{
	pfds[e->idx].events = events;
}

void
ev_del(struct ev_fd *e)
{
	int	 i;

	if (e == NULL)
		return;
	i = e->idx;
	nfds--;
	if (i != nfds) {
		pfds[i] = pfds[nfds];
		evs[i] = evs[nfds];
		evs[i]->idx = i;
	}
	/* a dispatch in progress must not call a freed handler */
	e->cb = NULL;
	e->fd = -1;
	free(e);
}

/* timers: a binary min-heap on 'when' */

static void
heap_swap(int a, int b)
{
	struct ev_timer	*t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->idx = a;
	heap[b]->idx = b;
}

static void
heap_up(int i)
{
	while (i > 0 && heap[(i - 1) / 2]->when > heap[i]->when) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(int i)
{
	int	 l, r, m;

	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < nheap && heap[l]->when < heap[m]->when)
			m = l;
		if (r < nheap && heap[r]->when < heap[m]->when)
			m = r;
		if (m == i)
			return;
		heap_swap(i, m);
		i = m;
	}
}

void
ev_timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *, void *),
    void *arg)
{
	t->when = 0;
	t->idx = -1;
	t->cb = cb;
	t->arg = arg;
}

int
ev_timer_pending(const struct ev_timer *t)
{
	return t->idx != -1;
}

void
ev_timer_del(struct ev_timer *t)
{
	int	 i = t->idx;

	if (i == -1)
		return;
	nheap--;
	if (i != nheap) {
		heap[i] = heap[nheap];
		heap[i]->idx = i;
		heap_up(i);
		heap_down(heap[i]->idx);
	}
	t->idx = -1;
}

void
ev_timer_add(struct ev_timer *t, int64_t ms)
{
	ev_timer_del(t);
	if (nheap == capheap) {
		int	 ncap = capheap ? capheap * 2 : 64;
		void	*p;

		if ((p = reallocarray(heap, ncap, sizeof(*heap))) == NULL)
			fatal("timer heap");
		heap = p;
		capheap = ncap;
	}
	t->when = ev_now_ms() + (ms < 0 ? 0 : ms);
	t->idx = nheap;
	heap[nheap++] = t;
	heap_up(t->idx);
}

int
ev_signal(int sig, void (*cb)(int, void *), void *arg)
{
	struct sigaction	 sa;
	int			 i;

	if (sig <= 0 || sig >= EV_NSIG)
		return -1;
	if (sigpipe[0] == -1) {
		if (pipe(sigpipe) == -1)
			return -1;
		for (i = 0; i < 2; i++) {
			fcntl(sigpipe[i], F_SETFL, O_NONBLOCK);
			fcntl(sigpipe[i], F_SETFD, FD_CLOEXEC);
		}
		if ((sigev = ev_add(sigpipe[0], POLLIN, sig_dispatch,
		    NULL)) == NULL)
			return -1;
	}
	sigs[sig].cb = cb;
	sigs[sig].arg = arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

void
ev_break(void)
{
	ev_stop = 1;
}

static void
run_timers(void)
{
	struct ev_timer	*t;
	int64_t		 now = ev_now_ms();

	while (nheap > 0 && heap[0]->when <= now) {
		t = heap[0];
		ev_timer_del(t);
		t->cb(t, t->arg);
	}
}

int
ev_once(int max_ms)
{
	int		 timeout = max_ms, i, n, cnt;
	int64_t		 d;

	if (nheap > 0) {
		d = heap[0]->when - ev_now_ms();
		if (d < 0)
			d = 0;
		if (timeout < 0 || d < timeout)
			timeout = d;
	}
	n = poll(pfds, nfds, timeout);
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	/*
	 * Handlers may add and delete descriptors: walk a snapshot count and
	 * re-check the slot; an added fd lands at the end, a deleted one is
	 * replaced by the last (which then is seen in this round or the next).
	 */
	cnt = nfds;
	for (i = 0; i < cnt && i < nfds && n > 0; i++) {
		struct ev_fd	*e = evs[i];
		int		 re = pfds[i].revents;

		if (re == 0)
			continue;
		pfds[i].revents = 0;
		n--;
		e->cb(e->fd, re, e->arg);
		/* the slot now holds another fd if e was deleted: redo it */
		if (i < nfds && evs[i] != e && pfds[i].revents)
			i--;
	}
	run_timers();
	if (ev_idle != NULL)
		ev_idle();
	return 0;
}

int
ev_loop(void)
{
	ev_stop = 0;
	while (!ev_stop)
		if (ev_once(-1) == -1)
			return -1;
	return 0;
}
