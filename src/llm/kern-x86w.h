/* kern-x86w.h: 512-bit tiles for the AVX-512 set (KERN_WIDE), included
 * after kern-x86.h, whose helpers it uses.  Two blocks per register;
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

enum { W_OFF, W_SIGNED, W_MIN };

/* lanes 0..7 = p[0], 8..15 = p[1] (0 when !two) */
INL __m512
pair_ps(const float *p, bool two)
{
	__m128 v = two ? _mm_castpd_ps(_mm_load_sd((const double *)(const void *)p)) : _mm_load_ss(p);
	return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
				     _mm512_castps128_ps512(v));
}

#define WTILE(NAME, BSZ, UNPACK, MODE, OFF)                                               \
	INL void NAME##_wtile(const int R, const int T, const uint8_t *w, size_t ws,      \
			      const uint8_t *x, size_t xs, size_t nb, float *y, size_t ys, \
			      const float *pd, const float *pm, size_t ps)                \
	{                                                                                 \
		const __m512i zero = _mm512_setzero_si512();                              \
		size_t i;                                                                 \
		ACC_ZERO(__m512, _mm512_setzero_ps, KR, KT, R, T);                        \
		for (i = 0; i < nb; i += 2) {                                             \
			const bool two = i + 1 < nb;                                      \
			__m512i wv[KR], wc[KR];                                           \
			__m512 wd[KR], wm[KR];                                            \
			UNROLL for (r = 0; r < R; r++) {                                  \
				const uint8_t *b = w + (size_t)r * ws + i * (BSZ);        \
				float d0, d1 = 0.0f, m0 = 0.0f, m1 = 0.0f;                \
				if (T == 1)                                               \
					pf_ahead(b, ws, 2 * (BSZ));                       \
				__m256i lo = UNPACK(b, &d0, &m0);                         \
				__m256i hi = two ? UNPACK(b + (BSZ), &d1, &m1) : _mm256_setzero_si256(); \
				wv[r] = two256(lo, hi);                                   \
				/* the scales as floats: from the row's table when \
				 * there is one (the same values) */                 \
				wd[r] = pd ? pair_ps(pd + (size_t)r * ps + i, two) : two_ps(d0, d1); \
				if ((MODE) == W_MIN)                                      \
					wm[r] = pm ? pair_ps(pm + (size_t)r * ps + i, two) \
						   : two_ps(m0, m1);                      \
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
		ACC_SUMS(R, T, _mm512_reduce_add_ps);                                     \
	}

/* one tile of NAME_wtile with the scale tables pd, pm (or NULL) */
#define WCALL(NAME, R, T, r0, t0)                                                         \
	NAME##_wtile(R, T, w + (size_t)(r0) * ws, ws, x + (size_t)(t0) * xs, xs, nb,      \
		     y + (size_t)(t0) * ys + (r0), ys,                                    \
		     pd ? pd + (size_t)(r0) * WPRE_MAX : NULL,                             \
		     pm ? pm + (size_t)(r0) * WPRE_MAX : NULL, WPRE_MAX)

/* A row tile's block scales as floats once for all its token tiles
 * (rows up to WPRE_MAX blocks; one token, or longer rows, convert them
 * per tile, a separate instance so that decoding carries no table). */
#define WPRE_MAX 512
#define ENTRYW(NAME, BSZ, MIN)                                                            \
	static void t_##NAME(const uint8_t *w, size_t ws, int nr, const uint8_t *x, size_t xs, \
			     int nt, size_t cols, float *y, size_t ys)                    \
	{                                                                                 \
		float sd[KR][WPRE_MAX], sm[KR][MIN ? WPRE_MAX : 1];                       \
		const float *pd = NULL, *pm = NULL;                                       \
		size_t nb = cols / 32, i;                                                 \
		int r, t;                                                                 \
		if (nt == 1 || nb > WPRE_MAX) {                                           \
			TILE_WALK(WCALL, NAME);                                           \
			return;                                                           \
		}                                                                         \
		for (r = 0; r < nr; r++)                                                  \
			for (i = 0; i < nb; i++) {                                        \
				sd[r][i] = h2f(w + (size_t)r * ws + i * (BSZ));           \
				if (MIN)                                                  \
					sm[r][MIN ? i : 0] = h2f(w + (size_t)r * ws + i * (BSZ) + 2); \
			}                                                                 \
		pd = &sd[0][0];                                                           \
		pm = MIN ? &sm[0][0] : NULL;                                              \
		TILE_WALK(WCALL, NAME);                                                   \
	}

