/* tool-bash.c: run a shell command through sandbox_run(), the only way
 * conch starts a child.  The model sees at most TOOL_OUTPUT_MAX bytes of
 * output (head and tail around an "[... N lines omitted ...]" marker); the
 * whole output is kept in a file whose path is reported. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/shparse.h"
#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define BASH_DEFAULT_TIMEOUT_MS 120000L
#define BASH_MAX_TIMEOUT_MS 600000L
#define BASH_PART ((TOOL_OUTPUT_MAX - 300) / 2)
#define BASH_SPILL_TRIES 100000

/* Git subcommands that may write the object store, index and refs of
 * the workspace's .git (sandbox spec git_writable). */
static const char *const git_writers[] = {
	"add", "commit", "stash", "branch", "switch", "restore", "tag",
	"checkout", "reset", "rm", "mv", NULL,
};

/* Is every part of `cmd` a bare `git SUBCOMMAND ...` from the list
 * above: no wrapper, no assignment, no redirection but to /dev/null, no
 * option before the subcommand (-c, -C, --exec-path, --config-env could
 * turn hooks or other code back on)? */
static bool
git_writes_only(const char *cmd)
{
	struct sh_script sh;
	bool ok;

	if (sh_parse(cmd, &sh) != C_OK || sh.opaque || sh.n == 0) {
		sh_script_free(&sh);
		return false;
	}
	ok = true;
	for (size_t i = 0; i < sh.n && ok; i++) {
		const struct sh_cmd *c = &sh.cmds[i];
		bool listed = false;
		ok = !c->opaque && !c->orig && !c->privileged && !c->extra_args &&
		     c->nassign == 0 && c->argc >= 2 &&
		     strcmp(c->argv[0], "git") == 0;
		for (size_t r = 0; ok && r < c->nredir; r++)
			ok = strcmp(c->redir_out[r], "/dev/null") == 0;
		for (size_t k = 0; ok && git_writers[k] && !listed; k++)
			listed = strcmp(c->argv[1], git_writers[k]) == 0;
		ok = ok && listed;
	}
	sh_script_free(&sh);
	return ok;
}

/* A new, empty file for the full output: <session_dir>/bash-<n>.out, or a
 * temp file when there is no session directory.  Caller frees. */
static char *
spill_create(const struct tool_ctx *ctx)
{
	char *path = NULL;
	int fd, n;

	if (ctx->session_dir && (fs_is_dir(ctx->session_dir) ||
				 fs_mkdir_p(ctx->session_dir, 0700) == C_OK)) {
		for (n = 1; n < BASH_SPILL_TRIES; n++) {
			path = xasprintf("%s/bash-%d.out", ctx->session_dir, n);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd >= 0) {
				close(fd);
				return path;
			}
			free(path);
			path = NULL;
			if (errno != EEXIST)
				break;
		}
	}
	{
		const char *tmp = getenv("TMPDIR");
		path = xasprintf("%s/conch-bash-%ld-XXXXXX",
				 tmp && *tmp == '/' ? tmp : "/tmp", (long)getpid());
		fd = mkstemp(path);
		if (fd < 0) {
			free(path);
			return NULL;
		}
		close(fd);
	}
	return path;
}

/* Lines in the file at `path` (a last line without '\n' counts); -1 if it
 * cannot be read. */
static long
count_file_lines(const char *path)
{
	char chunk[65536];
	long n = 0;
	ssize_t r;
	char last = '\n';
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((r = read(fd, chunk, sizeof chunk)) > 0) {
		n += (long)str_count(chunk, (size_t)r, "\n", 1);
		last = chunk[r - 1];
	}
	close(fd);
	if (r < 0)
		return -1;
	return n + (last != '\n');
}

static long
count_lines(const char *s, size_t n)
{
	return (long)str_count(s, n, "\n", 1) + (n && s[n - 1] != '\n');
}

