/* vocab.c: SentencePiece-style and byte-level BPE tokenizers.  See vocab.h.
 *
 * The algorithms follow the published descriptions (SentencePiece BPE with
 * scores and byte fallback; GPT-2 byte-level BPE with merge ranks) and the
 * per-model pre-tokenizer expressions that the GGUF ecosystem names in
 * tokenizer.ggml.pre.  This file loads a vocabulary and turns tokens back
 * into text; vocab-encode.c turns text into tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/vocab-int.h"
#include "util/str.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------ tokens */

void
llm_tokens_push(struct llm_tokens *t, int32_t id)
{
	t->ids = xgrow(t->ids, t->n + 1, &t->cap, 64, sizeof(*t->ids));
	t->ids[t->n++] = id;
}

void
llm_tokens_free(struct llm_tokens *t)
{
	free(t->ids);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ hashing */

static uint64_t
fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

static size_t
tab_cap(size_t n)
{
	size_t c = 16;
	while (c < n * 2)
		c <<= 1;
	return c;
}

int32_t
vocab_tab_find(const struct llm_vocab *v, const char *s, size_t n)
{
	size_t i = fnv(s, n, FNV0) & v->tab.mask;
	uint32_t e;
	while ((e = v->tab.slot[i]) != 0) {
		const struct tok *t = &v->toks[e - 1];
		if (t->len == n && memcmp(t->text, s, n) == 0)
			return (int32_t)(e - 1);
		i = (i + 1) & v->tab.mask;
	}
	return -1;
}

static void
tab_build(struct llm_vocab *v)
{
	int32_t id;
	size_t cap = tab_cap((size_t)v->n);
	v->tab.slot = xcalloc(cap, sizeof(uint32_t));
	v->tab.mask = cap - 1;
	for (id = 0; id < v->n; id++) {
		const struct tok *t = &v->toks[id];
		size_t i = fnv(t->text, t->len, FNV0) & v->tab.mask;
		uint32_t e;
		/* a later duplicate wins */
		while ((e = v->tab.slot[i]) != 0) {
			const struct tok *o = &v->toks[e - 1];
			if (o->len == t->len && memcmp(o->text, t->text, t->len) == 0)
				break;
			i = (i + 1) & v->tab.mask;
		}
		v->tab.slot[i] = (uint32_t)id + 1;
	}
}

static uint64_t
merge_hash(const char *l, size_t ln, const char *r, size_t rn)
{
	uint64_t h = fnv(l, ln, FNV0);
	h = fnv("\xff", 1, h);
	return fnv(r, rn, h);
}

/* rank of merging l and r, or -1 */
int64_t
vocab_merge_rank(const struct llm_vocab *v, const char *l, size_t ln, const char *r,
		 size_t rn)
{
	const struct mergetab *mt = &v->merges;
	size_t i;
	uint32_t e;
	if (!mt->slot)
		return -1;
	i = merge_hash(l, ln, r, rn) & mt->mask;
	while ((e = mt->slot[i]) != 0) {
		const struct merge *m = &mt->m[e - 1];
		if (m->ln == ln && m->rn == rn && memcmp(m->l, l, ln) == 0 &&
		    memcmp(m->r, r, rn) == 0)
			return (int64_t)(e - 1);
		i = (i + 1) & mt->mask;
	}
	return -1;
}

static bool
merges_build(struct llm_vocab *v, const struct gguf_value *a, struct buf *err)
{
	struct mergetab *mt = &v->merges;
	uint64_t k;
	size_t cap = tab_cap((size_t)a->n);

	mt->m = xcalloc((size_t)a->n + 1, sizeof(*mt->m));
	mt->slot = xcalloc(cap, sizeof(uint32_t));
	mt->mask = cap - 1;
	for (k = 0; k < a->n; k++) {
		const struct gguf_str *s = &a->strs[k];
		const char *sp = s->n > 1 ? memchr(s->p + 1, ' ', s->n - 1) : NULL;
		struct merge *m = &mt->m[mt->n];
		size_t i;
		uint32_t e;
		if (!sp) {
			buf_printf(err, "tokenizer.ggml.merges: entry %llu has no space",
				   (unsigned long long)k);
			return false;
		}
		m->l = s->p;
		m->ln = (uint32_t)(sp - s->p);
		m->r = sp + 1;
		m->rn = (uint32_t)(s->n - m->ln - 1);
		i = merge_hash(m->l, m->ln, m->r, m->rn) & mt->mask;
		while ((e = mt->slot[i]) != 0) {
			const struct merge *o = &mt->m[e - 1];
			if (o->ln == m->ln && o->rn == m->rn && !memcmp(o->l, m->l, m->ln) &&
			    !memcmp(o->r, m->r, m->rn))
				break;
			i = (i + 1) & mt->mask;
		}
		if (e == 0) /* the first (lowest-ranked) occurrence wins */
			mt->slot[i] = (uint32_t)mt->n + 1;
		mt->n++;
	}
	return true;
}

/* ------------------------------------------------------ pre-tokenizers */

/* Each pre-tokenizer: the tokenizer.ggml.pre names that select it and its
 * expressions, applied one after the other (each splits the pieces the
 * previous left; text between matches stays a piece of its own). */
#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define RE_LLAMA3 \
	"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|" \
	"\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_QWEN2 \
	"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|" \
	"\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

struct pre_def {
	const char *names; /* space-separated */
	const char *re[MAX_PRE_REGEX];
	bool ignore_merges;
};

static const struct pre_def pre_defs[] = {
	{ "llama3 llama-v3 llama-bpe falcon3 pixtral dbrx smaug-bpe",
	  { RE_LLAMA3 }, true },
	/* the next two are the expressions of the models' tokenizer.json; no
	 * shared test vectors cover them */
	{ "tekken",
	  { "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
	    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|"
	    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, false },
	{ "gpt-4o",
	  { "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
	    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
	    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
	    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
	    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, false },
	{ "qwen2 deepseek-r1-qwen stablelm2 hunyuan megrez",
	  { RE_QWEN2 }, false },
	{ "gpt-2 mpt olmo jais trillion phi-2 roberta-bpe",
	  { RE_GPT2 }, false },
	{ "starcoder refact command-r smollm codeshell exaone minerva-7b",
	  { "\\p{N}", RE_GPT2 }, false },
	{ "falcon",
	  { "[\\p{P}\\$\\+<=>\\^~\\|`]+", RE_GPT2, "[0-9][0-9][0-9]" }, false },
	{ "deepseek-coder",
	  { "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+",
	    "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}" }, false },
	{ "deepseek-llm",
	  { "[\\r\\n]",
	    "\\s?[A-Za-z\\x{00B5}\\x{00C0}-\\x{00D6}\\x{00D8}-\\x{00F6}\\x{00F8}-\\x{01BA}"
	    "\\x{01BC}-\\x{01BF}\\x{01C4}-\\x{0293}\\x{0295}-\\x{02AF}\\x{0370}-\\x{0373}"
	    "\\x{0376}\\x{0377}\\x{037B}-\\x{037D}\\x{037F}\\x{0386}\\x{0388}-\\x{038A}"
	    "\\x{038C}\\x{038E}-\\x{03A1}\\x{03A3}-\\x{03F5}\\x{03F7}-\\x{0481}"
	    "\\x{048A}-\\x{052F}\\x{0531}-\\x{0556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
	    "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}"
	    "\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
	    "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"
	    "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
	    "\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}"
	    "\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
	    "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}"
	    "\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"
	    "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}"
	    "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
	    "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}"
	    "\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}"
	    "\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
	    "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}"
	    "\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
	    "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
	    "\\s+$",
	    "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
	    "\\p{N}+" }, false },
	/* "default": what an unknown BPE pre-tokenizer falls back to */
	{ "default",
	  { "[\\p{P}\\$\\+<=>\\^~\\|]+", RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]" }, false },
};

static const struct pre_def *
pre_lookup(const char *name)
{
	size_t i, n = strlen(name);
	for (i = 0; i < sizeof(pre_defs) / sizeof(pre_defs[0]); i++) {
		const char *p = pre_defs[i].names;
		while (*p) {
			size_t l = strcspn(p, " ");
			if (l == n && memcmp(p, name, n) == 0)
				return &pre_defs[i];
			p += l;
			while (*p == ' ')
				p++;
		}
	}
	return NULL;
}

static bool
compile_pre(struct llm_vocab *v, const struct pre_def *d, struct buf *err)
{
	size_t i;
	int ec;
	PCRE2_SIZE eo;
	for (i = 0; i < MAX_PRE_REGEX && d->re[i]; i++) {
		v->re[i] = pcre2_compile((PCRE2_SPTR)d->re[i], PCRE2_ZERO_TERMINATED,
					 PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
					 &ec, &eo, NULL);
		if (!v->re[i]) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(ec, msg, sizeof msg);
			buf_printf(err, "pre-tokenizer '%s': regex %zu: %s at %zu",
				   v->pre_name, i, (const char *)msg, (size_t)eo);
			return false;
		}
		pcre2_jit_compile(v->re[i], PCRE2_JIT_COMPLETE); /* optional */
		v->nre = i + 1;
	}
	v->ignore_merges = d->ignore_merges;
	return true;
}

int
llm_vocab_check_pre(struct buf *err)
{
	size_t i, k;
	int n = 0;
	for (i = 0; i < sizeof(pre_defs) / sizeof(pre_defs[0]); i++)
		for (k = 0; k < MAX_PRE_REGEX && pre_defs[i].re[k]; k++) {
			int ec;
			PCRE2_SIZE eo;
			pcre2_code *re = pcre2_compile((PCRE2_SPTR)pre_defs[i].re[k],
						       PCRE2_ZERO_TERMINATED,
						       PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
						       &ec, &eo, NULL);
			if (!re) {
				buf_printf(err, "pre-tokenizer '%s' regex %zu does not compile",
					   pre_defs[i].names, k);
				return -1;
			}
			pcre2_code_free(re);
			n++;
		}
	return n;
}

/* GPT-2's reversible byte <-> printable codepoint map. */
static void
build_byte_map(struct llm_vocab *v)
{
	int b, n = 0;
	for (b = 0; b < 512; b++)
		v->u2b[b] = -1;
	for (b = 0; b < 256; b++) {
		int cp;
		bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
				 (b >= 0xAE && b <= 0xFF);
		cp = printable ? b : 256 + n++;
		if (cp < 0x80) {
			v->b2u[b][0] = (char)cp;
			v->b2u_len[b] = 1;
		} else {
			v->b2u[b][0] = (char)(0xC0 | (cp >> 6));
			v->b2u[b][1] = (char)(0x80 | (cp & 0x3F));
			v->b2u_len[b] = 2;
		}
		v->u2b[cp] = (int16_t)b;
	}
}

/* ------------------------------------------------------------- loading */

static int
cmp_special(const void *a, const void *b, void *arg)
{
	const struct llm_vocab *v = arg;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	if (v->toks[x].len != v->toks[y].len)
		return v->toks[x].len > v->toks[y].len ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int32_t
get_id(const struct gguf *g, const char *key, int32_t n)
{
	int64_t i;
	if (!gguf_get_i64(g, key, &i) || i < 0 || i >= n)
		return -1;
	return (int32_t)i;
}

static void
mark_eog(struct llm_vocab *v)
{
	static const char *const names[] = {
		"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
		"<|endoftext|>", "<|eom_id|>", "<|end_of_text|>", "<EOT>",
		"<|EOT|>", "<｜end▁of▁sentence｜>",
	};
	size_t i;
	v->eog = xcalloc((size_t)v->n, sizeof(bool));
	if (v->eos >= 0)
		v->eog[v->eos] = true;
	if (v->eot >= 0)
		v->eog[v->eot] = true;
	if (v->eom >= 0)
		v->eog[v->eom] = true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int32_t id = vocab_tab_find(v, names[i], strlen(names[i]));
		if (id >= 0 && (v->toks[id].type == LLM_TOK_CONTROL ||
				v->toks[id].type == LLM_TOK_USER_DEFINED))
			v->eog[id] = true;
	}
}

static bool
load_tokens(struct llm_vocab *v, const struct gguf *g, struct buf *err)
{
	const struct gguf_value *toks, *scores, *types;
	int32_t i;

	toks = gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_STRING);
	if (!toks || toks->n == 0 || toks->n > INT32_MAX / 2) {
		buf_adds(err, "tokenizer.ggml.tokens: missing or not a list of strings");
		return false;
	}
	v->n = (int32_t)toks->n;
	scores = gguf_get_arr(g, "tokenizer.ggml.scores", GGUF_F32);
	if (scores && scores->n != toks->n) {
		buf_adds(err, "tokenizer.ggml.scores: count differs from tokenizer.ggml.tokens");
		return false;
	}
	types = gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_I32);
	if (!types)
		types = gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_U32);
	if (types && types->n != toks->n) {
		buf_adds(err, "tokenizer.ggml.token_type: count differs from tokenizer.ggml.tokens");
		return false;
	}
	v->toks = xcalloc((size_t)v->n, sizeof(*v->toks));
	for (i = 0; i < v->n; i++) {
		if (toks->strs[i].n > UINT32_MAX) {
			buf_printf(err, "tokenizer.ggml.tokens: token %d too long", i);
			return false;
		}
		v->toks[i].text = toks->strs[i].p;
		v->toks[i].len = (uint32_t)toks->strs[i].n;
		v->toks[i].score = scores ? (float)gguf_arr_f64(scores, (uint64_t)i) : 0.0f;
		v->toks[i].type = types ? (int32_t)gguf_arr_i64(types, (uint64_t)i) : LLM_TOK_NORMAL;
	}
	return true;
}

