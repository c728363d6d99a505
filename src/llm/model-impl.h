/* model-impl.h: the model and context structures shared by model.c
 * (loading, contexts) and forward.c (the forward pass).  Private to
 * src/llm. */
#ifndef CONCH_LLM_MODEL_IMPL_H
#define CONCH_LLM_MODEL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/attn.h"
#include "llm/llm.h"
#include "llm/pool.h"

struct wt {
	const void *data;   /* into the map; NULL when absent */
	enum ggml_type type;
	uint64_t ne[3];
	size_t row_bytes;   /* bytes of one ne[0] row */
};

struct layer {
	struct wt attn_norm, wq, wk, wv, wo, bq, bk, bv, q_norm, k_norm;
	struct wt ffn_norm, w_gate, w_up, w_down;
	struct wt router, gate_exps, up_exps, down_exps;
};

struct llm_model {
	struct gguf *g;
	struct llm_vocab *vocab;
	struct llm_hparams hp;
	char *arch_name;
	struct wt tok_embd, out_norm, output, rope_freqs;
	struct layer *layers;
	uint64_t n_params;
};

struct llm_ctx {
	struct llm_model *m;
	uint32_t n_ctx, pos;
	uint32_t batch;    /* tokens per forward pass, <= min(LLM_BATCH, n_ctx) */
	bool ref;          /* reference paths (llm_ctx_set_reference) */
	enum llm_attn_impl attn_impl;
	int32_t *toks;     /* [n_ctx] */
	void *kcache;      /* [n_layer][n_ctx][n_head_kv * head_dim_k], F16 (F32 if ref) */
	void *vcache;      /* [n_layer][n_ctx][n_head_kv * head_dim_v], F16 (F32 if ref) */
	/* per batch position b < batch: */
	float *x, *xb, *xb2; /* [b][n_embd] */
	float *q;          /* [b][n_head * head_dim_k] */
	float *kb, *vb;    /* [b][n_head_kv * head_dim_k|v]: new K and V, F32 */
	float *att_out;    /* [b][n_head * head_dim_v] */
	float *scratch;    /* [LLM_MAX_THREADS][scratch_per] one per pool thread */
	size_t scratch_per;
	float *hb, *hb2;   /* [b][max ffn width] */
	float *moe_out;    /* [b][n_expert_used][n_embd] each chosen expert's output */
	float *router;     /* [b][n_expert] */
	uint32_t *moe_sel; /* [b][n_expert_used] chosen experts */
	float *moe_w;      /* [b][n_expert_used] their renormalised weights */
	float *logits;     /* [n_vocab] */
	float *rope_cos, *rope_sin; /* [n_ctx][n_rot / 2] */
	bool (*abort)(void *);
	void *abort_ud;
	struct llm_pool *pool; /* LLM_MAX_THREADS threads at most */
};

/* Prompt tokens go through the layers up to this many at a time (the
 * context's `batch`, at most its n_ctx), so that each weight is read from
 * memory once per batch and the products are matrix-matrix work. */
#define LLM_BATCH 512
/* at most this many threads (each has a score row for attention) */
#define LLM_MAX_THREADS 16

#endif
