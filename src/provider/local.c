/* local.c: the built-in runtime as a provider.  See local.h. */
#include <ctype.h>
#include <float.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"
#include "provider/local-grammar.h"
#include "provider/local.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define DEFAULT_MAX_TOKENS 1024
#define OWN_MAX_TOKENS 384

struct piece {
	uint32_t off, len;
};

struct local {
	struct provider base;
	struct llm_model *m;
	struct llm_ctx *c;
	enum llm_tmpl fam;
	struct llm_sampler_params sp;
	int max_tokens;
	int threads; /* 0: the runtime's default */
	unsigned next_id;
	/* the system prompt a model trained for conch carries (GGUF key
	 * conch.system_prompt): it replaces the agent's, and the tools are
	 * not described in the prompt (the model learned them) */
	char *own_system;
	/* its own words, which its replies may use without copying them
	 * (GGUF key conch.free_words; sorted) */
	char **free_words;
	size_t nfree;
	/* the fields its commands use without having read them (GGUF key
	 * conch.free_fields; sorted) */
	char **free_fields;
	size_t nfields;
	/* decoded bytes of every token, for the grammar */
	struct piece *pieces;
	char *piece_data;
	uint8_t *mask;
	uint8_t *keep; /* the grammar's mask while the copy rule narrows it */
};

/* ------------------------------------------------------------- streaming */

/* Routes decoded reply text to the text/thinking events while hiding tool
 * calls, holding back any tail that may be the start of a marker. */
enum smode { SM_TEXT, SM_THINK, SM_TOOL };

struct splitter {
	enum smode mode;
	struct buf pend;
	bool llama3, started;
	const struct provider_events *ev;
};

static const char *const markers[] = { "<think>", "</think>", "<tool_call>", "</tool_call>" };

static void
emit(struct splitter *sp, const char *s, size_t n)
{
	const struct provider_events *ev = sp->ev;
	if (n == 0 || !ev)
		return;
	if (sp->mode == SM_TEXT && ev->text)
		ev->text(ev->ud, s, n);
	else if (sp->mode == SM_THINK && ev->thinking)
		ev->thinking(ev->ud, s, n);
}

/* length of the longest suffix of s[0..n) that is a proper prefix of a
 * marker */
static size_t
partial_marker(const char *s, size_t n)
{
	size_t best = 0, k, i;
	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
		size_t ml = strlen(markers[k]);
		for (i = ml - 1; i > best; i--)
			if (i <= n && memcmp(s + n - i, markers[k], i) == 0) {
				best = i;
				break;
			}
	}
	return best;
}

static void
split_run(struct splitter *sp, bool final)
{
	for (;;) {
		const char *s = buf_str(&sp->pend);
		size_t n = sp->pend.len, k, first = n, which = 0, keep, rest;
		if (n == 0)
			return;
		if (sp->llama3 && !sp->started) {
			size_t i = 0;
			while (i < n && (s[i] == ' ' || s[i] == '\n'))
				i++;
			if (i == n && !final)
				return;
			sp->started = true;
			if (i < n && s[i] == '{')
				sp->mode = SM_TOOL; /* a JSON call: nothing to show */
		}
		for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
			const char *p = str_find(s, n, markers[k], strlen(markers[k]));
			if (p && (size_t)(p - s) < first) {
				first = (size_t)(p - s);
				which = k;
			}
		}
		if (first == n) {
			keep = final ? 0 : partial_marker(s, n);
			emit(sp, s, n - keep);
			rest = keep;
			memmove(sp->pend.p, sp->pend.p + n - keep, keep);
			buf_truncate(&sp->pend, rest);
			return;
		}
		emit(sp, s, first);
		if (sp->mode != SM_TOOL || sp->llama3 == false) {
			if (which == 0)
				sp->mode = SM_THINK;
			else if (which == 2)
				sp->mode = SM_TOOL;
			else
				sp->mode = SM_TEXT;
		}
		rest = n - first - strlen(markers[which]);
		memmove(sp->pend.p, sp->pend.p + first + strlen(markers[which]), rest);
		buf_truncate(&sp->pend, rest);
	}
}

/* ------------------------------------------------------------ the model */

static bool
want_cancel(const struct provider_events *ev)
{
	struct pollfd pfd;
	if (!ev)
		return false;
	if (ev->cancelled && ev->cancelled(ev->ud))
		return true;
	if (ev->cancel_fd >= 0) {
		pfd.fd = ev->cancel_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) > 0)
			return true;
	}
	return false;
}

static bool
abort_cb(void *ud)
{
	return want_cancel(ud);
}

/* The bytes of `tok`; control tokens that spell one of our markers
 * (some conversions type <think> or <tool_call> as control) count too. */
static void
token_bytes(const struct llm_vocab *v, int32_t tok, struct buf *out)
{
	size_t k, len, before = out->len;
	const char *txt;
	llm_token_piece(v, tok, false, out);
	if (out->len > before || llm_vocab_token_type(v, tok) != LLM_TOK_CONTROL)
		return;
	txt = llm_vocab_token_text(v, tok, &len);
	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++)
		if (strlen(markers[k]) == len && memcmp(markers[k], txt, len) == 0)
			buf_add(out, txt, len);
}

static void
build_pieces(struct local *L)
{
	const struct llm_vocab *v = llm_model_vocab(L->m);
	int32_t n = llm_vocab_size(v), i;
	struct buf b = BUF_INIT;
	if (L->pieces)
		return;
	L->pieces = xcalloc((size_t)n, sizeof(*L->pieces));
	for (i = 0; i < n; i++) {
		size_t before = b.len;
		token_bytes(v, i, &b);
		L->pieces[i].off = (uint32_t)before;
		L->pieces[i].len = (uint32_t)(b.len - before);
	}
	L->piece_data = buf_steal(&b);
	L->mask = xcalloc((size_t)n, 1);
	L->keep = xcalloc((size_t)n, 1);
}

