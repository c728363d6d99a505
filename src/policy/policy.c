/* policy.c: permission modes.  Stage one: decisions by mode and tool
 * flags; the sandbox issue adds allow/ask/deny rules and bash parsing. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

static const char *const mode_names[] = {
	[MODE_READ_ONLY] = "read-only",
	[MODE_ASK] = "ask",
	[MODE_AUTO_EDIT] = "auto-edit",
	[MODE_AUTO] = "auto",
};

bool
policy_mode_parse(const char *s, enum policy_mode *out)
{
	size_t i;
	for (i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum policy_mode)i;
			return true;
		}
	}
	return false;
}

const char *
policy_mode_str(enum policy_mode m)
{
	return (unsigned)m < sizeof mode_names / sizeof mode_names[0] ?
		mode_names[m] : "?";
}

void
policy_init(struct policy *p, enum policy_mode mode)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
}

void
policy_free(struct policy *p)
{
	cJSON_Delete(p->rules);
	p->rules = NULL;
}

static bool
rule_listed(const struct policy *p, const char *list, const char *rule)
{
	const cJSON *arr, *it;
	if (!p->rules)
		return false;
	arr = cJSON_GetObjectItemCaseSensitive(p->rules, list);
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, rule) == 0)
			return true;
	return false;
}

/* "tool(arg)" for the argument that identifies a call. */
static char *
call_rule(const char *tool, const cJSON *args)
{
	const char *a = jx_str(args, "command");
	if (!a)
		a = jx_str(args, "path");
	return xasprintf("%s(%s)", tool, a ? a : "");
}

enum policy_decision
policy_check(const struct policy *p, const char *tool, unsigned flags,
	     const cJSON *args, const char *workspace, const char *cwd,
	     struct buf *why)
{
	enum policy_decision d = POLICY_ALLOW;
	char *rule = call_rule(tool, args);
	const char *path = jx_str(args, "path");
	bool outside = false;

	if (path && (flags & TOOL_WRITES)) {
		char *abs = path_resolve(cwd, path);
		outside = !path_is_under(abs, workspace);
		free(abs);
	}
	if (rule_listed(p, "deny", rule)) {
		buf_printf(why, "%s is denied by a rule", rule);
		d = POLICY_DENY;
		goto out;
	}
	if (rule_listed(p, "allow", rule) && !outside)
		goto out;
	if (flags & TOOL_READ_ONLY)
		goto out;
	switch (p->mode) {
	case MODE_READ_ONLY:
		buf_printf(why, "mode read-only forbids %s", tool);
		d = POLICY_DENY;
		goto out;
	case MODE_ASK:
		buf_printf(why, "mode ask: %s needs approval", tool);
		d = POLICY_ASK;
		break;
	case MODE_AUTO_EDIT:
		if ((flags & TOOL_RUNS_COMMANDS) || outside) {
			buf_printf(why, "mode auto-edit: %s needs approval%s", tool,
				   outside ? " (path outside the workspace)" : "");
			d = POLICY_ASK;
		}
		break;
	case MODE_AUTO:
		if (outside) {
			buf_printf(why, "%s outside the workspace needs approval", tool);
			d = POLICY_ASK;
		}
		break;
	}
	if (d == POLICY_ASK && p->yes)
		d = POLICY_ALLOW;
out:
	free(rule);
	return d;
}

void
policy_allow_session(struct policy *p, const char *rule)
{
	cJSON *arr;
	if (!p->rules)
		p->rules = cJSON_CreateObject();
	arr = cJSON_GetObjectItemCaseSensitive(p->rules, "allow");
	if (!arr)
		arr = cJSON_AddArrayToObject(p->rules, "allow");
	cJSON_AddItemToArray(arr, cJSON_CreateString(rule));
}
