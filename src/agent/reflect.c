/* reflect.c: after a task, one turn with prompts/skill-writer.md decides
 * whether what was learned is worth keeping as a skill: nothing, a new
 * skill, or a patch to an existing one.  conch validates the answer and
 * writes it atomically to the user skills directory (or the review area),
 * recording every write so that `conch skills undo` can restore. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent-int.h"
#include "agent/mind.h"
#include "memory/memory.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/sensitive.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xalloc.h"

#define DIGEST_MAX 24000
#define REFLECT_MIN_CALLS 2

/* Every notice says it came from reflection. */
static void
notice(const struct agent_events *ev, const char *msg)
{
	char *m;
	if (!ev || !ev->notice)
		return;
	m = str_prefix(msg, "reflection") ? xstrdup(msg) :
		xasprintf("reflection: %s", msg);
	ev->notice(ev->ud, m);
	free(m);
}

/* The index of the message that started the last task. */
static size_t
task_start(const struct conv *c)
{
	size_t i, j;
	for (i = c->n; i-- > 0;) {
		const struct conv_msg *m = &c->msgs[i];
		bool text = false, result = false;
		if (m->role != CONV_USER)
			continue;
		for (j = 0; j < m->nblocks; j++) {
			text |= m->blocks[j].type == BLK_TEXT;
			result |= m->blocks[j].type == BLK_TOOL_RESULT;
		}
		if (text && !result)
			return i;
	}
	return 0;
}

