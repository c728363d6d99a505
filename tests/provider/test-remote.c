/* Check suite for the remote providers and the chain over HTTP: a
 * loopback server (server.py) replays recorded transcripts; a test clock
 * records the chain's waits instead of sleeping.  Asserts conversations,
 * request shapes, retry counts and waits, fallback order, that no tool
 * call is returned twice, and that the key shows up nowhere but in the
 * request headers. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provider/chain.h"
#include "provider/prices.h"
#include "provider/provider.h"
#include "provider/remote.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/provider/fake-clock.h"
#include "tests/provider/request.h"

#define TEST_KEY "sk-test-SECRET-0123456789abcdef"
#define PY "/usr/bin/python3"

/* ---- the loopback server ---- */

struct srv {
	pid_t pid;
	int port;
	char *dir, *log;
};

static char *
srcdir_path(const char *rel)
{
	const char *src = getenv("CONCH_SRCDIR");
	return xasprintf("%s/%s", src ? src : ".", rel);
}

/* Start a server answering with `responses` (a JSON array text); `tls`
 * is NULL or {"cert": PATH, "key": PATH}. */
static void
srv_start_tls(struct srv *s, const char *responses, const char *tls)
{
	char tmpl[] = "/tmp/conch-net-srv-XXXXXX";
	char *fx = srcdir_path("tests/net/fixtures");
	char *py = srcdir_path("tests/net/server.py");
	char *script, *spath, line[32];
	cJSON *doc;
	int pfd[2];
	ssize_t n;
	size_t got = 0;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	s->dir = xstrdup(tmpl);
	s->log = xasprintf("%s/log.jsonl", s->dir);
	spath = xasprintf("%s/script.json", s->dir);
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "dir", fx);
	cJSON_AddItemToObject(doc, "responses", cJSON_Parse(responses));
	if (tls)
		cJSON_AddItemToObject(doc, "tls", cJSON_Parse(tls));
	ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItem(doc, "responses")), "bad script %s", responses);
	script = jx_print(doc);
	ck_assert_int_eq(fs_write_atomic(spath, script, strlen(script), 0600), C_OK);
	ck_assert_int_eq(pipe(pfd), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(PY, PY, py, spath, s->log, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got < sizeof line - 1 && (n = read(pfd[0], line + got, 1)) == 1 && line[got] != '\n')
		got++;
	line[got] = '\0';
	close(pfd[0]);
	s->port = (int)strtol(line, NULL, 10);
	ck_assert_msg(s->port > 0, "server did not start");
	free(script);
	free(spath);
	free(fx);
	free(py);
	cJSON_Delete(doc);
}

static void
srv_start(struct srv *s, const char *responses)
{
	srv_start_tls(s, responses, NULL);
}

static void
srv_stop(struct srv *s)
{
	char *cmd;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	cmd = xasprintf("rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", s->dir);
	free(cmd);
	free(s->dir);
	free(s->log);
}

/* The requests the server saw, as a JSON array. */
static cJSON *
srv_requests(const struct srv *s)
{
	struct buf b = BUF_INIT;
	cJSON *arr = cJSON_CreateArray();
	const char *p, *nl;
	if (fs_read_file(s->log, 0, &b) == C_OK) {
		for (p = buf_str(&b); *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			cJSON_AddItemToArray(arr, jx_parse(p, (size_t)(nl - p), NULL, NULL));
		}
	}
	buf_free(&b);
	return arr;
}

static int
srv_count(const struct srv *s)
{
	cJSON *r = srv_requests(s);
	int n = cJSON_GetArraySize(r);
	cJSON_Delete(r);
	return n;
}

/* providers config pointing every wire at the server */
static cJSON *
cfg_for(const struct srv *s, const struct srv *s2)
{
	char *txt = xasprintf(
		"{\"anthropic\": {\"base_url\": \"http://127.0.0.1:%d\", \"api_key_env\": \"CONCH_TEST_KEY\", \"idle_timeout_ms\": 2000},"
		" \"openai\": {\"base_url\": \"http://127.0.0.1:%d/v1/\", \"api_key_env\": \"CONCH_TEST_KEY\", \"idle_timeout_ms\": 2000},"
		" \"backup\": {\"type\": \"openai\", \"base_url\": \"http://127.0.0.1:%d/v1\", \"idle_timeout_ms\": 2000}}",
		s->port, s->port, s2 ? s2->port : s->port);
	cJSON *c = cJSON_Parse(txt);
	free(txt);
	return c;
}

static void
request_init(struct provider_request *req, struct conv *c)
{
	static const struct conv_tool_spec tools[] = {
		{ "get_weather", "Weather for a place", "{\"type\":\"object\"}", NULL },
	};
	request_one(req, c, "You are conch.", "What is the weather in SF?", tools, 1);
}

/* One chain turn against the given specs with the test clock. */
struct turn {
	enum cerr e;
	struct conv_msg out;
	struct provider_error err;
	struct tclock clk;
	struct evlog log;
};