/* Mark the tokens that keep the grammar valid; returns how many. */
static size_t
grammar_mask(struct local *L, const struct tcg *g, const struct tcg_state *st)
{
	const struct llm_vocab *v = llm_model_vocab(L->m);
	int32_t n = llm_vocab_size(v), i;
	size_t count = 0;
	for (i = 0; i < n; i++) {
		struct tcg_state t;
		L->mask[i] = 0;
		if (L->pieces[i].len == 0 || llm_vocab_token_type(v, i) == LLM_TOK_CONTROL)
			continue; /* no marker or end inside a call */
		t = *st;
		if (tcg_feed(g, &t, L->piece_data + L->pieces[i].off, L->pieces[i].len)) {
			L->mask[i] = 1;
			count++;
		}
	}
	return count;
}

struct gen {
	struct local *L;
	const struct provider_events *ev;
	struct llm_sampler s;
	struct splitter sp;
	struct buf reply;       /* the reply so far, as valid UTF-8 */
	struct llm_utf8_stream u8;
	struct tcg *g;
	struct tcg_state gs;
	bool g_on, g_used, close_call;
	long n_out;
	float *logits;
	/* what the reply may copy (models trained for conch) */
	struct local_copy copy;
	bool copy_on;
	bool asked;             /* the reply answers the user's words, not a result */
};

/* Is token i the marker that opens a call? */
static bool
opens_call(const struct local *L, int32_t i)
{
	return L->pieces[i].len == 11 && memcmp(L->piece_data + L->pieces[i].off, "<tool_call>", 11) == 0;
}

/* Mark (or, with `and`, keep marked) the tokens that keep the reply a
 * copy of the conversation (local-copy.c); returns how many.  Control
 * tokens are not text: the markers (<tool_call> ...) and the end pass,
 * the rest (a small model lost in a copy writes <|im_start|>) never; in
 * an answer, of the markers only the one that opens a call, before any
 * prose (local_reply_has_prose: a lost model opened a write in the
 * middle of a list) and so outside a fenced block (it writes
 * "</tool_call>" in a file's text); and the end only where the answer may end (its last word whole, its
 * last item a name, its last fenced line a result's).  In an answer's
 * prose, no token that writes a text twice in a row (local_copy_repeats:
 * a lost model loops), but in a list item the list rule holds to an
 * entry ("- src/local.c" after "- src/local-chat.c" repeats ".c\n- src/local").  A list copied from a result goes on with its
 * next entry, whole, until the last (local_copy_list_items, _goes_on),
 * and lists no item twice (local_copy_item_again): a model trained on
 * lists of 1 to 4 lost its place in longer ones. */
static size_t
copy_mask(struct gen *G, bool and)
{
	struct local *L = G->L;
	const struct llm_vocab *v = llm_model_vocab(L->m);
	int32_t n = llm_vocab_size(v), i;
	size_t count = 0;
	struct local_copy_tail at;
	char items[LOCAL_LIST_MAX][LOCAL_FOLLOW_LEN + 1];
	size_t nitems = 0, ls = 0;
	const char *r = buf_str(&G->reply);
	bool prose, list, goes_on = false, first = false, done = false;

	local_copy_at(buf_str(&G->reply), G->reply.len, &at);
	G->copy.answer = G->sp.mode == SM_TEXT;
	list = G->copy.answer && G->copy.words && !at.fence;
	if (list) {
		nitems = local_copy_list_items(&G->copy, r, G->reply.len, &ls, items, &first);
		goes_on = local_copy_list_goes_on(&G->copy, r, G->reply.len);
		done = local_copy_list_done(&G->copy, r, G->reply.len);
	}
	prose = G->copy.answer && G->copy.words &&
		local_reply_has_prose(buf_str(&G->reply), G->reply.len);
	for (i = 0; i < n; i++) {
		bool ok = !and || L->mask[i];
		if (ok && llm_vocab_token_type(v, i) != LLM_TOK_CONTROL)
			ok = local_copy_ok_at(&G->copy, &at, L->piece_data + L->pieces[i].off,
					      L->pieces[i].len, llm_vocab_is_eog(v, i)) &&
			     !(G->copy.answer && G->copy.words && !at.fence && !nitems &&
			       local_copy_repeats(buf_str(&G->reply), G->reply.len,
						  L->piece_data + L->pieces[i].off, L->pieces[i].len));
		else if (ok && llm_vocab_is_eog(v, i)) /* the reply may end here */
			ok = local_copy_ok_at(&G->copy, &at, "", 0, true) && !goes_on;
		else if (ok) /* a marker; not "<|im_start|>" */
			ok = L->pieces[i].len > 0 &&
			     (!G->copy.answer || (opens_call(L, i) && !at.fence && !prose));
		if (ok && done && L->pieces[i].len && L->piece_data[L->pieces[i].off] == '-')
			ok = false; /* the list is done */
		if (ok && list && (llm_vocab_token_type(v, i) != LLM_TOK_CONTROL ||
				   llm_vocab_is_eog(v, i))) {
			bool end = llm_vocab_is_eog(v, i);
			const char *pc = end ? "" : L->piece_data + L->pieces[i].off;
			size_t pl = end ? 0 : L->pieces[i].len;
			ok = !local_copy_item_again(r, G->reply.len, pc, pl, end) &&
			     (!nitems || local_copy_item_fits(items, nitems, first, r + ls,
							      G->reply.len - ls, pc, pl, end));
		}
		L->mask[i] = ok;
		count += ok;
	}
	return count;
}

/* The rule for the string value st is inside. */
static enum local_arg
arg_kind(const struct tcg *g, const struct tcg_state *st)
{
	const char *tool = NULL, *a = tcg_string_arg(g, st, &tool);
	return local_arg_rule(tool, a);
}


/* Where the string value being written starts: after the reply's last
 * quote that no backslash escapes; NULL when there is none. */
