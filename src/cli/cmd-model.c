/* cmd-model.c: `conch model ...`.  See cmd-model.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd-model.h"
#include "util/exitcode.h"
#include "util/clock.h"
#include "llm/llm.h"
#include "llm/quant.h"
#include "llm/template.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#define USAGE \
	"usage: conch model info FILE [--ctx N]\n" \
	"       conch model tokenize FILE [--no-bos] [--no-special] (TEXT | --file F)\n" \
	"       conch model run FILE -p TEXT [-n N] [--temp T] [--seed S] [--top-k K]\n" \
	"                       [--top-p P] [--min-p P] [--repeat-penalty R] [--ctx N] [-t N]\n" \
	"                       [--kv f16|f32] [--ids] [-v]\n" \
	"       conch model chat FILE [--template NAME] [--system TEXT] [-n N] [--temp T] [--seed S]\n" \
	"                       [--ctx N] [-t N] [--kv f16|f32]   (NAME: " TEMPLATE_NAMES ")\n" \
	"       conch model bench FILE [-p N] [-n N] [-t N] [-r REPS]\n"

#define TEMPLATE_NAMES "chatml, llama3, mistral, gemma, phi3"

struct opts {
	const char *file;
	const char *tmpl;        /* --template NAME */
	const char *cfg_tmpl;    /* providers.local.template, or NULL */
	const char *prompt;
	const char *text_file;
	const char *system;
	long n_predict;
	long n_ctx;
	long n_threads;
	bool no_bos, no_special, ids, verbose, kv_f32;
	struct llm_sampler_params sp;
	const char *positional;
};

static int
usage(const char *why)
{
	return cli_usage_error("model", why, USAGE);
}

#define AT(field) offsetof(struct opts, field)
static const struct cli_opt model_opts[] = {
	{ NULL, "--no-bos", CLI_FLAG, AT(no_bos), 0, 0, NULL },
	{ NULL, "--no-special", CLI_FLAG, AT(no_special), 0, 0, NULL },
	{ NULL, "--ids", CLI_FLAG, AT(ids), 0, 0, NULL },
	{ "-v", "--verbose", CLI_FLAG, AT(verbose), 0, 0, NULL },
	{ "-p", "--prompt", CLI_STR, AT(prompt), 0, 0, "-p needs TEXT" },
	{ "-f", "--file", CLI_STR, AT(text_file), 0, 0, "--file needs a path" },
	{ NULL, "--system", CLI_STR, AT(system), 0, 0, "--system needs TEXT" },
	{ "-n", "--n-predict", CLI_LONG, AT(n_predict), 0, 1L << 24, "-n needs a count" },
	{ "-t", "--threads", CLI_LONG, AT(n_threads), 1, 64, "--threads needs a count (1-64)" },
	{ "-c", "--ctx", CLI_LONG, AT(n_ctx), 1, 1L << 24, "--ctx needs a token count" },
	{ NULL, "--temp", CLI_FLOAT, AT(sp.temp), 0, 0, "--temp needs a number" },
	{ NULL, "--top-p", CLI_FLOAT, AT(sp.top_p), 0, 0, "--top-p needs a number" },
	{ NULL, "--min-p", CLI_FLOAT, AT(sp.min_p), 0, 0, "--min-p needs a number" },
};

/* Parse options after "model SUB FILE"; returns 0 or a usage exit code. */
static int
parse_opts(int argc, char **argv, int start, struct opts *o)
{
	int i;
	for (i = start; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL, *bad;
		long l;
		int used = cli_opt_apply(model_opts, sizeof model_opts / sizeof model_opts[0],
					 a, v, o, &bad);
		if (used < 0)
			return usage(bad);
		if (used > 0) {
			i += used - 1;
			continue;
		}
		if (strcmp(a, "--template") == 0) {
			if (!v)
				return usage("--template needs a NAME (" TEMPLATE_NAMES ")");
			if (llm_tmpl_from_name(v) == LLM_TMPL_NONE) {
				fprintf(stderr, "conch model: unknown chat template '%s': "
					"use one of " TEMPLATE_NAMES "\n", v);
				return EXIT_USAGE;
			}
			o->tmpl = v;
		} else if (strcmp(a, "--kv") == 0) {
			if (!v || (strcmp(v, "f16") != 0 && strcmp(v, "f32") != 0))
				return usage("--kv needs f16 or f32");
			o->kv_f32 = strcmp(v, "f32") == 0;
		} else if (strcmp(a, "--seed") == 0 || strcmp(a, "-s") == 0) {
			if (!str_to_long_in(v, 0, 0x7fffffffL, &l))
				return usage("--seed needs a number");
			o->sp.seed = (uint64_t)l;
		} else if (strcmp(a, "--top-k") == 0) {
			if (!str_to_long_in(v, 0, 1L << 24, &l))
				return usage("--top-k needs a number");
			o->sp.top_k = (int32_t)l;
		} else if (strcmp(a, "--repeat-penalty") == 0) {
			if (!str_to_float(v, &o->sp.repeat_penalty) || o->sp.repeat_penalty <= 0)
				return usage("--repeat-penalty needs a positive number");
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "conch model: unknown option %s\n", a);
			return usage(NULL);
		} else {
			if (o->positional)
				return usage("too many arguments");
			o->positional = a;
			continue;
		}
		i++;
	}
	return 0;
}

