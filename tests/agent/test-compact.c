/* Check suite for compaction (src/agent/compact.c) and reflection
 * (reflect.c) driven by the scripted provider: the memory flush comes
 * before the summary, a tool call is never separated from its result, a
 * failed summary keeps the context, and a reflection answer becomes a
 * skill. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent-int.h"
#include "agent/mind.h"
#include "memory/memory.h"
#include "provider/chain.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/xdg-home.h"


struct seen {
	int compacted, failed;
	struct buf notices;
};

static void
on_notice(void *ud, const char *msg)
{
	struct seen *s = ud;
	buf_printf(&s->notices, "%s\n", msg);
	s->compacted += strstr(msg, "context compacted") != NULL;
	s->failed += strstr(msg, "compaction failed") != NULL;
}

static void
on_answered(void *ud, const struct agent_result *res)
{
	struct seen *s = ud;
	buf_printf(&s->notices, "[answered: %s]\n", res->text ? res->text : "");
}

/* An agent on a scripted chain, and what its events said. */
struct rig {
	struct agent a;
	struct chain *ch;
	cJSON *cfg;
	struct seen seen;
	struct agent_events ev; /* notices (and answers) into `seen` */
};

/* Open `g`: its agent runs the turns in `script` (JSON) with `config`
 * (JSON) in the temporary home; release it with rig_close(). */
static void
rig_open(struct rig *g, const char *script, const char *config)
{
	struct agent_opts o;
	struct provider_error err;
	char *p = xasprintf("%s/script.json", xdg_home);
	struct provider *prov;
	memset(g, 0, sizeof *g);
	buf_init(&g->seen.notices, 0);
	g->ev.ud = &g->seen;
	g->ev.notice = on_notice;
	ck_assert_int_eq(fs_write_atomic(p, script, strlen(script), 0600), C_OK);
	prov = provider_scripted_open(p, &err);
	ck_assert_msg(prov != NULL, "%s", err.msg);
	free(p);
	g->ch = chain_new(true);
	chain_add(g->ch, prov);
	g->cfg = cJSON_Parse(config);
	ck_assert_ptr_nonnull(g->cfg);
	memset(&o, 0, sizeof o);
	o.workspace = xdg_home;
	o.cwd = xdg_home;
	o.chain = g->ch;
	o.cancel_fd = -1;
	o.config = g->cfg;
	o.reflect = true;
	agent_init(&g->a, &o, NULL);
	/* the size of the tool table must not decide when these tests compact */
	free(g->a.tools);
	g->a.tools = NULL;
	g->a.ntools = 0;
}

static void
rig_close(struct rig *g)
{
	agent_release(&g->a);
	chain_free(g->ch);
	cJSON_Delete(g->cfg);
	buf_free(&g->seen.notices);
}

/* invariant: every tool call is answered in the very next message */
static void
check_pairs(const struct conv *c)
{
	size_t i, j, k;
	for (i = 0; i < c->n; i++)
		for (j = 0; j < c->msgs[i].nblocks; j++) {
			const struct conv_block *b = &c->msgs[i].blocks[j];
			bool found = false;
			if (b->type == BLK_TOOL_RESULT) {
				ck_assert_uint_gt(i, 0);
				for (k = 0; k < c->msgs[i - 1].nblocks; k++)
					found |= c->msgs[i - 1].blocks[k].type == BLK_TOOL_CALL &&
						 !strcmp(c->msgs[i - 1].blocks[k].id, b->id);
				ck_assert_msg(found, "result %s without its call", b->id);
			}
			if (b->type != BLK_TOOL_CALL)
				continue;
			ck_assert_uint_lt(i + 1, c->n);
			for (k = 0; k < c->msgs[i + 1].nblocks; k++)
				found |= c->msgs[i + 1].blocks[k].type == BLK_TOOL_RESULT &&
					 !strcmp(c->msgs[i + 1].blocks[k].id, b->id);
			ck_assert_msg(found, "call %s without its result", b->id);
		}
}

static char *
big_prompt(void)
{
	char *p = xmalloc(24001);
	size_t i;
	for (i = 0; i < 24000; i++)
		p[i] = (char)('a' + i % 23);
	p[24000] = '\0';
	memcpy(p, "TASK-START ", 11);
	return p;
}

