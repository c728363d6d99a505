/* kern-x86.h: the x86 kernel set, included by kern-avx2.c and
 * kern-avx512.c after each has set its target and defined
 *   KERN_SET   the struct llm_kern to define
 *   KR, KT     tile rows and tokens
 *   KERN_VNNI  1 to use vpdpbusd for the 8-bit products
 *   KERN_WIDE  1 for 512-bit tiles (kern-x86w.h, included after this)
 * and then kern-x86e.h, the entry points and the table.
 *
 * Tiles: for each block, R weight rows are unpacked once into registers
 * and used against T activation rows; every (row, token) pair keeps its
 * own float accumulator, one horizontal add at the end of the row. */
#include <immintrin.h>
#include <string.h>

#include "llm/kern.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

/* Decoding (one token) reads each weight once, a few rows at a time:
 * the hardware prefetcher alone keeps one core at half the memory
 * speed.  A tile asks for the same bytes PF_ROWS rows below, which the
 * tile after next reads, so they arrive in time (measured on Qwen2.5-0.5B
 * Q8_0, one thread, AVX-512: 18.7 -> 40 tokens/s; 4 rows ahead 39, 8
 * best, 12 and 16 39).  `n` bytes from b: one request per 64-byte line. */
#define PF_ROWS 8
INL void
pf_ahead(const uint8_t *b, size_t ws, size_t n)
{
	size_t k;
	for (k = 0; k < n; k += 64)
		_mm_prefetch((const char *)b + PF_ROWS * ws + k, _MM_HINT_T0);
}

INL float
h2f(const uint8_t *p)
{
	uint16_t h;
	memcpy(&h, p, 2);
	return _cvtsh_ss(h);
}

INL __m256i
ld256(const void *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

/* u8 x s8 -> 8 int32 lanes, each the sum of four products */
INL __m256i
dot_u8(__m256i u, __m256i s)
{
#if KERN_VNNI
	return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
	return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/* s8 x s8 with aw = |w| (|w| <= 128 and |x| <= 127 keep the pairs of
 * maddubs inside int16) */
INL __m256i
dot_s8(__m256i aw, __m256i w, __m256i x)
{
	return dot_u8(aw, _mm256_sign_epi8(x, w));
}

INL float
hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

INL __m256
fma_i(__m256i i, float scale, __m256 acc)
{
	return _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_set1_ps(scale), acc);
}

/* 16 bytes of nibbles -> 32 bytes: low nibbles, then high ones */
INL __m256i
nibbles(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p), m = _mm_set1_epi8(15);
	return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
}

/* bit j of a 32-bit word -> byte j: 0x10 where set, else 0 */
INL __m256i
bits16(const uint8_t *p)
{
	uint32_t qh;
	memcpy(&qh, p, 4);
#if KERN_VNNI
	return _mm256_maskz_mov_epi8((__mmask32)qh, _mm256_set1_epi8(16));
#else
	{
		__m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh),
						_mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
								  0x0101010101010101, 0));
		v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
		return _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)),
					_mm256_set1_epi8(16));
	}
#endif
}

/* ---- 32-weight blocks: unpack to signed (Q4_0, Q5_0, Q8_0) or unsigned
 * with a minimum (Q4_1, Q5_1).  A nibble block's scale is at 0, its min
 * (MIN) at 2, its nibbles at QO and its fifth bits at HO (0: none); the
 * signed types take OFF off each weight (the wn_ forms, for the 512-bit
 * tiles, keep it on). */
#define UNPACK32(NAME, QO, HO, MIN, OFF)                                          \
	INL __m256i NAME(const uint8_t *b, float *d, float *m)                    \
	{                                                                         \
		__m256i v = nibbles(b + (QO));                                    \
		*d = h2f(b);                                                      \
		if (MIN)                                                          \
			*m = h2f(b + 2);                                          \
		if (HO)                                                           \
			v = _mm256_or_si256(v, bits16(b + (HO)));                 \
		return (OFF) ? _mm256_sub_epi8(v, _mm256_set1_epi8(OFF)) : v;     \
	}
UNPACK32(un_q4_0, 2, 0, 0, 8)
UNPACK32(un_q5_0, 6, 2, 0, 16)
UNPACK32(un_q4_1, 4, 0, 1, 0)
UNPACK32(un_q5_1, 8, 4, 1, 0)
UNPACK32(wn_q4_0, 2, 0, 0, 0)
UNPACK32(wn_q5_0, 6, 2, 0, 0)

INL __m256i
un_q8_0(const uint8_t *b, float *d, float *m)
{
	*d = h2f(b);
	return ld256(b + 2);
}