static struct llm_model *
open_model(const char *file)
{
	struct buf err = BUF_INIT;
	struct llm_model *m = llm_model_load(file, &err);
	if (!m)
		fprintf(stderr, "conch model: %s\n", buf_str(&err));
	buf_free(&err);
	return m;
}

/* Touch every page so that a large model is read in while the user sees
 * progress (only on a terminal). */
static void
prefault(const struct llm_model *m)
{
	const struct gguf *g = llm_model_gguf(m);
	volatile unsigned char sink = 0;
	size_t off, step = 4096, next = 0;
	if (g->size < (64u << 20) || !isatty(STDERR_FILENO))
		return;
	for (off = 0; off < g->size; off += step) {
		sink ^= g->map[off];
		if (off >= next) {
			fprintf(stderr, "\rloading %3zu%%", off * 100 / g->size);
			next = off + g->size / 100;
		}
	}
	fprintf(stderr, "\rloading 100%%\n");
	(void)sink;
}

static void
human(uint64_t n, char *out, size_t len)
{
	if (n >= 1000000000ULL)
		snprintf(out, len, "%.2fB", (double)n / 1e9);
	else if (n >= 1000000ULL)
		snprintf(out, len, "%.2fM", (double)n / 1e6);
	else if (n >= 1000ULL)
		snprintf(out, len, "%.1fK", (double)n / 1e3);
	else
		snprintf(out, len, "%llu", (unsigned long long)n);
}

static int
cmd_info(struct opts *o)
{
	struct llm_model *m = open_model(o->file);
	const struct llm_hparams *hp;
	const struct gguf *g;
	const struct llm_vocab *v;
	uint64_t counts[GGML_TYPE_COUNT] = { 0 };
	uint64_t i;
	char nbuf[32], *name, *tmpl;
	uint32_t ctx;
	bool first = true;

	if (!m)
		return 1;
	hp = llm_model_hparams(m);
	g = llm_model_gguf(m);
	v = llm_model_vocab(m);
	name = gguf_get_strdup(g, "general.name");
	tmpl = gguf_get_strdup(g, "tokenizer.chat_template");
	printf("file: %s\n", o->file);
	printf("file size: %zu bytes (%.1f MiB)\n", g->size, (double)g->size / 1048576.0);
	printf("gguf version: %u\n", g->version);
	printf("name: %s\n", name ? name : "(none)");
	printf("architecture: %s\n", hp->arch_name);
	human(llm_model_n_params(m), nbuf, sizeof nbuf);
	printf("parameters: %s (%llu)\n", nbuf, (unsigned long long)llm_model_n_params(m));
	printf("context length: %u\n", hp->n_ctx_train);
	printf("embedding: %u, layers: %u, heads: %u, kv heads: %u, head size: %u\n",
	       hp->n_embd, hp->n_layer, hp->n_head, hp->n_head_kv, hp->head_dim_k);
	if (hp->n_expert)
		printf("experts: %u (%u used), expert ffn: %u\n", hp->n_expert,
		       hp->n_expert_used, hp->n_ff_exp);
	else
		printf("ffn: %u\n", hp->n_ff);
	printf("rope: %s, base %g, %u dims\n", hp->rope_neox ? "neox" : "normal",
	       (double)hp->rope_base, hp->n_rot);
	printf("output: %s\n", hp->tied_output ? "tied to token_embd" : "output.weight");
	for (i = 0; i < g->n_tensors; i++)
		counts[g->tensors[i].type]++;
	printf("tensor types:");
	for (i = 0; i < GGML_TYPE_COUNT; i++)
		if (counts[i]) {
			printf("%s %s x%llu", first ? "" : ",", ggml_type_name((enum ggml_type)i),
			       (unsigned long long)counts[i]);
			first = false;
		}
	printf("\n");
	printf("tokenizer: %s (%s), pre-tokenizer %s, %d tokens, bos %d, eos %d\n",
	       llm_vocab_model_name(v),
	       llm_vocab_type(v) == LLM_VOCAB_SPM ? "SentencePiece" : "byte-level BPE",
	       llm_vocab_pre_name(v), llm_vocab_size(v), llm_vocab_bos(v), llm_vocab_eos(v));
	printf("chat template: %s\n", llm_tmpl_name(llm_tmpl_detect(tmpl)));
	ctx = o->n_ctx > 0 ? (uint32_t)o->n_ctx : (hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096);
	printf("context memory: %.1f MiB for %u tokens\n",
	       (double)llm_ctx_mem_bytes(m, ctx) / 1048576.0, ctx);
	xfree_all(name, tmpl);
	llm_model_free(m);
	return 0;
}

