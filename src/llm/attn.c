/* attn.c: attention of one head over the KV cache.  See attn.h.
 *
 * Scratch layout of the one-pass kernels: scores [LLM_ATTN_BLOCK], then
 * the value accumulator [hv] (rounded up to 8), then one converted row
 * [max(hk, hv)] for the portable kernel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/attn.h"
#include "llm/quant.h"

/* GCC only, as the kernels (kern.h): clang 14's __builtin_cpu_supports
 * knows no "f16c", and clang builds take the portable path. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define ATTN_X86 1
#endif

static size_t
up8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t
llm_attn_scratch(uint32_t hv)
{
	/* the portable kernel converts K rows too: hk <= 4096 (checked at load) */
	return LLM_ATTN_BLOCK + up8(hv) + 4096;
}

bool
llm_attn_supported(enum llm_attn_impl impl)
{
	if (impl == LLM_ATTN_GENERIC)
		return true;
#ifdef ATTN_X86
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
	       __builtin_cpu_supports("f16c");
#else
	return false;
#endif
}

enum llm_attn_impl
llm_attn_pick(void)
{
	const char *e = getenv("CONCH_LLM_ATTN");
	if (e && strcmp(e, "generic") == 0)
		return LLM_ATTN_GENERIC;
	return llm_attn_supported(LLM_ATTN_AVX2) ? LLM_ATTN_AVX2 : LLM_ATTN_GENERIC;
}

/* ------------------------------------------------------------ reference */

void
llm_attn_ref(const struct llm_attn_head *h, float *att)
{
	const float *k = h->k, *v = h->v;
	float maxv = -INFINITY, sum = 0.0f;
	uint32_t t;

	for (t = 0; t < h->n; t++) {
		att[t] = llm_dot_f32(h->q, k + (size_t)t * h->k_stride, h->hk) * h->scale;
		if (att[t] > maxv)
			maxv = att[t];
	}
	for (t = 0; t < h->n; t++) {
		att[t] = expf(att[t] - maxv);
		sum += att[t];
	}
	memset(h->out, 0, h->hv * sizeof(float));
	for (t = 0; t < h->n; t++)
		llm_axpy(h->out, att[t] / sum, v + (size_t)t * h->v_stride, h->hv);
}

/* ------------------------------------------------------------- portable */

static void
f16_row(const uint16_t *src, float *dst, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		dst[i] = llm_f16_to_f32(src[i]);
}

/* Online softmax: a block whose largest score is bm raises the running
 * max *m to it, scaling the running sum *l and acc[0..hv) down to match. */
static inline void
raise_max(float bm, float *m, float *l, float *acc, size_t hv)
{
	size_t j;
	if (bm > *m) {
		float c = *m == -INFINITY ? 0.0f : expf(*m - bm);
		*l *= c;
		for (j = 0; j < hv; j++)
			acc[j] *= c;
		*m = bm;
	}
}

static void
attn_generic(const struct llm_attn_head *h, float *scratch)
{
	const uint16_t *k = h->k, *v = h->v;
	float *s = scratch, *acc = scratch + LLM_ATTN_BLOCK, *row = acc + up8(h->hv);
	float m = -INFINITY, l = 0.0f;
	uint32_t t0, i, nb;
	size_t j;

	memset(acc, 0, h->hv * sizeof(float));
	for (t0 = 0; t0 < h->n; t0 += nb) {
		float bm = -INFINITY;
		nb = h->n - t0 < LLM_ATTN_BLOCK ? h->n - t0 : LLM_ATTN_BLOCK;
		for (i = 0; i < nb; i++) {
			f16_row(k + (size_t)(t0 + i) * h->k_stride, row, h->hk);
			s[i] = llm_dot_f32(h->q, row, h->hk) * h->scale;
			if (s[i] > bm)
				bm = s[i];
		}
		raise_max(bm, &m, &l, acc, h->hv);
		for (i = 0; i < nb; i++) {
			s[i] = expf(s[i] - m);
			l += s[i];
		}
		for (i = 0; i < nb; i++) {
			f16_row(v + (size_t)(t0 + i) * h->v_stride, row, h->hv);
			llm_axpy(acc, s[i], row, h->hv);
		}
	}
	for (j = 0; j < h->hv; j++)
		h->out[j] = acc[j] / l;
}

/* ----------------------------------------------------- AVX2, FMA, F16C */

#ifdef ATTN_X86
#define AVX2_FN __attribute__((target("avx2,fma,f16c")))

/* e^x for x <= 0 (larger inputs are not needed here), relative error
 * about 2e-7: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for
 * e^r (Cephes' expf coefficients), 2^n put in the exponent. */
AVX2_FN static inline __m256
exp_neg(__m256 x)
{
	const __m256 lo = _mm256_set1_ps(-87.0f);
	__m256 fx, r, p, r2;
	__m256i e;
	x = _mm256_max_ps(x, lo);
	fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
			     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
	r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), r);
	p = _mm256_set1_ps(1.9875691500e-4f);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
	r2 = _mm256_mul_ps(r, r);
	p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
	e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
	return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

AVX2_FN static inline float
hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

AVX2_FN static inline __m256
ld16(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p));
}

