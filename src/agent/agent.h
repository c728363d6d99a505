/* agent.h: the agent loop and the front-end interface.
 *
 * A front end (ui/headless.c, ui/repl.c) fills struct agent_events and
 * calls agent_run() once per user task.  The loop assembles the context,
 * asks the provider chain for a turn, runs the tool calls and feeds their
 * results back until the model stops calling tools or max_turns is hit. */
#ifndef CONCH_AGENT_H
#define CONCH_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "agent/session.h"
#include "conv/conv.h"
#include "policy/policy.h"
#include "provider/chain.h"
#include "provider/prices.h"
#include "sandbox/sandbox.h"
#include "tools/tool.h"
#include "util/err.h"

/* What happens, reported up to the front end.  Every member may be NULL. */
struct agent_result;

struct agent_events {
	void *ud;
	void (*text)(void *ud, const char *s, size_t n);
	void (*thinking)(void *ud, const char *s, size_t n);
	/* Streamed text since the last turn start is void (retry/fallback). */
	void (*discard)(void *ud, const char *why);
	void (*notice)(void *ud, const char *msg);
	void (*tool_start)(void *ud, const struct conv_block *call);
	void (*tool_end)(void *ud, const struct conv_block *call,
			 const char *result, bool is_error, long ms);
	/* One assistant message is complete. */
	void (*turn_end)(void *ud, const struct conv_msg *msg);
	void (*todo)(void *ud, const struct todo_list *todos);
	enum approval (*approve)(void *ud, const struct approval_req *req,
				 char **reason);
	/* A tool call was refused (policy, user, or no one to ask). */
	void (*denied)(void *ud, const struct conv_block *call, const char *why);
	/* Plan mode: show the plan of exit_plan and wait for the answer
	 * (tool.h).  NULL: the plan ends the task (res->plan). */
	enum plan_answer (*review_plan)(void *ud, const char *plan,
					char **feedback);
	/* agent_task(): the task's answer is complete (before the
	 * post-task reflection, which may take a model call). */
	void (*answered)(void *ud, const struct agent_result *res);
};

struct agent_opts {
	const char *workspace;   /* absolute */
	const char *cwd;         /* absolute */
	int max_turns;           /* <= 0: 50 */
	int max_tokens;          /* per response; 0: provider default */
	struct chain *chain;     /* borrowed */
	struct policy *policy;   /* borrowed */
	struct sandbox_spec sandbox;
	int cancel_fd;           /* readable when the user cancels; -1 none */
	const cJSON *config;     /* user config root, borrowed; may be NULL (mind.h) */
	bool reflect;            /* post-task reflection (unless --no-reflect) */
};

struct agent {
	struct agent_opts o;
	struct conv conv;
	struct session *session; /* may be NULL (no session log) */
	struct session *owned;   /* the session agent_clear() or
				  * agent_resume() opened; owned */
	struct chain *own_chain; /* agent_set_model()'s chain; owned */
	struct readset reads;
	struct todo_list todos;
	struct conv_usage usage; /* whole session */
	bool usage_unknown;      /* some turn had no usage */
	int turns;               /* assistant turns this session */
	struct prices *prices;   /* price table; owned */
	struct cost_total cost;  /* whole session */
	char *system;            /* assembled once per session (stable prefix) */
	struct conv_tool_spec *tools;
	size_t ntools;
	struct ckpt *ckpt;       /* checkpoints (rewind); owned; NULL until
				  * the first task that may change files */
	bool ckpt_off;           /* disabled, or failed to open */
};

struct agent_result {
	char *text;          /* final answer; owned */
	bool is_error;
	enum cerr err;       /* C_OK, C_ERR_CANCELLED, provider kinds, C_ERR_TOOBIG (max turns) */
	char errmsg[600];
	int turns;           /* turns in this task */
	int tool_calls;
	int denials;         /* tool calls refused (policy, user, no one to ask) */
	/* The task could not proceed because of denials: calls were refused
	 * and either no call that writes or runs a command got through
	 * though one was tried, or the model stopped right after a refused
	 * batch, and the task did not end with a plan (plan mode).  Front
	 * ends report it as a failure (headless: exit 1). */
	bool blocked;
	struct conv_usage usage; /* this task */
	bool usage_unknown;
	struct cost_total cost;  /* this task */
	char *answered_by;   /* last "provider/model"; owned */
	char *plan;          /* plan mode, no one to review: the plan the
			      * model presented (the task ended with it); owned */
};

/* Set up `a` (session may be NULL).  Assembles the system prompt. */
void agent_init(struct agent *a, const struct agent_opts *o,
		struct session *session);
void agent_free(struct agent *a);

/* What a front end calls for one user task: the task to its end
 * (agent_run), ev->answered with the result, then the post-task
 * reflection (mind.h: it may write a skill; it never changes the
 * result).  Returns res->err. */
enum cerr agent_task(struct agent *a, const char *prompt,
		     const struct agent_events *ev, struct agent_result *res);

/* The task alone, without the reflection.  Returns res->err. */
enum cerr agent_run(struct agent *a, const char *prompt,
		    const struct agent_events *ev, struct agent_result *res);
void agent_result_free(struct agent_result *res);

/* /clear: the conversation, todos and read set start empty in a new
 * session (its id is a->session->id afterwards).  The old session gets a
 * {"type":"clear","next":ID} record and stays resumable as it was.  The
 * agent owns the new session (agent_free closes it).  Without a session
 * log only the context is cleared. */
void agent_clear(struct agent *a);
/* Answer with `spec` ("provider/model", the user config's providers
 * settings apply) from the next request on, without fallback.  The
 * chain given in agent_opts stays its owner's.  On failure nothing
 * changes and `err` says why. */
enum cerr agent_set_model(struct agent *a, const char *spec, struct buf *err);
/* "provider/model" of the chain in use (NULL without one). */
const char *agent_model(const struct agent *a);
/* Continue session `id` of this project in place: its conversation and
 * todos replace the current ones.  On failure nothing changes and `err`
 * says why (C_ERR_NOTFOUND: no such session here). */
enum cerr agent_resume(struct agent *a, const char *id, struct buf *err);
/* The session's checkpoints, opened when needed (NULL without a session
 * or when checkpoints are off or failed; `err` says why then). */
struct ckpt *agent_checkpoints(struct agent *a, struct buf *err);

/* Drop `conv` back to `conv_index` messages, the user message there
 * starting with `prompt` (a rewind); a "rewind" record in the session
 * log `s` (may be NULL) makes a resume do the same.  False, changing
 * nothing, when the conversation no longer matches (compacted or
 * cleared since). */
bool agent_rewind_conv(struct conv *conv, struct session *s, long conv_index,
		       const char *prompt);

/* Restore todos saved in a session ("items" array). */
void agent_set_todos(struct agent *a, const cJSON *items);

/* Context assembly (context.c). */
/* The text of prompt file `name` ("system.md"): the user's override in
 * $XDG_CONFIG_HOME/conch/prompts, else $CONCH_PKGDATADIR/prompts, else
 * the installed copy, else the source tree's; NULL if none. Caller frees. */
char *agent_prompt_text(const char *name);
/* The full system prompt for a session in `cwd` under `workspace`.
 * Caller frees. */
char *agent_system_prompt(const char *workspace, const char *cwd,
			  const struct conv_tool_spec *tools, size_t ntools);
/* The offered tools as specs (array owned by caller; strings borrowed). */
struct conv_tool_spec *agent_tool_specs(size_t *n);

#endif
