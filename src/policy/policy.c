/* policy.c: permission modes and rules.
 *
 * Rules come from the user's own config only (policy_load_rules): lists
 * `allow`, `ask`, `deny` of "tool(pattern)" or "tool".  Evaluation: deny,
 * then ask, then allow, first match wins; when no rule decides, the mode
 * does.  Bash rules are matched against each simple command the line
 * would run (shparse.c): one denied or asked part decides for the whole
 * line; the line is allowed by rule only when every part is allowed and
 * no part writes through a redirection outside the workspace.  Path rules
 * (edit of "src" + double star, read of double star + ".env") match the
 * path relative to the workspace, or absolute for "/..." and "~/..."
 * patterns. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy/policy.h"
#include "policy/shparse.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/sensitive.h"
#include "util/str.h"
#include "util/xalloc.h"

static const char *const mode_names[] = {
	[MODE_READ_ONLY] = "read-only",
	[MODE_ASK] = "ask",
	[MODE_AUTO_EDIT] = "auto-edit",
	[MODE_AUTO] = "auto",
	[MODE_PLAN] = "plan",
};

const char policy_plan_refusal[] =
	"you are in plan mode: explore with read-only tools and commands, "
	"then present your plan with the exit_plan tool (the plan as "
	"Markdown); the user approves it before anything is changed";

bool
policy_mode_parse(const char *s, enum policy_mode *out)
{
	int i = str_index(s, mode_names, sizeof mode_names / sizeof mode_names[0]);
	if (i < 0)
		return false;
	*out = (enum policy_mode)i;
	return true;
}

const char *
policy_mode_str(enum policy_mode m)
{
	return (unsigned)m < sizeof mode_names / sizeof mode_names[0] ?
		mode_names[m] : "?";
}

void
policy_init(struct policy *p, enum policy_mode mode)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
}

void
policy_free(struct policy *p)
{
	cJSON_Delete(p->rules);
	p->rules = NULL;
}

/* ---- rules -------------------------------------------------------------- */

/* Split "tool(pattern)" / "tool".  *pat is NULL for a bare tool name.
 * Returns false for a malformed rule.  Caller frees both. */
static bool
rule_split(const char *rule, char **tool, char **pat)
{
	const char *open = strchr(rule, '('), *close;
	size_t tl;

	*tool = *pat = NULL;
	while (*rule == ' ')
		rule++;
	if (!open) {
		tl = strlen(rule);
		while (tl && rule[tl - 1] == ' ')
			tl--;
		if (!tl)
			return false;
		*tool = xstrndup(rule, tl);
		return true;
	}
	close = strrchr(rule, ')');
	if (!close || close < open || close[1] != '\0' || open == rule)
		return false;
	*tool = xstrndup(rule, (size_t)(open - rule));
	*pat = xstrndup(open + 1, (size_t)(close - open - 1));
	return true;
}

/* Does a rule about `rtool` speak about calls of `tool`? */
static bool
tool_covers(const char *rtool, const char *tool)
{
	if (strcmp(rtool, tool) == 0 || strcmp(rtool, "*") == 0)
		return true;
	/* edit rules cover every tool that writes files */
	if (strcmp(rtool, "edit") == 0 && strcmp(tool, "write") == 0)
		return true;
	if (strcmp(rtool, "write") == 0 && strcmp(tool, "edit") == 0)
		return true;
	/* read rules cover every tool that reads files */
	if (strcmp(rtool, "read") == 0 &&
	    (strcmp(tool, "grep") == 0 || strcmp(tool, "glob") == 0 ||
	     strcmp(tool, "ls") == 0))
		return true;
	return false;
}

/* Glob with `**` crossing directories; `*` and `?` stay within one. */
static bool
gmatch(const char *p, const char *s)
{
	for (;;) {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;
			if (*rest == '/') {
				/* "**\/x": x here or in any subdirectory */
				if (gmatch(rest + 1, s))
					return true;
			}
			for (; *s; s++)
				if (gmatch(rest, s))
					return true;
			return gmatch(rest, s);
		}
		if (*p == '*') {
			for (;; s++) {
				if (gmatch(p + 1, s))
					return true;
				if (!*s || *s == '/')
					return false;
			}
		}
		if (*p == '\0')
			return *s == '\0';
		if (*p == '[') {
			const char *end = strchr(p + 1, ']');
			char cls[256];
			size_t n;
			if (end && (n = (size_t)(end - p + 1)) < sizeof cls && *s && *s != '/') {
				char one[2] = { *s, 0 };
				memcpy(cls, p, n);
				cls[n] = '\0';
				if (fnmatch(cls, one, 0) != 0)
					return false;
				p = end + 1;
				s++;
				continue;
			}
		}
		if (*p == '?' ? (*s == '\0' || *s == '/') : *p != *s)
			return false;
		p++;
		s++;
	}
}

