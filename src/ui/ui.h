/* ui.h: front ends.  Each drives agent_run() through struct agent_events. */
#ifndef CONCH_UI_H
#define CONCH_UI_H

#include <stdbool.h>

#include "agent/agent.h"

enum output_format { OUT_TEXT, OUT_JSON, OUT_STREAM_JSON };

struct ui_opts {
	enum output_format format;
	bool verbose;        /* tool activity on stderr (text format) */
	int cancel_fd;       /* the self-pipe's read end (SIGINT) */
	const char *model;   /* the chain's first label, for display */
	bool color;          /* stderr may use colour (TTY and no NO_COLOR) */
};

/* Run one task headless and print its outcome in `o->format`.  Returns
 * the process exit code. */
int ui_headless(struct agent *a, const char *prompt, const struct ui_opts *o);

/* The plain line-based interactive session (no curses).  Returns the
 * process exit code. */
int ui_plain(struct agent *a, const struct ui_opts *o);

/* Map an agent result to an exit code. */
int ui_exit_code(const struct agent_result *r);

/* Drain the cancel pipe (after an interrupt was handled). */
void ui_drain_cancel(int fd);

#endif
