/*
 * libFuzzer target across the process boundary: decoded values go
 * through tsun-proxyd's value database (proxyd/valuedb.c), its batches
 * (common/record.c) into tsun-mqttd's reader and publisher
 * (mqttd/publish.c, discovery.c, json.c), as over IMSG_BATCH.
 *
 * The input is a program of operations on the value database: select a
 * device, store an int, a float (any 64 bits: NaN, infinities, huge,
 * negative, subnormal), a string (any bytes), null, delete, count,
 * online/offline, flush, snapshot, let time pass.
 *
 * Beyond "no crash": tsun-mqttd must accept every batch tsun-proxyd
 * writes (mq_batch() == 0; a rejected batch kills tsun-mqttd), and every
 * JSON document it publishes must parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/registers.h"
#include "mqttd/mqttd.h"
#include "proxyd/valuedb.h"
#include "tests/unit/tjson.h"
#include "tests/unit/tjson.c"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tsun_conf	*fz_conf;
static int64_t		 fz_clock = 1765000000;
static size_t		 fz_nbatch;

static int64_t
fz_now(void)
{
	return fz_clock;
}

static void
fz_sink(const void *payload, size_t len, void *arg)
{
	fz_nbatch++;
	if (mq_batch(payload, len) != 0) {
		fprintf(stderr, "fuzz_vdb_mqtt: tsun-mqttd rejects a batch "
		    "of %zu bytes that tsun-proxyd wrote\n", len);
		abort();
	}
}

static void
fz_pub(const char *topic, const void *payload, size_t len, int retain,
    void *arg)
{
	struct tj	*j;
	size_t		 n;

	if (topic == NULL || (len > 0 && payload == NULL))
		abort();
	if (len == 0 || ((const char *)payload)[0] != '{')
		return;
	/* discovery is most of the text and holds values only as escaped
	   strings: parse it when it has an escape, state JSON always */
	n = strlen(topic);
	if (n > 7 && strcmp(topic + n - 7, "/config") == 0 &&
	    memchr(payload, '\\', len) == NULL)
		return;
	if ((j = tj_parse(payload, len)) == NULL) {
		fprintf(stderr, "fuzz_vdb_mqtt: invalid JSON on %s: %.*s\n",
		    topic, (int)(len > 400 ? 400 : len),
		    (const char *)payload);
		abort();
	}
	tj_free(j);
}

static void
fz_cmd(const struct cmd_msg *m, void *arg)
{
}

struct fz_in {
	const uint8_t	*p;
	size_t		 left;
};

static int
take(struct fz_in *in, void *out, size_t n)
{
	if (in->left < n)
		return -1;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return 0;
}

/* a serial as proxyd admits them: 16 letters and digits */
static void
fz_serial(const uint8_t *b, char *s, char first)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int			 i;

	s[0] = first;
	for (i = 1; i < 16; i++)
		s[i] = al[b[i - 1] % (sizeof(al) - 1)];
	s[16] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in	 in = { data, size };
	struct vdb_dev	*devs[4], *d;
	uint8_t		 op, b[16], sb[15];
	uint16_t	 reg;
	uint32_t	 msn;
	int64_t		 iv;
	double		 fv;
	char		 serial[17], str[64];
	size_t		 n;
	int		 i;

	if (fz_conf == NULL) {
		if ((fz_conf = conf_new()) == NULL)
			abort();
		vdb_now = fz_now;
	}
	vdb_reset();
	vdb_init(fz_sink, NULL);
	mq_init(fz_conf, fz_pub, fz_cmd, NULL, "fuzz");
	mq_broker_up();
	devs[0] = vdb_proxy();
	devs[1] = vdb_device(DEV_GEN3, "R170000000000001", 0);
	devs[2] = vdb_device(DEV_GEN3PLUS, "Y170000000000001", 381234567);
	devs[3] = vdb_device(DEV_BATTERY, "Y470000000000001", 412345678);
	d = devs[1];

	while (take(&in, &op, 1) == 0) {
		if (op >= 0xf0)
			reg = op & 0x0f;	/* low registers, cheaply */
		else if (take(&in, &reg, sizeof(reg)) == -1)
			break;
		reg %= REG_MAX + 4;		/* a few beyond the table too */
		switch (op % 14) {
		case 0:
			d = devs[reg & 3];
			break;
		case 1:
			/* a new device: kind, serial, monitor SN */
			if (take(&in, sb, sizeof(sb)) == -1 ||
			    take(&in, &msn, sizeof(msn)) == -1)
				goto out;
			fz_serial(sb, serial, "RYYY"[reg & 3]);
			d = vdb_device(1 + reg % 3, serial, msn);
			break;
		case 2:
			if (take(&in, &iv, sizeof(iv)) == -1)
				goto out;
			vdb_set_int(d, reg, iv);
			break;
		case 3:
		case 4:
			if (take(&in, &fv, sizeof(fv)) == -1)
				goto out;
			vdb_set_float(d, reg, fv);
			break;
		case 5:
			/* a small integer as a float, as the decoders make */
			if (take(&in, b, 1) == -1)
				goto out;
			vdb_set_float(d, reg, (int8_t)b[0] / 10.0);
			break;
		case 6:
			if (take(&in, b, 1) == -1)
				goto out;
			n = b[0] % sizeof(str);
			if (in.left < n)
				n = in.left;
			take(&in, str, n);
			str[n] = '\0';
			vdb_set_str(d, reg, str);
			break;
		case 7:
			vdb_set_null(d, reg);
			break;
		case 8:
			vdb_del(d, reg);
			break;
		case 9:
			vdb_count(reg, (int)(reg & 7) - 3);
			break;
		case 10:
			vdb_set_online(d, reg & 1);
			break;
		case 11:
			vdb_flush(reg & 1 ? NULL : d);
			break;
		case 12:
			vdb_snapshot();
			break;
		case 13:
			fz_clock += reg * 60;	/* up to ~6 days at once */
			break;
		}
	}
out:
	vdb_flush(NULL);
	vdb_snapshot();
	for (i = 0; i < 4; i++)
		devs[i] = NULL;
	mq_free();
	return 0;
}
