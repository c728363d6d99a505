/* compact.c: keep a long session inside the model's window.  First a
 * silent turn lets the model save durable facts with the memory tool
 * (prompts/memory-flush.md), then a summary turn (prompts/compact.md)
 * replaces the older messages.  The newest turns are kept whole and a cut
 * is only made before an assistant message that follows a user message,
 * so a tool call and its result always stay together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent-int.h"
#include "agent/mind.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xalloc.h"

#define FLUSH_ROUNDS 3
#define VERBATIM_MAX 2000
#define SUMMARY_HEAD "[Summary of the earlier conversation, compacted]\n"

extern const struct tool tool_memory;

static const cJSON *
cfg_compaction(const struct agent *a)
{
	return cJSON_GetObjectItemCaseSensitive(a->o.config, "compaction");
}

static void
notice(const struct agent_events *ev, const char *msg)
{
	if (ev && ev->notice)
		ev->notice(ev->ud, msg);
	else
		log_info("%s", msg);
}

/* Can the conversation be cut before message i? */
static bool
cut_ok(const struct conv *c, size_t i)
{
	return i >= 1 && i < c->n && c->msgs[i].role == CONV_ASSISTANT &&
	       c->msgs[i - 1].role == CONV_USER;
}

/* The cut keeping `keep` assistant turns whole, or the earliest possible
 * one when there are fewer; 0 when none. */
static size_t
choose_cut(const struct conv *c, long keep)
{
	size_t i, cut = 0;
	long seen = 0;
	if (keep < 1)
		keep = 1;
	for (i = c->n; i-- > 1;) {
		if (!cut_ok(c, i))
			continue;
		cut = i;
		if (++seen >= keep)
			break;
	}
	return cut;
}

static size_t
msgs_chars(const struct conv *c, size_t from, size_t to)
{
	size_t n = 0, i, j;
	for (i = from; i < to; i++)
		for (j = 0; j < c->msgs[i].nblocks; j++)
			n += (c->msgs[i].blocks[j].text ? strlen(c->msgs[i].blocks[j].text) : 0) +
			     (c->msgs[i].blocks[j].args ? strlen(c->msgs[i].blocks[j].args) : 0);
	return n;
}

/* The silent pre-compaction turn: only the memory tool is offered; its
 * calls go through the tool-call path (the policy judges them; no one is
 * asked); nothing of it stays in the context. */
static void
memory_flush(struct agent *a, const struct agent_events *ev)
{
	struct conv tmp;
	struct conv_tool_spec spec = { tool_memory.name, tool_memory.description,
				       tool_memory.schema, tool_schema(&tool_memory) };
	struct tool_ctx ctx;
	char *prompt = agent_prompt_text("memory-flush.md");
	cJSON *rec;
	int round, saved = 0;
	size_t i;

	(void)ev;
	agent_tool_ctx(a, NULL, &ctx);
	conv_init(&tmp);
	for (i = 0; i < a->conv.n; i++) {
		struct conv_msg cp;
		conv_msg_copy(&cp, &a->conv.msgs[i]);
		conv_push(&tmp, &cp);
	}
	conv_msg_add_text(conv_add(&tmp, CONV_USER), prompt ? prompt :
		"The conversation is about to be compacted. Save any durable fact, "
		"preference or lesson worth keeping with the memory tool now; then "
		"answer DONE.");
	for (round = 0; round < FLUSH_ROUNDS; round++) {
		struct provider_request req = {
			.system = a->system, .conv = &tmp, .tools = &spec, .ntools = 1,
			.max_tokens = a->o.max_tokens,
		};
		struct provider_error perr;
		struct provider_events pev;
		struct conv_msg msg, results;
		memset(&perr, 0, sizeof perr);
		mind_events(a, &pev);
		if (chain_chat(a->o.chain, &req, &pev, &msg, &perr)) {
			conv_msg_free(&msg);
			break;
		}
		if (msg.usage.known)
			conv_usage_add(&a->usage, &msg.usage);
		if (conv_msg_tool_calls(&msg) == 0) {
			conv_msg_free(&msg);
			break;
		}
		conv_msg_init(&results, CONV_USER);
		for (i = 0; i < msg.nblocks; i++) {
			const struct conv_block *b = &msg.blocks[i];
			struct buf out = BUF_INIT;
			bool bad = true;
			if (b->type != BLK_TOOL_CALL)
				continue;
			if (!b->name || strcmp(b->name, tool_memory.name) != 0)
				buf_adds(&out, "only the memory tool is available now");
			else
				tool_call_parsed(&ctx, b->name, b->args_json, b->args,
						 &out, &bad);
			saved += !bad;
			conv_msg_add_tool_result(&results, b->id, buf_str(&out), bad);
			buf_free(&out);
		}
		conv_push(&tmp, &msg);
		conv_push(&tmp, &results);
		conv_msg_free(&msg);
		conv_msg_free(&results);
	}
	rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "saved", saved);
	session_append(a->session, "memory_flush", rec);
	conv_free(&tmp);
	free(prompt);
}

/* Fill {{focus}} in the compact prompt. */
static char *
compact_system(const char *focus)
{
	char *tpl = agent_prompt_text("compact.md");
	struct buf o = BUF_INIT;
	const char *p, *f = focus && *focus ? focus : "the task in progress";
	if (!tpl)
		tpl = xstrdup("Summarise the conversation below so that the work "
			      "can go on from the summary alone: the user's goals, "
			      "decisions, files touched, what was done, what is "
			      "left. Focus: {{focus}}.");
	for (p = tpl; *p;) {
		const char *m = strstr(p, "{{focus}}");
		if (!m) {
			buf_adds(&o, p);
			break;
		}
		buf_add(&o, p, (size_t)(m - p));
		buf_adds(&o, f);
		p = m + 9;
	}
	free(tpl);
	return buf_steal(&o);
}

