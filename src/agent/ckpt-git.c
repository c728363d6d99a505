/* ckpt-git.c: git snapshots for checkpoint.c.  git runs in a clean
 * environment against conch's private repository (checkpoint.h): no
 * system or global config, no hooks, no fsmonitor, no filters, no
 * pager, no prompts.  It is conch's own bookkeeping, not a command of
 * the model's, so it runs directly rather than in the sandbox. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/checkpoint.h"
#include "agent/ckpt-int.h"
#include "sandbox/sandbox.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#define GIT_ARGS_MAX 40
#define GIT_ENV_MAX 24
#define GIT_OUT_MAX (256u << 20)

extern char **environ;

/* Run git with `args` (NULL-terminated) in the work tree; its stdout in
 * `out` (may be NULL).  Fails with git's stderr in `err`. */
static enum cerr
git_run(struct ckpt *c, const char *const *args, struct buf *out,
	struct buf *err)
{
	const char *argv[GIT_ARGS_MAX];
	char *env[GIT_ENV_MAX], *excl = NULL;
	size_t na = 0, ne = 0, i;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status = 0, devnull;
	struct buf ebuf = BUF_INIT, sink = BUF_INIT;
	enum cerr e = C_ERR_IO;
	pid_t pid;
	const char *path = getenv("PATH"), *sub;

	buf_init(&ebuf, 4096);
	buf_init(&sink, GIT_OUT_MAX);
	argv[na++] = "git";
	argv[na++] = "-c"; argv[na++] = "core.hooksPath=/dev/null";
	argv[na++] = "-c"; argv[na++] = "core.fsmonitor=false";
	argv[na++] = "-c"; argv[na++] = "core.autocrlf=false";
	argv[na++] = "-c"; argv[na++] = "core.safecrlf=false";
	argv[na++] = "-c"; argv[na++] = "core.untrackedCache=true";
	argv[na++] = "-c"; argv[na++] = "core.quotePath=false";
	argv[na++] = "-c"; argv[na++] = "gc.auto=0";
	argv[na++] = "-c"; argv[na++] = "advice.addEmbeddedRepo=false";
	if (c->exclude) {
		excl = xasprintf("core.excludesFile=%s", c->exclude);
		argv[na++] = "-c";
		argv[na++] = excl;
	}
	sub = argv[na] = args[0];
	for (i = 0; args[i] && na + 1 < GIT_ARGS_MAX; i++)
		argv[na++] = args[i];
	argv[na] = NULL;

	env[ne++] = xasprintf("PATH=%s", path ? path : "/usr/bin:/bin");
	env[ne++] = xasprintf("HOME=%s", c->dir);
	env[ne++] = xasprintf("XDG_CONFIG_HOME=%s", c->dir);
	if (strcmp(args[0], "init") != 0) {
		env[ne++] = xasprintf("GIT_DIR=%s", c->gitdir);
		env[ne++] = xasprintf("GIT_WORK_TREE=%s", c->root);
		env[ne++] = xasprintf("GIT_INDEX_FILE=%s", c->index);
	}
	env[ne++] = xstrdup("GIT_CONFIG_NOSYSTEM=1");
	env[ne++] = xstrdup("GIT_CONFIG_GLOBAL=/dev/null");
	env[ne++] = xstrdup("GIT_ATTR_NOSYSTEM=1");
	env[ne++] = xstrdup("GIT_NO_REPLACE_OBJECTS=1");
	env[ne++] = xstrdup("GIT_TERMINAL_PROMPT=0");
	env[ne++] = xstrdup("GIT_PAGER=cat");
	env[ne++] = xstrdup("GIT_AUTHOR_NAME=conch");
	env[ne++] = xstrdup("GIT_AUTHOR_EMAIL=conch@localhost");
	env[ne++] = xstrdup("GIT_COMMITTER_NAME=conch");
	env[ne++] = xstrdup("GIT_COMMITTER_EMAIL=conch@localhost");
	env[ne++] = xstrdup("LC_ALL=C");
	env[ne] = NULL;

	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		buf_printf(err, "cannot run git: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		buf_printf(err, "cannot run git: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* only async-signal-safe calls from here on */
		devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(po[1], 1) < 0 ||
		    dup2(pe[1], 2) < 0 || chdir(c->root) != 0)
			_exit(127);
		execve(c->git, (char *const *)argv, env);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	{
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		int open_fds = 2;
		char b[65536];
		while (open_fds > 0) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (i = 0; i < 2; i++) {
				ssize_t r;
				if (p[i].fd < 0 || !p[i].revents)
					continue;
				r = read(p[i].fd, b, sizeof b);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					p[i].fd = -1;
					open_fds--;
					continue;
				}
				buf_add(i == 0 ? (out ? out : &sink) : &ebuf, b, (size_t)r);
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		size_t l = ebuf.len;
		while (l && (ebuf.p[l - 1] == '\n' || ebuf.p[l - 1] == ' '))
			l--;
		buf_printf(err, "git %s failed (%s %d)%s%.*s", sub,
			   WIFEXITED(status) ? "exit" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			   l ? ": " : "", (int)l, l ? ebuf.p : "");
		goto out;
	}
	if (out && !buf_ok(out)) {
		buf_printf(err, "git %s: output too large", args[0]);
		e = C_ERR_TOOBIG;
		goto out;
	}
	e = C_OK;
out:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	for (i = 0; i < ne; i++)
		free(env[i]);
	free(excl);
	buf_free(&ebuf);
	buf_free(&sink);
	return e;
}

