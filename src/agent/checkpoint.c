/* checkpoint.c: the checkpoint log of a session, the files kind (before
 * images kept by the write tools), pruning and rewind (checkpoint.h).
 * The git kind's snapshots are in ckpt-git.c. */
#include <errno.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/checkpoint.h"
#include "agent/ckpt-int.h"
#include "sandbox/sandbox.h"
#include "tools/diff.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"

#define PROMPT_MAX 200

void
ckpt_opts_from_config(struct ckpt_opts *o, const cJSON *config)
{
	const cJSON *k = config ? cJSON_GetObjectItemCaseSensitive(config, "checkpoints") : NULL;
	o->enabled = true;
	o->max_count = 100;
	o->max_age_days = 30;
	if (!cJSON_IsObject(k))
		return;
	o->enabled = jx_bool(k, "enabled", true);
	o->max_count = (int)jx_long(k, "max_count", 100);
	o->max_age_days = jx_long(k, "max_age_days", 30);
	if (o->max_count < 1)
		o->max_count = 1;
	if (o->max_count > 10000)
		o->max_count = 10000;
	if (o->max_age_days < 1)
		o->max_age_days = 1;
}

/* ---- the log ---------------------------------------------------------- */

static void
entry_free(struct ckpt_entry *e)
{
	size_t i;
	for (i = 0; i < e->nfiles; i++) {
		xfree_all(e->files[i].path, e->files[i].after);
	}
	xfree_all(e->files, e->prompt, e->before, e->after);
	memset(e, 0, sizeof *e);
}

static char *
log_path(const struct ckpt *c)
{
	return xasprintf("%s/log.json", c->dir);
}

enum cerr
ckpt_log_save(struct ckpt *c, struct buf *err)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char *path = log_path(c), *text;
	enum cerr e;
	size_t i, k;

	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddStringToObject(root, "kind", c->gitdir ? "git" : "files");
	cJSON_AddNumberToObject(root, "next", c->next);
	arr = cJSON_AddArrayToObject(root, "entries");
	for (i = 0; i < c->n; i++) {
		const struct ckpt_entry *en = &c->v[i];
		cJSON *o = cJSON_CreateObject(), *fa;
		cJSON_AddNumberToObject(o, "n", en->n);
		cJSON_AddNumberToObject(o, "time", (double)en->time);
		cJSON_AddStringToObject(o, "prompt", en->prompt ? en->prompt : "");
		cJSON_AddNumberToObject(o, "conv_index", (double)en->conv_index);
		if (en->before)
			cJSON_AddStringToObject(o, "before", en->before);
		if (en->after)
			cJSON_AddStringToObject(o, "after", en->after);
		cJSON_AddBoolToObject(o, "done", en->done);
		cJSON_AddBoolToObject(o, "shell", en->shell);
		if (en->rewind_of)
			cJSON_AddNumberToObject(o, "rewind_of", en->rewind_of);
		fa = cJSON_AddArrayToObject(o, "files");
		for (k = 0; k < en->nfiles; k++) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "path", en->files[k].path);
			cJSON_AddNumberToObject(f, "add", en->files[k].add);
			cJSON_AddNumberToObject(f, "del", en->files[k].del);
			if (en->files[k].after)
				cJSON_AddStringToObject(f, "after", en->files[k].after);
			cJSON_AddItemToArray(fa, f);
		}
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	e = fs_write_atomic(path, text, strlen(text), 0600);
	if (e != C_OK)
		buf_printf(err, "cannot write %s: %s", path, strerror(errno));
	xfree_all(text, path);
	cJSON_Delete(root);
	return e;
}

struct ckpt_entry *
ckpt_entry_add(struct ckpt *c)
{
	c->v = xgrow(c->v, c->n + 1, &c->cap, 16, sizeof *c->v);
	memset(&c->v[c->n], 0, sizeof c->v[c->n]);
	return &c->v[c->n++];
}

