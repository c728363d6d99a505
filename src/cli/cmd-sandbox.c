/* cmd-sandbox.c: `conch sandbox doctor`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd-sandbox.h"
#include "sandbox/sandbox.h"
#include "util/exitcode.h"
#include "util/buf.h"

int
cmd_sandbox_main(int argc, char **argv)
{
	struct buf out = BUF_INIT;
	bool ok;

	if (argc < 2 || strcmp(argv[1], "doctor") != 0 || argc > 2) {
		fprintf(stderr, "usage: conch sandbox doctor\n");
		return EXIT_USAGE;
	}
	ok = sandbox_doctor(&out);
	fputs(buf_str(&out), stdout);
	fflush(stdout);
	buf_free(&out);
	return ok ? 0 : 1;
}

int
cmd_sandbox(struct cli_ctx *c, int argc, char **argv)
{
	(void)c;
	return cmd_sandbox_main(argc, argv);
}

CMD_ENTRY(sandbox, "sandbox diagnostics");
