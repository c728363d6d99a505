#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonx.h"
#include "util/xalloc.h"

const char *
jx_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long
jx_long(const cJSON *obj, const char *key, long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v))
		return def;
	if (v->valuedouble >= 9.2e18 || v->valuedouble <= -9.2e18)
		return def;
	return (long)v->valuedouble;
}

void
jx_add_str_or_null(cJSON *obj, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, key, s);
	else
		cJSON_AddNullToObject(obj, key);
}

long
jx_count(const cJSON *v)
{
	double d;
	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	if (!(d > 0)) /* negative, zero or NaN */
		return 0;
	if (d >= (double)JX_COUNT_MAX)
		return JX_COUNT_MAX;
	return (long)d;
}

bool
jx_bool(const cJSON *obj, const char *key, bool def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsBool(v))
		return def;
	return cJSON_IsTrue(v);
}

/* the 1-based line and column of `end` in text (either may be NULL) */
static void
line_col(const char *text, const char *end, int *line, int *col)
{
	int l = 1, c = 1;
	const char *p;
	for (p = text; p < end; p++) {
		if (*p == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	if (line)
		*line = l;
	if (col)
		*col = c;
}

cJSON *
jx_parse(const char *text, size_t len, int *line, int *col)
{
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!v) {
		if (!end || end < text || end > text + len)
			end = text + len;
		line_col(text, end, line, col);
		return NULL;
	}
	/* trailing garbage other than whitespace is an error too */
	while (end && end < text + len &&
	       (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end && end < text + len) {
		line_col(text, end, line, col);
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

char *
jx_print(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s) {
		fprintf(stderr, "conch: out of memory printing JSON\n");
		abort();
	}
	return s;
}

/* JSON Schema's type names and the cJSON test for each ("integer" is a
 * number without a fraction, see type_ok) */
static const struct {
	const char *name;
	cJSON_bool (*is)(const cJSON *v);
} json_types[] = {
	{ "string", cJSON_IsString }, { "number", cJSON_IsNumber },
	{ "boolean", cJSON_IsBool }, { "null", cJSON_IsNull },
	{ "array", cJSON_IsArray }, { "object", cJSON_IsObject },
};
#define NJSON_TYPES (sizeof json_types / sizeof json_types[0])

static const char *
type_name(const cJSON *v)
{
	size_t i;
	for (i = 0; i < NJSON_TYPES; i++)
		if (json_types[i].is(v))
			return json_types[i].name;
	return "invalid";
}

/* v is of schema type t (an unknown t allows anything) */
static bool
type_ok(const char *t, const cJSON *v)
{
	size_t i;
	if (strcmp(t, "integer") == 0)
		return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble);
	for (i = 0; i < NJSON_TYPES; i++)
		if (strcmp(t, json_types[i].name) == 0)
			return json_types[i].is(v);
	return true;
}

static bool
validate_at(const cJSON *schema, const cJSON *v, const char *path,
	    struct buf *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
	const cJSON *it;

	if (cJSON_IsString(type) && !type_ok(type->valuestring, v)) {
		buf_printf(err, "%s: expected %s, got %s", path,
			   type->valuestring, type_name(v));
		return false;
	}
	if (cJSON_IsArray(en)) {
		bool found = false;
		cJSON_ArrayForEach(it, en) {
			if (cJSON_Compare(it, v, true)) {
				found = true;
				break;
			}
		}
		if (!found) {
			char *allowed = jx_print(en);
			buf_printf(err, "%s: must be one of %s", path, allowed);
			free(allowed);
			return false;
		}
	}
	if (cJSON_IsNumber(v)) {
		const cJSON *mn = cJSON_GetObjectItemCaseSensitive(schema, "minimum");
		const cJSON *mx = cJSON_GetObjectItemCaseSensitive(schema, "maximum");
		if (cJSON_IsNumber(mn) && v->valuedouble < mn->valuedouble) {
			buf_printf(err, "%s: must be >= %g", path, mn->valuedouble);
			return false;
		}
		if (cJSON_IsNumber(mx) && v->valuedouble > mx->valuedouble) {
			buf_printf(err, "%s: must be <= %g", path, mx->valuedouble);
			return false;
		}
	}
	if (cJSON_IsObject(v)) {
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
		const cJSON *addl = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
		cJSON_ArrayForEach(it, req) {
			if (cJSON_IsString(it) &&
			    !cJSON_GetObjectItemCaseSensitive(v, it->valuestring)) {
				buf_printf(err, "%s: missing required property \"%s\"",
					   path, it->valuestring);
				return false;
			}
		}
		cJSON_ArrayForEach(it, v) {
			const cJSON *ps = props ?
				cJSON_GetObjectItemCaseSensitive(props, it->string) : NULL;
			char *sub;
			bool ok;
			if (!ps) {
				if (cJSON_IsFalse(addl)) {
					buf_printf(err, "%s: unknown property \"%s\"",
						   path, it->string);
					return false;
				}
				continue;
			}
			sub = xasprintf("%s.%s", path, it->string);
			ok = validate_at(ps, it, sub, err);
			free(sub);
			if (!ok)
				return false;
		}
	}
	if (cJSON_IsArray(v)) {
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
		int i = 0;
		if (cJSON_IsObject(items)) {
			cJSON_ArrayForEach(it, v) {
				char *sub = xasprintf("%s[%d]", path, i++);
				bool ok = validate_at(items, it, sub, err);
				free(sub);
				if (!ok)
					return false;
			}
		}
	}
	return true;
}

bool
jx_validate(const cJSON *schema, const cJSON *value, struct buf *err)
{
	return validate_at(schema, value, "arguments", err);
}
