/* shparse.h: split a shell command line into the simple commands it would
 * run, for permission rules.
 *
 * The dialect.  The bash tool runs its command with /bin/sh -c, which is
 * dash on Debian and Ubuntu and bash (in POSIX mode) on other systems.
 * This reader models exactly the part of the POSIX shell language where
 * dash and bash agree: words with '', "" and \ quoting, $NAME and ${NAME},
 * $(...) (its commands are read), `;` `&` `&&` `||` `|` newlines,
 * ( ) and { } groups, keywords before a command (if, while, !, ...),
 * redirections with an fd of one digit, and assignments.  Everything else
 * is "not modelled" and makes the line opaque: $'..' $".." $[..] $((..))
 * ${NAME op ...} ${#..} ${a[i]}, backquotes, <(..) >(..), here-documents
 * and here-strings, &> |& ;& ;; (case), (( )) [[ ]], f() definitions,
 * a=(..) arrays, {a,b} brace expansion, {fd}> and fd 10+ redirections,
 * for/case/select/function/coproc, builtins that define, source or
 * evaluate code (alias, trap, source, let, declare ...), assignments to
 * variables that run code (BASH_ENV, PS4, PROMPT_COMMAND ...), globs or
 * expansions in the command name, nesting too deep.  An opaque line is
 * never allowed by a rule or by the read-only list; deny and ask rules
 * still see the commands it could read, and with such rules in force an
 * opaque line asks (policy.c).
 *
 * Wrappers (sudo, setsid, flock, timeout, env, xargs, find -exec, ...:
 * the table is in shwrap.c) are unwrapped; `sh -c STRING`, `eval ARGS`,
 * `su -c`, `flock -c`, `watch` are parsed again as scripts.  Commands
 * that run commands in ways not modelled (parallel, tmux, npx, python -c
 * ...) are opaque.
 *
 * tests/sandbox/shprop.c checks this against the real shells: for
 * generated lines the reader calls modelled, every program dash and bash
 * execute (strace) must be one the reader named. */
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

/* Is every part of the line modelled (no opaque flag on the script or on
 * any command)? */
bool sh_script_modelled(const struct sh_script *s);

/* Parse a rule pattern literally (no unwrapping); for shmatch.c. */
void sh_parse_pattern(const char *src, struct sh_script *out, bool *error);

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
