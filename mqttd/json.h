/*
 * A small escaping JSON writer whose output is byte-identical to Python's
 * json.dumps() defaults: ", " and ": " separators, ensure_ascii (\uXXXX,
 * lower-case hex), and float text as Python's repr().  Home Assistant does
 * not care, but golden payloads from the original project do.
 *
 * Usage: json_init(), then json_obj_open(j, NULL) ... json_obj_close(),
 * with a key for every member of an object and NULL for array elements.
 * A failed allocation or a nesting error sets j->err; json_finish()
 * returns NULL then.  The buffer belongs to j until json_free().
 */
#ifndef TSUN_MQTTD_JSON_H
#define TSUN_MQTTD_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH	16

struct json {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 err;
	int		 depth;
	uint8_t		 count[JSON_DEPTH];	/* members so far, capped at 1 */
};

void		 json_init(struct json *);
void		 json_reset(struct json *);	/* empty it, keep the buffer */
void		 json_free(struct json *);
/* NUL terminated text, or NULL after any error or with open containers */
const char	*json_finish(struct json *, size_t *);

void		 json_obj_open(struct json *, const char *key);
void		 json_obj_close(struct json *);
void		 json_arr_open(struct json *, const char *key);
void		 json_arr_close(struct json *);
void		 json_str(struct json *, const char *key, const char *);
void		 json_strn(struct json *, const char *key, const char *, size_t);
void		 json_int(struct json *, const char *key, int64_t);
/* Python repr() of the value rounded to 2 decimals, as round(v, 2) does */
void		 json_num2(struct json *, const char *key, double);
/* Python repr() of the value as it is */
void		 json_num(struct json *, const char *key, double);
void		 json_null(struct json *, const char *key);
void		 json_bool(struct json *, const char *key, int);

/*
 * Formatting helpers, pure: write NUL terminated text into buf, return
 * its length (truncated to size - 1 like snprintf if too small).
 */
size_t		 json_fmt_repr(char *, size_t, double);

#endif
