/* transcript.c: transcript entries and their rendering (see transcript.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ui/transcript.h"
#include "ui/width.h"
#include "util/str.h"
#include "util/xalloc.h"

#define TOOL_SHOW_LINES 200
/* An applied change shows this many diff lines until expanded. */
#define DIFF_SHOW_LINES 24
/* A failed command shows this many lines of its output's tail. */
#define TAIL_LINES 5

void
ts_init(struct transcript *t, unsigned flags)
{
	memset(t, 0, sizeof *t);
	t->flags = flags;
}

static void
ent_free(struct ent *e)
{
	buf_free(&e->text);
	buf_free(&e->result);
	xfree_all(e->id, e->name, e->args, e->note, e->diff, e->verdict);
	md_doc_free(&e->doc);
	free(e);
}

void
ts_clear(struct transcript *t)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		ent_free(t->v[i]);
	t->n = 0;
}

void
ts_free(struct transcript *t)
{
	ts_clear(t);
	free(t->v);
	t->v = NULL;
	t->cap = 0;
}

struct ent *
ts_add(struct transcript *t, enum ent_kind k)
{
	struct ent *e = xcalloc(1, sizeof *e);
	e->kind = k;
	buf_init(&e->text, 0);
	buf_init(&e->result, ENT_RESULT_MAX);
	t->v = xgrow(t->v, t->n + 1, &t->cap, 64, sizeof *t->v);
	t->v[t->n++] = e;
	return e;
}

struct ent *
ts_add_text(struct transcript *t, enum ent_kind k, const char *text)
{
	struct ent *e = ts_add(t, k);
	buf_adds(&e->text, text);
	return e;
}

void
ent_touch(struct ent *e)
{
	e->cw = 0;
	if (e->kind != ENT_ASSIST)
		ent_drop_doc(e);
}

void
ent_reset(struct ent *e)
{
	e->cw = 0;
	ent_drop_doc(e);
}

void
ent_drop_doc(struct ent *e)
{
	if (e->have_doc) {
		md_doc_free(&e->doc);
		e->have_doc = false;
	}
	e->inc.nlines = 0;
}

char *
ent_tool_key(const char *args)
{
	static const char *const keys[] = {
		"command", "file_path", "path", "pattern", "url", "query",
		"name", "description", NULL,
	};
	cJSON *j = args ? cJSON_Parse(args) : NULL;
	char *out = NULL;
	size_t i;
	if (j && cJSON_IsObject(j)) {
		const cJSON *it;
		for (i = 0; keys[i] && !out; i++) {
			it = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
			if (cJSON_IsString(it))
				out = xstrdup(it->valuestring);
		}
		cJSON_ArrayForEach(it, j) {
			if (out)
				break;
			if (cJSON_IsString(it))
				out = xstrdup(it->valuestring);
		}
		cJSON_ArrayForEach(it, j) {
			if (out)
				break;
			if (cJSON_IsArray(it))
				out = xasprintf("%d %s", cJSON_GetArraySize(it),
						it->string ? it->string : "items");
		}
	}
	cJSON_Delete(j);
	if (!out)
		out = xstrndup(args ? args : "", 200);
	/* one line, every character shown for what it is */
	for (i = 0; out[i]; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	{
		char *vis = width_visible(out);
		free(out);
		out = vis;
	}
	return out;
}

static const char *
sym(const struct transcript *t, const char *utf8, const char *ascii)
{
	return (t->flags & MDF_ASCII) ? ascii : utf8;
}

/* Output lines, colouring a diff and capping the count. */
static void
render_output(const char *s, size_t n, int width, unsigned base,
	      bool diffish, struct md_doc *d)
{
	size_t i = 0, shown = 0, total = 0, k;
	for (k = 0; k < n; k++)
		total += s[k] == '\n';
	total += n && s[n - 1] != '\n';
	while (i < n && shown < TOOL_SHOW_LINES) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		unsigned a = base;
		if (diffish && e > i) {
			if (s[i] == '+' && !(e - i >= 3 && !memcmp(s + i, "+++", 3)))
				a |= MD_ADD;
			else if (s[i] == '-' && !(e - i >= 3 && !memcmp(s + i, "---", 3)))
				a |= MD_DEL;
			else if (e - i >= 2 && s[i] == '@' && s[i + 1] == '@')
				a |= MD_HUNK;
		}
		md_wrap(s + i, e - i, a, width, false, "    ", "    ", 0, d);
		shown++;
		i = e + 1;
	}
	if (total > shown) {
		char more[64];
		snprintf(more, sizeof more, "    ... %zu more lines", total - shown);
		md_wrap(more, strlen(more), MD_DIM, width, false, NULL, NULL, 0, d);
	}
}

