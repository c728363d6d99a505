/* cmd-skills.c: conch skills list|show|install|remove|edit|new|validate|
 * undo|approve|reject|pending. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd-mind.h"
#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

static void
usage(void)
{
	fputs("usage: conch skills list\n"
	      "       conch skills show NAME\n"
	      "       conch skills install SOURCE [--force]   (folder, .tar.gz, .zip)\n"
	      "       conch skills remove NAME\n"
	      "       conch skills edit NAME\n"
	      "       conch skills new NAME [--description TEXT] [--project]\n"
	      "       conch skills validate [PATH]\n"
	      "       conch skills undo NAME\n"
	      "       conch skills pending | approve NAME | reject NAME\n", stderr);
}

static bool
has_flag(int argc, char **argv, const char *flag)
{
	int i;
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return true;
	return false;
}

/* The first argument after the subcommand that is not an option. */
static const char *
operand(int argc, char **argv)
{
	int i;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--description") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] != '-')
			return argv[i];
	}
	return NULL;
}

static const char *
opt_value(int argc, char **argv, const char *flag)
{
	int i;
	for (i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return argv[i + 1];
	return NULL;
}

static void
print_warn(const struct buf *w)
{
	if (w->len)
		fprintf(stderr, "%s", buf_str(w));
}

static int
finish(enum cerr e, struct buf *msg)
{
	if (msg->len) {
		FILE *f = e ? stderr : stdout;
		fputs(buf_str(msg), f);
		if (msg->p[msg->len - 1] != '\n')
			fputc('\n', f);
	}
	return e == C_OK ? 0 : e == C_ERR_INVAL ? EXIT_USAGE : EXIT_TASK_FAILED;
}

static int
list(struct cli_ctx *c)
{
	struct skill_index idx;
	struct buf warn = BUF_INIT, pend = BUF_INIT;
	size_t i;
	skills_scan(&idx, c->workspace, &warn);
	print_warn(&warn);
	if (!idx.n)
		puts("no skills (conch skills new NAME, or conch skills install SOURCE)");
	for (i = 0; i < idx.n; i++)
		printf("%-28s %-9s %.70s%s\n", idx.v[i].name,
		       skill_source_str(idx.v[i].source), idx.v[i].description,
		       strlen(idx.v[i].description) > 70 ? "..." : "");
	skills_pending_list(&pend);
	if (pend.len)
		printf("\npending review (conch skills approve|reject NAME):\n%s",
		       buf_str(&pend));
	skills_index_free(&idx);
	buf_free(&warn);
	buf_free(&pend);
	return 0;
}

static int
show(struct cli_ctx *c, const char *name)
{
	struct skill_index idx;
	struct buf out = BUF_INIT;
	enum cerr e;
	skills_scan(&idx, c->workspace, NULL);
	e = skills_describe(&idx, name, &out);
	fputs(buf_str(&out), e ? stderr : stdout);
	skills_index_free(&idx);
	buf_free(&out);
	return e ? EXIT_TASK_FAILED : 0;
}

static int
validate_one(const char *dir, bool *bad)
{
	struct skill s;
	struct skill_err err;
	if (skill_load(dir, &s, &err)) {
		fprintf(stderr, "%s/SKILL.md:%d: %s\n", dir, err.line, err.reason);
		*bad = true;
		return 1;
	}
	printf("%s: ok (%s)\n", s.path, s.name);
	skill_free(&s);
	return 0;
}

/* Validate every subfolder of `root` that is not hidden. */
static void
validate_dir(const char *root, bool *bad)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t n = 0;
	if (!d) {
		fprintf(stderr, "conch: cannot open %s\n", root);
		*bad = true;
		return;
	}
	while ((de = readdir(d))) {
		char *sub;
		if (de->d_name[0] == '.')
			continue;
		sub = path_join(root, de->d_name);
		if (fs_is_dir(sub)) {
			validate_one(sub, bad);
			n++;
		}
		free(sub);
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "conch: no skill folders in %s\n", root);
		*bad = true;
	}
}

