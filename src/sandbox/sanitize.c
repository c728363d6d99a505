/* sanitize.c: neutralise terminal control in command output before it is
 * shown.  A small state machine over bytes: escape sequences of every
 * kind are dropped whole (an unterminated string sequence swallows the
 * rest), C0 controls other than \n and \t become "^X", a \r survives
 * only as part of \r\n, C1 controls (raw or UTF-8 encoded) are treated as
 * the sequences they introduce, and bytes that are not UTF-8 become
 * "\xNN". */
#include <stdint.h>

#include "sandbox/sandbox.h"

enum st {
	S_TEXT,
	S_ESC,     /* after ESC */
	S_ESC_INT, /* ESC + intermediates, waiting for the final byte */
	S_CSI,     /* parameters and intermediates until 0x40..0x7e */
	S_STR,     /* OSC/DCS/SOS/PM/APC body until BEL or ST */
	S_STR_ESC, /* ESC inside a string: "\\" ends it */
};

/* Length of the UTF-8 sequence at s[0..n), 0 when invalid; *cp gets the
 * code point. */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

/* What a C1 control (0x80..0x9f) starts. */
static enum st
c1_state(uint32_t c)
{
	switch (c) {
	case 0x9b:
		return S_CSI;
	case 0x9d: case 0x90: case 0x98: case 0x9e: case 0x9f:
		return S_STR;
	default:
		return S_TEXT; /* a lone C1 control: dropped */
	}
}

void
sandbox_sanitize(const char *in, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	enum st st = S_TEXT;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		switch (st) {
		case S_TEXT:
			if (c == 0x1b) {
				st = S_ESC;
				i++;
				continue;
			}
			if (c == '\n' || c == '\t') {
				buf_addc(out, (char)c);
				i++;
				continue;
			}
			if (c == '\r') {
				if (i + 1 < n && s[i + 1] == '\n')
					buf_addc(out, '\r');
				else
					buf_adds(out, "^M");
				i++;
				continue;
			}
			if (c < 0x20 || c == 0x7f) {
				buf_addc(out, '^');
				buf_addc(out, c == 0x7f ? '?' : (char)(c + 0x40));
				i++;
				continue;
			}
			if (c < 0x80) {
				buf_addc(out, (char)c);
				i++;
				continue;
			}
			len = utf8_seq(s + i, n - i, &cp);
			if (len == 0) {
				buf_printf(out, "\\x%02X", c);
				i++;
				continue;
			}
			if (cp >= 0x80 && cp <= 0x9f) {
				st = c1_state(cp);
				i += len;
				continue;
			}
			buf_add(out, s + i, len);
			i += len;
			continue;
		case S_ESC:
			i++;
			if (c == '[')
				st = S_CSI;
			else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
				st = S_STR;
			else if (c >= 0x20 && c <= 0x2f)
				st = S_ESC_INT;
			else if (c == 0x1b)
				st = S_ESC;
			else
				st = S_TEXT; /* two-byte sequence, or junk: dropped */
			continue;
		case S_ESC_INT:
			i++;
			if (c >= 0x30 && c <= 0x7e)
				st = S_TEXT;
			else if (c < 0x20 || c > 0x7e)
				st = S_TEXT;
			continue;
		case S_CSI:
			i++;
			if (c >= 0x40 && c <= 0x7e)
				st = S_TEXT;
			else if (c == 0x1b)
				st = S_ESC;
			else if (c < 0x20 && c != 0x1b)
				st = S_TEXT; /* malformed: stop swallowing */
			continue;
		case S_STR:
			i++;
			if (c == 0x07)
				st = S_TEXT;
			else if (c == 0x1b)
				st = S_STR_ESC;
			else if (c == 0xc2 && i < n && s[i] == 0x9c) {
				i++;
				st = S_TEXT;
			}
			continue;
		case S_STR_ESC:
			i++;
			st = c == '\\' ? S_TEXT : (c == 0x1b ? S_STR_ESC : S_STR);
			continue;
		}
	}
}
