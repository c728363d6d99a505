/* cmd-memory.c: conch memory show|edit|clear|path [user|project]. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd-mind.h"
#include "memory/memory.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/xalloc.h"

int
cli_edit_file(const char *path)
{
	const char *ed = getenv("VISUAL");
	pid_t pid;
	int st;
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *cmd = xasprintf("%s \"$1\"", ed);
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
usage(void)
{
	fputs("usage: conch memory show [user|project]\n"
	      "       conch memory edit [user|project]\n"
	      "       conch memory clear user|project|all [--yes]\n"
	      "       conch memory path [user|project|notes]\n", stderr);
}

static void
show_one(const struct mem_store *m, enum mem_target t)
{
	char **v = NULL;
	size_t n = 0, i, chars = 0;
	mem_load(m, t, &v, &n);
	for (i = 0; i < n; i++)
		chars += mem_chars(v[i]) + (i ? 3 : 0);
	printf("# %s (%s, %zu/%zu chars, %zu entries)\n\n",
	       t == MEM_USER ? "USER.md" : "MEMORY.md", mem_path(m, t), chars,
	       mem_budget(m, t), n);
	for (i = 0; i < n; i++)
		printf("%s%s\n", i ? MEM_SEP "\n" : "", v[i]);
	if (!n)
		puts("(empty)");
	putchar('\n');
	mem_entries_free(v, n);
}

static int
show(const struct mem_store *m, const char *which)
{
	enum mem_target t;
	time_t now = time(NULL);
	int k;
	if (which) {
		if (!mem_target_parse(which, &t))
			goto bad;
		show_one(m, t);
		return 0;
	}
	show_one(m, MEM_USER);
	show_one(m, MEM_PROJECT);
	for (k = 1; k >= 0; k--) {
		char *p = mem_note_path(m, now - k * 86400);
		struct buf b = BUF_INIT;
		if (fs_read_file(p, 1u << 20, &b) == C_OK && b.len)
			printf("# %s\n\n%s\n", p, buf_str(&b));
		buf_free(&b);
		free(p);
	}
	return 0;
bad:
	fprintf(stderr, "conch: memory: \"%s\" is not user or project\n", which);
	return EXIT_USAGE;
}

static int
edit(const struct mem_store *m, const char *which)
{
	enum mem_target t = MEM_PROJECT;
	const char *path;
	char *dir, *slash;
	struct buf b = BUF_INIT;
	const char *what;
	int rc;
	if (which && !mem_target_parse(which, &t)) {
		fprintf(stderr, "conch: memory: \"%s\" is not user or project\n", which);
		return EXIT_USAGE;
	}
	path = mem_path(m, t);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	fs_mkdir_p(dir, 0700);
	free(dir);
	if (!fs_exists(path))
		fs_write_atomic(path, "", 0, 0600);
	rc = cli_edit_file(path);
	if (rc != 0) {
		fprintf(stderr, "conch: the editor failed (status %d)\n", rc);
		return EXIT_TASK_FAILED;
	}
	if (fs_read_file(path, 1u << 20, &b) == C_OK) {
		if (mem_chars(buf_str(&b)) > mem_budget(m, t))
			fprintf(stderr, "conch: warning: %s holds %zu of its %zu "
				"characters; the agent cannot add to it until it is "
				"shorter\n", path, mem_chars(buf_str(&b)), mem_budget(m, t));
		if (sensitive_text_secret(buf_str(&b), &what))
			fprintf(stderr, "conch: warning: %s looks like it holds %s; "
				"it is sent to the model with every session\n", path, what);
	}
	buf_free(&b);
	return 0;
}

static int
clear(struct cli_ctx *c, const struct mem_store *m, const char *which)
{
	enum mem_target t;
	bool all = which && strcmp(which, "all") == 0;
	if (!which || (!all && !mem_target_parse(which, &t))) {
		usage();
		return EXIT_USAGE;
	}
	if (!c->opts->yes && isatty(0)) {
		char line[16];
		fprintf(stderr, "Clear %s memory? [y/N]: ", which);
		if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return EXIT_TASK_FAILED;
	}
	if (all || t == MEM_USER)
		if (mem_clear(m, MEM_USER))
			goto fail;
	if (all || t == MEM_PROJECT)
		if (mem_clear(m, MEM_PROJECT))
			goto fail;
	printf("cleared %s memory\n", which);
	return 0;
fail:
	fprintf(stderr, "conch: cannot clear memory: %s\n", strerror(errno));
	return EXIT_TASK_FAILED;
}

int
cmd_memory(struct cli_ctx *c, int argc, char **argv)
{
	struct mem_store m;
	const char *sub = argc > 1 ? argv[1] : "show";
	const char *arg = argc > 2 ? argv[2] : NULL;
	int rc;

	mem_open_cfg(&m, c->workspace, c->cfg->root);
	if (!strcmp(sub, "show")) {
		rc = show(&m, arg);
	} else if (!strcmp(sub, "edit")) {
		rc = edit(&m, arg);
	} else if (!strcmp(sub, "clear")) {
		rc = clear(c, &m, arg);
	} else if (!strcmp(sub, "path")) {
		enum mem_target t;
		rc = 0;
		if (!arg) {
			printf("%s\n%s\n%s\n", m.user_path, m.project_path, m.notes_dir);
		} else if (!strcmp(arg, "notes")) {
			printf("%s\n", m.notes_dir);
		} else if (mem_target_parse(arg, &t)) {
			printf("%s\n", mem_path(&m, t));
		} else {
			usage();
			rc = EXIT_USAGE;
		}
	} else {
		usage();
		rc = EXIT_USAGE;
	}
	mem_close(&m);
	return rc;
}

CMD_ENTRY(memory, "show, edit or clear what conch remembers");
