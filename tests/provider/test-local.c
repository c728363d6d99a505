/* Check suite for chat templates, the local provider's conv glue, the
 * tool-call grammar, and (when CONCH_TEST_LOCAL_MODEL names a small model
 * written by tools/llm_ref.py, see local-e2e.sh) the provider end to end:
 * a required tool call parsed, its result fed back, the prefix reused. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conv/conv.h"
#include "llm/llm.h"
#include "llm/template.h"
#include "llm/vocab.h"
#include "provider/local-grammar.h"
#include "provider/local.h"
#include "util/buf.h"
#include "util/jsonx.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/provider/request.h"

static const struct llm_chat_msg chat[] = {
	{ "system", "Be brief.", false },
	{ "user", "Hi", false },
	{ "assistant", "Hello!", true },
	{ "user", "Read it", false },
	{ "tool", "file body", false },
};

static void
expect_render(enum llm_tmpl t, size_t n, const char *want)
{
	struct buf b = BUF_INIT;
	ck_assert_int_eq(llm_tmpl_render(t, chat, n, true, &b), C_OK);
	ck_assert_msg(strcmp(buf_str(&b), want) == 0, "%s:\n[%s]\nwant\n[%s]", llm_tmpl_name(t),
		      buf_str(&b), want);
	buf_free(&b);
}

/* Block `i` of `m` is of `type` and holds `s`: its name for a tool call,
 * its text otherwise. */
static void
expect_block(const struct conv_msg *m, size_t i, enum conv_block_type type,
	     const char *s)
{
	const struct conv_block *b;
	ck_assert_uint_lt(i, m->nblocks);
	b = &m->blocks[i];
	ck_assert_int_eq(b->type, type);
	ck_assert_str_eq(type == BLK_TOOL_CALL ? b->name : b->text, s);
}

START_TEST(template_families)
{
	static const struct {
		const char *text; /* a chat template */
		enum llm_tmpl want;
	} detect[] = {
		{ "{% for m in messages %}<|im_start|>{{m.role}}", LLM_TMPL_CHATML },
		{ "{{'<|start_header_id|>' + role}}", LLM_TMPL_LLAMA3 },
		{ "{{ '[INST] ' + content + ' [/INST]' }}", LLM_TMPL_MISTRAL },
		{ "<start_of_turn>{{role}}", LLM_TMPL_GEMMA },
		{ "<|user|>{{c}}<|end|><|assistant|>", LLM_TMPL_PHI3 },
		{ "{{ bos_token }}{{ content }}", LLM_TMPL_NONE },
		{ NULL, LLM_TMPL_NONE },
	};
	expect_render(LLM_TMPL_CHATML, 5,
		      "<|im_start|>system\nBe brief.<|im_end|>\n"
		      "<|im_start|>user\nHi<|im_end|>\n"
		      "<|im_start|>assistant\nHello!<|im_end|>\n"
		      "<|im_start|>user\nRead it<|im_end|>\n"
		      "<|im_start|>user\n<tool_response>\nfile body\n</tool_response><|im_end|>\n"
		      "<|im_start|>assistant\n");
	expect_render(LLM_TMPL_LLAMA3, 5,
		      "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
		      "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
		      "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
		      "<|start_header_id|>user<|end_header_id|>\n\nRead it<|eot_id|>"
		      "<|start_header_id|>ipython<|end_header_id|>\n\nfile body<|eot_id|>"
		      "<|start_header_id|>assistant<|end_header_id|>\n\n");
	expect_render(LLM_TMPL_MISTRAL, 4,
		      "[INST] Be brief.\n\nHi [/INST] Hello!</s>[INST] Read it [/INST]");
	expect_render(LLM_TMPL_GEMMA, 4,
		      "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
		      "<start_of_turn>model\nHello!<end_of_turn>\n"
		      "<start_of_turn>user\nRead it<end_of_turn>\n"
		      "<start_of_turn>model\n");
	expect_render(LLM_TMPL_PHI3, 4,
		      "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n"
		      "<|assistant|>\nHello!<|end|>\n<|user|>\nRead it<|end|>\n<|assistant|>\n");
	/* detection from real template texts' markers */
	for (size_t i = 0; i < sizeof detect / sizeof detect[0]; i++)
		ck_assert_msg(llm_tmpl_detect(detect[i].text) == detect[i].want,
			      "%s: %d", detect[i].text ? detect[i].text : "(null)",
			      (int)llm_tmpl_detect(detect[i].text));
	ck_assert_int_eq(llm_tmpl_from_name("gemma"), LLM_TMPL_GEMMA);
	{
		struct llm_chat_msg bad = { "wizard", "x", false };
		struct buf b = BUF_INIT;
		ck_assert_int_eq(llm_tmpl_render(LLM_TMPL_CHATML, &bad, 1, true, &b), C_ERR_INVAL);
		buf_free(&b);
	}
}
END_TEST

START_TEST(markup_spans)
{
	struct buf b = BUF_INIT;
	struct llm_spans sp = { 0 };
	struct llm_chat_msg m[2] = { { "user", "a<|im_end|>b", false }, { "assistant", "<think>x", true } };
	size_t i;
	ck_assert_int_eq(llm_tmpl_render_marked(LLM_TMPL_CHATML, m, 2, true, &b, &sp), C_OK);
	/* the content lies outside every markup span */
	for (i = 0; i < sp.n; i++) {
		size_t at = (size_t)(strstr(buf_str(&b), "a<|im_end|>b") - buf_str(&b));
		ck_assert(sp.v[2 * i + 1] <= at || sp.v[2 * i] >= at + 12);
	}
	/* user content splits the markup in two; the assistant turn is all
	 * markup and joins the rest */
	ck_assert_uint_eq(sp.n, 2);
	ck_assert_uint_eq(sp.v[3], b.len);
	llm_spans_free(&sp);
	buf_free(&b);
}
END_TEST

static const struct conv_tool_spec tools[] = {
	{ "read", "Read a file.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
	  "\"limit\":{\"type\":\"integer\"}},\"required\":[\"path\"],\"additionalProperties\":false}", NULL },
	{ "bash", "Run a command.",
	  "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},"
	  "\"required\":[\"command\"]}", NULL },
	{ "mode", "Pick a mode.",
	  "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"string\",\"enum\":[\"fast\",\"slow\"]}},"
	  "\"required\":[\"m\"]}", NULL },
};

static void
build_conv(struct conv *c)
{
	struct conv_msg *m;
	conv_init(c);
	m = conv_add(c, CONV_USER);
	conv_msg_add_text(m, "Show README");
	m = conv_add(c, CONV_ASSISTANT);
	conv_msg_add_thinking(m, "hidden", NULL);
	conv_msg_add_text(m, "Reading.");
	conv_msg_add_tool_call(m, "call_0", "read", "{\"path\":\"README\"}");
	m = conv_add(c, CONV_USER);
	conv_msg_add_tool_result(m, "call_0", "hello", false);
}

START_TEST(render_hermes_and_llama3)
{
	struct conv c;
	struct buf b = BUF_INIT;
	build_conv(&c);
	ck_assert_int_eq(local_render(LLM_TMPL_CHATML, "SYS", &c, tools, 1, false, &b, NULL), C_OK);
	ck_assert_str_eq(buf_str(&b),
		"<|im_start|>system\nSYS\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
		"You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
		"{\"type\": \"function\", \"function\": {\"name\": \"read\", \"description\": \"Read a file.\", "
		"\"parameters\": {\"type\": \"object\", \"properties\": {\"path\": {\"type\": \"string\"}, "
		"\"limit\": {\"type\": \"integer\"}}, \"required\": [\"path\"], \"additionalProperties\": false}}}\n"
		"</tools>\n\nFor each function call, return a json object with function name and arguments "
		"within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
		"\"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
		"<|im_start|>user\nShow README<|im_end|>\n"
		"<|im_start|>assistant\nReading.\n<tool_call>\n{\"name\": \"read\", \"arguments\": {\"path\": \"README\"}}\n</tool_call><|im_end|>\n"
		"<|im_start|>user\n<tool_response>\nhello\n</tool_response><|im_end|>\n"
		"<|im_start|>assistant\n");
	buf_reset(&b);
	ck_assert_int_eq(local_render(LLM_TMPL_LLAMA3, NULL, &c, tools, 1, true, &b, NULL), C_OK);
	ck_assert_str_eq(buf_str(&b),
		"<|start_header_id|>system<|end_header_id|>\n\nYou have access to the following functions. "
		"To call a function, respond with JSON for a function call with its proper arguments. "
		"Respond in the format {\"name\": function name, \"parameters\": dictionary of argument "
		"name and its value}. Do not use variables.\n\n"
		"{\"type\": \"function\", \"function\": {\"name\": \"read\", \"parameters\": {\"type\": \"object\", "
		"\"properties\": {\"path\": {\"type\": \"string\"}, \"limit\": {\"type\": \"integer\"}}, "
		"\"required\": [\"path\"], \"additionalProperties\": false}}}<|eot_id|>"
		"<|start_header_id|>user<|end_header_id|>\n\nShow README<|eot_id|>"
		"<|start_header_id|>assistant<|end_header_id|>\n\nReading.\n{\"name\": \"read\", \"parameters\": {\"path\": \"README\"}}<|eot_id|>"
		"<|start_header_id|>ipython<|end_header_id|>\n\nhello<|eot_id|>"
		"<|start_header_id|>assistant<|end_header_id|>\n\n");
	buf_free(&b);
	conv_free(&c);
}
END_TEST

START_TEST(parse_replies)
{
	struct conv_msg m;
	unsigned id = 0;
	const char *r1 = "<think>\nplan it\n</think>\n\nSure.\n<tool_call>\n{\"name\": \"read\", "
			 "\"arguments\": {\"path\": \"a.txt\"}}\n</tool_call>";
	conv_msg_init(&m, CONV_ASSISTANT);
	ck_assert_uint_eq(local_parse_reply(LLM_TMPL_CHATML, r1, strlen(r1), &m, &id), 1);
	ck_assert_uint_eq(m.nblocks, 3);
	expect_block(&m, 0, BLK_THINKING, "plan it");
	expect_block(&m, 1, BLK_TEXT, "Sure.");
	expect_block(&m, 2, BLK_TOOL_CALL, "read");
	ck_assert_str_eq(m.blocks[2].args, "{\"path\":\"a.txt\"}");
	ck_assert_str_eq(m.blocks[2].id, "call_0");
	conv_msg_free(&m);

	/* a reply that starts inside thinking; two calls, one with string args;
	 * a broken call stays text */
	{
		const char *r = "deep thought</think>ok<tool_call>{\"name\":\"bash\",\"arguments\":"
				"\"{\\\"command\\\":\\\"ls\\\"}\"}</tool_call><tool_call>{oops</tool_call>";
		conv_msg_init(&m, CONV_ASSISTANT);
		ck_assert_uint_eq(local_parse_reply(LLM_TMPL_CHATML, r, strlen(r), &m, &id), 1);
		ck_assert_uint_eq(m.nblocks, 4);
		expect_block(&m, 0, BLK_THINKING, "deep thought");
		ck_assert_str_eq(m.blocks[1].text, "ok");
		ck_assert_str_eq(m.blocks[2].args, "{\"command\":\"ls\"}");
		ck_assert_str_eq(m.blocks[2].id, "call_1");
		expect_block(&m, 3, BLK_TEXT, "<tool_call>{oops</tool_call>");
		conv_msg_free(&m);
	}
	/* Llama 3.1 JSON */
	{
		const char *r = " {\"name\": \"read\", \"parameters\": {\"path\": \"x\"}}";
		conv_msg_init(&m, CONV_ASSISTANT);
		ck_assert_uint_eq(local_parse_reply(LLM_TMPL_LLAMA3, r, strlen(r), &m, &id), 1);
		ck_assert_str_eq(m.blocks[0].name, "read");
		ck_assert_str_eq(m.blocks[0].args, "{\"path\":\"x\"}");
		conv_msg_free(&m);
		conv_msg_init(&m, CONV_ASSISTANT);
		ck_assert_uint_eq(local_parse_reply(LLM_TMPL_LLAMA3, "Just text.", 10, &m, &id), 0);
		ck_assert_str_eq(m.blocks[0].text, "Just text.");
		conv_msg_free(&m);
	}
}
END_TEST

