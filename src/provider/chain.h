/* chain.h: an ordered fallback chain of providers.  chain_chat() asks the
 * first usable entry; retryable failures are retried with backoff, an
 * entry that fails for good cools down and the next entry takes the turn. */
#ifndef CONCH_CHAIN_H
#define CONCH_CHAIN_H

#include <stdbool.h>

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

#endif
