/* args.c: the command line. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/str.h"
#include "util/xalloc.h"

enum { A_NONE, A_REQ, A_OPT_PROMPT };

/* What an option does: O_FLAG sets the bool at `off` in struct cli_opts,
 * O_STR stores its value at `off`; O_CHOICE stores it when it is one of
 * `choices`; the others are their own case in apply(). */
enum { O_FLAG, O_STR, O_CHOICE, O_PROMPT, O_FORMAT, O_MAXTURNS, O_FALLBACK, O_MODE };

struct optdef {
	const char *lng;
	char shrt;
	int arg;
	int id;
	size_t off;
	const char *const *choices; /* O_CHOICE, O_FORMAT */
	const char *want;           /* the choices for the error message */
};

#define AT(field) offsetof(struct cli_opts, field)
#define CHOICES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct optdef opts[] = {
	{ "prompt", 'p', A_OPT_PROMPT, O_PROMPT, 0, NULL, NULL },
	/* in enum output_format's order */
	{ "output-format", 0, A_REQ, O_FORMAT, 0, CHOICES("text", "json", "stream-json"),
	  "text, json or stream-json" },
	{ "max-turns", 0, A_REQ, O_MAXTURNS, 0, NULL, NULL },
	{ "cwd", 'C', A_REQ, O_STR, AT(cwd), NULL, NULL },
	{ "model", 'm', A_REQ, O_STR, AT(model), NULL, NULL },
	{ "fallback", 0, A_REQ, O_FALLBACK, 0, NULL, NULL },
	{ "mode", 0, A_REQ, O_MODE, AT(mode), NULL,
	  "read-only, ask, auto-edit, plan or auto" },
	{ "continue", 'c', A_NONE, O_FLAG, AT(cont), NULL, NULL },
	{ "resume", 'r', A_REQ, O_STR, AT(resume), NULL, NULL },
	{ "yes", 'y', A_NONE, O_FLAG, AT(yes), NULL, NULL },
	{ "sandbox", 0, A_REQ, O_CHOICE, AT(sandbox), CHOICES("on", "off"), "on or off" },
	{ "no-reflect", 0, A_NONE, O_FLAG, AT(no_reflect), NULL, NULL },
	{ "verbose", 'v', A_NONE, O_FLAG, AT(verbose), NULL, NULL },
	{ "help", 'h', A_NONE, O_FLAG, AT(help), NULL, NULL },
	{ "version", 'V', A_NONE, O_FLAG, AT(version), NULL, NULL },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char *const subcommands[] = {
	"sessions", "tool", "permissions", "model", "sandbox", "skills", "memory",
	"help", "version", "rewind", NULL,
};

void
cli_usage(FILE *out)
{
	fputs("Usage: conch [OPTION]...                 start an interactive session\n"
	      "       conch -p TEXT [OPTION]...         run one task headless and exit\n"
	      "       conch COMMAND [ARG]... [OPTION]...\n"
	      "\n"
	      "Options:\n"
	      "  -p, --prompt [TEXT]      run TEXT as a task (from stdin when TEXT is - or\n"
	      "                           absent and stdin is not a terminal); text piped\n"
	      "                           on stdin beside TEXT is appended (1 MiB at most)\n"
	      "      --output-format FMT  text (default), json, or stream-json\n"
	      "      --max-turns N        stop after N model turns (default 50)\n"
	      "  -C, --cwd DIR            work in DIR\n"
	      "  -m, --model P/MODEL      provider/model, e.g. anthropic/claude-sonnet-4-5\n"
	      "      --fallback P/MODEL   a fallback after -m (repeatable)\n"
	      "      --mode MODE          read-only, ask (default), auto-edit, auto, or\n"
	      "                           plan (explore read-only, then present a plan)\n"
	      "  -c, --continue           continue this project's latest session\n"
	      "  -r, --resume ID          continue session ID (see conch sessions)\n"
	      "  -y, --yes                allow what would ask (headless)\n"
	      "      --sandbox on|off     off runs commands unconfined (dangerous)\n"
	      "      --no-reflect         skip the post-task reflection (skill writing)\n"
	      "  -v, --verbose            show tool activity on stderr\n"
	      "  -h, --help               show this help and exit\n"
	      "  -V, --version            show the version and exit\n"
	      "\n"
	      "Commands:\n"
	      "  sessions                 list this project's sessions\n"
	      "  tool NAME JSON           run one tool as the agent would\n"
	      "  permissions list|add|remove   rules saved for this project\n"
	      "  model info|tokenize|run|chat|bench FILE ...   the built-in GGUF runtime\n"
	      "  sandbox doctor           show what the sandbox can enforce here\n"
	      "  memory show|edit|clear|path   what conch remembers\n"
	      "  skills list|show|new|edit|install|remove|validate|undo ...\n"
	      "  rewind [--list | N] [--session ID] [--force] [--conversation]\n"
	      "                           list checkpoints; restore files to before turn N\n"
	      "\n"
	      "Exit status: 0 done, 1 task failed (or stopped by denials), 2 usage\n"
	      "error, 3 config error, 4 no provider reachable, 5 rewind refused (files\n"
	      "changed outside conch), 6 input over its size cap, 130 interrupted.\n"
	      "See conch(1).\n",
	      out);
}

