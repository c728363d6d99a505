/* ckpt-rewind.c: listing checkpoints, and rewind: what it would change
 * and which of those files the user changed since (conflicts), then the
 * restore, after keeping the state being left (checkpoint.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/checkpoint.h"
#include "agent/ckpt-int.h"
#include "sandbox/sandbox.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

/* ---- listing ---------------------------------------------------------- */

void
ckpt_format_paths(const char *head, char **v, size_t n, struct buf *out)
{
	size_t i;
	if (!n)
		return;
	buf_printf(out, "%s\n", head);
	for (i = 0; i < n; i++)
		buf_printf(out, "  %s\n", v[i]);
}

void
ckpt_format_list(const struct ckpt *c, bool files, struct buf *out)
{
	size_t i, k;
	for (i = 0; i < c->n; i++) {
		const struct ckpt_entry *en = &c->v[i];
		long add = 0, del = 0;
		char when[32];
		time_t t = (time_t)en->time;
		struct tm tm;
		const char *p = en->prompt ? en->prompt : "";
		size_t pl = strcspn(p, "\n");

		for (k = 0; k < en->nfiles; k++) {
			add += en->files[k].add > 0 ? en->files[k].add : 0;
			del += en->files[k].del > 0 ? en->files[k].del : 0;
		}
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		buf_printf(out, "#%-3d %s  %2zu file%s  +%ld -%ld  ", en->n, when,
			   en->nfiles, en->nfiles == 1 ? " " : "s", add, del);
		if (en->rewind_of)
			buf_printf(out, "(the state before rewinding to #%d)", en->rewind_of);
		else
			buf_printf(out, "%.*s%s", (int)(pl > 60 ? 60 : pl), p,
				   pl > 60 ? "..." : "");
		if (!en->done)
			buf_adds(out, " (unfinished)");
		buf_addc(out, '\n');
		if (en->shell)
			buf_adds(out, "     commands ran in this turn: their changes "
				 "could not be captured (not a git repository)\n");
		for (k = 0; files && k < en->nfiles; k++) {
			if (en->files[k].add < 0)
				buf_printf(out, "     %s (binary)\n", en->files[k].path);
			else
				buf_printf(out, "     %s +%ld -%ld\n", en->files[k].path,
					   en->files[k].add, en->files[k].del);
		}
	}
}

/* ---- rewind ----------------------------------------------------------- */

static size_t
entry_index(const struct ckpt *c, int n)
{
	size_t i;
	for (i = 0; i < c->n; i++)
		if (c->v[i].n == n)
			return i;
	return (size_t)-1;
}

static bool
strv_has(char **v, size_t n, const char *s)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

void
ckpt_plan_free(struct ckpt_plan *p)
{
	strv_free(p->changes, p->nchanges);
	strv_free(p->conflicts, p->nconflicts);
	strv_free(p->uncaptured, p->nuncaptured);
	memset(p, 0, sizeof *p);
}

/* Git: the paths changed outside conch since entry index i: between each
 * turn's end and the next turn's start, and since the last end. */
static enum cerr
git_user_changes(struct ckpt *c, size_t i, const char *now, char ***v,
		 size_t *n, struct buf *err)
{
	enum cerr e = C_OK;
	for (; i < c->n && e == C_OK; i++) {
		const struct ckpt_entry *en = &c->v[i];
		const char *next = i + 1 < c->n ? c->v[i + 1].before : now;
		char **p = NULL;
		size_t np = 0, k;
		if (!en->done || !en->after || !next)
			continue;
		e = ckpt_git_paths(c, en->after, next, &p, &np, err);
		for (k = 0; k < np; k++)
			if (!strv_has(*v, *n, p[k]))
				strv_add(v, n, p[k]);
		strv_free(p, np);
	}
	return e;
}

/* Files kind: the paths kept in entries from index i on, each with the
 * earliest entry number that kept it. */
struct kept {
	char **paths;
	int *first;
	size_t n;
};

