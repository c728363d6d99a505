/* repl.h: the pairing session's insides, shared by repl.c (set-up, the
 * loop, keys, jobs), repl-cmd.c (slash commands, completion),
 * repl-worker.c (the worker thread and its event queue) and repl-draw.c
 * (the screen).  Not an interface for other areas. */
#ifndef CONCH_UI_REPL_H
#define CONCH_UI_REPL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include <curses.h>

#include "ui/ui.h"
#include "ui/history.h"
#include "ui/lineedit.h"
#include "ui/transcript.h"
#include "ui/ui.h"
#include "util/buf.h"

#define HIST_MAX 1000
#define INPUT_ROWS_MAX 64
#define ATTACH_MAX (256u << 10)
#define SHELL_OUTPUT_MAX (64u << 10)
#define FRAME_MS 16

/* Keys we define on top of ncurses' own. */
enum {
	K_PASTE_BEGIN = KEY_MAX + 1,
	K_PASTE_END,
	K_ALT_ENTER,
	K_ALT_B,
	K_ALT_F,
	K_ALT_BS,
	K_ALT_D,
};

enum { CP_HEAD = 1, CP_CODE, CP_LINK, CP_ADD, CP_DEL, CP_HUNK, CP_USER,
       CP_ERR, CP_OK, CP_BULLET, CP_STATUS, CP_DIALOG };

/* ---- events from the worker ---- */

enum uev_kind {
	U_TEXT, U_THINK, U_DISCARD, U_NOTICE, U_TOOL_START, U_TOOL_END,
	U_TURN_END, U_TODO, U_APPROVE, U_DONE, U_SHELL_DONE, U_COMPACT_DONE,
	U_PLAN,
};

/* A pending approval; lives on the worker's stack while it waits. */
struct apw {
	const struct approval_req *req;
	const char *args; /* the tool call's arguments (JSON), or NULL */
	bool answered;
	enum approval ans;
	char *reason; /* handed to the agent, which frees it */
};

/* A plan waiting for review (exit_plan); lives on the worker's stack. */
struct planw {
	const char *plan;
	bool answered;
	enum plan_answer ans;
	char *feedback; /* handed to the agent, which frees it */
};

/* A modal choice at the bottom of the transcript: plan review, rewind
 * (repl-plan.c, repl-rewind.c). */
enum choice_kind { CH_PLAN, CH_REWIND_PICK, CH_REWIND_CONV, CH_REWIND_CONFLICT };
struct choice {
	enum choice_kind kind;
	char *title;          /* owned */
	char *body;           /* plain lines; owned; may be NULL */
	const char *footer;   /* the keys */
	bool typing;          /* keys go to r->reason */
	struct planw *pw;     /* CH_PLAN */
	int turn;             /* rewind: the chosen checkpoint */
	bool conv;            /* rewind: the conversation too */
};

struct uev {
	struct uev *next;
	enum uev_kind k;
	struct buf s;
	char *id, *name, *args;
	char *diff; /* U_TOOL_END of a write or edit: what it changed */
	bool flag;
	long ms;
	int status;
	struct conv_usage usage;
	struct cost_total cost; /* the session's, after this turn */
	char *by;
	struct apw *ap;
	struct planw *pw;
	struct agent_result res;
};

enum job_kind { JOB_AGENT, JOB_SHELL, JOB_COMPACT };

struct repl {
	struct agent *a;
	const struct ui_opts *o;
	SCREEN *scr;
	struct transcript ts;
	struct le ed, reason;
	struct history hist;
	bool color, utf8;

	/* worker */
	pthread_t th;
	bool busy;
	enum job_kind job;
	char *job_text;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct uev *qhead, *qtail; /* under mu */
	bool closing;              /* under mu: approvals are denied */
	int evp[2];
	long job_t0;
	/* the worker's own: the running tool call */
	char *w_args;         /* its arguments */
	char *w_path;         /* write/edit: the file, resolved */
	struct buf w_before;  /* ... and its text before the call */
	bool w_had_file;
	long w_ap_ms;         /* time its approvals were open */

	/* what runs now */
	struct ent *cur, *think, *todo, *shell;
	char *cur_void; /* the provider voided cur's text (why); owned */
	struct apw *ap;
	bool ap_reason; /* typing a deny reason */
	struct choice *ch; /* a plan review or rewind dialog; owned */
	long ap_top;    /* the dialog's first body line shown */
	long ap_page;   /* body rows at the last frame */
	char **pending;
	size_t npending;

	/* session figures (UI copies: the agent is the worker's) */
	struct conv_usage usage;
	struct cost_total cost;
	long last_input;
	char *answered_by;

