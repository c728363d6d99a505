/* tool-todo.c: the task plan.  Each call replaces the whole list. */
#include <string.h>

#include "tools/internal.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

static void
render(const struct todo_list *t, struct buf *out)
{
	size_t i, done = 0;
	for (i = 0; i < t->n; i++)
		done += t->items[i].status == TODO_COMPLETED;
	if (!t->n) {
		buf_adds(out, "Plan cleared.");
		return;
	}
	buf_printf(out, "Plan (%zu/%zu done):\n", done, t->n);
	for (i = 0; i < t->n; i++) {
		const struct todo_item *it = &t->items[i];
		buf_printf(out, "%s %s\n",
			   it->status == TODO_COMPLETED ? "[x]" :
			   it->status == TODO_IN_PROGRESS ? "[>]" : "[ ]",
			   it->content);
	}
}

enum cerr
tool_todo_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(args, "items");
	const cJSON *it;
	struct todo_list t = { NULL, 0 };
	size_t n = (size_t)cJSON_GetArraySize(items), i = 0;
	enum cerr e = C_OK;

	t.items = xcalloc(n ? n : 1, sizeof *t.items);
	cJSON_ArrayForEach(it, items) {
		const char *c = jx_str(it, "content");
		enum todo_status st;
		if (!c || !*c) {
			buf_printf(out, "items[%zu].content is empty; describe the "
				   "step.", i);
			e = C_ERR_INVAL;
			goto out;
		}
		if (!todo_status_parse(jx_str(it, "status"), &st)) {
			buf_printf(out, "items[%zu].status must be pending, "
				   "in_progress or completed.", i);
			e = C_ERR_INVAL;
			goto out;
		}
		t.items[i].content = xstrdup(c);
		t.items[i].status = st;
		t.n = ++i;
	}
	render(&t, out);
	if (ctx->todos) {
		todo_list_free(ctx->todos);
		*ctx->todos = t;
		ctx->todos_changed = true;
		t.items = NULL;
		t.n = 0;
	}
out:
	todo_list_free(&t);
	return e;
}
