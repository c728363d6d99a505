/* Check suite for src/tools: read, write, edit, todo, the registry and
 * tool_call (validation, policy, approval with diffs), unified diffs. */
#include "tt.h"

#include <cjson/cJSON.h>

#include "tools/diff.h"
#include "util/jsonx.h"
#include "util/str.h"

/* ---- read ---- */

START_TEST(read_numbers_lines_and_records)
{
	struct tt t;
	char *r, *abs;
	tt_setup(&t);
	tt_put(&t, "a.txt", "alpha\nbeta\r\ngamma");
	r = tt_ok(&t, "read", "{\"path\":\"a.txt\"}");
	ck_assert_str_eq(r, "     1\talpha\n     2\tbeta\n     3\tgamma\n");
	abs = tt_path(&t, "a.txt");
	ck_assert(readset_has(&t.reads, abs));
	free(abs);
	free(r);
	tt_teardown(&t);
}
END_TEST

START_TEST(read_offset_limit_and_more)
{
	struct tt t;
	struct buf b = BUF_INIT;
	char *r;
	int i;
	tt_setup(&t);
	for (i = 1; i <= 2500; i++)
		buf_printf(&b, "line %d\n", i);
	tt_put(&t, "big.txt", buf_str(&b));
	r = tt_ok(&t, "read", "{\"path\":\"big.txt\",\"offset\":3,\"limit\":2}");
	ck_assert(str_prefix(r, "     3\tline 3\n     4\tline 4\n"));
	tt_has(r, "showing lines 3-4 of 2500; continue with offset=5");
	free(r);
	/* default limit: 2000 lines */
	r = tt_ok(&t, "read", "{\"path\":\"big.txt\"}");
	tt_has(r, "  2000\tline 2000\n");
	tt_hasnt(r, "line 2001\n");
	tt_has(r, "showing lines 1-2000 of 2500; continue with offset=2001");
	free(r);
	/* the rest: no note */
	r = tt_ok(&t, "read", "{\"path\":\"big.txt\",\"offset\":2001}");
	tt_has(r, "  2500\tline 2500\n");
	tt_hasnt(r, "showing");
	free(r);
	tt_err_has(&t, "read", "{\"path\":\"big.txt\",\"offset\":9999}",
		   "past the end", "2500 lines");
	buf_free(&b);
	tt_teardown(&t);
}
END_TEST

START_TEST(read_cuts_long_lines)
{
	struct tt t;
	char *line = xmalloc(5002), *r;
	tt_setup(&t);
	memset(line, 'x', 5000);
	line[5000] = '\n';
	line[5001] = '\0';
	tt_put(&t, "long.txt", line);
	r = tt_ok(&t, "read", "{\"path\":\"long.txt\"}");
	tt_has(r, "[... line cut: 5000 bytes in all]");
	ck_assert_uint_lt(strlen(r), 2100);
	ck_assert_uint_gt(strlen(r), 2000);
	free(r);
	free(line);
	/* output stays bounded: many wide lines stop early with a note */
	{
		struct buf b = BUF_INIT;
		int i;
		for (i = 0; i < 2000; i++) {
			int k;
			for (k = 0; k < 150; k++)
				buf_adds(&b, "0123456789");
			buf_addc(&b, '\n');
		}
		tt_put(&t, "wide.txt", buf_str(&b));
		buf_free(&b);
	}
	r = tt_ok(&t, "read", "{\"path\":\"wide.txt\"}");
	ck_assert_uint_lt(strlen(r), 110000);
	tt_has(r, "of 2000; continue with offset=");
	free(r);
	tt_teardown(&t);
}
END_TEST

START_TEST(read_refusals)
{
	struct tt t;
	char *p;
	FILE *f;
	tt_setup(&t);
	p = tt_path(&t, "bin.dat");
	f = fopen(p, "wb");
	fwrite("abc\0def", 1, 7, f);
	fclose(f);
	free(p);
	tt_err_has(&t, "read", "{\"path\":\"bin.dat\"}", "binary file", "NUL");
	tt_put(&t, "latin1.txt", "caf\xe9\n");
	tt_err_has(&t, "read", "{\"path\":\"latin1.txt\"}", "not valid UTF-8");
	tt_put(&t, "sub/x.txt", "x\n");
	tt_err_has(&t, "read", "{\"path\":\"sub\"}", "is a directory; use ls");
	tt_err_has(&t, "read", "{\"path\":\"nope.txt\"}",
		   "File not found: nope.txt");
	tt_put(&t, "empty.txt", "");
	tt_ok_has(&t, "read", "{\"path\":\"empty.txt\"}", "empty");
	/* valid UTF-8 is text */
	tt_put(&t, "utf8.txt", "caf\xc3\xa9\n");
	tt_ok_has(&t, "read", "{\"path\":\"utf8.txt\"}", "caf\xc3\xa9");
	tt_teardown(&t);
}
END_TEST

