/* store.c: writing skills: automatic writes with history and undo, the
 * review area, removal (install.c installs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memory/memory.h"
#include "sandbox/sandbox.h"
#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define HISTORY_MAX (8u << 20)

void
skills_hash(const char *s, size_t n, char out[17])
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

/* One entry of a folder for each_entry(): `path` is the folder's path
 * joined with `name`. */
typedef enum cerr entry_fn(const char *path, const char *name, void *arg);

/* Call fn on each entry of the open folder `d` at `dir` ("." and ".."
 * skipped): on all of them when `keep_going`, else until one fails.
 * Closes `d`; returns the first failure. */
static enum cerr
each_entry(DIR *d, const char *dir, bool keep_going, entry_fn *fn, void *arg)
{
	struct dirent *de;
	enum cerr e = C_OK, r;
	while ((keep_going || !e) && (de = readdir(d))) {
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = path_join(dir, de->d_name);
		r = fn(p, de->d_name, arg);
		free(p);
		if (!e)
			e = r;
	}
	closedir(d);
	return e;
}

static enum cerr
rm_entry(const char *path, const char *name, void *arg)
{
	(void)name;
	(void)arg;
	return skills_rm_tree(path);
}

enum cerr
skills_rm_tree(const char *path)
{
	struct stat st;
	enum cerr e = C_OK;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? C_OK : C_ERR_IO;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return C_ERR_IO;
		if (each_entry(d, path, true, rm_entry, NULL))
			e = C_ERR_IO;
		if (rmdir(path) < 0)
			e = C_ERR_IO;
	} else if (unlink(path) < 0) {
		e = C_ERR_IO;
	}
	return e;
}

/* What check_entry and copy_entry pass down. */
struct tree_walk {
	const char *dst; /* copy: the folder the entries go to */
	struct buf *msg;
	int depth;       /* check: the entries' depth */
};

static enum cerr
check_entry(const char *path, const char *name, void *arg)
{
	struct tree_walk *w = arg;
	(void)name;
	return skills_check_tree(path, w->msg, w->depth);
}

enum cerr
skills_check_tree(const char *src, struct buf *msg, int depth)
{
	struct stat st;
	struct tree_walk w = { NULL, msg, depth + 1 };
	DIR *d;
	if (lstat(src, &st) < 0) {
		buf_printf(msg, "%s: %s\n", src, strerror(errno));
		return C_ERR_IO;
	}
	if (S_ISREG(st.st_mode))
		return C_OK;
	if (!S_ISDIR(st.st_mode)) {
		buf_printf(msg, "%s: %s refused (only plain files and folders)\n", src,
			   S_ISLNK(st.st_mode) ? "symbolic link" : "special file");
		return C_ERR_PERM;
	}
	if (depth > 16) {
		buf_printf(msg, "%s: folders nested too deep\n", src);
		return C_ERR_PERM;
	}
	if (!(d = opendir(src)))
		return C_ERR_IO;
	return each_entry(d, src, false, check_entry, &w);
}

static enum cerr
copy_file(const char *src, const char *dst, mode_t mode, struct buf *msg)
{
	struct buf b = BUF_INIT;
	enum cerr e = fs_read_file(src, 64u << 20, &b);
	if (!e)
		e = fs_write_atomic(dst, b.p ? b.p : "", b.len, mode & 0755);
	if (e)
		buf_printf(msg, "cannot copy %s: %s\n", src, cerr_str(e));
	buf_free(&b);
	return e;
}

static enum cerr copy_rec(const char *src, const char *dst, struct buf *msg);

static enum cerr
copy_entry(const char *path, const char *name, void *arg)
{
	struct tree_walk *w = arg;
	char *t = path_join(w->dst, name);
	enum cerr e = copy_rec(path, t, w->msg);
	free(t);
	return e;
}

