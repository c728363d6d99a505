/* Check suite for the forward pass on real files we did not write:
 * stories260K (trained weights) must give llama.cpp's / llama2.c's greedy
 * token ids; llama-2-tiny-random loads, reports its metadata and
 * generates; context bookkeeping (prefix reuse, overflow, abort). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

static char *
shared(const char *rel)
{
	const char *s = getenv("CONCH_SHARED");
	return xasprintf("%s/%s", s ? s : "../shared", rel);
}

static struct llm_model *
load(const char *rel)
{
	char *p = shared(rel);
	struct buf err = BUF_INIT;
	struct llm_model *m = NULL;
	if (fs_exists(p)) {
		m = llm_model_load(p, &err);
		ck_assert_msg(m != NULL, "%s", buf_str(&err));
	}
	buf_free(&err);
	free(p);
	return m;
}

/* llama2.c's greedy ids for stories260K (tests/llm/data), at most `max`
 * of them, into `expect`; returns how many. */
static int
reference_ids(long *expect, int max)
{
	const char *srcdir = getenv("CONCH_SRCDIR");
	char *fix = xasprintf("%s/tests/llm/data/stories260K-greedy.ids",
			      srcdir ? srcdir : ".");
	struct buf want = BUF_INIT;
	const char *p;
	int n = 0;
	ck_assert_int_eq(fs_read_file(fix, 0, &want), C_OK);
	for (p = buf_str(&want); *p && n < max;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		expect[n++] = v;
		p = end;
	}
	buf_free(&want);
	free(fix);
	return n;
}

/* The index of the largest of the first `n` logits (the first on ties). */
static int
argmax(const float *logits, int n)
{
	int j, best = 0;
	for (j = 1; j < n; j++)
		if (logits[j] > logits[best])
			best = j;
	return best;
}

START_TEST(stories260k_greedy_matches_reference)
{
	struct llm_model *m = load("models/stories260K.gguf");
	struct llm_ctx *c;
	struct buf err = BUF_INIT;
	struct llm_sampler s;
	struct llm_sampler_params sp;
	int32_t tok;
	float *logits;
	long expect[256];
	int32_t fast1[128];
	int nexp, i, run;

	if (!m)
		return;
	nexp = reference_ids(expect, 256);
	ck_assert_int_ge(nexp, 64);
	/* The reference paths (F32 cache) give llama2.c's ids with 1 and
	 * several threads.  The fast paths (F16 cache) give the same ids with
	 * 1 and several threads; fed the reference ids, their top token is
	 * the reference one except where the reference's own top two are
	 * within F16 rounding of each other (it happens once in 127). */
	for (run = 0; run < 4; run++) {
		int32_t got[128];
		c = llm_ctx_new(m, 0, &err);
		ck_assert_msg(c != NULL, "%s", buf_str(&err));
		ck_assert_uint_eq(llm_ctx_size(c), 128);
		llm_ctx_set_threads(c, run % 2 ? 3 : 1);
		ck_assert_int_eq(llm_ctx_set_reference(c, run < 2), C_OK);
		llm_sampler_defaults(&sp);
		sp.temp = 0;
		llm_sampler_init(&s, &sp);
		tok = llm_vocab_bos(llm_model_vocab(m));
		ck_assert_int_eq(tok, 1);
		for (i = 0; i < nexp && i < 127; i++) {
			ck_assert_int_eq(llm_eval(c, &tok, 1, &logits), C_OK);
			tok = got[i] = llm_sample(&s, logits, 512, NULL);
			if (run < 2)
				ck_assert_msg(tok == expect[i], "run %d token %d: got %d want %ld", run,
					      i, tok, expect[i]);
			else if (run == 3)
				ck_assert_msg(tok == fast1[i], "fast path, 3 threads, token %d: %d, 1 thread: %d",
					      i, tok, fast1[i]);
		}
		if (run == 2)
			memcpy(fast1, got, sizeof got);
		llm_sampler_free(&s);
		llm_ctx_free(c);
	}
	{
		struct llm_ctx *f = llm_ctx_new(m, 0, &err), *r = llm_ctx_new(m, 0, &err);
		float *lf, *lr;
		int near_ties = 0;
		ck_assert_int_eq(llm_ctx_set_reference(r, true), C_OK);
		tok = 1;
		for (i = 0; i < nexp && i < 127; i++) {
			int bf;
			ck_assert_int_eq(llm_eval(f, &tok, 1, &lf), C_OK);
			ck_assert_int_eq(llm_eval(r, &tok, 1, &lr), C_OK);
			bf = argmax(lf, 512);
			if (bf != expect[i]) {
				near_ties++;
				ck_assert_msg(lr[expect[i]] - lr[bf] < 1e-2f,
					      "token %d: fast %d, reference %ld ahead by %g", i, bf,
					      expect[i], (double)(lr[expect[i]] - lr[bf]));
			}
			tok = (int32_t)expect[i];
		}
		ck_assert_int_le(near_ties, 3);
		llm_ctx_free(f);
		llm_ctx_free(r);
	}
	llm_model_free(m);
	buf_free(&err);
}
END_TEST