/* ---- write ---- */

START_TEST(write_creates_parents_and_refuses_unread)
{
	struct tt t;
	tt_setup(&t);
	tt_ok_has(&t, "write", "{\"path\":\"d1/d2/new.txt\",\"content\":\"hi\\n\"}",
		  "Created d1/d2/new.txt (1 lines, 3 bytes)");
	tt_file_is(&t, "d1/d2/new.txt", "hi\n");
	/* written this session: may be written again */
	tt_ok_has(&t, "write", "{\"path\":\"d1/d2/new.txt\",\"content\":\"ho\"}",
		  "Wrote");
	/* an existing file not read: refused, untouched */
	tt_put(&t, "old.txt", "keep\n");
	tt_err_has(&t, "write", "{\"path\":\"old.txt\",\"content\":\"x\"}",
		   "was not read", "Read it first");
	tt_file_is(&t, "old.txt", "keep\n");
	free(tt_ok(&t, "read", "{\"path\":\"./d1/../old.txt\"}"));
	free(tt_ok(&t, "write", "{\"path\":\"old.txt\",\"content\":\"x\"}"));
	tt_file_is(&t, "old.txt", "x");
	tt_err_has(&t, "write", "{\"path\":\"d1\",\"content\":\"x\"}",
		   "is a directory");
	tt_teardown(&t);
}
END_TEST

START_TEST(write_keeps_mode)
{
	struct tt t;
	struct stat st;
	char *p;
	tt_setup(&t);
	tt_put(&t, "run.sh", "echo a\n");
	p = tt_path(&t, "run.sh");
	ck_assert_int_eq(chmod(p, 0751), 0);
	free(tt_ok(&t, "read", "{\"path\":\"run.sh\"}"));
	free(tt_ok(&t, "write", "{\"path\":\"run.sh\",\"content\":\"echo b\\n\"}"));
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	/* edit keeps it too */
	free(tt_ok(&t, "edit", "{\"path\":\"run.sh\",\"old_string\":\"b\","
		   "\"new_string\":\"c\"}"));
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	free(p);
	tt_teardown(&t);
}
END_TEST

