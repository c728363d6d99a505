/* repl-core.c: what every part of the pairing session uses: notices in
 * the transcript, answers to the worker (approval, plan), cancelling,
 * the drawing primitives, the line editor's keys in dialogs, closing the
 * modal choice, and a restored conversation into the transcript.  It
 * calls nothing of the other repl-*.c files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/repl.h"
#include "ui/width.h"
#include "util/xalloc.h"

/* ---- transcript helpers ---- */

void
repl_notice(struct repl *r, enum ent_kind k, const char *msg)
{
	ts_add_text(&r->ts, k, msg);
	r->scroll = 0;
	r->dirty = true;
}

struct ent *
repl_find_tool(struct repl *r, const char *id)
{
	size_t i = r->ts.n;
	while (i-- > 0) {
		struct ent *e = r->ts.v[i];
		if (e->kind == ENT_TOOL && !e->done && e->id && id &&
		    strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

void
repl_answer(struct repl *r, enum approval ans, const char *reason)
{
	struct apw *w = r->ap;
	if (!w)
		return;
	pthread_mutex_lock(&r->mu);
	w->ans = ans;
	w->reason = reason && *reason ? xstrdup(reason) : NULL;
	w->answered = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->ap = NULL;
	r->ap_reason = false;
	r->ap_top = 0;
	le_clear(&r->reason);
	r->dirty = true;
}

/* Interrupting drops what was typed ahead: the queued lines go back to
 * an empty editor (to send again or clear), else they are dropped. */
static void
drop_queue(struct repl *r)
{
	struct buf b = BUF_INIT;
	char msg[96];
	size_t i, n = r->npending;
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(&b, '\n');
		buf_adds(&b, r->pending[i]);
		free(r->pending[i]);
	}
	r->npending = 0;
	if (!r->ed.len) {
		le_set(&r->ed, buf_str(&b));
		snprintf(msg, sizeof msg, "%zu queued message%s not sent: back in "
			 "the input (Enter sends, Ctrl-C clears)", n, n == 1 ? "" : "s");
	} else {
		snprintf(msg, sizeof msg, "%zu queued message%s dropped", n,
			 n == 1 ? "" : "s");
	}
	repl_notice(r, ENT_NOTICE, msg);
	buf_free(&b);
}

void
repl_cancel(struct repl *r)
{
	char c = 1;
	drop_queue(r);
	if (r->ap)
		repl_answer(r, APPROVE_DENY, "the user interrupted");
	if (r->o->cancel_wfd >= 0 && write(r->o->cancel_wfd, &c, 1) < 0) {
		/* full: a cancel is pending already */
	}
}

static attr_t
attr_of(const struct repl *r, unsigned a, short *pair)
{
	attr_t at = A_NORMAL;
	*pair = 0;
	if (a & (MD_BOLD | MD_HEADING))
		at |= A_BOLD;
	if (a & MD_ITALIC)
#ifdef A_ITALIC
		at |= A_ITALIC;
#else
		at |= A_UNDERLINE;
#endif
	if (a & MD_LINK)
		at |= A_UNDERLINE;
	if (a & (MD_DIM | MD_QUOTE))
		at |= A_DIM;
	if (!r->color) {
		if (a & (MD_CODE | MD_CODEBLOCK | MD_HUNK))
			at |= A_BOLD;
		if (a & MD_DEL)
			at |= A_DIM;
		if (a & (MD_ERROR | MD_USER))
			at |= A_BOLD;
		return at;
	}
	if (a & MD_HEADING)
		*pair = CP_HEAD;
	else if (a & MD_ADD)
		*pair = CP_ADD;
	else if (a & MD_DEL)
		*pair = CP_DEL;
	else if (a & MD_HUNK)
		*pair = CP_HUNK;
	else if (a & MD_ERROR)
		*pair = CP_ERR;
	else if (a & MD_OK)
		*pair = CP_OK;
	else if (a & (MD_CODE | MD_CODEBLOCK))
		*pair = CP_CODE;
	else if (a & MD_LINK)
		*pair = CP_LINK;
	else if (a & MD_USER)
		*pair = CP_USER;
	else if (a & MD_BULLET)
		*pair = CP_BULLET;
	return at;
}

/* Put text at (y, x); returns the columns used.  Non-UTF-8 terminals get
 * one '?' per column of each non-ASCII character. */
int
repl_put(struct repl *r, int y, int x, const char *s, size_t n, attr_t at, short pair)
{
	int w = (int)width_str(s, n);
	attr_set(at, pair, NULL);
	if (r->utf8) {
		mvaddnstr(y, x, s, (int)n);
	} else {
		size_t i = 0;
		int col = x;
		move(y, x);
		while (i < n) {
			size_t j = width_next(s, n, i);
			if ((unsigned char)s[i] < 0x80 && j == i + 1) {
				addch((chtype)(unsigned char)s[i]);
				col++;
			} else {
				int cw = (int)width_str(s + i, j - i);
				while (cw-- > 0) {
					addch('?');
					col++;
				}
			}
			i = j;
		}
	}
	attr_set(A_NORMAL, 0, NULL);
	return w;
}

void
repl_draw_line(struct repl *r, int y, const struct md_line *l)
{
	size_t i;
	int x = 0;
	for (i = 0; i < l->nspans; i++) {
		short pair;
		attr_t at = attr_of(r, l->spans[i].attr, &pair);
		x += repl_put(r, y, x, l->text + l->spans[i].off, l->spans[i].len, at, pair);
	}
}

void
repl_line_key(struct repl *r, int key, bool is_char)
{
	if ((is_char && (key == 127 || key == 8)) || (!is_char && key == KEY_BACKSPACE)) {
		le_backspace(&r->reason);
	} else if (!is_char && key == KEY_LEFT) {
		le_left(&r->reason);
	} else if (!is_char && key == KEY_RIGHT) {
		le_right(&r->reason);
	} else if (is_char && key >= 32) {
		char u[4];
		le_insert(&r->reason, u, utf8_encode((uint32_t)key, u));
	}
}

/* ---- the UI side ---- */

void
repl_plan_answer(struct repl *r, enum plan_answer ans, const char *feedback)
{
	struct planw *w = r->ch ? r->ch->pw : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&r->mu);
	w->ans = ans;
	w->feedback = feedback && *feedback ? xstrdup(feedback) : NULL;
	w->answered = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->ch->pw = NULL;
}

void
repl_choice_close(struct repl *r)
{
	if (!r->ch)
		return;
	if (r->ch->pw)
		repl_plan_answer(r, PLAN_KEEP, NULL);
	xfree_all(r->ch->title, r->ch->body, r->ch);
	r->ch = NULL;
	le_clear(&r->reason);
	r->dirty = true;
}

/* Put a conversation (restored from a session) into the transcript. */
void
repl_show_conv(struct repl *r, const struct conv *c)
{
	size_t i, j;
	for (i = 0; i < c->n; i++) {
		const struct conv_msg *m = &c->msgs[i];
		for (j = 0; j < m->nblocks; j++) {
			const struct conv_block *b = &m->blocks[j];
			struct ent *e;
			if (b->type == BLK_TEXT && b->text && *b->text) {
				ts_add_text(&r->ts, m->role == CONV_USER ?
					    ENT_USER : ENT_ASSIST, b->text);
			} else if (b->type == BLK_TOOL_CALL) {
				e = ts_add(&r->ts, ENT_TOOL);
				e->id = xstrdup(b->id);
				e->name = xstrdup(b->name);
				e->args = xstrdup(b->args);
				e->expanded = r->tools_expanded;
			} else if (b->type == BLK_TOOL_RESULT &&
				   (e = repl_find_tool(r, b->id))) {
				e->done = true;
				e->is_error = b->is_error;
				buf_adds(&e->result, b->text ? b->text : "");
			}
		}
	}
	for (i = 0; i < r->ts.n; i++) /* calls whose results were lost */
		if (r->ts.v[i]->kind == ENT_TOOL)
			r->ts.v[i]->done = true;
	r->scroll = 0;
	r->dirty = true;
}

void
repl_dialog_frame(struct repl *r, int y0, int th, int W)
{
	int k;
	for (k = y0 > 0 ? y0 - 1 : 0; k < th; k++) {
		move(k, 0);
		clrtoeol();
	}
	if (y0 > 0) {
		attr_set(A_DIM, 0, NULL);
		mvhline(y0 - 1, 0, r->utf8 ? ACS_HLINE : '-', W);
		attr_set(A_NORMAL, 0, NULL);
	}
}
