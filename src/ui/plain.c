/* plain.c: the line-based interactive session, used when stdin or stdout
 * is not a terminal (and until the curses front end is chosen): no escape
 * codes, text streamed as it arrives, one task per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/display.h"
#include "util/sensitive.h"
#include "ui/ui.h"
#include "util/buf.h"
#include "util/xalloc.h"

struct pl {
	const struct ui_opts *o;
	bool at_bol; /* stdout is at the start of a line */
};

static void
pl_text(void *ud, const char *s, size_t n)
{
	struct pl *p = ud;
	struct buf clean = BUF_INIT;
	if (!n)
		return;
	/* model text is data: no escape sequence reaches the terminal */
	sensitive_terminal_text(s, n, &clean);
	fwrite(buf_str(&clean), 1, clean.len, stdout);
	fflush(stdout);
	p->at_bol = s[n - 1] == '\n';
	buf_free(&clean);
}

static void
newline(struct pl *p)
{
	if (!p->at_bol) {
		fputc('\n', stdout);
		p->at_bol = true;
	}
}

/* agent_task: the answer is out; end its line before the reflection's
 * notices. */
static void
pl_answered(void *ud, const struct agent_result *res)
{
	(void)res;
	newline(ud);
	fflush(stdout);
}

static void
pl_discard(void *ud, const char *why)
{
	struct pl *p = ud;
	newline(p);
	fprintf(stdout, "[discarded: %s]\n", why ? why : "retrying");
}

static void
pl_notice(void *ud, const char *msg)
{
	struct pl *p = ud;
	newline(p);
	fflush(stdout);
	fprintf(stderr, "conch: %s\n", msg);
}

static void
pl_tool_start(void *ud, const struct conv_block *call)
{
	struct pl *p = ud;
	newline(p);
	fflush(stdout);
	fprintf(stderr, "- %s %.160s\n", call->name, call->args);
}

static void
pl_tool_end(void *ud, const struct conv_block *call, const char *result,
	    bool is_error, long ms)
{
	struct buf clean = BUF_INIT;
	(void)ud;
	if (is_error) {
		sensitive_terminal_text(result, strlen(result) < 200 ? strlen(result) : 200,
				 &clean);
		fprintf(stderr, "  %s failed (%ld ms): %s\n", call->name, ms,
			buf_str(&clean));
	}
	buf_free(&clean);
}

static void
pl_todo(void *ud, const struct todo_list *t)
{
	size_t i;
	(void)ud;
	for (i = 0; i < t->n; i++)
		fprintf(stderr, "  [%c] %s\n",
			t->items[i].status == TODO_COMPLETED ? 'x' :
			t->items[i].status == TODO_IN_PROGRESS ? '>' : ' ',
			t->items[i].content);
}

