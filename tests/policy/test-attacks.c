/* test-attacks.c: issue 10's attacks on the permission rules, by class,
 * each beside its legitimate twin (which must keep working), plus the
 * read-only command list, the approval display, project rules and the
 * SKILL.md bounds.  The file-tool classes (1-3, 5's read masking, 6, 7)
 * are tested by the sandbox and tools suites. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/shparse.h"
#include "skills/skills.h"
#include "util/display.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/policy/pol.h"

/* ---- class 4: allow rules cannot be quoted around ---------------------- */

START_TEST(class4_quoting)
{
	static const char *const attacks[] = {
		"echo $'\\' ; touch X #'",          /* dash has no $'..' */
		"echo ${x:-'}'$(touch X)} #'",      /* quotes inside ${..} */
		"bash -c 'echo $((touch X) )'",     /* $(( )) that is $( ( ) ) */
		"echo `touch X`",
		"echo $(touch X)",
		"echo \"$(touch X)\"",
		"echo {touch,X}",                   /* bash brace expansion */
		"echo hi &> x; touch X",
		"echo <<E\ntouch X\nE",
		"echo <(touch X)",
		"echo $[1] ; touch X",
		"echo $\"x\"; touch X",
		"echo a |& touch X",
		"echo $((1+1))",
		"echo ${#x}",
		"echo ${a[$(touch X)]}",
		"f() { touch X; }; echo",
		"PS4='$(touch X)' echo",
		"BASH_ENV=x echo",
		"echo; alias echo='touch X'",
		"echo; trap 'touch X' EXIT",
		"echo; let 'a[$(touch X)]=1'",
		"echo; [ -v 'a[$(touch X)]' ]",
		"echo; printf -v 'a[$(touch X)]' x",
		"a[x]=1 echo",
		"{fd}>x echo",
		"echo 10>x",
		NULL,
	};
	rules("{\"allow\":[\"bash(echo *)\"]}");
	for (size_t i = 0; attacks[i]; i++) {
		if (bash(attacks[i]) == POLICY_ALLOW)
			ck_abort_msg("allowed: %s", attacks[i]);
	}
	/* twins */
	bash_all(POLICY_ALLOW, "echo hello world",
		 "echo 'a; touch X' \"b $HOME\" c\\ d", "echo ${HOME} $1 $@",
		 "echo a && echo b", "echo x > out.txt");
	/* a continued line is one echo (its words include "touch") */
	ck_assert_int_eq(bash("echo \\\ntouch X"), POLICY_ALLOW);
}
END_TEST

START_TEST(class4_read_only_mode)
{
	pol.mode = MODE_READ_ONLY;
	bash_all(POLICY_DENY, "echo $'\\' ; touch X #'",
		 "echo ${x:-'}'$(touch X)} #'", "bash -c 'echo $((touch X) )'",
		 "ls $(touch X)", "git status; touch X", "cat a > b");
	/* twins */
	bash_all(POLICY_ALLOW, "echo hi", "git status", "ls -la");
}
END_TEST

/* ---- class 5: deny rules see through wrappers -------------------------- */