/* The status line a command's result ends with (the bash tool adds it,
 * perhaps followed by where the full output went): its start, or NULL. */
static const char *
status_line(const char *s, size_t n, size_t *len)
{
	size_t end = n, tries;
	for (tries = 0; tries < 2 && end > 0; tries++) {
		size_t st = end;
		while (st > 0 && s[st - 1] != '\n')
			st--;
		if (s[st] == '[' && (!strncmp(s + st, "[exit ", 6) ||
				     !strncmp(s + st, "[timed out", 10) ||
				     !strncmp(s + st, "[killed by signal", 17))) {
			*len = end - st;
			return s + st;
		}
		end = st > 0 ? st - 1 : 0;
	}
	return NULL;
}

void
ts_diff_counts(const char *diff, size_t *add, size_t *del)
{
	const char *s = diff;
	*add = *del = 0;
	while (s && *s) {
		if (s[0] == '+' && strncmp(s, "+++ ", 4) != 0)
			(*add)++;
		else if (s[0] == '-' && strncmp(s, "--- ", 4) != 0)
			(*del)++;
		s += strcspn(s, "\n");
		if (*s)
			s++;
	}
}

void
ent_tool_verdict(struct ent *e)
{
	const char *st;
	size_t len;
	long code;
	free(e->verdict);
	e->verdict = NULL;
	if (!e->name || strcmp(e->name, "bash") != 0 || !e->result.len)
		return;
	st = status_line(e->result.p, e->result.len, &len);
	if (!st)
		return;
	if (!strncmp(st, "[exit ", 6)) {
		char num[24];
		size_t k = strcspn(st + 6, "]");
		if (k == 0 || k >= sizeof num)
			return;
		memcpy(num, st + 6, k);
		num[k] = '\0';
		if (!str_to_long(num, &code) || code == 0)
			return;
		e->verdict = xasprintf("exit %ld", code);
	} else if (!strncmp(st, "[timed out", 10)) {
		e->verdict = xstrdup("timed out");
	} else {
		const char *p = memchr(st, '(', len), *q = p ? memchr(p, ')', len - (size_t)(p - st)) : NULL;
		e->verdict = p && q ? xasprintf("killed by %.*s", (int)(q - p - 1), p + 1) :
			     xstrdup("killed by a signal");
	}
}

/* The last few lines of a failed command's output, above its status. */
static void
render_tail(const struct ent *e, int width, struct md_doc *d)
{
	const char *s = e->result.p;
	size_t len, end, st, k;
	const char *stl = status_line(s, e->result.len, &len);
	if (!stl)
		return;
	end = (size_t)(stl - s);
	while (end > 0 && s[end - 1] == '\n')
		end--;
	st = end;
	for (k = 0; k < TAIL_LINES && st > 0; k++) {
		st--;
		while (st > 0 && s[st - 1] != '\n')
			st--;
	}
	if (end > st && !(end - st == 11 && !memcmp(s + st, "(no output)", 11)))
		render_output(s + st, end - st, width, MD_DIM, false, d);
}

/* An applied change: its diff (without the file headers), cut to a few
 * dozen lines until expanded. */