struct call {
	const char *tool;
	unsigned flags;
	const char *command;  /* bash */
	struct sh_script sh;  /* parsed command */
	bool parsed;
	bool read_only;       /* the command is on the read-only list */
	char *abs;            /* path tools: absolute, normalised */
	char *rel;            /* relative to the workspace, or NULL outside */
	const char *escape;   /* writes: why the target really leaves the
			       * workspace (symlink, hard link), or NULL */
	const char *workspace;
	const char *cwd;
};

static bool
path_rule_match(const char *pat, const struct call *c)
{
	const char *home = getenv("HOME");
	if (!c->abs)
		return strcmp(pat, "*") == 0 || strcmp(pat, "**") == 0;
	if (pat[0] == '/')
		return gmatch(pat, c->abs);
	if (pat[0] == '~' && pat[1] == '/' && home && home[0] == '/') {
		char *full = path_join(home, pat + 2);
		bool m = gmatch(full, c->abs);
		free(full);
		return m;
	}
	if (c->rel && gmatch(pat, c->rel))
		return true;
	/* "**\/.env" speaks about such files anywhere */
	return strncmp(pat, "**/", 3) == 0 && gmatch(pat, c->abs + 1);
}

/* Is a redirection target harmless (inside the workspace, or a
 * well-known device)? */
static bool
redir_ok(const char *target, const struct call *c)
{
	char *abs;
	bool ok;
	if (strcmp(target, SH_UNKNOWN) == 0 || strchr(target, '$') || target[0] == '~')
		return false;
	if (strcmp(target, "/dev/null") == 0 || strcmp(target, "/dev/stdout") == 0 ||
	    strcmp(target, "/dev/stderr") == 0)
		return true;
	abs = path_resolve(c->cwd, target);
	ok = path_is_under(abs, c->workspace);
	free(abs);
	return ok;
}

/* `cd DIR` with one literal argument and nothing else. */
static bool
is_plain_cd(const struct sh_cmd *k)
{
	return k->argc <= 2 && strcmp(k->argv[0], "cd") == 0 && !k->opaque &&
	       k->nassign == 0 && k->nredir == 0 && !k->extra_args &&
	       (k->argc == 1 || (strcmp(k->argv[1], SH_UNKNOWN) != 0 &&
				 !strchr(k->argv[1], '$')));
}

/* Does one rule (already known to be about this tool) match the call?
 * `strict` for allow rules (see sh_rule_match).  For bash, `any` asks
 * whether some part matches (deny, ask), else whether every part does
 * (allow; `allowed` marks the parts so far allowed by any rule). */
static bool
rule_matches(const char *pat, struct call *c, bool strict, bool *allowed)
{
	if (!pat || strcmp(pat, "*") == 0)
		return true;
	if (c->command) {
		/* the exact line, as approved "for this session" */
		if (strcmp(pat, c->command) == 0)
			return true;
		for (size_t i = 0; i < c->sh.n; i++) {
			if (strict) {
				if (!allowed[i] && sh_rule_match(pat, &c->sh.cmds[i], true))
					allowed[i] = true;
			} else if (sh_rule_match(pat, &c->sh.cmds[i], false)) {
				return true;
			}
		}
		return false;
	}
	return path_rule_match(pat, c);
}

