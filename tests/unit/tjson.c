/*
 * tjson: a tiny recursive-descent JSON reader for the unit tests.
 * Inputs are our own vector files, but it still bounds every read so a
 * broken vector fails a test instead of crashing it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/tjson.h"

#define TJ_MAXDEPTH	64

struct tj_in {
	const char	*p;
	size_t		 left;
	int		 depth;
};

static struct tj	*tj_value(struct tj_in *);

static void
tj_ws(struct tj_in *in)
{
	while (in->left > 0 && (*in->p == ' ' || *in->p == '\t' ||
	    *in->p == '\n' || *in->p == '\r')) {
		in->p++;
		in->left--;
	}
}

static struct tj *
tj_alloc(enum tj_type t)
{
	struct tj	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->type = t;
	return v;
}

static int
tj_lit(struct tj_in *in, const char *word)
{
	size_t	 n = strlen(word);

	if (in->left < n || memcmp(in->p, word, n) != 0)
		return 0;
	in->p += n;
	in->left -= n;
	return 1;
}

static int
tj_hex4(struct tj_in *in, unsigned int *cp)
{
	unsigned int	 v = 0;
	int		 i;
	char		 c;

	if (in->left < 4)
		return 0;
	for (i = 0; i < 4; i++) {
		c = in->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return 0;
	}
	in->p += 4;
	in->left -= 4;
	*cp = v;
	return 1;
}

static size_t
tj_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | (cp >> 6);
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | (cp >> 12);
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | (cp >> 18);
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* decodes a string starting after the opening quote; escapes only shrink */
static char *
tj_string(struct tj_in *in, size_t *lenp)
{
	char		*o;
	size_t		 n = 0;
	unsigned int	 cp, lo;
	char		 c;

	/* worst case: every input byte is one output byte, plus NUL */
	if ((o = malloc(in->left + 1)) == NULL)
		return NULL;
	for (;;) {
		if (in->left == 0)
			goto bad;
		c = *in->p++;
		in->left--;
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			goto bad;
		if (c != '\\') {
			o[n++] = c;
			continue;
		}
		if (in->left == 0)
			goto bad;
		c = *in->p++;
		in->left--;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			o[n++] = c;
			break;
		case 'b':
			o[n++] = '\b';
			break;
		case 'f':
			o[n++] = '\f';
			break;
		case 'n':
			o[n++] = '\n';
			break;
		case 'r':
			o[n++] = '\r';
			break;
		case 't':
			o[n++] = '\t';
			break;
		case 'u':
			if (!tj_hex4(in, &cp))
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00 && in->left >= 6 &&
			    in->p[0] == '\\' && in->p[1] == 'u') {
				in->p += 2;
				in->left -= 2;
				if (!tj_hex4(in, &lo) || lo < 0xdc00 ||
				    lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			/* \uXXXX is 6 input bytes, at most 4 output bytes */
			n += tj_utf8(o + n, cp);
			break;
		default:
			goto bad;
		}
	}
	o[n] = '\0';
	*lenp = n;
	return o;
bad:
	free(o);
	return NULL;
}

static struct tj *
tj_number(struct tj_in *in)
{
	struct tj	*v;
	const char	*s = in->p;
	size_t		 n = 0;
	char		*end;

	while (n < in->left && (isdigit((unsigned char)s[n]) ||
	    s[n] == '-' || s[n] == '+' || s[n] == '.' || s[n] == 'e' ||
	    s[n] == 'E'))
		n++;
	if (n == 0 || (v = tj_alloc(TJ_NUM)) == NULL)
		return NULL;
	if ((v->raw = strndup(s, n)) == NULL) {
		free(v);
		return NULL;
	}
	errno = 0;
	v->num = strtod(v->raw, &end);
	if (*end != '\0') {
		tj_free(v);
		return NULL;
	}
	in->p += n;
	in->left -= n;
	return v;
}

