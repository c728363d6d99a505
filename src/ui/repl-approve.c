/* repl-approve.c: the pairing session's approval dialog.  It shows the
 * whole request: the tool and the size of its change in the title, the
 * call's own description, the command with control and invisible
 * characters made visible (display_approval_text(): wrapped, never cut),
 * why it asks, and the whole diff.  The body scrolls (arrows, j/k, PgUp/PgDn, Home/End); the
 * title and the keys stay put. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ui/repl.h"
#include "ui/width.h"
#include "util/display.h"
#include "util/str.h"
#include "util/xalloc.h"

/* The diff's body lines, coloured: the summary names the file already. */
static void
diff_lines(const char *diff, int W, struct md_doc *d)
{
	const char *s = diff;
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
		if (!header) {
			char *line = xstrndup(s, e), *vis = width_visible(line);
			md_wrap(vis, strlen(vis), a, W, false, NULL, NULL, 0, d);
			xfree_all(vis, line);
		}
		s += e;
		if (*s)
			s++;
	}
}

/* The "description" the model gave the call, if any; caller frees. */
static char *
call_description(const char *args)
{
	cJSON *j = args ? cJSON_Parse(args) : NULL;
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "description");
	char *out = cJSON_IsString(it) && *it->valuestring ?
		    xstrdup(it->valuestring) : NULL;
	cJSON_Delete(j);
	return out;
}

static void
add_wrapped(struct md_doc *d, const char *s, unsigned attr, int W,
	    bool words, const char *first, const char *rest)
{
	char *vis = width_visible(s);
	md_wrap(vis, strlen(vis), attr, W, words, first, rest, attr, d);
	free(vis);
}

/* The keys the dialog takes now, wrapped to the screen's width. */
static void
footer(struct repl *r, int W, struct md_doc *f)
{
	struct buf b = BUF_INIT;
	if (r->ap_reason)
		buf_adds(&b, W >= 64 ? "Deny: type a reason for the model (Enter "
			 "sends, empty for none)" : "Reason? (Enter)");
	else {
		/* the keys, spelt out when there is room */
		static const char *const keys[][2] = {
			{ "[y] allow once  [a] allow for this session", "[y]once [a]lways" },
			{ "  [p] always for this project", " [p]roject" },
			{ "  [u] once outside the sandbox", " [u]nsandboxed" },
			{ "  [n] deny", " [n]o" },
		};
		int k = W >= 52 ? 0 : 1;
		buf_adds(&b, keys[0][k]);
		if (r->ap->req->project_rule)
			buf_adds(&b, keys[1][k]);
		if (r->ap->req->can_unsandbox)
			buf_adds(&b, keys[2][k]);
		buf_adds(&b, keys[3][k]);
	}
	md_wrap(b.p, b.len, MD_BOLD, W, true, NULL, NULL, 0, f);
	buf_free(&b);
}

void
repl_dialog_draw(struct repl *r, int th, int W)
{
	const struct approval_req *q = r->ap->req;
	struct md_doc d = MD_DOC_INIT, f = MD_DOC_INIT;
	struct buf title = BUF_INIT;
	char *desc = call_description(r->ap->args);
	size_t i, rows, shown, fn, add = 0, del = 0;
	long maxtop;
	int y0, fy;

	if (th <= 0)
		goto out;
	if (q->diff)
		ts_diff_counts(q->diff, &add, &del);
	if (desc)
		add_wrapped(&d, desc, MD_ITALIC, W, true, "  ", "  ");
	if (q->summary) { /* policy's rendering: nothing hidden, nothing cut */
		char *cmd = display_approval_text(q->summary, W > 12 ? (size_t)W - 2 : 10);
		md_wrap(cmd, strlen(cmd), MD_CODE, W, false, "  ", "  ", MD_CODE, &d);
		free(cmd);
	}
	if (q->reason && *q->reason)
		add_wrapped(&d, q->reason, MD_DIM, W, true, NULL, NULL);
	if (q->project_rule) {
		char *why = xasprintf("[p] saves %s for this project in your "
				      "config (/permissions lists and removes)",
				      q->project_rule);
		add_wrapped(&d, why, MD_DIM, W, true, NULL, "  ");
		free(why);
	}
	if (q->can_unsandbox)
		add_wrapped(&d, "[u] runs this one command outside the sandbox: "
			    "with your rights, files and network", MD_DIM, W,
			    true, NULL, "  ");
	if (q->diff)
		diff_lines(q->diff, W, &d);
	footer(r, W, &f);
	fn = f.n < 3 ? f.n : 3;
	if ((int)fn + 1 > th)
		fn = 1;

	/* rows: title, body, footer; a rule above when the screen has room */
	rows = th > (int)fn + 1 ? (size_t)th - fn - 1 : 0;
	shown = d.n < rows ? d.n : rows;
	maxtop = (long)d.n - (long)shown;
	if (r->ap_top > maxtop)
		r->ap_top = maxtop;
	if (r->ap_top < 0)
		r->ap_top = 0;
	r->ap_page = shown > 1 ? (long)shown - 1 : 1;
	buf_printf(&title, "Allow %s?", q->tool ? q->tool : "this");
	if (q->diff)
		buf_printf(&title, " (+%zu -%zu)", add, del);
	if (maxtop > 0)
		buf_printf(&title, "  lines %ld-%ld of %zu, %s", r->ap_top + 1,
			   r->ap_top + (long)shown, d.n,
			   r->ap_top < maxtop ? "PgDn/j: more" : "PgUp/k: back");
	fy = th - (int)fn;
	y0 = fy - 1 - (int)shown; /* the title's row */
	if (y0 < 0)
		y0 = 0;
	repl_dialog_frame(r, y0, th, W);
	repl_put(r, y0, 0, title.p, width_fit(title.p, title.len, (size_t)W, NULL),
		 A_BOLD, 0);
	for (i = 0; i < shown && y0 + 1 + (int)i < fy; i++)
		repl_draw_line(r, y0 + 1 + (int)i, &d.lines[(size_t)r->ap_top + i]);
	for (i = 0; i < fn && fy + (int)i < th; i++) {
		const struct md_line *l = &f.lines[i];
		attr_set(A_REVERSE, r->color ? CP_DIALOG : 0, NULL);
		mvhline(fy + (int)i, 0, ' ', W);
		repl_put(r, fy + (int)i, 0, l->text, l->len, A_BOLD | A_REVERSE,
			 r->color ? CP_DIALOG : 0);
	}
out:
	free(desc);
	buf_free(&title);
	md_doc_free(&d);
	md_doc_free(&f);
}