/* Any mix of markers and JSON pieces parses without harm: tool calls come
 * out with a name and arguments that are a JSON object. */
START_TEST(parse_random_replies)
{
	static const char *const atoms[] = {
		"<think>", "</think>", "<tool_call>", "</tool_call>", "{", "}", "\"name\"", ":",
		"\"read\"", ",", "\"arguments\"", "\"parameters\"", "\"x\"", "[", "]", " ", "\n",
		"text", "<tool_", "call>", "\"", "1", "null", "<|python_tag|>",
		"{\"name\": \"read\", \"arguments\": ", "\"{}\"", "\"[1]\"", "}}",
	};
	uint64_t rng = 3;
	int it, fam;
	unsigned id = 0;
	for (it = 0; it < 3000; it++) {
		struct buf r = BUF_INIT;
		struct conv_msg m;
		size_t i, n;
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (rng >> 33) % 30;
		for (i = 0; i < n; i++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			buf_adds(&r, atoms[(rng >> 33) % (sizeof(atoms) / sizeof(atoms[0]))]);
		}
		fam = it % 2 ? LLM_TMPL_LLAMA3 : LLM_TMPL_CHATML;
		conv_msg_init(&m, CONV_ASSISTANT);
		local_parse_reply((enum llm_tmpl)fam, buf_str(&r), r.len, &m, &id);
		for (i = 0; i < m.nblocks; i++) {
			if (m.blocks[i].type == BLK_TOOL_CALL) {
				cJSON *a = cJSON_Parse(m.blocks[i].args);
				ck_assert(m.blocks[i].name && *m.blocks[i].name);
				ck_assert_msg(cJSON_IsObject(a), "%s", m.blocks[i].args);
				cJSON_Delete(a);
			} else {
				ck_assert(m.blocks[i].text != NULL);
			}
		}
		conv_msg_free(&m);
		buf_free(&r);
	}
}
END_TEST

static bool
feed(const struct tcg *g, const char *s)
{
	struct tcg_state st;
	tcg_start(g, &st);
	return tcg_feed(g, &st, s, strlen(s)) && tcg_done(&st);
}

static bool
prefix_ok(const struct tcg *g, const char *s)
{
	struct tcg_state st;
	tcg_start(g, &st);
	return tcg_feed(g, &st, s, strlen(s));
}

START_TEST(grammar_accepts_and_refuses)
{
	struct tcg *g = tcg_new(tools, 3, "arguments");
	ck_assert(feed(g, "{\"name\": \"read\", \"arguments\": {\"path\": \"a b\\n\\u00e9\"}}"));
	ck_assert(feed(g, "{\"name\":\"read\",\"arguments\":{\"limit\":-15,\"path\":\"x\"}}"));
	ck_assert(feed(g, "{\"name\":\"bash\",\"arguments\":{\"command\":\"ls\",\"extra\":[1,{\"a\":null},[],true]}}"));
	ck_assert(feed(g, "{\"name\":\"mode\",\"arguments\":{\"m\":\"slow\"}}"));
	/* property types: path is a string, limit an integer */
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"path\":1"));
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"limit\":1.5"));
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"limit\":\"3\""));
	/* unknown tool names cannot even begin */
	ck_assert(!prefix_ok(g, "{\"name\": \"rm"));
	ck_assert(!prefix_ok(g, "{\"name\": \"reads\""));
	ck_assert(!prefix_ok(g, "{\"name\": \"\""));
	/* required arguments: the object cannot close without them */
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{}"));
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"limit\":3}"));
	/* keys outside the schema's properties, duplicates, bad enum values */
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"pat\":"));
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\":{\"path\":\"a\",\"path\""));
	ck_assert(!prefix_ok(g, "{\"name\":\"mode\",\"arguments\":{\"m\":\"medium\""));
	ck_assert(!prefix_ok(g, "{\"name\":\"mode\",\"arguments\":{\"m\":3"));
	/* malformed JSON */
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":ls"));
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":\"a\nb\""));
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":\"\\q\""));
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":01"));
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":\"x\",}"));
	ck_assert(!prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":[1,]"));
	ck_assert(!prefix_ok(g, "[\"name\""));
	ck_assert(!prefix_ok(g, "{\"tool\":"));
	ck_assert(!prefix_ok(g, "{         \"name\""));
	/* bytes after the end are not looked at */
	ck_assert(prefix_ok(g, "{\"name\":\"bash\",\"arguments\":{\"command\":\"x\"}}\n</tool_call>"));
	tcg_free(g);
	g = tcg_new(tools, 1, "parameters");
	ck_assert(feed(g, "{\"name\":\"read\",\"parameters\":{\"path\":\"p\"}}"));
	ck_assert(!prefix_ok(g, "{\"name\":\"read\",\"arguments\""));
	tcg_free(g);
}
END_TEST

/* Random walks through the grammar: whatever path is taken, the result is
 * valid JSON naming a real tool with its required arguments. */
START_TEST(grammar_random_walks)
{
	static const char alphabet[] = "{}[]\":,. -+0123456789eE\\/\n abcdefghijklmnopqrstuvwxyz";
	struct tcg *g = tcg_new(tools, 3, "arguments");
	uint64_t rng = 12345;
	int walk, done = 0;

	for (walk = 0; walk < 400; walk++) {
		struct tcg_state st;
		char out[4096];
		size_t n = 0;
		tcg_start(g, &st);
		while (!tcg_done(&st) && n < sizeof out - 1) {
			char opts[sizeof alphabet];
			size_t no = 0, i;
			for (i = 0; i < sizeof alphabet - 1; i++) {
				struct tcg_state t = st;
				if (tcg_feed(g, &t, &alphabet[i], 1))
					opts[no++] = alphabet[i];
			}
			ck_assert_msg(no > 0, "dead end after [%.*s]", (int)n, out);
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			/* prefer closing characters a little so walks end */
			out[n] = opts[(rng >> 33) % no];
			for (i = 0; i < no; i++)
				if ((opts[i] == '}' || opts[i] == ']' || opts[i] == '"') && ((rng >> 20) & 3) == 0)
					out[n] = opts[i];
			ck_assert(tcg_feed(g, &st, &out[n], 1));
			n++;
		}
		if (!tcg_done(&st))
			continue;
		done++;
		{
			cJSON *j = jx_parse(out, n, NULL, NULL);
			const char *name;
			const cJSON *args;
			ck_assert_msg(j != NULL, "invalid JSON: %.*s", (int)n, out);
			name = jx_str(j, "name");
			ck_assert_ptr_nonnull(name);
			args = cJSON_GetObjectItemCaseSensitive(j, "arguments");
			ck_assert(cJSON_IsObject(args));
			if (strcmp(name, "read") == 0)
				ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(args, "path")));
			else if (strcmp(name, "bash") == 0)
				ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(args, "command"));
			else {
				ck_assert_str_eq(name, "mode");
				ck_assert(strcmp(jx_str(args, "m"), "fast") == 0 ||
					  strcmp(jx_str(args, "m"), "slow") == 0);
			}
			cJSON_Delete(j);
		}
	}
	ck_assert_int_gt(done, 100);
	tcg_free(g);
}
END_TEST

/* ---- end to end through the provider, with a model from tools/ ---- */

static const struct conv_tool_spec e2e_tools[] = {
	{ "read", "Read a file.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"enum\":[\"README.md\"]}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}", NULL },
};

struct sink {
	struct buf text;
	int polls, cancel_after;
	struct buf thinking;
};

static void
on_text(void *ud, const char *s, size_t n)
{
	struct sink *k = ud;
	buf_add(&k->text, s, n);
}

static void
on_thinking(void *ud, const char *s, size_t n)
{
	struct sink *k = ud;
	buf_add(&k->thinking, s, n);
}

static bool
on_cancelled(void *ud)
{
	struct sink *k = ud;
	k->polls++;
	return k->cancel_after >= 0 && k->polls > k->cancel_after;
}

/* A conversation with a local provider: the request, the events (text
 * and thinking into `k`) and the conversation the request holds. */
struct chat {
	struct provider_request req;
	struct provider_events ev;
	struct sink k;
	struct conv c;
};

/* Start `t` at the first turn both provider tests send: "Show me
 * README.md" with the e2e tool table, streamed text into t->k. */
static void
chat_start(struct chat *t)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->k.text, 0);
	buf_init(&t->k.thinking, 0);
	t->k.cancel_after = -1;
	t->ev.ud = &t->k;
	t->ev.text = on_text;
	t->ev.cancel_fd = -1;
	request_one(&t->req, &t->c, "You are a test.", "Show me README.md",
		    e2e_tools, 1);
}

static void
chat_free(struct chat *t)
{
	conv_free(&t->c);
	buf_free(&t->k.text);
	buf_free(&t->k.thinking);
}

START_TEST(provider_end_to_end)
{
	const char *path = getenv("CONCH_TEST_LOCAL_MODEL");
	struct provider_error err;
	struct provider *p;
	struct chat t;
	struct conv_msg out, *m;
	cJSON *cfg;
	char *txt;

	if (!path)
		return; /* run by local-e2e.sh with a model */
	cfg = cJSON_Parse("{\"local\":{\"ctx\":2048,\"seed\":1,\"temperature\":0.8}}");
	p = provider_local_open(path, cfg, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_str_eq(p->name, "local");
	chat_start(&t);
	t.ev.cancelled = on_cancelled;
	t.req.max_tokens = 100;
	t.req.tool_required = true;

	/* turn 1: the call is forced, well-formed and parsed */
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_OK);
	if (conv_msg_tool_calls(&out) == 0) {
		cJSON *j = conv_msg_to_json(&out);
		char *s = jx_print(j);
		fprintf(stderr, "reply: %s\n", s);
		free(s);
		cJSON_Delete(j);
	}
	ck_assert_uint_ge(conv_msg_tool_calls(&out), 1);
	ck_assert_int_eq(out.stop, STOP_TOOL_USE);
	ck_assert(out.usage.known);
	ck_assert_int_gt(out.usage.input, 20);
	ck_assert_int_gt(out.usage.output, 5);
	{
		size_t i;
		char *id = NULL;
		struct conv_msg tmp;
		for (i = 0; i < out.nblocks; i++)
			if (out.blocks[i].type == BLK_TOOL_CALL) {
				ck_assert_str_eq(out.blocks[i].name, "read");
				ck_assert_str_eq(out.blocks[i].args, "{\"path\":\"README.md\"}");
				id = xstrdup(out.blocks[i].id);
				break;
			}
		/* the assistant turn, then the "executed" tool's result */
		conv_msg_copy(&tmp, &out);
		conv_push(&t.c, &tmp);
		m = conv_add(&t.c, CONV_USER);
		conv_msg_add_tool_result(m, id, "# conch\nA coding agent.", false);
		free(id);
	}
	conv_msg_free(&out);

	/* turn 2: no tool required; the cached prefix is reused */
	t.req.tool_required = false;
	t.req.max_tokens = 12;
	buf_reset(&t.k.text);
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_OK);
	ck_assert_int_gt(out.usage.cache_read, 20);
	ck_assert_int_lt(out.usage.cache_read, out.usage.input);
	txt = conv_msg_text(&out);
	if (conv_msg_tool_calls(&out) == 0)
		ck_assert_msg(strstr(buf_str(&t.k.text), txt) != NULL || !*txt,
			      "streamed [%s] vs parsed [%s]", buf_str(&t.k.text), txt);
	free(txt);
	conv_msg_free(&out);

	/* cancellation within a token or two */
	t.k.polls = 0;
	t.k.cancel_after = 3;
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_ERR_CANCELLED);
	ck_assert_int_eq(err.kind, C_ERR_CANCELLED);
	ck_assert_int_le(t.k.polls, 5);
	conv_msg_free(&out);

	/* a window that cannot hold the prompt is reported, not crashed; the
	 * model is named through providers.local.models */
	provider_close(p);
	cJSON_Delete(cfg);
	cfg = cJSON_Parse("{\"local\":{\"ctx\":40,\"models\":{}}}");
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cfg, "local"), "models"), "tiny", path);
	p = provider_local_open("tiny", cfg, &err);
	ck_assert_ptr_nonnull(p);
	t.k.cancel_after = -1;
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_ERR_CONTEXT);
	conv_msg_free(&out);
	provider_close(p);
	cJSON_Delete(cfg);

	/* a model without a template is refused with its name */
	chat_free(&t);
}
END_TEST

