/*
 * A poll(2) event loop with timers (a binary heap) and signals (self-pipe).
 */
#ifndef TSUN_EV_H
#define TSUN_EV_H

#include <stdint.h>

struct ev_fd;
struct ev_timer {
	int64_t		  when;		/* monotonic ms */
	int		  idx;		/* heap index, -1 when not armed */
	void		(*cb)(struct ev_timer *, void *);
	void		 *arg;
};

typedef void (*ev_fd_cb)(int fd, int revents, void *arg);

struct ev_fd	*ev_add(int fd, int events, ev_fd_cb, void *arg);
void		 ev_set(struct ev_fd *, int events);
void		 ev_del(struct ev_fd *);

void		 ev_timer_init(struct ev_timer *,
		    void (*)(struct ev_timer *, void *), void *);
void		 ev_timer_add(struct ev_timer *, int64_t ms);	/* re-arms */
void		 ev_timer_del(struct ev_timer *);
int		 ev_timer_pending(const struct ev_timer *);

int		 ev_signal(int sig, void (*)(int, void *), void *);
int		 ev_loop(void);		/* until ev_break */
int		 ev_once(int max_ms);	/* one round of ev_loop */
void		 ev_break(void);
/* called after every round of dispatching: flush IPC channels there */
void		 ev_set_idle(void (*)(void));
int64_t		 ev_now_ms(void);	/* monotonic clock */

#endif
