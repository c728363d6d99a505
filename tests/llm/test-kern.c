/* Check suite for the matrix kernels (src/llm/kern*.c, llm_matmul): every
 * kernel set this CPU runs against the portable one and against the float
 * path, on random blocks of every type, odd row and token counts, every
 * tile shape; the activation quantisers; the CONCH_LLM_ISA switch. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/kern.h"
#include "llm/pool.h"
#include "llm/quant.h"
#include "tests/check-run.h"

static const enum ggml_type all_types[] = {
	GGML_F32, GGML_F16, GGML_BF16, GGML_Q4_0, GGML_Q4_1, GGML_Q5_0,
	GGML_Q5_1, GGML_Q8_0, GGML_Q4_K, GGML_Q5_K, GGML_Q6_K,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static uint64_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* uniform in [-1, 1) */
static float
frnd(uint64_t *s)
{
	return (float)((double)rnd(s) / 2147483648.0 * 2.0 - 1.0);
}

static void
put_f16(uint8_t *p, float f)
{
	uint16_t h = llm_f32_to_f16(f);
	p[0] = (uint8_t)h;
	p[1] = (uint8_t)(h >> 8);
}

/* rows of random weights of type t: random bytes, the block scales set to
 * finite f16 values (some negative, as real files have for mins) */
static uint8_t *
rand_rows(enum ggml_type t, size_t rows, size_t cols, uint64_t *s)
{
	size_t rs = ggml_row_size(t, cols), i, n = rows * rs, bs = ggml_type_size(t);
	uint8_t *w = malloc(n);
	for (i = 0; i < n; i++)
		w[i] = (uint8_t)rnd(s);
	if (t == GGML_F32) {
		for (i = 0; i < rows * cols; i++) {
			float f = frnd(s);
			memcpy(w + 4 * i, &f, 4);
		}
		return w;
	}
	if (t == GGML_F16) {
		for (i = 0; i < rows * cols; i++)
			put_f16(w + 2 * i, frnd(s));
		return w;
	}
	if (t == GGML_BF16) {
		for (i = 0; i < rows * cols; i++)
			w[2 * i + 1] = (uint8_t)((w[2 * i + 1] & 0x80) | 0x3E); /* |x| ~ 0.1..0.5 */
		return w;
	}
	for (i = 0; i < n; i += bs) {
		switch (t) {
		case GGML_Q6_K:
			put_f16(w + i + 208, 0.01f * frnd(s));
			break;
		case GGML_Q4_1: case GGML_Q5_1: case GGML_Q4_K: case GGML_Q5_K:
			put_f16(w + i, 0.02f * frnd(s));
			put_f16(w + i + 2, 0.02f * frnd(s));
			break;
		default:
			put_f16(w + i, 0.02f * frnd(s));
			break;
		}
	}
	return w;
}

/* activations with a spread of magnitudes and an outlier now and then */
static float *
rand_x(size_t n, uint64_t *s)
{
	float *x = malloc(n * sizeof(float));
	size_t i;
	for (i = 0; i < n; i++)
		x[i] = frnd(s) * (i % 97 == 5 ? 20.0f : (float)(1 + i % 7));
	return x;
}

/* Bounds for one product: y_ref = the float path (dequantised weights,
 * float activations); amax = the largest |x| of each activation block.
 * Quantising x to d * q moves each value by at most d / 2 = amax / 254,
 * so |y - y_ref| <= sum over blocks of sum|w| * amax / 254, plus float
 * rounding (a small multiple of sum |w x|). */