static const char *
value_start(const struct gen *G)
{
	const char *r = buf_str(&G->reply), *q = NULL, *p;

	for (p = r; (p = memchr(p, '"', G->reply.len - (size_t)(p - r))) != NULL; p++) {
		size_t nb = 0;
		while (p - nb > r && p[-1 - (ptrdiff_t)nb] == '\\')
			nb++;
		if (nb % 2 == 0)
			q = p;
	}
	return q ? q + 1 : NULL;
}
/* Of the tokens marked, keep those that keep the argument being written
 * to its rule (local_arg_feed): a small model that is to write
 * "alpha.md" for 'Save "a list of ideas" as alpha.md' may begin
 * "ideas\nas", or go on past the quoted text in the content.  Returns
 * how many are left. */
static size_t
arg_mask(struct gen *G)
{
	struct local *L = G->L;
	int32_t n = llm_vocab_size(llm_model_vocab(L->m)), i;
	const char *r = buf_str(&G->reply), *q = NULL, *p;
	struct local_arg_run run = {0};
	enum local_arg in = arg_kind(G->g, &G->gs);
	size_t count = 0;

	local_copy_edit_from(&G->copy, buf_str(&G->reply), G->reply.len);

	if (in != LOCAL_ARG_NONE) {
		q = value_start(G);
		for (p = q ? q : r + G->reply.len; p < r + G->reply.len; p++)
			local_arg_feed(&G->copy, in, &run, *p);
	}
	for (i = 0; i < n; i++) {
		struct tcg_state t = G->gs;
		struct local_arg_run r2 = run;
		const char *pc = L->piece_data + L->pieces[i].off;
		uint32_t k, plen = L->pieces[i].len;
		enum local_arg cur = in;
		bool ok = true;

		if (!L->mask[i])
			continue;
		/* outside a value, only a quote can open one: nothing to feed */
		if (in == LOCAL_ARG_NONE && !memchr(pc, '"', plen)) {
			count++;
			continue;
		}
		for (k = 0; k < plen && ok; k++) {
			enum local_arg now;
			if (!tcg_feed(G->g, &t, pc + k, 1))
				break;
			now = arg_kind(G->g, &t);
			if (cur != LOCAL_ARG_NONE && now == cur)
				ok = local_arg_feed(&G->copy, cur, &r2, pc[k]);
			else if (cur != LOCAL_ARG_NONE)
				ok = local_arg_end(&G->copy, cur, &r2);
			else if (now != LOCAL_ARG_NONE)
				memset(&r2, 0, sizeof r2); /* a value opens */
			cur = now;
		}
		L->mask[i] = ok;
		count += ok;
	}
	return count;
}

/* Keep a copy going.  A small model knows it is copying a name, a
 * phrase or a list but loses its place in it, or stops at a short piece
 * ("the green l" for "the green light"); the conversation knows the
 * place.  The texts that would go on with the copy come from
 * local_copy_follow (within a run), else, at the start of a line, from
 * local_copy_next_line (the next item of a list) or local_copy_first_item
 * (its first).  Of those, the one whose best piece the model rates
 * highest is taken, and of its pieces the longest that the model rates
 * within FOLLOW_MARGIN of its best allowed token becomes the only one
 * allowed.  Chosen on validation tasks (seed 9002, 100 held-out tasks):
 * 17 passed without the rule, 22 with a margin of 3, 30 at 6, 31 at 8,
 * 29 at 12, 21 at 100; with a later checkpoint, 56 with follow alone, 58
 * with the next item, 60 with the first item and the best-rated text
 * first; a run is found from its last 3 bytes (64; 2 bytes: 60, 4: 60, 5:
 * 56).  CONCH_FOLLOW_MARGIN sets another margin (0: off) for such
 * measurements. */
#define FOLLOW_MARGIN 8.0f
/* The margin for an edit's new text after its old (local_copy_new_after).
 * Chosen on validation tasks (seeds 9002-9004, 9006, 9100, 9300, 870):
 * 4 more pass at 2, none lost; 2 more at 4 or 8; the hard rule (only a
 * field after the old text) passed 4 more but lost a trained phrasing,
 * "use hd instead of once". */
#define NEW_MARGIN 2.0f
#define FOLLOW_MAX 8

/* The longest allowed piece within `margin` of `best` that starts
 * cont[0..clen); with `rate`, the best logit of any such piece. */
static int32_t
piece_into(struct gen *G, const char *cont, size_t clen, float best, float margin,
	   float *rate)
{
	struct local *L = G->L;
	const struct llm_vocab *v = llm_model_vocab(L->m);
	int32_t n = llm_vocab_size(v), i, pick = -1;
	uint32_t plen_best = 0;

	*rate = -FLT_MAX;
	for (i = 0; i < n; i++) {
		const char *p = L->piece_data + L->pieces[i].off;
		uint32_t plen = L->pieces[i].len;
		if (!L->mask[i] || plen == 0 || plen > clen || G->logits[i] < best - margin ||
		    llm_vocab_token_type(v, i) == LLM_TOK_CONTROL || memcmp(cont, p, plen) != 0)
			continue;
		if (G->logits[i] > *rate)
			*rate = G->logits[i];
		if (plen > plen_best || (plen == plen_best && G->logits[i] > G->logits[pick])) {
			pick = i;
			plen_best = plen;
		}
	}
	return pick;
}

/* In an answer, where the model's best token begins a number with a
 * digit that no held number begins with, the held numbers, whatever the
 * model rates them: the numbers an answer gives are the conversation's,
 * and a model trained on lists of 1 to 4 counts no further ("Found 4 C
 * files" over eleven); the conversation holds each result's count of
 * entries (local_copy_numbers). */