static void
run_turn(struct turn *t, const char *const *specs, size_t n, const cJSON *cfg,
	 bool explicit_model)
{
	struct provider_events ev;
	struct provider_request req;
	struct provider_error oerr;
	struct conv c;
	struct chain *ch = chain_from_config(specs[0], specs + 1, n - 1, cfg,
					     explicit_model, NULL, &oerr);
	ck_assert_msg(ch != NULL, "chain: %s", oerr.msg);
	tclock_use(ch, &t->clk, 1000000, 5000); /* jitter x1.0 */
	events_init(&ev, &t->log);
	request_init(&req, &c);
	t->e = chain_chat(ch, &req, &ev, &t->out, &t->err);
	ck_assert_ptr_null(strstr(t->err.msg, TEST_KEY));
	ck_assert_ptr_null(strstr(buf_str(&t->log.notices), TEST_KEY));
	conv_free(&c);
	chain_free(ch);
}

static void
turn_free(struct turn *t)
{
	conv_msg_free(&t->out);
	evlog_free(&t->log);
}

static const char *const ANTH[] = { "anthropic/claude-test" };
static const char *const OAI[] = { "openai/gpt-test" };

/* Start `s` on `script` (the server's JSON list of answers) and run one
 * turn of the explicit model `spec` against it. */
static void
served_turn(struct srv *s, struct turn *t, const char *script,
	    const char *const *spec)
{
	cJSON *cfg;
	srv_start(s, script);
	cfg = cfg_for(s, NULL);
	run_turn(t, spec, 1, cfg, true);
	cJSON_Delete(cfg);
}

/* ---- tests ---- */

START_TEST(anthropic_text_and_request)
{
	struct srv s;
	struct turn t;
	cJSON *reqs, *r0, *h, *body;
	char *text;

	served_turn(&s, &t, "[{\"file\": \"anth-tool.sse\"}]", ANTH);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	text = conv_msg_text(&t.out);
	ck_assert_str_eq(text, "Okay, let's check the weather for San Francisco, CA:");
	ck_assert_str_eq(buf_str(&t.log.text), text);
	free(text);
	ck_assert_uint_eq(conv_msg_tool_calls(&t.out), 1);
	ck_assert_str_eq(t.out.blocks[1].args, "{\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}");
	ck_assert_int_eq(t.out.stop, STOP_TOOL_USE);
	ck_assert(t.out.usage.known);
	ck_assert_int_eq(t.out.usage.cache_write, 1200);
	ck_assert_str_eq(t.out.answered_by, "anthropic/claude-test");

	reqs = srv_requests(&s);
	ck_assert_int_eq(cJSON_GetArraySize(reqs), 1);
	r0 = cJSON_GetArrayItem(reqs, 0);
	ck_assert_str_eq(jx_str(r0, "path"), "/v1/messages");
	h = cJSON_GetObjectItem(r0, "headers");
	ck_assert_str_eq(jx_str(h, "x-api-key"), TEST_KEY);
	ck_assert_str_eq(jx_str(h, "anthropic-version"), "2023-06-01");
	ck_assert_str_eq(jx_str(h, "user-agent"), "conch/" PACKAGE_VERSION);
	body = cJSON_GetObjectItem(r0, "body");
	ck_assert_str_eq(jx_str(body, "model"), "claude-test");
	ck_assert(jx_bool(body, "stream", false));
	cJSON_Delete(reqs);
	turn_free(&t);
	srv_stop(&s);
}
END_TEST

START_TEST(openai_tools_and_request)
{
	struct srv s;
	struct turn t;
	cJSON *reqs, *r0;

	served_turn(&s, &t, "[{\"file\": \"oai-tools.sse\", \"every\": 7}]",
		    OAI);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_uint_eq(t.out.nblocks, 2);
	ck_assert_str_eq(t.out.blocks[0].id, "call_abc");
	ck_assert_str_eq(t.out.blocks[0].args, "{\"location\":\"Paris\"}");
	ck_assert_str_eq(t.out.blocks[1].name, "get_time");
	ck_assert_str_eq(t.out.blocks[1].args, "{\"tz\":\"CET\"}");
	ck_assert_int_eq(t.out.stop, STOP_TOOL_USE);
	ck_assert_int_eq(t.out.usage.input, 80);
	reqs = srv_requests(&s);
	r0 = cJSON_GetArrayItem(reqs, 0);
	ck_assert_str_eq(jx_str(r0, "path"), "/v1/chat/completions");
	ck_assert_str_eq(jx_str(cJSON_GetObjectItem(r0, "headers"), "authorization"),
			 "Bearer " TEST_KEY);
	ck_assert(jx_bool(cJSON_GetObjectItem(cJSON_GetObjectItem(r0, "body"), "stream_options"),
			  "include_usage", false));
	cJSON_Delete(reqs);
	turn_free(&t);
	srv_stop(&s);
}
END_TEST

/* Transcripts cut into two TCP writes at every byte offset; each answer
 * must equal the one decoded from the whole transcript in memory. */
static const char *const tcp_split_files[] = {
	"anth-text.sse", "anth-text-cr.sse", "anth-tool.sse", "anth-tool-crlf.sse",
	"anth-parallel.sse", "anth-thinking.sse", "anth-unknown.sse",
	"anth-overloaded.sse", "anth-badjson.sse", "anth-cut.sse",
	"oai-text.sse", "oai-tools.sse", "oai-tools-crlf.sse", "oai-openrouter.sse",
	"oai-openrouter-error.sse", "oai-ollama.sse", "oai-llamacpp.sse",
	"oai-llamacpp-error.sse", "oai-deepseek.sse", "oai-nodone.sse",
	"oai-badjson.sse", "oai-cut.sse",
};

