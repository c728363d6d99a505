/* dest.c: where a write or edit really goes, and the only way the two
 * tools touch it.  The path is resolved once (symlinks inside the
 * workspace followed to their target, which must stay inside); after
 * that every open and write goes through the sandbox's beneath helpers,
 * which follow no symlink at all, so a symlink swapped in after the
 * check is refused instead of followed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

/* What the model should know about the rules when a file is refused. */
#define DEST_RULES "The write and edit tools change only regular files " \
	"with a single link, reached without a symlink that leaves the " \
	"workspace."

/* `path` below `root` (both normalised, absolute): the part after root,
 * or NULL when path is root itself or not below it. */
static const char *
below(const char *path, const char *root)
{
	const char *r;
	if (!path_is_under(path, root))
		return NULL;
	r = path + strlen(root);
	while (*r == '/')
		r++;
	return *r ? r : NULL;
}

enum cerr
tool_dest_resolve(const struct tool_ctx *ctx, const char *abs,
		  const char *shown, struct tool_dest *d, struct buf *err)
{
	char *ws = NULL, *slash;
	const char *rel = NULL;
	struct stat st;
	enum cerr e = C_OK;

	memset(d, 0, sizeof *d);
	d->target = tool_real_target(ctx, abs, shown, err);
	if (!d->target)
		return C_ERR_PERM;
	if (ctx->workspace) {
		ws = realpath(ctx->workspace, NULL);
		if (ws)
			rel = below(d->target, ws);
	}
	if (rel) {
		d->root = ws;
		ws = NULL;
		d->rel = xstrdup(rel);
		d->inside = true;
		goto out;
	}
	/* Outside the workspace (the user approved this path): the
	 * approved name is the file, never a symlink to somewhere else. */
	if (lstat(abs, &st) == 0 && S_ISLNK(st.st_mode)) {
		buf_printf(err, "%s is a symlink outside the workspace; refusing "
			   "to write through it. Use the path it points to (%s) "
			   "if you mean it.", shown, d->target);
		e = C_ERR_PERM;
		goto out;
	}
	slash = strrchr(d->target, '/');
	if (!slash || !slash[1]) {
		buf_printf(err, "%s is not a file path.", shown);
		e = C_ERR_INVAL;
		goto out;
	}
	d->root = slash == d->target ? xstrdup("/") :
		xstrndup(d->target, (size_t)(slash - d->target));
	d->rel = xstrdup(slash + 1);
out:
	free(ws);
	if (e != C_OK)
		tool_dest_free(d);
	return e;
}

void
tool_dest_free(struct tool_dest *d)
{
	xfree_all(d->root, d->rel, d->target);
	memset(d, 0, sizeof *d);
}

static void
refusal(struct buf *err, const char *verb, const char *shown,
	const struct buf *why, enum cerr e)
{
	buf_printf(err, "Cannot %s %s: %s.", verb, shown,
		   why->p ? buf_str(why) : cerr_str(e));
	if (e == C_ERR_PERM)
		buf_printf(err, " %s", DEST_RULES);
}

enum cerr
tool_dest_read(const struct tool_dest *d, const char *shown, struct buf *out,
	       struct buf *err)
{
	struct buf why = BUF_INIT;
	char chunk[8192];
	int fd = -1;
	enum cerr e;

	e = sandbox_open_beneath(d->root, d->rel, O_RDONLY, 0, &fd, &why);
	if (e != C_OK) {
		if (e != C_ERR_NOTFOUND)
			refusal(err, "open", shown, &why, e);
		goto out;
	}
	while (out) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "Cannot read %s: %s.", shown,
				   strerror(errno));
			e = C_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (buf_add(out, chunk, (size_t)n) != C_OK) {
			buf_printf(err, "%s is too large to read.", shown);
			e = C_ERR_TOOBIG;
			goto out;
		}
	}
	if (out && !out->p)
		buf_add(out, "", 0);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&why);
	return e;
}

enum cerr
tool_dest_write(const struct tool_dest *d, const char *shown, const void *data,
		size_t len, bool mkdirs, struct buf *err)
{
	struct buf why = BUF_INIT;
	enum cerr e;

	/* outside the workspace the approved directories are made by path,
	 * as before; inside, sandbox_write_beneath makes them beneath */
	if (!d->inside && mkdirs && !fs_is_dir(d->root) &&
	    fs_mkdir_p(d->root, 0755) != C_OK) {
		buf_printf(err, "Cannot create the directory for %s: %s.", shown,
			   strerror(errno));
		e = C_ERR_IO;
		goto out;
	}
	e = sandbox_write_beneath(d->root, d->rel, data, len, 0644,
				  mkdirs && d->inside, &why);
	if (e != C_OK)
		refusal(err, "write", shown, &why, e);
out:
	buf_free(&why);
	return e;
}

void
tool_change_free(struct tool_change *c)
{
	buf_free(&c->before);
	buf_free(&c->after);
}

static bool
same_text(const struct buf *a, const struct buf *b)
{
	if (!a->p || !b->p)
		return !a->p && !b->p;
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

bool
tool_change_is_approved(const struct tool_ctx *ctx, const struct buf *before,
			const struct buf *after, const char *shown,
			struct buf *err)
{
	const struct tool_change *c = ctx->approved;

	if (!c || (same_text(&c->before, before) && same_text(&c->after, after)))
		return true;
	buf_printf(err, "%s changed after the change was shown for approval, so "
		   "nothing was written (the user approved a different "
		   "change). Read it again and retry.", shown);
	return false;
}