static size_t
number_start(struct gen *G, char (*cont)[LOCAL_FOLLOW_LEN + 1])
{
	struct local *L = G->L;
	int32_t n = llm_vocab_size(llm_model_vocab(L->m)), i, b = -1;
	const char *r = buf_str(&G->reply), *pc;
	char key[3] = "\n";
	size_t pl, sp;

	if (!G->copy.entries)
		return 0;
	for (i = 0; i < n; i++)
		if (L->mask[i] && (b < 0 || G->logits[i] > G->logits[b]))
			b = i;
	if (b < 0)
		return 0;
	pc = L->piece_data + L->pieces[b].off;
	pl = L->pieces[b].len;
	sp = pl && pc[0] == ' ';
	if (pl <= sp || !isdigit((unsigned char)pc[sp]) ||
	    (!sp && G->reply.len && (isalnum((unsigned char)r[G->reply.len - 1]) ||
				     strchr("_.", r[G->reply.len - 1]))))
		return 0; /* no number, or inside a word or a number */
	key[1] = pc[sp];
	if (str_find(buf_str(&G->copy.nums), G->copy.nums.len, key, 2))
		return 0;
	return local_copy_numbers(&G->copy, sp ? " " : "", cont, FOLLOW_MAX);
}

/* Does the command being written begin its file operands here, or
 * (*blank) after a blank? */
static bool
first_file(struct gen *G, bool *blank)
{
	const char *r = buf_str(&G->reply), *q = value_start(G), *p;
	struct local_arg_run run = {0};

	if (!q)
		return false;
	for (p = q; p < r + G->reply.len; p++)
		if (!local_arg_feed(&G->copy, LOCAL_ARG_CMD, &run, *p))
			return false;
	if (local_arg_first_file(&run))
		return *blank = false, true;
	/* or after the blank that the next piece may begin with */
	*blank = true;
	return run.n > 0 && local_arg_feed(&G->copy, LOCAL_ARG_CMD, &run, ' ') &&
	       local_arg_first_file(&run);
}

static void
follow_copy(struct gen *G)
{
	struct local *L = G->L;
	const struct llm_vocab *v = llm_model_vocab(L->m);
	char cont[FOLLOW_MAX][LOCAL_FOLLOW_LEN + 1];
	size_t nc, j;
	int32_t n = llm_vocab_size(v), i, pick = -1;
	float best = -FLT_MAX, margin = FOLLOW_MARGIN, rate_best = -FLT_MAX;
	const char *e = getenv("CONCH_FOLLOW_MARGIN");
	bool blank;

	nc = 0;
	if (e)
		margin = strtof(e, NULL);
	/* a command's operands that copy a result's entries go on to its
	 * last, as a list does (a lost model ended "wc -l a b" early, or
	 * went on with "*.yml *.yml"): whatever the model rates them */
	if (G->g_on && arg_kind(G->g, &G->gs) == LOCAL_ARG_CMD &&
	    (nc = local_copy_next_operand(&G->copy, buf_str(&G->reply), G->reply.len, cont)) > 0)
		margin = FLT_MAX;
	if (nc == 0 && G->g_on)
		nc = local_copy_range_limit(&G->copy, buf_str(&G->reply), G->reply.len, cont);
	/* an edit's new text: where the model all but ties, a field after
	 * the old text (a soft prior: "use hd instead of once" keeps "hd") */
	if (nc == 0 && G->g_on && arg_kind(G->g, &G->gs) == LOCAL_ARG_NEW && G->reply.len &&
	    buf_str(&G->reply)[G->reply.len - 1] == '"' &&
	    (nc = local_copy_new_after(&G->copy, cont, FOLLOW_MAX)) > 0)
		margin = NEW_MARGIN;
	/* and begin with its first, where the model rates that within the
	 * margin (a flag may come first: "wc -l") */
	if (nc == 0 && G->g_on && arg_kind(G->g, &G->gs) == LOCAL_ARG_CMD &&
	    first_file(G, &blank) && (nc = local_copy_first_entry(&G->copy, cont)) > 0 && blank) {
		memmove(cont[0] + 1, cont[0], LOCAL_FOLLOW_LEN);
		cont[0][0] = ' ';
		cont[0][LOCAL_FOLLOW_LEN] = '\0';
	}
	if (nc == 0 && G->g_on && (arg_kind(G->g, &G->gs) == LOCAL_ARG_CMD ||
				   arg_kind(G->g, &G->gs) == LOCAL_ARG_GLOB))
		nc = local_copy_ext_next(&G->copy, buf_str(&G->reply), G->reply.len, cont,
					 FOLLOW_MAX);
	if (nc == 0 && G->sp.mode == SM_TEXT &&
	    (nc = local_copy_fence_next(&G->copy, buf_str(&G->reply), G->reply.len, cont)) > 0)
		margin = FLT_MAX;
	if (nc == 0 && G->sp.mode == SM_TEXT && (nc = number_start(G, cont)) > 0)
		margin = FLT_MAX;
	/* an answer's `...` quotes a command a call ran, whole */
	if (nc == 0 && G->sp.mode == SM_TEXT &&
	    (nc = local_copy_code_span(&G->copy, buf_str(&G->reply), G->reply.len, cont,
				       FOLLOW_MAX)) > 0)
		margin = FLT_MAX;
	if (nc == 0)
		nc = local_copy_follow(&G->copy, buf_str(&G->reply), G->reply.len, cont,
				       FOLLOW_MAX);
	if (nc == 0)
		nc = local_copy_next_line(&G->copy, buf_str(&G->reply), G->reply.len, cont,
					  FOLLOW_MAX);
	if (nc == 0)
		nc = local_copy_first_item(&G->copy, buf_str(&G->reply), G->reply.len, cont,
					   FOLLOW_MAX);
	if (nc == 0 || margin <= 0)
		return;
	for (i = 0; i < n; i++)
		if (L->mask[i] && G->logits[i] > best)
			best = G->logits[i];
	/* the continuation the model rates best, then its longest piece */
	for (j = 0; j < nc; j++) {
		float rate;
		int32_t k = piece_into(G, cont[j], strlen(cont[j]), best, margin, &rate);
		if (k >= 0 && rate > rate_best) {
			rate_best = rate;
			pick = k;
		}
	}
	if (pick >= 0) {
		memset(L->mask, 0, (size_t)n);
		L->mask[pick] = 1;
	}
}