static double
bound(enum ggml_type t, const float *wrow, const float *x, size_t cols)
{
	size_t blk = llm_act_of(t) == LLM_ACT_Q8K ? 256 : 32, i, j;
	double b = 0.0, absdot = 0.0;
	for (i = 0; i < cols; i++)
		absdot += fabs((double)wrow[i] * x[i]);
	if (llm_act_of(t) == LLM_ACT_F32)
		return 1e-5 * absdot + 1e-30;
	for (i = 0; i < cols; i += blk) {
		double amax = 0.0, sw = 0.0;
		for (j = i; j < i + blk; j++) {
			amax = fabs(x[j]) > amax ? fabs(x[j]) : amax;
			sw += fabs(wrow[j]);
		}
		b += sw * amax / 254.0;
	}
	return b * 1.0001 + 1e-5 * absdot + 1e-30;
}

static double
absdot(const float *w, const float *x, size_t n)
{
	double a = 0.0;
	size_t i;
	for (i = 0; i < n; i++)
		a += fabs((double)w[i] * x[i]);
	return a + 1e-30;
}

static void
set_isa(enum llm_isa isa)
{
	ck_assert_int_eq(setenv("CONCH_LLM_ISA", llm_isa_name(isa), 1), 0);
	ck_assert_int_eq(llm_isa_active(), isa);
}

/* Every set against the float path within the bound and against the
 * portable set within float rounding (the integer block sums are exact;
 * the sets add the scaled block sums in different orders). */
START_TEST(kernels_match_reference)
{
	const size_t rows = 13, n = 7;
	struct llm_pool *pool = llm_pool_new(2);
	uint64_t s = 1234;
	size_t ti;
	for (ti = 0; ti < N_TYPES; ti++) {
		enum ggml_type t = all_types[ti];
		size_t cols = ggml_blck_size(t) > 1 ? 3 * 256 + (ggml_blck_size(t) == 32 ? 96 : 0) : 77;
		size_t rs = ggml_row_size(t, cols), r, b;
		uint8_t *w0 = rand_rows(t, rows, cols, &s), *wbuf = malloc(rows * rs + 3);
		/* no alignment is assumed, but F32 rows are floats (GGUF aligns
		 * tensor data) */
		uint8_t *w = wbuf + (t == GGML_F32 ? 0 : 3);
		float *x = rand_x(n * cols, &s), *wf = malloc(rows * cols * sizeof(float));
		float *yf = malloc(rows * n * sizeof(float)), *ys = malloc(rows * n * sizeof(float));
		int isa;

		memcpy(w, w0, rows * rs);
		for (r = 0; r < rows; r++)
			llm_dequant_row(t, w + r * rs, wf + r * cols, cols);
		set_isa(LLM_ISA_FLOAT);
		llm_matmul(t, w, rows, cols, x, n, yf, NULL);
		set_isa(LLM_ISA_SCALAR);
		llm_matmul(t, w, rows, cols, x, n, ys, NULL);
		for (b = 0; b < n; b++)
			for (r = 0; r < rows; r++) {
				double bd = bound(t, wf + r * cols, x + b * cols, cols);
				ck_assert_msg(fabs(ys[b * rows + r] - yf[b * rows + r]) <= bd,
					      "%s scalar r%zu b%zu: %g vs float %g (bound %g)",
					      ggml_type_name(t), r, b, ys[b * rows + r], yf[b * rows + r], bd);
			}
		for (isa = LLM_ISA_AVX2; isa <= (int)llm_isa_best(); isa++) {
			float *y = malloc(rows * n * sizeof(float));
			set_isa((enum llm_isa)isa);
			llm_matmul(t, w, rows, cols, x, n, y, isa == LLM_ISA_AVX2 ? NULL : pool);
			for (b = 0; b < n; b++)
				for (r = 0; r < rows; r++) {
					double bd = bound(t, wf + r * cols, x + b * cols, cols);
					float v = y[b * rows + r];
					ck_assert_msg(fabs(v - yf[b * rows + r]) <= bd, "%s %s vs float",
						      llm_isa_name((enum llm_isa)isa), ggml_type_name(t));
					/* the integer sums are exact: only the order of the
					 * float sums of block terms differs */
					ck_assert_msg(fabs(v - ys[b * rows + r]) <=
						      1e-5 * absdot(wf + r * cols, x + b * cols, cols),
						      "%s %s r%zu b%zu: %g vs scalar %g",
						      llm_isa_name((enum llm_isa)isa), ggml_type_name(t), r, b,
						      v, ys[b * rows + r]);
				}
			free(y);
		}
		free(w0);
		free(wbuf);
		free(x);
		free(wf);
		free(yf);
		free(ys);
	}
	llm_pool_free(pool);
}
END_TEST

