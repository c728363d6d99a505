/* tool-grep.c: search file contents with PCRE2 (JIT when available),
 * line by line, skipping binary and .gitignored files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tools/gitignore.h"
#include "tools/internal.h"
#include "tools/walk.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define GREP_FILE_MAX (16u << 20) /* larger files are skipped */
#define GREP_MAX_FILES 200        /* files / count modes */
#define GREP_MAX_LINES 400        /* content mode: output lines */
#define GREP_OUT_MAX (TOOL_OUTPUT_MAX - 500)
#define GREP_LINE_SHOW 300        /* bytes of a long line shown */
#define GREP_CONTEXT_MAX 20

enum grep_mode { MODE_CONTENT, MODE_FILES, MODE_COUNT };

struct grep {
	struct tool_ctx *ctx;
	pcre2_code *re;
	pcre2_match_data *md;
	enum grep_mode mode;
	long context;
	char **globs;      /* NULL: every file */
	struct buf *out;
	bool capped;       /* output full: only counting now */
	bool last_sep;     /* content: a group was printed (for "--") */
	size_t files_hit, lines_hit, lines_shown, files_shown, skipped_big;
};

/* Does `rel` pass the glob filter?  Patterns without a slash match the
 * file name anywhere (like rg --glob). */
static bool
glob_ok(const struct grep *g, const char *rel)
{
	const char *base = strrchr(rel, '/');
	size_t i;
	if (!g->globs)
		return true;
	base = base ? base + 1 : rel;
	for (i = 0; g->globs[i]; i++)
		if (wild_match(g->globs[i], strchr(g->globs[i], '/') ? rel : base))
			return true;
	return false;
}

/* Match offset in the line, or -1. */
static long
line_match(struct grep *g, const char *s, size_t n)
{
	int rc = pcre2_match(g->re, (PCRE2_SPTR)s, n, 0, 0, g->md, NULL);
	if (rc < 0)
		return -1;
	return (long)pcre2_get_ovector_pointer(g->md)[0];
}

static void
put_line(struct grep *g, const char *shown, size_t no, char sep,
	 const char *s, size_t n, long at)
{
	size_t from = 0, len;
	if (n && s[n - 1] == '\r')
		n--;
	len = n;
	if (n > GREP_LINE_SHOW) {
		/* a window around the match */
		if (at > GREP_LINE_SHOW / 3)
			from = (size_t)at - GREP_LINE_SHOW / 3;
		while (from > 0 && ((unsigned char)s[from] & 0xc0) == 0x80)
			from--;
		len = n - from < GREP_LINE_SHOW ? n - from : GREP_LINE_SHOW;
		len = utf8_floor(s + from, len);
	}
	buf_printf(g->out, "%s%c%zu%c", shown, sep, no, sep);
	if (from)
		buf_adds(g->out, "...");
	tool_add_text(g->out, s + from, len);
	if (from + len < n)
		buf_adds(g->out, "...");
	buf_addc(g->out, '\n');
	g->lines_shown++;
	if (g->out->len >= GREP_OUT_MAX || g->lines_shown >= GREP_MAX_LINES)
		g->capped = true;
}

/* Content mode: matching lines with their context, in groups that merge
 * when they touch, "--" between groups. */