/* The first line of `b`, as a new string. */
static char *
first_line(const struct buf *b)
{
	const char *s = buf_str(b);
	return xstrndup(s, strcspn(s, "\n"));
}

enum cerr
ckpt_git_init(struct ckpt *c, struct buf *err)
{
	char *tmp = NULL, *info = NULL, *ex = NULL;
	const char *args[] = { "init", "-q", "--bare", NULL, NULL };
	enum cerr e = C_OK;
	struct stat st;
	char *rel = NULL, *state;

	if (stat(c->gitdir, &st) != 0) {
		/* made beside and renamed: a kill leaves no half repository */
		tmp = xasprintf("%s.tmp.%ld", c->gitdir, (long)getpid());
		args[3] = tmp;
		e = git_run(c, args, NULL, err);
		if (e == C_OK && rename(tmp, c->gitdir) != 0 && errno != EEXIST &&
		    errno != ENOTEMPTY) {
			buf_printf(err, "cannot create %s: %s", c->gitdir, strerror(errno));
			e = C_ERR_IO;
		}
		if (e != C_OK)
			goto out;
	}
	/* conch's own state never goes into a snapshot */
	state = xdg_dir("state");
	if (path_is_under(state, c->root)) {
		size_t rl = strlen(c->root);
		rel = xstrdup(state + rl + (strcmp(c->root, "/") != 0));
	}
	free(state);
	info = xasprintf("%s/info", c->gitdir);
	ex = xasprintf("%s/info/exclude", c->gitdir);
	fs_mkdir_p(info, 0700);
	{
		char *text = xasprintf("# written by conch\n%s%s%s", rel ? "/" : "",
				       rel ? rel : "", rel ? "/\n" : "");
		e = fs_write_atomic(ex, text, strlen(text), 0600);
		free(text);
		if (e != C_OK)
			buf_printf(err, "cannot write %s: %s", ex, strerror(errno));
	}
out:
	xfree_all(rel, info, ex, tmp);
	return e;
}

enum cerr
ckpt_git_snapshot(struct ckpt *c, const char *label, char **tree,
		  struct buf *err)
{
	const char *add[] = { "add", "-A", "--ignore-errors", "--", ".", NULL };
	const char *wt[] = { "write-tree", NULL };
	struct buf out = BUF_INIT;
	enum cerr e;

	/* two processes: the refs name trees (no commit objects), written
	 * as loose ref files of this private repository */
	(void)label;
	*tree = NULL;
	if ((e = git_run(c, add, NULL, err)) != C_OK)
		goto out;
	if ((e = git_run(c, wt, &out, err)) != C_OK)
		goto out;
	*tree = first_line(&out);
out:
	buf_free(&out);
	return e;
}

static char *
refs_dir(const struct ckpt *c, const char *sid)
{
	return xasprintf("%s/refs/conch/checkpoints/%s", c->gitdir, sid);
}

