/* policy.h: permission modes and rules: may this tool call run, must the
 * user be asked, or is it denied? */
#ifndef CONCH_POLICY_H
#define CONCH_POLICY_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/err.h"

enum policy_mode {
	MODE_READ_ONLY, /* no writes, no commands but those allowed by rule */
	MODE_ASK,       /* default: reads free; writes and commands ask */
	MODE_AUTO_EDIT, /* writes inside the workspace free; commands ask */
	MODE_AUTO,      /* everything inside the sandbox free */
	MODE_PLAN,      /* explore read-only, then present a plan (exit_plan):
			 * commands decided as in read-only, every write
			 * refused */
};

enum policy_decision { POLICY_ALLOW, POLICY_ASK, POLICY_DENY };

/* What a tool does, from its descriptor's flags. */
enum {
	TOOL_READ_ONLY = 1 << 0,
	TOOL_WRITES = 1 << 1,
	TOOL_RUNS_COMMANDS = 1 << 2,
};

struct policy {
	enum policy_mode mode;
	bool yes;            /* --yes: what would ask is allowed */
	cJSON *rules;        /* {"allow":[...],"ask":[...],"deny":[...]}; owned; may be NULL */
};

/* "read-only" | "ask" | "auto-edit" | "auto" | "plan" -> mode; false if
 * unknown. */
bool policy_mode_parse(const char *s, enum policy_mode *out);
const char *policy_mode_str(enum policy_mode m);

void policy_init(struct policy *p, enum policy_mode mode);
void policy_free(struct policy *p);

/* Decide for one call of tool `tool` (flags TOOL_*) with `args`.
 * `workspace` is the absolute workspace root.  `why` gets a reason when
 * the answer is not ALLOW.  In MODE_PLAN a call is decided exactly as in
 * MODE_READ_ONLY (commands, reads, rules), except that every write is
 * denied; a denial then tells the model how to leave plan mode. */
enum policy_decision policy_check(const struct policy *p, const char *tool,
				  unsigned flags, const cJSON *args,
				  const char *workspace, const char *cwd,
				  struct buf *why);

/* What policy_check_cmd() learned of a bash command on the way (one
 * parse), so that callers need not read it again. */
struct policy_cmd_facts {
	bool read_only;     /* on the built-in read-only list (policy/readonly.c) */
	bool wants_network; /* looks like it needs the network */
};
/* policy_check(), filling `facts` (may be NULL) for a command. */
enum policy_decision policy_check_cmd(const struct policy *p, const char *tool,
				      unsigned flags, const cJSON *args,
				      const char *workspace, const char *cwd,
				      struct buf *why, struct policy_cmd_facts *facts);

/* The message a call refused in plan mode carries (static text). */
extern const char policy_plan_refusal[];

/* Add an allow rule for the rest of the session (approval "always").
 * A bash rule that is the exact command line allows exactly that line. */
void policy_allow_session(struct policy *p, const char *rule);

/* For a call that asks where no one can answer (headless): what would
 * let it run, e.g. "rerun with --mode auto-edit, or with --yes", or,
 * when no mode would (a write outside the project), an allow rule to
 * add.  Caller frees. */
char *policy_unblock_hint(const struct policy *p, const char *tool,
			  unsigned flags, const cJSON *args,
			  const char *workspace, const char *cwd);

/* Is `rule` a well-formed "tool(pattern)" or "tool"? */
bool policy_rule_valid(const char *rule);

/* ---- rules saved "always for this project" (policy/projrules.c) ----
 * Stored in the USER's config dir ($XDG_CONFIG_HOME/conch/projects.json),
 * keyed by the project's real path; never in the repository. */

/* The file's path; caller frees. */
char *policy_projects_path(void);
/* The saved allow rules of `workspace` as a new cJSON array of strings
 * (caller frees), or NULL with `err` set when the file is unreadable. */
cJSON *policy_project_rules(const char *workspace, struct buf *err);
/* Add the project's saved rules to p's allow list. */
enum cerr policy_project_rules_load(struct policy *p, const char *workspace,
				    struct buf *err);
/* Save one allow rule for `workspace` (atomic write; a duplicate is not
 * added twice).  C_ERR_INVAL for a malformed rule. */
enum cerr policy_project_rule_add(const char *workspace, const char *rule,
				  struct buf *err);
/* Remove one saved rule; C_ERR_NOTFOUND when it is not saved. */
enum cerr policy_project_rule_remove(const char *workspace, const char *rule,
				     struct buf *err);
/* The rule "always for this project" saves for a call: for a bash line
 * of one plain command, its program and up to two subcommand words and
 * " *" ("bash(make test *)", "bash(npm run build *)"); the exact line
 * for anything else (pipelines, interpreters, rm, sudo, unmodelled
 * lines); "tool(path)" for path tools.  Caller frees. */
char *policy_project_rule_for(const char *tool, const char *command,
			      const char *path);

/* Does this shell command line look like it needs the network (curl,
 * wget, ssh, git fetch/pull/push/clone, package installs ...)?  A hint
 * for asking "allow network for this command?" up front; the sandbox
 * keeps the network off either way unless the caller allows it. */
bool policy_command_wants_network(const char *command);
struct sh_script;
/* The same two questions of a command parsed already (policy/shparse.h). */
bool policy_script_wants_network(const struct sh_script *script);
bool policy_script_is_read_only(const struct sh_script *script);

/* Is the shell command line on the built-in list of read-only commands
 * (ls, cat, git status/log/diff, grep, find without -exec ...: see
 * policy/readonly.c) in a shape that keeps it read-only?  Such lines run
 * without asking in the read-only, ask and auto-edit modes; plan mode
 * takes the same decision.  Callers should run them with the workspace
 * read-only. */
bool policy_command_is_read_only(const char *command);


/* Replace p->rules with the rules of the USER's config object (its
 * "permissions" object, or allow/ask/deny at its top level).  Never pass
 * a project file (.conch/config.json): project files cannot widen
 * permissions.  Rules: "tool(pattern)" or "tool"; bash patterns are
 * command lines matched per simple command ("git status", "npm run
 * test *"; see policy/shparse.h); path patterns are globs relative to
 * the workspace where a double star crosses directories (edit of "src"
 * slash double-star, read of double-star slash ".env"), or absolute when
 * they start with "/" or "~/".  Malformed rules are reported in `err` (C_ERR_PARSE) and
 * left out; the well-formed ones are still loaded. */
enum cerr policy_load_rules(struct policy *p, const cJSON *user_config,
			    struct buf *err);

#endif
