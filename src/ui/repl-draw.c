/* repl-draw.c: the pairing session's screen.  Each frame is drawn whole
 * into curses' virtual screen and written once: ncurses sends only what
 * changed, so streaming never flickers.  Rows from the top: transcript,
 * (approval dialog over its bottom), status line, input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/mind.h"
#include "ui/repl.h"
#include "util/clock.h"
#include "ui/width.h"
#include "util/xalloc.h"

static attr_t
attr_of(const struct repl *r, unsigned a, short *pair)
{
	attr_t at = A_NORMAL;
	*pair = 0;
	if (a & (MD_BOLD | MD_HEADING))
		at |= A_BOLD;
	if (a & MD_ITALIC)
#ifdef A_ITALIC
		at |= A_ITALIC;
#else
		at |= A_UNDERLINE;
#endif
	if (a & MD_LINK)
		at |= A_UNDERLINE;
	if (a & (MD_DIM | MD_QUOTE))
		at |= A_DIM;
	if (!r->color) {
		if (a & (MD_CODE | MD_CODEBLOCK | MD_HUNK))
			at |= A_BOLD;
		if (a & MD_DEL)
			at |= A_DIM;
		if (a & (MD_ERROR | MD_USER))
			at |= A_BOLD;
		return at;
	}
	if (a & MD_HEADING)
		*pair = CP_HEAD;
	else if (a & MD_ADD)
		*pair = CP_ADD;
	else if (a & MD_DEL)
		*pair = CP_DEL;
	else if (a & MD_HUNK)
		*pair = CP_HUNK;
	else if (a & MD_ERROR)
		*pair = CP_ERR;
	else if (a & MD_OK)
		*pair = CP_OK;
	else if (a & (MD_CODE | MD_CODEBLOCK))
		*pair = CP_CODE;
	else if (a & MD_LINK)
		*pair = CP_LINK;
	else if (a & MD_USER)
		*pair = CP_USER;
	else if (a & MD_BULLET)
		*pair = CP_BULLET;
	return at;
}

/* Put text at (y, x); returns the columns used.  Non-UTF-8 terminals get
 * one '?' per column of each non-ASCII character. */
static int
put(struct repl *r, int y, int x, const char *s, size_t n, attr_t at, short pair)
{
	int w = (int)width_str(s, n);
	attr_set(at, pair, NULL);
	if (r->utf8) {
		mvaddnstr(y, x, s, (int)n);
	} else {
		size_t i = 0;
		int col = x;
		move(y, x);
		while (i < n) {
			size_t j = width_next(s, n, i);
			if ((unsigned char)s[i] < 0x80 && j == i + 1) {
				addch((chtype)(unsigned char)s[i]);
				col++;
			} else {
				int cw = (int)width_str(s + i, j - i);
				while (cw-- > 0) {
					addch('?');
					col++;
				}
			}
			i = j;
		}
	}
	attr_set(A_NORMAL, 0, NULL);
	return w;
}

static void
draw_line(struct repl *r, int y, const struct md_line *l)
{
	size_t i;
	int x = 0;
	for (i = 0; i < l->nspans; i++) {
		short pair;
		attr_t at = attr_of(r, l->spans[i].attr, &pair);
		x += put(r, y, x, l->text + l->spans[i].off, l->spans[i].len, at, pair);
	}
}

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
					draw_line(r, (int)(ln - top), &d->lines[k]);
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
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r->a->o.config,
							    "context_window")))
		return mind_window(r->a->o.config);
	m = m ? m + 1 : model;
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strncmp(m, known[i].family, strlen(known[i].family)))
			return known[i].tokens;
	return MIND_DEFAULT_WINDOW;
}

static void
draw_status(struct repl *r, int y, int W)
{
	char s[512];
	struct buf b = BUF_INIT;
	size_t n;
	short pair = r->color ? CP_STATUS : 0;
	const char *model = r->answered_by ? r->answered_by :
			    r->model ? r->model : "no model";

	buf_printf(&b, " %s", model);
	if (r->scroll > 0)
		buf_printf(&b, " | scrolled +%ld", r->scroll);
	if (r->busy)
		buf_printf(&b, " | %s %lds", r->job == JOB_SHELL ? "running" : "working",
			   (long)((clock_mono_ms() - r->job_t0) / 1000));
	if (r->npending)
		buf_printf(&b, " | %zu queued", r->npending);
	buf_printf(&b, " | %s | sandbox %s",
		   policy_mode_str(r->a->o.policy->mode),
		   r->a->o.sandbox.off ? "OFF" : "on");
	if (r->usage.input || r->usage.output)
		buf_printf(&b, " | %ld in %ld out", r->usage.input, r->usage.output);
	else
		buf_adds(&b, " | tokens 0");
	if (r->cost.turns) {
		char cost[64];
		cost_total_format(&r->cost, cost, sizeof cost);
		buf_printf(&b, " | cost %s", cost);
	}
	if (r->last_input) {
		long win = context_window(r, model);
		/* rounded up: a used context never shows as 0% */
		buf_printf(&b, " | ctx %ld%%",
			   win > 0 ? (r->last_input * 100 + win - 1) / win : 0);
	}
	n = width_fit(buf_str(&b), b.len, (size_t)W, NULL);
	snprintf(s, sizeof s, "%.*s", (int)(n < sizeof s ? n : sizeof s - 1), buf_str(&b));
	attr_set(A_REVERSE, pair, NULL);
	mvhline(y, 0, ' ', W);
	put(r, y, 0, s, strlen(s), A_REVERSE, pair);
	attr_set(A_NORMAL, 0, NULL);
	buf_free(&b);
}

