/* conv.h: the provider-neutral conversation.  Providers translate to and
 * from their wire format at their edge; nothing above them sees wire JSON.
 *
 * A conversation is a list of messages.  A message is a role and a list of
 * content blocks.  Tool calls live in assistant messages; their results
 * live in the following user message as tool_result blocks. */
#ifndef CONCH_CONV_H
#define CONCH_CONV_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

enum conv_role { CONV_USER, CONV_ASSISTANT };

enum conv_block_type {
	BLK_TEXT,        /* text */
	BLK_TOOL_CALL,   /* id, name, args (JSON object text) */
	BLK_TOOL_RESULT, /* id, text (the content), is_error */
	BLK_THINKING,    /* text; signature (opaque, sent back unchanged) */
};

struct conv_block {
	enum conv_block_type type;
	char *text;      /* text / thinking / tool result content; owned */
	char *id;        /* tool call id; owned */
	char *name;      /* tool name; owned */
	char *args;      /* tool call arguments, JSON object text; owned */
	cJSON *args_json; /* the same, parsed once when the call is added
			   * (NULL when the text is not a JSON object); owned */
	char *signature; /* thinking signature or redacted data; owned */
	bool is_error;   /* tool result */
};

/* Normalised token usage.  `known` is false when the provider did not
 * report it (e.g. a stream cut short): show it as unknown, never zero. */
struct conv_usage {
	long input;
	long output;
	long cache_write;
	long cache_read;
	bool known;
};

/* A session's running cost.  `complete` stays true only while every turn
 * so far had known usage and a price, so a partial sum is never shown as
 * the whole cost. */
struct cost_total {
	double usd;      /* sum over the priced turns */
	size_t turns;    /* turns added */
	size_t unpriced; /* turns whose cost is unknown */
};

/* "$0.0123", or "unknown" / "at least $0.0123" when turns were unpriced.
 * Writes at most n bytes (NUL included). */
void cost_total_format(const struct cost_total *t, char *out, size_t n);

enum conv_stop {
	STOP_NONE,     /* not finished (cut short) */
	STOP_END,      /* the model finished its turn */
	STOP_TOOL_USE, /* the model wants tool results */
	STOP_LENGTH,   /* hit max tokens */
	STOP_ERROR,
};

struct conv_msg {
	enum conv_role role;
	struct conv_block *blocks; /* owned */
	size_t nblocks, capblocks;
	struct conv_usage usage;   /* assistant messages */
	enum conv_stop stop;       /* assistant messages */
	char *answered_by;         /* "provider/model" that produced it; owned */
};

struct conv {
	struct conv_msg *msgs; /* owned */
	size_t n, cap;
};

/* A tool offered to the model.  Strings are borrowed. */
struct conv_tool_spec {
	const char *name;
	const char *description;
	const char *schema; /* JSON schema text of the arguments object */
	const cJSON *schema_json; /* the same, parsed once (borrowed); NULL:
				   * parse `schema` when needed */
};

/* The tool's schema for a request body: a reference to schema_json (no
 * copy; deleting it leaves schema_json alone), else `schema` parsed, else
 * {"type":"object"}.  Caller deletes. */
cJSON *conv_tool_schema(const struct conv_tool_spec *ts);

/* A tool call's arguments for a request body: a reference to
 * b->args_json, or NULL when the text is not a JSON object.  Caller
 * deletes. */
cJSON *conv_call_args(const struct conv_block *b);

void conv_init(struct conv *c);
void conv_free(struct conv *c);
/* Append an empty message with `role`; returns it (valid until the next
 * append). */
struct conv_msg *conv_add(struct conv *c, enum conv_role role);
/* Move `m` into the conversation (m is left empty). */
void conv_push(struct conv *c, struct conv_msg *m);
/* Drop messages from index `from` to the end. */
void conv_truncate(struct conv *c, size_t from);

void conv_msg_init(struct conv_msg *m, enum conv_role role);
void conv_msg_free(struct conv_msg *m);
/* Deep copy. */
void conv_msg_copy(struct conv_msg *dst, const struct conv_msg *src);

/* Block appenders; strings are copied.  Each returns the new block. */
struct conv_block *conv_msg_add_text(struct conv_msg *m, const char *text);
struct conv_block *conv_msg_add_thinking(struct conv_msg *m, const char *text,
					 const char *signature);
struct conv_block *conv_msg_add_tool_call(struct conv_msg *m, const char *id,
					  const char *name, const char *args);
/* The same for arguments parsed already: `args` (a JSON object, taken
 * over; its text is printed once here), or when NULL the text `raw` as
 * it came. */
struct conv_block *conv_msg_add_tool_call_json(struct conv_msg *m, const char *id,
					       const char *name, cJSON *args,
					       const char *raw);
struct conv_block *conv_msg_add_tool_result(struct conv_msg *m, const char *id,
					    const char *content, bool is_error);
/* Append text to the last text block, creating one if the last block is
 * not text. */
void conv_msg_append_text(struct conv_msg *m, const char *s, size_t n);

/* All text blocks joined; caller frees. */
char *conv_msg_text(const struct conv_msg *m);
/* Number of tool_call blocks. */
size_t conv_msg_tool_calls(const struct conv_msg *m);

void conv_usage_add(struct conv_usage *sum, const struct conv_usage *u);

/* JSON codec.  to_json returns a new object (caller deletes).  from_json
 * fills `m` (initialised by it) and returns C_ERR_PARSE on a malformed
 * object, naming nothing it did not understand as fatal: unknown block
 * types are skipped. */
cJSON *conv_msg_to_json(const struct conv_msg *m);
enum cerr conv_msg_from_json(const cJSON *j, struct conv_msg *m);
cJSON *conv_usage_to_json(const struct conv_usage *u);
void conv_usage_from_json(const cJSON *j, struct conv_usage *u);
const char *conv_stop_str(enum conv_stop s);

#endif
