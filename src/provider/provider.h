/* provider.h: the one provider vtable.  Each wire format (anthropic.c,
 * openai.c, local.c, scripted.c) fills a struct provider; chain.c orders
 * them with retries and fallback.  Providers speak struct conv only. */
#ifndef CONCH_PROVIDER_H
#define CONCH_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "conv/conv.h"
#include "util/err.h"

/* Events a provider streams up while it produces one assistant message.
 * Every callback may be NULL.  Strings are valid only during the call. */
struct provider_events {
	void *ud;
	/* A piece of assistant text (UTF-8; may end mid-word). */
	void (*text)(void *ud, const char *s, size_t n);
	/* A piece of the model's thinking. */
	void (*thinking)(void *ud, const char *s, size_t n);
	/* Text shown so far for this message is void: the stream broke and
	 * the turn is being retried (chain.c), or a fallback takes over. */
	void (*discard)(void *ud, const char *why);
	/* A retry or a fallback is about to happen (for the front end). */
	void (*notice)(void *ud, const char *msg);
	/* Polled between chunks; true stops the call with C_ERR_CANCELLED. */
	bool (*cancelled)(void *ud);
	/* A descriptor that becomes readable when the user cancels (a
	 * self-pipe), for poll loops; -1 when none. */
	int cancel_fd;
};

struct provider_request {
	const char *system;                 /* system prompt */
	const struct conv *conv;            /* the messages so far */
	const struct conv_tool_spec *tools; /* offered tools */
	size_t ntools;
	int max_tokens;                     /* 0: provider default */
	bool tool_required;                 /* the model must call a tool */
	const char *cwd;                    /* where the tools resolve relative
					     * paths (NULL: unknown) */
};

/* A failure, classified: kind is one of C_ERR_RETRYABLE, C_ERR_AUTH,
 * C_ERR_BADREQ, C_ERR_CONTEXT, C_ERR_CANCELLED, C_ERR_TIMEOUT,
 * C_ERR_PROVIDER.  msg never contains a key. */
struct provider_error {
	enum cerr kind;
	int http_status;      /* 0 when not HTTP */
	long retry_after_ms;  /* -1 when the server gave no hint */
	char msg[512];
};

struct provider {
	const char *name; /* wire format: "anthropic", "openai", "local", "scripted" */
	char *model;      /* model id; owned */
	char *label;      /* "name/model" for display; owned */
	void *priv;
	/* Produce one assistant message for `req`, streaming through `ev`.
	 * `out` is initialised by the call and filled on success (blocks,
	 * usage, stop).  On failure returns err->kind and fills `err`; `out`
	 * may hold a partial message the caller frees. */
	enum cerr (*chat)(struct provider *p, const struct provider_request *req,
			  const struct provider_events *ev, struct conv_msg *out,
			  struct provider_error *err);
	void (*destroy)(struct provider *p);
};

/* Fill err with kind and a formatted message; returns kind. */
enum cerr provider_fail(struct provider_error *err, enum cerr kind,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Open the provider named by `spec` ("provider/model", e.g.
 * "anthropic/claude-sonnet-4-5", "openai/gpt-4o", "local/PATH.gguf").
 * `cfg` is the user config's "providers" object (may be NULL).  Returns
 * NULL and fills err (C_ERR_INVAL for an unknown provider, C_ERR_AUTH for
 * a missing key) on failure. */
struct provider *provider_open(const char *spec, const cJSON *cfg,
			       struct provider_error *err);
void provider_close(struct provider *p);

/* Set p->model and p->label from name and model. */
void provider_set_model(struct provider *p, const char *model);

/* The scripted provider (tests only): replays the turns of the JSON file
 * at `path`.  See scripted.c for the format. */
struct provider *provider_scripted_open(const char *path,
					struct provider_error *err);

#endif
