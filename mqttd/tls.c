/*
 * TLS to the broker.  libmosquitto verifies nothing by itself when it is
 * handed an SSL_CTX, so the verification is set up here.  OpenSSL is what
 * libmosquitto is built on: no new library comes with it.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "mqttd/tls.h"

/* for the messages */
static char	 tls_host[CONF_STR];
static char	 tls_cafile[CONF_STR];
static int	 tls_host_is_addr;

static void
tls_log(const char *what, const char *file)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("TLS: %s %s: %s", what, file, buf);
}

/*
 * Say why the broker's certificate is not accepted: libmosquitto only
 * reports "A TLS error occurred" (it prints OpenSSL's queue only to a log
 * callback).  Called for every certificate of the chain; the first
 * failure ends the handshake.
 */
static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	X509	*cert;
	char	 subj[256] = "?", hint[2 * CONF_STR + 64] = "";
	int	 err;

	if (ok)
		return 1;
	err = X509_STORE_CTX_get_error(x);
	if ((cert = X509_STORE_CTX_get_current_cert(x)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subj,
		    sizeof(subj));
	switch (err) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		snprintf(hint, sizeof(hint), " (mqtt.host is \"%s\")",
		    tls_host);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		snprintf(hint, sizeof(hint), " (no CA in %s issued it)",
		    tls_cafile);
		break;
	}
	log_warnx("TLS: broker certificate rejected (depth %d, subject %s): "
	    "%s%s", X509_STORE_CTX_get_error_depth(x), subj,
	    X509_verify_cert_error_string(err), hint);
	return 0;
}

/*
 * libmosquitto connects to the resolved address it is given and names
 * that address as SNI.  The handshake starts after this hook, so the
 * ClientHello carries the configured name (none for an address, which
 * RFC 6066 does not allow); the certificate is checked against the same
 * name through the context's verify parameters.
 */
static void
tls_info_cb(const SSL *cssl, int where, int ret)
{
	SSL		*ssl = (SSL *)cssl;
	const char	*name = tls_host_is_addr ? NULL : tls_host;

	if (!(where & SSL_CB_HANDSHAKE_START))
		return;
	/* (the macro casts its argument without parentheses) */
	if (SSL_set_tlsext_host_name(ssl, name) != 1)
		log_warnx("TLS: cannot send %s as server name", tls_host);
}

void *
tls_setup(const struct tsun_conf *c)
{
	SSL_CTX			*ctx;
	X509_VERIFY_PARAM	*param;
	struct in_addr		 a4;
	struct in6_addr		 a6;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		tls_log("context", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_load_verify_locations(ctx, c->tls_cafile, NULL) != 1) {
		tls_log("cannot load CA file", c->tls_cafile);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (c->tls_certfile[0] != '\0') {
		if (SSL_CTX_use_certificate_chain_file(ctx,
		    c->tls_certfile) != 1) {
			tls_log("cannot load certificate", c->tls_certfile);
			SSL_CTX_free(ctx);
			return NULL;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_keyfile[0] ?
		    c->tls_keyfile : c->tls_certfile, SSL_FILETYPE_PEM) != 1) {
			tls_log("cannot load key", c->tls_keyfile);
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	strlcpy(tls_host, c->mqtt_host, sizeof(tls_host));
	strlcpy(tls_cafile, c->tls_cafile, sizeof(tls_cafile));
	tls_host_is_addr = inet_pton(AF_INET, tls_host, &a4) == 1 ||
	    inet_pton(AF_INET6, tls_host, &a6) == 1;
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
	if (!c->tls_insecure) {
		param = SSL_CTX_get0_param(ctx);
		X509_VERIFY_PARAM_set_hostflags(param,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		/*
		 * An address is checked against the IP subjectAltNames: try
		 * it first, set1_host takes any string and would compare an
		 * address with the DNS names only.
		 */
		if (X509_VERIFY_PARAM_set1_ip_asc(param, c->mqtt_host) != 1 &&
		    X509_VERIFY_PARAM_set1_host(param, c->mqtt_host, 0) != 1) {
			tls_log("cannot verify host name", c->mqtt_host);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else
		log_warnx("TLS: host name not verified (insecure = true)");
	return ctx;
}
