/*
 * What tsun-cfgd, the root process, accepts from its workers: its only
 * input from the unprivileged side.  Each message is checked here
 * against its type, size and sender; anything unexpected returns -1 and
 * the caller kills and restarts that worker.  Nothing a worker sends is
 * fatal to tsun-cfgd.
 */
#include <sys/types.h>

#include <string.h>
#include <syslog.h>

#include "common/ipc.h"
#include "cfgd/cfgd.h"

int
wmsg_handle(int role, const struct ipc_msg *m, const struct wmsg_ops *ops,
    void *arg)
{
	struct ipc_resolve	 req;
	char			 msg[WMSG_LOGMAX];
	int32_t			 v;
	size_t			 len, i;

	/* no worker message carries a descriptor */
	if (m->fd != -1)
		return -1;
	switch (m->hdr.type) {
	case IMSG_PONG:
		return m->len == 0 ? 0 : -1;
	case IMSG_LOG:
		if (m->len < sizeof(v))
			return -1;
		memcpy(&v, m->data, sizeof(v));
		len = m->len - sizeof(v);
		if (len >= sizeof(msg))
			len = sizeof(msg) - 1;
		memcpy(msg, m->data + sizeof(v), len);
		msg[len] = '\0';
		/* one line, printable: a worker cannot forge others */
		for (i = 0; i < len; i++)
			if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
				msg[i] = '?';
		if (v < LOG_EMERG || v > LOG_DEBUG)
			v = LOG_WARNING;
		ops->log(arg, v, msg);
		return 0;
	case IMSG_RESOLVE:
		if (m->len != sizeof(req))
			return -1;
		memcpy(&req, m->data, sizeof(req));
		if (memchr(req.host, '\0', sizeof(req.host)) == NULL)
			return -1;
		ops->resolve(arg, &req);
		return 0;
	case IMSG_MQTT_STATE:
		if (role != WROLE_MQTTD || m->len != sizeof(v))
			return -1;
		memcpy(&v, m->data, sizeof(v));
		ops->mqtt_state(arg, v != 0);
		return 0;
	case IMSG_STATUS:
		ops->status(arg, IMSG_STATUS, m->data, m->len);
		return 0;
	case IMSG_STATUS_END:
		if (m->len != 0)
			return -1;
		ops->status(arg, IMSG_STATUS_END, NULL, 0);
		return 0;
	default:
		return -1;
	}
}
