/* Check suite for the REPL's pure parts: display width, the Markdown
 * renderer, the line editor and input history. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/history.h"
#include "ui/lineedit.h"
#include "ui/markdown.h"
#include "ui/transcript.h"
#include "ui/width.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

/* ---- width ---- */

START_TEST(width_ascii_wide_combining)
{
	ck_assert_uint_eq(width_str("hello", 5), 5);
	/* CJK: two columns each */
	ck_assert_uint_eq(width_str("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
	/* e + combining acute: one column */
	ck_assert_uint_eq(width_str("e\xcc\x81", 3), 1);
	/* emoji: two columns */
	ck_assert_uint_eq(width_str("\xf0\x9f\x98\x80", 4), 2);
	/* zero-width joiner and variation selector add nothing */
	ck_assert_int_eq(width_cp(0x200d), 0);
	ck_assert_int_eq(width_cp(0xfe0f), 0);
	/* controls count 0 */
	ck_assert_int_eq(width_cp(0x1b), 0);
	/* a lone continuation byte is one replacement character */
	ck_assert_uint_eq(width_str("\x80", 1), 1);
}
END_TEST

START_TEST(width_decode_encode)
{
	uint32_t cp;
	char out[4];
	ck_assert_uint_eq(utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20ac);
	ck_assert_uint_eq(utf8_decode("\xe2\x82", 2, &cp), 1); /* truncated */
	ck_assert_uint_eq(cp, 0xfffd);
	ck_assert_uint_eq(utf8_decode("\xc0\x80", 2, &cp), 1); /* overlong */
	ck_assert_uint_eq(utf8_decode("\xed\xa0\x80", 3, &cp), 1); /* surrogate */
	ck_assert_uint_eq(utf8_encode(0x1f600, out), 4);
	ck_assert(memcmp(out, "\xf0\x9f\x98\x80", 4) == 0);
	ck_assert_uint_eq(utf8_encode(0x20ac, out), 3);
}
END_TEST

START_TEST(width_clusters_and_fit)
{
	const char *s = "ae\xcc\x81z"; /* a, e+acute, z */
	size_t n = strlen(s), used;
	ck_assert_uint_eq(width_next(s, n, 0), 1);
	ck_assert_uint_eq(width_next(s, n, 1), 4); /* e and its mark together */
	ck_assert_uint_eq(width_prev(s, 4), 1);
	ck_assert_uint_eq(width_prev(s, 5), 4);
	ck_assert_uint_eq(width_fit(s, n, 2, &used), 4);
	ck_assert_uint_eq(used, 2);
	/* a wide character never splits: 3 columns hold one CJK char + 'x' */
	ck_assert_uint_eq(width_fit("\xe4\xb8\xad\xe6\x96\x87x", 7, 3, &used), 3);
	ck_assert_uint_eq(used, 2);
}
END_TEST

/* ---- markdown ---- */

/* invariant: spans cover the text in order; every line fits */
static void
doc_check(const struct md_doc *d, int width)
{
	size_t i, j;
	for (i = 0; i < d->n; i++) {
		const struct md_line *l = &d->lines[i];
		size_t off = 0;
		ck_assert_uint_eq(strlen(l->text), l->len);
		for (j = 0; j < l->nspans; j++) {
			ck_assert_uint_eq(l->spans[j].off, off);
			off += l->spans[j].len;
		}
		ck_assert_uint_eq(off, l->len);
		ck_assert_uint_le(width_str(l->text, l->len), (size_t)width);
	}
}

static struct md_doc
render(const char *s, int width)
{
	struct md_doc d = MD_DOC_INIT;
	md_render(s, strlen(s), width, 0, &d);
	doc_check(&d, width);
	return d;
}

static size_t
find_line(const struct md_doc *d, const char *text)
{
	size_t i;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->lines[i].text, text) == 0)
			return i;
	ck_abort_msg("no line \"%s\"", text);
	return 0;
}

