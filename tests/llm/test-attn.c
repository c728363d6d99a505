/* Check suite for src/llm/attn.c: the one-pass online-softmax attention
 * over an F16 cache, in every implementation this CPU runs, against the
 * two-pass reference over the same values in F32; F16 row conversion
 * against the scalar converter. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/attn.h"
#include "llm/quant.h"
#include "tests/check-run.h"

static uint64_t rng = 12345;

static float
rnd(void) /* uniform in [-1, 1) */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((double)(rng >> 11) / (double)(1ULL << 53) * 2.0 - 1.0);
}

/* random K and V rows of n positions, held as F16 and as the same values
 * in F32; q scaled by `sharp` so that the softmax is flat or peaked */
static void
check_case(enum llm_attn_impl impl, uint32_t hk, uint32_t hv, uint32_t n, size_t extra_stride,
	   float sharp)
{
	size_t ks = hk + extra_stride, vs = hv + extra_stride, i;
	uint16_t *k16 = malloc(n * ks * 2 + 2), *v16 = malloc(n * vs * 2 + 2);
	float *k32 = malloc(n * ks * 4), *v32 = malloc(n * vs * 4), *q = malloc(hk * 4);
	float *o1 = malloc(hv * 4), *o2 = malloc(hv * 4), *att = malloc(n * 4);
	float *scr = malloc(llm_attn_scratch(hv) * 4), maxo = 0.0f, maxd = 0.0f;
	struct llm_attn_head h;

	for (i = 0; i < n * ks; i++) {
		k16[i] = llm_f32_to_f16(rnd());
		k32[i] = llm_f16_to_f32(k16[i]);
	}
	for (i = 0; i < n * vs; i++) {
		v16[i] = llm_f32_to_f16(rnd() * 3.0f);
		v32[i] = llm_f16_to_f32(v16[i]);
	}
	for (i = 0; i < hk; i++)
		q[i] = rnd() * sharp;
	h.q = q;
	h.k = k32;
	h.v = v32;
	h.k_stride = ks;
	h.v_stride = vs;
	h.hk = hk;
	h.hv = hv;
	h.n = n;
	h.scale = 1.0f / sqrtf((float)hk);
	h.out = o1;
	llm_attn_ref(&h, att);
	h.k = k16;
	h.v = v16;
	h.out = o2;
	llm_attn_f16(impl, &h, scr);
	for (i = 0; i < hv; i++) {
		ck_assert(isfinite(o2[i]));
		if (fabsf(o1[i]) > maxo)
			maxo = fabsf(o1[i]);
		if (fabsf(o1[i] - o2[i]) > maxd)
			maxd = fabsf(o1[i] - o2[i]);
	}
	ck_assert_msg(maxd <= 2e-5f * (maxo > 1.0f ? maxo : 1.0f),
		      "impl %d hk %u hv %u n %u sharp %g: max diff %g (max %g)", (int)impl, hk, hv,
		      n, (double)sharp, (double)maxd, (double)maxo);
	free(k16); free(v16); free(k32); free(v32); free(q);
	free(o1); free(o2); free(att); free(scr);
}

START_TEST(online_softmax_matches_reference)
{
	static const uint32_t dims[][2] = { { 64, 64 }, { 128, 128 }, { 8, 8 }, { 32, 16 },
					    { 20, 36 }, { 13, 5 }, { 72, 40 }, { 256, 256 } };
	static const uint32_t ns[] = { 1, 2, 7, 63, 64, 65, 129, 300, 1000 };
	static const float sharp[] = { 0.1f, 1.0f, 8.0f, 40.0f };
	int impl;
	size_t d, k, s;
	int ran = 0;

	for (impl = LLM_ATTN_GENERIC; impl <= LLM_ATTN_AVX2; impl++) {
		if (!llm_attn_supported((enum llm_attn_impl)impl))
			continue;
		ran++;
		for (d = 0; d < sizeof(dims) / sizeof(dims[0]); d++)
			for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
				for (s = 0; s < sizeof(sharp) / sizeof(sharp[0]); s++)
					check_case((enum llm_attn_impl)impl, dims[d][0], dims[d][1],
						   ns[k], d % 3, sharp[s]);
	}
	ck_assert_int_ge(ran, 1);
	ck_assert(llm_attn_supported(llm_attn_pick()));
}
END_TEST

/* A peaked softmax picks out one value row almost exactly. */
START_TEST(peaked_softmax_selects_row)
{
	uint32_t hk = 16, hv = 16, n = 100, i, t;
	uint16_t k[100 * 16], v[100 * 16];
	float q[16], out[16], *scr = malloc(llm_attn_scratch(hv) * 4);
	struct llm_attn_head h = { q, k, v, 16, 16, 16, 16, 100, 1.0f, out };
	int impl;

	for (t = 0; t < n; t++)
		for (i = 0; i < hk; i++) {
			k[t * hk + i] = llm_f32_to_f16(t == 77 ? 1.0f : 0.0f);
			v[t * hv + i] = llm_f32_to_f16((float)t);
		}
	for (i = 0; i < hk; i++)
		q[i] = 10.0f; /* score 160 at t = 77, 0 elsewhere */
	for (impl = LLM_ATTN_GENERIC; impl <= LLM_ATTN_AVX2; impl++) {
		if (!llm_attn_supported((enum llm_attn_impl)impl))
			continue;
		llm_attn_f16((enum llm_attn_impl)impl, &h, scr);
		for (i = 0; i < hv; i++)
			ck_assert_float_eq_tol(out[i], 77.0f, 1e-3f);
	}
	free(scr);
}
END_TEST

START_TEST(f16_rows_round_like_scalar)
{
	size_t n = 4099, i;
	float *src = malloc(n * 4);
	uint16_t *a = malloc(n * 2), *b = malloc(n * 2);
	int impl;

	for (i = 0; i < n; i++) {
		float r = rnd();
		/* a spread of magnitudes: subnormal F16, normal, near overflow */
		src[i] = r * ldexpf(1.0f, (int)(i % 40) - 26);
	}
	src[0] = 65520.0f; /* rounds to infinity */
	src[1] = 1.0f + ldexpf(1.0f, -11); /* a tie: to even */
	src[2] = -0.0f;
	for (impl = LLM_ATTN_GENERIC; impl <= LLM_ATTN_AVX2; impl++) {
		if (!llm_attn_supported((enum llm_attn_impl)impl))
			continue;
		llm_f32_to_f16_row((enum llm_attn_impl)impl, src, a, n);
		for (i = 0; i < n; i++) {
			b[i] = llm_f32_to_f16(src[i]);
			ck_assert_msg(a[i] == b[i], "impl %d: %a -> %04x, scalar %04x", impl,
				      (double)src[i], a[i], b[i]);
		}
	}
	free(src);
	free(a);
	free(b);
}
END_TEST

CHECK_MAIN("attn", .timeout = 60, .tests = CHECK_TESTS(
	online_softmax_matches_reference, peaked_softmax_selects_row,
	f16_rows_round_like_scalar))
