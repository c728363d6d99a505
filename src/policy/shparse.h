/* shparse.h: split a shell command line into the simple commands it would
 * run, for permission rules.
 *
 * This is not a shell: it is a conservative reader that finds every
 * command a POSIX sh / bash line can start.  Separators `;` `&` `&&` `||`
 * `|` newlines and parentheses split commands; `$(...)`, backticks and
 * `<(...)` `>(...)` contribute their inner commands (the word that held
 * them becomes the placeholder SH_UNKNOWN); wrappers (sudo, env, timeout,
 * xargs, nice, nohup, command, exec, time, stdbuf, ionice) are unwrapped;
 * `sh -c STRING`, `bash -c STRING` and `eval ARGS` are parsed again as
 * scripts.  Anything this reader cannot follow (here-documents, control
 * keywords, function definitions, `env -S`, variable command names,
 * nesting too deep) marks the command `opaque`: a rule can then deny it
 * but never allow it. */
#ifndef CONCH_SHPARSE_H
#define CONCH_SHPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* A word whose value is only known at run time ($(...), `...`). */
#define SH_UNKNOWN "\x01"

struct sh_cmd {
	char **argv;      /* words after unwrapping, quotes removed; owned */
	size_t argc;
	char **assign;    /* leading NAME=value words; owned */
	size_t nassign;
	char **orig;      /* the words before unwrapping wrappers (NULL when
			   * nothing was unwrapped); owned */
	size_t norig;
	char **redir_out; /* targets of > >> >| &> (quotes removed); owned */
	size_t nredir;
	bool extra_args;  /* run by xargs: more arguments come at run time */
	bool privileged;  /* sudo or doas was unwrapped */
	bool opaque;      /* cannot be allowed by a rule (see above) */
};

struct sh_script {
	struct sh_cmd *cmds; /* owned */
	size_t n, cap;
	bool opaque;         /* the line as a whole could not be followed */
};

/* Parse `src`.  Always fills `out` (free with sh_script_free); returns
 * C_ERR_PARSE when quotes or substitutions are unterminated (out->opaque
 * is then set too). */
enum cerr sh_parse(const char *src, struct sh_script *out);
void sh_script_free(struct sh_script *s);

/* Does the rule pattern `pat` (a command line such as "npm run test *";
 * a bare `*` word matches any number of words, other words are fnmatch
 * globs; a trailing ":*" means " *") match the command `c`?  The pattern
 * is taken literally (not unwrapped) and matched against both the
 * unwrapped command and, when a wrapper was removed, its words as
 * written, so `sudo *` means commands run with sudo.  An allow rule
 * matches a command run through sudo/doas only as written (the rule must
 * name sudo); deny and ask rules also match a command name given as a
 * path ("/bin/rm" for "rm").  `strict`
 * (for allow rules): environment assignments must appear in the pattern,
 * an opaque command never matches, and xargs' run-time arguments need a
 * trailing `*`.  Not strict (deny and ask rules): assignments are ignored
 * and opaque commands match on the words that are known. */
bool sh_rule_match(const char *pat, const struct sh_cmd *c, bool strict);

#endif
