/* repl.c: the ncurses pairing session.
 *
 * Two threads.  The UI thread owns the screen, the transcript and the
 * editor, and sleeps in one poll() over the keyboard, the event pipe, the
 * signal self-pipe (SIGWINCH, SIGTERM, SIGHUP) and the pipe that stands in
 * for stderr while curses owns the terminal.  A worker thread runs one job
 * at a time (agent_run() for a task, sandbox_run() for `!command`); its
 * agent_events callbacks copy what they report into a queue and write a
 * byte to the event pipe.  An approval request blocks the worker on a
 * condition variable until the dialog answers.  Cancelling writes a byte
 * to the cancel pipe the agent and the sandbox watch.
 *
 * The agent and the policy belong to the worker while a job runs: the UI
 * thread touches them (mode, /clear) only when no job runs. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "ui/history.h"
#include "ui/lineedit.h"
#include "ui/markdown.h"
#include "ui/transcript.h"
#include "ui/ui.h"
#include "ui/width.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include "ui/repl.h"
#include "util/clock.h"

/* ---- signals: the handlers only write to a self-pipe ---- */

static int sig_pipe_w = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGWINCH ? 'W' : sig == SIGTERM ? 'T' : 'H';
	if (sig_pipe_w >= 0 && write(sig_pipe_w, &c, 1) < 0) {
		/* full: the loop will see an earlier byte */
	}
	errno = saved;
}

static void start_next(struct repl *r);

static void
job_done(struct repl *r)
{
	pthread_join(r->th, NULL);
	r->busy = false;
	free(r->job_text);
	r->job_text = NULL;
	ui_drain_cancel(r->o->cancel_fd);
	r->cur = r->think = r->shell = NULL;
	free(r->cur_void);
	r->cur_void = NULL;
	r->usage = agent_usage(r->a);
	r->cost = agent_cost(r->a);
	r->dirty = true;
	start_next(r);
}

/* The streaming answer was voided: mark it, with the reason. */
static void
void_current(struct repl *r)
{
	free(r->cur->note);
	r->cur->note = r->cur_void;
	r->cur_void = NULL;
	ent_touch(r->cur);
}

/* A message is complete: what streams next starts a new entry. */
static void
end_stream(struct repl *r)
{
	if (r->cur && r->cur_void)
		void_current(r);
	free(r->cur_void);
	r->cur_void = NULL;
	r->cur = r->think = NULL;
}

/* streamed text appended to *ent, opened as a new entry of kind k */
static void
stream_into(struct repl *r, struct ent **ent, enum ent_kind k, const struct buf *s)
{
	if (!*ent)
		*ent = ts_add(&r->ts, k);
	buf_add(&(*ent)->text, s->p, s->len);
	ent_touch(*ent);
}

