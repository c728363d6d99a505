#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

#define BUF_UNLIMITED (SIZE_MAX / 2)

static size_t
buf_max(const struct buf *b)
{
	return b->max ? b->max : BUF_UNLIMITED;
}

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = C_OK;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = C_OK;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	b->err = C_OK;
}

static enum cerr
buf_grow(struct buf *b, size_t add)
{
	size_t need, ncap;
	char *np;

	if (!size_add_ok(b->len, add, &need) || need > buf_max(b)) {
		b->err = C_ERR_TOOBIG;
		return b->err;
	}
	if (need + 1 <= b->cap)
		return C_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap = ncap > BUF_UNLIMITED / 2 ? need + 1 : ncap * 2;
	np = realloc(b->p, ncap);
	if (!np) {
		b->err = C_ERR_NOMEM;
		return b->err;
	}
	b->p = np;
	b->cap = ncap;
	return C_OK;
}

enum cerr
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->err)
		return b->err;
	if (buf_grow(b, n))
		return b->err;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return C_OK;
}

enum cerr
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum cerr
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

enum cerr
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->err)
		return b->err;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->err = C_ERR_INVAL;
		return b->err;
	}
	if (buf_grow(b, (size_t)n))
		return b->err;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return C_OK;
}

enum cerr
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum cerr e;
	va_start(ap, fmt);
	e = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return e;
}

void
buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->p[n] = '\0';
	}
}

const char *
buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}

char *
buf_steal(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = C_OK;
	return p;
}
