/* tool-write.c: create or overwrite a file atomically. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

/* Where the bytes go (a symlink's target), whether it exists, or the
 * model's error.  *target is set on C_OK; caller frees. */
static enum cerr
write_check(struct tool_ctx *ctx, const char *abs, const char *shown,
	    char **target, bool *exists, struct buf *err)
{
	struct stat st;

	*target = NULL;
	*exists = stat(abs, &st) == 0;
	if (*exists && S_ISDIR(st.st_mode)) {
		buf_printf(err, "%s is a directory; give a file path.", shown);
		return C_ERR_INVAL;
	}
	if (*exists && !S_ISREG(st.st_mode)) {
		buf_printf(err, "%s is not a regular file.", shown);
		return C_ERR_INVAL;
	}
	*target = tool_real_target(ctx, abs, shown, err);
	if (!*target)
		return C_ERR_PERM;
	if (*exists && !readset_has(ctx->reads, abs) &&
	    !readset_has(ctx->reads, *target)) {
		buf_printf(err, "%s already exists and was not read in this "
			   "session. Read it first (or use edit for a partial "
			   "change), then write.", shown);
		free(*target);
		*target = NULL;
		return C_ERR_EXISTS;
	}
	return C_OK;
}

enum cerr
tool_write_preview(struct tool_ctx *ctx, const cJSON *args,
		   struct buf *before, struct buf *after, struct buf *err)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs), *target = NULL;
	const char *content = jx_str(args, "content");
	bool exists;
	enum cerr e = write_check(ctx, abs, shown, &target, &exists, err);

	if (e != C_OK)
		goto out;
	if (exists && (e = fs_read_file(target, 0, before)) != C_OK) {
		buf_printf(err, "Cannot read %s: %s.", shown, strerror(errno));
		goto out;
	}
	buf_adds(after, content ? content : "");
	if (!after->p)
		buf_add(after, "", 0);
out:
	free(target);
	free(shown);
	free(abs);
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

static enum cerr
write_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs), *target = NULL, *dir = NULL;
	const char *content = jx_str(args, "content"), *slash;
	size_t len = content ? strlen(content) : 0;
	bool exists;
	enum cerr e = write_check(ctx, abs, shown, &target, &exists, out);

	if (e != C_OK)
		goto out;
	slash = strrchr(target, '/');
	if (slash && slash != target) {
		dir = xstrndup(target, (size_t)(slash - target));
		if (!fs_is_dir(dir) && (e = fs_mkdir_p(dir, 0755)) != C_OK) {
			buf_printf(out, "Cannot create the directory for %s: %s.",
				   shown, strerror(errno));
			goto out;
		}
	}
	e = fs_write_atomic(target, content ? content : "", len, 0644);
	if (e != C_OK) {
		buf_printf(out, "Cannot write %s: %s.", shown, strerror(errno));
		goto out;
	}
	if (ctx->reads)
		readset_add(ctx->reads, abs);
	buf_printf(out, "%s %s (%zu lines, %zu bytes).",
		   exists ? "Wrote" : "Created", shown, count_lines(content ?
		   content : "", len), len);
out:
	free(dir);
	free(target);
	free(shown);
	free(abs);
	return e;
}

const struct tool tool_write = {
	.name = "write",
	.description = "Create or overwrite a whole file (parent directories are "
		"created). An existing file must be read first; prefer edit for "
		"partial changes.",
	.schema = "{\"type\":\"object\",\"properties\":{"
		"\"path\":{\"type\":\"string\"},"
		"\"content\":{\"type\":\"string\"}},"
		"\"required\":[\"path\",\"content\"],\"additionalProperties\":false}",
	.flags = TOOL_WRITES,
	.exec = write_exec,
};
