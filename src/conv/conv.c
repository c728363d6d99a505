#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

void
conv_init(struct conv *c)
{
	memset(c, 0, sizeof *c);
}

void
conv_free(struct conv *c)
{
	size_t i;
	for (i = 0; i < c->n; i++)
		conv_msg_free(&c->msgs[i]);
	free(c->msgs);
	memset(c, 0, sizeof *c);
}

static struct conv_msg *
conv_slot(struct conv *c)
{
	c->msgs = xgrow(c->msgs, c->n + 1, &c->cap, 16, sizeof *c->msgs);
	return &c->msgs[c->n++];
}

struct conv_msg *
conv_add(struct conv *c, enum conv_role role)
{
	struct conv_msg *m = conv_slot(c);
	conv_msg_init(m, role);
	return m;
}

void
conv_push(struct conv *c, struct conv_msg *m)
{
	struct conv_msg *slot = conv_slot(c);
	*slot = *m;
	conv_msg_init(m, m->role);
}

void
conv_truncate(struct conv *c, size_t from)
{
	while (c->n > from)
		conv_msg_free(&c->msgs[--c->n]);
}

void
conv_msg_init(struct conv_msg *m, enum conv_role role)
{
	memset(m, 0, sizeof *m);
	m->role = role;
}

static void
block_free(struct conv_block *b)
{
	xfree_all(b->text, b->id, b->name, b->args);
	cJSON_Delete(b->args_json);
	free(b->signature);
}

void
conv_msg_free(struct conv_msg *m)
{
	size_t i;
	for (i = 0; i < m->nblocks; i++)
		block_free(&m->blocks[i]);
	xfree_all(m->blocks, m->answered_by);
	conv_msg_init(m, m->role);
}

static struct conv_block *
add_block(struct conv_msg *m, enum conv_block_type t)
{
	struct conv_block *b;
	m->blocks = xgrow(m->blocks, m->nblocks + 1, &m->capblocks, 4, sizeof *m->blocks);
	b = &m->blocks[m->nblocks++];
	memset(b, 0, sizeof *b);
	b->type = t;
	return b;
}

void
conv_msg_copy(struct conv_msg *dst, const struct conv_msg *src)
{
	size_t i;
	conv_msg_init(dst, src->role);
	for (i = 0; i < src->nblocks; i++) {
		const struct conv_block *s = &src->blocks[i];
		struct conv_block *d = add_block(dst, s->type);
		d->text = xstrdup(s->text);
		d->id = xstrdup(s->id);
		d->name = xstrdup(s->name);
		d->args = xstrdup(s->args);
		d->args_json = s->args_json ? cJSON_Duplicate(s->args_json, 1) : NULL;
		d->signature = xstrdup(s->signature);
		d->is_error = s->is_error;
	}
	dst->usage = src->usage;
	dst->stop = src->stop;
	dst->answered_by = xstrdup(src->answered_by);
}

struct conv_block *
conv_msg_add_text(struct conv_msg *m, const char *text)
{
	struct conv_block *b = add_block(m, BLK_TEXT);
	b->text = xstrdup(text ? text : "");
	return b;
}

struct conv_block *
conv_msg_add_thinking(struct conv_msg *m, const char *text, const char *sig)
{
	struct conv_block *b = add_block(m, BLK_THINKING);
	b->text = xstrdup(text ? text : "");
	b->signature = xstrdup(sig);
	return b;
}

struct conv_block *
conv_msg_add_tool_call(struct conv_msg *m, const char *id, const char *name,
		       const char *args)
{
	struct conv_block *b = add_block(m, BLK_TOOL_CALL);
	const char *p = args ? args : "";

	b->id = xstrdup(id ? id : "");
	b->name = xstrdup(name ? name : "");
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	b->args = xstrdup(*p ? args : "{}");
	b->args_json = *p ? cJSON_Parse(p) : cJSON_CreateObject();
	if (!cJSON_IsObject(b->args_json)) {
		cJSON_Delete(b->args_json);
		b->args_json = NULL;
	}
	return b;
}

struct conv_block *
conv_msg_add_tool_call_json(struct conv_msg *m, const char *id, const char *name,
			    cJSON *args, const char *raw)
{
	struct conv_block *b;

	if (!cJSON_IsObject(args)) {
		cJSON_Delete(args);
		return conv_msg_add_tool_call(m, id, name, raw);
	}
	b = add_block(m, BLK_TOOL_CALL);
	b->id = xstrdup(id ? id : "");
	b->name = xstrdup(name ? name : "");
	b->args = jx_print(args);
	b->args_json = args;
	return b;
}

