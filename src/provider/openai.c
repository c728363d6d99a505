/* openai.c: OpenAI-compatible Chat Completions, streamed.
 *
 * POST {base}/chat/completions with "Authorization: Bearer KEY" (no header
 * when the endpoint needs no key: Ollama, llama-server, vLLM).  Works with
 * OpenAI, OpenRouter (comment keep-alives, an error object inside a 200
 * stream, finish_reason "error"), Ollama /v1 (a whole tool call in one
 * chunk, a "reasoning" field), llama-server ("reasoning_content", an error
 * chunk then close without [DONE]), vLLM and DeepSeek.
 *
 * Tool calls are accumulated by `index` from delta.tool_calls fragments;
 * thinking ("reasoning_content" / "reasoning") is kept as a thinking block
 * without a signature and is not sent back.  After a finish_reason the
 * transfer winds down: the usage chunk or [DONE] ends it, and their
 * absence does not hang it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/remote.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define OAI_MAX_CALLS 1024

/* ---- request ---- */

static void
add_user(cJSON *msgs, const struct conv_msg *m)
{
	struct buf text = BUF_INIT;
	size_t j;

	for (j = 0; j < m->nblocks; j++) {
		const struct conv_block *b = &m->blocks[j];
		if (b->type == BLK_TOOL_RESULT) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "role", "tool");
			cJSON_AddStringToObject(t, "tool_call_id", b->id ? b->id : "");
			cJSON_AddStringToObject(t, "content", b->text ? b->text : "");
			cJSON_AddItemToArray(msgs, t);
		} else if (b->type == BLK_TEXT && b->text && *b->text) {
			if (text.len)
				buf_adds(&text, "\n\n");
			buf_adds(&text, b->text);
		}
	}
	if (text.len) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "role", "user");
		cJSON_AddStringToObject(u, "content", buf_str(&text));
		cJSON_AddItemToArray(msgs, u);
	}
	buf_free(&text);
}

static void
add_assistant(cJSON *msgs, const struct conv_msg *m)
{
	struct buf text = BUF_INIT;
	cJSON *a = cJSON_CreateObject(), *calls = NULL;
	size_t j;

	cJSON_AddStringToObject(a, "role", "assistant");
	for (j = 0; j < m->nblocks; j++) {
		const struct conv_block *b = &m->blocks[j];
		if (b->type == BLK_TEXT && b->text) {
			buf_adds(&text, b->text);
		} else if (b->type == BLK_TOOL_CALL) {
			cJSON *c = cJSON_CreateObject(), *f;
			if (!calls)
				calls = cJSON_CreateArray();
			cJSON_AddStringToObject(c, "id", b->id ? b->id : "");
			cJSON_AddStringToObject(c, "type", "function");
			f = cJSON_AddObjectToObject(c, "function");
			cJSON_AddStringToObject(f, "name", b->name ? b->name : "");
			cJSON_AddStringToObject(f, "arguments", b->args ? b->args : "{}");
			cJSON_AddItemToArray(calls, c);
		}
	}
	if (text.len || !calls)
		cJSON_AddStringToObject(a, "content", buf_str(&text));
	else
		cJSON_AddNullToObject(a, "content");
	if (calls)
		cJSON_AddItemToObject(a, "tool_calls", calls);
	cJSON_AddItemToArray(msgs, a);
	buf_free(&text);
}

