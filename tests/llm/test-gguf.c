/* Check suite for src/llm/gguf.c: real files from ../shared, every value
 * type, and malformed inputs (every truncation, absurd counts, overlapping
 * and misaligned tensors, bad UTF-8) that must fail with a clear message. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

static char *
shared_path(const char *rel)
{
	const char *s = getenv("CONCH_SHARED");
	return xasprintf("%s/%s", s ? s : "../shared", rel);
}

/* ---- a tiny in-memory GGUF builder ---- */
struct gb {
	struct buf b;
};

static void
put(struct gb *g, const void *p, size_t n)
{
	buf_add(&g->b, p, n);
}

static void
u32(struct gb *g, uint32_t v)
{
	put(g, &v, 4);
}

static void
u64(struct gb *g, uint64_t v)
{
	put(g, &v, 8);
}

static void
str(struct gb *g, const char *s)
{
	u64(g, strlen(s));
	put(g, s, strlen(s));
}

/* A valid file: a few kvs of every type, two F32 tensors. Returns offsets of
 * section boundaries in *bounds. */
static void
build_valid(struct gb *g, size_t *b_kv, size_t *b_ti, size_t *b_data)
{
	float data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t u8v = 7;
	int8_t i8v = -7;
	uint16_t u16v = 65000;
	int16_t i16v = -300;
	float f = 1.5f;
	double d = -2.25;
	uint8_t bl = 1;

	buf_init(&g->b, 0);
	put(g, "GGUF", 4);
	u32(g, 3);
	u64(g, 2);  /* tensors */
	u64(g, 13); /* kvs */
	*b_kv = g->b.len;
	str(g, "general.architecture"); u32(g, GGUF_STRING); str(g, "llama");
	str(g, "k.u8"); u32(g, GGUF_U8); put(g, &u8v, 1);
	str(g, "k.i8"); u32(g, GGUF_I8); put(g, &i8v, 1);
	str(g, "k.u16"); u32(g, GGUF_U16); put(g, &u16v, 2);
	str(g, "k.i16"); u32(g, GGUF_I16); put(g, &i16v, 2);
	str(g, "k.u32"); u32(g, GGUF_U32); u32(g, 4000000000u);
	str(g, "k.i32"); u32(g, GGUF_I32); u32(g, (uint32_t)-5);
	str(g, "k.f32"); u32(g, GGUF_F32); put(g, &f, 4);
	str(g, "k.bool"); u32(g, GGUF_BOOL); put(g, &bl, 1);
	str(g, "k.u64"); u32(g, GGUF_U64); u64(g, UINT64_C(1) << 40);
	str(g, "k.i64"); u32(g, GGUF_I64); u64(g, (uint64_t)-9);
	str(g, "k.f64"); u32(g, GGUF_F64); put(g, &d, 8);
	/* [[1,2],[3]] of i32, and strings inside */
	str(g, "k.nested"); u32(g, GGUF_ARRAY); u32(g, GGUF_ARRAY); u64(g, 3);
	u32(g, GGUF_I32); u64(g, 2); u32(g, 1); u32(g, 2);
	u32(g, GGUF_I32); u64(g, 1); u32(g, 3);
	u32(g, GGUF_STRING); u64(g, 2); str(g, "a"); str(g, "bc");
	*b_ti = g->b.len;
	str(g, "t.a"); u32(g, 2); u64(g, 2); u64(g, 2); u32(g, GGML_F32); u64(g, 0);
	str(g, "t.b"); u32(g, 1); u64(g, 4); u32(g, GGML_F32); u64(g, 32);
	while (g->b.len % 32)
		put(g, "", 1);
	*b_data = g->b.len;
	put(g, data, 16);
	put(g, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	put(g, data + 4, 16);
}

START_TEST(valid_all_types)
{
	struct gb g;
	struct buf err = BUF_INIT;
	size_t a, b, c;
	struct gguf *f;
	uint64_t u;
	int64_t i;
	double d;
	bool bl;
	const struct gguf_kv *kv;
	const struct gguf_tensor *t;
	char *s;

	build_valid(&g, &a, &b, &c);
	f = gguf_open_mem(g.b.p, g.b.len, &err);
	ck_assert_msg(f != NULL, "%s", buf_str(&err));
	ck_assert_uint_eq(f->n_kv, 13);
	ck_assert_uint_eq(f->n_tensors, 2);
	s = gguf_get_strdup(f, "general.architecture");
	ck_assert_str_eq(s, "llama");
	free(s);
	ck_assert(gguf_get_u64(f, "k.u8", &u) && u == 7);
	ck_assert(gguf_get_i64(f, "k.i8", &i) && i == -7);
	ck_assert(gguf_get_u64(f, "k.u16", &u) && u == 65000);
	ck_assert(gguf_get_i64(f, "k.i16", &i) && i == -300);
	ck_assert(gguf_get_u64(f, "k.u32", &u) && u == 4000000000u);
	ck_assert(gguf_get_i64(f, "k.i32", &i) && i == -5);
	ck_assert(!gguf_get_u64(f, "k.i32", &u));
	ck_assert(gguf_get_f64(f, "k.f32", &d) && d == 1.5);
	ck_assert(gguf_get_bool(f, "k.bool", &bl) && bl);
	ck_assert(gguf_get_u64(f, "k.u64", &u) && u == (UINT64_C(1) << 40));
	ck_assert(gguf_get_i64(f, "k.i64", &i) && i == -9);
	ck_assert(gguf_get_f64(f, "k.f64", &d) && d == -2.25);
	kv = gguf_find(f, "k.nested");
	ck_assert_ptr_nonnull(kv);
	ck_assert_int_eq(kv->val.atype, GGUF_ARRAY);
	ck_assert_uint_eq(kv->val.n, 3);
	ck_assert_uint_eq(kv->val.elems[0].n, 2);
	ck_assert_int_eq(gguf_arr_i64(&kv->val.elems[0], 1), 2);
	ck_assert_int_eq(gguf_arr_i64(&kv->val.elems[1], 0), 3);
	ck_assert_int_eq(kv->val.elems[2].atype, GGUF_STRING);
	ck_assert_uint_eq(kv->val.elems[2].strs[1].n, 2);
	ck_assert(memcmp(kv->val.elems[2].strs[1].p, "bc", 2) == 0);
	t = gguf_tensor(f, "t.b");
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nbytes, 16);
	ck_assert(((const float *)t->data)[3] == 8.0f);
	t = gguf_tensor(f, "t.a");
	ck_assert_uint_eq(gguf_tensor_nelem(t), 4);
	ck_assert_ptr_eq(t->data, (const uint8_t *)g.b.p + c);
	gguf_close(f);
	buf_free(&g.b);
	buf_free(&err);
}
END_TEST

