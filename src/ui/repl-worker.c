/* repl-worker.c: the pairing session's jobs and their worker thread.
 * repl_start_job() starts one job (agent_task() or sandbox_run()) on the
 * thread; the agent_events callbacks copy what they report into the
 * queue under r->mu and wake the UI through the event pipe.  An approval
 * or a plan review blocks the worker until the UI answers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/diff.h"
#include "ui/repl.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

/* The largest file whose change is shown as a diff after a write/edit. */
#define DIFF_FILE_MAX (1u << 20)

static struct uev *
uev_new(enum uev_kind k)
{
	struct uev *e = xcalloc(1, sizeof *e);
	e->k = k;
	buf_init(&e->s, 0);
	return e;
}

void
repl_uev_free(struct uev *e)
{
	buf_free(&e->s);
	xfree_all(e->id, e->name, e->args, e->diff, e->by);
	if (e->k == U_DONE)
		agent_result_free(&e->res);
	free(e);
}

static void
wake(struct repl *r)
{
	char c = 1;
	if (write(r->evp[1], &c, 1) < 0) {
		/* full: the UI has a wake-up pending */
	}
}

/* The UI is woken when the queue goes from empty to not: it takes the
 * whole queue at once. */
static void
q_push(struct repl *r, struct uev *e)
{
	bool was_empty;
	pthread_mutex_lock(&r->mu);
	was_empty = !r->qhead;
	if (r->qtail)
		r->qtail->next = e;
	else
		r->qhead = e;
	r->qtail = e;
	pthread_mutex_unlock(&r->mu);
	if (was_empty)
		wake(r);
}

