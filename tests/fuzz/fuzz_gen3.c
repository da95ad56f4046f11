/*
 * libFuzzer target for GEN3 Talent: the frame parser, the TLV decoder
 * and the whole state machine (both sides, timers, close) with a dummy
 * connection layer.  The first input byte selects where the rest goes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/conf.h"
#include "common/registers.h"
#include "proxyd/gen3.h"
#include "proxyd/proto.h"
#include "proxyd/valuedb.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int64_t
fz_now(void)
{
	return 1691239744000LL;
}

int64_t	(*proto_now_ms)(void) = fz_now;

static struct conf_device	 fz_dev;
static size_t			 fz_out;

static void
fz_send(void *arg, const uint8_t *p, size_t n)
{
	/* touch every byte so ASan sees reads past a buffer */
	while (n-- > 0)
		fz_out += p[n];
}

static int
fz_accept(void *arg, const char *serial, uint32_t msn,
    const struct conf_device **dc, struct vdb_dev **vd)
{
	if (strlen(serial) != SERIAL_LEN)
		return 0;
	*dc = &fz_dev;
	*vd = vdb_device(DEV_GEN3, serial, 0);
	return 1;
}

static void
fz_state(void *arg, int state, int polling)
{
}

static void
fz_close(void *arg, const char *why)
{
}

static void
fz_timer(void *arg, int id, int ms)
{
}

static const struct proto_io	 fz_io = {
	NULL, fz_send, fz_send, fz_accept, fz_state, fz_close, fz_timer, NULL
};

static void
fz_tlv(void *arg, const struct gen3_tlv *t)
{
	fz_out += t->type;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tsun_conf	 conf;
	struct gen3_hdr		 h;
	struct gen3_data	 d;
	void			*g;
	uint8_t			 hb[64];
	static const uint8_t	 beat[9] = { 1, 0, 0, 1, 0x89, 0xc6, 0x53,
	    0x4d, 0x80 };
	size_t			 off = 0;
	ssize_t			 n;
	uint8_t			 sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	conf.tsun.cloud_enabled = sel & 1;
	fz_dev.modbus_polling = (sel & 2) != 0;
	fz_dev.scanning = (sel & 4) != 0;
	fz_dev.scan_bytes = 16;
	fz_dev.scan_step = 1024;
	vdb_reset();

	/* the pure parsers on the raw input */
	gen3_tlv_decode(data, size, fz_tlv, NULL);
	gen3_parse_data(data, size, &d);
	while (off < size && (n = gen3_parse_frame(data + off, size - off,
	    &h)) > 0) {
		if (gen3_parse_data(h.data, h.data_len, &d) == 0)
			gen3_tlv_decode(d.tlv, d.tlv_len, fz_tlv, NULL);
		off += n;
	}

	/* the state machine, the way conn.c drives it */
	if ((g = gen3_ops.new(&conf, &fz_io, PSIDE_SERVER, NULL)) == NULL)
		return 0;
	/* a heartbeat of the logger first: the link is up */
	if (sel & 8) {
		n = gen3_build(hb, sizeof(hb), "R170000000000001",
		    GEN3_CTRL_IND, GEN3_MSG_HEARTBEAT, beat, sizeof(beat));
		gen3_ops.input_dev(g, hb, n);
	}
	off = 0;
	while (off < size) {
		n = (sel & 16) ? gen3_ops.input_cloud(g, data + off, size - off) :
		    gen3_ops.input_dev(g, data + off, size - off);
		if (n <= 0)
			break;
		off += n;
		gen3_ops.timer(g, GEN3_TIMER_POLL);
		gen3_ops.timer(g, GEN3_TIMER_MODBUS);
		if (sel & 32)
			gen3_ops.cloud_up(g);
	}
	gen3_ops.closed(g);
	gen3_ops.free(g);
	return 0;
}