/* Greedy ids on every kernel path CONCH_LLM_ISA can pick on this CPU,
 * with 1 and 3 threads: stories260K's llama2.c ids on the reference
 * attention paths, and the same ids from every path on the fast ones. */
START_TEST(stories260k_greedy_every_kernel_path)
{
	static const char *const isas[] = { "float", "scalar", "avx2", "avx512" };
	struct llm_model *m = load("models/stories260K.gguf");
	struct buf err = BUF_INIT;
	long expect[128];
	int32_t fast0[64];
	int nexp, i, isa, run;

	if (!m)
		return;
	nexp = reference_ids(expect, 64);
	ck_assert_int_eq(nexp, 64);
	for (isa = 0; isa < 4; isa++) {
		ck_assert_int_eq(setenv("CONCH_LLM_ISA", isas[isa], 1), 0);
		for (run = 0; run < 4; run++) {
			struct llm_ctx *c = llm_ctx_new(m, 0, &err);
			int32_t tok = 1;
			float *logits;
			ck_assert_ptr_nonnull(c);
			llm_ctx_set_threads(c, run % 2 ? 3 : 1);
			ck_assert_int_eq(llm_ctx_set_reference(c, run < 2), C_OK);
			for (i = 0; i < nexp; i++) {
				ck_assert_int_eq(llm_eval(c, &tok, 1, &logits), C_OK);
				tok = argmax(logits, 512);
				if (run < 2)
					ck_assert_msg(tok == expect[i], "%s run %d token %d: %d, want %ld",
						      isas[isa], run, i, tok, expect[i]);
				else if (isa == 0 && run == 2)
					fast0[i] = tok;
				else
					ck_assert_msg(tok == fast0[i], "%s fast run %d token %d: %d, float: %d",
						      isas[isa], run, i, tok, fast0[i]);
			}
			llm_ctx_free(c);
		}
	}
	llm_model_free(m);
	buf_free(&err);
}
END_TEST

static bool
abort_after(void *ud)
{
	int *n = ud;
	return (*n)-- <= 0;
}

