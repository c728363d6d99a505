/* internal.h: what the tool files and registry.c share; not for use
 * outside src/tools. */
#ifndef CONCH_TOOLS_INTERNAL_H
#define CONCH_TOOLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "tools/tool.h"

extern const struct tool tool_read;
extern const struct tool tool_write;
extern const struct tool tool_edit;
extern const struct tool tool_bash;
extern const struct tool tool_glob;
extern const struct tool tool_grep;
extern const struct tool tool_ls;
extern const struct tool tool_todo;
extern const struct tool tool_memory;
extern const struct tool tool_skill;
extern const struct tool tool_exit_plan;

/* What each tool-*.c file exports for its descriptor in table.c: run the
 * tool (struct tool's exec) and, for a tool that changes a file, preview
 * the change (struct tool's preview). */
typedef enum cerr tool_exec_fn(struct tool_ctx *ctx, const cJSON *args,
			       struct buf *out);
typedef enum cerr tool_preview_fn(struct tool_ctx *ctx, const cJSON *args,
				  struct tool_change *c, struct buf *err);
tool_exec_fn tool_read_exec, tool_write_exec, tool_edit_exec, tool_bash_exec,
	tool_glob_exec, tool_grep_exec, tool_ls_exec, tool_todo_exec,
	tool_memory_exec, tool_skill_exec, tool_exit_plan_exec;
tool_preview_fn tool_write_preview, tool_edit_preview;

/* Bytes looked at to decide that a file is binary. */
#define TOOL_SNIFF_BYTES 8192

/* True when the first bytes of a file (`n` of them, `whole` when that is
 * the entire file) hold a NUL or are not UTF-8. */
bool tool_looks_binary(const char *p, size_t n, bool whole);

/* The file a write to `abs` really changes: symlinks (of the file or of
 * any existing ancestor) resolved.  NULL, with the model's message in
 * `err`, when `abs` lies in the workspace but the target does not (the
 * policy judged `abs`).  Caller frees. */
char *tool_real_target(const struct tool_ctx *ctx, const char *abs,
		       const char *shown, struct buf *err);

/* Where a write or edit of `abs` goes.  Inside the workspace, root is
 * the workspace (resolved) and rel the file below it, with symlinks in
 * the workspace followed to a target that stays inside; outside (a path
 * the user approved), root is the file's directory and rel its name, and
 * a symlink as the file itself is refused.  Every later open and write
 * goes through sandbox_open_beneath()/sandbox_write_beneath() on
 * root/rel: no symlink is followed, and hard-linked files, devices,
 * FIFOs and sockets are refused. */
struct tool_dest {
	char *root;   /* owned */
	char *rel;    /* owned; relative to root */
	char *target; /* owned; the resolved absolute path */
	bool inside;  /* root is the workspace */
};

/* Fill `d` for `abs` (shown to the model as `shown`).  On failure the
 * model's message is in `err` and `d` holds nothing. */
enum cerr tool_dest_resolve(const struct tool_ctx *ctx, const char *abs,
			    const char *shown, struct tool_dest *d,
			    struct buf *err);
void tool_dest_free(struct tool_dest *d);

/* Append the file's contents to `out` (or, when `out` is NULL, only
 * check that it may be opened), opened beneath d->root.  C_ERR_NOTFOUND (nothing in `err`) when it does not exist; other
 * failures and refusals leave the model's message in `err`. */
enum cerr tool_dest_read(const struct tool_dest *d, const char *shown,
			 struct buf *out, struct buf *err);

/* Atomically replace or create the file with data[0..len) (temp file
 * and rename in the resolved directory; an existing file keeps its
 * mode, a new one gets 0644), making missing directories when `mkdirs`.
 * The model's message in `err` on failure. */
enum cerr tool_dest_write(const struct tool_dest *d, const char *shown,
			  const void *data, size_t len, bool mkdirs,
			  struct buf *err);

/* `abs` as the model should see it: relative to ctx->cwd when below it,
 * else absolute.  Caller frees. */
char *tool_display_path(const struct tool_ctx *ctx, const char *abs);

/* Append `s[0..n)` with NUL bytes and invalid UTF-8 replaced by U+FFFD. */
void tool_add_text(struct buf *out, const char *s, size_t n);

/* With ctx->approved set (the user approved a preview): is the change
 * about to be made, from `before` (p NULL: no file) to `after`, the one
 * shown?  If not, the model's error is in `err`. */
bool tool_change_is_approved(const struct tool_ctx *ctx, const struct buf *before,
			     const struct buf *after, const char *shown,
			     struct buf *err);

/* ---- gate.c: judging the real target ---------------------------------- */

/* The policy's answer for a call of a file tool (t->files), judged on
 * both the path as written and its real target: secrets (by any name or
 * hard link) and /proc magic links are refused in every mode; a read
 * whose real target is outside the workspace asks; rules match either
 * name, the stricter answer wins.  *judged gets the real target (caller
 * frees; NULL when it does not exist).  `why` gets the reason. */
enum policy_decision tool_gate(struct tool_ctx *ctx, const struct tool *t,
			       const cJSON *args, char **judged,
			       struct buf *why);

/* Would a read of `abs` be refused (a secret, a symlink to one or
 * through a magic link, a hard link to a secret, a read deny rule on
 * the name or the target)?  `lst` is the entry's lstat, or NULL.
 * Listings and searches skip such entries. */
bool tool_read_hidden(const struct tool_ctx *ctx, const char *abs,
		      const struct stat *lst);

/* Open `abs` for a read tool: resolved as tool_gate judged it, judged
 * again on what was opened.  On C_OK, *st is the target's stat, *real
 * its path (caller frees) and *fd (caller closes) an open descriptor
 * with `flags` when it is a regular file or a directory, else -1.
 * C_ERR_NOTFOUND with nothing in `out`; other failures leave the model's
 * message in `out`. */
enum cerr tool_open_read(const struct tool_ctx *ctx, const char *abs,
			 const char *shown, int flags, int *fd, char **real,
			 struct stat *st, struct buf *out);

/* The files in the workspace a read deny rule hides (symlinks and .git
 * left out, bounded scan), for the sandbox to mask: NULL-terminated,
 * NULL when there are no deny rules.  Free with tool_denied_free(). */
char **tool_denied_files(const struct tool_ctx *ctx);
void tool_denied_free(char **v);

#endif