static void
render_diff(const struct transcript *t, const struct ent *e, int width,
	    struct md_doc *d)
{
	const char *s = e->diff;
	size_t shown = 0, total = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (strncmp(s, "+++ ", 4) && strncmp(s, "--- ", 4)) {
			if (e->expanded || shown < DIFF_SHOW_LINES) {
				unsigned a = s[0] == '+' ? MD_ADD : s[0] == '-' ? MD_DEL :
					     s[0] == '@' && s[1] == '@' ? MD_HUNK : MD_DIM;
				md_wrap(s, n, a, width, false, "    ", "    ", 0, d);
				shown++;
			}
			total++;
		}
		s += n;
		if (*s)
			s++;
	}
	if (total > shown) {
		char more[96];
		snprintf(more, sizeof more, "    %s %zu more lines (Ctrl-O shows all)",
			 sym(t, "\xe2\x80\xa6", "..."), total - shown);
		md_wrap(more, strlen(more), MD_DIM, width, false, NULL, NULL, 0, d);
	}
}

static void
render_tool(const struct transcript *t, const struct ent *e, int width,
	    struct md_doc *d)
{
	char *key = ent_tool_key(e->args);
	char status[96], counts[48] = "";
	const char *texts[5];
	unsigned attrs[5];
	bool bad = e->is_error || e->verdict;
	if (e->diff) {
		size_t add, del;
		ts_diff_counts(e->diff, &add, &del);
		snprintf(counts, sizeof counts, " +%zu -%zu", add, del);
	}
	if (!e->done)
		snprintf(status, sizeof status, "  %s", sym(t, "\xe2\x80\xa6", "..."));
	else
		snprintf(status, sizeof status, "  %s%s%s%s %ld ms",
			 e->interrupted ? "interrupted" :
			 bad ? sym(t, "\xe2\x9c\x97", "x") :
			 sym(t, "\xe2\x9c\x93", "ok"),
			 e->verdict && !e->interrupted ? " " : "",
			 e->verdict && !e->interrupted ? e->verdict : "", counts, e->ms);
	texts[0] = sym(t, "\xe2\x97\x8f ", "* ");
	attrs[0] = !e->done ? MD_DIM : bad ? MD_ERROR : MD_OK;
	texts[1] = e->name ? e->name : "?";
	attrs[1] = MD_BOLD;
	texts[2] = " ";
	attrs[2] = 0;
	texts[3] = key;
	attrs[3] = MD_DIM;
	texts[4] = status;
	attrs[4] = !e->done ? MD_DIM : bad ? MD_ERROR : MD_OK;
	/* the status must stay visible: cut the key first */
	{
		size_t fixed = 2 + strlen(texts[1]) + 1 + width_str(status, strlen(status)) + 1;
		size_t kw = width_str(key, strlen(key));
		if (fixed < (size_t)width && kw + fixed > (size_t)width) {
			size_t keep = (size_t)width - fixed;
			size_t b = width_fit(key, strlen(key), keep, NULL);
			key[b] = '\0';
		}
	}
	md_line_add(d, width, 5, texts, attrs);
	free(key);
	if (e->diff)
		render_diff(t, e, width, d);
	if (!e->expanded) {
		if (e->verdict && e->result.len)
			render_tail(e, width, d);
		return;
	}
	if (e->args && *e->args && !e->diff) {
		cJSON *j = cJSON_Parse(e->args);
		char *pretty = j ? cJSON_Print(j) : NULL;
		const char *a = pretty ? pretty : e->args;
		md_wrap(a, strlen(a), MD_DIM, width, false, "    ", "    ", 0, d);
		free(pretty);
		cJSON_Delete(j);
	}
	if (e->result.len) {
		bool diffish = strstr(e->result.p, "\n@@ ") || !strncmp(e->result.p, "@@ ", 3);
		render_output(e->result.p, e->result.len, width,
			      e->is_error ? MD_ERROR : 0, diffish, d);
	}
}