static enum cerr
copy_rec(const char *src, const char *dst, struct buf *msg)
{
	struct stat st;
	struct tree_walk w = { dst, msg, 0 };
	DIR *d;
	if (lstat(src, &st) < 0)
		return C_ERR_IO;
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, st.st_mode, msg);
	if (!S_ISDIR(st.st_mode))
		return C_ERR_PERM;
	if (mkdir(dst, 0755) < 0) {
		buf_printf(msg, "cannot create %s: %s\n", dst, strerror(errno));
		return C_ERR_IO;
	}
	if (!(d = opendir(src)))
		return C_ERR_IO;
	return each_entry(d, src, false, copy_entry, &w);
}

enum cerr
skills_copy_tree(const char *src, const char *dst, struct buf *msg)
{
	enum cerr e = skills_check_tree(src, msg, 0);
	if (e)
		return e;
	if (fs_exists(dst)) {
		buf_printf(msg, "%s exists\n", dst);
		return C_ERR_EXISTS;
	}
	e = copy_rec(src, dst, msg);
	if (e)
		skills_rm_tree(dst);
	return e;
}

/* ---- history ---- */

static int
history_lock(void)
{
	char *dir = skills_history_dir(), *lp;
	int fd;
	fs_mkdir_p(dir, 0700);
	lp = xasprintf("%s/lock", dir);
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	xfree_all(lp, dir);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	return fd;
}

static void
blob_put(const char *text, size_t n, char hash[17])
{
	char *dir = skills_history_dir(), *p;
	skills_hash(text, n, hash);
	p = xasprintf("%s/blobs/%s.md", dir, hash);
	if (!fs_exists(p)) {
		char *bd = xasprintf("%s/blobs", dir);
		fs_mkdir_p(bd, 0700);
		fs_write_atomic(p, text, n, 0600);
		free(bd);
	}
	xfree_all(p, dir);
}

/* One history record.  `where` ("installed") and `trash` (a removed
 * folder kept under the history dir) are NULL for user-skill writes. */
static enum cerr
history_append(const char *name, const char *action, const char *session,
	       const char *old, const char *new_, const char *where,
	       const char *trash)
{
	char *dir = skills_history_dir(), *p = xasprintf("%s/history.jsonl", dir);
	cJSON *r = cJSON_CreateObject();
	char *line;
	enum cerr e = C_OK;
	int fd;
	cJSON_AddNumberToObject(r, "time", (double)time(NULL));
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "action", action);
	jx_add_str_or_null(r, "session", session);
	jx_add_str_or_null(r, "old", old);
	jx_add_str_or_null(r, "new", new_);
	if (where)
		cJSON_AddStringToObject(r, "where", where);
	if (trash)
		cJSON_AddStringToObject(r, "trash", trash);
	line = jx_print(r);
	{
		char *l2 = xasprintf("%s\n", line);
		free(line);
		line = l2;
	}
	fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		e = C_ERR_IO;
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(line);
	cJSON_Delete(r);
	xfree_all(p, dir);
	return e;
}