static int
tj_push(struct tj *v, struct tj *item, char *key)
{
	struct tj	**ni;
	char		**nk;

	ni = reallocarray(v->items, v->n + 1, sizeof(*ni));
	if (ni == NULL)
		return 0;
	v->items = ni;
	if (v->type == TJ_OBJ) {
		nk = reallocarray(v->keys, v->n + 1, sizeof(*nk));
		if (nk == NULL)
			return 0;
		v->keys = nk;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 1;
}

static struct tj *
tj_container(struct tj_in *in, enum tj_type t)
{
	struct tj	*v, *item;
	char		*key = NULL;
	size_t		 klen;
	char		 close = t == TJ_OBJ ? '}' : ']';

	if (++in->depth > TJ_MAXDEPTH || (v = tj_alloc(t)) == NULL)
		return NULL;
	tj_ws(in);
	if (in->left > 0 && *in->p == close) {
		in->p++;
		in->left--;
		in->depth--;
		return v;
	}
	for (;;) {
		tj_ws(in);
		if (t == TJ_OBJ) {
			if (in->left == 0 || *in->p != '"')
				goto bad;
			in->p++;
			in->left--;
			if ((key = tj_string(in, &klen)) == NULL)
				goto bad;
			tj_ws(in);
			if (in->left == 0 || *in->p != ':')
				goto bad;
			in->p++;
			in->left--;
		}
		if ((item = tj_value(in)) == NULL)
			goto bad;
		if (!tj_push(v, item, key)) {
			tj_free(item);
			goto bad;
		}
		key = NULL;
		tj_ws(in);
		if (in->left == 0)
			goto bad;
		if (*in->p == ',') {
			in->p++;
			in->left--;
			continue;
		}
		if (*in->p != close)
			goto bad;
		in->p++;
		in->left--;
		break;
	}
	in->depth--;
	return v;
bad:
	free(key);
	tj_free(v);
	return NULL;
}

static struct tj *
tj_value(struct tj_in *in)
{
	struct tj	*v;
	char		 c;

	tj_ws(in);
	if (in->left == 0)
		return NULL;
	c = *in->p;
	if (c == '{' || c == '[') {
		in->p++;
		in->left--;
		return tj_container(in, c == '{' ? TJ_OBJ : TJ_ARR);
	}
	if (c == '"') {
		in->p++;
		in->left--;
		if ((v = tj_alloc(TJ_STR)) == NULL)
			return NULL;
		if ((v->str = tj_string(in, &v->slen)) == NULL) {
			free(v);
			return NULL;
		}
		return v;
	}
	if (tj_lit(in, "true") || tj_lit(in, "false")) {
		if ((v = tj_alloc(TJ_BOOL)) == NULL)
			return NULL;
		v->b = c == 't';
		v->num = v->b;
		return v;
	}
	if (tj_lit(in, "null"))
		return tj_alloc(TJ_NULL);
	return tj_number(in);
}

struct tj *
tj_parse(const char *s, size_t len)
{
	struct tj_in	 in = { s, len, 0 };
	struct tj	*v;

	if ((v = tj_value(&in)) == NULL)
		return NULL;
	tj_ws(&in);
	if (in.left != 0) {
		tj_free(v);
		return NULL;
	}
	return v;
}

struct tj *
tj_load(const char *path)
{
	FILE		*fp;
	char		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0, n;
	struct tj	*v;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	fclose(fp);
	v = tj_parse(buf, len);
	free(buf);
	return v;
}

void
tj_free(struct tj *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		tj_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->raw);
	free(v->str);
	free(v);
}

struct tj *
tj_get(const struct tj *v, const char *key)
{
	size_t	 i;

	if (v == NULL || v->type != TJ_OBJ || key == NULL)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

struct tj *
tj_at(const struct tj *v, size_t i)
{
	if (v == NULL || (v->type != TJ_ARR && v->type != TJ_OBJ) || i >= v->n)
		return NULL;
	return v->items[i];
}

const char *
tj_key(const struct tj *v, size_t i)
{
	if (v == NULL || v->type != TJ_OBJ || i >= v->n)
		return NULL;
	return v->keys[i];
}

size_t
tj_len(const struct tj *v)
{
	if (v == NULL || (v->type != TJ_ARR && v->type != TJ_OBJ))
		return 0;
	return v->n;
}

const char *
tj_str(const struct tj *v)
{
	if (v == NULL || v->type != TJ_STR)
		return NULL;
	return v->str;
}

double
tj_num(const struct tj *v)
{
	if (v == NULL || (v->type != TJ_NUM && v->type != TJ_BOOL))
		return 0;
	return v->num;
}

const char *
tj_raw(const struct tj *v)
{
	if (v == NULL || v->type != TJ_NUM)
		return NULL;
	return v->raw;
}

int
tj_bool(const struct tj *v)
{
	return v != NULL && v->type == TJ_BOOL && v->b;
}

int
tj_isnull(const struct tj *v)
{
	return v != NULL && v->type == TJ_NULL;
}

static int
tj_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *
tj_hex(const char *s, size_t *lenp)
{
	uint8_t	*o;
	size_t	 n, i;
	int	 hi, lo;

	if (s == NULL || (n = strlen(s)) % 2 != 0)
		return NULL;
	if ((o = malloc(n / 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		hi = tj_nibble(s[2 * i]);
		lo = tj_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(o);
			return NULL;
		}
		o[i] = hi << 4 | lo;
	}
	*lenp = n / 2;
	return o;
}
