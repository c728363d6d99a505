/* vocab.h: tokenizers read from GGUF metadata.
 *
 * Two models are supported, chosen by tokenizer.ggml.model:
 *  - "llama": SentencePiece-style.  Spaces become U+2581, a space is put in
 *    front of text that starts a fragment (tokenizer.ggml.add_space_prefix,
 *    default true), pieces are merged pairwise by highest score, and
 *    characters with no token fall back to <0xXX> byte tokens.
 *  - "gpt2": byte-level BPE.  Text is split by the pre-tokenizer regexes
 *    chosen by tokenizer.ggml.pre (PCRE2 with UTF, UCP and JIT), each piece
 *    is mapped byte-to-unicode and merged by merge rank.
 * Special tokens (control, user-defined, unknown) are split out of the text
 * before pre-tokenization: user-defined ones always, control and unknown
 * ones only when parse_special is set.
 *
 * A vocab borrows strings from the gguf it was loaded from: keep the gguf
 * open while the vocab lives.  A loaded vocab is read-only, and may be used
 * from several threads at once. */
#ifndef CONCH_LLM_VOCAB_H
#define CONCH_LLM_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/gguf.h"
#include "util/buf.h"
#include "util/err.h"

enum llm_vocab_type { LLM_VOCAB_SPM, LLM_VOCAB_BPE };

/* Token types as stored in tokenizer.ggml.token_type. */
enum llm_token_type {
	LLM_TOK_UNDEFINED = 0, LLM_TOK_NORMAL = 1, LLM_TOK_UNKNOWN = 2,
	LLM_TOK_CONTROL = 3, LLM_TOK_USER_DEFINED = 4, LLM_TOK_UNUSED = 5,
	LLM_TOK_BYTE = 6,
};

struct llm_vocab;

/* A growable list of token ids. */
struct llm_tokens {
	int32_t *ids; /* owned */
	size_t n, cap;
};

void llm_tokens_push(struct llm_tokens *t, int32_t id);
void llm_tokens_free(struct llm_tokens *t);

/* Build the tokenizer described by `g`'s metadata.  NULL with a message in
 * `err` when it is missing, malformed or of an unsupported kind (the
 * message names the kind).  Caller frees with llm_vocab_free. */
struct llm_vocab *llm_vocab_load(const struct gguf *g, struct buf *err);
void llm_vocab_free(struct llm_vocab *v);

enum llm_vocab_type llm_vocab_type(const struct llm_vocab *v);
/* "llama" / "gpt2", and the pre-tokenizer name ("default" when none). */
const char *llm_vocab_model_name(const struct llm_vocab *v);
const char *llm_vocab_pre_name(const struct llm_vocab *v);
int32_t llm_vocab_size(const struct llm_vocab *v);
int32_t llm_vocab_bos(const struct llm_vocab *v); /* -1 when none */
int32_t llm_vocab_eos(const struct llm_vocab *v); /* -1 when none */
bool llm_vocab_add_bos(const struct llm_vocab *v);
/* End-of-generation: eos, eot (<|eot_id|>, <|im_end|>, <|end|>,
 * <end_of_turn>) and the like. */
bool llm_vocab_is_eog(const struct llm_vocab *v, int32_t id);
enum llm_token_type llm_vocab_token_type(const struct llm_vocab *v, int32_t id);
/* The token's stored text (not decoded); NULL for an id out of range. */
const char *llm_vocab_token_text(const struct llm_vocab *v, int32_t id, size_t *len);
/* The id whose stored text is exactly s[0..n), or -1. */
int32_t llm_vocab_find(const struct llm_vocab *v, const char *s, size_t n);

/* Compile every known pre-tokenizer expression; the number compiled, or
 * -1 with a message naming the one that fails (a self-check for tests). */
int llm_vocab_check_pre(struct buf *err);

/* Append the tokens of text[0..n) to `out`; BOS first when add_bos and the
 * vocab has one.  Invalid UTF-8 is tokenized byte by byte. */
enum cerr llm_tokenize(const struct llm_vocab *v, const char *text, size_t n,
		       bool add_bos, bool parse_special, struct llm_tokens *out);

/* Like llm_tokenize with parse_special, except that control tokens are
 * recognised only inside the byte ranges spans[2i]..spans[2i+1] (the
 * template's own markup); elsewhere (user and tool text) their text is
 * tokenized as plain text.  User-defined tokens are split everywhere. */
enum cerr llm_tokenize_marked(const struct llm_vocab *v, const char *text, size_t n,
			      bool add_bos, const size_t *spans, size_t nspans,
			      struct llm_tokens *out);

/* Append the bytes of token `id` to `out`.  Control tokens give nothing
 * unless `special`.  The bytes may be a partial UTF-8 character; see
 * struct llm_utf8_stream. */
void llm_token_piece(const struct llm_vocab *v, int32_t id, bool special,
		     struct buf *out);

/* Decode a whole list.  For SentencePiece vocabs with a space prefix, the
 * leading space of the first piece is dropped.  Invalid UTF-8 is replaced
 * by U+FFFD. */
void llm_detokenize(const struct llm_vocab *v, const int32_t *ids, size_t n,
		    bool special, struct buf *out);

/* Streaming decoder: feed token bytes, get out only whole UTF-8
 * characters; a character that spans tokens comes out when its last byte
 * arrives.  Bytes that can never form a character come out as U+FFFD. */
struct llm_utf8_stream {
	unsigned char pend[4];
	size_t npend;
};

void llm_utf8_stream_init(struct llm_utf8_stream *s);
void llm_utf8_stream_push(struct llm_utf8_stream *s, const char *p, size_t n,
			  struct buf *out);
/* Emit what is pending (as U+FFFD) and reset. */
void llm_utf8_stream_flush(struct llm_utf8_stream *s, struct buf *out);

#endif