WTILE(q4_0, 18, wn_q4_0, W_OFF, 8)
WTILE(q5_0, 22, wn_q5_0, W_OFF, 16)
WTILE(q8_0, 34, un_q8_0, W_SIGNED, 0)
WTILE(q4_1, 20, un_q4_1, W_MIN, 0)
WTILE(q5_1, 24, un_q5_1, W_MIN, 0)

/* ---- K-quants, 64 weights per register in the activations' order */

/* 16-bit lanes 0..15 = s[a], 16..31 = s[b] of the int16 scales in s16 */
INL __m512i
spread2(__m512i s16, int a, int b)
{
	return _mm512_permutexvar_epi16(_mm512_inserti64x4(_mm512_set1_epi16((short)a),
							   _mm256_set1_epi16((short)b), 1), s16);
}

/* 256 lanes shifted right by a (low half) and b (high half) bits */
INL __m512i
srl2(__m512i v, int a, int b)
{
	return _mm512_srlv_epi16(v, _mm512_inserti64x4(_mm512_set1_epi16((short)a),
						      _mm256_set1_epi16((short)b), 1));
}

/* One token's part of a Q4_K / Q5_K block (weights q, scales spread in
 * sc, mins doubled) added to acc. */
INL __m512
k45_acc(__m512 acc, const __m512i q[4], const __m512i sc[4], __m256i mins, float d,
	float dmin, const struct llm_q8k *xb)
{
	__m512i isum = _mm512_setzero_si512();
	__m256i msum = _mm256_madd_epi16(ld256(xb->bs), mins);
	int j;
	UNROLL for (j = 0; j < 4; j++)
		isum = _mm512_add_epi32(isum, _mm512_madd_epi16(_mm512_maddubs_epi16(
			q[j], _mm512_loadu_si512(xb->q + 64 * j)), sc[j]));
	acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * xb->d), acc);
	return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_zextsi256_si512(msum)),
			       _mm512_set1_ps(-dmin * xb->d), acc);
}

INL void
k45_wtile(const int R, const int T, const bool five, const uint8_t *w, size_t ws,
	  const uint8_t *x, size_t xs, size_t nb, float *y, size_t ys)
{
	const size_t bsz = five ? 176 : 144;
	const __m512i m4 = _mm512_set1_epi8(15);
	size_t i;
	int j;
	ACC_ZERO(__m512, _mm512_setzero_ps, KR, KT, R, T);
	for (i = 0; i < nb; i++) {
		UNROLL for (r = 0; r < R; r++) {
			const uint8_t *b = w + (size_t)r * ws + i * bsz;
			const uint8_t *qs = b + (five ? 48 : 16);
			if (T == 1)
				pf_ahead(b, ws, bsz);
			__m128i sm = k_scales(b + 4);
			__m512i q[4], sc[4], s16 = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
			__m256i mins = k_mins(sm);
			float d = h2f(b), dmin = h2f(b + 2);
			UNROLL for (j = 0; j < 4; j++) {
				/* sub-blocks 2j (low nibbles) and 2j + 1 (high) */
				__m512i v = _mm512_broadcast_i64x4(ld256(qs + 32 * j));
				q[j] = _mm512_and_si512(srl2(v, 0, 4), m4);
				sc[j] = spread2(s16, 2 * j, 2 * j + 1);
			}
			if (five) {
				__m512i qh = _mm512_broadcast_i64x4(ld256(b + 16)), one = _mm512_set1_epi8(1);
				UNROLL for (j = 0; j < 4; j++)
					q[j] = _mm512_or_si512(q[j], _mm512_slli_epi16(_mm512_and_si512(
						srl2(qh, 2 * j, 2 * j + 1), one), 4));
			}
			UNROLL for (t = 0; t < T; t++)
				acc[r][t] = k45_acc(acc[r][t], q, sc, mins, d, dmin,
					(const struct llm_q8k *)(const void *)(x + (size_t)t * xs) + i);
		}
	}
	ACC_SUMS(R, T, _mm512_reduce_add_ps);
}

