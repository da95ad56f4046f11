/*
 * The seam between the connection layer (conn.c, cloud.c) and the protocol
 * state machines (gen3.c, gen3plus.c).  A protocol module never touches a
 * socket: it gets bytes, and acts through these callbacks.  Unit tests
 * provide their own proto_io and feed vectors straight in.
 */
#ifndef TSUN_PROTO_H
#define TSUN_PROTO_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct tsun_conf;
struct conf_device;
struct vdb_dev;
struct cmd_resp;

/* connection states, for the idle timeouts of the connection layer */
#define PSTATE_INIT	0	/* no accepted serial yet: timeouts.unidentified */
#define PSTATE_RECEIVED	1	/* identified, no complete exchange: before_up */
#define PSTATE_UP	2	/* up: timeouts.up or timeouts.up_polling */
#define PSTATE_CLOSED	3

/* which side of the link the proxy plays towards the device */
#define PSIDE_SERVER	0	/* the device connected to us (normal) */
#define PSIDE_CLIENT	1	/* we connected to the device (client mode) */

struct proto_io {
	void	*arg;
	/* bytes to the device (inverter or logger) */
	void	(*to_dev)(void *arg, const uint8_t *, size_t);
	/*
	 * bytes to the cloud.  The connection layer opens the cloud link
	 * lazily and without blocking, keeps a bounded backlog while it
	 * connects, drops the bytes when forwarding is disabled.
	 */
	void	(*to_cloud)(void *arg, const uint8_t *, size_t);
	/*
	 * A device presents its serial (GEN3: the 16-char id; GEN3PLUS:
	 * monitor_sn, serial NULL).  Applies the allow-list, allow_all and
	 * its limits; counts Unknown_SNR itself on refusal.  Returns 1 and
	 * sets *dc (NULL for an allow_all device) and *vd when accepted.
	 */
	int	(*accept)(void *arg, const char *serial, uint32_t monitor_sn,
		    const struct conf_device **dc, struct vdb_dev **vd);
	/* connection state changed (PSTATE_*), polling: modbus polling on */
	void	(*state)(void *arg, int state, int polling);
	/* close the connection (stream cannot be resynchronised) */
	void	(*close)(void *arg, const char *why);
	/* a one-shot timer: id is the module's, ms < 0 cancels it */
	void	(*timer)(void *arg, int id, int ms);
	/* a reply to a command from MQTT (AT response, DCU) */
	void	(*cmd_resp)(void *arg, const struct cmd_resp *);
};

struct cmd_msg;

/*
 * A protocol engine, as the connection layer drives it: GEN3 (gen3_ops)
 * and GEN3PLUS (g3p_ops) are two implementations.  The handle is the
 * engine's own per-connection state.
 */
struct proto_ops {
	const char	*name;		/* "gen3", "gen3plus" */
	/* side PSIDE_*; client_dev: the device of a client-mode link */
	void	*(*new)(const struct tsun_conf *, const struct proto_io *,
		    int side, const struct conf_device *client_dev);
	void	 (*free)(void *);
	/*
	 * Bytes from the device / the cloud: how many leading bytes were
	 * consumed; the rest is presented again with more appended.
	 * -1: the stream cannot be resynchronised, close.
	 */
	ssize_t	 (*input_dev)(void *, const uint8_t *, size_t);
	ssize_t	 (*input_cloud)(void *, const uint8_t *, size_t);
	void	 (*cloud_up)(void *);	/* the cloud link connected */
	void	 (*cloud_down)(void *);	/* ... and was closed */
	void	 (*timer)(void *, int id);	/* a proto_io timer ran out */
	void	 (*closed)(void *);	/* the device link closed */
	/* a command from MQTT: 0 sent or queued, -1 refused */
	int	 (*command)(void *, const struct cmd_msg *);
	void	 (*client_connected)(void *);	/* client mode: link up */
};

extern const struct proto_ops	gen3_ops;
extern const struct proto_ops	g3p_ops;

/*
 * The clock, injected so that tests can fix it: UTC milliseconds since
 * the epoch.  Local time is derived with localtime_r (TZ).
 */
extern int64_t	(*proto_now_ms)(void);

#endif
