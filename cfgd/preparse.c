/*
 * The pre-pass in front of libconfuse, for tsun-proxy.conf.
 *
 * Why it exists: libconfuse 3.3 miscounts lines after comments and
 * rejects comments inside lists, so comments are removed here (newlines
 * kept, so line numbers hold), and include("file") is expanded here, with
 * a map from buffer lines back to file:line for every message.  It also
 * notes the line of each top-level key, checks that an included file is
 * safe to read (owned by root when tsun-cfgd runs as root), and finds an
 * unclosed '{', which libconfuse would take as closed at end of file.
 * cfgd/config.c hands the result to libconfuse.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgd/preparse.h"

#define MAX_INCLUDE	10

/* map a buffer line back to the file and its line; 0: none known */
void
pp_where(struct pctx *x, int bline, const char **file, int *fline)
{
	int	 i;

	*file = x->nfiles > 0 ? x->files[0] : "?";
	*fline = 0;
	if (bline <= 0)
		return;
	for (i = x->nseg - 1; i >= 0; i--)
		if (x->seg[i].bline <= bline) {
			*file = x->files[x->seg[i].file];
			*fline = x->seg[i].fline + (bline - x->seg[i].bline);
			return;
		}
}

void
pp_vreport(struct pctx *x, int bline, const char *kind, const char *fmt,
    va_list ap)
{
	const char	*file;
	int		 fline;

	pp_where(x, bline, &file, &fline);
	if (fline > 0)
		fprintf(x->errs, "%s:%d: %s", file, fline, kind);
	else
		fprintf(x->errs, "%s: %s", file, kind);
	vfprintf(x->errs, fmt, ap);
	fputc('\n', x->errs);
}

void
perr(struct pctx *x, int bline, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pp_vreport(x, bline, "", fmt, ap);
	va_end(ap);
	x->nerr++;
}

void
pwarn(struct pctx *x, int bline, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pp_vreport(x, bline, "warning: ", fmt, ap);
	va_end(ap);
}

void
pp_emit(struct pctx *x, char ch)
{
	char	*nb;
	size_t	 ncap;

	if (x->len + 1 >= x->cap) {
		ncap = x->cap ? x->cap * 2 : 4096;
		if ((nb = realloc(x->buf, ncap)) == NULL) {
			x->oom = 1;
			return;
		}
		x->buf = nb;
		x->cap = ncap;
	}
	x->buf[x->len++] = ch;
	x->buf[x->len] = '\0';
	if (ch == '\n')
		x->bline++;
}

static int
add_segment(struct pctx *x, int file, int fline)
{
	struct segment	*ns;

	if ((ns = reallocarray(x->seg, x->nseg + 1, sizeof(*ns))) == NULL) {
		x->oom = 1;
		return -1;
	}
	x->seg = ns;
	x->seg[x->nseg].bline = x->bline;
	x->seg[x->nseg].file = file;
	x->seg[x->nseg].fline = fline;
	x->nseg++;
	return 0;
}

static int
add_file(struct pctx *x, const char *name)
{
	char	**nf;

	if ((nf = reallocarray(x->files, x->nfiles + 1, sizeof(*nf))) == NULL)
		return -1;
	x->files = nf;
	if ((x->files[x->nfiles] = strdup(name)) == NULL)
		return -1;
	return x->nfiles++;
}

static void
add_key(struct pctx *x, const char *p, size_t n)
{
	struct keyline	*nk;

	if (n >= sizeof(nk->name))
		return;
	if ((nk = reallocarray(x->keys, x->nkeys + 1, sizeof(*nk))) == NULL) {
		x->oom = 1;
		return;
	}
	x->keys = nk;
	memcpy(nk[x->nkeys].name, p, n);
	nk[x->nkeys].name[n] = '\0';
	nk[x->nkeys].bline = x->bline;
	x->nkeys++;
}

/* buffer line of a top-level key as last given in the file; 0: not given */
int
pp_key_line(struct pctx *x, const char *name)
{
	int	 i;

	for (i = x->nkeys - 1; i >= 0; i--)
		if (strcmp(x->keys[i].name, name) == 0)
			return x->keys[i].bline;
	return 0;
}

/* the characters that end an unquoted word in libconfuse's lexer */
static int
is_word(int ch)
{
	return ch != '\0' && strchr(" \t\r\n#\"'={}()+,", ch) == NULL;
}