/* The outcome of one call as text: the message, or the failure. */
static char *
outcome(enum cerr e, const struct conv_msg *m, const struct provider_error *err)
{
	cJSON *j;
	char *s;
	if (e)
		return xasprintf("%s: %s", cerr_str(e), err->msg);
	j = conv_msg_to_json(m);
	s = jx_print(j);
	cJSON_Delete(j);
	return s;
}

START_TEST(tcp_split_every_offset)
{
	const char *file = tcp_split_files[_i];
	bool anth = strncmp(file, "anth", 4) == 0;
	struct srv s;
	struct buf resp = BUF_INIT, in = BUF_INIT;
	char *rel = xasprintf("tests/net/fixtures/%s", file);
	char *path = srcdir_path(rel), *want;
	struct provider_error err;
	struct provider *p;
	struct conv_msg ref;
	cJSON *cfg;
	size_t k;

	ck_assert_int_eq(fs_read_file(path, 0, &in), C_OK);
	conv_msg_init(&ref, CONV_ASSISTANT);
	memset(&err, 0, sizeof err);
	want = outcome(remote_decode_bytes(anth ? &anth_decoder_ops : &oai_decoder_ops,
					   in.p, in.len, NULL, &ref, &err), &ref, &err);
	buf_adds(&resp, "[");
	for (k = 1; k < in.len; k++)
		buf_printf(&resp, "%s{\"file\": \"%s\", \"split\": [%zu], \"pause_ms\": 0.05}",
			   k > 1 ? "," : "", file, k);
	buf_adds(&resp, "]");
	srv_start(&s, buf_str(&resp));
	cfg = cfg_for(&s, NULL);
	p = provider_open(anth ? "anthropic/claude-test" : "openai/gpt-test", cfg, &err);
	ck_assert_ptr_nonnull(p);
	for (k = 1; k < in.len; k++) {
		struct provider_request req;
		struct conv c;
		struct conv_msg out;
		char *got;
		enum cerr e;
		request_init(&req, &c);
		e = p->chat(p, &req, NULL, &out, &err);
		got = outcome(e, &out, &err);
		ck_assert_msg(strcmp(got, want) == 0, "%s split at %zu: %s", file, k, got);
		free(got);
		conv_msg_free(&out);
		conv_free(&c);
	}
	provider_close(p);
	conv_msg_free(&ref);
	cJSON_Delete(cfg);
	buf_free(&resp);
	buf_free(&in);
	free(want);
	free(path);
	free(rel);
	srv_stop(&s);
}
END_TEST

/* A 3 MB request goes out whole and without an Expect round trip. */
START_TEST(large_request)
{
	struct srv s;
	struct provider_error err;
	struct provider *p;
	struct provider_request req;
	struct conv c;
	struct conv_msg out;
	size_t n = 3u << 20;
	char *big = xmalloc(n + 1);
	cJSON *cfg, *reqs;

	memset(big, 'x', n);
	big[n] = '\0';
	srv_start(&s, "[{\"file\": \"anth-text.sse\"}]");
	cfg = cfg_for(&s, NULL);
	p = provider_open("anthropic/claude-test", cfg, &err);
	request_init(&req, &c);
	req.system = big;
	ck_assert_int_eq(p->chat(p, &req, NULL, &out, &err), C_OK);
	reqs = srv_requests(&s);
	ck_assert_uint_eq(strlen(jx_str(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetArrayItem(reqs, 0), "body"), "system"), 0), "text")), n);
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 0),
								   "headers"), "expect"));
	cJSON_Delete(reqs);
	conv_msg_free(&out);
	conv_free(&c);
	provider_close(p);
	cJSON_Delete(cfg);
	free(big);
	srv_stop(&s);
}
END_TEST

/* Servers that answer "stream": true with one JSON object. */
START_TEST(non_streamed_answers)
{
	struct srv s;
	struct turn t;
	cJSON *cfg;

	srv_start(&s, "[{\"file\": \"anth-whole.json\", \"chunked\": false},"
		      " {\"file\": \"oai-whole.json\", \"every\": 50},"
		      " {\"file\": \"oai-200-error.json\"}]");
	cfg = cfg_for(&s, NULL);
	run_turn(&t, ANTH, 1, cfg, true);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_uint_eq(t.out.nblocks, 2);
	ck_assert_str_eq(t.out.blocks[0].text, "Let me look.");
	ck_assert_str_eq(buf_str(&t.log.text), "Let me look.");
	ck_assert_str_eq(t.out.blocks[1].args, "{\"location\":\"San Francisco, CA\"}");
	ck_assert_int_eq(t.out.stop, STOP_TOOL_USE);
	ck_assert_int_eq(t.out.usage.output, 503);
	ck_assert_int_eq(t.out.usage.cache_read, 20);
	turn_free(&t);
	run_turn(&t, OAI, 1, cfg, true);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_uint_eq(t.out.nblocks, 1);
	ck_assert_str_eq(t.out.blocks[0].id, "call_12345xyz");
	ck_assert_str_eq(t.out.blocks[0].args, "{\"location\":\"Paris, France\"}");
	ck_assert_int_eq(t.out.usage.input, 82);
	turn_free(&t);
	run_turn(&t, OAI, 1, cfg, true);
	ck_assert_int_eq(t.e, C_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(t.err.msg, "quota"));
	ck_assert_int_eq(t.clk.nwaits, 0);
	turn_free(&t);
	cJSON_Delete(cfg);
	srv_stop(&s);
}
END_TEST