static void
handle(struct repl *r, struct uev *e)
{
	struct ent *t;
	switch (e->k) {
	case U_TEXT:
		r->think = NULL;
		if (r->cur && r->cur_void) { /* a retry: keep the old text, marked */
			void_current(r);
			r->cur = NULL;
		}
		stream_into(r, &r->cur, ENT_ASSIST, &e->s);
		break;
	case U_THINK:
		stream_into(r, &r->think, ENT_THINK, &e->s);
		break;
	case U_DISCARD:
		/* what streamed is void if something replaces it; when the
		 * task is cancelled instead, it stays as the partial answer */
		free(r->cur_void);
		r->cur_void = r->cur ? xstrdup(e->s.p ? e->s.p : "") : NULL;
		break;
	case U_NOTICE:
		ts_add_text(&r->ts, ENT_NOTICE, e->s.p);
		break;
	case U_TOOL_START:
		end_stream(r);
		t = ts_add(&r->ts, ENT_TOOL);
		t->id = e->id;
		t->name = e->name;
		t->args = e->args;
		e->id = e->name = e->args = NULL;
		t->expanded = r->tools_expanded;
		break;
	case U_TOOL_END:
		t = repl_find_tool(r, e->id);
		if (t) {
			t->done = true;
			t->is_error = e->flag;
			t->ms = e->ms;
			buf_add(&t->result, e->s.p ? e->s.p : "", e->s.len);
			t->diff = e->diff;
			e->diff = NULL;
			ent_tool_verdict(t);
			ent_touch(t);
		}
		break;
	case U_TURN_END:
		end_stream(r);
		r->cost = e->cost;
		if (e->usage.known) {
			conv_usage_add(&r->usage, &e->usage);
			r->last_input = e->usage.input + e->usage.cache_read +
					e->usage.cache_write;
		}
		if (e->by) {
			free(r->answered_by);
			r->answered_by = e->by;
			e->by = NULL;
		}
		break;
	case U_TODO:
		if (!r->todo)
			r->todo = ts_add(&r->ts, ENT_TODO);
		buf_reset(&r->todo->text);
		buf_add(&r->todo->text, e->s.p ? e->s.p : "", e->s.len);
		ent_touch(r->todo);
		break;
	case U_APPROVE:
		r->ap = e->ap;
		r->ap_reason = false;
		break;
	case U_PLAN:
		repl_plan_event(r, e->pw);
		break;
	case U_DONE:
		if (e->res.err == C_ERR_CANCELLED) {
			size_t i;
			if (r->cur && r->cur->text.len) {
				r->cur->interrupted = true;
				ent_touch(r->cur);
			} else {
				ts_add_text(&r->ts, ENT_ERROR, "interrupted");
			}
			for (i = 0; i < r->ts.n; i++) {
				t = r->ts.v[i];
				if (t->kind == ENT_TOOL && !t->done) {
					t->done = t->interrupted = true;
					ent_touch(t);
				}
			}
		} else if (e->res.is_error) {
			struct ent *last = r->ts.n ? r->ts.v[r->ts.n - 1] : NULL;
			if (r->cur && r->cur_void)
				void_current(r);
			if (last && last->kind == ENT_NOTICE && e->res.errmsg[0] &&
			    strstr(buf_str(&last->text), e->res.errmsg)) {
				/* the chain told it already ("NAME failed: why"):
				 * that notice becomes the error, shown once */
				last->kind = ENT_ERROR;
				ent_reset(last);
			} else {
				ts_add_text(&r->ts, ENT_ERROR, e->res.errmsg);
			}
		}
		r->todo = NULL;
		job_done(r);
		break;
	case U_SHELL_DONE:
		if (r->shell) {
			buf_add(&r->shell->result, e->s.p ? e->s.p : "", e->s.len);
			r->shell->done = true;
			r->shell->status = e->status;
			r->shell->interrupted = e->flag;
			ent_touch(r->shell);
		}
		job_done(r);
		break;
	case U_COMPACT_DONE:
		/* success and failures were told through notices */
		if (e->status == C_ERR_CANCELLED)
			ts_add_text(&r->ts, ENT_ERROR, "compaction interrupted");
		job_done(r);
		break;
	}
	r->dirty = true;
}

static void
drain_events(struct repl *r)
{
	char b[256];
	struct uev *q, *next;
	while (read(r->evp[0], b, sizeof b) > 0)
		;
	pthread_mutex_lock(&r->mu);
	q = r->qhead;
	r->qhead = r->qtail = NULL;
	pthread_mutex_unlock(&r->mu);
	for (; q; q = next) {
		next = q->next;
		handle(r, q);
		repl_uev_free(q);
	}
}

static void run_line(struct repl *r, const char *line);

static void
start_next(struct repl *r)
{
	char *next;
	if (r->busy || !r->npending || r->quit)
		return;
	next = r->pending[0];
	memmove(r->pending, r->pending + 1, (r->npending - 1) * sizeof *r->pending);
	r->npending--;
	run_line(r, next);
	free(next);
}

/* Run one submitted line now (the worker is idle). */
static void
run_line(struct repl *r, const char *line)
{
	if (line[0] == '/' && line[1] != '/' && line[1] != ' ') {
		repl_slash(r, line);
	} else if (line[0] == '!' && line[1]) {
		repl_start_job(r, JOB_SHELL, line + 1);
	} else {
		repl_start_job(r, JOB_AGENT, line);
	}
}

