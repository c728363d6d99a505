/* repl-draw.c: the pairing session's screen.  Each frame is drawn whole
 * into curses' virtual screen and written once: ncurses sends only what
 * changed, so streaming never flickers.  Rows from the top: transcript,
 * (approval dialog over its bottom), status line, input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/repl.h"
#include "util/clock.h"
#include "ui/width.h"
#include "util/xalloc.h"

static void
draw_transcript(struct repl *r, int th, int W)
{
	size_t i, total = 0, line0;
	long bottom, top, maxscroll;
	bool *drawn;

	if (th <= 0)
		return;
	for (i = 0; i < r->ts.n; i++)
		total += ent_lines(&r->ts, r->ts.v[i], W);
	/* keep the view still while output arrives below it */
	if (r->scroll > 0 && W == r->last_width && total > r->last_total)
		r->scroll += (long)(total - r->last_total);
	r->last_total = total;
	r->last_width = W;
	maxscroll = (long)total > th ? (long)total - th : 0;
	if (r->scroll > maxscroll)
		r->scroll = maxscroll;
	if (r->scroll < 0)
		r->scroll = 0;
	bottom = (long)total - r->scroll;
	top = bottom - th;
	if (top < 0) { /* a short transcript starts at the top */
		top = 0;
		bottom = th;
	}
	drawn = xcalloc(r->ts.n ? r->ts.n : 1, sizeof *drawn);
	line0 = 0;
	for (i = 0; i < r->ts.n; i++) {
		struct ent *e = r->ts.v[i];
		size_t h = e->nlines, k;
		if ((long)(line0 + h) > top && (long)line0 < bottom) {
			const struct md_doc *d = ent_doc(&r->ts, e, W);
			for (k = 0; k < d->n; k++) {
				long ln = (long)(line0 + k);
				if (ln >= top && ln < bottom)
					repl_draw_line(r, (int)(ln - top), &d->lines[k]);
			}
			drawn[i] = true;
		}
		line0 += h;
	}
	for (i = 0; i < r->ts.n; i++)
		if (!drawn[i] && r->ts.v[i] != r->cur)
			ent_drop_doc(r->ts.v[i]);
	free(drawn);
}

/* The context window: the config's "context_window" when set (compaction
 * uses it too), else the model family's published size, else the
 * default compaction assumes. */
static long
context_window(const struct repl *r, const char *model)
{
	static const struct {
		const char *family;
		long tokens;
	} known[] = {
		{ "claude", 200000 }, { "gpt-4.1", 1047576 }, { "gpt-4o", 128000 },
		{ "gpt-5", 400000 }, { "o3", 200000 }, { "o4-mini", 200000 },
		{ "gemini", 1048576 },
	};
	const char *m = strrchr(model, '/');
	size_t i;
	if (agent_window_configured(r->a))
		return agent_context_window(r->a);
	m = m ? m + 1 : model;
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strncmp(m, known[i].family, strlen(known[i].family)))
			return known[i].tokens;
	return agent_context_window(r->a); /* the default */
}

/* A token count in a few columns: 950, 12.3k, 4.1M. */
static void
short_count(char *out, size_t n, long v)
{
	if (v < 1000)
		snprintf(out, n, "%ld", v);
	else if (v < 100000)
		snprintf(out, n, "%.1fk", (double)v / 1000);
	else if (v < 1000000)
		snprintf(out, n, "%ldk", v / 1000);
	else
		snprintf(out, n, "%.1fM", (double)v / 1000000);
}

/* The status line's figures (tokens, cost, context), long or short. */
static void
status_figures(struct repl *r, const char *model, bool brief, struct buf *b)
{
	char in[24], out[24], cost[64];
	short_count(in, sizeof in, r->usage.input);
	short_count(out, sizeof out, r->usage.output);
	if (r->usage.input || r->usage.output)
		buf_printf(b, brief ? " | %s/%s tok" : " | %s in %s out", in, out);
	else if (!brief)
		buf_adds(b, " | tokens 0");
	if (r->cost.turns) {
		if (brief && r->cost.unpriced == r->cost.turns)
			snprintf(cost, sizeof cost, "?");
		else if (brief || r->cost.unpriced == 0)
			snprintf(cost, sizeof cost, "%s$%.*f",
				 r->cost.unpriced ? ">=" : "",
				 r->cost.usd < 1 ? 4 : 2, r->cost.usd);
		else
			cost_total_format(&r->cost, cost, sizeof cost);
		buf_printf(b, " | %s%s", brief ? "" : "cost ", cost);
	}
	if (r->last_input) {
		long win = context_window(r, model);
		/* rounded up: a used context never shows as 0% */
		buf_printf(b, " | ctx %ld%%",
			   win > 0 ? (r->last_input * 100 + win - 1) / win : 0);
	}
}

/* Model, state, mode, then the figures.  When the line is too wide the
 * figures go short, then the model is cut (to 12 columns), then the
 * state goes short too: cost and context stay on screen down to about
 * 50 columns. */
