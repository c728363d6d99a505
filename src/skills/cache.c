/* cache.c: parsed SKILL.md frontmatter cached by path, size, mtime, ctime
 * and inode (see skills.h), so a hostile or just large SKILL.md costs one
 * parse, not one per start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define CACHE_MAX (8u << 20)
#define CACHE_ENTRIES 4000

void
skill_cache_open(struct skill_cache *c)
{
	char *dir = xdg_dir("cache");
	struct buf b = BUF_INIT;
	int line, col;

	memset(c, 0, sizeof *c);
	c->path = path_join(dir, "skills-cache.json");
	free(dir);
	if (fs_read_file(c->path, CACHE_MAX, &b) == C_OK)
		c->doc = jx_parse(buf_str(&b), b.len, &line, &col);
	buf_free(&b);
	if (!cJSON_IsObject(c->doc) || jx_long(c->doc, "v", 0) != 1 ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c->doc, "entries"))) {
		cJSON_Delete(c->doc);
		c->doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(c->doc, "v", 1);
		cJSON_AddObjectToObject(c->doc, "entries");
	}
}

void
skill_cache_close(struct skill_cache *c)
{
	if (c->dirty && c->doc) {
		char *text = jx_print(c->doc), *dir = xstrdup(c->path);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (fs_mkdir_p(dir, 0700) == C_OK)
			(void)fs_write_atomic(c->path, text, strlen(text), 0600);
		xfree_all(dir, text);
	}
	cJSON_Delete(c->doc);
	free(c->path);
	memset(c, 0, sizeof *c);
}

/* "size:mtime.ns:ctime.ns:ino": what must not change for a hit. */
static char *
stamp_of(const struct stat *st)
{
	return xasprintf("%lld:%lld.%ld:%lld.%ld:%llu", (long long)st->st_size,
			 (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec,
			 (long long)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec,
			 (unsigned long long)st->st_ino);
}

enum cerr
skill_load_cached(struct skill_cache *c, const char *dir, struct skill *s,
		  struct skill_err *err)
{
	char *path = path_join(dir, "SKILL.md"), *stamp = NULL;
	cJSON *entries, *ent;
	struct stat st;
	struct buf b = BUF_INIT;
	enum cerr e;

	if (!c || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)SKILL_FILE_MAX) {
		e = skill_load(dir, s, err);
		goto out;
	}
	stamp = stamp_of(&st);
	entries = cJSON_GetObjectItemCaseSensitive(c->doc, "entries");
	ent = cJSON_GetObjectItemCaseSensitive(entries, path);
	if (ent && jx_str(ent, "stamp") && strcmp(jx_str(ent, "stamp"), stamp) == 0) {
		const char *reason = jx_str(ent, "error");
		if (reason) {
			memset(s, 0, sizeof *s);
			memset(err, 0, sizeof *err);
			err->line = (int)jx_long(ent, "line", 0);
			snprintf(err->reason, sizeof err->reason, "%s", reason);
			e = (enum cerr)jx_long(ent, "code", C_ERR_PARSE);
			if (e == C_OK)
				e = C_ERR_PARSE;
			goto out;
		}
		if (fs_read_file(path, SKILL_FILE_MAX, &b) == C_OK &&
		    (size_t)st.st_size == b.len &&
		    skill_from_meta(buf_str(&b), b.len, jx_str(ent, "name"),
				    jx_str(ent, "description"),
				    cJSON_GetObjectItemCaseSensitive(ent, "meta"), s,
				    err) == C_OK) {
			s->dir = xstrdup(dir);
			s->path = path;
			path = NULL;
			e = C_OK;
			goto out;
		}
	}
	/* a miss: parse, and remember the outcome */
	e = skill_load(dir, s, err);
	if (cJSON_GetArraySize(entries) >= CACHE_ENTRIES)
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(entries, s->path ? s->path : path);
	ent = cJSON_AddObjectToObject(entries, s->path ? s->path : path);
	cJSON_AddStringToObject(ent, "stamp", stamp);
	if (e == C_OK) {
		cJSON_AddStringToObject(ent, "name", s->name);
		cJSON_AddStringToObject(ent, "description", s->description);
		cJSON_AddItemToObject(ent, "meta", s->meta ?
				      cJSON_Duplicate(s->meta, true) : cJSON_CreateObject());
	} else {
		cJSON_AddStringToObject(ent, "error", err->reason);
		cJSON_AddNumberToObject(ent, "line", err->line);
		cJSON_AddNumberToObject(ent, "code", e);
	}
	c->dirty = true;
out:
	buf_free(&b);
	xfree_all(stamp, path);
	return e;
}