static void
kept_collect(const struct ckpt *c, size_t i, struct kept *k)
{
	memset(k, 0, sizeof *k);
	for (; i < c->n; i++) {
		cJSON *m = ckpt_manifest_load(c, c->v[i].n);
		const cJSON *it;
		cJSON_ArrayForEach(it, m) {
			const char *rel = jx_str(it, "path");
			if (!rel || strv_has(k->paths, k->n, rel))
				continue;
			k->first = xreallocarray(k->first, k->n + 1, sizeof *k->first);
			k->first[k->n] = c->v[i].n;
			strv_add(&k->paths, &k->n, rel);
		}
		cJSON_Delete(m);
	}
}

static void
kept_free(struct kept *k)
{
	size_t n = k->n;
	strv_free(k->paths, n);
	free(k->first);
	memset(k, 0, sizeof *k);
}

/* Files kind: does `rel` now differ from its before-image in entry n? */
static bool
differs_from_image(const struct ckpt *c, int n, const char *rel)
{
	cJSON *m = ckpt_manifest_load(c, n);
	const cJSON *it = ckpt_manifest_find(m, rel);
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *abs = path_join(c->root, rel);
	bool existed = jx_bool(it, "existed", false), differs;
	enum cerr e = fs_read_file(abs, IMAGE_MAX, &b);

	if (!existed)
		differs = e != C_ERR_NOTFOUND;
	else if (jx_bool(it, "uncaptured", false))
		differs = false; /* nothing to restore it to */
	else {
		ckpt_image_read(c, n, it, &a);
		differs = e != C_OK || a.len != b.len ||
			  (a.len && memcmp(a.p, b.p, a.len) != 0);
	}
	buf_free(&a);
	buf_free(&b);
	free(abs);
	cJSON_Delete(m);
	return differs;
}

/* Files kind: the hash the last finished turn from index i left `rel`
 * with, or NULL. */
static const char *
last_after(const struct ckpt *c, size_t i, const char *rel)
{
	const char *h = NULL;
	size_t k;
	for (; i < c->n; i++)
		for (k = 0; k < c->v[i].nfiles; k++)
			if (c->v[i].done && c->v[i].files[k].after &&
			    strcmp(c->v[i].files[k].path, rel) == 0)
				h = c->v[i].files[k].after;
	return h;
}

enum cerr
ckpt_rewind_plan(struct ckpt *c, int n, struct ckpt_plan *p, struct buf *err)
{
	size_t i = entry_index(c, n), k;
	char *now = NULL;
	char **user = NULL;
	size_t nuser = 0;
	enum cerr e = C_OK;

	memset(p, 0, sizeof *p);
	if (i == (size_t)-1) {
		buf_printf(err, "there is no checkpoint #%d (see the list)", n);
		return C_ERR_NOTFOUND;
	}
	if (c->gitdir) {
		if (!c->v[i].before) {
			buf_printf(err, "checkpoint #%d has no snapshot", n);
			return C_ERR_NOTFOUND;
		}
		if ((e = ckpt_git_snapshot(c, "conch: now", &now, err)) != C_OK)
			goto out;
		if ((e = ckpt_git_paths(c, now, c->v[i].before, &p->changes,
					&p->nchanges, err)) != C_OK)
			goto out;
		if ((e = git_user_changes(c, i, now, &user, &nuser, err)) != C_OK)
			goto out;
		for (k = 0; k < p->nchanges; k++)
			if (strv_has(user, nuser, p->changes[k]))
				strv_add(&p->conflicts, &p->nconflicts, p->changes[k]);
	} else {
		struct kept kp;
		kept_collect(c, i, &kp);
		for (k = 0; k < kp.n; k++) {
			const char *h;
			char *abs, *cur;
			if (!differs_from_image(c, kp.first[k], kp.paths[k]))
				continue;
			strv_add(&p->changes, &p->nchanges, kp.paths[k]);
			h = last_after(c, i, kp.paths[k]);
			abs = path_join(c->root, kp.paths[k]);
			cur = ckpt_content_hash(abs);
			if (!h || strcmp(h, cur) != 0)
				strv_add(&p->conflicts, &p->nconflicts, kp.paths[k]);
			xfree_all(cur, abs);
		}
		kept_free(&kp);
		for (k = i; k < c->n; k++) {
			if (c->v[k].shell) {
				char *note = xasprintf("turn #%d ran commands: their "
						       "changes could not be captured "
						       "(not a git repository) and "
						       "stay as they are", c->v[k].n);
				strv_add(&p->uncaptured, &p->nuncaptured, note);
				free(note);
			}
		}
	}
out:
	strv_free(user, nuser);
	free(now);
	if (e != C_OK)
		ckpt_plan_free(p);
	return e;
}