/* Append token `tok` to the reply: text, splitter, grammar. */
static void
gen_accept(struct gen *G, int32_t tok)
{
	struct buf piece = BUF_INIT, clean = BUF_INIT;
	const struct llm_vocab *v = llm_model_vocab(G->L->m);
	enum smode before = G->sp.mode;
	size_t at = G->reply.len;

	token_bytes(v, tok, &piece);
	llm_utf8_stream_push(&G->u8, buf_str(&piece), piece.len, &clean);
	buf_add(&G->reply, buf_str(&clean), clean.len);
	buf_add(&G->sp.pend, buf_str(&clean), clean.len);
	split_run(&G->sp, false);
	llm_sampler_accept(&G->s, tok);
	if (G->g_on) {
		if (!tcg_feed(G->g, &G->gs, buf_str(&piece), piece.len))
			G->g_on = false;
		else if (tcg_done(&G->gs)) {
			G->g_on = false;
			G->close_call = !G->sp.llama3;
		}
	} else if (G->g && before != SM_TOOL && G->sp.mode == SM_TOOL && !G->sp.llama3) {
		/* the model just opened a tool call: constrain what follows the
		 * marker (the part of this token after it is fed already) */
		const char *r = buf_str(&G->reply);
		const char *mk = NULL, *p;
		for (p = r + (at > 11 ? at - 11 : 0); (p = strstr(p, "<tool_call>")) != NULL; p++)
			mk = p;
		tcg_start(G->g, &G->gs);
		G->g_on = true;
		G->g_used = true;
		if (mk && !tcg_feed(G->g, &G->gs, mk + 11, G->reply.len - (size_t)(mk + 11 - r)))
			G->g_on = false;
		if (G->g_on && tcg_done(&G->gs))
			G->g_on = false;
	}
	buf_free(&piece);
	buf_free(&clean);
}

/* A request the model reads as beyond its reach gets the refusal, whole
 * (it is the only answer it gives before any call).  A small model
 * falls back on it for a phrasing it never saw ("Make a note that ...")
 * though a call is a close second; a request truly beyond it ("Explain
 * recursion to me.") puts the refusal far ahead.  So the first token of
 * the reply to the user's words opens a call where the model rates that
 * within CALL_MARGIN of its best token.  Measured on held-out-pool tasks
 * (validation seeds, never the evaluation's): the refusals that failed
 * led by 0.0 to 7.6, those that passed by 5.4 to 15.6; 200 refusals
 * (seed 9501) all hold up to a margin of 5.25, 197 at 5.5, 196 at 6,
 * and a forced call there saves the request to memory.  At 4.5, 0.75
 * below the closest refusal: 150 memory tasks (seed 9503) 107 -> 137,
 * seeds 9002/9003/9006 94 -> 95, 136 -> 138, 185 -> 188, the rest the
 * same.  CONCH_CALL_MARGIN sets another margin (0: off). */
#define CALL_MARGIN 4.5f

static bool
call_first(struct gen *G)
{
	struct local *L = G->L;
	int32_t n = llm_vocab_size(llm_model_vocab(L->m)), i, c = -1;
	float best = -FLT_MAX, margin = CALL_MARGIN;
	const char *e = getenv("CONCH_CALL_MARGIN");

	if (e)
		margin = strtof(e, NULL);
	if (margin <= 0)
		return false;
	for (i = 0; i < n; i++) {
		if (G->logits[i] > best)
			best = G->logits[i];
		if (opens_call(L, i))
			c = i;
	}
	if (c < 0 || G->logits[c] < best - margin)
		return false;
	memset(L->mask, 0, (size_t)n);
	L->mask[c] = 1;
	return true;
}

/* After a list copied from a result is done (local_copy_list_done), at
 * a line's start, the answer ends where the model rates that within
 * FOLLOW_MARGIN of its best: a lost model went on after a listing with
 * words of ls's note ("[1 ignored entries hidden]"). */
static void
end_after_list(struct gen *G)
{
	struct local *L = G->L;
	const struct llm_vocab *v = llm_model_vocab(L->m);
	int32_t n = llm_vocab_size(v), i, eog = -1;
	float best = -FLT_MAX;
	const char *r = buf_str(&G->reply);

	if (!G->reply.len || r[G->reply.len - 1] != '\n' ||
	    !local_copy_list_done(&G->copy, r, G->reply.len))
		return;
	for (i = 0; i < n; i++) {
		if (!L->mask[i])
			continue;
		if (G->logits[i] > best)
			best = G->logits[i];
		if (llm_vocab_is_eog(v, i) && (eog < 0 || G->logits[i] > G->logits[eog]))
			eog = i;
	}
	if (eog < 0 || G->logits[eog] < best - FOLLOW_MARGIN)
		return;
	memset(L->mask, 0, (size_t)n);
	L->mask[eog] = 1;
}

