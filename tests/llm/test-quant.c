/* Check suite for src/llm/quant.c: each block type decoded from a block
 * written out by hand, with the expected weights worked out from the
 * layout (not from the code under test); f16 conversion; dot and matvec. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/pool.h"
#include "llm/quant.h"
#include "tests/check-run.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

START_TEST(f16_roundtrip)
{
	uint32_t h;
	ck_assert(llm_f16_to_f32(0x3C00) == 1.0f);
	ck_assert(llm_f16_to_f32(0xC000) == -2.0f);
	ck_assert(llm_f16_to_f32(0x0001) == ldexpf(1.0f, -24));
	ck_assert(llm_f16_to_f32(0x7BFF) == 65504.0f);
	ck_assert(isinf(llm_f16_to_f32(0x7C00)));
	for (h = 0; h < 0x10000; h++) {
		float f = llm_f16_to_f32((uint16_t)h);
		if (isnan(f))
			continue;
		ck_assert_uint_eq(llm_f32_to_f16(f), h);
	}
	/* ties round to even */
	ck_assert_uint_eq(llm_f32_to_f16(1.0f + ldexpf(1.0f, -11)), 0x3C00);
	ck_assert_uint_eq(llm_f32_to_f16(1.0f + 3 * ldexpf(1.0f, -11)), 0x3C02);
	ck_assert(llm_bf16_to_f32(0x3F80) == 1.0f);
	ck_assert(llm_bf16_to_f32(0xC040) == -3.0f);
}
END_TEST

static void
check_block(enum ggml_type t, const uint8_t *blk, const float *want, size_t n)
{
	float got[256], x[256], dot = 0.0f, ref = 0.0f;
	size_t i;
	llm_dequant_row(t, blk, got, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(got[i] == want[i], "%s[%zu]: got %g want %g",
			      ggml_type_name(t), i, got[i], want[i]);
		x[i] = (float)((int)(i % 7) - 3) * 0.25f;
		ref += want[i] * x[i];
	}
	dot = llm_dot_row(t, blk, x, n);
	ck_assert_msg(fabsf(dot - ref) <= 1e-4f * (1.0f + fabsf(ref)), "%s dot %g vs %g",
		      ggml_type_name(t), dot, ref);
}

START_TEST(small_blocks)
{
	uint8_t b[64];
	float w[32];
	int j;

	/* Q4_0: d = 0.5, low nibble j, high nibble 15-j: (q-8)*d */
	put16(b, 0x3800);
	for (j = 0; j < 16; j++) {
		b[2 + j] = (uint8_t)(j | ((15 - j) << 4));
		w[j] = (float)(j - 8) * 0.5f;
		w[j + 16] = (float)(7 - j) * 0.5f;
	}
	check_block(GGML_Q4_0, b, w, 32);

	/* Q4_1: d = 0.25, m = -1: q*d + m */
	put16(b, 0x3400);
	put16(b + 2, 0xBC00);
	for (j = 0; j < 16; j++) {
		b[4 + j] = (uint8_t)(j | (j << 4));
		w[j] = w[j + 16] = (float)j * 0.25f - 1.0f;
	}
	check_block(GGML_Q4_1, b, w, 32);

	/* Q5_0: d = 1, fifth bits set for weights 0..15, nibbles 1 and 3 */
	put16(b, 0x3C00);
	put32(b + 2, 0x0000FFFF);
	for (j = 0; j < 16; j++) {
		b[6 + j] = 0x31;
		w[j] = 1.0f;      /* (1|16) - 16 */
		w[j + 16] = -13.0f; /* 3 - 16 */
	}
	check_block(GGML_Q5_0, b, w, 32);

	/* Q5_1: d = 2, m = 0.5, fifth bits set for weights 16..31 */
	put16(b, 0x4000);
	put16(b + 2, 0x3800);
	put32(b + 4, 0xFFFF0000);
	for (j = 0; j < 16; j++) {
		b[8 + j] = 0x21;
		w[j] = 2.5f;       /* 1*2 + 0.5 */
		w[j + 16] = 36.5f; /* 18*2 + 0.5 */
	}
	check_block(GGML_Q5_1, b, w, 32);

	/* Q8_0: d = 0.125 */
	put16(b, 0x3000);
	for (j = 0; j < 32; j++) {
		b[2 + j] = (uint8_t)(int8_t)(j - 16);
		w[j] = (float)(j - 16) * 0.125f;
	}
	check_block(GGML_Q8_0, b, w, 32);
}
END_TEST

/* K-quant scales: sub-blocks 0..3 scale 1..4 min 2, 4..7 scale 5 min 3 */
static const int ks[8] = { 1, 2, 3, 4, 5, 5, 5, 5 };
static const int km[8] = { 2, 2, 2, 2, 3, 3, 3, 3 };

static void
k_scales(uint8_t *sc)
{
	int j;
	for (j = 0; j < 4; j++) {
		sc[j] = (uint8_t)(j + 1);
		sc[j + 4] = 2;
		sc[j + 8] = 0x35;
	}
}

