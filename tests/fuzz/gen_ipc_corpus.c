/*
 * Writes the seed corpus of fuzz_ipc (tests/fuzz/corpus/ipc/): real
 * message streams as conf_send and the batch writer produce them, each
 * behind the fuzzer's selector byte.  Not a fuzz target; rebuild with
 *
 *	make && cc -D_GNU_SOURCE -I. $(pkg-config --cflags libbsd-overlay) \
 *	    -o build/gen_ipc_corpus tests/fuzz/gen_ipc_corpus.c \
 *	    build/libcfgd.a build/libcommon.a -lconfuse \
 *	    $(pkg-config --libs libbsd-overlay) -lm
 *	build/gen_ipc_corpus tests/fuzz/corpus/ipc
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgd/cfgd.h"
#include "common/conf.h"
#include "common/ipc.h"
#include "common/record.h"
#include "common/registers.h"

static const char	*dir;

static void
put(const char *name, uint8_t sel, struct ipcbuf *ib)
{
	struct ipc_out	*o;
	char		 path[1024];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputc(sel, f);
	TAILQ_FOREACH(o, &ib->outq, entry)
		fwrite(o->data, 1, o->len, f);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
conf_stream(const char *name, const char *file)
{
	struct tsun_conf	*c;
	struct ipcbuf		 ib;

	if ((c = config_parse(file, 0, stderr)) == NULL)
		exit(1);
	ipc_init(&ib, -1);
	conf_send(&ib, c);
	put(name, 0x00, &ib);
	ipc_clear(&ib);
	conf_free(c);
}

int
main(int argc, char *argv[])
{
	static struct batch	 b;
	struct tsun_conf	*c;
	struct conf_device	*d;
	struct ipcbuf		 ib;
	size_t			 len;
	int			 one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_ipc_corpus dir\n");
		return 2;
	}
	dir = argv[1];

	conf_stream("conf_example", "etc/tsun-proxy.conf");
	conf_stream("conf_devices", "tests/fuzz/corpus/config/devices.conf");
	conf_stream("conf_tls", "tests/fuzz/corpus/config/mqtt_tls.conf");

	/* the defaults, one device by hand, through the socket path */
	if ((c = conf_new()) == NULL || (d = conf_device_new()) == NULL)
		return 1;
	d->kind = DEV_BATTERY;
	strlcpy(d->serial, "4100000000000001", sizeof(d->serial));
	d->monitor_sn = 3000000000U;
	strlcpy(d->node_id, "bat_1", sizeof(d->node_id));
	TAILQ_INSERT_TAIL(&c->devices, d, entry);
	ipc_init(&ib, -1);
	conf_send(&ib, c);
	put("conf_battery_sock", 0x01 | 0x02 | (3 << 3), &ib);
	ipc_clear(&ib);
	conf_free(c);

	/* a batch of every record type, then the end of a snapshot */
	batch_begin(&b, DEV_GEN3PLUS, BATCH_SNAPSHOT | BATCH_CONNECT,
	    "Y170000000000001", 2000000000);
	batch_add_int(&b, REG_INVERTER_CNT, 1691239744, 1);
	batch_add_float(&b, REG_RATED_POWER, 1691239744, 800.5);
	batch_add_str(&b, REG_MANUFACTURER, 1691239744, "TSUN");
	batch_add_str(&b, REG_VERSION, 1691239744, "");
	batch_add_del(&b, REG_OUTPUT_COEFFICIENT, 1691239745);
	len = batch_end(&b);
	ipc_init(&ib, -1);
	ipc_compose(&ib, IMSG_BATCH, 0, -1, b.buf, len);
	ipc_compose(&ib, IMSG_SNAPSHOT_END, 0, -1, NULL, 0);
	put("batch", 0x00, &ib);
	put("batch_sock", 0x01 | (1 << 3), &ib);
	ipc_clear(&ib);

	/* the proxy itself going offline: no serial, no record */
	batch_begin(&b, 0, BATCH_DISCONN, NULL, 0);
	len = batch_end(&b);
	ipc_init(&ib, -1);
	ipc_compose(&ib, IMSG_BATCH, 7, -1, b.buf, len);
	ipc_compose(&ib, IMSG_MQTT_STATE, 0, -1, &one, sizeof(one));
	put("batch_empty", 0x00, &ib);
	ipc_clear(&ib);

	/* a descriptor message: IMSG_PEER with the fd flag */
	ipc_init(&ib, -1);
	/* (ipc_clear closes the descriptor) */
	ipc_compose(&ib, IMSG_PEER, 0, open("/dev/null", O_RDONLY), NULL, 0);
	ipc_compose(&ib, IMSG_SHUTDOWN, 0, -1, NULL, 0);
	put("peer_fd", 0x02, &ib);
	put("peer_fd_sock", 0x01 | 0x02, &ib);
	ipc_clear(&ib);
	return 0;
}