struct conv_block *
conv_msg_add_tool_result(struct conv_msg *m, const char *id,
			 const char *content, bool is_error)
{
	struct conv_block *b = add_block(m, BLK_TOOL_RESULT);
	b->id = xstrdup(id ? id : "");
	b->text = xstrdup(content ? content : "");
	b->is_error = is_error;
	return b;
}

void
conv_msg_append_text(struct conv_msg *m, const char *s, size_t n)
{
	struct conv_block *b;
	size_t old;
	if (m->nblocks == 0 || m->blocks[m->nblocks - 1].type != BLK_TEXT)
		conv_msg_add_text(m, "");
	b = &m->blocks[m->nblocks - 1];
	old = strlen(b->text);
	b->text = xrealloc(b->text, old + n + 1);
	memcpy(b->text + old, s, n);
	b->text[old + n] = '\0';
}

char *
conv_msg_text(const struct conv_msg *m)
{
	struct buf b = BUF_INIT;
	size_t i;
	for (i = 0; i < m->nblocks; i++)
		if (m->blocks[i].type == BLK_TEXT)
			buf_adds(&b, m->blocks[i].text);
	return buf_steal(&b);
}

size_t
conv_msg_tool_calls(const struct conv_msg *m)
{
	size_t i, n = 0;
	for (i = 0; i < m->nblocks; i++)
		n += m->blocks[i].type == BLK_TOOL_CALL;
	return n;
}

void
conv_usage_add(struct conv_usage *sum, const struct conv_usage *u)
{
	if (!u->known)
		return;
	sum->input += u->input;
	sum->output += u->output;
	sum->cache_write += u->cache_write;
	sum->cache_read += u->cache_read;
	sum->known = true;
}

static const char *const stop_names[] = {
	[STOP_NONE] = "none", [STOP_END] = "end_turn", [STOP_TOOL_USE] = "tool_use",
	[STOP_LENGTH] = "max_tokens", [STOP_ERROR] = "error",
};
#define NSTOPS (sizeof stop_names / sizeof stop_names[0])

const char *
conv_stop_str(enum conv_stop s)
{
	return (unsigned)s < NSTOPS ? stop_names[s] : "none";
}

static enum conv_stop
stop_from_str(const char *s)
{
	int i = str_index(s, stop_names, NSTOPS);
	return i < 0 ? STOP_NONE : (enum conv_stop)i;
}

cJSON *
conv_usage_to_json(const struct conv_usage *u)
{
	cJSON *j = cJSON_CreateObject();
	if (!u->known) {
		cJSON_AddNullToObject(j, "input_tokens");
		cJSON_AddNullToObject(j, "output_tokens");
		return j;
	}
	cJSON_AddNumberToObject(j, "input_tokens", (double)u->input);
	cJSON_AddNumberToObject(j, "output_tokens", (double)u->output);
	cJSON_AddNumberToObject(j, "cache_write_tokens", (double)u->cache_write);
	cJSON_AddNumberToObject(j, "cache_read_tokens", (double)u->cache_read);
	return j;
}

void
conv_usage_from_json(const cJSON *j, struct conv_usage *u)
{
	memset(u, 0, sizeof *u);
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "input_tokens")))
		return;
	u->known = true;
	u->input = jx_long(j, "input_tokens", 0);
	u->output = jx_long(j, "output_tokens", 0);
	u->cache_write = jx_long(j, "cache_write_tokens", 0);
	u->cache_read = jx_long(j, "cache_read_tokens", 0);
}

