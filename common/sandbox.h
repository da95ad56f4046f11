/*
 * The system-call sandbox of the workers, entered after the privilege
 * drop: seccomp-bpf on Linux (when built with SECCOMP=1), pledge on
 * OpenBSD.  A forbidden call kills the process with SIGSYS, which
 * tsun-cfgd logs.
 */
#ifndef TSUN_SANDBOX_H
#define TSUN_SANDBOX_H

struct ipc_msg;

#define SANDBOX_PROXYD	1
#define SANDBOX_MQTTD	2

void	sandbox_enter(int);
/* IMSG_SANDBOX_TEST: in test builds, try what the sandbox forbids */
void	sandbox_test(const struct ipc_msg *);

#endif
