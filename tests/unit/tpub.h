/*
 * tpub: the messages tsun-mqttd's publishing code hands to libmosquitto,
 * captured for the unit tests (mq_init(conf, pub_cb, ...)).
 */
#ifndef TSUN_TPUB_H
#define TSUN_TPUB_H

#include <stddef.h>

struct pubmsg {
	char	*topic;
	char	*payload;	/* NUL-terminated copy */
	size_t	 len;
	int	 retain;
};

extern struct pubmsg	*pubs;		/* in the order published */
extern size_t		 npubs;

void		 pub_cb(const char *topic, const void *, size_t, int retain,
		    void *);
void		 pubs_clear(void);
void		 pubs_free(void);	/* and the array */
/* the last message on a topic, NULL if none */
struct pubmsg	*last_on(const char *topic);

#endif
