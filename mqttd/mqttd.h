/*
 * tsun-mqttd: the MQTT side.  mqttd.c owns libmosquitto, the event loop
 * and the IPC; publish.c, discovery.c and command.c hold the logic and
 * never call libmosquitto: they publish through a callback, which makes
 * them testable without a broker.
 *
 * Call protocol for mqttd.c:
 *	mq_init(conf, pub, cmd, arg, version)	once, after the first config
 *	mq_reconf(conf)				after every new config (SIGHUP);
 *						the old conf must still be valid
 *						during the call, the new one
 *						until the next mq_reconf() or
 *						mq_free(); afterwards subscribe
 *						again (the list may change) and,
 *						if mq_will_topic() changed,
 *						reconnect to set the new will
 *	mq_batch(payload, len)			every IMSG_BATCH from proxyd
 *	mq_cmd_resp(resp)			every IMSG_CMD_RESP
 *	mq_broker_up() / mq_broker_down()	on CONNACK / on disconnect
 *	mq_message(topic, payload, len, retain)	every message received
 *	mq_midnight()				at local midnight, when
 *						mq_day_check() says so
 *	mq_cmd_tick()				every second (held writes)
 *	mq_shutdown()				before a clean DISCONNECT: the
 *						retained "offline" (a clean
 *						disconnect fires no will)
 *	mq_free()				at exit (tests, leak checkers)
 * Set the will with mq_will_topic() and payload MQ_OFFLINE (retained)
 * before connecting; subscribe to every topic of mq_subscriptions()
 * after CONNACK (QoS 0).
 *
 * Topics (<ep> entity prefix, <dp> discovery prefix, <pn> proxy node id;
 * "<nid>/" vanishes when the device has no node_id):
 *	<ep>/<nid>/<group>		state JSON, not retained
 *	<ep>/<pn>/proxy			proxy counters JSON
 *	<ep>/<pn>/status		retained online/offline of the proxy (will)
 *	<ep>/<nid>/status		retained online/offline of a device
 *	<dp>/sensor/<nid>/<uniq_id>/config	retained discovery, "" clears
 *	<dp>/number/<nid>/<cmd>_<snr>/config	the settings, likewise
 *	<ep>/<nid>/at_resp, dcu_resp	command answers, plain text
 */
#ifndef TSUN_MQTTD_H
#define TSUN_MQTTD_H

#include <stddef.h>
#include <stdint.h>

#include "common/cmd.h"

struct tsun_conf;
struct conf_device;
struct rec_value;
struct cmd_resp;

#define MQ_ONLINE	"online"
#define MQ_OFFLINE	"offline"

/* publish one message: QoS 0; the payload is not NUL terminated (len 0: an
   empty retained payload deletes a retained message) */
typedef void	(*mq_pub_fn)(const char *topic, const void *payload,
		    size_t len, int retain, void *arg);
/* hand a command to tsun-proxyd (IMSG_CMD) */
typedef void	(*mq_cmd_fn)(const struct cmd_msg *, void *arg);

void		 mq_init(const struct tsun_conf *, mq_pub_fn, mq_cmd_fn,
		    void *arg, const char *version);
void		 mq_reconf(const struct tsun_conf *);
int		 mq_batch(const void *, size_t);	/* -1: malformed */
void		 mq_broker_up(void);
void		 mq_broker_down(void);
void		 mq_message(const char *topic, const void *, size_t, int retain);
void		 mq_cmd_resp(const struct cmd_resp *);
void		 mq_midnight(void);
int64_t		 mq_secs_to_midnight(int64_t now);	/* local time */
void		 mq_shutdown(void);
void		 mq_free(void);
const char	**mq_subscriptions(size_t *);
const char	*mq_will_topic(void);
size_t		 mq_ndevices(void);			/* status lines */

/*
 * The daily reset follows the wall clock (clock.c): call mq_day_check()
 * with the time now, at start and again after *wait_ms.  MQ_DAY_RESET:
 * local midnight has come (at most MQ_DAY_SLACK s ago): call
 * mq_midnight().  MQ_DAY_JUMPED: the clock jumped into the middle of a
 * later day: no reset.  Once per date, never on a jump back and forth.
 */
#define MQ_DAY_CHECK_MS	2000
#define MQ_DAY_SLACK	300
enum { MQ_DAY_SAME, MQ_DAY_RESET, MQ_DAY_JUMPED };
struct mq_day {
	int32_t		 date;		/* local yyyymmdd seen last, 0 none */
	int32_t		 reset;		/* the date of the last reset */
};
int		 mq_day_check(struct mq_day *, int64_t now, int64_t *wait_ms);

/* the clock (unix seconds), injected so tests can fix it */
extern int64_t	(*mq_now)(void);

/*
 * Command payload parsing (command.c), pure: the payload of a command
 * topic -> a filled cmd_msg (kind, reg, count, value, text; the serial is
 * left to the caller).  Returns 0, or -1 with a reason in err.
 *	rated_load		integer 0..65535: reg 0x2008, value
 *	out_coeff		percent 0..100 (decimal): reg 0x202c,
 *				value = round(p * 1024 / 100), 0..1024
 *	modbus_read_regs	"<hex reg>, <decimal count>": reg, count 1..125
 *	modbus_read_inputs	the same, function 4
 *	at_cmd			text, whitespace trimmed, 1..CMD_TEXT_MAX-1
 *	dcu_power		watts 100..800 (decimal): value = round(W * 10)
 * value always carries the raw register / PDU value, not the percent.
 */
