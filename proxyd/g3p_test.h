/*
 * GEN3PLUS introspection for the unit tests and the fuzz harness only
 * (g3p_test.c, not linked into tsun-proxyd).  The daemon drives the
 * engine through struct proto_ops alone.
 */
#ifndef TSUN_G3P_TEST_H
#define TSUN_G3P_TEST_H

#include <stdint.h>

#include "proxyd/modbus.h"

struct g3p;
struct vdb_dev;

#define G3P_LINK_DEV		0
#define G3P_LINK_CLOUD		1
void		 g3p_seq(const struct g3p *, int link, uint8_t *rcv,
		    uint8_t *snd);
void		 g3p_set_seq(struct g3p *, int link, uint8_t rcv, uint8_t snd);
uint16_t	 g3p_sensor_list(const struct g3p *);
uint32_t	 g3p_time_ofs(const struct g3p *);
int		 g3p_header_valid(const struct g3p *, int link);
int		 g3p_last_mb_err(const struct g3p *);
/* the outstanding MODBUS request, 0 if none */
int		 g3p_mb_pending(const struct g3p *, struct mb_req *);
/* make req the outstanding request (tests: vector context) */
void		 g3p_set_pending(struct g3p *, const struct mb_req *,
		    int from_cloud);
void		 g3p_set_max_retries(struct g3p *, int);
int		 g3p_fwd_at_resp(const struct g3p *);
int		 g3p_fwd_dcu_resp(const struct g3p *);
void		 g3p_set_fwd_flags(struct g3p *, int at, int dcu);
int		 g3p_detecting(const struct g3p *);
void		 g3p_set_no_forwarding(struct g3p *, int);
/* accept monitor_sn on the inverter link and enter state UP (tests) */
void		 g3p_force_up(struct g3p *, uint32_t monitor_sn);

#endif
