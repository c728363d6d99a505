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

#include "conv/conv.h"
#include "tools/ask.h"
#include "util/buf.h"
#include "util/err.h"

/* The agent is opaque to front ends (agent/agent-int.h holds it); they
 * include this header only, never the provider, sandbox, policy or
 * skills ones. */
struct agent;
struct chain;
struct policy;
struct session;
struct sandbox_spec;
struct ckpt;

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
	const struct sandbox_spec *sandbox; /* copied; NULL: defaults */
	int cancel_fd;           /* readable when the user cancels; -1 none */
	const cJSON *config;     /* user config root, borrowed; may be NULL (mind.h) */
	bool reflect;            /* post-task reflection (unless --no-reflect) */
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

/* A new agent (session may be NULL).  Assembles the system prompt.
 * agent_free() frees it (NULL is fine). */
struct agent *agent_new(const struct agent_opts *o, struct session *session);
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
/* Compact now (the REPL's /compact [focus]; focus may be NULL): a silent
 * turn lets the model save durable facts with the memory tool, then a
 * summary replaces older messages; the newest turns are kept whole and a
 * tool call is never separated from its result.  The full history stays
 * in the session log.  On failure nothing is dropped: returns the error
 * after telling the user. */
enum cerr agent_compact(struct agent *a, const char *focus,
			const struct agent_events *ev);
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

/* ---- what front ends read and change between tasks (query.c) ---- */
const char *agent_session_id(const struct agent *a); /* NULL: no session log */
struct session *agent_session(struct agent *a);       /* for agent_rewind_conv */
const char *agent_cwd(const struct agent *a);
const char *agent_workspace(const struct agent *a);
const struct conv *agent_conv(const struct agent *a);
struct conv *agent_conv_mut(struct agent *a);         /* for agent_rewind_conv */
/* Usage of the whole session; .known is false when some turn had none. */
struct conv_usage agent_usage(const struct agent *a);
struct cost_total agent_cost(const struct agent *a);
int agent_turns(const struct agent *a);               /* assistant turns */
/* The tools offered (n of them). */
const struct conv_tool_spec *agent_tools(const struct agent *a, size_t *n);
/* The model's context window in tokens (config "context_window" or the
 * default), and whether the config sets it. */
long agent_context_window(const struct agent *a);
bool agent_window_configured(const struct agent *a);
/* The permission mode's name ("ask" ...); agent_set_mode takes one
 * (false: not a mode; nothing changes). */
const char *agent_mode_name(const struct agent *a);
bool agent_set_mode(struct agent *a, const char *name);
bool agent_sandbox_off(const struct agent *a);
/* A resumed session's conversation and todos ("items" array). */
void agent_restore(struct agent *a, const struct conv *c, const cJSON *todos);
/* The allow rules saved "always for this project" (a new array of
 * strings; NULL with `err` when unreadable), the file they live in
 * (caller frees), and forgetting one (saved and for this session). */
cJSON *agent_saved_rules(const struct agent *a, struct buf *err);
char *agent_rules_path(void);
enum cerr agent_forget_rule(struct agent *a, const char *rule, struct buf *err);
/* What conch remembers (both memory files) and the skills it can use
 * here, as text for the user. */
void agent_describe_memory(const struct agent *a, struct buf *out);
void agent_describe_skills(const struct agent *a, struct buf *out);

/* `!command` in the sandbox the agent's commands use. */
struct agent_shell_result {
	struct buf output;  /* caller frees */
	int exit_code;      /* 127 when it could not run */
	bool truncated, timed_out, cancelled;
};
enum cerr agent_shell(struct agent *a, const char *command, size_t max_output,
		      long timeout_ms, int cancel_fd, struct agent_shell_result *res);

#endif
