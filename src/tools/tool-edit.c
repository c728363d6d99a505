/* tool-edit.c: replace an exact string in a file.  The exact old_string is
 * the proof that the model saw the text, so no prior read is needed.
 * Files with CRLF line endings take old_string/new_string written with
 * LF; a missing (or present) final newline stays that way. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define EDIT_LINES_LISTED 10

struct edit {
	const char *old_s, *new_s; /* as matched / inserted (maybe CRLF copies) */
	char *old_crlf, *new_crlf; /* owned */
	size_t count;
	size_t *new_lines; /* line in the new text of each replacement; owned */
	size_t new_span;   /* lines the new_string spans (0 when empty) */
};

static size_t
line_at(const char *s, size_t off)
{
	size_t n = 1, i;
	for (i = 0; i < off; i++)
		n += s[i] == '\n';
	return n;
}

/* `s` with every LF not preceded by CR turned into CRLF.  Caller frees. */
static char *
to_crlf(const char *s)
{
	struct buf b = BUF_INIT;
	size_t i;
	for (i = 0; s[i]; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, s[i]);
	}
	return buf_steal(&b);
}

static bool
is_crlf_file(const char *s, size_t n)
{
	size_t lf = str_count(s, n, "\n", 1), crlf = str_count(s, n, "\r\n", 2);
	return crlf > 0 && crlf * 2 > lf;
}

/* Choose what to match and count it. */
static void
edit_match(struct edit *ed, const struct buf *text, const char *old_s,
	   const char *new_s)
{
	bool crlf = is_crlf_file(text->p, text->len);
	bool any_cr = str_find(text->p, text->len, "\r\n", 2) != NULL;

	ed->old_s = old_s;
	ed->new_s = new_s;
	if (any_cr && strchr(old_s, '\n')) {
		ed->old_crlf = to_crlf(old_s);
		ed->new_crlf = to_crlf(new_s);
	} else if (crlf) {
		ed->old_crlf = xstrdup(old_s);
		ed->new_crlf = to_crlf(new_s);
	}
	if (crlf && ed->old_crlf) { /* CRLF first, raw as a fallback */
		ed->count = str_count(text->p, text->len, ed->old_crlf,
				      strlen(ed->old_crlf));
		if (ed->count) {
			ed->old_s = ed->old_crlf;
			ed->new_s = ed->new_crlf;
			return;
		}
	}
	ed->count = str_count(text->p, text->len, old_s, strlen(old_s));
	if (!ed->count && ed->old_crlf && !crlf) { /* mixed endings */
		ed->count = str_count(text->p, text->len, ed->old_crlf,
				      strlen(ed->old_crlf));
		if (ed->count) {
			ed->old_s = ed->old_crlf;
			ed->new_s = ed->new_crlf;
		}
	}
}

static void
list_lines(struct buf *out, const struct buf *text, const char *needle)
{
	size_t nl = strlen(needle), k = 0;
	const char *p = text->p, *end = text->p + text->len;

	while ((p = str_find(p, (size_t)(end - p), needle, nl))) {
		if (k == EDIT_LINES_LISTED) {
			buf_adds(out, ", ...");
			break;
		}
		buf_printf(out, "%s%zu", k++ ? ", " : "",
			   line_at(text->p, (size_t)(p - text->p)));
		p += nl;
	}
}

/* Build the new text into `after`. */
static void
edit_apply(struct edit *ed, const struct buf *text, bool all,
	   struct buf *after)
{
	size_t ol = strlen(ed->old_s), nl = strlen(ed->new_s), k = 0;
	const char *p = text->p, *end = text->p + text->len, *hit;
	bool had_final = text->len && text->p[text->len - 1] == '\n';
	bool at_end = false;
	size_t line = 1, i;

	ed->new_lines = xcalloc(all ? ed->count : 1, sizeof *ed->new_lines);
	while ((hit = str_find(p, (size_t)(end - p), ed->old_s, ol))) {
		for (i = 0; i < (size_t)(hit - p); i++)
			line += p[i] == '\n';
		buf_add(after, p, (size_t)(hit - p));
		ed->new_lines[k++] = line;
		buf_add(after, ed->new_s, nl);
		for (i = 0; i < nl; i++)
			line += ed->new_s[i] == '\n';
		p = hit + ol;
		at_end = p == end;
		if (!all)
			break;
	}
	buf_add(after, p, (size_t)(end - p));
	if (!after->p)
		buf_add(after, "", 0);
	ed->count = k;
	/* keep the final-newline state when the edit touched the end */
	if (at_end && text->len && after->len) {
		bool has_final = after->p[after->len - 1] == '\n';
		if (!had_final && has_final) {
			buf_truncate(after, after->len - 1);
			if (after->len && after->p[after->len - 1] == '\r')
				buf_truncate(after, after->len - 1);
		} else if (had_final && !has_final) {
			buf_adds(after, is_crlf_file(text->p, text->len) ?
				 "\r\n" : "\n");
		}
	}
	ed->new_span = nl ? str_count(ed->new_s, nl, "\n", 1) +
		(ed->new_s[nl - 1] != '\n') : 0;
}

/* Everything but the write: on C_OK `before`, `after` and `ed` are
 * filled and `d` is the file to write (caller frees it with
 * tool_dest_free()).  `before` is read through the same resolution the
 * write uses, so the text edited is the text checked. */
