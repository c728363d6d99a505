/* sample.h: choosing the next token from logits.
 *
 * Order: repetition penalty over the last repeat_last_n accepted tokens,
 * then greedy (temp <= 0) or: top-k, softmax at temperature, top-p,
 * min-p, and a draw from the sampler's own seeded RNG (no globals: the
 * same seed and logits give the same tokens). */
#ifndef CONCH_LLM_SAMPLE_H
#define CONCH_LLM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

struct llm_sampler_params {
	float temp;           /* <= 0: greedy */
	int32_t top_k;        /* <= 0: off */
	float top_p;          /* >= 1: off */
	float min_p;          /* <= 0: off */
	float repeat_penalty; /* 1: off */
	int32_t repeat_last_n;
	uint64_t seed;
};

/* Defaults: temp 0.8, top_k 40, top_p 0.95, min_p 0.05, penalty 1.0 over
 * 64 tokens, seed 42. */
void llm_sampler_defaults(struct llm_sampler_params *p);

struct llm_cand {
	int32_t id;
	float v;
};

struct llm_sampler {
	struct llm_sampler_params p;
	uint64_t rng;
	struct llm_cand *cand; /* owned; n_vocab entries once used */
	size_t ncand;
	int32_t *recent;       /* ring of accepted ids; owned */
	size_t nrecent, head;
};

void llm_sampler_init(struct llm_sampler *s, const struct llm_sampler_params *p);
void llm_sampler_free(struct llm_sampler *s);
/* Restart the RNG and forget accepted tokens. */
void llm_sampler_reset(struct llm_sampler *s);
/* Record a token that became part of the text (prompt or generated). */
void llm_sampler_accept(struct llm_sampler *s, int32_t id);
/* Pick the next token from logits[0..n_vocab) (not modified).  `allow`,
 * when not NULL, marks the ids that may be chosen (grammar); if none is
 * allowed the result is -1. */
int32_t llm_sample(struct llm_sampler *s, const float *logits, int32_t n_vocab,
		   const uint8_t *allow);

/* Uniform float in [0, 1) from the sampler's RNG. */
float llm_sampler_rand(struct llm_sampler *s);

#endif
