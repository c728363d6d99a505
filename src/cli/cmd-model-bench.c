/* cmd-model-bench.c: `conch model bench FILE [-p N] [-n N] [-t N] [-r N]`.
 *
 * Measures like llama-bench: ppN evaluates N random tokens as one prompt
 * into an empty context, tgN generates N tokens one at a time from an
 * empty context; each is repeated -r times after a warm-up and reported
 * as mean +- sample standard deviation of tokens/s.  For generation it
 * also prints the weight bytes read per token times tokens/s, against a
 * read-bandwidth probe run on the same threads: decode is bound by
 * memory, so that percentage says how close to the machine it runs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd-model.h"
#include "llm/llm.h"
#include "llm/pool.h"
#include "llm/quant.h"
#include "util/exitcode.h"
#include "util/str.h"
#include "util/xalloc.h"

#define BENCH_USAGE \
	"usage: conch model bench FILE [-p N] [-n N] [-t N] [-r N]\n" \
	"  -p N  prompt tokens for the pp test (default 512, 0 skips it)\n" \
	"  -n N  generated tokens for the tg test (default 128, 0 skips it)\n" \
	"  -t N  threads (default: the online CPUs, at most 8)\n" \
	"  -r N  repetitions (default 5)\n"

struct bench {
	const char *file;
	long n_prompt, n_gen, n_threads, reps;
	bool tty;            /* progress redraws one stderr line */
	struct llm_model *m;
	struct llm_ctx *c;
	uint64_t rng;
};

static double
bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
bench_usage(const char *why)
{
	return cli_usage_error("model bench", why, BENCH_USAGE);
}

#define AT(field) offsetof(struct bench, field)
static const struct cli_opt bench_opts[] = {
	{ "-p", "--n-prompt", CLI_LONG, AT(n_prompt), 0, 1L << 20, "-p needs a token count" },
	{ "-n", "--n-gen", CLI_LONG, AT(n_gen), 0, 1L << 20, "-n needs a token count" },
	{ "-t", "--threads", CLI_LONG, AT(n_threads), 1, 64, "-t needs a thread count (1-64)" },
	{ "-r", "--repetitions", CLI_LONG, AT(reps), 1, 1000, "-r needs a count (1-1000)" },
};

static int
bench_parse(int argc, char **argv, struct bench *b)
{
	int i;
	b->n_prompt = 512;
	b->n_gen = 128;
	b->reps = 5;
	for (i = 3; i < argc; i++) {
		const char *bad;
		int used = cli_opt_apply(bench_opts, sizeof bench_opts / sizeof bench_opts[0],
					 argv[i], i + 1 < argc ? argv[i + 1] : NULL, b, &bad);
		if (used < 0)
			return bench_usage(bad);
		if (used == 0) {
			fprintf(stderr, "conch model bench: unknown argument %s\n", argv[i]);
			return bench_usage(NULL);
		}
		i += used - 1;
	}
	if (b->n_prompt == 0 && b->n_gen == 0)
		return bench_usage("nothing to measure (-p 0 and -n 0)");
	return 0;
}

