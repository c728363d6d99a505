/* registry.c: tool lookup and tool_call(): parse, validate, ask the
 * policy (and the user), execute.  The session state tools share is
 * state.c; the path helpers are paths.c; the table is table.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/diff.h"
#include "tools/internal.h"
#include "tools/tool.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xalloc.h"

/* Safety net on what one tool may produce before tool_call() cuts it;
 * each tool caps its own output well below this. */
#define TOOL_BUF_MAX (1u << 20)

const struct tool *
tool_find(const char *name)
{
	size_t i;
	if (!name)
		return NULL;
	for (i = 0; tool_table[i]; i++)
		if (strcmp(tool_table[i]->name, name) == 0)
			return tool_table[i];
	return NULL;
}

/* ---- tool_call ---- */

static void
list_tools(struct buf *out)
{
	size_t i;
	for (i = 0; tool_table[i]; i++)
		buf_printf(out, "%s%s", i ? ", " : "", tool_table[i]->name);
}

/* "tool(arg)": the rule policy.c matches for this call. */
static char *
session_rule(const char *name, const cJSON *args)
{
	const char *a = jx_str(args, "command");
	if (!a)
		a = jx_str(args, "path");
	return xasprintf("%s(%s)", name, a ? a : "");
}

/* Fill the approval request's summary and, for a tool with a preview,
 * `chg` and the diff; returns false with the model's error in `out`
 * when the call would fail anyway. */
static bool
approval_details(struct tool_ctx *ctx, const struct tool *t,
		 const cJSON *args, char **summary, char **diff,
		 struct tool_change *chg, struct buf *out)
{
	const char *cmd = jx_str(args, "command"), *path = jx_str(args, "path");
	bool ok = true;

	*diff = NULL;
	if (cmd && (t->flags & TOOL_RUNS_COMMANDS)) {
		*summary = xstrdup(cmd);
	} else if (path) {
		char *abs = tool_path(ctx, path);
		*summary = xasprintf("%s %s", t->name, abs);
		if (t->preview && t->preview(ctx, args, chg, out) == C_OK) {
			char *al = chg->before.p ? xasprintf("a%s", abs) :
				xstrdup("/dev/null");
			char *bl = xasprintf("b%s", abs);
			*diff = diff_unified(al, buf_str(&chg->before),
					     chg->before.len, bl,
					     buf_str(&chg->after), chg->after.len);
			xfree_all(al, bl);
		} else if (t->preview) {
			ok = false;
		}
		free(abs);
	} else {
		char *a = jx_print(args);
		*summary = xasprintf("%s %s", t->name, a);
		free(a);
	}
	return ok;
}

static void
note_denial(struct tool_ctx *ctx, const char *why)
{
	ctx->denials++;
	snprintf(ctx->denied_why, sizeof ctx->denied_why, "%s", why);
}