/* acc[r][t] (r < R, t < T) of an NR x NT tile of vectors V, zeroed */
#define ACC_ZERO(V, ZERO, NR, NT, R, T)                  \
	V acc[NR][NT];                                   \
	int r, t;                                        \
	UNROLL for (r = 0; r < (R); r++)                 \
		UNROLL for (t = 0; t < (T); t++)         \
			acc[r][t] = ZERO()
/* each accumulator's lanes summed (SUM) into y */
#define ACC_SUMS(R, T, SUM)                              \
	UNROLL for (r = 0; r < (R); r++)                 \
		UNROLL for (t = 0; t < (T); t++)         \
			y[(size_t)t * ys + r] = SUM(acc[r][t])
#define ACC_INIT(R, T) ACC_ZERO(__m256, _mm256_setzero_ps, KR, KT, R, T)
#define ACC_STORE(R, T) ACC_SUMS(R, T, hsum)

/* nr rows against nt tokens: full tiles of KT tokens, then single ones;
 * rows KR at a time or singly.  CALL(NAME, R, T, r0, t0) runs the R x T
 * tile at row r0 and token t0 (r and t are the caller's ints). */
#define TILE_WALK(CALL, NAME)                                    \
	do {                                                     \
		for (t = 0; t + KT <= nt; t += KT) {             \
			if (nr == KR)                            \
				CALL(NAME, KR, KT, 0, t);        \
			else                                     \
				for (r = 0; r < nr; r++)         \
					CALL(NAME, 1, KT, r, t); \
		}                                                \
		for (; t < nt; t++) {                            \
			if (nr == KR)                            \
				CALL(NAME, KR, 1, 0, t);         \
			else                                     \
				for (r = 0; r < nr; r++)         \
					CALL(NAME, 1, 1, r, t);  \
		}                                                \
	} while (0)

/* 32-blocks, signed (MIN 0): acc += (dw * dx) * sum(w * q); or unsigned
 * with a minimum (MIN 1): acc += (dw dx) sum(n q) + (m dx) sum(q) */
#define TILE_32(NAME, BSZ, UNPACK, MIN)                                                  \
	INL void NAME##_tile(const int R, const int T, const uint8_t *w, size_t ws,       \
			     const uint8_t *x, size_t xs, size_t nb, float *y, size_t ys) \
	{                                                                                 \
		size_t i;                                                                 \
		ACC_INIT(R, T);                                                           \
		for (i = 0; i < nb; i++) {                                                \
			__m256i wq[KR], aw[KR];                                           \
			float wd[KR], wm[KR];                                             \
			UNROLL for (r = 0; r < R; r++) {                                  \
				if (T == 1)                                               \
					pf_ahead(w + (size_t)r * ws + i * (BSZ), ws, 1);  \
				wq[r] = UNPACK(w + (size_t)r * ws + i * (BSZ), &wd[r], &wm[r]); \
				if (!(MIN))                                               \
					aw[r] = _mm256_abs_epi8(wq[r]);                   \
			}                                                                 \
			UNROLL for (t = 0; t < T; t++) {                                  \
				const struct llm_q8b *xb =                                \
					(const struct llm_q8b *)(const void *)(x + (size_t)t * xs) + i; \
				__m256i xq = ld256(xb->q);                                \
				__m256i qs = (MIN) ? dot_u8(_mm256_set1_epi8(1), xq) : xq; \
				UNROLL for (r = 0; r < R; r++) {                          \
					if (MIN) {                                        \
						acc[r][t] = fma_i(dot_u8(wq[r], xq), wd[r] * xb->d, acc[r][t]); \
						acc[r][t] = fma_i(qs, wm[r] * xb->d, acc[r][t]); \
					} else {                                          \
						acc[r][t] = fma_i(dot_s8(aw[r], wq[r], xq), \
								  wd[r] * xb->d, acc[r][t]); \
					}                                                 \
				}                                                         \
			}                                                                 \
		}                                                                         \
		ACC_STORE(R, T);                                                          \
	}

TILE_32(q4_0, 18, un_q4_0, 0)
TILE_32(q5_0, 22, un_q5_0, 0)
TILE_32(q8_0, 34, un_q8_0, 0)
TILE_32(q4_1, 20, un_q4_1, 1)
TILE_32(q5_1, 24, un_q5_1, 1)

/* ---- K-quants against 256-blocks */
/* the 12 bytes of 6-bit scales and mins of a Q4_K / Q5_K block -> bytes
 * 0..7 the eight scales, 8..15 the eight mins */
INL __m128i
k_scales(const uint8_t *q)
{
	uint32_t u[4], a;
	memcpy(u, q, 12);
	u[3] = ((u[2] >> 4) & 0x0f0f0f0f) | (((u[1] >> 6) & 0x03030303) << 4);
	a = u[1] & 0x3f3f3f3f;
	u[1] = (u[2] & 0x0f0f0f0f) | (((u[0] >> 6) & 0x03030303) << 4);
	u[2] = a;
	u[0] &= 0x3f3f3f3f;
	return _mm_loadu_si128((const __m128i *)(const void *)u);
}

