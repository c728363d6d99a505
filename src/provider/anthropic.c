/* anthropic.c: the Anthropic Messages API, streamed.
 *
 * POST {base}/v1/messages with x-api-key and anthropic-version
 * 2023-06-01.  The system prompt goes as a text block with cache_control,
 * so the stable prefix (tools + system) is cached; the last user block
 * gets a second breakpoint so a growing conversation is cached too.
 * Thinking blocks come back with their signature and are sent back
 * unchanged; a redacted_thinking block is kept as a thinking block with
 * empty text and the signature "redacted:" + its data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/remote.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#define ANTH_VERSION "2023-06-01"
#define ANTH_REDACTED "redacted:"
#define ANTH_MAX_BLOCKS 4096

/* ---- request ---- */

static void
add_cache(cJSON *block)
{
	cJSON *cc = cJSON_AddObjectToObject(block, "cache_control");
	cJSON_AddStringToObject(cc, "type", "ephemeral");
}

static cJSON *
block_json(const struct conv_block *b)
{
	cJSON *o = cJSON_CreateObject();

	switch (b->type) {
	case BLK_TEXT:
		if (!b->text || !*b->text)
			goto skip;
		cJSON_AddStringToObject(o, "type", "text");
		cJSON_AddStringToObject(o, "text", b->text);
		break;
	case BLK_THINKING:
		if (b->signature && strncmp(b->signature, ANTH_REDACTED,
					    strlen(ANTH_REDACTED)) == 0) {
			cJSON_AddStringToObject(o, "type", "redacted_thinking");
			cJSON_AddStringToObject(o, "data",
						b->signature + strlen(ANTH_REDACTED));
		} else {
			if (!b->signature || !*b->signature)
				goto skip; /* unsigned thinking is not accepted back */
			cJSON_AddStringToObject(o, "type", "thinking");
			cJSON_AddStringToObject(o, "thinking", b->text ? b->text : "");
			cJSON_AddStringToObject(o, "signature", b->signature);
		}
		break;
	case BLK_TOOL_CALL: {
		cJSON *in = conv_call_args(b);
		cJSON_AddStringToObject(o, "type", "tool_use");
		cJSON_AddStringToObject(o, "id", b->id ? b->id : "");
		cJSON_AddStringToObject(o, "name", b->name ? b->name : "");
		cJSON_AddItemToObject(o, "input", in ? in : cJSON_CreateObject());
		break;
	}
	case BLK_TOOL_RESULT:
		cJSON_AddStringToObject(o, "type", "tool_result");
		cJSON_AddStringToObject(o, "tool_use_id", b->id ? b->id : "");
		cJSON_AddStringToObject(o, "content", b->text ? b->text : "");
		if (b->is_error)
			cJSON_AddTrueToObject(o, "is_error");
		break;
	}
	return o;
skip:
	cJSON_Delete(o);
	return NULL;
}

cJSON *
anth_build_request(const char *model, const struct provider_request *req)
{
	cJSON *root = cJSON_CreateObject(), *msgs, *last_block = NULL;
	size_t i, j;

	cJSON_AddStringToObject(root, "model", model);
	cJSON_AddNumberToObject(root, "max_tokens", req->max_tokens > 0 ? req->max_tokens : 8192);
	cJSON_AddTrueToObject(root, "stream");
	if (req->system && *req->system) {
		cJSON *sys = cJSON_AddArrayToObject(root, "system");
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "type", "text");
		cJSON_AddStringToObject(t, "text", req->system);
		add_cache(t);
		cJSON_AddItemToArray(sys, t);
	}
	if (req->ntools) {
		cJSON *tools = cJSON_AddArrayToObject(root, "tools");
		for (i = 0; i < req->ntools; i++) {
			const struct conv_tool_spec *ts = &req->tools[i];
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "name", ts->name);
			if (ts->description)
				cJSON_AddStringToObject(t, "description", ts->description);
			cJSON_AddItemToObject(t, "input_schema", conv_tool_schema(ts));
			if (i + 1 == req->ntools && !(req->system && *req->system))
				add_cache(t);
			cJSON_AddItemToArray(tools, t);
		}
		if (req->tool_required) {
			cJSON *tc = cJSON_AddObjectToObject(root, "tool_choice");
			cJSON_AddStringToObject(tc, "type", "any");
		}
	}
	msgs = cJSON_AddArrayToObject(root, "messages");
	for (i = 0; req->conv && i < req->conv->n; i++) {
		const struct conv_msg *m = &req->conv->msgs[i];
		cJSON *mo = cJSON_CreateObject();
		cJSON *content = cJSON_CreateArray();
		for (j = 0; j < m->nblocks; j++) {
			cJSON *b = block_json(&m->blocks[j]);
			if (b) {
				cJSON_AddItemToArray(content, b);
				if (m->role == CONV_USER)
					last_block = b;
			}
		}
		if (cJSON_GetArraySize(content) == 0) {
			cJSON_Delete(mo);
			cJSON_Delete(content);
			continue;
		}
		cJSON_AddStringToObject(mo, "role", m->role == CONV_USER ? "user" : "assistant");
		cJSON_AddItemToObject(mo, "content", content);
		cJSON_AddItemToArray(msgs, mo);
	}
	if (last_block)
		add_cache(last_block);
	return root;
}