static void
submit(struct repl *r)
{
	const char *line = le_str(&r->ed);
	size_t n = strlen(line);
	char *copy;
	while (n && isspace((unsigned char)line[n - 1]))
		n--;
	if (!n)
		return;
	copy = xstrndup(line, n);
	hist_add(&r->hist, copy);
	le_clear(&r->ed);
	r->scroll = 0;
	r->dirty = true;
	if (r->busy) {
		/* commands that need no agent run at once */
		if (!strcmp(copy, "/exit") || !strcmp(copy, "/quit") ||
		    !strcmp(copy, "/help") || !strcmp(copy, "/cost") ||
		    !strcmp(copy, "/memory") || !strcmp(copy, "/skills")) {
			repl_slash(r, copy);
			free(copy);
			return;
		}
		r->pending = xreallocarray(r->pending, r->npending + 1,
					   sizeof *r->pending);
		r->pending[r->npending++] = copy;
		return;
	}
	run_line(r, copy);
	free(copy);
}

/* ---- keys ---- */

static void
search_update(struct repl *r, bool older)
{
	size_t before = r->hist.n;
	if (older && r->shit >= 0)
		before = (size_t)r->shit;
	r->shit = hist_search(&r->hist, buf_str(&r->sq), before);
	if (r->shit < 0 && older)
		r->shit = hist_search(&r->hist, buf_str(&r->sq), r->hist.n);
}

/* A key while searching history; returns true when consumed. */
static bool
search_key(struct repl *r, int key, bool is_char)
{
	if (is_char && key == 18) { /* Ctrl-R: older */
		search_update(r, true);
		return true;
	}
	if (is_char && (key == 7 || key == 27)) { /* Ctrl-G, Esc: give up */
		r->searching = false;
		return true;
	}
	if ((is_char && (key == 127 || key == 8)) || (!is_char && key == KEY_BACKSPACE)) {
		size_t n = r->sq.len;
		if (n) {
			buf_truncate(&r->sq, width_prev(r->sq.p, n));
			search_update(r, false);
		}
		return true;
	}
	if (is_char && key >= 32) {
		char u[4];
		size_t k = utf8_encode((uint32_t)key, u);
		buf_add(&r->sq, u, k);
		search_update(r, false);
		return true;
	}
	/* anything else accepts the hit and goes on as a normal key */
	r->searching = false;
	if (r->shit >= 0)
		le_set(&r->ed, r->hist.items[r->shit]);
	hist_reset(&r->hist);
	return is_char && (key == '\r' || key == '\n');
}

static void
recall(struct repl *r, bool older)
{
	const char *h = older ? hist_prev(&r->hist, le_str(&r->ed)) :
				hist_next(&r->hist);
	if (h)
		le_set(&r->ed, h);
	else
		beep();
}

static void
scroll_by(struct repl *r, long n)
{
	r->scroll += n;
	if (r->scroll < 0)
		r->scroll = 0;
}

static void
toggle_tools(struct repl *r)
{
	size_t i;
	r->tools_expanded = !r->tools_expanded;
	for (i = 0; i < r->ts.n; i++) {
		struct ent *e = r->ts.v[i];
		if (e->kind == ENT_TOOL) {
			e->expanded = r->tools_expanded;
			ent_touch(e);
		}
	}
}

static void suspend(struct repl *r);

static void
char_key(struct repl *r, int key)
{
	struct le *ed = &r->ed;
	char u[4];

	if (r->paste) {
		if (key == '\r')
			key = '\n';
		le_insert(ed, u, utf8_encode((uint32_t)key, u));
		return;
	}
	if (key != 3)
		r->ctrlc = 0;
	switch (key) {
	case 1: le_home(ed); break;        /* Ctrl-A */
	case 2: le_left(ed); break;        /* Ctrl-B */
	case 3:                            /* Ctrl-C */
		if (r->busy) {
			repl_cancel(r);
		} else if (ed->len) {
			le_clear(ed);
			hist_reset(&r->hist);
		} else if (++r->ctrlc >= 2) {
			r->quit = true;
		} else {
			repl_notice(r, ENT_NOTICE, "Ctrl-C again or Ctrl-D to leave");
		}
		break;
	case 4:                            /* Ctrl-D */
		if (ed->len)
			le_delete(ed);
		else if (!r->busy)
			r->quit = true;
		break;
	case 5: le_end(ed); break;         /* Ctrl-E */
	case 6: le_right(ed); break;       /* Ctrl-F */
	case 8: case 127: le_backspace(ed); break;
	case 9: repl_complete(r); break;        /* Tab */
	case 10: le_insert(ed, "\n", 1); break; /* Ctrl-J */
	case 11: le_kill_end(ed); break;   /* Ctrl-K */
	case 12: r->force = true; break;   /* Ctrl-L */
	case 13: submit(r); break;         /* Enter */
	case 14: if (!le_down(ed)) recall(r, false); break; /* Ctrl-N */
	case 15: toggle_tools(r); break;   /* Ctrl-O */
	case 16: if (!le_up(ed)) recall(r, true); break;    /* Ctrl-P */
	case 18:                           /* Ctrl-R */
		r->searching = true;
		buf_reset(&r->sq);
		r->shit = -1;
		break;
	case 21: le_kill_start(ed); break; /* Ctrl-U */
	case 23: le_kill_word(ed); break;  /* Ctrl-W */
	case 25: le_yank(ed); break;       /* Ctrl-Y */
	case 26: suspend(r); break;        /* Ctrl-Z */
	case 27:                           /* Esc */
		if (r->busy)
			repl_cancel(r);
		break;
	default:
		if (key >= 32 && key != 127)
			le_insert(ed, u, utf8_encode((uint32_t)key, u));
		break;
	}
}

