#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/sandbox.h"

#if defined(__OpenBSD__)
void
sandbox_enter(int which)
{
	const char	*p = which == SANDBOX_PROXYD ?
	    "stdio inet dns recvfd" : "stdio inet dns recvfd";

	if (pledge(p, NULL) == -1)
		fatal("pledge");
}
#else
void
sandbox_enter(int which)
{
	/* the seccomp filter is added by the hardening work (issue 6) */
}
#endif

void
sandbox_test(const struct ipc_msg *m)
{
#ifdef TSUN_TEST_HOOKS
	int	 fd;

	/* the sandbox must make both of these fail or kill us */
	fd = open("/etc/passwd", O_RDONLY);
	if (fd != -1) {
		log_warnx("sandbox test: open succeeded");
		close(fd);
	} else
		log_info("sandbox test: open failed: %s", strerror(errno));
#else
	fatalx("malformed IPC message SANDBOX_TEST: not a test build");
#endif
}
