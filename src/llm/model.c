/* model.c: loading a GGUF model and the forward pass.  See llm.h.
 *
 * One token at a time through: embedding lookup; per layer RMSNorm,
 * Q/K/V projections (+ biases for qwen2, + per-head RMSNorm for qwen3),
 * RoPE (pairs for llama, halves for the NeoX-style qwen family), causal
 * attention over the KV cache with grouped KV heads, output projection
 * and residual; RMSNorm, then a SwiGLU FFN (dense, or a routed mixture of
 * experts: softmax router, top-k, weights renormalised); final RMSNorm and
 * the output head (token_embd when output.weight is absent). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llm/llm.h"
#include "llm/pool.h"
#include "llm/quant.h"
#include "util/xalloc.h"

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
	int32_t *toks;     /* [n_ctx] */
	float *kcache;     /* [n_layer][n_ctx][n_head_kv * head_dim_k] */
	float *vcache;     /* [n_layer][n_ctx][n_head_kv * head_dim_v] */
	/* per batch position b < LLM_BATCH: */
	float *x, *xb, *xb2; /* [b][n_embd] */
	float *q;          /* [b][n_head * head_dim_k] */
	float *att_out;    /* [b][n_head * head_dim_v] */
	float *att;        /* [LLM_MAX_THREADS][n_ctx] score rows */
	float *hb, *hb2;   /* [b][max ffn width] */
	float *moe_acc;    /* [n_embd] */
	float *router;     /* [n_expert] */
	float *logits;     /* [n_vocab] */
	float *rope_inv;   /* [n_rot / 2] inverse frequencies */
	bool (*abort)(void *);
	void *abort_ud;
	struct llm_pool *pool; /* LLM_MAX_THREADS threads at most */
};

/* Prompt tokens go through the layers this many at a time, so that each
 * weight row is read once per batch. */
#define LLM_BATCH 16
/* at most this many threads (each has a score row for attention) */
#define LLM_MAX_THREADS 16

/* ------------------------------------------------------------- loading */

