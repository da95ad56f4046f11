#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/worker.h"

void
worker_check(int argc, char *argv[], const char *name, const char *role)
{
	struct stat	 st;

	if (argc != 3 || strcmp(argv[1], "-R") != 0 ||
	    strcmp(argv[2], role) != 0 || fstat(WORKER_FD, &st) == -1 ||
	    !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "%s: this program is started by tsun-cfgd, "
		    "not by hand\n", name);
		exit(1);
	}
}

int
worker_conf_msg(struct worker_conf *wc, const struct ipc_msg *m)
{
	switch (m->hdr.type) {
	case IMSG_CONF_BEGIN:
		ipc_expect_len(m, 0);
		if (wc->pending != NULL)
			conf_free(wc->pending);
		if ((wc->pending = conf_new()) == NULL)
			fatal("conf_new");
		/* the defaults carry no device: the transaction brings them */
		return 1;
	case IMSG_CONF_GLOBAL:
		if (wc->pending == NULL ||
		    conf_recv_global(wc->pending, m->data, m->len) == -1)
			fatalx("malformed IPC message CONF_GLOBAL");
		return 1;
	case IMSG_CONF_DEVICE:
		if (wc->pending == NULL ||
		    conf_recv_device(wc->pending, m->data, m->len) == -1)
			fatalx("malformed IPC message CONF_DEVICE");
		return 1;
	case IMSG_CONF_END:
		ipc_expect_len(m, 0);
		if (wc->pending == NULL)
			fatalx("malformed IPC message: CONF_END without BEGIN");
		wc->ready = wc->pending;
		wc->pending = NULL;
		return 2;
	default:
		return 0;
	}
}
