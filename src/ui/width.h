/* width.h: UTF-8 decoding and terminal display width.
 *
 * Widths follow wcwidth(3) when the C library knows the character (the
 * process locale must use UTF-8 for that) and a built-in table otherwise:
 * combining marks, zero-width joiners and variation selectors are 0 wide,
 * East Asian wide and fullwidth characters and most emoji are 2 wide.
 * Control characters count 0: renderers replace them before display. */
#ifndef CONCH_UI_WIDTH_H
#define CONCH_UI_WIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point from s[0..n) (n > 0).  Returns the bytes used
 * (1..4); an invalid or truncated sequence yields U+FFFD and 1. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encode `cp` into out (4 bytes room); returns the bytes written. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Columns one code point takes: 0, 1 or 2. */
int width_cp(uint32_t cp);

/* Columns s[0..n) takes. */
size_t width_str(const char *s, size_t n);

/* The end of the character cluster starting at byte i (a code point and
 * the zero-width ones that follow it).  i < n. */
size_t width_next(const char *s, size_t n, size_t i);

/* The start of the cluster that ends at byte i (i > 0). */
size_t width_prev(const char *s, size_t i);

/* Bytes of s[0..n) that fit in `cols` columns without splitting a
 * cluster; *used (may be NULL) gets the columns they take. */
size_t width_fit(const char *s, size_t n, size_t cols, size_t *used);

/* `s` with control and invisible characters written out (\t, \e,
 * \x01, bidi controls and zero-width characters as \u{202e}, bytes
 * that are not UTF-8 as \xff); newlines kept.  For text the user must
 * see exactly: commands in approvals and tool lines.  Caller frees. */
char *width_visible(const char *s);

#endif
