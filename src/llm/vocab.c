/* vocab.c: SentencePiece-style and byte-level BPE tokenizers.  See vocab.h.
 *
 * The algorithms follow the published descriptions (SentencePiece BPE with
 * scores and byte fallback; GPT-2 byte-level BPE with merge ranks) and the
 * per-model pre-tokenizer expressions that the GGUF ecosystem names in
 * tokenizer.ggml.pre. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/vocab.h"
#include "util/str.h"
#include "util/xalloc.h"

#define MAX_PRE_REGEX 8

struct tok {
	const char *text;
	uint32_t len;
	float score;
	int32_t type;
};

/* open-addressing hash: slot holds id+1 (0 empty) */
struct strtab {
	uint32_t *slot;
	size_t mask;
};

struct merge {
	const char *l, *r;
	uint32_t ln, rn;
};

struct mergetab {
	uint32_t *slot; /* rank+1 */
	size_t mask;
	struct merge *m;
	size_t n;
};

struct llm_vocab {
	enum llm_vocab_type type;
	char *model_name, *pre_name;
	struct tok *toks;
	int32_t n;
	struct strtab tab;
	struct mergetab merges;
	int32_t bos, eos, unk, eot, eom;
	bool add_bos, add_space_prefix, ignore_merges;
	int32_t *special; /* ids split out before pre-tokenizing, longest first */
	size_t nspecial;
	int32_t byte_tok[256]; /* SPM <0xXX> ids, -1 when absent */
	pcre2_code *re[MAX_PRE_REGEX];
	size_t nre;
	/* byte-level BPE tables */
	char b2u[256][3];
	uint8_t b2u_len[256];
	int16_t u2b[512]; /* codepoint -> byte, -1 none */
	bool *eog;
};

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

static int32_t
tab_find(const struct llm_vocab *v, const char *s, size_t n)
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
static int64_t
merge_rank(const struct llm_vocab *v, const char *l, size_t ln, const char *r,
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
		int32_t id = tab_find(v, names[i], strlen(names[i]));
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
			v->byte_tok[i] = tab_find(v, hex, 6);
		}
		if (v->bos < 0)
			v->bos = tab_find(v, "<s>", 3);
		if (v->eos < 0)
			v->eos = tab_find(v, "</s>", 4);
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
	return tab_find(v, s, n);
}

/* ------------------------------------------------- special-token split */

struct frag {
	size_t off, len; /* raw text, when id < 0 */
	int32_t id;
};

struct frags {
	struct frag *f;
	size_t n, cap;
};

static void
frag_push(struct frags *fs, size_t off, size_t len, int32_t id)
{
	fs->f = xgrow(fs->f, fs->n + 1, &fs->cap, 16, sizeof(*fs->f));
	fs->f[fs->n].off = off;
	fs->f[fs->n].len = len;
	fs->f[fs->n].id = id;
	fs->n++;
}

/* Split text into raw fragments and special tokens, longest token first. */
static bool
in_spans(const size_t *spans, size_t nspans, size_t at, size_t len)
{
	size_t i;
	for (i = 0; i < nspans; i++)
		if (at >= spans[2 * i] && at + len <= spans[2 * i + 1])
			return true;
	return false;
}

static void
split_special(const struct llm_vocab *v, const char *text, size_t n,
	      bool parse_special, const size_t *spans, size_t nspans,
	      struct frags *out)
{
	struct frags cur = { 0 }, next = { 0 }, tmp;
	size_t k, j;

