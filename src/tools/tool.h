/* tool.h: tool descriptors and the context they run in.  One descriptor
 * per tools/tool-*.c, collected in one table in registry.c. */
#ifndef CONCH_TOOL_H
#define CONCH_TOOL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "policy/policy.h"
#include "sandbox/sandbox.h"
#include "util/buf.h"
#include "util/err.h"

/* The set of files read this session (absolute paths). */
struct readset {
	char **paths; /* owned */
	size_t n, cap;
};
void readset_add(struct readset *r, const char *abspath);
bool readset_has(const struct readset *r, const char *abspath);
void readset_free(struct readset *r);

enum todo_status { TODO_PENDING, TODO_IN_PROGRESS, TODO_COMPLETED };
struct todo_item {
	char *content; /* owned */
	enum todo_status status;
};
struct todo_list {
	struct todo_item *items; /* owned */
	size_t n;
};
void todo_list_free(struct todo_list *t);
const char *todo_status_str(enum todo_status s);

/* An approval request from the permission layer to the front end. */
struct approval_req {
	const char *tool;
	const char *summary; /* the exact command, or "write PATH" */
	const char *diff;    /* unified diff for edits/writes, or NULL */
	const char *reason;  /* why it asks */
	/* The rule APPROVE_PROJECT would save ("bash(make test *)"), or
	 * NULL when that choice is not offered. */
	const char *project_rule;
	/* APPROVE_UNSANDBOXED is offered (a command, sandbox on). */
	bool can_unsandbox;
};

enum approval {
	APPROVE_ONCE,    /* y */
	APPROVE_SESSION, /* a: add a rule for this session */
	APPROVE_DENY,    /* n */
	APPROVE_PROJECT, /* p: save req->project_rule for this project (user config) */
	APPROVE_UNSANDBOXED, /* u: run this one command outside the sandbox */
};

/* The user's answer to a plan presented with exit_plan. */
enum plan_answer {
	PLAN_APPROVE_ASK,       /* approved: carry it out in mode ask */
	PLAN_APPROVE_AUTO_EDIT, /* approved: carry it out in mode auto-edit */
	PLAN_KEEP,              /* not yet: keep planning (with feedback) */
};

/* The change a write or edit would make: the file's contents before
 * (before.p NULL: no file yet) and after.  Computed once for the
 * approval's diff, and what is then written (see tool_ctx.approved). */
struct tool_change {
	struct buf before, after;
};
void tool_change_free(struct tool_change *c);

struct tool_ctx {
	const char *workspace;   /* absolute workspace root */
	const char *cwd;         /* absolute; relative paths resolve here */
	const char *session_dir; /* full bash outputs saved here; may be NULL */
	struct readset *reads;   /* files read this session */
	struct todo_list *todos; /* the task plan */
	struct policy *policy;
	struct sandbox_spec sandbox; /* template for commands */
	/* Ask the user; NULL means no one can answer (headless): deny.  On
	 * deny, `reason` may be set to text the model sees (caller frees). */
	enum approval (*approve)(void *ud, const struct approval_req *req,
				 char **reason);
	void *ud;
	int cancel_fd; /* readable when the user cancels; -1 if none */
	/* Calls refused by the policy, by the user, or because no one could
	 * approve them: tool_call adds one per refusal and sets denied_why to
	 * the reason (cut to fit). */
	int denials;
	char denied_why[256];
	/* Show the plan exit_plan carries to the user and wait for the
	 * answer; *feedback may be set to text for the model (caller
	 * frees).  NULL means no one can review (headless): the plan is
	 * kept in `plan` and the task ends with it. */
	enum plan_answer (*review_plan)(void *ud, const char *plan,
					char **feedback);
	char *plan;          /* see review_plan; owned by the caller */
	bool todos_changed;  /* a tool replaced *todos */
	/* Called by write and edit with the resolved file they are about to
	 * change (checkpoints keep its before-image); may be NULL. */
	void (*before_write)(void *ud, const char *abs);
	void *write_ud;
	/* Set by tool_call() for the length of one file tool call: the
	 * real target the policy judged (and the user approved), or NULL.
	 * The tool refuses a target that changed to somewhere outside. */
	const char *judged;
	/* Set by tool_call() for the length of one call the user approved
	 * from a preview: the change shown.  write and edit write exactly
	 * that, and refuse when the file no longer gives it. */
	const struct tool_change *approved;
};

struct tool {
	const char *name;
	const char *description; /* short: it is sent with every request */
	const char *schema;      /* JSON schema of the arguments object */
	unsigned flags;          /* TOOL_READ_ONLY | TOOL_WRITES | TOOL_RUNS_COMMANDS */
	bool files;              /* works on the file its "path" names: judged
				  * on the real target (tools/gate.c) */
	/* Run with validated `args`, appending the result text to `out`.
	 * C_OK: success.  Anything else: `out` holds the error message the
	 * model sees. */
	enum cerr (*exec)(struct tool_ctx *ctx, const cJSON *args, struct buf *out);
	/* For a tool that changes a file: fill `c` with the change the call
	 * would make, writing nothing (C_OK), or the model's error in `err`.
	 * NULL for the others. */
	enum cerr (*preview)(struct tool_ctx *ctx, const cJSON *args,
			     struct tool_change *c, struct buf *err);
};

/* The table of every tool, NULL-terminated. */
extern const struct tool *const tool_table[];

const struct tool *tool_find(const char *name);

/* The path an argument names, resolved against ctx->cwd and normalised;
 * caller frees. */
char *tool_path(const struct tool_ctx *ctx, const char *arg);

/* Run one tool call the way the agent does: parse `args_json`, validate it
 * against the schema, ask the policy (and the user through ctx->approve),
 * execute.  The text for the model is appended to `out`; *is_error tells
 * whether it is an error result.  Never fails otherwise. */
void tool_call(struct tool_ctx *ctx, const char *name, const char *args_json,
	       struct buf *out, bool *is_error);
/* The same for arguments parsed already (the agent keeps the parsed form
 * in the conversation): `args` is a JSON object, or NULL when
 * `args_text`, which is read only for the error message, is not one. */
void tool_call_parsed(struct tool_ctx *ctx, const char *name, const cJSON *args,
		      const char *args_text, struct buf *out, bool *is_error);

/* The tool's schema, parsed once for the process (NULL when it is not a
 * tool of the table). */
const cJSON *tool_schema(const struct tool *t);

/* Tell ctx->before_write, if set, that `abs` is about to change. */
void tool_note_write(struct tool_ctx *ctx, const char *abs);

/* Todo items from a Markdown plan: its top-level list items (numbered,
 * bulleted, or task boxes; not sub-items, not inside code fences), all
 * pending; one item when it has none.
 * Replaces *t. */
void todo_from_plan(struct todo_list *t, const char *plan);

/* Default cap on what a tool returns to the model. */
#define TOOL_OUTPUT_MAX 30000

#endif
