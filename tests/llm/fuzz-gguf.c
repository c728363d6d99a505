/* fuzz-gguf: the GGUF parser (and the tokenizer built on what it parsed)
 * against arbitrary bytes.  Built as a libFuzzer target with
 * --enable-fuzzing (clang); without FUZZ_LIBFUZZER the same entry point is
 * driven by a replay main: random byte flips, bit flips and truncations of
 * the files named on the command line, which must never crash (run it
 * under --enable-asan --enable-ubsan to see out-of-bounds reads). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "llm/gguf.h"
#include "llm/llm.h"
#include "llm/vocab.h"
#include "util/buf.h"
#include "util/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void
touch_value(const struct gguf_value *v)
{
	uint64_t i;
	if (v->type == GGUF_STRING && v->s.n)
		sink += (unsigned char)v->s.p[v->s.n - 1];
	if (v->type != GGUF_ARRAY)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->strs && v->strs[i].n)
			sink += (unsigned char)v->strs[i].p[v->strs[i].n - 1];
		else if (v->elems)
			touch_value(&v->elems[i]);
		else
			sink += (uint64_t)gguf_arr_i64(v, i);
	}
}

/* Load the bytes as a model through a memfd and, when the context is
 * small, run two tokens: hparams and tensor binding on hostile input. */
static void
try_model(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct llm_model *m;
	char path[64];
	int fd = memfd_create("fuzz-gguf", 0);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	m = llm_model_load(path, &err);
	if (m) {
		if (llm_ctx_mem_bytes(m, 8) < (16u << 20)) {
			struct llm_ctx *c = llm_ctx_new(m, 8, &err);
			int32_t toks[2] = { 0, 1 };
			float *lg;
			if (c && llm_model_hparams(m)->n_vocab > 1)
				llm_eval(c, toks, 2, &lg);
			llm_ctx_free(c);
		}
		llm_model_free(m);
	}
out:
	close(fd);
	buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct gguf *g = gguf_open_mem(data, size, &err);
	uint64_t i;

	if (g) {
		struct llm_vocab *v;
		for (i = 0; i < g->n_kv; i++)
			touch_value(&g->kv[i].val);
		for (i = 0; i < g->n_tensors; i++)
			if (g->tensors[i].nbytes)
				sink += ((const uint8_t *)g->tensors[i].data)[g->tensors[i].nbytes - 1];
		v = llm_vocab_load(g, &err);
		if (v) {
			struct llm_tokens t = { 0 };
			struct buf out = BUF_INIT;
			llm_tokenize(v, "Hello world <s> 123 \xc3\xa9", 20, true, true, &t);
			llm_detokenize(v, t.ids, t.n, true, &out);
			llm_tokens_free(&t);
			buf_free(&out);
			llm_vocab_free(v);
		}
		gguf_close(g);
		try_model(data, size);
	}
	buf_free(&err);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int
main(int argc, char **argv)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	int f, it, iters = argc > 1 ? 300 : 0;

	for (f = 1; f < argc; f++) {
		struct buf file = BUF_INIT;
		uint8_t *d;
		size_t n, head;
		if (fs_read_file(argv[f], 0, &file) != C_OK) {
			fprintf(stderr, "skip %s\n", argv[f]);
			continue;
		}
		n = file.len;
		d = (uint8_t *)file.p;
		head = n < 65536 ? n : 65536; /* header, metadata, tensor infos */
		LLVMFuzzerTestOneInput(d, n);
		for (it = 0; it < iters; it++) {
			size_t k, nflip, pos[8];
			uint8_t old[8];
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			nflip = 1 + (rng >> 61);
			for (k = 0; k < nflip; k++) {
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				pos[k] = (size_t)(rng >> 20) % head;
				old[k] = d[pos[k]];
				d[pos[k]] = (rng >> 8) & 1 ? (uint8_t)(rng >> 12) : (uint8_t)(old[k] ^ (1u << ((rng >> 5) & 7)));
			}
			LLVMFuzzerTestOneInput(d, n);
			/* and a truncation */
			LLVMFuzzerTestOneInput(d, (size_t)(rng >> 24) % n);
			for (k = nflip; k-- > 0;)
				d[pos[k]] = old[k];
		}
		buf_free(&file);
	}
	return 0;
}
#endif
