/* bench/llm-kern.c: the matrix products of one forward pass of a model
 * shape (random weights in the right block layout), timed.
 *
 *   llm-kern SHAPE TYPE THREADS TOKENS REPS
 *
 * SHAPE: qwen0.5b (dim 896, 24 layers, 14/2 heads, ff 4864, vocab 151936)
 * or llama1b (dim 2048, 16 layers, 32/8 heads, ff 8192, vocab 128256).
 * TYPE: a weight type (Q8_0, Q4_K, ...) or Q4_K_M (Q4_K, with Q6_K for
 * attn_v, ffn_down and the output, as llama-quantize mixes it).  TOKENS:
 * 1 times decode, more a prompt chunk of that many tokens.  Prints the
 * median over REPS of ms per pass, tokens/s and weight GB/s (weight bytes
 * read per pass / time).  The kernel set is CONCH_LLM_ISA's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm/gguf.h"
#include "llm/kern.h"
#include "llm/pool.h"
#include "llm/quant.h"

struct mat {
	enum ggml_type t;
	size_t rows, cols;
	uint8_t *w;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
mat_init(struct mat *m, enum ggml_type t, size_t rows, size_t cols)
{
	size_t n = rows * ggml_row_size(t, cols), i, bs = ggml_type_size(t);
	uint16_t h = llm_f32_to_f16(0.01f);
	m->t = t;
	m->rows = rows;
	m->cols = cols;
	m->w = malloc(n);
	if (!m->w) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = rnd();
		memcpy(m->w + i, &v, 8);
	}
	/* sane f16 scales where the layouts keep them */
	for (i = 0; i < n; i += bs) {
		size_t off = t == GGML_Q6_K ? 208 : 0;
		if (t == GGML_F32 || t == GGML_F16 || t == GGML_BF16)
			break;
		memcpy(m->w + i + off, &h, 2);
		if (t == GGML_Q4_1 || t == GGML_Q5_1 || t == GGML_Q4_K || t == GGML_Q5_K)
			memcpy(m->w + i + 2, &h, 2);
	}
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static enum ggml_type
type_of(const char *s)
{
	int t;
	for (t = 0; t < GGML_TYPE_COUNT; t++)
		if (llm_type_supported((enum ggml_type)t) &&
		    strcmp(ggml_type_name((enum ggml_type)t), s) == 0)
			return (enum ggml_type)t;
	return GGML_TYPE_COUNT;
}

int
main(int argc, char **argv)
{
	size_t dim, ff, layers, heads, kvh, vocab, hd, n, nm = 0, i, bytes = 0, mx = 0;
	enum ggml_type t, tv, td, to;
	struct mat *m;
	struct llm_pool *pool;
	float *x, *y;
	double *ts;
	int reps, r, th;
	bool km;

	if (argc != 6) {
		fprintf(stderr, "usage: llm-kern qwen0.5b|llama1b TYPE THREADS TOKENS REPS\n");
		return 2;
	}
	if (strcmp(argv[1], "qwen0.5b") == 0) {
		dim = 896, ff = 4864, layers = 24, heads = 14, kvh = 2, vocab = 151936;
	} else if (strcmp(argv[1], "llama1b") == 0) {
		dim = 2048, ff = 8192, layers = 16, heads = 32, kvh = 8, vocab = 128256;
	} else {
		fprintf(stderr, "unknown shape %s\n", argv[1]);
		return 2;
	}
	hd = dim / heads;
	km = strcmp(argv[2], "Q4_K_M") == 0;
	t = km ? GGML_Q4_K : type_of(argv[2]);
	if (t == GGML_TYPE_COUNT) {
		fprintf(stderr, "unknown type %s\n", argv[2]);
		return 2;
	}
	tv = td = to = km ? GGML_Q6_K : t;
	th = atoi(argv[3]);
	n = (size_t)atol(argv[4]);
	reps = atoi(argv[5]);
	m = calloc(layers * 7 + 1, sizeof *m);
	for (i = 0; i < layers; i++) {
		mat_init(&m[nm++], t, heads * hd, dim);
		mat_init(&m[nm++], t, kvh * hd, dim);
		mat_init(&m[nm++], tv, kvh * hd, dim);
		mat_init(&m[nm++], t, dim, heads * hd);
		mat_init(&m[nm++], t, ff, dim);
		mat_init(&m[nm++], t, ff, dim);
		mat_init(&m[nm++], td, dim, ff);
	}
	mat_init(&m[nm++], to, vocab, dim);
	for (i = 0; i < nm; i++) {
		bytes += m[i].rows * ggml_row_size(m[i].t, m[i].cols);
		mx = m[i].rows > mx ? m[i].rows : mx;
		mx = m[i].cols > mx ? m[i].cols : mx;
	}
	x = malloc(n * mx * sizeof(float));
	y = malloc(n * mx * sizeof(float));
	for (i = 0; i < n * mx; i++)
		x[i] = (float)((int)(rnd() % 2001) - 1000) * 1e-3f;
	pool = llm_pool_new(th);
	ts = calloc((size_t)reps, sizeof(double));
	for (r = 0; r < reps; r++) {
		double t0 = now();
		for (i = 0; i < nm; i++)
			/* the output is one token's in a prompt too */
			llm_matmul(m[i].t, m[i].w, m[i].rows, m[i].cols, x,
				   i + 1 == nm ? 1 : n, y, pool);
		ts[r] = now() - t0;
	}
	qsort(ts, (size_t)reps, sizeof(double), cmp_d);
	printf("%s %s isa=%s threads=%d tokens=%zu: %.2f ms/pass (min %.2f max %.2f), "
	       "%.1f tok/s, %.1f GB/s of weights (%.0f MB)\n",
	       argv[1], argv[2], llm_isa_name(llm_isa_active()), th, n, ts[reps / 2] * 1e3,
	       ts[0] * 1e3, ts[reps - 1] * 1e3, (double)n / ts[reps / 2],
	       (double)bytes / ts[reps / 2] * 1e-9, (double)bytes * 1e-6);
	llm_pool_free(pool);
	return 0;
}
