/* cmd-tool.c: conch tool NAME JSON: one tool call through exactly the
 * path the agent uses (validation, policy, sandbox). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tools/tool.h"
#include "ui/ui.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* The whole command is shown, control characters spelled out, wrapped. */
static enum approval
tty_approve(void *ud, const struct approval_req *req, char **reason)
{
	(void)ud;
	(void)reason;
	return ui_ask_approval(req, false, NULL);
}

int
cmd_tool(struct cli_ctx *c, int argc, char **argv)
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
	ctx.sandbox.off = cli_sandbox_off(c);
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

CMD_ENTRY(tool, "run one tool as the agent would");
