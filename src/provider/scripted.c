/* scripted.c: a provider that replays model turns from a JSON file.  For
 * tests and benchmarks only: it is selected by the CONCH_TEST_SCRIPT
 * environment variable (documented as test-only), never by config.
 *
 * File format:
 *   {"turns": [TURN, ...]}
 * TURN fields (all optional):
 *   "text":       assistant text
 *   "chunks":     ["piece", ...] streamed one by one (instead of text)
 *   "thinking":   thinking text
 *   "tool_calls": [{"id": "...", "name": "read", "args": {...}}, ...]
 *                 ("args_raw": "text" sends malformed arguments verbatim)
 *   "usage":      {"input_tokens": N, "output_tokens": N, ...}
 *   "delay_ms":   pause before each chunk (cancellable)
 *   "error":      {"kind": "retryable|auth|badreq|context|provider",
 *                  "message": "...", "status": N}: fail this call
 *   "expect_result": a substring the last tool result must contain
 *   "expect_system": a substring the system prompt must contain
 *   "expect_user":   a substring the last user text must contain
 *   "expect_conv":   a substring some earlier message's text must contain
 *   "expect_messages": the number of messages the request must carry
 * With CONCH_TEST_REQUEST_LOG=FILE, each request is appended to FILE as
 * one JSON line {"system", "messages", "tools"} (for bench/startup.sh).
 * A failed expectation fails the call with a message naming it, so an
 * end-to-end test sees exit status 4 and the reason on stderr. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/provider.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

struct scripted {
	struct provider base;
	cJSON *doc;
	size_t next;
};

static bool
wait_ms(const struct provider_events *ev, long ms)
{
	struct pollfd pfd;
	struct timespec ts;
	if (ms <= 0)
		return !(ev && ev->cancelled && ev->cancelled(ev->ud));
	if (ev && ev->cancel_fd >= 0) {
		pfd.fd = ev->cancel_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)ms) > 0)
			return false;
	} else {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return !(ev && ev->cancelled && ev->cancelled(ev->ud));
}

static const char *
last_tool_result(const struct conv *c)
{
	size_t i, j;
	for (i = c->n; i-- > 0;)
		for (j = c->msgs[i].nblocks; j-- > 0;)
			if (c->msgs[i].blocks[j].type == BLK_TOOL_RESULT)
				return c->msgs[i].blocks[j].text;
	return "";
}

static char *
last_user_text(const struct conv *c)
{
	size_t i;
	for (i = c->n; i-- > 0;)
		if (c->msgs[i].role == CONV_USER)
			return conv_msg_text(&c->msgs[i]);
	return xstrdup("");
}

/* The failure a script's "error" names; C_ERR_PROVIDER by default. */
static enum cerr
error_kind(const char *k)
{
	static const char *const names[] = { "retryable", "auth", "badreq", "context" };
	static const enum cerr errs[] = { C_ERR_RETRYABLE, C_ERR_AUTH, C_ERR_BADREQ,
					  C_ERR_CONTEXT };
	int i = str_index(k, names, sizeof names / sizeof names[0]);
	return i < 0 ? C_ERR_PROVIDER : errs[i];
}

static enum cerr
check_expectations(const cJSON *turn, const struct provider_request *req,
		   struct provider_error *err)
{
	const char *want;
	enum cerr e = C_OK;
	char *user = NULL;

	want = jx_str(turn, "expect_result");
	if (want && !strstr(last_tool_result(req->conv), want)) {
		e = provider_fail(err, C_ERR_PROVIDER,
				  "scripted: last tool result lacks \"%s\": %.200s",
				  want, last_tool_result(req->conv));
		goto out;
	}
	want = jx_str(turn, "expect_system");
	if (want && !strstr(req->system ? req->system : "", want)) {
		e = provider_fail(err, C_ERR_PROVIDER,
				  "scripted: system prompt lacks \"%s\"", want);
		goto out;
	}
	want = jx_str(turn, "expect_user");
	if (want) {
		user = last_user_text(req->conv);
		if (!strstr(user, want))
			e = provider_fail(err, C_ERR_PROVIDER,
					  "scripted: last user text lacks \"%s\": %.200s",
					  want, user);
	}
	want = jx_str(turn, "expect_conv");
	if (want && !e) {
		size_t i, j;
		bool found = false;
		for (i = 0; i < req->conv->n && !found; i++)
			for (j = 0; j < req->conv->msgs[i].nblocks && !found; j++) {
				const char *t = req->conv->msgs[i].blocks[j].text;
				found = t && strstr(t, want);
			}
		if (!found)
			e = provider_fail(err, C_ERR_PROVIDER,
					  "scripted: no message contains \"%s\"", want);
	}
	if (!e && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(turn, "expect_messages")) &&
	    (long)req->conv->n != jx_long(turn, "expect_messages", -1))
		e = provider_fail(err, C_ERR_PROVIDER,
				  "scripted: request has %zu messages, expected %ld",
				  req->conv->n, jx_long(turn, "expect_messages", -1));
out:
	free(user);
	return e;
}

static void
log_request(const struct provider_request *req)
{
	const char *path = getenv("CONCH_TEST_REQUEST_LOG");
	cJSON *j, *msgs, *tools;
	char *line;
	FILE *f;
	size_t i;

	if (!path || !*path)
		return;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "system", req->system ? req->system : "");
	msgs = cJSON_AddArrayToObject(j, "messages");
	for (i = 0; i < req->conv->n; i++)
		cJSON_AddItemToArray(msgs, conv_msg_to_json(&req->conv->msgs[i]));
	tools = cJSON_AddArrayToObject(j, "tools");
	for (i = 0; i < req->ntools; i++) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", req->tools[i].name);
		cJSON_AddStringToObject(t, "description", req->tools[i].description);
		cJSON_AddItemToObject(t, "input_schema", conv_tool_schema(&req->tools[i]));
		cJSON_AddItemToArray(tools, t);
	}
	line = jx_print(j);
	cJSON_Delete(j);
	if ((f = fopen(path, "a"))) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	free(line);
}