AVX2_FN static float
dot_f16(const float *q, const uint16_t *k, uint32_t n)
{
	__m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
	uint32_t j = 0;
	float s;
	for (; j + 16 <= n; j += 16) {
		a = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), ld16(k + j), a);
		b = _mm256_fmadd_ps(_mm256_loadu_ps(q + j + 8), ld16(k + j + 8), b);
	}
	for (; j + 8 <= n; j += 8)
		a = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), ld16(k + j), a);
	s = hsum(_mm256_add_ps(a, b));
	for (; j < n; j++)
		s += q[j] * llm_f16_to_f32(k[j]);
	return s;
}

/* acc[0..hv) += sum over i < nb of p[i] * V[t0 + i], 32 values at a time
 * in registers */
AVX2_FN static void
add_values(float *acc, const float *p, const uint16_t *v, size_t stride, uint32_t nb,
	   uint32_t hv)
{
	uint32_t j = 0, i;
	for (; j + 32 <= hv; j += 32) {
		__m256 a0 = _mm256_loadu_ps(acc + j), a1 = _mm256_loadu_ps(acc + j + 8);
		__m256 a2 = _mm256_loadu_ps(acc + j + 16), a3 = _mm256_loadu_ps(acc + j + 24);
		for (i = 0; i < nb; i++) {
			const uint16_t *r = v + i * stride + j;
			__m256 w = _mm256_broadcast_ss(p + i);
			a0 = _mm256_fmadd_ps(w, ld16(r), a0);
			a1 = _mm256_fmadd_ps(w, ld16(r + 8), a1);
			a2 = _mm256_fmadd_ps(w, ld16(r + 16), a2);
			a3 = _mm256_fmadd_ps(w, ld16(r + 24), a3);
		}
		_mm256_storeu_ps(acc + j, a0);
		_mm256_storeu_ps(acc + j + 8, a1);
		_mm256_storeu_ps(acc + j + 16, a2);
		_mm256_storeu_ps(acc + j + 24, a3);
	}
	for (; j + 8 <= hv; j += 8) {
		__m256 a0 = _mm256_loadu_ps(acc + j);
		for (i = 0; i < nb; i++)
			a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(p + i), ld16(v + i * stride + j), a0);
		_mm256_storeu_ps(acc + j, a0);
	}
	for (; j < hv; j++)
		for (i = 0; i < nb; i++)
			acc[j] += p[i] * llm_f16_to_f32(v[i * stride + j]);
}

AVX2_FN static void
attn_avx2(const struct llm_attn_head *h, float *scratch)
{
	const uint16_t *k = h->k, *v = h->v;
	float *s = scratch, *acc = scratch + LLM_ATTN_BLOCK;
	float m = -INFINITY, l = 0.0f;
	uint32_t t0, i, nb;
	size_t j;

	memset(acc, 0, h->hv * sizeof(float));
	for (t0 = 0; t0 < h->n; t0 += nb) {
		float bm = -INFINITY;
		__m256 sum = _mm256_setzero_ps();
		nb = h->n - t0 < LLM_ATTN_BLOCK ? h->n - t0 : LLM_ATTN_BLOCK;
		for (i = 0; i < nb; i++) {
			s[i] = dot_f16(h->q, k + (size_t)(t0 + i) * h->k_stride, h->hk) * h->scale;
			if (s[i] > bm)
				bm = s[i];
		}
		raise_max(bm, &m, &l, acc, h->hv);
		/* pad the block to 8 with scores that give 0 */
		for (i = nb; i % 8; i++)
			s[i] = -INFINITY;
		for (i = 0; i < nb; i += 8) {
			__m256 e = exp_neg(_mm256_sub_ps(_mm256_loadu_ps(s + i), _mm256_set1_ps(m)));
			if (nb - i < 8) /* the -inf lanes: exp_neg clamps, so zero them */
				e = _mm256_and_ps(e, _mm256_castsi256_ps(_mm256_cmpgt_epi32(
					_mm256_set1_epi32((int)(nb - i)),
					_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))));
			_mm256_storeu_ps(s + i, e);
			sum = _mm256_add_ps(sum, e);
		}
		l += hsum(sum);
		add_values(acc, s, v + (size_t)t0 * h->v_stride, h->v_stride, nb, h->hv);
	}
	{
		float inv = 1.0f / l;
		for (j = 0; j < h->hv; j++)
			h->out[j] = acc[j] * inv;
	}
}

AVX2_FN static void
f16_store_avx2(const float *src, uint16_t *dst, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		dst[i] = llm_f32_to_f16(src[i]);
}
#endif

void
llm_attn_f16(enum llm_attn_impl impl, const struct llm_attn_head *h, float *scratch)
{
#ifdef ATTN_X86
	if (impl == LLM_ATTN_AVX2) {
		attn_avx2(h, scratch);
		return;
	}
#endif
	(void)impl;
	attn_generic(h, scratch);
}

void
llm_f32_to_f16_row(enum llm_attn_impl impl, const float *src, uint16_t *dst, size_t n)
{
	size_t i;
#ifdef ATTN_X86
	if (impl == LLM_ATTN_AVX2) {
		f16_store_avx2(src, dst, n);
		return;
	}
#endif
	(void)impl;
	for (i = 0; i < n; i++)
		dst[i] = llm_f32_to_f16(src[i]);
}
