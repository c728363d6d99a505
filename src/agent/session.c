#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/session.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xalloc.h"

/* The cwd in the header record of the session file at `path`; caller
 * frees; NULL when unreadable. */
static char *
header_cwd(const char *path)
{
	char line[8192], *cwd = NULL;
	FILE *f = fopen(path, "re");
	cJSON *rec;
	if (!f)
		return NULL;
	/* only the first line: the header is short, the log may be large */
	if (fgets(line, sizeof line, f)) {
		rec = jx_parse(line, strcspn(line, "\n"), NULL, NULL);
		if (rec && jx_str(rec, "type") &&
		    !strcmp(jx_str(rec, "type"), "session") && jx_str(rec, "cwd"))
			cwd = xstrdup(jx_str(rec, "cwd"));
		cJSON_Delete(rec);
	}
	fclose(f);
	return cwd;
}

/* Sessions written under the old key (the bare slug, which several
 * directories could share) move to the new one when their header names
 * this directory; other projects' files stay where they are. */
static void
migrate_old_key(const char *state, const char *project_dir, const char *dir)
{
	char *slug = path_slug(project_dir);
	char *old = xasprintf("%s/sessions/%s", state, slug);
	DIR *d = opendir(old);
	struct dirent *de;
	size_t moved = 0;

	if (!d)
		goto out;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *src, *cwd, *dst;
		if (n < 7 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
			continue;
		src = xasprintf("%s/%s", old, de->d_name);
		cwd = header_cwd(src);
		if (cwd && !strcmp(cwd, project_dir) &&
		    fs_mkdir_p(dir, 0700) == C_OK) {
			char *sd = xasprintf("%s/%.*s.d", old, (int)(n - 6), de->d_name);
			char *dd = xasprintf("%s/%.*s.d", dir, (int)(n - 6), de->d_name);
			dst = xasprintf("%s/%s", dir, de->d_name);
			if (!fs_exists(dst) && rename(src, dst) == 0) {
				moved++;
				if (fs_is_dir(sd) && rename(sd, dd) < 0)
					log_warn("cannot move %s: %s", sd, strerror(errno));
			}
			xfree_all(dst, sd, dd);
		}
		xfree_all(cwd, src);
	}
	closedir(d);
	if (moved)
		log_info("moved %zu session%s of %s from %s to %s", moved,
			 moved == 1 ? "" : "s", project_dir, old, dir);
	rmdir(old); /* only when empty */
out:
	xfree_all(old, slug);
}

char *
session_project_dir(const char *project_dir)
{
	char *state = xdg_dir("state"), *key = path_project_key(project_dir);
	char *dir = xasprintf("%s/sessions/%s", state, key);
	migrate_old_key(state, project_dir, dir);
	xfree_all(state, key);
	return dir;
}

static char *
new_id(void)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	unsigned r;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof stamp - strlen(stamp), "%03ld",
		 ts.tv_nsec / 1000000L);
	r = (unsigned)ts.tv_nsec ^ (unsigned)getpid() << 16;
	if (fd >= 0) {
		if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
			r ^= (unsigned)ts.tv_nsec;
		close(fd);
	}
	return xasprintf("%s-%04x", stamp, r & 0xffff);
}

static struct session *
session_alloc(const char *dir, const char *id, int flags, enum cerr *err)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->id = xstrdup(id);
	s->path = xasprintf("%s/%s.jsonl", dir, id);
	s->dir = xasprintf("%s/%s.d", dir, id);
	s->fd = open(s->path, flags | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		*err = errno == ENOENT ? C_ERR_NOTFOUND : C_ERR_IO;
		log_error("cannot open session file %s: %s", s->path, strerror(errno));
		session_close(s);
		return NULL;
	}
	return s;
}

struct session *
session_create(const char *project_dir, const char *model, enum cerr *err)
{
	char *dir = session_project_dir(project_dir), *id = NULL;
	struct session *s = NULL;
	cJSON *rec;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	*err = fs_mkdir_p(dir, 0700);
	if (*err) {
		log_error("cannot create session directory %s: %s", dir,
			  strerror(errno));
		goto out;
	}
	id = new_id();
	s = session_alloc(dir, id, O_CREAT | O_EXCL, err);
	if (!s)
		goto out;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "id", id);
	cJSON_AddStringToObject(rec, "cwd", project_dir);
	cJSON_AddStringToObject(rec, "started", when);
	cJSON_AddStringToObject(rec, "version", PACKAGE_VERSION);
	if (model)
		cJSON_AddStringToObject(rec, "model", model);
	*err = session_append(s, "session", rec);
out:
	xfree_all(dir, id);
	return s;
}