/* Every prefix of a valid file fails cleanly (this covers the boundary of
 * every section: header, each kv, each tensor info, padding, data). */
START_TEST(truncated_everywhere)
{
	struct gb g;
	struct buf err = BUF_INIT;
	size_t a, b, c, n;
	struct gguf *f;

	build_valid(&g, &a, &b, &c);
	for (n = 0; n < g.b.len; n++) {
		char *copy = xmalloc(n ? n : 1);
		memcpy(copy, g.b.p, n);
		buf_reset(&err);
		f = gguf_open_mem(copy, n, &err);
		ck_assert_msg(f == NULL, "prefix of %zu bytes accepted", n);
		ck_assert_msg(err.len > 0, "no message at %zu", n);
		if (n == a + 4)
			ck_assert_msg(strstr(buf_str(&err), "metadata"), "%s", buf_str(&err));
		if (n == b + 10)
			ck_assert_msg(strstr(buf_str(&err), "tensor"), "%s", buf_str(&err));
		if (n == c + 4)
			ck_assert_msg(strstr(buf_str(&err), "t.a"), "%s", buf_str(&err));
		free(copy);
	}
	buf_free(&g.b);
	buf_free(&err);
}
END_TEST

/* Patch helper: build a file from a header and one kv/tensor spec. */
static struct gguf *
open_buf(struct gb *g, struct buf *err)
{
	buf_reset(err);
	return gguf_open_mem(g->b.p, g->b.len, err);
}