/* Ask the user through ctx->approve.  True when the call may run. */
static bool
ask_user(struct tool_ctx *ctx, const struct tool *t, const cJSON *args,
	 const char *why, struct tool_change *chg, struct buf *out,
	 bool *unsandboxed)
{
	struct approval_req req;
	char *summary = NULL, *diff = NULL, *reason = NULL, *project_rule = NULL;
	enum approval a;
	bool run = false;

	if (!ctx->approve) {
		char *hint = ctx->policy ?
			policy_unblock_hint(ctx->policy, t->name, t->flags, args,
					    ctx->workspace ? ctx->workspace : "/",
					    ctx->cwd ? ctx->cwd : "/") :
			xstrdup("rerun with --yes");
		char *w = xasprintf("needs approval (%s) and no one can approve "
				    "it; %s", why, hint);
		note_denial(ctx, w);
		free(w);
		buf_printf(out, "%s needs approval (%s), but no one can approve "
			   "it in this session. Tell the user; they can allow "
			   "it: %s.", t->name, why, hint);
		free(hint);
		return false;
	}
	if (!approval_details(ctx, t, args, &summary, &diff, chg, out))
		goto out;
	memset(&req, 0, sizeof req);
	req.tool = t->name;
	req.summary = summary;
	req.diff = diff;
	req.reason = why;
	if (ctx->workspace) {
		const char *path = jx_str(args, "path");
		char *abs = path ? tool_path(ctx, path) : NULL;
		project_rule = policy_project_rule_for(t->name, jx_str(args, "command"),
						       abs);
		free(abs);
	}
	req.project_rule = project_rule;
	req.can_unsandbox = (t->flags & TOOL_RUNS_COMMANDS) && !ctx->sandbox.off &&
			    !(ctx->policy && ctx->policy->mode == MODE_READ_ONLY);
	a = ctx->approve(ctx->ud, &req, &reason);
	if (a == APPROVE_UNSANDBOXED && !req.can_unsandbox)
		a = APPROVE_DENY;
	if (a == APPROVE_PROJECT && !project_rule)
		a = APPROVE_SESSION;
	switch (a) {
	case APPROVE_PROJECT: {
		struct buf err = BUF_INIT;
		if (policy_project_rule_add(ctx->workspace, project_rule, &err) != C_OK)
			log_warn("could not save the rule for this project: %s",
				 buf_str(&err));
		buf_free(&err);
		if (ctx->policy)
			policy_allow_session(ctx->policy, project_rule);
		run = true;
		break;
	}
	case APPROVE_UNSANDBOXED:
		*unsandboxed = true;
		run = true;
		break;
	case APPROVE_SESSION:
		if (ctx->policy) {
			char *rule = session_rule(t->name, args);
			policy_allow_session(ctx->policy, rule);
			free(rule);
		}
		/* fall through */
	case APPROVE_ONCE:
		run = true;
		break;
	case APPROVE_DENY:
	default:
		note_denial(ctx, "the user denied it");
		buf_printf(out, "The user denied this %s call.", t->name);
		if (reason && *reason)
			buf_printf(out, " Their reason: %s", reason);
		buf_adds(out, " Do not retry it unchanged; adjust the approach "
			 "or ask the user.");
		break;
	}
out:
	xfree_all(project_rule, reason, summary, diff);
	return run;
}

enum net_grant { NET_NOT_NEEDED, NET_GRANTED, NET_DENIED, NET_OFF_UNASKED };

/* A command that looks like it needs the network (curl, git fetch, pip
 * install ...) runs with the network off unless the user, asked now,
 * allows it for this one command. */
static enum net_grant
network_for(struct tool_ctx *ctx, const struct tool *t, const cJSON *args,
	    bool wants)
{
	const char *cmd = jx_str(args, "command");
	struct approval_req req;
	char *reason = NULL;
	enum approval a;

	if (!cmd || !wants)
		return NET_NOT_NEEDED;
	if (!ctx->approve)
		return NET_OFF_UNASKED;
	memset(&req, 0, sizeof req);
	req.tool = t->name;
	req.summary = cmd;
	req.diff = NULL;
	req.reason = "this command looks like it needs the network, which is "
		     "off in the sandbox: allow network for this command?";
	a = ctx->approve(ctx->ud, &req, &reason);
	free(reason);
	if (a == APPROVE_DENY)
		return NET_DENIED;
	ctx->sandbox.allow_network = true;
	return NET_GRANTED;
}

/* The table's schemas, parsed once, in table order. */
static cJSON **schemas;
static pthread_once_t schemas_once = PTHREAD_ONCE_INIT;

static void
schemas_parse(void)
{
	size_t n = 0, i;
	while (tool_table[n])
		n++;
	schemas = xcalloc(n + 1, sizeof *schemas);
	for (i = 0; i < n; i++)
		schemas[i] = cJSON_Parse(tool_table[i]->schema);
}

const cJSON *
tool_schema(const struct tool *t)
{
	size_t i;
	pthread_once(&schemas_once, schemas_parse);
	for (i = 0; tool_table[i]; i++)
		if (tool_table[i] == t)
			return schemas[i];
	return NULL;
}

void
tool_call(struct tool_ctx *ctx, const char *name, const char *args_json,
	  struct buf *out, bool *is_error)
{
	const char *j = args_json ? args_json : "";
	cJSON *args;

	while (*j == ' ' || *j == '\n' || *j == '\t' || *j == '\r')
		j++;
	args = *j ? cJSON_Parse(j) : cJSON_CreateObject();
	tool_call_parsed(ctx, name, args, args_json, out, is_error);
	cJSON_Delete(args);
}