/* Write text as user skill `name` (history lock held). */
static enum cerr
write_user(const char *name, const char *text, const char *action,
	   const char *session, struct buf *msg)
{
	char *udir = skills_user_dir(), *sdir = path_join(udir, name);
	char *path = path_join(sdir, "SKILL.md");
	struct buf old = BUF_INIT;
	char oh[17], nh[17];
	bool had;
	enum cerr e;

	had = fs_read_file(path, SKILL_FILE_MAX, &old) == C_OK;
	if (had)
		blob_put(old.p ? old.p : "", old.len, oh);
	blob_put(text, strlen(text), nh);
	if (had && strcmp(oh, nh) == 0) {
		buf_printf(msg, "skill \"%s\" is unchanged", name);
		e = C_OK;
		goto out;
	}
	if ((e = fs_mkdir_p(sdir, 0755)) ||
	    (e = fs_write_atomic(path, text, strlen(text), 0644))) {
		buf_printf(msg, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	history_append(name, action, session, had ? oh : NULL, nh, NULL, NULL);
	buf_printf(msg, "skill \"%s\" %s in %s", name,
		   had ? "updated" : "written", path);
out:
	buf_free(&old);
	xfree_all(path, sdir, udir);
	return e;
}

static enum cerr
validate_text(const char *name, const char *text, struct buf *msg)
{
	struct skill s;
	struct skill_err err;
	const char *what;
	enum cerr e = skill_parse(text, strlen(text), name, &s, &err);
	if (e) {
		buf_printf(msg, "invalid skill: SKILL.md:%d: %s", err.line, err.reason);
		return e;
	}
	skill_free(&s);
	if (sensitive_text_secret(text, &what)) {
		buf_printf(msg, "refused: the skill looks like it holds %s", what);
		return C_ERR_INVAL;
	}
	return C_OK;
}

enum cerr
skills_write(const char *name, const char *text, const char *action,
	     const char *session, bool pending, struct buf *msg)
{
	enum cerr e;
	int fd;
	if ((e = validate_text(name, text, msg)))
		return e;
	if (pending) {
		char *pd = skills_pending_dir(), *sd = path_join(pd, name);
		char *p = path_join(sd, "SKILL.md"), *mp = path_join(sd, "meta.json");
		cJSON *meta = cJSON_CreateObject();
		char *mj;
		cJSON_AddStringToObject(meta, "action", action);
		if (session)
			cJSON_AddStringToObject(meta, "session", session);
		mj = jx_print(meta);
		if ((e = fs_mkdir_p(sd, 0700)) ||
		    (e = fs_write_atomic(p, text, strlen(text), 0644)) ||
		    (e = fs_write_atomic(mp, mj, strlen(mj), 0600)))
			buf_printf(msg, "cannot write %s: %s", p, strerror(errno));
		else
			buf_printf(msg, "skill \"%s\" staged for review: conch skills "
				   "approve %s (or reject)", name, name);
		cJSON_Delete(meta);
		xfree_all(mj, mp, p, sd, pd);
		return e;
	}
	fd = history_lock();
	e = write_user(name, text, action, session, msg);
	if (fd >= 0)
		close(fd);
	return e;
}

struct hist_ent {
	char *old, *new_; /* NULL for none */
	char *action, *where, *trash;
};

static void
hist_ent_free(struct hist_ent *h)
{
	xfree_all(h->old, h->new_, h->action, h->where, h->trash);
}

/* The stack of writes of `name` not yet undone. */
static size_t
history_stack(const char *name, struct hist_ent **out)
{
	char *dir = skills_history_dir(), *p = xasprintf("%s/history.jsonl", dir);
	struct buf b = BUF_INIT;
	struct hist_ent *v = NULL;
	size_t n = 0;
	const char *line;
	if (fs_read_file(p, HISTORY_MAX, &b) == C_OK) {
		for (line = buf_str(&b); *line;) {
			const char *eol = strchr(line, '\n');
			size_t ll = eol ? (size_t)(eol - line) : strlen(line);
			cJSON *r = jx_parse(line, ll, NULL, NULL);
			const char *nm = jx_str(r, "name"), *act = jx_str(r, "action");
			if (nm && act && strcmp(nm, name) == 0) {
				if (strcmp(act, "undo") == 0) {
					if (n)
						hist_ent_free(&v[--n]);
				} else {
					v = xreallocarray(v, n + 1, sizeof *v);
					v[n].old = xstrdup(jx_str(r, "old"));
					v[n].new_ = xstrdup(jx_str(r, "new"));
					v[n].action = xstrdup(act);
					v[n].where = xstrdup(jx_str(r, "where"));
					v[n].trash = xstrdup(jx_str(r, "trash"));
					n++;
				}
			}
			cJSON_Delete(r);
			line += ll + (eol ? 1 : 0);
		}
	}
	buf_free(&b);
	xfree_all(p, dir);
	*out = v;
	return n;
}

/* The folder a history entry's "where" names (caller frees). */
static char *
where_dir(const char *where)
{
	return where && !strcmp(where, "installed") ? skills_installed_dir() :
		skills_user_dir();
}

/* Undo a removal: the folder comes back from the history's trash. */
static enum cerr
undo_remove(const char *name, const struct hist_ent *h, const char *hdir,
	    struct buf *msg)
{
	char *base = where_dir(h->where);
	char *dst = path_join(base, name), *src = path_join(hdir, h->trash);
	enum cerr e = C_OK;
	if (fs_exists(dst)) {
		buf_printf(msg, "cannot restore skill \"%s\": %s exists again; "
			   "remove it first", name, dst);
		e = C_ERR_EXISTS;
	} else if (!fs_is_dir(src)) {
		buf_printf(msg, "the removed copy of \"%s\" is missing (%s)", name, src);
		e = C_ERR_NOTFOUND;
	} else if (fs_mkdir_p(base, 0755) || rename(src, dst) < 0) {
		buf_printf(msg, "cannot move %s back to %s: %s", src, dst,
			   strerror(errno));
		e = C_ERR_IO;
	} else {
		buf_printf(msg, "skill \"%s\" restored to %s (its removal undone)",
			   name, dst);
	}
	xfree_all(src, dst, base);
	return e;
}

enum cerr
skills_undo(const char *name, struct buf *msg)
{
	struct hist_ent *v = NULL, *top;
	size_t n, i;
	char *udir = NULL, *sdir = NULL, *path = NULL, *hdir = skills_history_dir();
	enum cerr e = C_OK;
	int fd;

	if (!skill_name_valid(name)) {
		buf_printf(msg, "\"%s\" is not a valid skill name", name);
		free(hdir);
		return C_ERR_INVAL;
	}
	fd = history_lock();
	n = history_stack(name, &v);
	if (!n) {
		buf_printf(msg, "nothing to undo for skill \"%s\"", name);
		e = C_ERR_NOTFOUND;
		goto out;
	}
	top = &v[n - 1];
	udir = where_dir(top->where);
	sdir = path_join(udir, name);
	path = path_join(sdir, "SKILL.md");
	if (top->action && !strcmp(top->action, "remove") && top->trash) {
		e = undo_remove(name, top, hdir, msg);
	} else if (!top->old) {
		e = skills_rm_tree(sdir);
		if (!e)
			buf_printf(msg, "skill \"%s\": removed the user copy that the "
				   "last write created", name);
	} else {
		struct buf b = BUF_INIT;
		char *bp = xasprintf("%s/blobs/%s.md", hdir, top->old);
		e = fs_read_file(bp, SKILL_FILE_MAX, &b);
		if (e)
			buf_printf(msg, "the previous version of \"%s\" is missing (%s)",
				   name, bp);
		else if ((e = fs_mkdir_p(sdir, 0755)) ||
			 (e = fs_write_atomic(path, b.p ? b.p : "", b.len, 0644)))
			buf_printf(msg, "cannot write %s", path);
		else
			buf_printf(msg, "skill \"%s\" restored to its previous version",
				   name);
		buf_free(&b);
		free(bp);
	}
	if (!e)
		history_append(name, "undo", NULL, top->new_, top->old, NULL, NULL);
out:
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i++)
		hist_ent_free(&v[i]);
	xfree_all(v, hdir, path, sdir, udir);
	return e;
}

enum cerr
skills_write_installed(const char *name, const char *text, struct buf *msg)
{
	char *idir = skills_installed_dir(), *path;
	struct buf old = BUF_INIT;
	char oh[17], nh[17];
	enum cerr e;
	int fd;

	path = xasprintf("%s/%s/SKILL.md", idir, name);
	if ((e = validate_text(name, text, msg)))
		goto out_nolock;
	fd = history_lock();
	if ((e = fs_read_file(path, SKILL_FILE_MAX, &old))) {
		buf_printf(msg, "no installed skill \"%s\" (%s)", name, path);
		goto out;
	}
	blob_put(old.p ? old.p : "", old.len, oh);
	blob_put(text, strlen(text), nh);
	if (!strcmp(oh, nh)) {
		buf_printf(msg, "skill \"%s\" is unchanged", name);
		goto out;
	}
	if ((e = fs_write_atomic(path, text, strlen(text), 0644))) {
		buf_printf(msg, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	history_append(name, "edit", NULL, oh, nh, "installed", NULL);
	buf_printf(msg, "skill \"%s\" updated in %s (undo: conch skills undo %s)",
		   name, path, name);
out:
	if (fd >= 0)
		close(fd);
out_nolock:
	buf_free(&old);
	xfree_all(path, idir);
	return e;
}

enum cerr
skills_approve(const char *name, struct buf *msg)
{
	char *pd = skills_pending_dir(), *sd = path_join(pd, name);
	char *p = path_join(sd, "SKILL.md"), *mp = path_join(sd, "meta.json");
	struct buf b = BUF_INIT, m = BUF_INIT;
	cJSON *meta = NULL;
	enum cerr e;
	if (!skill_name_valid(name) || fs_read_file(p, SKILL_FILE_MAX, &b)) {
		buf_printf(msg, "no pending skill \"%s\"", name);
		e = C_ERR_NOTFOUND;
		goto out;
	}
	if (fs_read_file(mp, 65536, &m) == C_OK)
		meta = jx_parse(m.p, m.len, NULL, NULL);
	e = skills_write(name, buf_str(&b),
			 jx_str(meta, "action") ? jx_str(meta, "action") : "approve",
			 jx_str(meta, "session"), false, msg);
	if (!e)
		skills_rm_tree(sd);
out:
	cJSON_Delete(meta);
	buf_free(&b);
	buf_free(&m);
	xfree_all(mp, p, sd, pd);
	return e;
}

enum cerr
skills_reject(const char *name, struct buf *msg)
{
	char *pd = skills_pending_dir(), *sd = path_join(pd, name);
	enum cerr e;
	if (!skill_name_valid(name) || !fs_is_dir(sd)) {
		buf_printf(msg, "no pending skill \"%s\"", name);
		e = C_ERR_NOTFOUND;
	} else {
		e = skills_rm_tree(sd);
		buf_printf(msg, "pending skill \"%s\" rejected", name);
	}
	xfree_all(sd, pd);
	return e;
}

void
skills_pending_list(struct buf *out)
{
	char *pd = skills_pending_dir();
	DIR *d = opendir(pd);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			buf_printf(out, "%s\n", de->d_name);
	if (d)
		closedir(d);
	free(pd);
}

/* Move the folder `p` of skill `name` to the history's trash and record
 * it, so that `conch skills undo NAME` brings it back. */
static enum cerr
remove_recorded(const char *name, const char *p, const char *where,
		struct buf *msg)
{
	char *hdir = skills_history_dir(), *tdir = path_join(hdir, "trash");
	char *rel = xasprintf("trash/%s-%ld-%ld", name, (long)time(NULL),
			      (long)getpid());
	char *dst = path_join(hdir, rel), *sk = path_join(p, "SKILL.md");
	struct buf b = BUF_INIT;
	char oh[17];
	bool had;
	enum cerr e = C_OK;
	int fd = history_lock();

	had = fs_read_file(sk, SKILL_FILE_MAX, &b) == C_OK;
	if (had)
		blob_put(b.p ? b.p : "", b.len, oh);
	if (fs_mkdir_p(tdir, 0700) || rename(p, dst) < 0) {
		/* another filesystem: copy, then delete */
		skills_rm_tree(dst);
		if ((e = skills_copy_tree(p, dst, msg)) || (e = skills_rm_tree(p))) {
			buf_printf(msg, "could not remove %s\n", p);
			goto out;
		}
	}
	history_append(name, "remove", NULL, had ? oh : NULL, NULL, where, rel);
	buf_printf(msg, "removed %s (undo: conch skills undo %s)\n", p, name);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&b);
	xfree_all(sk, dst, rel, tdir, hdir);
	return e;
}

enum cerr
skills_remove(const char *name, struct buf *msg)
{
	char *dirs[2] = { skills_user_dir(), skills_installed_dir() };
	static const char *const where[2] = { NULL, "installed" };
	enum cerr e = C_ERR_NOTFOUND;
	size_t i;
	if (!skill_name_valid(name)) {
		buf_printf(msg, "\"%s\" is not a valid skill name", name);
		e = C_ERR_INVAL;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		char *p = path_join(dirs[i], name);
		if (fs_is_dir(p)) {
			e = remove_recorded(name, p, where[i], msg);
			free(p);
			goto out;
		}
		free(p);
	}
	buf_printf(msg, "no user or installed skill \"%s\" (project and bundled "
		   "skills are not removed by conch)", name);
out:
	xfree_all(dirs[0], dirs[1]);
	return e;
}
