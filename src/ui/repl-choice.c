/* repl-choice.c: the modal choice dialog that the plan review
 * (repl-plan.c) and /rewind (repl-rewind.c) share: its keys, handed to
 * the one that opened it, and its drawing. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/repl.h"
#include "ui/width.h"
#include "util/xalloc.h"

void
repl_choice_key(struct repl *r, int key, bool is_char)
{
	struct choice *ch = r->ch;
	if (is_char && (key == 27 || key == 3)) { /* Esc, Ctrl-C */
		bool plan = ch->kind == CH_PLAN;
		repl_choice_close(r);
		if (plan) {
			/* the plan is not approved and the task stops */
			char c = 1;
			if (r->o->cancel_wfd >= 0 && write(r->o->cancel_wfd, &c, 1) < 0) {
				/* full: a cancel is pending already */
			}
		}
		return;
	}
	if (ch->typing) {
		if (is_char && key == '\r') {
			char *text = xstrdup(le_str(&r->reason));
			if (ch->kind == CH_PLAN)
				repl_plan_key(r, '\r', text);
			else
				repl_rewind_key(r, '\r', text);
			free(text);
		} else {
			repl_line_key(r, key, is_char);
		}
		r->dirty = true;
		return;
	}
	if (!is_char)
		return;
	if (ch->kind == CH_PLAN)
		repl_plan_key(r, key, NULL);
	else
		repl_rewind_key(r, key, NULL);
	r->dirty = true;
}

static void
put_line(int y, int W, const char *s, size_t n, attr_t at, short pair)
{
	size_t fit = width_fit(s, n, (size_t)W, NULL);
	attr_set(at, pair, NULL);
	mvaddnstr(y, 0, s, (int)fit);
	attr_set(A_NORMAL, 0, NULL);
}

void
repl_choice_draw(struct repl *r, int th, int W)
{
	const struct choice *ch = r->ch;
	const char *lines[256];
	size_t lens[256], n = 0, i, rows, skip;
	const char *s;
	int y0;

	if (th <= 1)
		return;
	lines[n] = ch->title;
	lens[n++] = strlen(ch->title);
	for (s = ch->body; s && *s;) {
		size_t e = strcspn(s, "\n");
		if (n == 256) { /* keep the newest lines */
			memmove(lines + 1, lines + 2, 254 * sizeof *lines);
			memmove(lens + 1, lens + 2, 254 * sizeof *lens);
			n--;
		}
		lines[n] = s;
		lens[n++] = e;
		s += e;
		if (*s)
			s++;
	}
	rows = (size_t)(th - 1);
	if (n > rows && rows > 1) {
		/* the title, then the last lines: the newest turns */
		skip = n - rows;
		memmove(lines + 1, lines + 1 + skip, (rows - 1) * sizeof *lines);
		memmove(lens + 1, lens + 1 + skip, (rows - 1) * sizeof *lens);
		n = rows;
	} else if (n > rows) {
		n = rows;
	}
	y0 = th - 1 - (int)n;
	repl_dialog_frame(r, y0, th, W);
	for (i = 0; i < n; i++)
		put_line(y0 + (int)i, W, lines[i], lens[i], i == 0 ? A_BOLD : A_NORMAL, 0);
	put_line(th - 1, W, ch->footer, strlen(ch->footer), A_BOLD | A_REVERSE,
		 r->color ? CP_DIALOG : 0);
}
