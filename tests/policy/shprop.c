/* shprop.c: property test of the shell reader against the real shells.
 *
 * Lines come from a small grammar (commands from a harmless vocabulary,
 * wrappers, separators, and every kind of quoting, expansion and
 * substitution) and from random mutations of a corpus (the attacks of
 * issue 10 among them).  Whenever the reader says a line is modelled,
 * i.e. "this runs only the commands X", the line is run with
 * `strace -f -e trace=execve` under dash and under bash --posix (the two
 * shells /bin/sh may be), in a throwaway directory, and every program
 * that was executed must be one the reader named, with the arguments it
 * named (up to the first word whose value is known only at run time).
 *
 * Usage: shprop [COUNT [SEED]] | shprop -l LINE: COUNT modelled lines checked (default
 * 150, fixed seed 1 in `make check`; bench/shprop.sh runs more).  Skips
 * (exit 77) without strace or when ptrace is not permitted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy/shparse.h"
#include "util/buf.h"
#include "util/xalloc.h"

static unsigned long long rng;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return n ? (unsigned)((rng >> 33) % n) : 0;
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static const char *const progs[] = {
	"echo", "touch", "true", "printf", "cat", "ls", "touch",
};
static const char *const wrappers[] = {
	"env", "nice", "nice -n 1", "timeout 5", "nohup", "stdbuf -o L", "setsid",
	"command", "exec", "xargs", "env X=1", "flock lk", "ionice -c 3",
	"sh -c", "bash -c", "eval", "time", "taskset 1", "chrt -o 0",
};
static const char *const seps[] = { "; ", " && ", " || ", " | ", " & ", "\n", " |& " };

static void gen_cmd(struct buf *b, int depth);

/* One word, in any of the shapes the shells read. */
static void
gen_word(struct buf *b, int depth)
{
	static const char *const plain[] = {
		"X", "a", "touch", "-n", "--", "a,b", "x=1", "hi", "#c", "}", "{",
	};
	switch (rnd(depth > 2 ? 12 : 20)) {
	case 0: buf_printf(b, "'%s'", PICK(plain)); break;
	case 1: buf_printf(b, "\"%s\"", PICK(plain)); break;
	case 2: buf_adds(b, "$X"); break;
	case 3: buf_adds(b, "\"$X\""); break;
	case 4: buf_adds(b, "${X}"); break;
	case 5: buf_printf(b, "\\%s", PICK(plain)); break;
	case 6: buf_adds(b, "{a,touch}"); break;
	case 7: buf_adds(b, "$'\\x74ouch'"); break;
	case 8: buf_adds(b, "*"); break;
	case 9: buf_adds(b, "$#"); break;
	case 12: buf_adds(b, "$("); gen_cmd(b, depth + 1); buf_adds(b, ")"); break;
	case 13: buf_adds(b, "`"); gen_cmd(b, depth + 1); buf_adds(b, "`"); break;
	case 14: buf_adds(b, "${X:-$("); gen_cmd(b, depth + 1); buf_adds(b, ")}"); break;
	case 15: buf_adds(b, "$(("); buf_adds(b, rnd(2) ? "1+2" : "(touch X) "); buf_adds(b, "))"); break;
	case 16: buf_adds(b, "<("); gen_cmd(b, depth + 1); buf_adds(b, ")"); break;
	case 17: buf_adds(b, "\"$("); gen_cmd(b, depth + 1); buf_adds(b, ")\""); break;
	case 18: buf_adds(b, "${X:-'}'$(touch Y)}"); break;
	default: buf_adds(b, PICK(plain)); break;
	}
}

static void
gen_cmd(struct buf *b, int depth)
{
	unsigned nw;
	if (rnd(6) == 0)
		buf_adds(b, "X=touch ");
	if (rnd(3) == 0) {
		const char *w = PICK(wrappers);
		buf_printf(b, "%s ", w);
		if (strstr(w, "-c") || strcmp(w, "eval") == 0) {
			struct buf inner = BUF_INIT;
			gen_cmd(&inner, depth + 1);
			buf_adds(b, "'");
			for (const char *s = buf_str(&inner); *s; s++) {
				if (*s == '\'')
					buf_adds(b, "'\\''");
				else
					buf_addc(b, *s);
			}
			buf_adds(b, "'");
			buf_free(&inner);
			return;
		}
	}
	buf_adds(b, PICK(progs));
	nw = rnd(4);
	for (unsigned i = 0; i < nw; i++) {
		buf_addc(b, ' ');
		gen_word(b, depth);
	}
	switch (rnd(8)) {
	case 0: buf_adds(b, " > out"); break;
	case 1: buf_adds(b, " 2>&1"); break;
	case 2: buf_adds(b, " &> out"); break;
	case 3: buf_adds(b, " <<< X"); break;
	default: break;
	}
}