/* A model whose replies are fixed (tools/llm_ref.py scripted): thinking,
 * text and a tool call are streamed to the right events and parsed into
 * the right blocks; with the tool's result fed back the next turn answers,
 * reusing the cached prefix. */
START_TEST(provider_scripted_reply)
{
	const char *path = getenv("CONCH_TEST_SCRIPTED_MODEL");
	struct provider_error err;
	struct provider *p;
	struct chat t;
	struct conv_msg out, tmp, *m;
	long first_input;

	if (!path)
		return;
	p = provider_local_open(path, NULL, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	chat_start(&t);
	t.ev.thinking = on_thinking;

	/* turn 1: thinking, text, a call */
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_OK);
	ck_assert_uint_eq(out.nblocks, 3);
	expect_block(&out, 0, BLK_THINKING, "plan");
	expect_block(&out, 1, BLK_TEXT, "Sure");
	expect_block(&out, 2, BLK_TOOL_CALL, "read");
	ck_assert_str_eq(out.blocks[2].args, "{\"path\":\"README.md\"}");
	ck_assert_int_eq(out.stop, STOP_TOOL_USE);
	ck_assert_str_eq(buf_str(&t.k.thinking), "plan");
	ck_assert_str_eq(buf_str(&t.k.text), "Sure");
	ck_assert_int_eq(out.usage.cache_read, 0);
	first_input = out.usage.input;
	conv_msg_copy(&tmp, &out);
	conv_push(&t.c, &tmp);
	m = conv_add(&t.c, CONV_USER);
	conv_msg_add_tool_result(m, out.blocks[2].id, "# conch", false);
	conv_msg_free(&out);

	/* turn 2: the result is in the context; the answer ends the task */
	buf_reset(&t.k.text);
	buf_reset(&t.k.thinking);
	ck_assert_int_eq(p->chat(p, &t.req, &t.ev, &out, &err), C_OK);
	ck_assert_uint_eq(out.nblocks, 1);
	expect_block(&out, 0, BLK_TEXT, "Done: README.md was read.");
	ck_assert_int_eq(out.stop, STOP_END);
	ck_assert_str_eq(buf_str(&t.k.text), "Done: README.md was read.");
	ck_assert_uint_eq(t.k.thinking.len, 0);
	/* only what follows the first prompt was evaluated */
	ck_assert_int_ge(out.usage.cache_read, first_input - 1);
	conv_msg_free(&out);
	chat_free(&t);
	provider_close(p);
}
END_TEST

START_TEST(provider_refuses_bad_files)
{
	struct provider_error err;
	const char *shared = getenv("CONCH_SHARED");
	char *p = xasprintf("%s/models/stories260K.gguf", shared ? shared : "../shared");
	FILE *f = fopen(p, "rb");
	ck_assert_ptr_null(provider_local_open("/nonexistent/m.gguf", NULL, &err));
	ck_assert_int_eq(err.kind, C_ERR_BADREQ);
	ck_assert(strstr(err.msg, "/nonexistent/m.gguf") != NULL);
	if (f) {
		fclose(f);
		ck_assert_ptr_null(provider_local_open(p, NULL, &err));
		ck_assert_msg(strstr(err.msg, "has no chat template conch knows") != NULL, "%s", err.msg);
		ck_assert(strstr(err.msg, "'llama'") != NULL);
	}
	free(p);
}
END_TEST

/* The copy constraint of conch-trained models: an answer's digit runs
 * must be numbers the conversation holds. */
START_TEST(copied_numbers_only)
{
	struct buf set = BUF_INIT;
	local_nums_collect(&set, "110\n[exit 0]");
	local_nums_collect(&set, "36974 total, file7.c");
	buf_addc(&set, '\n');
	/* prefixes and whole held numbers */
	ck_assert(local_nums_allow(&set, "11", 2, false));
	ck_assert(local_nums_allow(&set, "110", 3, true));
	ck_assert(local_nums_allow(&set, "3697", 4, false));
	ck_assert(local_nums_allow(&set, "36974", 5, true));
	ck_assert(local_nums_allow(&set, "7", 1, true));
	ck_assert(local_nums_allow(&set, "0", 1, true));
	/* miscopies: a run no held number starts with, or one cut short */
	ck_assert(!local_nums_allow(&set, "15", 2, false));
	ck_assert(!local_nums_allow(&set, "151", 3, true));
	ck_assert(!local_nums_allow(&set, "11", 2, true));
	ck_assert(!local_nums_allow(&set, "1", 1, true));   /* starts 110 */
	ck_assert(!local_nums_allow(&set, "3", 1, true));   /* starts 36974 */
	ck_assert(!local_nums_allow(&set, "369740", 6, false));
	/* a digit that starts no held number stays free */
	ck_assert(local_nums_allow(&set, "5", 1, true));
	ck_assert(local_nums_allow(&set, "", 0, true));
	buf_free(&set);
}
END_TEST

/* Words: copied from the conversation, or the model's own (free) words */
START_TEST(copied_words_only)
{
	static const char *const fw[] = { "contains", "lines", "The", "files", "path" };
	char *free_words[5];
	struct local_copy cp;
	struct conv c;
	struct conv_msg *m;
	const char *r;
	size_t i;

	for (i = 0; i < 5; i++)
		free_words[i] = (char *)fw[i];
	local_copy_sort(free_words, 5);
	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "What is in spec/memo.md?");
	m = conv_add(&c, CONV_ASSISTANT);
	conv_msg_add_tool_call(m, "c1", "read", "{\"path\": \"spec/memo.md\"}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c1",
				 "     1\teach worker has a queue\n", false);
	local_copy_init(&cp, &c, free_words, 5);

	/* words of the conversation, whole or begun */
	ck_assert(local_words_allow(&cp, "memo", 4, true));
	ck_assert(local_words_allow(&cp, "wor", 3, false));
	ck_assert(local_words_allow(&cp, "queue", 5, true));
	/* a piece of a word is not a word: "ork" of "worker", "pec" of "spec" */
	ck_assert(!local_words_allow(&cp, "ork", 3, true));
	ck_assert(!local_words_allow(&cp, "pec", 3, false));
	/* free words and their beginnings; not made-up names */
	ck_assert(local_words_allow(&cp, "contains", 8, true));
	ck_assert(local_words_allow(&cp, "cont", 4, false));
	ck_assert(!local_words_allow(&cp, "cont", 4, true));
	ck_assert(!local_words_allow(&cp, "fefedeno", 8, false));
	ck_assert(!local_words_allow(&cp, "session", 7, true));
	/* single letters and digit runs are not this rule's */
	ck_assert(local_words_allow(&cp, "x", 1, true));
	ck_assert(local_words_allow(&cp, "42", 2, true));

	/* whole pieces after a reply so far */
	r = "spec/memo.md ";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "contains", 8, false));
	ck_assert(local_copy_ok(&cp, r, strlen(r), "contains:", 9, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "holds", 5, false));
	r = "The file sp";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "ec", 2, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "ud", 2, false));
	/* a word may not end where no copy or free word ends ... */
	r = "The cont";
	ck_assert(!local_copy_ok(&cp, r, strlen(r), " ", 1, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "", 0, true));
	/* ... and the letter of a JSON escape is not part of a word */
	r = "{\"content\": \"queue\\";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "nqueue", 6, false));
	/* no free words: the word rule is off */
	local_copy_free(&cp);
	local_copy_init(&cp, &c, NULL, 0);
	ck_assert(local_words_allow(&cp, "fefedeno", 8, true));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A request, one tool call and its result, and the copy set of that
 * conversation (no free words). */
static void
copy_fixture(struct conv *c, struct local_copy *cp, const char *user, const char *tool,
	     const char *args, const char *result)
{
	conv_init(c);
	conv_msg_add_text(conv_add(c, CONV_USER), user);
	conv_msg_add_tool_call(conv_add(c, CONV_ASSISTANT), "c1", tool, args);
	conv_msg_add_tool_result(conv_add(c, CONV_USER), "c1", result, false);
	local_copy_init(cp, c, NULL, 0);
}

/* The finders of local-copy.c share one shape: what may follow a reply. */
typedef size_t (*cont_finder)(const struct local_copy *cp, const char *reply, size_t rlen,
			      char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);

/* find(reply) with room for `max` gives exactly `want` (NULL-ended), in
 * order. */