/* Prefill of Q4_K / Q5_K: a row tile's blocks unpacked once (nibbles
 * and fifth bits to bytes, the 6-bit scales and mins to 16 bits, the two
 * block scales to float) into `kp`, then every token tile works from
 * that: the unpacking was three quarters of the work when it was redone
 * for every four tokens.  The arithmetic per (row, token) is k45_wtile's,
 * in the same order, so results do not change. */
struct kpre {
	uint8_t q[256];  /* sub-block pairs: bytes 64j..64j+63 = sub-blocks 2j, 2j+1 */
	__m128i s16;     /* the 8 scales as 16-bit words */
	__m256i mins;    /* each min twice, 16-bit */
	float d, dmin;
};

INL void
k45_unpack(const bool five, const uint8_t *b, struct kpre *k)
{
	const __m512i m4 = _mm512_set1_epi8(15);
	const uint8_t *qs = b + (five ? 48 : 16);
	__m128i sm = k_scales(b + 4);
	int j;
	k->s16 = _mm_cvtepu8_epi16(sm);
	k->mins = k_mins(sm);
	k->d = h2f(b);
	k->dmin = h2f(b + 2);
	UNROLL for (j = 0; j < 4; j++) {
		__m512i v = _mm512_broadcast_i64x4(ld256(qs + 32 * j));
		__m512i q = _mm512_and_si512(srl2(v, 0, 4), m4);
		if (five) {
			__m512i qh = _mm512_broadcast_i64x4(ld256(b + 16));
			q = _mm512_or_si512(q, _mm512_slli_epi16(_mm512_and_si512(
				srl2(qh, 2 * j, 2 * j + 1), _mm512_set1_epi8(1)), 4));
		}
		_mm512_storeu_si512(k->q + 64 * j, q);
	}
}

/* The pre-unpacked prefill tile: rows come in pairs and tokens in eights
 * (PKR x PKT accumulators), twice the tokens a row block's loads serve. */
#define PKR 2
#define PKT 8
INL void
k45_ptile(const int R, const int T, const struct kpre *kp, size_t nb, const uint8_t *x,
	  size_t xs, float *y, size_t ys)
{
	size_t i;
	int j;
	ACC_ZERO(__m512, _mm512_setzero_ps, PKR, PKT, R, T);
	for (i = 0; i < nb; i++) {
		UNROLL for (r = 0; r < R; r++) {
			const struct kpre *k = kp + (size_t)r * nb + i;
			__m512i s16 = _mm512_castsi128_si512(k->s16), sc[4], q[4];
			UNROLL for (j = 0; j < 4; j++)
				sc[j] = spread2(s16, 2 * j, 2 * j + 1);
			UNROLL for (j = 0; j < 4; j++)
				q[j] = _mm512_loadu_si512(k->q + 64 * j);
			UNROLL for (t = 0; t < T; t++)
				acc[r][t] = k45_acc(acc[r][t], q, sc, k->mins, k->d, k->dmin,
					(const struct llm_q8k *)(const void *)(x + (size_t)t * xs) + i);
		}
	}
	ACC_SUMS(R, T, _mm512_reduce_add_ps);
}

/* Rows up to KPRE_MAX blocks (8192 weights) take the unpacked path. */
#define KPRE_MAX 32