/* http_proxy is honoured: the request reaches the proxy with an absolute
 * URI for a host that does not exist. */
START_TEST(proxy_environment)
{
	struct srv s;
	struct provider_error err;
	struct provider *p;
	struct provider_request req;
	struct conv c;
	struct conv_msg out;
	cJSON *cfg, *reqs;
	char *proxy;

	srv_start(&s, "[{\"file\": \"anth-text.sse\"}]");
	proxy = xasprintf("http://127.0.0.1:%d", s.port);
	setenv("http_proxy", proxy, 1);
	cfg = cJSON_Parse("{\"anthropic\": {\"base_url\": \"http://api.example.invalid:8080\","
			  " \"api_key_env\": \"CONCH_TEST_KEY\"}}");
	p = provider_open("anthropic/claude-test", cfg, &err);
	request_init(&req, &c);
	ck_assert_msg(p->chat(p, &req, NULL, &out, &err) == C_OK, "%s", err.msg);
	unsetenv("http_proxy");
	reqs = srv_requests(&s);
	ck_assert_str_eq(jx_str(cJSON_GetArrayItem(reqs, 0), "path"),
			 "http://api.example.invalid:8080/v1/messages");
	cJSON_Delete(reqs);
	conv_msg_free(&out);
	conv_free(&c);
	provider_close(p);
	cJSON_Delete(cfg);
	free(proxy);
	srv_stop(&s);
}
END_TEST

/* TLS verification is on: a self-signed server is refused, for good. */
START_TEST(tls_verification)
{
	char tmpl[] = "/tmp/conch-net-tls-XXXXXX";
	struct srv s;
	struct turn t;
	char *cmd, *tls, *txt;
	cJSON *cfg;

	if (access("/usr/bin/openssl", X_OK) != 0)
		return; /* nothing to make a certificate with */
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	cmd = xasprintf("/usr/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
			"-subj /CN=127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
			">/dev/null 2>&1", tmpl, tmpl);
	ck_assert_int_eq(system(cmd), 0);
	tls = xasprintf("{\"cert\": \"%s/cert.pem\", \"key\": \"%s/key.pem\"}", tmpl, tmpl);
	srv_start_tls(&s, "[{\"file\": \"anth-text.sse\"}]", tls);
	txt = xasprintf("{\"anthropic\": {\"base_url\": \"https://127.0.0.1:%d\","
			" \"api_key_env\": \"CONCH_TEST_KEY\"}}", s.port);
	cfg = cJSON_Parse(txt);
	run_turn(&t, ANTH, 1, cfg, true);
	ck_assert_int_eq(t.e, C_ERR_PROVIDER);
	ck_assert_int_eq(t.clk.nwaits, 0);
	ck_assert_msg(strstr(t.err.msg, "certificate") || strstr(t.err.msg, "SSL"), "%s", t.err.msg);
	turn_free(&t);
	cJSON_Delete(cfg);
	free(txt);
	free(tls);
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", tmpl);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	srv_stop(&s);
}
END_TEST

START_TEST(transcripts_over_tcp)
{
	static const char *const anth[] = { "anth-text-cr.sse", "anth-tool-crlf.sse",
		"anth-parallel.sse", "anth-thinking.sse", "anth-unknown.sse" };
	static const char *const oai[] = { "oai-text.sse", "oai-tools-crlf.sse",
		"oai-openrouter.sse", "oai-ollama.sse", "oai-llamacpp.sse", "oai-deepseek.sse" };
	struct srv s;
	struct buf resp = BUF_INIT;
	struct provider_error err;
	struct provider *pa, *po;
	cJSON *cfg;
	size_t i;

	buf_adds(&resp, "[");
	for (i = 0; i < 5; i++)
		buf_printf(&resp, "{\"file\": \"%s\", \"every\": 3, \"pause_ms\": 0.1},", anth[i]);
	for (i = 0; i < 6; i++)
		buf_printf(&resp, "%s{\"file\": \"%s\", \"every\": 5, \"pause_ms\": 0.1}",
			   i ? "," : "", oai[i]);
	buf_adds(&resp, "]");
	srv_start(&s, buf_str(&resp));
	cfg = cfg_for(&s, NULL);
	pa = provider_open("anthropic/claude-test", cfg, &err);
	po = provider_open("openai/gpt-test", cfg, &err);
	for (i = 0; i < 11; i++) {
		struct provider *p = i < 5 ? pa : po;
		struct provider_request req;
		struct conv c;
		struct conv_msg out;
		enum cerr e;
		request_init(&req, &c);
		e = p->chat(p, &req, NULL, &out, &err);
		ck_assert_msg(e == C_OK, "%s: %s", i < 5 ? anth[i] : oai[i - 5], err.msg);
		ck_assert_uint_gt(out.nblocks, 0);
		ck_assert_int_ne(out.stop, STOP_NONE);
		conv_msg_free(&out);
		conv_free(&c);
	}
	provider_close(pa);
	provider_close(po);
	cJSON_Delete(cfg);
	buf_free(&resp);
	srv_stop(&s);
}
END_TEST