static void
progress(const struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
progress(const struct bench *b, const char *fmt, ...)
{
	va_list ap;
	if (b->tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!b->tty)
		fputc('\n', stderr);
	fflush(stderr);
}

/* ------------------------------------------------- the bandwidth probe */

typedef uint64_t probe_vec __attribute__((vector_size(32)));

struct probe_job {
	const probe_vec *buf;
	size_t n_vec, per;   /* vectors in all, per task */
	probe_vec sink[LLM_POOL_MAX];
};

static void
probe_task(void *arg, size_t task, int thread)
{
	struct probe_job *j = arg;
	size_t i0 = task * j->per, i1 = i0 + j->per < j->n_vec ? i0 + j->per : j->n_vec, i;
	probe_vec a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	for (i = i0; i + 4 <= i1; i += 4) {
		a ^= j->buf[i];
		b ^= j->buf[i + 1];
		c ^= j->buf[i + 2];
		d ^= j->buf[i + 3];
	}
	j->sink[thread] ^= a ^ b ^ c ^ d;
}

/* Best of a few passes of all threads reading a buffer far larger than
 * the caches; GB/s, or 0 when the memory cannot be had. */
static double
probe_bandwidth(int n_threads)
{
	size_t bytes = (size_t)512 << 20, i;
	struct probe_job *j = xcalloc(1, sizeof(*j));
	struct llm_pool *pool = llm_pool_new(n_threads);
	probe_vec *buf = aligned_alloc(64, bytes);
	double best = 0.0;
	int pass;

	if (!buf)
		goto out;
	/* touch with non-zero data so that no page is the shared zero page */
	for (i = 0; i < bytes / sizeof(uint64_t); i++)
		((uint64_t *)(void *)buf)[i] = i * 0x9E3779B97F4A7C15ULL;
	j->buf = buf;
	j->n_vec = bytes / sizeof(probe_vec);
	j->per = (size_t)1 << 14; /* 512 KiB per task */
	for (pass = 0; pass < 6; pass++) {
		double t0 = bench_now(), dt;
		llm_pool_run(pool, (j->n_vec + j->per - 1) / j->per, probe_task, j);
		dt = bench_now() - t0;
		if (dt > 0 && (double)bytes / dt / 1e9 > best)
			best = (double)bytes / dt / 1e9;
	}
out:
	xfree_all(buf, j);
	llm_pool_free(pool);
	return best;
}

/* ------------------------------------------------------ the model side */

/* Weight bytes a generated token reads: every tensor but the embedding
 * table (one row of it, unless the output head is tied to it), experts
 * scaled by the share of them a token uses. */
static double
bytes_per_token(const struct llm_model *m)
{
	const struct gguf *g = llm_model_gguf(m);
	const struct llm_hparams *hp = llm_model_hparams(m);
	double total = 0.0;
	uint64_t i;
	for (i = 0; i < g->n_tensors; i++) {
		const struct gguf_tensor *t = &g->tensors[i];
		double nb = (double)t->nbytes;
		if (strcmp(t->name, "token_embd.weight") == 0 && !hp->tied_output)
			nb = (double)ggml_row_size(t->type, t->ne[0]);
		else if (hp->n_expert > 0 && strstr(t->name, "_exps."))
			nb *= (double)hp->n_expert_used / (double)hp->n_expert;
		total += nb;
	}
	return total;
}

/* the type holding most of the bytes, like llama-bench's model column */
static const char *
main_type(const struct llm_model *m)
{
	const struct gguf *g = llm_model_gguf(m);
	uint64_t by_type[64] = { 0 }, i, best = 0;
	for (i = 0; i < g->n_tensors; i++)
		if ((unsigned)g->tensors[i].type < 64)
			by_type[g->tensors[i].type] += g->tensors[i].nbytes;
	for (i = 1; i < 64; i++)
		if (by_type[i] > by_type[best])
			best = i;
	return ggml_type_name((enum ggml_type)best);
}

static void
random_tokens(struct bench *b, int32_t *toks, size_t n)
{
	uint32_t nv = llm_model_hparams(b->m)->n_vocab;
	size_t i;
	for (i = 0; i < n; i++) {
		b->rng = b->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		toks[i] = (int32_t)((b->rng >> 33) % nv);
	}
}

/* One timed run: n tokens as a prompt (pp) or one at a time (tg), from an
 * empty cache.  Seconds, or a negative value when the eval failed. */
static double
run_once(struct bench *b, int32_t *toks, size_t n, bool gen)
{
	double t0;
	size_t i;
	random_tokens(b, toks, n);
	llm_ctx_truncate(b->c, 0);
	t0 = bench_now();
	if (!gen)
		return llm_eval(b->c, toks, n, NULL) == C_OK ? bench_now() - t0 : -1.0;
	for (i = 0; i < n; i++)
		if (llm_eval(b->c, toks + i, 1, NULL) != C_OK)
			return -1.0;
	return bench_now() - t0;
}

struct result {
	double mean, sd;
};

static bool
measure(struct bench *b, const char *name, size_t n, bool gen, struct result *r)
{
	int32_t *toks = xcalloc(n, sizeof(*toks));
	double *tps = xcalloc((size_t)b->reps, sizeof(*tps)), s = 0.0, ss = 0.0, dt;
	long k;
	bool ok = false;

	progress(b, "%s: warm-up", name);
	if (run_once(b, toks, gen ? (n < 4 ? n : 4) : n, gen) < 0)
		goto out;
	for (k = 0; k < b->reps; k++) {
		dt = run_once(b, toks, n, gen);
		if (dt < 0)
			goto out;
		tps[k] = (double)n / (dt > 0 ? dt : 1e-9);
		progress(b, "%s: run %ld/%ld: %.2f tokens/s", name, k + 1, b->reps, tps[k]);
		s += tps[k];
	}
	r->mean = s / (double)b->reps;
	for (k = 0; k < b->reps; k++)
		ss += (tps[k] - r->mean) * (tps[k] - r->mean);
	r->sd = b->reps > 1 ? sqrt(ss / (double)(b->reps - 1)) : 0.0;
	ok = true;
out:
	if (!ok)
		fprintf(stderr, "%sconch model bench: %s: evaluation failed\n", b->tty ? "\r\033[K" : "",
			name);
	xfree_all(toks, tps);
	return ok;
}

static int
bench_run(struct bench *b)
{
	struct buf err = BUF_INIT;
	const struct llm_hparams *hp;
	struct result pp = { 0 }, tg = { 0 };
	double probe, bpt, size_mib;
	char pname[32], tname[32];
	int rc = 1, threads;

	b->m = llm_model_load(b->file, &err);
	if (!b->m) {
		fprintf(stderr, "conch model bench: %s\n", buf_str(&err));
		goto out;
	}
	hp = llm_model_hparams(b->m);
	b->c = llm_ctx_new(b->m, (uint32_t)(b->n_prompt > b->n_gen ? b->n_prompt : b->n_gen) + 1,
			   &err);
	if (!b->c) {
		fprintf(stderr, "conch model bench: %s\n", buf_str(&err));
		goto out;
	}
	if (b->n_threads > 0)
		llm_ctx_set_threads(b->c, (int)b->n_threads);
	threads = b->n_threads > 0 ? (int)b->n_threads : 0;
	if (!threads) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int)ncpu;
	}
	{ /* read the whole file in before timing anything */
		const struct gguf *g = llm_model_gguf(b->m);
		volatile unsigned char sink = 0;
		size_t off;
		progress(b, "reading %s", b->file);
		for (off = 0; off < g->size; off += 4096)
			sink ^= g->map[off];
		(void)sink;
	}
	progress(b, "probing read bandwidth (%d threads)", threads);
	probe = probe_bandwidth(threads);
	snprintf(pname, sizeof pname, "pp%ld", b->n_prompt);
	snprintf(tname, sizeof tname, "tg%ld", b->n_gen);
	if (b->n_prompt > 0 && !measure(b, pname, (size_t)b->n_prompt, false, &pp))
		goto out;
	if (b->n_gen > 0 && !measure(b, tname, (size_t)b->n_gen, true, &tg))
		goto out;
	if (b->tty)
		fputs("\r\033[K", stderr);
	bpt = bytes_per_token(b->m);
	size_mib = (double)llm_model_gguf(b->m)->size / (1024.0 * 1024.0);
	printf("| model | size | params | threads | test | t/s | GB/s | %% of probe |\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	if (b->n_prompt > 0)
		printf("| %s %s | %.2f MiB | %.2f M | %d | %s | %.2f ± %.2f | - | - |\n",
		       hp->arch_name, main_type(b->m), size_mib,
		       (double)llm_model_n_params(b->m) / 1e6, threads, pname, pp.mean, pp.sd);
	if (b->n_gen > 0)
		printf("| %s %s | %.2f MiB | %.2f M | %d | %s | %.2f ± %.2f | %.1f | %.0f%% |\n",
		       hp->arch_name, main_type(b->m), size_mib,
		       (double)llm_model_n_params(b->m) / 1e6, threads, tname, tg.mean, tg.sd,
		       bpt * tg.mean / 1e9, probe > 0 ? 100.0 * bpt * tg.mean / 1e9 / probe : 0.0);
	printf("\nread bandwidth probe: %.1f GB/s (%d threads); weights read per generated token: %.1f MiB\n",
	       probe, threads, bpt / (1024.0 * 1024.0));
	rc = 0;
out:
	llm_ctx_free(b->c);
	llm_model_free(b->m);
	buf_free(&err);
	return rc;
}

int
cmd_model_bench(int argc, char **argv)
{
	struct bench b;
	int rc;

	memset(&b, 0, sizeof b);
	if (argc >= 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
		fputs(BENCH_USAGE, stdout);
		return 0;
	}
	if (argc < 3)
		return bench_usage("missing FILE");
	b.file = argv[2];
	rc = bench_parse(argc, argv, &b);
	if (rc)
		return rc;
	b.tty = isatty(STDERR_FILENO);
	b.rng = 0x5EED;
	return bench_run(&b);
}
