/* headless.c: conch -p: one task, then exit; text, json or stream-json. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/ui.h"
#include "util/clock.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

struct hl {
	const struct ui_opts *o;
	struct agent *a;
	long t0; /* the task started (ms, monotonic) */
};

static void
emit(cJSON *ev)
{
	char *s = jx_print(ev);
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
	cJSON_Delete(ev);
}

static cJSON *
event(const char *type)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "type", type);
	return e;
}

static void
emit_text(const char *type, const char *s, size_t n)
{
	cJSON *e = event(type);
	char *t = xstrndup(s, n);
	cJSON_AddStringToObject(e, "text", t);
	free(t);
	emit(e);
}

static void
hl_text(void *ud, const char *s, size_t n)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON)
		emit_text("text", s, n);
}

static void
hl_thinking(void *ud, const char *s, size_t n)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON)
		emit_text("thinking", s, n);
}

static void
hl_discard(void *ud, const char *why)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("discard");
		cJSON_AddStringToObject(e, "reason", why ? why : "");
		emit(e);
	}
}

static void
hl_notice(void *ud, const char *msg)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("notice");
		cJSON_AddStringToObject(e, "message", msg);
		emit(e);
	} else {
		fprintf(stderr, "conch: %s\n", msg);
	}
}

static void
hl_tool_start(void *ud, const struct conv_block *call)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("tool_call"), *args = cJSON_Parse(call->args);
		cJSON_AddStringToObject(e, "id", call->id);
		cJSON_AddStringToObject(e, "name", call->name);
		if (args)
			cJSON_AddItemToObject(e, "args", args);
		else
			cJSON_AddStringToObject(e, "args_raw", call->args);
		emit(e);
	} else if (h->o->verbose) {
		fprintf(stderr, "conch: tool %s %.200s\n", call->name, call->args);
	}
}

static void
hl_tool_end(void *ud, const struct conv_block *call, const char *result,
	    bool is_error, long ms)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("tool_result");
		cJSON_AddStringToObject(e, "id", call->id);
		cJSON_AddStringToObject(e, "name", call->name);
		cJSON_AddStringToObject(e, "content", result);
		cJSON_AddBoolToObject(e, "is_error", is_error);
		cJSON_AddNumberToObject(e, "duration_ms", (double)ms);
		emit(e);
	} else if (h->o->verbose) {
		fprintf(stderr, "conch: tool %s %s (%ld ms)\n", call->name,
			is_error ? "failed" : "done", ms);
	}
}

/* A refused call: always on stderr (or as an event in stream-json), so a
 * script sees what it did not get done. */
static void
hl_denied(void *ud, const struct conv_block *call, const char *why)
{
	struct hl *h = ud;
	cJSON *args = cJSON_Parse(call->args ? call->args : "{}");
	const char *what = jx_str(args, "command");
	if (!what)
		what = jx_str(args, "path");
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("denied");
		cJSON_AddStringToObject(e, "id", call->id ? call->id : "");
		cJSON_AddStringToObject(e, "name", call->name ? call->name : "");
		cJSON_AddStringToObject(e, "reason", why ? why : "");
		emit(e);
	}
	fprintf(stderr, "conch: denied: %s%s%.200s: %s\n",
		call->name ? call->name : "?", what ? " " : "", what ? what : "",
		why ? why : "refused");
	cJSON_Delete(args);
}

static void
hl_turn_end(void *ud, const struct conv_msg *m)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON) {
		cJSON *e = event("turn");
		cJSON_AddStringToObject(e, "answered_by",
					m->answered_by ? m->answered_by : "");
		cJSON_AddItemToObject(e, "usage", conv_usage_to_json(&m->usage));
		cJSON_AddStringToObject(e, "stop", conv_stop_str(m->stop));
		emit(e);
	}
}

static void
hl_todo(void *ud, const struct todo_list *t)
{
	struct hl *h = ud;
	size_t i;
	if (h->o->format != OUT_STREAM_JSON)
		return;
	{
		cJSON *e = event("todo"), *arr = cJSON_AddArrayToObject(e, "items");
		for (i = 0; i < t->n; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "content", t->items[i].content);
			cJSON_AddStringToObject(o, "status", todo_status_str(t->items[i].status));
			cJSON_AddItemToArray(arr, o);
		}
		emit(e);
	}
}

int
ui_exit_code(const struct agent_result *r)
{
	switch (r->err) {
	case C_OK:
		/* denials stopped the task */
		return r->blocked ? EXIT_TASK_FAILED : EXIT_DONE;
	case C_ERR_CANCELLED:
		return EXIT_INTERRUPTED;
	case C_ERR_RETRYABLE:
	case C_ERR_AUTH:
	case C_ERR_BADREQ:
	case C_ERR_PROVIDER:
	case C_ERR_TIMEOUT:
	case C_ERR_INVAL:
		return EXIT_NO_PROVIDER;
	default:
		return EXIT_TASK_FAILED;
	}
}

