/* gguf.h: a GGUF (v2, v3) reader over a read-only memory map.
 *
 * gguf_open() maps the file, parses the header, every metadata key/value
 * (all value types, arrays of arrays included) and every tensor info, and
 * checks each count, offset and size against the file before anything is
 * used: a truncated or hostile file gets an error naming the key or tensor,
 * never an out-of-bounds read.  Tensor data is never copied; tensor
 * pointers point into the map and stay valid until gguf_close().
 *
 * Strings inside the file are not NUL-terminated.  Keys and tensor names
 * are copied (NUL-terminated) at open; other strings are returned as
 * (pointer, length) views into the map. */
#ifndef CONCH_GGUF_H
#define CONCH_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

enum gguf_vtype {
	GGUF_U8 = 0, GGUF_I8 = 1, GGUF_U16 = 2, GGUF_I16 = 3,
	GGUF_U32 = 4, GGUF_I32 = 5, GGUF_F32 = 6, GGUF_BOOL = 7,
	GGUF_STRING = 8, GGUF_ARRAY = 9, GGUF_U64 = 10, GGUF_I64 = 11,
	GGUF_F64 = 12,
	GGUF_VTYPE_COUNT
};

/* ggml tensor types (the numbers are the file format's). */
enum ggml_type {
	GGML_F32 = 0, GGML_F16 = 1, GGML_Q4_0 = 2, GGML_Q4_1 = 3,
	GGML_Q5_0 = 6, GGML_Q5_1 = 7, GGML_Q8_0 = 8, GGML_Q8_1 = 9,
	GGML_Q2_K = 10, GGML_Q3_K = 11, GGML_Q4_K = 12, GGML_Q5_K = 13,
	GGML_Q6_K = 14, GGML_Q8_K = 15, GGML_IQ2_XXS = 16, GGML_IQ2_XS = 17,
	GGML_IQ3_XXS = 18, GGML_IQ1_S = 19, GGML_IQ4_NL = 20, GGML_IQ3_S = 21,
	GGML_IQ2_S = 22, GGML_IQ4_XS = 23, GGML_I8 = 24, GGML_I16 = 25,
	GGML_I32 = 26, GGML_I64 = 27, GGML_F64 = 28, GGML_IQ1_M = 29,
	GGML_BF16 = 30, GGML_TQ1_0 = 34, GGML_TQ2_0 = 35,
	GGML_TYPE_COUNT = 40
};

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

struct gguf_str {
	const char *p; /* into the map; not NUL-terminated */
	size_t n;
};

/* One metadata value.  For arrays: `atype` is the element type and `n`
 * the count; scalar elements are at `raw` (little-endian, packed), string
 * elements in `strs`, nested arrays in `elems`. */
struct gguf_value {
	enum gguf_vtype type;
	union {
		uint64_t u;  /* U8..U64, BOOL */
		int64_t i;   /* I8..I64 */
		double f;    /* F32, F64 */
	} v;
	struct gguf_str s; /* STRING */
	enum gguf_vtype atype;
	uint64_t n;
	const uint8_t *raw;
	struct gguf_str *strs;      /* owned */
	struct gguf_value *elems;   /* owned */
};

struct gguf_kv {
	char *key; /* owned */
	struct gguf_value val;
};

struct gguf_tensor {
	char *name;       /* owned */
	uint32_t n_dims;
	uint64_t ne[GGUF_MAX_DIMS]; /* ne[0] is the row length; unused dims 1 */
	enum ggml_type type;
	uint64_t offset;  /* relative to the data section */
	uint64_t nbytes;
	const void *data; /* into the map */
};

struct gguf {
	uint32_t version;
	uint64_t alignment;
	struct gguf_kv *kv; /* owned */
	uint64_t n_kv;
	struct gguf_tensor *tensors; /* owned */
	uint64_t n_tensors;
	struct gguf_tensor **by_name; /* owned: tensors sorted by name */
	const uint8_t *map;
	size_t size;
	uint64_t data_offset; /* start of the tensor data section */
	bool owns_map;
};

/* Map and parse the file at `path`.  Returns NULL and appends a message to
 * `err` ("FILE: what, naming the key or tensor") on failure.  Caller
 * closes. */
struct gguf *gguf_open(const char *path, struct buf *err);
/* Parse `size` bytes at `data` (not copied: must outlive the result). */
struct gguf *gguf_open_mem(const void *data, size_t size, struct buf *err);
void gguf_close(struct gguf *g);

/* Lookups; NULL when absent. */
const struct gguf_kv *gguf_find(const struct gguf *g, const char *key);
const struct gguf_tensor *gguf_tensor(const struct gguf *g, const char *name);

/* Typed getters.  Integer getters accept any integer type (and bool)
 * whose value fits; false when absent or of another type. */
bool gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out);
bool gguf_get_i64(const struct gguf *g, const char *key, int64_t *out);
bool gguf_get_f64(const struct gguf *g, const char *key, double *out);
bool gguf_get_bool(const struct gguf *g, const char *key, bool *out);
/* A string value as a view (not NUL-terminated). */
bool gguf_get_str(const struct gguf *g, const char *key, struct gguf_str *out);
/* A string value copied into a new NUL-terminated string, or NULL.  Caller
 * frees. */
char *gguf_get_strdup(const struct gguf *g, const char *key);
/* An array value of element type `atype`, or NULL. */
const struct gguf_value *gguf_get_arr(const struct gguf *g, const char *key,
				      enum gguf_vtype atype);
/* Element i of a numeric array as double (any numeric element type). */
double gguf_arr_f64(const struct gguf_value *a, uint64_t i);
int64_t gguf_arr_i64(const struct gguf_value *a, uint64_t i);

const char *gguf_vtype_name(enum gguf_vtype t);

/* ggml type traits.  block size 0: unknown type. */
const char *ggml_type_name(enum ggml_type t);
size_t ggml_blck_size(enum ggml_type t);
size_t ggml_type_size(enum ggml_type t);
/* Bytes of a row of `n` elements; 0 when n is not a multiple of the block
 * size or the type is unknown. */
size_t ggml_row_size(enum ggml_type t, uint64_t n);
/* Number of elements in the tensor. */
uint64_t gguf_tensor_nelem(const struct gguf_tensor *t);

#endif