static void
log_load(struct ckpt *c)
{
	char *path = log_path(c);
	struct buf b = BUF_INIT;
	cJSON *root = NULL;
	const cJSON *it;

	if (fs_read_file(path, 64u << 20, &b) != C_OK)
		goto out;
	root = cJSON_ParseWithLength(b.p, b.len);
	if (!root) {
		log_warn("%s is not valid JSON; its checkpoints are ignored", path);
		goto out;
	}
	c->next = (int)jx_long(root, "next", 1);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "entries")) {
		struct ckpt_entry *en = ckpt_entry_add(c);
		const cJSON *f;
		size_t nf = (size_t)cJSON_GetArraySize(
			cJSON_GetObjectItemCaseSensitive(it, "files"));
		en->n = (int)jx_long(it, "n", 0);
		en->time = (long long)jx_long(it, "time", 0);
		en->prompt = xstrdup(jx_str(it, "prompt") ? jx_str(it, "prompt") : "");
		en->conv_index = jx_long(it, "conv_index", -1);
		en->before = xstrdup(jx_str(it, "before"));
		en->after = xstrdup(jx_str(it, "after"));
		en->done = jx_bool(it, "done", false);
		en->shell = jx_bool(it, "shell", false);
		en->rewind_of = (int)jx_long(it, "rewind_of", 0);
		en->files = xcalloc(nf + 1, sizeof *en->files);
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(it, "files")) {
			if (!jx_str(f, "path"))
				continue;
			en->files[en->nfiles].path = xstrdup(jx_str(f, "path"));
			en->files[en->nfiles].add = jx_long(f, "add", 0);
			en->files[en->nfiles].del = jx_long(f, "del", 0);
			en->files[en->nfiles].after = xstrdup(jx_str(f, "after"));
			en->nfiles++;
		}
		if (en->n >= c->next)
			c->next = en->n + 1;
	}
out:
	if (c->next < 1)
		c->next = 1;
	cJSON_Delete(root);
	buf_free(&b);
	free(path);
}

/* ---- open, close, prune ---------------------------------------------- */

static char *
find_git(void)
{
	const char *path = getenv("PATH"), *s;
	if (!path || !*path)
		path = "/usr/bin:/bin";
	for (s = path; *s;) {
		size_t n = strcspn(s, ":");
		char *dir = xstrndup(s, n), *cand = path_join(*dir ? dir : ".", "git");
		free(dir);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		s += n;
		if (*s)
			s++;
	}
	return NULL;
}

/* rm -r of a directory this module made (no symlinks followed). */
static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *p;
			struct stat st;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			p = path_join(dir, de->d_name);
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(p);
			else
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Other sessions' checkpoints of this project older than max_age_days go. */
static void
prune_sessions(struct ckpt *c, const char *project)
{
	DIR *d = opendir(project);
	struct dirent *de;
	time_t now = time(NULL);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p, *lp;
		struct stat st;
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "git") ||
		    !strcmp(de->d_name, c->sid) || strstr(de->d_name, ".tmp."))
			continue;
		p = path_join(project, de->d_name);
		lp = path_join(p, "log.json");
		if (stat(lp, &st) == 0 &&
		    now - st.st_mtime > c->o.max_age_days * 86400L) {
			if (c->gitdir)
				ckpt_git_delete_refs(c, de->d_name, "");
			rm_tree(p);
		}
		xfree_all(lp, p);
	}
	closedir(d);
}

struct ckpt *
ckpt_open(const char *workspace, const char *sid, const struct ckpt_opts *o,
	  struct buf *err)
{
	struct ckpt *c = xcalloc(1, sizeof *c);
	char *state = xdg_dir("state"), *slug = NULL, *project = NULL;
	char *gitroot = fs_find_git_root(workspace);