int		 mq_cmd_kind(const char *name);		/* CMD_*, 0 unknown */
int		 mq_cmd_parse(int kind, const char *, size_t, struct cmd_msg *,
		    char *err, size_t errlen);

/* ---- internal to mqttd: store.c, publish.c, discovery.c, command.c ---- */

#define MQ_TOPIC_MAX	1024
#define MQ_MAX_GROUPS	32

/* one stored value of a device, in first-insertion order */
struct mq_val {
	uint16_t	 reg;
	uint8_t		 type;		/* REC_INT, REC_FLOAT, REC_STR */
	union {
		int64_t	 i;
		double	 f;
		char	*s;
	}		 v;
};

struct mq_dev {
	uint8_t		 kind;		/* enum dev_kind, 0 = the proxy */
	char		 serial[SERIAL_LEN + 1];
	uint32_t	 monitor_sn;
	const struct conf_device *conf;	/* NULL: allow_all device */
	struct mq_val	*vals;
	uint16_t	 nvals;
	uint16_t	 capvals;
	uint32_t	 dirty;		/* groups changed, not yet published */
	uint32_t	 disc_hash;	/* what the last discovery was built from */
	uint8_t		 disc_sent;	/* discovery out in this broker session */
	int8_t		 online;	/* -1 unknown, 0, 1 */
	uint8_t		 avty_sent;	/* availability out in this session */
	int64_t		 last_write;	/* last settings write (rate limit) */
#define MQ_NSET	3			/* rated_load, out_coeff, dcu_power */
	struct cmd_msg	 pend[MQ_NSET];	/* held for the next free minute */
	int64_t		 pend_at[MQ_NSET];	/* when it came, 0: none */
	uint8_t		 npend;
	int32_t		 dcu_sent;	/* last dcu_power written, -1: none */
	struct mq_dev	*next;		/* hash chain */
	struct mq_dev	*lnext;		/* list of all devices */
};

/* publish.c */
struct mq_state {
	const struct tsun_conf	*conf;
	mq_pub_fn		 pub;
	mq_cmd_fn		 cmd;
	void			*arg;
	char			 version[64];
	int			 up;		/* broker connected */
	struct mq_dev		*proxy;
	struct mq_dev		*devs;		/* list */
	size_t			 ndevs;
	/* Home Assistant asked for discovery; NULL: mq_publish_all() now */
	void			(*rediscover)(void *arg);
};
extern struct mq_state	 mq;

/* the group JSON; NULL if the device has nothing in it */
const char	*mq_group_json(const struct mq_dev *, int group, size_t *);
void		 mq_publish(const char *topic, const void *, size_t, int retain);
/* discovery, availability and every group of every device, again */
void		 mq_publish_all(void);

/* store.c */
/* kind 0 is the proxy: not in the table */
struct mq_dev	*mq_dev_new(uint8_t kind, const char *serial, uint32_t msn);
void		 mq_dev_remove(struct mq_dev *);	/* unlink and free */
void		 mq_dev_free_all(void);
struct mq_dev	*mq_dev_find(const char *serial);
/* by serial, or by monitor SN when the serial is empty */
struct mq_dev	*mq_dev_find_key(const char *serial, uint32_t msn);
struct mq_dev	*mq_dev_by_node(const char *node_id);
const struct conf_device *mq_conf_lookup(const struct tsun_conf *,
		    const struct mq_dev *);
const struct mq_val *mq_val_get(const struct mq_dev *, int reg);
int		 mq_val_int(const struct mq_dev *, int reg, int64_t *);
int		 mq_val_num(const struct mq_dev *, int reg, double *);
const char	*mq_val_str(const struct mq_dev *, int reg);
/* 1 if the stored value changed */
int		 mq_val_set(struct mq_dev *, const struct rec_value *);
/* "<ep>/<nid>/<leaf>" (or "<ep>/<leaf>"), -1 if too long */
int		 mq_dev_topic(char *, size_t, const struct mq_dev *,
		    const char *leaf);
const char	*mq_dev_node(const struct mq_dev *);
/* the unique id suffix: serial (GEN3) or decimal monitor SN (GEN3PLUS) */
void		 mq_dev_snr(const struct mq_dev *, char *, size_t);

/* discovery.c */
void		 mq_disc_publish(struct mq_dev *);	/* every entity */
void		 mq_disc_clear(struct mq_dev *);	/* empty retained */
uint32_t	 mq_disc_hash(const struct mq_dev *);
void		 mq_disc_free(void);
/* one entity's config: topic and payload; 0, or -1 if not announced */
int		 mq_disc_entity(const struct mq_dev *, int reg, char *topic,
		    size_t, const char **payload, size_t *len);
int		 mq_disc_pv_count(const struct mq_dev *);
/* the i-th number entity (settings): 0, or -1 if not announced */
int		 mq_disc_number(const struct mq_dev *, int i, char *topic,
		    size_t, const char **payload, size_t *len);

/* command.c */
void		 mq_cmd_message(const char *topic, const char *, size_t);
void		 mq_cmd_tick(void);	/* every second: held writes */
int		 mq_cmd_topic(const char *topic, char *node, size_t,
		    int *kind);

#endif
