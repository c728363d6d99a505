/* local-chat.c: struct conv <-> the prompt text of a local model's chat
 * template family, tools included.  See local.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "llm/vocab.h"
#include "provider/local-copy-int.h"
#include "provider/local.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

enum local_tool_style
local_tool_style(enum llm_tmpl fam)
{
	return fam == LLM_TMPL_LLAMA3 ? LOCAL_TOOLS_LLAMA3 : LOCAL_TOOLS_HERMES;
}

/* JSON the way chat templates print it (Jinja's tojson, i.e. Python's
 * json.dumps): ", " and ": " separators, non-ASCII kept as is.  Models
 * saw their tools and calls in this form while they were trained. */
static void
py_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\f': buf_adds(b, "\\f"); break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\u%04x", c);
			else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

static void
py_json(struct buf *b, const cJSON *v)
{
	const cJSON *it;
	bool first = true;
	if (cJSON_IsObject(v)) {
		buf_addc(b, '{');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, ", ");
			first = false;
			py_str(b, it->string ? it->string : "");
			buf_adds(b, ": ");
			py_json(b, it);
		}
		buf_addc(b, '}');
	} else if (cJSON_IsArray(v)) {
		buf_addc(b, '[');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, ", ");
			first = false;
			py_json(b, it);
		}
		buf_addc(b, ']');
	} else if (cJSON_IsString(v)) {
		py_str(b, v->valuestring);
	} else {
		char *t = cJSON_PrintUnformatted(v); /* numbers, true, false, null */
		buf_adds(b, t ? t : "null");
		cJSON_free(t);
	}
}

static char *
py_print(const cJSON *v)
{
	struct buf b = BUF_INIT;
	py_json(&b, v);
	return buf_steal(&b);
}

/* {"name": NAME, KEY: ARGS} as templates print it; ARGS that do not parse
 * are passed as a string. */
static char *
call_json(const struct conv_block *b, const char *key)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;
	cJSON_AddStringToObject(o, "name", b->name ? b->name : "");
	a = conv_call_args(b);
	if (!a)
		a = b->args ? cJSON_CreateString(b->args) : cJSON_CreateObject();
	cJSON_AddItemToObject(o, key, a);
	s = py_print(o);
	cJSON_Delete(o);
	return s;
}

static char *
tool_json(const struct conv_tool_spec *t, bool compact)
{
	cJSON *o = cJSON_CreateObject(), *f = cJSON_CreateObject(), *p;
	char *s;
	cJSON_AddStringToObject(o, "type", "function");
	cJSON_AddStringToObject(f, "name", t->name ? t->name : "");
	if (!compact && t->description)
		cJSON_AddStringToObject(f, "description", t->description);
	p = t->schema || t->schema_json ? conv_tool_schema(t) : cJSON_CreateObject();
	cJSON_AddItemToObject(f, "parameters", p);
	cJSON_AddItemToObject(o, "function", f);
	s = py_print(o);
	cJSON_Delete(o);
	return s;
}

static char *
system_text(enum llm_tmpl fam, const char *system, const struct conv_tool_spec *tools,
	    size_t ntools, bool compact)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (system && *system)
		buf_adds(&b, system);
	if (ntools == 0)
		return b.len ? buf_steal(&b) : (buf_free(&b), NULL);
	if (b.len)
		buf_adds(&b, "\n\n");
	if (local_tool_style(fam) == LOCAL_TOOLS_LLAMA3) {
		buf_adds(&b, "You have access to the following functions. To call a function, "
			     "respond with JSON for a function call with its proper arguments. "
			     "Respond in the format {\"name\": function name, \"parameters\": "
			     "dictionary of argument name and its value}. Do not use variables.\n");
		for (i = 0; i < ntools; i++) {
			char *j = tool_json(&tools[i], compact);
			buf_printf(&b, "\n%s", j);
			free(j);
		}
		return buf_steal(&b);
	}
	buf_adds(&b, "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
		     "You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
	for (i = 0; i < ntools; i++) {
		char *j = tool_json(&tools[i], compact);
		buf_printf(&b, "\n%s", j);
		free(j);
	}
	buf_adds(&b, "\n</tools>\n\nFor each function call, return a json object with function name "
		     "and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
		     "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>");
	return buf_steal(&b);
}