struct llm_vocab *
llm_vocab_load(const struct gguf *g, struct buf *err)
{
	struct llm_vocab *v = xcalloc(1, sizeof(*v));
	struct gguf_str s;
	const struct pre_def *pd;
	int32_t i;
	bool b;

	if (!gguf_get_str(g, "tokenizer.ggml.model", &s)) {
		buf_adds(err, "tokenizer.ggml.model: missing (the file has no tokenizer)");
		goto fail;
	}
	v->model_name = xstrndup(s.p, s.n);
	if (strcmp(v->model_name, "llama") == 0) {
		v->type = LLM_VOCAB_SPM;
	} else if (strcmp(v->model_name, "gpt2") == 0) {
		v->type = LLM_VOCAB_BPE;
	} else {
		buf_printf(err, "tokenizer '%s' is not supported (only llama and gpt2)",
			   v->model_name);
		goto fail;
	}
	v->pre_name = gguf_get_strdup(g, "tokenizer.ggml.pre");
	if (!v->pre_name)
		v->pre_name = xstrdup("default");
	if (!load_tokens(v, g, err))
		goto fail;
	tab_build(v);

	v->bos = get_id(g, "tokenizer.ggml.bos_token_id", v->n);
	v->eos = get_id(g, "tokenizer.ggml.eos_token_id", v->n);
	v->unk = get_id(g, "tokenizer.ggml.unknown_token_id", v->n);
	v->eot = get_id(g, "tokenizer.ggml.eot_token_id", v->n);
	v->eom = get_id(g, "tokenizer.ggml.eom_token_id", v->n);
	v->add_bos = v->type == LLM_VOCAB_SPM;
	if (gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b))
		v->add_bos = b;
	v->add_space_prefix = v->type == LLM_VOCAB_SPM;
	if (gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b))
		v->add_space_prefix = b;

	if (v->type == LLM_VOCAB_SPM) {
		for (i = 0; i < 256; i++) {
			char hex[8];
			snprintf(hex, sizeof hex, "<0x%02X>", i);
			v->byte_tok[i] = vocab_tab_find(v, hex, 6);
		}
		if (v->bos < 0)
			v->bos = vocab_tab_find(v, "<s>", 3);
		if (v->eos < 0)
			v->eos = vocab_tab_find(v, "</s>", 4);
	} else {
		const struct gguf_value *mg =
			gguf_get_arr(g, "tokenizer.ggml.merges", GGUF_STRING);
		if (!mg) {
			buf_adds(err, "tokenizer.ggml.merges: missing for a gpt2 tokenizer");
			goto fail;
		}
		if (!merges_build(v, mg, err))
			goto fail;
		build_byte_map(v);
		pd = pre_lookup(v->pre_name);
		if (!pd) {
			buf_printf(err, "pre-tokenizer '%s' is not supported", v->pre_name);
			goto fail;
		}
		if (!compile_pre(v, pd, err))
			goto fail;
	}

	v->special = xcalloc((size_t)v->n, sizeof(int32_t));
	for (i = 0; i < v->n; i++) {
		int32_t t = v->toks[i].type;
		if ((t == LLM_TOK_CONTROL || t == LLM_TOK_USER_DEFINED || t == LLM_TOK_UNKNOWN) &&
		    v->toks[i].len > 0)
			v->special[v->nspecial++] = i;
	}
	qsort_r(v->special, v->nspecial, sizeof(int32_t), cmp_special, v);
	mark_eog(v);
	return v;