static void
draw_dialog(struct repl *r, int th, int W)
{
	const struct approval_req *q = r->ap->req;
	struct md_doc d = MD_DOC_INIT;
	char title[300];
	size_t i, rows, shown;
	int y0, k;

	if (th <= 0)
		return;
	snprintf(title, sizeof title, "Allow %s?", q->tool ? q->tool : "this");
	md_wrap(title, strlen(title), MD_BOLD, W, true, NULL, NULL, 0, &d);
	if (q->summary)
		md_wrap(q->summary, strlen(q->summary), MD_CODE, W, false, "  ",
			"  ", 0, &d);
	if (q->diff) {
		/* the body of the diff: the summary names the file already */
		const char *s = q->diff;
		while (*s) {
			size_t e = strcspn(s, "\n");
			unsigned a = 0;
			bool header = !strncmp(s, "+++ ", 4) || !strncmp(s, "--- ", 4);
			if (s[0] == '+')
				a = MD_ADD;
			else if (s[0] == '-')
				a = MD_DEL;
			else if (s[0] == '@' && s[1] == '@')
				a = MD_HUNK;
			if (!header)
				md_wrap(s, e, a, W, false, NULL, NULL, 0, &d);
			s += e;
			if (*s)
				s++;
		}
	}
	/* why it asks, when there is room for it */
	if (q->reason && *q->reason && d.n + 2 <= (size_t)(th - 1)) {
		struct md_doc why = MD_DOC_INIT;
		md_wrap(q->reason, strlen(q->reason), MD_DIM, W, true, NULL, NULL,
			0, &why);
		for (i = 0; i < why.n; i++)
			md_doc_push(&d, &why.lines[i]);
		free(why.lines);
	}
	/* the footer always shows on the last row; the rest is cut to fit */
	rows = (size_t)(th - 1);
	shown = d.n < rows ? d.n : rows;
	y0 = th - 1 - (int)shown;
	for (k = y0 > 0 ? y0 - 1 : 0; k < th; k++) {
		move(k, 0);
		clrtoeol();
	}
	if (y0 > 0) {
		attr_set(A_DIM, 0, NULL);
		mvhline(y0 - 1, 0, r->utf8 ? ACS_HLINE : '-', W);
		attr_set(A_NORMAL, 0, NULL);
	}
	for (i = 0; i < shown; i++) {
		if (i + 1 == shown && shown < d.n) {
			char more[64];
			snprintf(more, sizeof more, "... %zu more lines", d.n - i);
			put(r, y0 + (int)i, 0, more, strlen(more), A_DIM, 0);
			break;
		}
		draw_line(r, y0 + (int)i, &d.lines[i]);
	}
	{
		static const char *const longer[] = {
			"[y] allow once  [a] allow for this session  [n] deny",
			"Deny: type a reason for the model (Enter sends, empty for none)",
		}, *const shorter[] = {
			"[y]once [a]lways [n]o",
			"Reason? (Enter)",
		};
		const char *f = longer[r->ap_reason];
		if (strlen(f) > (size_t)W)
			f = shorter[r->ap_reason];
		size_t fn = width_fit(f, strlen(f), (size_t)W, NULL);
		put(r, th - 1, 0, f, fn, A_BOLD | A_REVERSE, r->color ? CP_DIALOG : 0);
	}
	md_doc_free(&d);
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
		draw_dialog(r, th, W);
	else if (r->ch)
		repl_choice_draw(r, th, W);
	draw_status(r, th, W);
	if (r->searching) {
		size_t n = width_fit(sline, strlen(sline), (size_t)W - 1, NULL);
		int used = put(r, th + 1, 0, sline, n, A_NORMAL, 0);
		cy = th + 1;
		cx = used;
	} else {
		for (i = 0; i < (size_t)ir && firstrow + i < nrows; i++) {
			const struct le_row *rw = &rows[firstrow + i];
			if (firstrow + i == 0 && pw)
				put(r, th + 1, 0, prompt, (size_t)pw, A_BOLD,
				    r->color ? CP_USER : 0);
			put(r, th + 1 + (int)i, pw, ed->s + rw->start,
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

