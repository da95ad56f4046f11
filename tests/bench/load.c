/*
 * tsun-proxy benchmark load generator (standard C + POSIX only).
 *
 * Modes:
 *   load gen3     PORT NCONN WINDOW DURATION WARMUP FRAMEFILE [options]
 *   load gen3plus PORT NCONN WINDOW DURATION WARMUP FRAMEFILE [options]
 *       options: -m MQTTPORT   count PUBLISH packets on '#' (own client)
 *                -s SINKPORT   also be the "cloud": listen, count, ACK
 *                -r FPS        pace: at most FPS frames/s per connection
 *                -b BASE       first serial index (default 1)
 *                -a            at the end close at once, frames in flight
 *                              (default: wait up to 3 s for their ACKs)
 *       Simulated inverters (serial R17%013u / monitor SN 1000000+i) send
 *       alternating inverter-data frames (the grid voltage steps 230.0 ..
 *       239.9 V, so every frame changes a value, also after coalescing) keeping WINDOW frames outstanding; an ACK
 *       frees a slot.  Prints "key value" lines.
 *   load hold     PORT NCONN FRAMEFILE HOLDSEC
 *   load hold3plus PORT NCONN FRAMEFILE HOLDSEC	(the same, GEN3PLUS)
 *       Open NCONN connections, one data frame each, wait for the
 *       ACKs, print "READY acked N", keep them open HOLDSEC seconds.
 *   load relay    LPORT DPORT DURATION
 *       Bare relay: accept, connect to DPORT, copy both ways with poll.
 *   load waitport PORT T0_NS TIMEOUT
 *       Poll-connect until PORT answers; print ms since T0 (CLOCK_REALTIME).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING		4096
#define RBUF		(256 * 1024)

enum { K_INV, K_SINK, K_MQTT };

struct conn {
	int		 fd;
	int		 kind;
	int		 idx;
	uint8_t		*rbuf;
	size_t		 rlen;
	uint8_t		*wbuf;
	size_t		 wlen, wcap;
	uint64_t	 sent, acked;
	double		 next_send;
	double		 st[RING];	/* send time by seq */
	uint64_t	 sseq[RING];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *m)
{
	perror(m);
	exit(2);
}

static void
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl");
}

