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
