/* shwrap.c: the table of command wrappers the rule matcher looks through,
 * and the commands whose arguments are themselves commands.
 *
 * A wrapper runs the command given in its arguments: `setsid rm x` runs
 * rm.  Rules are matched against the unwrapped command (and against the
 * words as written, so `sudo *` speaks about sudo).  The table:
 *
 *   wrapper         options taking a word        operands   notes
 *   sudo, doas      -u -g -C -D -h -p -r -t -U -T   0       privileged
 *   pkexec          --user                        0       privileged
 *   su, runuser     (-c/--command SCRIPT)         -       SCRIPT parsed; no -c: su is the command
 *   sg              -                             1       rest joined, run by sh -c
 *   timeout         -s -k                         1
 *   nice            -n                            0
 *   ionice          -c -n -t                      0       -p/-P/-u: no command
 *   chrt            -T -P -D                      1       -p: no command
 *   taskset         -                             1       -p: no command
 *   flock           -w -E                         1       -c SCRIPT parsed
 *   setsid, nohup, builtin, time (-f -o), stdbuf (-i -o -e), exec (-a)
 *   prlimit (-p: no command), unshare (-S -G -R -w), nsenter (-t -S -G -T)
 *   chroot (1 operand), setpriv, setarch (1), linux32, linux64, numactl,
 *   cgexec (-g), valgrind, strace (-o -e -p -P -s -u -E -I -b -a -O -S -X),
 *   ltrace (-o -e -p -s -u -n -a -l), catchsegv, eatmydata, fakeroot,
 *   faketime (1), unbuffer, proxychains, proxychains4 (-f), torsocks,
 *   trickle, firejail, chpst, dbus-run-session, systemd-run, rlwrap,
 *   busybox, toybox, command (not -v/-V), xargs (arguments come at run
 *   time; bare xargs is itself the command), watch (rest joined, run by sh -c),
 *   script -c SCRIPT, uv run, poetry run, pipenv run, bundle exec,
 *   pnpm exec, npm exec, yarn exec, conda run.
 *   env [-i -u NAME -C DIR] [NAME=value] CMD; env -S STRING is parsed.
 *   sh/bash/dash/zsh/ksh/ash/mksh/yash/rbash -c SCRIPT and eval ARGS are
 *   parsed as scripts; find -exec/-execdir/-ok/-okdir CMD ; or + adds CMD.
 *
 * Commands that run commands in ways this reader does not model are
 * opaque (a rule can deny them, never allow them; with deny or ask rules
 * in force they ask): parallel, tmux, screen, dtach, abduco, expect, gdb,
 * lldb, perf, npx, pnpx, bunx, uvx, python/perl/ruby/node/php/lua with
 * -c/-e, awk programs with system() or pipes, git -c/--config-env, and
 * the shell builtins that define, source or evaluate code (alias, hash,
 * enable, shopt, source, ., trap, fc, bind, complete, let, declare,
 * typeset, local, readonly; the others with an argument holding `[`,
 * where bash evaluates array subscripts). */
#include <stdlib.h>
#include <string.h>

#include "policy/shparse-int.h"
#include "util/buf.h"
#include "util/xalloc.h"

void
sh_strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

bool
sh_is_assignment(const char *s)
{
	size_t i = 0;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	      s[0] == '_'))
		return false;
	while ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	       (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
		i++;
	return s[i] == '=' || (s[i] == '+' && s[i + 1] == '=');
}

bool
sh_is_in(const char *w, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(w, set[i]) == 0)
			return true;
	return false;
}

const char *
sh_base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

const char *const sh_lead_kw[] = {
	"if", "then", "else", "elif", "while", "until", "do", "!", "{",
	"}", "fi", "done", "esac", "(", ")", NULL,
};

enum {
	WR_PRIV = 1 << 0,   /* runs the command with other rights */
	WR_XARGS = 1 << 1,  /* arguments come at run time */
	WR_DASHC = 1 << 2,  /* -c/--command SCRIPT (before or after operands) */
	WR_JOIN = 1 << 3,   /* the words after it are joined and run by sh -c */
	WR_OPAQUE = 1 << 4, /* runs commands in ways not modelled */
	WR_SCANC = 1 << 5,  /* su: -c anywhere; without it, it is the command */
};