/* The last user text before `cut`, verbatim (capped); NULL if none. */
static char *
latest_request(const struct conv *c, size_t cut)
{
	size_t i, j;
	for (i = cut; i-- > 0;) {
		const struct conv_msg *m = &c->msgs[i];
		if (m->role != CONV_USER)
			continue;
		for (j = 0; j < m->nblocks; j++)
			if (m->blocks[j].type == BLK_TEXT && m->blocks[j].text &&
			    !str_prefix(m->blocks[j].text, SUMMARY_HEAD))
				return xstrndup(m->blocks[j].text, VERBATIM_MAX);
	}
	return NULL;
}

static enum cerr
compact_at(struct agent *a, size_t cut, const char *focus,
	   const struct agent_events *ev)
{
	struct conv nc;
	struct conv_msg msg, *sm;
	struct provider_error perr;
	struct buf digest = BUF_INIT, note = BUF_INIT, text = BUF_INIT;
	char *sys = compact_system(focus), *summary = NULL, *req_text = NULL;
	size_t cap = (size_t)mind_window(a->o.config) * 4 * 6 / 10, n = a->conv.n, i;
	long before = agent_context_tokens(a);
	enum cerr e;
	cJSON *rec;

	mind_digest(&a->conv, 0, cut, cap, &digest);
	e = mind_ask(a, sys, buf_str(&digest), &msg, &perr);
	if (!e) {
		summary = conv_msg_text(&msg);
		if (!*summary) {
			e = C_ERR_PROVIDER;
			snprintf(perr.msg, sizeof perr.msg, "the summary was empty");
		}
		if (!e && ev && ev->turn_end)
			ev->turn_end(ev->ud, &msg);
	}
	conv_msg_free(&msg);
	if (e) {
		buf_printf(&note, "compaction failed (%s); the full context is kept",
			   perr.msg[0] ? perr.msg : cerr_str(e));
		notice(ev, buf_str(&note));
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "error", buf_str(&note));
		session_append(a->session, "compaction_failed", rec);
		goto out;
	}
	req_text = latest_request(&a->conv, cut);
	buf_adds(&text, SUMMARY_HEAD);
	buf_adds(&text, summary);
	if (req_text)
		buf_printf(&text, "\n\nThe user's latest request before this point, "
			   "verbatim:\n%s", req_text);
	conv_init(&nc);
	sm = conv_add(&nc, CONV_USER);
	conv_msg_add_text(sm, buf_str(&text));
	for (i = cut; i < n; i++)
		conv_push(&nc, &a->conv.msgs[i]);
	conv_free(&a->conv);
	a->conv = nc;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "summary", buf_str(&text));
	cJSON_AddNumberToObject(rec, "replaced", (double)cut);
	cJSON_AddNumberToObject(rec, "kept", (double)(n - cut));
	session_append(a->session, "compaction", rec);
	buf_printf(&note, "context compacted: %zu messages summarised "
		   "(~%ld -> ~%ld tokens); the full history stays in the session log",
		   cut, before, agent_context_tokens(a));
	notice(ev, buf_str(&note));
out:
	xfree_all(req_text, summary, sys);
	buf_free(&digest);
	buf_free(&note);
	buf_free(&text);
	return e;
}

enum cerr
agent_compact(struct agent *a, const char *focus, const struct agent_events *ev)
{
	const cJSON *cc = cfg_compaction(a);
	size_t cut = choose_cut(&a->conv, jx_long(cc, "keep_recent", 4));
	if (!cut) {
		notice(ev, "nothing to compact yet");
		return C_ERR_NOTFOUND;
	}
	memory_flush(a, ev);
	return compact_at(a, cut, focus, ev);
}

void
agent_compact_maybe(struct agent *a, const struct agent_events *ev)
{
	const cJSON *cc = cfg_compaction(a);
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(cc, "threshold");
	double frac = cJSON_IsNumber(th) && th->valuedouble > 0.05 &&
		      th->valuedouble <= 1.0 ? th->valuedouble : 0.8;
	long window = mind_window(a->o.config);
	long reserve = jx_long(cc, "reserve_tokens", 0);
	double limit = (double)window * frac;
	size_t cut;

	if (!jx_bool(cc, "enabled", true) || !a->o.chain)
		return;
	if (reserve > 0 && reserve < window && (double)(window - reserve) < limit)
		limit = (double)(window - reserve);
	if ((double)agent_context_tokens(a) < limit)
		return;
	cut = choose_cut(&a->conv, jx_long(cc, "keep_recent", 4));
	/* too little before the cut to make a difference: do not loop */
	if (!cut || msgs_chars(&a->conv, 0, cut) * 4 < msgs_chars(&a->conv, 0, a->conv.n))
		return;
	memory_flush(a, ev);
	compact_at(a, cut, NULL, ev);
}

bool
agent_compact_overflow(struct agent *a, const struct agent_events *ev)
{
	const cJSON *cc = cfg_compaction(a);
	size_t cut = choose_cut(&a->conv, jx_long(cc, "keep_recent", 4));
	if (!cut || !jx_bool(cc, "enabled", true))
		return false;
	/* what a summary would replace is too little to make room (one
	 * result too long for a small window): say so, not compact */
	if (msgs_chars(&a->conv, 0, cut) * 4 < msgs_chars(&a->conv, 0, a->conv.n)) {
		notice(ev, "the model's context window is full, and what compaction could "
			   "summarise is too little to make room");
		return false;
	}
	notice(ev, "the model's context window is full: compacting");
	memory_flush(a, ev);
	return compact_at(a, cut, NULL, ev) == C_OK;
}