/* Columns of the terminal on stderr (80 when unknown). */
static size_t
term_cols(void)
{
	struct winsize ws;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Ask on the controlling terminal; only wired when stdin is a TTY.  The
 * whole command is shown, control characters spelled out, wrapped. */
/* Ask for an optional line of text for the model (read into line[0..size));
 * *out is set to a copy when one was typed. */
static void
ask_optional(const char *prompt, char *line, size_t size, char **out)
{
	fputs(prompt, stderr);
	fflush(stderr);
	if (fgets(line, (int)size, stdin) && line[0] != '\n') {
		line[strcspn(line, "\n")] = '\0';
		*out = xstrdup(line);
	}
}

enum approval
ui_ask_approval(const struct approval_req *req, bool in_session, char **reason)
{
	char line[512];
	char *shown = display_approval_text(req->summary, term_cols() - 2);
	if (req->diff) {
		char *d = display_approval_block(req->diff);
		fprintf(stderr, "%s\n", d);
		free(d);
	}
	char *why = display_approval_text(req->reason ? req->reason : "", 0);
	char *rule = req->project_rule ? display_approval_text(req->project_rule, 0) : NULL;
	fprintf(stderr, "Allow %s?%s%s\n  %s\n", req->tool, *why ? " " : "", why,
		shown);
	xfree_all(shown, why);
	fputs(in_session ? "[y]es once, [a]lways this session" : "[y]es once", stderr);
	if (rule)
		fprintf(stderr, ", [p] always for this project: %s", rule);
	free(rule);
	if (req->can_unsandbox)
		fputs(", [u] once outside the sandbox", stderr);
	fputs(", [n]o: ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return APPROVE_DENY;
	if (line[0] == 'y' || line[0] == 'Y')
		return APPROVE_ONCE;
	if (in_session && (line[0] == 'a' || line[0] == 'A'))
		return APPROVE_SESSION;
	if ((line[0] == 'p' || line[0] == 'P') && req->project_rule)
		return APPROVE_PROJECT;
	if ((line[0] == 'u' || line[0] == 'U') && req->can_unsandbox)
		return APPROVE_UNSANDBOXED;
	if (!in_session || !reason)
		return APPROVE_DENY;
	ask_optional("Reason for the model (optional): ", line, sizeof line, reason);
	return APPROVE_DENY;
}

static enum approval
pl_approve(void *ud, const struct approval_req *req, char **reason)
{
	(void)ud;
	return ui_ask_approval(req, true, reason);
}

/* Plan mode: show the plan, ask on the terminal (TTY only). */
static enum plan_answer
pl_review_plan(void *ud, const char *plan, char **feedback)
{
	char line[2048];
	(void)ud;
	fprintf(stderr, "\n--- plan ---\n%s\n------------\n", plan);
	fprintf(stderr, "[1] approve, then ask  [2] approve, then auto-edit  "
		"[3] keep planning: ");
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return PLAN_KEEP;
	if (line[0] == '1')
		return PLAN_APPROVE_ASK;
	if (line[0] == '2')
		return PLAN_APPROVE_AUTO_EDIT;
	ask_optional("Feedback for the model (optional): ", line, sizeof line, feedback);
	return PLAN_KEEP;
}

static void
help(void)
{
	fputs("Type a task and press Enter.  Commands:\n"
	      "  /help   this help\n"
	      "  /clear  start a fresh conversation (a new session)\n"
	      "  /compact [focus]  summarise older messages to free context\n"
	      "  /exit   leave (also Ctrl-D)\n"
	      "Ctrl-C interrupts the running task.\n", stderr);
}

int
ui_plain(struct agent *a, const struct ui_opts *o)
{
	struct pl p = { o, true };
	bool tty = isatty(0) && isatty(2);
	struct agent_events ev = {
		.ud = &p, .text = pl_text, .discard = pl_discard,
		.notice = pl_notice, .tool_start = pl_tool_start,
		.tool_end = pl_tool_end, .todo = pl_todo,
		.approve = tty ? pl_approve : NULL,
		.review_plan = tty ? pl_review_plan : NULL,
		.answered = pl_answered,
	};
	struct buf line = BUF_INIT;
	int code = 0, interrupts = 0;

	if (tty)
		fprintf(stderr, "conch %s (%s). /help for help, Ctrl-D to leave.\n",
			PACKAGE_VERSION, o->model ? o->model : "no model");
	for (;;) {
		char chunk[4096];
		struct agent_result r;
		const char *task;

		if (tty) {
			fputs("> ", stderr);
			fflush(stderr);
		}
		buf_reset(&line);
		errno = 0;
		while (fgets(chunk, sizeof chunk, stdin)) {
			buf_adds(&line, chunk);
			if (strchr(chunk, '\n'))
				break;
		}
		if (!line.len) {
			if (errno == EINTR) {
				clearerr(stdin);
				ui_drain_cancel(o->cancel_fd);
				if (++interrupts >= 2)
					break;
				fputs("\n(Ctrl-C again or Ctrl-D to leave)\n", stderr);
				continue;
			}
			break; /* EOF */
		}
		interrupts = 0;
		while (line.len && (line.p[line.len - 1] == '\n' ||
				    line.p[line.len - 1] == '\r'))
			buf_truncate(&line, line.len - 1);
		task = buf_str(&line);
		if (!*task)
			continue;
		if (strcmp(task, "/exit") == 0 || strcmp(task, "/quit") == 0)
			break;
		if (strcmp(task, "/help") == 0) {
			help();
			continue;
		}
		if (strcmp(task, "/clear") == 0) {
			agent_clear(a); /* a new session; the old one stays */
			if (agent_session_id(a))
				fprintf(stderr, "conch: conversation cleared (session %s)\n",
					agent_session_id(a));
			continue;
		}
		if (strncmp(task, "/compact", 8) == 0 && (!task[8] || task[8] == ' ')) {
			agent_compact(a, task[8] ? task + 9 : NULL, &ev); /* mind.h */
			continue;
		}
		if (task[0] == '/') {
			fprintf(stderr, "conch: unknown command %s (try /help)\n", task);
			continue;
		}
		agent_task(a, task, &ev, &r);
		if (r.err == C_ERR_CANCELLED) {
			fputs("[interrupted]\n", stderr);
			ui_drain_cancel(o->cancel_fd);
		} else if (r.is_error) {
			fprintf(stderr, "conch: %s\n", r.errmsg);
			code = ui_exit_code(&r);
		} else {
			code = 0;
		}
		agent_result_free(&r);
	}
	buf_free(&line);
	return code;
}
