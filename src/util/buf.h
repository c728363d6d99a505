/* buf.h: a growable byte buffer with a size cap set at init.
 *
 * Every string that grows (tool output, HTTP bodies, prompts) lives in a
 * buf.  The contents are always NUL-terminated once anything was added.
 * An append that would pass the cap, or that fails to allocate, marks the
 * buffer failed; later appends do nothing, and the caller checks once with
 * buf_ok(). */
#ifndef CONCH_BUF_H
#define CONCH_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct buf {
	char *p;      /* contents, NUL-terminated; NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* cap on len; 0 means SIZE_MAX/2 */
	enum cerr err; /* C_OK until an append fails */
};

#define BUF_INIT { NULL, 0, 0, 0, C_OK }

/* Start an empty buffer whose length may not pass `max` (0: unlimited). */
void buf_init(struct buf *b, size_t max);
/* Free the contents and reset to empty (max kept). */
void buf_free(struct buf *b);
/* Empty the buffer, keep allocation, clear the error. */
void buf_reset(struct buf *b);
/* Append n bytes.  Returns the buffer's error state. */
enum cerr buf_add(struct buf *b, const void *data, size_t n);
enum cerr buf_adds(struct buf *b, const char *s);
enum cerr buf_addc(struct buf *b, char c);
enum cerr buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum cerr buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Shorten to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
/* Contents as a C string; "" when empty.  Valid until the next append. */
const char *buf_str(const struct buf *b);
/* Take the contents (caller frees, never NULL); the buffer is left empty. */
char *buf_steal(struct buf *b);
static inline bool buf_ok(const struct buf *b) { return b->err == C_OK; }

#endif
