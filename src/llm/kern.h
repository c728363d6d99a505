/* kern.h: the matrix kernels behind llm_matmul (internal to src/llm).
 *
 * Activations are quantised to 8 bits once per product: 32-value blocks
 * (struct llm_q8b, one float scale each) for the 32-weight block types,
 * 256-value blocks with 16-value sums (struct llm_q8k) for the K-quants.
 * A kernel then takes integer dot products of those with the packed
 * weights and scales each block's sum in float.  F32, F16 and BF16
 * weights take float activations as they are.
 *
 * One kernel set per instruction set: portable C (the reference the SIMD
 * ones are tested against), AVX2 with FMA/F16C, AVX-512 (BW, VL, VNNI).
 * Which one runs is decided per call from CPUID and CONCH_LLM_ISA
 * (llm_isa_active).  "float" is the old dequantise-then-float-dot path,
 * bit-identical to llm_dot_row: the accuracy reference for whole models. */
#ifndef CONCH_LLM_KERN_H
#define CONCH_LLM_KERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "llm/gguf.h"

enum llm_isa {
	LLM_ISA_FLOAT = 0, /* dequantise rows, float dot (llm_dot_row) */
	LLM_ISA_SCALAR,    /* 8-bit activations, portable C */
	LLM_ISA_AVX2,      /* AVX2 + FMA + F16C */
	LLM_ISA_AVX512,    /* AVX-512 F/BW/VL/VNNI */
	LLM_ISA_COUNT
};

/* 32 activations: x[i] ~ d * q[i] */
struct llm_q8b {
	float d;
	int8_t q[32];
};

/* 256 activations: x[i] ~ d * q[i]; bs[k] = sum of q[16k .. 16k+16) */
struct llm_q8k {
	float d;
	int16_t bs[16];
	int8_t q[256];
};

/* The best instruction set this CPU runs. */
enum llm_isa llm_isa_best(void);

/* llm_isa_best(), lowered to CONCH_LLM_ISA when that names a lower one
 * ("float", "scalar", "avx2", "avx512"; others are ignored). */
enum llm_isa llm_isa_active(void);

const char *llm_isa_name(enum llm_isa isa);

/* How activations for weights of type t are laid out. */
enum llm_act { LLM_ACT_F32, LLM_ACT_Q8B, LLM_ACT_Q8K };
enum llm_act llm_act_of(enum ggml_type t);

/* Bytes one row of `cols` activations takes in that layout (cols is a
 * multiple of the weight type's block size). */
size_t llm_act_row_bytes(enum llm_act a, size_t cols);

/* Quantise x[0..cols) into dst (llm_act_row_bytes bytes); F32 copies. */
void llm_act_quant(enum llm_act a, const float *x, size_t cols, void *dst);

/* A tile kernel: y[t * ys + r] = dot(weight row r, activation row t) for
 * r < nr, t < nt, with weight rows ws bytes apart from w and activation
 * rows xs bytes apart from x; nr <= kr of the set, nt any count (the
 * kernel walks them in tiles of kt).  Every (r, t) pair gets the same
 * operations in the same order whatever nr and nt are, so results do not
 * depend on how a product is tiled or threaded. */
typedef void (*llm_tile_fn)(const uint8_t *w, size_t ws, int nr, const uint8_t *x,
			    size_t xs, int nt, size_t cols, float *y, size_t ys);

struct llm_kern {
	int kr, kt; /* the tile the kernels are fastest at */
	llm_tile_fn fn[GGML_TYPE_COUNT];
	/* llm_act_quant in this set's instructions, byte-identical output */
	void (*quant)(enum llm_act a, const float *x, size_t cols, void *dst);
};

/* The fn table of a kernel set whose tiles are named t_<type>. */
#define LLM_KERN_FNS                                                              \
	{                                                                         \
		[GGML_F32] = t_f32, [GGML_F16] = t_f16, [GGML_BF16] = t_bf16,     \
		[GGML_Q4_0] = t_q4_0, [GGML_Q4_1] = t_q4_1, [GGML_Q5_0] = t_q5_0, \
		[GGML_Q5_1] = t_q5_1, [GGML_Q8_0] = t_q8_0, [GGML_Q4_K] = t_q4_k, \
		[GGML_Q5_K] = t_q5_k, [GGML_Q6_K] = t_q6_k,                       \
	}

/* llm_act_quant's frame for a kernel set: q8 quantises n values into q
 * and returns their scale (llm_act_quant's arithmetic), bsums fills a
 * Q8K block's 16-sums from its q. */
static inline void
llm_act_quant_by(enum llm_act a, const float *x, size_t cols, void *dst,
		 float (*q8)(const float *x, int n, int8_t *q),
		 void (*bsums)(struct llm_q8k *b))
{
	size_t i;
	switch (a) {
	case LLM_ACT_Q8B: {
		struct llm_q8b *b = dst;
		for (i = 0; i < cols / 32; i++)
			b[i].d = q8(x + 32 * i, 32, b[i].q);
		break;
	}
	case LLM_ACT_Q8K: {
		struct llm_q8k *b = dst;
		for (i = 0; i < cols / 256; i++) {
			b[i].d = q8(x + 256 * i, 256, b[i].q);
			bsums(&b[i]);
		}
		break;
	}
	default:
		memcpy(dst, x, cols * sizeof(float));
		break;
	}
}

/* The kernel set of an instruction set (not FLOAT); NULL when this build
 * or CPU lacks it. */
const struct llm_kern *llm_kern_get(enum llm_isa isa);

extern const struct llm_kern llm_kern_scalar;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LLM_KERN_X86 1
extern const struct llm_kern llm_kern_avx2;
extern const struct llm_kern llm_kern_avx512;
#endif

#endif
