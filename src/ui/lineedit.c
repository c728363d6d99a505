/* lineedit.c: the input line editor (see lineedit.h). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/lineedit.h"
#include "ui/width.h"
#include "util/xalloc.h"

void
le_init(struct le *e)
{
	memset(e, 0, sizeof *e);
	e->cap = 64;
	e->s = xmalloc(e->cap);
	e->s[0] = '\0';
}

void
le_free(struct le *e)
{
	xfree_all(e->s, e->kill);
	memset(e, 0, sizeof *e);
}

void
le_clear(struct le *e)
{
	e->len = e->cur = 0;
	e->s[0] = '\0';
}

static void
reserve(struct le *e, size_t add)
{
	size_t need;
	if (!size_add_ok(e->len, add + 1, &need))
		abort();
	if (need <= e->cap)
		return;
	while (e->cap < need)
		e->cap *= 2;
	e->s = xrealloc(e->s, e->cap);
}

static void
raw_insert(struct le *e, const char *s, size_t n)
{
	reserve(e, n);
	memmove(e->s + e->cur + n, e->s + e->cur, e->len - e->cur + 1);
	memcpy(e->s + e->cur, s, n);
	e->len += n;
	e->cur += n;
}

void
le_insert(struct le *e, const char *s, size_t n)
{
	size_t i = 0, start = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		if (cp == 0xfffd && k == 1) {
			raw_insert(e, s + start, i - start);
			raw_insert(e, "\xef\xbf\xbd", 3);
			start = i + 1;
		}
		i += k;
	}
	raw_insert(e, s + start, n - start);
}

void
le_set(struct le *e, const char *s)
{
	le_clear(e);
	le_insert(e, s, strlen(s));
}

const char *
le_str(const struct le *e)
{
	return e->s;
}

bool
le_left(struct le *e)
{
	if (e->cur == 0)
		return false;
	e->cur = width_prev(e->s, e->cur);
	return true;
}

bool
le_right(struct le *e)
{
	if (e->cur >= e->len)
		return false;
	e->cur = width_next(e->s, e->len, e->cur);
	return true;
}

static size_t
line_start(const struct le *e, size_t at)
{
	while (at > 0 && e->s[at - 1] != '\n')
		at--;
	return at;
}

static size_t
line_end(const struct le *e, size_t at)
{
	while (at < e->len && e->s[at] != '\n')
		at++;
	return at;
}

/* move the cursor to `to`; true if that moved it */
static bool
move_to(struct le *e, size_t to)
{
	bool moved = to != e->cur;
	e->cur = to;
	return moved;
}

bool
le_home(struct le *e)
{
	return move_to(e, line_start(e, e->cur));
}

bool
le_end(struct le *e)
{
	return move_to(e, line_end(e, e->cur));
}

/* Remove [a, b); keep it for yank when `keep`. */
static void
cut(struct le *e, size_t a, size_t b, bool keep)
{
	if (keep) {
		free(e->kill);
		e->kill = xstrndup(e->s + a, b - a);
	}
	memmove(e->s + a, e->s + b, e->len - b + 1);
	e->len -= b - a;
	e->cur = a;
}

bool
le_backspace(struct le *e)
{
	if (e->cur == 0)
		return false;
	cut(e, width_prev(e->s, e->cur), e->cur, false);
	return true;
}

bool
le_delete(struct le *e)
{
	if (e->cur >= e->len)
		return false;
	cut(e, e->cur, width_next(e->s, e->len, e->cur), false);
	return true;
}

bool
le_kill_end(struct le *e)
{
	size_t end = line_end(e, e->cur);
	if (end == e->cur) {
		if (e->cur < e->len) { /* at a line end: join the next line */
			cut(e, e->cur, e->cur + 1, true);
			return true;
		}
		return false;
	}
	cut(e, e->cur, end, true);
	return true;
}

