/* agent.c: the agent's life outside a task: set up, free, and what the
 * front ends change between tasks (clear, another model, another
 * session).  The turn loop is loop.c. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent-int.h"
#include "agent/checkpoint.h"
#include "agent/mind.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"

#define DEFAULT_MAX_TURNS 50

void
agent_init(struct agent *a, const struct agent_opts *o, struct session *session)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	if (o->sandbox)
		a->sandbox = *o->sandbox;
	a->o.sandbox = NULL; /* the copy above is the one used */
	if (a->o.max_turns <= 0)
		a->o.max_turns = DEFAULT_MAX_TURNS;
	conv_init(&a->conv);
	a->session = session;
	a->tools = agent_tool_specs(&a->ntools);
	a->prices = prices_load_default(NULL);
	a->system = agent_system_prompt(o->workspace, o->cwd, a->tools, a->ntools);
	agent_mind_init(a); /* memory snapshot + skill index (mind.h) */
}

struct agent *
agent_new(const struct agent_opts *o, struct session *session)
{
	struct agent *a = xmalloc(sizeof *a);
	agent_init(a, o, session);
	return a;
}

void
agent_free(struct agent *a)
{
	if (!a)
		return;
	agent_release(a);
	free(a);
}

/* Drop what the tasks so far left: the conversation, the plan and the
 * record of files read (agent_release, agent_clear). */
static void
drop_task_state(struct agent *a)
{
	conv_free(&a->conv);
	readset_free(&a->reads);
	todo_list_free(&a->todos);
}

void
agent_release(struct agent *a)
{
	drop_task_state(a);
	xfree_all(a->system, a->tools);
	prices_free(a->prices);
	session_close(a->owned);
	chain_free(a->own_chain);
	ckpt_close(a->ckpt);
	memset(a, 0, sizeof *a);
}

void
agent_clear(struct agent *a)
{
	drop_task_state(a);
	conv_init(&a->conv);
	if (a->session) {
		enum cerr e;
		struct session *ns = session_create(a->o.cwd,
			a->o.chain ? chain_label(a->o.chain) : NULL, &e);
		cJSON *rec = cJSON_CreateObject();
		if (ns)
			cJSON_AddStringToObject(rec, "next", ns->id);
		session_append(a->session, "clear", rec);
		if (!ns) {
			log_warn("cannot start a new session after /clear; this "
				 "one goes on");
			return;
		}
		session_close(a->owned);
		a->session = a->owned = ns;
	}
}

enum cerr
agent_set_model(struct agent *a, const char *spec, struct buf *err)
{
	struct provider_error perr;
	struct provider *p;
	struct chain *ch;

	memset(&perr, 0, sizeof perr);
	p = provider_open(spec, a->o.config ?
			  cJSON_GetObjectItemCaseSensitive(a->o.config, "providers") :
			  NULL, &perr);
	if (!p) {
		buf_printf(err, "%s: %s", spec, perr.msg);
		return perr.kind ? perr.kind : C_ERR_INVAL;
	}
	ch = chain_new(true);
	chain_add(ch, p);
	chain_free(a->own_chain); /* the caller's chain stays the caller's */
	a->o.chain = a->own_chain = ch;
	return C_OK;
}

const char *
agent_model(const struct agent *a)
{
	return a->o.chain ? chain_label(a->o.chain) : NULL;
}

enum cerr
agent_resume(struct agent *a, const char *id, struct buf *err)
{
	struct conv restored;
	cJSON *todos = NULL;
	struct session *s;
	enum cerr e;
	size_t i;

	conv_init(&restored);
	s = session_resume(a->o.cwd, id, &restored, &todos, &e);
	if (!s) {
		buf_printf(err, "no session %s here", id ? id : "");
		conv_free(&restored);
		return e ? e : C_ERR_NOTFOUND;
	}
	session_close(a->owned); /* a session the caller opened stays theirs */
	a->session = a->owned = s;
	conv_free(&a->conv);
	conv_init(&a->conv);
	for (i = 0; i < restored.n; i++)
		conv_push(&a->conv, &restored.msgs[i]);
	todo_list_free(&a->todos);
	readset_free(&a->reads);
	agent_set_todos(a, todos);
	cJSON_Delete(todos);
	conv_free(&restored);
	return C_OK;
}

static void
note_write(void *ud, const char *abs)
{
	ckpt_note_write(ud, abs);
}

void
agent_tool_ctx(struct agent *a, const struct agent_events *ev,
	       struct tool_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->workspace = a->o.workspace;
	ctx->cwd = a->o.cwd;
	ctx->session_dir = a->session ? a->session->dir : NULL;
	ctx->reads = &a->reads;
	ctx->todos = &a->todos;
	ctx->policy = a->o.policy;
	ctx->sandbox = a->sandbox;
	ctx->sandbox.cancel_fd = a->o.cancel_fd;
	ctx->approve = ev ? ev->approve : NULL;
	ctx->ud = ev ? ev->ud : NULL;
	ctx->cancel_fd = a->o.cancel_fd;
	ctx->review_plan = ev ? ev->review_plan : NULL;
	if (a->ckpt) {
		ctx->before_write = note_write;
		ctx->write_ud = a->ckpt;
	}
}

void
agent_set_todos(struct agent *a, const cJSON *items)
{
	const cJSON *it;
	size_t n = 0;
	todo_list_free(&a->todos);
	if (!cJSON_IsArray(items))
		return;
	a->todos.items = xcalloc((size_t)cJSON_GetArraySize(items) + 1,
				 sizeof *a->todos.items);
	cJSON_ArrayForEach(it, items) {
		const char *c = jx_str(it, "content"), *s = jx_str(it, "status");
		if (!c)
			continue;
		a->todos.items[n].content = xstrdup(c);
		a->todos.items[n].status = TODO_PENDING;
		todo_status_parse(s, &a->todos.items[n].status);
		n++;
	}
	a->todos.n = n;
}
