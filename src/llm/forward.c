/* forward.c: the forward pass.  See llm.h (model.c loads the model).
 *
 * One token at a time through: embedding lookup; per layer RMSNorm,
 * Q/K/V projections (+ biases for qwen2, + per-head RMSNorm for qwen3),
 * RoPE (pairs for llama, halves for the NeoX-style qwen family), causal
 * attention over the KV cache with grouped KV heads, output projection
 * and residual; RMSNorm, then a SwiGLU FFN (dense, or a routed mixture of
 * experts: softmax router, top-k, weights renormalised); final RMSNorm and
 * the output head (token_embd when output.weight is absent). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/attn.h"
#include "llm/llm.h"
#include "llm/model-impl.h"
#include "llm/pool.h"
#include "llm/quant.h"

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

/* rotate the first n_rot dims of one head by the angles of its position
 * (tables cs, sn [n_rot / 2] from the context) */
static void
rope(float *v, const float *cs, const float *sn, uint32_t n_rot, bool neox)
{
	uint32_t i, half = n_rot / 2;
	for (i = 0; i < half; i++) {
		uint32_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
		float x0 = v[a], x1 = v[b];
		v[a] = x0 * cs[i] - x1 * sn[i];
		v[b] = x0 * sn[i] + x1 * cs[i];
	}
}

/* y[b] = w x[b] for b < n (w is [ne0 = cols, ne1 = rows]) */
static void
matmul_w(const struct llm_ctx *c, const struct wt *w, const float *x, size_t n, float *y)
{
	llm_matmul(w->type, w->data, (size_t)w->ne[1], (size_t)w->ne[0], x, n, y, c->pool);
}

/* expert e's matrix of a [ne0, ne1, n_expert] tensor on n inputs */
static void
matmul_expert(const struct llm_ctx *c, const struct wt *w, uint32_t e, const float *x,
	      size_t n, float *y)
{
	const uint8_t *base = (const uint8_t *)w->data + (size_t)e * (size_t)w->ne[1] * w->row_bytes;
	llm_matmul(w->type, base, (size_t)w->ne[1], (size_t)w->ne[0], x, n, y, c->pool);
}

static float
silu(float x)
{
	return x / (1.0f + expf(-x));
}

/* Element-wise work of a batch goes to the pool in tasks (rows, or
 * chunks); each element is computed by the same code whatever thread
 * runs it, so results do not depend on the split.  The reference runs
 * them in order on the calling thread. */
static void
run_tasks(struct llm_ctx *c, size_t n_tasks, void (*fn)(void *, size_t, int), void *arg)
{
	llm_pool_run(c->ref ? NULL : c->pool, n_tasks, fn, arg);
}

/* x[b] += add[b] (when add), then out[b] = rmsnorm(x[b]) * w (when w) */
struct norm_job {
	struct llm_ctx *c;
	float *x, *out;
	const float *add;
	const struct wt *w;
};

static void
norm_task(void *arg, size_t b, int thread)
{
	const struct norm_job *j = arg;
	size_t E = j->c->m->hp.n_embd, i;
	float *x = j->x + b * E;
	(void)thread;
	if (j->add)
		for (i = 0; i < E; i++)
			x[i] += j->add[b * E + i];
	if (j->w)
		rmsnorm(j->out + b * E, x, j->w, E, j->c->m->hp.rms_eps);
}

static void
add_norm(struct llm_ctx *c, uint32_t n, const float *add, const struct wt *w)
{
	struct norm_job j = { c, c->x, c->xb, add, w };
	run_tasks(c, n, norm_task, &j);
}

/* hb[i] = silu(hb[i]) * hb2[i], i < n, in chunks */
#define SWIGLU_CHUNK 2048
struct swiglu_job {
	float *g;
	const float *u;
	size_t n;
};