static void
func_key(struct repl *r, int key)
{
	struct le *ed = &r->ed;
	int page = LINES > 6 ? LINES - 4 : 1;
	r->ctrlc = 0;
	switch (key) {
	case K_ALT_ENTER: le_insert(ed, "\n", 1); break;
	case K_ALT_B: le_word_left(ed); break;
	case K_ALT_F: le_word_right(ed); break;
	case K_ALT_BS: le_kill_word(ed); break;
	case K_ALT_D: { /* delete the word after the cursor */
		size_t a = ed->cur, len0 = ed->len, n;
		if (le_word_right(ed)) {
			n = ed->cur - a;
			ed->cur = a;
			while (len0 - ed->len < n && le_delete(ed))
				;
		}
		break;
	}
	case KEY_LEFT: le_left(ed); break;
	case KEY_RIGHT: le_right(ed); break;
	case KEY_HOME: le_home(ed); break;
	case KEY_END: le_end(ed); break;
	case KEY_BACKSPACE: le_backspace(ed); break;
	case KEY_DC: le_delete(ed); break;
	case KEY_UP: if (!le_up(ed)) recall(r, true); break;
	case KEY_DOWN: if (!le_down(ed)) recall(r, false); break;
	case KEY_PPAGE: scroll_by(r, page); break;
	case KEY_NPAGE: scroll_by(r, -page); break;
	case KEY_ENTER: submit(r); break;
	case KEY_RESIZE: r->force = true; break;
	case KEY_BTAB: repl_cycle_mode(r); break;
#ifdef KEY_MOUSE
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) == OK) {
			if (me.bstate & BUTTON4_PRESSED)
				scroll_by(r, 3);
#ifdef BUTTON5_PRESSED
			else if (me.bstate & BUTTON5_PRESSED)
				scroll_by(r, -3);
#endif
		}
		break;
	}
#endif
	}
}

static void
read_keys(struct repl *r)
{
	wint_t wc;
	int rc;
	while ((rc = get_wch(&wc)) != ERR) {
		bool is_char = rc == OK;
		int key = (int)wc;
		if (is_char && key == 27 && !r->paste) {
			/* Esc, or Alt with a key ncurses does not know */
			wint_t w2;
			int rc2 = get_wch(&w2);
			if (rc2 == OK && (w2 == '\r' || w2 == '\n')) {
				is_char = false;
				key = K_ALT_ENTER;
			} else if (rc2 == OK && (w2 == 'b' || w2 == 'f' || w2 == 'd' ||
						 w2 == 127)) {
				is_char = false;
				key = w2 == 'b' ? K_ALT_B : w2 == 'f' ? K_ALT_F :
				      w2 == 'd' ? K_ALT_D : K_ALT_BS;
			} else if (rc2 != ERR) {
				unget_wch(w2);
			}
		}
		r->dirty = true;
		free(r->hint); /* completions show until the next key */
		r->hint = NULL;
		if (!is_char && (key == K_PASTE_BEGIN || key == K_PASTE_END)) {
			r->paste = key == K_PASTE_BEGIN;
			continue;
		}
		if (r->ch && !r->ap) {
			/* plan review, rewind (repl-plan.c) */
			if (!r->paste || (r->ch->typing && is_char && key >= 32))
				repl_choice_key(r, key, is_char);
			continue;
		}
		if (r->ap) {
			/* a paste never answers a dialog; it may be the reason */
			if (!r->paste || (r->ap_reason && is_char && key >= 32))
				repl_dialog_key(r, key, is_char);
			continue;
		}
		if (r->searching && search_key(r, key, is_char))
			continue;
		if (is_char)
			char_key(r, key);
		else
			func_key(r, key);
	}
}

