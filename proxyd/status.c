/*
 * The status tables of tsun-ctl show and SIGUSR1: the devices with their
 * newest connection, the unidentified connections, the counters.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/registers.h"
#include "proxyd/conn_priv.h"
#include "proxyd/devstat.h"
#include "proxyd/proxyd.h"
#include "proxyd/valuedb.h"

static void
fmt_time(char *buf, size_t len, time_t t)
{
	struct tm	 tm;

	if (t == 0) {
		strlcpy(buf, "-", len);
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* one row of show inverters: the device, and its newest connection */
static void
status_device(struct wbuf *w, const char *serial,
    const struct conf_device *dc)
{
	struct conn	*c, *live = NULL;
	struct devstat	*ds = devstat_find(serial);
	char		 line[512], since[32], seen[32], last[32], nconn[16];
	const char	*proto, *state;
	time_t		 ld;
	int		 kind;

	TAILQ_FOREACH(c, &conns, entry)
		if (!c->closing && c->identified &&
		    strcmp(c->serial, serial) == 0)
			live = c;
	kind = dc != NULL ? (int)dc->kind : ds != NULL ? ds->kind : 0;
	if (live != NULL)
		proto = live->proto == DEV_GEN3 ? "gen3" : "gen3plus";
	else
		proto = kind == DEV_GEN3 ? "gen3" : "gen3plus";
	if (live != NULL)
		state = "connected";
	else if (ds == NULL || ds->nconn == 0)
		state = "never";
	else
		state = "offline";
	ld = ds != NULL ? ds->last_data : 0;
	if (live != NULL && live->last_data > ld)
		ld = live->last_data;
	fmt_time(since, sizeof(since), live != NULL ? live->since : 0);
	if (live != NULL)
		strlcpy(seen, "now", sizeof(seen));
	else
		fmt_time(seen, sizeof(seen), ds != NULL ? ds->last_seen : 0);
	fmt_time(last, sizeof(last), ld);
	snprintf(nconn, sizeof(nconn), "%lu",
	    (unsigned long)(ds != NULL ? ds->nconn : 0));
	snprintf(line, sizeof(line), "%-16s %-10s %-8s %-12s %-22s %-19s "
	    "%-19s %-19s %5s %-10s %llu\n", serial,
	    dc != NULL && dc->node_id[0] ? dc->node_id : "-", proto, state,
	    live != NULL ? live->peer : "-", since, seen, last, nconn,
	    live != NULL ? cloud_state(live->cloud) : "-",
	    (unsigned long long)((ds != NULL ? ds->dropped : 0) +
	    (live != NULL ? cloud_dropped(live->cloud) : 0)));
	wbuf_add(w, line, strlen(line));
}

void
conn_status(struct wbuf *w, const char *what)
{
	const struct conf_device *dc;
	struct devstat	*ds;
	struct conn	*c;
	char		 line[512], since[32], last[32];
	static const enum reg_id counters[] = {
		REG_INVERTER_CNT, REG_CLOUD_CONN_CNT, REG_UNKNOWN_SNR,
		REG_UNKNOWN_MSG, REG_INVALID_DATA_TYPE, REG_INTERNAL_ERROR,
		REG_UNKNOWN_CTRL, REG_OTA_START_MSG, REG_SW_EXCEPTION,
		REG_INVALID_MSG_FMT, REG_AT_COMMAND, REG_AT_COMMAND_BLOCKED,
		REG_MODBUS_COMMAND, REG_DCU_COMMAND, REG_SERVER_MODE_CNT,
		REG_CLIENT_MODE_CNT, REG_PROXY_MODE_CNT, REG_EMU_MODE_CNT
	};
	size_t		 i;
	int64_t		 v;

	/* SIGUSR1: the inverter table, then the counters, for the log */
	if (strcmp(what, "log") == 0) {
		wbuf_add(w, "log:\n", 5);
		conn_status(w, "inverters");
		conn_status(w, "counters");
		return;
	}
	if (strcmp(what, "counters") == 0) {
		for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
			const struct reg_def *r = reg_get(counters[i]);

			if (r == NULL)
				continue;
			v = 0;
			vdb_get_int(vdb_proxy(), counters[i], &v);
			snprintf(line, sizeof(line), "%-22s %lld\n", r->key,
			    (long long)v);
			wbuf_add(w, line, strlen(line));
		}
		snprintf(line, sizeof(line), "%-22s %llu\n%-22s %d\n",
		    "Cloud_Frames_Dropped",
		    (unsigned long long)cloud_dropped_total, "Connections",
		    nconns);
		wbuf_add(w, line, strlen(line));
		return;
	}
	snprintf(line, sizeof(line), "%-16s %-10s %-8s %-12s %-22s %-19s "
	    "%-19s %-19s %5s %-10s %s\n", "SERIAL", "NODE", "PROTO", "STATE",
	    "PEER", "SINCE", "LAST SEEN", "LAST DATA", "CONNS", "CLOUD",
	    "DROPPED");
	wbuf_add(w, line, strlen(line));
	/* every configured device, connected or not */
	TAILQ_FOREACH(dc, &pconf->devices, entry)
		status_device(w, dc->serial, dc);
	/* the others allow_all admitted (or admits still, after a reload) */
	for (ds = devstat_next(NULL); ds != NULL; ds = devstat_next(ds))
		if (conf_find_serial(pconf, ds->serial) == NULL &&
		    (pconf->allow_all || ds->online > 0))
			status_device(w, ds->serial, NULL);
	/* and connections that have not named a device yet */
	TAILQ_FOREACH(c, &conns, entry) {
		if (c->closing || c->identified)
			continue;
		fmt_time(since, sizeof(since), c->since);
		fmt_time(last, sizeof(last), c->last_data);
		snprintf(line, sizeof(line), "%-16s %-10s %-8s %-12s %-22s "
		    "%-19s %-19s %-19s %5s %-10s %llu\n", "-", "-",
		    c->proto == DEV_GEN3 ? "gen3" : "gen3plus", "unidentified",
		    c->peer, since, "now", last, "-", cloud_state(c->cloud),
		    (unsigned long long)cloud_dropped(c->cloud));
		wbuf_add(w, line, strlen(line));
	}
}
