/* kern-x86w.h: 512-bit tiles for the 32-weight block types, part of
 * kern-x86.h when KERN_WIDE (the AVX-512 set).  Two blocks per register;
 * every product is one vpdpbusd whose accumulator starts at the block's
 * offset term:
 *   Q4_0, Q5_0  unsigned n against x, starting at -off * sum(x)
 *   Q8_0        x + 128 (unsigned) against w, starting at -128 * sum(w)
 *   Q4_1, Q5_1  unsigned n against x, plus m * dx * sum(x) in float
 * A row's odd last block runs with a zero second half. */

INL __m512i
two256(__m256i a, __m256i b)
{
	return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

INL __m512
two_ps(float a, float b)
{
	return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(
		_mm256_set1_ps(a))), _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

INL __m512i
dpbusd(__m512i acc, __m512i u, __m512i s)
{
	return _mm512_dpbusd_epi32(acc, u, s);
}

INL __m256i
wn_q4_0(const uint8_t *b, float *d, float *m)
{
	*d = h2f(b);
	return nibbles(b + 2);
}

INL __m256i
wn_q5_0(const uint8_t *b, float *d, float *m)
{
	*d = h2f(b);
	return _mm256_or_si256(nibbles(b + 6), bits16(b + 2));
}

enum { W_OFF, W_SIGNED, W_MIN };

#define WTILE(NAME, BSZ, UNPACK, MODE, OFF)                                               \
	INL void NAME##_wtile(const int R, const int T, const uint8_t *w, size_t ws,      \
			      const uint8_t *x, size_t xs, size_t nb, float *y, size_t ys) \
	{                                                                                 \
		const __m512i zero = _mm512_setzero_si512();                              \
		__m512 acc[KR][KT];                                                       \
		size_t i;                                                                 \
		int r, t;                                                                 \
		UNROLL for (r = 0; r < R; r++)                                            \
			UNROLL for (t = 0; t < T; t++)                                    \
				acc[r][t] = _mm512_setzero_ps();                          \
		for (i = 0; i < nb; i += 2) {                                             \
			const bool two = i + 1 < nb;                                      \
			__m512i wv[KR], wc[KR];                                           \
			__m512 wd[KR], wm[KR];                                            \
			UNROLL for (r = 0; r < R; r++) {                                  \
				const uint8_t *b = w + (size_t)r * ws + i * (BSZ);        \
				float d0, d1 = 0.0f, m0 = 0.0f, m1 = 0.0f;                \
				__m256i lo = UNPACK(b, &d0, &m0);                         \
				__m256i hi = two ? UNPACK(b + (BSZ), &d1, &m1) : _mm256_setzero_si256(); \
				wv[r] = two256(lo, hi);                                   \
				wd[r] = two_ps(d0, d1);                                   \
				if ((MODE) == W_MIN)                                      \
					wm[r] = two_ps(m0, m1);                           \
				if ((MODE) == W_SIGNED)                                   \
					wc[r] = _mm512_sub_epi32(zero, dpbusd(zero,       \
						_mm512_set1_epi8((char)0x80), wv[r]));    \
			}                                                                 \
			UNROLL for (t = 0; t < T; t++) {                                  \
				const struct llm_q8b *xb =                                \
					(const struct llm_q8b *)(const void *)(x + (size_t)t * xs) + i; \
				__m512i xv = two256(ld256(xb[0].q),                       \
						    two ? ld256(xb[1].q) : _mm256_setzero_si256()); \
				__m512 xd = two_ps(xb[0].d, two ? xb[1].d : 0.0f);        \
				__m512i init = zero;                                      \
				if ((MODE) == W_OFF)                                      \
					init = _mm512_sub_epi32(zero, dpbusd(zero,        \
						_mm512_set1_epi8(OFF), xv));              \
				if ((MODE) == W_MIN)                                      \
					init = dpbusd(zero, _mm512_set1_epi8(1), xv);     \
				if ((MODE) == W_SIGNED)                                   \
					xv = _mm512_xor_si512(xv, _mm512_set1_epi8((char)0x80)); \
				UNROLL for (r = 0; r < R; r++) {                          \
					__m512i is = (MODE) == W_SIGNED ? dpbusd(wc[r], xv, wv[r]) \
						   : (MODE) == W_OFF ? dpbusd(init, wv[r], xv) \
						   : dpbusd(zero, wv[r], xv);                 \
					acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), \
						_mm512_mul_ps(wd[r], xd), acc[r][t]);     \
					if ((MODE) == W_MIN)                              \
						acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(init), \
							_mm512_mul_ps(wm[r], xd), acc[r][t]); \
				}                                                         \
			}                                                                 \
		}                                                                         \
		UNROLL for (r = 0; r < R; r++)                                            \
			UNROLL for (t = 0; t < T; t++)                                    \
				y[(size_t)t * ys + r] = _mm512_reduce_add_ps(acc[r][t]);  \
	}

WTILE(q4_0, 18, wn_q4_0, W_OFF, 8)
WTILE(q5_0, 22, wn_q5_0, W_OFF, 16)
WTILE(q8_0, 34, un_q8_0, W_SIGNED, 0)
WTILE(q4_1, 20, un_q4_1, W_MIN, 0)
WTILE(q5_1, 24, un_q5_1, W_MIN, 0)