	/* screen */
	long scroll;
	size_t last_total;
	int last_width;
	bool dirty, force;
	long last_draw;
	bool tools_expanded;
	char *hint; /* completion candidates, shown until the next key; owned */

	/* input modes */
	bool paste;
	bool searching;
	struct buf sq;
	long shit; /* search hit, -1 none */
	int ctrlc;

	/* a session opened by /resume and a chain built by /model replace
	 * the agent's while we run; cmd-run's are given back at the end */
	char *model; /* the chain's label; owned */

	int errp[2];
	int saved_err;
	struct sigaction old_winch, old_term, old_hup;
	int quit_sig;
	bool quit;
};

/* The files of the pairing session, each calling only those listed
 * before it: repl-core.c, repl-worker.c, repl-approve.c, repl-plan.c,
 * repl-rewind.c, repl-choice.c, repl-cmd.c, repl-draw.c, repl.c. */

/* ---- repl-core.c: what every part uses ---- */
/* Add a transcript entry holding `msg` and show the bottom. */
void repl_notice(struct repl *r, enum ent_kind k, const char *msg);
/* The running tool entry with call id `id`, or NULL. */
struct ent *repl_find_tool(struct repl *r, const char *id);
/* Answer the open approval (reason may be NULL). */
void repl_answer(struct repl *r, enum approval ans, const char *reason);
/* Stop the running job (denying an open approval); what was typed ahead
 * goes back to the input. */
void repl_cancel(struct repl *r);
/* Put text at (y, x) with attributes; returns the columns used. */
int repl_put(struct repl *r, int y, int x, const char *s, size_t n, attr_t at,
	     short pair);
void repl_draw_line(struct repl *r, int y, const struct md_line *l);
/* A dialog from row y0 to the transcript's last row (th rows): those
 * rows cleared, with a dim rule above y0 when there is room. */
void repl_dialog_frame(struct repl *r, int y0, int th, int W);
/* An editing key (backspace, left, right, a character) for the one-line
 * answer being typed in a dialog (r->reason); others are ignored. */
void repl_line_key(struct repl *r, int key, bool is_char);
/* Answer the plan of the open choice (feedback may be NULL). */
void repl_plan_answer(struct repl *r, enum plan_answer ans, const char *feedback);
/* Close r->ch; a pending plan is answered "keep planning". */
void repl_choice_close(struct repl *r);
/* Put a conversation (restored from a session) into the transcript. */
void repl_show_conv(struct repl *r, const struct conv *c);

/* ---- repl-worker.c: jobs on the worker thread ---- */
/* Start a job on the worker (the worker must be idle). */
void repl_start_job(struct repl *r, enum job_kind k, const char *text);
/* The worker thread's body: runs r->job with r->job_text and queues what
 * happens, ending with U_DONE, U_SHELL_DONE or U_COMPACT_DONE. */
void *repl_worker(void *arg);
void repl_uev_free(struct uev *e);
/* The worker's agent_events.review_plan: queue U_PLAN and wait. */
enum plan_answer repl_w_review_plan(void *ud, const char *plan, char **feedback);

/* ---- repl-approve.c: the approval dialog over the transcript's last
 * `th` rows, and its keys ---- */
void repl_dialog_draw(struct repl *r, int th, int W);
void repl_dialog_key(struct repl *r, int key, bool is_char);
/* /permissions [remove N|RULE]: the rules saved for this project. */
void repl_cmd_permissions(struct repl *r, const char *arg);

/* ---- repl-plan.c: plan mode ---- */
/* U_PLAN arrived: show the plan and ask. */
void repl_plan_event(struct repl *r, struct planw *pw);
/* Shift-Tab: ask -> auto-edit -> plan -> ask. */
void repl_cycle_mode(struct repl *r);
/* A key (or Enter with the typed `text`) in the plan's choice dialog. */
void repl_plan_key(struct repl *r, int key, const char *text);

/* ---- repl-rewind.c: /rewind [N] ---- */
void repl_rewind_cmd(struct repl *r, const char *arg);
/* Enter or a key in a rewind dialog. */
void repl_rewind_key(struct repl *r, int key, const char *text);

/* ---- repl-choice.c: the modal choice (plan review, rewind) ---- */
/* A key while r->ch is open. */
void repl_choice_key(struct repl *r, int key, bool is_char);
/* Draw r->ch over the bottom of the transcript (th rows). */
void repl_choice_draw(struct repl *r, int th, int W);

/* ---- repl-cmd.c: slash commands ---- */
/* Run a slash command line (true: it was one). */
bool repl_slash(struct repl *r, const char *line);
/* Complete the command or @path at the cursor. */
void repl_complete(struct repl *r);

/* ---- repl-draw.c ---- */
/* Draw a frame and write it to the terminal once. */
void repl_draw(struct repl *r);

#endif
