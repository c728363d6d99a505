/* readonly.c: the built-in list of read-only commands.
 *
 * A command line is read-only when the reader models all of it
 * (shparse.h), no part runs with sudo/doas, no part sets variables but
 * locale ones, no redirection writes anywhere but /dev/null, and every
 * simple command is a plain `cd DIR` or one of the commands below with
 * arguments that keep it read-only.  Such lines run in the sandbox
 * without asking in the read-only, ask and auto-edit modes (and in plan
 * mode, which reuses this predicate); the bash tool also runs them with
 * the workspace read-only, so a hostile repository configuration cannot
 * turn one into a write.
 *
 * The list is deliberately short.  Left out on purpose: sed and awk (w,
 * e, system()), env/printenv and jq (they print the environment), tee,
 * split, xxd (they write), less/more (interactive), make -n (runs
 * $(shell)), and anything that may run another program (find -exec,
 * rg --pre, fd -x, xargs with most commands). */
#include <string.h>

#include "policy/policy.h"
#include "policy/shparse.h"

/* A command with the options that break its read-only shape. */
struct ro_cmd {
	const char *name;
	const char *const *bad;   /* options (exact or as "--opt=" prefix) */
	int max_operands;         /* -1: any number */
	bool xargs_ok;            /* may take run-time arguments (xargs) */
};

#define A(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct ro_cmd ro_cmds[] = {
	{ "ls", NULL, -1, true },
	{ "cat", NULL, -1, true },
	{ "head", NULL, -1, true },
	{ "tail", NULL, -1, true },
	{ "wc", NULL, -1, true },
	{ "pwd", NULL, 0, false },
	{ "echo", NULL, -1, false },
	{ "printf", A("-v"), -1, false },
	{ "true", NULL, -1, false },
	{ "false", NULL, -1, false },
	{ ":", NULL, -1, false },
	{ "test", NULL, -1, false },
	{ "[", NULL, -1, false },
	{ "file", A("-C", "--compile"), -1, false },
	{ "stat", NULL, -1, true },
	{ "du", NULL, -1, false },
	{ "df", NULL, -1, false },
	{ "basename", NULL, -1, false },
	{ "dirname", NULL, -1, false },
	{ "realpath", NULL, -1, false },
	{ "readlink", NULL, -1, false },
	{ "which", NULL, -1, false },
	{ "type", NULL, -1, false },
	{ "uname", NULL, -1, false },
	{ "id", NULL, -1, false },
	{ "whoami", NULL, 0, false },
	{ "nproc", NULL, 0, false },
	{ "date", A("-s", "--set", "-f", "--file"), 1, false },
	{ "grep", NULL, -1, true },
	{ "egrep", NULL, -1, true },
	{ "fgrep", NULL, -1, true },
	{ "rg", A("--pre", "--pre-glob", "-z", "--search-zip"), -1, false },
	{ "sort", A("-o", "--output", "--compress-program", "-T",
		    "--temporary-directory", "--files0-from"), -1, false },
	{ "uniq", NULL, 1, false },
	{ "diff", A("--to-file", "--from-file"), -1, false },
	{ "cmp", NULL, -1, false },
	{ "comm", NULL, -1, false },
	{ "cut", NULL, -1, false },
	{ "tr", NULL, 2, false },
	{ "nl", NULL, -1, false },
	{ "tac", NULL, -1, false },
	{ "rev", NULL, -1, false },
	{ "column", NULL, -1, false },
	{ "fold", NULL, -1, false },
	{ "od", NULL, -1, false },
	{ "hexdump", NULL, -1, false },
	{ "strings", NULL, -1, false },
	{ "md5sum", NULL, -1, false },
	{ "sha1sum", NULL, -1, false },
	{ "sha256sum", NULL, -1, false },
	{ "sha512sum", NULL, -1, false },
	{ "b2sum", NULL, -1, false },
	{ "cksum", NULL, -1, false },
	{ "tree", A("-o", "-R"), -1, false },
};

