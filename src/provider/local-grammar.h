/* local-grammar.h: the grammar that keeps a local model's tool call
 * well-formed.
 *
 * It accepts exactly one JSON object of the form
 *     {"name": "<a tool's name>", "<args key>": { ...arguments... }}
 * with optional whitespace between tokens (runs of at most 8), where the
 * name is one of the offered tools, the arguments are any well-formed JSON
 * object with no top-level key twice, whose keys are among the schema's
 * "properties" when it says "additionalProperties": false, a property's
 * value starts as its "type" (string, integer, number, boolean, array,
 * object) requires, a property whose schema has a
 * string "enum" takes one of those strings, and the object cannot close
 * before every key in the schema's "required" list is present.  The args key is "arguments"
 * (Qwen/Hermes) or "parameters" (Llama 3.1).
 *
 * The state is a plain value: copy it to try a token, keep the copy if the
 * token fits.  Feeding works on bytes, so a token may end anywhere. */
#ifndef CONCH_LOCAL_GRAMMAR_H
#define CONCH_LOCAL_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conv/conv.h"

#define TCG_MAXDEPTH 32
#define TCG_MAXNAME 96

struct tcg;

struct tcg_state {
	uint8_t stage, lit_i, ws, js, depth, num, lit, lit_i2, esc, hexd, nname, nkey;
	bool key_bad, in_enum, int_only;
	int16_t tool, prop;
	uint64_t seen, used;
	char stack[TCG_MAXDEPTH];
	char name[TCG_MAXNAME];
	char key[TCG_MAXNAME];
};

/* Build the grammar for `tools` (schemas are JSON text; a schema that does
 * not parse constrains nothing beyond well-formed JSON).  Caller frees. */
struct tcg *tcg_new(const struct conv_tool_spec *tools, size_t n, const char *args_key);
void tcg_free(struct tcg *g);

void tcg_start(const struct tcg *g, struct tcg_state *st);
/* Feed s[0..n).  True when every byte fits, or the object was completed
 * (bytes after the closing brace are not looked at).  On false the state
 * is garbage: feed a copy. */
bool tcg_feed(const struct tcg *g, struct tcg_state *st, const char *s, size_t n);
/* The object is complete. */
bool tcg_done(const struct tcg_state *st);
/* The name of the top-level argument whose string value st is inside
 * (after its opening quote), else NULL; *tool: the tool's name. */
const char *tcg_string_arg(const struct tcg *g, const struct tcg_state *st,
			   const char **tool);

#endif
