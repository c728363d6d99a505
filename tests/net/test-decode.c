/* Check suite for src/net/sse.c and the two stream decoders: SSE framing
 * cases, and golden tests over recorded wire transcripts
 * (fixtures/NAME.sse -> fixtures/NAME.out), each transcript also fed
 * split at every byte offset and one byte at a time.
 * CONCH_REGEN=1 rewrites the .out files (review the diff!). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/sse.h"
#include "provider/remote.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

/* ---- SSE parser ---- */

struct rec {
	struct buf log; /* "type|data|id\n" per event */
};

static enum cerr
rec_event(void *ud, const struct sse_event *ev)
{
	struct rec *r = ud;
	ck_assert_uint_eq(strlen(ev->data), ev->data_len);
	buf_printf(&r->log, "%s|%s|%s\n", ev->type, ev->data, ev->id);
	return C_OK;
}

static char *
parse_all(const char *s, size_t n, size_t step)
{
	struct sse_parser p;
	struct rec r = { BUF_INIT };
	size_t i;
	sse_init(&p, 0, rec_event, &r);
	if (step == 0)
		step = n ? n : 1;
	for (i = 0; i < n; i += step)
		ck_assert_int_eq(sse_feed(&p, s + i, n - i < step ? n - i : step), C_OK);
	ck_assert_int_eq(sse_finish(&p), C_OK);
	sse_free(&p);
	return buf_steal(&r.log);
}

static void
expect_sse(const char *in, const char *want)
{
	size_t n = strlen(in), k;
	char *got = parse_all(in, n, 0);
	ck_assert_str_eq(got, want);
	free(got);
	got = parse_all(in, n, 1);
	ck_assert_str_eq(got, want);
	free(got);
	for (k = 1; k < n; k++) {
		/* two pieces split at k */
		struct sse_parser p;
		struct rec r = { BUF_INIT };
		sse_init(&p, 0, rec_event, &r);
		ck_assert_int_eq(sse_feed(&p, in, k), C_OK);
		ck_assert_int_eq(sse_feed(&p, in + k, n - k), C_OK);
		sse_finish(&p);
		ck_assert_str_eq(buf_str(&r.log), want);
		buf_free(&r.log);
		sse_free(&p);
	}
}

START_TEST(sse_framing)
{
	expect_sse("data: a\n\n", "message|a|\n");
	expect_sse("data: a\r\n\r\n", "message|a|\n");
	expect_sse("data: a\r\rdata: b\r\r", "message|a|\nmessage|b|\n");
	expect_sse("data:a\n\n", "message|a|\n");
	expect_sse("data:  two spaces\n\n", "message| two spaces|\n");
	expect_sse("data\n\n", "message||\n");
	expect_sse("data: 1\ndata: 2\ndata\n\n", "message|1\n2\n|\n");
	expect_sse(": comment\n\n: x\nevent: e\ndata: d\n\n", "e|d|\n");
	expect_sse("event: only\n\n", ""); /* no data: nothing dispatched */
	expect_sse("id: 7\ndata: x\n\ndata: y\n\n", "message|x|7\nmessage|y|7\n");
	expect_sse("retry: 3000\ndata: r\n\n", "message|r|\n");
	expect_sse("\xef\xbb\xbf" "data: bom\n\n", "message|bom|\n");
	expect_sse("data: \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\n\n", "message|\xc3\xa9t\xc3\xa9 \xe2\x9c\x93|\n");
	expect_sse("unknown: field\ndata: k\n\n", "message|k|\n");
	expect_sse("error: {\"code\":500}\n\n", "error|{\"code\":500}|\n");
	/* an event not closed by a blank line is dropped at the end */
	expect_sse("data: a\n\ndata: b", "message|a|\n");
	expect_sse("data: a\n\ndata: b\n", "message|a|\n");
}
END_TEST

START_TEST(sse_retry_and_cap)
{
	struct sse_parser p;
	struct rec r = { BUF_INIT };
	char big[300];

	sse_init(&p, 0, rec_event, &r);
	sse_feed(&p, "retry: 1500\n", 12);
	ck_assert_int_eq(p.retry_ms, 1500);
	sse_feed(&p, "retry: 15x\n", 11);
	ck_assert_int_eq(p.retry_ms, 1500);
	sse_free(&p);
	buf_free(&r.log);

	sse_init(&p, 100, rec_event, &r);
	memset(big, 'x', sizeof big);
	ck_assert_int_eq(sse_feed(&p, "data: ", 6), C_OK);
	ck_assert_int_eq(sse_feed(&p, big, sizeof big), C_ERR_TOOBIG);
	/* sticky */
	ck_assert_int_eq(sse_feed(&p, "\n\n", 2), C_ERR_TOOBIG);
	sse_free(&p);
	buf_free(&r.log);
}
END_TEST