START_TEST(md_inline)
{
	struct md_doc d = render("Some **bold**, *it*, `a*b*c` and [site](http://x.y).", 80);
	const struct md_line *l;
	ck_assert_uint_eq(d.n, 1);
	l = &d.lines[0];
	ck_assert_str_eq(l->text, "Some bold, it, a*b*c and site (http://x.y).");
	ck_assert_uint_eq(md_attr_at(l, 0), 0);
	ck_assert(md_attr_at(l, 5) & MD_BOLD);
	ck_assert(md_attr_at(l, 11) & MD_ITALIC);
	ck_assert(md_attr_at(l, 15) & MD_CODE);
	ck_assert(!(md_attr_at(l, 16) & MD_ITALIC)); /* no emphasis in code */
	ck_assert(md_attr_at(l, 25) & MD_LINK);
	ck_assert(md_attr_at(l, 31) & MD_DIM);
	md_doc_free(&d);
}
END_TEST

START_TEST(md_snake_case_and_unclosed)
{
	struct md_doc d = render("call snake_case_name and 2 * 3 = 6 **open", 80);
	ck_assert_str_eq(d.lines[0].text, "call snake_case_name and 2 * 3 = 6 **open");
	ck_assert_uint_eq(md_attr_at(&d.lines[0], 10), 0);
	md_doc_free(&d);
}
END_TEST

START_TEST(md_blocks)
{
	struct md_doc d = render("# Head\n\npara one\ncontinues\n\n- item a\n- item b\n"
				 "  more b\n1. first\n\n> quoted\n\n---\n", 40);
	size_t h = find_line(&d, "Head");
	ck_assert(md_attr_at(&d.lines[h], 0) & MD_HEADING);
	find_line(&d, "para one continues");
	ck_assert(md_attr_at(&d.lines[find_line(&d, "\xe2\x80\xa2 item a")], 0) & MD_BULLET);
	find_line(&d, "\xe2\x80\xa2 item b more b");
	find_line(&d, "1. first");
	ck_assert(md_attr_at(&d.lines[find_line(&d, "\xe2\x94\x82 quoted")], 4) & MD_QUOTE);
	ck_assert_uint_eq(width_str(d.lines[d.n - 1].text, d.lines[d.n - 1].len), 40);
	md_doc_free(&d);
}
END_TEST

START_TEST(md_fence)
{
	struct md_doc d = render("text\n```c\nint  x = **1**;\n\tif\n```\nafter\n", 80);
	size_t c = find_line(&d, "  int  x = **1**;");
	ck_assert(md_attr_at(&d.lines[c], 2) & MD_CODEBLOCK);
	find_line(&d, "      if"); /* tab expanded, prefix kept */
	find_line(&d, "after");
	md_doc_free(&d);
	d = render("```diff\n@@ -1 +1 @@\n-old\n+new\n```", 80);
	ck_assert(md_attr_at(&d.lines[find_line(&d, "  -old")], 2) & MD_DEL);
	ck_assert(md_attr_at(&d.lines[find_line(&d, "  +new")], 2) & MD_ADD);
	ck_assert(md_attr_at(&d.lines[find_line(&d, "  @@ -1 +1 @@")], 2) & MD_HUNK);
	md_doc_free(&d);
	/* an unclosed fence (mid-stream) renders as code */
	d = render("```\nopen", 80);
	ck_assert(md_attr_at(&d.lines[find_line(&d, "  open")], 2) & MD_CODEBLOCK);
	md_doc_free(&d);
}
END_TEST

START_TEST(md_wrap_words_and_long)
{
	struct md_doc d = render("aaa bbb ccc ddd", 7);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.lines[0].text, "aaa bbb");
	ck_assert_str_eq(d.lines[1].text, "ccc ddd");
	md_doc_free(&d);
	d = render("xxxxxxxxxxxxxxxxxxxx", 8); /* 20 chars */
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(d.lines[2].text, "xxxx");
	md_doc_free(&d);
	/* wide characters wrap by columns */
	d = render("\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 5);
	ck_assert_uint_eq(d.n, 2);
	md_doc_free(&d);
	/* every width down to 2 keeps lines in bounds (a wide character
	 * needs two columns) */
	{
		int w;
		for (w = 2; w < 30; w++) {
			d = render("# A heading that wraps\n- a list item **with bold** "
				   "text\n> quote quote quote\n```\ncode line long long\n```\n"
				   "\xe4\xb8\xad e\xcc\x81 \xf0\x9f\x98\x80 |t|a|b|", w);
			md_doc_free(&d);
		}
	}
}
END_TEST

START_TEST(md_controls_replaced)
{
	struct md_doc d = render("a\x1b[31mred\x07", 80);
	ck_assert_str_eq(d.lines[0].text, "a?[31mred?");
	md_doc_free(&d);
}
END_TEST

