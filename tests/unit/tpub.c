/*
 * tpub: publish capture for the unit tests; see tpub.h.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tpub.h"

struct pubmsg	*pubs;
size_t		 npubs;
static size_t	 cappubs;

void
pub_cb(const char *topic, const void *p, size_t len, int retain, void *arg)
{
	struct pubmsg	*m;

	if (npubs == cappubs) {
		cappubs = cappubs ? cappubs * 2 : 256;
		pubs = reallocarray(pubs, cappubs, sizeof(*pubs));
		ck_assert_ptr_nonnull(pubs);
	}
	m = &pubs[npubs++];
	m->topic = strdup(topic);
	m->payload = malloc(len + 1);
	ck_assert_ptr_nonnull(m->topic);
	ck_assert_ptr_nonnull(m->payload);
	memcpy(m->payload, p, len);
	m->payload[len] = '\0';
	m->len = len;
	m->retain = retain;
}

void
pubs_clear(void)
{
	size_t	i;

	for (i = 0; i < npubs; i++) {
		free(pubs[i].topic);
		free(pubs[i].payload);
	}
	npubs = 0;
}

void
pubs_free(void)
{
	pubs_clear();
	free(pubs);
	pubs = NULL;
	cappubs = 0;
}

struct pubmsg *
last_on(const char *topic)
{
	size_t	i;

	for (i = npubs; i > 0; i--)
		if (strcmp(pubs[i - 1].topic, topic) == 0)
			return &pubs[i - 1];
	return NULL;
}
