/*
 * libFuzzer target: V5 framing and the GEN3PLUS state machine.  The
 * input is a script: each step is an op byte, a length byte and data.
 * Ops feed the inverter or the cloud link, fire timers, or send an
 * MQTT command, so that every handler runs in every state.  Only
 * g3p_ops drives the engine, as the connection layer does.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/conf.h"
#include "proxyd/gen3plus.h"
#include "proxyd/proto.h"
#include "proxyd/valuedb.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int64_t
now_ms(void)
{
	return 1712861197000LL;
}

int64_t	(*proto_now_ms)(void) = now_ms;

static struct tsun_conf		 conf;
static struct conf_device	 dev;
static char			*allow[] = { "AT+" };

static void
out(void *arg, const uint8_t *p, size_t len)
{
}

static int
accept_dev(void *arg, const char *serial, uint32_t msn,
    const struct conf_device **dc, struct vdb_dev **vd)
{
	*dc = msn == dev.monitor_sn ? &dev : NULL;
	*vd = vdb_device(DEV_GEN3PLUS, *dc != NULL ? dev.serial : "x", msn);
	return 1;
}

static void	st(void *a, int s, int p) { }
static void	cl(void *a, const char *w) { }
static void	tm(void *a, int id, int ms) { }
static void	rsp(void *a, const struct cmd_resp *r) { }
static void	sink(const void *p, size_t l, void *a) { }

static const struct proto_io	io = {
	NULL, out, out, accept_dev, st, cl, tm, rsp
};

/* the caller's buffer: keep what was not consumed */
static uint8_t	bufs[2][V5_MAX_FRAME * 2];
static size_t	nbuf[2];

static void
input(struct g3p *g, int link, const uint8_t *p, size_t len)
{
	ssize_t	n;

	if (nbuf[link] + len > sizeof(bufs[link]))
		nbuf[link] = 0;
	memcpy(bufs[link] + nbuf[link], p, len);
	nbuf[link] += len;
	n = link ? g3p_ops.input_cloud(g, bufs[link], nbuf[link]) :
	    g3p_ops.input_dev(g, bufs[link], nbuf[link]);
	if (n < 0 || (size_t)n > nbuf[link])
		abort();
	memmove(bufs[link], bufs[link] + n, nbuf[link] - n);
	nbuf[link] -= n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct g3p	*g;
	struct cmd_msg	 c;
	size_t		 i = 0, n, k;
	uint8_t		 op;

	vdb_reset();
	vdb_init(sink, NULL);
	memset(&conf, 0, sizeof(conf));
	TAILQ_INIT(&conf.devices);
	conf.allow_all = 1;
	conf.solarman.cloud_enabled = 1;
	conf.acl_mqtt.allow = allow;
	conf.acl_mqtt.nallow = 1;
	conf.acl_tsun.allow = allow;
	conf.acl_tsun.nallow = 1;
	memset(&dev, 0, sizeof(dev));
	dev.kind = DEV_GEN3PLUS;
	strlcpy(dev.serial, "Y170000000000001", sizeof(dev.serial));
	dev.monitor_sn = 2070233889;
	dev.modbus_polling = 1;
	dev.sensor_list = len > 0 && (p[0] & 1) ? 0x3026 : 0;
	dev.scanning = len > 0 && (p[0] & 2);
	dev.scan_step = 0x400;
	dev.scan_bytes = 16;
	dev.client_forward = 1;
	TAILQ_INSERT_TAIL(&conf.devices, &dev, entry);
	nbuf[0] = nbuf[1] = 0;

	g = g3p_ops.new(&conf, &io, len > 0 && (p[0] & 4) ? PSIDE_CLIENT :
	    PSIDE_SERVER, &dev);
	if (g == NULL)
		return 0;
	if (len > 0 && (p[0] & 4))
		g3p_ops.client_connected(g);
	i = 1;
	while (i + 2 <= len) {
		op = p[i];
		n = p[i + 1];
		i += 2;
		if (n > len - i)
			n = len - i;
		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			input(g, 0, p + i, n);
			break;
		case 3:
			input(g, 1, p + i, n);
			break;
		case 4:
			g3p_ops.timer(g, 1 + n % 4);
			break;
		case 5:
			memset(&c, 0, sizeof(c));
			c.kind = 1 + n % 6;
			c.reg = (uint16_t)(n << 8);
			c.count = n;
			c.value = (int32_t)n * 4;
			memcpy(c.text, p + i, n < CMD_TEXT_MAX - 1 ? n :
			    CMD_TEXT_MAX - 1);
			g3p_ops.command(g, &c);
			break;
		case 6:
			if (n & 1)
				g3p_ops.cloud_down(g);
			else
				g3p_ops.cloud_up(g);
			break;
		case 7:
			/* response timeouts in a row: retries used up */
			for (k = 0; k < n % 3 + 1; k++)
				g3p_ops.timer(g, G3P_TIMER_MB_RSP);
			break;
		}
		i += n;
	}
	g3p_ops.closed(g);
	g3p_ops.free(g);
	return 0;
}
