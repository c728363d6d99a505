/* index.c: find skills, keep the highest-precedence one per name, show
 * them in the system prompt within a budget, and describe one on demand. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/str.h"
#include "util/xalloc.h"

#define DESCRIBE_MAX_FILES 100

/* $XDG_DATA_HOME/conch/NAME; caller frees. */
static char *
data_dir(const char *name)
{
	char *d = xdg_dir("data"), *r = xasprintf("%s/%s", d, name);
	free(d);
	return r;
}

/* the folders under $XDG_DATA_HOME/conch (skills.h) */
#define DATA_DIR(fn, name)             \
	char *fn(void)                 \
	{                              \
		return data_dir(name); \
	}
DATA_DIR(skills_user_dir, "skills")
DATA_DIR(skills_installed_dir, "installed-skills")
DATA_DIR(skills_history_dir, "skill-history")
DATA_DIR(skills_pending_dir, "skills-pending")

char *
skills_bundled_dir(void)
{
	const char *env = getenv("CONCH_PKGDATADIR");
	const char *bases[] = { env && *env ? env : NULL, CONCH_PKGDATADIR, CONCH_SRCDIR };
	size_t i;
	for (i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		char *p;
		if (!bases[i])
			continue;
		p = xasprintf("%s/skills", bases[i]);
		if (fs_is_dir(p))
			return p;
		free(p);
	}
	return NULL;
}

static void
scan_dir(struct skill_index *idx, const char *root, enum skill_source src,
	 struct buf *warn, struct skill_cache *cache)
{
	DIR *d = opendir(root);
	char **names = NULL;
	size_t n = 0, i;

	if (!d)
		return;
	names = fs_dir_names(d, false, &n);
	for (i = 0; i < n; i++) {
		char *dir = path_join(root, names[i]);
		struct skill s;
		struct skill_err err;
		const struct skill *prev;
		if (!fs_is_dir(dir)) {
			free(dir);
			continue;
		}
		if (skill_load_cached(cache, dir, &s, &err)) {
			if (warn)
				buf_printf(warn, "%s/SKILL.md:%d: %s (skipped)\n", dir,
					   err.line, err.reason);
			free(dir);
			continue;
		}
		free(dir);
		s.source = src;
		if ((prev = skills_find(idx, s.name))) {
			if (warn)
				buf_printf(warn, "%s: skill \"%s\" is also in %s; "
					   "keeping that one (%s)\n", s.path, s.name,
					   prev->path, skill_source_str(prev->source));
			skill_free(&s);
			continue;
		}
		idx->v = xreallocarray(idx->v, idx->n + 1, sizeof *idx->v);
		idx->v[idx->n++] = s;
	}
	strv_free(names, n);
}

void
skills_scan(struct skill_index *idx, const char *workspace, struct buf *warn)
{
	/* the project skill folders: one list, the one the sandbox and
	 * the write tools protect (util/sensitive.c) */
	const char *const *proj = sensitive_skill_dirs();
	struct skill_cache cache;
	char *p;
	size_t i;

	memset(idx, 0, sizeof *idx);
	skill_cache_open(&cache);
	for (i = 0; workspace && proj[i]; i++) {
		p = path_join(workspace, proj[i]);
		scan_dir(idx, p, SRC_PROJECT, warn, &cache);
		free(p);
	}
	p = skills_user_dir();
	scan_dir(idx, p, SRC_USER, warn, &cache);
	free(p);
	p = skills_installed_dir();
	scan_dir(idx, p, SRC_INSTALLED, warn, &cache);
	free(p);
	if ((p = skills_bundled_dir())) {
		scan_dir(idx, p, SRC_BUNDLED, warn, &cache);
		free(p);
	}
	skill_cache_close(&cache);
}

void
skills_index_free(struct skill_index *idx)
{
	size_t i;
	for (i = 0; i < idx->n; i++)
		skill_free(&idx->v[i]);
	free(idx->v);
	memset(idx, 0, sizeof *idx);
}

const struct skill *
skills_find(const struct skill_index *idx, const char *name)
{
	size_t i;
	for (i = 0; name && i < idx->n; i++)
		if (strcmp(idx->v[i].name, name) == 0)
			return &idx->v[i];
	return NULL;
}

