/* sanitize.c: neutralise terminal control in command output before it is
 * shown.  A small state machine over bytes: escape sequences of every
 * kind are dropped whole (an unterminated string sequence swallows the
 * rest), C0 controls other than \n and \t become "^X", a \r survives
 * only as part of \r\n, C1 controls (raw or UTF-8 encoded) are treated as
 * the sequences they introduce, and bytes that are not UTF-8 become
 * "\xNN". */
#include <stdint.h>

#include "sandbox/sandbox.h"
#include "util/str.h"

enum st {
	S_TEXT,
	S_ESC,     /* after ESC */
	S_ESC_INT, /* ESC + intermediates, waiting for the final byte */
	S_CSI,     /* parameters and intermediates until 0x40..0x7e */
	S_STR,     /* OSC/DCS/SOS/PM/APC body until BEL or ST */
	S_STR_ESC, /* ESC inside a string: "\\" ends it */
};

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
			len = utf8_next((const char *)s + i, n - i, &cp);
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