/* First rule in list `name` that decides the call, or NULL. */
static const char *
list_match(const struct policy *p, const char *name, struct call *c, bool strict)
{
	const cJSON *arr, *it;
	bool *allowed = NULL;
	const char *hit = NULL;

	if (!p->rules)
		return NULL;
	arr = cJSON_GetObjectItemCaseSensitive(p->rules, name);
	if (strict && c->command)
		allowed = xcalloc(c->sh.n + 1, sizeof *allowed);
	cJSON_ArrayForEach(it, arr) {
		char *tool, *pat;
		bool m;
		if (!cJSON_IsString(it) || !rule_split(it->valuestring, &tool, &pat))
			continue; /* malformed rules never widen anything */
		m = tool_covers(tool, c->tool) &&
		    rule_matches(pat, c, strict, allowed);
		xfree_all(tool, pat);
		if (m) {
			hit = it->valuestring;
			break;
		}
	}
	if (!hit && allowed && c->sh.n > 0 && !c->sh.opaque) {
		/* every part allowed, by one rule or another, and no part
		 * writes outside the workspace; a plain `cd DIR` needs no
		 * rule, but after one, relative redirections are not known
		 * to stay inside */
		bool all = true, cd = false, some = false;
		for (size_t i = 0; i < c->sh.n && all; i++) {
			const struct sh_cmd *k = &c->sh.cmds[i];
			if (!allowed[i] && is_plain_cd(k)) {
				cd = true;
				continue;
			}
			all = allowed[i] && !k->opaque;
			some = true;
			for (size_t r = 0; all && r < k->nredir; r++)
				all = redir_ok(k->redir_out[r], c) &&
				      !(cd && k->redir_out[r][0] != '/');
		}
		if (all && some)
			hit = "every part of the command";
	}
	free(allowed);
	return hit;
}

/* For a write to `abs` (lexically inside the workspace): does it really
 * land outside, through a symlink on the way, or on a hard-linked file?
 * The write tools refuse both anyway (sandbox_write_beneath); asking here
 * tells the user why. */
static const char *
write_escape(const char *abs, const char *workspace)
{
	char *cur = xstrdup(abs), *real = NULL, *rws = realpath(workspace, NULL);
	const char *why = NULL;
	struct stat st;

	if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1)
		why = "the file has other hard links";
	/* the deepest existing ancestor, resolved */
	while (!why && rws) {
		real = realpath(cur, NULL);
		if (real)
			break;
		{
			char *slash = strrchr(cur, '/');
			if (!slash || slash == cur)
				break;
			*slash = '\0';
		}
	}
	if (!why && real && rws && !path_is_under(real, rws))
		why = "a symlink on the way leads outside the workspace";
	xfree_all(real, rws, cur);
	return why;
}

/* Does a bash rule of list `name` speak about a program that the command
 * `k` names among its arguments?  *rule gets that rule. */
static bool
rules_name_runner(const struct policy *p, const char *name,
		  const struct sh_cmd *k, const char **rule)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p->rules, name)) {
		char *tool, *pat;
		bool hit = false;
		if (!cJSON_IsString(it) || !rule_split(it->valuestring, &tool, &pat))
			continue;
		if (pat && tool_covers(tool, "bash")) {
			size_t n = strcspn(pat, " \t:");
			for (size_t a = 1; a < k->argc && !hit && n; a++) {
				const char *w = strrchr(k->argv[a], '/');
				w = w ? w + 1 : k->argv[a];
				hit = strlen(w) == n && strncmp(w, pat, n) == 0;
			}
		}
		xfree_all(tool, pat);
		if (hit) {
			*rule = it->valuestring;
			return true;
		}
	}
	return false;
}

/* With deny or ask rules about bash in force: is the line one they
 * cannot judge?  Either the reader could not follow all of it, or a
 * command (one not known to be a plain reader) names the program a rule
 * is about among its arguments, as an unknown wrapper would
 * (`mywrap rm x` under a deny rule about rm).  Says why in `why`. */
