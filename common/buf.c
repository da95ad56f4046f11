#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

void
wbuf_init(struct wbuf *w)
{
	memset(w, 0, sizeof(*w));
}

void
wbuf_free(struct wbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

void
wbuf_add(struct wbuf *w, const void *d, size_t n)
{
	if (w->err)
		return;
	if (w->cap - w->len < n) {
		size_t	 ncap = w->cap ? w->cap : 256;
		uint8_t	*p;

		while (ncap - w->len < n)
			ncap *= 2;
		if ((p = realloc(w->p, ncap)) == NULL) {
			w->err = 1;
			return;
		}
		w->p = p;
		w->cap = ncap;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

void
wbuf_u32(struct wbuf *w, uint32_t v)
{
	wbuf_add(w, &v, sizeof(v));
}

void
wbuf_i32(struct wbuf *w, int32_t v)
{
	wbuf_add(w, &v, sizeof(v));
}

void
wbuf_str(struct wbuf *w, const char *s)
{
	size_t		 n = strlen(s);
	uint16_t	 l;

	if (n > 65535) {
		w->err = 1;
		return;
	}
	l = n;
	wbuf_add(w, &l, sizeof(l));
	wbuf_add(w, s, n);
}

void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->left = len;
	r->err = 0;
}

void
rbuf_get(struct rbuf *r, void *d, size_t n)
{
	if (r->err || r->left < n) {
		r->err = 1;
		memset(d, 0, n);
		return;
	}
	memcpy(d, r->p, n);
	r->p += n;
	r->left -= n;
}

uint32_t
rbuf_u32(struct rbuf *r)
{
	uint32_t v;

	rbuf_get(r, &v, sizeof(v));
	return v;
}

int32_t
rbuf_i32(struct rbuf *r)
{
	int32_t	 v;

	rbuf_get(r, &v, sizeof(v));
	return v;
}

void
rbuf_str(struct rbuf *r, char *s, size_t size)
{
	uint16_t	 l;

	rbuf_get(r, &l, sizeof(l));
	if (r->err || l >= size || l > r->left) {
		r->err = 1;
		if (size)
			s[0] = '\0';
		return;
	}
	memcpy(s, r->p, l);
	s[l] = '\0';
	if (memchr(s, '\0', l) != NULL)
		r->err = 1;
	r->p += l;
	r->left -= l;
}

/* recv(2)'s result; *have is the kept rest plus what arrived */
ssize_t
rest_recv(struct rest *r, int fd, uint8_t *scratch, size_t size,
    size_t *have)
{
	ssize_t	 n;

	if (r->len)
		memcpy(scratch, r->p, r->len);
	n = recv(fd, scratch + r->len, size - r->len, 0);
	*have = r->len + (n > 0 ? (size_t)n : 0);
	return n;
}

int
rest_keep(struct rest *r, const uint8_t *p, size_t n)
{
	rest_free(r);
	if (n == 0)
		return 0;
	if ((r->p = malloc(n)) == NULL)
		return -1;
	memcpy(r->p, p, n);
	r->len = n;
	return 0;
}

void
rest_free(struct rest *r)
{
	free(r->p);
	r->p = NULL;
	r->len = 0;
}
