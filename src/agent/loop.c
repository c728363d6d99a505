/* loop.c: agent_run(), the turn loop. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent-int.h"
#include "agent/checkpoint.h"
#include "util/clock.h"
#include "agent/mind.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"

static bool
fd_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return fd >= 0 && poll(&p, 1, 0) > 0;
}

void
agent_result_free(struct agent_result *res)
{
	xfree_all(res->text, res->answered_by, res->plan);
	memset(res, 0, sizeof *res);
}

static cJSON *
todos_json(const struct todo_list *t)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;
	for (i = 0; i < t->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "content", t->items[i].content);
		cJSON_AddStringToObject(o, "status", todo_status_str(t->items[i].status));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* provider_events -> agent_events glue */
struct relay {
	const struct agent_events *ev;
	int cancel_fd;
};

static void
r_text(void *ud, const char *s, size_t n)
{
	struct relay *r = ud;
	if (r->ev && r->ev->text)
		r->ev->text(r->ev->ud, s, n);
}

static void
r_thinking(void *ud, const char *s, size_t n)
{
	struct relay *r = ud;
	if (r->ev && r->ev->thinking)
		r->ev->thinking(r->ev->ud, s, n);
}

static void
r_discard(void *ud, const char *why)
{
	struct relay *r = ud;
	if (r->ev && r->ev->discard)
		r->ev->discard(r->ev->ud, why);
}

static void
r_notice(void *ud, const char *msg)
{
	struct relay *r = ud;
	if (r->ev && r->ev->notice)
		r->ev->notice(r->ev->ud, msg);
}

static bool
r_cancelled(void *ud)
{
	struct relay *r = ud;
	return fd_ready(r->cancel_fd);
}

static void
record_interrupt(struct agent *a, const char *where)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "during", where);
	session_append(a->session, "interrupt", rec);
}

/* The task failed before the model answered at all: its prompt leaves
 * the context (and, through a record, the resumed context) so that the
 * user's retry does not send it twice. */
static void
drop_failed_prompt(struct agent *a)
{
	cJSON *rec;
	if (!a->conv.n || a->conv.msgs[a->conv.n - 1].role != CONV_USER)
		return;
	conv_truncate(&a->conv, a->conv.n - 1);
	rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "keep", (double)a->conv.n);
	session_append(a->session, "turn_failed", rec);
}

/* Per task: what the tool calls achieved, for agent_result.blocked. */
struct tally {
	int acting_tried;  /* calls of tools that write or run commands */
	int acting_done;   /* ... of them that ran without error */
	bool last_denied;  /* the latest batch held a refused call */
};

static bool
acting_tool(const char *name)
{
	const struct tool *t = name ? tool_find(name) : NULL;
	return t && (t->flags & (TOOL_WRITES | TOOL_RUNS_COMMANDS));
}

struct ckpt *
agent_checkpoints(struct agent *a, struct buf *err)
{
	struct ckpt_opts o;
	if (a->ckpt || a->ckpt_off)
		return a->ckpt;
	if (!a->session) {
		buf_adds(err, "checkpoints need a session log");
		return NULL;
	}
	ckpt_opts_from_config(&o, a->o.config);
	if (!o.enabled) {
		a->ckpt_off = true;
		buf_adds(err, "checkpoints are off (\"checkpoints\": {\"enabled\": "
			 "false} in the config)");
		return NULL;
	}
	a->ckpt = ckpt_open(a->o.workspace, a->session->id, &o, err);
	a->ckpt_off = !a->ckpt;
	return a->ckpt;
}

bool
agent_rewind_conv(struct conv *conv, struct session *s, long conv_index,
		  const char *prompt)
{
	const struct conv_msg *m;
	char *text;
	bool ok;
	cJSON *rec;

	if (conv_index < 0 || (size_t)conv_index >= conv->n)
		return false;
	m = &conv->msgs[conv_index];
	text = conv_msg_text(m);
	/* the checkpoint keeps the prompt cut short */
	ok = m->role == CONV_USER && prompt &&
	     strncmp(text, prompt, strlen(prompt)) == 0;
	free(text);
	if (!ok)
		return false;
	conv_truncate(conv, (size_t)conv_index);
	rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "keep", (double)conv_index);
	session_append(s, "rewind", rec);
	return true;
}

enum tools_end { TOOLS_GO, TOOLS_CANCELLED, TOOLS_PLAN };

/* Run the tool calls of `msg`. */
static enum tools_end
run_tools(struct agent *a, const struct conv_msg *msg,
	  const struct agent_events *ev, struct agent_result *res,
	  struct tally *tl)
{
	struct conv_msg results;
	struct tool_ctx ctx;
	bool cancelled = false;
	size_t i;

	agent_tool_ctx(a, ev, &ctx);

