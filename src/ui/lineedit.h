/* lineedit.h: the input line editor: a UTF-8 buffer with a cursor, kill
 * and yank, word motion, multi-line text and its layout on screen.
 *
 * All positions are byte offsets that always sit on a character-cluster
 * boundary (width.h).  Operations return false when they could not move
 * or change anything. */
#ifndef CONCH_UI_LINEEDIT_H
#define CONCH_UI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

struct le {
	char *s;    /* owned, NUL-terminated */
	size_t len, cap;
	size_t cur; /* cursor, 0..len */
	char *kill; /* last killed text; owned; may be NULL */
};

/* An empty editor; le_free releases the text and the kill buffer. */
void le_init(struct le *e);
void le_free(struct le *e);
/* Empty the text (the kill buffer stays for Ctrl-Y). */
void le_clear(struct le *e);
/* Replace the text; the cursor goes to the end. */
void le_set(struct le *e, const char *s);
/* Insert s[0..n) at the cursor (invalid UTF-8 becomes U+FFFD). */
void le_insert(struct le *e, const char *s, size_t n);
bool le_left(struct le *e);
bool le_right(struct le *e);
bool le_home(struct le *e);   /* start of the current line */
bool le_end(struct le *e);    /* end of the current line */
bool le_backspace(struct le *e);
bool le_delete(struct le *e);
bool le_kill_end(struct le *e);   /* Ctrl-K */
bool le_kill_start(struct le *e); /* Ctrl-U */
bool le_kill_word(struct le *e);  /* Ctrl-W: the word before the cursor */
bool le_word_left(struct le *e);  /* Alt-B */
bool le_word_right(struct le *e); /* Alt-F */
bool le_yank(struct le *e);       /* Ctrl-Y */
/* Move to the previous / next line of multi-line text, keeping the
 * column; false on the first / last line (the caller recalls history). */
bool le_up(struct le *e);
bool le_down(struct le *e);
/* The text; valid until the next change. */
const char *le_str(const struct le *e);

/* One screen row of the laid-out text: bytes [start, end). */
struct le_row {
	size_t start, end;
};

/* Lay the text out in `width` columns, the first row starting after a
 * prompt of `pw` columns and the following rows indented by `pw` too.
 * Returns the number of rows (>= 1) and fills rows[0..min(n, max)).
 * *crow and *ccol get the cursor's row and column (column counts the
 * indent). */
size_t le_layout(const struct le *e, int width, int pw, struct le_row *rows,
		 size_t max, size_t *crow, size_t *ccol);

#endif