START_TEST(md_plain_wrap)
{
	struct md_doc d = MD_DOC_INIT;
	md_wrap("ab  cd\n\nxy\n", 11, MD_USER, 4, false, "> ", "  ", MD_BOLD, &d);
	doc_check(&d, 4);
	ck_assert_uint_eq(d.n, 5);
	ck_assert_str_eq(d.lines[0].text, "> ab");
	ck_assert_str_eq(d.lines[1].text, "    ");
	ck_assert_str_eq(d.lines[2].text, "  cd");
	ck_assert_str_eq(d.lines[3].text, "  ");
	ck_assert_str_eq(d.lines[4].text, "  xy");
	md_doc_free(&d);
}
END_TEST

static void
doc_eq(const struct md_doc *a, const struct md_doc *b)
{
	size_t i, j;
	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->lines[i].text, b->lines[i].text);
		ck_assert_uint_eq(a->lines[i].nspans, b->lines[i].nspans);
		for (j = 0; j < a->lines[i].nspans; j++)
			ck_assert_uint_eq(a->lines[i].spans[j].attr,
					  b->lines[i].spans[j].attr);
	}
}

/* Streaming: rendering the growing text incrementally gives exactly the
 * lines of a full rendering, at every length. */
START_TEST(md_incremental_equals_full)
{
	static const char text[] =
		"# Title\n\nSome **bold** text\nthat continues.\n\n\n"
		"- one\n- two *it*\n\n```diff\n-a\n\n+b\n```\n\n> quote\n"
		"> more\n\n---\n|a|b|\n\npara `code` [l](u) end\n\n";
	struct md_doc inc = MD_DOC_INIT, full = MD_DOC_INIT;
	struct md_resume st = { 0, 0, false };
	size_t k, n = strlen(text);
	int w;
	for (w = 12; w <= 40; w += 28) {
		md_doc_free(&inc);
		st.off = st.nlines = 0;
		st.any = false;
		for (k = 0; k <= n; k++) {
			md_render_inc(text, k, w, 0, &inc, &st);
			md_render(text, k, w, 0, &full);
			doc_check(&inc, w);
			doc_eq(&inc, &full);
			md_doc_free(&full);
		}
		ck_assert_uint_gt(st.off, n / 2); /* it did resume */
	}
	md_doc_free(&inc);
}
END_TEST

/* A streamed assistant entry (appended and touched) renders like a fresh
 * entry with the same text, also after a width change and a drop. */
START_TEST(transcript_stream)
{
	static const char *const chunks[] = {
		"Intro **bo", "ld** text\n", "\n- a\n", "- b\n\n```\nx\n",
		"```\n\nlast", " words here",
	};
	struct transcript t;
	struct ent *e, *f;
	size_t i;
	ts_init(&t, 0);
	e = ts_add(&t, ENT_ASSIST);
	f = ts_add(&t, ENT_ASSIST);
	for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		buf_adds(&e->text, chunks[i]);
		ent_touch(e);
		buf_adds(&f->text, chunks[i]);
		ent_reset(f);
		ck_assert_uint_eq(ent_lines(&t, e, 20), ent_lines(&t, f, 20));
		doc_eq(ent_doc(&t, e, 20), ent_doc(&t, f, 20));
		if (i == 3) {
			doc_eq(ent_doc(&t, e, 33), ent_doc(&t, f, 33));
			ent_drop_doc(e);
		}
	}
	e->interrupted = true;
	ent_touch(e);
	ck_assert_uint_eq(ent_lines(&t, e, 20), ent_lines(&t, f, 20) + 1);
	buf_adds(&e->text, " more");
	ent_touch(e);
	ck_assert_str_eq(ent_doc(&t, e, 20)->lines[e->nlines - 1].text, "[interrupted]");
	ts_free(&t);
}
END_TEST