START_TEST(retry_after_429)
{
	struct srv s;
	struct turn t;

	served_turn(&s, &t, "[{\"status\": 429, \"headers\": {\"retry-after\": \"3\"},"
		    "  \"body\": \"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"rate_limit_error\\\",\\\"message\\\":\\\"slow down\\\"}}\"},"
		    " {\"status\": 429, \"headers\": {\"retry-after-ms\": \"1500\", \"retry-after\": \"2\"}, \"body\": \"{}\"},"
		    " {\"status\": 429, \"headers\": {\"retry-after\": \"Fri, 31 Dec 2100 23:59:59 GMT\"}, \"body\": \"{}\"},"
		    " {\"file\": \"anth-text.sse\"}]",
		    ANTH);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_int_eq(srv_count(&s), 4);
	tclock_waits(&t.clk, 3000, 1500, 60000); /* 60000: an HTTP date, capped */
	ck_assert_ptr_nonnull(strstr(buf_str(&t.log.notices), "slow down"));
	turn_free(&t);
	srv_stop(&s);
}
END_TEST

START_TEST(backoff_529_500)
{
	struct srv s;
	struct turn t;

	served_turn(&s, &t, "[{\"status\": 529, \"body\": \"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}\"},"
		    " {\"status\": 500, \"body\": \"oops\"},"
		    " {\"status\": 503, \"body\": \"\"},"
		    " {\"file\": \"anth-text.sse\"}]",
		    ANTH);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_int_eq(srv_count(&s), 4);
	tclock_waits(&t.clk, 1000, 2000, 4000);
	turn_free(&t);
	srv_stop(&s);
}
END_TEST

/* Broken streams: an error event, a reset, a stall, invalid JSON, a
 * clean close before message_stop.  Each is retried from the start of
 * the turn; text already shown is discarded. */
START_TEST(broken_streams_retried)
{
	struct srv s;
	struct turn t;
	cJSON *cfg;
	char *text;

	srv_start(&s, "[{\"file\": \"anth-overloaded.sse\"},"
		      " {\"file\": \"anth-tool.sse\", \"reset_after\": 900},"
		      " {\"file\": \"anth-tool.sse\", \"stall_after\": 900, \"stall_s\": 6},"
		      " {\"file\": \"anth-badjson.sse\"},"
		      " {\"file\": \"anth-cut.sse\"},"
		      " {\"file\": \"anth-tool.sse\"}]");
	cfg = cfg_for(&s, NULL);
	run_turn(&t, ANTH, 1, cfg, true);
	ck_assert_msg(t.e == C_ERR_RETRYABLE, "%d %s", t.e, t.err.msg);
	/* 5 attempts (4 retries) spent on the broken ones */
	ck_assert_int_eq(srv_count(&s), 5);
	ck_assert_int_eq(t.clk.nwaits, 4);
	ck_assert_int_eq(t.clk.waits[3], 8000);
	ck_assert_int_ge(t.log.discards, 4);
	ck_assert_ptr_nonnull(strstr(buf_str(&t.log.notices), "Overloaded"));
	ck_assert_ptr_nonnull(strstr(buf_str(&t.log.notices), "idle timeout"));
	ck_assert_ptr_nonnull(strstr(t.err.msg, "message_stop"));
	turn_free(&t);

	/* with one more retry allowed the sixth answer gets through, and its
	 * tool call comes back exactly once */
	{
		struct provider_events ev;
		struct provider_request req;
		struct provider_error oerr;
		struct conv c;
		struct chain *ch = chain_from_config(ANTH[0], NULL, 0, cfg, true, NULL, &oerr);
		struct srv s2;
		srv_start(&s2, "[{\"file\": \"anth-overloaded.sse\"},"
			       " {\"file\": \"anth-tool.sse\", \"reset_after\": 1500},"
			       " {\"file\": \"anth-tool.sse\"}]");
		cJSON_Delete(cfg);
		cfg = cfg_for(&s2, NULL);
		chain_free(ch);
		ch = chain_from_config(ANTH[0], NULL, 0, cfg, true, NULL, &oerr);
		tclock_use(ch, &t.clk, 1000000, 5000); /* jitter x1.0 */
		events_init(&ev, &t.log);
		request_init(&req, &c);
		t.e = chain_chat(ch, &req, &ev, &t.out, &t.err);
		ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
		ck_assert_uint_eq(conv_msg_tool_calls(&t.out), 1);
		ck_assert_uint_eq(t.out.nblocks, 2);
		text = conv_msg_text(&t.out);
		/* what the front end holds after the discards equals the answer */
		ck_assert_str_eq(buf_str(&t.log.text), text);
		free(text);
		ck_assert_int_eq(t.log.discards, 2);
		ck_assert_int_eq(srv_count(&s2), 3);
		conv_free(&c);
		chain_free(ch);
		turn_free(&t);
		srv_stop(&s2);
	}
	cJSON_Delete(cfg);
	srv_stop(&s);
}
END_TEST

START_TEST(openai_stream_errors)
{
	struct srv s;
	struct turn t;
	cJSON *cfg;

	/* OpenRouter error inside a 200 stream; llama-server error chunk then
	 * close; a cut; then an answer without [DONE] on a connection held
	 * open: the wind-down ends it */
	srv_start(&s, "[{\"file\": \"oai-openrouter-error.sse\"},"
		      " {\"file\": \"oai-badjson.sse\", \"chunked\": false},"
		      " {\"file\": \"oai-cut.sse\", \"chunked\": false},"
		      " {\"file\": \"oai-nodone.sse\", \"hold_open_s\": 8}]");
	cfg = cfg_for(&s, NULL);
	run_turn(&t, OAI, 1, cfg, true);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_int_eq(srv_count(&s), 4);
	ck_assert_int_eq(t.out.stop, STOP_LENGTH);
	ck_assert(!t.out.usage.known); /* never arrived: unknown, not zero */
	ck_assert_int_eq(t.log.discards, 3);
	ck_assert_str_eq(buf_str(&t.log.text), "No DONE marker");
	cJSON_Delete(cfg);
	turn_free(&t);
	srv_stop(&s);

	srv_start(&s, "[{\"file\": \"oai-llamacpp-error.sse\", \"chunked\": false}]");
	cfg = cfg_for(&s, NULL);
	run_turn(&t, OAI, 1, cfg, true);
	ck_assert_int_eq(t.e, C_ERR_CONTEXT);
	ck_assert_int_eq(srv_count(&s), 1);
	cJSON_Delete(cfg);
	turn_free(&t);
	srv_stop(&s);
}
END_TEST