struct wrapper {
	const char *name;
	const char *sub;            /* a second word that must follow */
	const char *const *witharg; /* options that take the next word */
	const char *const *nocmd;   /* options after which no command follows */
	int operands;               /* words after the options (timeout: 1) */
	unsigned flags;
};

#define A(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct wrapper wrappers[] = {
	{ "sudo", NULL, A("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U",
			  "-T", "--user", "--group", "--chdir", "--host",
			  "--prompt", "--close-from", "--role", "--type",
			  "--other-user", "--command-timeout"), A("-e", "--edit",
			  "-l", "--list", "-v", "--validate", "-k", "-K"), 0, WR_PRIV },
	{ "doas", NULL, A("-u", "-C"), NULL, 0, WR_PRIV },
	{ "pkexec", NULL, A("--user"), NULL, 0, WR_PRIV },
	{ "su", NULL, NULL, NULL, 0, WR_PRIV | WR_SCANC },
	{ "runuser", NULL, NULL, NULL, 0, WR_PRIV | WR_SCANC },
	{ "sg", NULL, NULL, NULL, 1, WR_JOIN | WR_DASHC },
	{ "timeout", NULL, A("-s", "--signal", "-k", "--kill-after"), NULL, 1, 0 },
	{ "nice", NULL, A("-n", "--adjustment"), NULL, 0, 0 },
	{ "ionice", NULL, A("-c", "--class", "-n", "--classdata", "-t"),
	  A("-p", "--pid", "-P", "--pgid", "-u", "--uid"), 0, 0 },
	{ "chrt", NULL, A("-T", "-P", "-D", "--sched-runtime", "--sched-period",
			  "--sched-deadline"), A("-p", "--pid", "-m", "--max"), 1, 0 },
	{ "taskset", NULL, NULL, A("-p", "--pid"), 1, 0 },
	{ "flock", NULL, A("-w", "--timeout", "--wait", "-E",
			   "--conflict-exit-code"), NULL, 1, WR_DASHC },
	{ "setsid", NULL, NULL, NULL, 0, 0 },
	{ "nohup", NULL, NULL, NULL, 0, 0 },
	{ "builtin", NULL, NULL, NULL, 0, 0 },
	{ "time", NULL, A("-f", "--format", "-o", "--output"), NULL, 0, 0 },
	{ "stdbuf", NULL, A("-i", "-o", "-e", "--input", "--output", "--error"),
	  NULL, 0, 0 },
	{ "exec", NULL, A("-a"), NULL, 0, 0 },
	{ "prlimit", NULL, NULL, A("-p", "--pid"), 0, 0 },
	{ "unshare", NULL, A("-S", "--setuid", "-G", "--setgid", "-R", "--root",
			     "-w", "--wd"), NULL, 0, 0 },
	{ "nsenter", NULL, A("-t", "--target", "-S", "--setuid", "-G",
			     "--setgid", "-T"), NULL, 0, 0 },
	{ "chroot", NULL, NULL, NULL, 1, 0 },
	{ "setpriv", NULL, A("--reuid", "--regid", "--ruid", "--rgid", "--euid",
			     "--egid", "--groups", "--inh-caps", "--ambient-caps",
			     "--bounding-set", "--securebits", "--pdeathsig",
			     "--selinux-label", "--apparmor-profile"), NULL, 0, 0 },
	{ "setarch", NULL, NULL, NULL, 1, 0 },
	{ "linux32", NULL, NULL, NULL, 0, 0 },
	{ "linux64", NULL, NULL, NULL, 0, 0 },
	{ "numactl", NULL, A("-C", "-N", "-m", "-p", "-i", "-P"), NULL, 0, 0 },
	{ "cgexec", NULL, A("-g"), NULL, 0, 0 },
	{ "valgrind", NULL, NULL, NULL, 0, 0 },
	{ "strace", NULL, A("-o", "-e", "-p", "-P", "-s", "-u", "-E", "-I", "-b",
			    "-a", "-O", "-S", "-X"), NULL, 0, 0 },
	{ "ltrace", NULL, A("-o", "-e", "-p", "-s", "-u", "-n", "-a", "-l"),
	  NULL, 0, 0 },
	{ "catchsegv", NULL, NULL, NULL, 0, 0 },
	{ "eatmydata", NULL, NULL, NULL, 0, 0 },
	{ "fakeroot", NULL, A("-l", "--lib", "--faked", "-s", "-i"), NULL, 0, 0 },
	{ "faketime", NULL, NULL, NULL, 1, 0 },
	{ "unbuffer", NULL, NULL, NULL, 0, 0 },
	{ "proxychains", NULL, A("-f"), NULL, 0, 0 },
	{ "proxychains4", NULL, A("-f"), NULL, 0, 0 },
	{ "torsocks", NULL, A("-u", "-p", "-a", "-P"), NULL, 0, 0 },
	{ "trickle", NULL, A("-u", "-d", "-w", "-t", "-l", "-n"), NULL, 0, 0 },
	{ "firejail", NULL, NULL, NULL, 0, 0 },
	{ "chpst", NULL, A("-u", "-U", "-b", "-e", "-/", "-n", "-l", "-L", "-m",
			   "-d", "-o", "-p", "-f", "-c"), NULL, 0, 0 },
	{ "dbus-run-session", NULL, A("--config-file", "--dbus-daemon"), NULL, 0, 0 },
	{ "systemd-run", NULL, A("-p", "--property", "-u", "--unit", "-E",
				 "--setenv", "-M", "--machine", "-H", "--host",
				 "--description", "--slice", "--uid", "--gid",
				 "--working-directory"), NULL, 0, 0 },
	{ "rlwrap", NULL, A("-f", "-H", "-l", "-a", "-p", "-P", "-S"), NULL, 0, 0 },
	{ "busybox", NULL, NULL, NULL, 0, 0 },
	{ "toybox", NULL, NULL, NULL, 0, 0 },
	{ "xargs", NULL, A("-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "-i",
			   "--max-args", "--max-procs", "--delimiter",
			   "--arg-file", "--max-lines", "--max-chars", "--eof",
			   "--process-slot-var"), NULL, 0, WR_XARGS },
	{ "watch", NULL, A("-n", "--interval", "-d", "-q", "--equexit"), NULL, 0,
	  WR_JOIN },
	{ "script", NULL, A("-E", "--echo", "-I", "--log-in", "-O", "--log-out",
			    "-B", "--log-io", "-T", "--log-timing", "-m",
			    "--logging-format", "-t"), NULL, 0,
	  WR_DASHC | WR_OPAQUE },
	{ "uv", "run", A("--with", "--python", "-p", "--project", "--directory",
			 "--env-file", "--extra", "--group"), NULL, 0, 0 },
	{ "poetry", "run", NULL, NULL, 0, 0 },
	{ "pipenv", "run", NULL, NULL, 0, 0 },
	{ "bundle", "exec", NULL, NULL, 0, 0 },
	{ "pnpm", "exec", NULL, NULL, 0, 0 },
	{ "npm", "exec", A("--package", "-p", "-c", "--call"), NULL, 0,
	  WR_OPAQUE },
	{ "yarn", "exec", NULL, NULL, 0, 0 },
	{ "conda", "run", A("-n", "--name", "-p", "--prefix", "--cwd"), NULL, 0, 0 },
};

