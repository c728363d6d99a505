/* projrules.c: allow rules saved "for this project" by the user.
 *
 * They live in the USER's own configuration directory, never in the
 * repository (where a hostile checkout could plant them):
 * $XDG_CONFIG_HOME/conch/projects.json =
 *   {"projects": {"/real/path/of/project": {"allow": ["bash(make test *)"]}}}
 * keyed by the project's real path (symlinks resolved), so two checkouts
 * never share rules.  Written atomically, mode 0600.
 *
 * Also the hint for a call that asks where no one can answer: the mode
 * that would allow it, or the rule to save (policy_unblock_hint). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/shparse.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define PROJECTS_MAX (4u << 20)

char *
policy_projects_path(void)
{
	char *dir = xdg_dir("config");
	char *p = path_join(dir, "projects.json");
	free(dir);
	return p;
}

static char *
project_key(const char *workspace)
{
	char *real = realpath(workspace, NULL);
	return real ? real : xstrdup(workspace);
}

/* The whole file, or a new empty document when it does not exist. */
static cJSON *
load_doc(const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	cJSON *doc = NULL;
	enum cerr e = fs_read_file(path, PROJECTS_MAX, &text);
	int line = 0, col = 0;

	if (e == C_ERR_NOTFOUND) {
		doc = cJSON_CreateObject();
		goto out;
	}
	if (e != C_OK) {
		buf_printf(err, "cannot read %s: %s", path, cerr_str(e));
		goto out;
	}
	doc = jx_parse(buf_str(&text), text.len, &line, &col);
	if (!doc || !cJSON_IsObject(doc)) {
		buf_printf(err, "%s is not a JSON object (line %d, column %d); fix or "
			   "remove it", path, line, col);
		cJSON_Delete(doc);
		doc = NULL;
	}
out:
	buf_free(&text);
	return doc;
}

static enum cerr
save_doc(const char *path, const cJSON *doc, struct buf *err)
{
	char *text = jx_print(doc), *dir = xstrdup(path), *slash;
	enum cerr e;

	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	e = fs_mkdir_p(dir, 0700);
	if (e == C_OK)
		e = fs_write_atomic(path, text, strlen(text), 0600);
	if (e != C_OK)
		buf_printf(err, "cannot write %s: %s", path, strerror(errno));
	xfree_all(text, dir);
	return e;
}

/* doc.projects[key].allow, created when `create`. */
static cJSON *
allow_list(cJSON *doc, const char *key, bool create)
{
	cJSON *projects = cJSON_GetObjectItemCaseSensitive(doc, "projects"), *proj, *allow;
	if (!cJSON_IsObject(projects)) {
		if (!create)
			return NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "projects");
		projects = cJSON_AddObjectToObject(doc, "projects");
	}
	proj = cJSON_GetObjectItemCaseSensitive(projects, key);
	if (!cJSON_IsObject(proj)) {
		if (!create)
			return NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(projects, key);
		proj = cJSON_AddObjectToObject(projects, key);
	}
	allow = cJSON_GetObjectItemCaseSensitive(proj, "allow");
	if (!cJSON_IsArray(allow)) {
		if (!create)
			return NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(proj, "allow");
		allow = cJSON_AddArrayToObject(proj, "allow");
	}
	return allow;
}

/* The projects file, its document and this workspace's key in it. */
struct projdoc {
	char *path, *key;
	cJSON *doc; /* NULL when it cannot be read (err says why) */
};

static bool
projdoc_open(struct projdoc *d, const char *workspace, struct buf *err)
{
	d->path = policy_projects_path();
	d->key = project_key(workspace);
	d->doc = load_doc(d->path, err);
	return d->doc != NULL;
}

static void
projdoc_close(struct projdoc *d)
{
	cJSON_Delete(d->doc);
	xfree_all(d->path, d->key);
}

/* The index of `rule` in the allow array, or -1. */
static int
rule_index(const cJSON *allow, const char *rule)
{
	const cJSON *it;
	int idx = 0;
	cJSON_ArrayForEach(it, allow) {
		if (cJSON_IsString(it) && strcmp(it->valuestring, rule) == 0)
			return idx;
		idx++;
	}
	return -1;
}

cJSON *
policy_project_rules(const char *workspace, struct buf *err)
{
	struct projdoc d;
	cJSON *out = NULL, *allow, *it;

	if (projdoc_open(&d, workspace, err)) {
		out = cJSON_CreateArray();
		allow = allow_list(d.doc, d.key, false);
		cJSON_ArrayForEach(it, allow)
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
	}
	projdoc_close(&d);
	return out;
}

enum cerr
policy_project_rules_load(struct policy *p, const char *workspace, struct buf *err)
{
	cJSON *rules = policy_project_rules(workspace, err), *it;
	if (!rules)
		return C_ERR_PARSE;
	cJSON_ArrayForEach(it, rules)
		policy_allow_session(p, it->valuestring);
	cJSON_Delete(rules);
	return C_OK;
}

/* Add `rule` to the workspace's saved rules (a rule already there is
 * fine), or remove it (it must be there). */