/* Files kind: put `rel` back as entry n's before-image has it. */
static enum cerr
restore_image(struct ckpt *c, int n, const char *rel, struct buf *err)
{
	cJSON *m = ckpt_manifest_load(c, n);
	const cJSON *it = ckpt_manifest_find(m, rel);
	struct buf a = BUF_INIT;
	enum cerr e = C_OK;

	if (!jx_bool(it, "existed", false)) {
		e = sandbox_unlink_beneath(c->root, rel, err);
	} else if (ckpt_image_read(c, n, it, &a)) {
		mode_t mode = (mode_t)jx_long(it, "mode", 0644);
		e = sandbox_write_beneath(c->root, rel, a.p ? a.p : "", a.len, mode,
					  true, err);
		if (e == C_OK)
			sandbox_chmod_beneath(c->root, rel, mode);
	}
	buf_free(&a);
	cJSON_Delete(m);
	return e;
}

/* A new checkpoint #m that records the rewind to before #n. */
static struct ckpt_entry *
rewind_entry(struct ckpt *c, int m, int n)
{
	struct ckpt_entry *en = ckpt_entry_add(c);
	en->n = m;
	en->rewind_of = n;
	en->time = (long long)time(NULL);
	en->prompt = xasprintf("rewind to before #%d", n);
	en->conv_index = -1;
	c->next = m + 1;
	return en;
}

enum cerr
ckpt_rewind(struct ckpt *c, int n, size_t *restored, struct buf *err)
{
	size_t i = entry_index(c, n), k;
	struct ckpt_entry *en;
	char *now = NULL, name[32], label[80];
	enum cerr e = C_OK;
	int m;

	*restored = 0;
	if (c->open)
		ckpt_end(c, err);
	if (i == (size_t)-1) {
		buf_printf(err, "there is no checkpoint #%d (see the list)", n);
		return C_ERR_NOTFOUND;
	}
	m = c->next;
	if (c->gitdir) {
		char *to = xstrdup(c->v[i].before);
		if (!to) {
			buf_printf(err, "checkpoint #%d has no snapshot", n);
			return C_ERR_NOTFOUND;
		}
		/* the state being left, kept first: the rewind can be undone */
		snprintf(label, sizeof label, "conch checkpoint %d: before rewind to %d",
			 m, n);
		if ((e = ckpt_git_snapshot(c, label, &now, err)) != C_OK ||
		    (snprintf(name, sizeof name, "%d-before", m),
		     (e = ckpt_git_set_ref(c, name, now, err)) != C_OK)) {
			free(to);
			goto out;
		}
		en = rewind_entry(c, m, n);
		en->before = now;
		now = NULL;
		en->after = to;
		if ((e = ckpt_log_save(c, err)) != C_OK)
			goto out;
		e = ckpt_git_restore(c, en->before, en->after, restored, err);
		ckpt_git_numstat(c, en->before, en->after, &en->files, &en->nfiles,
				 err);
		snprintf(name, sizeof name, "%d-after", m);
		ckpt_git_set_ref(c, name, en->after, err);
	} else {
		struct kept kp;
		kept_collect(c, i, &kp);
		en = rewind_entry(c, m, n);
		for (k = 0; k < kp.n; k++)
			if (differs_from_image(c, kp.first[k], kp.paths[k]))
				ckpt_keep_image(c, m, kp.paths[k]);
		if ((e = ckpt_log_save(c, err)) == C_OK) {
			for (k = 0; k < kp.n; k++) {
				enum cerr r;
				if (!differs_from_image(c, kp.first[k], kp.paths[k]))
					continue;
				r = restore_image(c, kp.first[k], kp.paths[k], err);
				if (r == C_OK)
					(*restored)++;
				else if (e == C_OK)
					e = r;
			}
			ckpt_files_stats(c, &c->v[c->n - 1]);
		}
		kept_free(&kp);
		en = &c->v[c->n - 1];
	}
	en->done = true;
	{
		enum cerr e2 = ckpt_log_save(c, err);
		if (e == C_OK)
			e = e2;
	}
out:
	free(now);
	return e;
}