static char *
read_file(const char *path, size_t *lenp, struct stat *st)
{
	FILE	*fp;
	char	*b = NULL, *nb;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fstat(fileno(fp), st) == -1) {
		fclose(fp);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap > 16 * 1024 * 1024 ||
			    (nb = realloc(b, cap + 8192)) == NULL) {
				free(b);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			b = nb;
			cap += 8192;
		}
		n = fread(b + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		free(b);
		fclose(fp);
		errno = EIO;
		return NULL;
	}
	fclose(fp);
	b[len] = '\0';
	*lenp = len;
	return b;
}

/* s[i] is a backslash in a "string": does the escape make a NUL? */
static int
escape_is_nul(const char *s, size_t n, size_t i)
{
	size_t	 j;
	int	 v = 0, nd = 0;

	if (s[i + 1] >= '0' && s[i + 1] <= '7') {
		for (j = i + 1; j < n && nd < 3 && s[j] >= '0' && s[j] <= '7';
		    j++, nd++)
			v = v * 8 + s[j] - '0';
		return v == 0;
	}
	if (s[i + 1] == 'x') {
		for (j = i + 2; j < n && nd < 2 &&
		    isxdigit((unsigned char)s[j]); j++, nd++)
			v = v * 16 + (isdigit((unsigned char)s[j]) ?
			    s[j] - '0' : tolower((unsigned char)s[j]) - 'a' + 10);
		return nd > 0 && v == 0;
	}
	return 0;
}

/*
 * include("file") at s[i]: expand it and return the index after ')', or
 * return i when this is not an include call (libconfuse then complains).
 */
static size_t
pp_include(struct pctx *x, const char *s, size_t n, size_t i, int self,
    int *fline, int level)
{
	char		 name[PATH_MAX], full[PATH_MAX];
	const char	*slash, *me;
	size_t		 j = i + 7, k = 0;
	int		 inc_bline = x->bline;

	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j >= n || s[j++] != '(')
		return i;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j >= n || s[j++] != '"')
		return i;
	while (j < n && s[j] != '"' && s[j] != '\n') {
		if (k + 1 >= sizeof(name))
			return i;
		name[k++] = s[j++];
	}
	name[k] = '\0';
	if (j >= n || s[j++] != '"')
		return i;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j >= n || s[j++] != ')')
		return i;

	/* relative names are relative to the including file, not the cwd */
	me = x->files[self];
	if (name[0] != '/' && (slash = strrchr(me, '/')) != NULL) {
		if (snprintf(full, sizeof(full), "%.*s/%s",
		    (int)(slash - me), me, name) >= (int)sizeof(full)) {
			perr(x, inc_bline, "include \"%s\": name too long",
			    name);
			return j;
		}
	} else
		strlcpy(full, name, sizeof(full));

	if (level + 1 >= MAX_INCLUDE) {
		perr(x, inc_bline, "include \"%s\": nested too deeply", name);
		return j;
	}
	/* the included text gets lines of its own, then ours resume */
	pp_emit(x, '\n');
	if (pp_file(x, full, inc_bline, level + 1) == -1)
		return j;
	if (x->len > 0 && x->buf[x->len - 1] != '\n')
		pp_emit(x, '\n');
	add_segment(x, self, *fline);
	return j;
}

/*
 * A file others can change is refused, as sshd does: whoever writes it
 * chooses what the root process runs with.
 */
static int
file_unsafe(struct pctx *x, const char *path, const struct stat *st,
    int from_bline)
{
	char	 why[64];

	if (st->st_mode & S_IWOTH)
		snprintf(why, sizeof(why), "is writable by others (mode %04o)",
		    (unsigned int)(st->st_mode & 07777));
	else if (x->as_root && st->st_uid != 0)
		snprintf(why, sizeof(why), "is owned by uid %lu, not root",
		    (unsigned long)st->st_uid);
	else
		return 0;
	if (from_bline > 0)
		perr(x, from_bline, "include \"%s\" %s: refusing to use it",
		    path, why);
	else {
		fprintf(x->errs, "%s: %s: refusing to use it\n", path, why);
		x->nerr++;
	}
	return 1;
}