static int
cmd_tokenize(struct opts *o)
{
	struct gguf *g = NULL;
	struct llm_vocab *v = NULL;
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct llm_tokens t = { 0 };
	size_t i;
	int rc = 1;

	if (o->text_file && o->positional)
		return usage("give TEXT or --file, not both");
	if (!o->text_file && !o->positional)
		return usage("tokenize needs TEXT or --file F");
	if (o->text_file) {
		if (fs_read_file(o->text_file, 0, &text) != C_OK) {
			fprintf(stderr, "conch model: %s: %s\n", o->text_file, strerror(errno));
			goto out;
		}
	} else {
		buf_adds(&text, o->positional);
	}
	/* only the tokenizer is needed: vocab-only files work too */
	g = gguf_open(o->file, &err);
	if (!g) {
		fprintf(stderr, "conch model: %s\n", buf_str(&err));
		goto out;
	}
	v = llm_vocab_load(g, &err);
	if (!v) {
		fprintf(stderr, "conch model: %s: %s\n", o->file, buf_str(&err));
		goto out;
	}
	llm_tokenize(v, buf_str(&text), text.len, !o->no_bos && llm_vocab_add_bos(v),
		     !o->no_special, &t);
	for (i = 0; i < t.n; i++)
		printf("%s%d", i ? " " : "", t.ids[i]);
	printf("\n");
	llm_tokens_free(&t);
	rc = 0;
out:
	llm_vocab_free(v);
	gguf_close(g);
	buf_free(&text);
	buf_free(&err);
	return rc;
}

static double
now_s(void)
{
	return (double)clock_mono_ms() / 1e3;
}

static void
emit(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
	fflush(stdout);
}

/* Generate up to n tokens after the cache's content; logits are those of
 * the last evaluated token.  Streams text (or collects ids).  Returns the
 * number generated, -1 on error. */
static long
generate(struct llm_ctx *c, const struct llm_vocab *v, struct llm_sampler *s,
	 float *logits, long n, bool ids, struct buf *reply)
{
	struct llm_utf8_stream st;
	struct buf piece = BUF_INIT, out = BUF_INIT;
	long k;
	int32_t n_vocab = llm_vocab_size(v);

	llm_utf8_stream_init(&st);
	for (k = 0; k < n; k++) {
		int32_t tok = llm_sample(s, logits, n_vocab, NULL);
		enum cerr e;
		if (tok < 0 || llm_vocab_is_eog(v, tok))
			break;
		llm_sampler_accept(s, tok);
		if (ids) {
			printf("%s%d", k ? " " : "", tok);
		} else {
			buf_reset(&piece);
			buf_reset(&out);
			llm_token_piece(v, tok, false, &piece);
			llm_utf8_stream_push(&st, buf_str(&piece), piece.len, &out);
			emit(buf_str(&out), out.len);
			if (reply)
				buf_add(reply, buf_str(&out), out.len);
		}
		if (llm_ctx_pos(c) >= llm_ctx_size(c)) {
			k++;
			break;
		}
		e = llm_eval(c, &tok, 1, &logits);
		if (e != C_OK) {
			fprintf(stderr, "conch model: eval failed: %s\n", cerr_str(e));
			k = -1;
			break;
		}
	}
	if (!ids) {
		buf_reset(&out);
		llm_utf8_stream_flush(&st, &out);
		emit(buf_str(&out), out.len);
		if (reply)
			buf_add(reply, buf_str(&out), out.len);
	}
	buf_free(&piece);
	buf_free(&out);
	return k;
}

/* A context for `m` as the options ask (size, threads, F32 KV cache for
 * --kv f32); NULL after saying why. */