static char *
assistant_text(enum llm_tmpl fam, const struct conv_msg *m)
{
	struct buf b = BUF_INIT;
	size_t i;
	bool llama3 = local_tool_style(fam) == LOCAL_TOOLS_LLAMA3;

	for (i = 0; i < m->nblocks; i++) {
		const struct conv_block *bl = &m->blocks[i];
		if (bl->type == BLK_TEXT && bl->text && *bl->text) {
			if (b.len)
				buf_addc(&b, '\n');
			buf_adds(&b, bl->text);
		} else if (bl->type == BLK_TOOL_CALL) {
			char *j = call_json(bl, llama3 ? "parameters" : "arguments");
			if (b.len)
				buf_addc(&b, '\n');
			if (llama3)
				buf_adds(&b, j);
			else
				buf_printf(&b, "<tool_call>\n%s\n</tool_call>", j);
			free(j);
		}
		/* thinking of past turns is not shown again */
	}
	return buf_steal(&b);
}

enum cerr
local_render(enum llm_tmpl fam, const char *system, const struct conv *c,
	     const struct conv_tool_spec *tools, size_t ntools, bool compact_tools,
	     struct buf *out, struct llm_spans *markup)
{
	struct llm_chat l = { 0 };
	char *sys;
	size_t i, j;
	enum cerr e;

	sys = system_text(fam, system, tools, ntools, compact_tools);
	if (sys)
		llm_chat_add(&l, "system", sys);
	for (i = 0; c && i < c->n; i++) {
		const struct conv_msg *m = &c->msgs[i];
		if (m->role == CONV_ASSISTANT) {
			llm_chat_add(&l, "assistant", assistant_text(fam, m));
			continue;
		}
		for (j = 0; j < m->nblocks; j++) {
			const struct conv_block *b = &m->blocks[j];
			const char *t = b->text ? b->text : "";
			if (b->type != BLK_TOOL_RESULT)
				continue;
			llm_chat_add(&l, "tool", b->is_error ?
				     xasprintf("Error: %s", t) : xstrdup(t));
		}
		{
			char *t = conv_msg_text(m);
			if (*t)
				llm_chat_add(&l, "user", t);
			else
				free(t);
		}
	}
	e = llm_tmpl_render_marked(fam, l.m, l.n, true, out, markup);
	llm_chat_free(&l);
	return e;
}

/* ---------------------------------------------------------------- parsing */

