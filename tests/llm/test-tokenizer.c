/* Tokenizer tests: llama.cpp's conformance vectors (every case of every
 * $CONCH_SHARED/vocab/X.gguf.inp must give exactly the ids in the matching
 * .out, no BOS), round trips through the decoder, special-token
 * splitting, and the streaming UTF-8 decoder. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "llm/vocab.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

static const char *SEP = "\n__ggml_vocab_test__\n";

static char *
vocab_dir(void)
{
	const char *s = getenv("CONCH_SHARED");
	return xasprintf("%s/vocab", s ? s : "../shared");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check one vocab file; returns the number of failing cases. */
static int
check_vocab(const char *dir, const char *inp_name, int *ncases)
{
	char *inp_path = xasprintf("%s/%s", dir, inp_name);
	char *gguf_path = xstrndup(inp_path, strlen(inp_path) - 4);
	char *out_path = xasprintf("%s.out", gguf_path);
	struct buf inp = BUF_INIT, outb = BUF_INIT, err = BUF_INIT, got = BUF_INIT;
	struct gguf *g = NULL;
	struct llm_vocab *v = NULL;
	const char *p, *end, *ol;
	int fails = 0, idx = 0;

	ck_assert_int_eq(fs_read_file(inp_path, 0, &inp), C_OK);
	ck_assert_int_eq(fs_read_file(out_path, 0, &outb), C_OK);
	g = gguf_open(gguf_path, &err);
	ck_assert_msg(g != NULL, "%s", buf_str(&err));
	v = llm_vocab_load(g, &err);
	ck_assert_msg(v != NULL, "%s: %s", gguf_path, buf_str(&err));

	p = buf_str(&inp);
	end = p + inp.len;
	ol = buf_str(&outb);
	for (;;) {
		const char *sep = str_find(p, (size_t)(end - p), SEP, strlen(SEP));
		const char *nl;
		struct llm_tokens toks = { 0 };
		size_t i;
		if (!sep)
			break;
		nl = strchr(ol, '\n');
		ck_assert_msg(nl != NULL, "%s: fewer .out lines than cases", inp_name);
		llm_tokenize(v, p, (size_t)(sep - p), false, false, &toks);
		buf_reset(&got);
		for (i = 0; i < toks.n; i++)
			buf_printf(&got, "%s%d", i ? " " : "", toks.ids[i]);
		/* .out lines may carry leading and trailing spaces */
		{
			const char *ob = ol;
			size_t el;
			while (ob < nl && *ob == ' ')
				ob++;
			el = (size_t)(nl - ob);
			while (el > 0 && ob[el - 1] == ' ')
				el--;
			if (el != got.len || memcmp(ob, buf_str(&got), el) != 0) {
				fails++;
				fprintf(stderr, "%s case %d: text [%.*s]\n  want %.*s\n  got  %s\n",
					inp_name, idx, (int)(sep - p), p, (int)el, ob,
					buf_str(&got));
			}
		}
		/* decoding gives the text back (SentencePiece may drop nothing
		 * since no prefix space was added to a non-special start) */
		if (llm_vocab_type(v) == LLM_VOCAB_BPE && utf8_valid(p, (size_t)(sep - p))) {
			struct buf dec = BUF_INIT;
			llm_detokenize(v, toks.ids, toks.n, false, &dec);
			if (dec.len != (size_t)(sep - p) || memcmp(buf_str(&dec), p, dec.len)) {
				fails++;
				fprintf(stderr, "%s case %d: round trip gave [%s]\n", inp_name,
					idx, buf_str(&dec));
			}
			buf_free(&dec);
		}
		llm_tokens_free(&toks);
		p = sep + strlen(SEP);
		ol = nl + 1;
		idx++;
	}
	*ncases += idx;
	llm_vocab_free(v);
	gguf_close(g);
	buf_free(&inp);
	buf_free(&outb);
	buf_free(&err);
	buf_free(&got);
	free(inp_path);
	free(gguf_path);
	free(out_path);
	return fails;
}