START_TEST(absurd_counts)
{
	struct gb g;
	struct buf err = BUF_INIT;

	buf_init(&g.b, 0);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, UINT64_MAX);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "metadata count"), "%s", buf_str(&err));
	buf_reset(&g.b);

	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, UINT64_MAX / 2); u64(&g, 0);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "tensor count"), "%s", buf_str(&err));
	buf_reset(&g.b);

	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "tokenizer.ggml.tokens"); u32(&g, GGUF_ARRAY); u32(&g, GGUF_STRING);
	u64(&g, UINT64_C(1) << 62);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "tokenizer.ggml.tokens"), "%s", buf_str(&err));
	buf_reset(&g.b);

	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "k.arr"); u32(&g, GGUF_ARRAY); u32(&g, GGUF_U64);
	u64(&g, UINT64_C(1) << 61);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "k.arr"), "%s", buf_str(&err));
	buf_reset(&g.b);

	/* string length past the end */
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "k.s"); u32(&g, GGUF_STRING); u64(&g, UINT64_MAX);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "k.s"), "%s", buf_str(&err));
	buf_reset(&g.b);

	/* unknown value type */
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "k.t"); u32(&g, 99); u64(&g, 0);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "k.t"), "%s", buf_str(&err));
	buf_reset(&g.b);

	/* bad version and magic */
	put(&g, "GGUF", 4); u32(&g, 7); u64(&g, 0); u64(&g, 0);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "version"), "%s", buf_str(&err));
	buf_reset(&g.b);
	put(&g, "GGML", 4); u32(&g, 3); u64(&g, 0); u64(&g, 0);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "magic"), "%s", buf_str(&err));
	buf_reset(&g.b);

	/* v2 with nothing is fine */
	put(&g, "GGUF", 4); u32(&g, 2); u64(&g, 0); u64(&g, 0);
	{
		struct gguf *f = open_buf(&g, &err);
		ck_assert_msg(f != NULL, "%s", buf_str(&err));
		gguf_close(f);
	}
	buf_free(&g.b);
	buf_free(&err);
}
END_TEST

static void
two_tensors(struct gb *g, uint64_t off_a, uint64_t off_b, uint64_t ne_b,
	    uint32_t type_b, size_t datalen)
{
	size_t i;
	buf_reset(&g->b);
	put(g, "GGUF", 4); u32(g, 3); u64(g, 2); u64(g, 0);
	str(g, "t.a"); u32(g, 1); u64(g, 8); u32(g, GGML_F32); u64(g, off_a);
	str(g, "t.b"); u32(g, 1); u64(g, ne_b); u32(g, type_b); u64(g, off_b);
	while (g->b.len % 32)
		put(g, "", 1);
	for (i = 0; i < datalen; i++)
		put(g, "\x01", 1);
}

START_TEST(bad_tensors)
{
	struct gb g;
	struct buf err = BUF_INIT;
	struct gguf *f;

	buf_init(&g.b, 0);
	two_tensors(&g, 0, 32, 8, GGML_F32, 64);
	f = open_buf(&g, &err);
	ck_assert_msg(f != NULL, "%s", buf_str(&err));
	gguf_close(f);

	two_tensors(&g, 0, 0, 8, GGML_F32, 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "overlap"), "%s", buf_str(&err));

	two_tensors(&g, 32, 0, 16, GGML_F32, 128);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "overlap"), "%s", buf_str(&err));

	two_tensors(&g, 0, 8, 8, GGML_F32, 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "'t.b': offset 8 is not aligned"), "%s", buf_str(&err));

	two_tensors(&g, 0, 32, 8, GGML_F32, 40);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "'t.b'") && strstr(buf_str(&err), "past the end"),
		      "%s", buf_str(&err));

	two_tensors(&g, 0, 32, 8, 200, 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "'t.b': unknown tensor type"), "%s", buf_str(&err));

	two_tensors(&g, 0, 32, 33, GGML_Q4_0, 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "block size"), "%s", buf_str(&err));

	two_tensors(&g, 0, UINT64_MAX - 31, 8, GGML_F32, 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "t.b"), "%s", buf_str(&err));

	/* huge dims that overflow */
	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 1); u64(&g, 0);
	str(&g, "t.big"); u32(&g, 3); u64(&g, UINT64_C(1) << 30); u64(&g, UINT64_C(1) << 30);
	u64(&g, UINT64_C(1) << 30); u32(&g, GGML_F32); u64(&g, 0);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "t.big"), "%s", buf_str(&err));

	/* duplicate names */
	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 2); u64(&g, 0);
	str(&g, "t.a"); u32(&g, 1); u64(&g, 8); u32(&g, GGML_F32); u64(&g, 0);
	str(&g, "t.a"); u32(&g, 1); u64(&g, 8); u32(&g, GGML_F32); u64(&g, 32);
	while (g.b.len % 32)
		put(&g, "", 1);
	put(&g, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "duplicate tensor 't.a'"), "%s", buf_str(&err));

	buf_free(&g.b);
	buf_free(&err);
}
END_TEST