static enum cerr
rule_change(const char *workspace, const char *rule, bool add, struct buf *err)
{
	struct projdoc d;
	cJSON *allow;
	enum cerr e = C_ERR_PARSE;
	int idx;

	if (!projdoc_open(&d, workspace, err))
		goto out;
	if (add && !policy_rule_valid(rule)) {
		buf_printf(err, "malformed rule %s; want \"tool(pattern)\"", rule);
		e = C_ERR_INVAL;
		goto out;
	}
	allow = allow_list(d.doc, d.key, add);
	idx = rule_index(allow, rule);
	if (add && idx >= 0) {
		e = C_OK; /* already there */
		goto out;
	}
	if (!add && idx < 0) {
		buf_printf(err, "no rule %s is saved for %s", rule, d.key);
		e = C_ERR_NOTFOUND;
		goto out;
	}
	if (add)
		cJSON_AddItemToArray(allow, cJSON_CreateString(rule));
	else
		cJSON_DeleteItemFromArray(allow, idx);
	e = save_doc(d.path, d.doc, err);
out:
	projdoc_close(&d);
	return e;
}

enum cerr
policy_project_rule_add(const char *workspace, const char *rule, struct buf *err)
{
	return rule_change(workspace, rule, true, err);
}

enum cerr
policy_project_rule_remove(const char *workspace, const char *rule, struct buf *err)
{
	return rule_change(workspace, rule, false, err);
}

/* Commands whose first argument is code or a script to run: a prefix
 * rule for them would allow anything. */
static const char *const no_prefix[] = {
	"sh", "bash", "dash", "zsh", "python", "python3", "python2", "node",
	"perl", "ruby", "php", "eval", "exec", "env", "sudo", "doas", "xargs",
	"find", "awk", "sed", "npx", "source", ".", "rm", "chmod", "chown",
	"curl", "wget", "ssh", "scp", "dd", "mv", "cp", "ln", "tee", "docker",
	"kubectl", NULL,
};

/* A word that looks like a subcommand (test, run, build), not a path,
 * option or value. */
static bool
subcommand_like(const char *w)
{
	if (!*w || w[0] == '-' || strlen(w) > 32)
		return false;
	for (; *w; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9') ||
		      *w == '-' || *w == '_' || *w == ':'))
			return false;
	return true;
}

char *
policy_project_rule_for(const char *tool, const char *command, const char *path)
{
	struct sh_script sh;
	struct buf b = BUF_INIT;
	const struct sh_cmd *c;
	size_t words;

	if (!command)
		return path ? xasprintf("%s(%s)", tool, path) : xstrdup(tool);
	if (sh_parse(command, &sh) != C_OK || !sh_script_modelled(&sh) ||
	    sh.n != 1 || sh.cmds[0].nassign || sh.cmds[0].nredir ||
	    sh.cmds[0].orig || sh.cmds[0].extra_args) {
		sh_script_free(&sh);
		return xasprintf("%s(%s)", tool, command); /* exactly this line */
	}
	c = &sh.cmds[0];
	for (size_t i = 0; no_prefix[i]; i++)
		if (strcmp(c->argv[0], no_prefix[i]) == 0) {
			sh_script_free(&sh);
			return xasprintf("%s(%s)", tool, command);
		}
	/* the program and up to two subcommands: "make test", "npm run
	 * build", "cargo test"; git needs its subcommand */
	buf_adds(&b, c->argv[0]);
	for (words = 1; words < c->argc && words < 3 && subcommand_like(c->argv[words]);
	     words++)
		buf_printf(&b, " %s", c->argv[words]);
	if (strcmp(c->argv[0], "git") == 0 && words < 2) {
		buf_free(&b);
		sh_script_free(&sh);
		return xasprintf("%s(%s)", tool, command);
	}
	{
		char *r = xasprintf("%s(%s *)", tool, buf_str(&b));
		buf_free(&b);
		sh_script_free(&sh);
		return r;
	}
}

char *
policy_unblock_hint(const struct policy *p, const char *tool, unsigned flags,
		    const cJSON *args, const char *workspace, const char *cwd)
{
	static const enum policy_mode wider[] = { MODE_AUTO_EDIT, MODE_AUTO };
	struct policy q = *p; /* shares p's rules: never freed here */
	struct buf why = BUF_INIT;
	char *rule;

	q.yes = false;
	for (size_t i = 0; i < sizeof wider / sizeof wider[0]; i++) {
		if (wider[i] == p->mode || (p->mode == MODE_AUTO && wider[i] == MODE_AUTO_EDIT))
			continue;
		q.mode = wider[i];
		buf_reset(&why);
		if (policy_check(&q, tool, flags, args, workspace, cwd, &why) ==
		    POLICY_ALLOW) {
			buf_free(&why);
			return xasprintf("rerun with --mode %s, or with --yes",
					 policy_mode_str(wider[i]));
		}
	}
	buf_free(&why);
	rule = policy_project_rule_for(tool, jx_str(args, "command"),
				       jx_str(args, "path"));
	{
		/* no mode allows it without asking (a path outside the
		 * workspace, a protected path, a rule that asks) */
		char *h = xasprintf("no --mode allows this without asking; rerun "
				    "with --yes, or add an allow rule such as "
				    "\"%s\" to your config", rule);
		free(rule);
		return h;
	}
}
