/* checkpoint.h: rewind.  Before each task (a "turn" of the user) that may
 * change files, a checkpoint of the workspace is recorded; after it, the
 * state it left.  A rewind restores the files to the state before a
 * chosen turn.
 *
 * In a git work tree a checkpoint is a snapshot of the whole tree
 * (tracked and untracked files, .gitignore respected) taken with git
 * itself into a PRIVATE repository in the state directory
 *   $XDG_STATE_HOME/conch/checkpoints/<project-slug>/git
 * (refs refs/conch/checkpoints/<session>/<n>-before|after), through a
 * temporary index kept per session so that `git add -A` only rehashes
 * what changed.  The user's repository, index, HEAD, stash and config
 * are never touched or read for settings: git runs with no system or
 * global config, no hooks, no fsmonitor and no filters, so nothing in a
 * repository can run code.  Outside git, the write and edit tools hand
 * the before-image of each file they change (ckpt_note_write); changes
 * made by commands are then not captured, and the turn says so.
 *
 * The log of a session's checkpoints is
 *   $XDG_STATE_HOME/conch/checkpoints/<project-slug>/<session>/log.json
 * written atomically after the snapshot it names: a kill during a
 * checkpoint leaves the earlier ones intact.  Checkpoints are pruned by
 * count and age (config "checkpoints": {"max_count", "max_age_days"}). */
#ifndef CONCH_CHECKPOINT_H
#define CONCH_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/err.h"

struct ckpt_file {
	char *path;      /* relative to the work tree; owned */
	long add, del;   /* lines; -1 each for a binary file */
	char *after;     /* files kind: content hash after the turn, "-" when
			  * the file was gone; NULL if unknown; owned */
};

struct ckpt_entry {
	int n;               /* 1, 2, ...: stable through pruning */
	long long time;      /* unix seconds at the start */
	char *prompt;        /* the user's message (capped); owned */
	long conv_index;     /* messages before the prompt; -1: none */
	char *before, *after; /* git: tree ids (after NULL until the end) */
	struct ckpt_file *files; /* changed in the turn; owned */
	size_t nfiles;
	bool done;           /* the end of the turn was recorded */
	bool shell;          /* files kind: commands ran, not captured */
	int rewind_of;       /* > 0: the state a rewind to this turn left */
};

struct ckpt_opts {
	bool enabled;        /* "enabled" (default true) */
	int max_count;       /* per session (default 100) */
	long max_age_days;   /* (default 30) */
};

struct ckpt {
	char *root;          /* the work tree (git root or workspace); owned */
	char *sid;           /* the session id; owned */
	char *dir;           /* this session's checkpoint directory; owned */
	char *gitdir;        /* the private repository; NULL: files kind */
	char *index;         /* the kept temporary index; owned */
	char *git;           /* the git program's path; owned */
	char *exclude;       /* the user's .git/info/exclude, or NULL */
	struct ckpt_opts o;
	struct ckpt_entry *v; /* oldest first; owned */
	size_t n, cap;
	int next;            /* the next entry's number */
	bool open;           /* the last entry is a running turn */
	bool dirty;          /* a write or a command ran in this turn */
};

/* Defaults, overridden by the user config's "checkpoints" object (may be
 * NULL). */
void ckpt_opts_from_config(struct ckpt_opts *o, const cJSON *config);

/* The checkpoints of session `sid` for `workspace` (absolute), loaded
 * from the state directory when some exist.  Git is used when the
 * workspace lies in a git work tree and a git program is found.  NULL
 * with the reason in `err` on failure.  Close with ckpt_close(). */
struct ckpt *ckpt_open(const char *workspace, const char *sid,
		       const struct ckpt_opts *o, struct buf *err);
void ckpt_close(struct ckpt *c);

/* Record the checkpoint before a turn whose message is `prompt`, with
 * `conv_index` messages in the conversation before it; prunes old ones.
 * A turn still open (no ckpt_end) is ended first. */
enum cerr ckpt_begin(struct ckpt *c, const char *prompt, long conv_index,
		     struct buf *err);
/* Files kind, during a turn: keep the before-image of `abs` (the first
 * time it changes in this turn).  Ignored in git mode and outside the
 * work tree. */
void ckpt_note_write(struct ckpt *c, const char *abs);
/* A command ran during the turn (files kind: its changes are not
 * captured). */
void ckpt_note_shell(struct ckpt *c);
/* Record the state the turn left and its changed files. */
enum cerr ckpt_end(struct ckpt *c, struct buf *err);

/* The entry numbered `n`, or NULL. */
const struct ckpt_entry *ckpt_find(const struct ckpt *c, int n);

/* One line per entry ("#n  time  +a -d  k files  prompt"), oldest
 * first, with the files listed under each when `files`. */
void ckpt_format_list(const struct ckpt *c, bool files, struct buf *out);

/* `head` on a line, then each of v[0..n) on an indented line; nothing
 * when n is 0.  For a rewind plan's lists. */
void ckpt_format_paths(const char *head, char **v, size_t n, struct buf *out);

/* What a rewind to before turn `n` would do. */
struct ckpt_plan {
	char **changes;      /* paths that would be restored or removed */
	size_t nchanges;
	char **conflicts;    /* of those, changed outside conch since the
			      * checkpoint: the user's own later work */
	size_t nconflicts;
	char **uncaptured;   /* notes: turns whose commands' changes are
			      * not covered (files kind) */
	size_t nuncaptured;
};
enum cerr ckpt_rewind_plan(struct ckpt *c, int n, struct ckpt_plan *p,
			   struct buf *err);
void ckpt_plan_free(struct ckpt_plan *p);

/* Restore the files to the state before turn `n`.  The state being left
 * is first kept as a new entry (rewind_of = n) so the rewind can itself
 * be undone by rewinding to that entry.  The caller has shown the plan's
 * conflicts and had them confirmed.  `restored` gets the number of paths
 * written or removed. */
enum cerr ckpt_rewind(struct ckpt *c, int n, size_t *restored,
		      struct buf *err);

#endif
