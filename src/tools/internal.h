/* internal.h: what the tool files and registry.c share; not for use
 * outside src/tools. */
#ifndef CONCH_TOOLS_INTERNAL_H
#define CONCH_TOOLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

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

/* The file contents a write or edit call would leave, for the approval
 * diff: on success `before` holds the current contents (before->p stays
 * NULL when the file is new) and `after` the new ones; otherwise `err`
 * holds the message the model would get from running the call. */
enum cerr tool_write_preview(struct tool_ctx *ctx, const cJSON *args,
			     struct buf *before, struct buf *after,
			     struct buf *err);
enum cerr tool_edit_preview(struct tool_ctx *ctx, const cJSON *args,
			    struct buf *before, struct buf *after,
			    struct buf *err);

#endif