cJSON *
oai_build_request(const char *model, const struct provider_request *req,
		  bool max_completion_tokens)
{
	cJSON *root = cJSON_CreateObject(), *msgs, *so;
	size_t i;

	cJSON_AddStringToObject(root, "model", model);
	cJSON_AddTrueToObject(root, "stream");
	so = cJSON_AddObjectToObject(root, "stream_options");
	cJSON_AddTrueToObject(so, "include_usage");
	if (req->max_tokens > 0)
		cJSON_AddNumberToObject(root, max_completion_tokens ? "max_completion_tokens"
				       : "max_tokens", req->max_tokens);
	msgs = cJSON_AddArrayToObject(root, "messages");
	if (req->system && *req->system) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "role", "system");
		cJSON_AddStringToObject(s, "content", req->system);
		cJSON_AddItemToArray(msgs, s);
	}
	for (i = 0; req->conv && i < req->conv->n; i++) {
		if (req->conv->msgs[i].role == CONV_USER)
			add_user(msgs, &req->conv->msgs[i]);
		else
			add_assistant(msgs, &req->conv->msgs[i]);
	}
	if (req->ntools) {
		cJSON *tools = cJSON_AddArrayToObject(root, "tools");
		for (i = 0; i < req->ntools; i++) {
			const struct conv_tool_spec *ts = &req->tools[i];
			cJSON *t = cJSON_CreateObject(), *f;
			cJSON_AddStringToObject(t, "type", "function");
			f = cJSON_AddObjectToObject(t, "function");
			cJSON_AddStringToObject(f, "name", ts->name);
			if (ts->description)
				cJSON_AddStringToObject(f, "description", ts->description);
			cJSON_AddItemToObject(f, "parameters", conv_tool_schema(ts));
			cJSON_AddItemToArray(tools, t);
		}
		if (req->tool_required)
			cJSON_AddStringToObject(root, "tool_choice", "required");
	}
	return root;
}

/* ---- stream decoder ---- */

struct ocall {
	char *id, *name;
	struct buf args;
};

struct oai_dec {
	struct conv_msg *out;
	const struct provider_events *ev;
	struct buf text, thinking;
	struct ocall *calls;
	size_t ncalls;
	bool finished;   /* a finish_reason arrived */
	bool done;       /* [DONE], or usage after the finish */
	bool materialized;
};

static void *
oai_create(struct conv_msg *out, const struct provider_events *ev)
{
	struct oai_dec *d = xcalloc(1, sizeof *d);
	d->out = out;
	d->ev = ev;
	buf_init(&d->text, 64u << 20);
	buf_init(&d->thinking, 64u << 20);
	return d;
}

static void
oai_destroy(void *vd)
{
	struct oai_dec *d = vd;
	size_t i;
	for (i = 0; i < d->ncalls; i++) {
		xfree_all(d->calls[i].id, d->calls[i].name);
		buf_free(&d->calls[i].args);
	}
	free(d->calls);
	buf_free(&d->text);
	buf_free(&d->thinking);
	free(d);
}

static enum remote_state
oai_state(const void *vd)
{
	const struct oai_dec *d = vd;
	return d->done ? REMOTE_DONE : (d->finished ? REMOTE_FINISHED : REMOTE_MORE);
}

static long
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return jx_count(v); /* clamped: a server may send 1e300 */
}

static void
read_usage(struct oai_dec *d, const cJSON *u)
{
	struct conv_usage *us = &d->out->usage;
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
	long prompt = num(u, "prompt_tokens"), cached;

	cached = num(det, "cached_tokens");
	if (!cached)
		cached = num(u, "prompt_cache_hit_tokens"); /* DeepSeek */
	if (cached > prompt)
		cached = prompt;
	us->input = prompt - cached;
	us->cache_read = cached;
	us->cache_write = num(det, "cache_write_tokens");
	us->output = num(u, "completion_tokens");
	us->known = true;
}

static struct ocall *
call_slot(struct oai_dec *d, const cJSON *tc, size_t pos)
{
	const cJSON *ix = cJSON_GetObjectItemCaseSensitive(tc, "index");
	const char *id = jx_str(tc, "id");
	size_t i;

	if (cJSON_IsNumber(ix)) {
		if (ix->valuedouble < 0 || ix->valuedouble >= OAI_MAX_CALLS)
			return NULL;
		i = (size_t)ix->valuedouble;
	} else if (id && *id) {
		/* no index (some servers): a new id is a new call */
		for (i = 0; i < d->ncalls; i++)
			if (d->calls[i].id && strcmp(d->calls[i].id, id) == 0)
				break;
	} else {
		i = d->ncalls ? d->ncalls - 1 : pos;
	}
	if (i >= OAI_MAX_CALLS)
		return NULL;
	if (i >= d->ncalls) {
		d->calls = xreallocarray(d->calls, i + 1, sizeof *d->calls);
		memset(d->calls + d->ncalls, 0, (i + 1 - d->ncalls) * sizeof *d->calls);
		for (; d->ncalls <= i; d->ncalls++)
			buf_init(&d->calls[d->ncalls].args, 16u << 20);
	}
	return &d->calls[i];
}