int
cli_opt_apply(const struct cli_opt *t, size_t n, const char *a, const char *v,
	      void *base, const char **bad)
{
	size_t i;
	for (i = 0; i < n; i++) {
		void *f = (char *)base + t[i].off;
		bool ok = true;
		if (!(t[i].shrt && !strcmp(a, t[i].shrt)) && !(t[i].lng && !strcmp(a, t[i].lng)))
			continue;
		switch (t[i].kind) {
		case CLI_FLAG:
			*(bool *)f = true;
			return 1;
		case CLI_STR:
			if ((ok = v != NULL))
				*(const char **)f = v;
			break;
		case CLI_LONG:
			ok = str_to_long_in(v, t[i].lo, t[i].hi, f);
			break;
		case CLI_FLOAT:
			ok = str_to_float(v, f);
			break;
		}
		*bad = t[i].bad;
		return ok ? 2 : -1;
	}
	return 0;
}

int
cli_usage_error(const char *cmd, const char *why, const char *usage)
{
	if (why)
		fprintf(stderr, "conch %s: %s\n", cmd, why);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

static const struct optdef *
find_long(const char *name, size_t len)
{
	size_t i;
	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].lng) == len && strncmp(opts[i].lng, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct optdef *
find_short(char c)
{
	size_t i;
	for (i = 0; i < NOPTS; i++)
		if (opts[i].shrt == c)
			return &opts[i];
	return NULL;
}

static bool
is_subcommand(const char *s)
{
	size_t i;
	for (i = 0; subcommands[i]; i++)
		if (strcmp(subcommands[i], s) == 0)
			return true;
	return false;
}

/* The index of val in d->choices, or -1 after saying what was wanted. */
static int
choice(const struct optdef *d, const char *val)
{
	int i;
	for (i = 0; d->choices && d->choices[i]; i++)
		if (strcmp(d->choices[i], val) == 0)
			return i;
	fprintf(stderr, "conch: --%s must be %s, not \"%s\"\n", d->lng, d->want, val);
	return -1;
}

static int
apply(struct cli_opts *o, const struct optdef *d, const char *val)
{
	char *field = (char *)o + d->off;
	enum policy_mode m;
	long n;
	int k;
	switch (d->id) {
	case O_FLAG:
		*(bool *)(void *)field = true;
		break;
	case O_CHOICE:
		if (choice(d, val) < 0)
			return EXIT_USAGE;
		/* fall through */
	case O_STR:
		*(const char **)(void *)field = val;
		break;
	case O_PROMPT:
		o->prompt_set = true;
		o->prompt = val;
		break;
	case O_FORMAT:
		if ((k = choice(d, val)) < 0)
			return EXIT_USAGE;
		o->format = (enum output_format)k;
		break;
	case O_MAXTURNS:
		if (!str_to_long_in(val, 1, 100000, &n)) {
			fprintf(stderr, "conch: --max-turns needs a number from 1 to "
				"100000, not \"%s\"\n", val);
			return EXIT_USAGE;
		}
		o->max_turns = (int)n;
		break;
	case O_FALLBACK:
		o->fallback = xreallocarray(o->fallback, o->nfallback + 1,
					    sizeof *o->fallback);
		o->fallback[o->nfallback++] = val;
		break;
	case O_MODE:
		if (!policy_mode_parse(val, &m)) {
			fprintf(stderr, "conch: --mode must be %s, not \"%s\"\n", d->want, val);
			return EXIT_USAGE;
		}
		o->mode = val;
		break;
	}
	return 0;
}

int
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	int i, rc = 0;
	bool dashdash = false;

	memset(o, 0, sizeof *o);
	o->argv = xcalloc((size_t)argc + 1, sizeof *o->argv);
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct optdef *d = NULL;
		const char *val = NULL;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (!o->cmd && !o->prompt_set && is_subcommand(a) && !dashdash) {
				o->cmd = a;
				o->argv[o->argc++] = a;
			} else if (o->cmd) {
				o->argv[o->argc++] = a;
			} else {
				fprintf(stderr, "conch: unexpected argument \"%s\" "
					"(to run a task: conch -p \"%s\")\n", a, a);
				return EXIT_USAGE;
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			if (o->cmd)
				o->argv[o->argc++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			d = find_long(a + 2, len);
			if (eq)
				val = eq + 1;
		} else if (!o->cmd) {
			d = find_short(a[1]);
			if (d && a[2]) {
				if (d->arg == A_NONE) {
					fprintf(stderr, "conch: option -%c takes no value "
						"(combine short options separately)\n", a[1]);
					return EXIT_USAGE;
				}
				val = a + 2;
			}
		}
		if (!d) {
			if (o->cmd) {
				/* the subcommand's own option */
				o->argv[o->argc++] = a;
				continue;
			}
			fprintf(stderr, "conch: unknown option %s (see conch --help)\n", a);
			return EXIT_USAGE;
		}
		if (!val && d->arg == A_REQ) {
			if (i + 1 >= argc) {
				fprintf(stderr, "conch: option %s needs a value\n", a);
				return EXIT_USAGE;
			}
			val = argv[++i];
		} else if (!val && d->arg == A_OPT_PROMPT) {
			if (i + 1 < argc && (argv[i + 1][0] != '-' ||
					     strcmp(argv[i + 1], "-") == 0))
				val = argv[++i];
		} else if (val && d->arg == A_NONE) {
			fprintf(stderr, "conch: option --%s takes no value\n", d->lng);
			return EXIT_USAGE;
		}
		if ((rc = apply(o, d, val)))
			return rc;
	}
	if (o->fallback && !o->model) {
		fprintf(stderr, "conch: --fallback needs -m/--model first\n");
		return EXIT_USAGE;
	}
	if (o->cont && o->resume) {
		fprintf(stderr, "conch: use either --continue or --resume, not both\n");
		return EXIT_USAGE;
	}
	return 0;
}

void
cli_opts_free(struct cli_opts *o)
{
	xfree_all(o->fallback, o->argv);
	memset(o, 0, sizeof *o);
}