static const char CONFIG[] =
	"{\"context_window\": 5000, \"compaction\": {\"keep_recent\": 1},"
	" \"skills\": {\"auto_write\": \"off\"}}";

START_TEST(flush_then_summary_pairs_kept)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"tool_calls\": [{\"id\": \"c1\", \"name\": \"nosuch\", \"args\": {}}]},"
		" {\"expect_user\": \"about to be compacted\", \"tool_calls\": [{\"id\": \"m1\","
		"   \"name\": \"memory\", \"args\": {\"action\": \"add\", \"content\": \"flushed fact\"}}]},"
		" {\"expect_result\": \"added to MEMORY.md\", \"text\": \"DONE\"},"
		" {\"expect_system\": \"You summarise a coding session\","
		"  \"expect_user\": \"TASK-START\", \"text\": \"SUMMARY-TEXT\"},"
		" {\"text\": \"final answer\"}"
		"]}";
	struct rig g;
	struct agent_result r;
	char *prompt = big_prompt(), *t;
	struct mem_store m;
	char **v;
	size_t n;

	rig_open(&g, script, CONFIG);
	ck_assert_int_eq(agent_run(&g.a, prompt, &g.ev, &r), C_OK);
	ck_assert_msg(g.seen.compacted == 1, "%s / %s", buf_str(&g.seen.notices), r.errmsg);
	ck_assert_str_eq(r.text, "final answer");
	/* [summary, assistant(call c1), user(result c1), assistant(final)] */
	ck_assert_uint_eq(g.a.conv.n, 4);
	t = conv_msg_text(&g.a.conv.msgs[0]);
	ck_assert_ptr_nonnull(strstr(t, "SUMMARY-TEXT"));
	ck_assert_ptr_nonnull(strstr(t, "TASK-START")); /* the request, verbatim */
	free(t);
	check_pairs(&g.a.conv);
	mem_open(&m, xdg_home, 0, 0);
	ck_assert_int_eq(mem_load(&m, MEM_PROJECT, &v, &n), C_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "flushed fact");
	mem_entries_free(v, n);
	mem_close(&m);
	agent_result_free(&r);
	rig_close(&g);
	free(prompt);
}
END_TEST

START_TEST(failed_summary_keeps_context)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"tool_calls\": [{\"id\": \"c1\", \"name\": \"nosuch\", \"args\": {}}]},"
		" {\"expect_user\": \"about to be compacted\", \"text\": \"DONE\"},"
		" {\"error\": {\"kind\": \"badreq\", \"message\": \"summary exploded\"}},"
		" {\"text\": \"still fine\"}"
		"]}";
	struct rig g;
	struct agent_result r;
	char *prompt = big_prompt(), *t;

	rig_open(&g, script, CONFIG);
	ck_assert_int_eq(agent_run(&g.a, prompt, &g.ev, &r), C_OK);
	ck_assert_int_eq(g.seen.compacted, 0);
	ck_assert_int_eq(g.seen.failed, 1);
	ck_assert_ptr_nonnull(strstr(buf_str(&g.seen.notices), "summary exploded"));
	ck_assert_ptr_nonnull(strstr(buf_str(&g.seen.notices), "full context is kept"));
	ck_assert_str_eq(r.text, "still fine");
	ck_assert_uint_eq(g.a.conv.n, 4);
	t = conv_msg_text(&g.a.conv.msgs[0]);
	ck_assert_str_eq(t, prompt); /* nothing dropped */
	free(t);
	check_pairs(&g.a.conv);
	agent_result_free(&r);
	rig_close(&g);
	free(prompt);
}
END_TEST

START_TEST(overflow_compacts_and_retries)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"tool_calls\": [{\"id\": \"c1\", \"name\": \"nosuch\", \"args\": {}}]},"
		" {\"error\": {\"kind\": \"context\", \"message\": \"prompt is too long\"}},"
		" {\"expect_user\": \"about to be compacted\", \"text\": \"DONE\"},"
		" {\"expect_system\": \"You summarise\", \"text\": \"SUMMARY\"},"
		" {\"text\": \"ok after overflow\"}"
		"]}";
	struct rig g;
	struct agent_result r;

	char *prompt = big_prompt();

	rig_open(&g, script, "{\"compaction\": {\"keep_recent\": 1}}");
	ck_assert_int_eq(agent_run(&g.a, prompt, &g.ev, &r), C_OK);
	ck_assert_str_eq(r.text, "ok after overflow");
	ck_assert_int_eq(g.seen.compacted, 1);
	check_pairs(&g.a.conv);
	agent_result_free(&r);
	rig_close(&g);
	free(prompt);
}
END_TEST

