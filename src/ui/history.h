/* history.h: input history, persisted across sessions.
 *
 * Entries live in $XDG_STATE_HOME/conch/history (one per line, with
 * backslash escapes for newlines and backslashes), rewritten atomically
 * on every add; a file cut short is read up to its last whole line. */
#ifndef CONCH_UI_HISTORY_H
#define CONCH_UI_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

struct history {
	char **items;  /* owned; oldest first */
	size_t n, cap;
	size_t max;    /* entries kept */
	char *path;    /* owned; NULL: not persisted */
	size_t pos;    /* recall position: n when not recalling */
	char *draft;   /* the text being edited before recall began; owned */
};

/* Load from `path` (may be NULL) keeping at most `max` entries. */
void hist_init(struct history *h, const char *path, size_t max);
void hist_free(struct history *h);
/* Add a line (skipped when empty or equal to the newest) and save. */
void hist_add(struct history *h, const char *line);
/* Recall the older / newer entry.  `current` is the editor text, kept as
 * the draft when recall starts.  NULL when there is nothing further;
 * hist_next returns the draft after the newest entry.  Borrowed. */
const char *hist_prev(struct history *h, const char *current);
const char *hist_next(struct history *h);
void hist_reset(struct history *h);
/* The newest entry older than index `before` containing `needle`; -1 if
 * none.  Pass h->n to search from the newest. */
long hist_search(const struct history *h, const char *needle, size_t before);

#endif