START_TEST(write_and_edit_through_symlinks)
{
	struct tt t;
	struct stat st;
	char *p, *outside;
	tt_setup(&t);
	/* a link to a file in the workspace: the target changes, the link stays */
	tt_put(&t, "real.txt", "one\n");
	p = tt_path(&t, "l.txt");
	ck_assert_int_eq(symlink("real.txt", p), 0);
	free(tt_ok(&t, "read", "{\"path\":\"l.txt\"}"));
	free(tt_ok(&t, "write", "{\"path\":\"l.txt\",\"content\":\"two\\n\"}"));
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	tt_file_is(&t, "real.txt", "two\n");
	free(tt_ok(&t, "edit", "{\"path\":\"l.txt\",\"old_string\":\"two\","
		   "\"new_string\":\"three\"}"));
	tt_file_is(&t, "real.txt", "three\n");
	/* links that lead out of the workspace are refused */
	outside = path_join(t.sess, "victim.txt");
	{
		FILE *f = fopen(outside, "w");
		fputs("keep\n", f);
		fclose(f);
	}
	tt_symlink(&t, outside, "out.txt");
	/* a read through it asks: its real target is outside */
	tt_err_has(&t, "read", "{\"path\":\"out.txt\"}",
		   "outside the workspace, needs approval");
	tt_err_has(&t, "write", "{\"path\":\"out.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	tt_symlink(&t, t.sess, "outdir");
	tt_err_has(&t, "write", "{\"path\":\"outdir/new/f.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	p = path_join(t.sess, "new");
	ck_assert(!fs_exists(p));
	free(p);
	tt_err_has(&t, "edit", "{\"path\":\"out.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"gone\"}", "outside the workspace");
	{
		struct buf b = BUF_INIT;
		ck_assert_int_eq(fs_read_file(outside, 0, &b), C_OK);
		ck_assert_str_eq(buf_str(&b), "keep\n");
		buf_free(&b);
	}
	free(outside);
	tt_teardown(&t);
}
END_TEST

/* ---- edit ---- */

START_TEST(edit_once_and_counts)
{
	struct tt t;
	tt_setup(&t);
	tt_put(&t, "f.c", "int a;\nint b;\nint a;\nint a;\n");
	tt_err_has(&t, "edit", "{\"path\":\"f.c\",\"old_string\":\"int a;\","
		   "\"new_string\":\"int z;\"}",
		   "occurs 3 times", "lines 1, 3, 4", "replace_all");
	tt_err_has(&t, "edit", "{\"path\":\"f.c\",\"old_string\":\"int q;\","
		   "\"new_string\":\"int z;\"}", "not found", "0 occurrences");
	tt_ok_has(&t, "edit", "{\"path\":\"f.c\",\"old_string\":\"int b;\","
		  "\"new_string\":\"int b1;\\nint b2;\"}",
		  "replaced 1 occurrence; now lines 2-3");
	tt_file_is(&t, "f.c", "int a;\nint b1;\nint b2;\nint a;\nint a;\n");
	tt_ok_has(&t, "edit", "{\"path\":\"f.c\",\"old_string\":\"int a;\","
		  "\"new_string\":\"long a;\",\"replace_all\":true}",
		  "replaced 3 occurrences at lines 1, 4, 5");
	tt_file_is(&t, "f.c", "long a;\nint b1;\nint b2;\nlong a;\nlong a;\n");
	tt_teardown(&t);
}
END_TEST

START_TEST(edit_refusals)
{
	struct tt t;
	tt_setup(&t);
	tt_put(&t, "f.txt", "abc\n");
	tt_err_has(&t, "edit", "{\"path\":\"f.txt\",\"old_string\":\"abc\","
		   "\"new_string\":\"abc\"}", "identical");
	tt_err_has(&t, "edit", "{\"path\":\"f.txt\",\"old_string\":\"\","
		   "\"new_string\":\"x\"}", "old_string is empty");
	tt_err_has(&t, "edit", "{\"path\":\"g.txt\",\"old_string\":\"a\","
		   "\"new_string\":\"x\"}", "does not exist; use write");
	tt_teardown(&t);
}
END_TEST

START_TEST(edit_crlf_and_final_newline)
{
	/* edits in order; `before` NULL: the file as the row above left it */
	static const struct {
		const char *file, *before, *args, *after;
	} rows[] = {
		{ "w.txt", "one\r\ntwo\r\nthree\r\n",
		  "{\"path\":\"w.txt\",\"old_string\":\"one\\ntwo\","
		  "\"new_string\":\"ONE\\nTWO\\n2b\"}",
		  "ONE\r\nTWO\r\n2b\r\nthree\r\n" },
		/* single-line old_string, multi-line new_string in a CRLF file */
		{ "w.txt", NULL,
		  "{\"path\":\"w.txt\",\"old_string\":\"three\","
		  "\"new_string\":\"3\\n4\"}",
		  "ONE\r\nTWO\r\n2b\r\n3\r\n4\r\n" },
		/* no final newline stays that way */
		{ "n.txt", "a\nlast",
		  "{\"path\":\"n.txt\",\"old_string\":\"last\","
		  "\"new_string\":\"final\\n\"}",
		  "a\nfinal" },
		{ "n.txt", NULL,
		  "{\"path\":\"n.txt\",\"old_string\":\"a\\n\","
		  "\"new_string\":\"b\\n\"}",
		  "b\nfinal" },
		/* a final newline stays too */
		{ "y.txt", "a\nb\n",
		  "{\"path\":\"y.txt\",\"old_string\":\"\\nb\\n\","
		  "\"new_string\":\"\"}",
		  "a\n" },
	};
	struct tt t;
	tt_setup(&t);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (rows[i].before)
			tt_put(&t, rows[i].file, rows[i].before);
		free(tt_ok(&t, "edit", rows[i].args));
		tt_file_is(&t, rows[i].file, rows[i].after);
	}
	tt_teardown(&t);
}
END_TEST

/* ---- exit_plan ---- */

static enum plan_answer plan_reply;
static char *plan_seen;

static enum plan_answer
review(void *ud, const char *plan, char **feedback)
{
	(void)ud;
	free(plan_seen);
	plan_seen = xstrdup(plan);
	*feedback = plan_reply == PLAN_KEEP ? xstrdup("smaller steps") : NULL;
	return plan_reply;
}

START_TEST(exit_plan_modes)
{
	struct tt t;
	const char *args = "{\"plan\":\"Summary.\\n\\n1. First step\\n"
			   "   - a detail\\n2. Second step\\n```\\n- not a step\\n"
			   "```\\n- [ ] Third step\\n\"}";
	tt_setup(&t);
	/* outside plan mode it is refused and changes nothing */
	tt_err_has(&t, "exit_plan", args, "only for plan mode");
	ck_assert_int_eq(t.pol.mode, MODE_AUTO);
	/* headless: the plan is kept and ends the task */
	t.pol.mode = MODE_PLAN;
	free(tt_ok(&t, "exit_plan", args));
	ck_assert_ptr_nonnull(t.ctx.plan);
	ck_assert_ptr_nonnull(strstr(t.ctx.plan, "1. First step"));
	free(t.ctx.plan);
	t.ctx.plan = NULL;
	ck_assert_int_eq(t.pol.mode, MODE_PLAN);
	tt_err_has(&t, "exit_plan", "{\"plan\":\"  \\n\"}", "empty");
	/* keep planning: the feedback goes to the model, the mode stays */
	t.ctx.review_plan = review;
	plan_reply = PLAN_KEEP;
	tt_ok_has(&t, "exit_plan", args, "still in plan mode", "smaller steps");
	ck_assert_int_eq(t.pol.mode, MODE_PLAN);
	ck_assert_uint_eq(t.todos.n, 0);
	/* approved: the mode changes and the steps seed the todo list */
	plan_reply = PLAN_APPROVE_AUTO_EDIT;
	t.ctx.todos_changed = false;
	tt_ok_has(&t, "exit_plan", args, "approved", "auto-edit");
	ck_assert_str_eq(plan_seen, "Summary.\n\n1. First step\n   - a detail\n"
			 "2. Second step\n```\n- not a step\n```\n- [ ] Third step\n");
	ck_assert_int_eq(t.pol.mode, MODE_AUTO_EDIT);
	ck_assert(t.ctx.todos_changed);
	ck_assert_uint_eq(t.todos.n, 3);
	ck_assert_str_eq(t.todos.items[0].content, "First step");
	ck_assert_str_eq(t.todos.items[1].content, "Second step");
	ck_assert_str_eq(t.todos.items[2].content, "Third step");
	ck_assert_int_eq(t.todos.items[2].status, TODO_PENDING);
	/* once out of plan mode it is refused again */
	tt_err_has(&t, "exit_plan", args, "only for plan mode");
	plan_reply = PLAN_APPROVE_ASK;
	t.pol.mode = MODE_PLAN;
	free(tt_ok(&t, "exit_plan", "{\"plan\":\"Just do it.\"}"));
	ck_assert_int_eq(t.pol.mode, MODE_ASK);
	ck_assert_uint_eq(t.todos.n, 1);
	ck_assert_str_eq(t.todos.items[0].content, "Carry out the approved plan");
	free(plan_seen);
	plan_seen = NULL;
	tt_teardown(&t);
}
END_TEST

/* ---- todo ---- */

START_TEST(todo_replaces_plan)
{
	struct tt t;
	char *r;
	tt_setup(&t);
	r = tt_ok(&t, "todo", "{\"items\":[{\"content\":\"read code\","
		  "\"status\":\"completed\"},{\"content\":\"fix bug\","
		  "\"status\":\"in_progress\"},{\"content\":\"test\","
		  "\"status\":\"pending\"}]}");
	ck_assert_str_eq(r, "Plan (1/3 done):\n[x] read code\n[>] fix bug\n"
			 "[ ] test\n");
	free(r);
	ck_assert_uint_eq(t.todos.n, 3);
	ck_assert_str_eq(t.todos.items[1].content, "fix bug");
	ck_assert_int_eq(t.todos.items[1].status, TODO_IN_PROGRESS);
	ck_assert_str_eq(todo_status_str(t.todos.items[2].status), "pending");
	free(tt_ok(&t, "todo", "{\"items\":[{\"content\":\"only\","
		   "\"status\":\"pending\"}]}"));
	ck_assert_uint_eq(t.todos.n, 1);
	tt_err_has(&t, "todo", "{\"items\":[{\"content\":\"x\","
		   "\"status\":\"done\"}]}", "must be one of");
	ck_assert_uint_eq(t.todos.n, 1);
	tt_err_has(&t, "todo", "{\"items\":[{\"content\":\"\","
		   "\"status\":\"pending\"}]}", "content is empty");
	tt_ok_has(&t, "todo", "{\"items\":[]}", "cleared");
	ck_assert_uint_eq(t.todos.n, 0);
	tt_teardown(&t);
}
END_TEST

/* ---- registry and tool_call ---- */

START_TEST(table_descriptions_and_schemas)
{
	size_t i, total = 0;
	const char *want[] = { "read", "write", "edit", "bash", "glob", "grep",
			       "ls", "todo", "memory", "skill", "exit_plan" };
	for (i = 0; tool_table[i]; i++) {
		const struct tool *tl = tool_table[i];
		cJSON *s = cJSON_Parse(tl->schema);
		ck_assert_msg(s != NULL, "schema of %s does not parse", tl->name);
		ck_assert_msg(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s,
			"additionalProperties")), "%s: additionalProperties", tl->name);
		cJSON_Delete(s);
		ck_assert_msg(strlen(tl->description) <= 250,
			      "description of %s is %zu bytes", tl->name,
			      strlen(tl->description));
		ck_assert_ptr_eq(tool_find(tl->name), tl);
		ck_assert_ptr_nonnull(tl->exec);
		total += strlen(tl->description) + strlen(tl->schema);
	}
	ck_assert_uint_eq(i, 11);
	for (i = 0; i < 11; i++)
		ck_assert_ptr_nonnull(tool_find(want[i]));
	ck_assert_ptr_null(tool_find("nope"));
	fprintf(stderr, "tools: descriptions+schemas = %zu bytes\n", total);
	/* the 8 core tools within 3,000 bytes, all 10 within 3,800 */
	ck_assert_uint_le(total, 3800);
}
END_TEST

