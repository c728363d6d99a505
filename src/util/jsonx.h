/* jsonx.h: cJSON helpers: typed getters, parse errors with line and
 * column, and a validator for the JSON-schema subset tool schemas use
 * (type, properties, required, enum, items, minimum, maximum,
 * additionalProperties: false). */
#ifndef CONCH_JSONX_H
#define CONCH_JSONX_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/err.h"

/* Getters: NULL / `def` when the key is missing or of another type. */
const char *jx_str(const cJSON *obj, const char *key);
long jx_long(const cJSON *obj, const char *key, long def);
bool jx_bool(const cJSON *obj, const char *key, bool def);

/* Add `s` to `obj` under `key` as a string, or as null when `s` is NULL. */
void jx_add_str_or_null(cJSON *obj, const char *key, const char *s);

/* A count from the wire (token usage ...): the number `v` clamped to
 * [0, JX_COUNT_MAX]; 0 when `v` is not a number or is NaN.  Never a
 * float-to-integer overflow, whatever a server sends (1e300). */
#define JX_COUNT_MAX 1000000000000000L /* 1e15 */
long jx_count(const cJSON *v);

/* Parse `len` bytes of JSON.  On failure returns NULL and, if `line`/`col`
 * are not NULL, stores the 1-based position where parsing stopped. */
cJSON *jx_parse(const char *text, size_t len, int *line, int *col);

/* Print compactly; caller frees. */
char *jx_print(const cJSON *v);

/* Validate `value` against `schema`.  On failure appends one clear
 * message ("path: problem") to `err` and returns false. */
bool jx_validate(const cJSON *schema, const cJSON *value, struct buf *err);

#endif