static enum cerr
stop_at_two(void *ud, const struct sse_event *ev)
{
	int *n = ud;
	(void)ev;
	return ++*n == 2 ? C_ERR_CANCELLED : C_OK;
}

START_TEST(sse_callback_stops)
{
	struct sse_parser p;
	int n = 0;
	const char *in = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	sse_init(&p, 0, stop_at_two, &n);
	ck_assert_int_eq(sse_feed(&p, in, strlen(in)), C_ERR_CANCELLED);
	ck_assert_int_eq(n, 2);
	sse_free(&p);
}
END_TEST

START_TEST(retry_after_parsing)
{
	time_t now = 1700000000;
	ck_assert_int_eq(http_parse_retry_after("1500", NULL, now), 1500);
	ck_assert_int_eq(http_parse_retry_after(NULL, "2", now), 2000);
	ck_assert_int_eq(http_parse_retry_after("250", "9", now), 250);
	ck_assert_int_eq(http_parse_retry_after("junk", "3", now), 3000);
	ck_assert_int_eq(http_parse_retry_after(NULL, "junk", now), -1);
	ck_assert_int_eq(http_parse_retry_after(NULL, NULL, now), -1);
	/* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT */
	ck_assert_int_eq(http_parse_retry_after(NULL, "Tue, 14 Nov 2023 22:13:50 GMT", now),
			 30000);
	ck_assert_int_eq(http_parse_retry_after(NULL, "Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
}
END_TEST

/* ---- decoders over fixtures ---- */

struct seen {
	struct buf text, thinking;
};

static void
seen_text(void *ud, const char *s, size_t n)
{
	buf_add(&((struct seen *)ud)->text, s, n);
}

static void
seen_thinking(void *ud, const char *s, size_t n)
{
	buf_add(&((struct seen *)ud)->thinking, s, n);
}

struct dctx {
	const struct remote_decoder_ops *ops;
	void *dec;
	struct provider_error *err;
	enum cerr fail;
};

static enum cerr
dctx_event(void *ud, const struct sse_event *ev)
{
	struct dctx *d = ud;
	enum cerr e = d->ops->event(d->dec, ev->type, ev->data, ev->data_len, d->err);
	if (e)
		d->fail = e;
	return e;
}

/* Decode `s` fed in pieces at the offsets cuts[0..ncuts); return the
 * golden text. */
static char *
decode_pieces(const struct remote_decoder_ops *ops, const char *s, size_t n,
	      const size_t *cuts, size_t ncuts)
{
	struct seen sn = { BUF_INIT, BUF_INIT };
	struct provider_events ev;
	struct provider_error err;
	struct conv_msg out;
	struct sse_parser p;
	struct dctx d;
	cJSON *g, *m;
	size_t i, at = 0;
	enum cerr e = C_OK;
	char *txt;

	memset(&ev, 0, sizeof ev);
	ev.ud = &sn;
	ev.text = seen_text;
	ev.thinking = seen_thinking;
	ev.cancel_fd = -1;
	memset(&err, 0, sizeof err);
	conv_msg_init(&out, CONV_ASSISTANT);
	d.ops = ops;
	d.err = &err;
	d.fail = C_OK;
	d.dec = ops->create(&out, &ev);
	sse_init(&p, 0, dctx_event, &d);
	for (i = 0; i <= ncuts && !e; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		e = sse_feed(&p, s + at, end - at);
		at = end;
		if (!e && ops->state(d.dec) == REMOTE_DONE)
			break;
	}
	if (!e && ops->state(d.dec) == REMOTE_MORE)
		e = sse_finish(&p);
	if (!e)
		e = ops->end(d.dec, &err);
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "result", cerr_str(e));
	if (e)
		cJSON_AddStringToObject(g, "error", err.msg);
	m = conv_msg_to_json(&out);
	cJSON_AddItemToObject(g, "message", m);
	cJSON_AddStringToObject(g, "streamed_text", buf_str(&sn.text));
	cJSON_AddStringToObject(g, "streamed_thinking", buf_str(&sn.thinking));
	txt = cJSON_Print(g);
	cJSON_Delete(g);
	sse_free(&p);
	ops->destroy(d.dec);
	conv_msg_free(&out);
	buf_free(&sn.text);
	buf_free(&sn.thinking);
	return txt;
}

static const char *const fixtures[] = {
	"anth-text", "anth-text-cr", "anth-tool", "anth-tool-crlf", "anth-parallel",
	"anth-thinking", "anth-unknown", "anth-overloaded", "anth-badjson", "anth-cut",
	"oai-text", "oai-tools", "oai-tools-crlf", "oai-openrouter",
	"oai-openrouter-error", "oai-ollama", "oai-llamacpp", "oai-llamacpp-error",
	"oai-deepseek", "oai-nodone", "oai-badjson", "oai-cut",
	"anth-hugeusage", "oai-hugeusage",
};
#define NFIX (sizeof fixtures / sizeof fixtures[0])

static char *
fixture_path(const char *name, const char *ext)
{
	const char *src = getenv("CONCH_SRCDIR");
	return xasprintf("%s/tests/net/fixtures/%s%s", src ? src : ".", name, ext);
}

START_TEST(golden_fixture)
{
	const char *name = fixtures[_i];
	const struct remote_decoder_ops *ops =
		strncmp(name, "anth", 4) == 0 ? &anth_decoder_ops : &oai_decoder_ops;
	char *in_path = fixture_path(name, ".sse"), *out_path = fixture_path(name, ".out");
	struct buf in = BUF_INIT, want = BUF_INIT;
	char *whole, *got;
	size_t k;

	ck_assert_int_eq(fs_read_file(in_path, 0, &in), C_OK);
	whole = decode_pieces(ops, in.p, in.len, NULL, 0);
	if (getenv("CONCH_REGEN")) {
		struct buf w = BUF_INIT;
		buf_adds(&w, whole);
		buf_addc(&w, '\n');
		ck_assert_int_eq(fs_write_atomic(out_path, w.p, w.len, 0644), C_OK);
		buf_free(&w);
	}
	ck_assert_msg(fs_read_file(out_path, 0, &want) == C_OK, "missing %s", out_path);
	if (want.len && want.p[want.len - 1] == '\n')
		buf_truncate(&want, want.len - 1);
	ck_assert_str_eq(whole, buf_str(&want));
	/* every split point, and one byte at a time */
	for (k = 1; k < in.len; k++) {
		got = decode_pieces(ops, in.p, in.len, &k, 1);
		ck_assert_msg(strcmp(got, whole) == 0, "%s split at %zu differs:\n%s", name, k, got);
		free(got);
	}
	{
		size_t *cuts = xcalloc(in.len, sizeof *cuts);
		for (k = 0; k + 1 < in.len; k++)
			cuts[k] = k + 1;
		got = decode_pieces(ops, in.p, in.len, cuts, in.len ? in.len - 1 : 0);
		ck_assert_str_eq(got, whole);
		free(got);
		free(cuts);
	}
	free(whole);
	buf_free(&in);
	buf_free(&want);
	free(in_path);
	free(out_path);
}
END_TEST

/* ---- classification ---- */

START_TEST(classify_http)
{
	struct provider_error err;
	const char *b;

	memset(&err, 0, sizeof err);
	b = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
	ck_assert_int_eq(remote_classify_http(529, b, strlen(b), -1, &err), C_ERR_RETRYABLE);
	ck_assert_ptr_nonnull(strstr(err.msg, "Overloaded"));
	ck_assert_int_eq(err.http_status, 529);
	b = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
	ck_assert_int_eq(remote_classify_http(429, b, strlen(b), -1, &err), C_ERR_AUTH);
	b = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
	ck_assert_int_eq(remote_classify_http(429, b, strlen(b), 2000, &err), C_ERR_RETRYABLE);
	ck_assert_int_eq(err.retry_after_ms, 2000);
	b = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}";
	ck_assert_int_eq(remote_classify_http(400, b, strlen(b), -1, &err), C_ERR_CONTEXT);
	b = "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\",\"code\":\"context_length_exceeded\"}}";
	ck_assert_int_eq(remote_classify_http(400, b, strlen(b), -1, &err), C_ERR_CONTEXT);
	b = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad\"}}";
	ck_assert_int_eq(remote_classify_http(400, b, strlen(b), -1, &err), C_ERR_BADREQ);
	ck_assert_int_eq(remote_classify_http(401, "nope", 4, -1, &err), C_ERR_AUTH);
	ck_assert_int_eq(remote_classify_http(402, "", 0, -1, &err), C_ERR_AUTH);
	ck_assert_int_eq(remote_classify_http(403, "", 0, -1, &err), C_ERR_AUTH);
	ck_assert_int_eq(remote_classify_http(404, "", 0, -1, &err), C_ERR_BADREQ);
	ck_assert_int_eq(remote_classify_http(413, "", 0, -1, &err), C_ERR_BADREQ);
	ck_assert_int_eq(remote_classify_http(408, "", 0, -1, &err), C_ERR_RETRYABLE);
	ck_assert_int_eq(remote_classify_http(500, "<html>\n</html>", 14, -1, &err), C_ERR_RETRYABLE);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_int_eq(remote_classify_http(502, "", 0, -1, &err), C_ERR_RETRYABLE);
	ck_assert_int_eq(remote_classify_http(503, "", 0, -1, &err), C_ERR_RETRYABLE);
	ck_assert_int_eq(remote_classify_http(504, "", 0, -1, &err), C_ERR_RETRYABLE);
}
END_TEST