START_TEST(call_rejects_bad_arguments)
{
	struct tt t;
	tt_setup(&t);
	tt_err_has(&t, "frobnicate", "{}",
		   "Unknown tool \"frobnicate\"", "read, write, edit");
	tt_err_has(&t, "read", "{\"path\": \"a\",", "not valid JSON", "line 1");
	tt_err_has(&t, "read", "[1,2]", "must be a JSON object");
	tt_err_has(&t, "read", "{}",
		   "Invalid arguments for read",
		   "missing required property \"path\"");
	tt_err_has(&t, "read", "{\"path\":7}",
		   "arguments.path: expected string, got number");
	tt_err_has(&t, "read", "{\"path\":\"a\",\"lines\":3}",
		   "unknown property \"lines\"");
	tt_err_has(&t, "bash", "{\"command\":\"true\",\"timeout_ms\":9000000}",
		   "must be <= 600000");
	tt_err_has(&t, "grep", "{\"pattern\":\"x\",\"output_mode\":\"lines\"}",
		   "must be one of");
	/* empty arguments mean {} */
	free(tt_ok(&t, "ls", ""));
	tt_teardown(&t);
}
END_TEST

struct fake_user {
	int asked;
	enum approval answer;
	char *summary, *diff, *reason_seen, *project_rule;
	bool can_unsandbox;
};