static void
swiglu_task(void *arg, size_t t, int thread)
{
	const struct swiglu_job *j = arg;
	size_t i = t * SWIGLU_CHUNK, end = i + SWIGLU_CHUNK < j->n ? i + SWIGLU_CHUNK : j->n;
	(void)thread;
	for (; i < end; i++)
		j->g[i] = silu(j->g[i]) * j->u[i];
}

static void
swiglu(struct llm_ctx *c, float *g, const float *u, size_t n)
{
	struct swiglu_job j = { g, u, n };
	run_tasks(c, (n + SWIGLU_CHUNK - 1) / SWIGLU_CHUNK, swiglu_task, &j);
}

/* Per batch position b: biases, per-head norms and RoPE on the new Q and
 * K, then K and V into the cache at pos0 + b (F16, or F32 for the
 * reference). */
struct qkv_job {
	struct llm_ctx *c;
	const struct layer *L;
	uint32_t il, pos0;
};

static void
qkv_task(void *arg, size_t b, int thread)
{
	const struct qkv_job *j = arg;
	struct llm_ctx *c = j->c;
	const struct llm_hparams *hp = &c->m->hp;
	const struct layer *L = j->L;
	uint32_t hk = hp->head_dim_k, h, pos = j->pos0 + (uint32_t)b, half = hp->n_rot / 2;
	size_t kvk = (size_t)hp->n_head_kv * hk, kvv = (size_t)hp->n_head_kv * hp->head_dim_v;
	size_t qd = (size_t)hp->n_head * hk;
	size_t krow = ((size_t)j->il * c->n_ctx + pos) * kvk, vrow = ((size_t)j->il * c->n_ctx + pos) * kvv;
	float *q = c->q + b * qd, *k = c->kb + b * kvk, *v = c->vb + b * kvv;
	const float *cs = c->rope_cos + (size_t)pos * half, *sn = c->rope_sin + (size_t)pos * half;

	(void)thread;
	add_row(q, &L->bq, qd);
	add_row(k, &L->bk, kvk);
	add_row(v, &L->bv, kvv);
	for (h = 0; h < hp->n_head; h++) {
		float *qh = q + (size_t)h * hk;
		if (L->q_norm.data)
			rmsnorm(qh, qh, &L->q_norm, hk, hp->rms_eps);
		rope(qh, cs, sn, hp->n_rot, hp->rope_neox);
	}
	for (h = 0; h < hp->n_head_kv; h++) {
		float *kh = k + (size_t)h * hk;
		if (L->k_norm.data)
			rmsnorm(kh, kh, &L->k_norm, hk, hp->rms_eps);
		rope(kh, cs, sn, hp->n_rot, hp->rope_neox);
	}
	if (c->ref) {
		memcpy((float *)c->kcache + krow, k, kvk * sizeof(float));
		memcpy((float *)c->vcache + vrow, v, kvv * sizeof(float));
	} else {
		llm_f32_to_f16_row(c->attn_impl, k, (uint16_t *)c->kcache + krow, kvk);
		llm_f32_to_f16_row(c->attn_impl, v, (uint16_t *)c->vcache + vrow, kvv);
	}
}

/* Causal attention for batch positions b < n: one task per (position,
 * head), each with its thread's scratch; a head's result depends only on
 * its position, never on the batch or the split. */
struct att_job {
	struct llm_ctx *c;
	uint32_t il, pos0;
};

