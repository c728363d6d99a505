/* local.c: the built-in runtime as a provider.  See local.h. */
#include <float.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"
#include "provider/local-gen-int.h"
#include "provider/local-grammar.h"
#include "provider/local.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define DEFAULT_MAX_TOKENS 1024
#define OWN_MAX_TOKENS 384

/* ------------------------------------------------------------- streaming */

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
				if (G->copy.words && local_steer_args(G) == 0)
					memcpy(G->L->mask, G->L->keep, (size_t)n);
				memcpy(G->L->keep, G->L->mask, (size_t)n);
				if (local_steer_copy(G, true) == 0)
					memcpy(G->L->mask, G->L->keep, (size_t)n);
				local_steer_follow(G);
			}
			return llm_sample(&G->s, G->logits, n, G->L->mask);
		}
	}
	if (G->asked && G->reply.len == 0 && G->g && !G->g_used && !G->sp.llama3 &&
	    local_steer_call_first(G))
		return llm_sample(&G->s, G->logits, n, G->L->mask);
	if (G->copy_on && G->sp.mode == SM_TEXT && local_steer_copy(G, false) > 0) {
		local_steer_follow(G);
		local_steer_end_list(G);
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