/* ---- stream decoder ---- */

enum ablk { AB_NONE, AB_TEXT, AB_THINKING, AB_REDACTED, AB_TOOL };

struct ablock {
	enum ablk type;
	struct buf text; /* text, thinking, or tool input JSON */
	struct buf sig;  /* signature or redacted data */
	char *id, *name;
	bool stopped;
};

struct anth_dec {
	struct conv_msg *out;
	const struct provider_events *ev;
	struct ablock *b;
	size_t nb;
	bool started, stopped;
};

static void *
anth_create(struct conv_msg *out, const struct provider_events *ev)
{
	struct anth_dec *d = xcalloc(1, sizeof *d);
	d->out = out;
	d->ev = ev;
	return d;
}

static void
anth_destroy(void *vd)
{
	struct anth_dec *d = vd;
	size_t i;
	for (i = 0; i < d->nb; i++) {
		buf_free(&d->b[i].text);
		buf_free(&d->b[i].sig);
		xfree_all(d->b[i].id, d->b[i].name);
	}
	xfree_all(d->b, d);
}

static enum remote_state
anth_state(const void *vd)
{
	const struct anth_dec *d = vd;
	return d->stopped ? REMOTE_DONE : REMOTE_MORE;
}

static void
read_usage(const cJSON *u, struct conv_usage *us)
{
	const cJSON *v;
	if (!cJSON_IsObject(u))
		return;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(u, "input_tokens")))
		us->input = jx_count(v);
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(u, "output_tokens")))
		us->output = jx_count(v);
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(u, "cache_creation_input_tokens")))
		us->cache_write = jx_count(v);
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(u, "cache_read_input_tokens")))
		us->cache_read = jx_count(v);
}

static struct ablock *
get_block(struct anth_dec *d, const cJSON *j, bool create)
{
	const cJSON *ix = cJSON_GetObjectItemCaseSensitive(j, "index");
	size_t i;
	if (!cJSON_IsNumber(ix) || ix->valuedouble < 0 || ix->valuedouble >= ANTH_MAX_BLOCKS)
		return NULL;
	i = (size_t)ix->valuedouble;
	if (i >= d->nb) {
		if (!create)
			return NULL;
		d->b = xreallocarray(d->b, i + 1, sizeof *d->b);
		memset(d->b + d->nb, 0, (i + 1 - d->nb) * sizeof *d->b);
		for (; d->nb <= i; d->nb++) {
			buf_init(&d->b[d->nb].text, 64u << 20);
			buf_init(&d->b[d->nb].sig, 1u << 20);
		}
	}
	return &d->b[i];
}

static enum cerr
block_start(struct anth_dec *d, const cJSON *j, struct provider_error *err)
{
	const cJSON *cb = cJSON_GetObjectItemCaseSensitive(j, "content_block");
	struct ablock *b = get_block(d, j, true);
	const char *type = jx_str(cb, "type");

	if (!b || !type)
		return provider_fail(err, C_ERR_RETRYABLE, "stream: bad content_block_start");
	buf_reset(&b->text);
	buf_reset(&b->sig);
	if (strcmp(type, "text") == 0) {
		b->type = AB_TEXT;
		if (jx_str(cb, "text"))
			buf_adds(&b->text, jx_str(cb, "text"));
	} else if (strcmp(type, "thinking") == 0) {
		b->type = AB_THINKING;
		if (jx_str(cb, "thinking"))
			buf_adds(&b->text, jx_str(cb, "thinking"));
		if (jx_str(cb, "signature"))
			buf_adds(&b->sig, jx_str(cb, "signature"));
	} else if (strcmp(type, "redacted_thinking") == 0) {
		b->type = AB_REDACTED;
		buf_adds(&b->sig, ANTH_REDACTED);
		buf_adds(&b->sig, jx_str(cb, "data") ? jx_str(cb, "data") : "");
	} else if (strcmp(type, "tool_use") == 0) {
		const cJSON *in = cJSON_GetObjectItemCaseSensitive(cb, "input");
		b->type = AB_TOOL;
		xfree_all(b->id, b->name);
		b->id = xstrdup(jx_str(cb, "id") ? jx_str(cb, "id") : "");
		b->name = xstrdup(jx_str(cb, "name") ? jx_str(cb, "name") : "");
		/* a non-empty input here is the whole input (no deltas follow) */
		if (cJSON_IsObject(in) && in->child) {
			char *s = jx_print(in);
			buf_adds(&b->sig, s); /* held aside until deltas are known */
			free(s);
		}
	} else {
		b->type = AB_NONE; /* server_tool_use and others: not ours */
	}
	if (b->type == AB_TEXT && b->text.len && d->ev && d->ev->text)
		d->ev->text(d->ev->ud, b->text.p, b->text.len);
	return C_OK;
}