START_TEST(bad_utf8_and_keys)
{
	struct gb g;
	struct buf err = BUF_INIT;

	buf_init(&g.b, 0);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "general.name"); u32(&g, GGUF_STRING); str(&g, "bad \xc3\x28 utf8");
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "'general.name'") && strstr(buf_str(&err), "UTF-8"),
		      "%s", buf_str(&err));

	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "key\xff"); u32(&g, GGUF_U8); put(&g, "\1", 1);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "metadata key 0") && strstr(buf_str(&err), "UTF-8"),
		      "%s", buf_str(&err));

	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 2);
	str(&g, "a"); u32(&g, GGUF_U8); put(&g, "\1", 1);
	str(&g, "a"); u32(&g, GGUF_U8); put(&g, "\1", 1);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "duplicate metadata key 'a'"), "%s", buf_str(&err));

	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "general.alignment"); u32(&g, GGUF_U32); u32(&g, 24);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "general.alignment"), "%s", buf_str(&err));

	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "k.b"); u32(&g, GGUF_BOOL); put(&g, "\5", 1);
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "k.b"), "%s", buf_str(&err));

	/* nesting bomb */
	buf_reset(&g.b);
	put(&g, "GGUF", 4); u32(&g, 3); u64(&g, 0); u64(&g, 1);
	str(&g, "k.deep"); u32(&g, GGUF_ARRAY);
	{
		int i;
		for (i = 0; i < 20; i++) {
			u32(&g, GGUF_ARRAY);
			u64(&g, 1);
		}
		u32(&g, GGUF_U8); u64(&g, 0);
	}
	ck_assert_ptr_null(open_buf(&g, &err));
	ck_assert_msg(strstr(buf_str(&err), "k.deep"), "%s", buf_str(&err));

	buf_free(&g.b);
	buf_free(&err);
}
END_TEST

START_TEST(real_llama2_tiny)
{
	char *p = shared_path("models/llama-2-tiny-random.gguf");
	struct buf err = BUF_INIT;
	struct gguf *f;
	uint64_t u;
	const struct gguf_value *toks;
	const struct gguf_tensor *t;

	f = gguf_open(p, &err);
	if (!f && strstr(buf_str(&err), "No such file")) {
		free(p);
		buf_free(&err);
		return; /* shared data absent: nothing to check */
	}
	ck_assert_msg(f != NULL, "%s", buf_str(&err));
	ck_assert_uint_eq(f->version, 3);
	ck_assert(gguf_get_u64(f, "llama.embedding_length", &u) && u == 8);
	ck_assert(gguf_get_u64(f, "llama.block_count", &u) && u == 1);
	toks = gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_STRING);
	ck_assert_ptr_nonnull(toks);
	ck_assert_uint_eq(toks->n, 32000);
	t = gguf_tensor(f, "token_embd.weight");
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->ne[0], 8);
	ck_assert_uint_eq(t->ne[1], 32000);
	gguf_close(f);
	free(p);

	p = shared_path("models/stories260K.gguf");
	buf_reset(&err);
	f = gguf_open(p, &err);
	ck_assert_msg(f != NULL, "%s", buf_str(&err));
	ck_assert(gguf_get_u64(f, "llama.attention.head_count_kv", &u) && u == 4);
	ck_assert_uint_eq(f->n_tensors, 48);
	gguf_close(f);
	free(p);

	buf_reset(&err);
	ck_assert_ptr_null(gguf_open("/nonexistent/x.gguf", &err));
	ck_assert_msg(strstr(buf_str(&err), "/nonexistent/x.gguf"), "%s", buf_str(&err));
	buf_free(&err);
}
END_TEST

CHECK_MAIN("gguf", .tests = CHECK_TESTS(
	valid_all_types, truncated_everywhere, absurd_counts, bad_tensors,
	bad_utf8_and_keys, real_llama2_tiny))