	conv_msg_init(&results, CONV_USER);
	tl->last_denied = false;
	for (i = 0; i < msg->nblocks; i++) {
		const struct conv_block *call = &msg->blocks[i];
		struct buf out = BUF_INIT;
		bool is_error = false;
		long t0;
		if (call->type != BLK_TOOL_CALL)
			continue;
		if (cancelled || fd_ready(a->o.cancel_fd)) {
			cancelled = true;
			conv_msg_add_tool_result(&results, call->id,
						 "not run: the user interrupted", true);
			continue;
		}
		if (ev && ev->tool_start)
			ev->tool_start(ev->ud, call);
		t0 = clock_mono_ms();
		/* the mode may change between calls (an approved plan) */
		if (a->o.policy)
			ctx.sandbox.read_only = a->sandbox.read_only ||
				a->o.policy->mode == MODE_READ_ONLY ||
				a->o.policy->mode == MODE_PLAN;
		ctx.todos_changed = false;
		{
			int before = ctx.denials;
			tool_call_parsed(&ctx, call->name, call->args_json, call->args,
					 &out, &is_error);
			if (ctx.denials > before) {
				tl->last_denied = true;
				if (ev && ev->denied)
					ev->denied(ev->ud, call, ctx.denied_why);
			}
			if (acting_tool(call->name)) {
				tl->acting_tried++;
				tl->acting_done += !is_error;
			}
		}
		if (a->ckpt) {
			const struct tool *t = tool_find(call->name);
			if (t && (t->flags & TOOL_RUNS_COMMANDS))
				ckpt_note_shell(a->ckpt);
		}
		res->tool_calls++;
		if (fd_ready(a->o.cancel_fd)) {
			cancelled = true;
			buf_adds(&out, "\n[interrupted by the user]");
			is_error = true;
		}
		if (ev && ev->tool_end)
			ev->tool_end(ev->ud, call, buf_str(&out), is_error, clock_mono_ms() - t0);
		conv_msg_add_tool_result(&results, call->id, buf_str(&out), is_error);
		{
			cJSON *rec = cJSON_CreateObject();
			cJSON_AddStringToObject(rec, "id", call->id);
			cJSON_AddStringToObject(rec, "name", call->name);
			cJSON_AddNumberToObject(rec, "ms", (double)(clock_mono_ms() - t0));
			cJSON_AddBoolToObject(rec, "is_error", is_error);
			session_append(a->session, "tool", rec);
		}
		if (ctx.todos_changed && !is_error) {
			cJSON *rec = cJSON_CreateObject();
			cJSON_AddItemToObject(rec, "items", todos_json(&a->todos));
			session_append(a->session, "todo", rec);
			if (ev && ev->todo)
				ev->todo(ev->ud, &a->todos);
		}
		buf_free(&out);
	}
	session_append_msg(a->session, &results);
	conv_push(&a->conv, &results);
	conv_msg_free(&results);
	res->denials += ctx.denials;
	if (ctx.plan) {
		free(res->plan);
		res->plan = ctx.plan;
		return cancelled ? TOOLS_CANCELLED : TOOLS_PLAN;
	}
	return cancelled ? TOOLS_CANCELLED : TOOLS_GO;
}

/* The checkpoint before a task that may change files. */
static bool
checkpoint_begin(struct agent *a, const char *prompt, long conv_index,
		 const struct agent_events *ev)
{
	struct buf err = BUF_INIT;
	struct ckpt *c;
	bool ok = false;

	if (!a->o.policy || a->o.policy->mode == MODE_READ_ONLY || !a->session)
		return false;
	c = agent_checkpoints(a, &err);
	if (c && ckpt_begin(c, prompt, conv_index, &err) == C_OK)
		ok = true;
	if (!ok && err.len && ev && ev->notice && !a->ckpt_off) {
		char *msg = xasprintf("checkpoint failed (rewind will not cover "
				      "this turn): %s", buf_str(&err));
		ev->notice(ev->ud, msg);
		free(msg);
	}
	buf_free(&err);
	return ok;
}

static void
checkpoint_end(struct agent *a, const struct agent_events *ev)
{
	struct buf err = BUF_INIT;
	if (a->ckpt && ckpt_end(a->ckpt, &err) != C_OK && ev && ev->notice) {
		char *msg = xasprintf("checkpoint after the turn failed: %s",
				      buf_str(&err));
		ev->notice(ev->ud, msg);
		free(msg);
	}
	buf_free(&err);
}

/* The tools offered now: exit_plan (last in the table) only in plan mode. */
static size_t
offered_tools(const struct agent *a)
{
	bool plan = a->o.policy && a->o.policy->mode == MODE_PLAN;
	if (!plan && a->ntools &&
	    strcmp(a->tools[a->ntools - 1].name, "exit_plan") == 0)
		return a->ntools - 1;
	return a->ntools;
}

enum cerr
agent_run(struct agent *a, const char *prompt, const struct agent_events *ev,
	  struct agent_result *res)
{
	struct relay relay = { ev, a->o.cancel_fd };
	struct provider_events pev = {
		.ud = &relay, .text = r_text, .thinking = r_thinking,
		.discard = r_discard, .notice = r_notice,
		.cancelled = r_cancelled, .cancel_fd = a->o.cancel_fd,
	};
	struct conv_msg *um;
	struct tally tl = { 0, 0, false };
	int turn;
	bool ckpt;