static void
add_text(struct conv_msg *out, const char *s, size_t n)
{
	char *t;
	while (n > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
			 s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return;
	t = xstrndup(s, n);
	conv_msg_add_text(out, t);
	free(t);
}

static void
add_thinking(struct conv_msg *out, const char *s, size_t n)
{
	char *t;
	while (n > 0 && (*s == '\n' || *s == ' '))
		s++, n--;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	t = xstrndup(s, n);
	conv_msg_add_thinking(out, t, NULL);
	free(t);
}

/* Parse one call's JSON; true when it named a tool. */
static bool
add_call(struct conv_msg *out, const char *s, size_t n, unsigned *next_id)
{
	/* the first JSON value; what a small model babbles after it is dropped */
	cJSON *j = cJSON_ParseWithLengthOpts(s, n, NULL, false), *args;
	const char *name;
	char *a, *id;
	bool ok = false;

	if (!cJSON_IsObject(j))
		goto out;
	name = jx_str(j, "name");
	if (!name || !*name)
		goto out;
	args = cJSON_GetObjectItemCaseSensitive(j, "arguments");
	if (!args)
		args = cJSON_GetObjectItemCaseSensitive(j, "parameters");
	if (!args || cJSON_IsNull(args)) {
		a = xstrdup("{}");
	} else if (cJSON_IsObject(args)) {
		a = jx_print(args);
	} else if (cJSON_IsString(args)) {
		/* arguments sent as a JSON string holding the object */
		cJSON *p = cJSON_Parse(args->valuestring);
		bool obj = cJSON_IsObject(p);
		a = obj ? jx_print(p) : NULL;
		cJSON_Delete(p);
		if (!obj)
			goto out;
	} else {
		goto out; /* not a call: numbers or lists as arguments */
	}
	id = xasprintf("call_%u", (*next_id)++);
	conv_msg_add_tool_call(out, id, name, a);
	xfree_all(a, id);
	ok = true;
out:
	cJSON_Delete(j);
	return ok;
}

static const char *
find(const char *s, const char *end, const char *needle)
{
	size_t nl = strlen(needle);
	const char *p;
	for (p = s; p + nl <= end; p++)
		if (memcmp(p, needle, nl) == 0)
			return p;
	return NULL;
}

static size_t
parse_hermes(const char *s, const char *end, struct conv_msg *out, unsigned *next_id)
{
	size_t calls = 0;
	const char *p = s, *think_end;

	/* a reply that starts inside a thinking section (the template opened
	 * it) ends it with </think> */
	think_end = find(p, end, "</think>");
	if (think_end && !find(p, think_end, "<think>")) {
		add_thinking(out, p, (size_t)(think_end - p));
		p = think_end + 8;
	}
	while (p < end) {
		const char *th = find(p, end, "<think>");
		const char *tc = find(p, end, "<tool_call>");
		const char *next = th && (!tc || th < tc) ? th : tc;
		if (!next) {
			add_text(out, p, (size_t)(end - p));
			break;
		}
		add_text(out, p, (size_t)(next - p));
		if (next == th) {
			const char *close = find(th + 7, end, "</think>");
			const char *stop = close ? close : end;
			add_thinking(out, th + 7, (size_t)(stop - (th + 7)));
			p = close ? close + 8 : end;
		} else {
			const char *body = tc + 11;
			const char *close = find(body, end, "</tool_call>");
			const char *stop = close ? close : end;
			if (add_call(out, body, (size_t)(stop - body), next_id))
				calls++;
			else
				add_text(out, tc, (size_t)((close ? close + 12 : end) - tc));
			p = close ? close + 12 : end;
		}
	}
	return calls;
}

bool
local_reply_has_prose(const char *r, size_t n)
{
	const char *p = r, *end = r + n, *close;
	while (p < end) {
		if (*p == ' ' || *p == '\n')
			p++;
		else if ((size_t)(end - p) >= 11 && memcmp(p, "<tool_call>", 11) == 0 &&
			 (close = find(p, end, "</tool_call>")) != NULL)
			p = close + 12;
		else
			return true;
	}
	return false;
}

size_t
local_parse_reply(enum llm_tmpl fam, const char *text, size_t n, struct conv_msg *out,
		  unsigned *next_id)
{
	const char *s = text, *end = text + n;

	if (local_tool_style(fam) == LOCAL_TOOLS_LLAMA3) {
		const char *p = s;
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (end - p >= 14 && memcmp(p, "<|python_tag|>", 14) == 0)
			p += 14;
		if (p < end && *p == '{' && add_call(out, p, (size_t)(end - p), next_id))
			return 1;
	}
	return parse_hermes(s, end, out, next_id);
}

void
local_complete_edits(const char *cwd, struct conv_msg *m)
{
	size_t i;
	for (i = 0; cwd && i < m->nblocks; i++) {
		struct conv_block *b = &m->blocks[i];
		const cJSON *path, *old;
		struct buf text = BUF_INIT;
		const char *p;
		size_t n = 0;

		if (b->type != BLK_TOOL_CALL || !b->name || strcmp(b->name, "edit") != 0 ||
		    !b->args_json)
			continue;
		path = cJSON_GetObjectItemCaseSensitive(b->args_json, "path");
		old = cJSON_GetObjectItemCaseSensitive(b->args_json, "old_string");
		if (!cJSON_IsString(path) || !cJSON_IsString(old) || !*old->valuestring ||
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b->args_json, "replace_all")))
			continue;
		if (lc_read_regular(cwd, path->valuestring, &text))
			for (p = buf_str(&text); n < 2 && (p = strstr(p, old->valuestring)) != NULL;
			     p += strlen(old->valuestring))
				n++;
		if (n >= 2) {
			cJSON_DeleteItemFromObjectCaseSensitive(b->args_json, "replace_all");
			cJSON_AddTrueToObject(b->args_json, "replace_all");
			free(b->args);
			b->args = cJSON_PrintUnformatted(b->args_json);
		}
		buf_free(&text);
	}
}

/* Does the word w[0..n) stand in t[0..tn) as (a part of) a path: next
 * to a '/', or before a '.' and a letter ("model/x.py", "memo.md")? */
static bool
names_a_path(const char *t, size_t tn, const char *w, size_t n)
{
	const char *p, *end = t + tn;
	for (p = t; (p = str_find(p, (size_t)(end - p), w, n)) != NULL; p++) {
		const char *q = p + n;
		if ((p > t && lc_word(p[-1])) || (q < end && lc_word(*q)))
			continue;
		if ((p > t && p[-1] == '/') ||
		    (q < end && (*q == '/' || (*q == '.' && q + 1 < end && lc_word(q[1])))))
			return true;
	}
	return false;
}

