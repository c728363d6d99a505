/* context.c: the system prompt: prompts/system.md with its variables
 * filled, then the project's AGENTS.md files (CLAUDE.md where a directory
 * has no AGENTS.md) from the git root down to the cwd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "agent/agent-int.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/xalloc.h"

#define PROMPT_MAX (256u << 10)
#define AGENTS_MAX (64u << 10)

static bool
try_read(const char *dir, const char *sub, const char *name, struct buf *out)
{
	char *p;
	bool ok;
	if (!dir || !*dir)
		return false;
	p = xasprintf("%s/%s/%s", dir, sub, name);
	buf_reset(out);
	ok = fs_read_file(p, PROMPT_MAX, out) == C_OK;
	free(p);
	return ok;
}

char *
agent_prompt_text(const char *name)
{
	struct buf b = BUF_INIT;
	char *cfg = xdg_dir("config");
	bool ok = try_read(cfg, "prompts", name, &b) ||
		  try_read(getenv("CONCH_PKGDATADIR"), "prompts", name, &b) ||
		  try_read(CONCH_PKGDATADIR, "prompts", name, &b) ||
		  try_read(CONCH_SRCDIR, "prompts", name, &b);
	free(cfg);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Replace each {{key}} in `tpl` with its value. */
static void
fill(struct buf *out, const char *tpl, const char *const kv[][2], size_t nkv)
{
	const char *p = tpl;
	while (*p) {
		const char *open = strstr(p, "{{");
		size_t i;
		bool done = false;
		if (!open) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(open - p));
		for (i = 0; i < nkv; i++) {
			size_t kl = strlen(kv[i][0]);
			if (strncmp(open + 2, kv[i][0], kl) == 0 &&
			    strncmp(open + 2 + kl, "}}", 2) == 0) {
				buf_adds(out, kv[i][1]);
				p = open + 4 + kl;
				done = true;
				break;
			}
		}
		if (!done) {
			buf_add(out, "{{", 2);
			p = open + 2;
		}
	}
}

/* Append the AGENTS.md (or CLAUDE.md) of `dir` if any. */
static void
add_agents_file(struct buf *out, const char *dir, const char *workspace)
{
	/* the instruction files the sandbox and the write tools protect
	 * (util/sensitive.c), in order of preference */
	const char *const *names = sensitive_instruction_files();
	struct buf f = BUF_INIT;
	size_t i;
	for (i = 0; names[i]; i++) {
		char *p = path_join(dir, names[i]);
		buf_reset(&f);
		if (fs_read_file(p, AGENTS_MAX, &f) == C_OK) {
			const char *rel = dir + strlen(workspace);
			buf_printf(out, "\n\n# %s%s%s (project instructions)\n\n%s",
				   *rel ? rel + 1 : "", *rel ? "/" : "",
				   names[i], buf_str(&f));
			free(p);
			break;
		}
		free(p);
	}
	buf_free(&f);
}

char *
agent_system_prompt(const char *workspace, const char *cwd,
		    const struct conv_tool_spec *tools, size_t ntools)
{
	struct buf out = BUF_INIT;
	char *tpl = agent_prompt_text("system.md");
	char date[16], platform[160], *gitroot = fs_find_git_root(cwd);
	struct utsname un;
	time_t now = time(NULL);
	struct tm tm;
	const char *top = workspace;
	char *cur;

	(void)tools;
	(void)ntools;
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	if (uname(&un) == 0)
		snprintf(platform, sizeof platform, "%s %s", un.sysname, un.machine);
	else
		snprintf(platform, sizeof platform, "Linux");
	{
		const char *const kv[][2] = {
			{ "cwd", cwd },
			{ "workspace", workspace },
			{ "date", date },
			{ "platform", platform },
			{ "git", gitroot ? "yes" : "no" },
		};
		fill(&out, tpl ? tpl : "You are conch, a coding agent. Working "
			   "directory: {{cwd}}. Use the tools to act; be brief.",
		     kv, sizeof kv / sizeof kv[0]);
	}
	/* AGENTS.md from the top (git root or workspace) down to cwd */
	if (gitroot && path_is_under(cwd, gitroot))
		top = gitroot;
	if (path_is_under(cwd, top)) {
		cur = xstrdup(top);
		for (;;) {
			const char *rest;
			const char *slash;
			add_agents_file(&out, cur, top);
			if (strcmp(cur, cwd) == 0)
				break;
			rest = cwd + strlen(cur);
			if (*rest == '/')
				rest++;
			slash = strchr(rest, '/');
			{
				char *next = xasprintf("%s%s%.*s", cur,
						       strcmp(cur, "/") ? "/" : "",
						       slash ? (int)(slash - rest) : (int)strlen(rest),
						       rest);
				free(cur);
				cur = next;
			}
		}
		free(cur);
	}
	xfree_all(gitroot, tpl);
	return buf_steal(&out);
}

struct conv_tool_spec *
agent_tool_specs(size_t *n)
{
	size_t count = 0, i;
	struct conv_tool_spec *v;
	while (tool_table[count])
		count++;
	v = xcalloc(count + 1, sizeof *v);
	for (i = 0; i < count; i++) {
		v[i].name = tool_table[i]->name;
		v[i].description = tool_table[i]->description;
		v[i].schema = tool_table[i]->schema;
		v[i].schema_json = tool_schema(tool_table[i]);
	}
	*n = count;
	return v;
}