	c->o = *o;
	c->sid = xstrdup(sid);
	c->root = xstrdup(gitroot ? gitroot : workspace);
	slug = path_slug(c->root);
	project = xasprintf("%s/checkpoints/%s", state, slug);
	c->dir = path_join(project, sid);
	c->next = 1;
	if (fs_mkdir_p(c->dir, 0700) != C_OK) {
		buf_printf(err, "cannot create %s: %s", c->dir, strerror(errno));
		ckpt_close(c);
		c = NULL;
		goto out;
	}
	if (gitroot && (c->git = find_git()) != NULL) {
		char *ex = xasprintf("%s/.git/info/exclude", gitroot);
		c->gitdir = path_join(project, "git");
		c->index = path_join(c->dir, "index");
		{
			/* a kill during `git add` leaves the lock behind */
			char *lock = xasprintf("%s.lock", c->index);
			unlink(lock);
			free(lock);
		}
		if (fs_exists(ex))
			c->exclude = ex;
		else
			free(ex);
		if (ckpt_git_init(c, err) != C_OK) {
			ckpt_close(c);
			c = NULL;
			goto out;
		}
	}
	log_load(c);
	prune_sessions(c, project);
out:
	xfree_all(gitroot, project, slug, state);
	return c;
}

void
ckpt_close(struct ckpt *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	xfree_all(c->v, c->root, c->sid, c->dir, c->gitdir, c->index, c->git,
		  c->exclude, c);
}

const struct ckpt_entry *
ckpt_find(const struct ckpt *c, int n)
{
	size_t i;
	for (i = 0; c && i < c->n; i++)
		if (c->v[i].n == n)
			return &c->v[i];
	return NULL;
}

static char *
files_dir(const struct ckpt *c, int n)
{
	return xasprintf("%s/files/%d", c->dir, n);
}

/* Drop entries past the count and age limits (the newest always stays). */
static void
prune(struct ckpt *c)
{
	time_t now = time(NULL);
	size_t drop = 0, i;
	char name[32];

	while (drop + 1 < c->n &&
	       (c->n - drop > (size_t)c->o.max_count ||
		now - c->v[drop].time > c->o.max_age_days * 86400L))
		drop++;
	for (i = 0; i < drop; i++) {
		if (c->gitdir) {
			snprintf(name, sizeof name, "%d-", c->v[i].n);
			ckpt_git_delete_refs(c, c->sid, name);
		} else {
			char *d = files_dir(c, c->v[i].n);
			rm_tree(d);
			free(d);
		}
		entry_free(&c->v[i]);
	}
	if (drop) {
		memmove(c->v, c->v + drop, (c->n - drop) * sizeof *c->v);
		c->n -= drop;
		/* objects only the dropped trees held go at git's own pace
		 * (gc --auto packs past its threshold, then prunes) */
		if (c->gitdir && c->next % 16 == 0)
			ckpt_git_gc(c);
	}
}

/* ---- files kind ------------------------------------------------------- */

/* FNV-1a 64 of the file's contents as hex, or "-" when it is absent. */
char *
ckpt_content_hash(const char *abs)
{
	struct buf b = BUF_INIT;
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	enum cerr e = fs_read_file(abs, IMAGE_MAX, &b);
	if (e == C_ERR_NOTFOUND) {
		buf_free(&b);
		return xstrdup("-");
	}
	for (i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.p[i];
		h *= 1099511628211ULL;
	}
	buf_free(&b);
	return xasprintf("%016llx:%zu", (unsigned long long)h, i);
}

static char *
manifest_path(const struct ckpt *c, int n)
{
	return xasprintf("%s/files/%d/manifest.json", c->dir, n);
}

cJSON *
ckpt_manifest_load(const struct ckpt *c, int n)
{
	char *p = manifest_path(c, n);
	struct buf b = BUF_INIT;
	cJSON *m = NULL;
	if (fs_read_file(p, 16u << 20, &b) == C_OK)
		m = cJSON_ParseWithLength(b.p, b.len);
	if (!cJSON_IsArray(m)) {
		cJSON_Delete(m);
		m = cJSON_CreateArray();
	}
	buf_free(&b);
	free(p);
	return m;
}

const cJSON *
ckpt_manifest_find(const cJSON *m, const char *rel)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, m) {
		const char *p = jx_str(it, "path");
		if (p && strcmp(p, rel) == 0)
			return it;
	}
	return NULL;
}

