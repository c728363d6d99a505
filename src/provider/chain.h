/* chain.h: an ordered fallback chain of providers.  chain_chat() asks the
 * first usable entry; retryable failures are retried with backoff, an
 * entry that fails for good cools down and the next entry takes the turn. */
#ifndef CONCH_CHAIN_H
#define CONCH_CHAIN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "provider/provider.h"

struct chain;

/* A new, empty chain.  `explicit_model`: the first entry was named with -m
 * and no fallbacks, so its failure is reported rather than switched. */
struct chain *chain_new(bool explicit_model);
/* Append `p`; the chain takes ownership. */
void chain_add(struct chain *c, struct provider *p);
size_t chain_len(const struct chain *c);
/* The label ("provider/model") of the entry that answered the last
 * successful chat_chat(), or of the first entry before any; NULL if empty. */
const char *chain_label(const struct chain *c);
/* Produce one assistant message (see provider.h).  On success
 * out->answered_by names the entry.  When every entry fails, returns the
 * last failure's kind and err->msg summarises every entry's last error. */
enum cerr chain_chat(struct chain *c, const struct provider_request *req,
		     const struct provider_events *ev, struct conv_msg *out,
		     struct provider_error *err);
void chain_free(struct chain *c);

/* ---- additions (issue 2): retries, cooldowns, test clock, config ---- */

/* Time and waiting, replaceable by tests.  now_ms is monotonic; sleep_ms
 * waits `ms` and returns false when the user cancelled meanwhile (watch
 * ev->cancel_fd / ev->cancelled; ev may be NULL); rand returns any
 * unsigned value (jitter).  A NULL member keeps the default. */
struct chain_clock {
	void *ud;
	long long (*now_ms)(void *ud);
	bool (*sleep_ms)(void *ud, long ms, const struct provider_events *ev);
	unsigned (*rand)(void *ud);
};
void chain_set_clock(struct chain *c, const struct chain_clock *clk);

/* Retry policy: up to `max_retries` retries of a retryable failure per
 * entry per turn (default 4), waiting base_ms * 2^k with +-25% jitter
 * (default base 1000 ms: about 1, 2, 4, 8 s).  A server's retry-after-ms /
 * retry-after wins over the backoff.  Every wait is capped at cap_ms
 * (default and maximum 60000). */
void chain_set_retry(struct chain *c, int max_retries, long base_ms, long cap_ms);

/* Milliseconds entry i still cools down for (0: usable).  An entry that
 * failed for good cools down 30 s, then 1 min, then 5 min on each later
 * failure; an answer resets it. */
long long chain_cooldown_ms(const struct chain *c, size_t i);
/* Label of entry i, NULL past the end. */
const char *chain_entry_label(const struct chain *c, size_t i);

/* Told of each entry chain_from_config() cannot open. */
struct chain_open_report {
	void (*failed)(void *ud, const char *spec, const struct provider_error *e);
	void *ud;
};

/* Build the chain for a session: `model` first, then `fallbacks` in
 * order, each "provider/model", opened with provider_open(spec,
 * providers_cfg).  Pass explicit_model = true when the user named the
 * model with -m; with no fallbacks its failures are then reported rather
 * than switched (give nfb = 0 for "-m X" without --fallback, so config
 * fallbacks are not used).  An entry that cannot be opened for now (say
 * a missing key for a fallback) is kept as a failed entry whose reason
 * shows in the final summary; a malformed spec or an unknown provider
 * (C_ERR_INVAL) fails the whole: NULL with err.  NULL too when no entry
 * opens, with err from the first failure.  `rep` (may be NULL) hears of
 * every entry that failed to open. */
struct chain *chain_from_config(const char *model, const char *const *fallbacks,
				size_t nfb, const cJSON *providers_cfg,
				bool explicit_model,
				const struct chain_open_report *rep,
				struct provider_error *err);

#endif