/* ---- set-up and the loop ---- */

static void
resize(struct repl *r)
{
	struct winsize ws;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	/* the terminal reflowed what it showed: repaint it all, once */
	r->force = true;
	r->dirty = true;
}

static void
read_stderr(struct repl *r)
{
	char b[4096];
	ssize_t n;
	while ((n = read(r->errp[0], b, sizeof b - 1)) > 0) {
		while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
			n--;
		b[n] = '\0';
		if (n) { /* like the agent's notices: no jump to the bottom */
			ts_add_text(&r->ts, ENT_NOTICE, b);
			r->dirty = true;
		}
	}
}

static bool
term_usable(void)
{
	const char *t = getenv("TERM");
	return t && *t && strcmp(t, "dumb") != 0;
}

static void
colors(struct repl *r)
{
	/* each pair's foreground on the terminal's background */
	static const short pairs[][2] = {
		{ CP_HEAD, COLOR_CYAN }, { CP_CODE, COLOR_YELLOW }, { CP_LINK, COLOR_BLUE },
		{ CP_ADD, COLOR_GREEN }, { CP_DEL, COLOR_RED }, { CP_HUNK, COLOR_CYAN },
		{ CP_USER, COLOR_GREEN }, { CP_ERR, COLOR_RED }, { CP_OK, COLOR_GREEN },
		{ CP_BULLET, COLOR_CYAN }, { CP_STATUS, COLOR_BLUE },
		{ CP_DIALOG, COLOR_YELLOW },
	};
	const char *nc = getenv("NO_COLOR");
	size_t i;
	r->color = !(nc && *nc) && has_colors();
	if (!r->color)
		return;
	start_color();
	use_default_colors();
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		init_pair(pairs[i][0], pairs[i][1], -1);
}

static void
keys_define(void)
{
	define_key("\033[200~", K_PASTE_BEGIN);
	define_key("\033[201~", K_PASTE_END);
	define_key("\033\r", K_ALT_ENTER);
	define_key("\033\n", K_ALT_ENTER);
	define_key("\033b", K_ALT_B);
	define_key("\033f", K_ALT_F);
	define_key("\033d", K_ALT_D);
	define_key("\033\177", K_ALT_BS);
}

static void
tty_write(const char *s)
{
	if (write(1, s, strlen(s)) < 0) {
		/* the terminal is gone; nothing to restore */
	}
}

/* Stop the worker: deny what it asks, cancel what it does, and wait. */
static void
stop_worker(struct repl *r)
{
	pthread_mutex_lock(&r->mu);
	r->closing = true;
	pthread_mutex_unlock(&r->mu);
	if (!r->busy)
		return;
	repl_cancel(r);
	while (r->busy) {
		struct pollfd p = { r->evp[0], POLLIN, 0 };
		poll(&p, 1, 200);
		drain_events(r);
		if (r->ap)
			repl_answer(r, APPROVE_DENY, NULL);
		repl_choice_close(r);
	}
}