static enum cerr
block_delta(struct anth_dec *d, const cJSON *j, struct provider_error *err)
{
	const cJSON *delta = cJSON_GetObjectItemCaseSensitive(j, "delta");
	struct ablock *b = get_block(d, j, false);
	const char *type = jx_str(delta, "type"), *s;

	if (!b || !type)
		return provider_fail(err, C_ERR_RETRYABLE, "stream: bad content_block_delta");
	if (strcmp(type, "text_delta") == 0 && (s = jx_str(delta, "text"))) {
		buf_adds(&b->text, s);
		if (d->ev && d->ev->text)
			d->ev->text(d->ev->ud, s, strlen(s));
	} else if (strcmp(type, "thinking_delta") == 0 && (s = jx_str(delta, "thinking"))) {
		buf_adds(&b->text, s);
		if (d->ev && d->ev->thinking)
			d->ev->thinking(d->ev->ud, s, strlen(s));
	} else if (strcmp(type, "signature_delta") == 0 && (s = jx_str(delta, "signature"))) {
		buf_adds(&b->sig, s);
	} else if (strcmp(type, "input_json_delta") == 0 && (s = jx_str(delta, "partial_json"))) {
		buf_adds(&b->text, s);
	}
	if (!buf_ok(&b->text) || !buf_ok(&b->sig))
		return provider_fail(err, C_ERR_PROVIDER, "stream: content block too large");
	return C_OK;
}

/* Move the finished blocks into out, in index order. */
static void
materialize(struct anth_dec *d)
{
	size_t i;
	for (i = 0; i < d->nb; i++) {
		struct ablock *b = &d->b[i];
		switch (b->type) {
		case AB_TEXT:
			if (b->text.len)
				conv_msg_add_text(d->out, buf_str(&b->text));
			break;
		case AB_THINKING:
		case AB_REDACTED:
			conv_msg_add_thinking(d->out, buf_str(&b->text), buf_str(&b->sig));
			break;
		case AB_TOOL: {
			/* partial_json is joined and parsed once, here */
			const char *raw = b->text.len ? buf_str(&b->text)
				: (b->sig.len ? buf_str(&b->sig) : "{}");
			conv_msg_add_tool_call_json(d->out, b->id, b->name,
						    remote_parse_args(raw), raw);
			break;
		}
		case AB_NONE:
			break;
		}
	}
}

static enum conv_stop
map_stop(const char *s)
{
	if (!s)
		return STOP_NONE;
	if (strcmp(s, "tool_use") == 0)
		return STOP_TOOL_USE;
	if (strcmp(s, "max_tokens") == 0 || strcmp(s, "model_context_window_exceeded") == 0)
		return STOP_LENGTH;
	return STOP_END; /* end_turn, stop_sequence, pause_turn, refusal */
}

static enum cerr
anth_event(void *vd, const char *etype, const char *data, size_t n,
	   struct provider_error *err)
{
	struct anth_dec *d = vd;
	cJSON *j;
	const char *type;
	enum cerr e = C_OK;