/* Wrappers with no options or subcommand to look through that run
 * commands in ways not modelled (as WR_OPAQUE in the table). */
static const char *const opaque_runners[] = {
	"parallel", "tmux", "screen", "dtach", "abduco", "expect", "gdb", "lldb",
	"perf", "npx", "pnpx", "bunx", "uvx", NULL,
};

static const char *const shells[] = {
	"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "rbash",
	"posh", "lksh", "pdksh", NULL,
};

/* Interpreters whose -c/-e argument is a program. */
static const char *const interpreters[] = {
	"python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php",
	"lua", "luajit", "tclsh", "Rscript", "deno", "bun", NULL,
};

/* Builtins that define, source or evaluate code. */
static const char *const code_builtins[] = {
	"alias", "unalias", "hash", "enable", "shopt", "source", ".", "trap",
	"fc", "bind", "complete", "compgen", "let", "declare", "typeset",
	"local", "readonly", "function", "select", "coproc", "for", "case",
	"in", ";;", "[[", "]]", "((", NULL,
};

/* Builtins where bash evaluates `name[subscript]` arguments. */
static const char *const subscript_builtins[] = {
	"test", "[", "printf", "read", "unset", "export", "mapfile",
	"readarray", "wait", "shift", "exit", "return", "getopts", NULL,
};

