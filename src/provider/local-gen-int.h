/* local-gen-int.h: what local.c (the provider: prompt, generation,
 * reply) and local-steer.c (which tokens a model trained for conch may
 * write next) share; not for other files. */
#ifndef CONCH_LOCAL_GEN_INT_H
#define CONCH_LOCAL_GEN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "llm/llm.h"
#include "provider/local-grammar.h"
#include "provider/local.h"
#include "util/buf.h"

struct piece {
	uint32_t off, len;
};

struct local {
	struct provider base;
	struct llm_model *m;
	struct llm_ctx *c;
	enum llm_tmpl fam;
	struct llm_sampler_params sp;
	int max_tokens;
	int threads; /* 0: the runtime's default */
	unsigned next_id;
	/* the system prompt a model trained for conch carries (GGUF key
	 * conch.system_prompt): it replaces the agent's, and the tools are
	 * not described in the prompt (the model learned them) */
	char *own_system;
	/* its own words, which its replies may use without copying them
	 * (GGUF key conch.free_words; sorted) */
	char **free_words;
	size_t nfree;
	/* the fields its commands use without having read them (GGUF key
	 * conch.free_fields; sorted) */
	char **free_fields;
	size_t nfields;
	/* decoded bytes of every token, for the grammar */
	struct piece *pieces;
	char *piece_data;
	uint8_t *mask;
	uint8_t *keep; /* the grammar's mask while the copy rule narrows it */
};

/* Routes decoded reply text to the text/thinking events while hiding tool
 * calls, holding back any tail that may be the start of a marker. */
enum smode { SM_TEXT, SM_THINK, SM_TOOL };

struct splitter {
	enum smode mode;
	struct buf pend;
	bool llama3, started;
	const struct provider_events *ev;
};

struct gen {
	struct local *L;
	const struct provider_events *ev;
	struct llm_sampler s;
	struct splitter sp;
	struct buf reply;       /* the reply so far, as valid UTF-8 */
	struct llm_utf8_stream u8;
	struct tcg *g;
	struct tcg_state gs;
	bool g_on, g_used, close_call;
	long n_out;
	float *logits;
	/* what the reply may copy (models trained for conch) */
	struct local_copy copy;
	bool copy_on;
	bool asked;             /* the reply answers the user's words, not a result */
};

/* Is token i the marker that opens a call? */
static inline bool
local_opens_call(const struct local *L, int32_t i)
{
	return L->pieces[i].len == 11 && memcmp(L->piece_data + L->pieces[i].off, "<tool_call>", 11) == 0;
}

/* The kind of rule (local-args.c) for the string value st is inside. */
enum local_arg local_steer_kind(const struct tcg *g, const struct tcg_state *st);
/* Narrow L->mask, for the token to come, to what keeps the reply a copy
 * of the conversation (`and`: of the tokens marked already); how many. */
size_t local_steer_copy(struct gen *G, bool and);
/* Narrow L->mask to what the argument rules take in the value being
 * written; how many. */
size_t local_steer_args(struct gen *G);
/* Where a copy, a list, a count, a fence ... goes on, and the model
 * rates it close enough (or must), make its piece the only one. */
void local_steer_follow(struct gen *G);
/* At the reply to the user's words: open a call where the model rates
 * it close to the refusal (the mask holds only the marker then). */
bool local_steer_call_first(struct gen *G);
/* After a done list, at a line's start: end where the model rates it
 * close. */
void local_steer_end_list(struct gen *G);

#endif
