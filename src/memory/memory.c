/* memory.c: USER.md, MEMORY.md and daily notes (see memory.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "memory/memory.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/sensitive.h"
#include "util/str.h"
#include "util/xalloc.h"

#define MEM_FILE_MAX (1u << 20)

/* Copy regular file `src` to `dst` (atomically) unless `dst` exists. */
static void
copy_once(const char *src, const char *dst)
{
	struct buf b = BUF_INIT;
	if (!fs_exists(dst) && fs_read_file(src, MEM_FILE_MAX, &b) == C_OK &&
	    fs_write_atomic(dst, b.p ? b.p : "", b.len, 0600) != C_OK)
		log_warn("cannot copy %s to %s: %s", src, dst, strerror(errno));
	buf_free(&b);
}

/* Memory written under the old key (the bare slug, which directories
 * such as /tmp/a-b/c and /tmp/a/b-c shared) is copied to the new key the
 * first time, so nothing saved before is lost; the old copy stays for
 * any other project that shared it. */
static void
migrate_old_key(const char *data, const char *workspace, const char *newdir)
{
	char *slug = path_slug(workspace);
	char *old = xasprintf("%s/projects/%s", data, slug);
	char *onotes = path_join(old, "memory"), *nnotes = path_join(newdir, "memory");
	char *src = path_join(old, "MEMORY.md"), *dst = path_join(newdir, "MEMORY.md");
	DIR *d;
	struct dirent *de;

	if (fs_exists(newdir) || !fs_is_dir(old))
		goto out;
	if (fs_mkdir_p(newdir, 0700) != C_OK)
		goto out;
	if (fs_exists(src)) {
		copy_once(src, dst);
		log_info("memory of %s copied from %s to %s", workspace, old, newdir);
	}
	if ((d = opendir(onotes)) && fs_mkdir_p(nnotes, 0700) == C_OK) {
		while ((de = readdir(d))) {
			char *a, *b;
			if (de->d_name[0] == '.')
				continue;
			a = path_join(onotes, de->d_name);
			b = path_join(nnotes, de->d_name);
			copy_once(a, b);
			xfree_all(a, b);
		}
	}
	if (d)
		closedir(d);
out:
	xfree_all(src, dst, onotes, nnotes, old, slug);
}

void
mem_open(struct mem_store *m, const char *workspace, size_t user_max,
	 size_t project_max)
{
	char *data = xdg_dir("data"), *slug = path_project_key(workspace);
	char *pdir = xasprintf("%s/projects/%s", data, slug);
	migrate_old_key(data, workspace, pdir);
	free(pdir);
	m->user_path = xasprintf("%s/USER.md", data);
	m->project_path = xasprintf("%s/projects/%s/MEMORY.md", data, slug);
	m->notes_dir = xasprintf("%s/projects/%s/memory", data, slug);
	m->user_max = user_max ? user_max : MEM_USER_BUDGET;
	m->project_max = project_max ? project_max : MEM_PROJECT_BUDGET;
	xfree_all(data, slug);
}

void
mem_open_cfg(struct mem_store *m, const char *workspace, const cJSON *cfg)
{
	const cJSON *mc = cJSON_GetObjectItemCaseSensitive(cfg, "memory");
	long u = jx_long(mc, "user_chars", 0), p = jx_long(mc, "project_chars", 0);
	mem_open(m, workspace, u > 0 && u < 1000000 ? (size_t)u : 0,
		 p > 0 && p < 1000000 ? (size_t)p : 0);
}

cJSON *
mem_user_config(void)
{
	char *dir = xdg_dir("config"), *path = xasprintf("%s/config.json", dir);
	struct buf b = BUF_INIT;
	cJSON *root = NULL;
	if (fs_read_file(path, MEM_FILE_MAX, &b) == C_OK)
		root = jx_parse(b.p, b.len, NULL, NULL);
	if (root && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = NULL;
	}
	buf_free(&b);
	xfree_all(path, dir);
	return root;
}

void
mem_close(struct mem_store *m)
{
	xfree_all(m->user_path, m->project_path, m->notes_dir);
	memset(m, 0, sizeof *m);
}

const char *
mem_path(const struct mem_store *m, enum mem_target t)
{
	return t == MEM_USER ? m->user_path : m->project_path;
}

size_t
mem_budget(const struct mem_store *m, enum mem_target t)
{
	return t == MEM_USER ? m->user_max : m->project_max;
}

