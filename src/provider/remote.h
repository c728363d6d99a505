/* remote.h: what the two HTTP wire formats (anthropic.c, openai.c) share:
 * endpoint settings, the streamed call (http + sse + a wire decoder),
 * failure classification and key redaction.  Internal to src/provider;
 * also used by the tests and fuzz targets to drive the decoders. */
#ifndef CONCH_REMOTE_H
#define CONCH_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "provider/provider.h"

/* Where a remote provider talks to and how.  Strings owned. */
struct remote_cfg {
	char *name;          /* "anthropic", "openrouter", ...: label prefix */
	char *base_url;      /* without a trailing slash */
	char *key;           /* secret; NULL when none is needed */
	long connect_timeout_ms;
	long idle_timeout_ms;
	bool openai_max_completion_tokens; /* send max_completion_tokens */
	struct http_conn *conn; /* kept across turns (http.h); owned; NULL
				 * until remote_provider_new makes one */
};

void remote_cfg_free(struct remote_cfg *c); /* wipes the key */

/* Decoder state after an event. */
enum remote_state {
	REMOTE_MORE,     /* keep reading */
	REMOTE_FINISHED, /* the message is complete; a trailer may follow */
	REMOTE_DONE,     /* the stream is over */
};

/* A wire format's stream decoder.  new() binds it to `out` (initialised
 * by the caller) and `ev`; event() takes one SSE event and returns C_OK
 * or a classified failure (err filled); whole() takes a body that was
 * not an event stream but one JSON object (a server that ignored
 * "stream": true, or an error object sent with status 200) and turns it
 * into events; end() is called when the stream ended and fails with
 * C_ERR_RETRYABLE when it ended too early. */
struct remote_decoder_ops {
	void *(*create)(struct conv_msg *out, const struct provider_events *ev);
	enum cerr (*event)(void *d, const char *type, const char *data, size_t n,
			   struct provider_error *err);
	enum remote_state (*state)(const void *d);
	enum cerr (*whole)(void *d, const cJSON *body, struct provider_error *err);
	enum cerr (*end)(void *d, struct provider_error *err);
	void (*destroy)(void *d);
};

extern const struct remote_decoder_ops anth_decoder_ops;
extern const struct remote_decoder_ops oai_decoder_ops;

/* Request bodies (new objects; caller deletes). */
cJSON *anth_build_request(const char *model, const struct provider_request *req);
cJSON *oai_build_request(const char *model, const struct provider_request *req,
			 bool max_completion_tokens);

/* A wire format: where a chat request goes (cfg->base_url + path), its
 * headers, the key's header up to the key, how its body is built and how
 * the answer is decoded. */
struct remote_wire {
	const char *path;
	const char *const *headers;
	size_t nheaders;
	const char *key_prefix;
	cJSON *(*build)(const char *model, const struct provider_request *req,
			const struct remote_cfg *cfg);
	const struct remote_decoder_ops *ops;
};

/* A remote provider: the vtable, its endpoint settings and wire. */
struct remote_provider {
	struct provider base;
	struct remote_cfg cfg;
	const struct remote_wire *wire;
};

/* A remote provider speaking `wire` (ownership of *cfg moves in; it is
 * left zeroed). */
struct provider *remote_provider_new(struct remote_cfg *cfg, const char *model,
				     const struct remote_wire *wire);

/* POST `body` (consumed) as JSON to cfg->base_url + `path`, with
 * `headers` and, when cfg has a key, the header `key_prefix` + key (wiped
 * after use), and decode the streamed answer with `ops` (see
 * remote_stream_call). */
enum cerr remote_post_json(const struct remote_cfg *cfg, const char *path,
			   const char *const *headers, size_t nheaders,
			   const char *key_prefix, cJSON *body,
			   const struct remote_decoder_ops *ops,
			   const struct provider_events *ev, struct conv_msg *out,
			   struct provider_error *err);

/* Open providers over a filled cfg (ownership of *cfg moves in; it is
 * left zeroed). */
struct provider *provider_anthropic_new(struct remote_cfg *cfg, const char *model);
struct provider *provider_openai_new(struct remote_cfg *cfg, const char *model);

/* POST `body` to `url` with `headers` and decode the SSE answer into
 * `out`.  Returns C_OK or the classified failure in err, with `key`
 * removed from every message. */
enum cerr remote_stream_call(const struct remote_cfg *cfg, const char *url,
			     const char *const *headers, size_t nheaders,
			     const char *body, const struct remote_decoder_ops *ops,
			     const struct provider_events *ev, struct conv_msg *out,
			     struct provider_error *err);

/* Feed a whole recorded SSE stream to a decoder (tests, fuzzing). */
enum cerr remote_decode_bytes(const struct remote_decoder_ops *ops, const char *s,
			      size_t n, const struct provider_events *ev,
			      struct conv_msg *out, struct provider_error *err);

/* Classify an HTTP failure from its status and body; fills err. */
enum cerr remote_classify_http(long status, const char *body, size_t n,
			       long retry_after_ms, struct provider_error *err);
/* Classify an error named by a type or code string ("overloaded_error",
 * "insufficient_quota", "context_length_exceeded", a numeric status ...)
 * and its message. */
enum cerr remote_classify_error(const char *type, const char *message);
/* True when a message says the context window overflowed. */
bool remote_is_context_overflow(const char *message);
/* Replace every occurrence of `key` in `s` (NUL-terminated, in place). */
void remote_redact(char *s, const char *key);

/* Parse a JSON object text for tool arguments; "" is {}.  Returns a new
 * object or NULL when it is not an object. */
cJSON *remote_parse_args(const char *text);

#endif