static int32_t
gen_pick(struct gen *G)
{
	const struct llm_vocab *v = llm_model_vocab(G->L->m);
	int32_t n = llm_vocab_size(v), tok;

	if (G->g_on) {
		if (grammar_mask(G->L, G->g, &G->gs) == 0) {
			G->g_on = false;
		} else {
			/* copying applies inside calls too, unless nothing
			 * the grammar allows is a copy */
			if (G->copy_on) {
				memcpy(G->L->keep, G->L->mask, (size_t)n);
				if (G->copy.words && arg_mask(G) == 0)
					memcpy(G->L->mask, G->L->keep, (size_t)n);
				memcpy(G->L->keep, G->L->mask, (size_t)n);
				if (copy_mask(G, true) == 0)
					memcpy(G->L->mask, G->L->keep, (size_t)n);
				follow_copy(G);
			}
			return llm_sample(&G->s, G->logits, n, G->L->mask);
		}
	}
	if (G->asked && G->reply.len == 0 && G->g && !G->g_used && !G->sp.llama3 &&
	    call_first(G))
		return llm_sample(&G->s, G->logits, n, G->L->mask);
	if (G->copy_on && G->sp.mode == SM_TEXT && copy_mask(G, false) > 0) {
		follow_copy(G);
		end_after_list(G);
		return llm_sample(&G->s, G->logits, n, G->L->mask);
	}
	tok = llm_sample(&G->s, G->logits, n, NULL);
	/* Llama 3 style: a reply that opens with '{' is a tool call, so pick
	 * that first token under the grammar */
	if (G->g && G->sp.llama3 && G->reply.len == 0 && !G->g_used) {
		uint32_t len = G->L->pieces[tok].len;
		const char *p = G->L->piece_data + G->L->pieces[tok].off;
		while (len > 0 && (*p == ' ' || *p == '\n'))
			p++, len--;
		if (len > 0 && *p == '{') {
			tcg_start(G->g, &G->gs);
			G->g_on = G->g_used = true;
			if (grammar_mask(G->L, G->g, &G->gs) > 0)
				tok = llm_sample(&G->s, G->logits, n, G->L->mask);
		}
	}
	return tok;
}

/* Evaluate the forced text `s` as if the model had written it. */
static enum cerr
gen_force(struct gen *G, const char *s)
{
	struct llm_tokens t = { 0 };
	size_t i;
	enum cerr e = C_OK;
	llm_tokenize(llm_model_vocab(G->L->m), s, strlen(s), false, true, &t);
	for (i = 0; i < t.n && e == C_OK; i++) {
		gen_accept(G, t.ids[i]);
		e = llm_eval(G->L->c, &t.ids[i], 1, &G->logits);
		G->n_out++;
	}
	llm_tokens_free(&t);
	return e;
}

static enum cerr
prefill(struct local *L, const struct provider_request *req, struct llm_tokens *t,
	uint32_t *reused, float **logits, struct provider_error *err)
{
	const struct llm_vocab *v = llm_model_vocab(L->m);
	struct buf text = BUF_INIT;
	struct llm_spans spans = { 0 };
	uint32_t keep, n_ctx = llm_ctx_size(L->c);
	int compact;
	enum cerr e = C_OK;

	for (compact = 0; compact < 2; compact++) {
		buf_reset(&text);
		spans.n = 0;
		t->n = 0;
		e = local_render(L->fam, L->own_system ? L->own_system : req->system, req->conv,
				 req->tools, L->own_system ? 0 : req->ntools, compact == 1, &text,
				 &spans);
		if (e != C_OK) {
			e = provider_fail(err, C_ERR_BADREQ, "local: cannot render the conversation");
			goto out;
		}
		llm_tokenize_marked(v, buf_str(&text), text.len, llm_vocab_add_bos(v), spans.v,
				    spans.n, t);
		if (L->own_system) /* names that are its own words */
			local_split_own_words(v, L->free_words, L->nfree, buf_str(&text), text.len, t);
		if (t->n + 16 <= n_ctx)
			break;
	}
	if (t->n + 16 > n_ctx) {
		e = provider_fail(err, C_ERR_CONTEXT,
				  "local: the prompt has %zu tokens and the context %u: the window is "
				  "full%s", t->n, n_ctx,
				  L->own_system ? " (too long for the built-in model: ask about a "
						  "smaller part, such as one directory or a line "
						  "range, start a new session, or set "
						  "ANTHROPIC_API_KEY or OPENAI_API_KEY to use a real "
						  "provider)" : "");
		goto out;
	}
	keep = llm_ctx_common_prefix(L->c, t->ids, t->n);
	if (keep == t->n)
		keep--;
	llm_ctx_truncate(L->c, keep);
	*reused = keep;
	e = llm_eval(L->c, t->ids + keep, t->n - keep, logits);
	if (e == C_ERR_CANCELLED)
		e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
	else if (e != C_OK)
		e = provider_fail(err, C_ERR_PROVIDER, "local: evaluating the prompt failed: %s",
				  cerr_str(e));
out:
	buf_free(&text);
	llm_spans_free(&spans);
	return e;
}

/* Is the conversation's last message the user's words (no tool result)? */
static bool
asks(const struct conv *c)
{
	const struct conv_msg *m;
	size_t j;
	bool text = false;

	if (!c || c->n == 0)
		return false;
	m = &c->msgs[c->n - 1];
	if (m->role != CONV_USER)
		return false;
	for (j = 0; j < m->nblocks; j++) {
		if (m->blocks[j].type == BLK_TOOL_RESULT)
			return false;
		text |= m->blocks[j].type == BLK_TEXT;
	}
	return text;
}

static enum cerr
local_chat(struct provider *p, const struct provider_request *req,
	   const struct provider_events *ev, struct conv_msg *out,
	   struct provider_error *err)
{
	struct local *L = (struct local *)p;
	const struct llm_vocab *v = llm_model_vocab(L->m);
	struct llm_tokens t = { 0 };
	struct gen G;
	uint32_t reused = 0;
	long max_tok = req->max_tokens > 0 ? req->max_tokens : L->max_tokens;
	size_t calls, i;
	enum conv_stop stop = STOP_END;
	enum cerr e;
	struct buf tail = BUF_INIT, failed = BUF_INIT;

