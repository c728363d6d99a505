/* memory.h: what conch remembers between sessions.
 *
 *   $XDG_DATA_HOME/conch/USER.md                      about the user (global)
 *   $XDG_DATA_HOME/conch/projects/<slug>/MEMORY.md    about this project
 *   $XDG_DATA_HOME/conch/projects/<slug>/memory/YYYY-MM-DD.md  daily notes
 *
 * USER.md and MEMORY.md hold entries separated by a line holding only
 * MEM_SEP.  Each file has a character budget; a write that would pass it
 * is refused with a message asking the model to consolidate.  Text that
 * looks like a secret (API keys, private keys) is never written.
 *
 * Every change is a read-modify-write under an exclusive flock(2) on
 * "<file>.lock", finished by an atomic rename (fs_write_atomic): two
 * processes lose nothing, and a kill at any moment leaves the old file or
 * the new one. */
#ifndef CONCH_MEMORY_H
#define CONCH_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/err.h"

#define MEM_SEP "\xc2\xa7" /* "§" on a line of its own */
#define MEM_USER_BUDGET 1400
#define MEM_PROJECT_BUDGET 2200
#define MEM_NOTE_MAX 4000 /* chars of one day's notes put in the prompt */

enum mem_target { MEM_USER, MEM_PROJECT };

struct mem_store {
	char *user_path;    /* USER.md; owned */
	char *project_path; /* MEMORY.md; owned */
	char *notes_dir;    /* the daily notes folder; owned */
	size_t user_max;    /* character budgets */
	size_t project_max;
};

/* Paths for the project at `workspace` (absolute) under the XDG data
 * directory.  Budgets of 0 take the defaults.  Creates nothing. */
void mem_open(struct mem_store *m, const char *workspace, size_t user_max,
	      size_t project_max);
/* The same with budgets from the user config's "memory" object
 * ({"user_chars": N, "project_chars": N}); `cfg` may be NULL. */
void mem_open_cfg(struct mem_store *m, const char *workspace,
		  const cJSON *cfg);
void mem_close(struct mem_store *m);

/* The user's config.json parsed, or NULL when missing or malformed
 * (config_load reports those at startup).  Caller deletes. */
cJSON *mem_user_config(void);

const char *mem_path(const struct mem_store *m, enum mem_target t);
size_t mem_budget(const struct mem_store *m, enum mem_target t);
/* "user" | "project" (also "USER.md", "MEMORY.md", "memory") -> target. */
bool mem_target_parse(const char *s, enum mem_target *t);

/* Entries of a file's text.  *n gets the count; caller frees with
 * mem_entries_free.  Empty entries are dropped; whitespace trimmed. */
char **mem_split(const char *text, size_t *n);
void mem_entries_free(char **v, size_t n);
/* Characters (UTF-8 code points) of the entries joined as stored. */
size_t mem_chars(const char *s);

/* Read the entries of target `t` (missing file: none). */
enum cerr mem_load(const struct mem_store *m, enum mem_target t, char ***v,
		   size_t *n);

/* Changes.  On success `msg` gets a one-line summary naming the file and
 * how full it is; on failure the reason the model sees:
 * C_ERR_INVAL (empty text, a secret, old_text not unique or absent),
 * C_ERR_TOOBIG (over budget), C_ERR_IO. */
enum cerr mem_add(const struct mem_store *m, enum mem_target t,
		  const char *text, struct buf *msg);
enum cerr mem_replace(const struct mem_store *m, enum mem_target t,
		      const char *old_text, const char *text, struct buf *msg);
enum cerr mem_remove(const struct mem_store *m, enum mem_target t,
		     const char *old_text, struct buf *msg);
/* Empty the file (kept, with no entries). */
enum cerr mem_clear(const struct mem_store *m, enum mem_target t);

/* Append `text` to today's daily note (append-only). */
enum cerr mem_note(const struct mem_store *m, const char *text, struct buf *msg);
/* Path of the daily note for the day of `when`; caller frees. */
char *mem_note_path(const struct mem_store *m, time_t when);

/* The memory section of the system prompt: both files with how full each
 * is, and today's and yesterday's notes.  Caller frees. */
char *mem_snapshot(const struct mem_store *m);

#endif