static const char *
mem_name(enum mem_target t)
{
	return t == MEM_USER ? "USER.md" : "MEMORY.md";
}

bool
mem_target_parse(const char *s, enum mem_target *t)
{
	if (!s)
		return false;
	if (!strcmp(s, "user") || !strcmp(s, "USER.md")) {
		*t = MEM_USER;
		return true;
	}
	if (!strcmp(s, "project") || !strcmp(s, "memory") ||
	    !strcmp(s, "MEMORY.md")) {
		*t = MEM_PROJECT;
		return true;
	}
	return false;
}

size_t
mem_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static char *
trim_dup(const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", *s)) {
		s++;
		n--;
	}
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xstrndup(s, n);
}

char **
mem_split(const char *text, size_t *n)
{
	char **v = NULL;
	const char *start = text, *p = text;
	size_t cnt = 0;
	for (;;) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		bool sep, end = !eol;
		if (ll && p[ll - 1] == '\r')
			ll--;
		sep = ll == strlen(MEM_SEP) && memcmp(p, MEM_SEP, ll) == 0;
		if (sep || end) {
			const char *stop = sep ? p : p + ll;
			char *e = trim_dup(start, (size_t)(stop - start));
			if (*e) {
				v = xreallocarray(v, cnt + 1, sizeof *v);
				v[cnt++] = e;
			} else {
				free(e);
			}
			if (end)
				break;
			start = eol + 1;
		}
		p = eol + 1;
	}
	*n = cnt;
	return v;
}

void
mem_entries_free(char **v, size_t n)
{
	strv_free(v, n);
}

static void
join(struct buf *out, char *const *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (i)
			buf_adds(out, "\n" MEM_SEP "\n");
		buf_adds(out, v[i]);
	}
}

static enum cerr
load_path(const char *path, char ***v, size_t *n)
{
	struct buf b = BUF_INIT;
	enum cerr e = fs_read_file(path, MEM_FILE_MAX, &b);
	*v = NULL;
	*n = 0;
	if (e == C_ERR_NOTFOUND)
		e = C_OK;
	else if (e == C_OK)
		*v = mem_split(buf_str(&b), n);
	buf_free(&b);
	return e;
}

enum cerr
mem_load(const struct mem_store *m, enum mem_target t, char ***v, size_t *n)
{
	return load_path(mem_path(m, t), v, n);
}

/* Under the lock no other writer of `path` is busy, so temp files of
 * fs_write_atomic for it ("<path>.tmp.*") are left by a killed writer. */
static void
sweep_temps(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *prefix;
	DIR *d;
	struct dirent *de;
	if (!slash) {
		free(dir);
		return;
	}
	*slash = '\0';
	prefix = xasprintf("%s.tmp.", slash + 1);
	if ((d = opendir(dir))) {
		while ((de = readdir(d)))
			if (str_prefix(de->d_name, prefix)) {
				char *p = path_join(dir, de->d_name);
				unlink(p);
				free(p);
			}
		closedir(d);
	}
	xfree_all(prefix, dir);
}

/* Open and exclusively lock "<path>.lock", creating the directory.
 * Returns the descriptor or -1. */
static int
lock_file(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *lp;
	int fd;
	if (slash && slash != dir) {
		*slash = '\0';
		fs_mkdir_p(dir, 0700);
	}
	free(dir);
	lp = xasprintf("%s.lock", path);
	fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lp);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	sweep_temps(path);
	return fd;
}