	conv_msg_init(out, CONV_ASSISTANT);
	memset(&G, 0, sizeof G);
	G.L = L;
	G.ev = ev;
	G.sp.ev = ev;
	G.sp.llama3 = local_tool_style(L->fam) == LOCAL_TOOLS_LLAMA3;
	llm_utf8_stream_init(&G.u8);
	llm_ctx_set_abort(L->c, abort_cb, (void *)ev);
	if (want_cancel(ev)) {
		e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
		goto out;
	}
	/* after a failed call the model may try another; what it answers
	 * instead is held back, and the failure said plainly in its place */
	if (L->own_system && local_failed_calls(req->conv, &failed))
		G.sp.ev = NULL;
	e = prefill(L, req, &t, &reused, &G.logits, err);
	if (e != C_OK)
		goto out;
	llm_sampler_init(&G.s, &L->sp);
	for (i = t.n > 64 ? t.n - 64 : 0; i < t.n; i++)
		llm_sampler_accept(&G.s, t.ids[i]);
	if (L->own_system) {
		local_copy_init(&G.copy, req->conv, L->free_words, L->nfree);
		local_copy_fields(&G.copy, L->free_fields, L->nfields);
		local_copy_where(&G.copy, req->cwd);
		G.copy_on = G.copy.nums.len || G.copy.words;
		G.asked = asks(req->conv);
		if (G.copy_on)
			build_pieces(L);
	}
	if (req->ntools > 0) {
		build_pieces(L);
		G.g = tcg_new(req->tools, req->ntools, G.sp.llama3 ? "parameters" : "arguments");
		if (req->tool_required) {
			tcg_start(G.g, &G.gs);
			G.g_used = true;
			if (!G.sp.llama3 && gen_force(&G, "<tool_call>\n") != C_OK) {
				e = provider_fail(err, C_ERR_PROVIDER, "local: evaluation failed");
				goto out;
			}
			tcg_start(G.g, &G.gs);
			G.g_on = true;
		}
	}
	for (;;) {
		int32_t tok;
		if (want_cancel(ev)) {
			e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
			goto out;
		}
		if (G.n_out >= max_tok || llm_ctx_pos(L->c) >= llm_ctx_size(L->c)) {
			stop = STOP_LENGTH;
			break;
		}
		tok = gen_pick(&G);
		if (tok < 0 || llm_vocab_is_eog(v, tok))
			break;
		gen_accept(&G, tok);
		G.n_out++;
		e = llm_eval(L->c, &tok, 1, &G.logits);
		if (e == C_ERR_CANCELLED) {
			e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
			goto out;
		}
		if (e == C_OK && G.close_call) {
			/* the grammar saw the call complete: close it as the
			 * family does */
			G.close_call = false;
			e = gen_force(&G, "\n</tool_call>");
			if (e == C_ERR_CANCELLED) {
				e = provider_fail(err, C_ERR_CANCELLED, "cancelled");
				goto out;
			}
		}
		if (e != C_OK) {
			e = provider_fail(err, C_ERR_PROVIDER, "local: evaluation failed: %s",
					  cerr_str(e));
			goto out;
		}
	}
	llm_utf8_stream_flush(&G.u8, &tail);
	buf_add(&G.reply, buf_str(&tail), tail.len);
	buf_add(&G.sp.pend, buf_str(&tail), tail.len);
	split_run(&G.sp, true);
	calls = local_parse_reply(L->fam, buf_str(&G.reply), G.reply.len, out, &L->next_id);
	if (calls && L->own_system && G.copy.words) {
		local_drop_ungrounded(&G.copy, out);
		calls = conv_msg_tool_calls(out);
	}
	if (calls && L->own_system)
		local_complete_edits(req->cwd, out);
	if (failed.len && !calls) {
		conv_msg_free(out);
		conv_msg_init(out, CONV_ASSISTANT);
		conv_msg_add_text(out, buf_str(&failed));
		if (ev && ev->text)
			ev->text(ev->ud, buf_str(&failed), failed.len);
	}
	if (G.sp.llama3 && G.sp.mode == SM_TOOL && calls == 0 && ev && ev->text) {
		/* held back as a possible call, but it was only text */
		char *txt = conv_msg_text(out);
		ev->text(ev->ud, txt, strlen(txt));
		free(txt);
	}
	out->stop = calls ? STOP_TOOL_USE : stop;
	out->usage.known = true;
	out->usage.input = (long)t.n;
	out->usage.cache_read = (long)reused;
	out->usage.output = G.n_out;
	e = C_OK;
out:
	llm_ctx_set_abort(L->c, NULL, NULL);
	llm_sampler_free(&G.s);
	tcg_free(G.g);
	buf_free(&G.reply);
	buf_free(&G.sp.pend);
	local_copy_free(&G.copy);
	buf_free(&tail);
	buf_free(&failed);
	llm_tokens_free(&t);
	return e;
}

static void
free_words(struct local *L)
{
	strv_free(L->free_words, L->nfree);
	strv_free(L->free_fields, L->nfields);
}

/* The GGUF's list `key` of strings, sorted, into *v (none: NULL). */
static void
own_list(struct local *L, const char *key, char ***v, size_t *n)
{
	const struct gguf_value *fw = gguf_get_arr(llm_model_gguf(L->m), key, GGUF_STRING);
	uint64_t k;
	if (!fw || !fw->n)
		return;
	*v = xcalloc(fw->n, sizeof **v);
	for (k = 0; k < fw->n; k++)
		(*v)[k] = xstrndup(fw->strs[k].p, fw->strs[k].n);
	*n = fw->n;
	local_copy_sort(*v, *n);
}

static void
local_destroy(struct provider *p)
{
	struct local *L = (struct local *)p;
	llm_ctx_free(L->c);
	llm_model_free(L->m);
	free(L->pieces);
	free(L->piece_data);
	free(L->mask);
	free(L->keep);
	free(L->own_system);
	free_words(L);
	free(L);
}

/* A number from the config, if it is one float can hold. */
static void
cfg_float(const cJSON *o, const char *key, float *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsNumber(it) && it->valuedouble <= FLT_MAX && it->valuedouble >= -FLT_MAX)
		*out = (float)it->valuedouble;
}

static bool
cfg_has(const cJSON *cfg, const char *key)
{
	const cJSON *lc = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "local") : NULL;
	return cJSON_IsObject(lc) && cJSON_GetObjectItemCaseSensitive(lc, key);
}