static void
nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static struct sockaddr_in
lo_addr(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static int
connect_to(int port)
{
	struct sockaddr_in sa = lo_addr(port);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	nodelay(fd);
	nonblock(fd);
	return fd;
}

static int
listen_on(int port)
{
	struct sockaddr_in sa = lo_addr(port);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die("bind");
	if (listen(fd, 4096) == -1)
		die("listen");
	nonblock(fd);
	return fd;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (f == NULL)
		die(path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if ((b = malloc(n)) == NULL || fread(b, 1, n, f) != (size_t)n)
		die("read");
	fclose(f);
	*len = n;
	return b;
}

static void
wappend(struct conn *c, const void *p, size_t n)
{
	if (c->wlen + n > c->wcap) {
		c->wcap = (c->wlen + n) * 2;
		if ((c->wbuf = realloc(c->wbuf, c->wcap)) == NULL)
			die("realloc");
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
}

/* write what can be written; -1 on a dead connection */
static int
wflush(struct conn *c)
{
	ssize_t n;

	while (c->wlen > 0) {
		n = write(c->fd, c->wbuf, c->wlen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - n);
		c->wlen -= n;
	}
	return 0;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t
get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* local wall time as if it were UTC, in ms (the Talent convention) */
static int64_t
local_ms(void)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	return ((int64_t)ts.tv_sec + tm.tm_gmtoff) * 1000 +
	    ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* frame templates */

static int	 proto3plus;
static uint8_t	*tmpl;
static size_t	 tmpl_len;
static size_t	 ts_off, volt_off;
static int64_t	 ts_base;

static void
serial_of(int idx, char out[17])
{
	snprintf(out, 17, "R17%013d", idx);
}

static void
setup_template(const char *path)
{
	size_t hl, id2;
	size_t i;

	tmpl = read_file(path, &tmpl_len);
	if (proto3plus) {
		if (tmpl_len < 0xd4 + 2 || tmpl[0] != 0xa5)
			die("gen3plus template");
		volt_off = 0xd2;
		return;
	}
	hl = 5 + tmpl[4] + 2;
	id2 = tmpl[hl + 4];
	ts_off = hl + 5 + id2 + 1;
	volt_off = 0;
	for (i = ts_off + 8; i + 9 <= tmpl_len; i++)
		if (memcmp(tmpl + i, "\x00\x00\x03\xe8\x46", 5) == 0) {
			volt_off = i + 5;
			break;
		}
	if (volt_off == 0)
		die("no grid voltage TLV in gen3 template");
	ts_base = local_ms();
}

/* build frame number seq of connection idx into buf (tmpl_len bytes) */
static void
build_frame(uint8_t *buf, int idx, uint64_t seq)
{
	char s[17];
	union { float f; uint32_t u; } v;
	size_t i, n;
	unsigned sum;
	uint32_t sn;

	memcpy(buf, tmpl, tmpl_len);
	if (proto3plus) {
		sn = 1000000 + idx;
		buf[5] = (uint8_t)seq;
		buf[7] = sn; buf[8] = sn >> 8; buf[9] = sn >> 16;
		buf[10] = sn >> 24;
		i = 2300 + seq % 100;	/* 230.0 .. 239.9 V, every frame new */
		buf[volt_off] = i >> 8;
		buf[volt_off + 1] = i;
		n = tmpl[1] | tmpl[2] << 8;
		for (sum = 0, i = 1; i < 11 + n; i++)
			sum += buf[i];
		buf[11 + n] = sum;
		return;
	}
	serial_of(idx, s);
	memcpy(buf + 5, s, 16);
	put_be64(buf + ts_off, (uint64_t)(ts_base + (int64_t)seq));
	v.f = 230.0f + (float)(seq % 100) / 10;	/* every frame new */
	put_be32(buf + volt_off, v.u);
}

/* ------------------------------------------------------------------ */
/* statistics */

struct samples {
	double	*v;
	size_t	 n, cap;
};

static void
sample(struct samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		if ((s->v = realloc(s->v, s->cap * sizeof(double))) == NULL)
			die("realloc");
	}
	s->v[s->n++] = x;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, struct samples *s)
{
	if (s->n == 0) {
		printf("%s_n 0\n", name);
		return;
	}
	qsort(s->v, s->n, sizeof(double), dcmp);
	printf("%s_n %zu\n", name, s->n);
	printf("%s_p50_ms %.3f\n", name, s->v[s->n / 2] * 1e3);
	printf("%s_p99_ms %.3f\n", name, s->v[(size_t)(s->n * 0.99)] * 1e3);
	printf("%s_max_ms %.3f\n", name, s->v[s->n - 1] * 1e3);
}

/* ------------------------------------------------------------------ */
/* load */

static struct conn	**conns;
static int		  nconns, ninv;
static uint64_t		  mqtt_pub, sink_frames, sink_bytes, sink_other;
static uint64_t		  bad_ack, lost_seq;
static struct samples	  lat_ack, lat_cloud;
static int		  measuring;

static struct conn *
new_conn(int fd, int kind, int idx)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->rbuf = malloc(RBUF)) == NULL)
		die("calloc");
	c->fd = fd;
	c->kind = kind;
	c->idx = idx;
	conns = realloc(conns, (nconns + 1) * sizeof(*conns));
	conns[nconns++] = c;
	return c;
}

static void
send_frames(struct conn *c, int window, double rate, double t)
{
	uint8_t buf[8192];

	while (c->sent - c->acked < (uint64_t)window) {
		if (rate > 0 && t < c->next_send)
			break;
		build_frame(buf, c->idx, c->sent);
		c->st[c->sent % RING] = now_s();
		c->sseq[c->sent % RING] = c->sent;
		wappend(c, buf, tmpl_len);
		c->sent++;
		if (rate > 0)
			c->next_send = (c->next_send < t - 1 ? t : c->next_send)
			    + 1.0 / rate;
	}
}

/* a complete frame length at b (0 = need more) */
static size_t
frame_len(const uint8_t *b, size_t n)
{
	size_t l;

	if (proto3plus) {
		if (n < 3)
			return 0;
		l = (b[1] | b[2] << 8) + 13;
	} else {
		if (n < 4)
			return 0;
		l = get_be32(b) + 4;
	}
	return n >= l ? l : 0;
}