/* Assignments that make the shell run code later. */
static const char *const code_vars[] = {
	"BASH_ENV", "ENV", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND",
	"SHELLOPTS", "BASHOPTS", "BASH_XTRACEFD", "PROMPT_DIRTRIM", NULL,
};

bool
sh_assign_runs_code(const char *w)
{
	size_t n = strcspn(w, "+=");
	for (size_t k = 0; code_vars[k]; k++)
		if (strlen(code_vars[k]) == n && strncmp(w, code_vars[k], n) == 0)
			return true;
	return false;
}

static bool
word_risky(const struct word *w)
{
	return w->dyn || w->unknown;
}

/* An interpreter that ran a nested script adds nothing of its own, but
 * its redirections and assignments still count. */
static enum step
interpreter_done(struct sh_cmd *c)
{
	if (c->nredir == 0 && c->nassign == 0)
		return STEP_DROP;
	sh_strv_add(&c->argv, &c->argc, "true");
	return STEP_EMIT;
}

/* Parse the word at k as a script (sh -c, su -c, flock -c).  A shell
 * adds nothing of its own; a wrapper (`keep`) stays a command too, so
 * rules must allow it as well (flock creates its lock file). */
static enum step
script_word(struct parser *p, const struct raw *r, size_t k, struct sh_cmd *c,
	    bool keep)
{
	if (k >= r->n) {
		c->opaque = true;
		return STEP_STOP;
	}
	p->nested(p, r->w[k].s, word_risky(&r->w[k]));
	return keep ? STEP_STOP : interpreter_done(c);
}

/* The words from k on, joined by spaces, are a script (watch, sg). */
static enum step
joined_script(struct parser *p, const struct raw *r, size_t k, struct sh_cmd *c)
{
	struct buf j = BUF_INIT;
	bool dyn = false;
	if (k >= r->n)
		return STEP_STOP;
	for (; k < r->n; k++) {
		dyn |= word_risky(&r->w[k]);
		buf_adds(&j, r->w[k].s);
		buf_addc(&j, ' ');
	}
	p->nested(p, buf_str(&j), dyn);
	buf_free(&j);
	return STEP_STOP; /* the wrapper (watch, sg) is a command too */
}

static bool
is_dash_c(const char *w)
{
	return strcmp(w, "-c") == 0 || strcmp(w, "--command") == 0;
}

/* One wrapper of the table at *i. */
static enum step
unwrap_table(struct parser *p, const struct raw *r, size_t *i,
	     struct sh_cmd *c, const struct wrapper *wr)
{
	size_t k = *i + 1 + (wr->sub ? 1 : 0);

	c->privileged |= (wr->flags & WR_PRIV) != 0;
	if (wr->flags & WR_OPAQUE) {
		c->opaque = true;
		return STEP_STOP;
	}
	if (wr->flags & WR_SCANC) {
		for (size_t m = k; m < r->n; m++)
			if (is_dash_c(r->w[m].s))
				return script_word(p, r, m + 1, c, true);
		return STEP_STOP;
	}
	while (k < r->n && r->w[k].s[0] == '-' && r->w[k].s[1]) {
		const char *o = r->w[k].s;
		if (word_risky(&r->w[k]))
			goto opaque;
		if (strcmp(o, "--") == 0) {
			k++;
			break;
		}
		if (wr->nocmd && sh_is_in(o, wr->nocmd))
			return STEP_STOP;
		if ((wr->flags & WR_DASHC) && is_dash_c(o))
			return script_word(p, r, k + 1, c, true);
		if (wr->witharg && sh_is_in(o, wr->witharg)) {
			k++;
			if (k < r->n && word_risky(&r->w[k]))
				goto opaque;
		}
		k++;
	}
	for (int o = 0; o < wr->operands && k < r->n; o++, k++)
		if (word_risky(&r->w[k]))
			goto opaque;
	if ((wr->flags & WR_DASHC) && k < r->n && is_dash_c(r->w[k].s))
		return script_word(p, r, k + 1, c, true);
	if (wr->flags & WR_JOIN)
		return joined_script(p, r, k, c);
	if (wr->flags & WR_XARGS) {
		c->extra_args = true;
		if (k >= r->n) /* bare xargs runs echo: xargs is the command */
			return STEP_STOP;
	}
	*i = k;
	return STEP_NEXT;
opaque:
	c->opaque = true;
	return STEP_STOP;
}