static void
expect_cont(cont_finder find, const struct local_copy *cp, const char *reply, size_t max,
	    const char *const *want)
{
	char out[4][LOCAL_FOLLOW_LEN + 1];
	size_t n = 0, i;

	while (want[n])
		n++;
	ck_assert_uint_le(max, 4);
	ck_assert_uint_eq(find(cp, reply, strlen(reply), out, max), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(out[i], want[i]);
}
#define CONT(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_CONT ((const char *const[]){ NULL })

/* Where a reply is copying from: the longest tail the conversation holds
 * and what follows it at each place, only where a word goes on. */
START_TEST(copy_follows_the_source)
{
	static const char light[] = /* LOCAL_FOLLOW_LEN (63) bytes */
		" light means ready\"\n{\"path\": \"spec/memo.md\"}\n     1\tthe green l";
	struct local_copy cp;
	struct conv c;

	copy_fixture(&c, &cp, "write gamma.md containing \"the green light means ready\"",
		     "read", "{\"path\": \"spec/memo.md\"}",
		     "     1\tthe green lamp\n     2\tx\n");

	/* the longer match wins: '"the green' is only in the request */
	expect_cont(local_copy_follow, &cp, "{\"content\": \"the green", 4, CONT(light));
	/* as long in both: both places, each once (each block ends in a
	 * newline); as many as there is room for */
	expect_cont(local_copy_follow, &cp, "x the green", 4,
		    CONT(light, " lamp\n     2\tx\n\n"));
	expect_cont(local_copy_follow, &cp, "x the green", 1, CONT(light));
	/* inside a word */
	expect_cont(local_copy_follow, &cp, "spec/me", 4,
		    CONT("mo.md\"}\n     1\tthe green lamp\n     2\tx\n\n"));
	/* not across a tool result's layout, not from too short a tail, not
	 * from text the conversation lacks */
	expect_cont(local_copy_follow, &cp, "the green lamp", 4, NO_CONT);
	expect_cont(local_copy_follow, &cp, "gr", 4, NO_CONT);
	expect_cont(local_copy_follow, &cp, "zzzz", 4, NO_CONT);
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* An answer's list item begins with a name the conversation holds. */
START_TEST(items_begin_with_names)
{
	static const char *const fw[] = { "Found", "files", "lines" };
	struct local_copy cp;
	struct conv c;
	const char *r = "Found 2 files:\n- mod";

	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "List the Ruby files.");
	conv_msg_add_tool_call(conv_add(&c, CONV_ASSISTANT), "c1", "glob", "{}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c1", "model/clock.rb\nnotes/b.rb\n",
				 false);
	local_copy_init(&cp, &c, (char *const *)fw, 3);
	cp.answer = true;
	ck_assert(local_copy_ok(&cp, r, strlen(r), "el/clock.rb", 11, false));
	ck_assert(local_copy_ok(&cp, r, strlen(r), "el/clock.rb: 3 lines\n", 21, false));
	ck_assert(local_copy_ok(&cp, r, strlen(r), "el/clock.rb", 11, true));
	/* the first field must be whole and held; the rest is the word rule's */
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "el/c\n", 5, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "el/c", 4, true));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), " no", 3, false));
	r = "Found 2 files:\n- ";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "notes/b.rb", 10, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "m no", 4, false));
	/* a number is not a name ("- 1 Markdown files") */
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c2", " 1 model/clock.rb\n 2 1984.md\n",
				 false);
	local_copy_free(&cp);
	local_copy_init(&cp, &c, (char *const *)fw, 3);
	cp.answer = true;
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "1 files", 7, false));
	ck_assert(local_copy_ok(&cp, r, strlen(r), "1", 1, false)); /* "1984.md" may follow */
	ck_assert(local_copy_ok(&cp, r, strlen(r), "1984.md\n", 8, false));
	ck_assert(!local_copy_ok(&cp, r, strlen(r), "2", 1, false)); /* nothing but "2" */
	/* not a list line, or not an answer: no item rule */
	r = "Found 2 files:\n";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "Found", 5, false));
	cp.answer = false;
	r = "Found 2 files:\n- mod";
	ck_assert(local_copy_ok(&cp, r, strlen(r), "el/c", 4, true));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* May piece follow reply r (`end`: and end it)? */
static bool
ok_after(const struct local_copy *cp, const char *r, const char *piece, bool end)
{
	return local_copy_ok(cp, r, strlen(r), piece, strlen(piece), end);
}

/* What an answer fences is a line of a tool result, or what follows the
 * first tab of one (read's numbered lines). */
START_TEST(fences_hold_result_lines)
{
	static const char *const fw[] = { "git", "status", "printed" };
	struct local_copy cp;
	struct conv c;
	const char *r = "git status:\n```\n M mo";

	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "git status and show notes/a.txt");
	conv_msg_add_tool_call(conv_add(&c, CONV_ASSISTANT), "c1", "bash", "{}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c1",
				 " M model/plan.rb\n?? frame.txt\n[exit 0]", false);
	conv_msg_add_tool_call(conv_add(&c, CONV_ASSISTANT), "c2", "read", "{}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c2", "     1\tthe green light\n", false);
	local_copy_init(&cp, &c, (char *const *)fw, 3);
	cp.answer = true;
	ck_assert(ok_after(&cp, r, "del/plan.rb\n", false));
	ck_assert(ok_after(&cp, r, "del/plan.rb\n?? frame.txt\n```", true));
	/* a line that leaves the result's, or ends before its end */
	ck_assert(!ok_after(&cp, r, "\n", false));
	ck_assert(!ok_after(&cp, r, "del/plan.rb frame", false));
	ck_assert(!ok_after(&cp, r, "", true));
	r = "git status:\n```\n";
	ck_assert(!ok_after(&cp, r, " M /plan.rb", false));
	/* read's lines without their numbers; the fence closes */
	ck_assert(ok_after(&cp, r, "the green light\n```\n", true));
	ck_assert(!ok_after(&cp, r, "the green l\n", false));
	ck_assert(!ok_after(&cp, r, "     1\t", false)); /* not the number */
	/* conch's notes are not the tool's output, nor names */
	ck_assert(!ok_after(&cp, r, "[exit 0]\n", false));
	ck_assert(!ok_after(&cp, "Found:\n- ", "exit", false));
	/* outside a fence, lines are free (the word rule's) */
	r = "git status:\n```\n?? frame.txt\n```\n";
	ck_assert(ok_after(&cp, r, "git status", false));
	r = "git status";
	ck_assert(ok_after(&cp, r, ":\n```\n?? frame.txt\n", false));
	ck_assert(!ok_after(&cp, r, ":\n```\nstatus\n", false));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A list copied from a tool result goes on at the next line's column. */
START_TEST(copy_follows_a_list)
{
	struct local_copy cp;
	struct conv c;

	copy_fixture(&c, &cp, "What is in lib?", "ls", "{\"path\": \"lib\"}",
		     "file main.c  63\nfile words.txt  17\ndir  docs/\n");

	/* the next name of the listing, with what the bullet still lacks */
	expect_cont(local_copy_next_line, &cp, "lib contains:\n- main.c\n-", 4,
		    CONT(" words.txt  17"));
	expect_cont(local_copy_next_line, &cp, "lib contains:\n- main.c\n- ", 4,
		    CONT("words.txt  17"));
	expect_cont(local_copy_next_line, &cp, "main.c\n", 4, CONT("words.txt  17"));
	/* not a whole field ("ain.c"), not past the last line, not once the
	 * line holds more than the bullet, not with another bullet */
	expect_cont(local_copy_next_line, &cp, "- ain.c\n- ", 4, NO_CONT);
	expect_cont(local_copy_next_line, &cp, "- docs/\n- ", 4, NO_CONT);
	expect_cont(local_copy_next_line, &cp, "- main.c\n- w", 4, NO_CONT);
	expect_cont(local_copy_next_line, &cp, "* main.c\n- ", 4, NO_CONT);

	/* the first item: every field of the last result's first line */
	expect_cont(local_copy_first_item, &cp, "lib contains:\n-", 4,
		    CONT(" file main.c  63", " main.c  63", " 63"));
	expect_cont(local_copy_first_item, &cp, "lib contains:\n- ", 1, CONT("file main.c  63"));
	/* on the reply's first line too */
	expect_cont(local_copy_first_item, &cp, "- ", 1, CONT("file main.c  63"));
	/* not under an item, not without a bullet */
	expect_cont(local_copy_first_item, &cp, "- main.c\n- ", 4, NO_CONT);
	expect_cont(local_copy_first_item, &cp, "main", 4, NO_CONT);
	expect_cont(local_copy_first_item, &cp, "lib contains:\n", 4, NO_CONT);
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* Feed value[0..) to rule k from a fresh run; true when every byte
 * passes and (with `end`) the value may end there. */
static bool
arg_takes(const struct local_copy *cp, enum local_arg k, const char *value, bool end)
{
	struct local_arg_run r = { .n = 0 };
	for (; *value; value++)
		if (!local_arg_feed(cp, k, &r, *value))
			return false;
	return !end || local_arg_end(cp, k, &r);
}

/* Argument values: a path is a name the conversation holds, a file's
 * path looks like one, what to write is the quoted text. */
START_TEST(argument_rules)
{
	struct local_copy cp;
	struct conv c;

	copy_fixture(&c, &cp, "Save \"a list of ideas\" as notes/alpha.md, then look in model.",
		     "glob", "{\"pattern\": \"**/AUTHORS\"}", "AUTHORS\ndocs/guide.txt: 3 lines\n");
	/* names of the request and of the result, whole or begun */
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "notes/alpha.md", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "notes/al", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "notes/al", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "docs/guide.txt", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "AUTHORS", true)); /* a whole line */
	/* the end of a sentence is not part of a name, a quoted text's words
	 * are not names, a word is not a file's path */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "notes/alpha.md,", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "ideas", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "Save", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "model", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "notes/alpha.md\\n", false));
	/* a directory may be a word ("model", not "model."), or "." */
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, "model", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_PATH, "model.", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, ".", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_PATH, "ideas", false));
	/* what to write: the quoted text, line by line */
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "a list of ideas\\n", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "a list of ideas", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "a list of ideas\\nas", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "a list of\\n", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "a list of ideas\\t", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "a list", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_NONE, "anything \\u0041", true));
	/* a part of the user's words, from and to word boundaries; a text to
	 * replace may also come from a tool result */
	ck_assert(arg_takes(&cp, LOCAL_ARG_SAID, "list of", true));
	/* more than one word only from a quoted text */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "look in model", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_SAID, "list of ideas", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_SAID, "mod", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "mod", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "", true)); /* it matches every line */
	ck_assert(arg_takes(&cp, LOCAL_ARG_NEW, "", true));   /* the text is cut */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "odel", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "guide", false));
	/* a search is for what the user's fields say: not "notes" of
	 * "notes/alpha.md", though a sentence may end after it */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "notes", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "alpha", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_SAID, "notes/alpha.md", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_SEEN, "guide", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_SEEN, "AUTHORS\\ndocs", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SEEN, "AUTHORS\\tdocs", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SEEN, "AUTHORS\\u000a", false));
	/* an escape opens only where one of its letters can follow */
	ck_assert(arg_takes(&cp, LOCAL_ARG_SEEN, "AUTHORS\\", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_SAID, "list\\", false));
	local_copy_free(&cp);
	conv_free(&c);

	/* "one / two" quotes two lines; no quote and no file: rules off */
	copy_fixture(&c, &cp, "Make f.txt with these lines: \"one / two / six\"", "ls",
		     "{\"path\": \".\"}", "dir  src/\n");
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "one\\ntwo\\nsix\\n", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "one\\ntwo\\nsix", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "one / two", false));
	/* all of them, in order */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "one\\n", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "one\\ntwo", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "one\\nsix", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "one\\ntwo\\n", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, "src", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, "src/", true));
	local_copy_free(&cp);
	conv_free(&c);
	/* a line quoted twice is two lines, and then the text may end */
	copy_fixture(&c, &cp, "Make f.txt with these lines: \"a b / a b\"", "ls",
		     "{\"path\": \".\"}", "dir  src/\n");
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "a b\\na b\\n", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "a b\\na b", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "a b\\n", true));
	local_copy_free(&cp);
	conv_free(&c);
	copy_fixture(&c, &cp, "How many lines do the .kt files in src have? Run seq 4.", "glob",
		     "{\"pattern\": \"**/*.kt\"}", "src/a.kt\n");
	/* a command: held names and the model's own fields, between any
	 * separators; off until the model lists its own fields */
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l src/zz.kt", false));
	{
		static const char *const ff[] = { "-l", "-name", "find", "wc", "xargs" };
		local_copy_fields(&cp, (char *const *)ff, 5);
	}
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l src/a.kt", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "find src -name '*.kt' | xargs wc -l", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "seq 4", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "find src -na", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "find src -na", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "wc -l src/zz.kt", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "rm -rf", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "find src -name '*.kts'", false));
	local_copy_free(&cp);
	conv_free(&c);
	copy_fixture(&c, &cp, "list everything", "ls", "{\"path\": \".\"}", "");
	/* nothing quoted: nothing to write */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_TEXT, "free text\\n", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_TEXT, "", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "everything", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FILE, "nothing", false));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A value, and whether rule `kind` takes it (`end`: whole). */
struct arg_case {
	enum local_arg kind;
	const char *value;
	bool end, takes;
};