/* the proxy's answer to a data frame */
static int
is_ack(const uint8_t *f, size_t l)
{
	if (proto3plus)
		return l == 23 && f[3] == 0x10 && f[4] == 0x12;
	return l >= 23 && f[4] == 16 && f[21] == 0x99 && f[22] == 0x04;
}

static void
on_inv_frame(struct conn *c, const uint8_t *f, size_t l)
{
	double t = now_s();

	if (!is_ack(f, l)) {
		bad_ack++;
		return;
	}
	if (c->acked < c->sent) {
		if (measuring)
			sample(&lat_ack, t - c->st[c->acked % RING]);
		c->acked++;
	}
}

static void
on_sink_frame(struct conn *c, const uint8_t *f, size_t l)
{
	uint8_t ack[24];
	struct conn *ic;
	uint64_t seq;
	int idx;

	sink_bytes += l;
	if (proto3plus) {
		if (l > 11 && f[3] == 0x10 && f[4] == 0x42)
			sink_frames++;
		else
			sink_other++;
		return;
	}
	if (l < 23 || f[4] != 16 || f[21] != 0x91 || f[22] != 0x04) {
		sink_other++;
		return;
	}
	sink_frames++;
	/* ack like the cloud would: the proxy swallows it, a relay not */
	put_be32(ack, 20);
	memcpy(ack + 4, f + 4, 17);
	ack[21] = 0x99; ack[22] = 0x04; ack[23] = 0x01;
	wappend(c, ack, sizeof(ack));
	idx = atoi((const char *)f + 8);	/* digits after "R17" */
	if (l < ts_off + 8)
		return;
	seq = get_be64(f + ts_off) - (uint64_t)ts_base;
	if (idx < 1 || idx > ninv + 1000000)
		return;
	for (int i = 0; i < nconns; i++) {
		ic = conns[i];
		if (ic->kind != K_INV || ic->idx != idx)
			continue;
		if (ic->sseq[seq % RING] == seq && measuring)
			sample(&lat_cloud, now_s() - ic->st[seq % RING]);
		else if (ic->sseq[seq % RING] != seq)
			lost_seq++;
		break;
	}
}

static void
mqtt_parse(struct conn *c)
{
	size_t i, rl, mult, hl;

	for (;;) {
		if (c->rlen < 2)
			return;
		rl = 0; mult = 1;
		for (i = 1; i < 5; i++) {
			if (i >= c->rlen)
				return;
			rl += (c->rbuf[i] & 127) * mult;
			mult *= 128;
			if (!(c->rbuf[i] & 128))
				break;
		}
		hl = i + 1;
		if (rl + hl > RBUF)
			die("mqtt packet too big");
		if (c->rlen < hl + rl)
			return;
		if ((c->rbuf[0] >> 4) == 3)
			mqtt_pub++;
		memmove(c->rbuf, c->rbuf + hl + rl, c->rlen - hl - rl);
		c->rlen -= hl + rl;
	}
}

static int
mqtt_connect(int port)
{
	static const uint8_t con[] = {
		0x10, 21, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0,
		0, 9, 'b', 'e', 'n', 'c', 'h', '-', 's', 'u', 'b' };
	static const uint8_t sub[] = {
		0x82, 6, 0, 1, 0, 1, '#', 0 };
	int fd = connect_to(port);
	struct conn *c;

	if (fd == -1)
		die("mqtt connect");
	c = new_conn(fd, K_MQTT, 0);
	wappend(c, con, sizeof(con));
	wappend(c, sub, sizeof(sub));
	return 0;
}

static int
do_read(struct conn *c)
{
	ssize_t n;
	size_t l;

	for (;;) {
		n = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
		if (n == 0)
			return -1;
		if (n == -1)
			return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
		c->rlen += n;
		if (c->kind == K_MQTT) {
			mqtt_parse(c);
			continue;
		}
		while ((l = frame_len(c->rbuf, c->rlen)) > 0) {
			if (c->kind == K_INV)
				on_inv_frame(c, c->rbuf, l);
			else
				on_sink_frame(c, c->rbuf, l);
			memmove(c->rbuf, c->rbuf + l, c->rlen - l);
			c->rlen -= l;
		}
		if (c->rlen == RBUF)
			die("frame too big");
	}
}