START_TEST(transcript_tool_line)
{
	struct transcript t;
	struct ent *e;
	const struct md_doc *d;
	ts_init(&t, 0);
	e = ts_add(&t, ENT_TOOL);
	e->name = xstrdup("bash");
	e->args = xstrdup("{\"command\":\"make check\",\"timeout_ms\":5}");
	e->done = true;
	e->ms = 12;
	buf_adds(&e->result, "line1\nline2\n");
	ck_assert_uint_eq(ent_lines(&t, e, 80), 1);
	d = ent_doc(&t, e, 80);
	ck_assert(strstr(d->lines[0].text, "bash make check"));
	ck_assert(strstr(d->lines[0].text, "12 ms"));
	e->expanded = true;
	ent_touch(e);
	ck_assert_uint_gt(ent_lines(&t, e, 80), 3);
	/* narrow: the status stays visible */
	ent_touch(e);
	e->expanded = false;
	d = ent_doc(&t, e, 24);
	ck_assert(strstr(d->lines[0].text, "12 ms"));
	ent_drop_doc(e);
	ck_assert_uint_eq(ent_lines(&t, e, 24), 1);
	ts_free(&t);
}
END_TEST

START_TEST(transcript_command_verdict)
{
	static const struct {
		const char *result, *verdict;
	} cases[] = {
		{ "ok\n[exit 0]", NULL },
		{ "boom\n[exit 2]", "exit 2" },
		{ "[exit 127]", "exit 127" },
		{ "x\n[exit 1]\n[full output (9 bytes): /tmp/o]", "exit 1" },
		{ "x\n[timed out after 5 ms; the command and its children were killed]",
		  "timed out" },
		{ "x\n[killed by signal 9 (SIGKILL)]", "killed by SIGKILL" },
		/* the status must be the tool's own last line, not output */
		{ "[exit 3]\nmore\nand more\n[exit 0]", NULL },
		{ "[exit 3]\nmore\nlast", NULL },
		{ "[exit x]", NULL },
	};
	struct transcript t;
	size_t i;
	ts_init(&t, 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ent *e = ts_add(&t, ENT_TOOL);
		e->name = xstrdup("bash");
		e->done = true;
		buf_adds(&e->result, cases[i].result);
		ent_tool_verdict(e);
		if (cases[i].verdict)
			ck_assert_str_eq(e->verdict ? e->verdict : "(none)", cases[i].verdict);
		else
			ck_assert_msg(!e->verdict, "case %zu: %s", i, e->verdict);
	}
	ts_free(&t);
}
END_TEST

START_TEST(transcript_failed_command_tail)
{
	struct transcript t;
	struct ent *e;
	const struct md_doc *d;
	size_t i;
	ts_init(&t, 0);
	e = ts_add(&t, ENT_TOOL);
	e->name = xstrdup("bash");
	e->args = xstrdup("{\"command\":\"make test\"}");
	e->done = true;
	buf_adds(&e->result, "l1\nl2\nl3\nl4\nl5\nl6\nl7\nFAILED here\n[exit 2]");
	ent_tool_verdict(e);
	d = ent_doc(&t, e, 80);
	ck_assert(strstr(d->lines[0].text, "exit 2"));
	ck_assert_uint_eq(d->n, 6); /* the line and the last five */
	ck_assert(strstr(d->lines[5].text, "FAILED here"));
	for (i = 1; i < d->n; i++)
		ck_assert(!strstr(d->lines[i].text, "[exit"));
	ts_free(&t);
}
END_TEST

START_TEST(transcript_applied_diff)
{
	struct transcript t;
	struct buf diff = BUF_INIT;
	struct ent *e;
	const struct md_doc *d;
	size_t i, add, del;
	ts_init(&t, 0);
	buf_adds(&diff, "--- a/x.c\n+++ b/x.c\n@@ -1,40 +1,41 @@\n");
	for (i = 0; i < 40; i++)
		buf_printf(&diff, "-old %zu\n+new %zu\n", i, i);
	buf_adds(&diff, "+extra\n");
	ts_diff_counts(buf_str(&diff), &add, &del);
	ck_assert_uint_eq(add, 41);
	ck_assert_uint_eq(del, 40);
	e = ts_add(&t, ENT_TOOL);
	e->name = xstrdup("edit");
	e->args = xstrdup("{\"path\":\"x.c\"}");
	e->done = true;
	e->diff = buf_steal(&diff);
	d = ent_doc(&t, e, 80);
	ck_assert(strstr(d->lines[0].text, "+41 -40"));
	ck_assert(strstr(d->lines[1].text, "@@ -1,40"));
	ck_assert(strstr(d->lines[d->n - 1].text, "more lines"));
	ck_assert_uint_lt(d->n, 30);
	for (i = 0; i < d->n; i++)
		ck_assert(!strstr(d->lines[i].text, "+++ b/x.c"));
	e->expanded = true;
	ent_touch(e);
	d = ent_doc(&t, e, 80);
	ck_assert_uint_eq(d->n, 1 + 1 + 81);
	ck_assert(strstr(d->lines[d->n - 1].text, "+extra"));
	ts_free(&t);
}
END_TEST