static void
att_task(void *arg, size_t task, int thread)
{
	const struct att_job *j = arg;
	struct llm_ctx *c = j->c;
	const struct llm_hparams *hp = &c->m->hp;
	uint32_t hk = hp->head_dim_k, hv = hp->head_dim_v, group = hp->n_head / hp->n_head_kv;
	uint32_t b = (uint32_t)(task / hp->n_head), h = (uint32_t)(task % hp->n_head);
	size_t kvk = (size_t)hp->n_head_kv * hk, kvv = (size_t)hp->n_head_kv * hv;
	size_t el = c->ref ? sizeof(float) : sizeof(uint16_t);
	const uint8_t *kc = (const uint8_t *)c->kcache + (size_t)j->il * c->n_ctx * kvk * el;
	const uint8_t *vc = (const uint8_t *)c->vcache + (size_t)j->il * c->n_ctx * kvv * el;
	float *scr = c->scratch + (size_t)thread * c->scratch_per;
	struct llm_attn_head a;

	a.q = c->q + b * (size_t)hp->n_head * hk + (size_t)h * hk;
	a.k = kc + (size_t)(h / group) * hk * el;
	a.v = vc + (size_t)(h / group) * hv * el;
	a.k_stride = kvk;
	a.v_stride = kvv;
	a.hk = hk;
	a.hv = hv;
	a.n = j->pos0 + b + 1;
	a.scale = 1.0f / sqrtf((float)hk);
	a.out = c->att_out + b * (size_t)hp->n_head * hv + (size_t)h * hv;
	if (c->ref)
		llm_attn_ref(&a, scr);
	else
		llm_attn_f16(c->attn_impl, &a, scr);
}

/* Attention for batch positions b < n at pos0 + b: Q, K, V of all of
 * them, K and V into the cache, attention, the output projection into
 * xb2. */
static void
attention(struct llm_ctx *c, const struct layer *L, uint32_t il, uint32_t pos0, uint32_t n)
{
	struct qkv_job qj = { c, L, il, pos0 };
	struct att_job aj = { c, il, pos0 };

	matmul_w(c, &L->wq, c->xb, n, c->q);   /* [n][n_head * head_dim_k] */
	matmul_w(c, &L->wk, c->xb, n, c->kb);  /* [n][n_head_kv * head_dim_k] */
	matmul_w(c, &L->wv, c->xb, n, c->vb);  /* [n][n_head_kv * head_dim_v] */
	run_tasks(c, n, qkv_task, &qj);
	run_tasks(c, (size_t)n * c->m->hp.n_head, att_task, &aj);
	matmul_w(c, &L->wo, c->att_out, n, c->xb2); /* [n][n_embd] */
}

static void
ffn_dense(struct llm_ctx *c, const struct layer *L, uint32_t n)
{
	size_t nf = (size_t)c->m->hp.n_ff * n;
	matmul_w(c, &L->w_gate, c->xb, n, c->hb);  /* [n][n_ff] */
	matmul_w(c, &L->w_up, c->xb, n, c->hb2);   /* [n][n_ff] */
	swiglu(c, c->hb, c->hb2, nf);
	matmul_w(c, &L->w_down, c->hb, n, c->xb2); /* [n][n_embd] */
}

/* token b's routing: softmax over the router scores, the top k (ties to
 * the lower index), their weights renormalised */
static void
moe_route(struct llm_ctx *c, uint32_t b)
{
	const struct llm_hparams *hp = &c->m->hp;
	uint32_t ne = hp->n_expert, k = hp->n_expert_used, i, j, q;
	float *r = c->router + (size_t)b * ne, maxv = -INFINITY, sum = 0.0f, wsum = 0.0f;
	uint32_t *sel = c->moe_sel + (size_t)b * k;
	float *w = c->moe_w + (size_t)b * k;

	for (i = 0; i < ne; i++)
		if (r[i] > maxv)
			maxv = r[i];
	for (i = 0; i < ne; i++) {
		r[i] = expf(r[i] - maxv);
		sum += r[i];
	}
	for (i = 0; i < ne; i++)
		r[i] /= sum;
	for (j = 0; j < k; j++) {
		uint32_t best = UINT32_MAX;
		for (i = 0; i < ne; i++) {
			bool taken = false;
			for (q = 0; q < j; q++)
				taken |= sel[q] == i;
			if (!taken && (best == UINT32_MAX || r[i] > r[best]))
				best = i;
		}
		sel[j] = best;
		w[j] = r[best];
		wsum += w[j];
	}
	for (j = 0; j < k; j++)
		w[j] /= wsum;
}