static void
gen_line(struct buf *b)
{
	unsigned n = 1 + rnd(3);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			buf_adds(b, PICK(seps));
		if (rnd(8) == 0) {
			buf_adds(b, rnd(2) ? "( " : "{ ");
			gen_cmd(b, 0);
			buf_adds(b, b->p[b->len - 2] == '(' ? " )" : "; }");
		} else {
			gen_cmd(b, 0);
		}
	}
}

/* The attacks of issue 10 and ordinary lines, mutated below. */
static const char *const corpus[] = {
	"echo $'\\' ; touch X #'",
	"echo ${x:-'}'$(touch X)} #'",
	"bash -c 'echo $((touch X) )'",
	"echo hi; touch X",
	"echo \"a $(touch X) b\"",
	"env X=1 touch X",
	"xargs touch < out",
	"echo a | xargs -n 1 touch",
	"find -name X -exec touch {} ;",
	"sh -c 'echo a; touch X'",
	"eval 'touch X'",
	"echo `touch X`",
	"timeout 5 touch X",
	"flock lk touch X",
	"flock lk -c 'touch X'",
	"echo {touch,X}",
	"X=touch; $X Y",
	"echo a # ; touch X",
	"echo 'a' \"b\" c\\ d",
	"echo a && echo b || touch X",
	"cat <<E\ntouch X\nE",
	"echo $((1+2))",
	"echo ${#X}",
	"echo $\"X\"",
	"a=(touch X); ${a[@]}",
	"f() { touch X; }; f",
	"echo hi &> out",
	"echo a |& cat",
	"echo \\\ntouch X",
	"true; (touch X)",
	/* argument quoting, checked word by word */
	"touch \\X 'a b' \"c d\" e\\ f",
	"env touch 'a'\"b\"\\c \"\\$X\" '\\'",
	"nice -n 1 touch \"a'b\" 'c\"d' \\'",
	"touch a\\\nb \"x\\\ny\" 'p\\\nq'",
	"xargs -n 1 touch 'a b' < out",
	"timeout 5 touch -- -X \"#\" a#b",
};

static void
mutate(struct buf *b, const char *src)
{
	static const char alpha[] = "'\"\\$(){};&|<>` #\n!*?[]=-~:,touhX ";
	/* no 'c': mutations must not spell cc (a compiler runs programs of
	 * its own) */
	size_t n = strlen(src);
	unsigned edits = 1 + rnd(3);
	char *s = xmalloc(n + edits + 2);
	memcpy(s, src, n + 1);
	for (unsigned e = 0; e < edits; e++) {
		size_t at = n ? rnd((unsigned)n + 1) : 0;
		char c = alpha[rnd(sizeof alpha - 1)];
		switch (rnd(3)) {
		case 0: /* insert */
			memmove(s + at + 1, s + at, n - at + 1);
			s[at] = c;
			n++;
			break;
		case 1: /* delete */
			if (at < n) {
				memmove(s + at, s + at + 1, n - at);
				n--;
			}
			break;
		default: /* replace */
			if (at < n)
				s[at] = c;
			break;
		}
	}
	buf_adds(b, s);
	free(s);
}

/* One program the shell executed: its basename and argv. */
struct ran {
	char *base;
	char **av;
	size_t ac;
};

/* strace's ["a", "b\"c", "\1"] -> words (C escapes undone). */
static void
parse_argv(const char *p, struct ran *r)
{
	p = strchr(p, '[');
	if (!p)
		return;
	p++;
	while (*p == '"') {
		struct buf w = BUF_INIT;
		buf_adds(&w, "");
		for (p++; *p && *p != '"'; p++) {
			if (*p != '\\') {
				buf_addc(&w, *p);
				continue;
			}
			p++;
			switch (*p) {
			case 'n': buf_addc(&w, '\n'); break;
			case 't': buf_addc(&w, '\t'); break;
			case 'r': buf_addc(&w, '\r'); break;
			case 'v': buf_addc(&w, '\v'); break;
			case 'f': buf_addc(&w, '\f'); break;
			case 'x': {
				char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
				buf_addc(&w, (char)strtol(hex, NULL, 16));
				p += 2;
				break;
			}
			default:
				if (*p >= '0' && *p <= '7') {
					int v = 0, k = 0;
					while (k < 3 && *p >= '0' && *p <= '7') {
						v = v * 8 + (*p++ - '0');
						k++;
					}
					p--;
					buf_addc(&w, (char)v);
				} else {
					buf_addc(&w, *p);
				}
			}
		}
		r->av = xreallocarray(r->av, r->ac + 1, sizeof *r->av);
		r->av[r->ac++] = buf_steal(&w);
		if (*p == '"')
			p++;
		if (p[0] == ',' && p[1] == ' ')
			p += 2;
	}
}