static enum cerr
edit_plan(struct tool_ctx *ctx, const cJSON *args, const char *abs,
	  const char *shown, struct tool_dest *d, struct buf *before,
	  struct buf *after, struct edit *ed, struct buf *err)
{
	const char *old_s = jx_str(args, "old_string");
	const char *new_s = jx_str(args, "new_string");
	bool all = jx_bool(args, "replace_all", false);
	struct stat st;
	enum cerr e;

	memset(d, 0, sizeof *d);
	if (!old_s || !*old_s) {
		buf_adds(err, "old_string is empty. To create a file use write; "
			 "to insert text, include a neighbouring line in both "
			 "old_string and new_string.");
		return C_ERR_INVAL;
	}
	if (!new_s)
		new_s = "";
	if (strcmp(old_s, new_s) == 0) {
		buf_adds(err, "old_string and new_string are identical; nothing "
			 "would change.");
		return C_ERR_INVAL;
	}
	if (stat(abs, &st) < 0) {
		if (errno == ENOENT) {
			buf_printf(err, "%s does not exist; use write to create it.",
				   shown);
			return C_ERR_NOTFOUND;
		}
		buf_printf(err, "Cannot read %s: %s.", shown, strerror(errno));
		return C_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "%s is not a regular file.", shown);
		return C_ERR_INVAL;
	}
	if ((e = tool_dest_resolve(ctx, abs, shown, d, err)) != C_OK)
		return e;
	if ((e = tool_dest_read(d, shown, before, err)) != C_OK) {
		if (e == C_ERR_NOTFOUND)
			buf_printf(err, "%s does not exist; use write to create "
				   "it.", shown);
		goto fail;
	}
	if (memchr(before->p, '\0', before->len)) {
		buf_printf(err, "%s is a binary file; edit works on text only.",
			   shown);
		e = C_ERR_UNSUPPORTED;
		goto fail;
	}
	edit_match(ed, before, old_s, new_s);
	if (ed->count == 0) {
		buf_printf(err, "old_string was not found in %s (0 occurrences). "
			   "Read the file and copy the text exactly, including "
			   "whitespace and indentation.", shown);
		e = C_ERR_NOTFOUND;
		goto fail;
	}
	if (ed->count > 1 && !all) {
		buf_printf(err, "old_string occurs %zu times in %s (lines ",
			   ed->count, shown);
		list_lines(err, before, ed->old_s);
		buf_adds(err, "). Include more surrounding lines to make it "
			 "unique, or set replace_all to change every one.");
		e = C_ERR_INVAL;
		goto fail;
	}
	edit_apply(ed, before, all, after);
	return C_OK;
fail:
	tool_dest_free(d);
	return e;
}

static void
edit_free(struct edit *ed)
{
	xfree_all(ed->old_crlf, ed->new_crlf, ed->new_lines);
}

enum cerr
tool_edit_preview(struct tool_ctx *ctx, const cJSON *args, struct tool_change *c,
	     struct buf *err)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	struct edit ed = { 0 };
	struct tool_dest d;
	enum cerr e = edit_plan(ctx, args, abs, shown, &d, &c->before,
				&c->after, &ed, err);
	edit_free(&ed);
	tool_dest_free(&d);
	xfree_all(shown, abs);
	return e;
}

static void
report(struct buf *out, const char *shown, const struct edit *ed)
{
	size_t i;

	buf_printf(out, "Edited %s: replaced %zu occurrence%s", shown,
		   ed->count, ed->count == 1 ? "" : "s");
	if (ed->count == 1) {
		if (ed->new_span > 1)
			buf_printf(out, "; now lines %zu-%zu.", ed->new_lines[0],
				   ed->new_lines[0] + ed->new_span - 1);
		else if (ed->new_span == 1)
			buf_printf(out, "; now line %zu.", ed->new_lines[0]);
		else
			buf_printf(out, " (deleted at line %zu).",
				   ed->new_lines[0]);
		return;
	}
	buf_adds(out, " at lines ");
	for (i = 0; i < ed->count && i < EDIT_LINES_LISTED; i++)
		buf_printf(out, "%s%zu", i ? ", " : "", ed->new_lines[i]);
	buf_adds(out, i < ed->count ? ", ...." : ".");
}

enum cerr
tool_edit_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct edit ed = { 0 };
	struct tool_dest d;
	enum cerr e = edit_plan(ctx, args, abs, shown, &d, &before, &after,
				&ed, out);

	if (e != C_OK)
		goto out;
	if (!buf_ok(&after)) {
		e = after.err;
		buf_printf(out, "The edited %s would be too large.", shown);
		goto out;
	}
	if (!tool_change_is_approved(ctx, &before, &after, shown, out)) {
		e = C_ERR_EXISTS;
		goto out;
	}
	tool_note_write(ctx, d.target);
	e = tool_dest_write(&d, shown, after.p, after.len, false, out);
	if (e != C_OK)
		goto out;
	report(out, shown, &ed);
out:
	edit_free(&ed);
	buf_free(&before);
	buf_free(&after);
	tool_dest_free(&d);
	xfree_all(shown, abs);
	return e;
}