START_TEST(redaction)
{
	char s[128] = "bad key sk-test-SECRET-123456 given; sk-test-SECRET-123456 again";
	remote_redact(s, "sk-test-SECRET-123456");
	ck_assert_str_eq(s, "bad key [redacted] given; [redacted] again");
}
END_TEST

/* ---- request builders ---- */

START_TEST(request_shapes)
{
	struct conv c;
	struct conv_msg *m;
	struct conv_tool_spec tool = { "read", "Read a file",
		"{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}", NULL };
	struct provider_request req;
	cJSON *j;
	char *s;

	conv_init(&c);
	m = conv_add(&c, CONV_USER);
	conv_msg_add_text(m, "read a.c");
	m = conv_add(&c, CONV_ASSISTANT);
	conv_msg_add_thinking(m, "hmm", "SIG");
	conv_msg_add_thinking(m, "", "redacted:DATA");
	conv_msg_add_thinking(m, "unsigned, from another provider", NULL);
	conv_msg_add_text(m, "Reading.");
	conv_msg_add_tool_call(m, "t1", "read", "{\"path\":\"a.c\"}");
	m = conv_add(&c, CONV_USER);
	conv_msg_add_tool_result(m, "t1", "int main;", false);
	memset(&req, 0, sizeof req);
	req.system = "You are conch.";
	req.conv = &c;
	req.tools = &tool;
	req.ntools = 1;

	j = anth_build_request("claude-x", &req);
	s = jx_print(j);
	ck_assert_str_eq(s,
		"{\"model\":\"claude-x\",\"max_tokens\":8192,\"stream\":true,"
		"\"system\":[{\"type\":\"text\",\"text\":\"You are conch.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
		"\"tools\":[{\"name\":\"read\",\"description\":\"Read a file\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}}],"
		"\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"read a.c\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"SIG\"},"
		"{\"type\":\"redacted_thinking\",\"data\":\"DATA\"},"
		"{\"type\":\"text\",\"text\":\"Reading.\"},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"read\",\"input\":{\"path\":\"a.c\"}}]},"
		"{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"int main;\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}");
	free(s);
	cJSON_Delete(j);

	req.max_tokens = 100;
	req.tool_required = true;
	j = oai_build_request("gpt-x", &req, false);
	s = jx_print(j);
	ck_assert_str_eq(s,
		"{\"model\":\"gpt-x\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":100,"
		"\"messages\":[{\"role\":\"system\",\"content\":\"You are conch.\"},"
		"{\"role\":\"user\",\"content\":\"read a.c\"},"
		"{\"role\":\"assistant\",\"content\":\"Reading.\",\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"{\\\"path\\\":\\\"a.c\\\"}\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"int main;\"}],"
		"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"read\",\"description\":\"Read a file\",\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}}}],"
		"\"tool_choice\":\"required\"}");
	free(s);
	cJSON_Delete(j);
	conv_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("net-decode");
	TCase *tc = check_add_case(s, &(const struct check_case){
		.name = "core", .timeout = 120,
		.tests = CHECK_TESTS(sse_framing, sse_retry_and_cap,
			sse_callback_stops, retry_after_parsing, classify_http,
			redaction, request_shapes) });
	tcase_add_loop_test(tc, golden_fixture, 0, (int)NFIX);
	return check_run(s);
}