static void
tool_deltas(struct oai_dec *d, const cJSON *tcs)
{
	const cJSON *tc;
	size_t pos = 0;

	cJSON_ArrayForEach(tc, tcs) {
		struct ocall *c = call_slot(d, tc, pos++);
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(tc, "function");
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(f, "arguments");
		const char *s;
		if (!c)
			continue;
		if ((s = jx_str(tc, "id")) && *s && !c->id)
			c->id = xstrdup(s);
		if ((s = jx_str(f, "name")) && *s) {
			if (!c->name)
				c->name = xstrdup(s);
		}
		if (cJSON_IsString(args)) {
			buf_adds(&c->args, args->valuestring);
		} else if (cJSON_IsObject(args)) {
			/* some servers send the object itself */
			char *t = jx_print(args);
			buf_adds(&c->args, t);
			free(t);
		}
	}
}

static void
emit(struct oai_dec *d, struct buf *b, const char *s, bool thinking)
{
	size_t n = strlen(s);
	if (!n)
		return;
	buf_add(b, s, n);
	if (thinking && d->ev && d->ev->thinking)
		d->ev->thinking(d->ev->ud, s, n);
	else if (!thinking && d->ev && d->ev->text)
		d->ev->text(d->ev->ud, s, n);
}

static enum conv_stop
map_finish(const char *f)
{
	if (strcmp(f, "length") == 0)
		return STOP_LENGTH;
	if (strcmp(f, "tool_calls") == 0 || strcmp(f, "function_call") == 0)
		return STOP_TOOL_USE;
	return STOP_END; /* stop, content_filter, eos ... */
}

static enum cerr
stream_error(const cJSON *eo, struct provider_error *err)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(eo, "code");
	const char *msg = jx_str(eo, "message");
	char cs[32];
	const char *type = jx_str(eo, "type");
	enum cerr k;

	if (cJSON_IsNumber(code))
		snprintf(cs, sizeof cs, "%d", code->valueint);
	else
		snprintf(cs, sizeof cs, "%s", cJSON_IsString(code) ? code->valuestring : "");
	k = remote_classify_error(cs[0] ? cs : type, msg);
	if (remote_is_context_overflow(type))
		k = C_ERR_CONTEXT;
	if (k == C_ERR_PROVIDER && type)
		k = remote_classify_error(type, msg);
	if (k == C_ERR_PROVIDER)
		k = C_ERR_RETRYABLE; /* an unnamed failure inside a 200 stream */
	return provider_fail(err, k, "stream error%s%s: %.300s", cs[0] || type ? " " : "",
			     cs[0] ? cs : (type ? type : ""), msg ? msg : "(no message)");
}

static enum cerr
oai_event(void *vd, const char *etype, const char *data, size_t n,
	  struct provider_error *err)
{
	struct oai_dec *d = vd;
	const cJSON *choices, *ch, *eo, *u;
	cJSON *j;
	enum cerr e = C_OK;

	if (d->done)
		return C_OK;
	if (n == 6 && memcmp(data, "[DONE]", 6) == 0) {
		d->done = true;
		return C_OK;
	}
	j = jx_parse(data, n, NULL, NULL);
	if (!j)
		return provider_fail(err, C_ERR_RETRYABLE, "stream: invalid JSON in a chunk");
	eo = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsObject(eo) || cJSON_IsString(eo) || strcmp(etype, "error") == 0) {
		if (cJSON_IsString(eo)) {
			e = provider_fail(err, C_ERR_RETRYABLE, "stream error: %.300s",
					  eo->valuestring);
		} else {
			e = stream_error(cJSON_IsObject(eo) ? eo : j, err);
		}
		goto out;
	}
	choices = cJSON_GetObjectItemCaseSensitive(j, "choices");
	ch = cJSON_GetArrayItem(choices, 0);
	if (cJSON_IsObject(ch)) {
		const cJSON *delta = cJSON_GetObjectItemCaseSensitive(ch, "delta");
		const char *s, *fin = jx_str(ch, "finish_reason");
		if ((s = jx_str(delta, "reasoning_content")) || (s = jx_str(delta, "reasoning")))
			emit(d, &d->thinking, s, true);
		if ((s = jx_str(delta, "content")))
			emit(d, &d->text, s, false);
		tool_deltas(d, cJSON_GetObjectItemCaseSensitive(delta, "tool_calls"));
		if (!buf_ok(&d->text) || !buf_ok(&d->thinking)) {
			e = provider_fail(err, C_ERR_PROVIDER, "stream: message too large");
			goto out;
		}
		if (fin && strcmp(fin, "error") == 0) {
			e = provider_fail(err, C_ERR_RETRYABLE,
					  "the provider ended the stream with finish_reason \"error\"");
			goto out;
		}
		if (fin) {
			d->out->stop = map_finish(fin);
			d->finished = true;
		}
	}
	u = cJSON_GetObjectItemCaseSensitive(j, "usage");
	if (cJSON_IsObject(u)) {
		read_usage(d, u);
		if (d->finished)
			d->done = true; /* the usage chunk comes last */
	}
