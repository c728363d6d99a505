/* state.c: what tools keep for the length of a session: the files read
 * (write refuses to overwrite a file the model has not seen) and the
 * plan (the todo list); and the hook that tells the checkpoints a file
 * is about to change. */
#include <stdlib.h>
#include <string.h>

#include "tools/tool.h"
#include "util/str.h"
#include "util/xalloc.h"

void
readset_add(struct readset *r, const char *abspath)
{
	if (readset_has(r, abspath))
		return;
	r->paths = xgrow(r->paths, r->n + 1, &r->cap, 16, sizeof *r->paths);
	r->paths[r->n++] = xstrdup(abspath);
}

bool
readset_has(const struct readset *r, const char *abspath)
{
	size_t i;
	if (!r)
		return false;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->paths[i], abspath) == 0)
			return true;
	return false;
}

void
readset_free(struct readset *r)
{
	strv_free(r->paths, r->n);
	r->paths = NULL;
	r->n = r->cap = 0;
}

void
todo_list_free(struct todo_list *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		free(t->items[i].content);
	free(t->items);
	t->items = NULL;
	t->n = 0;
}

static const char *const todo_status_names[] = {
	[TODO_PENDING] = "pending",
	[TODO_IN_PROGRESS] = "in_progress",
	[TODO_COMPLETED] = "completed",
};
#define N_TODO_STATUS (sizeof todo_status_names / sizeof *todo_status_names)

const char *
todo_status_str(enum todo_status s)
{
	return (size_t)s < N_TODO_STATUS ? todo_status_names[s] : "?";
}

bool
todo_status_parse(const char *s, enum todo_status *st)
{
	int i = str_index(s, todo_status_names, N_TODO_STATUS);
	if (i < 0)
		return false;
	*st = (enum todo_status)i;
	return true;
}

void
tool_note_write(struct tool_ctx *ctx, const char *abs)
{
	if (ctx->before_write && abs)
		ctx->before_write(ctx->write_ud, abs);
}
