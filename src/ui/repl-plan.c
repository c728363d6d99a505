/* repl-plan.c: plan mode in the pairing session: Shift-Tab cycles the
 * permission mode, a plan the agent presents (exit_plan) is shown in the
 * transcript and the user approves it (then ask, or then auto-edit) or
 * sends it back with feedback.  Also the modal choice dialog that the
 * plan review and /rewind (repl-rewind.c) share. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/repl.h"
#include "ui/width.h"
#include "util/xalloc.h"

/* ---- the worker side ---- */

enum plan_answer
repl_w_review_plan(void *ud, const char *plan, char **feedback)
{
	struct repl *r = ud;
	struct planw w = { plan, false, PLAN_KEEP, NULL };
	struct uev *e;

	*feedback = NULL;
	pthread_mutex_lock(&r->mu);
	if (r->closing) {
		pthread_mutex_unlock(&r->mu);
		return PLAN_KEEP;
	}
	pthread_mutex_unlock(&r->mu);
	e = xcalloc(1, sizeof *e);
	e->k = U_PLAN;
	buf_init(&e->s, 0);
	e->pw = &w;
	/* the same queue the other events use (repl-worker.c) */
	pthread_mutex_lock(&r->mu);
	{
		bool was_empty = !r->qhead;
		if (r->qtail)
			r->qtail->next = e;
		else
			r->qhead = e;
		r->qtail = e;
		pthread_mutex_unlock(&r->mu);
		if (was_empty) {
			char c = 1;
			if (write(r->evp[1], &c, 1) < 0) {
				/* full: the UI has a wake-up pending */
			}
		}
	}
	pthread_mutex_lock(&r->mu);
	while (!w.answered)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	*feedback = w.feedback;
	return w.ans;
}

/* ---- the UI side ---- */

static void
plan_answer(struct repl *r, enum plan_answer ans, const char *feedback)
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
		plan_answer(r, PLAN_KEEP, NULL);
	free(r->ch->title);
	free(r->ch->body);
	free(r->ch);
	r->ch = NULL;
	le_clear(&r->reason);
	r->dirty = true;
}

void
repl_plan_event(struct repl *r, struct planw *pw)
{
	struct ent *t;
	struct choice *ch;

	repl_choice_close(r);
	t = ts_add(&r->ts, ENT_ASSIST);
	buf_adds(&t->text, "**The plan** (plan mode: nothing was changed)\n\n");
	buf_adds(&t->text, pw->plan);
	ent_touch(t);
	r->scroll = 0;
	ch = xcalloc(1, sizeof *ch);
	ch->kind = CH_PLAN;
	ch->pw = pw;
	ch->title = xstrdup("Approve this plan?");
	ch->footer = "[1] approve, then ask  [2] approve, then auto-edit  "
		     "[3] keep planning";
	r->ch = ch;
	r->dirty = true;
}

void
repl_cycle_mode(struct repl *r)
{
	struct policy *p = r->a->o.policy;
	char msg[120];
	if (r->busy) {
		repl_notice(r, ENT_ERROR, "the mode changes when the agent is idle "
			    "(Shift-Tab again then, or /mode)");
		return;
	}
	p->mode = p->mode == MODE_ASK ? MODE_AUTO_EDIT :
		  p->mode == MODE_AUTO_EDIT ? MODE_PLAN : MODE_ASK;
	snprintf(msg, sizeof msg, "permission mode: %s%s", policy_mode_str(p->mode),
		 p->mode == MODE_PLAN ? " (explore read-only, then present a "
		 "plan to approve)" : "");
	repl_notice(r, ENT_NOTICE, msg);
}

static void
plan_key(struct repl *r, int key, const char *text)
{
	struct choice *ch = r->ch;
	if (ch->typing) {
		if (key == '\r') {
			plan_answer(r, PLAN_KEEP, text);
			repl_notice(r, ENT_NOTICE, "plan sent back: still in plan mode");
			repl_choice_close(r);
		}
		return;
	}
	switch (key) {
	case '1':
	case '2':
		plan_answer(r, key == '1' ? PLAN_APPROVE_ASK : PLAN_APPROVE_AUTO_EDIT,
			    NULL);
		repl_notice(r, ENT_NOTICE, key == '1' ?
			    "plan approved: permission mode ask" :
			    "plan approved: permission mode auto-edit");
		repl_choice_close(r);
		break;
	case '3':
		ch->typing = true;
		free(ch->title);
		ch->title = xstrdup("Keep planning: what should change?");
		ch->footer = "Feedback for the model (Enter sends, empty for none)";
		break;
	}
}

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
				plan_key(r, '\r', text);
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
		plan_key(r, key, NULL);
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
	int y0, k;

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
	for (k = y0 > 0 ? y0 - 1 : 0; k < th; k++) {
		move(k, 0);
		clrtoeol();
	}
	if (y0 > 0) {
		attr_set(A_DIM, 0, NULL);
		mvhline(y0 - 1, 0, r->utf8 ? ACS_HLINE : '-', W);
		attr_set(A_NORMAL, 0, NULL);
	}
	for (i = 0; i < n; i++)
		put_line(y0 + (int)i, W, lines[i], lens[i], i == 0 ? A_BOLD : A_NORMAL, 0);
	put_line(th - 1, W, ch->footer, strlen(ch->footer), A_BOLD | A_REVERSE,
		 r->color ? CP_DIALOG : 0);
}