	frag_push(&cur, 0, n, -1);
	for (k = 0; k < v->nspecial; k++) {
		int32_t id = v->special[k];
		const struct tok *t = &v->toks[id];
		if (!parse_special && t->type != LLM_TOK_USER_DEFINED)
			continue;
		next.n = 0;
		for (j = 0; j < cur.n; j++) {
			struct frag f = cur.f[j];
			size_t pos = f.off, end = f.off + f.len, scan;
			const char *hit;
			if (f.id >= 0) {
				frag_push(&next, f.off, f.len, f.id);
				continue;
			}
			scan = pos;
			while (scan < end &&
			       (hit = str_find(text + scan, end - scan, t->text, t->len)) != NULL) {
				size_t at = (size_t)(hit - text);
				if (spans && t->type != LLM_TOK_USER_DEFINED &&
				    !in_spans(spans, nspans, at, t->len)) {
					scan = at + 1; /* control text inside content: plain */
					continue;
				}
				if (at > pos)
					frag_push(&next, pos, at - pos, -1);
				frag_push(&next, at, t->len, id);
				pos = scan = at + t->len;
			}
			if (pos < end)
				frag_push(&next, pos, end - pos, -1);
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	free(next.f);
	*out = cur;
}

/* ------------------------------------------------------ shared symbols */

struct sym {
	const char *text;
	size_t n;
	int prev, next;
};

struct bigram {
	int left, right;
	double key;  /* SPM: score (higher first); BPE: rank (lower first) */
	size_t size;
};

struct heap {
	struct bigram *a;
	size_t n, cap;
	bool max; /* SPM: max-heap on key */
};

/* true when x should pop before y */
static bool
bg_before(const struct heap *h, const struct bigram *x, const struct bigram *y)
{
	if (x->key != y->key)
		return h->max ? x->key > y->key : x->key < y->key;
	return x->left < y->left;
}

static void
heap_push(struct heap *h, struct bigram b)
{
	size_t i;
	h->a = xgrow(h->a, h->n + 1, &h->cap, 64, sizeof(*h->a));
	i = h->n++;
	h->a[i] = b;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct bigram t;
		if (!bg_before(h, &h->a[i], &h->a[p]))
			break;
		t = h->a[i];
		h->a[i] = h->a[p];
		h->a[p] = t;
		i = p;
	}
}

static struct bigram
heap_pop(struct heap *h)
{
	struct bigram top = h->a[0];
	size_t i = 0;
	h->a[0] = h->a[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct bigram t;
		if (l < h->n && bg_before(h, &h->a[l], &h->a[m]))
			m = l;
		if (r < h->n && bg_before(h, &h->a[r], &h->a[m]))
			m = r;
		if (m == i)
			break;
		t = h->a[i];
		h->a[i] = h->a[m];
		h->a[m] = t;
		i = m;
	}
	return top;
}

static size_t
utf8_len(unsigned char c)
{
	static const size_t lut[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
	return lut[c >> 4];
}

struct syms {
	struct sym *s;
	size_t n, cap;
};

static void
split_chars(struct syms *ss, const char *text, size_t n)
{
	size_t off = 0;
	ss->n = 0;
	while (off < n) {
		size_t l = utf8_len((unsigned char)text[off]), k;
		if (l > n - off)
			l = n - off;
		/* a broken sequence is taken one byte at a time, so that it
		 * cannot swallow the start of the next character */
		for (k = 1; k < l; k++)
			if (((unsigned char)text[off + k] & 0xC0) != 0x80) {
				l = 1;
				break;
			}
		ss->s = xgrow(ss->s, ss->n + 1, &ss->cap, 64, sizeof(*ss->s));
		ss->s[ss->n].text = text + off;
		ss->s[ss->n].n = l;
		ss->s[ss->n].prev = (int)ss->n - 1;
		ss->s[ss->n].next = off + l == n ? -1 : (int)ss->n + 1;
		ss->n++;
		off += l;
	}
}

/* Merge symbols pairwise, best first: try(v, ss, h, l, r) pushes the
 * pair of symbols l, r on the heap if the vocabulary merges them; every
 * adjacent pair is offered at the start and every new one after a merge.
 * A popped pair whose sides changed since it was pushed is stale. */
static inline void
merge_pairs(const struct llm_vocab *v, struct syms *ss, struct heap *h,
	    void (*try)(const struct llm_vocab *, struct syms *, struct heap *, int, int))
{
	size_t i;
	for (i = 1; i < ss->n; i++)
		try(v, ss, h, (int)i - 1, (int)i);
	while (h->n > 0) {
		struct bigram b = heap_pop(h);
		struct sym *l = &ss->s[b.left], *r = &ss->s[b.right];
		if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
			continue;
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			ss->s[r->next].prev = b.left;
		try(v, ss, h, l->prev, b.left);
		try(v, ss, h, b.left, l->next);
	}
}

/* --------------------------------------------------------------- SPM */

static void
spm_try(const struct llm_vocab *v, struct syms *ss, struct heap *h, int l, int r)
{
	int32_t id;
	size_t n;
	if (l < 0 || r < 0)
		return;
	n = ss->s[l].n + ss->s[r].n;
	id = tab_find(v, ss->s[l].text, n);
	if (id < 0)
		return;
	heap_push(h, (struct bigram){ l, r, v->toks[id].score, n });
}

static void
spm_session(const struct llm_vocab *v, const char *text, size_t n,
	    struct llm_tokens *out)
{
	struct syms ss = { 0 };
	struct heap h = { .max = true };
	size_t i, j;

	split_chars(&ss, text, n);
	merge_pairs(v, &ss, &h, spm_try);
	for (i = 0; i < ss.n; i = ss.s[i].next >= 0 ? (size_t)ss.s[i].next : ss.n) {
		struct sym *s = &ss.s[i];
		int32_t id = tab_find(v, s->text, s->n);
		if (id >= 0) {
			llm_tokens_push(out, id);
			continue;
		}
		for (j = 0; j < s->n; j++) {
			int32_t bt = v->byte_tok[(unsigned char)s->text[j]];
			llm_tokens_push(out, bt >= 0 ? bt : v->unk);
		}
	}
	xfree_all(ss.s, h.a);
}

static void
spm_tokenize(const struct llm_vocab *v, const char *text, const struct frags *fs,
	     struct llm_tokens *out)
{
	struct buf esc;
	bool prev_special = true;
	size_t i, k;

	buf_init(&esc, 0);
	for (i = 0; i < fs->n; i++) {
		const struct frag *f = &fs->f[i];
		if (f->id >= 0) {
			llm_tokens_push(out, f->id);
			prev_special = true;
			continue;
		}
		buf_reset(&esc);
		if (v->add_space_prefix && prev_special)
			buf_adds(&esc, "\xe2\x96\x81");
		for (k = 0; k < f->len; k++) {
			char c = text[f->off + k];
			if (c == ' ')
				buf_adds(&esc, "\xe2\x96\x81");
			else
				buf_addc(&esc, c);
		}
		spm_session(v, esc.p ? esc.p : "", esc.len, out);
		prev_special = false;
	}
	buf_free(&esc);
}

/* --------------------------------------------------------------- BPE */

static void
bpe_try(const struct llm_vocab *v, struct syms *ss, struct heap *h, int l, int r)
{
	int64_t rank;
	if (l < 0 || r < 0)
		return;
	rank = merge_rank(v, ss->s[l].text, ss->s[l].n, ss->s[r].text, ss->s[r].n);
	if (rank < 0)
		return;
	heap_push(h, (struct bigram){ l, r, (double)rank, ss->s[l].n + ss->s[r].n });
}

/* BPE over one byte-level-encoded word. */
static void
bpe_word(const struct llm_vocab *v, const char *w, size_t n, struct syms *ss,
	 struct heap *h, struct llm_tokens *out)
{
	size_t i, j;
	int32_t id;

	if (v->ignore_merges && (id = tab_find(v, w, n)) >= 0) {
		llm_tokens_push(out, id);
		return;
	}
	split_chars(ss, w, n);
	h->n = 0;
	merge_pairs(v, ss, h, bpe_try);
	for (i = 0; i < ss->n; i = ss->s[i].next >= 0 ? (size_t)ss->s[i].next : ss->n) {
		struct sym *s = &ss->s[i];
		if (s->n == 0)
			continue;
		id = tab_find(v, s->text, s->n);
		if (id >= 0) {
			llm_tokens_push(out, id);
			continue;
		}
		for (j = 0; j < s->n; j++) {
			id = tab_find(v, s->text + j, 1);
			if (id >= 0)
				llm_tokens_push(out, id);
		}
	}
}

struct spans {
	size_t *off, *len;
	size_t n, cap;
};

static void
span_push(struct spans *s, size_t off, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->off = xreallocarray(s->off, s->cap, sizeof(size_t));
		s->len = xreallocarray(s->len, s->cap, sizeof(size_t));
	}
	s->off[s->n] = off;
	s->len[s->n] = len;
	s->n++;
}

/* Apply one expression to every span: matches and the gaps between them
 * become spans.  Each span is matched as a subject of its own. */
static void
pre_split(const pcre2_code *re, pcre2_match_data *md, const char *text,
	  const struct spans *in, struct spans *out)
{
	size_t k;
	out->n = 0;
	for (k = 0; k < in->n; k++) {
		const char *subj = text + in->off[k];
		size_t len = in->len[k], pos = 0, last = 0;
		while (pos <= len) {
			int rc = pcre2_match(re, (PCRE2_SPTR)subj, len, pos, 0, md, NULL);
			PCRE2_SIZE *ov;
			if (rc < 0)
				break;
			ov = pcre2_get_ovector_pointer(md);
			if (ov[1] == ov[0]) { /* empty match: step one character */
				pos = ov[0] + 1;
				while (pos < len && ((unsigned char)subj[pos] & 0xC0) == 0x80)
					pos++;
				continue;
			}
			if (ov[0] > last)
				span_push(out, in->off[k] + last, ov[0] - last);
			span_push(out, in->off[k] + ov[0], ov[1] - ov[0]);
			last = pos = ov[1];
		}
		if (last < len)
			span_push(out, in->off[k] + last, len - last);
	}
}

static void
bpe_tokenize(const struct llm_vocab *v, const char *text, const struct frags *fs,
	     struct llm_tokens *out)
{
	struct spans a = { 0 }, b = { 0 }, t;
	struct syms ss = { 0 };
	struct heap h = { .max = false };
	struct buf w;
	pcre2_match_data *md = NULL;
	size_t i, r, k, c;

