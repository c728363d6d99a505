/* tool-glob.c: find files by path pattern, newest first. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/gitignore.h"
#include "tools/internal.h"
#include "tools/walk.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define GLOB_MAX_RESULTS 200

struct hit {
	char *path;
	struct timespec mtime;
};

struct glob_walk {
	const struct tool_ctx *ctx;
	char **pats;
	struct hit *hits;
	size_t n, cap;
};

static enum walk_next
glob_visit(void *ud, const struct walk_entry *e)
{
	struct glob_walk *g = ud;
	size_t i;

	if (tool_read_hidden(g->ctx, e->path, e->st))
		return e->type == WALK_DIR ? WALK_SKIP_DIR : WALK_CONTINUE;
	if (e->type == WALK_DIR)
		return WALK_CONTINUE;
	for (i = 0; g->pats[i]; i++) {
		if (!wild_match(g->pats[i], e->rel))
			continue;
		g->hits = xgrow(g->hits, g->n + 1, &g->cap, 64, sizeof *g->hits);
		g->hits[g->n].path = xstrdup(e->path);
		g->hits[g->n].mtime = e->st->st_mtim;
		g->n++;
		break;
	}
	return WALK_CONTINUE;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec > y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Move a leading literal directory of `pat` onto `root` so the walk starts
 * there (pattern "src/<rest>" under /w walks /w/src with "<rest>").
 * Updates both in place (owned strings). */
static void
split_literal_prefix(char **root, char **pat)
{
	const char *p = *pat, *q, *slash = NULL;
	char *dir, *newroot, *newpat;

	for (q = p; *q && !strchr("*?[{\\", *q); q++)
		if (*q == '/')
			slash = q;
	if (!slash || !*q)
		return;
	dir = xstrndup(p, (size_t)(slash - p));
	newroot = path_resolve(*root, *dir ? dir : "/");
	free(dir);
	if (!fs_is_dir(newroot)) {
		free(newroot);
		return;
	}
	newpat = xstrdup(slash + 1);
	xfree_all(*root, *pat);
	*root = newroot;
	*pat = newpat;
}

enum cerr
tool_glob_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *root = tool_path(ctx, jx_str(args, "path"));
	char *pat = xstrdup(jx_str(args, "pattern"));
	char *shown = tool_display_path(ctx, root);
	struct glob_walk g = { 0 };
	struct walk_stats ws;
	enum cerr e = C_OK;
	size_t i;
	char *real = NULL;
	struct stat st;
	int fd = -1;

	g.ctx = ctx;
	if (!*pat) {
		buf_adds(out, "pattern is empty; give one like **/*.c.");
		e = C_ERR_INVAL;
		goto out;
	}
	split_literal_prefix(&root, &pat);
	free(shown);
	shown = tool_display_path(ctx, root);
	e = tool_open_read(ctx, root, shown, O_RDONLY | O_DIRECTORY, &fd, &real,
			   &st, out);
	if (e == C_OK && !S_ISDIR(st.st_mode))
		e = C_ERR_INVAL;
	if (e != C_OK) {
		if (e == C_ERR_NOTFOUND || e == C_ERR_INVAL)
			buf_printf(out, "%s is not a directory; path must name the "
				   "directory to search.", shown);
		goto out;
	}
	g.pats = glob_expand_braces(pat);
	walk_tree(real, 0, glob_visit, &g, &ws);
	if (g.n == 0) {
		buf_printf(out, "No files match %s in %s.", jx_str(args, "pattern"),
			   shown);
		goto out;
	}
	qsort(g.hits, g.n, sizeof *g.hits, hit_cmp);
	for (i = 0; i < g.n && i < GLOB_MAX_RESULTS; i++) {
		char *d = tool_display_path(ctx, g.hits[i].path);
		buf_printf(out, "%s\n", d);
		free(d);
	}
	if (g.n > GLOB_MAX_RESULTS)
		buf_printf(out, "[... %zu more files not shown; narrow the pattern "
			   "or path]\n", g.n - GLOB_MAX_RESULTS);
	if (ws.capped)
		buf_printf(out, "[search stopped after %zu entries]\n", ws.visited);
out:
	for (i = 0; i < g.n; i++)
		free(g.hits[i].path);
	free(g.hits);
	glob_patterns_free(g.pats);
	if (fd >= 0)
		close(fd);
	xfree_all(real, shown, pat, root);
	return e;
}