START_TEST(approval_visible)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ls -l", "ls -l" },
		{ "a\tb\rc", "a\\tb\\rc" },
		{ "echo \033[2Jx", "echo \\e[2Jx" },
		{ "x\001y\177", "x\\x01y\\x7f" },
		{ "one\ntwo", "one\ntwo" },
		{ "rm \xe2\x80\xae-rf", "rm \\u{202e}-rf" },   /* RLO */
		{ "a\xe2\x80\x8b" "b", "a\\u{200b}b" },          /* zero width */
		{ "caf\xc3\xa9 \xe6\x96\x87", "caf\xc3\xa9 \xe6\x96\x87" },
		{ "bad\xff", "bad\\xff" },
		{ "c1\xc2\x9b", "c1\\u{009b}" },
	};
	size_t i;
	char *k;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *v = width_visible(cases[i].in);
		ck_assert_str_eq(v, cases[i].out);
		free(v);
	}
	/* the tool line's key too: one line, nothing hidden */
	k = ent_tool_key("{\"command\":\"echo \xe2\x80\xae" "x\\n\\u001b[2J\"}");
	ck_assert_str_eq(k, "echo \\u{202e}x \\e[2J");
	free(k);
}
END_TEST

/* ---- line editor ---- */

/* invariant: NUL at len, cursor within bounds */
static void
le_check(const struct le *e)
{
	ck_assert_uint_le(e->cur, e->len);
	ck_assert_uint_lt(e->len, e->cap);
	ck_assert_int_eq(e->s[e->len], '\0');
	ck_assert_uint_eq(strlen(e->s), e->len);
}

START_TEST(le_basic_editing)
{
	struct le e;
	le_init(&e);
	le_insert(&e, "hello world", 11);
	le_check(&e);
	ck_assert(le_home(&e));
	ck_assert_uint_eq(e.cur, 0);
	ck_assert(!le_left(&e));
	ck_assert(le_word_right(&e));
	ck_assert_uint_eq(e.cur, 5);
	ck_assert(le_delete(&e));
	ck_assert_str_eq(le_str(&e), "helloworld");
	le_insert(&e, "_", 1);
	ck_assert(le_end(&e));
	ck_assert(le_word_left(&e));
	ck_assert_uint_eq(e.cur, 0); /* hello_world is one word */
	le_end(&e);
	ck_assert(le_kill_word(&e));
	ck_assert_str_eq(le_str(&e), "");
	ck_assert(le_yank(&e));
	ck_assert_str_eq(le_str(&e), "hello_world");
	le_check(&e);
	e.cur = 5;
	ck_assert(le_kill_end(&e));
	ck_assert_str_eq(le_str(&e), "hello");
	ck_assert(le_kill_start(&e));
	ck_assert_str_eq(le_str(&e), "");
	ck_assert(!le_backspace(&e));
	ck_assert(!le_kill_start(&e));
	le_check(&e);
	le_free(&e);
}
END_TEST

START_TEST(le_utf8_clusters)
{
	struct le e;
	le_init(&e);
	le_insert(&e, "a\xe4\xb8\xad" "e\xcc\x81", 7);
	ck_assert(le_backspace(&e)); /* removes e and its mark */
	ck_assert_str_eq(le_str(&e), "a\xe4\xb8\xad");
	ck_assert(le_left(&e));
	ck_assert_uint_eq(e.cur, 1);
	ck_assert(le_delete(&e));
	ck_assert_str_eq(le_str(&e), "a");
	le_insert(&e, "\xff", 1); /* invalid byte becomes U+FFFD */
	ck_assert_str_eq(le_str(&e), "a\xef\xbf\xbd");
	le_check(&e);
	le_free(&e);
}
END_TEST