static enum approval
fake_approve(void *ud, const struct approval_req *req, char **reason)
{
	struct fake_user *u = ud;
	u->asked++;
	free(u->summary);
	free(u->diff);
	free(u->reason_seen);
	u->summary = xstrdup(req->summary);
	u->diff = xstrdup(req->diff);
	u->reason_seen = xstrdup(req->reason);
	free(u->project_rule);
	u->project_rule = req->project_rule ? xstrdup(req->project_rule) : NULL;
	u->can_unsandbox = req->can_unsandbox;
	if (u->answer == APPROVE_DENY)
		*reason = xstrdup("not that file");
	return u->answer;
}

static void
fake_free(struct fake_user *u)
{
	free(u->summary);
	free(u->diff);
	free(u->reason_seen);
	free(u->project_rule);
}

START_TEST(call_policy_deny_and_headless_ask)
{
	struct tt t;
	tt_setup(&t);
	t.pol.mode = MODE_READ_ONLY;
	tt_err_has(&t, "write", "{\"path\":\"x.txt\",\"content\":\"x\"}",
		   "Permission denied: mode read-only forbids write");
	ck_assert_ptr_null(tt_get(&t, "x.txt"));
	/* reads still run in read-only mode */
	free(tt_ok(&t, "ls", "{}"));
	/* ask with no one to answer */
	t.pol.mode = MODE_ASK;
	tt_err_has(&t, "bash", "{\"command\":\"echo hi; touch hi\"}",
		   "needs approval", "--mode auto", "--yes");
	tt_err_has(&t, "write", "{\"path\":\"x.txt\",\"content\":\"x\"}",
		   "--mode auto-edit");
	ck_assert_ptr_null(tt_get(&t, "x.txt"));
	/* auto-edit: writes run, commands still ask */
	t.pol.mode = MODE_AUTO_EDIT;
	free(tt_ok(&t, "write", "{\"path\":\"x.txt\",\"content\":\"x\"}"));
	tt_err_has(&t, "bash", "{\"command\":\"echo hi; touch hi\"}",
		   "needs approval");
	/* --yes */
	t.pol.yes = true;
	tt_ok_has(&t, "bash", "{\"command\":\"echo hi; touch hi\"}", "hi\n");
	tt_teardown(&t);
}
END_TEST

