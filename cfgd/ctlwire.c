/*
 * The answer stream from tsun-cfgd to tsun-ctl: text lines, closed by a
 * line "exit N" that tsun-ctl turns into its exit status.  Text from a
 * worker is relayed line by line, made printable, and a line that starts
 * with "exit" or a backslash gets a backslash in front (tsun-ctl removes
 * it): no worker text can end the stream or set tsun-ctl's status, even
 * when the stream is cut short.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgd/control.h"

static void
line_out(struct ctl_lines *l, ctl_emit_fn emit, void *arg)
{
	char	 buf[CTL_WLINE + 2];
	size_t	 i, n = 0;

	if (l->len >= 4 && memcmp(l->line, "exit", 4) == 0)
		buf[n++] = '\\';
	else if (l->len >= 1 && l->line[0] == '\\')
		buf[n++] = '\\';
	for (i = 0; i < l->len; i++) {
		unsigned char	 ch = l->line[i];

		buf[n++] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : ch;
	}
	buf[n++] = '\n';
	l->len = 0;
	emit(arg, buf, n);
}

void
ctl_lines_add(struct ctl_lines *l, const uint8_t *p, size_t len,
    ctl_emit_fn emit, void *arg)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			line_out(l, emit, arg);
			continue;
		}
		/* a line too long is cut: each piece is a line of its own */
		if (l->len == sizeof(l->line))
			line_out(l, emit, arg);
		l->line[l->len++] = p[i];
	}
}

void
ctl_lines_end(struct ctl_lines *l, ctl_emit_fn emit, void *arg)
{
	if (l->len > 0)
		line_out(l, emit, arg);
}

/*
 * tsun-ctl: the answer in buf[0..len) (NUL-terminated by the caller) is
 * split in place into the text for the user (*text, unescaped) and the
 * status of the final "exit N" line.  -1 if that line is missing: the
 * stream was cut.
 */
int
ctl_answer(char *buf, size_t len, char **text, int *status)
{
	char		*last, *p, *q;
	const char	*errstr;
	int		 st, bol = 1;

	*text = buf;
	*status = -1;
	if (len == 0 || buf[len - 1] != '\n')
		goto unescape;
	buf[len - 1] = '\0';
	last = strrchr(buf, '\n');
	last = last == NULL ? buf : last + 1;
	if (strncmp(last, "exit ", 5) == 0) {
		st = strtonum(last + 5, 0, 255, &errstr);
		if (errstr == NULL) {
			*status = st;
			*last = '\0';
		}
	}
	if (*status == -1)
		buf[len - 1] = '\n';
unescape:
	/* a leading backslash on any line is the escape: drop it */
	for (p = q = buf; *p != '\0'; p++) {
		if (bol && *p == '\\') {
			bol = 0;
			continue;
		}
		bol = *p == '\n';
		*q++ = *p;
	}
	*q = '\0';
	return *status == -1 ? -1 : 0;
}
