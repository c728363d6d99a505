/* gitignore.h: path patterns as git writes them, and the .gitignore rules
 * that glob, grep and ls respect.
 *
 * wild_match() is git's wildmatch with pathname semantics: `*` and `?`
 * never cross a `/`, `[...]` classes (with `!`/`^` negation and ranges),
 * `\` escapes, and `**` as a whole segment matches any number of
 * directories ("**" + "/" at the start or middle, "/" + "**" at the end).
 *
 * A gitignore set is a stack of pattern lists, one per directory, from the
 * git root (or the search root when there is no repository) down to the
 * directory being walked.  Deeper lists override shallower ones; inside a
 * list the last matching pattern wins; `!` re-includes; a pattern with a
 * slash other than a trailing one is anchored to its directory; a trailing
 * slash matches directories only.  The root's .git/info/exclude is read
 * too.  Walkers prune ignored directories, so nothing inside an ignored
 * directory can be re-included, as in git. */
#ifndef CONCH_GITIGNORE_H
#define CONCH_GITIGNORE_H

#include <stdbool.h>
#include <stddef.h>

/* True when `str` matches the pattern `pat` (both relative paths). */
bool wild_match(const char *pat, const char *str);

/* Expand `{a,b}` alternatives in a glob pattern (nested braces work).
 * Returns a NULL-terminated array of patterns (at most 256; the rest are
 * dropped) that the caller frees with glob_patterns_free(). */
char **glob_expand_braces(const char *pat);
void glob_patterns_free(char **pats);

struct gitignore;

/* A set for walking below the absolute directory `root`: the .gitignore
 * files from the enclosing git root down to `root` are loaded.  Never
 * NULL; caller frees with gi_free(). */
struct gitignore *gi_new(const char *root);
void gi_free(struct gitignore *gi);

/* Entering / leaving the absolute directory `dir` (below root): load its
 * .gitignore, if any.  Calls must nest. */
void gi_push_dir(struct gitignore *gi, const char *dir);
void gi_pop_dir(struct gitignore *gi);

/* Is the absolute `path` (below root) ignored?  `.git` always is. */
bool gi_ignored(const struct gitignore *gi, const char *path, bool is_dir);

#endif
