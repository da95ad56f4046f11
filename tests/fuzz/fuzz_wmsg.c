/*
 * libFuzzer target for what tsun-cfgd, the root process, reads from a
 * worker: the IPC framing (common/ipc.c), the checks of every message
 * (cfgd/wmsg.c), the queue of name lookups (cfgd/resolve.c) and the
 * relay of status text into the tsun-ctl stream (cfgd/ctlwire.c).
 *
 * Input: one selector byte (bit 0: the sender is tsun-mqttd, else
 * tsun-proxyd), then the byte stream as it arrives from the worker.
 *
 * Beyond "no crash": a log line reaches the log as one printable line;
 * only tsun-mqttd may report the MQTT state; a host name to resolve is a
 * C string; and whatever status text a worker sends, tsun-ctl reads the
 * status tsun-cfgd wrote, and a stream cut after the worker's text has
 * no status at all.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipc.h"
#include "cfgd/cfgd.h"
#include "cfgd/control.h"
#include "cfgd/resolve.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz_out {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static struct fz_out	 fz_ctl;
static struct ctl_lines	 fz_lines;
static int		 fz_role;
static volatile size_t	 fz_sink;

/* resolve.c's callbacks into cfgd.c */
void
cfgd_resolved(int role, const struct ipc_resolved *res)
{
	if (role != fz_role)
		abort();
	fz_sink += res->id;
}

const char *
cfgd_resolver(void)
{
	return "";
}

static void
fz_emit(void *arg, const char *s, size_t len)
{
	struct fz_out	*o = arg;

	if (o->len + len + 1 > o->cap) {
		o->cap = (o->len + len + 1) * 2;
		if ((o->p = realloc(o->p, o->cap)) == NULL)
			abort();
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

static void
fz_log(void *arg, int pri, const char *msg)
{
	size_t	 i, n = strlen(msg);

	if (n >= WMSG_LOGMAX || pri < 0 || pri > 7)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			abort();
}

static void
fz_resolve(void *arg, const struct ipc_resolve *req)
{
	if (memchr(req->host, '\0', sizeof(req->host)) == NULL)
		abort();
	resolve_request(fz_role, req);
}

static void
fz_mqtt_state(void *arg, int v)
{
	if (fz_role != WROLE_MQTTD)
		abort();
	fz_sink += v;
}

/* tsun-ctl's view of the stream so far, then cut or closed */
static void
fz_check_ctl(int closed)
{
	struct fz_out	 o = { NULL, 0, 0 };
	char		*text;
	int		 st;

	fz_emit(&o, fz_ctl.p == NULL ? "" : fz_ctl.p, fz_ctl.len);
	if (closed) {
		ctl_lines_end(&fz_lines, fz_emit, &o);
		fz_emit(&o, "exit 3\n", 7);
		if (ctl_answer(o.p, o.len, &text, &st) != 0 || st != 3)
			abort();
	} else if (ctl_answer(o.p, o.len, &text, &st) != -1)
		abort();		/* worker text made a status */
	free(o.p);
}

static void
fz_status(void *arg, uint32_t type, const uint8_t *p, size_t len)
{
	if (type == IMSG_STATUS) {
		ctl_lines_add(&fz_lines, p, len, fz_emit, &fz_ctl);
		fz_check_ctl(0);
		return;
	}
	fz_check_ctl(1);
	fz_ctl.len = 0;
	fz_lines.len = 0;
}

static const struct wmsg_ops fz_ops = {
	fz_log, fz_resolve, fz_mqtt_state, fz_status
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 inited;
	struct ipcbuf	 ib;
	struct ipc_msg	 m;

	if (!inited) {
		resolve_init("/nonexistent", "nobody");
		inited = 1;
	}
	if (size < 1)
		return 0;
	fz_role = data[0] & 1 ? WROLE_MQTTD : WROLE_PROXYD;
	ipc_init(&ib, -1);
	/* exactly the input, so ASan sees any read past rlen */
	if ((ib.rbuf = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(ib.rbuf, data + 1, size - 1);
	ib.rlen = ib.rcap = size - 1;
	/* as cfgd.c: the first malformed message ends the worker */
	while (ipc_get(&ib, &m) == 1)
		if (wmsg_handle(fz_role, &m, &fz_ops, NULL) == -1)
			break;
	fz_check_ctl(1);
	fz_ctl.len = 0;
	fz_lines.len = 0;
	resolve_worker_gone(fz_role);
	ipc_clear(&ib);
	return 0;
}
