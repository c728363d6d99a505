/* local-copy-int.h: what local-copy.c, local-args.c, local-list.c,
 * local-nums.c and local-chat.c share (the copy rule, the argument
 * rules, the list rules, the numbers and the reading of names of
 * local.h); not for other files. */
#ifndef CONCH_LOCAL_COPY_INT_H
#define CONCH_LOCAL_COPY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "provider/local.h"

/* a digit */
static inline bool
lc_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a letter, a digit or '_' */
static inline bool
lc_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || lc_digit(c) || c == '_';
}

/* a byte that ends a name: a blank, a quote, a bracket, ',', ';', ':', '|' */
bool lc_stop(char c);
/* The first of the sorted words v[0..nv) that starts with run[0..n)
 * (run itself, if there), or nv. */
size_t lc_first_with(char *const *v, size_t nv, const char *run, size_t n);
/* Is run[0..n) one of the sorted words v[0..nv) (`whole`), or a prefix
 * of one? */
bool lc_in_words(char *const *v, size_t nv, const char *run, size_t n, bool whole);
/* The same, true when there are no words. */
bool lc_names_ok(char *const *v, size_t nv, const char *s, size_t n, bool whole);
/* Does v[0..n) stand in t[0..tn) from a word boundary (and, `whole`,
 * to one)? */
bool lc_part_of(const char *t, size_t tn, const char *v, size_t n, bool whole);
/* Does v[0..n) stand in t[0..tn) from the start of a field (what
 * follows a path_stop byte) and, `whole`, to the end of one (before a
 * lc_stop byte, or a '.', '?', '!' or ',' that ends a sentence)? */
bool lc_fields_of(const char *t, size_t tn, const char *v, size_t n, bool whole);

/* How many entries a result lists: its lines but a blank one, conch's
 * notes ("[exit 0]") and wc's total (local-nums.c). */
size_t lc_result_entries(const char *text);
/* Hold, for each number of the request and the next no smaller, the
 * count of lines from one to the other (local-nums.c). */
void lc_range_counts(struct local_copy *cp);

/* Read the regular file path (relative to dir) into out, at most 1 MiB;
 * false for anything else (a FIFO would block). */
struct buf;
bool lc_read_regular(const char *dir, const char *path, struct buf *out);

#endif