/* Bytes of the first `chars` code points of s with newlines as spaces. */
static void
add_desc(struct buf *o, const char *s, size_t cap)
{
	size_t chars = 0;
	const char *p = s;
	while (*p && chars < cap) {
		const char *q = p + 1;
		while (((unsigned char)*q & 0xC0) == 0x80)
			q++;
		if (*p == '\n' || *p == '\t')
			buf_addc(o, ' ');
		else
			buf_add(o, p, (size_t)(q - p));
		p = q;
		chars++;
	}
	if (*p)
		buf_adds(o, "...");
}

static const char SK_HEAD[] =
	"\n\n# Skills\n\nWhen a task matches a skill, load it with the skill "
	"tool first and follow it.\n\n";

/* Render entries [0, keep) with descriptions cut at `cap` characters. */
static void
render(struct buf *o, const struct skill_index *idx, size_t keep, size_t cap)
{
	size_t i;
	buf_reset(o);
	buf_adds(o, SK_HEAD);
	for (i = 0; i < keep; i++) {
		buf_printf(o, "- %s", idx->v[i].name);
		if (cap) {
			buf_adds(o, ": ");
			add_desc(o, idx->v[i].description, cap);
		}
		buf_addc(o, '\n');
	}
	if (keep < idx->n)
		buf_printf(o, "- (%zu more not listed: ask the skill tool for "
			   "name \"list\")\n", idx->n - keep);
}

char *
skills_prompt(const struct skill_index *idx, size_t budget)
{
	struct buf o = BUF_INIT;
	size_t lo, hi, keep;

	if (idx->n == 0)
		return xstrdup("");
	render(&o, idx, idx->n, SKILL_DESC_MAX);
	if (o.len <= budget)
		return buf_steal(&o);
	/* the longest description cap that fits, by bisection */
	lo = 0;
	hi = SKILL_DESC_MAX;
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		render(&o, idx, idx->n, mid);
		if (o.len <= budget)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo >= 20) {
		render(&o, idx, idx->n, lo);
		return buf_steal(&o);
	}
	/* even short descriptions do not fit: names only, then fewer */
	for (keep = idx->n;; keep--) {
		render(&o, idx, keep, 0);
		if (o.len <= budget || keep == 0)
			break;
	}
	return buf_steal(&o);
}

static void
list_files(struct buf *out, const char *root, const char *rel, size_t *count,
	   int depth)
{
	char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, i;
	if (!d || depth > 8) {
		if (d)
			closedir(d);
		free(dir);
		return;
	}
	names = fs_dir_names(d, false, &n);
	for (i = 0; i < n; i++) {
		char *r = rel[0] ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		char *full = path_join(root, r);
		struct stat st;
		if (lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				list_files(out, root, r, count, depth + 1);
			} else if (S_ISREG(st.st_mode) && strcmp(r, "SKILL.md") != 0) {
				if (++*count <= DESCRIBE_MAX_FILES)
					buf_printf(out, "- %s/%s\n", root, r);
			}
		}
		xfree_all(full, r, names[i]);
	}
	xfree_all(names, dir);
}

enum cerr
skills_describe(const struct skill_index *idx, const char *name,
		struct buf *out)
{
	const struct skill *s = skills_find(idx, name);
	size_t count = 0, i;
	struct buf files = BUF_INIT;

	if (!s) {
		if (name && strcmp(name, "list") != 0)
			buf_printf(out, "no skill named \"%s\". ", name);
		buf_adds(out, idx->n ? "Skills:\n" : "There are no skills.\n");
		for (i = 0; i < idx->n; i++)
			buf_printf(out, "- %s: %.200s\n", idx->v[i].name,
				   idx->v[i].description);
		return name && strcmp(name, "list") != 0 ? C_ERR_NOTFOUND : C_OK;
	}
	buf_printf(out, "# Skill: %s (%s, %s)\n\n%s", s->name,
		   skill_source_str(s->source), s->path, s->body);
	if (out->len && out->p[out->len - 1] != '\n')
		buf_addc(out, '\n');
	list_files(&files, s->dir, "", &count, 0);
	if (count) {
		buf_printf(out, "\nOther files of this skill (read them with the read "
			   "tool when the body refers to them):\n%s", buf_str(&files));
		if (count > DESCRIBE_MAX_FILES)
			buf_printf(out, "- (%zu more)\n", count - DESCRIBE_MAX_FILES);
	}
	buf_free(&files);
	return C_OK;
}