/* env [-i] [-u NAME] [NAME=value...] cmd; `env -S 'cmd args'` is a
 * script of its own. */
static enum step
unwrap_env(struct parser *p, const struct raw *r, size_t *i, struct sh_cmd *c)
{
	static const char *const env_arg[] = { "-u", "--unset", "-C", "--chdir", NULL };
	size_t k = *i + 1;
	for (; k < r->n && r->w[k].s[0] == '-'; k++) {
		if (word_risky(&r->w[k])) {
			c->opaque = true;
			return STEP_STOP;
		}
		if (strcmp(r->w[k].s, "--") == 0) {
			k++;
			break;
		}
		if (strncmp(r->w[k].s, "-S", 2) == 0 ||
		    strncmp(r->w[k].s, "--split-string", 14) == 0 ||
		    (r->w[k].s[1] != '-' && strchr(r->w[k].s, 'S'))) {
			struct buf j = BUF_INIT;
			size_t m = strcmp(r->w[k].s, "-S") == 0 ||
				strcmp(r->w[k].s, "--split-string") == 0 ? k + 1 : k;
			for (; m < r->n; m++) {
				const char *s = r->w[m].s;
				if (m == k && strncmp(s, "-S", 2) == 0)
					s += 2;
				buf_adds(&j, s);
				buf_addc(&j, ' ');
			}
			p->nested(p, buf_str(&j), false);
			buf_free(&j);
			c->opaque = true;
			return STEP_EMIT;
		}
		if (sh_is_in(r->w[k].s, env_arg))
			k++;
	}
	/* env NAME=value ... cmd (only env takes these after a wrapper) */
	for (; k < r->n && sh_is_assignment(r->w[k].s); k++) {
		if (word_risky(&r->w[k])) {
			c->opaque = true;
			return STEP_STOP;
		}
		c->opaque |= sh_assign_runs_code(r->w[k].s);
		sh_strv_add(&c->assign, &c->nassign, r->w[k].s);
	}
	*i = k;
	return STEP_NEXT;
}

/* eval ARGS: the joined words are a script. */
static enum step
unwrap_eval(struct parser *p, const struct raw *r, size_t i, struct sh_cmd *c)
{
	struct buf j = BUF_INIT;
	bool dyn = false;
	for (size_t k = i + 1; k < r->n; k++) {
		dyn |= word_risky(&r->w[k]);
		buf_adds(&j, r->w[k].s);
		buf_addc(&j, ' ');
	}
	p->nested(p, buf_str(&j), dyn);
	buf_free(&j);
	if (!dyn)
		return interpreter_done(c);
	c->opaque = true;
	return STEP_STOP;
}

/* sh [-opts] -c SCRIPT [args]: the script is what runs. */
static enum step
unwrap_shell(struct parser *p, const struct raw *r, size_t i, struct sh_cmd *c)
{
	size_t k = i + 1;
	bool dash_c = false;
	while (k < r->n && (r->w[k].s[0] == '-' || r->w[k].s[0] == '+') &&
	       r->w[k].s[1]) {
		const char *o = r->w[k].s;
		if (word_risky(&r->w[k]) || strcmp(o, "--") == 0 ||
		    strcmp(o, "--rcfile") == 0 || strcmp(o, "--init-file") == 0) {
			c->opaque = true;
			return STEP_STOP;
		}
		if (o[0] == '-' && o[1] != '-' && strchr(o, 'c'))
			dash_c = true;
		if (strcmp(o, "-o") == 0 || strcmp(o, "+o") == 0 ||
		    strcmp(o, "-O") == 0 || strcmp(o, "+O") == 0) {
			/* shell options (posix, xtrace ...) change what runs */
			c->opaque = true;
			return STEP_STOP;
		}
		k++;
		if (dash_c)
			break;
	}
	if (!dash_c)
		return STEP_STOP; /* a script file or stdin: an ordinary command */
	return script_word(p, r, k, c, false);
}

/* Look at the word at *i in command position. */
enum step
sh_unwrap_word(struct parser *p, const struct raw *r, size_t *i,
	       struct sh_cmd *c)
{
	const char *w = r->w[*i].s, *b = sh_base_name(w);