static void
draw_status(struct repl *r, int y, int W)
{
	struct buf right = BUF_INIT, line = BUF_INIT;
	short pair = r->color ? CP_STATUS : 0;
	const char *model = r->answered_by ? r->answered_by :
			    r->model ? r->model : "no model";
	size_t lw = width_str(model, strlen(model)), rw = 0, room;
	int level;

	for (level = 0; level < 3; level++) {
		bool brief = level == 2;
		buf_reset(&right);
		if (r->scroll > 0)
			buf_printf(&right, brief ? " | +%ld" : " | scrolled +%ld", r->scroll);
		if (r->busy)
			buf_printf(&right, " | %s%s%lds", brief ? "" :
				   r->job == JOB_SHELL ? "running" : "working",
				   brief ? "" : " ",
				   (long)((clock_mono_ms() - r->job_t0) / 1000));
		if (r->npending)
			buf_printf(&right, brief ? " | %zuq" : " | %zu queued", r->npending);
		buf_printf(&right, level ? " | %s | sbx %s" : " | %s | sandbox %s",
			   agent_mode_name(r->a),
			   agent_sandbox_off(r->a) ? "OFF" : "on");
		status_figures(r, model, level > 0, &right);
		rw = width_str(buf_str(&right), right.len);
		if (1 + lw + rw <= (size_t)W ||
		    (level > 0 && 1 + (lw < 12 ? lw : 12) + rw <= (size_t)W))
			break;
	}
	buf_addc(&line, ' ');
	/* the model keeps 12 columns at least; on a very narrow screen the
	 * figures are cut at the right edge instead */
	room = (size_t)W > rw + 1 ? (size_t)W - rw - 1 : 0;
	if (room < 12)
		room = lw < 12 ? lw : 12;
	if (lw <= room) {
		buf_adds(&line, model);
	} else if (room > 2) { /* cut the model, marked */
		buf_add(&line, model, width_fit(model, strlen(model), room - 1, NULL));
		buf_adds(&line, r->utf8 ? "\xe2\x80\xa6" : "~");
	}
	buf_add(&line, buf_str(&right), right.len);
	attr_set(A_REVERSE, pair, NULL);
	mvhline(y, 0, ' ', W);
	repl_put(r, y, 0, buf_str(&line), width_fit(buf_str(&line), line.len, (size_t)W, NULL),
		 A_REVERSE, pair);
	attr_set(A_NORMAL, 0, NULL);
	buf_free(&right);
	buf_free(&line);
}

void
repl_draw(struct repl *r)
{
	int H = LINES, W = COLS, th, ir, cy = 0, cx = 0;
	bool typing = r->ap_reason || (r->ch && r->ch->typing);
	struct le *ed = typing ? &r->reason : &r->ed;
	struct le_row rows[INPUT_ROWS_MAX];
	size_t nrows, crow = 0, ccol = 0, firstrow = 0, i;
	const char *prompt = r->ap_reason ? "reason> " :
			     r->ch && r->ch->typing ? "> " : r->busy ? "+ " : "> ";
	int pw = (int)strlen(prompt);
	char sline[600];

	if (W < 4 || H < 2) {
		erase();
		mvaddnstr(0, 0, "conch: terminal too small", W > 0 ? W : 0);
		refresh();
		return;
	}
	if (pw >= W - 1)
		pw = 0;
	if (r->searching) {
		const char *hit = r->shit >= 0 ? r->hist.items[r->shit] : "";
		snprintf(sline, sizeof sline, "(search) '%s': %s", buf_str(&r->sq), hit);
		nrows = 1;
	} else {
		nrows = le_layout(ed, W, pw, rows, INPUT_ROWS_MAX, &crow, &ccol);
		if (nrows > INPUT_ROWS_MAX)
			nrows = INPUT_ROWS_MAX;
	}
	ir = (int)nrows;
	if (ir > (H - 1) / 2)
		ir = (H - 1) / 2 > 0 ? (H - 1) / 2 : 1;
	if (!r->searching && crow >= (size_t)ir)
		firstrow = crow - (size_t)ir + 1;
	th = H - ir - 1;
	erase();
	draw_transcript(r, th, W);
	if (r->ap)
		repl_dialog_draw(r, th, W);
	else if (r->ch)
		repl_choice_draw(r, th, W); /* repl-plan.c */
	else if (r->hint && th > 0) { /* over the transcript's last row */
		size_t n = width_fit(r->hint, strlen(r->hint), (size_t)W, NULL);
		move(th - 1, 0);
		clrtoeol();
		repl_put(r, th - 1, 0, r->hint, n, A_BOLD, r->color ? CP_BULLET : 0);
	}
	draw_status(r, th, W);
	if (r->searching) {
		size_t n = width_fit(sline, strlen(sline), (size_t)W - 1, NULL);
		int used = repl_put(r, th + 1, 0, sline, n, A_NORMAL, 0);
		cy = th + 1;
		cx = used;
	} else {
		for (i = 0; i < (size_t)ir && firstrow + i < nrows; i++) {
			const struct le_row *rw = &rows[firstrow + i];
			if (firstrow + i == 0 && pw)
				repl_put(r, th + 1, 0, prompt, (size_t)pw, A_BOLD,
				    r->color ? CP_USER : 0);
			repl_put(r, th + 1 + (int)i, pw, ed->s + rw->start,
			    rw->end - rw->start, A_NORMAL, 0);
		}
		cy = th + 1 + (int)(crow - firstrow);
		cx = (int)ccol;
	}
	if (cx >= W)
		cx = W - 1;
	if ((r->ap && !r->ap_reason) || (r->ch && !r->ch->typing && !r->ap)) {
		curs_set(0);
	} else {
		curs_set(1);
		move(cy, cx);
	}
	if (r->force) {
		clearok(curscr, TRUE);
		r->force = false;
	}
	wnoutrefresh(stdscr);
	doupdate();
	r->last_draw = clock_mono_ms();
}