/* xb2[b] = sum over j of w[b][j] * moe_out[b][j], in j order */
static void
moe_sum_task(void *arg, size_t b, int thread)
{
	struct llm_ctx *c = arg;
	const struct llm_hparams *hp = &c->m->hp;
	size_t E = hp->n_embd, k = hp->n_expert_used, i, j;
	float *out = c->xb2 + b * E;
	(void)thread;
	memset(out, 0, E * sizeof(float));
	for (j = 0; j < k; j++) {
		const float *o = c->moe_out + (b * k + j) * E;
		float wj = c->moe_w[b * k + j];
		for (i = 0; i < E; i++)
			out[i] += wj * o[i];
	}
}

/* Routed experts for the batch: each expert that some token chose runs
 * once on the tokens that chose it (its weights are read once per
 * batch; experts nobody chose are never touched). */
static void
ffn_moe(struct llm_ctx *c, const struct layer *L, uint32_t n)
{
	const struct llm_hparams *hp = &c->m->hp;
	size_t E = hp->n_embd, k = hp->n_expert_used, nf = hp->n_ff_exp;
	uint32_t b, e, m;
	size_t slot[LLM_BATCH], j; /* n <= c->batch <= LLM_BATCH */

	/* routing is a discrete choice: in float, as the reference does it */
	llm_matmul_float(L->router.type, L->router.data, (size_t)L->router.ne[1],
			 (size_t)L->router.ne[0], c->xb, n, c->router, c->pool); /* [n][n_expert] */
	for (b = 0; b < n; b++)
		moe_route(c, b);
	for (e = 0; e < hp->n_expert; e++) {
		m = 0;
		for (b = 0; b < n; b++)
			for (j = 0; j < k; j++)
				if (c->moe_sel[b * k + j] == e) {
					slot[m] = b * k + j;
					memcpy(c->xb2 + (size_t)m * E, c->xb + (size_t)b * E,
					       E * sizeof(float));
					m++;
				}
		if (m == 0)
			continue;
		matmul_expert(c, &L->gate_exps, e, c->xb2, m, c->hb);  /* [m][n_ff_exp] */
		matmul_expert(c, &L->up_exps, e, c->xb2, m, c->hb2);   /* [m][n_ff_exp] */
		swiglu(c, c->hb, c->hb2, m * nf);
		matmul_expert(c, &L->down_exps, e, c->hb, m, c->xb2);  /* [m][n_embd] */
		for (j = 0; j < m; j++)
			memcpy(c->moe_out + slot[j] * E, c->xb2 + j * E, E * sizeof(float));
	}
	run_tasks(c, n, moe_sum_task, c);
}

/* toks[0..n) (n <= c->batch) at positions pos0.. through the model;
 * logits of the last one when want_logits. */
static bool
forward(struct llm_ctx *c, const int32_t *toks, uint32_t n, uint32_t pos0, bool want_logits)
{
	struct llm_model *m = c->m;
	const struct llm_hparams *hp = &m->hp;
	size_t E = hp->n_embd;
	uint32_t il, b;

	for (b = 0; b < n; b++)
		llm_dequant_row(m->tok_embd.type,
				(const uint8_t *)m->tok_embd.data + (size_t)toks[b] * m->tok_embd.row_bytes,
				c->x + b * E, E);
	add_norm(c, n, NULL, &m->layers[0].attn_norm);
	for (il = 0; il < hp->n_layer; il++) {
		const struct layer *L = &m->layers[il];
		/* a cancel is honoured between layers: the batch's cache rows
		 * past c->pos are simply written again later */
		if (c->abort && c->abort(c->abort_ud))
			return false;
		attention(c, L, il, pos0, n);
		add_norm(c, n, c->xb2, &L->ffn_norm);
		if (hp->n_expert > 0)
			ffn_moe(c, L, n);
		else
			ffn_dense(c, L, n);
		/* the residual, and the next layer's input norm */
		add_norm(c, n, c->xb2, il + 1 < hp->n_layer ? &m->layers[il + 1].attn_norm : NULL);
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
		uint32_t k = n - i < c->batch ? (uint32_t)(n - i) : c->batch, j;
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
