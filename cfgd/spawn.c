/*
 * How tsun-cfgd starts its children (the two workers and the resolver
 * process): fork, the child's channel on descriptor 3, exec.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "cfgd/cfgd.h"

/*
 * fork and exec path with argv; the child gets its end of a new
 * socketpair as descriptor 3, *fd the parent's end (non-blocking).
 */
pid_t
cfgd_spawn(const char *path, char *const argv[], int *fd)
{
	int	 sp[2];
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return (-1);
	}
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		close(sp[0]);
		close(sp[1]);
		return (-1);
	case 0:
		/* the child's end goes to descriptor 3, not close-on-exec */
		if (sp[1] == 3) {
			if (fcntl(3, F_SETFD, 0) == -1)
				_exit(1);
		} else if (dup2(sp[1], 3) == -1)
			_exit(1);
		execv(path, argv);
		fprintf(stderr, "tsun-cfgd: exec %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	default:
		break;
	}
	close(sp[1]);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	*fd = sp[0];
	return (pid);
}