/* An overflow where what a summary would replace is too little to make
 * room (one result too long for the window): no summary is asked for,
 * the notice says why, and the run fails with the window's error. */
START_TEST(overflow_too_little_to_compact)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"tool_calls\": [{\"id\": \"c1\", \"name\": \"nosuch\", \"args\": {}}]},"
		" {\"error\": {\"kind\": \"context\", \"message\": \"prompt is too long\"}},"
		" {\"text\": \"never reached\"}"
		"]}";
	struct rig g;
	struct agent_result r;

	rig_open(&g, script, "{\"compaction\": {\"keep_recent\": 1}}");
	ck_assert_int_ne(agent_run(&g.a, "small task", &g.ev, &r), C_OK);
	ck_assert_int_eq(g.seen.compacted, 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&g.seen.notices), "too little to make room"));
	ck_assert_ptr_null(strstr(buf_str(&g.seen.notices), "compacting"));
	ck_assert_uint_eq(g.a.conv.n, 3); /* nothing dropped */
	agent_result_free(&r);
	rig_close(&g);
}
END_TEST

/* /compact on a conversation with several tool rounds: the cut never
 * falls between a call and its result, and the newest turns stay. */
START_TEST(manual_compact_cut)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"text\": \"DONE\"},"
		" {\"expect_system\": \"special attention to: the parser\", \"text\": \"S\"}"
		"]}";
	struct rig g;
	struct conv_msg *mm;

	rig_open(&g, script, "{\"compaction\": {\"keep_recent\": 2}}");
	conv_msg_add_text(conv_add(&g.a.conv, CONV_USER), "first task");
	conv_msg_add_tool_call(conv_add(&g.a.conv, CONV_ASSISTANT), "a", "read", "{}");
	conv_msg_add_tool_result(conv_add(&g.a.conv, CONV_USER), "a", "ra", false);
	mm = conv_add(&g.a.conv, CONV_ASSISTANT);
	conv_msg_add_tool_call(mm, "b", "read", "{}");
	conv_msg_add_tool_call(mm, "c", "grep", "{}");
	mm = conv_add(&g.a.conv, CONV_USER);
	conv_msg_add_tool_result(mm, "b", "rb", false);
	conv_msg_add_tool_result(mm, "c", "rc", false);
	conv_msg_add_text(conv_add(&g.a.conv, CONV_ASSISTANT), "done with first");
	conv_msg_add_text(conv_add(&g.a.conv, CONV_USER), "second task");
	conv_msg_add_tool_call(conv_add(&g.a.conv, CONV_ASSISTANT), "d", "bash", "{}");
	conv_msg_add_tool_result(conv_add(&g.a.conv, CONV_USER), "d", "rd", false);
	ck_assert_int_eq(agent_compact(&g.a, "the parser", &g.ev), C_OK);
	/* kept: summary + [assistant "done with first", user "second task",
	 * assistant(call d), user(result d)] */
	ck_assert_uint_eq(g.a.conv.n, 5);
	ck_assert_int_eq(g.a.conv.msgs[0].role, CONV_USER);
	ck_assert_int_eq(g.a.conv.msgs[1].role, CONV_ASSISTANT);
	check_pairs(&g.a.conv);
	rig_close(&g);
}
END_TEST

