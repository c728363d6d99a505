/* llm.h: conch's built-in transformer runtime, the public face.
 *
 *   model   = llm_model_load(path)       weights mmapped read-only, never copied
 *   ctx     = llm_ctx_new(model, n_ctx)   KV cache sized by n_ctx + work buffers
 *   toks    = llm_tokenize(vocab, ...)    (vocab.h; llm_model_vocab(model))
 *   logits  = llm_eval(ctx, toks, n)      appends to the cache
 *   id      = llm_sample(sampler, logits) (sample.h)
 *
 * Architectures (general.architecture): llama, qwen2, qwen3, qwen3moe (and
 * llama-style MoE).  Tensor types: see quant.h.  Anything else is refused
 * at load with its name.
 *
 * Threads: a model is read-only after load and may be shared; a context is
 * used by one thread at a time.  Depends on util only (floor 2). */
#ifndef CONCH_LLM_H
#define CONCH_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/gguf.h"
#include "llm/sample.h"
#include "llm/vocab.h"
#include "util/buf.h"
#include "util/err.h"

enum llm_arch { LLM_ARCH_LLAMA, LLM_ARCH_QWEN2, LLM_ARCH_QWEN3, LLM_ARCH_QWEN3MOE };

struct llm_hparams {
	enum llm_arch arch;
	const char *arch_name; /* as in the file; owned by the model */
	uint32_t n_vocab, n_ctx_train, n_embd, n_layer, n_head, n_head_kv;
	uint32_t head_dim_k, head_dim_v; /* per-head sizes of K (and Q) and V */
	uint32_t n_ff;                   /* dense FFN width (0 for MoE) */
	uint32_t n_expert, n_expert_used, n_ff_exp;
	uint32_t n_rot;                  /* rotated dims per head */
	bool rope_neox;                  /* rotate halves, not pairs */
	float rope_base, rms_eps;
	bool tied_output;                /* output.weight absent: uses token_embd */
};

struct llm_model;
struct llm_ctx;

/* Load the GGUF model at `path`: header, metadata, tokenizer and the
 * shape and type of every tensor the architecture needs.  NULL with a
 * message in `err` naming the file and the key, tensor, type or
 * architecture at fault.  Caller frees. */
struct llm_model *llm_model_load(const char *path, struct buf *err);
void llm_model_free(struct llm_model *m);

const struct llm_hparams *llm_model_hparams(const struct llm_model *m);
const struct llm_vocab *llm_model_vocab(const struct llm_model *m);
const struct gguf *llm_model_gguf(const struct llm_model *m);
/* Total number of weights in the file's tensors. */
uint64_t llm_model_n_params(const struct llm_model *m);

/* Bytes a context of n_ctx tokens allocates (KV cache and buffers);
 * 0 on overflow. */
size_t llm_ctx_mem_bytes(const struct llm_model *m, uint32_t n_ctx);

/* A context: the KV cache of one token sequence.  n_ctx 0 means the
 * training context capped at 4096.  NULL with a message when the memory
 * cannot be had.  The model must outlive it.  Caller frees. */
struct llm_ctx *llm_ctx_new(struct llm_model *m, uint32_t n_ctx, struct buf *err);
void llm_ctx_free(struct llm_ctx *c);

uint32_t llm_ctx_size(const struct llm_ctx *c);
/* Number of tokens in the cache. */
uint32_t llm_ctx_pos(const struct llm_ctx *c);
/* The tokens in the cache (llm_ctx_pos of them); valid until the next
 * eval or truncate. */
const int32_t *llm_ctx_tokens(const struct llm_ctx *c);
/* Forget cached tokens from position `pos` on (pos <= llm_ctx_pos). */
void llm_ctx_truncate(struct llm_ctx *c, uint32_t pos);
/* How many leading tokens of toks[0..n) are already in the cache. */
uint32_t llm_ctx_common_prefix(const struct llm_ctx *c, const int32_t *toks, size_t n);

/* Prompt tokens per forward pass: a batch goes through each layer's
 * matrix products together (default and most: 512, or the context size).
 * A cancel keeps the batches done before it.  Results do not depend on
 * the batch size. */
void llm_ctx_set_batch(struct llm_ctx *c, uint32_t n);

/* Threads of the context's pool, used by every operation of a forward
 * pass (default: the online CPUs, at most 8; at most 16).
 * Results do not depend on the count. */
void llm_ctx_set_threads(struct llm_ctx *c, int n);

/* Switch the context to the reference paths (on) or back: an F32 KV
 * cache (twice the memory of the default F16 one), the two-pass softmax
 * attention, element-wise operations on the calling thread.  For tests
 * that compare the fast paths with it.  Empties the cache.  C_ERR_NOMEM
 * leaves the context as it was. */
enum cerr llm_ctx_set_reference(struct llm_ctx *c, bool on);

/* Called before each layer of each batch during eval; returning true
 * stops the eval with C_ERR_CANCELLED (batches already evaluated stay
 * cached; the interrupted batch does not count). */
void llm_ctx_set_abort(struct llm_ctx *c, bool (*abort)(void *ud), void *ud);

/* Run toks[0..n) (n >= 1) through the model at the next positions (in
 * batches of llm_ctx_set_batch tokens: each weight row is read once
 * per batch).  On
 * success *logits (if not NULL) points to n_vocab scores for the token
 * after the last one, valid until the next call on `c`.  Fails with
 * C_ERR_CONTEXT when the cache would overflow (nothing is evaluated),
 * C_ERR_INVAL for a token id out of range, C_ERR_CANCELLED when aborted. */
enum cerr llm_eval(struct llm_ctx *c, const int32_t *toks, size_t n, float **logits);

#endif
