/* gguf.c: the GGUF reader.  See gguf.h.  Every read goes through struct
 * cur, which refuses to step past the end; every count is checked against
 * the bytes left before anything is allocated for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llm/gguf.h"
#include "util/str.h"
#include "util/xalloc.h"

#define GGUF_MAX_NEST 8
#define GGUF_MAX_KEYLEN 65535

struct cur {
	const uint8_t *p;
	size_t size;
	size_t pos;
	struct buf *err;
	bool failed;
};

static const struct {
	const char *name;
	size_t blck, size;
} type_traits[GGML_TYPE_COUNT] = {
	[GGML_F32] = { "F32", 1, 4 },
	[GGML_F16] = { "F16", 1, 2 },
	[GGML_Q4_0] = { "Q4_0", 32, 18 },
	[GGML_Q4_1] = { "Q4_1", 32, 20 },
	[GGML_Q5_0] = { "Q5_0", 32, 22 },
	[GGML_Q5_1] = { "Q5_1", 32, 24 },
	[GGML_Q8_0] = { "Q8_0", 32, 34 },
	[GGML_Q8_1] = { "Q8_1", 32, 36 },
	[GGML_Q2_K] = { "Q2_K", 256, 84 },
	[GGML_Q3_K] = { "Q3_K", 256, 110 },
	[GGML_Q4_K] = { "Q4_K", 256, 144 },
	[GGML_Q5_K] = { "Q5_K", 256, 176 },
	[GGML_Q6_K] = { "Q6_K", 256, 210 },
	[GGML_Q8_K] = { "Q8_K", 256, 292 },
	[GGML_IQ2_XXS] = { "IQ2_XXS", 256, 66 },
	[GGML_IQ2_XS] = { "IQ2_XS", 256, 74 },
	[GGML_IQ3_XXS] = { "IQ3_XXS", 256, 98 },
	[GGML_IQ1_S] = { "IQ1_S", 256, 50 },
	[GGML_IQ4_NL] = { "IQ4_NL", 32, 18 },
	[GGML_IQ3_S] = { "IQ3_S", 256, 110 },
	[GGML_IQ2_S] = { "IQ2_S", 256, 82 },
	[GGML_IQ4_XS] = { "IQ4_XS", 256, 136 },
	[GGML_I8] = { "I8", 1, 1 },
	[GGML_I16] = { "I16", 1, 2 },
	[GGML_I32] = { "I32", 1, 4 },
	[GGML_I64] = { "I64", 1, 8 },
	[GGML_F64] = { "F64", 1, 8 },
	[GGML_IQ1_M] = { "IQ1_M", 256, 56 },
	[GGML_BF16] = { "BF16", 1, 2 },
	[GGML_TQ1_0] = { "TQ1_0", 256, 54 },
	[GGML_TQ2_0] = { "TQ2_0", 256, 66 },
};

const char *
ggml_type_name(enum ggml_type t)
{
	if ((unsigned)t >= GGML_TYPE_COUNT || !type_traits[t].name)
		return "unknown";
	return type_traits[t].name;
}

size_t
ggml_blck_size(enum ggml_type t)
{
	if ((unsigned)t >= GGML_TYPE_COUNT)
		return 0;
	return type_traits[t].blck;
}

size_t
ggml_type_size(enum ggml_type t)
{
	if ((unsigned)t >= GGML_TYPE_COUNT)
		return 0;
	return type_traits[t].size;
}

size_t
ggml_row_size(enum ggml_type t, uint64_t n)
{
	size_t b = ggml_blck_size(t), r;
	if (b == 0 || n % b != 0)
		return 0;
	if (!size_mul_ok((size_t)(n / b), ggml_type_size(t), &r))
		return 0;
	return r;
}

uint64_t
gguf_tensor_nelem(const struct gguf_tensor *t)
{
	return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}

const char *
gguf_vtype_name(enum gguf_vtype t)
{
	static const char *const names[GGUF_VTYPE_COUNT] = {
		"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
		"string", "array", "u64", "i64", "f64",
	};
	if ((unsigned)t >= GGUF_VTYPE_COUNT)
		return "unknown";
	return names[t];
}

/* Size of a scalar value type; 0 for string/array/unknown. */
static size_t
vtype_size(enum gguf_vtype t)
{
	switch (t) {
	case GGUF_U8: case GGUF_I8: case GGUF_BOOL: return 1;
	case GGUF_U16: case GGUF_I16: return 2;
	case GGUF_U32: case GGUF_I32: case GGUF_F32: return 4;
	case GGUF_U64: case GGUF_I64: case GGUF_F64: return 8;
	default: return 0;
	}
}