START_TEST(context_bookkeeping)
{
	struct llm_model *m = load("models/stories260K.gguf");
	struct llm_ctx *c;
	struct buf err = BUF_INIT;
	int32_t toks[130];
	float *l1, *l2, save[512];
	int i, budget;

	if (!m)
		return;
	for (i = 0; i < 130; i++)
		toks[i] = 3 + (i * 7) % 500;
	c = llm_ctx_new(m, 16, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_gt(llm_ctx_mem_bytes(m, 16), 0);
	ck_assert_uint_lt(llm_ctx_mem_bytes(m, 16), llm_ctx_mem_bytes(m, 128));
	ck_assert_int_eq(llm_eval(c, toks, 17, NULL), C_ERR_CONTEXT);
	ck_assert_uint_eq(llm_ctx_pos(c), 0);
	ck_assert_int_eq(llm_eval(c, toks, 8, &l1), C_OK);
	memcpy(save, l1, sizeof save);
	/* re-evaluating the last token after a truncate gives the same logits */
	ck_assert_uint_eq(llm_ctx_common_prefix(c, toks, 10), 8);
	llm_ctx_truncate(c, 7);
	ck_assert_int_eq(llm_eval(c, toks + 7, 1, &l2), C_OK);
	ck_assert(memcmp(save, l2, sizeof save) == 0);
	/* a bad id is refused */
	toks[0] = 512;
	ck_assert_int_eq(llm_eval(c, toks, 1, NULL), C_ERR_INVAL);
	toks[0] = 3;
	llm_ctx_free(c);
	/* abort stops between batches and keeps what was done */
	c = llm_ctx_new(m, 64, &err);
	budget = 5 + 2; /* stories260K has 5 layers: one batch and a bit */
	llm_ctx_set_batch(c, 16);
	llm_ctx_set_abort(c, abort_after, &budget);
	ck_assert_int_eq(llm_eval(c, toks, 40, NULL), C_ERR_CANCELLED);
	ck_assert_uint_eq(llm_ctx_pos(c), 16);
	/* the cache goes on from there as if nothing happened */
	llm_ctx_set_abort(c, NULL, NULL);
	ck_assert_int_eq(llm_eval(c, toks + 16, 24, &l1), C_OK);
	memcpy(save, l1, sizeof save);
	llm_ctx_truncate(c, 0);
	ck_assert_int_eq(llm_eval(c, toks, 40, &l2), C_OK);
	ck_assert(memcmp(save, l2, sizeof save) == 0);
	llm_ctx_free(c);
	llm_model_free(m);
	buf_free(&err);
}
END_TEST

/* stories260K with two fresh 128-token contexts and a fixed 120-id
 * prompt (none of them a special token). */
struct two_ctx {
	struct llm_model *m;
	struct llm_ctx *a, *b;
	int32_t toks[120];
	struct buf err;
};

/* Open `t`; false (and nothing to close) where the model is not here. */
static bool
two_ctx_open(struct two_ctx *t)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->err, 0);
	t->m = load("models/stories260K.gguf");
	if (!t->m)
		return false;
	for (int i = 0; i < 120; i++)
		t->toks[i] = 3 + (i * 37) % 500;
	t->a = llm_ctx_new(t->m, 128, &t->err);
	t->b = llm_ctx_new(t->m, 128, &t->err);
	return true;
}

static void
two_ctx_close(struct two_ctx *t)
{
	llm_ctx_free(t->a);
	llm_ctx_free(t->b);
	llm_model_free(t->m);
	buf_free(&t->err);
}

/* A prompt evaluated in batches gives bit-identical logits to one token
 * at a time, with any thread count. */
START_TEST(batched_equals_sequential)
{
	struct two_ctx t;
	float *la = NULL, *lb = NULL;
	int i;

	if (!two_ctx_open(&t))
		return;
	llm_ctx_set_threads(t.a, 3); /* late batches split the heads */
	llm_ctx_set_threads(t.b, 1);
	llm_ctx_set_batch(t.a, 48); /* batches of 48, 48 and 24 */
	ck_assert_int_eq(llm_eval(t.a, t.toks, 120, &la), C_OK);
	for (i = 0; i < 120; i++)
		ck_assert_int_eq(llm_eval(t.b, &t.toks[i], 1, &lb), C_OK);
	ck_assert(memcmp(la, lb, 512 * sizeof(float)) == 0);
	two_ctx_close(&t);
}
END_TEST

/* The fast paths (F16 KV cache, one-pass online softmax, pooled
 * element-wise operations) against the reference ones (F32 cache,
 * two-pass softmax, one thread) on a 120-token prompt: close, and the
 * reference context gives exactly what it gave before switching. */
