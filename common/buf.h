/*
 * Byte buffers: a growable writer and a bounds-checked reader.  The reader
 * never reads past its end; any short read sets 'err' and yields zeros.
 */
#ifndef TSUN_BUF_H
#define TSUN_BUF_H

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
	int		 err;	/* allocation failed */
};

struct rbuf {
	const uint8_t	*p;
	size_t		 left;
	int		 err;	/* a read ran past the end */
};

void		 wbuf_init(struct wbuf *);
void		 wbuf_free(struct wbuf *);
void		 wbuf_add(struct wbuf *, const void *, size_t);
void		 wbuf_u8(struct wbuf *, uint8_t);
void		 wbuf_u32(struct wbuf *, uint32_t);
void		 wbuf_i32(struct wbuf *, int32_t);
void		 wbuf_str(struct wbuf *, const char *);	/* u16 len + bytes */

void		 rbuf_init(struct rbuf *, const void *, size_t);
void		 rbuf_get(struct rbuf *, void *, size_t);
uint8_t		 rbuf_u8(struct rbuf *);
uint32_t	 rbuf_u32(struct rbuf *);
int32_t		 rbuf_i32(struct rbuf *);
void		 rbuf_str(struct rbuf *, char *, size_t);	/* err if too long */

#endif
