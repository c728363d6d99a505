/* tool-write.c: create or overwrite a file atomically. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

/* Where the bytes go, whether the file exists (with its contents in
 * `old` when `old` is not NULL), or the model's error.  On C_OK `d` is
 * filled; caller frees it with tool_dest_free(). */
static enum cerr
write_check(struct tool_ctx *ctx, const char *abs, const char *shown,
	    struct tool_dest *d, bool *exists, struct buf *old,
	    struct buf *err)
{
	struct stat st;
	enum cerr e;

	*exists = false;
	memset(d, 0, sizeof *d);
	/* friendly messages first; the checks that count come below */
	if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s is a directory; give a file path.", shown);
		return C_ERR_INVAL;
	}
	if ((e = tool_dest_resolve(ctx, abs, shown, d, err)) != C_OK)
		return e;
	e = tool_dest_read(d, shown, old, err);
	if (e == C_ERR_NOTFOUND) {
		e = C_OK;
		goto out;
	}
	if (e != C_OK)
		goto out;
	*exists = true;
	if (!readset_has(ctx->reads, abs) &&
	    !readset_has(ctx->reads, d->target)) {
		buf_printf(err, "%s already exists and was not read in this "
			   "session. Read it first (or use edit for a partial "
			   "change), then write.", shown);
		e = C_ERR_EXISTS;
	}
out:
	if (e != C_OK)
		tool_dest_free(d);
	return e;
}

enum cerr
tool_write_preview(struct tool_ctx *ctx, const cJSON *args, struct tool_change *c,
	      struct buf *err)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	const char *content = jx_str(args, "content");
	struct tool_dest d;
	bool exists;
	enum cerr e = write_check(ctx, abs, shown, &d, &exists, &c->before, err);

	if (e != C_OK)
		goto out;
	if (!exists)
		buf_free(&c->before);
	buf_adds(&c->after, content ? content : "");
	if (!c->after.p)
		buf_add(&c->after, "", 0);
	tool_dest_free(&d);
out:
	xfree_all(shown, abs);
	return e;
}

static size_t
count_lines(const char *s, size_t n)
{
	size_t c = 0, i;
	for (i = 0; i < n; i++)
		c += s[i] == '\n';
	return c + (n && s[n - 1] != '\n');
}

enum cerr
tool_write_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	const char *content = jx_str(args, "content");
	size_t len = content ? strlen(content) : 0;
	struct tool_dest d;
	struct tool_change now = { BUF_INIT, BUF_INIT };
	bool exists;
	enum cerr e = write_check(ctx, abs, shown, &d, &exists,
				  ctx->approved ? &now.before : NULL, out);

	if (e != C_OK)
		goto out;
	if (ctx->approved) {
		if (!exists)
			buf_free(&now.before);
		buf_add(&now.after, content ? content : "", len);
		if (!tool_change_is_approved(ctx, &now.before, &now.after, shown, out)) {
			tool_dest_free(&d);
			e = C_ERR_EXISTS;
			goto out;
		}
	}
	tool_note_write(ctx, d.target);
	e = tool_dest_write(&d, shown, content ? content : "", len, true, out);
	tool_dest_free(&d);
	if (e != C_OK)
		goto out;
	if (ctx->reads)
		readset_add(ctx->reads, abs);
	buf_printf(out, "%s %s (%zu lines, %zu bytes).",
		   exists ? "Wrote" : "Created", shown, count_lines(content ?
		   content : "", len), len);
out:
	tool_change_free(&now);
	xfree_all(shown, abs);
	return e;
}
