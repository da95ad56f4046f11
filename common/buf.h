/*
 * Byte buffers: a growable writer and a bounds-checked reader.  The reader
 * never reads past its end; any short read sets 'err' and yields zeros.
 */
#ifndef TSUN_BUF_H
#define TSUN_BUF_H

#include <sys/types.h>

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
void		 wbuf_u32(struct wbuf *, uint32_t);
void		 wbuf_i32(struct wbuf *, int32_t);
void		 wbuf_str(struct wbuf *, const char *);	/* u16 len + bytes */

/*
 * The part of a stream not consumed yet (a frame cut by the network),
 * kept between reads.  rest_recv() puts it at the start of a scratch
 * buffer and reads after it: the caller parses scratch[0..*have).
 * rest_keep() then keeps what is left, exactly sized (often nothing).
 */
struct rest {
	uint8_t		*p;
	size_t		 len;
};

ssize_t		 rest_recv(struct rest *, int, uint8_t *, size_t, size_t *);
int		 rest_keep(struct rest *, const uint8_t *, size_t);
void		 rest_free(struct rest *);

void		 rbuf_init(struct rbuf *, const void *, size_t);
void		 rbuf_get(struct rbuf *, void *, size_t);
uint32_t	 rbuf_u32(struct rbuf *);
int32_t		 rbuf_i32(struct rbuf *);
void		 rbuf_str(struct rbuf *, char *, size_t);	/* err if too long */

#endif