static int
validate(struct cli_ctx *c, const char *path)
{
	bool bad = false;
	if (!path) {
		struct skill_index idx;
		struct buf warn = BUF_INIT;
		skills_scan(&idx, c->workspace, &warn);
		print_warn(&warn);
		printf("%zu valid skills\n", idx.n);
		bad = strstr(buf_str(&warn), "(skipped)") != NULL;
		skills_index_free(&idx);
		buf_free(&warn);
	} else if (str_suffix(path, "SKILL.md")) {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else {
			free(dir);
			dir = xstrdup(".");
		}
		validate_one(dir, &bad);
		free(dir);
	} else {
		char *sk = path_join(path, "SKILL.md");
		if (fs_exists(sk) || !fs_is_dir(path))
			validate_one(path, &bad);
		else
			validate_dir(path, &bad);
		free(sk);
	}
	return bad ? EXIT_TASK_FAILED : 0;
}

static int
new_skill(struct cli_ctx *c, int argc, char **argv)
{
	const char *name = operand(argc, argv);
	const char *desc = opt_value(argc, argv, "--description");
	bool project = has_flag(argc, argv, "--project");
	char *root, *dir, *text, *path;
	struct buf body = BUF_INIT;
	enum cerr e;
	int rc = 0;

	if (!name || !skill_name_valid(name)) {
		fprintf(stderr, "conch: skills new: NAME must be 1-64 characters of "
			"a-z, 0-9 and single hyphens\n");
		return EXIT_USAGE;
	}
	root = project ? path_join(c->workspace, ".conch/skills") : skills_user_dir();
	dir = path_join(root, name);
	path = path_join(dir, "SKILL.md");
	if (fs_exists(dir)) {
		fprintf(stderr, "conch: %s exists already\n", dir);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	buf_printf(&body, "# %s\n\n## When to use\n\nDescribe the tasks this "
		   "skill is for.\n\n## Steps\n\n1. First step.\n2. Second step.\n\n"
		   "## Pitfalls\n\n- What to watch out for.\n", name);
	text = skill_render(name, desc ? desc : "Describe what this skill does "
			    "and when to use it.", buf_str(&body));
	if ((e = fs_mkdir_p(dir, 0755)) ||
	    (e = fs_write_atomic(path, text, strlen(text), 0644))) {
		fprintf(stderr, "conch: cannot write %s: %s\n", path, cerr_str(e));
		rc = EXIT_TASK_FAILED;
	} else {
		printf("created %s\n", path);
	}
	free(text);
out:
	buf_free(&body);
	xfree_all(path, dir, root);
	return rc;
}

static int
edit(struct cli_ctx *c, const char *name)
{
	struct skill_index idx;
	const struct skill *s;
	struct buf cur = BUF_INIT, after = BUF_INIT, msg = BUF_INIT;
	struct skill parsed;
	struct skill_err err;
	char *data = xdg_dir("data"), *tmp = NULL;
	int rc = 0;

	skills_scan(&idx, c->workspace, NULL);
	if (!(s = skills_find(&idx, name))) {
		fprintf(stderr, "conch: no skill \"%s\" (conch skills new %s "
			"creates one)\n", name, name);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	fs_read_file(s->path, SKILL_FILE_MAX, &cur);
	fs_mkdir_p(data, 0700);
	tmp = xasprintf("%s/edit-%s-%ld.md", data, name, (long)getpid());
	if (fs_write_atomic(tmp, cur.p ? cur.p : "", cur.len, 0600)) {
		fprintf(stderr, "conch: cannot write %s\n", tmp);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	if (cli_edit_file(tmp) != 0) {
		fprintf(stderr, "conch: the editor failed; %s is unchanged\n", s->path);
		unlink(tmp);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	fs_read_file(tmp, SKILL_FILE_MAX, &after);
	if (after.len == cur.len && (!cur.len || !memcmp(after.p, cur.p, cur.len))) {
		printf("no change\n");
		unlink(tmp);
		goto out;
	}
	if (skill_parse(buf_str(&after), after.len, name, &parsed, &err)) {
		fprintf(stderr, "conch: the edit is not a valid skill: SKILL.md:%d: "
			"%s\nconch: %s is unchanged; your edit is kept in %s\n",
			err.line, err.reason, s->path, tmp);
		rc = EXIT_TASK_FAILED;
		goto out;
	}
	skill_free(&parsed);
	if (s->source == SRC_USER || s->source == SRC_BUNDLED) {
		/* with history (undo); a bundled skill gets a user copy */
		if (skills_write(name, buf_str(&after), "edit", NULL, false, &msg)) {
			rc = finish(C_ERR_IO, &msg);
			goto out;
		}
		printf("%s\n", buf_str(&msg));
	} else if (s->source == SRC_INSTALLED) {
		/* in place, with history (undo) */
		if (skills_write_installed(name, buf_str(&after), &msg)) {
			rc = finish(C_ERR_IO, &msg);
			goto out;
		}
		printf("%s\n", buf_str(&msg));
	} else if (fs_write_atomic(s->path, after.p, after.len, 0644)) {
		fprintf(stderr, "conch: cannot write %s\n", s->path);
		rc = EXIT_TASK_FAILED;
		goto out;
	} else {
		printf("updated %s\n", s->path);
	}
	unlink(tmp);
out:
	skills_index_free(&idx);
	buf_free(&cur);
	buf_free(&after);
	buf_free(&msg);
	xfree_all(tmp, data);
	return rc;
}

/* What was skipped goes to stderr; exit 0 when at least one skill was
 * installed, else the first failure's status. */
static int
install(const char *source, bool force)
{
	struct buf msg = BUF_INIT, errs = BUF_INIT;
	enum cerr e;
	int rc;
	if (!source) {
		fprintf(stderr, "conch: skills install needs a SOURCE folder or archive\n");
		return EXIT_USAGE;
	}
	e = skills_install(source, force, &msg, &errs);
	if (errs.len) {
		fputs(buf_str(&errs), stderr);
		if (errs.p[errs.len - 1] != '\n')
			fputc('\n', stderr);
	}
	rc = finish(e, &msg);
	buf_free(&msg);
	buf_free(&errs);
	return rc;
}

int
cmd_skills(struct cli_ctx *c, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "list";
	const char *arg = operand(argc, argv);
	struct buf msg = BUF_INIT;
	int rc;

	if (!strcmp(sub, "list")) {
		rc = list(c);
	} else if (!strcmp(sub, "validate")) {
		rc = validate(c, arg);
	} else if (!strcmp(sub, "new")) {
		rc = new_skill(c, argc, argv);
	} else if (!strcmp(sub, "pending")) {
		skills_pending_list(&msg);
		fputs(msg.len ? buf_str(&msg) : "no skills pending review\n", stdout);
		rc = 0;
	} else if (!arg) {
		usage();
		rc = EXIT_USAGE;
	} else if (!strcmp(sub, "show")) {
		rc = show(c, arg);
	} else if (!strcmp(sub, "edit")) {
		rc = edit(c, arg);
	} else if (!strcmp(sub, "install")) {
		rc = install(arg, has_flag(argc, argv, "--force"));
	} else if (!strcmp(sub, "remove")) {
		rc = finish(skills_remove(arg, &msg), &msg);
	} else if (!strcmp(sub, "undo")) {
		rc = finish(skills_undo(arg, &msg), &msg);
	} else if (!strcmp(sub, "approve")) {
		rc = finish(skills_approve(arg, &msg), &msg);
	} else if (!strcmp(sub, "reject")) {
		rc = finish(skills_reject(arg, &msg), &msg);
	} else {
		usage();
		rc = EXIT_USAGE;
	}
	buf_free(&msg);
	return rc;
}

CMD_ENTRY(skills, "list, install, write and undo skills");
