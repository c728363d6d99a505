/* tool-exit-plan.c: the way out of plan mode.  The model presents its
 * plan as Markdown; the user approves it (the mode becomes ask or
 * auto-edit and the plan seeds the todo list) or sends it back with
 * feedback.  Headless, the plan ends the task and is its result. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tools/internal.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define PLAN_TODO_MAX 50

/* A top-level list item at `s` (one line of `n` bytes): its text, or
 * NULL. */
static const char *
list_item(const char *s, size_t n, size_t *len)
{
	size_t i = 0, ind = 0;
	while (i < n && s[i] == ' ' && ind < 4) {
		i++;
		ind++;
	}
	if (ind >= 2 || i >= n) /* deeper: a sub-item, part of its step */
		return NULL;
	if (s[i] == '-' || s[i] == '*' || s[i] == '+') {
		i++;
	} else if (isdigit((unsigned char)s[i])) {
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i >= n || (s[i] != '.' && s[i] != ')'))
			return NULL;
		i++;
	} else {
		return NULL;
	}
	if (i >= n || s[i] != ' ')
		return NULL;
	while (i < n && s[i] == ' ')
		i++;
	/* a task box "[ ] " / "[x] " */
	if (i + 3 < n && s[i] == '[' && s[i + 2] == ']' && s[i + 3] == ' ')
		i += 4;
	while (i < n && s[i] == ' ')
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (i >= n)
		return NULL;
	*len = n - i;
	return s + i;
}

void
todo_from_plan(struct todo_list *t, const char *plan)
{
	const char *s = plan;
	size_t n = 0;
	bool fence = false;

	todo_list_free(t);
	t->items = xcalloc(PLAN_TODO_MAX, sizeof *t->items);
	while (*s && n < PLAN_TODO_MAX) {
		size_t e = strcspn(s, "\n"), len;
		const char *it;
		if (strncmp(s, "```", 3) == 0 || strncmp(s, "~~~", 3) == 0)
			fence = !fence;
		else if (!fence && (it = list_item(s, e, &len)) != NULL) {
			t->items[n].content = xstrndup(it, len);
			t->items[n].status = TODO_PENDING;
			n++;
		}
		s += e;
		if (*s)
			s++;
	}
	if (!n) {
		t->items[0].content = xstrdup("Carry out the approved plan");
		t->items[0].status = TODO_PENDING;
		n = 1;
	}
	t->n = n;
}

enum cerr
tool_exit_plan_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	const char *plan = jx_str(args, "plan");
	char *feedback = NULL;
	enum plan_answer a;

	if (!ctx->policy || ctx->policy->mode != MODE_PLAN) {
		buf_printf(out, "exit_plan is only for plan mode, and the mode "
			   "is %s: there is no plan to present; go on with the "
			   "task.", ctx->policy ?
			   policy_mode_str(ctx->policy->mode) : "unknown");
		return C_ERR_INVAL;
	}
	while (plan && (*plan == ' ' || *plan == '\n'))
		plan++;
	if (!plan || !*plan) {
		buf_adds(out, "The plan is empty: pass the plan as Markdown in "
			 "\"plan\" (a summary, then the steps as a numbered list).");
		return C_ERR_INVAL;
	}
	if (!ctx->review_plan) {
		free(ctx->plan);
		ctx->plan = xstrdup(plan);
		buf_adds(out, "The plan was presented for review; the task ends "
			 "here.");
		return C_OK;
	}
	a = ctx->review_plan(ctx->ud, plan, &feedback);
	if (a == PLAN_KEEP) {
		buf_adds(out, "The user did not approve the plan yet. You are "
			 "still in plan mode: keep exploring read-only, revise "
			 "the plan, and present it again with exit_plan.");
		if (feedback && *feedback)
			buf_printf(out, "\nThe user's feedback: %s", feedback);
		free(feedback);
		return C_OK;
	}
	ctx->policy->mode = a == PLAN_APPROVE_AUTO_EDIT ? MODE_AUTO_EDIT : MODE_ASK;
	if (ctx->todos) {
		todo_from_plan(ctx->todos, plan);
		ctx->todos_changed = true;
	}
	buf_printf(out, "The user approved the plan. Plan mode is over: the "
		   "permission mode is now %s%s. Carry out the plan now; the todo "
		   "list holds its steps: keep it current with the todo tool.",
		   policy_mode_str(ctx->policy->mode),
		   a == PLAN_APPROVE_AUTO_EDIT ?
		   " (edits in the workspace run without asking)" :
		   " (edits and commands ask the user)");
	if (feedback && *feedback)
		buf_printf(out, "\nThe user's note: %s", feedback);
	free(feedback);
	return C_OK;
}