START_TEST(auth_failure_falls_back)
{
	struct srv a, b;
	struct turn t;
	cJSON *cfg, *reqs;
	static const char *const specs[] = { "anthropic/claude-test", "backup/model-b" };

	srv_start(&a, "[{\"status\": 401, \"body\": \"{\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"authentication_error\\\",\\\"message\\\":\\\"invalid x-api-key " TEST_KEY "\\\"}}\"}]");
	srv_start(&b, "[{\"file\": \"oai-text.sse\"}]");
	cfg = cfg_for(&a, &b);
	run_turn(&t, specs, 2, cfg, true);
	ck_assert_msg(t.e == C_OK, "%s", t.err.msg);
	ck_assert_str_eq(t.out.answered_by, "backup/model-b");
	ck_assert_int_eq(srv_count(&a), 1); /* no retry on 401 */
	ck_assert_int_eq(srv_count(&b), 1);
	ck_assert_int_eq(t.clk.nwaits, 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&t.log.notices), "[redacted]"));
	/* the backup has no key configured: no Authorization header */
	reqs = srv_requests(&b);
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 0),
								   "headers"), "authorization"));
	cJSON_Delete(reqs);
	turn_free(&t);

	/* named with -m and no fallback: reported, not switched */
	run_turn(&t, specs, 1, cfg, true);
	ck_assert_int_eq(t.e, C_ERR_AUTH);
	ck_assert_int_eq(t.err.http_status, 401);
	ck_assert_ptr_nonnull(strstr(t.err.msg, "authentication_error"));
	ck_assert_int_eq(srv_count(&b), 1);
	turn_free(&t);
	cJSON_Delete(cfg);
	srv_stop(&a);
	srv_stop(&b);
}
END_TEST

START_TEST(all_fail_summary)
{
	struct srv a;
	struct turn t;
	cJSON *cfg;
	static const char *const specs[] = { "anthropic/claude-test", "openai/gpt-test",
		"openrouter/x/y" };

	unsetenv("OPENROUTER_API_KEY");
	srv_start(&a, "[{\"status\": 400, \"body\": \"{\\\"error\\\":{\\\"type\\\":\\\"invalid_request_error\\\",\\\"message\\\":\\\"nope\\\"}}\"},"
		      " {\"status\": 403, \"body\": \"{\\\"error\\\":{\\\"message\\\":\\\"forbidden\\\"}}\"}]");
	cfg = cfg_for(&a, NULL);
	run_turn(&t, specs, 3, cfg, false);
	ck_assert_int_eq(t.e, C_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(t.err.msg, "anthropic/claude-test: HTTP 400"));
	ck_assert_ptr_nonnull(strstr(t.err.msg, "openai/gpt-test: HTTP 403"));
	ck_assert_ptr_nonnull(strstr(t.err.msg, "openrouter/x/y: no API key"));
	ck_assert_ptr_nonnull(strstr(t.err.msg, "OPENROUTER_API_KEY"));
	ck_assert_int_eq(srv_count(&a), 2);
	turn_free(&t);
	cJSON_Delete(cfg);
	srv_stop(&a);
}
END_TEST