START_TEST(conformance_all_vocabs)
{
	char *dir = vocab_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int fails = 0, cases = 0;

	if (!d) {
		fprintf(stderr, "skip: %s absent\n", dir);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (str_suffix(de->d_name, ".gguf.inp")) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	ck_assert_uint_ge(n, 1);
	for (i = 0; i < n; i++) {
		int f = check_vocab(dir, names[i], &cases);
		fprintf(stderr, "%s: %s\n", names[i], f ? "FAIL" : "ok");
		fails += f;
		free(names[i]);
	}
	free(names);
	fprintf(stderr, "%d cases in %zu vocab files, %d failures\n", cases, n, fails);
	ck_assert_int_eq(fails, 0);
	free(dir);
}
END_TEST

static struct llm_vocab *
load(const char *name, struct gguf **g)
{
	char *dir = vocab_dir();
	char *p = xasprintf("%s/%s", dir, name);
	struct buf err = BUF_INIT;
	struct llm_vocab *v;
	*g = gguf_open(p, &err);
	ck_assert_msg(*g != NULL, "%s", buf_str(&err));
	v = llm_vocab_load(*g, &err);
	ck_assert_msg(v != NULL, "%s", buf_str(&err));
	buf_free(&err);
	free(p);
	free(dir);
	return v;
}

static bool
have_shared(void)
{
	char *dir = vocab_dir();
	bool ok = fs_is_dir(dir);
	free(dir);
	return ok;
}

START_TEST(special_tokens_split)
{
	struct gguf *g;
	struct llm_vocab *v;
	struct llm_tokens t = { 0 };
	int32_t eot;

	if (!have_shared())
		return;
	v = load("ggml-vocab-llama-bpe.gguf", &g);
	eot = llm_vocab_find(v, "<|eot_id|>", 10);
	ck_assert_int_ge(eot, 0);
	ck_assert(llm_vocab_is_eog(v, eot));
	llm_tokenize(v, "hi<|eot_id|>there", 17, true, true, &t);
	ck_assert_uint_eq(t.n, 4);
	ck_assert_int_eq(t.ids[0], llm_vocab_bos(v));
	ck_assert_int_eq(t.ids[2], eot);
	llm_tokens_free(&t);
	/* without parse_special the control token is plain text */
	llm_tokenize(v, "hi<|eot_id|>there", 17, false, false, &t);
	ck_assert_uint_gt(t.n, 3);
	{
		size_t i;
		for (i = 0; i < t.n; i++)
			ck_assert_int_ne(t.ids[i], eot);
	}
	llm_tokens_free(&t);
	llm_vocab_free(v);
	gguf_close(g);
}
END_TEST

START_TEST(spm_roundtrip_and_bytes)
{
	struct gguf *g;
	struct llm_vocab *v;
	struct llm_tokens t = { 0 };
	struct buf out = BUF_INIT;
	const char *text = "Hello world \xf0\x9f\xa6\x99 \xe4\xb8\x80 tab\there";

	if (!have_shared())
		return;
	v = load("ggml-vocab-llama-spm.gguf", &g);
	llm_tokenize(v, text, strlen(text), true, false, &t);
	ck_assert_int_eq(t.ids[0], 1);
	llm_detokenize(v, t.ids + 1, t.n - 1, false, &out);
	ck_assert_str_eq(buf_str(&out), text);
	llm_tokens_free(&t);
	buf_free(&out);
	llm_vocab_free(v);
	gguf_close(g);
}
END_TEST

/* Property: the pieces of the tokens of any byte string (invalid UTF-8
 * included) are that string again; SentencePiece adds its prefix space
 * (and cannot tell a typed U+2581 from a space, so none is typed).
 * This found that a broken UTF-8 sequence must not swallow the start of
 * the next character (vocab.c split_chars).  0xFF is not typed: byte-level
 * vocabularies trained on UTF-8 may have no token for it. */
START_TEST(roundtrip_random_bytes)
{
	static const char *const atoms[] = {
		"a", "Z", "q", " ", "  ", "\n", "\t", "\r\n", "0", "42", "1234567", ".", ",", "'s",
		"'LL", "!", "?", "{", "}", "\"", "\\", "-", "\xc3\xa9", "\xe4\xb8\xad",
		"\xf0\x9f\xa6\x99", "\xc3", "\xa9", "\x80", "\x01",
		"<s>", "</s", "<|", "hello", " world", "Fu\xcc\x88hrer",
	};
	char *dir = vocab_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t rng = 7;
	int files = 0;

	if (!d) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct gguf *g;
		struct llm_vocab *v;
		char *name;
		int it;
		if (!str_suffix(de->d_name, ".gguf"))
			continue;
		name = xstrdup(de->d_name);
		v = load(name, &g);
		files++;
		for (it = 0; it < 150; it++) {
			struct buf in = BUF_INIT, out = BUF_INIT;
			struct llm_tokens t = { 0 };
			int k, n;
			size_t i;
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			n = 1 + (int)((rng >> 33) % 24);
			for (k = 0; k < n; k++) {
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				buf_adds(&in, atoms[(rng >> 33) % (sizeof(atoms) / sizeof(atoms[0]))]);
			}
			llm_tokenize(v, in.p, in.len, false, false, &t);
			for (i = 0; i < t.n; i++)
				llm_token_piece(v, t.ids[i], false, &out);
			/* user-defined tokens decode to their text as stored (some
			 * vocabs add byte-level characters that way): skip those */
			for (i = 0; i < t.n; i++)
				if (llm_vocab_token_type(v, t.ids[i]) == LLM_TOK_USER_DEFINED)
					break;
			if (i < t.n) {
				llm_tokens_free(&t);
				buf_free(&in);
				buf_free(&out);
				continue;
			}
			if (llm_vocab_type(v) == LLM_VOCAB_SPM) {
				ck_assert_msg(out.len == in.len + 1 && out.p[0] == ' ' &&
					      memcmp(out.p + 1, in.p, in.len) == 0,
					      "%s: [%s] -> [%s]", name, buf_str(&in), buf_str(&out));
			} else {
				ck_assert_msg(out.len == in.len && memcmp(out.p, in.p, in.len) == 0,
					      "%s: [%s] -> [%s]", name, buf_str(&in), buf_str(&out));
			}
			llm_tokens_free(&t);
			buf_free(&in);
			buf_free(&out);
		}
		llm_vocab_free(v);
		gguf_close(g);
		free(name);
	}
	closedir(d);
	free(dir);
	ck_assert_int_ge(files, 1);
}
END_TEST