static void
put_groups(struct grep *g, const char *shown, const char *text,
	   const size_t *starts, size_t nlines, const long *at)
{
	size_t i = 0, printed_to = 0; /* lines [0, printed_to) are out */
	bool first = true;

	while (i < nlines && !g->capped) {
		size_t c = (size_t)g->context, lo, hi, k;
		if (at[i] < 0) {
			i++;
			continue;
		}
		lo = i > c ? i - c : 0;
		if (lo < printed_to)
			lo = printed_to;
		hi = i + c < nlines ? i + c : nlines - 1;
		for (k = i + 1; k <= hi; k++) /* matches in the context extend it */
			if (at[k] >= 0 && k + c > hi)
				hi = k + c < nlines ? k + c : nlines - 1;
		if (c && g->last_sep && (first || lo > printed_to))
			buf_adds(g->out, "--\n");
		for (k = lo; k <= hi && !g->capped; k++) {
			size_t n = starts[k + 1] - starts[k];
			if (n && text[starts[k + 1] - 1] == '\n')
				n--;
			put_line(g, shown, k + 1, at[k] >= 0 ? ':' : '-',
				 text + starts[k], n, at[k] >= 0 ? at[k] : 0);
		}
		first = false;
		g->last_sep = true;
		printed_to = hi + 1;
		i = hi + 1;
	}
}

/* Search one file's text. */
static void
grep_text(struct grep *g, const char *shown, const char *text, size_t len)
{
	size_t *starts = NULL, nlines = 0, cap = 0, i, hits = 0;
	long *at = NULL;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		starts = xgrow(starts, nlines + 2, &cap, 256, sizeof *starts);
		starts[nlines++] = pos;
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	if (!nlines)
		goto out;
	starts[nlines] = len;
	at = xcalloc(nlines, sizeof *at);
	for (i = 0; i < nlines; i++) {
		size_t n = starts[i + 1] - starts[i];
		if (n && text[starts[i + 1] - 1] == '\n')
			n--;
		at[i] = line_match(g, text + starts[i], n);
		if (at[i] >= 0) {
			hits++;
			if (g->mode == MODE_FILES)
				break;
		}
	}
	if (!hits)
		goto out;
	g->files_hit++;
	g->lines_hit += hits;
	if (g->capped)
		goto out;
	if (g->mode == MODE_FILES) {
		buf_printf(g->out, "%s\n", shown);
		if (++g->files_shown >= GREP_MAX_FILES)
			g->capped = true;
		goto out;
	}
	if (g->mode == MODE_COUNT) {
		buf_printf(g->out, "%s:%zu\n", shown, hits);
		if (++g->files_shown >= GREP_MAX_FILES)
			g->capped = true;
		goto out;
	}
	g->files_shown++;
	put_groups(g, shown, text, starts, nlines, at);
out:
	xfree_all(starts, at);
}

/* Read the open file `fd` into `b`, up to `max` bytes (C_ERR_TOOBIG
 * past that). */
static enum cerr
read_fd(int fd, size_t max, struct buf *b)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return C_ERR_IO;
		if (n == 0)
			break;
		if (b->len + (size_t)n > max)
			return C_ERR_TOOBIG;
		if (buf_add(b, chunk, (size_t)n) != C_OK)
			return C_ERR_TOOBIG;
	}
	if (!b->p)
		buf_add(b, "", 0);
	return C_OK;
}

/* Search the file open at `fd` (a regular file, already judged). */
static void
grep_fd(struct grep *g, const char *path, int fd)
{
	struct buf b = BUF_INIT;
	char *shown;
	enum cerr e = read_fd(fd, GREP_FILE_MAX, &b);

	if (e == C_ERR_TOOBIG)
		g->skipped_big++;
	if (e != C_OK || !b.p)
		goto out;
	if (tool_looks_binary(b.p, b.len < TOOL_SNIFF_BYTES ? b.len :
			      TOOL_SNIFF_BYTES, b.len <= TOOL_SNIFF_BYTES))
		goto out;
	shown = tool_display_path(g->ctx, path);
	grep_text(g, shown, b.p, b.len);
	free(shown);
out:
	buf_free(&b);
}

/* A file met in the walk: opened without following a symlink swapped
 * in since the walk looked, and only when it is still a regular file. */
static void
grep_file(struct grep *g, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		grep_fd(g, path, fd);
	close(fd);
}