	memset(res, 0, sizeof *res);
	ckpt = checkpoint_begin(a, prompt, (long)a->conv.n, ev);
	um = conv_add(&a->conv, CONV_USER);
	conv_msg_add_text(um, prompt);
	if (a->o.policy && a->o.policy->mode == MODE_PLAN)
		conv_msg_add_text(um, "[conch: plan mode is on. Explore with "
				  "read-only tools and commands only; nothing may "
				  "be changed. When you know what to do, present "
				  "the plan with the exit_plan tool for the user "
				  "to approve.]");
	session_append_msg(a->session, um);

	for (turn = 0; turn < a->o.max_turns; turn++) {
		struct provider_request req = {
			.system = a->system, .conv = &a->conv,
			.tools = a->tools, .ntools = offered_tools(a),
			.max_tokens = a->o.max_tokens, .cwd = a->o.cwd,
		};
		struct provider_error perr;
		struct conv_msg msg;
		enum cerr e;

		memset(&perr, 0, sizeof perr);
		agent_compact_maybe(a, ev); /* mind.h */
		e = chain_chat(a->o.chain, &req, &pev, &msg, &perr);
		if (e == C_ERR_CONTEXT && agent_compact_overflow(a, ev)) { /* mind.h */
			conv_msg_free(&msg);
			e = chain_chat(a->o.chain, &req, &pev, &msg, &perr);
		}
		if (e == C_ERR_CANCELLED || (e && fd_ready(a->o.cancel_fd))) {
			char *partial = conv_msg_text(&msg);
			if (*partial) {
				struct conv_msg keep;
				conv_msg_init(&keep, CONV_ASSISTANT);
				conv_msg_add_text(&keep, partial);
				conv_msg_append_text(&keep, "\n[interrupted]", 14);
				keep.stop = STOP_NONE;
				session_append_msg(a->session, &keep);
				conv_push(&a->conv, &keep);
			}
			free(partial);
			conv_msg_free(&msg);
			record_interrupt(a, "model");
			res->err = C_ERR_CANCELLED;
			snprintf(res->errmsg, sizeof res->errmsg, "interrupted");
			break;
		}
		if (e) {
			conv_msg_free(&msg);
			if (res->turns == 0)
				drop_failed_prompt(a);
			res->err = e;
			snprintf(res->errmsg, sizeof res->errmsg, "%s", perr.msg);
			break;
		}
		a->turns++;
		res->turns++;
		if (msg.usage.known) {
			conv_usage_add(&res->usage, &msg.usage);
			conv_usage_add(&a->usage, &msg.usage);
		} else {
			res->usage_unknown = true;
			a->usage_unknown = true;
		}
		free(res->answered_by);
		res->answered_by = xstrdup(msg.answered_by);
		cost_total_add(&res->cost, a->prices, &msg);
		cost_total_add(&a->cost, a->prices, &msg);
		session_append_msg(a->session, &msg);
		if (ev && ev->turn_end)
			ev->turn_end(ev->ud, &msg);
		conv_push(&a->conv, &msg);
		conv_msg_free(&msg);
		{
			const struct conv_msg *last = &a->conv.msgs[a->conv.n - 1];
			if (conv_msg_tool_calls(last) == 0) {
				res->text = conv_msg_text(last);
				if (last->stop == STOP_LENGTH)
					log_warn("the answer was cut at the model's output limit");
				res->err = C_OK;
				goto out;
			}
			switch (run_tools(a, last, ev, res, &tl)) {
			case TOOLS_CANCELLED:
				record_interrupt(a, "tool");
				res->err = C_ERR_CANCELLED;
				snprintf(res->errmsg, sizeof res->errmsg, "interrupted");
				goto out;
			case TOOLS_PLAN:
				/* presented for review: the plan is the answer */
				res->text = xstrdup(res->plan);
				res->err = C_OK;
				goto out;
			case TOOLS_GO:
				break;
			}
		}
	}
	if (turn >= a->o.max_turns && !res->err) {
		res->err = C_ERR_TOOBIG;
		snprintf(res->errmsg, sizeof res->errmsg,
			 "stopped after %d turns (--max-turns); the task is not finished",
			 a->o.max_turns);
	}
out:
	/* a task that ended with a plan (plan mode) reached its goal */
	res->blocked = res->denials > 0 && !res->plan &&
		((tl.acting_tried > 0 && tl.acting_done == 0) || tl.last_denied);
	if (ckpt)
		checkpoint_end(a, ev);
	res->is_error = res->err != C_OK;
	if (!res->text) {
		/* the last assistant text, if any, is still useful */
		size_t i;
		for (i = a->conv.n; i-- > 0;)
			if (a->conv.msgs[i].role == CONV_ASSISTANT) {
				res->text = conv_msg_text(&a->conv.msgs[i]);
				break;
			}
		if (!res->text)
			res->text = xstrdup("");
	}
	return res->err;
}