/* Keep the current contents of `rel` as entry n's before-image (the
 * image file first, then the manifest that names it: a kill in between
 * leaves an unnamed file only). */
enum cerr
ckpt_keep_image(struct ckpt *c, int n, const char *rel)
{
	cJSON *m = ckpt_manifest_load(c, n), *it;
	char *abs = path_join(c->root, rel), *dir = files_dir(c, n);
	char *img = NULL, *mp = NULL, *text = NULL;
	struct buf b = BUF_INIT;
	struct stat st;
	enum cerr e = C_OK;
	int k = cJSON_GetArraySize(m);

	if (ckpt_manifest_find(m, rel))
		goto out;
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "path", rel);
	if (lstat(abs, &st) != 0) {
		cJSON_AddBoolToObject(it, "existed", false);
	} else if (!S_ISREG(st.st_mode) || st.st_size > (off_t)IMAGE_MAX ||
		   fs_read_file(abs, IMAGE_MAX, &b) != C_OK) {
		cJSON_AddBoolToObject(it, "existed", true);
		cJSON_AddBoolToObject(it, "uncaptured", true);
	} else {
		char name[32];
		snprintf(name, sizeof name, "%d", k);
		img = path_join(dir, name);
		fs_mkdir_p(dir, 0700);
		e = fs_write_atomic(img, b.p ? b.p : "", b.len, 0600);
		cJSON_AddBoolToObject(it, "existed", true);
		cJSON_AddNumberToObject(it, "mode", st.st_mode & 07777);
		cJSON_AddStringToObject(it, "image", name);
	}
	cJSON_AddItemToArray(m, it);
	if (e == C_OK) {
		fs_mkdir_p(dir, 0700);
		mp = manifest_path(c, n);
		text = cJSON_PrintUnformatted(m);
		e = fs_write_atomic(mp, text, strlen(text), 0600);
	}
out:
	if (e != C_OK)
		log_warn("checkpoint: cannot keep the before-image of %s", rel);
	cJSON_Delete(m);
	buf_free(&b);
	xfree_all(abs, dir, img, mp, text);
	return e;
}

static char *
rel_of(const struct ckpt *c, const char *abs)
{
	size_t rl = strlen(c->root);
	if (!path_is_under(abs, c->root) || strcmp(abs, c->root) == 0)
		return NULL;
	return xstrdup(abs + rl + (strcmp(c->root, "/") != 0));
}

void
ckpt_note_write(struct ckpt *c, const char *abs)
{
	char *rel;
	if (c && c->open)
		c->dirty = true;
	if (!c || c->gitdir || !c->open || !c->n)
		return;
	if ((rel = rel_of(c, abs)) == NULL)
		return;
	ckpt_keep_image(c, c->v[c->n - 1].n, rel);
	free(rel);
}

void
ckpt_note_shell(struct ckpt *c)
{
	struct buf err = BUF_INIT;
	if (c && c->open)
		c->dirty = true;
	if (!c || c->gitdir || !c->open || !c->n || c->v[c->n - 1].shell)
		return;
	c->v[c->n - 1].shell = true;
	ckpt_log_save(c, &err);
	buf_free(&err);
}

/* The contents of a manifest item's before-image into `out`; false when
 * the file did not exist. */
bool
ckpt_image_read(const struct ckpt *c, int n, const cJSON *it, struct buf *out)
{
	const char *img = jx_str(it, "image");
	char *dir, *p;
	if (!img)
		return false;
	dir = files_dir(c, n);
	p = path_join(dir, img);
	fs_read_file(p, IMAGE_MAX, out);
	xfree_all(p, dir);
	return true;
}

static void
count_diff(const char *d, long *add, long *del)
{
	const char *s = d;
	*add = *del = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (s[0] == '+' && strncmp(s, "+++ ", 4) != 0)
			(*add)++;
		else if (s[0] == '-' && strncmp(s, "--- ", 4) != 0)
			(*del)++;
		s += n;
		if (*s)
			s++;
	}
}