enum cerr
session_append(struct session *s, const char *type, cJSON *rec)
{
	cJSON *obj = cJSON_CreateObject(), *it;
	char *line;
	size_t len, off = 0;
	enum cerr e = C_OK;

	cJSON_AddStringToObject(obj, "type", type);
	if (rec) {
		while ((it = rec->child)) {
			cJSON_DetachItemViaPointer(rec, it);
			cJSON_AddItemToObject(obj, it->string, it);
		}
		cJSON_Delete(rec);
	}
	line = jx_print(obj);
	cJSON_Delete(obj);
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	if (!s || s->fd < 0)
		goto out;
	while (off < len) {
		ssize_t n = write(s->fd, line + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno == ENOSPC ? C_ERR_TOOBIG : C_ERR_IO;
			log_warn("cannot append to session %s: %s", s->path,
				 strerror(errno));
			break;
		}
		off += (size_t)n;
	}
out:
	free(line);
	return e;
}

enum cerr
session_append_msg(struct session *s, const struct conv_msg *m)
{
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddItemToObject(rec, "message", conv_msg_to_json(m));
	return session_append(s, "message", rec);
}

void
session_close(struct session *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	xfree_all(s->id, s->path, s->dir, s);
}

enum cerr
session_read(const char *path, bool (*fn)(void *ud, const cJSON *rec),
	     void *ud, bool *torn)
{
	struct buf b = BUF_INIT;
	enum cerr e;
	size_t pos = 0;

	*torn = false;
	e = fs_read_file(path, (size_t)1 << 30, &b);
	if (e)
		goto out;
	while (pos < b.len) {
		char *nl = memchr(b.p + pos, '\n', b.len - pos);
		size_t len = nl ? (size_t)(nl - (b.p + pos)) : b.len - pos;
		cJSON *rec = len ? jx_parse(b.p + pos, len, NULL, NULL) : NULL;
		if (!rec && len) {
			/* only the last line may be torn; a bad line in the
			 * middle is skipped the same way */
			*torn = true;
		} else if (rec) {
			bool go_on = fn(ud, rec);
			cJSON_Delete(rec);
			if (!go_on)
				break;
		}
		pos += len + 1;
	}
out:
	buf_free(&b);
	return e;
}

struct resume_ctx {
	struct conv *conv;
	cJSON **todos;
};

/* Replay a compaction: the summary (a user message) replaces all but the
 * newest `kept` messages, exactly as compact.c did to the live context. */
static void
resume_compaction(struct conv *c, const cJSON *rec)
{
	const char *summary = jx_str(rec, "summary");
	long kept = jx_long(rec, "kept", -1);
	struct conv nc;
	size_t i;
	if (!summary || kept < 0 || (size_t)kept > c->n)
		return;
	conv_init(&nc);
	conv_msg_add_text(conv_add(&nc, CONV_USER), summary);
	for (i = c->n - (size_t)kept; i < c->n; i++)
		conv_push(&nc, &c->msgs[i]);
	conv_free(c);
	*c = nc;
}

static bool
resume_rec(void *ud, const cJSON *rec)
{
	struct resume_ctx *rc = ud;
	const char *type = jx_str(rec, "type");
	if (!type)
		return true;
	if (strcmp(type, "message") == 0) {
		struct conv_msg m;
		if (conv_msg_from_json(cJSON_GetObjectItemCaseSensitive(rec, "message"),
				       &m) == C_OK)
			conv_push(rc->conv, &m);
		conv_msg_free(&m);
	} else if (strcmp(type, "todo") == 0 && rc->todos) {
		cJSON_Delete(*rc->todos);
		*rc->todos = cJSON_Duplicate(
			cJSON_GetObjectItemCaseSensitive(rec, "items"), true);
	} else if (strcmp(type, "rewind") == 0 ||
		   strcmp(type, "turn_failed") == 0) {
		long n = jx_long(rec, "keep", -1);
		if (n >= 0 && (size_t)n <= rc->conv->n)
			conv_truncate(rc->conv, (size_t)n);
	} else if (strcmp(type, "compaction") == 0) {
		resume_compaction(rc->conv, rec);
	} else if (strcmp(type, "clear") == 0 && !jx_str(rec, "next")) {
		/* cleared in place (no new session could be made) */
		conv_truncate(rc->conv, 0);
	}
	/* a "clear" with "next" moved on to a new session: this one
	 * resumes as it was before the /clear */
	return true;
}

/* The session of `dir` written to last (by mtime, then by id); caller
 * frees; NULL when none. */