static bool
unsure_of_rules(const struct policy *p, const struct call *c, struct buf *why)
{
	static const char *const plain[] = {
		"echo", "printf", "grep", "egrep", "fgrep", "rg", "cat", "ls",
		"head", "tail", "wc", "git", "man", "which", "type", "test", "[",
		"command", "cd", ":", "true", "false", NULL,
	};
	bool rules = false;
	const char *const lists[] = { "deny", "ask" };

	if (!p->rules)
		return false;
	for (size_t l = 0; l < 2 && !rules; l++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p->rules, lists[l])) {
			char *tool, *pat;
			if (cJSON_IsString(it) && rule_split(it->valuestring, &tool, &pat)) {
				rules |= tool_covers(tool, "bash");
				xfree_all(tool, pat);
			}
		}
	}
	if (!rules)
		return false;
	if (!sh_script_modelled(&c->sh)) {
		buf_printf(why, "the command uses shell features conch does not "
			   "follow, so your deny and ask rules cannot be checked; "
			   "it needs approval");
		return true;
	}
	for (size_t i = 0; i < c->sh.n; i++) {
		const struct sh_cmd *k = &c->sh.cmds[i];
		const char *rule = NULL, *b = strrchr(k->argv[0], '/');
		bool known = false;
		b = b ? b + 1 : k->argv[0];
		for (size_t j = 0; plain[j] && !known; j++)
			known = strcmp(b, plain[j]) == 0;
		if (known)
			continue;
		if (rules_name_runner(p, "deny", k, &rule) ||
		    rules_name_runner(p, "ask", k, &rule)) {
			buf_printf(why, "%s may run a program that the rule %s is "
				   "about; it needs approval", k->argv[0], rule);
			return true;
		}
	}
	return false;
}

/* ---- modes -------------------------------------------------------------- */

/* What is secret and what is protected: util/sensitive.c, the one list
 * the sandbox and the file tools use too. */
static bool
is_secret(const char *abs)
{
	return abs && sensitive_path_secret(abs, NULL);
}

static bool
is_protected(const char *rel)
{
	return sensitive_rel_protected(rel);
}

static enum policy_decision
by_mode(const struct policy *p, const struct call *c, struct buf *why)
{
	bool outside = c->abs && !c->rel;

	if (c->flags & TOOL_WRITES) {
		if (p->mode == MODE_READ_ONLY || p->mode == MODE_PLAN) {
			buf_printf(why, "mode read-only forbids %s", c->tool);
			return POLICY_DENY;
		}
		if (outside) {
			buf_printf(why, "%s outside the workspace needs approval", c->tool);
			return POLICY_ASK;
		}
		if (c->escape) {
			buf_printf(why, "%s of %s needs approval: %s", c->tool, c->rel,
				   c->escape);
			return POLICY_ASK;
		}
		if (is_protected(c->rel)) {
			buf_printf(why, "%s of %s (a protected path: .git, .conch, "
				   ".agents, .claude, AGENTS.md or CLAUDE.md) "
				   "needs approval", c->tool, c->rel);
			return POLICY_ASK;
		}
		if (p->mode == MODE_ASK) {
			buf_printf(why, "mode ask: %s needs approval", c->tool);
			return POLICY_ASK;
		}
		return POLICY_ALLOW;
	}
	if (c->flags & TOOL_RUNS_COMMANDS) {
		if (p->mode != MODE_AUTO && c->read_only)
			return POLICY_ALLOW; /* the built-in read-only list */
		switch (p->mode) {
		case MODE_READ_ONLY:
		case MODE_PLAN: /* policy_check() decides plan as read-only */
			buf_printf(why, "mode read-only runs only read-only commands "
				   "(ls, cat, grep, git status/log/diff ...) and "
				   "commands allowed by a rule");
			return POLICY_DENY;
		case MODE_ASK:
		case MODE_AUTO_EDIT:
			buf_printf(why, "mode %s: %s needs approval",
				   policy_mode_str(p->mode), c->tool);
			return POLICY_ASK;
		case MODE_AUTO:
			return POLICY_ALLOW; /* confined by the sandbox */
		}
	}
	if (p->mode == MODE_READ_ONLY && strcmp(c->tool, "memory") == 0) {
		buf_printf(why, "mode read-only forbids memory (it writes conch's "
			   "memory files)");
		return POLICY_DENY;
	}
	if (is_secret(c->abs)) {
		buf_printf(why, "%s of %s reads a secret the sandbox keeps out of "
			   "reach; it needs approval", c->tool, c->abs);
		return POLICY_ASK;
	}
	return POLICY_ALLOW;
}

static enum policy_decision check(const struct policy *p, const char *tool,
				  unsigned flags, const cJSON *args,
				  const char *workspace, const char *cwd,
				  struct buf *why, struct policy_cmd_facts *facts);

enum policy_decision
policy_check(const struct policy *p, const char *tool, unsigned flags,
	     const cJSON *args, const char *workspace, const char *cwd,
	     struct buf *why)
{
	return policy_check_cmd(p, tool, flags, args, workspace, cwd, why, NULL);
}