static struct llm_ctx *
open_ctx(struct llm_model *m, const struct opts *o)
{
	struct buf err = BUF_INIT;
	struct llm_ctx *c = llm_ctx_new(m, (uint32_t)o->n_ctx, &err);
	if (!c) {
		fprintf(stderr, "conch model: %s\n", buf_str(&err));
		buf_free(&err);
		return NULL;
	}
	buf_free(&err);
	if (o->n_threads > 0)
		llm_ctx_set_threads(c, (int)o->n_threads);
	if (o->kv_f32 && llm_ctx_set_reference(c, true) != C_OK) {
		fprintf(stderr, "conch model: out of memory for an F32 KV cache\n");
		llm_ctx_free(c);
		return NULL;
	}
	return c;
}

static int
cmd_run(struct opts *o)
{
	struct llm_model *m = NULL;
	struct llm_ctx *c = NULL;
	struct llm_sampler s;
	struct llm_tokens t = { 0 };
	struct buf err = BUF_INIT;
	const struct llm_vocab *v;
	float *logits;
	double t0, t1, t2;
	long gen;
	int rc = 1;

	if (!o->prompt && !o->positional)
		return usage("run needs -p TEXT");
	if (!o->prompt)
		o->prompt = o->positional;
	m = open_model(o->file);
	if (!m)
		return 1;
	prefault(m);
	v = llm_model_vocab(m);
	llm_tokenize(v, o->prompt, strlen(o->prompt), !o->no_bos && llm_vocab_add_bos(v),
		     !o->no_special, &t);
	if (t.n == 0) {
		int32_t bos = llm_vocab_bos(v);
		if (bos < 0) {
			fprintf(stderr, "conch model: empty prompt and the model has no BOS token\n");
			goto out;
		}
		llm_tokens_push(&t, bos);
	}
	if (!(c = open_ctx(m, o)))
		goto out;
	if (t.n > llm_ctx_size(c)) {
		fprintf(stderr, "conch model: the prompt has %zu tokens, the context %u\n", t.n,
			llm_ctx_size(c));
		goto out;
	}
	llm_sampler_init(&s, &o->sp);
	for (size_t i = 0; i < t.n; i++)
		llm_sampler_accept(&s, t.ids[i]);
	t0 = now_s();
	if (llm_eval(c, t.ids, t.n, &logits) != C_OK) {
		fprintf(stderr, "conch model: evaluating the prompt failed\n");
		llm_sampler_free(&s);
		goto out;
	}
	t1 = now_s();
	gen = generate(c, v, &s, logits, o->n_predict, o->ids, NULL);
	t2 = now_s();
	printf("\n");
	llm_sampler_free(&s);
	if (gen < 0)
		goto out;
	if (o->verbose)
		fprintf(stderr, "prompt: %zu tokens in %.3f s (%.1f tok/s); generated: %ld tokens in %.3f s (%.1f tok/s)\n",
			t.n, t1 - t0, (double)t.n / (t1 - t0 + 1e-9), gen, t2 - t1,
			(double)gen / (t2 - t1 + 1e-9));
	rc = 0;
out:
	llm_tokens_free(&t);
	llm_ctx_free(c);
	llm_model_free(m);
	buf_free(&err);
	return rc;
}

static int
chat_turn(struct llm_ctx *c, const struct llm_vocab *v, enum llm_tmpl tf,
	  struct llm_sampler *s, struct llm_chat *h, long n_predict)
{
	struct buf prompt = BUF_INIT, reply = BUF_INIT;
	struct llm_tokens t = { 0 };
	uint32_t keep;
	float *logits;
	int rc = 1;
	enum cerr e;

	llm_tmpl_render(tf, h->m, h->n, true, &prompt);
	llm_tokenize(v, buf_str(&prompt), prompt.len, llm_vocab_add_bos(v), true, &t);
	if (t.n + 1 >= llm_ctx_size(c)) {
		fprintf(stderr, "conch model: the conversation (%zu tokens) fills the context (%u); start again with a larger --ctx\n",
			t.n, llm_ctx_size(c));
		goto out;
	}
	keep = llm_ctx_common_prefix(c, t.ids, t.n);
	if (keep == t.n)
		keep--; /* logits are needed for the last prompt token */
	llm_ctx_truncate(c, keep);
	e = llm_eval(c, t.ids + keep, t.n - keep, &logits);
	if (e != C_OK) {
		fprintf(stderr, "conch model: eval failed: %s\n", cerr_str(e));
		goto out;
	}
	if (generate(c, v, s, logits, n_predict, false, &reply) < 0)
		goto out;
	printf("\n");
	llm_chat_add(h, "assistant", buf_steal(&reply));
	rc = 0;
out:
	buf_free(&prompt);
	buf_free(&reply);
	llm_tokens_free(&t);
	return rc;
}