static cJSON *
result_json(const struct agent *a, const struct agent_result *r, long ms)
{
	cJSON *e = event("result");
	const char *by = r->answered_by;
	cJSON_AddStringToObject(e, "result", r->text ? r->text : "");
	cJSON_AddBoolToObject(e, "is_error", r->is_error || r->blocked);
	if (r->is_error)
		cJSON_AddStringToObject(e, "error", r->errmsg);
	else if (r->blocked)
		cJSON_AddStringToObject(e, "error", "the task could not proceed: "
					"tool calls were denied");
	else
		cJSON_AddNullToObject(e, "error");
	cJSON_AddNumberToObject(e, "denials", r->denials);
	cJSON_AddNumberToObject(e, "exit_code", ui_exit_code(r));
	/* --mode plan: the plan the model presented with exit_plan */
	jx_add_str_or_null(e, "plan", r->plan);
	cJSON_AddNumberToObject(e, "turns", r->turns);
	cJSON_AddNumberToObject(e, "tool_calls", r->tool_calls);
	if (r->usage_unknown || !r->usage.known) {
		struct conv_usage unk = { 0 };
		cJSON_AddItemToObject(e, "usage", conv_usage_to_json(&unk));
	} else {
		cJSON_AddItemToObject(e, "usage", conv_usage_to_json(&r->usage));
	}
	{
		char cost[64];
		cost_total_format(&r->cost, cost, sizeof cost);
		if (r->cost.turns && !r->cost.unpriced)
			cJSON_AddNumberToObject(e, "cost_usd", r->cost.usd);
		else
			cJSON_AddNullToObject(e, "cost_usd");
		cJSON_AddStringToObject(e, "cost", cost);
	}
	jx_add_str_or_null(e, "session_id", agent_session_id(a));
	if (by) {
		const char *slash = strchr(by, '/');
		char *prov = slash ? xstrndup(by, (size_t)(slash - by)) : xstrdup(by);
		cJSON_AddStringToObject(e, "answered_by", by);
		cJSON_AddStringToObject(e, "provider", prov);
		cJSON_AddStringToObject(e, "model", slash ? slash + 1 : "");
		free(prov);
	} else {
		cJSON_AddNullToObject(e, "answered_by");
		cJSON_AddNullToObject(e, "provider");
		cJSON_AddNullToObject(e, "model");
	}
	cJSON_AddNumberToObject(e, "duration_ms", (double)ms);
	return e;
}

static void
release_stdout(void)
{
	int fd;
	fflush(stdout);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

/* The answer and the failure notes, once the task ended. */
static void
report(struct hl *h, const struct agent_result *r)
{
	int code = ui_exit_code(r);

	if (h->o->format == OUT_TEXT) {
		if (r->text && *r->text) {
			fputs(r->text, stdout);
			if (r->text[strlen(r->text) - 1] != '\n')
				fputc('\n', stdout);
		}
		fflush(stdout);
	} else {
		emit(result_json(h->a, r, clock_mono_ms() - h->t0));
	}
	if (!r->is_error && r->denials)
		fprintf(stderr, "conch: %d tool call%s denied%s\n", r->denials,
			r->denials == 1 ? " was" : "s were",
			r->blocked ? "; the task could not proceed (allow them with "
			"--mode or --yes, or a rule in the config)" : "");
	if (r->is_error)
		fprintf(stderr, "conch: %s: %s\n",
			code == EXIT_INTERRUPTED ? "interrupted" :
			code == EXIT_NO_PROVIDER ? "no provider reachable" :
			"task failed", r->errmsg);
}

/* agent_task: the answer is complete.  Text and json print it now and
 * close stdout (pointed at /dev/null), so a reader of the pipe sees EOF
 * before the reflection call, whose notices go to stderr; stream-json
 * ends with its result event after the reflection's events. */
static void
hl_answered(void *ud, const struct agent_result *r)
{
	struct hl *h = ud;
	if (h->o->format == OUT_STREAM_JSON)
		return;
	report(h, r);
	release_stdout();
}

int
ui_headless(struct agent *a, const char *prompt, const struct ui_opts *o)
{
	struct hl h = { o, a, clock_mono_ms() };
	struct agent_events ev = {
		.ud = &h, .text = hl_text, .thinking = hl_thinking,
		.discard = hl_discard, .notice = hl_notice,
		.tool_start = hl_tool_start, .tool_end = hl_tool_end,
		.turn_end = hl_turn_end, .todo = hl_todo,
		.approve = NULL, /* nobody to ask: the policy denies */
		.denied = hl_denied, .answered = hl_answered,
	};
	struct agent_result r;
	int code;

	if (o->format == OUT_STREAM_JSON) {
		cJSON *e = event("init"), *tools = cJSON_CreateArray();
		size_t i, n;
		const struct conv_tool_spec *ts = agent_tools(a, &n);
		const char *sid = agent_session_id(a);
		cJSON_AddStringToObject(e, "session_id", sid ? sid : "");
		cJSON_AddStringToObject(e, "model", o->model ? o->model : "");
		cJSON_AddStringToObject(e, "cwd", agent_cwd(a));
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(tools, cJSON_CreateString(ts[i].name));
		cJSON_AddItemToObject(e, "tools", tools);
		emit(e);
	}
	agent_task(a, prompt, &ev, &r);
	if (o->format == OUT_STREAM_JSON)
		report(&h, &r);
	code = ui_exit_code(&r);
	agent_result_free(&r);
	return code;
}

void
ui_drain_cancel(int fd)
{
	char b[64];
	while (fd >= 0 && read(fd, b, sizeof b) > 0)
		;
}