static void
read_cfg(struct local *L, const cJSON *cfg, long *n_ctx, const char **tmpl)
{
	const cJSON *lc = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "local") : NULL;
	llm_sampler_defaults(&L->sp);
	L->sp.temp = 0.7f;
	L->max_tokens = DEFAULT_MAX_TOKENS;
	*n_ctx = 0;
	*tmpl = NULL;
	if (!cJSON_IsObject(lc))
		return;
	*n_ctx = jx_long(lc, "ctx", 0);
	L->threads = (int)jx_long(lc, "threads", 0);
	L->max_tokens = (int)jx_long(lc, "max_tokens", DEFAULT_MAX_TOKENS);
	L->sp.top_k = (int32_t)jx_long(lc, "top_k", L->sp.top_k);
	L->sp.seed = (uint64_t)jx_long(lc, "seed", (long)L->sp.seed);
	cfg_float(lc, "temperature", &L->sp.temp);
	cfg_float(lc, "top_p", &L->sp.top_p);
	cfg_float(lc, "min_p", &L->sp.min_p);
	cfg_float(lc, "repeat_penalty", &L->sp.repeat_penalty);
	*tmpl = jx_str(lc, "template");
}

/* The bundled model: $CONCH_PKGDATADIR/models/ when that is set, else the
 * installed data directory, else the source tree (so a fresh build runs
 * it before `make install`).  NULL when none is there. */
char *
local_bundled_path(void)
{
	const char *env = getenv("CONCH_PKGDATADIR");
	const char *dirs[2] = { CONCH_PKGDATADIR, CONCH_SRCDIR };
	size_t i;
	char *p;

	if (env && *env) {
		p = xasprintf("%s/models/%s", env, LOCAL_BUNDLED_FILE);
		if (fs_exists(p))
			return p;
		free(p);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		p = xasprintf("%s/models/%s", dirs[i], LOCAL_BUNDLED_FILE);
		if (fs_exists(p))
			return p;
		free(p);
	}
	return NULL;
}

/* "local/NAME" where NAME is a key of providers.local.models names the
 * file there; "local/default" is otherwise the bundled model; anything
 * else is a path.  NULL (err filled) when the bundled model is missing. */
static char *
model_path(const cJSON *cfg, const char *name, struct provider_error *err)
{
	const cJSON *lc = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "local") : NULL;
	const cJSON *models = lc ? cJSON_GetObjectItemCaseSensitive(lc, "models") : NULL;
	const char *p = jx_str(models, name);
	char *b;
	if (p && *p)
		return xstrdup(p);
	if (strcmp(name, "default") != 0)
		return xstrdup(name);
	b = local_bundled_path();
	if (!b)
		provider_fail(err, C_ERR_BADREQ,
			      "local: the built-in model (models/%s) is not installed here; "
			      "run `make install`, or set CONCH_PKGDATADIR to the directory "
			      "that holds models/", LOCAL_BUNDLED_FILE);
	return b;
}

struct provider *
provider_local_open(const char *path, const cJSON *cfg, struct provider_error *err)
{
	struct local *L;
	struct buf e = BUF_INIT;
	long n_ctx;
	const char *force;
	char *tmpl, *file = NULL;

	memset(err, 0, sizeof *err);
	err->retry_after_ms = -1;
	L = xcalloc(1, sizeof(*L));
	read_cfg(L, cfg, &n_ctx, &force);
	if (n_ctx < 0 || n_ctx > (1L << 24)) {
		provider_fail(err, C_ERR_BADREQ, "local: bad \"ctx\" %ld", n_ctx);
		goto fail;
	}
	file = model_path(cfg, path, err);
	if (!file)
		goto fail;
	L->m = llm_model_load(file, &e);
	if (!L->m) {
		provider_fail(err, C_ERR_BADREQ, "local: %s", buf_str(&e));
		goto fail;
	}
	L->own_system = gguf_get_strdup(llm_model_gguf(L->m), "conch.system_prompt");
	if (L->own_system) {
		own_list(L, "conch.free_words", &L->free_words, &L->nfree);
		if (L->nfree)
			own_list(L, "conch.free_fields", &L->free_fields, &L->nfields);
	}
	if (L->own_system && !cfg_has(cfg, "temperature"))
		L->sp.temp = 0.0f; /* trained for conch: greedy unless configured */
	if (L->own_system && !cfg_has(cfg, "max_tokens"))
		L->max_tokens = OWN_MAX_TOKENS; /* its answers are short */
	tmpl = gguf_get_strdup(llm_model_gguf(L->m), "tokenizer.chat_template");
	L->fam = force ? llm_tmpl_from_name(force) : llm_tmpl_detect(tmpl);
	free(tmpl);
	if (L->fam == LLM_TMPL_NONE && force) {
		provider_fail(err, C_ERR_BADREQ,
			      "local: providers.local.template \"%s\" is not a chat "
			      "template conch knows: use one of chatml, llama3, "
			      "mistral, gemma, phi3", force);
		goto fail;
	}
	if (L->fam == LLM_TMPL_NONE) {
		char *name = gguf_get_strdup(llm_model_gguf(L->m), "general.name");
		provider_fail(err, C_ERR_BADREQ,
			      "local: model '%s' (%s) has no chat template conch knows; "
			      "set providers.local.template to one of chatml, llama3, "
			      "mistral, gemma, phi3", name ? name : "?", file);
		free(name);
		goto fail;
	}
	L->c = llm_ctx_new(L->m, (uint32_t)n_ctx, &e);
	if (!L->c) {
		provider_fail(err, C_ERR_BADREQ, "local: %s", buf_str(&e));
		goto fail;
	}
	if (L->threads > 0)
		llm_ctx_set_threads(L->c, L->threads);
	L->base.name = "local";
	L->base.chat = local_chat;
	L->base.destroy = local_destroy;
	L->base.priv = L;
	provider_set_model(&L->base, path);
	buf_free(&e);
	free(file);
	return &L->base;
fail:
	buf_free(&e);
	free(file);
	free(L->own_system);
	free_words(L);
	if (L->c)
		llm_ctx_free(L->c);
	llm_model_free(L->m);
	free(L);
	return NULL;
}