/* Results do not depend on the tile shape, the thread count or whether
 * tokens come together or one at a time: bit for bit, every set. */
START_TEST(tiles_threads_batches_invariant)
{
	const size_t rows = 389, n = 11;
	struct llm_pool *p2 = llm_pool_new(2), *p3 = llm_pool_new(3);
	uint64_t s = 77;
	size_t ti;
	int isa;
	for (isa = LLM_ISA_SCALAR; isa <= (int)llm_isa_best(); isa++) {
		const struct llm_kern *k = llm_kern_get((enum llm_isa)isa);
		set_isa((enum llm_isa)isa);
		ck_assert_ptr_nonnull(k);
		for (ti = 0; ti < N_TYPES; ti++) {
			enum ggml_type t = all_types[ti];
			size_t cols = ggml_blck_size(t) > 1 ? 768 : 801, b, r;
			size_t rs = ggml_row_size(t, cols), xs = llm_act_row_bytes(llm_act_of(t), cols);
			uint8_t *w = rand_rows(t, rows, cols, &s), *xq = malloc(n * xs);
			float *x = rand_x(n * cols, &s);
			float *y1 = malloc(rows * n * sizeof(float)), *y3 = malloc(rows * n * sizeof(float));
			float *yt = malloc(rows * sizeof(float));
			int nr, nt;

			llm_matmul(t, w, rows, cols, x, n, y1, NULL);
			llm_matmul(t, w, rows, cols, x, n, y3, p3);
			ck_assert_msg(memcmp(y1, y3, rows * n * sizeof(float)) == 0, "%s %s threads",
				      llm_isa_name((enum llm_isa)isa), ggml_type_name(t));
			for (b = 0; b < n; b++) {
				llm_matmul(t, w, rows, cols, x + b * cols, 1, yt, p2);
				ck_assert_msg(memcmp(yt, y1 + b * rows, rows * sizeof(float)) == 0,
					      "%s %s token %zu alone", llm_isa_name((enum llm_isa)isa),
					      ggml_type_name(t), b);
			}
			/* every tile shape straight from the kernel */
			for (b = 0; b < n; b++)
				llm_act_quant(llm_act_of(t), x + b * cols, cols, xq + b * xs);
			for (nr = 1; nr <= k->kr; nr++)
				for (nt = 1; nt <= k->kt; nt++) {
					float yk[64];
					k->fn[t](w + 5 * rs, rs, nr, xq + 2 * xs, xs, nt, cols, yk, 8);
					for (b = 0; b < (size_t)nt; b++)
						for (r = 0; r < (size_t)nr; r++)
							ck_assert_msg(memcmp(&yk[b * 8 + r],
									     &y1[(b + 2) * rows + 5 + r], 4) == 0,
								      "%s %s tile %dx%d",
								      llm_isa_name((enum llm_isa)isa),
								      ggml_type_name(t), nr, nt);
				}
			free(w);
			free(xq);
			free(x);
			free(y1);
			free(y3);
			free(yt);
		}
	}
	llm_pool_free(p2);
	llm_pool_free(p3);
}
END_TEST