static char *
latest_id(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *best = NULL;
	struct timespec best_t = { 0, 0 };
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		char *p;
		bool newer;
		if (n < 7 || strcmp(de->d_name + n - 6, ".jsonl") != 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) < 0) {
			free(p);
			continue;
		}
		free(p);
		newer = !best || st.st_mtim.tv_sec > best_t.tv_sec ||
			(st.st_mtim.tv_sec == best_t.tv_sec &&
			 (st.st_mtim.tv_nsec > best_t.tv_nsec ||
			  (st.st_mtim.tv_nsec == best_t.tv_nsec &&
			   strncmp(de->d_name, best, n - 6) > 0)));
		if (newer) {
			free(best);
			best = xstrndup(de->d_name, n - 6);
			best_t = st.st_mtim;
		}
	}
	closedir(d);
	return best;
}

static bool
id_ok(const char *id)
{
	const char *p;
	if (!*id || strlen(id) > 64)
		return false;
	for (p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_'))
			return false;
	return true;
}

struct session *
session_resume(const char *project_dir, const char *id, struct conv *conv,
	       cJSON **todos, enum cerr *err)
{
	char *dir = session_project_dir(project_dir), *use = NULL;
	struct session *s = NULL;
	struct resume_ctx rc = { conv, todos };
	bool torn = false;
	char *path = NULL;

	if (id && !id_ok(id)) {
		*err = C_ERR_INVAL;
		log_error("invalid session id \"%s\"", id);
		goto out;
	}
	use = id ? xstrdup(id) : latest_id(dir);
	if (!use) {
		*err = C_ERR_NOTFOUND;
		log_error("no session to continue for %s (run conch sessions)",
			  project_dir);
		goto out;
	}
	path = xasprintf("%s/%s.jsonl", dir, use);
	*err = session_read(path, resume_rec, &rc, &torn);
	if (*err) {
		if (*err == C_ERR_NOTFOUND)
			log_error("no session %s for this project (run conch sessions)",
				  use);
		else
			log_error("cannot read session %s: %s", path, strerror(errno));
		goto out;
	}
	if (torn)
		log_warn("session %s was cut short; resumed up to its last whole record",
			 use);
	/* A cut-short turn must not leave tool calls without results. */
	while (conv->n && conv->msgs[conv->n - 1].role == CONV_ASSISTANT &&
	       conv_msg_tool_calls(&conv->msgs[conv->n - 1]))
		conv_truncate(conv, conv->n - 1);
	s = session_alloc(dir, use, 0, err);
	if (s && torn) {
		/* terminate the torn line so the next record starts clean */
		if (write(s->fd, "\n", 1) != 1)
			log_warn("cannot repair session %s", s->path);
	}
out:
	xfree_all(path, use, dir);
	return s;
}

struct list_ctx {
	char started[32];
	char first[72];
	int turns;
	bool have_first;
};

static bool
list_rec(void *ud, const cJSON *rec)
{
	struct list_ctx *lc = ud;
	const char *type = jx_str(rec, "type");
	if (!type)
		return true;
	if (strcmp(type, "session") == 0 && jx_str(rec, "started")) {
		snprintf(lc->started, sizeof lc->started, "%s", jx_str(rec, "started"));
	} else if (strcmp(type, "message") == 0) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "message");
		const char *role = jx_str(m, "role");
		if (role && strcmp(role, "assistant") == 0)
			lc->turns++;
		if (role && strcmp(role, "user") == 0 && !lc->have_first) {
			const cJSON *c = cJSON_GetArrayItem(
				cJSON_GetObjectItemCaseSensitive(m, "content"), 0);
			const char *t = jx_str(c, "text");
			if (t) {
				size_t i, n = utf8_floor(t, strlen(t) < 60 ? strlen(t) : 60);
				for (i = 0; i < n; i++)
					lc->first[i] = (t[i] == '\n' || t[i] == '\t') ? ' ' : t[i];
				lc->first[n] = '\0';
				lc->have_first = true;
			}
		}
	}
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
session_list(const char *project_dir, FILE *out)
{
	char *dir = session_project_dir(project_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0, i;

	if (!d)
		goto out;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 7 || strcmp(de->d_name + l - 6, ".jsonl") != 0)
			continue;
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = xstrndup(de->d_name, l - 6);
	}
	closedir(d);
	qsort(ids, n, sizeof *ids, cmp_str);
	for (i = 0; i < n; i++) {
		struct list_ctx lc;
		bool torn;
		char *path = xasprintf("%s/%s.jsonl", dir, ids[i]);
		memset(&lc, 0, sizeof lc);
		session_read(path, list_rec, &lc, &torn);
		fprintf(out, "%s  %-20s  %3d turn%s  %s%s\n", ids[i],
			lc.started[0] ? lc.started : "?", lc.turns,
			lc.turns == 1 ? " " : "s", lc.first,
			torn ? "  (cut short)" : "");
		xfree_all(path, ids[i]);
	}
	free(ids);
out:
	free(dir);
	return n;
}
