/* cmd-run.c: a task (-p) or the interactive session: build the provider
 * chain, the policy, the session and the agent, then hand over to a front
 * end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/session.h"
#include "cli/cli.h"
#include "provider/chain.h"
#include "provider/local.h"
#include "sandbox/sandbox.h"
#include "ui/ui.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#define TASK_MAX (10u << 20)
/* stdin piped beside -p TEXT: about 250k tokens, more than any window */
#define STDIN_CTX_MAX (1u << 20)

/* The self-pipe SIGINT writes to.  The handler may touch nothing else. */
static int cancel_pipe_w = -1;

static void
on_sigint(int sig)
{
	int saved = errno;
	char c = 1;
	(void)sig;
	if (cancel_pipe_w >= 0 && write(cancel_pipe_w, &c, 1) < 0) {
		/* the pipe is full: a cancel is already pending */
	}
	errno = saved;
}

static int
setup_cancel(int *wfd)
{
	int p[2];
	struct sigaction sa;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	cancel_pipe_w = p[1];
	*wfd = p[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return p[0];
}

#define BUNDLED_MODEL "local/default"
#define BUNDLED_MAX_TURNS 8

/* The model to use when none is configured: a remote one whose key is
 * set, else the bundled offline model when it is installed. */
static const char *
default_model(void)
{
	char *b;
	if (getenv("ANTHROPIC_API_KEY") && *getenv("ANTHROPIC_API_KEY"))
		return "anthropic/claude-sonnet-4-5";
	if (getenv("OPENAI_API_KEY") && *getenv("OPENAI_API_KEY"))
		return "openai/gpt-4o-mini";
	if (getenv("OPENROUTER_API_KEY") && *getenv("OPENROUTER_API_KEY"))
		return "openrouter/anthropic/claude-sonnet-4.5";
	if ((b = local_bundled_path()) != NULL) {
		free(b);
		return BUNDLED_MODEL;
	}
	return NULL;
}

/* chain_from_config's report: each entry that cannot be opened. */
static void
spec_failed(void *ud, const char *spec, const struct provider_error *e)
{
	(void)ud;
	fprintf(stderr, "conch: %s: %s\n", spec, e->msg);
}

/* Build the chain; on failure print why and return the exit code. */
static int
make_chain(struct cli_ctx *c, struct chain **out, bool *bundled)
{
	const char *script = getenv("CONCH_TEST_SCRIPT");
	static const struct chain_open_report rep = { spec_failed, NULL };
	struct provider_error err;
	struct provider *p;
	const char *model, **fb = NULL;
	size_t nfb = 0;
	const cJSON *it;

	if (script && *script) { /* test-only: see conch(1), ENVIRONMENT */
		p = provider_scripted_open(script, &err);
		if (!p) {
			fprintf(stderr, "conch: %s\n", err.msg);
			return EXIT_CONFIG;
		}
		*out = chain_new(true);
		chain_add(*out, p);
		return 0;
	}
	if (c->opts->model) {
		model = c->opts->model;
		fb = (const char **)c->opts->fallback;
		nfb = c->opts->nfallback;
		*out = chain_from_config(model, fb, nfb, c->cfg->providers, true,
					 &rep, &err);
	} else {
		model = c->cfg->model ? c->cfg->model : default_model();
		if (!model) {
			fprintf(stderr,
				"conch: no model configured: set ANTHROPIC_API_KEY or "
				"OPENAI_API_KEY, pass -m provider/model, or set \"model\" "
				"in %s\n", c->cfg->path);
			return EXIT_NO_PROVIDER;
		}
		if (!c->cfg->model && strcmp(model, BUNDLED_MODEL) == 0) {
			*bundled = true;
			fprintf(stderr,
				"conch: no provider configured: using the built-in offline model "
				"(%s), which only does simple file and shell tasks. For real work "
				"set ANTHROPIC_API_KEY or OPENAI_API_KEY, pass -m provider/model, "
				"or set \"model\" in %s\n", BUNDLED_MODEL, c->cfg->path);
		}
		fb = xcalloc((size_t)cJSON_GetArraySize(c->cfg->fallback) + 1, sizeof *fb);
		cJSON_ArrayForEach(it, c->cfg->fallback)
			fb[nfb++] = it->valuestring;
		*out = chain_from_config(model, fb, nfb, c->cfg->providers, false,
					 &rep, &err);
		free(fb);
	}
	if (*out)
		return 0;
	if (err.kind == C_ERR_INVAL) /* named already by spec_failed */
		return c->opts->model ? EXIT_USAGE : EXIT_CONFIG;
	return EXIT_NO_PROVIDER;
}

/* Read stdin whole, up to `cap` bytes.  *over is set past the cap. */
static void
read_stdin(struct buf *b, size_t cap, bool *over)
{
	char chunk[8192];
	size_t n;
	buf_init(b, cap);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_add(b, chunk, n);
	*over = !buf_ok(b);
}

/* Is stdin something piped or redirected (not a terminal, not
 * /dev/null)?  Only then is it read beside -p TEXT. */
static bool
stdin_piped(void)
{
	struct stat st;
	if (isatty(0) || fstat(0, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* The task: -p TEXT, with piped stdin appended after a blank line (as in
 * `git diff | conch -p "review this"`); or stdin alone (-p - or no
 * TEXT).  Over the caps: a clear message and EXIT_INPUT_TOO_BIG. */
static char *
read_task(struct cli_ctx *c, int *rc)
{
	struct buf b, in;
	const char *p = c->opts->prompt;
	bool over;

	*rc = 0;
	if (p && strcmp(p, "-") != 0) {
		if (!*p) {
			fprintf(stderr, "conch: the task given with -p is empty\n");
			*rc = EXIT_USAGE;
			return NULL;
		}
		if (!stdin_piped())
			return xstrdup(p);
		read_stdin(&in, STDIN_CTX_MAX, &over);
		if (over) {
			fprintf(stderr, "conch: the input piped on stdin is over %u "
				"bytes, the cap for text sent beside -p; pipe an "
				"excerpt (head, grep) or name the file in the task "
				"so the agent reads it\n", STDIN_CTX_MAX);
			buf_free(&in);
			*rc = EXIT_INPUT_TOO_BIG;
			return NULL;
		}
		buf_init(&b, 0);
		buf_adds(&b, p);
		if (in.len && strspn(buf_str(&in), " \t\r\n") < in.len) {
			buf_adds(&b, "\n\n");
			buf_add(&b, in.p, in.len);
		}
		buf_free(&in);
		return buf_steal(&b);
	}
	if (!p && isatty(0)) {
		fprintf(stderr, "conch: -p needs a task: conch -p \"TEXT\", or pipe "
			"it on stdin\n");
		*rc = EXIT_USAGE;
		return NULL;
	}
	read_stdin(&b, TASK_MAX, &over);
	if (over) {
		fprintf(stderr, "conch: the task on stdin is over %u bytes\n", TASK_MAX);
		*rc = EXIT_INPUT_TOO_BIG;
	} else if (b.len == 0 || strspn(buf_str(&b), " \t\r\n") == b.len) {
		fprintf(stderr, "conch: the task on stdin is empty\n");
		*rc = EXIT_USAGE;
	}
	if (*rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

int
cli_run(struct cli_ctx *c)
{
	struct chain *ch = NULL;
	struct policy pol;
	struct session *sess = NULL;
	struct agent *a;
	struct agent_opts ao;
	struct sandbox_spec sb;
	struct ui_opts uo;
	cJSON *todos = NULL;
	struct conv restored;
	char *task = NULL;
	enum cerr e;
	int rc, cancel_fd, cancel_wfd = -1;
	bool headless = c->opts->prompt_set, bundled = false;

	conv_init(&restored);
	if (headless && !(task = read_task(c, &rc)))
		return rc;
	if ((rc = cli_make_policy(c, &pol)))
		goto out_task;
	if (c->opts->cont || c->opts->resume) {
		sess = session_resume(c->cwd, c->opts->resume, &restored, &todos, &e);
		if (!sess) {
			/* a bad or unknown id is a usage error; -c with no
			 * session yet is a failed task */
			rc = e == C_ERR_INVAL || (c->opts->resume && e == C_ERR_NOTFOUND) ?
				EXIT_USAGE : EXIT_TASK_FAILED;
			goto out_policy;
		}
	}
	if ((rc = make_chain(c, &ch, &bundled)))
		goto out_session;
	if (!sess) {
		sess = session_create(c->cwd, chain_label(ch), &e);
		if (!sess)
			log_warn("continuing without a session log");
	}
	cancel_fd = setup_cancel(&cancel_wfd);
	memset(&ao, 0, sizeof ao);
	ao.workspace = c->workspace;
	ao.cwd = c->cwd;
	ao.max_turns = c->opts->max_turns ? c->opts->max_turns : c->cfg->max_turns;
	/* the bundled model does its tasks in at most four turns; one that
	 * goes in circles stops early unless -m/--max-turns say otherwise */
	if (bundled && !c->opts->max_turns && ao.max_turns > BUNDLED_MAX_TURNS)
		ao.max_turns = BUNDLED_MAX_TURNS;
	ao.chain = ch;
	ao.policy = &pol;
	memset(&sb, 0, sizeof sb);
	sb.workspace = c->workspace;
	sb.cwd = c->cwd;
	sb.allow_network = c->cfg->network;
	sb.off = cli_sandbox_off(c);
	sb.cancel_fd = cancel_fd;
	sb.read_only = pol.mode == MODE_READ_ONLY;
	ao.sandbox = &sb;
	ao.cancel_fd = cancel_fd;
	ao.config = c->cfg->root;
	/* the small bundled model cannot write skills: no reflection turn */
	ao.reflect = !c->opts->no_reflect && !bundled;
	a = agent_new(&ao, sess);
	if (restored.n)
		agent_restore(a, &restored, todos);
	memset(&uo, 0, sizeof uo);
	uo.format = c->opts->format;
	uo.verbose = c->opts->verbose;
	uo.cancel_fd = cancel_fd;
	uo.cancel_wfd = cancel_wfd;
	uo.model = chain_label(ch);
	if (headless)
		rc = ui_headless(a, task, &uo);
	else if (isatty(0) && isatty(1))
		rc = ui_repl(a, &uo);
	else
		rc = ui_plain(a, &uo);
	agent_free(a);
	chain_free(ch);
out_session:
	session_close(sess);
out_policy:
	policy_free(&pol);
out_task:
	cJSON_Delete(todos);
	conv_free(&restored);
	free(task);
	return rc;
}