	buf_init(&w, 0);
	md = pcre2_match_data_create(4, NULL);
	for (i = 0; i < fs->n; i++) {
		const struct frag *f = &fs->f[i];
		if (f->id >= 0) {
			llm_tokens_push(out, f->id);
			continue;
		}
		a.n = 0;
		span_push(&a, f->off, f->len);
		for (r = 0; r < v->nre; r++) {
			pre_split(v->re[r], md, text, &a, &b);
			t = a;
			a = b;
			b = t;
		}
		for (k = 0; k < a.n; k++) {
			buf_reset(&w);
			for (c = 0; c < a.len[k]; c++) {
				unsigned char ch = (unsigned char)text[a.off[k] + c];
				buf_add(&w, v->b2u[ch], v->b2u_len[ch]);
			}
			bpe_word(v, buf_str(&w), w.len, &ss, &h, out);
		}
	}
	pcre2_match_data_free(md);
	xfree_all(a.off, a.len, b.off, b.len, ss.s, h.a);
	buf_free(&w);
}

static enum cerr
tokenize(const struct llm_vocab *v, const char *text, size_t n, bool add_bos,
	 bool parse_special, const size_t *spans, size_t nspans,
	 struct llm_tokens *out)
{
	struct frags fs = { 0 };

	if (add_bos && v->bos >= 0)
		llm_tokens_push(out, v->bos);
	if (n == 0)
		return C_OK;
	split_special(v, text, n, parse_special, spans, nspans, &fs);
	if (v->type == LLM_VOCAB_SPM)
		spm_tokenize(v, text, &fs, out);
	else
		bpe_tokenize(v, text, &fs, out);
	free(fs.f);
	return C_OK;
}

enum cerr
llm_tokenize(const struct llm_vocab *v, const char *text, size_t n, bool add_bos,
	     bool parse_special, struct llm_tokens *out)
{
	return tokenize(v, text, n, add_bos, parse_special, NULL, 0, out);
}

enum cerr
llm_tokenize_marked(const struct llm_vocab *v, const char *text, size_t n,
		    bool add_bos, const size_t *spans, size_t nspans,
		    struct llm_tokens *out)
{
	static const size_t none[2] = { 0, 0 };
	return tokenize(v, text, n, add_bos, true, spans ? spans : none, spans ? nspans : 0, out);
}

/* ------------------------------------------------------------ decoding */

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
		size_t l = utf8_len(c);
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
