/* model.c: loading a GGUF model and making contexts.  See llm.h; the
 * forward pass is in forward.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llm/attn.h"
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
	xfree_all(m->layers, m->arch_name, m);
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

/* Every buffer of a context: where its pointer lives, how many elements
 * of what size.  The KV cache comes first (ctx_alloc_kv redoes it). */
struct cbuf {
	void **p;
	size_t n, el;
};
#define CTX_NBUF 20

static size_t
scratch_per_thread(const struct llm_hparams *hp, uint32_t n_ctx)
{
	size_t a = llm_attn_scratch(hp->head_dim_v);
	return n_ctx > a ? n_ctx : a;
}

/* fills b[] for a context of n_ctx on m (pointers into c); false on
 * overflow */
static bool
ctx_bufs(const struct llm_model *m, uint32_t n_ctx, bool ref, struct llm_ctx *c,
	 struct cbuf b[CTX_NBUF])
{
	const struct llm_hparams *hp = &m->hp;
	size_t kvk = (size_t)hp->n_head_kv * hp->head_dim_k, kvv = (size_t)hp->n_head_kv * hp->head_dim_v;
	size_t kel = ref ? sizeof(float) : sizeof(uint16_t), E = hp->n_embd;
	size_t B = n_ctx < LLM_BATCH ? n_ctx : LLM_BATCH;
	size_t used = hp->n_expert_used ? hp->n_expert_used : 1, half = hp->n_rot / 2 + 1;
	size_t lay_ctx = (size_t)hp->n_layer * n_ctx, kv_k, kv_v, rope, scr;
	int i = 0;

	if (!size_mul_ok(lay_ctx, kvk, &kv_k) || !size_mul_ok(lay_ctx, kvv, &kv_v) ||
	    !size_mul_ok(n_ctx, half, &rope) ||
	    !size_mul_ok(LLM_MAX_THREADS, scratch_per_thread(hp, n_ctx), &scr))
		return false;
	c->scratch_per = scratch_per_thread(hp, n_ctx);
#define BUF(ptr, count, size) (b[i++] = (struct cbuf){ (void **)(ptr), (count), (size) })
	BUF(&c->kcache, kv_k, kel);
	BUF(&c->vcache, kv_v, kel);
	BUF(&c->x, B * E, 4);
	BUF(&c->xb, B * E, 4);
	BUF(&c->xb2, B * E, 4);
	BUF(&c->q, B * hp->n_head * hp->head_dim_k, 4);
	BUF(&c->kb, B * kvk, 4);
	BUF(&c->vb, B * kvv, 4);
	BUF(&c->att_out, B * hp->n_head * hp->head_dim_v, 4);
	BUF(&c->scratch, scr, 4);
	BUF(&c->hb, B * max_ffn(hp), 4);
	BUF(&c->hb2, B * max_ffn(hp), 4);
	BUF(&c->moe_out, hp->n_expert ? B * used * E : 1, 4);
	BUF(&c->router, B * (hp->n_expert ? hp->n_expert : 1), 4);
	BUF(&c->moe_sel, B * used, sizeof(uint32_t));
	BUF(&c->moe_w, B * used, 4);
	BUF(&c->logits, hp->n_vocab, 4);
	BUF(&c->rope_cos, rope, 4);
	BUF(&c->rope_sin, rope, 4);
	BUF(&c->toks, n_ctx, sizeof(int32_t));
#undef BUF
	return i == CTX_NBUF;
}

static size_t
ctx_bytes(const struct llm_model *m, uint32_t n_ctx, bool ref)
{
	struct llm_ctx dummy;
	struct cbuf b[CTX_NBUF];
	size_t total = 0, bytes;
	int i;
	if (!ctx_bufs(m, n_ctx, ref, &dummy, b))
		return 0;
	for (i = 0; i < CTX_NBUF; i++)
		if (!size_mul_ok(b[i].n, b[i].el, &bytes) || !size_add_ok(total, bytes, &total))
			return 0;
	return total;
}

size_t
llm_ctx_mem_bytes(const struct llm_model *m, uint32_t n_ctx)
{
	if (n_ctx == 0)
		n_ctx = m->hp.n_ctx_train < 4096 ? m->hp.n_ctx_train : 4096;
	return ctx_bytes(m, n_ctx, false);
}

/* RoPE angles pos * inv_freq[i], in double, for every position */
static void
rope_tables(struct llm_ctx *c)
{
	const struct llm_model *m = c->m;
	uint32_t half = m->hp.n_rot / 2, i, p;
	for (i = 0; i < half; i++) {
		double inv = pow((double)m->hp.rope_base, -2.0 * i / (double)m->hp.n_rot);
		if (m->rope_freqs.data)
			inv /= ((const float *)m->rope_freqs.data)[i];
		for (p = 0; p < c->n_ctx; p++) {
			double th = (double)p * inv;
			c->rope_cos[(size_t)p * half + i] = (float)cos(th);
			c->rope_sin[(size_t)p * half + i] = (float)sin(th);
		}
	}
}

struct llm_ctx *
llm_ctx_new(struct llm_model *m, uint32_t n_ctx, struct buf *err)
{
	struct llm_ctx *c;
	struct cbuf b[CTX_NBUF];
	int k;

	if (n_ctx == 0)
		n_ctx = m->hp.n_ctx_train < 4096 ? m->hp.n_ctx_train : 4096;
	if (n_ctx == 0)
		n_ctx = 2048;
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->n_ctx = n_ctx;
	c->batch = n_ctx < LLM_BATCH ? n_ctx : LLM_BATCH;
	if (!ctx_bufs(m, n_ctx, false, c, b)) {
		buf_printf(err, "a context of %u tokens is too large", n_ctx);
		free(c);
		return NULL;
	}
	for (k = 0; k < CTX_NBUF; k++) {
		if (!(*b[k].p = calloc(b[k].n ? b[k].n : 1, b[k].el))) {
			buf_printf(err, "out of memory for a context of %u tokens (%zu bytes)", n_ctx,
				   llm_ctx_mem_bytes(m, n_ctx));
			llm_ctx_free(c);
			return NULL;
		}
	}
	{
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		c->pool = llm_pool_new(ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu);
	}
	c->attn_impl = llm_attn_pick();
	rope_tables(c);
	return c;
}

enum cerr
llm_ctx_set_reference(struct llm_ctx *c, bool on)
{
	struct cbuf b[CTX_NBUF];
	void *k, *v;
	if (on == c->ref)
		return C_OK;
	ctx_bufs(c->m, c->n_ctx, on, c, b); /* sizes only: pointers are not touched */
	k = calloc(b[0].n ? b[0].n : 1, b[0].el);
	v = calloc(b[1].n ? b[1].n : 1, b[1].el);
	if (!k || !v) {
		xfree_all(k, v);
		return C_ERR_NOMEM;
	}
	xfree_all(c->kcache, c->vcache);
	c->kcache = k;
	c->vcache = v;
	c->ref = on;
	c->pos = 0;
	return C_OK;
}

void
llm_ctx_free(struct llm_ctx *c)
{
	struct cbuf b[CTX_NBUF];
	int k;
	if (!c)
		return;
	ctx_bufs(c->m, c->n_ctx, c->ref, c, b);
	for (k = 0; k < CTX_NBUF; k++)
		free(*b[k].p);
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
llm_ctx_set_batch(struct llm_ctx *c, uint32_t n)
{
	uint32_t max = c->n_ctx < LLM_BATCH ? c->n_ctx : LLM_BATCH;
	c->batch = n < 1 ? 1 : n > max ? max : n;
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