bool
le_kill_start(struct le *e)
{
	size_t s = line_start(e, e->cur);
	if (s == e->cur)
		return false;
	cut(e, s, e->cur, true);
	return true;
}

static bool
is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

bool
le_kill_word(struct le *e)
{
	size_t a = e->cur;
	if (a == 0)
		return false;
	while (a > 0 && isspace((unsigned char)e->s[a - 1]))
		a--;
	while (a > 0 && !isspace((unsigned char)e->s[a - 1]))
		a--;
	cut(e, a, e->cur, true);
	return true;
}

bool
le_word_left(struct le *e)
{
	size_t a = e->cur;
	if (a == 0)
		return false;
	while (a > 0 && !is_word((unsigned char)e->s[a - 1]))
		a--;
	while (a > 0 && is_word((unsigned char)e->s[a - 1]))
		a--;
	e->cur = a;
	return true;
}

bool
le_word_right(struct le *e)
{
	size_t a = e->cur;
	if (a >= e->len)
		return false;
	while (a < e->len && !is_word((unsigned char)e->s[a]))
		a++;
	while (a < e->len && is_word((unsigned char)e->s[a]))
		a++;
	e->cur = a;
	return true;
}

bool
le_yank(struct le *e)
{
	if (!e->kill || !*e->kill)
		return false;
	raw_insert(e, e->kill, strlen(e->kill));
	return true;
}

/* Put the cursor `col` columns into the line starting at `ls`. */
static void
to_col(struct le *e, size_t ls, size_t col)
{
	size_t le = line_end(e, ls);
	size_t k = width_fit(e->s + ls, le - ls, col, NULL);
	e->cur = ls + k;
}

bool
le_up(struct le *e)
{
	size_t ls = line_start(e, e->cur), col;
	if (ls == 0)
		return false;
	col = width_str(e->s + ls, e->cur - ls);
	to_col(e, line_start(e, ls - 1), col);
	return true;
}

bool
le_down(struct le *e)
{
	size_t ls = line_start(e, e->cur), le = line_end(e, e->cur), col;
	if (le >= e->len)
		return false;
	col = width_str(e->s + ls, e->cur - ls);
	to_col(e, le + 1, col);
	return true;
}

size_t
le_layout(const struct le *e, int width, int pw, struct le_row *rows,
	  size_t max, size_t *crow, size_t *ccol)
{
	size_t avail, nrows = 0, i = 0, col = 0, rs = 0;
	bool cursor_set = false;

	if (pw < 0)
		pw = 0;
	if (width <= pw)
		width = pw + 1;
	avail = (size_t)(width - pw);
	*crow = 0;
	*ccol = (size_t)pw;
	for (;;) {
		bool end_row = false, at_nl = false;
		size_t next = i;
		if (i == e->cur && !cursor_set) {
			*crow = nrows;
			*ccol = (size_t)pw + col;
			cursor_set = true;
		}
		if (i >= e->len) {
			end_row = true;
		} else if (e->s[i] == '\n') {
			end_row = true;
			at_nl = true;
		} else {
			size_t j = width_next(e->s, e->len, i);
			size_t w = width_str(e->s + i, j - i);
			if (col + w > avail && col > 0) {
				end_row = true;
			} else {
				col += w;
				next = j;
			}
		}
		if (!end_row) {
			i = next;
			continue;
		}
		if (nrows < max) {
			rows[nrows].start = rs;
			rows[nrows].end = i;
		}
		nrows++;
		if (i >= e->len)
			break;
		if (at_nl)
			i++;
		rs = i;
		col = 0;
	}
	/* a cursor at the very end of a full row goes to the next row */
	if (*ccol >= (size_t)width) {
		(*crow)++;
		*ccol = (size_t)pw;
		if (*crow >= nrows) {
			if (nrows < max) {
				rows[nrows].start = rows[nrows].end = e->len;
			}
			nrows++;
		}
	}
	return nrows;
}
