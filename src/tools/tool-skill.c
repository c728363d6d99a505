/* tool-skill.c: the skill tool: load a skill's instructions and list its
 * other files on demand (progressive disclosure: the system prompt holds
 * only names and descriptions). */
#include <stdlib.h>
#include <string.h>

#include "skills/skills.h"
#include "tools/internal.h"
#include "tools/tool.h"
#include "util/jsonx.h"

enum cerr
tool_skill_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	struct skill_index idx;
	enum cerr e;
	skills_scan(&idx, ctx->workspace, NULL);
	e = skills_describe(&idx, jx_str(args, "name"), out);
	skills_index_free(&idx);
	return e;
}
