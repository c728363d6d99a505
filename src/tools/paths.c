/* paths.c: what the tool files share about paths and text: resolving an
 * argument, the real target of a write, the path as the model sees it,
 * and binary / invalid UTF-8 handling. */
#include <stdlib.h>
#include <string.h>

#include "tools/internal.h"
#include "tools/tool.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

char *
tool_path(const struct tool_ctx *ctx, const char *arg)
{
	const char *base = ctx->cwd ? ctx->cwd : "/";

	/* no "~" expansion: the policy resolves paths the same way */
	if (!arg || !*arg)
		return path_normalize(base);
	return path_resolve(base, arg);
}

char *
tool_real_target(const struct tool_ctx *ctx, const char *abs,
		 const char *shown, struct buf *err)
{
	char *target = path_real_deep(abs);

	if (!target)
		target = xstrdup(abs);
	if (ctx->workspace && path_is_under(abs, ctx->workspace) &&
	    !path_is_under(target, ctx->workspace)) {
		char *ws = realpath(ctx->workspace, NULL);
		bool inside = ws && path_is_under(target, ws);
		free(ws);
		if (!inside) {
			buf_printf(err, "%s leads through a symlink to %s, outside "
				   "the workspace. Use that path directly if you "
				   "mean it.", shown, target);
			free(target);
			return NULL;
		}
	}
	return target;
}

char *
tool_display_path(const struct tool_ctx *ctx, const char *abs)
{
	size_t lc;
	if (!ctx->cwd || !path_is_under(abs, ctx->cwd))
		return xstrdup(abs);
	lc = strlen(ctx->cwd);
	if (!abs[lc])
		return xstrdup(".");
	return xstrdup(abs + lc + (ctx->cwd[lc - 1] != '/'));
}

bool
tool_looks_binary(const char *p, size_t n, bool whole)
{
	if (memchr(p, '\0', n))
		return true;
	if (!whole)
		n = utf8_floor(p, n);
	return !utf8_valid(p, n);
}

void
tool_add_text(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	if (!memchr(s, '\0', n) && utf8_valid(s, n)) {
		buf_add(out, s, n);
		return;
	}
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c && len <= n - i && utf8_valid(s + i, len)) {
			i += len;
			continue;
		}
		buf_add(out, s + start, i - start);
		buf_adds(out, "\xef\xbf\xbd");
		start = ++i;
	}
	buf_add(out, s + start, i - start);
}
