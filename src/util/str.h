/* str.h: small string helpers: prefixes, UTF-8, numbers. */
#ifndef CONCH_STR_H
#define CONCH_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool str_prefix(const char *s, const char *prefix);
bool str_suffix(const char *s, const char *suffix);
/* Decode the UTF-8 sequence at s[0..n): its length (1..4) with *cp set,
 * or 0 when it is invalid (overlong, surrogate, > U+10FFFF) or cut short. */
size_t utf8_next(const char *s, size_t n, uint32_t *cp);
/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* The largest length <= n that does not cut a UTF-8 sequence in two. */
size_t utf8_floor(const char *s, size_t n);
/* Parse a whole base-10 long; false on junk, overflow or empty input. */
bool str_to_long(const char *s, long *out);
/* Parse a whole number that fits a float (finite); false on junk, NULL or
 * empty input. */
bool str_to_float(const char *s, float *out);
/* str_to_long, and the value within [lo, hi]; s may be NULL (false). */
bool str_to_long_in(const char *s, long lo, long hi, long *out);
/* Count occurrences of `needle` (non-overlapping) in s[0..n). */
size_t str_count(const char *s, size_t n, const char *needle, size_t nl);
/* The index of s in names[0..n) (NULL entries never match), or -1 (also
 * when s is NULL): for enum <-> name tables. */
int str_index(const char *s, const char *const *names, size_t n);
/* Free the n strings of v, then v (NULL with n 0 is fine). */
void strv_free(char **v, size_t n);
/* memmem wrapper that accepts empty haystacks. */
const char *str_find(const char *s, size_t n, const char *needle, size_t nl);

#endif
