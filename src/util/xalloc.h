/* xalloc.h: allocation wrappers for small internal allocations.  They
 * abort with a message on OOM.  Sizes that come from files, the network or
 * a model must use the checked helpers (size_mul_ok) and plain malloc. */
#ifndef CONCH_XALLOC_H
#define CONCH_XALLOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: realloc for nmemb*size, aborting on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
/* Room for n elements of `size` bytes in the array p that has *cap: when
 * n > *cap, *cap doubles (from `first`) until it holds n and the moved
 * array is returned; else p. */
void *xgrow(void *p, size_t n, size_t *cap, size_t first, size_t size);
/* free() each of v[0..n), in order. */
void xfree_v(void *const *v, size_t n);
/* free() each argument, in order: xfree_all(a, b, c) for the run of
 * free(a); free(b); free(c); that ends a destructor or a cleanup path.
 * The pointers are all read before the first is freed. */
#define xfree_all(...) \
	xfree_v((void *const[]){ __VA_ARGS__ }, \
		sizeof((void *const[]){ __VA_ARGS__ }) / sizeof(void *))
char *xstrdup(const char *s);           /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
/* Formatted allocation; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* *out = a*b; false on overflow. */
bool size_mul_ok(size_t a, size_t b, size_t *out);
/* *out = a+b; false on overflow. */
bool size_add_ok(size_t a, size_t b, size_t *out);

#endif