/* Files kind, end of turn: each kept path with its line counts and the
 * hash of what the turn left. */
void
ckpt_files_stats(struct ckpt *c, struct ckpt_entry *en)
{
	cJSON *m = ckpt_manifest_load(c, en->n);
	const cJSON *it;
	size_t k = 0;

	en->files = xcalloc((size_t)cJSON_GetArraySize(m) + 1, sizeof *en->files);
	cJSON_ArrayForEach(it, m) {
		const char *rel = jx_str(it, "path");
		struct buf a = BUF_INIT, b = BUF_INIT;
		char *abs, *d;
		if (!rel)
			continue;
		abs = path_join(c->root, rel);
		ckpt_image_read(c, en->n, it, &a);
		fs_read_file(abs, IMAGE_MAX, &b);
		d = diff_unified("a", buf_str(&a), a.len, "b", buf_str(&b), b.len);
		en->files[k].path = xstrdup(rel);
		count_diff(d, &en->files[k].add, &en->files[k].del);
		en->files[k].after = ckpt_content_hash(abs);
		k++;
		xfree_all(d, abs);
		buf_free(&a);
		buf_free(&b);
	}
	en->nfiles = k;
	cJSON_Delete(m);
}

/* ---- begin, end ------------------------------------------------------- */

enum cerr
ckpt_begin(struct ckpt *c, const char *prompt, long conv_index,
	   struct buf *err)
{
	struct ckpt_entry *en;
	char *commit = NULL, label[64], name[32];
	enum cerr e = C_OK;
	int n;

	if (c->open)
		ckpt_end(c, err);
	n = c->next;
	if (!c->gitdir) {
		/* left by a log that was lost: never mix it in */
		char *d = files_dir(c, n);
		rm_tree(d);
		free(d);
	}
	if (c->gitdir) {
		snprintf(label, sizeof label, "conch checkpoint %d: before", n);
		if ((e = ckpt_git_snapshot(c, label, &commit, err)) != C_OK)
			goto out;
		snprintf(name, sizeof name, "%d-before", n);
		if ((e = ckpt_git_set_ref(c, name, commit, err)) != C_OK)
			goto out;
	}
	en = ckpt_entry_add(c);
	en->n = n;
	en->time = (long long)time(NULL);
	en->prompt = xstrndup(prompt ? prompt : "", PROMPT_MAX);
	en->conv_index = conv_index;
	en->before = commit;
	commit = NULL;
	c->next = n + 1;
	c->open = true;
	c->dirty = false;
	prune(c);
	e = ckpt_log_save(c, err);
out:
	free(commit);
	return e;
}

enum cerr
ckpt_end(struct ckpt *c, struct buf *err)
{
	struct ckpt_entry *en;
	char *commit = NULL, label[64], name[32];
	enum cerr e = C_OK;

	if (!c->open || !c->n)
		return C_OK;
	c->open = false;
	en = &c->v[c->n - 1];
	if (c->gitdir && !c->dirty && en->before) {
		/* nothing of conch's could change a file: the turn left the
		 * tree it found (what the user changed meanwhile shows up as
		 * theirs, between this end and the next start) */
		en->after = xstrdup(en->before);
	} else if (c->gitdir) {
		snprintf(label, sizeof label, "conch checkpoint %d: after", en->n);
		if ((e = ckpt_git_snapshot(c, label, &commit, err)) != C_OK)
			goto out;
		snprintf(name, sizeof name, "%d-after", en->n);
		if ((e = ckpt_git_set_ref(c, name, commit, err)) != C_OK)
			goto out;
		if (en->before &&
		    (e = ckpt_git_numstat(c, en->before, commit, &en->files,
					  &en->nfiles, err)) != C_OK)
			goto out;
		en->after = commit;
		commit = NULL;
	} else {
		ckpt_files_stats(c, en);
	}
	en->done = true;
	e = ckpt_log_save(c, err);
out:
	free(commit);
	return e;
}