START_TEST(fast_paths_match_reference)
{
	struct two_ctx t;
	float *la = NULL, *lb = NULL, save[512];
	double maxd = 0.0, maxl = 0.0;
	int i;

	if (!two_ctx_open(&t))
		return;
	llm_ctx_set_threads(t.a, 3);
	ck_assert_int_eq(llm_ctx_set_reference(t.b, true), C_OK);
	ck_assert_int_eq(llm_eval(t.a, t.toks, 120, &la), C_OK);
	ck_assert_int_eq(llm_eval(t.b, t.toks, 120, &lb), C_OK);
	for (i = 0; i < 512; i++) {
		double d = fabs((double)la[i] - lb[i]);
		if (d > maxd)
			maxd = d;
		if (fabs(lb[i]) > maxl)
			maxl = fabs(lb[i]);
	}
	ck_assert_msg(maxd <= 1e-2 * maxl, "fast vs reference: %g of %g", maxd, maxl);
	/* switching empties the cache; switching back and forth is exact */
	memcpy(save, lb, sizeof save);
	ck_assert_int_eq(llm_ctx_set_reference(t.b, false), C_OK);
	ck_assert_uint_eq(llm_ctx_pos(t.b), 0);
	ck_assert_int_eq(llm_ctx_set_reference(t.b, true), C_OK);
	ck_assert_int_eq(llm_eval(t.b, t.toks, 120, &lb), C_OK);
	ck_assert(memcmp(save, lb, sizeof save) == 0);
	two_ctx_close(&t);
}
END_TEST

/* The default sampler settings with top-k and min-p off, at `temp`. */
static void
untruncated(struct llm_sampler_params *p, float temp)
{
	llm_sampler_defaults(p);
	p->top_k = 0;
	p->min_p = 0;
	p->temp = temp;
}

START_TEST(llama2_tiny_random)
{
	struct llm_model *m = load("models/llama-2-tiny-random.gguf");
	const struct llm_hparams *hp;
	struct llm_ctx *c;
	struct buf err = BUF_INIT, text = BUF_INIT;
	struct llm_tokens t = { 0 };
	struct llm_sampler s;
	struct llm_sampler_params sp;
	float *logits;
	int i;
	int32_t out1[8], out2[8];
	int run;

	if (!m)
		return;
	hp = llm_model_hparams(m);
	ck_assert_str_eq(hp->arch_name, "llama");
	ck_assert_uint_eq(hp->n_embd, 8);
	ck_assert_uint_eq(hp->n_layer, 1);
	ck_assert_uint_eq(hp->n_vocab, 32000);
	ck_assert_int_eq(llm_vocab_type(llm_model_vocab(m)), LLM_VOCAB_SPM);
	llm_tokenize(llm_model_vocab(m), "Hello world", 11, true, false, &t);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(t.ids[0], 1);
	/* sampled runs with one seed repeat exactly */
	for (run = 0; run < 2; run++) {
		int32_t *o = run ? out2 : out1;
		int32_t tok;
		c = llm_ctx_new(m, 64, &err);
		ck_assert_ptr_nonnull(c);
		untruncated(&sp, 1.5f);
		sp.seed = 7;
		llm_sampler_init(&s, &sp);
		ck_assert_int_eq(llm_eval(c, t.ids, t.n, &logits), C_OK);
		for (i = 0; i < 8; i++) {
			tok = llm_sample(&s, logits, (int32_t)hp->n_vocab, NULL);
			ck_assert_int_ge(tok, 0);
			o[i] = tok;
			ck_assert_int_eq(llm_eval(c, &tok, 1, &logits), C_OK);
		}
		llm_detokenize(llm_model_vocab(m), o, 8, false, &text);
		ck_assert(utf8_valid(text.p ? text.p : "", text.len));
		llm_sampler_free(&s);
		llm_ctx_free(c);
	}
	ck_assert(memcmp(out1, out2, sizeof out1) == 0);
	llm_tokens_free(&t);
	llm_model_free(m);
	buf_free(&err);
	buf_free(&text);
}
END_TEST