static enum walk_next
grep_visit(void *ud, const struct walk_entry *e)
{
	struct grep *g = ud;
	if (tool_read_hidden(g->ctx, e->path, e->st))
		return e->type == WALK_DIR ? WALK_SKIP_DIR : WALK_CONTINUE;
	if (e->type == WALK_FILE && glob_ok(g, e->rel))
		grep_file(g, e->path);
	return WALK_CONTINUE;
}

/* output_mode: "files" when absent */
static bool
parse_mode(const char *s, enum grep_mode *m)
{
	static const char *const names[] = {
		[MODE_CONTENT] = "content",
		[MODE_FILES] = "files",
		[MODE_COUNT] = "count",
	};
	int i = s ? str_index(s, names, sizeof names / sizeof *names) : MODE_FILES;
	if (i < 0)
		return false;
	*m = (enum grep_mode)i;
	return true;
}

enum cerr
tool_grep_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	const char *pattern = jx_str(args, "pattern");
	const char *glob = jx_str(args, "glob");
	char *root = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, root);
	struct grep g;
	struct walk_stats ws = { 0 };
	struct stat st;
	PCRE2_SIZE erroff;
	int errcode;
	enum cerr e = C_OK;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	char *real = NULL;
	int fd = -1;

	memset(&g, 0, sizeof g);
	g.ctx = ctx;
	g.out = out;
	g.context = jx_long(args, "context", 0);
	if (g.context < 0)
		g.context = 0;
	if (g.context > GREP_CONTEXT_MAX)
		g.context = GREP_CONTEXT_MAX;
	if (!parse_mode(jx_str(args, "output_mode"), &g.mode)) {
		buf_adds(out, "output_mode must be content, files or count.");
		e = C_ERR_INVAL;
		goto out;
	}
	if (jx_bool(args, "case_insensitive", false))
		opts |= PCRE2_CASELESS;
	g.re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
			     &errcode, &erroff, NULL);
	if (!g.re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		buf_printf(out, "Invalid regex: %s at offset %zu. Fix the pattern "
			   "(PCRE2 syntax; escape literal ( [ { . * + ? with \\).",
			   (const char *)msg, (size_t)erroff);
		e = C_ERR_INVAL;
		goto out;
	}
	(void)pcre2_jit_compile(g.re, PCRE2_JIT_COMPLETE); /* else interpreted */
	g.md = pcre2_match_data_create_from_pattern(g.re, NULL);
	if (glob && *glob)
		g.globs = glob_expand_braces(glob);
	e = tool_open_read(ctx, root, shown, O_RDONLY, &fd, &real, &st, out);
	if (e == C_ERR_NOTFOUND) {
		buf_printf(out, "%s does not exist. Check the path.", shown);
		goto out;
	}
	if (e != C_OK)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		walk_tree(real, 0, grep_visit, &g, &ws);
	} else if (S_ISREG(st.st_mode) && fd >= 0) {
		grep_fd(&g, real, fd);
	} else {
		buf_printf(out, "%s is not a regular file or directory.", shown);
		e = C_ERR_INVAL;
		goto out;
	}
	if (!g.files_hit) {
		buf_printf(out, "No matches in %s.", shown);
		goto out;
	}
	if (g.capped && g.mode == MODE_CONTENT)
		buf_printf(out, "[output capped: %zu matching lines in %zu files "
			   "in all; narrow the pattern, path or glob]\n",
			   g.lines_hit, g.files_hit);
	else if (g.capped)
		buf_printf(out, "[output capped: %zu files match in all; narrow "
			   "the pattern, path or glob]\n", g.files_hit);
	if (g.skipped_big)
		buf_printf(out, "[%zu files over 16 MiB skipped]\n", g.skipped_big);
	if (ws.capped)
		buf_printf(out, "[search stopped after %zu entries]\n", ws.visited);
out:
	glob_patterns_free(g.globs);
	pcre2_match_data_free(g.md);
	pcre2_code_free(g.re);
	if (fd >= 0)
		close(fd);
	xfree_all(real, shown, root);
	return e;
}