	(void)etype; /* the JSON "type" field is authoritative */
	if (d->stopped)
		return C_OK;
	j = jx_parse(data, n, NULL, NULL);
	if (!j) {
		if (strcmp(etype, "ping") == 0)
			return C_OK;
		return provider_fail(err, C_ERR_RETRYABLE,
				     "stream: invalid JSON in a \"%.40s\" event", etype);
	}
	type = jx_str(j, "type");
	if (!type)
		type = etype;
	if (strcmp(type, "message_start") == 0) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
		d->started = true;
		read_usage(cJSON_GetObjectItemCaseSensitive(m, "usage"), &d->out->usage);
	} else if (strcmp(type, "content_block_start") == 0) {
		e = block_start(d, j, err);
	} else if (strcmp(type, "content_block_delta") == 0) {
		e = block_delta(d, j, err);
	} else if (strcmp(type, "content_block_stop") == 0) {
		struct ablock *b = get_block(d, j, false);
		if (b)
			b->stopped = true;
	} else if (strcmp(type, "message_delta") == 0) {
		const cJSON *delta = cJSON_GetObjectItemCaseSensitive(j, "delta");
		const char *sr = jx_str(delta, "stop_reason");
		if (sr)
			d->out->stop = map_stop(sr);
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "usage"))) {
			read_usage(cJSON_GetObjectItemCaseSensitive(j, "usage"), &d->out->usage);
			d->out->usage.known = true;
		}
	} else if (strcmp(type, "message_stop") == 0) {
		d->stopped = true;
	} else if (strcmp(type, "error") == 0) {
		const cJSON *eo = cJSON_GetObjectItemCaseSensitive(j, "error");
		const char *et = jx_str(eo, "type"), *em = jx_str(eo, "message");
		enum cerr k = remote_classify_error(et, em);
		e = provider_fail(err, k, "stream error %s: %.300s", et ? et : "(untyped)",
				  em ? em : "(no message)");
	}
	/* ping and unknown event types are ignored */
	cJSON_Delete(j);
	return e;
}

static enum cerr
anth_end(void *vd, struct provider_error *err)
{
	struct anth_dec *d = vd;
	if (!d->stopped)
		return provider_fail(err, C_ERR_RETRYABLE, "stream ended before message_stop");
	materialize(d);
	if (d->out->stop == STOP_NONE)
		d->out->stop = conv_msg_tool_calls(d->out) ? STOP_TOOL_USE : STOP_END;
	return C_OK;
}

static enum cerr
feed(struct anth_dec *d, cJSON *ev, struct provider_error *err)
{
	char *s = jx_print(ev);
	enum cerr e = anth_event(d, jx_str(ev, "type"), s, strlen(s), err);
	free(s);
	cJSON_Delete(ev);
	return e;
}

/* A whole (non-streamed) Messages response or error, as events. */
static enum cerr
anth_whole(void *vd, const cJSON *j, struct provider_error *err)
{
	struct anth_dec *d = vd;
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(j, "content"), *b;
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	const char *type = jx_str(j, "type");
	cJSON *ev, *o;
	enum cerr e;
	int i = 0;

	if (cJSON_GetObjectItemCaseSensitive(j, "error") && (!type || strcmp(type, "message") != 0)) {
		ev = cJSON_Duplicate(j, true);
		cJSON_DeleteItemFromObjectCaseSensitive(ev, "type");
		cJSON_AddStringToObject(ev, "type", "error");
		return feed(d, ev, err);
	}
	if (!type || strcmp(type, "message") != 0 || !cJSON_IsArray(content))
		return provider_fail(err, C_ERR_RETRYABLE,
				     "the answer was neither an event stream nor a message");
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "type", "message_start");
	o = cJSON_AddObjectToObject(ev, "message");
	if (usage)
		cJSON_AddItemToObject(o, "usage", cJSON_Duplicate(usage, true));
	if ((e = feed(d, ev, err)))
		return e;
	cJSON_ArrayForEach(b, content) {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "type", "content_block_start");
		cJSON_AddNumberToObject(ev, "index", i);
		cJSON_AddItemToObject(ev, "content_block", cJSON_Duplicate(b, true));
		if ((e = feed(d, ev, err)))
			return e;
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "type", "content_block_stop");
		cJSON_AddNumberToObject(ev, "index", i++);
		if ((e = feed(d, ev, err)))
			return e;
	}
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "type", "message_delta");
	o = cJSON_AddObjectToObject(ev, "delta");
	if (jx_str(j, "stop_reason"))
		cJSON_AddStringToObject(o, "stop_reason", jx_str(j, "stop_reason"));
	if (usage)
		cJSON_AddItemToObject(ev, "usage", cJSON_Duplicate(usage, true));
	if ((e = feed(d, ev, err)))
		return e;
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "type", "message_stop");
	return feed(d, ev, err);
}

const struct remote_decoder_ops anth_decoder_ops = {
	anth_create, anth_event, anth_state, anth_whole, anth_end, anth_destroy,
};

/* ---- provider ---- */

static cJSON *
anth_build(const char *model, const struct provider_request *req,
	   const struct remote_cfg *cfg)
{
	(void)cfg;
	return anth_build_request(model, req);
}

static const char *const anth_headers[] = {
	"content-type: application/json",
	"accept: text/event-stream",
	"anthropic-version: " ANTH_VERSION,
};

static const struct remote_wire anth_wire = {
	"/v1/messages", anth_headers, 3, "x-api-key: ", anth_build, &anth_decoder_ops,
};

struct provider *
provider_anthropic_new(struct remote_cfg *cfg, const char *model)
{
	return remote_provider_new(cfg, model, &anth_wire);
}
