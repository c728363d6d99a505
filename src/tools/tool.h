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

#include "tools/ask.h"

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