START_TEST(pre_tokenizers_compile)
{
	struct buf err = BUF_INIT;
	ck_assert_msg(llm_vocab_check_pre(&err) > 10, "%s", buf_str(&err));
	buf_free(&err);
}
END_TEST

START_TEST(utf8_stream)
{
	struct llm_utf8_stream st;
	struct buf out = BUF_INIT;
	const char *llama = "\xf0\x9f\xa6\x99";
	int i;

	llm_utf8_stream_init(&st);
	for (i = 0; i < 4; i++) {
		llm_utf8_stream_push(&st, llama + i, 1, &out);
		ck_assert_uint_eq(out.len, i < 3 ? 0 : 4);
	}
	ck_assert_str_eq(buf_str(&out), llama);
	buf_reset(&out);
	/* a broken sequence, a stray continuation, then ASCII */
	llm_utf8_stream_push(&st, "\xe4\xb8" "a\x80" "b", 5, &out);
	ck_assert_str_eq(buf_str(&out), "\xef\xbf\xbd" "a\xef\xbf\xbd" "b");
	buf_reset(&out);
	llm_utf8_stream_push(&st, "\xc3", 1, &out);
	ck_assert_uint_eq(out.len, 0);
	llm_utf8_stream_flush(&st, &out);
	ck_assert_str_eq(buf_str(&out), "\xef\xbf\xbd");
	ck_assert(utf8_valid(out.p, out.len));
	buf_free(&out);
}
END_TEST

CHECK_MAIN("tokenizer", .timeout = 120, .tests = CHECK_TESTS(
	conformance_all_vocabs, special_tokens_split, spm_roundtrip_and_bytes,
	utf8_stream, pre_tokenizers_compile, roundtrip_random_bytes))