START_TEST(k_blocks)
{
	static uint8_t b[256];
	static float w[256];
	int c, l, n;

	/* Q4_K: d = 1, dmin = 0.5, every byte 0x97: low nibble 7, high 9 */
	memset(b, 0, sizeof b);
	put16(b, 0x3C00);
	put16(b + 2, 0x3800);
	k_scales(b + 4);
	memset(b + 16, 0x97, 128);
	for (c = 0; c < 4; c++)
		for (l = 0; l < 32; l++) {
			w[64 * c + l] = (float)(ks[2 * c] * 7) - 0.5f * (float)km[2 * c];
			w[64 * c + 32 + l] = (float)(ks[2 * c + 1] * 9) - 0.5f * (float)km[2 * c + 1];
		}
	check_block(GGML_Q4_K, b, w, 256);

	/* Q5_K: as above, and qh bit 0 set: +16 on the first 32 weights */
	memset(b, 0, sizeof b);
	put16(b, 0x3C00);
	put16(b + 2, 0x3800);
	k_scales(b + 4);
	memset(b + 16, 0x01, 32);
	memset(b + 48, 0x97, 128);
	for (l = 0; l < 32; l++)
		w[l] = (float)(ks[0] * 23) - 0.5f * (float)km[0];
	check_block(GGML_Q5_K, b, w, 256);

	/* Q6_K: d = 0.5, ql 0x21 (nibbles 1, 2), qh 0xE4 (2-bit fields 0,1,2,3),
	 * scales i-8: q1 = 1-32, q2 = 17-32, q3 = 34-32, q4 = 50-32 */
	memset(b, 0, sizeof b);
	memset(b, 0x21, 128);
	memset(b + 128, 0xE4, 64);
	for (l = 0; l < 16; l++)
		b[192 + l] = (uint8_t)(int8_t)(l - 8);
	put16(b + 208, 0x3800);
	for (n = 0; n < 2; n++)
		for (l = 0; l < 32; l++) {
			int s = 8 * n + l / 16;
			w[128 * n + l] = 0.5f * (float)(s - 8) * -31.0f;
			w[128 * n + l + 32] = 0.5f * (float)(s + 2 - 8) * -15.0f;
			w[128 * n + l + 64] = 0.5f * (float)(s + 4 - 8) * 2.0f;
			w[128 * n + l + 96] = 0.5f * (float)(s + 6 - 8) * 18.0f;
		}
	check_block(GGML_Q6_K, b, w, 256);
}
END_TEST

START_TEST(float_rows_and_matvec)
{
	uint8_t h[8], bf[8];
	float w[4] = { 1.0f, -2.0f, 0.5f, 3.0f }, got[4], x[4] = { 1, 1, 2, -1 }, y[2];
	float m[8] = { 1, 2, 3, 4, -1, -2, -3, -4 };
	int i;
	for (i = 0; i < 4; i++) {
		uint32_t bits;
		put16(h + 2 * i, llm_f32_to_f16(w[i]));
		memcpy(&bits, &w[i], 4);
		put16(bf + 2 * i, (uint16_t)(bits >> 16));
	}
	check_block(GGML_F16, h, w, 4);
	check_block(GGML_BF16, bf, w, 4);
	check_block(GGML_F32, (const uint8_t *)w, w, 4);
	llm_matvec(GGML_F32, m, 2, 4, x, y);
	ck_assert(y[0] == 1 + 2 + 6 - 4);
	ck_assert(y[1] == -(1 + 2 + 6 - 4));
	llm_dequant_row(GGML_F16, h, got, 4);
	ck_assert(got[3] == 3.0f);
	ck_assert(llm_type_supported(GGML_Q6_K));
	ck_assert(!llm_type_supported(GGML_Q2_K));
	ck_assert(!llm_type_supported(GGML_IQ4_XS));
}
END_TEST

/* llm_matmul on the float path (CONCH_LLM_ISA=float), threaded or not,
 * is bit-identical to llm_dot_row.  The 8-bit kernels are test-kern's. */
START_TEST(matmul_matches_dot_row)
{
	static const enum ggml_type types[] = { GGML_F32, GGML_F16, GGML_Q8_0, GGML_Q4_K, GGML_Q6_K };
	size_t rows = 96, cols = 1024, n = 3, ti, r, b, i;
	uint64_t rng = 99;
	uint8_t *w = malloc(rows * cols * 4);
	float *x = malloc(n * cols * sizeof(float));
	float *y1 = malloc(n * rows * sizeof(float)), *y4 = malloc(n * rows * sizeof(float));
	struct llm_pool *pool = llm_pool_new(4);

	ck_assert_int_eq(setenv("CONCH_LLM_ISA", "float", 1), 0);
	for (i = 0; i < rows * cols * 4; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		w[i] = (uint8_t)(rng >> 33);
	}
	for (ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
		enum ggml_type t = types[ti];
		size_t rs = ggml_row_size(t, cols);
		/* keep the f16 scales finite: small exponents everywhere */
		for (i = 0; i < rows * rs; i++)
			if (t != GGML_F32 && (i % 2) == 1)
				w[i] &= 0x3B;
		if (t == GGML_F32)
			for (i = 0; i < rows * cols; i++)
				((float *)(void *)w)[i] = (float)((int)(i % 17) - 8) * 0.125f;
		for (i = 0; i < n * cols; i++)
			x[i] = (float)((int)(i % 11) - 5) * 0.1f;
		llm_matmul(t, w, rows, cols, x, n, y1, NULL);
		llm_matmul(t, w, rows, cols, x, n, y4, pool);
		for (b = 0; b < n; b++)
			for (r = 0; r < rows; r++) {
				float d = llm_dot_row(t, w + r * rs, x + b * cols, cols);
				ck_assert_msg(memcmp(&d, &y1[b * rows + r], 4) == 0, "%s row %zu",
					      ggml_type_name(t), r);
				ck_assert(memcmp(&d, &y4[b * rows + r], 4) == 0);
			}
	}
	free(w);
	free(x);
	free(y1);
	free(y4);
	llm_pool_free(pool);
}
END_TEST

CHECK_MAIN("quant", .tests = CHECK_TESTS(
	f16_roundtrip, small_blocks, k_blocks, float_rows_and_matvec,
	matmul_matches_dot_row))