START_TEST(activation_quantisers)
{
	uint64_t s = 5;
	float *x = rand_x(512, &s);
	struct llm_q8b qb[16];
	struct llm_q8k qk[2];
	size_t i;
	int k, j;

	x[40] = 0.0f; /* an all-zero block quantises to zeros */
	for (i = 32; i < 64; i++)
		x[i] = 0.0f;
	ck_assert_uint_eq(llm_act_row_bytes(LLM_ACT_Q8B, 512), 16 * sizeof(struct llm_q8b));
	ck_assert_uint_eq(llm_act_row_bytes(LLM_ACT_Q8K, 512), 2 * sizeof(struct llm_q8k));
	llm_act_quant(LLM_ACT_Q8B, x, 512, qb);
	for (i = 0; i < 512; i++) {
		const struct llm_q8b *b = &qb[i / 32];
		ck_assert(fabsf(x[i] - b->d * b->q[i % 32]) <= b->d * 0.5f * 1.0001f);
		ck_assert(b->q[i % 32] >= -127);
	}
	ck_assert(qb[1].d == 0.0f);
	llm_act_quant(LLM_ACT_Q8K, x, 512, qk);
	for (i = 0; i < 512; i++) {
		const struct llm_q8k *b = &qk[i / 256];
		ck_assert(fabsf(x[i] - b->d * b->q[i % 256]) <= b->d * 0.5f * 1.0001f);
	}
	for (i = 0; i < 2; i++)
		for (k = 0; k < 16; k++) {
			int sum = 0;
			for (j = 0; j < 16; j++)
				sum += qk[i].q[16 * k + j];
			ck_assert_int_eq(qk[i].bs[k], sum);
		}
	/* every set's quantiser writes the same bytes */
	for (k = LLM_ISA_SCALAR; k <= (int)llm_isa_best(); k++) {
		const struct llm_kern *kn = llm_kern_get((enum llm_isa)k);
		struct llm_q8b qb2[16];
		struct llm_q8k qk2[2];
		memset(qb2, 0x55, sizeof qb2);
		memset(qk2, 0x55, sizeof qk2);
		kn->quant(LLM_ACT_Q8B, x, 512, qb2);
		kn->quant(LLM_ACT_Q8K, x, 512, qk2);
		for (i = 0; i < 16; i++)
			ck_assert(qb2[i].d == qb[i].d && memcmp(qb2[i].q, qb[i].q, 32) == 0);
		for (i = 0; i < 2; i++)
			ck_assert_msg(qk2[i].d == qk[i].d && memcmp(qk2[i].q, qk[i].q, 256) == 0 &&
				      memcmp(qk2[i].bs, qk[i].bs, sizeof qk[i].bs) == 0,
				      "%s Q8K block %zu", llm_isa_name((enum llm_isa)k), i);
	}
	free(x);
}
END_TEST

START_TEST(isa_switch)
{
	enum llm_isa best = llm_isa_best();
	ck_assert_int_ge(best, LLM_ISA_SCALAR);
	unsetenv("CONCH_LLM_ISA");
	ck_assert_int_eq(llm_isa_active(), best);
	setenv("CONCH_LLM_ISA", "no-such-isa", 1);
	ck_assert_int_eq(llm_isa_active(), best);
	setenv("CONCH_LLM_ISA", "scalar", 1);
	ck_assert_int_eq(llm_isa_active(), LLM_ISA_SCALAR);
	setenv("CONCH_LLM_ISA", "float", 1);
	ck_assert_int_eq(llm_isa_active(), LLM_ISA_FLOAT);
	/* a higher set than the CPU has is lowered to what it has */
	setenv("CONCH_LLM_ISA", "avx512", 1);
	ck_assert_int_eq(llm_isa_active(), best);
	ck_assert_ptr_null(llm_kern_get(LLM_ISA_FLOAT));
	ck_assert_ptr_nonnull(llm_kern_get(LLM_ISA_SCALAR));
	ck_assert_ptr_nonnull(llm_kern_get(best));
	ck_assert_str_eq(llm_isa_name(LLM_ISA_AVX2), "avx2");
}
END_TEST

CHECK_MAIN("kern", .timeout = 120, .tests = CHECK_TESTS(
	kernels_match_reference, tiles_threads_batches_invariant,
	activation_quantisers, isa_switch))
