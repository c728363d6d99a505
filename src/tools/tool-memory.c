/* tool-memory.c: the memory tool: add, replace or remove an entry of
 * USER.md or MEMORY.md, or append to today's note (src/memory).  It
 * writes only conch's own memory files, never the workspace, so it is
 * flagged read-only for the permission layer; its own budget and secret
 * checks guard it. */
#include <stdlib.h>
#include <string.h>

#include "memory/memory.h"
#include "tools/internal.h"
#include "tools/tool.h"
#include "util/jsonx.h"

enum cerr
tool_memory_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	const char *action = jx_str(args, "action");
	const char *target = jx_str(args, "target");
	const char *content = jx_str(args, "content");
	const char *old = jx_str(args, "old_text");
	struct mem_store m;
	enum mem_target t = MEM_PROJECT;
	cJSON *cfg = mem_user_config();
	enum cerr e;

	mem_open_cfg(&m, ctx->workspace, cfg);
	cJSON_Delete(cfg);
	if (target && !mem_target_parse(target, &t)) {
		buf_adds(out, "target must be \"user\" or \"project\"");
		e = C_ERR_INVAL;
		goto out;
	}
	if (!action) {
		e = C_ERR_INVAL;
		buf_adds(out, "action is required");
	} else if (!strcmp(action, "add")) {
		e = mem_add(&m, t, content, out);
	} else if (!strcmp(action, "replace")) {
		e = mem_replace(&m, t, old, content, out);
	} else if (!strcmp(action, "remove")) {
		e = mem_remove(&m, t, old, out);
	} else if (!strcmp(action, "note")) {
		e = mem_note(&m, content, out);
	} else {
		buf_adds(out, "action must be add, replace, remove or note");
		e = C_ERR_INVAL;
	}
out:
	mem_close(&m);
	return e;
}