/* The JSON object in the model's answer (bare or fenced). */
static cJSON *
find_json(const char *text)
{
	const char *open = strchr(text, '{'), *close = strrchr(text, '}');
	cJSON *j;
	if (!open || !close || close < open)
		return NULL;
	j = jx_parse(open, (size_t)(close - open + 1), NULL, NULL);
	if (j && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static enum cerr
refuse_paths(const char *text, const char *workspace, struct buf *msg)
{
	if (workspace && strlen(workspace) > 1 && strstr(text, workspace)) {
		buf_printf(msg, "refused: the skill names this project's path (%s); "
			   "skills hold reusable procedures, not one-off paths",
			   workspace);
		return C_ERR_INVAL;
	}
	return C_OK;
}

static enum cerr
apply_create(const cJSON *ans, const struct skill_index *idx,
	     const char *workspace, const char *session, bool pending,
	     struct buf *msg)
{
	const char *name = jx_str(ans, "name"), *desc = jx_str(ans, "description");
	const char *body = jx_str(ans, "body");
	char *text;
	enum cerr e;
	if (!name || !desc || !body || !*body) {
		buf_adds(msg, "refused: a new skill needs name, description and body");
		return C_ERR_INVAL;
	}
	if (!skill_name_valid(name)) {
		buf_printf(msg, "refused: \"%s\" is not a valid skill name", name);
		return C_ERR_INVAL;
	}
	if (skills_find(idx, name)) {
		buf_printf(msg, "refused: a skill \"%s\" exists already; patch it "
			   "instead", name);
		return C_ERR_EXISTS;
	}
	text = skill_render(name, desc, body);
	e = refuse_paths(text, workspace, msg);
	if (!e)
		e = skills_write(name, text, "create", session, pending, msg);
	free(text);
	return e;
}

static enum cerr
apply_patch(const cJSON *ans, const struct skill_index *idx,
	    const char *workspace, const char *session, bool pending,
	    struct buf *msg)
{
	const char *name = jx_str(ans, "name"), *old = jx_str(ans, "old");
	const char *new_ = jx_str(ans, "new");
	const struct skill *s = skills_find(idx, name);
	struct buf cur = BUF_INIT, out = BUF_INIT;
	const char *hit;
	size_t count;
	enum cerr e;

	if (!s) {
		buf_printf(msg, "refused: no skill \"%s\" to patch", name ? name : "");
		return C_ERR_NOTFOUND;
	}
	if (s->source == SRC_PROJECT) {
		buf_printf(msg, "refused: \"%s\" is a project skill (%s); the "
			   "project edits its own skills", name, s->path);
		return C_ERR_PERM;
	}
	if (!old || !*old || !new_) {
		buf_adds(msg, "refused: a patch needs old and new text");
		return C_ERR_INVAL;
	}
	if ((e = fs_read_file(s->path, SKILL_FILE_MAX, &cur))) {
		buf_printf(msg, "cannot read %s", s->path);
		return e;
	}
	count = str_count(buf_str(&cur), cur.len, old, strlen(old));
	if (count != 1) {
		buf_printf(msg, "refused: the old text occurs %zu times in %s; it "
			   "must occur exactly once", count, s->path);
		e = C_ERR_INVAL;
		goto out;
	}
	hit = str_find(buf_str(&cur), cur.len, old, strlen(old));
	buf_add(&out, cur.p, (size_t)(hit - cur.p));
	buf_adds(&out, new_);
	buf_adds(&out, hit + strlen(old));
	if ((e = refuse_paths(new_, workspace, msg)))
		goto out;
	if (s->source != SRC_USER && !pending) {
		/* never edit bundled or installed skills in place: a user copy
		 * with their other files, which then takes precedence */
		char *udir = skills_user_dir(), *dst = path_join(udir, name);
		if (!fs_exists(dst)) {
			struct buf cm = BUF_INIT;
			char *tmp = xasprintf("%s/.copy-%s", udir, name);
			fs_mkdir_p(udir, 0755);
			skills_rm_tree(tmp);
			if (skills_copy_tree(s->dir, tmp, &cm) == C_OK) {
				char *sk = path_join(tmp, "SKILL.md");
				unlink(sk); /* the write below creates it, with history */
				free(sk);
				if (rename(tmp, dst) < 0)
					skills_rm_tree(tmp);
			}
			buf_free(&cm);
			free(tmp);
		}
		xfree_all(dst, udir);
	}
	e = skills_write(name, buf_str(&out), "patch", session, pending, msg);
out:
	buf_free(&cur);
	buf_free(&out);
	return e;
}

enum cerr
mind_apply_reflection(const cJSON *ans, const struct skill_index *idx,
		      const char *workspace, const char *session,
		      enum skills_mode mode, struct buf *msg)
{
	const char *action = jx_str(ans, "action");
	bool pending = mode == SKILLS_AUTO_REVIEW;
	if (mode == SKILLS_AUTO_OFF) {
		buf_adds(msg, "skills.auto_write is off");
		return C_OK;
	}
	if (!action || !strcmp(action, "none")) {
		buf_adds(msg, "nothing worth keeping as a skill");
		return C_OK;
	}
	if (!strcmp(action, "create"))
		return apply_create(ans, idx, workspace, session, pending, msg);
	if (!strcmp(action, "patch"))
		return apply_patch(ans, idx, workspace, session, pending, msg);
	buf_printf(msg, "refused: unknown action \"%s\"", action);
	return C_ERR_INVAL;
}

/* What the reflection turn is sent: a digest of the task with every
 * span the memory filter would refuse as a secret redacted (tool output
 * often holds keys read from .env files), and the current skills. */
static char *
reflection_input(const struct agent *a, const struct skill_index *idx)
{
	struct buf o = BUF_INIT, d = BUF_INIT;
	size_t i;
	buf_adds(&o, "# The task that just ended\n");
	mind_digest(&a->conv, task_start(&a->conv), a->conv.n, DIGEST_MAX, &d);
	sensitive_text_redact(buf_str(&d), &o);
	buf_free(&d);
	buf_adds(&o, "\n# Current skills\n\n");
	if (!idx->n)
		buf_adds(&o, "(none)\n");
	for (i = 0; i < idx->n; i++)
		buf_printf(&o, "- %s (%s): %.300s\n", idx->v[i].name,
			   skill_source_str(idx->v[i].source), idx->v[i].description);
	buf_adds(&o, "\nAnswer with exactly one JSON object as described.\n");
	return buf_steal(&o);
}

/* A command result that ended badly: the bash tool reports success with
 * its status line last ("[exit 2]", "[killed by signal ...]", "[timed
 * out ...]"), so a failing test run is not an is_error result. */
static bool
command_failed(const char *text)
{
	const char *nl, *last;
	size_t n;
	if (!text || !(n = strlen(text)))
		return false;
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	for (nl = text, last = text; (nl = memchr(nl, '\n', (size_t)(text + n - nl)));)
		last = ++nl;
	if (str_prefix(last, "[exit "))
		return strncmp(last, "[exit 0]", 8) != 0;
	return str_prefix(last, "[killed by signal") || str_prefix(last, "[timed out");
}

/* Did the last batch of tool results before the answer hold an error? */
static bool
last_results_failed(const struct conv *c)
{
	size_t i, j;
	for (i = c->n; i-- > 0;) {
		const struct conv_msg *m = &c->msgs[i];
		bool results = false, failed = false;
		if (m->role != CONV_USER)
			continue;
		for (j = 0; j < m->nblocks; j++)
			if (m->blocks[j].type == BLK_TOOL_RESULT) {
				results = true;
				failed |= m->blocks[j].is_error ||
					  command_failed(m->blocks[j].text);
			}
		if (results)
			return failed;
		return false; /* reached the task's prompt */
	}
	return false;
}

/* When a reflection call earns its cost.  The rule: a skill can be
 * learned only from a task that
 *   - reached its goal: it ended with an answer (not failed, interrupted
 *     or cut by --max-turns), no tool call was denied, and the last batch
 *     of tool results before the answer held no error (a task whose fix
 *     was denied or whose final test run failed teaches nothing safe);
 *   - used tools, and not trivially: at least REFLECT_MIN_CALLS calls
 *     ("say hi", or one read and an answer, holds no procedure).
 * NULL when it may reflect, else why not (recorded in the session). */
static const char *
skip_reason(const struct agent *a, const struct agent_result *task)
{
	if (task->err != C_OK)
		return "the task did not finish";
	if (task->denials || task->blocked)
		return "tool calls were denied";
	if (task->tool_calls < REFLECT_MIN_CALLS)
		return "too few tool calls to learn from";
	if (last_results_failed(&a->conv))
		return "the last tool results held an error";
	return NULL;
}

void
agent_reflect(struct agent *a, const struct agent_result *task,
	      const struct agent_events *ev)
{
	enum skills_mode mode = mind_auto_write(a->o.config);
	struct skill_index idx;
	struct conv_msg msg;
	struct provider_error perr;
	struct buf note = BUF_INIT;
	char *sys = NULL, *input, *text = NULL;
	cJSON *ans = NULL, *rec;
	enum cerr e;

	const char *skip;

	if (!a->o.reflect || !a->o.chain || mode == SKILLS_AUTO_OFF)
		return;
	if ((skip = skip_reason(a, task))) {
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "skipped", skip);
		session_append(a->session, "reflection", rec);
		return;
	}
	skills_scan(&idx, a->o.workspace, NULL);
	sys = agent_prompt_text("skill-writer.md");
	if (!sys)
		sys = xstrdup("Decide whether the task below taught a reusable "
			      "procedure. Answer with one JSON object: "
			      "{\"action\":\"none\"}, {\"action\":\"create\",\"name\":...,"
			      "\"description\":...,\"body\":...} or {\"action\":\"patch\","
			      "\"name\":...,\"old\":...,\"new\":...}.");
	input = reflection_input(a, &idx);
	rec = cJSON_CreateObject();
	if (sensitive_text_secret(input, NULL)) { /* redaction missed one: send nothing */
		conv_msg_init(&msg, CONV_ASSISTANT);
		cJSON_AddStringToObject(rec, "skipped", "the digest still held a secret");
		goto out;
	}
	e = mind_ask(a, sys, input, &msg, &perr);
	if (e == C_ERR_CANCELLED) {
		/* the task is over: the interrupt was for this turn only */
		char b[64];
		while (a->o.cancel_fd >= 0 && read(a->o.cancel_fd, b, sizeof b) > 0)
			;
		notice(ev, "reflection interrupted; no skill written");
	}
	if (e) {
		/* best effort: the task's outcome stands */
		log_debug("reflection skipped: %s", perr.msg);
		cJSON_AddStringToObject(rec, "error", perr.msg);
		goto out;
	}
	if (ev && ev->turn_end)
		ev->turn_end(ev->ud, &msg);
	text = conv_msg_text(&msg);
	cJSON_AddStringToObject(rec, "answer", text);
	ans = find_json(text);
	if (!ans) {
		buf_adds(&note, "reflection: the answer held no JSON object; nothing written");
		e = C_ERR_PARSE;
	} else {
		e = mind_apply_reflection(ans, &idx, a->o.workspace,
					  a->session ? a->session->id : NULL, mode, &note);
		if (!e && (str_prefix(buf_str(&note), "skill ")))
			buf_printf(&note, " (undo: conch skills undo %s)",
				   jx_str(ans, "name") ? jx_str(ans, "name") : "");
	}
	cJSON_AddStringToObject(rec, "outcome", buf_str(&note));
	if (e || strcmp(jx_str(ans, "action") ? jx_str(ans, "action") : "none", "none"))
		notice(ev, buf_str(&note));
out:
	session_append(a->session, "reflection", rec);
	conv_msg_free(&msg);
	cJSON_Delete(ans);
	skills_index_free(&idx);
	buf_free(&note);
	xfree_all(text, input, sys);
}

enum cerr
agent_task(struct agent *a, const char *prompt, const struct agent_events *ev,
	   struct agent_result *res)
{
	agent_run(a, prompt, ev, res);
	if (ev && ev->answered)
		ev->answered(ev->ud, res);
	agent_reflect(a, res, ev);
	return res->err;
}