static int
cmd_chat(struct opts *o)
{
	struct llm_model *m;
	struct llm_ctx *c = NULL;
	struct llm_sampler s;
	struct buf err = BUF_INIT;
	struct llm_chat h = { 0 };
	enum llm_tmpl tf;
	char *tmpl, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool tty = isatty(STDIN_FILENO);
	int rc = 1;

	m = open_model(o->file);
	if (!m)
		return 1;
	/* --template, else providers.local.template, else the model's own */
	if (o->tmpl) {
		tf = llm_tmpl_from_name(o->tmpl);
	} else if (o->cfg_tmpl) {
		tf = llm_tmpl_from_name(o->cfg_tmpl);
		if (tf == LLM_TMPL_NONE) {
			fprintf(stderr, "conch model: providers.local.template '%s' in "
				"the config is not a chat template: use one of "
				TEMPLATE_NAMES "\n", o->cfg_tmpl);
			llm_model_free(m);
			return EXIT_CONFIG;
		}
	} else {
		tmpl = gguf_get_strdup(llm_model_gguf(m), "tokenizer.chat_template");
		tf = llm_tmpl_detect(tmpl);
		free(tmpl);
	}
	if (tf == LLM_TMPL_NONE) {
		char *name = gguf_get_strdup(llm_model_gguf(m), "general.name");
		fprintf(stderr, "conch model: model '%s' (%s) has no chat template "
			"conch knows; pick one with --template NAME or "
			"providers.local.template in the config (" TEMPLATE_NAMES ")\n",
			name ? name : "?", o->file);
		free(name);
		llm_model_free(m);
		return 1;
	}
	prefault(m);
	if (!(c = open_ctx(m, o)))
		goto out;
	llm_sampler_init(&s, &o->sp);
	if (o->system)
		llm_chat_add(&h, "system", xstrdup(o->system));
	for (;;) {
		if (tty)
			fputs("> ", stderr);
		len = getline(&line, &cap, stdin);
		if (len < 0)
			break;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		llm_chat_add(&h, "user", xstrdup(line));
		if (chat_turn(c, llm_model_vocab(m), tf, &s, &h, o->n_predict) != 0) {
			llm_sampler_free(&s);
			goto out;
		}
	}
	llm_sampler_free(&s);
	rc = 0;
out:
	llm_chat_free(&h);
	free(line);
	llm_ctx_free(c);
	llm_model_free(m);
	buf_free(&err);
	return rc;
}

int
cmd_model_main(int argc, char **argv, const char *cfg_template)
{
	struct opts o;
	const char *sub;
	int rc;

	memset(&o, 0, sizeof o);
	o.cfg_tmpl = cfg_template && *cfg_template ? cfg_template : NULL;
	llm_sampler_defaults(&o.sp);
	o.n_predict = 128;
	if (argc < 2)
		return usage(NULL);
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (strcmp(sub, "bench") == 0)
		return cmd_model_bench(argc, argv);
	if (argc < 3)
		return usage("missing FILE");
	o.file = argv[2];
	rc = parse_opts(argc, argv, 3, &o);
	if (rc)
		return rc;
	if (strcmp(sub, "info") == 0) {
		if (o.positional)
			return usage("info takes only FILE");
		return cmd_info(&o);
	}
	if (strcmp(sub, "tokenize") == 0)
		return cmd_tokenize(&o);
	if (strcmp(sub, "run") == 0)
		return cmd_run(&o);
	if (strcmp(sub, "chat") == 0) {
		if (o.positional)
			return usage("chat takes only FILE");
		return cmd_chat(&o);
	}
	fprintf(stderr, "conch model: unknown subcommand '%s'\n", sub);
	return usage(NULL);
}

int
cmd_model(struct cli_ctx *c, int argc, char **argv)
{
	const cJSON *lc = c->cfg->providers ?
		cJSON_GetObjectItemCaseSensitive(c->cfg->providers, "local") : NULL;
	const cJSON *t = lc ? cJSON_GetObjectItemCaseSensitive(lc, "template") : NULL;
	return cmd_model_main(argc, argv, cJSON_IsString(t) ? t->valuestring : NULL);
}

CMD_ENTRY(model, "the built-in GGUF runtime");