START_TEST(class5_wrappers)
{
	static const char *const attacks[] = {
		"rm x", "setsid rm x", "flock f rm x", "flock -w 3 f rm x",
		"flock f -c 'rm x'", "nice rm x", "nice -n 5 rm x", "ionice -c 3 rm x",
		"timeout 5 rm x", "timeout -s KILL 5 rm x", "stdbuf -oL rm x",
		"stdbuf -o L rm x", "chrt -f 10 rm x", "taskset 3 rm x",
		"taskset -c 1 rm x", "nohup rm x", "env rm x", "env -i A=1 rm x",
		"command rm x", "exec rm x", "xargs rm", "find . -exec rm {} ;",
		"find . -execdir rm {} +", "find . -ok rm {} ;", "sudo rm x",
		"sudo -u root rm x", "doas rm x", "su -c 'rm x'", "su root -c 'rm x'",
		"time rm x", "watch rm x", "strace -f rm x", "strace -o log rm x",
		"prlimit --nofile=10 rm x", "unshare -r rm x", "chroot / rm x",
		"setpriv --reuid 0 rm x", "eatmydata rm x", "fakeroot rm x",
		"busybox rm x", "sh -c 'rm x'", "bash -c 'nice rm x'", "eval rm x",
		"/bin/rm x", "\\rm x", "r'm' x", "nice nice setsid rm x",
		"sg grp 'rm x'", "uv run rm x", "bundle exec rm x",
		"mywrapper rm x",                   /* unknown wrapper: asks */
		"parallel rm ::: x",                /* opaque runner: asks */
		"npx rm x", "python3 -c 'import os; os.system(\"rm x\")'",
		"echo $(rm x)", "git -c alias.x='!rm x' x",
		NULL,
	};
	pol.mode = MODE_AUTO;
	rules("{\"deny\":[\"bash(rm *)\"]}");
	for (size_t i = 0; attacks[i]; i++) {
		if (bash(attacks[i]) == POLICY_ALLOW)
			ck_abort_msg("allowed: %s", attacks[i]);
	}
	bash_all(POLICY_DENY, "setsid rm x", "flock f rm x",
		 "find . -exec rm {} ;");
	/* twins: wrappers around other commands still run in auto mode */
	bash_all(POLICY_ALLOW, "setsid make", "flock f make",
		 "timeout 5 make test",
		 "find . -name '*.c' -exec grep -l main {} +", "echo hi",
		 "git status");
}
END_TEST

/* Matching costs bounded work: a pattern of many `*` against a command
 * of many words that may expand (once exponential in both). */
START_TEST(rule_match_bounded)
{
	struct buf pat = BUF_INIT, cmd = BUF_INIT;
	struct sh_script s;
	for (int i = 0; i < 40; i++)
		buf_adds(&pat, "* a ");
	buf_adds(&pat, "zz");
	buf_adds(&cmd, "a");
	for (int i = 0; i < 200; i++)
		buf_adds(&cmd, " a $x");
	sh_parse(buf_str(&cmd), &s);
	ck_assert_uint_eq(s.n, 1);
	/* the wild words may be "zz": a deny rule matches; an allow never */
	ck_assert(sh_rule_match(buf_str(&pat), &s.cmds[0], false));
	ck_assert(!sh_rule_match(buf_str(&pat), &s.cmds[0], true));
	sh_script_free(&s);
	buf_free(&pat);
	buf_free(&cmd);
}
END_TEST

START_TEST(class5_wrapper_table_parse)
{
	struct sh_script s;
	static const struct { const char *line, *want; } cases[] = {
		{ "setsid -w rm x", "rm" }, { "flock -E 3 lk rm x", "rm" },
		{ "chrt -p 5 123", "chrt" }, { "taskset -p 3 123", "taskset" },
		{ "ionice -p 123", "ionice" }, { "timeout --signal=KILL 5 rm", "rm" },
		{ "strace -e trace=open rm", "rm" }, { "env -u HOME rm", "rm" },
		{ "command -v rm", "command" }, { "xargs -I {} rm {}", "rm" },
		{ "uv run pytest", "pytest" }, { "uv sync", "uv" },
		{ NULL, NULL },
	};
	for (size_t i = 0; cases[i].line; i++) {
		sh_parse(cases[i].line, &s);
		ck_assert_uint_ge(s.n, 1);
		if (strcmp(s.cmds[0].argv[0], cases[i].want) != 0)
			ck_abort_msg("%s: got %s, want %s", cases[i].line,
				     s.cmds[0].argv[0], cases[i].want);
		sh_script_free(&s);
	}
}
END_TEST

/* ---- the read-only list --------------------------------------------------- */

