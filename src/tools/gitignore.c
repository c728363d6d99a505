/* gitignore.c: wildmatch, brace expansion and .gitignore rule stacks. */
#include <stdlib.h>
#include <string.h>

#include "tools/gitignore.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

/* Pathological patterns ("*a*a*a*a*b") backtrack; give up past this many
 * steps and call it no match. */
#define WM_STEP_BUDGET 200000
#define BRACE_MAX 256
#define GI_FILE_MAX (1u << 20)

struct wm_state {
	const char *pat0; /* start of the pattern: segment starts */
	long steps;
};

/* Match a bracket class at *pp against c; advance *pp past it.  Returns
 * 1 match, 0 no match, -1 not a class (unterminated: '[' is literal). */
static int
wm_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	bool neg = false, hit = false;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	if (*p == ']') { /* a leading ] is literal */
		hit = c == ']';
		p++;
	}
	while (*p && *p != ']') {
		char lo = *p, hi;
		if (lo == '\\' && p[1])
			lo = *++p;
		hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = p[2];
			p += 2;
		}
		if ((unsigned char)c >= (unsigned char)lo &&
		    (unsigned char)c <= (unsigned char)hi)
			hit = true;
		p++;
	}
	if (*p != ']')
		return -1;
	*pp = p;
	return hit != neg;
}

static bool
wm(struct wm_state *st, const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (++st->steps > WM_STEP_BUDGET)
			return false;
		switch (*p) {
		case '?':
			if (!*s || *s == '/')
				return false;
			break;
		case '*': {
			const char *q = p;
			bool seg_start = p == st->pat0 || p[-1] == '/';
			while (*q == '*')
				q++;
			if (q - p >= 2 && seg_start && (*q == '/' || !*q)) {
				const char *t;
				if (!*q) /* trailing ** : everything below */
					return true;
				q++; /* "**" + "/": zero or more directories */
				if (wm(st, q, s))
					return true;
				for (t = s; *t; t++)
					if (*t == '/' && wm(st, q, t + 1))
						return true;
				return false;
			}
			/* plain * (other runs of * count as one) */
			for (;; s++) {
				if (wm(st, q, s))
					return true;
				if (!*s || *s == '/')
					return false;
			}
		}
		case '[': {
			const char *q = p;
			int r;
			if (!*s || *s == '/')
				return false;
			r = wm_class(&q, *s);
			if (r < 0) {
				if (*s != '[')
					return false;
				break;
			}
			if (!r)
				return false;
			p = q;
			break;
		}
		case '\\':
			if (p[1])
				p++;
			/* fall through */
		default:
			if (*p != *s)
				return false;
			break;
		}
	}
	return *s == '\0';
}

bool
wild_match(const char *pat, const char *str)
{
	struct wm_state st = { pat, 0 };
	return wm(&st, pat, str);
}

/* ---- brace expansion ---- */

static void
brace_expand(const char *pat, char ***out, size_t *n)
{
	const char *open = NULL, *close = NULL, *p;
	int depth = 0;
	bool comma = false;

	if (*n >= BRACE_MAX)
		return;
	/* the first top-level {...} that holds a comma */
	for (p = pat; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '{') {
			if (depth++ == 0) {
				open = p;
				comma = false;
			}
		} else if (*p == '}' && depth > 0) {
			if (--depth == 0) {
				if (comma) {
					close = p;
					break;
				}
				open = NULL;
			}
		} else if (*p == ',' && depth == 1) {
			comma = true;
		}
	}
	if (!open || !close) {
		*out = xreallocarray(*out, *n + 2, sizeof **out);
		(*out)[(*n)++] = xstrdup(pat);
		(*out)[*n] = NULL;
		return;
	}
	{
		const char *alt = open + 1;
		depth = 0;
		for (p = open + 1; p <= close; p++) {
			if (*p == '\\' && p < close - 1) {
				p++;
				continue;
			}
			if (*p == '{')
				depth++;
			else if (*p == '}' && p < close)
				depth--;
			if ((*p == ',' && depth == 0) || p == close) {
				char *sub = xasprintf("%.*s%.*s%s", (int)(open - pat),
						      pat, (int)(p - alt), alt,
						      close + 1);
				brace_expand(sub, out, n);
				free(sub);
				alt = p + 1;
			}
		}
	}
}

char **
glob_expand_braces(const char *pat)
{
	char **out = xcalloc(1, sizeof *out);
	size_t n = 0;
	brace_expand(pat, &out, &n);
	return out;
}

void
glob_patterns_free(char **pats)
{
	size_t i;
	if (!pats)
		return;
	for (i = 0; pats[i]; i++)
		free(pats[i]);
	free(pats);
}

/* ---- .gitignore stacks ---- */