/* May the word stand for other words at run time? */
static bool
wild(const char *w)
{
	return strcmp(w, SH_UNKNOWN) == 0 || strpbrk(w, "$*?[~");
}

/* Does the reader's word list `words` (from index `from`) name exactly
 * the arguments `r` ran with?  Wild words end the comparison (they may
 * become any words); xargs may add words at the end. */
static bool
words_agree(char *const *words, size_t n, const struct ran *r, bool extra)
{
	size_t k;
	for (k = 1; k < n && k < r->ac; k++) {
		if (wild(words[k]))
			return true;
		if (strcmp(words[k], r->av[k]) != 0)
			return false;
	}
	for (; k < n; k++)
		if (wild(words[k]))
			return true;
	return n == r->ac || (extra && r->ac >= n);
}

/* Did the reader name this run, program and arguments? */
static bool
named_run(const struct sh_script *sh, const struct ran *r)
{
	for (size_t i = 0; i < sh->n; i++) {
		const struct sh_cmd *c = &sh->cmds[i];
		const char *b = strrchr(c->argv[0], '/');
		b = b ? b + 1 : c->argv[0];
		if (strcmp(b, r->base) == 0 &&
		    words_agree(c->argv, c->argc, r, c->extra_args))
			return true;
		/* a wrapper as written: the words from it to the end */
		for (size_t k = 0; k < c->norig; k++) {
			const char *o = strrchr(c->orig[k], '/');
			o = o ? o + 1 : c->orig[k];
			if (strcmp(o, r->base) == 0 &&
			    words_agree(c->orig + k, c->norig - k, r, c->extra_args))
				return true;
		}
	}
	return false;
}

static bool
in_set(char **set, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(set[i], w) == 0)
			return true;
	return false;
}

/* Run `line` under `shell` with strace; the basenames of the programs
 * executed (the shell itself left out).  Returns false when the run could
 * not be traced. */
static bool
trace(const char *dir, const char *const *shell, const char *line,
      struct ran **out, size_t *nout)
{
	char *log = xasprintf("%s/strace.log", dir);
	const char *argv[20];
	size_t a = 0;
	pid_t pid;
	int status = 0;
	FILE *f;
	char l[16384];
	bool first = true;
	struct timespec t0, now;

	argv[a++] = "strace";
	argv[a++] = "-f";
	argv[a++] = "-qq";
	argv[a++] = "-s";
	argv[a++] = "65536";
	argv[a++] = "-e";
	argv[a++] = "trace=execve";
	argv[a++] = "-e";
	argv[a++] = "signal=none";
	argv[a++] = "-o";
	argv[a++] = log;
	for (size_t k = 0; shell[k]; k++)
		argv[a++] = shell[k];
	argv[a++] = "-c";
	argv[a++] = line;
	argv[a] = NULL;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		setpgid(0, 0);
		if (chdir(dir) != 0)
			_exit(127);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		setenv("HOME", dir, 1);
		setenv("PATH", "/usr/bin:/bin", 1);
		unsetenv("ENV");
		unsetenv("BASH_ENV");
		execvp("strace", (char *const *)argv);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(2000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && access(log, R_OK) != 0) {
		free(log);
		return false;
	}
	f = fopen(log, "r");
	if (f) {
		while (fgets(l, sizeof l, f)) {
			char *q = strstr(l, "execve(\""), *e, *base;
			if (!q || !strstr(l, ") = 0"))
				continue;
			q += 8;
			e = strchr(q, '"');
			if (!e)
				continue;
			*e = '\0';
			if (first) { /* the shell itself */
				first = false;
				continue;
			}
			base = strrchr(q, '/');
			base = base ? base + 1 : q;
			*out = xreallocarray(*out, *nout + 1, sizeof **out);
			memset(&(*out)[*nout], 0, sizeof **out);
			(*out)[*nout].base = xstrdup(base);
			parse_argv(e + 1, &(*out)[*nout]);
			(*nout)++;
		}
		fclose(f);
	}
	unlink(log);
	free(log);
	return true;
}

