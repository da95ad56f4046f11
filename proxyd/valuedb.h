/*
 * The value database of tsun-proxyd: per device every decoded value,
 * in first-insertion order, the must-increase rule, and the list of
 * values that changed since the last flush.  The proxy's own counters
 * live here too, as the registers of the proxy device.
 */
#ifndef TSUN_VALUEDB_H
#define TSUN_VALUEDB_H

#include <stddef.h>
#include <stdint.h>

#include "common/registers.h"

struct vdb_dev;

/* receives one complete batch payload (common/record.h layout) */
typedef void (*vdb_sink)(const void *payload, size_t len, void *arg);

void		 vdb_init(vdb_sink, void *arg);
void		 vdb_reset(void);	/* forget every device (in-process runs) */

/* the device with that serial, created on first use; never NULL */
struct vdb_dev	*vdb_device(int kind, const char *serial, uint32_t monitor_sn);
struct vdb_dev	*vdb_proxy(void);	/* the proxy device (counters) */
void		 vdb_forget(struct vdb_dev *);	/* removed from config */
/* the device with that serial, NULL if there is none */
struct vdb_dev	*vdb_find(const char *serial);

/*
 * Devices admitted by allow_all (transient): at most VDB_TRANSIENT_MAX
 * are kept, and one offline for VDB_TRANSIENT_TTL seconds is forgotten.
 * Forgetting sends an empty batch flagged BATCH_FORGET first, so that
 * tsun-mqttd clears the device's retained topics.
 */
#define VDB_TRANSIENT_MAX	64
#define VDB_TRANSIENT_TTL	86400
void		 vdb_set_transient(struct vdb_dev *, int);
/* room for one more transient device (the oldest offline one goes): 1, or 0 */
int		 vdb_transient_room(void);
/* forget the transient devices offline too long; returns how many */
int		 vdb_expire(void);

/*
 * Store a value.  Returns 1 if the stored value changed (and it is queued
 * for the next flush), 0 if not.  Registers marked must-increase in the
 * register table keep their value unless the new one is larger (and a
 * first value of 0 is not stored).  ts is the unix time for the record.
 */
int		 vdb_set_int(struct vdb_dev *, enum reg_id, int64_t);
int		 vdb_set_float(struct vdb_dev *, enum reg_id, double);
int		 vdb_set_str(struct vdb_dev *, enum reg_id, const char *);
int		 vdb_del(struct vdb_dev *, enum reg_id);
/*
 * Store JSON null (REC_NULL): the key exists but holds no value, e.g. a
 * calculated value whose inputs are missing.  1 if that is a change
 * (null -> null is none).  The getters below report a null as absent;
 * vdb_has() sees it, vdb_is_null() tells it apart.
 */
int		 vdb_set_null(struct vdb_dev *, enum reg_id);
int		 vdb_is_null(struct vdb_dev *, enum reg_id);

/* reading back: 1 and the value if present, 0 if absent */
int		 vdb_get_int(struct vdb_dev *, enum reg_id, int64_t *);
int		 vdb_get_float(struct vdb_dev *, enum reg_id, double *);
const char	*vdb_get_str(struct vdb_dev *, enum reg_id);
int		 vdb_has(struct vdb_dev *, enum reg_id);

/* proxy counters: add delta to a counter register of the proxy device */
void		 vdb_count(enum reg_id, int delta);

/* connection state, sent as BATCH_CONNECT / BATCH_DISCONN */
void		 vdb_set_online(struct vdb_dev *, int online);

/* send what changed for this device (or everything changed: NULL) */
void		 vdb_flush(struct vdb_dev *);
/* send every device, flagged BATCH_SNAPSHOT (mqttd (re)connected) */
void		 vdb_snapshot(void);

/* time source: injected so tests can fix the clock */
extern int64_t	(*vdb_now)(void);

#endif