fail:
	llm_vocab_free(v);
	return NULL;
}

void
llm_vocab_free(struct llm_vocab *v)
{
	size_t i;
	if (!v)
		return;
	for (i = 0; i < v->nre; i++)
		pcre2_code_free(v->re[i]);
	xfree_all(v->model_name, v->pre_name, v->toks, v->tab.slot,
		  v->merges.slot, v->merges.m, v->special, v->eog, v);
}

enum llm_vocab_type llm_vocab_type(const struct llm_vocab *v) { return v->type; }
const char *llm_vocab_model_name(const struct llm_vocab *v) { return v->model_name; }
const char *llm_vocab_pre_name(const struct llm_vocab *v) { return v->pre_name; }
int32_t llm_vocab_size(const struct llm_vocab *v) { return v->n; }
int32_t llm_vocab_bos(const struct llm_vocab *v) { return v->bos; }
int32_t llm_vocab_eos(const struct llm_vocab *v) { return v->eos; }
bool llm_vocab_add_bos(const struct llm_vocab *v) { return v->add_bos && v->bos >= 0; }

bool
llm_vocab_is_eog(const struct llm_vocab *v, int32_t id)
{
	return id >= 0 && id < v->n && v->eog[id];
}

enum llm_token_type
llm_vocab_token_type(const struct llm_vocab *v, int32_t id)
{
	if (id < 0 || id >= v->n)
		return LLM_TOK_UNDEFINED;
	return v->toks[id].type;
}

