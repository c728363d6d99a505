/* attn.h: causal attention of one query head over a KV cache, and the
 * F16 conversions of cache rows.
 *
 * The fast path reads an F16 cache in one pass with an online softmax:
 * keys are scored a block of LLM_ATTN_BLOCK at a time, the running
 * maximum and sum are rescaled once per block, and each value row is
 * added in with its weight as it goes, so the scores of a head never
 * exist as a whole row.  It comes as portable C and as AVX2/FMA/F16C code
 * picked at run time from the CPU; both do the same arithmetic up to
 * rounding (the exponentials and the order of the sums differ), and do
 * it the same way for any batch and thread split.
 *
 * The reference path (llm_attn_ref) is the two-pass textbook softmax on
 * an F32 cache: every score, their maximum, the exponentials, the sum,
 * then the weighted values.  Tests compare the two. */
#ifndef CONCH_LLM_ATTN_H
#define CONCH_LLM_ATTN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLM_ATTN_BLOCK 64

enum llm_attn_impl {
	LLM_ATTN_GENERIC, /* portable C */
	LLM_ATTN_AVX2,    /* x86-64 with AVX2, FMA and F16C */
};

/* One head: out = softmax(scale * q.K[t], t < n) . V[t]. */
struct llm_attn_head {
	const float *q;      /* [hk] */
	const void *k, *v;   /* row t at k + t * k_stride elements (F16 or F32) */
	size_t k_stride, v_stride;
	uint32_t hk, hv, n;  /* n >= 1 positions */
	float scale;
	float *out;          /* [hv] */
};

/* The best implementation this CPU runs; CONCH_LLM_ATTN=generic in the
 * environment forces the portable one. */
enum llm_attn_impl llm_attn_pick(void);
/* True when this CPU can run `impl`. */
bool llm_attn_supported(enum llm_attn_impl impl);

/* Scratch floats llm_attn_f16 needs for heads of hv values. */
size_t llm_attn_scratch(uint32_t hv);

/* The one-pass online-softmax attention of a head over an F16 cache,
 * using scratch[llm_attn_scratch(hv)]. */
void llm_attn_f16(enum llm_attn_impl impl, const struct llm_attn_head *h, float *scratch);

/* The two-pass reference over an F32 cache; att[n] holds the scores. */
void llm_attn_ref(const struct llm_attn_head *h, float *att);

/* dst[i] = the F16 nearest src[i] (ties to even), i < n. */
void llm_f32_to_f16_row(enum llm_attn_impl impl, const float *src, uint16_t *dst, size_t n);

#endif