START_TEST(cancel_during_stall)
{
	struct srv s;
	struct provider_error err;
	struct provider_events ev;
	struct provider_request req;
	struct evlog l;
	struct conv c;
	struct conv_msg out;
	struct provider *p;
	cJSON *cfg;
	int cancel_pipe[2];
	pid_t kid;
	enum cerr e;

	srv_start(&s, "[{\"file\": \"anth-tool.sse\", \"stall_after\": 900, \"stall_s\": 4}]");
	cJSON_Delete(cfg_for(&s, NULL));
	cfg = cJSON_Parse("{}");
	{
		char *u = xasprintf("{\"anthropic\": {\"base_url\": \"http://127.0.0.1:%d\", "
				    "\"api_key_env\": \"CONCH_TEST_KEY\"}}", s.port);
		cJSON_Delete(cfg);
		cfg = cJSON_Parse(u);
		free(u);
	}
	p = provider_open("anthropic/claude-test", cfg, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pipe(cancel_pipe), 0);
	kid = fork();
	if (kid == 0) {
		usleep(500000);
		if (write(cancel_pipe[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	events_init(&ev, &l);
	ev.cancel_fd = cancel_pipe[0];
	request_init(&req, &c);
	e = p->chat(p, &req, &ev, &out, &err);
	ck_assert_int_eq(e, C_ERR_CANCELLED);
	ck_assert_uint_gt(l.text.len, 0);
	waitpid(kid, NULL, 0);
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
	conv_msg_free(&out);
	conv_free(&c);
	evlog_free(&l);
	provider_close(p);
	cJSON_Delete(cfg);
	srv_stop(&s);
}
END_TEST

START_TEST(open_names_and_keys)
{
	struct provider_error err;
	struct provider *p;
	char tmpl[] = "/tmp/conch-net-key-XXXXXX";
	char *kf, *txt;
	cJSON *cfg;

	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	p = provider_open("anthropic/claude-x", NULL, &err);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.kind, C_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err.msg, "ANTHROPIC_API_KEY"));
	p = provider_open("openai/gpt-x", NULL, &err);
	ck_assert_int_eq(err.kind, C_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err.msg, "OPENAI_API_KEY"));
	p = provider_open("nosuch/model", NULL, &err);
	ck_assert_int_eq(err.kind, C_ERR_INVAL);
	p = provider_open("noslash", NULL, &err);
	ck_assert_int_eq(err.kind, C_ERR_INVAL);
	p = provider_open("local/model.gguf", NULL, &err);
	ck_assert_ptr_null(p);

	setenv("OPENROUTER_API_KEY", TEST_KEY, 1);
	p = provider_open("openrouter/anthropic/claude-sonnet-4.5", NULL, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->label, "openrouter/anthropic/claude-sonnet-4.5");
	ck_assert_str_eq(p->model, "anthropic/claude-sonnet-4.5");
	provider_close(p);
	unsetenv("OPENROUTER_API_KEY");
	p = provider_open("ollama/qwen3:8b", NULL, &err);
	ck_assert_ptr_nonnull(p); /* no key needed */
	provider_close(p);

	/* nothing listens: a retryable network failure */
	cfg = cJSON_Parse("{\"llamacpp\": {\"base_url\": \"http://127.0.0.1:1/v1\"}}");
	p = provider_open("llamacpp/m", cfg, &err);
	ck_assert_ptr_nonnull(p);
	{
		struct provider_request req;
		struct conv c;
		struct conv_msg out;
		request_init(&req, &c);
		ck_assert_int_eq(p->chat(p, &req, NULL, &out, &err), C_ERR_RETRYABLE);
		ck_assert_int_eq(err.http_status, 0);
		conv_msg_free(&out);
		conv_free(&c);
	}
	provider_close(p);
	cJSON_Delete(cfg);

	/* key files: 0600 accepted, anything wider refused */
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	kf = xasprintf("%s/key", tmpl);
	ck_assert_int_eq(fs_write_atomic(kf, TEST_KEY "\n", strlen(TEST_KEY) + 1, 0644), C_OK);
	chmod(kf, 0644);
	txt = xasprintf("{\"anthropic\": {\"api_key_file\": \"%s\"}}", kf);
	cfg = cJSON_Parse(txt);
	p = provider_open("anthropic/claude-x", cfg, &err);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.kind, C_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err.msg, "chmod 600"));
	ck_assert_ptr_null(strstr(err.msg, TEST_KEY));
	chmod(kf, 0600);
	p = provider_open("anthropic/claude-x", cfg, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	provider_close(p);
	cJSON_Delete(cfg);
	free(txt);
	txt = xasprintf("{\"anthropic\": {\"api_key_env\": \"CONCH_NOT_SET_ANYWHERE\"}}");
	cfg = cJSON_Parse(txt);
	p = provider_open("anthropic/claude-x", cfg, &err);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err.msg, "CONCH_NOT_SET_ANYWHERE"));
	cJSON_Delete(cfg);
	free(txt);
	unlink(kf);
	rmdir(tmpl);
	free(kf);
}
END_TEST

