/* cli.h: command-line options, user config, and the subcommand table. */
#ifndef CONCH_CLI_H
#define CONCH_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "policy/policy.h"

#include "ui/ui.h"

struct cli_opts {
	bool prompt_set;          /* -p given */
	const char *prompt;       /* -p TEXT; NULL or "-" means stdin */
	enum output_format format;
	int max_turns;            /* 0: config/default */
	const char *cwd;          /* -C */
	const char *model;        /* -m */
	const char **fallback;    /* --fallback, repeatable; owned array */
	size_t nfallback;
	const char *mode;         /* --mode */
	bool cont;                /* -c */
	const char *resume;       /* -r ID */
	bool yes;                 /* --yes */
	const char *sandbox;      /* --sandbox on|off */
	bool no_reflect;
	bool verbose;
	bool help, version;
	const char *cmd;          /* subcommand name, or NULL */
	int argc;                 /* subcommand arguments (argv[0] = name) */
	char **argv;              /* owned array, borrowed strings */
};

/* Parse argv.  Global options may come before or after a subcommand
 * (after it, only their long forms).  Returns 0, or EXIT_USAGE after
 * printing the problem to stderr. */
int cli_parse(int argc, char **argv, struct cli_opts *o);
void cli_opts_free(struct cli_opts *o);
void cli_usage(FILE *out);
/* A subcommand's option: its spellings (either may be NULL), what it
 * sets in the caller's options struct at `off` (a bool, a const char *,
 * a long within [lo, hi], a float) and the usage message for a missing
 * or bad value. */
enum cli_opt_kind { CLI_FLAG, CLI_STR, CLI_LONG, CLI_FLOAT };
struct cli_opt {
	const char *shrt, *lng;
	enum cli_opt_kind kind;
	size_t off;
	long lo, hi;
	const char *bad;
};

/* Apply argument `a` (followed by `v`, NULL at the end) if it is one of
 * t[0..n) to the struct at `base`.  Returns how many arguments it took
 * (1, or 2 with a value), 0 when `a` is not in t, or -1 with *bad set
 * when the value is missing or bad. */
int cli_opt_apply(const struct cli_opt *t, size_t n, const char *a, const char *v,
		  void *base, const char **bad);

/* A subcommand's usage error: "conch CMD: WHY" (when why is not NULL),
 * then its usage text, on stderr.  Returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *why, const char *usage);

/* The user's config, $XDG_CONFIG_HOME/conch/config.json. */
struct config {
	char *path;               /* owned */
	cJSON *root;              /* owned; an empty object when no file */
	const char *model;        /* borrowed from root, or NULL */
	const cJSON *fallback;    /* array of strings, or NULL */
	enum policy_mode mode;
	bool mode_set;
	int max_turns;
	const cJSON *providers;   /* object or NULL */
	const cJSON *permissions; /* {"allow":[],"ask":[],"deny":[]} or NULL */
	bool network;             /* sandbox.network */
	bool sandbox_off;         /* sandbox.enabled == false */
};

/* Load the config (a missing file is an empty config).  A malformed file
 * or a value of the wrong type is reported on stderr with path, line and
 * column, and EXIT_CONFIG is returned.  Environment overrides:
 * CONCH_MODEL, CONCH_MODE, CONCH_MAX_TURNS. */
int config_load(struct config *c);
void config_free(struct config *c);

/* Everything a subcommand gets. */
struct cli_ctx {
	struct cli_opts *opts;
	struct config *cfg;
	char *cwd;       /* absolute; owned */
	char *workspace; /* git root or cwd; owned */
};

/* Build the tool/agent environment shared by `conch tool` and tasks
 * (config.c): the policy from the mode, the user's rules and the
 * project's saved rules; warns when the sandbox is off. */
int cli_make_policy(struct cli_ctx *c, struct policy *p);

/* Whether --sandbox off, or the config's "sandbox": "off" without a
 * --sandbox option, turns the sandbox off. */
bool cli_sandbox_off(const struct cli_ctx *c);

/* A subcommand.  Each cmd-NAME.c exports its descriptor cmd_NAME_entry,
 * written with CMD_ENTRY; main.c is the table of them. */
struct cmd_entry {
	const char *name;
	const char *summary;
	int (*exec)(struct cli_ctx *c, int argc, char **argv);
};

/* The descriptor of cmd-NAME.c: `conch NAME` runs cmd_NAME with the
 * arguments after NAME and exits with what it returns. */
#define CMD_ENTRY(NAME, SUMMARY) \
	const struct cmd_entry cmd_##NAME##_entry = { \
		.name = #NAME, .summary = SUMMARY, .exec = cmd_##NAME }

extern const struct cmd_entry cmd_sessions_entry;
extern const struct cmd_entry cmd_tool_entry;
extern const struct cmd_entry cmd_permissions_entry;
extern const struct cmd_entry cmd_memory_entry;
extern const struct cmd_entry cmd_skills_entry;
extern const struct cmd_entry cmd_rewind_entry;
extern const struct cmd_entry cmd_model_entry;
extern const struct cmd_entry cmd_sandbox_entry;

/* The subcommands' entry points (cmd-NAME.c each). */
int cmd_sessions(struct cli_ctx *c, int argc, char **argv);
int cmd_tool(struct cli_ctx *c, int argc, char **argv);
int cmd_permissions(struct cli_ctx *c, int argc, char **argv);
int cmd_memory(struct cli_ctx *c, int argc, char **argv);
int cmd_skills(struct cli_ctx *c, int argc, char **argv);
int cmd_rewind(struct cli_ctx *c, int argc, char **argv);
int cmd_model(struct cli_ctx *c, int argc, char **argv);
int cmd_sandbox(struct cli_ctx *c, int argc, char **argv);

/* Run a task or the interactive session (cmd-run.c). */
int cli_run(struct cli_ctx *c);

#endif