static int
run_load(int argc, char **argv)
{
	int port, window, mport = 0, sport = 0, base = 1, lfd = -1, opt;
	double dur, warm, rate = 0, t0, t, tw = 0, te;
	uint64_t a0 = 0, a1 = 0, m0 = 0, s0 = 0, sb0 = 0, sent0 = 0, sent1 = 0;
	struct pollfd *pf = NULL;
	int i, n, closed = 0, abrupt = 0, draining = 0, started = 0;

	if (argc < 7)
		return 1;
	port = atoi(argv[1]);
	ninv = atoi(argv[2]);
	window = atoi(argv[3]);
	dur = atof(argv[4]);
	warm = atof(argv[5]);
	setup_template(argv[6]);
	optind = 7;
	while ((opt = getopt(argc, argv, "am:s:r:b:")) != -1)
		switch (opt) {
		case 'a': abrupt = 1; break;
		case 'm': mport = atoi(optarg); break;
		case 's': sport = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'b': base = atoi(optarg); break;
		default: return 1;
		}
	if (sport)
		lfd = listen_on(sport);
	if (mport)
		mqtt_connect(mport);
	for (i = 0; i < ninv; i++) {
		int fd = connect_to(port);

		if (fd == -1)
			die("connect to proxy");
		new_conn(fd, K_INV, base + i);
	}
	t0 = now_s();
	te = t0 + warm + dur;
	for (;;) {
		t = now_s();
		if (!started && t >= t0 + warm) {
			started = 1;
			measuring = 1;
			tw = t;
			for (a0 = sent0 = 0, i = 0; i < nconns; i++) {
				a0 += conns[i]->acked;
				sent0 += conns[i]->sent;
			}
			m0 = mqtt_pub; s0 = sink_frames; sb0 = sink_bytes;
		}
		if (t >= te && !draining) {
			/* the figures end here; then let the ACKs in flight
			 * arrive (up to 3 s) so no connection is reset with
			 * data pending, unless -a asks for exactly that */
			for (a1 = sent1 = 0, i = 0; i < nconns; i++) {
				a1 += conns[i]->acked;
				sent1 += conns[i]->sent;
			}
			tw = t - tw;
			measuring = 0;
			draining = 1;
			if (abrupt)
				break;
		}
		if (draining) {
			uint64_t out = 0;

			for (i = 0; i < nconns; i++)
				if (conns[i]->kind == K_INV && conns[i]->fd >= 0)
					out += conns[i]->sent - conns[i]->acked;
			if (out == 0 || t >= te + 3)
				break;
		}
		for (i = 0; i < nconns; i++) {
			if (conns[i]->kind == K_INV && conns[i]->fd >= 0 &&
			    !draining)
				send_frames(conns[i], window, rate, t);
			if (conns[i]->fd >= 0 && wflush(conns[i]) == -1) {
				close(conns[i]->fd);
				conns[i]->fd = -1;
				closed++;
			}
		}
		pf = realloc(pf, (nconns + 1) * sizeof(*pf));
		for (i = 0; i < nconns; i++) {
			pf[i].fd = conns[i]->fd;
			pf[i].events = POLLIN | (conns[i]->wlen ? POLLOUT : 0);
			pf[i].revents = 0;
		}
		pf[nconns].fd = lfd;
		pf[nconns].events = POLLIN;
		pf[nconns].revents = 0;
		n = nconns;
		if (poll(pf, n + 1, rate > 0 ? 1 : 100) == -1 && errno != EINTR)
			die("poll");
		for (i = 0; i < n; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			if (do_read(conns[i]) == -1) {
				close(conns[i]->fd);
				conns[i]->fd = -1;
				closed++;
			}
		}
		if (lfd >= 0 && (pf[n].revents & POLLIN)) {
			int fd;

			while ((fd = accept(lfd, NULL, NULL)) >= 0) {
				nodelay(fd);
				nonblock(fd);
				new_conn(fd, K_SINK, 0);
			}
		}
	}
	t = tw;
	printf("secs %.3f\n", t);
	printf("connections %d\n", ninv);
	printf("window %d\n", window);
	printf("frames_sent %llu\n", (unsigned long long)(sent1 - sent0));
	printf("frames_acked %llu\n", (unsigned long long)(a1 - a0));
	printf("frames_per_s %.1f\n", (a1 - a0) / t);
	printf("unacked_at_end %llu\n", (unsigned long long)(sent1 - a1));
	for (n = 0, i = 0; i < nconns; i++)
		if (conns[i]->kind == K_INV)
			n += conns[i]->sent - conns[i]->acked;
	printf("never_acked %d\n", n);
	printf("unexpected_frames %llu\n", (unsigned long long)bad_ack);
	printf("closed_conns %d\n", closed);
	if (mport)
		printf("mqtt_msgs_per_s %.1f\nmqtt_msgs %llu\n",
		    (mqtt_pub - m0) / t, (unsigned long long)(mqtt_pub - m0));
	if (sport) {
		printf("sink_frames_per_s %.1f\n", (sink_frames - s0) / t);
		printf("sink_bytes_per_s %.1f\n", (sink_bytes - sb0) / t);
		printf("sink_other_frames %llu\n",
		    (unsigned long long)sink_other);
		printf("sink_unmatched %llu\n", (unsigned long long)lost_seq);
		report("cloud_lat", &lat_cloud);
	}
	report("ack_lat", &lat_ack);
	return 0;
}