enum cerr
ckpt_git_set_ref(struct ckpt *c, const char *name, const char *id,
		 struct buf *err)
{
	char *dir = refs_dir(c, c->sid), *path = path_join(dir, name);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *text = xasprintf("%s\n", id);
	enum cerr e = fs_mkdir_p(dir, 0700);
	int fd = -1;

	/* temp file and rename: a kill leaves the old ref or the new one.
	 * No fsync: the log names the same tree and is written durably
	 * after this (checkpoint.c), and the ref only keeps git's gc from
	 * dropping the tree. */
	if (e == C_OK) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || fs_write_all(fd, text, strlen(text)) != 0)
			e = C_ERR_IO;
		if (fd >= 0 && close(fd) != 0)
			e = C_ERR_IO;
		if (e == C_OK && rename(tmp, path) != 0)
			e = C_ERR_IO;
	}
	if (e != C_OK) {
		buf_printf(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	xfree_all(text, tmp, path, dir);
	return e;
}

void
ckpt_git_delete_refs(struct ckpt *c, const char *sid, const char *prefix)
{
	char *dir = refs_dir(c, sid);
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t pl = strlen(prefix);

	while (d && (de = readdir(d)) != NULL) {
		char *p;
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, pl) != 0)
			continue;
		p = path_join(dir, de->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	if (!pl)
		rmdir(dir);
	free(dir);
}

/* git diff-tree -r -z --no-renames <what> a b: its non-empty NUL-ended
 * records, *n of them in *recs (caller frees: strv_free) */
static enum cerr
diff_tree(struct ckpt *c, const char *what, const char *a, const char *b,
	  char ***recs, size_t *n, struct buf *err)
{
	const char *args[] = { "diff-tree", "-r", "-z", "--no-renames", what, a, b, NULL };
	struct buf out = BUF_INIT;
	size_t cap = 0, off;
	enum cerr e = git_run(c, args, &out, err);

	*recs = NULL;
	*n = 0;
	for (off = 0; e == C_OK && off < out.len; off += strlen(out.p + off) + 1) {
		if (!out.p[off])
			continue;
		*recs = xgrow(*recs, *n + 1, &cap, 16, sizeof **recs);
		(*recs)[(*n)++] = xstrdup(out.p + off);
	}
	buf_free(&out);
	return e;
}

enum cerr
ckpt_git_numstat(struct ckpt *c, const char *a, const char *b,
		 struct ckpt_file **files, size_t *n, struct buf *err)
{
	char **recs;
	size_t nrec, i;
	enum cerr e = diff_tree(c, "--numstat", a, b, &recs, &nrec, err);

	*files = nrec ? xcalloc(nrec, sizeof **files) : NULL;
	*n = 0;
	/* "ADD\tDEL\tPATH" per file; "-\t-\t" for binary */
	for (i = 0; i < nrec; i++) {
		const char *rec = recs[i];
		const char *t1 = strchr(rec, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		(*files)[*n].add = rec[0] == '-' ? -1 : strtol(rec, NULL, 10);
		(*files)[*n].del = t1[1] == '-' ? -1 : strtol(t1 + 1, NULL, 10);
		(*files)[*n].path = xstrdup(t2 + 1);
		(*n)++;
	}
	if (!*n) {
		free(*files);
		*files = NULL;
	}
	strv_free(recs, nrec);
	return e;
}

enum cerr
ckpt_git_paths(struct ckpt *c, const char *a, const char *b, char ***paths,
	       size_t *n, struct buf *err)
{
	return diff_tree(c, "--name-only", a, b, paths, n, err);
}

/* Remove `rel` beneath the work tree, then its parents while empty. */
static enum cerr
remove_path(struct ckpt *c, const char *rel, struct buf *err)
{
	char *p = xstrdup(rel), *slash;
	enum cerr e = sandbox_unlink_beneath(c->root, rel, err);

	while (e == C_OK && (slash = strrchr(p, '/')) != NULL) {
		int dfd = -1;
		const char *base;
		*slash = '\0';
		/* rmdir fails on a directory that is not empty: that stops it */
		if (sandbox_open_parent_beneath(c->root, p, false, &dfd, &base,
						NULL) != C_OK)
			break;
		if (unlinkat(dfd, base, AT_REMOVEDIR) != 0) {
			close(dfd);
			break;
		}
		close(dfd);
	}
	free(p);
	return e;
}

/* Write blob `sha` of mode `mode` to `rel` beneath the work tree. */
static enum cerr
write_blob(struct ckpt *c, const char *rel, const char *mode, const char *sha,
	   struct buf *err)
{
	const char *args[] = { "cat-file", "blob", sha, NULL };
	struct buf data = BUF_INIT;
	bool link = strcmp(mode, "120000") == 0;
	int dfd = -1;
	const char *base;
	struct stat st;
	enum cerr e;

	if (strcmp(mode, "160000") == 0)
		return C_OK; /* a nested repository: left alone */
	buf_init(&data, GIT_OUT_MAX);
	if ((e = git_run(c, args, &data, err)) != C_OK)
		goto out;
	e = sandbox_open_parent_beneath(c->root, rel, true, &dfd, &base, err);
	if (e != C_OK)
		goto out;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode)) {
			buf_printf(err, "cannot restore %s: a directory is in the way", rel);
			e = C_ERR_EXISTS;
			goto out;
		}
		/* a link is replaced, never written through */
		if ((S_ISLNK(st.st_mode) || link) && unlinkat(dfd, base, 0) != 0) {
			buf_printf(err, "cannot replace %s: %s", rel, strerror(errno));
			e = C_ERR_IO;
			goto out;
		}
	}
	if (link) {
		char *target = xstrndup(buf_str(&data), data.len);
		if (symlinkat(target, dfd, base) != 0) {
			buf_printf(err, "cannot restore the symlink %s: %s", rel,
				   strerror(errno));
			e = C_ERR_IO;
		}
		free(target);
		goto out;
	}
	e = sandbox_write_beneath(c->root, rel, data.p ? data.p : "", data.len,
				  strcmp(mode, "100755") == 0 ? 0755 : 0644, true, err);
	if (e == C_OK && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		mode_t want = strcmp(mode, "100755") == 0 ?
			(st.st_mode | ((st.st_mode & 0444) >> 2)) :
			(st.st_mode & ~(mode_t)0111);
		sandbox_chmod_beneath(c->root, rel, want);
	}
