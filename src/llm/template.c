/* template.c: see template.h.  The formats are the ones the model
 * families document for their chat templates. */
#include <string.h>

#include "llm/template.h"

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
	size_t i;
	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (enum llm_tmpl)i;
	return LLM_TMPL_NONE;
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

/* ChatML, Qwen style: consecutive tool results share one user turn, each
 * wrapped in <tool_response>. */
static void
render_chatml(const struct llm_chat_msg *m, size_t n, bool gen, struct buf *out)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (is(m[i].role, "tool")) {
			bool first = i == 0 || !is(m[i - 1].role, "tool");
			bool last = i + 1 == n || !is(m[i + 1].role, "tool");
			if (first)
				buf_adds(out, "<|im_start|>user");
			buf_printf(out, "\n<tool_response>\n%s\n</tool_response>", m[i].content);
			if (last)
				buf_adds(out, "<|im_end|>\n");
			continue;
		}
		buf_printf(out, "<|im_start|>%s\n%s<|im_end|>\n", m[i].role, m[i].content);
	}
	if (gen)
		buf_adds(out, "<|im_start|>assistant\n");
}

/* Llama 3: tool results use the ipython role. */
static void
render_llama3(const struct llm_chat_msg *m, size_t n, bool gen, struct buf *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		buf_printf(out, "<|start_header_id|>%s<|end_header_id|>\n\n%s<|eot_id|>",
			   is(m[i].role, "tool") ? "ipython" : m[i].role, m[i].content);
	if (gen)
		buf_adds(out, "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

/* Mistral: the system prompt goes in front of the first user message;
 * tool results are shown as user text. */
static void
render_mistral(const struct llm_chat_msg *m, size_t n, bool gen, struct buf *out)
{
	const char *sys = NULL;
	bool sys_done = false;
	size_t i;
	(void)gen; /* the assistant turn opens after [/INST] by itself */
	for (i = 0; i < n; i++) {
		if (is(m[i].role, "system")) {
			sys = m[i].content;
			continue;
		}
		if (is(m[i].role, "assistant")) {
			buf_printf(out, " %s</s>", m[i].content);
			continue;
		}
		buf_adds(out, "[INST] ");
		if (sys && !sys_done) {
			buf_printf(out, "%s\n\n", sys);
			sys_done = true;
		}
		buf_printf(out, "%s [/INST]", m[i].content);
	}
}

/* Gemma: roles user and model; the system prompt is put in front of the
 * first user turn. */
static void
render_gemma(const struct llm_chat_msg *m, size_t n, bool gen, struct buf *out)
{
	const char *sys = NULL;
	bool sys_done = false;
	size_t i;
	for (i = 0; i < n; i++) {
		if (is(m[i].role, "system")) {
			sys = m[i].content;
			continue;
		}
		if (is(m[i].role, "assistant")) {
			buf_printf(out, "<start_of_turn>model\n%s<end_of_turn>\n", m[i].content);
			continue;
		}
		buf_adds(out, "<start_of_turn>user\n");
		if (sys && !sys_done) {
			buf_printf(out, "%s\n\n", sys);
			sys_done = true;
		}
		buf_printf(out, "%s<end_of_turn>\n", m[i].content);
	}
	if (gen)
		buf_adds(out, "<start_of_turn>model\n");
}

static void
render_phi3(const struct llm_chat_msg *m, size_t n, bool gen, struct buf *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		buf_printf(out, "<|%s|>\n%s<|end|>\n", is(m[i].role, "tool") ? "user" : m[i].role,
			   m[i].content);
	if (gen)
		buf_adds(out, "<|assistant|>\n");
}

enum cerr
llm_tmpl_render(enum llm_tmpl t, const struct llm_chat_msg *msgs, size_t n,
		bool add_assistant, struct buf *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!msgs[i].role || !msgs[i].content || !known_role(msgs[i].role))
			return C_ERR_INVAL;
	switch (t) {
	case LLM_TMPL_CHATML: render_chatml(msgs, n, add_assistant, out); break;
	case LLM_TMPL_LLAMA3: render_llama3(msgs, n, add_assistant, out); break;
	case LLM_TMPL_MISTRAL: render_mistral(msgs, n, add_assistant, out); break;
	case LLM_TMPL_GEMMA: render_gemma(msgs, n, add_assistant, out); break;
	case LLM_TMPL_PHI3: render_phi3(msgs, n, add_assistant, out); break;
	default: return C_ERR_INVAL;
	}
	return buf_ok(out) ? C_OK : out->err;
}