START_TEST(read_only_list)
{
	static const char *const yes[] = {
		"git status", "git log --oneline -5", "git diff HEAD~1", "git show HEAD",
		"git blame a.c", "git branch", "git branch --list 'f*'", "ls -la",
		"cat a b", "head -n 5 a", "tail a", "wc -l *.c", "grep -rn foo src",
		"rg foo", "find . -name '*.c'", "pwd", "echo hi", "file a", "stat a",
		"sort a", "uniq a", "diff a b", "cd src && ls", "git -C sub status",
		"ls 2>/dev/null", "LC_ALL=C sort a", "git status | head",
		"find . -name '*.c' | xargs grep -l main", "ls | xargs -n 1 wc -l", NULL,
	};
	static const char *const no[] = {
		"git commit -m x", "git branch new", "git -c core.pager=x log",
		"git -p log", "git diff --output=x", "git log --output=x",
		"git tag v1", "git push", "git stash", "find . -delete",
		"find . -exec cat {} ;", "find . -fprint x", "sort -o x a",
		"sort a --output=x", "uniq a b", "rg --pre sh foo", "ls > x",
		"cat a >> b", "sudo ls", "nice ls", "X=1 ls", "PATH=. ls",
		"ls $(touch X)", "echo `touch X`", "tee x", "sed -i s/a/b/ x",
		"awk '{print}' a", "env", "printenv", "make", "file -C -m x",
		"tree -o x", "date -s 2020-01-01", "xargs sort", "ls; rm x",
		"printf -v x y", "ls | xargs rm", "ls | xargs sort -o x",
		"ls | xargs -I {} cat {}", "ls | xargs nice cat", NULL,
	};
	for (size_t i = 0; yes[i]; i++)
		if (!policy_command_is_read_only(yes[i]))
			ck_abort_msg("not read-only: %s", yes[i]);
	for (size_t i = 0; no[i]; i++)
		if (policy_command_is_read_only(no[i]))
			ck_abort_msg("read-only: %s", no[i]);
	/* ask mode runs them without asking; a rule can still deny */
	ck_assert_int_eq(bash("git log"), POLICY_ALLOW);
	ck_assert_int_eq(bash("git commit -m x"), POLICY_ASK);
	rules("{\"deny\":[\"bash(cat *)\"]}");
	ck_assert_int_eq(bash("cat a"), POLICY_DENY);
}
END_TEST

START_TEST(memory_tool_read_only)
{
	cJSON *a = cJSON_Parse("{\"action\":\"add\",\"content\":\"x\"}");
	struct buf why = BUF_INIT;
	pol.mode = MODE_READ_ONLY;
	ck_assert_int_eq(policy_check(&pol, "memory", TOOL_READ_ONLY, a, WS, WS, &why),
			 POLICY_DENY);
	pol.mode = MODE_ASK;
	ck_assert_int_eq(policy_check(&pol, "memory", TOOL_READ_ONLY, a, WS, WS, &why),
			 POLICY_ALLOW);
	buf_free(&why);
	cJSON_Delete(a);
}
END_TEST

START_TEST(unblock_hint)
{
	cJSON *a = cJSON_Parse("{\"path\":\"/etc/x\",\"content\":\"x\"}");
	char *h;
	pol.mode = MODE_AUTO;
	h = policy_unblock_hint(&pol, "write", TOOL_WRITES, a, WS, WS);
	ck_assert_ptr_null(strstr(h, "auto-edit"));
	ck_assert_ptr_nonnull(strstr(h, "write(/etc/x)"));
	free(h);
	cJSON_Delete(a);
	a = cJSON_Parse("{\"path\":\"a.c\",\"content\":\"x\"}");
	pol.mode = MODE_ASK;
	h = policy_unblock_hint(&pol, "write", TOOL_WRITES, a, WS, WS);
	ck_assert_ptr_nonnull(strstr(h, "--mode auto-edit"));
	free(h);
	cJSON_Delete(a);
}
END_TEST

/* ---- class 8: the approval prompt cannot lie ------------------------------ */

