/* walk.h: depth-first directory walks for glob and grep, with .gitignore
 * respected, .git skipped, symlinks reported but never followed, and
 * entries visited in name order. */
#ifndef CONCH_WALK_H
#define CONCH_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

enum walk_type { WALK_FILE, WALK_DIR, WALK_LINK, WALK_OTHER };

struct walk_entry {
	const char *path;    /* absolute */
	const char *rel;     /* relative to the walk root */
	enum walk_type type;
	const struct stat *st; /* lstat of the entry */
};

enum walk_next { WALK_CONTINUE, WALK_STOP, WALK_SKIP_DIR };

/* Called for every entry not ignored (directories before their
 * contents). */
typedef enum walk_next (*walk_fn)(void *ud, const struct walk_entry *e);

struct walk_stats {
	size_t visited;  /* entries passed to the callback */
	size_t ignored;  /* entries skipped by .gitignore or .git */
	bool capped;     /* stopped at max_entries */
};

/* Walk below the absolute directory `root`.  `max_entries` (0: 1,000,000)
 * bounds the entries visited.  Unreadable directories are skipped. */
void walk_tree(const char *root, size_t max_entries, walk_fn fn, void *ud,
	       struct walk_stats *stats);

#endif
