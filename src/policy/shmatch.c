/* shmatch.c: matching bash rule patterns against parsed simple commands
 * (see sh_rule_match in shparse.h). */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "policy/shparse.h"
#include "util/xalloc.h"

static const char *
base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* ---- matching ----------------------------------------------------------- */

/* For deny and ask rules: may the word stand for other words at run
 * time (an expansion, a substitution, a glob)? */
static bool
wild(const char *w)
{
	return strcmp(w, SH_UNKNOWN) == 0 || strpbrk(w, "$*?[");
}

static bool
word_match(const char *pat, const char *w, bool strict)
{
	if (strcmp(w, SH_UNKNOWN) == 0)
		return !strict || strcmp(pat, "*") == 0;
	if (!strpbrk(pat, "*?["))
		return strcmp(pat, w) == 0;
	return fnmatch(pat, w, 0) == 0;
}

/* Cells of the matching table past which words_match gives up (and
 * answers the safe way: a deny or ask rule matches, an allow rule not). */
#define MATCH_CELLS (1u << 22)

/* Do the pattern words pw[0..np) match the command words cw[0..nc)?  A
 * pattern word `*` takes any number of command words; for deny and ask
 * rules (!strict) a wild command word may stand for any number of pattern
 * words.  A table over (pattern word, command word), filled from the end:
 * O(np * nc), where trying every split would be exponential. */
static bool
words_match(char *const *pw, size_t np, char *const *cw, size_t nc, bool strict)
{
	size_t w = nc + 1, cells;
	bool *dp, *any, ok;

	if (np + 1 > MATCH_CELLS / w)
		return !strict;
	cells = (np + 1) * w;
	dp = xcalloc(cells, sizeof *dp);  /* dp[i*w+j]: pw+i matches cw+j */
	any = xcalloc(cells, sizeof *any); /* any[i*w+j]: some dp[k*w+j], k >= i */
	dp[np * w + nc] = true;
	any[np * w + nc] = true;
	for (size_t j = nc + 1; j-- > 0;) {
		for (size_t i = np + 1; i-- > 0;) {
			bool m;
			if (i == np)
				m = j == nc;
			else if (strcmp(pw[i], "*") == 0)
				m = dp[(i + 1) * w + j] || (j < nc && dp[i * w + j + 1]);
			else if (!strict && j < nc && wild(cw[j]))
				m = any[i * w + j + 1];
			else
				m = j < nc && word_match(pw[i], cw[j], strict) &&
				    dp[(i + 1) * w + j + 1];
			dp[i * w + j] = m;
			any[i * w + j] = m || (i < np && any[(i + 1) * w + j]);
		}
	}
	ok = dp[0];
	xfree_all(dp, any);
	return ok;
}

bool
sh_rule_match(const char *pat, const struct sh_cmd *c, bool strict)
{
	struct sh_script ps;
	char *norm;
	size_t len = strlen(pat);
	bool ok = false;
	char **cw;
	size_t nc;

	if (strict && c->opaque)
		return false;
	/* "git status:*" is "git status *" */
	if (len >= 2 && strcmp(pat + len - 2, ":*") == 0)
		norm = xasprintf("%.*s *", (int)(len - 2), pat);
	else
		norm = xstrdup(pat);
	{
		bool err = false;
		memset(&ps, 0, sizeof ps);
		sh_parse_pattern(norm, &ps, &err);
		if (err || ps.n != 1 || ps.cmds[0].opaque)
			goto out;
	}
	if (strict) {
		if (ps.cmds[0].nassign != c->nassign)
			goto out;
		for (size_t k = 0; k < c->nassign; k++)
			if (!word_match(ps.cmds[0].assign[k], c->assign[k], true))
				goto out;
	}
	/* xargs adds run-time arguments: an unknown word at the end */
	nc = c->argc + (c->extra_args ? 1 : 0);
	cw = xcalloc(nc + 1, sizeof *cw);
	for (size_t k = 0; k < c->argc; k++)
		cw[k] = c->argv[k];
	if (c->extra_args)
		cw[c->argc] = (char *)SH_UNKNOWN;
	ok = !(strict && c->privileged) &&
	     words_match(ps.cmds[0].argv, ps.cmds[0].argc, cw, nc, strict);
	if (!ok && !strict && nc > 0 && ps.cmds[0].argc > 0 &&
	    !strchr(ps.cmds[0].argv[0], '/') && strchr(cw[0], '/')) {
		/* "/bin/rm" is rm for a deny rule */
		char *saved = cw[0];
		cw[0] = (char *)base_name(saved);
		ok = words_match(ps.cmds[0].argv, ps.cmds[0].argc, cw, nc, strict);
		cw[0] = saved;
	}
	if (!ok && c->orig)
		ok = words_match(ps.cmds[0].argv, ps.cmds[0].argc, c->orig,
				 c->norig, strict);
	free(cw);
out:
	sh_script_free(&ps);
	free(norm);
	return ok;
}