int
main(int argc, char **argv)
{
	static const char *const dash[] = { "dash", NULL };
	static const char *const bash[] = { "bash", "--posix", NULL };
	static const char *const *const shells[] = { dash, bash };
	const char *one = argc > 2 && strcmp(argv[1], "-l") == 0 ? argv[2] : NULL;
	long want = one ? 1 : argc > 1 ? strtol(argv[1], NULL, 10) : 150;
	long checked = 0, generated = 0, failures = 0, execs = 0;
	char tmpl[] = "/tmp/conch-shprop-XXXXXX";
	char *dir;

	rng = argc > 2 && !one ? strtoull(argv[2], NULL, 10) : 1;
	if (system("strace -o /dev/null true >/dev/null 2>&1") != 0) {
		printf("SKIP: strace is missing or ptrace is not permitted here\n");
		return 77;
	}
	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 99;
	}
	while (checked < want && generated < want * 200) {
		struct buf line = BUF_INIT;
		struct sh_script sh;
		char **named = NULL;
		size_t nnamed = 0;

		generated++;
		if (one)
			buf_adds(&line, one);
		else if (rnd(2))
			gen_line(&line);
		else
			mutate(&line, PICK(corpus));
		if (sh_parse(buf_str(&line), &sh) != C_OK || !sh_script_modelled(&sh) ||
		    strchr(buf_str(&line), '/') || strstr(buf_str(&line), "..")) {
			sh_script_free(&sh);
			buf_free(&line);
			if (one) {
				printf("shprop: not modelled (a rule cannot allow it)\n");
				rmdir(dir);
				return 0;
			}
			continue;
		}
		/* what the reader says runs: each command, the wrappers as
		 * written, and the shells it read nested scripts of */
		for (size_t i = 0; i < sh.n; i++) {
			const struct sh_cmd *c = &sh.cmds[i];
			named = xreallocarray(named, nnamed + c->norig + 2, sizeof *named);
			named = xreallocarray(named, nnamed + c->norig + 3, sizeof *named);
			named[nnamed++] = xstrdup(c->argv[0]);
			if (strcmp(c->argv[0], "xargs") == 0) /* its default command */
				named[nnamed++] = xstrdup("echo");
			for (size_t k = 0; k < c->norig; k++)
				named[nnamed++] = xstrdup(c->orig[k]);
		}
		checked++;
		for (size_t s = 0; s < 2; s++) {
			struct ran *ran = NULL;
			size_t nran = 0;
			if (!trace(dir, shells[s], buf_str(&line), &ran, &nran)) {
				printf("SKIP: cannot run strace\n");
				return 77;
			}
			for (size_t k = 0; k < nran; k++) {
				const char *b = ran[k].base;
				bool shell = strcmp(b, "sh") == 0 || strcmp(b, "bash") == 0 ||
					     strcmp(b, "dash") == 0;
				bool xecho = strcmp(b, "echo") == 0 &&
					     in_set(named, nnamed, "xargs");
				execs += !shell && !xecho;
				if (shell || xecho || named_run(&sh, &ran[k]))
					continue;
				failures++;
				printf("FAIL under %s: the reader says the line runs only "
				       "[", shells[s][0]);
				for (size_t m = 0; m < nnamed; m++)
					printf("%s%s", m ? " " : "", named[m]);
				printf("] but %s ran with", b);
				for (size_t m = 1; m < ran[k].ac; m++)
					printf(" <%s>", ran[k].av[m]);
				printf(": ");
				for (const char *p = buf_str(&line); *p; p++) {
					if (*p == '\n')
						fputs("\\n", stdout);
					else
						putchar(*p);
				}
				printf("\n");
				break;
			}
			for (size_t k = 0; k < nran; k++) {
				for (size_t m = 0; m < ran[k].ac; m++)
					free(ran[k].av[m]);
				free(ran[k].av);
				free(ran[k].base);
			}
			free(ran);
		}
		/* clean the throwaway directory for the next line */
		{
			char *cmd = xasprintf("rm -rf '%s'/* '%s'/.[!.]* 2>/dev/null", dir, dir);
			if (system(cmd) != 0) {
				/* nothing to remove */
			}
			free(cmd);
		}
		for (size_t k = 0; k < nnamed; k++)
			free(named[k]);
		free(named);
		sh_script_free(&sh);
		buf_free(&line);
	}
	rmdir(dir);
	printf("shprop: %ld lines generated, %ld modelled lines checked under dash "
	       "and bash --posix (%ld programs executed, each matched by name "
	       "and arguments), %ld mismatches\n", generated, checked, execs,
	       failures);
	return failures ? 1 : checked < want ? 99 : 0;
}
