/*
 * The defaults of tsun-proxy.conf(5), one name each: common/conf.c fills
 * struct tsun_conf with them, cfgd/config.c's libconfuse tables show
 * them, tsun-ctl finds the control socket by DEF_CONTROL_SOCKET.
 * tests/manual/check_manual.py reads these lines (one token per value,
 * no trailing comment) to check the manual pages against them.
 */
#ifndef TSUN_DEFAULTS_H
#define TSUN_DEFAULTS_H

#define DEF_USER		"_tsunproxy"
#define DEF_CHROOT		"/var/empty"
#define DEF_MAX_CONNECTIONS	1024
#define DEF_CONTROL_SOCKET	"/var/run/tsun-proxy.sock"

/* timeouts, in seconds */
#define DEF_TO_UNIDENTIFIED	30
#define DEF_TO_BEFORE_UP	400
#define DEF_TO_UP		360
#define DEF_TO_UP_POLLING	120

#define DEF_MQTT_HOST		"mqtt"
#define DEF_MQTT_PORT		1883
#define DEF_MQTT_KEEPALIVE	60
#define DEF_TLS_CAFILE		"/etc/ssl/certs/ca-certificates.crt"

#define DEF_HA_AUTO_CONF_PREFIX	"homeassistant"
#define DEF_HA_DISCOVERY_PREFIX	"homeassistant"
#define DEF_HA_ENTITY_PREFIX	"tsun"
#define DEF_HA_PROXY_NODE_ID	"proxy"
#define DEF_HA_PROXY_UNIQUE_ID	"P170000000000001"

#define DEF_LISTEN_ADDRESS	"*"
#define DEF_TSUN_PORT		5005
#define DEF_TSUN_HOST		"logger.talent-monitoring.com"
#define DEF_SOLARMAN_PORT	10000
#define DEF_SOLARMAN_HOST	"iot.talent-monitoring.com"

/*
 * The AT commands allowed by default: as libconfuse reads a list, and
 * as conf.c's array initialisers.  Keep each pair in step.
 */
#define DEF_ACL_TSUN_ALLOW	"{\"AT+Z\",\"AT+UPURL\",\"AT+SUPDATE\"}"
#define DEF_ACL_TSUN_ALLOW_V	{ "AT+Z", "AT+UPURL", "AT+SUPDATE" }
#define DEF_ACL_MQTT_ALLOW	"{\"AT+\"}"
#define DEF_ACL_MQTT_ALLOW_V	{ "AT+" }

/* per device */
#define DEF_MODBUS_INTERVAL	60
/* client mode polls faster unless modbus_interval is given */
#define DEF_MODBUS_INTERVAL_CLIENT	30
#define DEF_CLIENT_PORT		8899
#define DEF_SCAN_STEP		1024
#define DEF_SCAN_BYTES		16

#endif