START_TEST(le_multiline)
{
	struct le e;
	size_t rows, crow, ccol;
	struct le_row rw[8];
	le_init(&e);
	le_set(&e, "first line\nsecond");
	ck_assert(!le_down(&e));
	ck_assert(le_up(&e));
	ck_assert_uint_eq(e.cur, 6); /* column 6 of the first line */
	ck_assert(!le_up(&e));
	ck_assert(le_down(&e));
	ck_assert_uint_eq(e.cur, 17);
	le_home(&e);
	ck_assert_uint_eq(e.cur, 11);
	ck_assert(le_kill_end(&e));
	ck_assert_str_eq(le_str(&e), "first line\n");
	le_set(&e, "first line\nsecond");
	rows = le_layout(&e, 8, 2, rw, 8, &crow, &ccol);
	/* "first " / "line" / "second" in 6 columns after a 2-column prompt;
	 * "second" fills its row, so the cursor after it opens a fourth */
	ck_assert_uint_eq(rows, 4);
	ck_assert_uint_eq(rw[0].start, 0);
	ck_assert_uint_eq(rw[0].end, 6);
	ck_assert_uint_eq(rw[2].start, 11);
	ck_assert_uint_eq(rw[2].end, 17);
	ck_assert_uint_eq(crow, 3);
	ck_assert_uint_eq(ccol, 2);
	le_left(&e);
	le_layout(&e, 8, 2, rw, 8, &crow, &ccol);
	ck_assert_uint_eq(crow, 2);
	ck_assert_uint_eq(ccol, 7);
	le_set(&e, "");
	rows = le_layout(&e, 8, 2, rw, 8, &crow, &ccol);
	ck_assert_uint_eq(rows, 1);
	ck_assert_uint_eq(ccol, 2);
	le_free(&e);
}
END_TEST

/* ---- history ---- */

START_TEST(history_persist_and_recall)
{
	char dir[] = "/tmp/conch-hist-XXXXXX", path[300];
	struct history h;
	const char *p;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub/history", dir);
	hist_init(&h, path, 3);
	hist_add(&h, "one");
	hist_add(&h, "two\nlines \\ here");
	hist_add(&h, "two\nlines \\ here"); /* duplicate of the newest */
	hist_add(&h, "three");
	hist_add(&h, "four"); /* "one" falls off */
	ck_assert_uint_eq(h.n, 3);
	hist_free(&h);

	hist_init(&h, path, 10);
	ck_assert_uint_eq(h.n, 3);
	ck_assert_str_eq(h.items[0], "two\nlines \\ here");
	p = hist_prev(&h, "draft");
	ck_assert_str_eq(p, "four");
	p = hist_prev(&h, NULL);
	ck_assert_str_eq(p, "three");
	p = hist_next(&h);
	ck_assert_str_eq(p, "four");
	p = hist_next(&h);
	ck_assert_str_eq(p, "draft");
	ck_assert_ptr_null(hist_next(&h));
	ck_assert_int_eq(hist_search(&h, "lines", h.n), 0);
	ck_assert_int_eq(hist_search(&h, "o", h.n), 2);
	ck_assert_int_eq(hist_search(&h, "o", 2), 0);
	ck_assert_int_eq(hist_search(&h, "nope", h.n), -1);
	hist_free(&h);

	/* a torn last line is dropped */
	{
		FILE *f = fopen(path, "a");
		fputs("torn", f);
		fclose(f);
	}
	hist_init(&h, path, 10);
	ck_assert_uint_eq(h.n, 3);
	hist_free(&h);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	const struct check_case cases[] = {
		{ .name = "width",
		  .tests = CHECK_TESTS(width_ascii_wide_combining,
		  	width_decode_encode, width_clusters_and_fit) },
		{ .name = "markdown",
		  .tests = CHECK_TESTS(md_inline, md_snake_case_and_unclosed,
		  	md_blocks, md_fence, md_wrap_words_and_long,
		  	md_controls_replaced, md_plain_wrap,
		  	md_incremental_equals_full, transcript_stream,
		  	transcript_tool_line, transcript_command_verdict,
		  	transcript_failed_command_tail, transcript_applied_diff,
		  	approval_visible) },
		{ .name = "lineedit",
		  .tests = CHECK_TESTS(le_basic_editing, le_utf8_clusters,
		  	le_multiline) },
		{ .name = "history", .tests = CHECK_TESTS(history_persist_and_recall) },
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return check_run_cases("ui", cases, sizeof cases / sizeof cases[0]);
}