START_TEST(class8_display)
{
	struct buf pad = BUF_INIT;
	char *t;
	buf_adds(&pad, "ls -la");
	for (int i = 0; i < 300; i++)
		buf_addc(&pad, ' ');
	buf_adds(&pad, "\r\x1b[2KAllow bash: ls -la ?; touch X \xe2\x80\xae" "cba");
	t = display_approval_text(buf_str(&pad), 60);
	ck_assert_ptr_nonnull(strstr(t, "[300 blanks]"));
	ck_assert_ptr_nonnull(strstr(t, "\\r"));
	ck_assert_ptr_nonnull(strstr(t, "\\e[2K"));
	ck_assert_ptr_nonnull(strstr(t, "touch X"));
	ck_assert_ptr_nonnull(strstr(t, "\\u{202e}"));
	ck_assert_ptr_null(strchr(t, '\r'));
	ck_assert_ptr_null(strchr(t, '\x1b'));
	/* wrapped, never cut: every line fits, all text is there */
	for (const char *l = t; *l;) {
		size_t n = strcspn(l, "\n");
		ck_assert_uint_le(n, 60);
		l += n;
		if (*l)
			l++;
	}
	free(t);
	buf_free(&pad);
	/* twin: a normal command shows as itself */
	t = display_approval_text("git status --short", 80);
	ck_assert_str_eq(t, "git status --short");
	free(t);
	t = display_approval_text("printf 'a\\n' \xc3\xa9t\xc3\xa9", 0);
	ck_assert_str_eq(t, "printf 'a\\n' \xc3\xa9t\xc3\xa9");
	free(t);
	t = display_approval_text("a\x01\x7f\xff", 0);
	ck_assert_str_eq(t, "a\\x01\\x7f\\xff");
	free(t);
	/* a diff keeps its layout; escapes in file content are spelled out */
	t = display_approval_block("@@ -1 +1 @@\n-\tint a;\n+\x1b[2J\rint b;\n");
	ck_assert_str_eq(t, "@@ -1 +1 @@\n-\tint a;\n+\\e[2J\\rint b;\n");
	free(t);
}
END_TEST

/* ---- issue 12: rules saved for this project -------------------------------- */