/* the mins of k_scales' bytes 8..15 as 16-bit lanes, each twice (a min
 * covers two 16-sums) */
INL __m256i
k_mins(__m128i sm)
{
	return _mm256_cvtepu8_epi16(_mm_shuffle_epi8(sm, _mm_setr_epi8(
		8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)));
}

/* Q4_K / Q5_K: sub-block j's 32 values are the low (even j) or high (odd
 * j) nibbles of bytes 32 (j / 2) .. + 32; Q5_K adds bit j of qh[l] */
INL void
k45_tile(const int R, const int T, const bool five, const uint8_t *w, size_t ws,
	 const uint8_t *x, size_t xs, size_t nb, float *y, size_t ys)
{
	const size_t bsz = five ? 176 : 144;
	const __m256i m4 = _mm256_set1_epi8(15);
	size_t i;
	int j;
	ACC_INIT(R, T);
	for (i = 0; i < nb; i++) {
		UNROLL for (r = 0; r < R; r++) {
			const uint8_t *b = w + (size_t)r * ws + i * bsz;
			const uint8_t *qs = b + (five ? 48 : 16);
			if (T == 1)
				pf_ahead(b, ws, bsz);
			__m256i q[8], scv[8], mins, scw;
			__m128i sm = k_scales(b + 4);
			float d = h2f(b), dmin = h2f(b + 2);
			/* each scale in every 16-bit lane of its own vector */
			mins = k_mins(sm);
			scw = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
			UNROLL for (j = 0; j < 8; j++)
				scv[j] = _mm256_shuffle_epi8(scw, _mm256_set1_epi16(
					(short)(((2 * j + 1) << 8) | (2 * j))));
			UNROLL for (j = 0; j < 4; j++) {
				__m256i v = ld256(qs + 32 * j);
				q[2 * j] = _mm256_and_si256(v, m4);
				q[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
			}
			if (five) {
				__m256i qh = ld256(b + 16), one = _mm256_set1_epi8(1);
				UNROLL for (j = 0; j < 8; j++)
					q[j] = _mm256_or_si256(q[j], _mm256_slli_epi16(_mm256_and_si256(
						_mm256_srli_epi16(qh, j), one), 4));
			}
			UNROLL for (t = 0; t < T; t++) {
				const struct llm_q8k *xb =
					(const struct llm_q8k *)(const void *)(x + (size_t)t * xs) + i;
				__m256i isum = _mm256_setzero_si256(), msum;
				UNROLL for (j = 0; j < 8; j++)
					isum = _mm256_add_epi32(isum, _mm256_madd_epi16(
						_mm256_maddubs_epi16(q[j], ld256(xb->q + 32 * j)),
						scv[j]));
				msum = _mm256_madd_epi16(ld256(xb->bs), mins);
				acc[r][t] = fma_i(isum, d * xb->d, acc[r][t]);
				acc[r][t] = fma_i(msum, -dmin * xb->d, acc[r][t]);
			}
		}
	}
	ACC_STORE(R, T);
}

/* as the entry points call them: NAME_tile(R, T, w, ws, x, xs, nb, y, ys) */
#define q4_k_tile(R, T, ...) k45_tile(R, T, false, __VA_ARGS__)
#define q5_k_tile(R, T, ...) k45_tile(R, T, true, __VA_ARGS__)

/* Q6_K: group g = 4h + k of 32 weights (h half, k quarter) holds
 * (ql nibble | 2 bits of qh) - 32 with scales sc[2g], sc[2g + 1] for its
 * two 16s; the -32 comes off as 32 * sum(sc * bs) */
INL void
q6_k_tile(const int R, const int T, const uint8_t *w, size_t ws, const uint8_t *x,
	  size_t xs, size_t nb, float *y, size_t ys)
{
	const __m256i m4 = _mm256_set1_epi8(15), m3 = _mm256_set1_epi8(3);
	size_t i;
	int g, h;
	ACC_INIT(R, T);
	for (i = 0; i < nb; i++) {
		UNROLL for (r = 0; r < R; r++) {
			const uint8_t *b = w + (size_t)r * ws + i * 210;
			const int8_t *sc = (const int8_t *)(b + 192);
			if (T == 1)
				pf_ahead(b, ws, 210);
			__m256i q[8], scv[8];
			__m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
			float d = h2f(b + 208);
			UNROLL for (h = 0; h < 2; h++) {
				__m256i l0 = ld256(b + 64 * h), l1 = ld256(b + 64 * h + 32);
				__m256i qh = ld256(b + 128 + 32 * h);
				q[4 * h] = _mm256_or_si256(_mm256_and_si256(l0, m4),
					_mm256_slli_epi16(_mm256_and_si256(qh, m3), 4));
				q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
					_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m3), 4));
				q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
					_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m3), 4));
				q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
					_mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m3), 4));
			}
			/* scv[g]: sc[2g] in the low 128 bits' 16-bit lanes,
			 * sc[2g + 1] in the high ones */
			{
				__m256i lo = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sc16));
				__m256i hi = _mm256_broadcastsi128_si256(_mm256_extracti128_si256(sc16, 1));
				UNROLL for (g = 0; g < 8; g++) {
					const int k = (2 * g) % 8;
					const __m256i ctl = _mm256_set_m128i(
						_mm_set1_epi16((short)(((2 * k + 3) << 8) | (2 * k + 2))),
						_mm_set1_epi16((short)(((2 * k + 1) << 8) | (2 * k))));
					scv[g] = _mm256_shuffle_epi8(g < 4 ? lo : hi, ctl);
				}
			}
			UNROLL for (t = 0; t < T; t++) {
				const struct llm_q8k *xb =
					(const struct llm_q8k *)(const void *)(x + (size_t)t * xs) + i;
				__m256i isum = _mm256_setzero_si256(), corr;
				UNROLL for (g = 0; g < 8; g++)
					isum = _mm256_add_epi32(isum, _mm256_madd_epi16(
						_mm256_maddubs_epi16(q[g], ld256(xb->q + 32 * g)), scv[g]));
				corr = _mm256_madd_epi16(ld256(xb->bs), sc16);
				isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(corr, 5));
				acc[r][t] = fma_i(isum, d * xb->d, acc[r][t]);
			}
		}
	}
	ACC_STORE(R, T);
}

