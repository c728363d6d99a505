/* remote.c: the streamed call shared by anthropic.c and openai.c; failure
 * classification; key redaction.  See remote.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "net/sse.h"
#include "provider/remote.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

void
remote_cfg_free(struct remote_cfg *c)
{
	if (c->key) {
		explicit_bzero(c->key, strlen(c->key));
		free(c->key);
	}
	xfree_all(c->name, c->base_url);
	http_conn_free(c->conn);
	memset(c, 0, sizeof *c);
}

void
remote_redact(char *s, const char *key)
{
	static const char mask[] = "[redacted]";
	size_t kl, ml = sizeof mask - 1;
	char *hit;

	if (!s || !key || (kl = strlen(key)) < 4)
		return;
	while ((hit = strstr(s, key))) {
		size_t tail = strlen(hit + kl);
		if (kl >= ml) {
			memcpy(hit, mask, ml);
			memmove(hit + ml, hit + kl, tail + 1);
		} else {
			/* a short key: overwrite it with asterisks */
			memset(hit, '*', kl);
		}
	}
}

static bool
contains_ci(const char *s, const char *needle)
{
	size_t nl = strlen(needle);
	if (!s)
		return false;
	for (; *s; s++)
		if (strncasecmp(s, needle, nl) == 0)
			return true;
	return false;
}

bool
remote_is_context_overflow(const char *m)
{
	return contains_ci(m, "prompt is too long") ||
	       contains_ci(m, "context_length_exceeded") ||
	       contains_ci(m, "maximum context length") ||
	       contains_ci(m, "context length") ||
	       contains_ci(m, "context window") ||
	       contains_ci(m, "context size") ||
	       contains_ci(m, "exceed_context_size") ||
	       contains_ci(m, "too many tokens") ||
	       contains_ci(m, "input is too long");
}

enum cerr
remote_classify_error(const char *type, const char *message)
{
	long code;

	if (remote_is_context_overflow(type) || remote_is_context_overflow(message))
		return C_ERR_CONTEXT;
	if (!type)
		return C_ERR_PROVIDER;
	if (str_to_long(type, &code)) {
		if (code == 408 || code == 429 || code >= 500)
			return C_ERR_RETRYABLE;
		if (code == 401 || code == 402 || code == 403)
			return C_ERR_AUTH;
		return C_ERR_BADREQ;
	}
	if (contains_ci(type, "insufficient_quota") || contains_ci(type, "billing") ||
	    contains_ci(type, "authentication") || contains_ci(type, "permission") ||
	    contains_ci(type, "invalid_api_key") || contains_ci(type, "unauthorized"))
		return C_ERR_AUTH;
	if (contains_ci(type, "overloaded") || contains_ci(type, "rate_limit") ||
	    contains_ci(type, "api_error") || contains_ci(type, "server_error") ||
	    contains_ci(type, "timeout") || contains_ci(type, "unavailable"))
		return C_ERR_RETRYABLE;
	if (contains_ci(type, "invalid_request") || contains_ci(type, "not_found") ||
	    contains_ci(type, "too_large"))
		return C_ERR_BADREQ;
	return C_ERR_PROVIDER;
}

/* Printable, one-line copy of at most 200 bytes of s. */
static void
clean_copy(char *dst, size_t dn, const char *s, size_t n)
{
	size_t i, o = 0;
	for (i = 0; i < n && o + 1 < dn && o < 200; i++)
		dst[o++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' '
			 : ((unsigned char)s[i] < 0x20 ? '?' : s[i]);
	dst[o] = '\0';
}

enum cerr
remote_classify_http(long status, const char *body, size_t n, long retry_after_ms,
		     struct provider_error *err)
{
	cJSON *j = body && n ? jx_parse(body, n, NULL, NULL) : NULL;
	const cJSON *eo = cJSON_GetObjectItemCaseSensitive(j, "error");
	const char *type = NULL, *msg = NULL;
	char code[32] = "", raw[256] = "";
	enum cerr kind;

	if (cJSON_IsObject(eo)) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(eo, "code");
		type = jx_str(eo, "type");
		msg = jx_str(eo, "message");
		if (cJSON_IsString(c))
			snprintf(code, sizeof code, "%s", c->valuestring);
		else if (cJSON_IsNumber(c))
			snprintf(code, sizeof code, "%d", c->valueint);
	} else if (cJSON_IsString(eo)) {
		msg = eo->valuestring;
	} else if (j) {
		msg = jx_str(j, "message");
	}
	if (!msg && body)
		clean_copy(raw, sizeof raw, body, n);

	if (status == 408 || status == 429 || status >= 500)
		kind = C_ERR_RETRYABLE;
	else if (status == 401 || status == 402 || status == 403)
		kind = C_ERR_AUTH;
	else
		kind = C_ERR_BADREQ;
	/* billing / quota exhaustion arrives as 429 too: it will not pass */
	if (status == 429 &&
	    (contains_ci(type, "insufficient_quota") || contains_ci(code, "insufficient_quota") ||
	     contains_ci(type, "billing") || contains_ci(msg, "insufficient_quota") ||
	     contains_ci(msg, "credit balance") || contains_ci(msg, "billing")))
		kind = C_ERR_AUTH;
	if ((status == 400 || status == 413 || status == 422) &&
	    (remote_is_context_overflow(msg) || remote_is_context_overflow(code) ||
	     remote_is_context_overflow(raw)))
		kind = C_ERR_CONTEXT;
	err->http_status = (int)status;
	err->retry_after_ms = retry_after_ms;
	provider_fail(err, kind, "HTTP %ld%s%s%s%s: %.300s", status,
		      type ? " " : "", type ? type : "",
		      code[0] ? " " : "", code,
		      msg ? msg : (raw[0] ? raw : "(no message)"));
	cJSON_Delete(j);
	return kind;
}

