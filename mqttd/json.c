/*
 * Escaping JSON writer with Python json.dumps() compatible output.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "mqttd/json.h"

static void	json_put(struct json *, const char *, size_t);
static void	json_putc(struct json *, char);
static void	json_member(struct json *, const char *);
static void	json_quote(struct json *, const char *, size_t);

void
json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void
json_reset(struct json *j)
{
	j->len = 0;
	j->err = 0;
	j->depth = 0;
	memset(j->count, 0, sizeof(j->count));
	if (j->buf != NULL)
		j->buf[0] = '\0';
}

void
json_free(struct json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

const char *
json_finish(struct json *j, size_t *lenp)
{
	if (j->err || j->depth != 0 || j->buf == NULL)
		return NULL;
	if (lenp != NULL)
		*lenp = j->len;
	return j->buf;
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		ncap = j->cap ? j->cap : 256;
		while (ncap < j->len + n + 1) {
			if (ncap > (size_t)1 << 30) {
				j->err = 1;
				return;
			}
			ncap *= 2;
		}
		if ((nb = realloc(j->buf, ncap)) == NULL) {
			j->err = 1;
			return;
		}
		j->buf = nb;
		j->cap = ncap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_putc(struct json *j, char c)
{
	json_put(j, &c, 1);
}

/* separator and key before a value; keys are escaped like any string */
static void
json_member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth - 1])
			json_put(j, ", ", 2);
		j->count[j->depth - 1] = 1;
	} else if (j->len != 0)
		j->err = 1;	/* a second top-level value */
	if (key != NULL) {
		json_quote(j, key, strlen(key));
		json_put(j, ": ", 2);
	}
}

/* the code point of a UTF-8 sequence at s, 0xfffd and one byte if invalid */
static size_t
utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		need, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 1;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 2;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 3;
		c = s[0] & 0x07;
	} else
		goto bad;
	if (n < need + 1)
		goto bad;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((need == 2 && c < 0x800) || (need == 3 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		goto bad;
	*cp = c;
	return need + 1;
bad:
	*cp = 0xfffd;
	return 1;
}

static void
json_quote(struct json *j, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[16];
	uint32_t		 cp, hi, lo;
	size_t			 i, k;

	json_putc(j, '"');
	for (i = 0; i < n; i += k) {
		/* a run of plain ASCII goes in one piece */
		for (k = 0; i + k < n && p[i + k] >= 0x20 && p[i + k] < 0x7f &&
		    p[i + k] != '"' && p[i + k] != '\\'; k++)
			;
		if (k > 0) {
			json_put(j, s + i, k);
			continue;
		}
		k = utf8_dec(p + i, n - i, &cp);
		switch (cp) {
		case '"':
			json_put(j, "\\\"", 2);
			continue;
		case '\\':
			json_put(j, "\\\\", 2);
			continue;
		case '\n':
			json_put(j, "\\n", 2);
			continue;
		case '\r':
			json_put(j, "\\r", 2);
			continue;
		case '\t':
			json_put(j, "\\t", 2);
			continue;
		case '\b':
			json_put(j, "\\b", 2);
			continue;
		case '\f':
			json_put(j, "\\f", 2);
			continue;
		}
		if (cp >= 0x20 && cp < 0x7f) {
			json_putc(j, (char)cp);
		} else if (cp < 0x10000) {
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			json_put(j, esc, 6);
		} else {
			cp -= 0x10000;
			hi = 0xd800 | (cp >> 10);
			lo = 0xdc00 | (cp & 0x3ff);
			snprintf(esc, sizeof(esc), "\\u%04x\\u%04x", hi, lo);
			json_put(j, esc, 12);
		}
	}
	json_putc(j, '"');
}

void
json_obj_open(struct json *j, const char *key)
{
	json_member(j, key);
	if (j->depth >= JSON_DEPTH) {
		j->err = 1;
		return;
	}
	json_putc(j, '{');
	j->count[j->depth++] = 0;
}

void
json_obj_close(struct json *j)
{
	if (j->depth <= 0) {
		j->err = 1;
		return;
	}
	j->depth--;
	json_putc(j, '}');
}

void
json_arr_open(struct json *j, const char *key)
{
	json_member(j, key);
	if (j->depth >= JSON_DEPTH) {
		j->err = 1;
		return;
	}
	json_putc(j, '[');
	j->count[j->depth++] = 0;
}

void
json_arr_close(struct json *j)
{
	if (j->depth <= 0) {
		j->err = 1;
		return;
	}
	j->depth--;
	json_putc(j, ']');
}

void
json_str(struct json *j, const char *key, const char *s)
{
	json_strn(j, key, s, strlen(s));
}

void
json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	json_member(j, key);
	json_quote(j, s, n);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	char		b[32];
	size_t		o = sizeof(b);
	uint64_t	u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	json_member(j, key);
	/* "%lld" by hand */
	do {
		b[--o] = '0' + u % 10;
		u /= 10;
	} while (u != 0);
	if (v < 0)
		b[--o] = '-';
	json_put(j, b + o, sizeof(b) - o);
}

