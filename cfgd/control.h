#ifndef TSUN_CONTROL_H
#define TSUN_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tsun_conf;

/* control.c: the control socket in tsun-cfgd, and tsun-ctl */
int	control_init(const struct tsun_conf *);
void	control_reconf(const struct tsun_conf *);
void	control_cleanup(void);
void	control_worker_status(const char *, uint32_t, const uint8_t *, size_t);
int	ctl_main(int, char *[]);

/* ctlwire.c: worker text into the tsun-ctl stream, and tsun-ctl's side */
#define CTL_WLINE	1024
struct ctl_lines {
	char	 line[CTL_WLINE];
	size_t	 len;
};
typedef void (*ctl_emit_fn)(void *, const char *, size_t);
void	ctl_lines_add(struct ctl_lines *, const uint8_t *, size_t,
	    ctl_emit_fn, void *);
void	ctl_lines_end(struct ctl_lines *, ctl_emit_fn, void *);
int	ctl_answer(char *, size_t, char **, int *);

/* cfgd.c and supervise.c, for the control socket */
extern int	mqtt_connected;
void	cfgd_status(FILE *);
int	cfgd_workers_up(void);
void	cfgd_status_request(const char *);
void	cfgd_set_verbose(int);
int	cfgd_reload(FILE *);
#ifdef TSUN_TEST_HOOKS
int	cfgd_debug(const char *);
#endif

#endif
