/* prices.h: token prices and the cost of a turn.
 *
 * The table ships as $(pkgdatadir)/prices.json; a user file
 * ($XDG_CONFIG_HOME/conch/prices.json) of the same shape overrides or adds
 * entries:
 *   {"models": {"anthropic/claude-sonnet-4-5":
 *       {"input": 3.0, "output": 15.0, "cache_write": 3.75, "cache_read": 0.3},
 *     "ollama/(star)": {"input": 0, "output": 0}, ...}}
 * Prices are USD per million tokens.  A missing cache price falls back to
 * the input price.  The key "NAME/" followed by a star prices every
 * model of provider NAME (written "NAME/(star)" in these comments). */
#ifndef CONCH_PRICES_H
#define CONCH_PRICES_H

#include <stdbool.h>

#include "conv/conv.h"
#include "util/buf.h"

struct prices;

/* Load the shipped table at `system_path` and then `user_path` (either
 * may be NULL or missing).  A file that exists but does not parse is
 * reported in `warn` (may be NULL) and skipped.  Never returns NULL. */
struct prices *prices_load(const char *system_path, const char *user_path,
			   struct buf *warn);
/* prices_load() with the usual places: $CONCH_PKGDATADIR (tests) or the
 * installed pkgdatadir (else, when conch runs from its build tree, the
 * source tree's prices.json), and the user's config directory. */
struct prices *prices_load_default(struct buf *warn);
void prices_free(struct prices *p);

/* The cost in USD of `u` on `label` ("provider/model").  False (cost
 * unknown, never zero) when the usage is unknown or no price matches.
 * Matching: the exact label, then the label without its provider prefix
 * (openrouter/anthropic/x -> anthropic/x), then the longest entry that is
 * a prefix of the label ending at '-' (dated model ids), then
 * "NAME/(star)".  A "local/..." model (this machine) costs $0. */
bool prices_cost(const struct prices *p, const char *label,
		 const struct conv_usage *u, double *usd);

/* Add the turn `m` (its usage and answered_by) to `t`. */
void cost_total_add(struct cost_total *t, const struct prices *p,
		    const struct conv_msg *m);

#endif
