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

/* cfgd.c, for the control socket */
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