cJSON *
remote_parse_args(const char *text)
{
	cJSON *o;
	const char *p = text ? text : "";
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return cJSON_CreateObject();
	o = cJSON_Parse(p);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- the streamed call ---- */

#define REMOTE_WHOLE_MAX (4u << 20)

struct call {
	const struct remote_decoder_ops *ops;
	void *dec;
	struct sse_parser sse;
	struct buf raw; /* the body while no event has arrived, for whole() */
	struct provider_error *err;
	enum cerr fail;
};

static enum cerr
on_sse(void *ud, const struct sse_event *ev)
{
	struct call *c = ud;
	enum cerr e = c->ops->event(c->dec, ev->type, ev->data, ev->data_len, c->err);
	if (e)
		c->fail = e;
	return e;
}

static enum http_sink_ret
on_bytes(void *ud, const char *p, size_t n)
{
	struct call *c = ud;
	enum cerr e;
	if (c->sse.nevents == 0)
		buf_add(&c->raw, p, n);
	e = sse_feed(&c->sse, p, n);
	if (e) {
		if (!c->fail) {
			c->fail = C_ERR_PROVIDER;
			provider_fail(c->err, C_ERR_PROVIDER, "stream: %s", cerr_str(e));
		}
		return HTTP_ABORT;
	}
	switch (c->ops->state(c->dec)) {
	case REMOTE_DONE:
		return HTTP_DONE;
	case REMOTE_FINISHED:
		return HTTP_WINDDOWN;
	default:
		return HTTP_CONTINUE;
	}
}

/* No event arrived: if the body was one JSON object, decode it whole.
 * Returns C_OK when there was nothing to do or it decoded. */
static enum cerr
try_whole(struct call *c)
{
	cJSON *j;
	enum cerr e;
	if (c->sse.nevents || !c->raw.len || !buf_ok(&c->raw))
		return C_OK;
	j = jx_parse(c->raw.p, c->raw.len, NULL, NULL);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return C_OK;
	}
	e = c->ops->whole(c->dec, j, c->err);
	cJSON_Delete(j);
	return e;
}

/* A call decoding into `out` with `ops`; call_close frees it. */
static void
call_open(struct call *c, const struct remote_decoder_ops *ops,
	  const struct provider_events *ev, struct conv_msg *out,
	  struct provider_error *err)
{
	memset(c, 0, sizeof *c);
	c->ops = ops;
	c->err = err;
	c->dec = ops->create(out, ev);
	sse_init(&c->sse, 0, on_sse, c);
	buf_init(&c->raw, REMOTE_WHOLE_MAX);
}

static void
call_close(struct call *c)
{
	buf_free(&c->raw);
	sse_free(&c->sse);
	c->ops->destroy(c->dec);
}

enum cerr
remote_decode_bytes(const struct remote_decoder_ops *ops, const char *s, size_t n,
		    const struct provider_events *ev, struct conv_msg *out,
		    struct provider_error *err)
{
	struct call c;
	enum cerr e;

	call_open(&c, ops, ev, out, err);
	e = sse_feed(&c.sse, s, n);
	if (!e)
		e = sse_finish(&c.sse);
	if (e && !c.fail)
		e = provider_fail(err, C_ERR_PROVIDER, "stream: %s", cerr_str(e));
	if (!e && !c.sse.nevents) {
		buf_add(&c.raw, s, n);
		e = try_whole(&c);
	}
	if (!e)
		e = ops->end(c.dec, err);
	call_close(&c);
	return e;
}

enum cerr
remote_stream_call(const struct remote_cfg *cfg, const char *url,
		   const char *const *headers, size_t nheaders, const char *body,
		   const struct remote_decoder_ops *ops,
		   const struct provider_events *ev, struct conv_msg *out,
		   struct provider_error *err)
{
	struct http_request rq;
	struct http_response rs;
	struct call c;
	enum cerr e;