static void
expect_args(const struct local_copy *cp, const struct arg_case *cases, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		ck_assert_msg(arg_takes(cp, cases[i].kind, cases[i].value, cases[i].end) ==
				      cases[i].takes,
			      "rule %d %s \"%s\"", cases[i].kind,
			      cases[i].takes ? "refuses" : "takes", cases[i].value);
}

/* Remove the directory dir and all it holds. */
static void
remove_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Make dir/rel (a directory when rel ends in '/'), with its parents. */
static void
make_in(const char *dir, const char *rel)
{
	char path[512], *p;
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (path[strlen(path) - 1] != '/') {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs("x\n", f);
		fclose(f);
	}
}

/* Where the tools run is known: paths name what is there (or what the
 * user's words give as a path), files to read are files, find looks in
 * directories, a command reads each file once and parts its fields as
 * the model's own commands do. */
START_TEST(arguments_name_what_is_there)
{
	static const struct arg_case there[] = {
		{ LOCAL_ARG_PATH, "model", true, true },
		{ LOCAL_ARG_PATH, "AUTHORS", true, true },
		{ LOCAL_ARG_PATH, "enumerate", false, false },
		{ LOCAL_ARG_PATH, "ghost.toml", false, false }, /* a result's, not there */
		{ LOCAL_ARG_PATH, "new/x.md", true, true }, /* the user's */
		/* read and edit: files, not directories */
		{ LOCAL_ARG_FILE, "AUTHORS", true, true },
		{ LOCAL_ARG_FILE, "model/kernel.toml", true, true },
		{ LOCAL_ARG_FILE, "new/x.md", true, true },
		{ LOCAL_ARG_FILE, "model", true, false },
		{ LOCAL_ARG_FILE, "the", false, false },
		/* write may name any file-like name, but with nothing quoted to
		 * write, not one that is there */
		{ LOCAL_ARG_DEST, "new/x.md", true, true },
		{ LOCAL_ARG_DEST, "model/kernel.toml", true, false },
		/* ... that the user names, not one a tool's result shows */
		{ LOCAL_ARG_DEST, "ghost.toml", true, false },
		/* an edit: a file there that the user names */
		{ LOCAL_ARG_EDIT, "AUTHORS", true, true },
		{ LOCAL_ARG_EDIT, "model/kernel.toml", true, true },
		{ LOCAL_ARG_EDIT, "model", true, false },
		/* a text to replace of more than a word: a tool's, not the request's */
		{ LOCAL_ARG_SEEN, "model/kernel.toml\\nghost", true, true },
		{ LOCAL_ARG_SEEN, "count the words", false, false },
		{ LOCAL_ARG_SEEN, "count", true, true },
		/* glob: a directory that is there before the first wildcard */
		{ LOCAL_ARG_GLOB, "model/**/*.c", true, true },
		{ LOCAL_ARG_GLOB, "model/kernel.toml", true, true },
		{ LOCAL_ARG_GLOB, "docs/deep/**/*.md", true, true }, /* through docs */
		{ LOCAL_ARG_GLOB, "enumerate/", false, false },
		{ LOCAL_ARG_GLOB, "AUTHORS/", false, false },
		{ LOCAL_ARG_GLOB, "**/status one.h", false, false },
		{ LOCAL_ARG_GLOB, "***", false, false },
		/* a directory alone matches itself, not what is in it */
		{ LOCAL_ARG_GLOB, "model", true, false },
		{ LOCAL_ARG_GLOB, "model", false, true },
		/* commands: files where a command reads them, directories for find */
		{ LOCAL_ARG_CMD, "wc -w model/kernel.toml", true, true },
		{ LOCAL_ARG_CMD, "wc -w model/kernel.toml AUTHORS", true, true },
		{ LOCAL_ARG_CMD, "wc -w words", false, false },
		{ LOCAL_ARG_CMD, "wc -w wc", false, false },
		{ LOCAL_ARG_CMD, "wc -l model ", false, false },
		{ LOCAL_ARG_CMD, "wc -w AUTHORS AUTHORS", true, false },
		{ LOCAL_ARG_CMD, "wc -w AUTHORS AUTHORS ", false, false },
		{ LOCAL_ARG_CMD, "find model -name '*.toml' | xargs wc -l", true, true },
		/* the request names a directory that is there: not "." */
		{ LOCAL_ARG_CMD, "find . -name '*.toml' | wc -l", true, false },
		{ LOCAL_ARG_PATH, ".", true, false },
		{ LOCAL_ARG_GLOB, "**/*.toml", true, false },
		{ LOCAL_ARG_GLOB, ".", true, false },
		{ LOCAL_ARG_GLOB, "./*.toml", false, false },
		{ LOCAL_ARG_GLOB, "model/**/*.toml", true, true },
		{ LOCAL_ARG_CMD, "find AUTHORS ", false, false },
		/* find: directories first, then tests; a quote opens a flag's value */
		{ LOCAL_ARG_CMD, "find '", false, false },
		{ LOCAL_ARG_CMD, "find -name", false, false },
		{ LOCAL_ARG_CMD, "find *.toml", false, false },
		{ LOCAL_ARG_CMD, "find model '", false, false },
		{ LOCAL_ARG_CMD, "find model model", false, false },
		{ LOCAL_ARG_CMD, "find model AUTHORS", false, false },
		{ LOCAL_ARG_CMD, "find model -name '*.toml'", true, true },
		{ LOCAL_ARG_CMD, "find entries ", false, false },
		/* "wc -l" at the head of a pipe reads nothing; after one it reads it */
		{ LOCAL_ARG_CMD, "wc -l", true, false },
		{ LOCAL_ARG_CMD, "wc -l |", false, false },
		/* one blank, '|' or a quote between fields; no escapes of its own */
		{ LOCAL_ARG_CMD, "wc -l ( (", false, false },
		{ LOCAL_ARG_CMD, "wc  -l", false, false },
		{ LOCAL_ARG_CMD, "wc -l AUTHORS\\n", false, false },
		{ LOCAL_ARG_CMD, "wc -l AUTHORS;", false, false },
		/* unless it copies the user's command */
		{ LOCAL_ARG_CMD, "cat nothing", true, true },
	};
	static const char *const ff[] = { "-l", "-name", "-w", "find", "wc", "xargs" };
	char dir[] = "/tmp/conch-where-XXXXXX";
	struct local_copy cp;
	struct conv c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_in(dir, "model/kernel.toml");
	make_in(dir, "AUTHORS");
	make_in(dir, "docs/deep/");
	copy_fixture(&c, &cp, "enumerate the entries of model (and docs/deep), count the words of "
		     "model/kernel.toml, AUTHORS and the .toml files, read new/x.md, then run `cat nothing`",
		     "glob", "{\"pattern\": \"**/*.toml\"}", "model/kernel.toml\nghost.toml\n");
	local_copy_fields(&cp, (char *const *)ff, sizeof ff / sizeof ff[0]);
	/* without the directory: any held name */
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, "enumerate", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -w words", true));
	local_copy_where(&cp, dir);
	expect_args(&cp, there, sizeof there / sizeof there[0]);
	local_copy_free(&cp);
	conv_free(&c);

	/* nothing named is there: a missing directory may still be named */
	copy_fixture(&c, &cp, "list the files in void", "ls", "{\"path\": \"void\"}",
		     "error: void does not exist");
	local_copy_where(&cp, dir);
	ck_assert(arg_takes(&cp, LOCAL_ARG_PATH, "void", true));
	/* ... but a command looks where there is something */
	local_copy_fields(&cp, (char *const *)ff, sizeof ff / sizeof ff[0]);
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "find . -name void", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "find void ", false));
	local_copy_free(&cp);
	conv_free(&c);
	/* after a wildcard, a glob's parts name what is there */
	make_in(dir, "NEWS.txt");
	copy_fixture(&c, &cp, "Find NEWS.txt and display it.", "ls", "{\"path\": \".\"}",
		     "file NEWS.txt  2\n");
	local_copy_where(&cp, dir);
	ck_assert(arg_takes(&cp, LOCAL_ARG_GLOB, "**/NEWS.txt", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_GLOB, "**/NEWS", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_GLOB, "**/NEWS", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_GLOB, "**/disp", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_GLOB, "**/display/*.txt", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_GLOB, "**/*.txt", true));
	local_copy_free(&cp);
	conv_free(&c);
	/* a request that only begins like a command gives no operands: its
	 * words are not files to count (what `...` gives is, "cat nothing") */
	copy_fixture(&c, &cp, "wc -l for the files in model", "glob",
		     "{\"pattern\": \"model/**\"}", "model/kernel.toml\n");
	local_copy_where(&cp, dir);
	local_copy_fields(&cp, (char *const *)ff, sizeof ff / sizeof ff[0]);
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "wc -l for", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l model/kernel.toml", true));
	local_copy_free(&cp);
	conv_free(&c);
	remove_dir(dir);
}
END_TEST

/* An edit of a text that stands more than once in its file replaces
 * each; one of a text that stands once, or of a missing file, is left
 * as the model wrote it. */
START_TEST(edits_replace_each)
{
	/* b.txt holds "x y x", a.txt "x"; only an edit of x in b.txt gains it */
	static const struct {
		const char *tool, *path, *old;
		bool all;
	} calls[] = {
		{ "edit", "b.txt", "x", true },     { "edit", "b.txt", "y", false },
		{ "edit", "a.txt", "x", false },    { "edit", "none.txt", "x", false },
		{ "read", "b.txt", "x", false },     { "edit", "pipe", "x", false }, /* not read */
	};
	char dir[] = "/tmp/conch-edit-XXXXXX", cmd[600], args[200];
	struct conv_msg m;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_in(dir, "a.txt"); /* "x\n" */
	snprintf(cmd, sizeof cmd, "printf 'x y x\\n' > '%s/b.txt' && mkfifo '%s/pipe'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	conv_msg_init(&m, CONV_ASSISTANT);
	for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		snprintf(args, sizeof args, "{\"path\":\"%s\",\"old_string\":\"%s\",\"new_string\":\"z\"}",
			 calls[i].path, calls[i].old);
		conv_msg_add_tool_call(&m, "c", calls[i].tool, args);
	}
	local_complete_edits(dir, &m);
	ck_assert_str_eq(m.blocks[0].args,
			 "{\"path\":\"b.txt\",\"old_string\":\"x\",\"new_string\":\"z\","
			 "\"replace_all\":true}");
	for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(m.blocks[i].args_json, "replace_all")) ==
			  calls[i].all);
		ck_assert((strstr(m.blocks[i].args, "replace_all") != NULL) == calls[i].all);
	}
	/* no directory: nothing to read */
	conv_msg_free(&m);
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_tool_call(&m, "c1", "edit",
			       "{\"path\":\"b.txt\",\"old_string\":\"x\",\"new_string\":\"z\"}");
	local_complete_edits(NULL, &m);
	ck_assert_ptr_null(strstr(m.blocks[0].args, "replace_all"));
	conv_msg_free(&m);
	remove_dir(dir);
}
END_TEST

/* A fact to remember is a part of the user's words, whole words; a
 * reply opens a call only before any prose. */
START_TEST(facts_and_calls_keep_to_the_request)
{
	struct local_copy cp;
	struct conv c;

	copy_fixture(&c, &cp, "Make a note that the backup runs at 2028.", "ls",
		     "{\"path\": \".\"}", "notes.md\n");
	ck_assert_int_eq(local_arg_rule("memory", "content"), LOCAL_ARG_FACT);
	ck_assert(arg_takes(&cp, LOCAL_ARG_FACT, "the backup runs at 2028", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FACT, "backup runs", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FACT, "the backup runs at 2029", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FACT, "ackup", false));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FACT, "notes.md", false)); /* a result's */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_FACT, "", true));          /* nothing */
	local_copy_free(&cp);
	conv_free(&c);
	ck_assert(!local_reply_has_prose("", 0));
	ck_assert(!local_reply_has_prose(" \n", 2));
	ck_assert(!local_reply_has_prose("<tool_call>\n{}\n</tool_call>\n", 28));
	ck_assert(local_reply_has_prose("- a.md\n- b", 10));
	ck_assert(local_reply_has_prose("<tool_call>\n{}\n</tool_call>\nDone", 32));
}
END_TEST