static bool
get_u32(const struct gguf *g, const char *arch, const char *suffix, uint32_t *out,
	bool required, struct buf *err)
{
	char key[128];
	uint64_t v;
	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	if (!gguf_get_u64(g, key, &v)) {
		if (required)
			buf_printf(err, "missing or non-integer metadata '%s'", key);
		return !required;
	}
	if (v > UINT32_MAX) {
		buf_printf(err, "metadata '%s' = %llu is out of range", key,
			   (unsigned long long)v);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static void
get_f32(const struct gguf *g, const char *arch, const char *suffix, float *out)
{
	char key[128];
	double d;
	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	/* NaN and values beyond float's range are ignored (the cast would be
	 * undefined) */
	if (gguf_get_f64(g, key, &d) && d == d && d <= FLT_MAX && d >= -FLT_MAX)
		*out = (float)d;
}

static bool
read_hparams(struct llm_model *m, struct buf *err)
{
	struct llm_hparams *hp = &m->hp;
	const struct gguf *g = m->g;
	const char *a;

	m->arch_name = gguf_get_strdup(g, "general.architecture");
	if (!m->arch_name) {
		buf_adds(err, "missing metadata 'general.architecture'");
		return false;
	}
	a = hp->arch_name = m->arch_name;
	if (strcmp(a, "llama") == 0)
		hp->arch = LLM_ARCH_LLAMA;
	else if (strcmp(a, "qwen2") == 0)
		hp->arch = LLM_ARCH_QWEN2;
	else if (strcmp(a, "qwen3") == 0)
		hp->arch = LLM_ARCH_QWEN3;
	else if (strcmp(a, "qwen3moe") == 0)
		hp->arch = LLM_ARCH_QWEN3MOE;
	else {
		buf_printf(err, "architecture '%s' is not supported (llama, qwen2, qwen3, qwen3moe are)", a);
		return false;
	}
	hp->n_ctx_train = 2048;
	if (!get_u32(g, a, "context_length", &hp->n_ctx_train, false, err) ||
	    !get_u32(g, a, "embedding_length", &hp->n_embd, true, err) ||
	    !get_u32(g, a, "block_count", &hp->n_layer, true, err) ||
	    !get_u32(g, a, "attention.head_count", &hp->n_head, true, err))
		return false;
	hp->n_head_kv = hp->n_head;
	if (!get_u32(g, a, "attention.head_count_kv", &hp->n_head_kv, false, err) ||
	    !get_u32(g, a, "feed_forward_length", &hp->n_ff, false, err) ||
	    !get_u32(g, a, "expert_count", &hp->n_expert, false, err) ||
	    !get_u32(g, a, "expert_used_count", &hp->n_expert_used, false, err) ||
	    !get_u32(g, a, "expert_feed_forward_length", &hp->n_ff_exp, false, err))
		return false;
	if (hp->n_embd == 0 || hp->n_layer == 0 || hp->n_head == 0 || hp->n_head_kv == 0 ||
	    hp->n_head % hp->n_head_kv != 0 || hp->n_embd > (1u << 20) ||
	    hp->n_head > 4096 || hp->n_layer > 4096) {
		buf_printf(err, "%s: inconsistent sizes (embedding %u, heads %u/%u, layers %u)",
			   a, hp->n_embd, hp->n_head, hp->n_head_kv, hp->n_layer);
		return false;
	}
	hp->head_dim_k = hp->head_dim_v = hp->n_embd / hp->n_head;
	if (!get_u32(g, a, "attention.key_length", &hp->head_dim_k, false, err) ||
	    !get_u32(g, a, "attention.value_length", &hp->head_dim_v, false, err))
		return false;
	hp->n_rot = hp->head_dim_k;
	if (!get_u32(g, a, "rope.dimension_count", &hp->n_rot, false, err))
		return false;
	if (hp->head_dim_k == 0 || hp->head_dim_v == 0 || hp->head_dim_k > 4096 ||
	    hp->head_dim_v > 4096 || hp->n_rot > hp->head_dim_k || hp->n_rot % 2) {
		buf_printf(err, "%s: bad head sizes (key %u, value %u, rope %u)", a,
			   hp->head_dim_k, hp->head_dim_v, hp->n_rot);
		return false;
	}
	if (hp->n_expert > 0 && (hp->n_expert_used == 0 || hp->n_expert_used > hp->n_expert ||
				 hp->n_expert > 1024)) {
		buf_printf(err, "%s: bad expert counts (%u used of %u)", a, hp->n_expert_used,
			   hp->n_expert);
		return false;
	}
	if (hp->arch == LLM_ARCH_QWEN3MOE && hp->n_expert == 0) {
		buf_printf(err, "%s: missing metadata '%s.expert_count'", a, a);
		return false;
	}
	hp->rope_base = 10000.0f;
	hp->rms_eps = 1e-5f;
	get_f32(g, a, "rope.freq_base", &hp->rope_base);
	get_f32(g, a, "attention.layer_norm_rms_epsilon", &hp->rms_eps);
	hp->rope_neox = hp->arch != LLM_ARCH_LLAMA;
	return true;
}

/* Bind tensor `name` with shape ne (ne[i] == 0: any).  A missing optional
 * tensor leaves w->data NULL. */
static bool
bind(struct llm_model *m, struct wt *w, const char *name, uint64_t ne0, uint64_t ne1,
     uint64_t ne2, bool required, struct buf *err)
{
	const struct gguf_tensor *t = gguf_tensor(m->g, name);
	uint64_t want[3] = { ne0, ne1, ne2 };
	int i;

	memset(w, 0, sizeof(*w));
	if (!t) {
		if (required)
			buf_printf(err, "tensor '%s' is missing", name);
		return !required;
	}
	if (t->ne[3] != 1) {
		buf_printf(err, "tensor '%s' has 4 dimensions", name);
		return false;
	}
	for (i = 0; i < 3; i++)
		if (want[i] && t->ne[i] != want[i]) {
			buf_printf(err, "tensor '%s' has shape [%llu, %llu, %llu], expected [%llu, %llu, %llu]",
				   name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
				   (unsigned long long)t->ne[2], (unsigned long long)ne0,
				   (unsigned long long)ne1, (unsigned long long)ne2);
			return false;
		}
	if (!llm_type_supported(t->type)) {
		buf_printf(err, "tensor '%s' has type %s, which is not supported", name,
			   ggml_type_name(t->type));
		return false;
	}
	if (t->type == GGML_F32 && ((uintptr_t)t->data % sizeof(float)) != 0) {
		buf_printf(err, "tensor '%s' is not aligned for F32 reads", name);
		return false;
	}
	w->data = t->data;
	w->type = t->type;
	w->ne[0] = t->ne[0];
	w->ne[1] = t->ne[1];
	w->ne[2] = t->ne[2];
	w->row_bytes = ggml_row_size(t->type, t->ne[0]);
	return true;
}

static bool
bind_layer(struct llm_model *m, uint32_t il, struct buf *err)
{
	const struct llm_hparams *hp = &m->hp;
	struct layer *L = &m->layers[il];
	uint64_t qd = (uint64_t)hp->n_head * hp->head_dim_k;
	uint64_t kd = (uint64_t)hp->n_head_kv * hp->head_dim_k;
	uint64_t vd = (uint64_t)hp->n_head_kv * hp->head_dim_v;
	uint64_t od = (uint64_t)hp->n_head * hp->head_dim_v;
	bool qwen2 = hp->arch == LLM_ARCH_QWEN2;
	bool qwen3 = hp->arch == LLM_ARCH_QWEN3 || hp->arch == LLM_ARCH_QWEN3MOE;
	char n[96];

#define NAME(s) (snprintf(n, sizeof n, "blk.%u." s, il), n)
	if (!bind(m, &L->attn_norm, NAME("attn_norm.weight"), hp->n_embd, 1, 1, true, err) ||
	    !bind(m, &L->wq, NAME("attn_q.weight"), hp->n_embd, qd, 1, true, err) ||
	    !bind(m, &L->wk, NAME("attn_k.weight"), hp->n_embd, kd, 1, true, err) ||
	    !bind(m, &L->wv, NAME("attn_v.weight"), hp->n_embd, vd, 1, true, err) ||
	    !bind(m, &L->wo, NAME("attn_output.weight"), od, hp->n_embd, 1, true, err) ||
	    !bind(m, &L->bq, NAME("attn_q.bias"), qd, 1, 1, qwen2, err) ||
	    !bind(m, &L->bk, NAME("attn_k.bias"), kd, 1, 1, qwen2, err) ||
	    !bind(m, &L->bv, NAME("attn_v.bias"), vd, 1, 1, qwen2, err) ||
	    !bind(m, &L->q_norm, NAME("attn_q_norm.weight"), hp->head_dim_k, 1, 1, qwen3, err) ||
	    !bind(m, &L->k_norm, NAME("attn_k_norm.weight"), hp->head_dim_k, 1, 1, qwen3, err) ||
	    !bind(m, &L->ffn_norm, NAME("ffn_norm.weight"), hp->n_embd, 1, 1, true, err))
		return false;
	if (hp->n_expert > 0) {
		if (!bind(m, &L->router, NAME("ffn_gate_inp.weight"), hp->n_embd, hp->n_expert, 1,
			  true, err) ||
		    !bind(m, &L->gate_exps, NAME("ffn_gate_exps.weight"), hp->n_embd, hp->n_ff_exp,
			  hp->n_expert, true, err))
			return false;
		if (m->hp.n_ff_exp == 0)
			m->hp.n_ff_exp = (uint32_t)L->gate_exps.ne[1];
		if (!bind(m, &L->up_exps, NAME("ffn_up_exps.weight"), hp->n_embd, hp->n_ff_exp,
			  hp->n_expert, true, err) ||
		    !bind(m, &L->down_exps, NAME("ffn_down_exps.weight"), hp->n_ff_exp, hp->n_embd,
			  hp->n_expert, true, err))
			return false;
	} else {
		if (!bind(m, &L->w_gate, NAME("ffn_gate.weight"), hp->n_embd, hp->n_ff, 1, true, err))
			return false;
		if (m->hp.n_ff == 0)
			m->hp.n_ff = (uint32_t)L->w_gate.ne[1];
		if (!bind(m, &L->w_up, NAME("ffn_up.weight"), hp->n_embd, hp->n_ff, 1, true, err) ||
		    !bind(m, &L->w_down, NAME("ffn_down.weight"), hp->n_ff, hp->n_embd, 1, true, err))
			return false;
	}
#undef NAME
	/* norms and biases are applied as floats, one row each */
	return true;
}

struct llm_model *
llm_model_load(const char *path, struct buf *err)
{
	struct llm_model *m = xcalloc(1, sizeof(*m));
	size_t mark = err->len;
	uint32_t il;
	uint64_t i;

	m->g = gguf_open(path, err);
	if (!m->g)
		goto fail_noprefix;
	buf_printf(err, "%s: ", path);
	if (!read_hparams(m, err))
		goto fail;
	m->vocab = llm_vocab_load(m->g, err);
	if (!m->vocab)
		goto fail;
	m->hp.n_vocab = (uint32_t)llm_vocab_size(m->vocab);
	if (!bind(m, &m->tok_embd, "token_embd.weight", m->hp.n_embd, m->hp.n_vocab, 1, true, err) ||
	    !bind(m, &m->out_norm, "output_norm.weight", m->hp.n_embd, 1, 1, true, err) ||
	    !bind(m, &m->output, "output.weight", m->hp.n_embd, m->hp.n_vocab, 1, false, err) ||
	    !bind(m, &m->rope_freqs, "rope_freqs.weight", m->hp.n_rot / 2, 1, 1, false, err))
		goto fail;
	if (!m->output.data) {
		m->output = m->tok_embd;
		m->hp.tied_output = true;
	}
	if (m->rope_freqs.data && m->rope_freqs.type != GGML_F32) {
		buf_adds(err, "tensor 'rope_freqs.weight' must be F32");
		goto fail;
	}
	m->layers = xcalloc(m->hp.n_layer, sizeof(*m->layers));
	for (il = 0; il < m->hp.n_layer; il++)
		if (!bind_layer(m, il, err))
			goto fail;
	for (i = 0; i < m->g->n_tensors; i++)
		m->n_params += gguf_tensor_nelem(&m->g->tensors[i]);
	buf_truncate(err, mark);
	return m;
fail:
	;
fail_noprefix:
	llm_model_free(m);
	return NULL;
}

void
llm_model_free(struct llm_model *m)
{
	if (!m)
		return;
	llm_vocab_free(m->vocab);
	gguf_close(m->g);
	free(m->layers);
	free(m->arch_name);
	free(m);
}

const struct llm_hparams *llm_model_hparams(const struct llm_model *m) { return &m->hp; }
const struct llm_vocab *llm_model_vocab(const struct llm_model *m) { return m->vocab; }
const struct gguf *llm_model_gguf(const struct llm_model *m) { return m->g; }
uint64_t llm_model_n_params(const struct llm_model *m) { return m->n_params; }

/* ------------------------------------------------------------- context */

static size_t
max_ffn(const struct llm_hparams *hp)
{
	size_t f = hp->n_ff > hp->n_ff_exp ? hp->n_ff : hp->n_ff_exp;
	return f ? f : 1;
}

/* float counts of every buffer, in order; returns false on overflow */
static bool
ctx_sizes(const struct llm_model *m, uint32_t n_ctx, size_t sz[14])
{
	const struct llm_hparams *hp = &m->hp;
	size_t kv_k, kv_v;
	if (!size_mul_ok((size_t)hp->n_layer * n_ctx, (size_t)hp->n_head_kv * hp->head_dim_k, &kv_k) ||
	    !size_mul_ok((size_t)hp->n_layer * n_ctx, (size_t)hp->n_head_kv * hp->head_dim_v, &kv_v))
		return false;
	sz[0] = kv_k;
	sz[1] = kv_v;
	sz[2] = sz[3] = sz[4] = (size_t)LLM_BATCH * hp->n_embd;
	sz[5] = (size_t)LLM_BATCH * hp->n_head * hp->head_dim_k;
	sz[6] = (size_t)LLM_BATCH * hp->n_head * hp->head_dim_v;
	sz[7] = (size_t)n_ctx * LLM_MAX_THREADS;
	sz[8] = sz[9] = (size_t)LLM_BATCH * max_ffn(hp);
	sz[10] = hp->n_embd;
	sz[11] = hp->n_expert ? hp->n_expert : 1;
	sz[12] = hp->n_vocab;
	sz[13] = hp->n_rot / 2 + 1;
	return true;
}

size_t
llm_ctx_mem_bytes(const struct llm_model *m, uint32_t n_ctx)
{
	size_t sz[14], total = 0, b;
	int i;
	if (n_ctx == 0)
		n_ctx = m->hp.n_ctx_train < 4096 ? m->hp.n_ctx_train : 4096;
	if (!ctx_sizes(m, n_ctx, sz))
		return 0;
	for (i = 0; i < 14; i++)
		if (!size_add_ok(total, sz[i], &total))
			return 0;
	if (!size_mul_ok(total, sizeof(float), &b) ||
	    !size_add_ok(b, (size_t)n_ctx * sizeof(int32_t), &b))
		return 0;
	return b;
}

struct llm_ctx *
llm_ctx_new(struct llm_model *m, uint32_t n_ctx, struct buf *err)
{
	struct llm_ctx *c;
	size_t sz[14], bytes;
	float **bufs[14];
	uint32_t i;
	int k;

	if (n_ctx == 0)
		n_ctx = m->hp.n_ctx_train < 4096 ? m->hp.n_ctx_train : 4096;
	if (n_ctx == 0)
		n_ctx = 2048;
	if (!ctx_sizes(m, n_ctx, sz)) {
		buf_printf(err, "a context of %u tokens is too large", n_ctx);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->n_ctx = n_ctx;
	bufs[0] = &c->kcache; bufs[1] = &c->vcache; bufs[2] = &c->x; bufs[3] = &c->xb;
	bufs[4] = &c->xb2; bufs[5] = &c->q; bufs[6] = &c->att_out; bufs[7] = &c->att;
	bufs[8] = &c->hb; bufs[9] = &c->hb2; bufs[10] = &c->moe_acc; bufs[11] = &c->router;
	bufs[12] = &c->logits; bufs[13] = &c->rope_inv;
	for (k = 0; k < 14; k++) {
		if (!size_mul_ok(sz[k], sizeof(float), &bytes) ||
		    !(*bufs[k] = calloc(sz[k] ? sz[k] : 1, sizeof(float)))) {
			buf_printf(err, "out of memory for a context of %u tokens (%zu bytes)", n_ctx,
				   llm_ctx_mem_bytes(m, n_ctx));
			llm_ctx_free(c);
			return NULL;
		}
	}
	c->toks = calloc(n_ctx, sizeof(int32_t));
	if (!c->toks) {
		buf_printf(err, "out of memory for a context of %u tokens", n_ctx);
		llm_ctx_free(c);
		return NULL;
	}
	{
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		c->pool = llm_pool_new(ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu);
	}
	for (i = 0; i < m->hp.n_rot / 2; i++) {
		double inv = pow((double)m->hp.rope_base, -2.0 * i / (double)m->hp.n_rot);
		if (m->rope_freqs.data)
			inv /= ((const float *)m->rope_freqs.data)[i];
		c->rope_inv[i] = (float)inv;
	}
	return c;
}

void
llm_ctx_free(struct llm_ctx *c)
{
	if (!c)
		return;
	free(c->kcache); free(c->vcache); free(c->x); free(c->xb); free(c->xb2);
	free(c->q); free(c->att_out); free(c->att); free(c->hb); free(c->hb2);
	free(c->moe_acc); free(c->router); free(c->logits); free(c->rope_inv);
	free(c->toks);
	llm_pool_free(c->pool);
	free(c);
}

uint32_t llm_ctx_size(const struct llm_ctx *c) { return c->n_ctx; }
uint32_t llm_ctx_pos(const struct llm_ctx *c) { return c->pos; }
const int32_t *llm_ctx_tokens(const struct llm_ctx *c) { return c->toks; }

void
llm_ctx_truncate(struct llm_ctx *c, uint32_t pos)
{
	if (pos < c->pos)
		c->pos = pos;
}

uint32_t
llm_ctx_common_prefix(const struct llm_ctx *c, const int32_t *toks, size_t n)
{
	uint32_t i;
	for (i = 0; i < c->pos && i < n; i++)
		if (c->toks[i] != toks[i])
			break;
	return i;
}

void
llm_ctx_set_threads(struct llm_ctx *c, int n)
{
	n = n < 1 ? 1 : n > LLM_MAX_THREADS ? LLM_MAX_THREADS : n;
	if (n == llm_pool_threads(c->pool))
		return;
	llm_pool_free(c->pool);
	c->pool = llm_pool_new(n);
}

void
llm_ctx_set_abort(struct llm_ctx *c, bool (*abort_fn)(void *ud), void *ud)
{
	c->abort = abort_fn;
	c->abort_ud = ud;
}

/* --------------------------------------------------------- the forward */

static void
rmsnorm(float *out, const float *x, const struct wt *w, size_t n, float eps)
{
	double ss = 0.0;
	size_t i;
	float scale;
	for (i = 0; i < n; i++)
		ss += (double)x[i] * x[i];
	scale = (float)(1.0 / sqrt(ss / (double)n + eps));
	if (w->type == GGML_F32) {
		const float *wf = w->data;
		for (i = 0; i < n; i++)
			out[i] = x[i] * scale * wf[i];
	} else {
		float tmp[4096];
		size_t off;
		/* norm weights in another type: dequantise in pieces */
		for (off = 0; off < n; off += 4096) {
			size_t k = n - off < 4096 ? n - off : 4096, blk = ggml_blck_size(w->type);
			llm_dequant_row(w->type, (const uint8_t *)w->data +
					ggml_row_size(w->type, off / blk * blk), tmp, k);
			for (i = 0; i < k; i++)
				out[off + i] = x[off + i] * scale * tmp[i];
		}
	}
}

static void
add_row(float *x, const struct wt *b, size_t n)
{
	float tmp[256];
	size_t i, off, k;
	if (!b->data)
		return;
	if (b->type == GGML_F32) {
		const float *bf = b->data;
		for (i = 0; i < n; i++)
			x[i] += bf[i];
		return;
	}
	/* other types in pieces of 256 (a multiple of every block size) */
	for (off = 0; off < n; off += k) {
		k = n - off < 256 ? n - off : 256;
		llm_dequant_row(b->type, (const uint8_t *)b->data + ggml_row_size(b->type, off),
				tmp, k);
		for (i = 0; i < k; i++)
			x[off + i] += tmp[i];
	}
}

static void
rope(float *v, uint32_t pos, const float *inv, uint32_t n_rot, uint32_t head_dim,
     bool neox)
{
	uint32_t i;
	(void)head_dim;
	for (i = 0; i < n_rot / 2; i++) {
		float th = (float)pos * inv[i];
		float cs = cosf(th), sn = sinf(th);
		uint32_t a = neox ? i : 2 * i, b = neox ? i + n_rot / 2 : 2 * i + 1;
		float x0 = v[a], x1 = v[b];
		v[a] = x0 * cs - x1 * sn;
		v[b] = x0 * sn + x1 * cs;
	}
}

/* y[b] = w x[b] for b < n (w is [ne0 = cols, ne1 = rows]) */
static void
matmul_w(const struct llm_ctx *c, const struct wt *w, const float *x, size_t n, float *y)
{
	llm_matmul(w->type, w->data, (size_t)w->ne[1], (size_t)w->ne[0], x, n, y, c->pool);
}

/* expert e's matrix of a [ne0, ne1, n_expert] tensor, one input */
static void
matvec_expert(const struct llm_ctx *c, const struct wt *w, uint32_t e, const float *x,
	      float *y)
{
	const uint8_t *base = (const uint8_t *)w->data + (size_t)e * (size_t)w->ne[1] * w->row_bytes;
	llm_matmul(w->type, base, (size_t)w->ne[1], (size_t)w->ne[0], x, 1, y, c->pool);
}

static float
silu(float x)
{
	return x / (1.0f + expf(-x));
}

/* Causal attention for batch positions b < n: one pool task per
 * (position, head), each with its thread's own score row [n_ctx] (heads
 * are independent, so the split does not change a bit). */
struct att_job {
	const struct llm_ctx *c;
	const float *kc, *vc;
	uint32_t pos0, n;
};

static void
att_task(void *arg, size_t task, int thread)
{
	const struct att_job *j = arg;
	const struct llm_ctx *c = j->c;
	const struct llm_hparams *hp = &c->m->hp;
	uint32_t hk = hp->head_dim_k, hv = hp->head_dim_v, group = hp->n_head / hp->n_head_kv;
	size_t kvk = (size_t)hp->n_head_kv * hk, kvv = (size_t)hp->n_head_kv * hv;
	size_t qd = (size_t)hp->n_head * hk, od = (size_t)hp->n_head * hv;
	float scale = 1.0f / sqrtf((float)hk);
	uint32_t b = (uint32_t)(task / hp->n_head), h = (uint32_t)(task % hp->n_head), t;
	uint32_t pos = j->pos0 + b, kvh = h / group;
	const float *qh = c->q + b * qd + (size_t)h * hk;
	float maxv = -INFINITY, sum = 0.0f;
	float *o = c->att_out + b * od + (size_t)h * hv;
	float *att = c->att + (size_t)thread * c->n_ctx;

	for (t = 0; t <= pos; t++) {
		const float *kt = j->kc + (size_t)t * kvk + (size_t)kvh * hk;
		float sc = llm_dot_f32(qh, kt, hk) * scale;
		att[t] = sc;
		if (sc > maxv)
			maxv = sc;
	}
	for (t = 0; t <= pos; t++) {
		att[t] = expf(att[t] - maxv);
		sum += att[t];
	}
	memset(o, 0, hv * sizeof(float));
	for (t = 0; t <= pos; t++)
		llm_axpy(o, att[t] / sum, j->vc + (size_t)t * kvv + (size_t)kvh * hv, hv);
}

static void
att_heads(struct llm_ctx *c, const float *kc, const float *vc, uint32_t pos0, uint32_t n)
{
	const struct llm_hparams *hp = &c->m->hp;
	struct att_job j = { c, kc, vc, pos0, n };
	uint64_t work = (uint64_t)(pos0 + n) * n * hp->n_head * hp->head_dim_k;

	llm_pool_run(work < (1u << 16) ? NULL : c->pool, (size_t)n * hp->n_head, att_task, &j);
}

/* Attention for batch positions b < n at pos0 + b: Q, K, V of all of them,
 * K and V straight into the cache, then causal attention per position
 * (att_heads). */
static void
attention(struct llm_ctx *c, const struct layer *L, uint32_t il, uint32_t pos0, uint32_t n)
{
	const struct llm_hparams *hp = &c->m->hp;
	uint32_t hk = hp->head_dim_k, hv = hp->head_dim_v, h, b;
	size_t kvk = (size_t)hp->n_head_kv * hk, kvv = (size_t)hp->n_head_kv * hv;
	size_t qd = (size_t)hp->n_head * hk;
	float *kc = c->kcache + (size_t)il * c->n_ctx * kvk;  /* [n_ctx][kvk] */
	float *vc = c->vcache + (size_t)il * c->n_ctx * kvv;  /* [n_ctx][kvv] */

	matmul_w(c, &L->wq, c->xb, n, c->q);                     /* [n][qd] */
	matmul_w(c, &L->wk, c->xb, n, kc + (size_t)pos0 * kvk);  /* [n][kvk] */
	matmul_w(c, &L->wv, c->xb, n, vc + (size_t)pos0 * kvv);  /* [n][kvv] */
	for (b = 0; b < n; b++) {
		float *q = c->q + b * qd, *k = kc + (size_t)(pos0 + b) * kvk;
		add_row(q, &L->bq, qd);
		add_row(k, &L->bk, kvk);
		add_row(vc + (size_t)(pos0 + b) * kvv, &L->bv, kvv);
		for (h = 0; h < hp->n_head; h++) {
			float *qh = q + (size_t)h * hk;
			if (L->q_norm.data)
				rmsnorm(qh, qh, &L->q_norm, hk, hp->rms_eps);
			rope(qh, pos0 + b, c->rope_inv, hp->n_rot, hk, hp->rope_neox);
		}
		for (h = 0; h < hp->n_head_kv; h++) {
			float *kh = k + (size_t)h * hk;
			if (L->k_norm.data)
				rmsnorm(kh, kh, &L->k_norm, hk, hp->rms_eps);
			rope(kh, pos0 + b, c->rope_inv, hp->n_rot, hk, hp->rope_neox);
		}
	}
	att_heads(c, kc, vc, pos0, n);
	matmul_w(c, &L->wo, c->att_out, n, c->xb2);              /* [n][n_embd] */
}

static void
ffn_dense(struct llm_ctx *c, const struct layer *L, uint32_t n)
{
	size_t i, nf = (size_t)c->m->hp.n_ff * n;
	matmul_w(c, &L->w_gate, c->xb, n, c->hb);  /* [n][n_ff] */
	matmul_w(c, &L->w_up, c->xb, n, c->hb2);   /* [n][n_ff] */
	for (i = 0; i < nf; i++)
		c->hb[i] = silu(c->hb[i]) * c->hb2[i];
	matmul_w(c, &L->w_down, c->hb, n, c->xb2); /* [n][n_embd] */
}

/* One token's routed experts: xin [n_embd] -> xout [n_embd]. */
static void
ffn_moe(struct llm_ctx *c, const struct layer *L, const float *xin, float *xout)
{
	const struct llm_hparams *hp = &c->m->hp;
	uint32_t ne = hp->n_expert, k = hp->n_expert_used, i, j;
	uint32_t chosen[64];
	float w[64], maxv = -INFINITY, sum = 0.0f, wsum = 0.0f;

	if (k > 64)
		k = 64;
	matmul_w(c, &L->router, xin, 1, c->router);
	for (i = 0; i < ne; i++)
		if (c->router[i] > maxv)
			maxv = c->router[i];
	for (i = 0; i < ne; i++) {
		c->router[i] = expf(c->router[i] - maxv);
		sum += c->router[i];
	}
	for (i = 0; i < ne; i++)
		c->router[i] /= sum;
	for (j = 0; j < k; j++) {
		uint32_t best = UINT32_MAX;
		for (i = 0; i < ne; i++) {
			uint32_t q;
			bool taken = false;
			for (q = 0; q < j; q++)
				taken |= chosen[q] == i;
			if (!taken && (best == UINT32_MAX || c->router[i] > c->router[best]))
				best = i;
		}
		chosen[j] = best;
		w[j] = c->router[best];
		wsum += w[j];
	}
	memset(c->moe_acc, 0, hp->n_embd * sizeof(float));
	for (j = 0; j < k; j++) {
		float wj = w[j] / wsum;
		matvec_expert(c, &L->gate_exps, chosen[j], xin, c->hb);
		matvec_expert(c, &L->up_exps, chosen[j], xin, c->hb2);
		for (i = 0; i < hp->n_ff_exp; i++)
			c->hb[i] = silu(c->hb[i]) * c->hb2[i];
		matvec_expert(c, &L->down_exps, chosen[j], c->hb, xout);
		for (i = 0; i < hp->n_embd; i++)
			c->moe_acc[i] += wj * xout[i];
	}
	memcpy(xout, c->moe_acc, hp->n_embd * sizeof(float));
}

/* toks[0..n) (n <= LLM_BATCH) at positions pos0.. through the model;
 * logits of the last one when want_logits. */
static bool
forward(struct llm_ctx *c, const int32_t *toks, uint32_t n, uint32_t pos0, bool want_logits)
{
	struct llm_model *m = c->m;
	const struct llm_hparams *hp = &m->hp;
	size_t E = hp->n_embd, i;
	uint32_t il, b;

	for (b = 0; b < n; b++)
		llm_dequant_row(m->tok_embd.type,
				(const uint8_t *)m->tok_embd.data + (size_t)toks[b] * m->tok_embd.row_bytes,
				c->x + b * E, E);
	for (il = 0; il < hp->n_layer; il++) {
		const struct layer *L = &m->layers[il];
		/* a cancel is honoured between layers: the batch's cache rows
		 * past c->pos are simply written again later */
		if (c->abort && c->abort(c->abort_ud))
			return false;
		for (b = 0; b < n; b++)
			rmsnorm(c->xb + b * E, c->x + b * E, &L->attn_norm, E, hp->rms_eps);
		attention(c, L, il, pos0, n);
		for (i = 0; i < n * E; i++)
			c->x[i] += c->xb2[i];
		for (b = 0; b < n; b++)
			rmsnorm(c->xb + b * E, c->x + b * E, &L->ffn_norm, E, hp->rms_eps);
		if (hp->n_expert > 0)
			for (b = 0; b < n; b++)
				ffn_moe(c, L, c->xb + b * E, c->xb2 + b * E);
		else
			ffn_dense(c, L, n);
		for (i = 0; i < n * E; i++)
			c->x[i] += c->xb2[i];
	}
	if (!want_logits)
		return true;
	rmsnorm(c->xb, c->x + (size_t)(n - 1) * E, &m->out_norm, E, hp->rms_eps);
	matmul_w(c, &m->output, c->xb, 1, c->logits);
	return true;
}

enum cerr
llm_eval(struct llm_ctx *c, const int32_t *toks, size_t n, float **logits)
{
	size_t i;
	if (n == 0)
		return C_ERR_INVAL;
	if (n > c->n_ctx - c->pos)
		return C_ERR_CONTEXT;
	for (i = 0; i < n; i++)
		if (toks[i] < 0 || (uint32_t)toks[i] >= c->m->hp.n_vocab)
			return C_ERR_INVAL;
	for (i = 0; i < n;) {
		uint32_t k = n - i < LLM_BATCH ? (uint32_t)(n - i) : LLM_BATCH, j;
		if (!forward(c, toks + i, k, c->pos, i + k == n))
			return C_ERR_CANCELLED;
		for (j = 0; j < k; j++)
			c->toks[c->pos++] = toks[i + j];
		i += k;
	}
	if (logits)
		*logits = c->logits;
	return C_OK;
}
