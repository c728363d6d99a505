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
	/* routing is a discrete choice: in float, as the reference does it */
	llm_matmul_float(L->router.type, L->router.data, (size_t)L->router.ne[1],
			 (size_t)L->router.ne[0], xin, 1, c->router, c->pool);
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