/* A list an answer copies from a result goes on with the next entry,
 * whole, until the last, and names no item twice. */
START_TEST(lists_are_copied_whole)
{
	char items[LOCAL_LIST_MAX][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;
	const char *r;
	size_t ls, n;
	bool first;

	copy_fixture(&c, &cp, "What is in notes?", "ls", "{\"path\": \"notes\"}",
		     "file alpha.md  12\nfile beta.md  9\ndir  gamma/\n");
	r = "notes contains:\n- alpha.md\n";
	n = local_copy_list_items(&cp, r, strlen(r), &ls, items, &first);
	ck_assert_uint_eq(ls, strlen(r));
	ck_assert_uint_ge(n, 1);
	ck_assert(!first);
	ck_assert(local_copy_item_fits(items, n, false, "", 0, "- beta", 6, false));
	ck_assert(!local_copy_item_fits(items, n, false, "", 0, "- alpha", 7, false)); /* not in order */
	ck_assert(local_copy_item_fits(items, n, false, "- beta", 6, ".md\n", 4, false));
	ck_assert(local_copy_item_fits(items, n, false, "- beta.md", 9, "", 0, true));
	ck_assert(!local_copy_item_fits(items, n, false, "- beta.m", 8, "", 0, true)); /* cut short */
	ck_assert(!local_copy_item_fits(items, n, false, "- beta.md", 9, "  9", 3, false)); /* the size */
	/* the first line is no item: nothing to follow, until a list begins,
	 * with the first entry (or another field of its line) */
	r = "notes contains:\n";
	ck_assert_uint_eq(local_copy_list_items(&cp, r, strlen(r), &ls, items, &first), 0);
	r = "notes contains:\n- ";
	n = local_copy_list_items(&cp, r, strlen(r), &ls, items, &first);
	ck_assert(first);
	ck_assert(local_copy_item_fits(items, n, true, r + ls, 2, "alpha", 5, false));
	ck_assert(!local_copy_item_fits(items, n, true, r + ls, 2, "beta", 4, false));
	ck_assert(local_copy_item_fits(items, n, true, "- alpha.md", 10, ": 12", 4, false));
	ck_assert(!local_copy_item_fits(items, n, true, "- alpha.md", 10, " files", 6, false));
	ck_assert(!local_copy_item_fits(items, n, true, "- ", 2, "file", 4, false)); /* ls's kind */
	/* the reply's first line too */
	r = "- ";
	n = local_copy_list_items(&cp, r, strlen(r), &ls, items, &first);
	ck_assert(first);
	ck_assert_uint_eq(ls, 0);
	ck_assert(local_copy_item_fits(items, n, true, r, 2, "alpha", 5, false));
	ck_assert(!local_copy_item_fits(items, n, true, r, 2, "in", 2, false));
	r = "-"; /* the bullet begun */
	n = local_copy_list_items(&cp, r, strlen(r), &ls, items, &first);
	ck_assert(first);
	ck_assert(local_copy_item_fits(items, n, true, r, 1, " alpha", 6, false));
	ck_assert(!local_copy_item_fits(items, n, true, r, 1, " tests", 6, false));
	/* the list may end only after its last entry */
	r = "notes contains:\n- alpha.md";
	ck_assert(local_copy_list_goes_on(&cp, r, strlen(r)));
	r = "notes contains:\n- alpha.md\n- beta.md\n- gamma/";
	ck_assert(!local_copy_list_goes_on(&cp, r, strlen(r)));
	r = "notes contains:\n- alpha.md\n- beta.md\n";
	ck_assert_uint_eq(local_copy_list_items(&cp, r, strlen(r), &ls, items, &first), 1);
	ck_assert(local_copy_item_fits(items, 1, false, "", 0, "- gamma/", 8, true));
	local_copy_free(&cp);
	conv_free(&c);
	/* items with more than their entry: the next item begins with the
	 * next entry; a line that is no item is free */
	copy_fixture(&c, &cp, "line counts of all *.md files", "bash",
		     "{\"command\": \"wc -l a.md b.md\"}", "  7 a.md\n  8 b.md\n 15 total\n");
	r = "2 files:\n- a.md: 7 lines\n-";
	n = local_copy_list_items(&cp, r, strlen(r), &ls, items, &first);
	ck_assert(first);
	ck_assert(local_copy_item_fits(items, n, first, r + ls, 1, " b.md: 8 lines", 14, false));
	ck_assert(!local_copy_item_fits(items, n, first, r + ls, 1, " a.md: 8 lines", 14, false));
	r = "2 files:\n- a.md: 7 lines\n- b.md: 8 lines\nTot";
	ck_assert_uint_eq(local_copy_list_items(&cp, r, strlen(r), &ls, items, &first), 0);
	local_copy_free(&cp);
	conv_free(&c);
	/* no item twice; other lines may repeat */
	r = "x:\n- a.md\n- b.md\n- a.m";
	ck_assert(local_copy_item_again(r, strlen(r), "d\n", 2, false));
	ck_assert(local_copy_item_again(r, strlen(r), "d", 1, true));
	ck_assert(!local_copy_item_again(r, strlen(r), "d", 1, false)); /* not ended yet */
	ck_assert(!local_copy_item_again(r, strlen(r), "dx\n", 3, false));
	r = "same\nsame";
	ck_assert(!local_copy_item_again(r, strlen(r), "\n", 1, false));
}
END_TEST

/* A command's operands that copy a result's entries go on with the next
 * entry, whole, after each one. */
START_TEST(operands_go_on_as_listed)
{
	char out[1][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;
	const char *r;

	copy_fixture(&c, &cp, "line counts of all *.yml files", "glob",
		     "{\"pattern\": \"**/*.yml\"}", "a/crypt.yml\nb/frame.yml\njobs/delta.yml\n");
	r = "wc -l a/crypt.yml"; /* an entry whole: a blank and the next */
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], " b/frame.yml");
	r = "wc -l a/crypt.yml ";
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "b/frame.yml");
	r = "wc -l a/crypt.yml b/fr"; /* inside the next: its rest */
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "ame.yml");
	r = "wc -l a/crypt.yml b/frame.yml jobs/";
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "delta.yml");
	r = "wc -l a/crypt.yml jobs/"; /* not the next: left to the model */
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 0);
	r = "wc -l b/frame.yml a/crypt.yml";
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 0);
	r = "wc -l jobs/delta.yml"; /* the last: the command may end */
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 0);
	r = "wc -l a/crypt"; /* part of an entry */
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 0);
	r = "wc -l ";
	ck_assert_uint_eq(local_copy_next_operand(&cp, r, strlen(r), out), 0);
	/* a list of entries ends the command at the last; no name twice */
	{
		static const char *const ff[] = { "-l", "wc" };
		local_copy_fields(&cp, (char *const *)ff, 2);
	}
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l a/crypt.yml b/frame.yml jobs/delta.yml", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "wc -l a/crypt.yml b/frame.yml jobs/delta.yml ",
			     false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l jobs/delta.yml *.yml", true)); /* no list */
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "wc -l b/frame.yml *.yml *.yml", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_CMD, "wc -l a/crypt.yml a/crypt.yml ", false));
	ck_assert(arg_takes(&cp, LOCAL_ARG_CMD, "wc -l a/crypt.yml a/crypt.ym", false));
	ck_assert_uint_eq(local_copy_first_entry(&cp, out), 1);
	ck_assert_str_eq(out[0], "a/crypt.yml");
	{
		struct local_arg_run run = { .n = 0 };
		for (r = "wc -l "; *r; r++)
			ck_assert(local_arg_feed(&cp, LOCAL_ARG_CMD, &run, *r));
		ck_assert(local_arg_first_file(&run));
		for (r = "a/crypt.yml "; *r; r++)
			ck_assert(local_arg_feed(&cp, LOCAL_ARG_CMD, &run, *r));
		ck_assert(!local_arg_first_file(&run)); /* one given */
	}
	ck_assert(local_copy_last_operand(&cp, "wc -l b/frame.yml ", 18, "jobs/delta.yml", 14));
	ck_assert(!local_copy_last_operand(&cp, "wc -l a/crypt.yml ", 18, "jobs/delta.yml", 14));
	ck_assert(!local_copy_last_operand(&cp, "wc -l ", 6, "jobs/delta.yml", 14));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* The numbers an answer gives are the conversation's, and it holds how
 * many entries each result lists (not wc's total, not conch's notes),
 * which is where a list copied from wc's lines ends. */