/* "always for this project" saves a rule in the user's config dir; "once
 * outside the sandbox" runs that one command unconfined. */
START_TEST(call_approve_project_and_unsandboxed)
{
	struct tt t;
	struct fake_user u = { 0 };
	struct buf err = BUF_INIT;
	char *cfg, *outside, *cmd;
	cJSON *saved;
	struct stat st;

	tt_setup(&t);
	cfg = xasprintf("%s/../cfg", t.ws);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	t.pol.mode = MODE_ASK;
	t.ctx.approve = fake_approve;
	t.ctx.ud = &u;
	u.answer = APPROVE_PROJECT;
	free(tt_ok(&t, "bash", "{\"command\":\"touch made\"}"));
	ck_assert_int_eq(u.asked, 1);
	ck_assert_str_eq(u.project_rule, "bash(touch made *)");
	ck_assert(u.can_unsandbox);
	saved = policy_project_rules(t.ws, &err);
	ck_assert_int_eq(cJSON_GetArraySize(saved), 1);
	ck_assert_str_eq(cJSON_GetArrayItem(saved, 0)->valuestring, "bash(touch made *)");
	cJSON_Delete(saved);
	/* no longer asks, in this session or a new one */
	free(tt_ok(&t, "bash", "{\"command\":\"touch made again\"}"));
	ck_assert_int_eq(u.asked, 1);
	policy_free(&t.pol);
	policy_init(&t.pol, MODE_ASK);
	ck_assert_int_eq(policy_project_rules_load(&t.pol, t.ws, &err), C_OK);
	free(tt_ok(&t, "bash", "{\"command\":\"touch made\"}"));
	ck_assert_int_eq(u.asked, 1);
	/* once outside the sandbox: a write outside the workspace works */
	outside = xasprintf("%s/../outside-file", t.ws);
	cmd = xasprintf("{\"command\":\"touch %s\"}", outside);
	u.answer = APPROVE_UNSANDBOXED;
	free(tt_ok(&t, "bash", cmd));
	ck_assert_int_eq(u.asked, 2);
	ck_assert_int_eq(stat(outside, &st), 0);
	ck_assert(!t.ctx.sandbox.off); /* only for that command */
	/* read-only mode never offers it */
	t.pol.mode = MODE_READ_ONLY;
	free(tt_err(&t, "bash", "{\"command\":\"touch z\"}"));
	ck_assert_int_eq(u.asked, 2);
	unlink(outside);
	free(outside);
	free(cmd);
	unsetenv("XDG_CONFIG_HOME");
	{
		char *rm = xasprintf("rm -rf '%s'", cfg);
		ck_assert_int_eq(system(rm), 0);
		free(rm);
	}
	free(cfg);
	buf_free(&err);
	fake_free(&u);
	tt_teardown(&t);
}
END_TEST