/* ${VAR} in a "string" at s[i]: libconfuse makes an unset one empty */
static void
pp_env(struct pctx *x, const char *s, size_t n, size_t i)
{
	char	 name[128];
	size_t	 j, k = 0;

	for (j = i + 2; j < n && s[j] != '}'; j++)
		if (k + 1 < sizeof(name))
			name[k++] = s[j];
	if (j >= n)
		return;
	name[k] = '\0';
	/* ${VAR:-default} has a value either way */
	if (strstr(name, ":-") != NULL)
		return;
	if (getenv(name) == NULL)
		perr(x, x->bline, "${%s}: environment variable %s is not set",
		    name, name);
}

int
pp_file(struct pctx *x, const char *path, int from_bline, int level)
{
	struct stat	 st;
	char		*s;
	size_t		 n, i, j, kend;
	int		 self, fline = 1, inword = 0, start;
	char		 q;

	if ((s = read_file(path, &n, &st)) == NULL) {
		if (from_bline > 0)
			perr(x, from_bline, "include \"%s\": %s", path,
			    strerror(errno));
		else {
			fprintf(x->errs, "%s: %s\n", path, strerror(errno));
			x->nerr++;
		}
		return -1;
	}
	if (file_unsafe(x, path, &st, from_bline)) {
		freezero(s, n);
		return -1;
	}
	if ((self = add_file(x, path)) == -1 ||
	    add_segment(x, self, 1) == -1) {
		free(s);
		x->oom = 1;
		return -1;
	}

	for (i = 0; i < n && !x->oom;) {
		char ch = s[i];

		if (ch == '\n') {
			pp_emit(x, ch);
			fline++;
			inword = 0;
			i++;
		} else if (ch == '"' || ch == '\'') {
			start = x->bline;
			q = ch;
			pp_emit(x, s[i++]);
			while (i < n && s[i] != q) {
				if (s[i] == '\\' && i + 1 < n) {
					/* a NUL would silently cut the string */
					if (q == '"' && escape_is_nul(s, n, i))
						perr(x, x->bline,
						    "NUL character in string");
					pp_emit(x, s[i++]);
				} else if (q == '"' && s[i] == '$' &&
				    i + 1 < n && s[i + 1] == '{')
					pp_env(x, s, n, i);
				if (s[i] == '\n')
					fline++;
				pp_emit(x, s[i++]);
			}
			if (i >= n) {
				perr(x, start, "unterminated string");
				break;
			}
			pp_emit(x, s[i++]);
			inword = 0;
		} else if (ch == '#' || (!inword && ch == '/' && i + 1 < n &&
		    s[i + 1] == '/')) {
			while (i < n && s[i] != '\n')
				i++;
		} else if (!inword && ch == '/' && i + 1 < n &&
		    s[i + 1] == '*') {
			start = x->bline;
			for (i += 2; i < n; i++) {
				if (s[i] == '*' && i + 1 < n &&
				    s[i + 1] == '/')
					break;
				if (s[i] == '\n') {
					pp_emit(x, '\n');
					fline++;
				}
			}
			if (i >= n) {
				perr(x, start, "unterminated comment");
				break;
			}
			i += 2;
			pp_emit(x, ' ');
		} else if (!inword && n - i >= 7 &&
		    strncmp(s + i, "include", 7) == 0 &&
		    (i + 7 == n || !is_word(s[i + 7])) &&
		    (j = pp_include(x, s, n, i, self, &fline, level)) != i) {
			i = j;
		} else if (is_word(ch)) {
			if (!inword && x->depth == 0) {
				/* remember where top-level keys are set */
				for (j = i; j < n && is_word(s[j]); j++)
					;
				kend = j;
				while (j < n && (s[j] == ' ' || s[j] == '\t'))
					j++;
				if (j < n && (s[j] == '=' || s[j] == '+'))
					add_key(x, s + i, kend - i);
			}
			inword = 1;
			pp_emit(x, s[i++]);
		} else {
			if (ch == '{') {
				if (x->depth >= 0 && x->depth < 32)
					x->open[x->depth] = x->bline;
				x->depth++;
			} else if (ch == '}')
				x->depth--;
			inword = 0;
			pp_emit(x, s[i++]);
		}
	}
	free(s);
	return 0;
}

void
pp_free(struct pctx *x)
{
	int	 i;

	for (i = 0; i < x->nfiles; i++)
		free(x->files[i]);
	free(x->files);
	free(x->seg);
	free(x->keys);
	/* the buffer held the broker password */
	if (x->buf != NULL)
		freezero(x->buf, x->cap);
}