START_TEST(counts_are_held)
{
	char out[8][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;
	const char *r;
	size_t n, i;
	bool eleven = false;

	copy_fixture(&c, &cp, "Show the C files in src.", "glob", "{\"pattern\": \"src/*.c\"}",
		     "src/a.c\nsrc/b.c\nsrc/c.c\nsrc/d.c\nsrc/e.c\nsrc/f.c\nsrc/g.c\nsrc/h.c\n"
		     "src/i.c\nsrc/j.c\nsrc/k.c\n");
	ck_assert_uint_eq(cp.entries, 11);
	ck_assert(local_nums_allow(&cp.nums, "11", 2, true));
	n = local_copy_numbers(&cp, " ", out, 8);
	for (i = 0; i < n; i++)
		eleven |= strcmp(out[i], " 11") == 0;
	ck_assert(eleven);
	local_copy_free(&cp);
	conv_free(&c);
	copy_fixture(&c, &cp, "Count the lines of the .md files.", "bash",
		     "{\"command\": \"wc -l a.md b.md\"}", "  4 a.md\n  6 b.md\n 10 total\n[exit 0]");
	ck_assert_uint_eq(cp.entries, 2);
	ck_assert_uint_eq(local_copy_first_entry(&cp, out), 0); /* no list of names */
	ck_assert_uint_eq(local_copy_numbers(&cp, "", out, 8), 5); /* 4 6 10 0 2 */
	r = "2 Markdown files:\n- a.md: 4 lines\n- b.md";
	ck_assert(!local_copy_list_goes_on(&cp, r, strlen(r))); /* no "- total" */
	r = "2 Markdown files:\n- a.md";
	ck_assert(local_copy_list_goes_on(&cp, r, strlen(r)));
	/* the list is done after its last entry: no item follows */
	r = "2 Markdown files:\n- a.md: 4 lines\n- b.md: 6 lines\n";
	ck_assert(local_copy_list_done(&cp, r, strlen(r)));
	r = "2 Markdown files:\n- a.md: 4 lines\n- b.md: 6 lines\nTotal: 10 lines.\n";
	ck_assert(local_copy_list_done(&cp, r, strlen(r)));
	r = "2 Markdown files:\n- a.md: 4 lines\n";
	ck_assert(!local_copy_list_done(&cp, r, strlen(r)));
	r = "2 Markdown files:\n- a.md: 4 lines\n- b.md: 6 lines"; /* the line goes on */
	ck_assert(!local_copy_list_done(&cp, r, strlen(r)));
	r = "2 Markdown files:\n- total\n"; /* wc's sum is no entry */
	ck_assert(!local_copy_list_done(&cp, r, strlen(r)));
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* After a failed call a conch-trained model's answer is the failure. */
START_TEST(failed_calls_said_plainly)
{
	struct buf say = BUF_INIT;
	struct conv c;
	struct conv_msg *m;

	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "Read a.c and b.c.");
	m = conv_add(&c, CONV_ASSISTANT);
	conv_msg_add_tool_call(m, "c1", "read", "{\"path\": \"a.c\"}");
	conv_msg_add_tool_call(m, "c2", "grep", "{\"pattern\": \"x\", \"path\": \"b.c\"}");
	m = conv_add(&c, CONV_USER);
	conv_msg_add_tool_result(m, "c1", "int a;\n", false);
	ck_assert(!local_failed_calls(&c, &say)); /* none failed */
	ck_assert_uint_eq(say.len, 0);
	conv_msg_add_tool_result(m, "c2", "b.c does not exist. Check the path.", true);
	ck_assert(local_failed_calls(&c, &say));
	ck_assert_str_eq(buf_str(&say), "The grep call failed: b.c does not exist. Check the path.");
	/* a later call: a command that failed too, then one that went well */
	m = conv_add(&c, CONV_ASSISTANT);
	conv_msg_add_tool_call(m, "c3", "bash", "{\"command\": \"wc -l b.c\"}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c3", "wc: b.c: No such file\n[exit 1]",
				 false);
	buf_reset(&say);
	ck_assert(local_failed_calls(&c, &say));
	ck_assert_str_eq(buf_str(&say), "The grep call failed: b.c does not exist. Check the path.");
	m = conv_add(&c, CONV_ASSISTANT);
	conv_msg_add_tool_call(m, "c4", "read", "{\"path\": \"b.h\"}");
	conv_msg_add_tool_result(conv_add(&c, CONV_USER), "c4", "int b;\n[exit 0]", false);
	buf_reset(&say);
	ck_assert(!local_failed_calls(&c, &say));
	ck_assert_uint_eq(say.len, 0);
	conv_msg_add_text(conv_add(&c, CONV_USER), "Now try again.");
	ck_assert(!local_failed_calls(&c, &say)); /* the user spoke since */
	buf_free(&say);
	conv_free(&c);
}
END_TEST

/* An answer's inline code span quotes a command a call ran, whole. */
START_TEST(code_spans_quote_commands)
{
	struct local_copy cp;
	struct conv c;

	copy_fixture(&c, &cp, "Run ls man", "bash", "{\"command\": \"ls man\"}",
		     "conch.1\n[exit 0]");
	expect_cont(local_copy_code_span, &cp, "`", 4, CONT("ls man"));
	expect_cont(local_copy_code_span, &cp, "`ls ", 4, CONT("man"));
	expect_cont(local_copy_code_span, &cp, "`ls man", 4, CONT("`"));
	expect_cont(local_copy_code_span, &cp, "`ls Java", 4, CONT(NULL)); /* no command */
	expect_cont(local_copy_code_span, &cp, "`ls man` printed:", 4, CONT(NULL)); /* closed */
	expect_cont(local_copy_code_span, &cp, "done:\n```l", 4, CONT(NULL)); /* a fence */
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A file kind's extension is one the tree has, where the model's
 * letters so far begin one. */
START_TEST(kinds_take_the_trees_extensions)
{
	char dir[] = "/tmp/conch-ext-XXXXXX", cmd[64];
	struct local_copy cp;
	struct conv c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_in(dir, "a/k.yml");
	make_in(dir, "b.yaml2");
	make_in(dir, "c.h");
	make_in(dir, ".git/x.yaml"); /* not in a dot directory */
	copy_fixture(&c, &cp, "List the YAML files.", "ls", "{\"path\": \".\"}", "dir a/\n");
	local_copy_where(&cp, dir);
	expect_cont(local_copy_ext_next, &cp, "**/*.y", 4, CONT("aml2", "ml"));
	expect_cont(local_copy_ext_next, &cp, "find . -name '*.ym", 4, CONT("l"));
	expect_cont(local_copy_ext_next, &cp, "**/*.yml", 4, CONT(NULL)); /* one already */
	expect_cont(local_copy_ext_next, &cp, "**/*.", 4, CONT(NULL));    /* no letter yet */
	expect_cont(local_copy_ext_next, &cp, "**/*.q", 4, CONT(NULL));   /* none begins so */
	expect_cont(local_copy_ext_next, &cp, "a.y", 4, CONT(NULL));      /* no kind */
	local_copy_free(&cp);
	conv_free(&c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A read of "from line a to line b" takes b - a + 1 lines. */
START_TEST(ranges_give_their_count)
{
	char out[1][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;
	const char *r;

	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "Read n.txt from line 12 to line 30.");
	local_copy_init(&cp, &c, NULL, 0);
	ck_assert(local_nums_allow(&cp.nums, "19", 2, true)); /* held */
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"offset\": 12, \"limit\": ";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "19");
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"offset\": 12, \"limit\": 1";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "9");
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"offset\": 12, \"limit\": 19";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 0); /* whole */
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"offset\": 30, \"limit\": ";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 0); /* no end after 30 */
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"limit\": ";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 0); /* no offset */
	r = "{\"name\": \"grep\", \"arguments\": {\"offset\": 12, \"limit\": ";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 0); /* no read */
	local_copy_free(&cp);
	conv_free(&c);
	/* "10 lines from line 2": the count comes first, no range */
	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "Show 10 lines of n.txt from line 2.");
	local_copy_init(&cp, &c, NULL, 0);
	r = "{\"name\": \"read\", \"arguments\": {\"path\": \"n.txt\", \"offset\": 2, \"limit\": ";
	ck_assert_uint_eq(local_copy_range_limit(&cp, r, strlen(r), out), 0);
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* An edit's new text most often stands after its old text. */
START_TEST(new_texts_after_old)
{
	char out[4][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;

	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "Update notes/memo.rb so that each becomes exit_code.");
	local_copy_init(&cp, &c, NULL, 0);
	ck_assert_uint_eq(local_copy_new_after(&cp, out, 4), 0); /* no old text yet */
	local_copy_edit(&cp, "notes/memo.rb", "each");
	ck_assert_uint_eq(local_copy_new_after(&cp, out, 4), 2);
	ck_assert_str_eq(out[0], "becomes");
	ck_assert_str_eq(out[1], "exit_code"); /* without the sentence's '.' */
	local_copy_edit(&cp, "notes/memo.rb", "exit_code"); /* the last field: none after */
	ck_assert_uint_eq(local_copy_new_after(&cp, out, 4), 0);
	local_copy_edit(&cp, "notes/memo.rb", "eac"); /* no field */
	ck_assert_uint_eq(local_copy_new_after(&cp, out, 4), 0);
	local_copy_edit(&cp, NULL, NULL);
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A fence that copies a result goes on with its next line, whole. */
START_TEST(fences_copy_results_whole)
{
	char out[1][LOCAL_FOLLOW_LEN + 1];
	struct local_copy cp;
	struct conv c;
	const char *r;

	copy_fixture(&c, &cp, "Show app/calc.py.", "read", "{\"path\": \"app/calc.py\"}",
		     "     1\tdef add(a, b):\n     2\t    return a + b\n     3\t\n     4\tdef x():\n");
	r = "app/calc.py:\n```\n";
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "def add(a, b):\n");
	r = "app/calc.py:\n```\ndef add(a, b):\n"; /* the indented line next */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "    return a + b\n");
	r = "app/calc.py:\n```\ndef add(a, b):\n    ret";
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "urn a + b\n");
	r = "app/calc.py:\n```\ndef add(a, b):\n    return a + b\n"; /* a blank line */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "\n");
	r = "app/calc.py:\n```\ndef add(a, b):\n    return a + b\n\ndef x():\n"; /* all */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 0);
	r = "app/calc.py:\n```\ndef sub(a, b):\n"; /* not the result's: left alone */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 0);
	r = "app/calc.py:\n```\ndef add(a, b):\n```\n"; /* closed */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 0);
	r = "app/calc.py:\n"; /* no fence */
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 0);
	local_copy_free(&cp);
	conv_free(&c);
	/* a command's output, its exit note left out */
	copy_fixture(&c, &cp, "Run ls man", "bash", "{\"command\": \"ls man\"}",
		     "a.1\nb.1\n[exit 0]");
	r = "`ls man` printed:\n```\na.1\n";
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 1);
	ck_assert_str_eq(out[0], "b.1\n");
	r = "`ls man` printed:\n```\na.1\nb.1\n";
	ck_assert_uint_eq(local_copy_fence_next(&cp, r, strlen(r), out), 0);
	local_copy_free(&cp);
	conv_free(&c);
}
END_TEST

/* A text of 12 bytes or more written twice in a row is a loop. */
START_TEST(repeats_are_loops)
{
	const char *r = "There are no text files in model: 0 text files in model";
	ck_assert(local_copy_repeats(r, strlen(r), ": 0 text files in model", 23));
	ck_assert(local_copy_repeats(r, strlen(r), ": 0", 3)); /* " text files in model: 0" twice */
	ck_assert(!local_copy_repeats(r, strlen(r), ":", 1));
	r = "X in model: 0 text files in model: 0 text";
	ck_assert(local_copy_repeats(r, strlen(r), " files", 6));
	/* short repeats, and texts that come back later, are prose */
	r = "the the";
	ck_assert(!local_copy_repeats(r, strlen(r), " the", 4));
	r = "- a.md: 1 line\n- b.md: 1 line";
	ck_assert(!local_copy_repeats(r, strlen(r), "\n", 1));
	ck_assert(!local_copy_repeats("", 0, "abcdefabcdef", 12));
	ck_assert(local_copy_repeats("", 0, "abcdefghijklabcdefghijkl", 24));
}
END_TEST

/* A call whose arguments break the rules is not run; the reply says so. */
START_TEST(ungrounded_calls_are_dropped)
{
	static const char *const ff[] = { "-l", "wc" };
	char dir[] = "/tmp/conch-drop-XXXXXX";
	struct local_copy cp;
	struct conv c;
	struct conv_msg m;
	char *text;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_in(dir, "notes.md");
	copy_fixture(&c, &cp, "count the lines of notes.md", "ls", "{\"path\": \".\"}",
		     "notes.md\n");
	local_copy_fields(&cp, (char *const *)ff, 2);
	local_copy_where(&cp, dir);
	ck_assert_int_eq(local_arg_rule("write", "content"), LOCAL_ARG_TEXT);
	ck_assert_int_eq(local_arg_rule("ls", "path"), LOCAL_ARG_PATH);
	ck_assert_int_eq(local_arg_rule("edit", "replace_all"), LOCAL_ARG_NONE);
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_text(&m, "Counting.");
	conv_msg_add_tool_call(&m, "c1", "bash", "{\"command\":\"wc -l notes.md\"}");
	conv_msg_add_tool_call(&m, "c2", "write",
			       "{\"path\":\"notes.md\",\"content\":\"made up\"}");
	conv_msg_add_tool_call(&m, "c3", "bash", "{\"command\":\"rm -rf notes.md\"}");
	local_drop_ungrounded(&cp, &m);
	ck_assert_uint_eq(conv_msg_tool_calls(&m), 1);
	ck_assert_str_eq(m.blocks[1].name, "bash");
	ck_assert_str_eq(m.blocks[1].args, "{\"command\":\"wc -l notes.md\"}");
	text = conv_msg_text(&m);
	ck_assert_ptr_nonnull(strstr(text, "Counting."));
	ck_assert_ptr_nonnull(strstr(text, "the write call I wrote"));
	ck_assert_ptr_nonnull(strstr(text, "the bash call I wrote"));
	free(text);
	conv_msg_free(&m);
	/* calls that keep to the rules stay as they were */
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_tool_call(&m, "c1", "read", "{\"path\":\"notes.md\"}");
	local_drop_ungrounded(&cp, &m);
	ck_assert_uint_eq(m.nblocks, 1);
	ck_assert_uint_eq(conv_msg_tool_calls(&m), 1);
	conv_msg_free(&m);
	local_copy_free(&cp);
	conv_free(&c);
	remove_dir(dir);
}
END_TEST

