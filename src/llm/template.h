/* template.h: chat templates without a Jinja engine.
 *
 * A model's tokenizer.chat_template is recognised by the markers it uses
 * and mapped to one of a few families; each family's prompt format is
 * written out here by hand.  Messages are plain (role, content) pairs;
 * roles are "system", "user", "assistant" and "tool" (a tool result, with
 * the content already formatted by the caller).  The rendered text holds
 * the special tokens as text (tokenize it with parse_special), and never
 * the BOS token: add it when llm_vocab_add_bos() says so. */
#ifndef CONCH_LLM_TEMPLATE_H
#define CONCH_LLM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

enum llm_tmpl {
	LLM_TMPL_NONE = 0,
	LLM_TMPL_CHATML,  /* <|im_start|>role\n...<|im_end|> (Qwen, SmolLM, Hermes) */
	LLM_TMPL_LLAMA3,  /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
	LLM_TMPL_MISTRAL, /* [INST] ... [/INST] ...</s> */
	LLM_TMPL_GEMMA,   /* <start_of_turn>user\n...<end_of_turn> */
	LLM_TMPL_PHI3,    /* <|user|>\n...<|end|> */
};

struct llm_chat_msg {
	const char *role;
	const char *content;
	/* content written by the model itself (or by the caller's tool-call
	 * rendering): its control tokens are kept as markup */
	bool raw;
};

/* A conversation being built for llm_tmpl_render: m[0..n), each
 * content held by the list (own[i] is m[i].content). */
struct llm_chat {
	struct llm_chat_msg *m;
	char **own;
	size_t n, cap, own_cap;
};

/* Append a turn: `role` is a string that outlives the list, `content` is
 * taken over.  Assistant turns are raw (the model's own text and the
 * caller's tool-call rendering keep their special tokens). */
void llm_chat_add(struct llm_chat *l, const char *role, char *content);
/* Free every content and the arrays; `l` may be reused after
 * llm_chat_free as an empty list. */
void llm_chat_free(struct llm_chat *l);

/* The family of a template text; LLM_TMPL_NONE when `tmpl` is NULL or no
 * family fits. */
enum llm_tmpl llm_tmpl_detect(const char *tmpl);
/* "chatml", "llama3", "mistral", "gemma", "phi3" or "none". */
const char *llm_tmpl_name(enum llm_tmpl t);
/* The family named `name` (as above), LLM_TMPL_NONE if unknown. */
enum llm_tmpl llm_tmpl_from_name(const char *name);

/* Append the prompt for msgs[0..n) to `out`; with add_assistant, end
 * with the opening of an assistant turn.  C_ERR_INVAL for an unknown role
 * or LLM_TMPL_NONE. */
enum cerr llm_tmpl_render(enum llm_tmpl t, const struct llm_chat_msg *msgs, size_t n,
			  bool add_assistant, struct buf *out);

/* Byte ranges of a rendered prompt: v[2i]..v[2i+1], i < n. */
struct llm_spans {
	size_t *v; /* owned */
	size_t n, cap;
};

void llm_spans_free(struct llm_spans *s);

/* As llm_tmpl_render, and record in `markup` (if not NULL) the ranges of
 * `out` that are the template's own text, for llm_tokenize_marked: control
 * tokens typed by a user or returned by a tool stay plain text. */
enum cerr llm_tmpl_render_marked(enum llm_tmpl t, const struct llm_chat_msg *msgs,
				 size_t n, bool add_assistant, struct buf *out,
				 struct llm_spans *markup);

/* The text that ends an assistant turn in this family ("<|im_end|>",
 * "<|eot_id|>", "</s>", "<end_of_turn>", "<|end|>"). */
const char *llm_tmpl_eot(enum llm_tmpl t);

#endif
