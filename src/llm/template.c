/* template.c: see template.h.  The formats are the ones the model
 * families document for their chat templates. */
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xalloc.h"

#include "llm/template.h"

void
llm_chat_add(struct llm_chat *l, const char *role, char *content)
{
	l->m = xgrow(l->m, l->n + 1, &l->cap, 16, sizeof *l->m);
	l->own = xgrow(l->own, l->n + 1, &l->own_cap, 16, sizeof *l->own);
	l->m[l->n].role = role;
	l->m[l->n].content = content;
	l->m[l->n].raw = strcmp(role, "assistant") == 0;
	l->own[l->n] = content;
	l->n++;
}

void
llm_chat_free(struct llm_chat *l)
{
	strv_free(l->own, l->n);
	free(l->m);
	memset(l, 0, sizeof *l);
}

enum llm_tmpl
llm_tmpl_detect(const char *t)
{
	if (!t || !*t)
		return LLM_TMPL_NONE;
	if (strstr(t, "<|im_start|>"))
		return LLM_TMPL_CHATML;
	if (strstr(t, "<|start_header_id|>"))
		return LLM_TMPL_LLAMA3;
	if (strstr(t, "<start_of_turn>"))
		return LLM_TMPL_GEMMA;
	if (strstr(t, "<|assistant|>") && strstr(t, "<|end|>"))
		return LLM_TMPL_PHI3;
	if (strstr(t, "[INST]"))
		return LLM_TMPL_MISTRAL;
	return LLM_TMPL_NONE;
}

static const char *const names[] = {
	[LLM_TMPL_NONE] = "none",
	[LLM_TMPL_CHATML] = "chatml",
	[LLM_TMPL_LLAMA3] = "llama3",
	[LLM_TMPL_MISTRAL] = "mistral",
	[LLM_TMPL_GEMMA] = "gemma",
	[LLM_TMPL_PHI3] = "phi3",
};

const char *
llm_tmpl_name(enum llm_tmpl t)
{
	if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[t];
}

enum llm_tmpl
llm_tmpl_from_name(const char *name)
{
	int i = str_index(name, names, sizeof(names) / sizeof(names[0]));
	return i < 0 ? LLM_TMPL_NONE : (enum llm_tmpl)i;
}

const char *
llm_tmpl_eot(enum llm_tmpl t)
{
	switch (t) {
	case LLM_TMPL_CHATML: return "<|im_end|>";
	case LLM_TMPL_LLAMA3: return "<|eot_id|>";
	case LLM_TMPL_MISTRAL: return "</s>";
	case LLM_TMPL_GEMMA: return "<end_of_turn>";
	case LLM_TMPL_PHI3: return "<|end|>";
	default: return "";
	}
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool
known_role(const char *r)
{
	return is(r, "system") || is(r, "user") || is(r, "assistant") || is(r, "tool");
}

struct em {
	struct buf *out;
	struct llm_spans *sp;
};

/* markup: the template's own text, where control tokens are recognised */
static void
mk(struct em *e, const char *s)
{
	size_t start = e->out->len;
	buf_adds(e->out, s);
	if (e->sp && e->out->len > start) {
		struct llm_spans *sp = e->sp;
		if (sp->n > 0 && sp->v[2 * sp->n - 1] == start) {
			sp->v[2 * sp->n - 1] = e->out->len; /* extend the last span */
			return;
		}
		sp->v = xgrow(sp->v, sp->n + 1, &sp->cap, 16, 2 * sizeof(size_t));
		sp->v[2 * sp->n] = start;
		sp->v[2 * sp->n + 1] = e->out->len;
		sp->n++;
	}
}

/* content: user, assistant or tool text */
static void
ct(struct em *e, const struct llm_chat_msg *m)
{
	if (m->raw)
		mk(e, m->content);
	else
		buf_adds(e->out, m->content);
}

/* ChatML, Qwen style: consecutive tool results share one user turn, each
 * wrapped in <tool_response>. */
static void
render_chatml(const struct llm_chat_msg *m, size_t n, bool gen, struct em *e)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (is(m[i].role, "tool")) {
			bool first = i == 0 || !is(m[i - 1].role, "tool");
			bool last = i + 1 == n || !is(m[i + 1].role, "tool");
			if (first)
				mk(e, "<|im_start|>user");
			mk(e, "\n<tool_response>\n");
			ct(e, &m[i]);
			mk(e, "\n</tool_response>");
			if (last)
				mk(e, "<|im_end|>\n");
			continue;
		}
		mk(e, "<|im_start|>");
		mk(e, m[i].role);
		mk(e, "\n");
		ct(e, &m[i]);
		mk(e, "<|im_end|>\n");
	}
	if (gen)
		mk(e, "<|im_start|>assistant\n");
}

