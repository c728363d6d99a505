/* ui.h: front ends.  Each drives agent_run() through struct agent_events. */
#ifndef CONCH_UI_H
#define CONCH_UI_H

#include <stdbool.h>

#include "agent/agent.h"
#include "util/exitcode.h"

enum output_format { OUT_TEXT, OUT_JSON, OUT_STREAM_JSON };

struct ui_opts {
	enum output_format format;
	bool verbose;        /* tool activity on stderr (text format) */
	int cancel_fd;       /* the self-pipe's read end (SIGINT) */
	const char *model;   /* the chain's first label, for display */
	bool color;          /* stderr may use colour (TTY and no NO_COLOR) */
	int cancel_wfd;      /* the self-pipe's write end (the REPL cancels); -1 none */
};

/* Run one task headless and print its outcome in `o->format`.  Returns
 * the process exit code. */
int ui_headless(struct agent *a, const char *prompt, const struct ui_opts *o);

/* The plain line-based interactive session (no curses).  Returns the
 * process exit code. */
int ui_plain(struct agent *a, const struct ui_opts *o);

/* The ncurses pairing session (ui/repl.c), for a terminal on stdin and
 * stdout.  Falls back to ui_plain() when TERM cannot drive curses.  Writes
 * to o->cancel_wfd to cancel.  Restores the terminal on every exit path.
 * Returns the process exit code (128 + signal after SIGTERM/SIGHUP). */
int ui_repl(struct agent *a, const struct ui_opts *o);

/* Show an approval request on stderr (the whole command, control
 * characters spelled out, wrapped; the diff; the rule [p] would save) and
 * read the answer from stdin.  `in_session` offers "always this session"
 * and asks a reason for a denial (stored in *reason, caller frees). */
enum approval ui_ask_approval(const struct approval_req *req, bool in_session,
	char **reason);

/* Map an agent result to an exit code. */
int ui_exit_code(const struct agent_result *r);

/* Drain the cancel pipe (after an interrupt was handled). */
void ui_drain_cancel(int fd);

#endif