void
json_num(struct json *j, const char *key, double v)
{
	char	b[40];
	size_t	n;

	if (!isfinite(v)) {
		/* Python writes NaN/Infinity, which is not JSON */
		json_null(j, key);
		return;
	}
	json_member(j, key);
	n = json_fmt_repr(b, sizeof(b), v);
	json_put(j, b, n);
}

void
json_num2(struct json *j, const char *key, double v)
{
	json_num(j, key, num_round2(v));
}

void
json_null(struct json *j, const char *key)
{
	json_member(j, key);
	json_put(j, "null", 4);
}

void
json_bool(struct json *j, const char *key, int v)
{
	json_member(j, key);
	if (v)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
}

/*
 * repr() of a double that is n/100 for an integer n: the digits of n with
 * two decimals, trailing zeros dropped (one kept).  No shorter string
 * reads back to v: it would be another multiple of 0.01, and below 2^43
 * two of those never round to the same double.  0 if v is not such a
 * value.
 */
static size_t
fmt_cents(char *out, size_t size, double v)
{
	char		 t[32];
	double		 a = fabs(v), r;
	uint64_t	 n, ip;
	unsigned int	 fr;
	size_t		 o = sizeof(t), len;

	if (!(a >= 0.01 && a < 1e12))
		return 0;
	r = nearbyint(a * 100.0);
	if (r / 100.0 != a)
		return 0;
	n = (uint64_t)r;
	ip = n / 100;
	fr = (unsigned int)(n % 100);
	if (fr % 10 != 0)
		t[--o] = '0' + fr % 10;
	t[--o] = '0' + fr / 10;
	t[--o] = '.';
	do {
		t[--o] = '0' + ip % 10;
		ip /= 10;
	} while (ip != 0);
	if (v < 0)
		t[--o] = '-';
	len = sizeof(t) - o;
	if (len + 1 > size)
		return 0;
	memcpy(out, t + o, len);
	out[len] = '\0';
	return len;
}

/*
 * Python float repr(): the shortest digit string that reads back to the
 * same double, in fixed notation for 1e-4 <= |v| < 1e16, else exponent.
 */
size_t
json_fmt_repr(char *out, size_t size, double v)
{
	char	 e[40], digits[24], t[64];
	char	*p;
	int	 prec, exp10, decpt, nd, i, n;
	size_t	 o = 0;

	if (!isfinite(v)) {
		n = snprintf(out, size, "%s", isnan(v) ? "NaN" :
		    (v > 0 ? "Infinity" : "-Infinity"));
		return n < 0 ? 0 : ((size_t)n >= size ? size - 1 : (size_t)n);
	}
	if ((o = fmt_cents(out, size, v)) != 0)
		return o;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is [-]d[.ddd]e[+-]XX */
	p = e;
	if (*p == '-') {
		t[o++] = '-';
		p++;
	}
	nd = 0;
	for (; *p != 'e' && *p != '\0'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *p;
	exp10 = (*p == 'e') ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	decpt = exp10 + 1;

	if (decpt <= -4 || decpt > 16) {
		t[o++] = digits[0];
		if (nd > 1) {
			t[o++] = '.';
			for (i = 1; i < nd; i++)
				t[o++] = digits[i];
		}
		n = snprintf(t + o, sizeof(t) - o, "e%c%02d",
		    exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
		o += (size_t)n;
	} else if (decpt <= 0) {
		t[o++] = '0';
		t[o++] = '.';
		for (i = 0; i < -decpt; i++)
			t[o++] = '0';
		for (i = 0; i < nd; i++)
			t[o++] = digits[i];
	} else if (decpt >= nd) {
		for (i = 0; i < nd; i++)
			t[o++] = digits[i];
		for (i = nd; i < decpt; i++)
			t[o++] = '0';
		t[o++] = '.';
		t[o++] = '0';
	} else {
		for (i = 0; i < decpt; i++)
			t[o++] = digits[i];
		t[o++] = '.';
		for (i = decpt; i < nd; i++)
			t[o++] = digits[i];
	}
	t[o] = '\0';
	if (size == 0)
		return 0;
	if (o >= size)
		o = size - 1;
	memcpy(out, t, o);
	out[o] = '\0';
	return o;
}
