/* vocab-int.h: the vocabulary's inside, shared by vocab.c (loading,
 * decoding) and vocab-encode.c (tokenizing); not for other files. */
#ifndef CONCH_LLM_VOCAB_INT_H
#define CONCH_LLM_VOCAB_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm/vocab.h"

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

/* The id of the token with text s[0..n), or -1. */
int32_t vocab_tab_find(const struct llm_vocab *v, const char *s, size_t n);
/* The rank of the merge of l and r (lower merges first), or -1. */
int64_t vocab_merge_rank(const struct llm_vocab *v, const char *l, size_t ln, const char *r,
			 size_t rn);
/* The length of the UTF-8 sequence that byte c starts, leniently (1 for
 * a byte that starts none). */
size_t vocab_utf8_len(unsigned char c);

#endif
