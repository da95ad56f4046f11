/*
 * The parsed configuration, as tsun-cfgd builds it and as the workers
 * receive it over IPC (common/conf.c serialises it).
 */
#ifndef TSUN_CONF_H
#define TSUN_CONF_H

#include <sys/queue.h>
#include <stdint.h>

#include "common/serial.h"

#define CONF_STR	256	/* host names, paths, prefixes */
#define CONF_PVSTR	64	/* PV module type and manufacturer */
#define MAX_PV		6

enum dev_kind {
	DEV_GEN3 = 1,		/* GEN3 inverter, Talent protocol */
	DEV_GEN3PLUS = 2,	/* GEN3PLUS inverter, Solarman V5 */
	DEV_BATTERY = 3		/* GEN3PLUS battery (Solarman V5) */
};

struct conf_pv {
	int		present;
	char		type[CONF_PVSTR];
	char		manufacturer[CONF_PVSTR];
};

struct conf_device {
	TAILQ_ENTRY(conf_device) entry;
	enum dev_kind	kind;
	char		serial[SERIAL_LEN + 1];
	uint32_t	monitor_sn;		/* 0: none (GEN3) */
	char		node_id[CONF_STR];	/* without trailing '/' */
	char		suggested_area[CONF_STR];
	int		modbus_polling;
	int		modbus_interval;	/* seconds */
	int		modbus_interval_set;	/* given in the file */
	int		sensor_list;		/* 0 = detect */
	int		client_mode;		/* client_mode block present */
	char		client_host[CONF_STR];
	int		client_port;
	int		client_forward;
	int		scanning;		/* modbus_scanning present */
	int		scan_start;
	int		scan_step;
	int		scan_bytes;
	struct conf_pv	pv[MAX_PV];
	int		line;			/* line of the block */
};
TAILQ_HEAD(conf_devices, conf_device);

struct conf_acl {
	char		**allow;
	int		 nallow;
	char		**block;
	int		 nblock;
};

struct conf_listener {
	int		enabled;	/* "listener" */
	char		listen_address[CONF_STR];
	int		listen_port;
	int		cloud_enabled;	/* "enabled": forward to the cloud */
	char		host[CONF_STR];
	int		port;
};

struct tsun_conf {
	char		user[CONF_STR];
	char		chroot[CONF_STR];
	int		max_connections;
	char		resolver[CONF_STR];
	char		control_socket[CONF_STR];

	int		to_unidentified;
	int		to_before_up;
	int		to_up;
	int		to_up_polling;

	char		mqtt_host[CONF_STR];
	int		mqtt_port;
	char		mqtt_user[CONF_STR];
	char		mqtt_passwd[CONF_STR];
	char		mqtt_client_id[CONF_STR];
	int		mqtt_keepalive;
	int		mqtt_tls;		/* tls block present */
	char		tls_cafile[CONF_STR];
	char		tls_certfile[CONF_STR];
	char		tls_keyfile[CONF_STR];
	int		tls_insecure;

	char		ha_auto_conf_prefix[CONF_STR];
	char		ha_discovery_prefix[CONF_STR];
	char		ha_entity_prefix[CONF_STR];
	char		ha_proxy_node_id[CONF_STR];
	char		ha_proxy_unique_id[CONF_STR];

	struct conf_listener tsun;	/* GEN3 */
	struct conf_listener solarman;	/* GEN3PLUS */

	int		allow_all;

	struct conf_acl	acl_tsun;	/* AT commands from the cloud */
	struct conf_acl	acl_mqtt;	/* AT commands from MQTT */

	struct conf_devices devices;
	int		ndevices;

	int		refs;	/* proxyd: connections still using it */
};

/* conf.c: construction, lookup, IPC serialisation */
struct tsun_conf	*conf_new(void);		/* all defaults, no device */
void			 conf_free(struct tsun_conf *);
struct conf_device	*conf_device_new(void);	/* device defaults */
struct conf_device	*conf_find_serial(const struct tsun_conf *, const char *);
struct conf_device	*conf_find_monitor_sn(const struct tsun_conf *, uint32_t);
struct conf_device	*conf_find_node_id(const struct tsun_conf *, const char *);
int			 conf_acl_add(char ***, int *, const char *);
/* same settings (both received over IPC, so padding is zeroed alike) */
int			 conf_device_equal(const struct conf_device *,
			    const struct conf_device *);

struct ipcbuf;
/* send as IMSG_CONF_BEGIN, IMSG_CONF_GLOBAL, IMSG_CONF_DEVICE..., IMSG_CONF_END */
void			 conf_send(struct ipcbuf *, const struct tsun_conf *);
/* the same; secrets 0: the MQTT password stays out (tsun-proxyd) */
void			 conf_send_to(struct ipcbuf *, const struct tsun_conf *,
			    int secrets);
/* receiving side: returns -1 on a malformed message */
int			 conf_recv_global(struct tsun_conf *, const void *, size_t);
int			 conf_recv_device(struct tsun_conf *, const void *, size_t);

#endif