enum policy_decision
policy_check_cmd(const struct policy *p, const char *tool, unsigned flags,
		 const cJSON *args, const char *workspace, const char *cwd,
		 struct buf *why, struct policy_cmd_facts *facts)
{
	struct policy ro;
	enum policy_decision d;

	if (facts)
		memset(facts, 0, sizeof *facts);
	if (p->mode != MODE_PLAN)
		return check(p, tool, flags, args, workspace, cwd, why, facts);
	/* plan mode is read-only mode with every write refused: the same
	 * code decides, so what read-only runs, plan runs */
	if (flags & TOOL_WRITES) {
		buf_printf(why, "%s is not allowed: %s", tool, policy_plan_refusal);
		return POLICY_DENY;
	}
	ro = *p;
	ro.mode = MODE_READ_ONLY;
	d = check(&ro, tool, flags, args, workspace, cwd, why, facts);
	if (d == POLICY_DENY && strncmp(buf_str(why), "denied by the rule", 18) != 0) {
		buf_reset(why);
		buf_printf(why, "this %s call is not read-only: %s", tool,
			   policy_plan_refusal);
	}
	return d;
}

static enum policy_decision
check(const struct policy *p, const char *tool, unsigned flags,
      const cJSON *args, const char *workspace, const char *cwd,
      struct buf *why, struct policy_cmd_facts *facts)
{
	enum policy_decision d;
	struct call c;
	const char *path = jx_str(args, "path"), *hit;

	memset(&c, 0, sizeof c);
	c.tool = tool;
	c.flags = flags;
	c.workspace = workspace;
	c.cwd = cwd ? cwd : workspace;
	c.command = (flags & TOOL_RUNS_COMMANDS) ? jx_str(args, "command") : NULL;
	if (c.command) {
		sh_parse(c.command, &c.sh);
		c.parsed = true;
		c.read_only = policy_script_is_read_only(&c.sh);
		if (facts) {
			facts->read_only = c.read_only;
			facts->wants_network = policy_script_wants_network(&c.sh);
		}
	}
	if (!c.command && (path || (flags & (TOOL_READ_ONLY | TOOL_WRITES)))) {
		c.abs = path_resolve(c.cwd, path ? path : ".");
		if (path_is_under(c.abs, workspace)) {
			size_t wl = strlen(workspace);
			const char *r = c.abs + (strcmp(workspace, "/") == 0 ? 1 : wl);
			while (*r == '/')
				r++;
			c.rel = xstrdup(*r ? r : ".");
			if (flags & TOOL_WRITES)
				c.escape = write_escape(c.abs, workspace);
		}
	}

	if ((hit = list_match(p, "deny", &c, false)) != NULL) {
		buf_printf(why, "denied by the rule %s", hit);
		d = POLICY_DENY;
		goto out;
	}
	if ((hit = list_match(p, "ask", &c, false)) != NULL) {
		buf_printf(why, "the rule %s asks for approval", hit);
		d = POLICY_ASK;
		goto yes;
	}
	if (c.command && unsure_of_rules(p, &c, why)) {
		/* a deny or ask rule might have matched what cannot be
		 * read: never let the mode allow it silently */
		d = POLICY_ASK;
		goto yes;
	}
	if ((hit = list_match(p, "allow", &c, true)) != NULL &&
	    !((flags & TOOL_WRITES) && (is_protected(c.rel) || c.escape))) {
		d = POLICY_ALLOW;
		goto out;
	}
	d = by_mode(p, &c, why);
yes:
	if (d == POLICY_ASK && p->yes)
		d = POLICY_ALLOW;
out:
	if (c.parsed)
		sh_script_free(&c.sh);
	xfree_all(c.abs, c.rel);
	return d;
}

bool
policy_rule_valid(const char *rule)
{
	char *tool, *pat;
	if (!rule || !rule_split(rule, &tool, &pat))
		return false;
	xfree_all(tool, pat);
	return true;
}

void
policy_allow_session(struct policy *p, const char *rule)
{
	cJSON *arr;
	if (!p->rules)
		p->rules = cJSON_CreateObject();
	arr = cJSON_GetObjectItemCaseSensitive(p->rules, "allow");
	if (!arr)
		arr = cJSON_AddArrayToObject(p->rules, "allow");
	cJSON_AddItemToArray(arr, cJSON_CreateString(rule));
}