/* Streamed text: coalesced with the event before it when that is text. */
static void
q_text(struct repl *r, enum uev_kind k, const char *s, size_t n)
{
	struct uev *e;
	pthread_mutex_lock(&r->mu);
	if (r->qtail && r->qtail->k == k) {
		buf_add(&r->qtail->s, s, n);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	pthread_mutex_unlock(&r->mu);
	e = uev_new(k);
	buf_add(&e->s, s, n);
	q_push(r, e);
}

static void
w_text(void *ud, const char *s, size_t n)
{
	q_text(ud, U_TEXT, s, n);
}

static void
w_thinking(void *ud, const char *s, size_t n)
{
	q_text(ud, U_THINK, s, n);
}

static void
w_discard(void *ud, const char *why)
{
	struct uev *e = uev_new(U_DISCARD);
	buf_adds(&e->s, why ? why : "retrying");
	q_push(ud, e);
}

static void
w_notice(void *ud, const char *msg)
{
	struct uev *e = uev_new(U_NOTICE);
	buf_adds(&e->s, msg);
	q_push(ud, e);
}

/* Before a write or edit: remember the file's text, to show the change. */
static void
track_file(struct repl *r, const struct conv_block *call)
{
	cJSON *j;
	const char *path;
	free(r->w_path);
	r->w_path = NULL;
	buf_free(&r->w_before);
	r->w_had_file = false;
	if (!call->name || (strcmp(call->name, "write") && strcmp(call->name, "edit")))
		return;
	j = call->args ? cJSON_Parse(call->args) : NULL;
	path = jx_str(j, "path");
	if (path)
		r->w_path = path_resolve(agent_cwd(r->a), path);
	cJSON_Delete(j);
	if (!r->w_path)
		return;
	buf_init(&r->w_before, DIFF_FILE_MAX);
	r->w_had_file = fs_read_file(r->w_path, DIFF_FILE_MAX, &r->w_before) == C_OK;
	if (!r->w_had_file && fs_exists(r->w_path)) { /* too big or unreadable */
		free(r->w_path);
		r->w_path = NULL;
	}
}

/* After a write or edit that succeeded: what it changed, or NULL. */
static char *
tracked_diff(struct repl *r)
{
	struct buf after;
	char *d = NULL;
	if (!r->w_path)
		return NULL;
	buf_init(&after, DIFF_FILE_MAX);
	if (fs_read_file(r->w_path, DIFF_FILE_MAX, &after) == C_OK &&
	    !memchr(buf_str(&after), '\0', after.len) && /* text only */
	    !memchr(buf_str(&r->w_before), '\0', r->w_before.len)) {
		d = diff_unified(r->w_had_file ? r->w_path : "/dev/null",
				 buf_str(&r->w_before), r->w_before.len, r->w_path,
				 buf_str(&after), after.len);
		if (d && !*d) {
			free(d);
			d = NULL;
		}
	}
	buf_free(&after);
	return d;
}

static void
w_tool_start(void *ud, const struct conv_block *call)
{
	struct repl *r = ud;
	struct uev *e = uev_new(U_TOOL_START);
	free(r->w_args);
	r->w_args = xstrdup(call->args ? call->args : "");
	r->w_ap_ms = 0;
	track_file(r, call);
	e->id = xstrdup(call->id);
	e->name = xstrdup(call->name);
	e->args = xstrdup(call->args);
	q_push(ud, e);
}

static void
w_tool_end(void *ud, const struct conv_block *call, const char *result,
	   bool is_error, long ms)
{
	struct repl *r = ud;
	struct uev *e = uev_new(U_TOOL_END);
	size_t n = result ? strlen(result) : 0;
	e->id = xstrdup(call->id);
	e->flag = is_error;
	/* the time the user took to answer is not the tool's */
	e->ms = ms - r->w_ap_ms > 0 ? ms - r->w_ap_ms : 0;
	if (!is_error)
		e->diff = tracked_diff(r);
	free(r->w_path);
	r->w_path = NULL;
	buf_free(&r->w_before);
	buf_add(&e->s, result ? result : "", n > ENT_RESULT_MAX ? ENT_RESULT_MAX : n);
	q_push(ud, e);
}

static void
w_turn_end(void *ud, const struct conv_msg *m)
{
	struct repl *r = ud;
	struct uev *e = uev_new(U_TURN_END);
	e->usage = m->usage;
	e->cost = agent_cost(r->a); /* the worker owns the agent */
	e->by = xstrdup(m->answered_by);
	q_push(r, e);
}

static void
w_todo(void *ud, const struct todo_list *t)
{
	struct uev *e = uev_new(U_TODO);
	size_t i;
	for (i = 0; i < t->n; i++)
		buf_printf(&e->s, "%c %s\n",
			   t->items[i].status == TODO_COMPLETED ? 'x' :
			   t->items[i].status == TODO_IN_PROGRESS ? '>' : ' ',
			   t->items[i].content);
	q_push(ud, e);
}

/* Hand the UI the question `e` and wait until it sets *answered (under
 * r->mu); false, with e freed, when the REPL is closing. */
static bool
ask_ui(struct repl *r, struct uev *e, const bool *answered)
{
	pthread_mutex_lock(&r->mu);
	if (r->closing) {
		pthread_mutex_unlock(&r->mu);
		repl_uev_free(e);
		return false;
	}
	pthread_mutex_unlock(&r->mu);
	q_push(r, e);
	pthread_mutex_lock(&r->mu);
	while (!*answered)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	return true;
}

static enum approval
w_approve(void *ud, const struct approval_req *req, char **reason)
{
	struct repl *r = ud;
	struct apw w = { req, r->w_args, false, APPROVE_DENY, NULL };
	struct uev *e;
	long t0 = clock_mono_ms();

	e = uev_new(U_APPROVE);
	e->ap = &w;
	if (!ask_ui(r, e, &w.answered))
		return APPROVE_DENY;
	r->w_ap_ms += clock_mono_ms() - t0;
	*reason = w.reason;
	return w.ans;
}

/* `!command`: run it in the sandbox, output kept for the transcript. */
static struct uev *
run_shell(struct repl *r)
{
	struct agent_shell_result res;
	struct uev *e = uev_new(U_SHELL_DONE);

	agent_shell(r->a, r->job_text, SHELL_OUTPUT_MAX, 120000, r->o->cancel_fd, &res);
	buf_add(&e->s, res.output.p ? res.output.p : "", res.output.len);
	if (res.truncated)
		buf_printf(&e->s, "\n[... output cut at %u bytes ...]\n",
			   SHELL_OUTPUT_MAX);
	e->status = res.exit_code;
	e->flag = res.cancelled;
	if (res.timed_out)
		buf_adds(&e->s, "\n[timed out]\n");
	buf_free(&res.output);
	return e;
}

/* The message with @path files attached.  Caller frees. */
static char *
with_attachments(struct repl *r, const char *msg)
{
	struct buf b = BUF_INIT;
	const char *p = msg;
	buf_adds(&b, msg);
	while ((p = strchr(p, '@'))) {
		size_t n;
		char *rel, *abs;
		struct stat st;
		if (p != msg && !isspace((unsigned char)p[-1])) {
			p++;
			continue;
		}
		n = strcspn(p + 1, " \t\n");
		while (n && strchr(".,;:!?)", p[1 + n - 1]))
			n--;
		if (!n) {
			p++;
			continue;
		}
		rel = xstrndup(p + 1, n);
		abs = path_resolve(agent_cwd(r->a), rel);
		if (abs && path_is_under(abs, agent_workspace(r->a)) &&
		    stat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
			struct buf f;
			buf_init(&f, ATTACH_MAX);
			if (fs_read_file(abs, ATTACH_MAX, &f) == C_OK) {
				buf_printf(&b, "\n\n<file path=\"%s\">\n", rel);
				buf_add(&b, f.p ? f.p : "", f.len);
				buf_adds(&b, "\n</file>");
			} else {
				buf_printf(&b, "\n\n(%s was not attached: over %u bytes "
					   "or unreadable)", rel, ATTACH_MAX);
			}
			buf_free(&f);
		}
		xfree_all(rel, abs);
		p += 1 + n;
	}
	return buf_steal(&b);
}

/* ---- jobs ---- */

void
repl_start_job(struct repl *r, enum job_kind k, const char *text)
{
	ui_drain_cancel(r->o->cancel_fd);
	r->job = k;
	r->busy = true;
	r->job_t0 = clock_mono_ms();
	r->cur = r->think = NULL;
	if (k == JOB_SHELL) {
		r->shell = ts_add_text(&r->ts, ENT_SHELL, text);
		r->job_text = xstrdup(text);
	} else if (k == JOB_COMPACT) {
		ts_add_text(&r->ts, ENT_NOTICE, "compacting the conversation...");
		r->job_text = xstrdup(text);
	} else {
		ts_add_text(&r->ts, ENT_USER, text);
		r->job_text = with_attachments(r, text);
	}
	r->scroll = 0;
	r->dirty = true;
	if (pthread_create(&r->th, NULL, repl_worker, r) != 0) {
		r->busy = false;
		free(r->job_text);
		r->job_text = NULL;
		repl_notice(r, ENT_ERROR, "could not start a worker thread");
	}
}

/* The worker side of a plan review (agent_events.review_plan): hand the
 * plan to the UI (repl-plan.c shows it) and wait for the answer. */
enum plan_answer
repl_w_review_plan(void *ud, const char *plan, char **feedback)
{
	struct repl *r = ud;
	struct planw w = { plan, false, PLAN_KEEP, NULL };
	struct uev *e;

	*feedback = NULL;
	e = uev_new(U_PLAN);
	e->pw = &w;
	if (!ask_ui(r, e, &w.answered))
		return PLAN_KEEP;
	*feedback = w.feedback;
	return w.ans;
}

void *
repl_worker(void *arg)
{
	struct repl *r = arg;
	struct agent_events ev = {
		.ud = r, .text = w_text, .thinking = w_thinking,
		.discard = w_discard, .notice = w_notice,
		.tool_start = w_tool_start, .tool_end = w_tool_end,
		.turn_end = w_turn_end, .todo = w_todo,
		.approve = w_approve,
		.review_plan = repl_w_review_plan, /* repl-plan.c */
	};
	struct uev *e;

	switch (r->job) {
	case JOB_AGENT:
		e = uev_new(U_DONE);
		/* the answer streams to the screen; reflection then may
		 * write a skill (it decides whether the task calls for one) */
		agent_task(r->a, r->job_text, &ev, &e->res);
		break;
	case JOB_COMPACT:
		e = uev_new(U_COMPACT_DONE);
		e->status = (int)agent_compact(r->a, *r->job_text ? r->job_text : NULL,
					       &ev);
		break;
	default:
		e = run_shell(r);
		break;
	}
	q_push(r, e);
	return NULL;
}
