/*
 * tjson: a tiny JSON DOM reader for the unit tests (not for the daemons).
 *
 * API:
 *	struct tj *tj_load(const char *path);	 parse a file, NULL on error
 *	struct tj *tj_parse(const char *s, size_t len);	 parse a buffer
 *	void	   tj_free(struct tj *);
 *	struct tj *tj_get(const struct tj *obj, const char *key);  NULL if absent
 *	struct tj *tj_at(const struct tj *arr_or_obj, size_t i);   NULL if out
 *	const char *tj_key(const struct tj *obj, size_t i);  i-th key, in order
 *	size_t	   tj_len(const struct tj *);	 members/elements, 0 otherwise
 *	const char *tj_str(const struct tj *);	 string value or NULL
 *	double	   tj_num(const struct tj *);	 number (or bool) value, 0 else
 *	const char *tj_raw(const struct tj *);	 number text as written or NULL
 *	int	   tj_bool(const struct tj *);	 1 for true, 0 otherwise
 *	int	   tj_isnull(const struct tj *);	 1 for JSON null (not absent)
 *	uint8_t	  *tj_hex(const char *hex, size_t *len);  decoded bytes
 *		(malloc'd, free it; NULL on odd length or a bad digit; "" gives
 *		a non-NULL buffer with *len 0)
 * Every accessor accepts NULL and then returns the "absent" answer, so
 * lookups chain: tj_str(tj_get(tj_get(v, "expect"), "reply_hex")).
 * Objects keep key order; strings are NUL terminated UTF-8 (\u escapes,
 * surrogate pairs included); slen holds the length (strings may hold NUL).
 */
#ifndef TSUN_TJSON_H
#define TSUN_TJSON_H

#include <stddef.h>
#include <stdint.h>

enum tj_type {
	TJ_NULL,
	TJ_BOOL,
	TJ_NUM,
	TJ_STR,
	TJ_ARR,
	TJ_OBJ
};

struct tj {
	enum tj_type	  type;
	int		  b;		/* TJ_BOOL */
	double		  num;		/* TJ_NUM */
	char		 *raw;		/* TJ_NUM: text as written */
	char		 *str;		/* TJ_STR */
	size_t		  slen;
	size_t		  n;		/* TJ_ARR, TJ_OBJ */
	struct tj	**items;
	char		**keys;		/* TJ_OBJ only */
};

struct tj	*tj_load(const char *);
struct tj	*tj_parse(const char *, size_t);
void		 tj_free(struct tj *);
struct tj	*tj_get(const struct tj *, const char *);
struct tj	*tj_at(const struct tj *, size_t);
const char	*tj_key(const struct tj *, size_t);
size_t		 tj_len(const struct tj *);
const char	*tj_str(const struct tj *);
double		 tj_num(const struct tj *);
const char	*tj_raw(const struct tj *);
int		 tj_bool(const struct tj *);
int		 tj_isnull(const struct tj *);
uint8_t		*tj_hex(const char *, size_t *);

#endif