	if (sh_is_in(w, sh_lead_kw)) {
		(*i)++;
		return STEP_NEXT;
	}
	if (sh_is_in(w, code_builtins) || strstr(w, "()") ||
	    (strcmp(w, "[") != 0 && strpbrk(w, "*?[{"))) {
		c->opaque = true;
		return STEP_STOP;
	}
	for (size_t k = 0; k < sizeof wrappers / sizeof wrappers[0]; k++) {
		const struct wrapper *wr = &wrappers[k];
		if (strcmp(b, wr->name) != 0)
			continue;
		if (wr->sub && (*i + 1 >= r->n || strcmp(r->w[*i + 1].s, wr->sub) != 0))
			continue;
		return unwrap_table(p, r, i, c, wr);
	}
	if (sh_is_in(b, opaque_runners)) {
		c->opaque = true;
		return STEP_STOP;
	}
	if (strcmp(b, "command") == 0 && *i + 1 < r->n &&
	    strcmp(r->w[*i + 1].s, "-v") != 0 && strcmp(r->w[*i + 1].s, "-V") != 0) {
		size_t k = *i + 1;
		while (k < r->n && r->w[k].s[0] == '-' && r->w[k].s[1]) {
			if (strcmp(r->w[k].s, "-p") != 0 && strcmp(r->w[k].s, "--") != 0) {
				c->opaque = true;
				return STEP_STOP;
			}
			k++;
		}
		*i = k;
		return STEP_NEXT;
	}
	if (strcmp(b, "env") == 0)
		return unwrap_env(p, r, i, c);
	if (strcmp(w, "eval") == 0)
		return unwrap_eval(p, r, *i, c);
	if (sh_is_in(b, shells))
		return unwrap_shell(p, r, *i, c);
	return STEP_STOP;
}

/* find ... -exec CMD ... ; (or +): each CMD is a command of its own. */
static void
find_exec(struct parser *p, const struct raw *r, size_t i)
{
	static const char *const execs[] = { "-exec", "-execdir", "-ok", "-okdir", NULL };
	for (size_t k = i + 1; k < r->n; k++) {
		size_t e;
		if (!sh_is_in(r->w[k].s, execs))
			continue;
		for (e = k + 1; e < r->n; e++)
			if (strcmp(r->w[e].s, ";") == 0 ||
			    (strcmp(r->w[e].s, "+") == 0 && e > k + 1 &&
			     strcmp(r->w[e - 1].s, "{}") == 0))
				break;
		if (e == k + 1) {
			p->out->opaque = true;
			return;
		}
		p->emit_range(p, r, k + 1, e, e < r->n && r->w[e].s[0] == '+');
		k = e;
	}
}

void
sh_after_command(struct parser *p, const struct raw *r, size_t i,
		 struct sh_cmd *c)
{
	const char *b;
	if (i >= r->n)
		return;
	b = sh_base_name(r->w[i].s);
	if (strcmp(b, "find") == 0) {
		find_exec(p, r, i);
		return;
	}
	if (sh_is_in(b, subscript_builtins)) {
		for (size_t k = i + 1; k < r->n; k++)
			if (strchr(r->w[k].s, '['))
				c->opaque = true;
		return;
	}
	if (sh_is_in(b, interpreters) ||
	    (strncmp(b, "python", 6) == 0 && strspn(b + 6, "0123456789.") == strlen(b + 6))) {
		for (size_t k = i + 1; k < r->n; k++)
			if (r->w[k].s[0] == '-' && r->w[k].s[1] != '-' &&
			    strpbrk(r->w[k].s + 1, "ceE"))
				c->opaque = true;
		return;
	}
	if (strcmp(b, "awk") == 0 || strcmp(b, "gawk") == 0 ||
	    strcmp(b, "mawk") == 0 || strcmp(b, "nawk") == 0) {
		for (size_t k = i + 1; k < r->n; k++)
			if (strstr(r->w[k].s, "system") || strchr(r->w[k].s, '|'))
				c->opaque = true;
		return;
	}
	if (strcmp(b, "git") == 0) {
		for (size_t k = i + 1; k < r->n && r->w[k].s[0] == '-'; k++)
			if (strcmp(r->w[k].s, "-c") == 0 ||
			    strncmp(r->w[k].s, "--config-env", 12) == 0 ||
			    strncmp(r->w[k].s, "--exec-path", 11) == 0)
				c->opaque = true;
	}
}
