/* main.c: parse the command line and the config, pick the front end or
 * the subcommand. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_sessions_entry,
	&cmd_tool_entry,
	&cmd_permissions_entry,
	&cmd_memory_entry,
	&cmd_skills_entry,
	&cmd_model_entry,
	&cmd_sandbox_entry,
	&cmd_rewind_entry,
	NULL,
};

static int
setup_dirs(struct cli_ctx *c)
{
	char buf[PATH_MAX];
	char *git;
	if (c->opts->cwd && chdir(c->opts->cwd) < 0) {
		fprintf(stderr, "conch: cannot use -C %s: %s\n", c->opts->cwd,
			strerror(errno));
		return EXIT_USAGE;
	}
	if (!getcwd(buf, sizeof buf)) {
		fprintf(stderr, "conch: cannot find the current directory: %s\n",
			strerror(errno));
		return EXIT_USAGE;
	}
	c->cwd = xstrdup(buf);
	git = fs_find_git_root(c->cwd);
	c->workspace = git ? git : xstrdup(c->cwd);
	return 0;
}

/* What killed conch processes left behind (their PID is in the name):
 * sandbox temp dirs and bash output files in TMPDIR, half-copied skill
 * installs, and skills-edit files (kept a day: a failed edit keeps the
 * user's text there on purpose). */
static void
sweep_leftovers(void)
{
	const char *tmp = getenv("TMPDIR");
	char *data = xdg_dir("data"), *inst = path_join(data, "installed-skills");

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	fs_sweep_stale(tmp, "conch-sb-", 60);
	fs_sweep_stale(tmp, "conch-bash-", 60);
	fs_sweep_stale(inst, ".tmp-", 60);
	fs_sweep_stale(inst, ".old-", 60);
	fs_sweep_stale(data, "edit-", 86400);
	xfree_all(inst, data);
}

int
main(int argc, char **argv)
{
	struct cli_opts o;
	struct config cfg;
	struct cli_ctx c;
	int rc;
	size_t i;

	memset(&c, 0, sizeof c);
	memset(&cfg, 0, sizeof cfg);
	rc = cli_parse(argc, argv, &o);
	if (rc)
		goto out_opts;
	if (o.version || (o.cmd && strcmp(o.cmd, "version") == 0)) {
		printf("conch %s\n", PACKAGE_VERSION);
		goto out_opts;
	}
	if (o.help || (o.cmd && strcmp(o.cmd, "help") == 0)) {
		cli_usage(stdout);
		goto out_opts;
	}
	if ((rc = config_load(&cfg)))
		goto out_cfg;
	c.opts = &o;
	c.cfg = &cfg;
	if ((rc = setup_dirs(&c)))
		goto out_cfg;
	sweep_leftovers();
	if (o.cmd) {
		for (i = 0; cmd_table[i]; i++) {
			if (strcmp(cmd_table[i]->name, o.cmd) == 0) {
				rc = cmd_table[i]->exec(&c, o.argc, o.argv);
				goto out_cfg;
			}
		}
		fprintf(stderr, "conch: \"%s\" is not available yet in this build\n",
			o.cmd);
		rc = EXIT_USAGE;
		goto out_cfg;
	}
	rc = cli_run(&c);
out_cfg:
	xfree_all(c.cwd, c.workspace);
	config_free(&cfg);
out_opts:
	cli_opts_free(&o);
	return rc;
}