out:
	if (dfd >= 0)
		close(dfd);
	buf_free(&data);
	return e;
}

enum cerr
ckpt_git_restore(struct ckpt *c, const char *from, const char *to,
		 size_t *restored, struct buf *err)
{
	const char *args[] = { "diff-tree", "-r", "-z", "--no-renames", from, to,
			       NULL };
	struct buf out = BUF_INIT;
	size_t off = 0;
	int pass;
	enum cerr e, first = C_OK;

	*restored = 0;
	if ((e = git_run(c, args, &out, err)) != C_OK)
		goto out;
	/* ":MODE1 MODE2 SHA1 SHA2 S\0PATH\0"; removals first, so that a
	 * file may take the place of a removed directory and back */
	for (pass = 0; pass < 2; pass++) {
		off = 0;
		while (off < out.len) {
			const char *meta = out.p + off, *path;
			char m2[8], sha[70], st;
			size_t ml = strlen(meta);
			off += ml + 1;
			if (off >= out.len || meta[0] != ':')
				continue;
			path = out.p + off;
			off += strlen(path) + 1;
			if (sscanf(meta, ":%*7s %7s %*69s %69s %c", m2, sha, &st) != 3)
				continue;
			if ((st == 'D') != (pass == 0))
				continue;
			e = st == 'D' ? remove_path(c, path, err) :
				write_blob(c, path, m2, sha, err);
			if (e == C_OK)
				(*restored)++;
			else if (first == C_OK) {
				first = e;
				buf_adds(err, "; ");
			}
		}
	}
	e = first;
out:
	buf_free(&out);
	return e;
}

void
ckpt_git_gc(struct ckpt *c)
{
	/* refs stay loose files (ckpt_git_delete_refs unlinks them) */
	const char *args[] = { "-c", "gc.pruneExpire=now", "-c", "gc.auto=6700",
			       "-c", "gc.packRefs=false", "gc", "--auto",
			       "--quiet", NULL };
	struct buf err = BUF_INIT;
	git_run(c, args, NULL, &err);
	buf_free(&err);
}