/* ---- float weights: one pair at a time, eight lanes, four chains */
INL __m256
ld_f32(const uint8_t *p)
{
	return _mm256_loadu_ps((const float *)(const void *)p);
}

INL __m256
ld_f16(const uint8_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

INL __m256
ld_bf16(const uint8_t *p)
{
	__m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
	return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

INL float
sc_f32(const uint8_t *p)
{
	float f;
	memcpy(&f, p, 4);
	return f;
}

INL float
sc_bf16(const uint8_t *p)
{
	uint32_t u = (uint32_t)(p[0] | (p[1] << 8)) << 16;
	float f;
	memcpy(&f, &u, 4);
	return f;
}

/* float weights (ESZ bytes each) against float activations: one fma
 * chain per pair over VW columns at a time (vectors V: ZERO, LOADX,
 * FMA, SUM), then the tail in scalar.  The 256-bit set's _tile and the
 * 512-bit one's _wtile. */
#define FTILE_V(FN, ESZ, LOAD, SCALAR, V, VW, ZERO, LOADX, FMA, SUM)                      \
	INL void FN(const int R, const int T, const uint8_t *w, size_t ws,                \
		    const uint8_t *x, size_t xs, size_t n, float *y, size_t ys)           \
	{                                                                                 \
		size_t i = 0, k;                                                          \
		ACC_ZERO(V, ZERO, KR, KT, R, T);                                          \
		for (; i + (VW) <= n; i += (VW)) {                                        \
			V wv[KR];                                                         \
			UNROLL for (r = 0; r < R; r++)                                    \
				wv[r] = LOAD(w + (size_t)r * ws + i * (ESZ));             \
			UNROLL for (t = 0; t < T; t++) {                                  \
				V xv = LOADX((const float *)(const void *)(               \
					x + (size_t)t * xs) + i);                         \
				UNROLL for (r = 0; r < R; r++)                            \
					acc[r][t] = FMA(wv[r], xv, acc[r][t]);            \
			}                                                                 \
		}                                                                         \
		UNROLL for (r = 0; r < R; r++)                                            \
			UNROLL for (t = 0; t < T; t++) {                                  \
				const float *xt = (const float *)(const void *)(x + (size_t)t * xs); \
				float s = SUM(acc[r][t]);                                 \
				for (k = i; k < n; k++)                                   \
					s += SCALAR(w + (size_t)r * ws + k * (ESZ)) * xt[k]; \
				y[(size_t)t * ys + r] = s;                                \
			}                                                                 \
	}
#define FTILE(NAME, ESZ, LOAD, SCALAR)                                                    \
	FTILE_V(NAME##_tile, ESZ, LOAD, SCALAR, __m256, 8, _mm256_setzero_ps,             \
		_mm256_loadu_ps, _mm256_fmadd_ps, hsum)
FTILE(f32, 4, ld_f32, sc_f32)
FTILE(f16, 2, ld_f16, h2f)
FTILE(bf16, 2, ld_bf16, sc_bf16)
