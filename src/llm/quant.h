/* quant.h: tensor element types: conversion, dequantisation and the
 * matrix-vector product, as reference kernels in portable C (the compiler's
 * generic vector extensions, no intrinsics; every lane does the scalar
 * arithmetic, so results do not depend on the vector width).
 *
 * Block layouts are ggml's (the GGUF file format's): Q4_0, Q4_1, Q5_0,
 * Q5_1 and Q8_0 hold 32 weights per block with an F16 scale (and minimum);
 * Q4_K, Q5_K and Q6_K hold 256 weights in super-blocks with 6- or 8-bit
 * sub-block scales.  Any faster kernel must agree with these. */
#ifndef CONCH_LLM_QUANT_H
#define CONCH_LLM_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/gguf.h"
#include "llm/pool.h"

float llm_f16_to_f32(uint16_t h);
uint16_t llm_f32_to_f16(float f); /* round to nearest even */
float llm_bf16_to_f32(uint16_t h);

/* The 6-bit scale (*d) and min (*m) of sub-block j < 8 of a Q4_K / Q5_K
 * block, from its 12 packed bytes at q. */
static inline void
llm_k4_scale_min(int j, const uint8_t *q, int *d, int *m)
{
	if (j < 4) {
		*d = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
		*m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
	}
}

/* True for the types the kernels below handle: F32, F16, BF16, Q4_0,
 * Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K. */
bool llm_type_supported(enum ggml_type t);

/* dst[0..n) = the n weights at src.  n must be a multiple of the type's
 * block size; src holds ggml_row_size(t, n) bytes. */
void llm_dequant_row(enum ggml_type t, const void *src, float *dst, size_t n);

/* Dot product of a row of n weights at `row` with x[0..n). */
float llm_dot_row(enum ggml_type t, const void *row, const float *x, size_t n);

/* y[r] = dot(row r of w, x) for r in [0, rows); w is rows x cols (row
 * major, cols contiguous: ne[0] = cols). */
void llm_matvec(enum ggml_type t, const void *w, size_t rows, size_t cols,
		const float *x, float *y);

/* sum of a[i] * b[i], i < n, in the lane order every dot product here
 * uses. */
float llm_dot_f32(const float *a, const float *b, size_t n);

/* y[i] += alpha * x[i], i < n. */
void llm_axpy(float *y, float alpha, const float *x, size_t n);

/* y[b*rows + r] = dot(row r of w, x + b*cols) for b < n, r < rows, in
 * tasks on `pool` (NULL: this thread only), with the kernel set
 * llm_isa_active() names (kern.h): quantised weights against activations
 * quantised to 8 bits once per call, integer block sums; float weights
 * in float.  Results do not depend on the pool's size or on how the n
 * inputs are batched.  With CONCH_LLM_ISA=float each row is dequantised
 * once for all n inputs and every result is bit-identical to llm_dot_row. */
void llm_matmul(enum ggml_type t, const void *w, size_t rows, size_t cols,
		const float *x, size_t n, float *y, struct llm_pool *pool);

/* llm_matmul on the float path whatever CONCH_LLM_ISA says: for small
 * products whose results pick discrete choices (MoE routing), where 8-bit
 * activations could flip a choice that the float reference makes. */
void llm_matmul_float(enum ggml_type t, const void *w, size_t rows, size_t cols,
		      const float *x, size_t n, float *y, struct llm_pool *pool);

#endif