static void
unlock_file(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static enum cerr
check_text(const char *text, struct buf *msg)
{
	const char *what = NULL;
	if (!text || !*text || strspn(text, " \t\r\n") == strlen(text)) {
		buf_adds(msg, "refused: the entry is empty");
		return C_ERR_INVAL;
	}
	if (!utf8_valid(text, strlen(text))) {
		buf_adds(msg, "refused: the entry is not valid UTF-8");
		return C_ERR_INVAL;
	}
	{
		size_t n;
		char **v = mem_split(text, &n);
		mem_entries_free(v, n);
		if (n != 1) {
			buf_adds(msg, "refused: an entry may not hold a line with only "
				 "\"" MEM_SEP "\" (it separates entries)");
			return C_ERR_INVAL;
		}
	}
	if (sensitive_text_secret(text, &what)) {
		buf_printf(msg, "refused: the text looks like it holds %s; never "
			   "store secrets in memory", what);
		return C_ERR_INVAL;
	}
	return C_OK;
}

/* Find the one entry containing `needle`; -1 with a message otherwise. */
static long
find_unique(char *const *v, size_t n, const char *needle, const char *name,
	    struct buf *msg)
{
	size_t i, hits = 0;
	long at = -1;
	if (!needle || !*needle) {
		buf_adds(msg, "old_text is required: a unique substring of the entry");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strstr(v[i], needle)) {
			hits++;
			at = (long)i;
		}
	if (hits == 1)
		return at;
	if (hits == 0)
		buf_printf(msg, "no entry in %s contains that old_text", name);
	else
		buf_printf(msg, "old_text matches %zu entries in %s; give a longer, "
			   "unique substring", hits, name);
	return -1;
}

enum op { OP_ADD, OP_REPLACE, OP_REMOVE };

static enum cerr
mem_change(const struct mem_store *m, enum mem_target t, enum op op,
	   const char *old_text, const char *text, struct buf *msg)
{
	const char *path = mem_path(m, t), *name = mem_name(t);
	struct buf out = BUF_INIT;
	char **v = NULL;
	size_t n = 0, chars, max = mem_budget(m, t);
	long at = -1;
	enum cerr e;
	int fd;

	if (op != OP_REMOVE && (e = check_text(text, msg)))
		return e;
	fd = lock_file(path);
	if (fd < 0) {
		buf_printf(msg, "cannot lock %s: %s", path, strerror(errno));
		return C_ERR_IO;
	}
	if ((e = load_path(path, &v, &n))) {
		buf_printf(msg, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (op != OP_ADD) {
		at = find_unique(v, n, old_text, name, msg);
		if (at < 0) {
			e = C_ERR_INVAL;
			goto out;
		}
	}
	if (op == OP_ADD) {
		size_t i;
		char *tt = trim_dup(text, strlen(text));
		for (i = 0; i < n; i++)
			if (strcmp(v[i], tt) == 0)
				break;
		if (i < n) {
			free(tt);
			buf_printf(msg, "%s already holds that entry", name);
			goto out; /* idempotent: C_OK */
		}
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = tt;
	} else if (op == OP_REPLACE) {
		free(v[at]);
		v[at] = trim_dup(text, strlen(text));
	} else {
		free(v[at]);
		memmove(v + at, v + at + 1, (n - (size_t)at - 1) * sizeof *v);
		n--;
	}
	join(&out, v, n);
	chars = mem_chars(buf_str(&out));
	if (op != OP_REMOVE && chars > max) {
		buf_printf(msg, "refused: %s would hold %zu of its %zu characters. "
			   "Consolidate first: replace several entries with one "
			   "shorter entry, or remove entries that no longer matter.",
			   name, chars, max);
		e = C_ERR_TOOBIG;
		goto out;
	}
	if (n)
		buf_addc(&out, '\n');
	if ((e = fs_write_atomic(path, out.p ? out.p : "", out.len, 0600))) {
		buf_printf(msg, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	buf_printf(msg, "%s %s (%zu/%zu chars, %zu entries)",
		   op == OP_ADD ? "added to" : op == OP_REPLACE ? "replaced in" :
		   "removed from", name, chars, max, n);
out:
	unlock_file(fd);
	mem_entries_free(v, n);
	buf_free(&out);
	return e;
}

enum cerr
mem_add(const struct mem_store *m, enum mem_target t, const char *text,
	struct buf *msg)
{
	return mem_change(m, t, OP_ADD, NULL, text, msg);
}

enum cerr
mem_replace(const struct mem_store *m, enum mem_target t,
	    const char *old_text, const char *text, struct buf *msg)
{
	return mem_change(m, t, OP_REPLACE, old_text, text, msg);
}

enum cerr
mem_remove(const struct mem_store *m, enum mem_target t, const char *old_text,
	   struct buf *msg)
{
	return mem_change(m, t, OP_REMOVE, old_text, NULL, msg);
}

enum cerr
mem_clear(const struct mem_store *m, enum mem_target t)
{
	const char *path = mem_path(m, t);
	enum cerr e;
	int fd = lock_file(path);
	if (fd < 0)
		return C_ERR_IO;
	e = fs_write_atomic(path, "", 0, 0600);
	unlock_file(fd);
	return e;
}

char *
mem_note_path(const struct mem_store *m, time_t when)
{
	struct tm tm;
	char day[16];
	localtime_r(&when, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return xasprintf("%s/%s.md", m->notes_dir, day);
}

enum cerr
mem_note(const struct mem_store *m, const char *text, struct buf *msg)
{
	time_t now = time(NULL);
	char *path = mem_note_path(m, now);
	struct buf b = BUF_INIT;
	struct tm tm;
	char hm[8];
	enum cerr e;
	int fd;

	if ((e = check_text(text, msg)))
		goto out_free;
	if ((fd = lock_file(path)) < 0) {
		buf_printf(msg, "cannot lock %s: %s", path, strerror(errno));
		e = C_ERR_IO;
		goto out_free;
	}
	e = fs_read_file(path, MEM_FILE_MAX, &b);
	if (e == C_ERR_NOTFOUND)
		e = C_OK;
	if (e) {
		buf_printf(msg, "cannot read %s", path);
		goto out;
	}
	localtime_r(&now, &tm);
	strftime(hm, sizeof hm, "%H:%M", &tm);
	if (b.len && b.p[b.len - 1] != '\n')
		buf_addc(&b, '\n');
	buf_printf(&b, "- %s %s\n", hm, text);
	if (!buf_ok(&b)) {
		e = C_ERR_TOOBIG;
		buf_adds(msg, "today's note is full");
		goto out;
	}
	if ((e = fs_write_atomic(path, b.p, b.len, 0600)))
		buf_printf(msg, "cannot write %s: %s", path, strerror(errno));
	else
		buf_printf(msg, "noted in %s", strrchr(path, '/') + 1);
out:
	unlock_file(fd);
out_free:
	buf_free(&b);
	free(path);
	return e;
}

static void
snap_file(struct buf *out, const struct mem_store *m, enum mem_target t,
	  const char *title)
{
	struct buf body = BUF_INIT;
	char **v = NULL;
	size_t n = 0;
	load_path(mem_path(m, t), &v, &n);
	join(&body, v, n);
	buf_printf(out, "\n## %s (%s, %zu/%zu chars)\n\n", title, mem_name(t),
		   mem_chars(buf_str(&body)), mem_budget(m, t));
	buf_adds(out, n ? buf_str(&body) : "(empty)");
	buf_addc(out, '\n');
	mem_entries_free(v, n);
	buf_free(&body);
}

static void
snap_note(struct buf *out, const struct mem_store *m, time_t when,
	  const char *label)
{
	char *path = mem_note_path(m, when);
	struct buf b = BUF_INIT;
	if (fs_read_file(path, MEM_FILE_MAX, &b) == C_OK && b.len) {
		const char *s = buf_str(&b);
		size_t skip = b.len > MEM_NOTE_MAX ? b.len - MEM_NOTE_MAX : 0;
		while (skip < b.len && ((unsigned char)s[skip] & 0xC0) == 0x80)
			skip++;
		buf_printf(out, "\n### %s (%s)\n\n%s%s", label,
			   strrchr(path, '/') + 1, skip ? "[...]\n" : "", s + skip);
		if (s[b.len - 1] != '\n')
			buf_addc(out, '\n');
	}
	buf_free(&b);
	free(path);
}

char *
mem_snapshot(const struct mem_store *m)
{
	struct buf out = BUF_INIT, notes = BUF_INIT;
	time_t now = time(NULL);
	char **u = NULL, **p = NULL;
	size_t nu = 0, np = 0;

	load_path(m->user_path, &u, &nu);
	load_path(m->project_path, &p, &np);
	snap_note(&notes, m, now - 86400, "Yesterday");
	snap_note(&notes, m, now, "Today");
	buf_adds(&out, "\n\n# Memory\n\n");
	if (!nu && !np && !notes.len) {
		buf_printf(&out, "Empty (USER.md 0/%zu, MEMORY.md 0/%zu chars). Save "
			   "durable facts, preferences and lessons with the memory "
			   "tool; never secrets.\n", m->user_max, m->project_max);
		goto out;
	}
	buf_adds(&out, "Saved in earlier sessions (a snapshot from this "
		 "session's start). Keep it current with the memory tool: "
		 "durable facts and lessons only, never secrets.\n");
	snap_file(&out, m, MEM_USER, "About the user");
	snap_file(&out, m, MEM_PROJECT, "About this project");
	if (notes.len) {
		buf_adds(&out, "\n## Daily notes\n");
		buf_adds(&out, buf_str(&notes));
	}
out:
	mem_entries_free(u, nu);
	mem_entries_free(p, np);
	buf_free(&notes);
	return buf_steal(&out);
}