START_TEST(sampler_rules)
{
	float logits[6] = { 1.0f, 3.0f, 2.9f, -1.0f, 0.5f, 2.0f };
	uint8_t allow[6] = { 1, 0, 1, 1, 1, 1 };
	struct llm_sampler_params p;
	struct llm_sampler s, s2;
	int counts[6] = { 0 }, i;

	llm_sampler_defaults(&p);
	p.temp = 0;
	llm_sampler_init(&s, &p);
	ck_assert_int_eq(llm_sample(&s, logits, 6, NULL), 1);
	ck_assert_int_eq(llm_sample(&s, logits, 6, allow), 2);
	/* the repetition penalty pushes a seen token down */
	llm_sampler_free(&s);
	p.repeat_penalty = 1.5f;
	llm_sampler_init(&s, &p);
	llm_sampler_accept(&s, 1);
	ck_assert_int_eq(llm_sample(&s, logits, 6, NULL), 2);
	ck_assert(logits[1] == 3.0f); /* logits are not modified */
	llm_sampler_free(&s);
	/* top-k 1 is greedy; min-p 1 keeps only the top; nothing allowed: -1 */
	llm_sampler_defaults(&p);
	p.top_k = 1;
	llm_sampler_init(&s, &p);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(llm_sample(&s, logits, 6, NULL), 1);
	memset(allow, 0, sizeof allow);
	ck_assert_int_eq(llm_sample(&s, logits, 6, allow), -1);
	llm_sampler_free(&s);
	llm_sampler_defaults(&p);
	p.top_k = 0;
	p.min_p = 1.0f;
	llm_sampler_init(&s, &p);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(llm_sample(&s, logits, 6, NULL), 1);
	llm_sampler_free(&s);
	/* top-p 0.5 at temperature 1: only the two best (1 and 2) */
	untruncated(&p, 1.0f);
	p.top_p = 0.5f;
	llm_sampler_init(&s, &p);
	for (i = 0; i < 400; i++)
		counts[llm_sample(&s, logits, 6, NULL)]++;
	ck_assert_int_eq(counts[0] + counts[3] + counts[4] + counts[5], 0);
	ck_assert_int_gt(counts[1], 100);
	ck_assert_int_gt(counts[2], 100);
	llm_sampler_free(&s);
	/* same seed, same draws; reset restarts them */
	p.top_p = 1.0f;
	llm_sampler_init(&s, &p);
	llm_sampler_init(&s2, &p);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(llm_sample(&s, logits, 6, NULL), llm_sample(&s2, logits, 6, NULL));
	{
		int first = llm_sample(&s, logits, 6, NULL), again;
		float r1 = llm_sampler_rand(&s);
		llm_sampler_reset(&s);
		for (i = 0; i < 50; i++)
			llm_sample(&s, logits, 6, NULL);
		again = llm_sample(&s, logits, 6, NULL);
		ck_assert_int_eq(first, again);
		ck_assert(llm_sampler_rand(&s) == r1);
	}
	llm_sampler_free(&s);
	llm_sampler_free(&s2);
}
END_TEST

START_TEST(refusals)
{
	struct buf err = BUF_INIT;
	char *p = shared("vocab/ggml-vocab-gpt-2.gguf");
	if (fs_exists(p)) {
		ck_assert_ptr_null(llm_model_load(p, &err));
		ck_assert_msg(strstr(buf_str(&err), "gpt2") || strstr(buf_str(&err), "architecture"),
			      "%s", buf_str(&err));
	}
	free(p);
	buf_free(&err);
}
END_TEST

CHECK_MAIN("model", .timeout = 60, .tests = CHECK_TESTS(
	stories260k_greedy_matches_reference, context_bookkeeping,
	batched_equals_sequential, stories260k_greedy_every_kernel_path,
	fast_paths_match_reference, llama2_tiny_random, sampler_rules,
	refusals))