#define q4_k_wtile(R, T, ...) k45_wtile(R, T, false, __VA_ARGS__)
#define q5_k_wtile(R, T, ...) k45_wtile(R, T, true, __VA_ARGS__)

/* Q6_K: half h's 64 bytes of ql give weights 128h + 0..63 (low nibbles)
 * and + 64..127 (high), with bit pairs 0/2 and 4/6 of qh */
INL void
q6_k_wtile(const int R, const int T, const uint8_t *w, size_t ws, const uint8_t *x,
	   size_t xs, size_t nb, float *y, size_t ys)
{
	const __m512i m4 = _mm512_set1_epi8(15), m3 = _mm512_set1_epi8(3);
	size_t i;
	int h, k;
	ACC_ZERO(__m512, _mm512_setzero_ps, KR, KT, R, T);
	for (i = 0; i < nb; i++) {
		UNROLL for (r = 0; r < R; r++) {
			const uint8_t *b = w + (size_t)r * ws + i * 210;
			if (T == 1)
				pf_ahead(b, ws, 210);
			__m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
			__m512i q[4], sc[4], s16 = _mm512_zextsi256_si512(sc16);
			float d = h2f(b + 208);
			UNROLL for (h = 0; h < 2; h++) {
				__m512i ql = _mm512_loadu_si512(b + 64 * h);
				__m512i qh = _mm512_broadcast_i64x4(ld256(b + 128 + 32 * h));
				q[2 * h] = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(
					_mm512_and_si512(srl2(qh, 0, 2), m3), 4));
				q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
					_mm512_slli_epi16(_mm512_and_si512(srl2(qh, 4, 6), m3), 4));
			}
			UNROLL for (k = 0; k < 4; k++) {
				/* 16-bit lane l of the 64 weights 64k.. is 16-group 4k + l / 8 */
				__m512i idx = _mm512_inserti64x4(
					_mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(4 * k + 1)),
										 _mm_set1_epi16((short)(4 * k)))),
					_mm256_set_m128i(_mm_set1_epi16((short)(4 * k + 3)),
							 _mm_set1_epi16((short)(4 * k + 2))), 1);
				sc[k] = _mm512_permutexvar_epi16(idx, s16);
			}
			UNROLL for (t = 0; t < T; t++) {
				const struct llm_q8k *xb =
					(const struct llm_q8k *)(const void *)(x + (size_t)t * xs) + i;
				__m512i isum = _mm512_setzero_si512();
				__m256i corr = _mm256_madd_epi16(ld256(xb->bs), sc16);
				UNROLL for (k = 0; k < 4; k++)
					isum = _mm512_add_epi32(isum, _mm512_madd_epi16(_mm512_maddubs_epi16(
						q[k], _mm512_loadu_si512(xb->q + 64 * k)), sc[k]));
				isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(_mm256_slli_epi32(corr, 5)));
				acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum),
							    _mm512_set1_ps(d * xb->d), acc[r][t]);
			}
		}
	}
	ACC_SUMS(R, T, _mm512_reduce_add_ps);
}

/* ---- float weights: 16 columns per register */
INL __m512
wld_f32(const uint8_t *p)
{
	return _mm512_loadu_ps((const float *)(const void *)p);
}

INL __m512
wld_f16(const uint8_t *p)
{
	return _mm512_cvtph_ps(ld256(p));
}

INL __m512
wld_bf16(const uint8_t *p)
{
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(ld256(p)), 16));
}

#define FWTILE(NAME, ESZ, LOAD, SCALAR)                                                   \
	FTILE_V(NAME##_wtile, ESZ, LOAD, SCALAR, __m512, 16, _mm512_setzero_ps,           \
		_mm512_loadu_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps)
FWTILE(f32, 4, wld_f32, sc_f32)
FWTILE(f16, 2, wld_f16, h2f)
FWTILE(bf16, 2, wld_bf16, sc_bf16)