START_TEST(project_rules)
{
	char tmpl[] = "/tmp/conch-proj-XXXXXX", *root = mkdtemp(tmpl), *ws, *cfg;
	struct buf err = BUF_INIT;
	cJSON *list;
	char *r;

	ck_assert_ptr_nonnull(root);
	ws = xasprintf("%s/proj", root);
	cfg = xasprintf("%s/cfg", root);
	ck_assert_int_eq(mkdir(ws, 0700), 0);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	r = policy_project_rule_for("bash", "make test", NULL);
	ck_assert_str_eq(r, "bash(make test *)");
	ck_assert_int_eq(policy_project_rule_add(ws, r, &err), C_OK);
	ck_assert_int_eq(policy_project_rule_add(ws, r, &err), C_OK); /* no dup */
	list = policy_project_rules(ws, &err);
	ck_assert_int_eq(cJSON_GetArraySize(list), 1);
	cJSON_Delete(list);
	/* loaded into a policy, it allows the command, not another */
	pol.mode = MODE_READ_ONLY;
	ck_assert_int_eq(policy_project_rules_load(&pol, ws, &err), C_OK);
	{
		cJSON *a = cJSON_CreateObject();
		struct buf why = BUF_INIT;
		cJSON_AddStringToObject(a, "command", "make test -j2");
		ck_assert_int_eq(policy_check(&pol, "bash", TOOL_RUNS_COMMANDS, a, ws,
					      ws, &why), POLICY_ALLOW);
		cJSON_ReplaceItemInObject(a, "command", cJSON_CreateString("make install"));
		ck_assert_int_eq(policy_check(&pol, "bash", TOOL_RUNS_COMMANDS, a, ws,
					      ws, &why), POLICY_DENY);
		buf_free(&why);
		cJSON_Delete(a);
	}
	/* another project does not see it */
	list = policy_project_rules(root, &err);
	ck_assert_int_eq(cJSON_GetArraySize(list), 0);
	cJSON_Delete(list);
	ck_assert_int_eq(policy_project_rule_remove(ws, r, &err), C_OK);
	ck_assert_int_eq(policy_project_rule_remove(ws, r, &err), C_ERR_NOTFOUND);
	list = policy_project_rules(ws, &err);
	ck_assert_int_eq(cJSON_GetArraySize(list), 0);
	cJSON_Delete(list);
	free(r);
	/* suggestions stay narrow where a prefix would allow anything */
	r = policy_project_rule_for("bash", "python3 -c 'x'", NULL);
	ck_assert_str_eq(r, "bash(python3 -c 'x')");
	free(r);
	r = policy_project_rule_for("bash", "npm run build -- --prod", NULL);
	ck_assert_str_eq(r, "bash(npm run build *)");
	free(r);
	r = policy_project_rule_for("bash", "make && rm -rf x", NULL);
	ck_assert_str_eq(r, "bash(make && rm -rf x)");
	free(r);
	{
		char *cmd = xasprintf("rm -rf '%s'", root);
		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	unsetenv("XDG_CONFIG_HOME");
	free(ws);
	free(cfg);
	buf_free(&err);
}
END_TEST

/* ---- class 9: hostile SKILL.md costs bounded work ------------------------- */

/* A SKILL.md named "evil" whose description opens `depth` nested [ and
 * never closes them must fail to parse, for a reason holding `why`. */
static void
nested_refused(int depth, const char *why)
{
	struct buf b = BUF_INIT;
	struct skill s;
	struct skill_err err;
	buf_adds(&b, "---\nname: evil\ndescription: ");
	for (int i = 0; i < depth; i++)
		buf_addc(&b, '[');
	buf_adds(&b, "\n---\nbody\n");
	ck_assert_int_eq(skill_parse(buf_str(&b), b.len, "evil", &s, &err), C_ERR_PARSE);
	ck_assert_msg(strstr(err.reason, why), "%d: %s", depth, err.reason);
	buf_free(&b);
}

START_TEST(class9_skill_bounds)
{
	struct buf b = BUF_INIT;
	struct skill s;
	struct skill_err err;
	/* 200 KB of nested [: refused by size before libyaml sees it */
	nested_refused(200000, "larger than");
	/* 10 KB of nesting under the size cap: refused by depth */
	nested_refused(10000, "nests more than");
	/* brackets inside quotes do not count; twin parses */
	buf_adds(&b, "---\nname: good\ndescription: \"[[[[[[[[[[[[[[[[[[[[ fine\"\n"
		 "tags: [a, [b, c]]\n---\nbody\n");
	ck_assert_int_eq(skill_parse(buf_str(&b), b.len, "good", &s, &err), C_OK);
	ck_assert_str_eq(s.body, "body\n");
	skill_free(&s);
	buf_free(&b);
}
END_TEST

START_TEST(class9_skill_cache)
{
	char tmpl[] = "/tmp/conch-skc-XXXXXX", *root = mkdtemp(tmpl), *dir, *md, *cache;
	struct skill_cache c;
	struct skill s;
	struct skill_err err;
	FILE *f;

	ck_assert_ptr_nonnull(root);
	cache = xasprintf("%s/cache", root);
	setenv("XDG_CACHE_HOME", cache, 1);
	dir = xasprintf("%s/good", root);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	md = xasprintf("%s/SKILL.md", dir);
	f = fopen(md, "w");
	fputs("---\nname: good\ndescription: one\n---\nbody one\n", f);
	fclose(f);
	skill_cache_open(&c);
	ck_assert_int_eq(skill_load_cached(&c, dir, &s, &err), C_OK);
	skill_free(&s);
	ck_assert(c.dirty);
	skill_cache_close(&c);
	/* a hit: served from the cache (no new entry written) */
	skill_cache_open(&c);
	ck_assert_int_eq(skill_load_cached(&c, dir, &s, &err), C_OK);
	ck_assert_str_eq(s.description, "one");
	ck_assert_str_eq(s.body, "body one\n");
	ck_assert(!c.dirty);
	skill_free(&s);
	skill_cache_close(&c);
	/* a change (size differs) is parsed again */
	f = fopen(md, "w");
	fputs("---\nname: good\ndescription: two!\n---\nbody two\n", f);
	fclose(f);
	skill_cache_open(&c);
	ck_assert_int_eq(skill_load_cached(&c, dir, &s, &err), C_OK);
	ck_assert_str_eq(s.description, "two!");
	ck_assert(c.dirty);
	skill_free(&s);
	skill_cache_close(&c);
	{
		char *cmd = xasprintf("rm -rf '%s'", root);
		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	unsetenv("XDG_CACHE_HOME");
	free(cache);
	free(dir);
	free(md);
}
END_TEST

CHECK_MAIN("attacks", .name = "classes", .setup = pol_setup,
	.teardown = pol_teardown, .tests = CHECK_TESTS(
	class4_quoting, class4_read_only_mode, class5_wrappers,
	class5_wrapper_table_parse, rule_match_bounded, read_only_list,
	memory_tool_read_only, unblock_hint, class8_display, project_rules,
	class9_skill_bounds, class9_skill_cache))