	call_open(&c, ops, ev, out, err);
	memset(&rq, 0, sizeof rq);
	rq.url = url;
	rq.headers = headers;
	rq.nheaders = nheaders;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.connect_timeout_ms = cfg->connect_timeout_ms;
	rq.idle_timeout_ms = cfg->idle_timeout_ms;
	rq.sink = on_bytes;
	rq.sink_ud = &c;
	rq.cancel_fd = ev ? ev->cancel_fd : -1;
	rq.cancelled = ev ? ev->cancelled : NULL;
	rq.cancel_ud = ev ? ev->ud : NULL;
	rq.conn = cfg->conn; /* keep-alive across turns */

	e = http_post(&rq, &rs);
	if (e == C_ERR_CANCELLED) {
		e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
		goto out;
	}
	if (rs.status && (rs.status < 200 || rs.status > 299)) {
		e = remote_classify_http(rs.status, rs.body.p, rs.body.len,
					 rs.retry_after_ms, err);
		goto out;
	}
	if (c.fail) {
		e = c.fail; /* err filled by the decoder */
		goto out;
	}
	if (e && ops->state(c.dec) == REMOTE_MORE) {
		err->http_status = (int)rs.status;
		e = provider_fail(err, e == C_ERR_TIMEOUT ? C_ERR_TIMEOUT :
				  (e == C_ERR_RETRYABLE ? C_ERR_RETRYABLE : C_ERR_PROVIDER),
				  "%s%s", rs.received ? "stream broke: " : "", rs.error);
		goto out;
	}
	/* the transfer ended (or the message was already complete) */
	e = ops->state(c.dec) == REMOTE_MORE ? sse_finish(&c.sse) : C_OK;
	if (c.fail) {
		e = c.fail;
		goto out;
	}
	if (e) {
		e = provider_fail(err, C_ERR_PROVIDER, "stream: %s", cerr_str(e));
		goto out;
	}
	if ((e = try_whole(&c)))
		goto out;
	e = ops->end(c.dec, err);
out:
	if (e)
		remote_redact(err->msg, cfg->key);
	http_response_free(&rs);
	call_close(&c);
	return e;
}

static void
remote_provider_free(struct provider *p)
{
	struct remote_provider *r = (struct remote_provider *)p;
	remote_cfg_free(&r->cfg);
	free(r);
}

static enum cerr
remote_chat(struct provider *p, const struct provider_request *req,
	    const struct provider_events *ev, struct conv_msg *out,
	    struct provider_error *err)
{
	struct remote_provider *r = (struct remote_provider *)p;
	const struct remote_wire *w = r->wire;
	conv_msg_init(out, CONV_ASSISTANT);
	return remote_post_json(&r->cfg, w->path, w->headers, w->nheaders, w->key_prefix,
				w->build(p->model, req, &r->cfg), w->ops, ev, out, err);
}

struct provider *
remote_provider_new(struct remote_cfg *cfg, const char *model,
		    const struct remote_wire *wire)
{
	struct remote_provider *r = xcalloc(1, sizeof *r);
	r->cfg = *cfg;
	r->wire = wire;
	memset(cfg, 0, sizeof *cfg);
	/* CONCH_HTTP_NO_REUSE=1: a new connection per request, for servers
	 * that mishandle keep-alive and for bench/conn-reuse.sh */
	if (!r->cfg.conn && !(getenv("CONCH_HTTP_NO_REUSE") &&
			      !strcmp(getenv("CONCH_HTTP_NO_REUSE"), "1")))
		r->cfg.conn = http_conn_new();
	r->base.name = r->cfg.name;
	r->base.chat = remote_chat;
	r->base.destroy = remote_provider_free;
	r->base.priv = r;
	provider_set_model(&r->base, model);
	return &r->base;
}

enum cerr
remote_post_json(const struct remote_cfg *cfg, const char *path,
		 const char *const *headers, size_t nheaders,
		 const char *key_prefix, cJSON *body,
		 const struct remote_decoder_ops *ops,
		 const struct provider_events *ev, struct conv_msg *out,
		 struct provider_error *err)
{
	char *text = jx_print(body);
	char *url = xasprintf("%s%s", cfg->base_url, path);
	char *keyhdr = cfg->key ? xasprintf("%s%s", key_prefix, cfg->key) : NULL;
	const char *hdrs[8];
	size_t nh = 0, i;
	enum cerr e;

	for (i = 0; i < nheaders && nh < 7; i++)
		hdrs[nh++] = headers[i];
	if (keyhdr)
		hdrs[nh++] = keyhdr;
	e = remote_stream_call(cfg, url, hdrs, nh, text, ops, ev, out, err);
	if (keyhdr) {
		explicit_bzero(keyhdr, strlen(keyhdr));
		free(keyhdr);
	}
	xfree_all(url, text);
	cJSON_Delete(body);
	return e;
}
