/* walk.c: gitignore-aware directory walks. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gitignore.h"
#include "tools/walk.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#define WALK_DEFAULT_MAX 1000000
#define WALK_MAX_DEPTH 64

struct walker {
	const char *root;
	size_t root_len;
	size_t max;
	walk_fn fn;
	void *ud;
	struct gitignore *gi;
	struct walk_stats *st;
	bool stop;
};

/* The names in `dir`, sorted; NULL-terminated; caller frees. */
static char **
list_dir(const char *dir, size_t *np)
{
	DIR *d = opendir(dir);
	*np = 0;
	return d ? fs_dir_names(d, true, np) : NULL;
}

static void
walk_dir(struct walker *w, const char *dir, int depth)
{
	size_t n, i;
	char **names = list_dir(dir, &n);

	for (i = 0; i < n && !w->stop; i++) {
		char *path = path_join(dir, names[i]);
		struct walk_entry e;
		struct stat st;
		enum walk_next next;

		if (lstat(path, &st) < 0)
			goto next;
		e.type = S_ISDIR(st.st_mode) ? WALK_DIR :
			S_ISREG(st.st_mode) ? WALK_FILE :
			S_ISLNK(st.st_mode) ? WALK_LINK : WALK_OTHER;
		if (gi_ignored(w->gi, path, e.type == WALK_DIR)) {
			w->st->ignored++;
			goto next;
		}
		if (w->st->visited >= w->max) {
			w->st->capped = true;
			w->stop = true;
			goto next;
		}
		w->st->visited++;
		e.path = path;
		e.rel = path + w->root_len;
		while (*e.rel == '/')
			e.rel++;
		e.st = &st;
		next = w->fn(w->ud, &e);
		if (next == WALK_STOP) {
			w->stop = true;
		} else if (next == WALK_CONTINUE && e.type == WALK_DIR &&
			   depth < WALK_MAX_DEPTH) {
			gi_push_dir(w->gi, path);
			walk_dir(w, path, depth + 1);
			gi_pop_dir(w->gi);
		}
next:
		free(path);
	}
	strv_free(names, n);
}

void
walk_tree(const char *root, size_t max_entries, walk_fn fn, void *ud,
	  struct walk_stats *stats)
{
	struct walker w;

	memset(stats, 0, sizeof *stats);
	w.root = root;
	w.root_len = strlen(root);
	w.max = max_entries ? max_entries : WALK_DEFAULT_MAX;
	w.fn = fn;
	w.ud = ud;
	w.gi = gi_new(root);
	w.st = stats;
	w.stop = false;
	walk_dir(&w, root, 0);
	gi_free(w.gi);
}