struct gi_pat {
	char *pat;
	bool neg, dir_only, anchored;
};

struct gi_list {
	char *base; /* absolute directory the patterns are relative to */
	struct gi_pat *pats;
	size_t n;
	bool pushed; /* from gi_push_dir (popped), or from gi_new */
};

struct gitignore {
	struct gi_list *lists; /* shallow first */
	size_t n, cap;
};

static void
gi_list_add(struct gi_list *l, char *line)
{
	size_t len = strlen(line);
	struct gi_pat pat = { 0 };
	char *p = line;

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	/* trailing spaces go unless escaped */
	while (len && line[len - 1] == ' ' &&
	       !(len >= 2 && line[len - 2] == '\\'))
		line[--len] = '\0';
	if (!len || line[0] == '#')
		return;
	if (p[0] == '!') {
		pat.neg = true;
		p++;
		len--;
	}
	if (len && p[len - 1] == '/') {
		pat.dir_only = true;
		p[--len] = '\0';
	}
	if (!len)
		return;
	pat.anchored = strchr(p, '/') != NULL;
	if (p[0] == '/')
		p++;
	if (!*p)
		return;
	pat.pat = xstrdup(p);
	l->pats = xreallocarray(l->pats, l->n + 1, sizeof *l->pats);
	l->pats[l->n++] = pat;
}

static void
gi_list_load(struct gi_list *l, const char *file)
{
	struct buf b = BUF_INIT;
	char *line, *next;

	if (fs_read_file(file, GI_FILE_MAX, &b) != C_OK || !b.p)
		goto out;
	for (line = b.p; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		gi_list_add(l, line);
	}
out:
	buf_free(&b);
}

static void
gi_push(struct gitignore *gi, const char *dir, bool pushed, bool with_info)
{
	struct gi_list *l;
	char *f;

	gi->lists = xgrow(gi->lists, gi->n + 1, &gi->cap, 8, sizeof *gi->lists);
	l = &gi->lists[gi->n++];
	memset(l, 0, sizeof *l);
	l->base = xstrdup(dir);
	l->pushed = pushed;
	if (with_info) { /* lowest priority: before the root's .gitignore */
		f = path_join(dir, ".git/info/exclude");
		gi_list_load(l, f);
		free(f);
	}
	f = path_join(dir, ".gitignore");
	gi_list_load(l, f);
	free(f);
}

struct gitignore *
gi_new(const char *root)
{
	struct gitignore *gi = xcalloc(1, sizeof *gi);
	char *top = fs_find_git_root(root);

	if (top && path_is_under(root, top)) {
		/* every directory from the git root down to root */
		size_t lt = strlen(top), lr = strlen(root), i;
		gi_push(gi, top, false, true);
		for (i = lt + 1; i <= lr; i++) {
			if (i == lr || root[i] == '/') {
				char *d = xstrndup(root, i);
				gi_push(gi, d, false, false);
				free(d);
			}
		}
	} else {
		gi_push(gi, root, false, false);
	}
	free(top);
	return gi;
}

void
gi_free(struct gitignore *gi)
{
	size_t i, j;
	if (!gi)
		return;
	for (i = 0; i < gi->n; i++) {
		for (j = 0; j < gi->lists[i].n; j++)
			free(gi->lists[i].pats[j].pat);
		xfree_all(gi->lists[i].pats, gi->lists[i].base);
	}
	xfree_all(gi->lists, gi);
}

void
gi_push_dir(struct gitignore *gi, const char *dir)
{
	gi_push(gi, dir, true, false);
}

void
gi_pop_dir(struct gitignore *gi)
{
	struct gi_list *l;
	size_t j;
	if (!gi->n || !gi->lists[gi->n - 1].pushed)
		return;
	l = &gi->lists[--gi->n];
	for (j = 0; j < l->n; j++)
		free(l->pats[j].pat);
	xfree_all(l->pats, l->base);
}

bool
gi_ignored(const struct gitignore *gi, const char *path, bool is_dir)
{
	const char *base = strrchr(path, '/');
	size_t i, j;

	base = base ? base + 1 : path;
	if (strcmp(base, ".git") == 0)
		return true;
	for (i = gi->n; i-- > 0;) {
		const struct gi_list *l = &gi->lists[i];
		size_t lb = strlen(l->base);
		const char *rel;
		if (!l->n || !path_is_under(path, l->base) || !path[lb])
			continue;
		rel = path + lb + (l->base[lb - 1] != '/');
		for (j = l->n; j-- > 0;) {
			const struct gi_pat *p = &l->pats[j];
			if (p->dir_only && !is_dir)
				continue;
			if (wild_match(p->pat, p->anchored ? rel : base))
				return !p->neg;
		}
	}
	return false;
}