START_TEST(call_network_asked_per_command)
{
	struct tt t;
	struct fake_user u = { 0 };
	tt_setup(&t);
	t.pol.mode = MODE_AUTO;
	/* headless: no one to ask, the network stays off, the model is told */
	tt_ok_has(&t, "bash", "{\"command\":\"curl -s http://127.0.0.1:9/\"}",
		  "network is off inside the sandbox");
	/* a command with no network use is not asked about */
	t.ctx.approve = fake_approve;
	t.ctx.ud = &u;
	u.answer = APPROVE_DENY;
	free(tt_ok(&t, "bash", "{\"command\":\"echo local\"}"));
	ck_assert_int_eq(u.asked, 0);
	/* asked; denied: runs with the network off */
	free(tt_ok(&t, "bash", "{\"command\":\"curl -s http://127.0.0.1:9/\"}"));
	ck_assert_int_eq(u.asked, 1);
	ck_assert_str_eq(u.summary, "curl -s http://127.0.0.1:9/");
	tt_has(u.reason_seen, "network");
	ck_assert(!t.ctx.sandbox.allow_network);
	/* approved once: asked again next time, and the grant does not stick */
	u.answer = APPROVE_ONCE;
	free(tt_ok(&t, "bash", "{\"command\":\"curl -s http://127.0.0.1:9/\"}"));
	ck_assert_int_eq(u.asked, 2);
	ck_assert(!t.ctx.sandbox.allow_network);
	fake_free(&u);
	tt_teardown(&t);
}
END_TEST

START_TEST(call_ask_with_approve_callback)
{
	struct tt t;
	struct fake_user u = { 0 };
	tt_setup(&t);
	t.pol.mode = MODE_ASK;
	t.ctx.approve = fake_approve;
	t.ctx.ud = &u;

	/* denied with a reason */
	u.answer = APPROVE_DENY;
	tt_err_has(&t, "write", "{\"path\":\"n.txt\",\"content\":\"a\\nb\\n\"}",
		   "The user denied this write call", "not that file");
	ck_assert_int_eq(u.asked, 1);
	ck_assert_ptr_null(tt_get(&t, "n.txt"));
	tt_has(u.summary, "write ");
	tt_has(u.summary, "/n.txt");
	tt_has(u.diff, "--- /dev/null\n");
	tt_has(u.diff, "@@ -0,0 +1,2 @@\n+a\n+b\n");
	tt_has(u.reason_seen, "needs approval");

	/* approved once: runs; asked again next time */
	u.answer = APPROVE_ONCE;
	free(tt_ok(&t, "write", "{\"path\":\"n.txt\",\"content\":\"a\\nb\\n\"}"));
	tt_file_is(&t, "n.txt", "a\nb\n");
	ck_assert_int_eq(u.asked, 2);

	/* an edit shows its diff */
	free(tt_ok(&t, "edit", "{\"path\":\"n.txt\",\"old_string\":\"b\","
		   "\"new_string\":\"B\"}"));
	ck_assert_int_eq(u.asked, 3);
	tt_has(u.diff, "@@ -1,2 +1,2 @@\n a\n-b\n+B\n");
	tt_has(u.summary, "edit ");

	/* an edit that cannot apply fails without asking */
	tt_err_has(&t, "edit", "{\"path\":\"n.txt\",\"old_string\":\"zzz\","
		   "\"new_string\":\"y\"}", "0 occurrences");
	ck_assert_int_eq(u.asked, 3);

	/* approve for the session: the rule sticks */
	u.answer = APPROVE_SESSION;
	free(tt_ok(&t, "bash", "{\"command\":\"echo one; touch one\"}"));
	ck_assert_int_eq(u.asked, 4);
	ck_assert_str_eq(u.summary, "echo one; touch one");
	free(tt_ok(&t, "bash", "{\"command\":\"echo one; touch one\"}"));
	ck_assert_int_eq(u.asked, 4);
	/* another command still asks */
	free(tt_ok(&t, "bash", "{\"command\":\"echo two; touch two\"}"));
	ck_assert_int_eq(u.asked, 5);
	/* read-only tools never ask, nor commands of the read-only list */
	free(tt_ok(&t, "bash", "{\"command\":\"ls && git status --short || true\"}"));
	free(tt_ok(&t, "read", "{\"path\":\"n.txt\"}"));
	free(tt_ok(&t, "todo", "{\"items\":[]}"));
	ck_assert_int_eq(u.asked, 5);
	fake_free(&u);
	tt_teardown(&t);
}
END_TEST

