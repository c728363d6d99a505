/* vocab-encode.c: text into tokens (llm_tokenize): special tokens split
 * out first, then SentencePiece BPE with scores and byte fallback, or
 * the pre-tokenizer's pieces merged by byte-level BPE ranks.  See
 * vocab.h. */
#include <stdlib.h>
#include <string.h>

#include "llm/vocab-int.h"
#include "util/str.h"
#include "util/xalloc.h"

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
		size_t l = vocab_utf8_len((unsigned char)text[off]), k;
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
	id = vocab_tab_find(v, ss->s[l].text, n);
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
		int32_t id = vocab_tab_find(v, s->text, s->n);
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
	rank = vocab_merge_rank(v, ss->s[l].text, ss->s[l].n, ss->s[r].text, ss->s[r].n);
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

	if (v->ignore_merges && (id = vocab_tab_find(v, w, n)) >= 0) {
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
		id = vocab_tab_find(v, s->text, s->n);
		if (id >= 0) {
			llm_tokens_push(out, id);
			continue;
		}
		for (j = 0; j < s->n; j++) {
			id = vocab_tab_find(v, s->text + j, 1);
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