cJSON *
conv_msg_to_json(const struct conv_msg *m)
{
	cJSON *j = cJSON_CreateObject(), *content = cJSON_CreateArray();
	size_t i;

	cJSON_AddStringToObject(j, "role",
				m->role == CONV_USER ? "user" : "assistant");
	for (i = 0; i < m->nblocks; i++) {
		const struct conv_block *b = &m->blocks[i];
		cJSON *o = cJSON_CreateObject();
		switch (b->type) {
		case BLK_TEXT:
			cJSON_AddStringToObject(o, "type", "text");
			cJSON_AddStringToObject(o, "text", b->text);
			break;
		case BLK_THINKING:
			cJSON_AddStringToObject(o, "type", "thinking");
			cJSON_AddStringToObject(o, "thinking", b->text);
			if (b->signature)
				cJSON_AddStringToObject(o, "signature", b->signature);
			break;
		case BLK_TOOL_CALL: {
			cJSON *args = b->args_json ? cJSON_Duplicate(b->args_json, 1) : NULL;
			cJSON_AddStringToObject(o, "type", "tool_call");
			cJSON_AddStringToObject(o, "id", b->id);
			cJSON_AddStringToObject(o, "name", b->name);
			if (args)
				cJSON_AddItemToObject(o, "args", args);
			else /* keep malformed arguments verbatim */
				cJSON_AddStringToObject(o, "args_raw", b->args);
			break;
		}
		case BLK_TOOL_RESULT:
			cJSON_AddStringToObject(o, "type", "tool_result");
			cJSON_AddStringToObject(o, "id", b->id);
			cJSON_AddStringToObject(o, "content", b->text);
			if (b->is_error)
				cJSON_AddTrueToObject(o, "is_error");
			break;
		}
		cJSON_AddItemToArray(content, o);
	}
	cJSON_AddItemToObject(j, "content", content);
	if (m->role == CONV_ASSISTANT) {
		if (m->usage.known)
			cJSON_AddItemToObject(j, "usage", conv_usage_to_json(&m->usage));
		if (m->stop != STOP_NONE)
			cJSON_AddStringToObject(j, "stop", conv_stop_str(m->stop));
		if (m->answered_by)
			cJSON_AddStringToObject(j, "answered_by", m->answered_by);
	}
	return j;
}

enum cerr
conv_msg_from_json(const cJSON *j, struct conv_msg *m)
{
	const char *role = jx_str(j, "role");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(j, "content");
	const cJSON *it;

	if (!role || (strcmp(role, "user") && strcmp(role, "assistant")) ||
	    !cJSON_IsArray(content)) {
		conv_msg_init(m, CONV_USER);
		return C_ERR_PARSE;
	}
	conv_msg_init(m, strcmp(role, "user") == 0 ? CONV_USER : CONV_ASSISTANT);
	cJSON_ArrayForEach(it, content) {
		const char *t = jx_str(it, "type");
		if (!t)
			goto bad;
		if (strcmp(t, "text") == 0) {
			conv_msg_add_text(m, jx_str(it, "text"));
		} else if (strcmp(t, "thinking") == 0) {
			conv_msg_add_thinking(m, jx_str(it, "thinking"),
					      jx_str(it, "signature"));
		} else if (strcmp(t, "tool_call") == 0) {
			const cJSON *args = cJSON_GetObjectItemCaseSensitive(it, "args");
			conv_msg_add_tool_call_json(m, jx_str(it, "id"), jx_str(it, "name"),
						    cJSON_IsObject(args) ?
						    cJSON_Duplicate(args, 1) : NULL,
						    jx_str(it, "args_raw"));
		} else if (strcmp(t, "tool_result") == 0) {
			conv_msg_add_tool_result(m, jx_str(it, "id"),
						 jx_str(it, "content"),
						 jx_bool(it, "is_error", false));
		}
	}
	if (m->role == CONV_ASSISTANT) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "usage");
		if (u)
			conv_usage_from_json(u, &m->usage);
		m->stop = stop_from_str(jx_str(j, "stop"));
		m->answered_by = xstrdup(jx_str(j, "answered_by"));
	}
	return C_OK;
bad:
	conv_msg_free(m);
	return C_ERR_PARSE;
}

cJSON *
conv_tool_schema(const struct conv_tool_spec *ts)
{
	cJSON *s;
	/* a reference item's child is the referenced object's first member */
	if (cJSON_IsObject(ts->schema_json))
		return cJSON_CreateObjectReference(ts->schema_json->child);
	s = ts->schema ? cJSON_Parse(ts->schema) : NULL;
	if (!cJSON_IsObject(s)) {
		cJSON_Delete(s);
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "type", "object");
	}
	return s;
}

cJSON *
conv_call_args(const struct conv_block *b)
{
	return b->args_json ? cJSON_CreateObjectReference(b->args_json->child) : NULL;
}

void
cost_total_format(const struct cost_total *t, char *out, size_t n)
{
	if (t->unpriced == 0)
		snprintf(out, n, "$%.4f", t->usd);
	else if (t->unpriced == t->turns)
		snprintf(out, n, "unknown");
	else
		snprintf(out, n, "at least $%.4f (%zu of %zu turns unpriced)", t->usd,
			 t->unpriced, t->turns);
}