static enum cerr
scripted_chat(struct provider *p, const struct provider_request *req,
	      const struct provider_events *ev, struct conv_msg *out,
	      struct provider_error *err)
{
	struct scripted *s = (struct scripted *)p;
	const cJSON *turns = cJSON_GetObjectItemCaseSensitive(s->doc, "turns");
	const cJSON *turn, *errj, *chunks, *calls, *it;
	const char *text, *thinking;
	long delay;
	enum cerr e;
	int idx = 0;

	conv_msg_init(out, CONV_ASSISTANT);
	turn = cJSON_GetArrayItem(turns, (int)s->next);
	if (!turn)
		return provider_fail(err, C_ERR_PROVIDER,
				     "scripted: no turn %zu in the script", s->next + 1);
	s->next++;
	log_request(req);
	if ((e = check_expectations(turn, req, err)))
		return e;
	delay = jx_long(turn, "delay_ms", 0);
	errj = cJSON_GetObjectItemCaseSensitive(turn, "error");
	if (errj) {
		err->http_status = (int)jx_long(errj, "status", 0);
		return provider_fail(err, error_kind(jx_str(errj, "kind")), "%s",
				     jx_str(errj, "message") ? jx_str(errj, "message")
							     : "scripted failure");
	}
	thinking = jx_str(turn, "thinking");
	if (thinking) {
		conv_msg_add_thinking(out, thinking, "scripted-signature");
		if (ev && ev->thinking)
			ev->thinking(ev->ud, thinking, strlen(thinking));
	}
	chunks = cJSON_GetObjectItemCaseSensitive(turn, "chunks");
	text = jx_str(turn, "text");
	if (cJSON_IsArray(chunks)) {
		cJSON_ArrayForEach(it, chunks) {
			if (!cJSON_IsString(it))
				continue;
			if (!wait_ms(ev, delay))
				return provider_fail(err, C_ERR_CANCELLED, "cancelled");
			conv_msg_append_text(out, it->valuestring, strlen(it->valuestring));
			if (ev && ev->text)
				ev->text(ev->ud, it->valuestring, strlen(it->valuestring));
		}
	} else if (text) {
		if (!wait_ms(ev, delay))
			return provider_fail(err, C_ERR_CANCELLED, "cancelled");
		conv_msg_append_text(out, text, strlen(text));
		if (ev && ev->text)
			ev->text(ev->ud, text, strlen(text));
	}
	calls = cJSON_GetObjectItemCaseSensitive(turn, "tool_calls");
	cJSON_ArrayForEach(it, calls) {
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(it, "args");
		const char *raw = jx_str(it, "args_raw");
		char *a = args ? jx_print(args) : xstrdup(raw ? raw : "{}");
		char *id = jx_str(it, "id") ? xstrdup(jx_str(it, "id"))
					    : xasprintf("call_%zu_%d", s->next, idx);
		conv_msg_add_tool_call(out, id, jx_str(it, "name"), a);
		xfree_all(a, id);
		idx++;
	}
	out->stop = idx ? STOP_TOOL_USE : STOP_END;
	if (cJSON_GetObjectItemCaseSensitive(turn, "usage")) {
		conv_usage_from_json(cJSON_GetObjectItemCaseSensitive(turn, "usage"),
				     &out->usage);
	} else {
		char *t = conv_msg_text(out);
		size_t in = req->system ? strlen(req->system) : 0, i, j;
		for (i = 0; i < req->conv->n; i++)
			for (j = 0; j < req->conv->msgs[i].nblocks; j++) {
				const struct conv_block *b = &req->conv->msgs[i].blocks[j];
				in += b->text ? strlen(b->text) : 0;
				in += b->args ? strlen(b->args) : 0;
			}
		out->usage.known = true;
		out->usage.input = (long)(in + 3) / 4;
		out->usage.output = (long)(strlen(t) + 3) / 4 + idx * 10;
		free(t);
	}
	return C_OK;
}

static void
scripted_destroy(struct provider *p)
{
	struct scripted *s = (struct scripted *)p;
	cJSON_Delete(s->doc);
	free(s);
}

struct provider *
provider_scripted_open(const char *path, struct provider_error *err)
{
	struct buf b = BUF_INIT;
	struct scripted *s = NULL;
	cJSON *doc;
	int line = 0, col = 0;
	enum cerr e;

	memset(err, 0, sizeof *err);
	err->retry_after_ms = -1;
	e = fs_read_file(path, 64u << 20, &b);
	if (e) {
		provider_fail(err, C_ERR_INVAL, "cannot read test script %s: %s",
			      path, e == C_ERR_IO ? strerror(errno) : cerr_str(e));
		goto out;
	}
	doc = jx_parse(b.p, b.len, &line, &col);
	if (!doc || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "turns"))) {
		provider_fail(err, C_ERR_INVAL,
			      "test script %s: %s at line %d, column %d", path,
			      doc ? "no \"turns\" array" : "invalid JSON", line, col);
		cJSON_Delete(doc);
		goto out;
	}
	s = xcalloc(1, sizeof *s);
	s->doc = doc;
	s->base.name = "scripted";
	s->base.chat = scripted_chat;
	s->base.destroy = scripted_destroy;
	s->base.priv = s;
	provider_set_model(&s->base,
			   jx_str(doc, "model") ? jx_str(doc, "model") : "test");
out:
	buf_free(&b);
	return s ? &s->base : NULL;
}
