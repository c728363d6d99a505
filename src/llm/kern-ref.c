/* kern-ref.c: the portable C kernel set, the reference every SIMD kernel
 * is tested against.  One (row, activation row) pair at a time, in plain
 * integer loops that compilers vectorise; block layouts as in quant.c. */
#include <stdbool.h>
#include <string.h>

#include "llm/kern.h"
#include "llm/quant.h"

static inline float
h2f(const uint8_t *p)
{
	return llm_f16_to_f32((uint16_t)(p[0] | (p[1] << 8)));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* sum of n[j] * q[j] for the 32 weights of a 4-bit block (low nibbles
 * first, then high) plus an optional fifth bit from qh, minus `off` */
static inline int32_t
dot_nib(const uint8_t *qs, uint32_t qh, int off, const int8_t *q)
{
	int32_t s = 0;
	int j;
	for (j = 0; j < 16; j++) {
		int lo = (qs[j] & 15) | (int)(((qh >> j) & 1) << 4);
		int hi = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
		s += (lo - off) * q[j] + (hi - off) * q[j + 16];
	}
	return s;
}

static inline int32_t
sum_q(const int8_t *q, int n)
{
	int32_t s = 0;
	int j;
	for (j = 0; j < n; j++)
		s += q[j];
	return s;
}

/* One weight type: its blocks hold bs weights in bsz bytes against
 * activation blocks of xsz bytes; blk adds one block's part of a dot
 * product to acc.  Where the parts lie, in bytes from a block's start:
 * the quants at qoff, the high bits at hoff (0: none; Q6_K's start
 * there); a Q4_0 .. Q5_1 weight is its nibble with the fifth bit minus
 * `off`, a Q6_K one its six bits minus `off`; `min` for the types with a
 * minimum (Q4_1, Q5_1: an f16 at 2). */
struct lay {
	size_t bs, bsz, xsz, qoff, hoff;
	int off;
	bool min;
	float (*blk)(float acc, const uint8_t *w, const void *x, const struct lay *L);
};

/* Q4_0, Q4_1, Q5_0, Q5_1 */
static inline float
blk_nib32(float acc, const uint8_t *w, const void *xv, const struct lay *L)
{
	const struct llm_q8b *x = xv;
	uint32_t qh = L->hoff ? rd32(w + L->hoff) : 0;
	acc += (float)dot_nib(w + L->qoff, qh, L->off, x->q) * (h2f(w) * x->d);
	if (L->min)
		acc += (float)sum_q(x->q, 32) * (h2f(w + 2) * x->d);
	return acc;
}

static inline float
blk_q8_0(float acc, const uint8_t *w, const void *xv, const struct lay *L)
{
	const struct llm_q8b *x = xv;
	int32_t s = 0;
	int j;
	for (j = 0; j < 32; j++)
		s += (int8_t)w[L->qoff + j] * x->q[j];
	return acc + (float)s * (h2f(w) * x->d);
}

/* Q4_K and Q5_K (fifth bits at hoff): sub-block j of 32 uses byte
 * (j/2)*32 + l, the low nibble for even j, the high for odd; Q5_K's fifth
 * bit is bit j of qh[l] */
static inline float
blk_q45_k(float acc, const uint8_t *w, const void *xv, const struct lay *L)
{
	const struct llm_q8k *x = xv;
	const uint8_t *qh = w + L->hoff, *qs = w + L->qoff;
	int32_t isum = 0, msum = 0;
	int j, l;
	for (j = 0; j < 8; j++) {
		int sc, m;
		int32_t s = 0;
		llm_k4_scale_min(j, w + 4, &sc, &m);
		for (l = 0; l < 32; l++) {
			int v = (j & 1) ? qs[(j / 2) * 32 + l] >> 4 : qs[(j / 2) * 32 + l] & 15;
			if (L->hoff)
				v |= ((qh[l] >> j) & 1) << 4;
			s += v * x->q[32 * j + l];
		}
		isum += sc * s;
		msum += m * (x->bs[2 * j] + x->bs[2 * j + 1]);
	}
	acc += (float)isum * (h2f(w) * x->d);
	return acc + (float)msum * (-h2f(w + 2) * x->d);
}

/* Q6_K: weight 128h + 32g + l (g < 4, l < 32) is (ql low/high nibble |
 * 2 bits of qh) - 32, scaled by sc[(128h + 32g + l) / 16] */
static inline float
blk_q6_k(float acc, const uint8_t *w, const void *xv, const struct lay *L)
{
	const struct llm_q8k *x = xv;
	const int8_t *sc = (const int8_t *)(w + 192);
	int32_t isum = 0;
	int h, g, l;
	for (h = 0; h < 2; h++) {
		const uint8_t *ql = w + L->qoff + 64 * h, *qh = w + L->hoff + 32 * h;
		for (g = 0; g < 4; g++) {
			int32_t s0 = 0, s1 = 0;
			for (l = 0; l < 32; l++) {
				int lo = (g & 1) ? ql[l + 32] : ql[l];
				int v = ((g & 2) ? lo >> 4 : lo & 15) | (((qh[l] >> (2 * g)) & 3) << 4);
				int32_t p = (v - L->off) * x->q[128 * h + 32 * g + l];
				if (l < 16)
					s0 += p;
				else
					s1 += p;
			}
			isum += sc[8 * h + 2 * g] * s0 + sc[8 * h + 2 * g + 1] * s1;
		}
	}
	return acc + (float)isum * (h2f(w + 208) * x->d);
}

static const struct lay L_q4_0 = { 32, 18, sizeof(struct llm_q8b), 2, 0, 8, false, blk_nib32 };
static const struct lay L_q4_1 = { 32, 20, sizeof(struct llm_q8b), 4, 0, 0, true, blk_nib32 };
static const struct lay L_q5_0 = { 32, 22, sizeof(struct llm_q8b), 6, 2, 16, false, blk_nib32 };
static const struct lay L_q5_1 = { 32, 24, sizeof(struct llm_q8b), 8, 4, 0, true, blk_nib32 };
static const struct lay L_q8_0 = { 32, 34, sizeof(struct llm_q8b), 2, 0, 0, false, blk_q8_0 };
static const struct lay L_q4_k = { 256, 144, sizeof(struct llm_q8k), 16, 0, 0, true, blk_q45_k };
static const struct lay L_q5_k = { 256, 176, sizeof(struct llm_q8k), 48, 16, 0, true, blk_q45_k };
static const struct lay L_q6_k = { 256, 210, sizeof(struct llm_q8k), 0, 128, 32, false, blk_q6_k };

/* every (row, token) pair's blocks in order; inlined into each type's
 * tile so that L->blk is a direct call */
static inline __attribute__((always_inline)) void
tile_pairs(const struct lay *L, const uint8_t *w, size_t ws, int nr, const uint8_t *x,
	   size_t xs, int nt, size_t cols, float *y, size_t yst)
{
	size_t nb = cols / L->bs, i;
	int r, t;
	for (t = 0; t < nt; t++)
		for (r = 0; r < nr; r++) {
			const uint8_t *wr = w + (size_t)r * ws, *xr = x + (size_t)t * xs;
			float acc = 0.0f;
			for (i = 0; i < nb; i++)
				acc = L->blk(acc, wr + i * L->bsz, xr + i * L->xsz, L);
			y[(size_t)t * yst + r] = acc;
		}
}

/* float weights: llm_dot_row, the float path's own order */
static void
tile_float(enum ggml_type type, const uint8_t *w, size_t ws, int nr, const uint8_t *x,
	   size_t xs, int nt, size_t cols, float *y, size_t yst)
{
	int r, t;
	for (t = 0; t < nt; t++)
		for (r = 0; r < nr; r++)
			y[(size_t)t * yst + r] = llm_dot_row(type, w + (size_t)r * ws,
							     (const float *)(const void *)(x + (size_t)t * xs),
							     cols);
}

#define REF_TILE(name)                                                                   \
	static void t_##name(const uint8_t *w, size_t ws, int nr, const uint8_t *x,       \
			     size_t xs, int nt, size_t cols, float *y, size_t yst)        \
	{                                                                                 \
		tile_pairs(&L_##name, w, ws, nr, x, xs, nt, cols, y, yst);                \
	}
#define REF_FLOAT(name, type)                                                            \
	static void t_##name(const uint8_t *w, size_t ws, int nr, const uint8_t *x,       \
			     size_t xs, int nt, size_t cols, float *y, size_t yst)        \
	{                                                                                 \
		tile_float(type, w, ws, nr, x, xs, nt, cols, y, yst);                     \
	}

REF_TILE(q4_0)
REF_TILE(q4_1)
REF_TILE(q5_0)
REF_TILE(q5_1)
REF_TILE(q8_0)
REF_TILE(q4_k)
REF_TILE(q5_k)
REF_TILE(q6_k)
REF_FLOAT(f32, GGML_F32)
REF_FLOAT(f16, GGML_F16)
REF_FLOAT(bf16, GGML_BF16)

const struct llm_kern llm_kern_scalar = {
	.kr = 1, .kt = 1,
	.fn = LLM_KERN_FNS,
	.quant = llm_act_quant,
};