/* A template whose every turn is open, the role (tool results under
 * tool_role), mid, the content, close; gen opens the assistant's turn. */
struct turns {
	const char *open, *mid, *close, *tool_role, *gen;
};

static const struct turns llama3 = { /* tool results use the ipython role */
	"<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>", "ipython",
	"<|start_header_id|>assistant<|end_header_id|>\n\n",
};
static const struct turns phi3 = {
	"<|", "|>\n", "<|end|>\n", "user", "<|assistant|>\n",
};

static void
render_turns(const struct llm_chat_msg *m, size_t n, bool gen, struct em *e,
	     const struct turns *tt)
{
	size_t i;
	for (i = 0; i < n; i++) {
		mk(e, tt->open);
		mk(e, is(m[i].role, "tool") ? tt->tool_role : m[i].role);
		mk(e, tt->mid);
		ct(e, &m[i]);
		mk(e, tt->close);
	}
	if (gen)
		mk(e, tt->gen);
}

/* A template with user and assistant turns only: the system prompt goes
 * in front of the first user turn, tool results are shown as user text;
 * gen (NULL: none) opens the assistant's turn. */
struct two_roles {
	const char *user_open, *user_close, *asst_open, *asst_close, *gen;
};

/* the assistant turn opens after [/INST] by itself */
static const struct two_roles mistral = {
	"[INST] ", " [/INST]", " ", "</s>", NULL,
};
static const struct two_roles gemma = {
	"<start_of_turn>user\n", "<end_of_turn>\n", "<start_of_turn>model\n",
	"<end_of_turn>\n", "<start_of_turn>model\n",
};

static void
render_two_roles(const struct llm_chat_msg *m, size_t n, bool gen, struct em *e,
		 const struct two_roles *tr)
{
	const struct llm_chat_msg *sys = NULL;
	bool sys_done = false;
	size_t i;
	for (i = 0; i < n; i++) {
		if (is(m[i].role, "system")) {
			sys = &m[i];
			continue;
		}
		if (is(m[i].role, "assistant")) {
			mk(e, tr->asst_open);
			ct(e, &m[i]);
			mk(e, tr->asst_close);
			continue;
		}
		mk(e, tr->user_open);
		if (sys && !sys_done) {
			ct(e, sys);
			mk(e, "\n\n");
			sys_done = true;
		}
		ct(e, &m[i]);
		mk(e, tr->user_close);
	}
	if (gen && tr->gen)
		mk(e, tr->gen);
}

void
llm_spans_free(struct llm_spans *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

enum cerr
llm_tmpl_render_marked(enum llm_tmpl t, const struct llm_chat_msg *msgs, size_t n,
		       bool add_assistant, struct buf *out, struct llm_spans *markup)
{
	struct em e = { out, markup };
	size_t i;
	for (i = 0; i < n; i++)
		if (!msgs[i].role || !msgs[i].content || !known_role(msgs[i].role))
			return C_ERR_INVAL;
	switch (t) {
	case LLM_TMPL_CHATML: render_chatml(msgs, n, add_assistant, &e); break;
	case LLM_TMPL_LLAMA3: render_turns(msgs, n, add_assistant, &e, &llama3); break;
	case LLM_TMPL_MISTRAL: render_two_roles(msgs, n, add_assistant, &e, &mistral); break;
	case LLM_TMPL_GEMMA: render_two_roles(msgs, n, add_assistant, &e, &gemma); break;
	case LLM_TMPL_PHI3: render_turns(msgs, n, add_assistant, &e, &phi3); break;
	default: return C_ERR_INVAL;
	}
	return buf_ok(out) ? C_OK : out->err;
}

enum cerr
llm_tmpl_render(enum llm_tmpl t, const struct llm_chat_msg *msgs, size_t n,
		bool add_assistant, struct buf *out)
{
	return llm_tmpl_render_marked(t, msgs, n, add_assistant, out, NULL);
}
