#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/sandbox.h"

static int	sandbox_which;	/* SANDBOX_PROXYD or _MQTTD, once entered */

#if defined(__OpenBSD__)
void
sandbox_enter(int which)
{
	sandbox_which = which;
	/*
	 * Neither worker opens a file once it runs, nor resolves a name
	 * (tsun-cfgd's resolver process does): no path is visible, and
	 * the pledge holds sockets and passed descriptors only.
	 */
	if (unveil(NULL, NULL) == -1)
		fatal("unveil");
	if (pledge("stdio inet recvfd", NULL) == -1)
		fatal("pledge");
}
#elif defined(TSUN_SECCOMP)
#include <sys/socket.h>
#include <seccomp.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* what both workers need once they run: I/O, sockets, memory, time */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
	SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg), SCMP_SYS(poll),
	SCMP_SYS(ppoll), SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(bind),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(shutdown), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(mprotect), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(getrandom), SCMP_SYS(futex),
	SCMP_SYS(sched_yield), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(uname), SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(dup),
	SCMP_SYS(restart_syscall), SCMP_SYS(kill), SCMP_SYS(tgkill)
};

/* tsun-proxyd takes connections on the listeners tsun-cfgd passed it */
static const int allowed_proxyd[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4)
};

/*
 * tsun-mqttd runs libmosquitto, which makes a socketpair to wake its own
 * loop in mosquitto_new(), and may use epoll; it accepts nothing.
 */
static const int allowed_mqttd[] = {
	SCMP_SYS(socketpair), SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl),
	SCMP_SYS(epoll_wait)
};

static void
allow(scmp_filter_ctx ctx, const int *sys, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sys[i], 0) < 0)
			fatalx("seccomp rule %zu", i);
}

void
sandbox_enter(int which)
{
	scmp_filter_ctx	 ctx;

	sandbox_which = which;
	/* an unexpected system call ends the process: cfgd sees SIGSYS */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init");
	allow(ctx, allowed, NELEM(allowed));
	if (which == SANDBOX_PROXYD)
		allow(ctx, allowed_proxyd, NELEM(allowed_proxyd));
	else
		allow(ctx, allowed_mqttd, NELEM(allowed_mqttd));
	/* files: refused, not fatal (a library may probe a path) */
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(stat), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(access), 0);
	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load");
	seccomp_release(ctx);
}
#else
void
sandbox_enter(int which)
{
	/* sanitizer and valgrind builds: they need what a filter forbids */
	sandbox_which = which;
}
#endif

void
sandbox_test(const struct ipc_msg *m)
{
#ifdef TSUN_TEST_HOOKS
	int	 fd, sv[2];

	/* the sandbox must make both of these fail or kill us */
	fd = open("/etc/passwd", O_RDONLY);
	if (fd != -1) {
		log_warnx("sandbox test: open succeeded");
		close(fd);
	} else
		log_info("sandbox test: open failed: %s", strerror(errno));
	/* what only the other worker needs kills us here */
	log_flush();
	if (sandbox_which == SANDBOX_PROXYD) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
			log_warnx("sandbox test: socketpair allowed");
			close(sv[0]);
			close(sv[1]);
		}
	} else if (accept(-1, NULL, NULL) == -1 && errno == EBADF)
		log_warnx("sandbox test: accept allowed");
	/* exec must be impossible: the filter kills us here */
	log_flush();
	execl("/bin/sh", "sh", "-c", "true", (char *)NULL);
	log_warnx("sandbox test: exec failed: %s", strerror(errno));
#else
	fatalx("malformed IPC message SANDBOX_TEST: not a test build");
#endif
}