/* Head and tail of an output too long to show whole. */
static void
add_cut_output(struct buf *out, const struct sandbox_result *r,
	       const char *spill)
{
	const char *h = r->output.p, *t;
	size_t hn = r->output.len < BASH_PART ? r->output.len : BASH_PART;
	size_t tn, skip = 0;
	struct buf tail = BUF_INIT, eh = BUF_INIT, et = BUF_INIT;
	long total = spill ? count_file_lines(spill) : -1, omitted;
	const char *nl;

	/* head: whole lines when a newline is near the cut */
	for (nl = NULL; hn > 0 && hn > BASH_PART * 3 / 4; hn--)
		if (h[hn - 1] == '\n') {
			nl = h + hn;
			break;
		}
	if (!nl)
		hn = utf8_floor(h, r->output.len < BASH_PART ?
				r->output.len : BASH_PART);
	/* tail: the last BASH_PART bytes of output+tail (contiguous unless
	 * the sandbox dropped the middle, and then tail alone is enough) */
	if (r->tail.len >= BASH_PART) {
		buf_add(&tail, r->tail.p + r->tail.len - BASH_PART, BASH_PART);
	} else {
		size_t from_out = BASH_PART - r->tail.len;
		if (from_out > r->output.len - hn)
			from_out = r->output.len - hn;
		buf_add(&tail, r->output.p + r->output.len - from_out, from_out);
		buf_add(&tail, r->tail.p ? r->tail.p : "", r->tail.len);
	}
	t = buf_str(&tail);
	tn = tail.len;
	nl = memchr(t, '\n', tn < BASH_PART / 4 ? tn : BASH_PART / 4);
	if (nl && (size_t)(nl - t) + 1 < tn)
		skip = (size_t)(nl - t) + 1;
	else
		while (skip < tn && ((unsigned char)t[skip] & 0xc0) == 0x80)
			skip++;
	/* the cap holds for what the model gets: binary bytes shown as
	 * U+FFFD take three bytes each, so cut after encoding */
	tool_add_text(&eh, h, hn);
	if (eh.len > BASH_PART)
		buf_truncate(&eh, utf8_floor(eh.p, BASH_PART));
	tool_add_text(&et, t + skip, tn - skip);
	if (et.len > BASH_PART) {
		size_t from = et.len - BASH_PART;
		while (from < et.len && ((unsigned char)et.p[from] & 0xc0) == 0x80)
			from++;
		memmove(et.p, et.p + from, et.len - from);
		buf_truncate(&et, et.len - from);
	}
	buf_add(out, eh.p ? eh.p : "", eh.len);
	if (eh.len && eh.p[eh.len - 1] != '\n')
		buf_addc(out, '\n');
	omitted = total - count_lines(eh.p ? eh.p : "", eh.len) -
		  count_lines(et.p ? et.p : "", et.len);
	if (total >= 0 && omitted > 0)
		buf_printf(out, "[... %ld lines omitted ...]\n", omitted);
	else
		buf_printf(out, "[... %zu bytes omitted ...]\n",
			   r->total_bytes - hn - (tn - skip));
	buf_add(out, et.p ? et.p : "", et.len);
	buf_free(&eh);
	buf_free(&et);
	buf_free(&tail);
}

static void
add_status(struct buf *out, const struct sandbox_result *r, long timeout_ms)
{
	if (out->len && out->p[out->len - 1] != '\n')
		buf_addc(out, '\n');
	if (r->timed_out)
		buf_printf(out, "[timed out after %ld ms; the command and its "
			   "children were killed]", timeout_ms);
	else if (r->cancelled)
		buf_adds(out, "[cancelled by the user]");
	else if (r->term_signal)
		buf_printf(out, "[killed by signal %d (SIG%s)]", r->term_signal,
			   sigabbrev_np(r->term_signal) ?
			   sigabbrev_np(r->term_signal) : "?");
	else
		buf_printf(out, "[exit %d]", r->exit_code);
}

enum cerr
tool_bash_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	const char *cmd = jx_str(args, "command");
	long timeout = jx_long(args, "timeout_ms", BASH_DEFAULT_TIMEOUT_MS);
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct sandbox_spec spec = ctx->sandbox;
	struct sandbox_result r;
	char *spill = NULL, **denied = NULL;
	struct buf enc = BUF_INIT;
	bool cut;
	enum cerr e;

	if (timeout <= 0)
		timeout = BASH_DEFAULT_TIMEOUT_MS;
	if (timeout > BASH_MAX_TIMEOUT_MS)
		timeout = BASH_MAX_TIMEOUT_MS;
	spill = spill_create(ctx);
	spec.cwd = ctx->cwd;
	if (!spec.workspace)
		spec.workspace = ctx->workspace;
	spec.timeout_ms = timeout;
	spec.max_output = TOOL_OUTPUT_MAX;
	spec.spill_path = spill;
	spec.cancel_fd = ctx->cancel_fd;
	/* an approved git command may write .git, but never its hooks
	 * or config (see sandbox.h) */
	if (git_writes_only(cmd))
		spec.git_writable = true;
	/* a read deny rule hides the file inside the sandbox too */
	denied = tool_denied_files(ctx);
	if (denied && !spec.deny_read)
		spec.deny_read = (const char *const *)denied;
	e = sandbox_run(&spec, argv, &r);
	if (e != C_OK) {
		if (r.output.len)
			tool_add_text(out, r.output.p, r.output.len);
		else
			buf_printf(out, "The command could not be started (%s).",
				   cerr_str(e));
		goto out;
	}
	tool_add_text(&enc, r.output.p ? r.output.p : "", r.output.len);
	cut = r.truncated || r.total_bytes > TOOL_OUTPUT_MAX ||
	      enc.len > TOOL_OUTPUT_MAX;
	if (cut)
		add_cut_output(out, &r, spill);
	else if (r.output.len)
		buf_add(out, enc.p, enc.len);
	else
		buf_adds(out, "(no output)");
	add_status(out, &r, timeout);
	if (cut && spill) {
		buf_printf(out, "\n[full output (%zu bytes): %s]", r.total_bytes,
			   spill);
	} else if (spill) {
		unlink(spill);
	}
	if (r.timed_out)
		e = C_ERR_TIMEOUT;
	else if (r.cancelled)
		e = C_ERR_CANCELLED;
out:
	if (e != C_OK && !r.truncated && spill)
		unlink(spill);
	buf_free(&enc);
	sandbox_result_free(&r);
	tool_denied_free(denied);
	free(spill);
	return e;
}
