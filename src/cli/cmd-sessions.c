/* cmd-sessions.c: conch sessions: list this project's sessions. */
#include <stdio.h>

#include "agent/session.h"
#include "cli/cli.h"

int
cmd_sessions(struct cli_ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "conch: usage: conch sessions\n");
		return EXIT_USAGE;
	}
	if (session_list(c->cwd, stdout) == 0)
		fprintf(stderr, "conch: no sessions yet for %s\n", c->cwd);
	return 0;
}

CMD_ENTRY(sessions, "list this project's sessions");