/* ------------------------------------------------------------------ */
/* hold: many idle-ish connections for the memory figures */

static int
run_hold(int argc, char **argv)
{
	int port, n, i, done = 0, pending, fd;
	double hold, t0, tend;
	struct pollfd *pf;
	struct conn **cs;
	uint8_t buf[8192];
	ssize_t r;
	size_t l;

	if (argc < 5)
		return 1;
	port = atoi(argv[1]);
	n = atoi(argv[2]);
	setup_template(argv[3]);
	hold = atof(argv[4]);
	cs = calloc(n, sizeof(*cs));
	pf = calloc(n, sizeof(*pf));
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if ((fd = connect_to(port)) == -1) {
			fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
			n = i;
			break;
		}
		cs[i] = calloc(1, sizeof(**cs));
		cs[i]->fd = fd;
		cs[i]->idx = i + 1;
		cs[i]->rbuf = malloc(4096);
		build_frame(buf, i + 1, 0);
		if (write(fd, buf, tmpl_len) != (ssize_t)tmpl_len)
			die("write");
		cs[i]->sent = 1;
	}
	printf("connected %d %.2fs\n", n, now_s() - t0);
	fflush(stdout);
	tend = now_s() + 120;
	while (done < n && now_s() < tend) {
		for (i = 0; i < n; i++) {
			pf[i].fd = cs[i]->acked ? -1 : cs[i]->fd;
			pf[i].events = POLLIN;
		}
		if (poll(pf, n, 200) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			r = read(cs[i]->fd, cs[i]->rbuf + cs[i]->rlen,
			    4096 - cs[i]->rlen);
			if (r <= 0) {
				if (r == 0 || errno != EAGAIN) {
					cs[i]->acked = 1;
					cs[i]->fd = -1;
					done++;
				}
				continue;
			}
			cs[i]->rlen += r;
			while ((l = frame_len(cs[i]->rbuf, cs[i]->rlen)) > 0) {
				if (is_ack(cs[i]->rbuf, l) && !cs[i]->acked) {
					cs[i]->acked = 1;
					done++;
				}
				memmove(cs[i]->rbuf, cs[i]->rbuf + l,
				    cs[i]->rlen - l);
				cs[i]->rlen -= l;
			}
		}
	}
	for (pending = 0, i = 0; i < n; i++)
		if (cs[i]->fd == -1)
			pending++;
	printf("READY acked %d closed %d of %d in %.2fs\n", done - pending,
	    pending, n, now_s() - t0);
	fflush(stdout);
	tend = now_s() + hold;
	while (now_s() < tend) {
		/* drain whatever comes; keep the sockets open */
		for (i = 0; i < n; i++) {
			pf[i].fd = cs[i]->fd;
			pf[i].events = POLLIN;
		}
		if (poll(pf, n, 200) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pf[i].revents && read(cs[i]->fd, buf,
			    sizeof(buf)) == 0) {
				close(cs[i]->fd);
				cs[i]->fd = -1;
			}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* bare relay */

struct pair {
	int	 fd[2];
	uint8_t	 buf[2][65536];
	size_t	 len[2];	/* buf[i] = data read from fd[i], for fd[!i] */
};

static int
run_relay(int argc, char **argv)
{
	int lfd, dport, i, n, np = 0, fd, d;
	struct pair **ps = NULL;
	struct pollfd *pf = NULL;
	double tend;
	ssize_t r;

	if (argc < 4)
		return 1;
	lfd = listen_on(atoi(argv[1]));
	dport = atoi(argv[2]);
	tend = now_s() + atof(argv[3]);
	printf("relay ready\n");
	fflush(stdout);
	while (now_s() < tend) {
		pf = realloc(pf, (2 * np + 1) * sizeof(*pf));
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		for (i = 0; i < np; i++)
			for (d = 0; d < 2; d++) {
				struct pollfd *p = &pf[1 + 2 * i + d];

				p->fd = ps[i]->fd[d];
				p->events = 0;
				if (ps[i]->len[d] < sizeof(ps[i]->buf[d]))
					p->events |= POLLIN;
				if (ps[i]->len[!d])
					p->events |= POLLOUT;
			}
		if ((n = poll(pf, 2 * np + 1, 200)) <= 0)
			continue;
		if (pf[0].revents & POLLIN)
			while ((fd = accept(lfd, NULL, NULL)) >= 0) {
				int cfd = connect_to(dport);

				nodelay(fd);
				nonblock(fd);
				if (cfd == -1) {
					close(fd);
					continue;
				}
				ps = realloc(ps, (np + 1) * sizeof(*ps));
				ps[np] = calloc(1, sizeof(struct pair));
				ps[np]->fd[0] = fd;
				ps[np]->fd[1] = cfd;
				np++;
			}
		for (i = 0; i < np; i++)
			for (d = 0; d < 2; d++) {
				struct pair *p = ps[i];
				short re = pf[1 + 2 * i + d].revents;

				if (p->fd[d] < 0 || i * 2 + 1 >= 2 * np + 1)
					continue;
				if (re & (POLLIN | POLLHUP | POLLERR)) {
					r = read(p->fd[d], p->buf[d] + p->len[d],
					    sizeof(p->buf[d]) - p->len[d]);
					if (r > 0)
						p->len[d] += r;
					else if (r == 0 || errno != EAGAIN) {
						close(p->fd[0]);
						close(p->fd[1]);
						p->fd[0] = p->fd[1] = -1;
						continue;
					}
				}
				/* forward what we have right away */
				if (p->len[d] && p->fd[!d] >= 0) {
					r = write(p->fd[!d], p->buf[d],
					    p->len[d]);
					if (r > 0) {
						memmove(p->buf[d], p->buf[d] + r,
						    p->len[d] - r);
						p->len[d] -= r;
					}
				}
			}
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static int
run_waitport(int argc, char **argv)
{
	struct timespec ts, sl = { 0, 1000000 };
	long long t0;
	double tmo, tend;
	int fd;

	if (argc < 4)
		return 1;
	t0 = atoll(argv[2]);
	tmo = atof(argv[3]);
	tend = now_s() + tmo;
	while (now_s() < tend) {
		if ((fd = connect_to(atoi(argv[1]))) >= 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			close(fd);
			printf("%.1f\n", ((long long)ts.tv_sec * 1000000000LL +
			    ts.tv_nsec - t0) / 1e6);
			return 0;
		}
		nanosleep(&sl, NULL);
	}
	printf("timeout\n");
	return 3;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "gen3") == 0)
		return run_load(argc - 1, argv + 1);
	if (strcmp(argv[1], "gen3plus") == 0) {
		proto3plus = 1;
		return run_load(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "hold") == 0)
		return run_hold(argc - 1, argv + 1);
	if (strcmp(argv[1], "hold3plus") == 0) {
		proto3plus = 1;
		return run_hold(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "relay") == 0)
		return run_relay(argc - 1, argv + 1);
	if (strcmp(argv[1], "waitport") == 0)
		return run_waitport(argc - 1, argv + 1);
usage:
	fprintf(stderr, "usage: see the comment at the top of load.c\n");
	return 1;
}
