/* repl-plan.c: plan mode in the pairing session: Shift-Tab cycles the
 * permission mode, a plan the agent presents (exit_plan) is shown in the
 * transcript and the user approves it (then ask, or then auto-edit) or
 * sends it back with feedback, in the choice dialog (repl-choice.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/repl.h"
#include "ui/width.h"
#include "util/xalloc.h"

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
	const char *m = agent_mode_name(r->a), *next;
	char msg[120];
	if (r->busy) {
		repl_notice(r, ENT_ERROR, "the mode changes when the agent is idle "
			    "(Shift-Tab again then, or /mode)");
		return;
	}
	next = !strcmp(m, "ask") ? "auto-edit" : !strcmp(m, "auto-edit") ? "plan" : "ask";
	agent_set_mode(r->a, next);
	snprintf(msg, sizeof msg, "permission mode: %s%s", next,
		 !strcmp(next, "plan") ? " (explore read-only, then present a "
		 "plan to approve)" : "");
	repl_notice(r, ENT_NOTICE, msg);
}

void
repl_plan_key(struct repl *r, int key, const char *text)
{
	struct choice *ch = r->ch;
	if (ch->typing) {
		if (key == '\r') {
			repl_plan_answer(r, PLAN_KEEP, text);
			repl_notice(r, ENT_NOTICE, "plan sent back: still in plan mode");
			repl_choice_close(r);
		}
		return;
	}
	switch (key) {
	case '1':
	case '2':
		repl_plan_answer(r, key == '1' ? PLAN_APPROVE_ASK : PLAN_APPROVE_AUTO_EDIT,
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