out:
	cJSON_Delete(j);
	return e;
}

static enum cerr
oai_end(void *vd, struct provider_error *err)
{
	struct oai_dec *d = vd;
	size_t i;

	if (!d->finished && !d->done)
		return provider_fail(err, C_ERR_RETRYABLE,
				     "stream ended before a finish_reason");
	if (d->materialized)
		return C_OK;
	d->materialized = true;
	if (d->thinking.len)
		conv_msg_add_thinking(d->out, buf_str(&d->thinking), NULL);
	if (d->text.len)
		conv_msg_add_text(d->out, buf_str(&d->text));
	for (i = 0; i < d->ncalls; i++) {
		struct ocall *c = &d->calls[i];
		char *id;
		if (!c->name && !c->args.len)
			continue; /* a hole in the indexes */
		id = c->id ? xstrdup(c->id) : xasprintf("call_%zu", i);
		conv_msg_add_tool_call_json(d->out, id, c->name ? c->name : "",
					    remote_parse_args(buf_str(&c->args)),
					    buf_str(&c->args));
		free(id);
	}
	if (conv_msg_tool_calls(d->out) && d->out->stop == STOP_END)
		d->out->stop = STOP_TOOL_USE; /* some servers say "stop" */
	if (d->out->stop == STOP_NONE)
		d->out->stop = conv_msg_tool_calls(d->out) ? STOP_TOOL_USE : STOP_END;
	return C_OK;
}

/* A whole (non-streamed) chat.completion or error object, as one chunk:
 * choices[0].message becomes choices[0].delta. */
static enum cerr
oai_whole(void *vd, const cJSON *j, struct provider_error *err)
{
	cJSON *chunk = cJSON_Duplicate(j, true);
	cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(chunk, "choices"), 0);
	cJSON *msg = cJSON_DetachItemFromObjectCaseSensitive(ch, "message");
	enum cerr e;
	char *s;

	if (!cJSON_GetObjectItemCaseSensitive(j, "error") && !msg) {
		cJSON_Delete(chunk);
		return provider_fail(err, C_ERR_RETRYABLE,
				     "the answer was neither an event stream nor a completion");
	}
	if (msg) {
		cJSON_DeleteItemFromObjectCaseSensitive(ch, "delta");
		cJSON_AddItemToObject(ch, "delta", msg);
	}
	s = jx_print(chunk);
	e = oai_event(vd, "message", s, strlen(s), err);
	free(s);
	cJSON_Delete(chunk);
	if (!e)
		((struct oai_dec *)vd)->done = true;
	return e;
}

const struct remote_decoder_ops oai_decoder_ops = {
	oai_create, oai_event, oai_state, oai_whole, oai_end, oai_destroy,
};

/* ---- provider ---- */

static cJSON *
oai_build(const char *model, const struct provider_request *req,
	  const struct remote_cfg *cfg)
{
	return oai_build_request(model, req, cfg->openai_max_completion_tokens);
}

static const char *const oai_headers[] = {
	"Content-Type: application/json",
	"Accept: text/event-stream",
	"X-Title: conch",
};

static const struct remote_wire oai_wire = {
	"/chat/completions", oai_headers, 3, "Authorization: Bearer ", oai_build,
	&oai_decoder_ops,
};

struct provider *
provider_openai_new(struct remote_cfg *cfg, const char *model)
{
	return remote_provider_new(cfg, model, &oai_wire);
}