START_TEST(reflection_writes_skill)
{
	static const char script[] =
		"{\"turns\": ["
		" {\"tool_calls\": [{\"id\": \"l1\", \"name\": \"ls\", \"args\": {}}]},"
		" {\"tool_calls\": [{\"id\": \"l2\", \"name\": \"ls\", \"args\": {}}]},"
		" {\"text\": \"task done\"},"
		" {\"expect_system\": \"skill writer\", \"expect_user\": \"The task that just ended\","
		"  \"text\": \"```json\\n{\\\"action\\\": \\\"create\\\", \\\"name\\\": \\\"tidy-up\\\","
		"   \\\"description\\\": \\\"Tidy a repo\\\", \\\"body\\\": \\\"1. git status\\\"}\\n```\"}"
		"]}";
	struct rig g;
	struct agent_result r;
	struct skill_index idx;
	const char *answered, *written;

	rig_open(&g, script, "{}");
	g.ev.answered = on_answered;
	/* agent_task: the task, the answer to the front end, then the
	 * reflection */
	ck_assert_int_eq(agent_task(&g.a, "clean up please", &g.ev, &r), C_OK);
	answered = strstr(buf_str(&g.seen.notices), "[answered: task done]");
	written = strstr(buf_str(&g.seen.notices), "skill \"tidy-up\" written");
	ck_assert_msg(answered && written && answered < written, "%s",
		      buf_str(&g.seen.notices));
	skills_scan(&idx, xdg_home, NULL);
	ck_assert_ptr_nonnull(skills_find(&idx, "tidy-up"));
	ck_assert_int_eq(skills_find(&idx, "tidy-up")->source, SRC_USER);
	skills_index_free(&idx);
	/* a REPL task without tools does not reflect; nor does --no-reflect */
	g.a.o.reflect = false;
	agent_reflect(&g.a, &r, &g.ev);
	agent_result_free(&r);
	rig_close(&g);
}
END_TEST

/* Between tasks: another model (the caller's chain stays the caller's)
 * and another session of the project, in place. */
START_TEST(set_model_and_resume)
{
	struct rig g;
	struct buf err = BUF_INIT;
	struct session *s;
	struct conv_msg m;
	enum cerr e;
	char id[64];

	rig_open(&g, "{\"turns\": []}",
		 "{\"providers\": {\"mine\": {\"type\": \"openai\", "
		   "\"base_url\": \"http://127.0.0.1:9\"}}}");
	ck_assert_str_eq(agent_model(&g.a), chain_label(g.ch));
	/* an unknown provider: nothing changes */
	ck_assert_int_ne(agent_set_model(&g.a, "nope/x", &err), C_OK);
	ck_assert_msg(strstr(buf_str(&err), "nope/x"), "%s", buf_str(&err));
	ck_assert_ptr_eq(g.a.o.chain, g.ch);
	/* a provider the user config defines: used from now on, twice */
	ck_assert_int_eq(agent_set_model(&g.a, "mine/m1", &err), C_OK);
	ck_assert_str_eq(agent_model(&g.a), "mine/m1");
	ck_assert_int_eq(agent_set_model(&g.a, "mine/m2", &err), C_OK);
	ck_assert_str_eq(agent_model(&g.a), "mine/m2");
	ck_assert_ptr_eq(g.a.own_chain, g.a.o.chain); /* ours, not the caller's */
	ck_assert_ptr_ne(g.a.o.chain, g.ch);

	/* resume: a session of this project with one message */
	s = session_create(xdg_home, "scripted/test", &e);
	ck_assert_ptr_nonnull(s);
	snprintf(id, sizeof id, "%s", s->id);
	conv_msg_init(&m, CONV_USER);
	conv_msg_add_text(&m, "from the old session");
	ck_assert_int_eq(session_append_msg(s, &m), C_OK);
	conv_msg_free(&m);
	session_close(s);
	buf_reset(&err);
	ck_assert_int_eq(agent_resume(&g.a, "no-such-session", &err), C_ERR_NOTFOUND);
	ck_assert_uint_eq(g.a.conv.n, 0);
	ck_assert_int_eq(agent_resume(&g.a, id, &err), C_OK);
	ck_assert_str_eq(g.a.session->id, id);
	ck_assert_uint_eq(g.a.conv.n, 1);
	ck_assert_str_eq(g.a.conv.msgs[0].blocks[0].text, "from the old session");
	buf_free(&err);
	rig_close(&g);
}
END_TEST

CHECK_MAIN("compact", .setup = xdg_home_setup,
	.teardown = xdg_home_teardown, .tests = CHECK_TESTS(
	flush_then_summary_pairs_kept, failed_summary_keeps_context,
	manual_compact_cut, overflow_compacts_and_retries, overflow_too_little_to_compact,
	reflection_writes_skill, set_model_and_resume))
