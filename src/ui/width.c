/* width.c: UTF-8 decoding and display width (see width.h). */
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "ui/width.h"
#include "util/buf.h"
#include "util/str.h"

size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	size_t len = utf8_next(s, n, cp);
	if (len)
		return len;
	*cp = 0xfffd;
	return 1;
}

size_t
utf8_encode(uint32_t cp, char out[4])
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

struct range {
	uint32_t lo, hi;
};

/* Zero-width: combining marks, joiners, variation selectors. */
static const struct range zero[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0670, 0x0670 },
	{ 0x06d6, 0x06dc }, { 0x0900, 0x0902 }, { 0x093a, 0x093a },
	{ 0x093c, 0x093c }, { 0x0941, 0x0948 }, { 0x094d, 0x094d },
	{ 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e },
	{ 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x20d0, 0x20ff },
	{ 0x302a, 0x302d }, { 0x3099, 0x309a }, { 0xfe00, 0xfe0f },
	{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff }, { 0x1f3fb, 0x1f3ff },
	{ 0xe0100, 0xe01ef },
};

/* Wide: East Asian wide/fullwidth and emoji blocks. */
static const struct range wide[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 },
	{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26ce, 0x26ce }, { 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea },
	{ 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 }, { 0x26fa, 0x26fa },
	{ 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e },
	{ 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
	{ 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf }, { 0x2b1b, 0x2b1c },
	{ 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 },
	{ 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x16fe0, 0x16fe4 },
	{ 0x17000, 0x18aff }, { 0x1b000, 0x1b16f }, { 0x1f004, 0x1f004 },
	{ 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a },
	{ 0x1f200, 0x1f251 }, { 0x1f300, 0x1f320 }, { 0x1f32d, 0x1f335 },
	{ 0x1f337, 0x1f37c }, { 0x1f37e, 0x1f393 }, { 0x1f3a0, 0x1f3ca },
	{ 0x1f3cf, 0x1f3d3 }, { 0x1f3e0, 0x1f3f0 }, { 0x1f3f4, 0x1f3f4 },
	{ 0x1f3f8, 0x1f3fa }, { 0x1f400, 0x1f43e }, { 0x1f440, 0x1f440 },
	{ 0x1f442, 0x1f4fc }, { 0x1f4ff, 0x1f53d }, { 0x1f54b, 0x1f54e },
	{ 0x1f550, 0x1f567 }, { 0x1f57a, 0x1f57a }, { 0x1f595, 0x1f596 },
	{ 0x1f5a4, 0x1f5a4 }, { 0x1f5fb, 0x1f64f }, { 0x1f680, 0x1f6c5 },
	{ 0x1f6cc, 0x1f6cc }, { 0x1f6d0, 0x1f6d2 }, { 0x1f6d5, 0x1f6d7 },
	{ 0x1f6eb, 0x1f6ec }, { 0x1f6f4, 0x1f6fc }, { 0x1f7e0, 0x1f7eb },
	{ 0x1f90c, 0x1f93a }, { 0x1f93c, 0x1f945 }, { 0x1f947, 0x1f9ff },
	{ 0x1fa70, 0x1faff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

static bool
in(const struct range *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int
width_cp(uint32_t cp)
{
	int w;
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if (cp < 0x7f)
		return 1;
	if (in(zero, sizeof zero / sizeof zero[0], cp))
		return 0;
	if (in(wide, sizeof wide / sizeof wide[0], cp))
		return 2;
	w = wcwidth((wchar_t)cp);
	if (w >= 0 && w <= 2)
		return w;
	return 1;
}

size_t
width_str(const char *s, size_t n)
{
	size_t i = 0, w = 0;
	while (i < n) {
		uint32_t cp;
		i += utf8_decode(s + i, n - i, &cp);
		w += (size_t)width_cp(cp);
	}
	return w;
}

size_t
width_next(const char *s, size_t n, size_t i)
{
	uint32_t cp;
	i += utf8_decode(s + i, n - i, &cp);
	while (i < n) {
		size_t k = utf8_decode(s + i, n - i, &cp);
		if (cp < 0x20 || width_cp(cp) != 0)
			break;
		i += k;
	}
	return i;
}

/* The start of the code point that ends at byte i. */
static size_t
cp_start(const char *s, size_t i)
{
	size_t j = i - 1, k = 0;
	while (j > 0 && k < 3 && ((unsigned char)s[j] & 0xc0) == 0x80) {
		j--;
		k++;
	}
	/* a lone continuation byte is its own (invalid) character */
	if (((unsigned char)s[j] & 0xc0) == 0x80)
		return i - 1;
	{
		uint32_t cp;
		if (utf8_decode(s + j, i - j, &cp) != i - j)
			return i - 1;
	}
	return j;
}

size_t
width_prev(const char *s, size_t i)
{
	for (;;) {
		uint32_t cp;
		size_t j = cp_start(s, i);
		utf8_decode(s + j, i - j, &cp);
		if (j == 0 || cp < 0x20 || width_cp(cp) != 0)
			return j;
		i = j;
	}
}

size_t
width_fit(const char *s, size_t n, size_t cols, size_t *used)
{
	size_t i = 0, w = 0;
	while (i < n) {
		size_t j = width_next(s, n, i);
		size_t cw = width_str(s + i, j - i);
		if (w + cw > cols)
			break;
		w += cw;
		i = j;
	}
	if (used)
		*used = w;
	return i;
}

/* Code points that change how text around them reads without showing
 * themselves: bidi controls, zero-width characters, the BOM. */
static bool
invisible_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0xad ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

char *
width_visible(const char *s)
{
	struct buf b;
	size_t n = s ? strlen(s) : 0, i = 0;
	buf_init(&b, 0);
	while (i < n) {
		uint32_t cp;
		unsigned char c = (unsigned char)s[i];
		size_t k;
		if (c == '\n') {
			buf_addc(&b, '\n');
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (c == '\t')
				buf_adds(&b, "\\t");
			else if (c == '\r')
				buf_adds(&b, "\\r");
			else if (c == 0x1b)
				buf_adds(&b, "\\e");
			else
				buf_printf(&b, "\\x%02x", c);
			i++;
			continue;
		}
		k = utf8_next(s + i, n - i, &cp);
		if (k == 0) { /* not UTF-8 */
			buf_printf(&b, "\\x%02x", c);
			i++;
			continue;
		}
		if (invisible_cp(cp)) {
			buf_printf(&b, "\\u{%04x}", (unsigned)cp);
		} else {
			buf_add(&b, s + i, k);
		}
		i += k;
	}
	return buf_steal(&b);
}
