/* session.h: the session log.  Every message and tool event of a session
 * is appended as one JSON line to
 *   $XDG_STATE_HOME/conch/sessions/<project-slug>/<id>.jsonl
 * and written with one write(2) so a crash leaves at most a torn last
 * line, which readers skip with a warning. */
#ifndef CONCH_SESSION_H
#define CONCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "conv/conv.h"
#include "util/err.h"

struct session {
	char *id;   /* owned */
	char *path; /* the .jsonl file; owned */
	char *dir;  /* <sessions>/<slug>/<id>.d: saved tool outputs; owned */
	int fd;     /* O_APPEND; -1 when closed */
};

/* The directory holding this project's sessions; caller frees. */
char *session_project_dir(const char *project_dir);

/* Start a new session for `project_dir` (absolute).  Writes the header
 * record.  Returns NULL and sets *err on failure. */
struct session *session_create(const char *project_dir, const char *model,
			       enum cerr *err);

/* Open an existing session by id (or the latest when id is NULL) of
 * `project_dir` for appending, loading its messages into `conv` (which
 * must be initialised).  A torn last line is skipped with a warning.
 * Returns NULL and sets *err (C_ERR_NOTFOUND when there is none). */
struct session *session_resume(const char *project_dir, const char *id,
			       struct conv *conv, cJSON **todos, enum cerr *err);

/* Append one record {"type": type, ...fields of `rec`} (rec is consumed;
 * may be NULL). */
enum cerr session_append(struct session *s, const char *type, cJSON *rec);
/* Append {"type":"message","message":...}. */
enum cerr session_append_msg(struct session *s, const struct conv_msg *m);

void session_close(struct session *s);

/* Read the records of the session file at `path`, calling `fn` for each
 * whole record in order.  *torn is set when a cut-short last line was
 * skipped.  Stops early when fn returns false. */
enum cerr session_read(const char *path,
		       bool (*fn)(void *ud, const cJSON *rec), void *ud,
		       bool *torn);

/* Print this project's sessions (id, start time, first prompt, turns),
 * newest last, to `out`.  Returns the number listed. */
size_t session_list(const char *project_dir, FILE *out);

#endif
