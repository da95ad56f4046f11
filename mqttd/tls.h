#ifndef TSUN_MQTTD_TLS_H
#define TSUN_MQTTD_TLS_H

struct tsun_conf;

/*
 * Build the TLS context for the broker connection from mqtt.tls: CA file,
 * optional client certificate and key, peer and host-name verification
 * (against mqtt.host, since we connect to the address tsun-cfgd
 * resolved).  Called before the chroot; returns an SSL_CTX * for
 * MOSQ_OPT_SSL_CTX, or NULL after logging why.
 */
void	*tls_setup(const struct tsun_conf *);

#endif
