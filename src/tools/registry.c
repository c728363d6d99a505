/* registry.c: placeholder until the tools branch lands (replaced whole). */
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

const struct tool *const tool_table[] = { NULL };

const struct tool *
tool_find(const char *name)
{
	size_t i;
	for (i = 0; tool_table[i]; i++)
		if (strcmp(tool_table[i]->name, name) == 0)
			return tool_table[i];
	return NULL;
}

char *
tool_path(const struct tool_ctx *ctx, const char *arg)
{
	return path_resolve(ctx->cwd, arg);
}

void
readset_add(struct readset *r, const char *abspath)
{
	if (readset_has(r, abspath))
		return;
	r->paths = xreallocarray(r->paths, r->n + 1, sizeof *r->paths);
	r->paths[r->n++] = xstrdup(abspath);
}

bool
readset_has(const struct readset *r, const char *abspath)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->paths[i], abspath) == 0)
			return true;
	return false;
}

void
readset_free(struct readset *r)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		free(r->paths[i]);
	free(r->paths);
	memset(r, 0, sizeof *r);
}

void
todo_list_free(struct todo_list *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		free(t->items[i].content);
	free(t->items);
	memset(t, 0, sizeof *t);
}

const char *
todo_status_str(enum todo_status s)
{
	return s == TODO_COMPLETED ? "completed" :
	       s == TODO_IN_PROGRESS ? "in_progress" : "pending";
}

void
tool_call(struct tool_ctx *ctx, const char *name, const char *args_json,
	  struct buf *out, bool *is_error)
{
	(void)ctx;
	(void)args_json;
	buf_printf(out, "unknown tool \"%s\"", name);
	*is_error = true;
}
