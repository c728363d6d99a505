/* cmd-tool.c: conch tool NAME JSON: one tool call through exactly the
 * path the agent uses (validation, policy, sandbox). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tools/tool.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* The whole command is shown, control characters spelled out, wrapped. */
static enum approval
tty_approve(void *ud, const struct approval_req *req, char **reason)
{
	char line[256];
	struct winsize ws;
	size_t cols = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ?
		ws.ws_col : 80;
	char *shown = policy_approval_text(req->summary, cols - 2);
	(void)ud;
	(void)reason;
	if (req->diff) {
		char *d = policy_approval_block(req->diff);
		fprintf(stderr, "%s\n", d);
		free(d);
	}
	char *why = policy_approval_text(req->reason ? req->reason : "", 0);
	char *rule = req->project_rule ? policy_approval_text(req->project_rule, 0) : NULL;
	fprintf(stderr, "Allow %s?%s%s\n  %s\n", req->tool, *why ? " " : "", why,
		shown);
	free(shown);
	free(why);
	if (rule)
		fprintf(stderr, "[p] always for this project: %s\n", rule);
	free(rule);
	if (req->can_unsandbox)
		fputs("[u] once outside the sandbox\n", stderr);
	fputs("[y/N]: ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return APPROVE_DENY;
	if (line[0] == 'y' || line[0] == 'Y')
		return APPROVE_ONCE;
	if ((line[0] == 'p' || line[0] == 'P') && req->project_rule)
		return APPROVE_PROJECT;
	if ((line[0] == 'u' || line[0] == 'U') && req->can_unsandbox)
		return APPROVE_UNSANDBOXED;
	return APPROVE_DENY;
}

static int
tool_exec(struct cli_ctx *c, int argc, char **argv)
{
	struct policy pol;
	struct tool_ctx ctx;
	struct readset reads = { 0 };
	struct todo_list todos = { 0 };
	struct buf out = BUF_INIT;
	bool is_error = false;
	const char *args;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "conch: usage: conch tool NAME [JSON]  (e.g. conch tool "
			"read '{\"path\": \"README.md\"}')\n");
		return EXIT_USAGE;
	}
	if (!tool_find(argv[1])) {
		size_t i;
		fprintf(stderr, "conch: unknown tool \"%s\"; tools:", argv[1]);
		for (i = 0; tool_table[i]; i++)
			fprintf(stderr, " %s", tool_table[i]->name);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	args = argc == 3 ? argv[2] : "{}";
	if ((rc = cli_make_policy(c, &pol)))
		return rc;
	memset(&ctx, 0, sizeof ctx);
	ctx.workspace = c->workspace;
	ctx.cwd = c->cwd;
	ctx.reads = &reads;
	ctx.todos = &todos;
	ctx.policy = &pol;
	ctx.sandbox.workspace = c->workspace;
	ctx.sandbox.cwd = c->cwd;
	ctx.sandbox.allow_network = c->cfg->network;
	ctx.sandbox.off = (c->opts->sandbox && strcmp(c->opts->sandbox, "off") == 0) ||
			  (!c->opts->sandbox && c->cfg->sandbox_off);
	ctx.sandbox.cancel_fd = -1;
	ctx.sandbox.read_only = pol.mode == MODE_READ_ONLY || pol.mode == MODE_PLAN;
	ctx.cancel_fd = -1;
	ctx.approve = isatty(0) && isatty(2) ? tty_approve : NULL;
	/* The read record is per process, so, as in the agent, a standalone
	 * write over an existing file is refused: use edit. */
	tool_call(&ctx, argv[1], args, &out, &is_error);
	fputs(buf_str(&out), stdout);
	if (out.len && out.p[out.len - 1] != '\n')
		fputc('\n', stdout);
	buf_free(&out);
	free(ctx.plan); /* exit_plan in --mode plan: printed above */
	readset_free(&reads);
	todo_list_free(&todos);
	policy_free(&pol);
	return is_error ? EXIT_TASK_FAILED : 0;
}

const struct cmd_entry cmd_tool_entry = {
	.name = "tool",
	.summary = "run one tool as the agent would",
	.exec = tool_exec,
};