static void
loop(struct repl *r, int sigr)
{
	while (!r->quit) {
		struct pollfd p[4];
		int timeout = -1;
		long since = clock_mono_ms() - r->last_draw;
		if (r->dirty && since >= FRAME_MS) {
			repl_draw(r);
			r->dirty = false;
		}
		if (r->dirty)
			timeout = (int)(FRAME_MS - since) > 0 ? (int)(FRAME_MS - since) : 1;
		else if (r->busy)
			timeout = 1000;
		p[0].fd = 0;
		/* events wait for the next frame: they arrive in batches */
		p[1].fd = r->dirty ? -1 : r->evp[0];
		p[2].fd = sigr;
		p[3].fd = r->errp[0];
		p[0].events = p[1].events = p[2].events = p[3].events = POLLIN;
		p[0].revents = p[1].revents = p[2].revents = p[3].revents = 0;
		if (poll(p, r->errp[0] >= 0 ? 4 : 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents & POLLIN) {
			char b[32];
			ssize_t n = read(sigr, b, sizeof b), i;
			for (i = 0; i < n; i++) {
				if (b[i] == 'W') {
					resize(r);
				} else {
					r->quit = true;
					r->quit_sig = b[i] == 'T' ? SIGTERM : SIGHUP;
				}
			}
		}
		if (p[1].revents & POLLIN)
			drain_events(r);
		if (p[3].revents & POLLIN)
			read_stderr(r);
		if (p[0].revents & (POLLHUP | POLLERR)) {
			r->quit = true;
			r->quit_sig = SIGHUP;
		} else if (p[0].revents & POLLIN) {
			read_keys(r);
		}
		if (r->busy && timeout == 1000)
			r->dirty = true; /* the elapsed time in the status line */
	}
}

static char *
history_path(void)
{
	char *dir = xdg_dir("state"), *p = path_join(dir, "history");
	free(dir);
	return p;
}

/* ---- the terminal: on, off, and back after a crash ---- */

/* What a fatal signal's handler needs to give the terminal back.  Static
 * because a handler can reach nothing else; set before curses starts. */
static struct termios fatal_tio;
static bool fatal_have_tio;
static const int fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction fatal_old[sizeof fatal_sigs / sizeof fatal_sigs[0]];

/* Restore the modes and leave the alternate screen, then put the old
 * handler back.  A signal somebody sent is raised again (it stays
 * blocked until the handler returns); a fault happens again under the
 * old handler when the instruction re-runs; either way the process ends
 * as it would have. */
static void
on_fatal(int sig, siginfo_t *si, void *uc)
{
	static const char reset[] = "\033[?2004l\033[?1049l\033[?25h\033[0m\r\n";
	size_t i;
	if (fatal_have_tio)
		tcsetattr(0, TCSANOW, &fatal_tio);
	if (write(1, reset, sizeof reset - 1) < 0) {
		/* nothing more to do */
	}
	(void)uc;
	for (i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++)
		if (fatal_sigs[i] == sig)
			sigaction(sig, &fatal_old[i], NULL);
	if (!si || si->si_code <= 0)
		raise(sig);
}

static void
fatal_guard(bool on)
{
	struct sigaction sa;
	size_t i;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++) {
		if (on)
			sigaction(fatal_sigs[i], &sa, &fatal_old[i]);
		else
			sigaction(fatal_sigs[i], &fatal_old[i], NULL);
	}
}

/* Ctrl-Z: give the terminal back, stop, and take it again on SIGCONT. */
static void
suspend(struct repl *r)
{
	tty_write("\033[?2004l");
	def_prog_mode();
	endwin();
	kill(getpid(), SIGTSTP);
	reset_prog_mode();
	tty_write("\033[?2004h");
	r->force = true;
	r->dirty = true;
}

/* Curses on, signals to the self-pipe, stderr captured.  False when the
 * terminal cannot be driven (nothing changed then). */
static bool
term_open(struct repl *r, int sigw)
{
	struct sigaction sa;
	fatal_have_tio = tcgetattr(0, &fatal_tio) == 0;
	r->scr = newterm(NULL, stdout, stdin);
	if (!r->scr)
		return false;
	fatal_guard(true);
	sig_pipe_w = sigw;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &r->old_winch);
	sigaction(SIGTERM, &sa, &r->old_term);
	sigaction(SIGHUP, &sa, &r->old_hup);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	keys_define();
	colors(r);
#ifdef KEY_MOUSE
	mousemask(BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
#endif
	tty_write("\033[?2004h");
	/* stderr would scribble over the screen: show it as notices */
	if (pipe2(r->errp, O_CLOEXEC | O_NONBLOCK) == 0) {
		r->saved_err = dup(2);
		if (r->saved_err < 0 || dup2(r->errp[1], 2) < 0) {
			close(r->errp[0]);
			close(r->errp[1]);
			r->errp[0] = r->errp[1] = -1;
		}
	}
	return true;
}