/* An edit's text to replace stands in its file (else the edit fails),
 * checked together with where it comes from: "e" begins "each" of the
 * request and "example" of the file, but no text that is both.  The
 * text to put in is not the text it replaces. */
START_TEST(edits_hold_to_their_file)
{
	static const struct arg_case whole[] = {
		{ LOCAL_ARG_SEEN, "need", true, true },
		{ LOCAL_ARG_SEEN, "each", true, false }, /* the request's, not the file's */
		{ LOCAL_ARG_SEEN, "e", false, false },
		{ LOCAL_ARG_SEEN, "", true, false },    /* replaces nothing */
		{ LOCAL_ARG_SEEN, "the docs", true, false }, /* no tool result holds it */
		{ LOCAL_ARG_NEW, "depth", true, true },
		{ LOCAL_ARG_NEW, "need", true, false },  /* changes nothing */
		{ LOCAL_ARG_NEW, "need", false, true },  /* begun: more may follow */
	};
	/* old and new texts: not in the file; right; no change */
	static const char *const edits[3][2] = { { "each", "depth" }, { "need", "depth" },
						 { "need", "need" } };
	char dir[] = "/tmp/conch-fedit-XXXXXX", cmd[600];
	struct local_copy cp;
	struct conv c;
	struct conv_msg m;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "printf 'the installer needs root\\nthe docs need a new example\\n' "
		 "> '%s/NEWS.txt' && mkfifo '%s/pipe'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	make_in(dir, "other.txt");
	copy_fixture(&c, &cp, "Change each need in NEWS.txt to depth, or in pipe.", "ls",
		     "{\"path\": \".\"}", "NEWS.txt\nother.txt\npipe\n");
	local_copy_where(&cp, dir);
	/* the file to change is one the user names; any file may be read */
	ck_assert(arg_takes(&cp, LOCAL_ARG_EDIT, "NEWS.txt", true));
	ck_assert(!arg_takes(&cp, LOCAL_ARG_EDIT, "other.txt", true));
	ck_assert(arg_takes(&cp, LOCAL_ARG_FILE, "other.txt", true));
	ck_assert_int_eq(local_arg_rule("edit", "path"), LOCAL_ARG_EDIT);
	ck_assert_int_eq(local_arg_rule("edit", "new_string"), LOCAL_ARG_NEW);
	/* no edit being written: any part of the request */
	ck_assert(arg_takes(&cp, LOCAL_ARG_SEEN, "each", true));
	local_copy_edit(&cp, "NEWS.txt", NULL);
	ck_assert(cp.edit_known);
	local_copy_edit(&cp, "NEWS.txt", "need");
	expect_args(&cp, whole, sizeof whole / sizeof whole[0]);
	/* a FIFO is not read (it would block), so nothing is known of it */
	local_copy_edit(&cp, "pipe", NULL);
	ck_assert(!cp.edit_known);
	ck_assert(arg_takes(&cp, LOCAL_ARG_SEEN, "each", true));
	local_copy_edit(&cp, NULL, NULL);
	/* a whole call: an edit of what is not in the file is not run */
	conv_msg_init(&m, CONV_ASSISTANT);
	for (i = 0; i < 3; i++) {
		char id[8], args[120];
		snprintf(id, sizeof id, "c%zu", i + 1);
		snprintf(args, sizeof args,
			 "{\"path\":\"NEWS.txt\",\"old_string\":\"%s\",\"new_string\":\"%s\"}",
			 edits[i][0], edits[i][1]);
		conv_msg_add_tool_call(&m, id, "edit", args);
	}
	local_drop_ungrounded(&cp, &m);
	ck_assert_uint_eq(conv_msg_tool_calls(&m), 1);
	ck_assert_str_eq(m.blocks[0].id, "c2");
	ck_assert_ptr_null(cp.edit_path); /* the check leaves no edit behind */
	conv_msg_free(&m);
	local_copy_free(&cp);
	conv_free(&c);
	remove_dir(dir);
}
END_TEST

/* How many tokens of t, from the first end token on, are the piece p? */
static size_t
pieces_after_system(const struct llm_vocab *v, const struct llm_tokens *t, const char *p)
{
	struct buf b = BUF_INIT;
	size_t i, n = 0;
	bool sys = true;
	for (i = 0; i < t->n; i++) {
		buf_reset(&b);
		llm_token_piece(v, t->ids[i], false, &b);
		n += !sys && strcmp(buf_str(&b), p) == 0;
		sys = sys && !llm_vocab_is_eog(v, t->ids[i]);
	}
	buf_free(&b);
	return n;
}

/* A name that is one of the model's own words ("model") reaches the
 * bundled model as two pieces, everywhere after the system prompt, and
 * the text stays the same; a word that names no path, or that is not
 * its own, stays one piece. */
START_TEST(own_words_split_as_names)
{
	static const char text[] =
		"<|im_start|>system\nI am the built-in offline model.<|im_end|>\n"
		"<|im_start|>user\nlist model, then show model/x.py: the model is small, "
		"the list is short<|im_end|>\n<|im_start|>assistant\n";
	static char *const words[] = { "list", "model", "small" }; /* sorted */
	static char *const other[] = { "list", "small" };
	const char *src = getenv("CONCH_SRCDIR");
	char *path = xasprintf("%s/models/conch-default.gguf", src ? src : "..");
	struct buf err = BUF_INIT, back = BUF_INIT;
	struct llm_model *m = llm_model_load(path, &err);
	const struct llm_vocab *v;
	struct llm_tokens t = { 0 };
	size_t before, n_model;

	ck_assert_msg(m != NULL, "%s: %s", path, buf_str(&err));
	v = llm_model_vocab(m);
	llm_tokenize(v, text, strlen(text), false, true, &t);
	before = t.n;
	n_model = pieces_after_system(v, &t, " model") + pieces_after_system(v, &t, "model");
	ck_assert_uint_eq(n_model, 3); /* the test means something */
	ck_assert_uint_eq(local_split_own_words(v, other, 2, text, strlen(text), &t), 0);
	ck_assert_uint_eq(t.n, before);
	ck_assert_uint_eq(local_split_own_words(v, words, 3, text, strlen(text), &t), 3);
	ck_assert_uint_ge(t.n, before + 3); /* each at least one piece more */
	ck_assert_uint_eq(pieces_after_system(v, &t, " model") + pieces_after_system(v, &t, "model"), 0);
	ck_assert_uint_eq(pieces_after_system(v, &t, " list") + pieces_after_system(v, &t, "list"), 2);
	llm_detokenize(v, t.ids, t.n, true, &back);
	ck_assert_str_eq(buf_str(&back), text);
	/* no words, or no system prompt's end: nothing to do */
	ck_assert_uint_eq(local_split_own_words(v, words, 0, text, strlen(text), &t), 0);
	ck_assert_uint_eq(local_split_own_words(v, words, 3, "list model/x", 12, &t), 0);
	llm_tokens_free(&t);
	buf_free(&back);
	buf_free(&err);
	llm_model_free(m);
	free(path);
}
END_TEST

/* Random values of every kind, longer than any buffer of a run: the
 * rules answer without reading or writing past what they hold, and a
 * value they took byte by byte is one the end check agrees with or
 * refuses, never crashes on (run under ASan in CI). */
START_TEST(argument_rules_random_walks)
{
	static const char *const atoms[] = {
		"a", "model", "/", ".", "*", "**/", "*.md", " ", "|", "'", "\"", "\\", "\\n",
		"-l", "-name", "find", "wc", "cat", "xargs", "notes.md", "x", "&&", ";", "(", "9",
		"model/notes.md", /* whole, as the request names it (where a write goes) */
	};
	static const char *const ff[] = { "-l", "-name", "cat", "find", "wc", "xargs" };
	char dir[] = "/tmp/conch-walk-XXXXXX";
	struct local_copy cp;
	struct conv c;
	uint64_t rng = 11;
	int it, k, took[LOCAL_ARG_FACT + 1] = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_in(dir, "model/notes.md");
	copy_fixture(&c, &cp, "count the lines of model/notes.md, \"a / x\" in model", "ls",
		     "{\"path\": \"model\"}", "notes.md\n");
	local_copy_fields(&cp, (char *const *)ff, sizeof ff / sizeof ff[0]);
	local_copy_where(&cp, dir);
	local_copy_edit(&cp, "model/notes.md", "x"); /* an edit of it ("x\n") */
	for (it = 0; it < 4000; it++) {
		for (k = LOCAL_ARG_PATH; k <= LOCAL_ARG_FACT; k++) {
			struct local_arg_run r = { .n = 0 };
			struct buf v = BUF_INIT;
			size_t i, n, j;
			bool fed = true, in = false;
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			n = 1 + (rng >> 33) % (it % 4 ? 3 : 120); /* short ones pass more often */
			for (i = 0; i < n; i++) {
				const char *p;
				rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
				p = atoms[(rng >> 33) % (sizeof atoms / sizeof atoms[0])];
				buf_adds(&v, p);
				for (; *p; p++)
					fed = local_arg_feed(&cp, (enum local_arg)k, &r, *p) && fed;
			}
			ck_assert_uint_le(r.n, sizeof r.v);
			ck_assert_uint_le(r.alln, sizeof r.all);
			fed = fed && local_arg_end(&cp, (enum local_arg)k, &r);
			/* what a path rule took whole is one of its names */
			for (j = 0; fed && k == LOCAL_ARG_PATH && j < cp.nreal; j++)
				in |= strcmp(cp.real[j], buf_str(&v)) == 0;
			for (j = 0; fed && k == LOCAL_ARG_FILE && j < cp.nregs; j++)
				in |= strcmp(cp.regs[j], buf_str(&v)) == 0;
			if (fed && (k == LOCAL_ARG_PATH || k == LOCAL_ARG_FILE))
				ck_assert_msg(in, "kind %d took %s", k, buf_str(&v));
			took[k] += fed;
			if (fed && k == LOCAL_ARG_GLOB)
				ck_assert_ptr_null(strchr(buf_str(&v), ' '));
			buf_free(&v);
		}
	}
	/* the walks reach values each rule takes */
	for (k = LOCAL_ARG_PATH; k <= LOCAL_ARG_FACT; k++)
		ck_assert_msg(took[k] > 0, "kind %d took nothing", k);
	local_copy_free(&cp);
	conv_free(&c);
	remove_dir(dir);
}
END_TEST

CHECK_MAIN("local", .timeout = 120, .tests = CHECK_TESTS(
	template_families, markup_spans, render_hermes_and_llama3,
	parse_replies, parse_random_replies, grammar_accepts_and_refuses,
	grammar_random_walks, provider_end_to_end, provider_scripted_reply,
	provider_refuses_bad_files, copied_numbers_only, copied_words_only,
	copy_follows_the_source, copy_follows_a_list, argument_rules,
	items_begin_with_names, arguments_name_what_is_there, fences_hold_result_lines,
	edits_replace_each, edits_hold_to_their_file, repeats_are_loops,
	ungrounded_calls_are_dropped, own_words_split_as_names,
	facts_and_calls_keep_to_the_request, lists_are_copied_whole, operands_go_on_as_listed,
	counts_are_held, failed_calls_said_plainly, code_spans_quote_commands,
	kinds_take_the_trees_extensions, ranges_give_their_count, new_texts_after_old,
	fences_copy_results_whole,
	argument_rules_random_walks))