/* The file changes while the user looks at the diff: what was approved
 * is not what would be written, so nothing is. */
static const char *racer_path;
static const char *racer_text;

static enum approval
racing_approve(void *ud, const struct approval_req *req, char **reason)
{
	FILE *f = fopen(racer_path, "w");
	(void)req;
	(void)reason;
	ck_assert_ptr_nonnull(f);
	fputs(racer_text, f);
	fclose(f);
	(*(int *)ud)++;
	return APPROVE_ONCE;
}

START_TEST(call_writes_only_the_change_approved)
{
	struct tt t;
	int asked = 0;
	char *abs;
	tt_setup(&t);
	abs = tt_path(&t, "n.txt");
	tt_put(&t, "n.txt", "a\nb\n");
	free(tt_ok(&t, "read", "{\"path\":\"n.txt\"}"));
	t.pol.mode = MODE_ASK;
	t.ctx.approve = racing_approve;
	t.ctx.ud = &asked;
	racer_path = abs;

	/* edit: the diff showed a,b -> a,B; meanwhile the file became
	 * a,b,c, where the same call would now make another change */
	racer_text = "a\nb\nc\n";
	tt_err_has(&t, "edit", "{\"path\":\"n.txt\",\"old_string\":\"b\","
		   "\"new_string\":\"B\"}",
		   "changed after the change was shown for approval");
	tt_file_is(&t, "n.txt", "a\nb\nc\n");

	/* write over a file that changed while asking: not written */
	racer_text = "someone else\n";
	tt_err_has(&t, "write", "{\"path\":\"n.txt\",\"content\":\"mine\\n\"}",
		   "nothing was written");
	tt_file_is(&t, "n.txt", "someone else\n");

	/* unchanged while asking: the approved change is made */
	racer_text = "someone else\n";
	free(tt_ok(&t, "write", "{\"path\":\"n.txt\",\"content\":\"mine\\n\"}"));
	tt_file_is(&t, "n.txt", "mine\n");
	ck_assert_int_eq(asked, 3);
	free(abs);
	tt_teardown(&t);
}
END_TEST

/* ---- unified diff ---- */

START_TEST(diff_unified_output)
{
	char *d;
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n";
	const char *b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n15\n16\n";

	d = diff_unified("a/x", a, strlen(a), "b/x", a, strlen(a));
	ck_assert_str_eq(d, "");
	free(d);
	d = diff_unified("a/x", a, strlen(a), "b/x", b, strlen(b));
	ck_assert_str_eq(d,
		"--- a/x\n+++ b/x\n"
		"@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n"
		"@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n 15\n+16\n");
	free(d);
	/* close changes share one hunk */
	d = diff_unified("a", "a\nb\nc\nd\ne\n", 10, "b", "A\nb\nc\nd\nE\n", 10);
	ck_assert_str_eq(d, "--- a\n+++ b\n@@ -1,5 +1,5 @@\n-a\n+A\n b\n c\n d\n"
			 "-e\n+E\n");
	free(d);
	/* missing final newline */
	d = diff_unified("a", "x\ny", 3, "b", "x\ny\n", 4);
	ck_assert_str_eq(d, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n"
			 "\\ No newline at end of file\n+y\n");
	free(d);
	/* deletion of everything */
	d = diff_unified("a", "p\nq\n", 4, "b", "", 0);
	ck_assert_str_eq(d, "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-p\n-q\n");
	free(d);
}
END_TEST

CHECK_MAIN("tools-files", .timeout = 60, .tests = CHECK_TESTS(
	read_numbers_lines_and_records, read_offset_limit_and_more,
	read_cuts_long_lines, read_refusals,
	write_creates_parents_and_refuses_unread, write_keeps_mode,
	write_and_edit_through_symlinks, edit_once_and_counts, edit_refusals,
	edit_crlf_and_final_newline, todo_replaces_plan, exit_plan_modes,
	table_descriptions_and_schemas, call_rejects_bad_arguments,
	call_policy_deny_and_headless_ask, call_ask_with_approve_callback,
	call_writes_only_the_change_approved, call_network_asked_per_command,
	call_approve_project_and_unsandboxed, diff_unified_output))