static void
render_todo(const struct transcript *t, const struct ent *e, int width,
	    struct md_doc *d)
{
	const char *s = e->text.p ? e->text.p : "";
	size_t n = e->text.len, i = 0;
	md_wrap("Plan", 4, MD_BOLD, width, false, NULL, NULL, 0, d);
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n;
		char st = s[i];
		const char *box = st == 'x' ? sym(t, "  \xe2\x9c\x93 ", "  [x] ") :
				  st == '>' ? sym(t, "  \xe2\x96\xb8 ", "  [>] ") :
				  sym(t, "  \xe2\x97\xa6 ", "  [ ] ");
		unsigned a = st == 'x' ? MD_DIM : st == '>' ? MD_BOLD : 0;
		if (end > i + 2)
			md_wrap(s + i + 2, end - i - 2, a, width, true, box,
				"    ", st == 'x' ? MD_OK : MD_BULLET, d);
		i = end + 1;
	}
}

static void
render(struct transcript *t, struct ent *e, int width, struct md_doc *d)
{
	const char *s = e->text.p ? e->text.p : "";
	size_t n = e->text.len;
	switch (e->kind) {
	case ENT_USER:
		md_wrap("", 0, 0, width, false, NULL, NULL, 0, d);
		md_wrap(s, n, MD_USER, width, true, "> ", "  ", MD_USER | MD_BOLD, d);
		break;
	case ENT_ASSIST:
		if (e->inc.nlines == 0) {
			md_doc_free(d);
			md_wrap("", 0, 0, width, false, NULL, NULL, 0, d);
			e->inc.off = 0;
			e->inc.nlines = d->n;
			e->inc.any = false;
		}
		md_render_inc(s, n, width, t->flags, d, &e->inc);
		if (e->interrupted)
			md_wrap("[interrupted]", 13, MD_ERROR, width, false, NULL, NULL, 0, d);
		else if (e->note)
			md_wrap(e->note, strlen(e->note), MD_ERROR | MD_DIM, width, true,
				"[discarded: ", "  ", MD_ERROR | MD_DIM, d);
		break;
	case ENT_THINK:
		md_wrap(s, n, MD_DIM | MD_ITALIC, width, true,
			sym(t, "\xe2\x88\xb4 ", ": "), "  ", MD_DIM, d);
		break;
	case ENT_TOOL:
		render_tool(t, e, width, d);
		break;
	case ENT_NOTICE:
		md_wrap(s, n, MD_DIM, width, true, sym(t, "\xc2\xb7 ", "- "), "  ",
			MD_DIM, d);
		break;
	case ENT_ERROR:
		md_wrap(s, n, MD_ERROR, width, true, "! ", "  ", MD_ERROR, d);
		break;
	case ENT_TODO:
		render_todo(t, e, width, d);
		break;
	case ENT_SHELL:
		md_wrap(s, n, MD_BOLD, width, false, "$ ", "  ", MD_BOLD, d);
		if (e->result.len)
			render_output(e->result.p, e->result.len, width,
				      MD_CODEBLOCK, false, d);
		if (e->done && (e->status != 0 || e->interrupted)) {
			char st[64];
			if (e->interrupted)
				snprintf(st, sizeof st, "[interrupted]");
			else
				snprintf(st, sizeof st, "[exit status %d]", e->status);
			md_wrap(st, strlen(st), MD_ERROR, width, false, "    ", NULL, 0, d);
		}
		break;
	case ENT_INFO:
		md_wrap(s, n, 0, width, true, NULL, NULL, 0, d);
		break;
	}
}

static void
ensure(struct transcript *t, struct ent *e, int width)
{
	if (e->cw == width && e->have_doc)
		return;
	/* an assistant entry whose text grew re-renders from its last
	 * finished block; anything else renders from scratch */
	if (e->kind != ENT_ASSIST || !e->have_doc || e->inc_w != width)
		ent_drop_doc(e);
	render(t, e, width, &e->doc);
	e->have_doc = true;
	e->inc_w = width;
	e->cw = width;
	e->nlines = e->doc.n;
}

size_t
ent_lines(struct transcript *t, struct ent *e, int width)
{
	if (e->cw != width) {
		ensure(t, e, width);
		/* keep memory to the screen: the caller asks for lines when
		 * the entry is drawn */
	}
	return e->nlines;
}

const struct md_doc *
ent_doc(struct transcript *t, struct ent *e, int width)
{
	ensure(t, e, width);
	return &e->doc;
}