void
tool_call_parsed(struct tool_ctx *ctx, const char *name, const cJSON *args,
		 const char *args_text, struct buf *out, bool *is_error)
{
	const struct tool *t = tool_find(name);
	const cJSON *schema;
	struct buf msg = BUF_INIT, res = BUF_INIT;
	enum cerr e;
	enum net_grant net = NET_NOT_NEEDED;
	bool net_saved = ctx->sandbox.allow_network, unsandboxed = false;
	bool off_saved = ctx->sandbox.off, ro_saved = ctx->sandbox.read_only;
	char *judged = NULL;
	struct tool_change chg = { BUF_INIT, BUF_INIT };
	struct policy_cmd_facts facts = { false, false };
	bool approved = false, have_facts = false;

	*is_error = true;
	if (!t) {
		buf_printf(out, "Unknown tool \"%s\". Available tools: ",
			   name ? name : "");
		list_tools(out);
		buf_addc(out, '.');
		goto out;
	}
	if (!cJSON_IsObject(args)) {
		/* only now is the text looked at again, for the message */
		const char *j = args_text ? args_text : "";
		int line = 0, col = 0;
		cJSON *again = jx_parse(j, strlen(j), &line, &col);
		if (!again)
			buf_printf(out, "The arguments for %s are not valid JSON (line "
				   "%d, column %d). Send one JSON object that matches "
				   "the tool's schema.", t->name, line, col);
		else
			buf_printf(out, "The arguments for %s must be a JSON object.",
				   t->name);
		cJSON_Delete(again);
		goto out;
	}
	schema = tool_schema(t);
	if (schema && !jx_validate(schema, args, &msg)) {
		buf_printf(out, "Invalid arguments for %s: %s. Fix them and call "
			   "again. Schema: %s", t->name, buf_str(&msg), t->schema);
		goto out;
	}
	if (ctx->policy || t->files) {
		enum policy_decision d;
		buf_reset(&msg);
		if (t->files)
			d = tool_gate(ctx, t, args, &judged, &msg);
		else if ((have_facts = (t->flags & TOOL_RUNS_COMMANDS) != 0))
			d = policy_check_cmd(ctx->policy, t->name, t->flags, args,
					     ctx->workspace ? ctx->workspace : "/",
					     ctx->cwd ? ctx->cwd : "/", &msg, &facts);
		else
			d = policy_check(ctx->policy, t->name, t->flags, args,
					 ctx->workspace ? ctx->workspace : "/",
					 ctx->cwd ? ctx->cwd : "/", &msg);
		if (d == POLICY_DENY) {
			buf_printf(out, "Permission denied: %s. This call cannot "
				   "run in this session; do not retry it.",
				   buf_str(&msg));
			note_denial(ctx, buf_str(&msg));
			goto out;
		}
		if (d == POLICY_ASK) {
			if (!ask_user(ctx, t, args, buf_str(&msg), &chg, out,
				      &unsandboxed))
				goto out;
			approved = t->preview != NULL;
		}
	}
	if ((t->flags & TOOL_RUNS_COMMANDS) && !have_facts) { /* no policy */
		facts.read_only = policy_command_is_read_only(jx_str(args, "command"));
		facts.wants_network = policy_command_wants_network(jx_str(args, "command"));
	}
	if (t->flags & TOOL_RUNS_COMMANDS) {
		if (unsandboxed)
			ctx->sandbox.off = true; /* approved for this one command */
		else if (facts.read_only)
			ctx->sandbox.read_only = true; /* the read-only list */
	}
	if ((t->flags & TOOL_RUNS_COMMANDS) && !ctx->sandbox.allow_network &&
	    !ctx->sandbox.off)
		net = network_for(ctx, t, args, facts.wants_network);
	buf_init(&res, TOOL_BUF_MAX);
	ctx->judged = judged;
	ctx->approved = approved ? &chg : NULL;
	e = t->exec(ctx, args, &res);
	ctx->approved = NULL;
	ctx->judged = NULL;
	ctx->sandbox.allow_network = net_saved;
	ctx->sandbox.off = off_saved;
	ctx->sandbox.read_only = ro_saved;
	buf_add(out, res.p ? res.p : "", res.len);
	if (net == NET_OFF_UNASKED)
		buf_adds(out, "\n[note: the network is off inside the sandbox; the "
			 "user can allow it for one command when asked, or with "
			 "\"sandbox\": {\"network\": true} in their config]");
	if (!buf_ok(&res))
		buf_adds(out, "\n[output cut: too large]");
	else if (!res.len)
		buf_adds(out, e == C_OK ? "(no output)" : cerr_str(e));
	*is_error = e != C_OK;
out:
	tool_change_free(&chg);
	free(judged);
	buf_free(&msg);
	buf_free(&res);
}
