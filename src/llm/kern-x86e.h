/* kern-x86e.h: the x86 kernel set's entry points and table, after
 * kern-x86.h (helpers and 256-bit tiles) and, for KERN_WIDE, kern-x86w.h
 * (512-bit tiles): for each type, full tiles of KR rows and KT tokens
 * over a product, and the struct llm_kern that kern.c picks. */
#if KERN_WIDE
#define TILE_FN(NAME) NAME##_wtile
#else
#define TILE_FN(NAME) NAME##_tile
#endif

/* one tile of FN */
#define ECALL(FN, R, T, r0, t0)                                                           \
	FN(R, T, w + (size_t)(r0) * ws, ws, x + (size_t)(t0) * xs, xs, nb,                \
	   y + (size_t)(t0) * ys + (r0), ys)
#define ENTRY(NAME, BS)                                                                   \
	static void t_##NAME(const uint8_t *w, size_t ws, int nr, const uint8_t *x, size_t xs, \
			     int nt, size_t cols, float *y, size_t ys)                    \
	{                                                                                 \
		size_t nb = cols / (BS);                                                  \
		int r, t;                                                                 \
		TILE_WALK(ECALL, TILE_FN(NAME));                                          \
	}
ENTRY(f32, 1)
ENTRY(f16, 1)
ENTRY(bf16, 1)
#if KERN_WIDE
/* GCC 12 cannot see that the scale table is only read where it was
 * filled (rows < nr, blocks < nb; one token never reads it) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
ENTRYW(q4_0, 18, false)
ENTRYW(q4_1, 20, true)
ENTRYW(q5_0, 22, false)
ENTRYW(q5_1, 24, true)
ENTRYW(q8_0, 34, false)
#pragma GCC diagnostic pop
#else
ENTRY(q4_0, 32)
ENTRY(q4_1, 32)
ENTRY(q5_0, 32)
ENTRY(q5_1, 32)
ENTRY(q8_0, 32)
#endif
#if KERN_WIDE
/* Q4_K / Q5_K: prefill unpacks a full row tile once (k45_unpack), then
 * runs its token tiles; decoding and short or ragged cases as ENTRY. */
#define ENTRYK(NAME, FIVE)                                                                \
	ENTRY(NAME##_e, 256)                                                              \
	static void t_##NAME(const uint8_t *w, size_t ws, int nr, const uint8_t *x, size_t xs, \
			     int nt, size_t cols, float *y, size_t ys)                    \
	{                                                                                 \
		struct kpre kp[KR * KPRE_MAX];                                            \
		size_t nb = cols / 256, i;                                                \
		int r, t;                                                                 \
		if (nt < 2 * KT || nr != KR || nb > KPRE_MAX) {                          \
			t_##NAME##_e(w, ws, nr, x, xs, nt, cols, y, ys);                  \
			return;                                                           \
		}                                                                         \
		for (r = 0; r < KR; r++)                                                  \
			for (i = 0; i < nb; i++)                                          \
				k45_unpack(FIVE, w + (size_t)r * ws + i * ((FIVE) ? 176 : 144), \
					   &kp[(size_t)r * nb + i]);                      \
		for (r = 0; r < KR; r += PKR) {                                           \
			for (t = 0; t + PKT <= nt; t += PKT)                              \
				k45_ptile(PKR, PKT, kp + (size_t)r * nb, nb,              \
					  x + (size_t)t * xs, xs, y + (size_t)t * ys + r, ys); \
			for (; t < nt; t++)                                               \
				k45_ptile(PKR, 1, kp + (size_t)r * nb, nb,                \
					  x + (size_t)t * xs, xs, y + (size_t)t * ys + r, ys); \
		}                                                                         \
	}
#define q4_k_e_wtile q4_k_wtile
#define q5_k_e_wtile q5_k_wtile
ENTRYK(q4_k, false)
ENTRYK(q5_k, true)
#else
ENTRY(q4_k, 256)
ENTRY(q5_k, 256)
#endif
ENTRY(q6_k, 256)

/* ---- activation quantisers: llm_act_quant's arithmetic (the same max,
 * the same 127 / max, products rounded to nearest even as lrintf does) */
static float
q8_run(const float *x, int n, int8_t *q)
{
	__m256 mx = _mm256_setzero_ps(), sign = _mm256_set1_ps(-0.0f), vid;
	__m128 m;
	float amax, id;
	int i;
	for (i = 0; i < n; i += 8)
		mx = _mm256_max_ps(mx, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
	m = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
	m = _mm_max_ps(m, _mm_movehl_ps(m, m));
	m = _mm_max_ss(m, _mm_movehdup_ps(m));
	amax = _mm_cvtss_f32(m);
	id = amax > 0.0f ? 127.0f / amax : 0.0f;
	vid = _mm256_set1_ps(id);
	for (i = 0; i < n; i += 32) {
		__m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), vid));
		__m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), vid));
		__m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), vid));
		__m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), vid));
		/* packs interleave the 128-bit lanes: put them back in order */
		__m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
		__m256i v = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd),
							_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm256_storeu_si256((__m256i *)(void *)(q + i), v);
	}
	return amax / 127.0f;
}

/* 16-sums of each 128 bytes: bytes to int16 pairs, two rounds of pairs,
 * then int32 sums of [0..16) of each 32 in the low 128-bit lane and of
 * [16..32) in the high */
static void
bsums_run(struct llm_q8k *b)
{
	int k;
	for (k = 0; k < 2; k++) {
		const int8_t *q = b->q + 128 * k;
		const __m256i one = _mm256_set1_epi8(1);
		__m256i g = _mm256_hadd_epi16(
			_mm256_hadd_epi16(_mm256_maddubs_epi16(one, ld256(q)),
					  _mm256_maddubs_epi16(one, ld256(q + 32))),
			_mm256_hadd_epi16(_mm256_maddubs_epi16(one, ld256(q + 64)),
					  _mm256_maddubs_epi16(one, ld256(q + 96))));
		__m256i s32 = _mm256_permutevar8x32_epi32(
			_mm256_madd_epi16(g, _mm256_set1_epi16(1)),
			_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
		_mm_storeu_si128((__m128i *)(void *)(b->bs + 8 * k),
				 _mm_packs_epi32(_mm256_castsi256_si128(s32),
						 _mm256_extracti128_si256(s32, 1)));
	}
}

static void
act_quant(enum llm_act a, const float *x, size_t cols, void *dst)
{
	llm_act_quant_by(a, x, cols, dst, q8_run, bsums_run);
}

const struct llm_kern KERN_SET = {
	.kr = KR, .kt = KT,
	.fn = LLM_KERN_FNS,
	.quant = act_quant,
};