START_TEST(price_table)
{
	char *path = srcdir_path("prices.json");
	struct buf warn = BUF_INIT;
	struct prices *pr = prices_load(path, "/nonexistent/prices.json", &warn);
	struct conv_usage u = { 1000000, 100000, 200000, 2000000, true };
	double usd = -1;

	ck_assert(prices_cost(pr, "anthropic/claude-sonnet-4-5", &u, &usd));
	/* 3 + 1.5 + 0.75 + 0.6 */
	ck_assert_double_eq_tol(usd, 5.85, 1e-9);
	ck_assert(prices_cost(pr, "anthropic/claude-sonnet-4-5-20250929", &u, &usd));
	ck_assert(prices_cost(pr, "openrouter/anthropic/claude-sonnet-4-5", &u, &usd));
	ck_assert(prices_cost(pr, "ollama/qwen3:8b", &u, &usd));
	ck_assert_double_eq(usd, 0);
	ck_assert(!prices_cost(pr, "anthropic/unknown-model", &u, &usd));
	/* a local model costs nothing, with or without a table */
	usd = -1;
	ck_assert(prices_cost(pr, "local/tmp/m.gguf", &u, &usd));
	ck_assert_double_eq(usd, 0);
	ck_assert(prices_cost(NULL, "local/qwen", &u, &usd));
	/* run from the build tree, the source tree's table is found */
	{
		char *old = getenv("CONCH_PKGDATADIR") ? xstrdup(getenv("CONCH_PKGDATADIR")) : NULL;
		struct prices *d;
		setenv("CONCH_PKGDATADIR", "/nonexistent-conch-pkgdatadir", 1);
		d = prices_load_default(NULL);
		ck_assert(prices_cost(d, "anthropic/claude-sonnet-4-5", &u, &usd));
		prices_free(d);
		if (old)
			setenv("CONCH_PKGDATADIR", old, 1);
		else
			unsetenv("CONCH_PKGDATADIR");
		free(old);
	}
	u.known = false;
	ck_assert(!prices_cost(pr, "anthropic/claude-sonnet-4-5", &u, &usd));
	ck_assert_uint_eq(warn.len, 0);
	{
		struct cost_total tot = { 0, 0, 0 };
		struct conv_msg m;
		char txt[128];
		conv_msg_init(&m, CONV_ASSISTANT);
		cost_total_format(&tot, txt, sizeof txt);
		ck_assert_str_eq(txt, "$0.0000");
		m.answered_by = xstrdup("anthropic/claude-haiku-4-5");
		m.usage = (struct conv_usage){ 1000000, 0, 0, 0, true };
		cost_total_add(&tot, pr, &m);
		cost_total_format(&tot, txt, sizeof txt);
		ck_assert_str_eq(txt, "$1.0000");
		m.usage.known = false; /* a stream cut before usage arrived */
		cost_total_add(&tot, pr, &m);
		cost_total_format(&tot, txt, sizeof txt);
		ck_assert_str_eq(txt, "at least $1.0000 (1 of 2 turns unpriced)");
		conv_msg_free(&m);
		tot = (struct cost_total){ 0, 0, 0 };
		m.answered_by = xstrdup("openai/unknown-model");
		m.usage = (struct conv_usage){ 10, 10, 0, 0, true };
		cost_total_add(&tot, pr, &m);
		cost_total_format(&tot, txt, sizeof txt);
		ck_assert_str_eq(txt, "unknown");
		conv_msg_free(&m);
	}
	/* a user table overrides and adds */
	{
		char tmpl[] = "/tmp/conch-net-prices-XXXXXX";
		char *up;
		const char *doc = "{\"models\": {\"anthropic/claude-sonnet-4-5\": {\"input\": 1, \"output\": 1},"
				  " \"mine/m\": {\"input\": 2, \"output\": 2}}}";
		struct prices *p2;
		u = (struct conv_usage){ 1000000, 0, 0, 0, true };
		ck_assert_ptr_nonnull(mkdtemp(tmpl));
		up = xasprintf("%s/prices.json", tmpl);
		ck_assert_int_eq(fs_write_atomic(up, doc, strlen(doc), 0600), C_OK);
		p2 = prices_load(path, up, &warn);
		ck_assert(prices_cost(p2, "anthropic/claude-sonnet-4-5", &u, &usd));
		ck_assert_double_eq_tol(usd, 1.0, 1e-9);
		ck_assert(prices_cost(p2, "mine/m", &u, &usd));
		ck_assert_double_eq_tol(usd, 2.0, 1e-9);
		ck_assert(prices_cost(p2, "openai/gpt-4o", &u, &usd));
		prices_free(p2);
		ck_assert_int_eq(fs_write_atomic(up, "{oops", 5, 0600), C_OK);
		p2 = prices_load(path, up, &warn);
		ck_assert_ptr_nonnull(strstr(buf_str(&warn), "invalid JSON"));
		prices_free(p2);
		unlink(up);
		rmdir(tmpl);
		free(up);
	}
	prices_free(pr);
	buf_free(&warn);
	free(path);
}
END_TEST

/* No file under the test HOME holds the key. */
static bool
tree_has(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char *p;
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			found = tree_has(p, needle);
		} else if (S_ISREG(st.st_mode)) {
			struct buf b = BUF_INIT;
			if (fs_read_file(p, 0, &b) == C_OK && b.len &&
			    str_find(b.p, b.len, needle, strlen(needle)))
				found = true;
			buf_free(&b);
		}
		free(p);
	}
	closedir(d);
	return found;
}

static Suite *
remote_suite(void)
{
	Suite *s = suite_create("net-remote");
	TCase *tc = check_add_case(s, &(const struct check_case){
		.name = "http", .timeout = 60,
		.tests = CHECK_TESTS(anthropic_text_and_request,
			openai_tools_and_request, transcripts_over_tcp,
			large_request, non_streamed_answers, proxy_environment,
			tls_verification, retry_after_429, backoff_529_500,
			broken_streams_retried, openai_stream_errors,
			auth_failure_falls_back, all_fail_summary,
			cancel_during_stall, open_names_and_keys,
			price_table) });
	tcase_add_loop_test(tc, tcp_split_every_offset, 0,
			    (int)(sizeof tcp_split_files / sizeof tcp_split_files[0]));
	return s;
}

int
main(void)
{
	char tmpl[] = "/tmp/conch-net-home-XXXXXX";
	int failed;
	char *cmd;

	if (access(PY, X_OK) != 0) {
		fprintf(stderr, "skip: %s is not available for the loopback server\n", PY);
		return 77;
	}
	if (!mkdtemp(tmpl))
		return 99;
	setenv("HOME", tmpl, 1);
	setenv("XDG_CONFIG_HOME", tmpl, 1);
	setenv("XDG_STATE_HOME", tmpl, 1);
	setenv("XDG_DATA_HOME", tmpl, 1);
	setenv("CONCH_TEST_KEY", TEST_KEY, 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	failed = check_run(remote_suite());
	if (tree_has(tmpl, TEST_KEY)) {
		fprintf(stderr, "FAIL: the API key was written under %s\n", tmpl);
		failed++;
	}
	cmd = xasprintf("rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		failed++;
	free(cmd);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
