/* query.c: what front ends read of the agent and change between tasks,
 * so that they include agent.h and nothing of the provider, sandbox,
 * policy, memory or skills modules: the session, the conversation, the
 * usage and cost, the permission mode, the saved rules, the memory and
 * skills as text, and `!command` in the sandbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent-int.h"
#include "agent/mind.h"
#include "memory/memory.h"
#include "skills/skills.h"
#include "util/xalloc.h"

const char *
agent_session_id(const struct agent *a)
{
	return a->session ? a->session->id : NULL;
}

const char *
agent_cwd(const struct agent *a)
{
	return a->o.cwd;
}

const char *
agent_workspace(const struct agent *a)
{
	return a->o.workspace;
}

const struct conv *
agent_conv(const struct agent *a)
{
	return &a->conv;
}

struct conv *
agent_conv_mut(struct agent *a)
{
	return &a->conv;
}

struct session *
agent_session(struct agent *a)
{
	return a->session;
}

struct conv_usage
agent_usage(const struct agent *a)
{
	struct conv_usage u = a->usage;
	u.known = !a->usage_unknown;
	return u;
}

struct cost_total
agent_cost(const struct agent *a)
{
	return a->cost;
}

int
agent_turns(const struct agent *a)
{
	return a->turns;
}

const struct conv_tool_spec *
agent_tools(const struct agent *a, size_t *n)
{
	*n = a->ntools;
	return a->tools;
}

long
agent_context_window(const struct agent *a)
{
	return mind_window(a->o.config);
}

bool
agent_window_configured(const struct agent *a)
{
	return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a->o.config,
							      "context_window"));
}

const char *
agent_mode_name(const struct agent *a)
{
	return a->o.policy ? policy_mode_str(a->o.policy->mode) : "auto";
}

bool
agent_set_mode(struct agent *a, const char *name)
{
	enum policy_mode m;
	if (!a->o.policy || !policy_mode_parse(name, &m))
		return false;
	a->o.policy->mode = m;
	return true;
}

bool
agent_sandbox_off(const struct agent *a)
{
	return a->sandbox.off;
}

void
agent_restore(struct agent *a, const struct conv *c, const cJSON *todos)
{
	size_t i;
	for (i = 0; c && i < c->n; i++)
		conv_push(&a->conv, &c->msgs[i]);
	agent_set_todos(a, todos);
}

/* ---- the rules saved "always for this project" ---- */

cJSON *
agent_saved_rules(const struct agent *a, struct buf *err)
{
	return policy_project_rules(a->o.workspace, err);
}

char *
agent_rules_path(void)
{
	return policy_projects_path();
}

enum cerr
agent_forget_rule(struct agent *a, const char *rule, struct buf *err)
{
	cJSON *allow;
	const cJSON *it;
	int i = 0;
	enum cerr e = policy_project_rule_remove(a->o.workspace, rule, err);

	if (e != C_OK || !a->o.policy || !a->o.policy->rules)
		return e;
	/* and from the rules of this session */
	allow = cJSON_GetObjectItemCaseSensitive(a->o.policy->rules, "allow");
	cJSON_ArrayForEach(it, allow) {
		if (cJSON_IsString(it) && !strcmp(it->valuestring, rule)) {
			cJSON_DeleteItemFromArray(allow, i);
			break;
		}
		i++;
	}
	return C_OK;
}

/* ---- memory and skills, as text ---- */

void
agent_describe_memory(const struct agent *a, struct buf *out)
{
	struct mem_store m;
	static const enum mem_target which[] = { MEM_USER, MEM_PROJECT };
	size_t i, j;

	mem_open_cfg(&m, a->o.workspace, a->o.config);
	for (i = 0; i < 2; i++) {
		char **v = NULL;
		size_t n = 0, chars = 0;
		if (mem_load(&m, which[i], &v, &n) != C_OK)
			n = 0;
		for (j = 0; j < n; j++)
			chars += mem_chars(v[j]);
		buf_printf(out, "%s%s memory: %s (%zu entries, %zu of %zu chars)\n",
			   i ? "\n" : "", i ? "Project" : "User",
			   mem_path(&m, which[i]), n, chars, mem_budget(&m, which[i]));
		for (j = 0; j < n; j++)
			buf_printf(out, "  - %s\n", v[j]);
		mem_entries_free(v, n);
	}
	mem_close(&m);
}

void
agent_describe_skills(const struct agent *a, struct buf *out)
{
	struct skill_index idx;
	struct buf warn = BUF_INIT, pend = BUF_INIT;
	size_t i;

	memset(&idx, 0, sizeof idx);
	skills_scan(&idx, a->o.workspace, &warn);
	if (!idx.n)
		buf_adds(out, "No skills found.");
	else
		buf_printf(out, "Skills (%zu):\n", idx.n);
	for (i = 0; i < idx.n; i++)
		buf_printf(out, "  %s (%s): %s\n", idx.v[i].name,
			   skill_source_str(idx.v[i].source), idx.v[i].description);
	skills_pending_list(&pend);
	if (pend.len)
		buf_printf(out, "\nWaiting for review (conch skills approve NAME):\n%s",
			   buf_str(&pend));
	if (warn.len)
		buf_printf(out, "\nSkipped:\n%s", buf_str(&warn));
	skills_index_free(&idx);
	buf_free(&warn);
	buf_free(&pend);
}

/* ---- `!command` ---- */

enum cerr
agent_shell(struct agent *a, const char *command, size_t max_output, long timeout_ms,
	    int cancel_fd, struct agent_shell_result *res)
{
	struct sandbox_spec spec = a->sandbox;
	struct sandbox_result sr;
	const char *argv[] = { "/bin/sh", "-c", command, NULL };
	enum cerr e;

	memset(res, 0, sizeof *res);
	spec.timeout_ms = timeout_ms;
	spec.max_output = max_output;
	spec.spill_path = NULL;
	spec.cancel_fd = cancel_fd;
	memset(&sr, 0, sizeof sr);
	e = sandbox_run(&spec, argv, &sr);
	buf_add(&res->output, sr.output.p ? sr.output.p : "", sr.output.len);
	res->exit_code = e != C_OK ? 127 : sr.exit_code;
	res->truncated = sr.truncated;
	res->timed_out = sr.timed_out;
	res->cancelled = sr.cancelled;
	sandbox_result_free(&sr);
	return e;
}