static void
term_close(struct repl *r)
{
	tty_write("\033[?2004l");
#ifdef KEY_MOUSE
	mousemask(0, NULL);
#endif
	endwin();
	delscreen(r->scr);
	if (r->saved_err >= 0) {
		dup2(r->saved_err, 2);
		close(r->saved_err);
		read_stderr(r); /* late lines go with the transcript */
	}
	if (r->errp[0] >= 0) {
		close(r->errp[0]);
		close(r->errp[1]);
	}
	sigaction(SIGWINCH, &r->old_winch, NULL);
	sigaction(SIGTERM, &r->old_term, NULL);
	sigaction(SIGHUP, &r->old_hup, NULL);
	sig_pipe_w = -1;
	fatal_guard(false);
}

/* After the screen is given back: the transcript, as it was shown but
 * without colours, so that the session stays in the terminal's
 * scrollback. */
static void
print_transcript(struct repl *r)
{
	struct winsize ws;
	int W = r->last_width > 0 ? r->last_width : 80;
	size_t i, k;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		W = ws.ws_col;
	for (i = 0; i < r->ts.n; i++) {
		struct ent *e = r->ts.v[i];
		const struct md_doc *d = ent_doc(&r->ts, e, W);
		for (k = 0; k < d->n; k++) {
			fwrite(d->lines[k].text, 1, d->lines[k].len, stdout);
			fputc('\n', stdout);
		}
		ent_drop_doc(e);
	}
	fflush(stdout);
}

int
ui_repl(struct agent *a, const struct ui_opts *o)
{
	struct repl r;
	int sigp[2] = { -1, -1 }, code = 0;
	char *hp;
	const char *cs;

	if (!term_usable())
		return ui_plain(a, o);
	setlocale(LC_CTYPE, "");
	memset(&r, 0, sizeof r);
	r.a = a;
	r.o = o;
	r.evp[0] = r.evp[1] = r.errp[0] = r.errp[1] = -1;
	r.saved_err = -1;
	r.shit = -1;
	r.usage = agent_usage(a);
	r.cost = agent_cost(a);
	r.model = xstrdup(o->model);
	cs = nl_langinfo(CODESET);
	r.utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	if (pipe2(r.evp, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(sigp, O_CLOEXEC | O_NONBLOCK) < 0) {
		code = 1;
		goto out_pipes;
	}
	if (!term_open(&r, sigp[1])) {
		code = ui_plain(a, o);
		goto out_pipes;
	}
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	ts_init(&r.ts, r.utf8 ? 0 : MDF_ASCII);
	le_init(&r.ed);
	le_init(&r.reason);
	buf_init(&r.sq, 4096);
	hp = history_path();
	hist_init(&r.hist, hp, HIST_MAX);
	free(hp);
	{
		char intro[300];
		snprintf(intro, sizeof intro,
			 "conch %s (%s). /help for help, Ctrl-D to leave.",
			 PACKAGE_VERSION, o->model ? o->model : "no model");
		repl_notice(&r, ENT_NOTICE, intro);
	}

	repl_show_conv(&r, agent_conv(a)); /* conch -c / -r */
	loop(&r, sigp[0]);
	stop_worker(&r);
	drain_events(&r);
	term_close(&r);
	if (r.quit_sig != SIGHUP) /* no terminal left to print to */
		print_transcript(&r);
	if (r.quit_sig)
		code = 128 + r.quit_sig;
	/* the session in use at the end (after /resume or /clear) */
	if (agent_session_id(a) && agent_turns(a) > 0)
		fprintf(stderr, "conch: session %s (resume with conch -r %s)\n",
			agent_session_id(a), agent_session_id(a));

	ts_free(&r.ts);
	le_free(&r.ed);
	le_free(&r.reason);
	buf_free(&r.sq);
	hist_free(&r.hist);
	while (r.npending)
		free(r.pending[--r.npending]);
	xfree_all(r.pending, r.answered_by, r.model, r.cur_void, r.w_args,
		  r.hint, r.w_path);
	buf_free(&r.w_before);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
out_pipes:
	if (r.evp[0] >= 0) {
		close(r.evp[0]);
		close(r.evp[1]);
	}
	if (sigp[0] >= 0) {
		close(sigp[0]);
		close(sigp[1]);
	}
	return code;
}