static bool
opt_is(const char *arg, const char *const *set)
{
	for (size_t i = 0; set && set[i]; i++) {
		size_t n = strlen(set[i]);
		if (strncmp(arg, set[i], n) != 0)
			continue;
		if (arg[n] == '\0' || arg[n] == '=')
			return true;
		/* "-ofile": a short option with its value glued on */
		if (set[i][0] == '-' && set[i][1] != '-' && n == 2)
			return true;
	}
	return false;
}

static bool
generic_ok(const struct ro_cmd *rc, const struct sh_cmd *c)
{
	int operands = 0;
	bool opts = true;
	if (c->extra_args && !rc->xargs_ok)
		return false;
	for (size_t k = 1; k < c->argc; k++) {
		const char *a = c->argv[k];
		if (opts && strcmp(a, "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1]) {
			if (opt_is(a, rc->bad))
				return false;
			continue;
		}
		operands++;
	}
	return rc->max_operands < 0 || operands <= rc->max_operands;
}

/* find without the actions that run, delete or write. */
static bool
find_ok(const struct sh_cmd *c)
{
	static const char *const bad[] = {
		"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint",
		"-fprint0", "-fprintf", "-fls", NULL,
	};
	if (c->extra_args)
		return false;
	for (size_t k = 1; k < c->argc; k++)
		for (size_t i = 0; bad[i]; i++)
			if (strcmp(c->argv[k], bad[i]) == 0)
				return false;
	return true;
}

/* git subcommands that only read, with the options that keep them so. */
static bool
git_ok(const struct sh_cmd *c)
{
	static const char *const free_subs[] = {
		"status", "log", "diff", "show", "blame", "rev-parse", "ls-files",
		"ls-tree", "cat-file", "describe", "shortlog", "grep", "show-ref",
		"merge-base", "name-rev", "count-objects", "for-each-ref",
		"version", "rev-list", "whatchanged", "annotate", "diff-tree",
		"diff-files", "diff-index", "check-ignore", "var", NULL,
	};
	static const char *const bad_opts[] = {
		"--output", "--ext-diff", "-o", "--open-files-in-pager", "-O", NULL,
	};
	size_t k = 1;
	const char *sub;

	if (c->extra_args)
		return false;
	/* global options: -C DIR, --no-pager, --git-dir=, --work-tree= */
	while (k < c->argc && c->argv[k][0] == '-') {
		const char *o = c->argv[k];
		if (strcmp(o, "-C") == 0 && k + 1 < c->argc)
			k += 2;
		else if (strcmp(o, "--no-pager") == 0 || strcmp(o, "-P") == 0 ||
			 strcmp(o, "--no-replace-objects") == 0 ||
			 strcmp(o, "--literal-pathspecs") == 0)
			k++;
		else
			return false; /* -p (a pager), -c, --exec-path ... */
	}
	if (k >= c->argc)
		return false;
	sub = c->argv[k];
	for (size_t a = k + 1; a < c->argc; a++)
		if (opt_is(c->argv[a], bad_opts))
			return false;
	for (size_t i = 0; free_subs[i]; i++)
		if (strcmp(sub, free_subs[i]) == 0)
			return true;
	if (strcmp(sub, "branch") == 0 || strcmp(sub, "tag") == 0) {
		/* listing only: no names unless after --list/-l */
		bool list = false;
		for (size_t a = k + 1; a < c->argc; a++) {
			const char *o = c->argv[a];
			if (strcmp(o, "--list") == 0 || strcmp(o, "-l") == 0)
				list = true;
			else if (strcmp(o, "-a") == 0 || strcmp(o, "--all") == 0 ||
				 strcmp(o, "-r") == 0 || strcmp(o, "--remotes") == 0 ||
				 strcmp(o, "-v") == 0 || strcmp(o, "-vv") == 0 ||
				 strcmp(o, "--show-current") == 0 ||
				 strncmp(o, "--contains", 10) == 0 ||
				 strncmp(o, "--merged", 8) == 0 ||
				 strncmp(o, "--no-merged", 11) == 0 ||
				 strncmp(o, "--sort", 6) == 0 ||
				 strncmp(o, "--format", 8) == 0)
				continue;
			else if (o[0] == '-' || !list)
				return false;
		}
		return true;
	}
	if (strcmp(sub, "remote") == 0)
		return c->argc == k + 1 || (c->argc == k + 2 &&
					    strcmp(c->argv[k + 1], "-v") == 0);
	if (strcmp(sub, "stash") == 0)
		return c->argc >= k + 2 && (strcmp(c->argv[k + 1], "list") == 0 ||
					    strcmp(c->argv[k + 1], "show") == 0);
	if (strcmp(sub, "config") == 0) {
		for (size_t a = k + 1; a < c->argc; a++)
			if (strcmp(c->argv[a], "--get") == 0 ||
			    strcmp(c->argv[a], "--list") == 0 ||
			    strcmp(c->argv[a], "-l") == 0 ||
			    strcmp(c->argv[a], "--get-regexp") == 0 ||
			    strcmp(c->argv[a], "--get-all") == 0)
				return true;
		return false;
	}
	return false;
}

static bool
locale_assign(const char *a)
{
	return strncmp(a, "LC_", 3) == 0 || strncmp(a, "LANG=", 5) == 0 ||
	       strncmp(a, "TZ=", 3) == 0 || strncmp(a, "NO_COLOR=", 9) == 0 ||
	       strncmp(a, "LANGUAGE=", 9) == 0;
}

static bool
xargs_only(const struct sh_cmd *c)
{
	const char *b = strrchr(c->orig[0], '/');
	b = b ? b + 1 : c->orig[0];
	if (strcmp(b, "xargs") != 0 || !c->extra_args || c->norig < c->argc + 1)
		return false;
	for (size_t k = 1; k < c->norig - c->argc; k++) {
		const char *w = c->orig[k];
		if (w[0] == '-' && strpbrk(w, "aIiEedsL"))
			return false; /* -a FILE, -I STR ...: keep it simple */
		if (w[0] != '-' && strspn(w, "0123456789") != strlen(w))
			return false;
	}
	return true;
}

static bool
cmd_read_only(const struct sh_cmd *c)
{
	const char *name = c->argv[0];

	if (c->opaque || c->privileged || c->argc == 0)
		return false;
	for (size_t k = 0; k < c->nassign; k++)
		if (!locale_assign(c->assign[k]))
			return false;
	for (size_t k = 0; k < c->nredir; k++)
		if (strcmp(c->redir_out[k], "/dev/null") != 0)
			return false;
	/* the word as written must be what runs, not a wrapper's target;
	 * plain `xargs [-0 -r -n N -P N]` in front is fine for the commands
	 * that may take run-time arguments */
	if (c->orig && !xargs_only(c))
		return false;
	if (strcmp(name, "cd") == 0)
		return c->argc <= 2 && !c->extra_args;
	if (strcmp(name, "find") == 0)
		return find_ok(c);
	if (strcmp(name, "git") == 0)
		return git_ok(c);
	for (size_t i = 0; i < sizeof ro_cmds / sizeof ro_cmds[0]; i++)
		if (strcmp(name, ro_cmds[i].name) == 0)
			return generic_ok(&ro_cmds[i], c);
	return false;
}

bool
policy_script_is_read_only(const struct sh_script *sh)
{
	bool ro = sh_script_modelled(sh) && sh->n > 0;
	for (size_t i = 0; i < sh->n && ro; i++)
		ro = cmd_read_only(&sh->cmds[i]);
	return ro;
}

bool
policy_command_is_read_only(const char *command)
{
	struct sh_script sh;
	bool ro;

	if (!command)
		return false;
	ro = sh_parse(command, &sh) == C_OK && policy_script_is_read_only(&sh);
	sh_script_free(&sh);
	return ro;
}
