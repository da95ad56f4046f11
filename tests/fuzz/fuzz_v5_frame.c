/*
 * libFuzzer target: the pure V5 frame parser on its own.  The input is
 * parsed as a stream, as link_input does: every frame it reports lies
 * within the input, and a valid one is recognised as such.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxyd/v5_frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct v5_frame	 f;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < len) {
		n = v5_parse(p + off, len - off, &f);
		if (n == V5_NEED || n == V5_BAD)
			break;
		if ((size_t)n > len - off || (size_t)n != f.flen ||
		    f.flen != (size_t)f.dlen + V5_HDR_LEN + V5_TRAILER_LEN ||
		    f.payload != p + off + V5_HDR_LEN)
			__builtin_trap();
		if ((f.status == V5_OK) != v5_frame_valid(p + off, f.flen))
			__builtin_trap();
		off += n;
	}
	return 0;
}
