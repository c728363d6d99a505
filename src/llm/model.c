/* model.c: loading a GGUF model and making contexts.  See llm.h; the
 * forward pass is in forward.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llm/llm.h"
#include "llm/model-impl.h"
#include "llm/pool.h"
#include "llm/quant.h"
#include "util/xalloc.h"

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
