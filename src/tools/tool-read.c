/* tool-read.c: read a text file as numbered lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/internal.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define READ_DEFAULT_LIMIT 2000
#define READ_LINE_MAX 2000
/* Lines stop being shown past this many bytes of output. */
#define READ_OUTPUT_MAX 100000

/* Refuse what is not a readable text file; C_OK when it is. */
static enum cerr
check_file(FILE *f, const char *shown, struct buf *out)
{
	char sniff[TOOL_SNIFF_BYTES];
	size_t n = fread(sniff, 1, sizeof sniff, f);

	if (ferror(f)) {
		buf_printf(out, "Cannot read %s: %s.", shown, strerror(errno));
		return C_ERR_IO;
	}
	if (tool_looks_binary(sniff, n, n < sizeof sniff)) {
		buf_printf(out, "%s is a binary file (%s); read shows text only. "
			   "Use bash (e.g. file, xxd | head) to inspect it.", shown,
			   memchr(sniff, '\0', n) ? "it holds NUL bytes" :
			   "it is not valid UTF-8");
		return C_ERR_UNSUPPORTED;
	}
	rewind(f);
	return C_OK;
}

static void
add_line(struct buf *out, long no, char *line, size_t len)
{
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	buf_printf(out, "%6ld\t", no);
	if (len > READ_LINE_MAX) {
		size_t cut = utf8_floor(line, READ_LINE_MAX);
		tool_add_text(out, line, cut);
		buf_printf(out, " [... line cut: %zu bytes in all]", len);
	} else {
		tool_add_text(out, line, len);
	}
	buf_addc(out, '\n');
}

enum cerr
tool_read_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	long offset = jx_long(args, "offset", 1);
	long limit = jx_long(args, "limit", READ_DEFAULT_LIMIT);
	long no = 0, first = 0, last = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct stat st;
	bool full = false;
	enum cerr e = C_OK;
	FILE *f = NULL;
	char *real = NULL;
	int fd = -1;

	if (offset < 1)
		offset = 1;
	if (limit < 1)
		limit = READ_DEFAULT_LIMIT;
	e = tool_open_read(ctx, abs, shown, O_RDONLY, &fd, &real, &st, out);
	if (e == C_ERR_NOTFOUND) {
		buf_printf(out, "File not found: %s. Check the path; glob or "
			   "ls can find the file.", shown);
		goto out;
	}
	if (e != C_OK)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		buf_printf(out, "%s is a directory; use ls to list it.", shown);
		e = C_ERR_INVAL;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || fd < 0) {
		buf_printf(out, "%s is not a regular file.", shown);
		e = C_ERR_INVAL;
		goto out;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		buf_printf(out, "Cannot read %s: %s.", shown, strerror(errno));
		e = C_ERR_IO;
		goto out;
	}
	fd = -1;
	if ((e = check_file(f, shown, out)) != C_OK)
		goto out;
	while ((len = getline(&line, &cap, f)) > 0) {
		no++;
		if (no < offset || full)
			continue;
		if (no - offset >= limit || out->len >= READ_OUTPUT_MAX) {
			full = true;
			continue;
		}
		if (!first)
			first = no;
		last = no;
		add_line(out, no, line, (size_t)len);
	}
	if (ctx->reads)
		readset_add(ctx->reads, abs);
	if (no == 0) {
		buf_printf(out, "(%s is empty)", shown);
	} else if (!first) {
		buf_printf(out, "offset %ld is past the end of %s (%ld lines).",
			   offset, shown, no);
		e = C_ERR_INVAL;
	} else if (last < no) {
		buf_printf(out, "[showing lines %ld-%ld of %ld; continue with "
			   "offset=%ld]", first, last, no, last + 1);
	}
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	xfree_all(real, line, shown, abs);
	return e;
}
