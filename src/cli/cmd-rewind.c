/* cmd-rewind.c: conch rewind [--list | N] [--session ID] [--force]
 * [--conversation]: list a session's checkpoints, or restore the files
 * to the state before turn N (agent/checkpoint.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "agent/checkpoint.h"
#include "agent/session.h"
#include "cli/cli.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

static const char usage[] =
	"usage: conch rewind [--list | N] [--session ID] [--force] [--conversation]\n"
	"  --list          the checkpoints of the session (the default)\n"
	"  N               restore the files to the state before turn N\n"
	"  --session ID    that session's checkpoints (default: the latest)\n"
	"  --force         overwrite files changed outside conch since then\n"
	"  --conversation  also drop the conversation back to before turn N\n";

/* The session of this project whose checkpoints changed last; caller
 * frees; NULL when none. */
static char *
latest_session(const char *root)
{
	char *state = xdg_dir("state"), *slug = path_slug(root);
	char *project = xasprintf("%s/checkpoints/%s", state, slug);
	DIR *d = opendir(project);
	struct dirent *de;
	char *best = NULL;
	struct timespec bt = { 0, 0 };

	while (d && (de = readdir(d)) != NULL) {
		char *lp;
		struct stat st;
		if (de->d_name[0] == '.' || strcmp(de->d_name, "git") == 0)
			continue;
		lp = xasprintf("%s/%s/log.json", project, de->d_name);
		if (stat(lp, &st) == 0 &&
		    (!best || st.st_mtim.tv_sec > bt.tv_sec ||
		     (st.st_mtim.tv_sec == bt.tv_sec && st.st_mtim.tv_nsec > bt.tv_nsec))) {
			free(best);
			best = xstrdup(de->d_name);
			bt = st.st_mtim;
		}
		free(lp);
	}
	if (d)
		closedir(d);
	xfree_all(project, slug, state);
	return best;
}

static bool
valid_id(const char *s)
{
	size_t i;
	if (!*s || strlen(s) > 100)
		return false;
	for (i = 0; s[i]; i++)
		if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static void
print_paths(FILE *f, const char *head, char **v, size_t n)
{
	struct buf b = BUF_INIT;
	ckpt_format_paths(head, v, n, &b);
	fputs(buf_str(&b), f);
	buf_free(&b);
}

/* Drop the session's conversation back to before entry `en`. */
static void
rewind_conversation(struct cli_ctx *c, const char *sid,
		    const struct ckpt_entry *en)
{
	struct conv conv;
	struct session *s;
	enum cerr e;

	conv_init(&conv);
	s = session_resume(c->cwd, sid, &conv, NULL, &e);
	if (!s) {
		fprintf(stderr, "conch: the conversation was not rewound: no session "
			"%s for %s (%s)\n", sid, c->cwd, cerr_str(e));
	} else if (!agent_rewind_conv(&conv, s, en->conv_index, en->prompt)) {
		fprintf(stderr, "conch: the conversation was not rewound: it was "
			"compacted or cleared since turn #%d\n", en->n);
	} else {
		printf("The conversation now ends before turn #%d.\n", en->n);
	}
	session_close(s);
	conv_free(&conv);
}

int
cmd_rewind(struct cli_ctx *c, int argc, char **argv)
{
	const char *sid_arg = NULL;
	bool force = false, conversation = false, list = false;
	long n = 0;
	char *sid = NULL, *root = fs_find_git_root(c->workspace);
	struct ckpt_opts o;
	struct ckpt *ck = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct ckpt_plan plan = { 0 };
	int i, rc = EXIT_DONE;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			list = true;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--conversation") == 0) {
			conversation = true;
		} else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc) {
			sid_arg = argv[++i];
		} else if (str_to_long(argv[i], &n) && n > 0 && !list) {
			continue;
		} else {
			fprintf(stderr, "conch: rewind: bad argument \"%s\"\n%s",
				argv[i], usage);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (list && n) {
		fprintf(stderr, "conch: rewind: --list and N do not go together\n%s",
			usage);
		rc = EXIT_USAGE;
		goto out;
	}
	if (sid_arg && !valid_id(sid_arg)) {
		fprintf(stderr, "conch: rewind: \"%s\" is not a session id (see "
			"conch sessions)\n", sid_arg);
		rc = EXIT_USAGE;
		goto out;
	}
	sid = sid_arg ? xstrdup(sid_arg) : latest_session(root ? root : c->workspace);
	if (!sid) {
		fprintf(stderr, "conch: no checkpoints yet for %s\n", c->workspace);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	ckpt_opts_from_config(&o, c->cfg->root);
	o.enabled = true;
	ck = ckpt_open(c->workspace, sid, &o, &err);
	if (!ck) {
		fprintf(stderr, "conch: rewind: %s\n", buf_str(&err));
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	if (!ck->n) {
		fprintf(stderr, "conch: session %s has no checkpoints\n", sid);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	if (!n) {
		printf("Checkpoints of session %s (%s); conch rewind N restores the "
		       "files to before turn N:\n", sid,
		       ck->gitdir ? "git snapshots" : "files changed by conch's tools");
		ckpt_format_list(ck, true, &out);
		fputs(buf_str(&out), stdout);
		goto out;
	}
	if (ckpt_rewind_plan(ck, (int)n, &plan, &err) != C_OK) {
		fprintf(stderr, "conch: rewind: %s\n", buf_str(&err));
		rc = EXIT_USAGE;
		goto out;
	}
	for (i = 0; (size_t)i < plan.nuncaptured; i++)
		fprintf(stderr, "conch: note: %s\n", plan.uncaptured[i]);
	if (plan.nconflicts && !force) {
		print_paths(stderr, "conch: rewind refused: these files changed "
			    "outside conch since the checkpoint and would be "
			    "overwritten:", plan.conflicts, plan.nconflicts);
		fprintf(stderr, "conch: rerun with --force to overwrite them (the "
			"state being left is kept as a checkpoint either way)\n");
		rc = EXIT_CONFLICT;
		goto out;
	}
	{
		size_t restored = 0;
		const struct ckpt_entry *en;
		int undo = ck->next;
		enum cerr e = ckpt_rewind(ck, (int)n, &restored, &err);
		if (e != C_OK) {
			fprintf(stderr, "conch: rewind: %s\n", buf_str(&err));
			rc = EXIT_TASK_FAILED;
			goto out;
		}
		print_paths(stdout, "Restored:", plan.changes, plan.nchanges);
		printf("Files are as before turn #%ld (%zu path%s restored). "
		       "Undo with: conch rewind %d\n", n, restored,
		       restored == 1 ? "" : "s", undo);
		en = ckpt_find(ck, (int)n);
		if (conversation && en && en->conv_index >= 0)
			rewind_conversation(c, sid, en);
		else if (conversation)
			fprintf(stderr, "conch: turn #%ld has no conversation to "
				"rewind to\n", n);
	}
out:
	ckpt_plan_free(&plan);
	ckpt_close(ck);
	buf_free(&err);
	buf_free(&out);
	xfree_all(sid, root);
	return rc;
}

CMD_ENTRY(rewind, "list checkpoints, or restore the files to before a turn");
