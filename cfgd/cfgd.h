/*
 * tsun-cfgd: the supervisor.  Configuration parsing lives in config.c.
 */
#ifndef TSUN_CFGD_H
#define TSUN_CFGD_H

#include <stdio.h>

struct tsun_conf;

/*
 * config.c.  libconfuse owns the cfg_ prefix (cfg_parse, cfg_print), so
 * ours are config_*.
 *
 * config_parse: NULL on any error, after writing every error to errs as
 * "file:line: message" (warnings as "file:line: warning: message").
 * as_root: also check the user and the chroot directory.
 */
struct tsun_conf	*config_parse(const char *path, int as_root, FILE *errs);
/* the effective configuration in config syntax, password masked */
void			 config_print(FILE *, const struct tsun_conf *);

#endif
