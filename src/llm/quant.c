/* quant.c: scalar reference kernels.  See quant.h.  Blocks are read byte
 * by byte (little-endian) so that no alignment is assumed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/kern.h"
#include "llm/quant.h"

float
llm_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
	float f;

	if (exp == 0) {
		/* zero or subnormal: man * 2^-24 */
		f = ldexpf((float)man, -24);
		return sign ? -f : f;
	}
	if (exp == 31)
		bits = sign | 0x7F800000u | (man << 13);
	else
		bits = sign | ((exp + 112) << 23) | (man << 13);
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t
llm_f32_to_f16(float f)
{
	uint32_t x, sign, man;
	int32_t exp;
	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	exp = (int32_t)((x >> 23) & 0xFF) - 127 + 15;
	man = x & 0x7FFFFF;
	if (((x >> 23) & 0xFF) == 0xFF) /* inf / nan */
		return (uint16_t)(sign | 0x7C00 | (man ? 0x200 : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7C00);
	if (exp <= 0) {
		uint32_t m, shift, r;
		if (exp < -10)
			return (uint16_t)sign;
		m = man | 0x800000;
		shift = (uint32_t)(14 - exp);
		r = m >> shift;
		if ((m >> (shift - 1)) & 1 && ((m & ((1u << (shift - 1)) - 1)) || (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t r = ((uint32_t)exp << 10) | (man >> 13);
		uint32_t rest = man & 0x1FFF;
		if (rest > 0x1000 || (rest == 0x1000 && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
}

float
llm_bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline float
h2f(const uint8_t *p)
{
	return llm_f16_to_f32(rd16(p));
}

bool
llm_type_supported(enum ggml_type t)
{
	switch (t) {
	case GGML_F32: case GGML_F16: case GGML_BF16:
	case GGML_Q4_0: case GGML_Q4_1: case GGML_Q5_0: case GGML_Q5_1:
	case GGML_Q8_0: case GGML_Q4_K: case GGML_Q5_K: case GGML_Q6_K:
		return true;
	default:
		return false;
	}
}

/* Four lanes at a time with the compiler's vector extensions: every lane
 * does exactly the scalar operations (exact int-to-float conversions, then
 * the same multiplies and subtractions in the same order), so the results
 * equal the plain loops' bit for bit. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef uint8_t v4u8 __attribute__((vector_size(4)));
typedef int8_t v4s8 __attribute__((vector_size(4)));

static inline v4i
ld_u8(const uint8_t *p)
{
	v4u8 t;
	memcpy(&t, p, sizeof t);
	return __builtin_convertvector(t, v4i);
}

static inline v4i
ld_s8(const uint8_t *p)
{
	v4s8 t;
	memcpy(&t, p, sizeof t);
	return __builtin_convertvector(t, v4i);
}

static inline v4f
tof(v4i v)
{
	return __builtin_convertvector(v, v4f);
}

static inline v4f
splat(float f)
{
	return (v4f){ f, f, f, f };
}

static inline void
st4(float *y, v4f v)
{
	memcpy(y, &v, sizeof v);
}

/* bits j0..j0+3 of the 32-bit qh for the four lanes, as 0 or `val` */
static inline v4i
qh_bits(uint32_t qh, int j0, int val)
{
	v4i r = { (int32_t)((qh >> j0) & 1), (int32_t)((qh >> (j0 + 1)) & 1),
		  (int32_t)((qh >> (j0 + 2)) & 1), (int32_t)((qh >> (j0 + 3)) & 1) };
	return r * val;
}

/* 32-weight blocks: weight j is the low nibble of byte j, weight j+16 the
 * high one */
static void
dq_q4_0(const uint8_t *b, float *y)
{
	v4f d = splat(h2f(b));
	int k;
	for (k = 0; k < 16; k += 4) {
		v4i q = ld_u8(b + 2 + k);
		st4(y + k, tof((q & 15) - 8) * d);
		st4(y + 16 + k, tof((q >> 4) - 8) * d);
	}
}

static void
dq_q4_1(const uint8_t *b, float *y)
{
	v4f d = splat(h2f(b)), m = splat(h2f(b + 2));
	int k;
	for (k = 0; k < 16; k += 4) {
		v4i q = ld_u8(b + 4 + k);
		st4(y + k, tof(q & 15) * d + m);
		st4(y + 16 + k, tof(q >> 4) * d + m);
	}
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static void
dq_q5_0(const uint8_t *b, float *y)
{
	v4f d = splat(h2f(b));
	uint32_t qh = rd32(b + 2);
	int k;
	for (k = 0; k < 16; k += 4) {
		v4i q = ld_u8(b + 6 + k);
		st4(y + k, tof(((q & 15) | qh_bits(qh, k, 16)) - 16) * d);
		st4(y + 16 + k, tof(((q >> 4) | qh_bits(qh, k + 16, 16)) - 16) * d);
	}
}

static void
dq_q5_1(const uint8_t *b, float *y)
{
	v4f d = splat(h2f(b)), m = splat(h2f(b + 2));
	uint32_t qh = rd32(b + 4);
	int k;
	for (k = 0; k < 16; k += 4) {
		v4i q = ld_u8(b + 8 + k);
		st4(y + k, tof((q & 15) | qh_bits(qh, k, 16)) * d + m);
		st4(y + 16 + k, tof((q >> 4) | qh_bits(qh, k + 16, 16)) * d + m);
	}
}

static void
dq_q8_0(const uint8_t *b, float *y)
{
	v4f d = splat(h2f(b));
	int k;
	for (k = 0; k < 32; k += 4)
		st4(y + k, tof(ld_s8(b + 2 + k)) * d);
}

/* 256-weight super-blocks */
/* sub-block j of 64: (d * scale) * q - dmin * min; Q5_K (`five`) adds
 * the fifth bits at b + 16 */
static inline void
dq_q45_k(const uint8_t *b, float *y, bool five)
{
	float d = h2f(b), dmin = h2f(b + 2);
	const uint8_t *sc = b + 4, *qh = b + 16, *q = b + (five ? 48 : 16);
	int j, l, is = 0, u1 = 1, u2 = 2;
	for (j = 0; j < 256; j += 64) {
		int s1, m1, s2, m2;
		v4f a1, b1, a2, b2;
		llm_k4_scale_min(is, sc, &s1, &m1);
		llm_k4_scale_min(is + 1, sc, &s2, &m2);
		a1 = splat(d * (float)s1);
		b1 = splat(dmin * (float)m1);
		a2 = splat(d * (float)s2);
		b2 = splat(dmin * (float)m2);
		for (l = 0; l < 32; l += 4) {
			v4i v = ld_u8(q + l), lo = v & 15, hi = v >> 4;
			if (five) {
				v4i h = ld_u8(qh + l);
				lo += ((h & u1) != 0) & 16;
				hi += ((h & u2) != 0) & 16;
			}
			st4(y + l, a1 * tof(lo) - b1);
			st4(y + 32 + l, a2 * tof(hi) - b2);
		}
		y += 64;
		q += 32;
		is += 2;
		u1 <<= 2;
		u2 <<= 2;
	}
}

#define DQ_K(NAME, FIVE)                                  \
	static void NAME(const uint8_t *b, float *y)      \
	{                                                 \
		dq_q45_k(b, y, FIVE);                     \
	}
DQ_K(dq_q4_k, false)
DQ_K(dq_q5_k, true)

/* (d * scale) * (6-bit q - 32), in four interleaved quarters per half */
static void
dq_q6_k(const uint8_t *b, float *y)
{
	const uint8_t *ql = b, *qh = b + 128;
	const int8_t *sc = (const int8_t *)(b + 192);
	float d = h2f(b + 208);
	int n, l;
	for (n = 0; n < 256; n += 128) {
		for (l = 0; l < 32; l += 4) {
			int is = l / 16;
			v4i lo = ld_u8(ql + l), lo2 = ld_u8(ql + l + 32), h = ld_u8(qh + l);
			v4i q1 = ((lo & 15) | ((h & 3) << 4)) - 32;
			v4i q2 = ((lo2 & 15) | (((h >> 2) & 3) << 4)) - 32;
			v4i q3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
			v4i q4 = ((lo2 >> 4) | (((h >> 6) & 3) << 4)) - 32;
			st4(y + l, splat(d * (float)sc[is]) * tof(q1));
			st4(y + l + 32, splat(d * (float)sc[is + 2]) * tof(q2));
			st4(y + l + 64, splat(d * (float)sc[is + 4]) * tof(q3));
			st4(y + l + 96, splat(d * (float)sc[is + 6]) * tof(q4));
		}
		y += 128;
		ql += 64;
		qh += 32;
		sc += 8;
	}
}

typedef void (*dq_fn)(const uint8_t *, float *);

static dq_fn
block_fn(enum ggml_type t)
{
	switch (t) {
	case GGML_Q4_0: return dq_q4_0;
	case GGML_Q4_1: return dq_q4_1;
	case GGML_Q5_0: return dq_q5_0;
	case GGML_Q5_1: return dq_q5_1;
	case GGML_Q8_0: return dq_q8_0;
	case GGML_Q4_K: return dq_q4_k;
	case GGML_Q5_K: return dq_q5_k;
	case GGML_Q6_K: return dq_q6_k;
	default: return NULL;
	}
}

void
llm_dequant_row(enum ggml_type t, const void *src, float *dst, size_t n)
{
	const uint8_t *p = src;
	size_t i, bs, ts;
	dq_fn fn;

	switch (t) {
	case GGML_F32:
		memcpy(dst, src, n * sizeof(float));
		return;
	case GGML_F16:
		for (i = 0; i < n; i++)
			dst[i] = llm_f16_to_f32(rd16(p + 2 * i));
		return;
	case GGML_BF16:
		for (i = 0; i < n; i++)
			dst[i] = llm_bf16_to_f32(rd16(p + 2 * i));
		return;
	default:
		break;
	}
	fn = block_fn(t);
	bs = ggml_blck_size(t);
	ts = ggml_type_size(t);
	if (!fn)
		return;
	for (i = 0; i < n / bs; i++)
		fn(p + i * ts, dst + i * bs);
}

typedef float v8f __attribute__((vector_size(32)));

/* sum of a[i] * b[i] in eight lanes (i mod 8), the lanes added in a fixed
 * tree: the order every dot product here uses, so that results do not
 * depend on which kernel computed them. */
static float
dot8(const float *a, const float *b, size_t n)
{
	v8f acc = { 0 };
	float s;
	size_t i;
	for (i = 0; i + 8 <= n; i += 8) {
		v8f va, vb;
		memcpy(&va, a + i, sizeof va);
		memcpy(&vb, b + i, sizeof vb);
		acc += va * vb;
	}
	s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

float
llm_dot_f32(const float *a, const float *b, size_t n)
{
	return dot8(a, b, n);
}

void
llm_axpy(float *y, float alpha, const float *x, size_t n)
{
	v8f va = { alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha };
	size_t i;
	for (i = 0; i + 8 <= n; i += 8) {
		v8f vx, vy;
		memcpy(&vx, x + i, sizeof vx);
		memcpy(&vy, y + i, sizeof vy);
		vy += va * vx;
		memcpy(y + i, &vy, sizeof vy);
	}
	for (; i < n; i++)
		y[i] += alpha * x[i];
}

/* Rows are summed in chunks: one quant block, or 256 weights for the
 * float types; partial sums are added in order. */
static size_t
chunk_of(enum ggml_type t)
{
	size_t bs = ggml_blck_size(t);
	return bs > 1 ? bs : 256;
}

float
llm_dot_row(enum ggml_type t, const void *row, const float *x, size_t n)
{
	const uint8_t *p = row;
	float tmp[256], sum = 0.0f;
	size_t i, ch = chunk_of(t), k;

	if (!llm_type_supported(t))
		return 0.0f;
	for (i = 0; i < n; i += ch) {
		k = n - i < ch ? n - i : ch;
		if (t == GGML_F32) {
			sum += dot8((const float *)row + i, x + i, k);
			continue;
		}
		llm_dequant_row(t, p + ggml_row_size(t, i), tmp, k);
		sum += dot8(tmp, x + i, k);
	}
	return sum;
}

void
llm_matvec(enum ggml_type t, const void *w, size_t rows, size_t cols,
	   const float *x, float *y)
{
	size_t r, rs = ggml_row_size(t, cols);
	const uint8_t *p = w;
	for (r = 0; r < rows; r++)
		y[r] = llm_dot_row(t, p + r * rs, x, cols);
}

struct mm_job {
	enum ggml_type t;
	const uint8_t *w;
	size_t rows, cols, n, per;
	const float *x;
	float *y;
	float *tmp;   /* [threads][cols] dequantised rows; NULL for F32 or no memory */
};

/* dot of a dequantised row with x, in llm_dot_row's order */
static float
dot_deq(const float *row, const float *x, size_t cols, size_t ch)
{
	float sum = 0.0f;
	size_t i;
	for (i = 0; i < cols; i += ch)
		sum += dot8(row + i, x + i, cols - i < ch ? cols - i : ch);
	return sum;
}

/* pool task: rows [task * per, (task + 1) * per) */
static void
mm_task(void *arg, size_t task, int thread)
{
	const struct mm_job *j = arg;
	size_t rs = ggml_row_size(j->t, j->cols), bs = chunk_of(j->t), r, b;
	size_t r0 = task * j->per, r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
	float *tmp = j->tmp ? j->tmp + (size_t)thread * j->cols : NULL;

	if (j->t != GGML_F32 && !tmp) { /* no memory: the row-at-a-time kernel */
		for (r = r0; r < r1; r++)
			for (b = 0; b < j->n; b++)
				j->y[b * j->rows + r] =
					llm_dot_row(j->t, j->w + r * rs, j->x + b * j->cols, j->cols);
		return;
	}
	for (r = r0; r < r1; r++) {
		const float *row;
		if (tmp) {
			llm_dequant_row(j->t, j->w + r * rs, tmp, j->cols);
			row = tmp;
		} else {
			row = (const float *)(const void *)(j->w + r * rs);
		}
		for (b = 0; b < j->n; b++)
			j->y[b * j->rows + r] = dot_deq(row, j->x + b * j->cols, j->cols, bs);
	}
}

/* the float path: each row dequantised once for all n inputs */
void
llm_matmul_float(enum ggml_type t, const void *w, size_t rows, size_t cols,
		 const float *x, size_t n, float *y, struct llm_pool *pool)
{
	struct mm_job j = { t, w, rows, cols, n, rows, x, y, NULL };
	size_t nt = (size_t)llm_pool_threads(pool), n_tasks = 1;

	/* small products are not worth a thread */
	if (rows * cols * n < (size_t)1 << 18 || rows < 2 * nt)
		nt = 1;
	if (nt > 1) {
		/* a few tasks per thread so that a slow thread does not hold up
		 * the rest; rows in multiples of 4 */
		j.per = (rows + 4 * nt - 1) / (4 * nt);
		j.per = (j.per + 3) & ~(size_t)3;
		n_tasks = (rows + j.per - 1) / j.per;
	}
	if (t != GGML_F32 && cols <= SIZE_MAX / sizeof(float) / LLM_POOL_MAX)
		j.tmp = malloc((size_t)llm_pool_threads(pool) * cols * sizeof(float));
	if (nt == 1) {
		size_t k;
		for (k = 0; k < n_tasks; k++)
			mm_task(&j, k, 0);
	} else {
		llm_pool_run(pool, n_tasks, mm_task, &j);
	}
	free(j.tmp);
}

/* A product on a kernel set: activations quantised once (tasks of
 * tokens), then tasks of rc rows x tc tokens, each walked in the
 * kernels' kr x kt tiles so that a tile of weight rows stays in L1
 * while the chunk's tokens pass over it.  Tasks go row chunk by row
 * chunk, all token chunks of one before the next, so that each weight
 * comes from memory once per product (the activations stay in cache). */
struct kmm {
	const struct llm_kern *k;
	llm_tile_fn fn;
	enum llm_act act;
	const uint8_t *w;
	size_t ws, rows, cols, n;
	const float *x;
	uint8_t *xq;
	size_t xs, rc, tc, n_tc;
	float *y;
};

#define KMM_QUANT_TOKENS 16

static void
kmm_quant(void *arg, size_t task, int thread)
{
	struct kmm *m = arg;
	size_t b, b1 = (task + 1) * KMM_QUANT_TOKENS;
	(void)thread;
	for (b = task * KMM_QUANT_TOKENS; b < b1 && b < m->n; b++)
		m->k->quant(m->act, m->x + b * m->cols, m->cols, m->xq + b * m->xs);
}

static void
kmm_task(void *arg, size_t task, int thread)
{
	struct kmm *m = arg;
	size_t r0 = task / m->n_tc * m->rc, t0 = task % m->n_tc * m->tc;
	size_t r1 = r0 + m->rc < m->rows ? r0 + m->rc : m->rows;
	size_t t1 = t0 + m->tc < m->n ? t0 + m->tc : m->n, r;
	size_t kr = (size_t)m->k->kr;
	(void)thread;
	for (r = r0; r < r1; r += kr) {
		int nr = (int)(r1 - r < kr ? r1 - r : kr);
		m->fn(m->w + r * m->ws, m->ws, nr, m->xq + t0 * m->xs, m->xs, (int)(t1 - t0), m->cols,
		      m->y + t0 * m->rows + r, m->rows);
	}
}

/* tasks run on the pool, or in order on this thread for small products */
static void
kmm_run(struct llm_pool *pool, bool alone, size_t n_tasks, void (*fn)(void *, size_t, int),
	void *arg)
{
	size_t k;
	if (!alone && llm_pool_threads(pool) > 1) {
		llm_pool_run(pool, n_tasks, fn, arg);
		return;
	}
	for (k = 0; k < n_tasks; k++)
		fn(arg, k, 0);
}

void
llm_matmul(enum ggml_type t, const void *w, size_t rows, size_t cols,
	   const float *x, size_t n, float *y, struct llm_pool *pool)
{
	enum llm_isa isa = llm_isa_active();
	const struct llm_kern *k = isa == LLM_ISA_FLOAT ? NULL : llm_kern_get(isa);
	struct kmm m;
	size_t nth = (size_t)llm_pool_threads(pool);
	uint8_t *buf = NULL;
	bool alone = rows * cols * n < (size_t)1 << 18 || nth < 2;

	if (!k || !llm_type_supported(t) || !k->fn[t] || n == 0) {
		llm_matmul_float(t, w, rows, cols, x, n, y, pool);
		return;
	}
	if (alone)
		nth = 1;
	m = (struct kmm){ .k = k, .fn = k->fn[t], .act = llm_act_of(t), .w = w,
			  .ws = ggml_row_size(t, cols), .rows = rows, .cols = cols, .n = n,
			  .x = x, .y = y };
	m.xs = llm_act_row_bytes(m.act, cols);
	if (m.act == LLM_ACT_F32) {
		m.xq = (uint8_t *)(uintptr_t)x;
	} else {
		buf = malloc(n * m.xs);
		if (!buf) {
			llm_matmul_float(t, w, rows, cols, x, n, y, pool);
			return;
		}
		m.xq = buf;
		kmm_run(pool, alone || n <= KMM_QUANT_TOKENS,
			(n + KMM_QUANT_TOKENS - 1) / KMM_QUANT_TOKENS, kmm_quant, &m);
	}
	/* one token: row chunks small enough to balance the threads; more:
	 * 64 x 64 chunks (a chunk's weights and tokens fit in L2) */
	if (n <= (size_t)k->kt) {
		m.tc = n;
		m.rc = rows / (8 * nth);
		m.rc = m.rc < 16 ? 16 : m.rc;
	} else {
		m.tc = 64;
		m.rc = 64;
	}
	m.rc = (m.rc + (size_t)k->kr - 1) / (size_t)k->kr * (size_t)k->kr;
	m.n_tc = (n + m.tc - 1) / m.tc;
	kmm_run(pool, alone, (rows + m.rc - 1) / m.rc * m.n_tc, kmm_task, &m);
	free(buf);
}