static bool
fail(struct cur *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
fail(struct cur *c, const char *fmt, ...)
{
	va_list ap;
	if (c->failed)
		return false;
	c->failed = true;
	va_start(ap, fmt);
	buf_vprintf(c->err, fmt, ap);
	va_end(ap);
	return false;
}

static size_t
left(const struct cur *c)
{
	return c->size - c->pos;
}

static bool
take(struct cur *c, size_t n, const void **out, const char *what)
{
	if (n > left(c))
		return fail(c, "truncated at offset %zu reading %s (%zu bytes needed, %zu left)",
			    c->pos, what, n, left(c));
	*out = c->p + c->pos;
	c->pos += n;
	return true;
}

static uint64_t
rd_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool
is_unsigned(enum gguf_vtype t)
{
	return t == GGUF_U8 || t == GGUF_U16 || t == GGUF_U32 || t == GGUF_U64 ||
	       t == GGUF_BOOL;
}

static bool
is_signed(enum gguf_vtype t)
{
	return t == GGUF_I8 || t == GGUF_I16 || t == GGUF_I32 || t == GGUF_I64;
}

static bool
is_float(enum gguf_vtype t)
{
	return t == GGUF_F32 || t == GGUF_F64;
}

/* u, the es bytes of an integer of type t, sign-extended if t is signed */
static int64_t
int_bits(uint64_t u, enum gguf_vtype t)
{
	switch (t) {
	case GGUF_I8: return (int8_t)u;
	case GGUF_I16: return (int16_t)u;
	case GGUF_I32: return (int32_t)u;
	default: return (int64_t)u;
	}
}

/* an n-byte little-endian unsigned integer at the cursor */
static bool
rd_uint(struct cur *c, size_t n, uint64_t *v, const char *what)
{
	const void *p = NULL;
	if (!take(c, n, &p, what))
		return false;
	*v = rd_le(p, n);
	return true;
}

static bool
rd_u32(struct cur *c, uint32_t *v, const char *what)
{
	uint64_t u;
	if (!rd_uint(c, 4, &u, what))
		return false;
	*v = (uint32_t)u;
	return true;
}

static bool
rd_u64(struct cur *c, uint64_t *v, const char *what)
{
	return rd_uint(c, 8, v, what);
}

/* the float whose es-byte (4 or 8) bit pattern is u */
static double
bits_to_float(uint64_t u, size_t es)
{
	if (es == 4) {
		uint32_t b = (uint32_t)u;
		float f;
		memcpy(&f, &b, 4);
		return f;
	}
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static bool
rd_str(struct cur *c, struct gguf_str *s, const char *what)
{
	uint64_t n;
	const void *p = NULL;
	if (!rd_u64(c, &n, what))
		return false;
	if (n > left(c))
		return fail(c, "%s: string length %llu past the end of the file",
			    what, (unsigned long long)n);
	if (!take(c, (size_t)n, &p, what))
		return false;
	s->p = p;
	s->n = (size_t)n;
	return true;
}

static void
value_free(struct gguf_value *v)
{
	uint64_t i;
	if (v->elems)
		for (i = 0; i < v->n; i++)
			value_free(&v->elems[i]);
	xfree_all(v->elems, v->strs);
	v->elems = NULL;
	v->strs = NULL;
}

static bool read_value(struct cur *c, enum gguf_vtype t, struct gguf_value *v,
		       const char *key, int depth);

static bool
read_array(struct cur *c, struct gguf_value *v, const char *key, int depth)
{
	uint32_t at;
	uint64_t n, i;
	size_t es, total;
	const void *p = NULL;

	if (depth >= GGUF_MAX_NEST)
		return fail(c, "key '%s': arrays nested deeper than %d", key, GGUF_MAX_NEST);
	if (!rd_u32(c, &at, key) || !rd_u64(c, &n, key))
		return false;
	if (at >= GGUF_VTYPE_COUNT)
		return fail(c, "key '%s': unknown array element type %u", key, at);
	v->atype = at;
	es = vtype_size(at);
	if (es) {
		if (n > left(c) / es)
			return fail(c, "key '%s': array of %llu %s elements runs past the end of the file",
				    key, (unsigned long long)n, gguf_vtype_name(at));
		total = (size_t)n * es;
		if (!take(c, total, &p, key))
			return false;
		v->raw = p;
		v->n = n;
		if (at == GGUF_BOOL)
			for (i = 0; i < n; i++)
				if (v->raw[i] > 1)
					return fail(c, "key '%s': bool element %llu is %u",
						    key, (unsigned long long)i, v->raw[i]);
		return true;
	}
	/* strings and arrays take at least 8 (length) or 12 bytes each */
	if (n > left(c) / 8)
		return fail(c, "key '%s': array count %llu is larger than the file allows",
			    key, (unsigned long long)n);
	v->n = 0;
	if (at == GGUF_STRING) {
		v->strs = calloc((size_t)n ? (size_t)n : 1, sizeof(*v->strs));
		if (!v->strs)
			return fail(c, "key '%s': out of memory for %llu strings", key,
				    (unsigned long long)n);
		for (i = 0; i < n; i++) {
			if (!rd_str(c, &v->strs[i], key))
				return false;
			v->n = i + 1;
		}
		return true;
	}
	v->elems = calloc((size_t)n ? (size_t)n : 1, sizeof(*v->elems));
	if (!v->elems)
		return fail(c, "key '%s': out of memory for %llu arrays", key,
			    (unsigned long long)n);
	for (i = 0; i < n; i++) {
		v->n = i + 1;
		if (!read_value(c, GGUF_ARRAY, &v->elems[i], key, depth + 1))
			return false;
	}
	return true;
}

static bool
read_value(struct cur *c, enum gguf_vtype t, struct gguf_value *v,
	   const char *key, int depth)
{
	size_t es;
	uint64_t u;

	v->type = t;
	if (t == GGUF_STRING) {
		if (!rd_str(c, &v->s, key))
			return false;
		if (!utf8_valid(v->s.p, v->s.n))
			return fail(c, "key '%s': string value is not valid UTF-8", key);
		return true;
	}
	if (t == GGUF_ARRAY)
		return read_array(c, v, key, depth);
	es = vtype_size(t);
	if (!es)
		return fail(c, "key '%s': unknown value type %u", key, (unsigned)t);
	if (!rd_uint(c, es, &u, key))
		return false;
	switch (t) {
	case GGUF_I8: case GGUF_I16: case GGUF_I32: case GGUF_I64:
		v->v.i = int_bits(u, t);
		break;
	case GGUF_F32: case GGUF_F64:
		v->v.f = bits_to_float(u, es);
		break;
	case GGUF_BOOL:
		if (u > 1)
			return fail(c, "key '%s': bool value is %llu", key,
				    (unsigned long long)u);
		v->v.u = u;
		break;
	default: v->v.u = u; break;
	}
	return true;
}

static bool
read_name(struct cur *c, char **out, const char *what, uint64_t idx)
{
	struct gguf_str s;
	char label[64];
	snprintf(label, sizeof label, "%s %llu", what, (unsigned long long)idx);
	if (!rd_str(c, &s, label))
		return false;
	if (s.n == 0)
		return fail(c, "%s has an empty name", label);
	if (s.n > GGUF_MAX_KEYLEN)
		return fail(c, "%s: name of %zu bytes is too long", label, s.n);
	if (!utf8_valid(s.p, s.n) || memchr(s.p, 0, s.n))
		return fail(c, "%s: name is not valid UTF-8", label);
	*out = xstrndup(s.p, s.n);
	return true;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first name that occurs twice in names[0..n), or NULL; sorts in
 * O(n log n) so that a hostile count cannot make this quadratic. */
static const char *
find_duplicate(char **names, size_t n)
{
	size_t i;
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 1; i < n; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			return names[i];
	return NULL;
}

static int
cmp_tensor_name(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;
	return strcmp(x->name, y->name);
}

static bool
read_kvs(struct cur *c, struct gguf *g, uint64_t n)
{
	uint64_t i;
	uint32_t t;

	if (n > left(c) / 12)
		return fail(c, "metadata count %llu is larger than the file allows",
			    (unsigned long long)n);
	g->kv = xcalloc((size_t)n ? (size_t)n : 1, sizeof(*g->kv));
	for (i = 0; i < n; i++) {
		struct gguf_kv *kv = &g->kv[i];
		if (!read_name(c, &kv->key, "metadata key", i))
			return false;
		g->n_kv = i + 1;
		if (!rd_u32(c, &t, kv->key))
			return false;
		if (t >= GGUF_VTYPE_COUNT)
			return fail(c, "key '%s': unknown value type %u", kv->key, t);
		if (!read_value(c, t, &kv->val, kv->key, 0))
			return false;
	}
	if (n > 1) {
		char **names = xcalloc((size_t)n, sizeof(*names));
		const char *dup;
		bool ok = true;
		for (i = 0; i < n; i++)
			names[i] = g->kv[i].key;
		dup = find_duplicate(names, (size_t)n);
		if (dup)
			ok = fail(c, "duplicate metadata key '%s'", dup);
		free(names);
		return ok;
	}
	return true;
}

static bool
read_tensor_info(struct cur *c, struct gguf_tensor *t, uint64_t idx)
{
	uint32_t i, ty;
	uint64_t ne, total = 1;

	if (!read_name(c, &t->name, "tensor", idx))
		return false;
	if (!rd_u32(c, &t->n_dims, t->name))
		return false;
	if (t->n_dims == 0 || t->n_dims > GGUF_MAX_DIMS)
		return fail(c, "tensor '%s': %u dimensions (1..%d allowed)", t->name,
			    t->n_dims, GGUF_MAX_DIMS);
	for (i = 0; i < GGUF_MAX_DIMS; i++)
		t->ne[i] = 1;
	for (i = 0; i < t->n_dims; i++) {
		if (!rd_u64(c, &ne, t->name))
			return false;
		if (ne == 0 || ne > INT64_MAX)
			return fail(c, "tensor '%s': dimension %u is %llu", t->name, i,
				    (unsigned long long)ne);
		if (ne > INT64_MAX / total)
			return fail(c, "tensor '%s': element count overflows", t->name);
		total *= ne;
		t->ne[i] = ne;
	}
	if (!rd_u32(c, &ty, t->name))
		return false;
	if (ty >= GGML_TYPE_COUNT || !type_traits[ty].name)
		return fail(c, "tensor '%s': unknown tensor type %u", t->name, ty);
	t->type = ty;
	if (t->ne[0] % ggml_blck_size(t->type) != 0)
		return fail(c, "tensor '%s': row of %llu elements is not a multiple of the %s block size %zu",
			    t->name, (unsigned long long)t->ne[0], ggml_type_name(t->type),
			    ggml_blck_size(t->type));
	if (!rd_u64(c, &t->offset, t->name))
		return false;
	/* bytes = rows * row size, checked */
	{
		size_t row = ggml_row_size(t->type, t->ne[0]), nb;
		if (!row || !size_mul_ok(row, (size_t)(total / t->ne[0]), &nb))
			return fail(c, "tensor '%s': size overflows", t->name);
		t->nbytes = nb;
	}
	return true;
}

static int
cmp_off(const void *a, const void *b)
{
	const struct gguf_tensor *x = *(const struct gguf_tensor *const *)a;
	const struct gguf_tensor *y = *(const struct gguf_tensor *const *)b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static bool
place_tensors(struct cur *c, struct gguf *g)
{
	struct gguf_tensor **ord = NULL;
	uint64_t i, datasz;
	bool ok = false;

	if (g->data_offset > c->size) {
		if (g->n_tensors == 0) {
			g->data_offset = c->size;
			return true;
		}
		return fail(c, "tensor data section starts past the end of the file");
	}
	datasz = c->size - g->data_offset;
	ord = xcalloc((size_t)g->n_tensors ? (size_t)g->n_tensors : 1, sizeof(*ord));
	for (i = 0; i < g->n_tensors; i++) {
		struct gguf_tensor *t = &g->tensors[i];
		if (t->offset % g->alignment != 0) {
			fail(c, "tensor '%s': offset %llu is not aligned to %llu", t->name,
			     (unsigned long long)t->offset, (unsigned long long)g->alignment);
			goto out;
		}
		if (t->offset > datasz || t->nbytes > datasz - t->offset) {
			fail(c, "tensor '%s': data (offset %llu, %llu bytes) runs past the end of the file",
			     t->name, (unsigned long long)t->offset,
			     (unsigned long long)t->nbytes);
			goto out;
		}
		t->data = c->p + g->data_offset + t->offset;
		ord[i] = t;
	}
	qsort(ord, (size_t)g->n_tensors, sizeof(*ord), cmp_off);
	for (i = 1; i < g->n_tensors; i++)
		if (ord[i - 1]->offset + ord[i - 1]->nbytes > ord[i]->offset) {
			fail(c, "tensors '%s' and '%s' overlap", ord[i - 1]->name, ord[i]->name);
			goto out;
		}
	ok = true;
out:
	free(ord);
	return ok;
}

static bool
parse(struct cur *c, struct gguf *g)
{
	const void *magic = NULL;
	uint64_t nt, nkv, i;
	const struct gguf_kv *al;

	if (!take(c, 4, &magic, "the magic"))
		return false;
	if (memcmp(magic, "GGUF", 4) != 0)
		return fail(c, "not a GGUF file (bad magic)");
	if (!rd_u32(c, &g->version, "the version"))
		return false;
	if (g->version == 1)
		return fail(c, "GGUF version 1 is not supported (convert the file again)");
	if (g->version != 2 && g->version != 3)
		return fail(c, "unknown GGUF version %u", g->version);
	if (!rd_u64(c, &nt, "the tensor count") || !rd_u64(c, &nkv, "the metadata count"))
		return false;
	if (!read_kvs(c, g, nkv))
		return false;
	g->alignment = GGUF_DEFAULT_ALIGNMENT;
	al = gguf_find(g, "general.alignment");
	if (al) {
		if (al->val.type != GGUF_U32)
			return fail(c, "key 'general.alignment': type %s, expected u32",
				    gguf_vtype_name(al->val.type));
		if (al->val.v.u == 0 || (al->val.v.u & (al->val.v.u - 1)) != 0)
			return fail(c, "key 'general.alignment': %llu is not a power of two",
				    (unsigned long long)al->val.v.u);
		g->alignment = al->val.v.u;
	}
	/* a tensor info takes at least 8+1+4+8+4+8 bytes */
	if (nt > left(c) / 33)
		return fail(c, "tensor count %llu is larger than the file allows",
			    (unsigned long long)nt);
	g->tensors = xcalloc((size_t)nt ? (size_t)nt : 1, sizeof(*g->tensors));
	for (i = 0; i < nt; i++) {
		g->n_tensors = i + 1;
		if (!read_tensor_info(c, &g->tensors[i], i))
			return false;
	}
	/* the tensors by name: for duplicates now, for lookups later */
	g->by_name = xcalloc((size_t)nt ? (size_t)nt : 1, sizeof(*g->by_name));
	for (i = 0; i < nt; i++)
		g->by_name[i] = &g->tensors[i];
	qsort(g->by_name, (size_t)nt, sizeof(*g->by_name), cmp_tensor_name);
	for (i = 1; i < nt; i++)
		if (strcmp(g->by_name[i - 1]->name, g->by_name[i]->name) == 0)
			return fail(c, "duplicate tensor '%s'", g->by_name[i]->name);
	g->data_offset = (c->pos + g->alignment - 1) / g->alignment * g->alignment;
	return place_tensors(c, g);
}

struct gguf *
gguf_open_mem(const void *data, size_t size, struct buf *err)
{
	struct gguf *g = xcalloc(1, sizeof(*g));
	struct cur c = { data, size, 0, err, false };

	g->map = data;
	g->size = size;
	if (!parse(&c, g)) {
		gguf_close(g);
		return NULL;
	}
	return g;
}

struct gguf *
gguf_open(const char *path, struct buf *err)
{
	struct gguf *g = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd;
	size_t mark = err->len;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 8) {
		buf_printf(err, "%s: not a GGUF file (too small or not a regular file)", path);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		buf_printf(err, "%s: file too large to map", path);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		buf_printf(err, "%s: mmap: %s", path, strerror(errno));
		goto out;
	}
	buf_printf(err, "%s: ", path);
	g = gguf_open_mem(map, (size_t)st.st_size, err);
	if (!g) {
		munmap(map, (size_t)st.st_size);
		goto out;
	}
	buf_truncate(err, mark);
	g->owns_map = true;
out:
	close(fd);
	return g;
}

void
gguf_close(struct gguf *g)
{
	uint64_t i;
	if (!g)
		return;
	for (i = 0; i < g->n_kv; i++) {
		free(g->kv[i].key);
		value_free(&g->kv[i].val);
	}
	free(g->kv);
	for (i = 0; i < g->n_tensors; i++)
		free(g->tensors[i].name);
	xfree_all(g->tensors, g->by_name);
	if (g->owns_map)
		munmap((void *)g->map, g->size);
	free(g);
}

const struct gguf_kv *
gguf_find(const struct gguf *g, const char *key)
{
	uint64_t i;
	for (i = 0; i < g->n_kv; i++)
		if (g->kv[i].key && strcmp(g->kv[i].key, key) == 0)
			return &g->kv[i];
	return NULL;
}

const struct gguf_tensor *
gguf_tensor(const struct gguf *g, const char *name)
{
	size_t lo = 0, hi = g->by_name ? (size_t)g->n_tensors : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name, g->by_name[mid]->name);
		if (r == 0)
			return g->by_name[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* the integer value of `key` as 64 bits, if it fits an int64_t (`sign`)
 * or a uint64_t */
static bool
get_int(const struct gguf *g, const char *key, bool sign, uint64_t *out)
{
	const struct gguf_kv *kv = gguf_find(g, key);
	if (!kv)
		return false;
	if (is_unsigned(kv->val.type)) {
		if (sign && kv->val.v.u > INT64_MAX)
			return false;
		*out = kv->val.v.u;
	} else if (is_signed(kv->val.type)) {
		if (!sign && kv->val.v.i < 0)
			return false;
		*out = (uint64_t)kv->val.v.i;
	} else {
		return false;
	}
	return true;
}

bool
gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out)
{
	return get_int(g, key, false, out);
}

bool
gguf_get_i64(const struct gguf *g, const char *key, int64_t *out)
{
	uint64_t u;
	if (!get_int(g, key, true, &u))
		return false;
	*out = (int64_t)u;
	return true;
}

bool
gguf_get_f64(const struct gguf *g, const char *key, double *out)
{
	const struct gguf_kv *kv = gguf_find(g, key);
	if (!kv)
		return false;
	if (is_float(kv->val.type))
		*out = kv->val.v.f;
	else if (is_signed(kv->val.type))
		*out = (double)kv->val.v.i;
	else if (is_unsigned(kv->val.type))
		*out = (double)kv->val.v.u;
	else
		return false;
	return true;
}

bool
gguf_get_bool(const struct gguf *g, const char *key, bool *out)
{
	const struct gguf_kv *kv = gguf_find(g, key);
	if (!kv || kv->val.type != GGUF_BOOL)
		return false;
	*out = kv->val.v.u != 0;
	return true;
}

bool
gguf_get_str(const struct gguf *g, const char *key, struct gguf_str *out)
{
	const struct gguf_kv *kv = gguf_find(g, key);
	if (!kv || kv->val.type != GGUF_STRING)
		return false;
	*out = kv->val.s;
	return true;
}

char *
gguf_get_strdup(const struct gguf *g, const char *key)
{
	struct gguf_str s;
	if (!gguf_get_str(g, key, &s))
		return NULL;
	return xstrndup(s.p, s.n);
}

const struct gguf_value *
gguf_get_arr(const struct gguf *g, const char *key, enum gguf_vtype atype)
{
	const struct gguf_kv *kv = gguf_find(g, key);
	if (!kv || kv->val.type != GGUF_ARRAY || kv->val.atype != atype)
		return NULL;
	return &kv->val;
}

/* element i of a numeric array as raw bits (*es bytes of them); false
 * if out of range or not a fixed-size type */
static bool
arr_bits(const struct gguf_value *a, uint64_t i, uint64_t *u, size_t *es)
{
	*es = vtype_size(a->atype);
	if (!*es || i >= a->n)
		return false;
	*u = rd_le(a->raw + i * *es, *es);
	return true;
}

double
gguf_arr_f64(const struct gguf_value *a, uint64_t i)
{
	size_t es;
	uint64_t u;
	if (!arr_bits(a, i, &u, &es))
		return 0;
	if (is_float(a->atype))
		return bits_to_float(u, es);
	return is_signed(a->atype) ? (double)int_bits(u, a->atype) : (double)u;
}

int64_t
gguf_arr_i64(const struct gguf_value *a, uint64_t i)
{
	size_t es;
	uint64_t u;
	double d;
	if (!is_float(a->atype))
		return arr_bits(a, i, &u, &es) ? int_bits(u, a->atype) : 0;
	d = gguf_arr_f64(a, i);
	/* saturate: converting an out-of-range float is undefined */
	if (!(d == d))
		return 0;
	if (d >= 9.2233720368547758e18)
		return INT64_MAX;
	if (d <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)d;
}