/* Is the piece pc[0..pl) (a word, after a blank or not) one of the
 * sorted `words` that names a path in conv[0..cn)?  Then *half is where
 * it is cut. */
static bool
own_name(char *const *words, size_t nwords, const char *conv, size_t cn, const char *pc,
	 size_t pl, size_t *half)
{
	size_t sp = pl && pc[0] == ' ', k;

	if (pl < sp + 2)
		return false;
	for (k = sp; k < pl; k++)
		if (!lc_word(pc[k]))
			return false;
	*half = sp + (pl - sp) / 2;
	return lc_in_words(words, nwords, pc + sp, pl - sp, true) &&
	       names_a_path(conv, cn, pc + sp, pl - sp);
}

size_t
local_split_own_words(const struct llm_vocab *v, char *const *words, size_t nwords,
		      const char *text, size_t n, struct llm_tokens *t)
{
	const char *conv = str_find(text, n, "<|im_end|>", 10);
	struct llm_tokens o = { 0 }, a = { 0 };
	struct buf pc = BUF_INIT;
	size_t i, j, half, cn = conv ? n - (size_t)(conv - text) : 0, split = 0;
	bool sys = true;

	if (!nwords || !conv)
		return 0;
	for (i = 0; i < t->n; i++) {
		int32_t id = t->ids[i];
		buf_reset(&pc);
		if (!sys)
			llm_token_piece(v, id, false, &pc);
		if (!sys && own_name(words, nwords, conv, cn, buf_str(&pc), pc.len, &half)) {
			a.n = 0;
			llm_tokenize(v, buf_str(&pc), half, false, false, &a);
			llm_tokenize(v, buf_str(&pc) + half, pc.len - half, false, false, &a);
			for (j = 0; j < a.n; j++)
				llm_tokens_push(&o, a.ids[j]);
			split++;
			continue;
		}
		if (llm_vocab_is_eog(v, id))
			sys = false;
		llm_tokens_push(&o, id);
	}
	buf_free(&pc);
	llm_tokens_free(&a);
	llm_tokens_free(t);
	*t = o;
	return split;
}

/* Did a command that a result reports end in failure ("[exit 1]")? */
static bool
exit_failed(const char *t)
{
	const char *p = t ? strstr(t, "[exit ") : NULL, *q = NULL;
	while (p) { /* the last such note */
		q = p;
		p = strstr(p + 1, "[exit ");
	}
	return q && strncmp(q, "[exit 0]", 8) != 0;
}

bool
local_failed_calls(const struct conv *c, struct buf *say)
{
	size_t i, j, k, from = 0, at = say->len;
	bool any = false, clean = true;

	if (!c || c->n == 0 || c->msgs[c->n - 1].role != CONV_USER)
		return false;
	/* since the user's words: the calls that failed */
	for (i = 0; i < c->n; i++)
		for (j = 0; j < c->msgs[i].nblocks; j++)
			if (c->msgs[i].role == CONV_USER && c->msgs[i].blocks[j].type == BLK_TEXT)
				from = i + 1;
	for (i = from; i < c->n; i++) {
		const struct conv_msg *m = &c->msgs[i];
		if (m->role != CONV_USER)
			continue;
		clean = true;
		for (j = 0; j < m->nblocks; j++) {
			const struct conv_block *b = &m->blocks[j];
			const char *name = NULL;
			if (b->type != BLK_TOOL_RESULT)
				continue;
			clean &= !b->is_error && !exit_failed(b->text);
			if (!b->is_error)
				continue;
			for (k = 0; i > 0 && k < c->msgs[i - 1].nblocks && !name; k++) {
				const struct conv_block *call = &c->msgs[i - 1].blocks[k];
				if (call->type == BLK_TOOL_CALL && call->id && b->id &&
				    strcmp(call->id, b->id) == 0)
					name = call->name;
			}
			buf_printf(say, "%sThe %s call failed: %s", any ? "\n" : "",
				   name ? name : "tool", b->text && *b->text ? b->text : "(no reason given)");
			any = true;
		}
	}
	/* a later call that went well: its result is the answer's */
	if (any && clean)
		buf_truncate(say, at);
	return any && !clean;
}
