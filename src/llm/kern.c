/* kern.c: picking a kernel set, and the activation quantisers.  See
 * kern.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/kern.h"
#include "util/str.h"

enum llm_isa
llm_isa_best(void)
{
#ifdef LLM_KERN_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
	    __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
		return LLM_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
	    __builtin_cpu_supports("f16c"))
		return LLM_ISA_AVX2;
#endif
	return LLM_ISA_SCALAR;
}

static const char *const isa_names[LLM_ISA_COUNT] = { "float", "scalar", "avx2", "avx512" };

const char *
llm_isa_name(enum llm_isa isa)
{
	return (unsigned)isa < LLM_ISA_COUNT ? isa_names[isa] : "?";
}

enum llm_isa
llm_isa_active(void)
{
	enum llm_isa best = llm_isa_best();
	int i = str_index(getenv("CONCH_LLM_ISA"), isa_names, LLM_ISA_COUNT);
	return i >= 0 && (enum llm_isa)i < best ? (enum llm_isa)i : best;
}

const struct llm_kern *
llm_kern_get(enum llm_isa isa)
{
	if (isa > llm_isa_best())
		return NULL;
	switch (isa) {
	case LLM_ISA_SCALAR: return &llm_kern_scalar;
#ifdef LLM_KERN_X86
	case LLM_ISA_AVX2: return &llm_kern_avx2;
	case LLM_ISA_AVX512: return &llm_kern_avx512;
#endif
	default: return NULL;
	}
}

enum llm_act
llm_act_of(enum ggml_type t)
{
	switch (t) {
	case GGML_Q4_K: case GGML_Q5_K: case GGML_Q6_K:
		return LLM_ACT_Q8K;
	case GGML_Q4_0: case GGML_Q4_1: case GGML_Q5_0: case GGML_Q5_1: case GGML_Q8_0:
		return LLM_ACT_Q8B;
	default:
		return LLM_ACT_F32;
	}
}

size_t
llm_act_row_bytes(enum llm_act a, size_t cols)
{
	switch (a) {
	case LLM_ACT_Q8B: return cols / 32 * sizeof(struct llm_q8b);
	case LLM_ACT_Q8K: return cols / 256 * sizeof(struct llm_q8k);
	default: return cols * sizeof(float);
	}
}

/* q[i] = round(x[i] / d) with d = max |x| / 127: symmetric, so that the
 * integer products need no offset; returns d */
static float
q8_block(const float *x, int n, int8_t *q)
{
	float amax = 0.0f, d, id;
	int i;
	for (i = 0; i < n; i++) {
		float a = fabsf(x[i]);
		amax = a > amax ? a : amax;
	}
	d = amax / 127.0f;
	id = amax > 0.0f ? 127.0f / amax : 0.0f;
	for (i = 0; i < n; i++)
		q[i] = (int8_t)lrintf(x[i] * id);
	return d;
}

static void
bsums(struct llm_q8k *b)
{
	int k, j;
	for (k = 0; k < 16; k++) {
		int s = 0;
		for (j = 0; j < 16; j++)
			s += b->q[16 * k + j];
		b->bs[k] = (int16_t)s;
	}
}

void
llm_act_quant(enum llm_act a, const float *x, size_t cols, void *dst)
{
	llm_act_quant_by(a, x, cols, dst, q8_block, bsums);
}