const char *
llm_vocab_token_text(const struct llm_vocab *v, int32_t id, size_t *len)
{
	if (id < 0 || id >= v->n)
		return NULL;
	if (len)
		*len = v->toks[id].len;
	return v->toks[id].text;
}

int32_t
llm_vocab_find(const struct llm_vocab *v, const char *s, size_t n)
{
	return vocab_tab_find(v, s, n);
}

/* ------------------------------------------------------------ decoding */

size_t
vocab_utf8_len(unsigned char c)
{
	static const size_t lut[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
	return lut[c >> 4];
}


static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void
llm_token_piece(const struct llm_vocab *v, int32_t id, bool special, struct buf *out)
{
	const struct tok *t;
	size_t i;

	if (id < 0 || id >= v->n)
		return;
	t = &v->toks[id];
	switch (t->type) {
	case LLM_TOK_CONTROL:
		if (special)
			buf_add(out, t->text, t->len);
		return;
	case LLM_TOK_UNKNOWN:
		if (v->type == LLM_VOCAB_SPM)
			buf_adds(out, "\xe2\x96\x85");
		else if (special)
			buf_add(out, t->text, t->len);
		return;
	case LLM_TOK_USER_DEFINED:
		buf_add(out, t->text, t->len);
		return;
	case LLM_TOK_BYTE:
		if (t->len == 6 && hexval(t->text[3]) >= 0 && hexval(t->text[4]) >= 0) {
			buf_addc(out, (char)(hexval(t->text[3]) * 16 + hexval(t->text[4])));
			return;
		}
		break;
	default:
		break;
	}
	if (v->type == LLM_VOCAB_SPM) {
		for (i = 0; i < t->len; i++) {
			if (i + 2 < t->len && memcmp(t->text + i, "\xe2\x96\x81", 3) == 0) {
				buf_addc(out, ' ');
				i += 2;
			} else {
				buf_addc(out, t->text[i]);
			}
		}
		return;
	}
	/* byte-level: each codepoint back to its byte */
	for (i = 0; i < t->len;) {
		unsigned char c = (unsigned char)t->text[i];
		size_t l = vocab_utf8_len(c);
		uint32_t cp;
		if (l > t->len - i)
			l = t->len - i;
		if (l == 1)
			cp = c;
		else if (l == 2)
			cp = ((uint32_t)(c & 0x1F) << 6) | (t->text[i + 1] & 0x3F);
		else
			cp = 0xFFFF;
		if (cp < 512 && v->u2b[cp] >= 0)
			buf_addc(out, (char)v->u2b[cp]);
		else
			buf_add(out, t->text + i, l);
		i += l;
	}
}

void
llm_detokenize(const struct llm_vocab *v, const int32_t *ids, size_t n,
	       bool special, struct buf *out)
{
	struct llm_utf8_stream st;
	struct buf piece;
	size_t i;

	buf_init(&piece, 0);
	llm_utf8_stream_init(&st);
	for (i = 0; i < n; i++) {
		buf_reset(&piece);
		llm_token_piece(v, ids[i], special, &piece);
		if (i == 0 && v->type == LLM_VOCAB_SPM && v->add_space_prefix &&
		    piece.len > 0 && piece.p[0] == ' ')
			llm_utf8_stream_push(&st, piece.p + 1, piece.len - 1, out);
		else
			llm_utf8_stream_push(&st, buf_str(&piece), piece.len, out);
	}
	llm_utf8_stream_flush(&st, out);
	buf_free(&piece);
}

/* ------------------------------------------------------- UTF-8 stream */

void
llm_utf8_stream_init(struct llm_utf8_stream *s)
{
	s->npend = 0;
}

/* Expected length of a sequence starting with c; 0 if c cannot start one. */
static size_t
seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

void
llm_utf8_stream_push(struct llm_utf8_stream *s, const char *p, size_t n,
		     struct buf *out)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (s->npend == 0) {
			size_t l = seq_len(c);
			if (l == 1)
				buf_addc(out, (char)c);
			else if (l == 0)
				buf_adds(out, "\xef\xbf\xbd");
			else
				s->pend[s->npend++] = c;
			continue;
		}
		if ((c & 0xC0) != 0x80) {
			/* the pending sequence broke off */
			buf_adds(out, "\xef\xbf\xbd");
			s->npend = 0;
			i--;
			continue;
		}
		s->pend[s->npend++] = c;
		if (s->npend == seq_len(s->pend[0])) {
			if (utf8_valid((const char *)s->pend, s->npend))
				buf_add(out, s->pend, s->npend);
			else
				buf_adds(out, "\xef\xbf\xbd");
			s->npend = 0;
		}
	}
}

void
llm_utf8_stream_flush(struct llm_utf8_stream *s, struct buf *out)
{
	if (s->npend)
		buf_adds(out, "\xef\xbf\xbd");
	s->npend = 0;
}