void
repl_dialog_key(struct repl *r, int key, bool is_char)
{
	if (r->ap_reason) {
		if (is_char && key == '\r') {
			repl_answer(r, APPROVE_DENY, le_str(&r->reason));
		} else if (is_char && (key == 27 || key == 3)) {
			repl_answer(r, APPROVE_DENY, NULL);
		} else {
			repl_line_key(r, key, is_char);
		}
		return;
	}
	if (!is_char) {
		switch (key) {
		case KEY_UP: r->ap_top--; break;
		case KEY_DOWN: r->ap_top++; break;
		case KEY_PPAGE: r->ap_top -= r->ap_page; break;
		case KEY_NPAGE: r->ap_top += r->ap_page; break;
		case KEY_HOME: r->ap_top = 0; break;
		case KEY_END: r->ap_top = 1L << 30; break; /* clamped when drawn */
		}
		if (r->ap_top < 0)
			r->ap_top = 0;
		return;
	}
	switch (key) {
	case 'y': case 'Y':
		repl_answer(r, APPROVE_ONCE, NULL);
		break;
	case 'a': case 'A':
		repl_answer(r, APPROVE_SESSION, NULL);
		break;
	case 'p': case 'P':
		if (r->ap->req->project_rule)
			repl_answer(r, APPROVE_PROJECT, NULL);
		break;
	case 'u': case 'U':
		if (r->ap->req->can_unsandbox)
			repl_answer(r, APPROVE_UNSANDBOXED, NULL);
		break;
	case 'n': case 'N':
		r->ap_reason = true;
		break;
	case 'k': r->ap_top = r->ap_top > 0 ? r->ap_top - 1 : 0; break;
	case 'j': r->ap_top++; break;
	case ' ': r->ap_top += r->ap_page; break;
	case 'b': r->ap_top = r->ap_top > r->ap_page ? r->ap_top - r->ap_page : 0; break;
	case 'g': r->ap_top = 0; break;
	case 'G': r->ap_top = 1L << 30; break;
	case 27: case 3: /* Esc, Ctrl-C: deny and stop */
		repl_cancel(r);
		break;
	}
}

/* ---- /permissions: the rules saved "always for this project" ---- */

void
repl_cmd_permissions(struct repl *r, const char *arg)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *ws = agent_workspace(r->a);
	cJSON *rules = agent_saved_rules(r->a, &err);
	char *path = agent_rules_path();
	const cJSON *it;
	int n = 0;

	if (!rules) {
		buf_printf(&out, "cannot read the saved rules: %s", buf_str(&err));
		repl_notice(r, ENT_ERROR, buf_str(&out));
		goto out;
	}
	if (!strncmp(arg, "remove", 6) && (arg[6] == ' ' || !arg[6])) {
		const char *what = arg + 6, *rule = NULL;
		long k;
		while (*what == ' ')
			what++;
		if (str_to_long(what, &k) && k >= 1 && k <= cJSON_GetArraySize(rules)) {
			it = cJSON_GetArrayItem(rules, (int)k - 1);
			rule = cJSON_IsString(it) ? it->valuestring : NULL;
		} else if (*what) {
			rule = what;
		}
		if (!rule) {
			repl_notice(r, ENT_ERROR, "usage: /permissions remove N (or the rule)");
			goto out;
		}
		if (agent_forget_rule(r->a, rule, &err) != C_OK) {
			buf_printf(&out, "not removed: %s", buf_str(&err));
			repl_notice(r, ENT_ERROR, buf_str(&out));
			goto out;
		}
		buf_printf(&out, "removed %s: it asks again from now on", rule);
		repl_notice(r, ENT_NOTICE, buf_str(&out));
		goto out;
	}
	if (*arg) {
		repl_notice(r, ENT_ERROR, "usage: /permissions, /permissions remove N");
		goto out;
	}
	buf_printf(&out, "Saved for this project (%s):\n", ws);
	cJSON_ArrayForEach(it, rules)
		if (cJSON_IsString(it))
			buf_printf(&out, "  %d. %s\n", ++n, it->valuestring);
	if (!n)
		buf_adds(&out, "  none (answer [p] in an approval to save one)\n");
	else
		buf_adds(&out, "/permissions remove N forgets one.\n");
	buf_printf(&out, "Mode %s; stored in %s (your config, never the "
		   "repository).", agent_mode_name(r->a),
		   path ? path : "?");
	repl_notice(r, ENT_INFO, buf_str(&out));
out:
	cJSON_Delete(rules);
	free(path);
	buf_free(&out);
	buf_free(&err);
}
