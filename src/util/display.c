/* display.c (util): a command (or any text the user must approve) rendered so
 * that what is shown is all that runs: control characters, invisible and
 * direction-changing characters are spelled out, long runs of blanks are
 * counted, nothing is cut, long lines are wrapped. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/display.h"
#include "util/buf.h"
#include "util/str.h"

/* Code points that draw nothing or reorder what follows. */
static bool
invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||          /* C1 controls */
	       cp == 0xad ||                          /* soft hyphen */
	       (cp >= 0x200b && cp <= 0x200f) ||      /* zero width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||      /* separators, embeddings */
	       (cp >= 0x2060 && cp <= 0x206f) ||      /* joiners, isolates */
	       cp == 0xfeff ||                        /* BOM */
	       (cp >= 0xfff9 && cp <= 0xfffb) ||      /* annotations */
	       (cp >= 0xe0000 && cp <= 0xe007f) ||    /* tags */
	       cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0 ||
	       cp == 0x180e;                          /* fillers */
}

/* Line state for wrapping: columns used on the current line. */
struct out {
	struct buf *b;
	size_t width, col;
	const char *indent;
};

/* Append one unit that must not be split across lines, `cols` wide. */
static void
put(struct out *o, const char *s, size_t len, size_t cols)
{
	if (o->width && o->col > 0 && o->col + cols > o->width) {
		buf_addc(o->b, '\n');
		buf_adds(o->b, o->indent);
		o->col = strlen(o->indent);
	}
	buf_add(o->b, s, len);
	o->col += cols;
}

/* "\x1f", "\u{202e}", "[12 blanks]": an escape shown as one unit. */
static void
put_esc(struct out *o, int kind, uint32_t v)
{
	char tmp[24];
	int n;
	switch (kind) {
	case 'x': n = snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)v); break;
	case 'u': n = snprintf(tmp, sizeof tmp, "\\u{%04x}", (unsigned)v); break;
	default: n = snprintf(tmp, sizeof tmp, "[%u blanks]", (unsigned)v); break;
	}
	if (n > 0)
		put(o, tmp, (size_t)n, (size_t)n);
}

/* `block`: a diff or file text, whose newlines, tabs and indentation
 * are kept as they are; everything else is escaped the same way. */
static char *
render(const char *s, size_t width, bool block)
{
	struct buf b = BUF_INIT;
	struct out o = { &b, width, 0, block ? "" : "  " };
	size_t n = s ? strlen(s) : 0, i = 0;

	if (width && width < 8)
		o.width = 8;
	buf_adds(&b, "");
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len;

		if (block && (c == '\n' || c == '\t' || c == ' ')) {
			buf_addc(&b, (char)c);
			o.col = c == '\n' ? 0 : o.col + 1;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t') {
			size_t run = 0;
			while (i + run < n && (s[i + run] == ' ' || s[i + run] == '\t'))
				run++;
			if (run >= 8) {
				put_esc(&o, 'b', (uint32_t)run);
			} else {
				for (size_t k = 0; k < run; k++) {
					if (s[i + k] == '\t')
						put(&o, "\\t", 2, 2);
					else
						put(&o, " ", 1, 1);
				}
			}
			i += run;
			continue;
		}
		if (c == '\n') {
			/* shown, and the next line starts fresh */
			put(&o, "\\n", 2, 2);
			buf_addc(&b, '\n');
			buf_adds(&b, o.indent);
			o.col = strlen(o.indent);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\r': put(&o, "\\r", 2, 2); break;
			case 0x1b: put(&o, "\\e", 2, 2); break;
			case '\b': put(&o, "\\b", 2, 2); break;
			case '\f': put(&o, "\\f", 2, 2); break;
			case '\v': put(&o, "\\v", 2, 2); break;
			case '\a': put(&o, "\\a", 2, 2); break;
			default: put_esc(&o, 'x', c); break;
			}
			i++;
			continue;
		}
		if (c < 0x80) {
			put(&o, s + i, 1, 1);
			i++;
			continue;
		}
		len = utf8_next(s + i, n - i, &cp);
		if (len == 0) {
			put_esc(&o, 'x', c);
			i++;
			continue;
		}
		if (invisible(cp))
			put_esc(&o, 'u', cp);
		else
			put(&o, s + i, len, 1);
		i += len;
	}
	return buf_steal(&b);
}

char *
display_approval_text(const char *s, size_t width)
{
	return render(s, width, false);
}

char *
display_approval_block(const char *s)
{
	return render(s, 0, true);
}
