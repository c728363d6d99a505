#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

bool
str_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

size_t
utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	size_t len, i;
	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool
utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;
	while (i < n) {
		size_t l = utf8_next(s + i, n - i, &cp);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

size_t
utf8_floor(const char *s, size_t n)
{
	size_t i = n, back = 0;
	/* step back over continuation bytes to a lead byte */
	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char c = (unsigned char)s[i - 1];
		size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (want == back + 1)
			return n;
		return i - 1;
	}
	return back ? i : n;
}

bool
str_to_long(const char *s, long *out)
{
	char *end;
	long v;
	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || end == s)
		return false;
	*out = v;
	return true;
}

bool
str_to_float(const char *s, float *out)
{
	char *end;
	double d;
	if (!s || !*s)
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (*end || errno || !(d == d) || d > FLT_MAX || d < -FLT_MAX)
		return false;
	*out = (float)d;
	return true;
}

bool
str_to_long_in(const char *s, long lo, long hi, long *out)
{
	long v;
	if (!str_to_long(s, &v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

const char *
str_find(const char *s, size_t n, const char *needle, size_t nl)
{
	if (nl == 0)
		return s;
	if (n < nl)
		return NULL;
	return memmem(s, n, needle, nl);
}

size_t
str_count(const char *s, size_t n, const char *needle, size_t nl)
{
	size_t c = 0;
	const char *p = s, *end = s + n;
	if (nl == 0)
		return 0;
	while ((p = str_find(p, (size_t)(end - p), needle, nl))) {
		c++;
		p += nl;
	}
	return c;
}

void
strv_free(char **v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
str_index(const char *s, const char *const *names, size_t n)
{
	size_t i;
	for (i = 0; s && i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}
