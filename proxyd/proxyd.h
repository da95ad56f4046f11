/*
 * tsun-proxyd: the network process.
 */
#ifndef TSUN_PROXYD_H
#define TSUN_PROXYD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct tsun_conf;
struct ipc_listener;
struct ipc_resolved;
struct cmd_msg;
struct cmd_resp;
struct wbuf;
struct conn;
struct cloud;

extern struct tsun_conf	*pconf;

/* proxyd.c */
typedef void (*resolve_cb)(void *arg, const struct ipc_resolved *);
void		 proxyd_resolve(const char *host, int port, resolve_cb, void *);
void		 proxyd_resolve_cancel(void *arg);
void		 proxyd_cmd_resp(const struct cmd_resp *);

/* conn.c */
void		 conn_listener_add(int fd, const struct ipc_listener *);
void		 conn_listeners_done(void);
void		 conn_reconf(struct tsun_conf *);
void		 conn_command(const struct cmd_msg *);
void		 conn_status(struct wbuf *, const char *);
void		 conn_shutdown(void);
int		 conn_is_own_listener(const struct sockaddr *, socklen_t);
/* cloud.c calls back into its connection */
void		 conn_cloud_up(struct conn *);
void		 conn_cloud_down(struct conn *);
ssize_t		 conn_cloud_input(struct conn *, const uint8_t *, size_t);
int		 conn_is_client(const struct conn *);
const char	*conn_name(const struct conn *);

/* cloud.c */
struct cloud	*cloud_new(struct conn *, const char *host, int port);
void		 cloud_free(struct cloud *);
void		 cloud_send(struct cloud *, const uint8_t *, size_t);
const char	*cloud_state(const struct cloud *);
uint64_t	 cloud_dropped(const struct cloud *);
extern uint64_t	 cloud_dropped_total;

#endif