enum cerr
policy_load_rules(struct policy *p, const cJSON *user_config, struct buf *err)
{
	static const char *const lists[] = { "allow", "ask", "deny", NULL };
	const cJSON *src;
	cJSON *rules;
	enum cerr e = C_OK;

	if (!user_config)
		return C_OK;
	src = cJSON_GetObjectItemCaseSensitive(user_config, "permissions");
	if (!src)
		src = user_config;
	if (!cJSON_IsObject(src)) {
		buf_printf(err, "permissions must be an object with allow/ask/deny arrays");
		return C_ERR_PARSE;
	}
	rules = cJSON_CreateObject();
	for (size_t i = 0; lists[i]; i++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(src, lists[i]), *it;
		cJSON *out;
		if (!arr)
			continue;
		if (!cJSON_IsArray(arr)) {
			buf_printf(err, "permissions.%s must be an array of \"tool(pattern)\" "
				   "strings", lists[i]);
			e = C_ERR_PARSE;
			continue;
		}
		out = cJSON_AddArrayToObject(rules, lists[i]);
		cJSON_ArrayForEach(it, arr) {
			char *tool, *pat;
			if (!cJSON_IsString(it) || !rule_split(it->valuestring, &tool, &pat)) {
				buf_printf(err, "permissions.%s: malformed rule %s; want "
					   "\"tool(pattern)\" or \"tool\"", lists[i],
					   cJSON_IsString(it) ? it->valuestring : "(not a string)");
				e = C_ERR_PARSE;
				continue;
			}
			xfree_all(tool, pat);
			cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
		}
	}
	cJSON_Delete(p->rules);
	p->rules = rules;
	return e;
}

bool
policy_script_wants_network(const struct sh_script *script)
{
	static const char *const tools[] = {
		"curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat",
		"netcat", "telnet", "ftp", "ping", "dig", "nslookup", "host",
		"gh", "aria2c", NULL,
	};
	/* program, then subcommands that fetch ("*": any) */
	static const char *const subs[][8] = {
		{ "git", "clone", "fetch", "pull", "push", "ls-remote", "submodule", NULL },
		{ "npm", "install", "i", "ci", "add", "publish", "update", NULL },
		{ "pnpm", "install", "i", "add", "update", NULL },
		{ "yarn", "install", "add", "upgrade", NULL },
		{ "pip", "install", "download", NULL },
		{ "pip3", "install", "download", NULL },
		{ "cargo", "install", "fetch", "update", "publish", NULL },
		{ "go", "get", "install", "mod", NULL },
		{ "apt", "install", "update", NULL },
		{ "apt-get", "install", "update", NULL },
		{ "docker", "pull", "push", "run", "build", NULL },
		{ "gem", "install", NULL },
		{ "uv", "pip", "sync", "add", NULL },
	};
	bool wants = false;

	for (size_t i = 0; i < script->n && !wants; i++) {
		const struct sh_cmd *c = &script->cmds[i];
		const char *prog = strrchr(c->argv[0], '/');
		prog = prog ? prog + 1 : c->argv[0];
		for (size_t k = 0; tools[k] && !wants; k++)
			wants = strcmp(prog, tools[k]) == 0;
		for (size_t k = 0; k < sizeof subs / sizeof subs[0] && !wants; k++) {
			if (strcmp(prog, subs[k][0]) != 0)
				continue;
			/* the first word that is not an option */
			for (size_t a = 1; a < c->argc; a++) {
				if (c->argv[a][0] == '-') {
					/* options that take the next word */
					if (strcmp(c->argv[a], "-C") == 0 ||
					    strcmp(c->argv[a], "-c") == 0 ||
					    strcmp(c->argv[a], "--prefix") == 0)
						a++;
					continue;
				}
				for (size_t m = 1; m < 8 && subs[k][m] && !wants; m++)
					wants = strcmp(c->argv[a], subs[k][m]) == 0;
				break;
			}
		}
	}
	return wants;
}

bool
policy_command_wants_network(const char *command)
{
	struct sh_script sh;
	bool wants;

	sh_parse(command, &sh);
	wants = policy_script_wants_network(&sh);
	sh_script_free(&sh);
	return wants;
}
