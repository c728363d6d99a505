/* sse-bench.c: SSE parser and decoder throughput on a large synthetic
 * recorded stream, and the latency from a chunk written to a loopback
 * socket to its text reaching the front end's callback.  Built and run
 * by bench/sse.sh; never part of `make check`. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/sse.h"
#include "provider/provider.h"
#include "provider/remote.h"
#include "util/buf.h"
#include "util/xalloc.h"

static long long
ns_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static enum cerr
count_event(void *ud, const struct sse_event *ev)
{
	(*(size_t *)ud) += ev->data_len;
	return C_OK;
}

static void
anth_stream(struct buf *b, int nevents)
{
	int i;
	buf_adds(b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"x\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n"
		 "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
	for (i = 0; i < nevents; i++)
		buf_printf(b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token %d of the stream, with some words \"}}\n\n", i);
	buf_adds(b, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
		 "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n"
		 "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

static void
oai_stream(struct buf *b, int nevents)
{
	int i;
	for (i = 0; i < nevents; i++)
		buf_printf(b, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d of the stream, with some words \"},\"finish_reason\":null}]}\n\n", i);
	buf_adds(b, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
		 "data: [DONE]\n\n");
}

static void
throughput(const char *name, const struct buf *b, const struct remote_decoder_ops *ops)
{
	struct sse_parser p;
	size_t bytes = 0, i;
	long long t0, t1;
	int rep, reps = 5;
	double best = 1e30, bestdec = 1e30;

	for (rep = 0; rep < reps; rep++) {
		sse_init(&p, 0, count_event, &bytes);
		t0 = ns_now();
		for (i = 0; i < b->len; i += 4096)
			sse_feed(&p, b->p + i, b->len - i < 4096 ? b->len - i : 4096);
		sse_finish(&p);
		t1 = ns_now();
		sse_free(&p);
		if ((double)(t1 - t0) < best)
			best = (double)(t1 - t0);
	}
	for (rep = 0; rep < reps; rep++) {
		struct provider_error err;
		struct conv_msg out;
		conv_msg_init(&out, CONV_ASSISTANT);
		t0 = ns_now();
		if (remote_decode_bytes(ops, b->p, b->len, NULL, &out, &err) != C_OK)
			fprintf(stderr, "decode failed: %s\n", err.msg);
		t1 = ns_now();
		conv_msg_free(&out);
		if ((double)(t1 - t0) < bestdec)
			bestdec = (double)(t1 - t0);
	}
	printf("%-10s stream %.1f MB: SSE parser %.0f MB/s; parser + %s decoder %.0f MB/s\n",
	       name, (double)b->len / 1e6, (double)b->len / best * 1e3, name,
	       (double)b->len / bestdec * 1e3);
}

/* ---- latency over loopback ---- */

#define NCHUNKS 300

struct server {
	int lfd, port;
};

static void *
serve(void *ud)
{
	struct server *s = ud;
	char req[65536];
	size_t got = 0;
	int fd = accept(s->lfd, NULL, NULL), one = 1, i;
	char ev[256];
	const char *hdr = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* read the request head and body (whatever arrives in 50 ms) */
	for (;;) {
		ssize_t n = recv(fd, req + got, sizeof req - got - 1, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") && strstr(req, "\"stream\""))
			break;
	}
	if (write(fd, hdr, strlen(hdr)) < 0)
		goto out;
	snprintf(ev, sizeof ev, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1}}}\n\n"
		 "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
	if (write(fd, ev, strlen(ev)) < 0)
		goto out;
	for (i = 0; i < NCHUNKS; i++) {
		struct timespec pause = { 0, 2000000 };
		nanosleep(&pause, NULL);
		snprintf(ev, sizeof ev, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"T%lld \"}}\n\n",
			 ns_now());
		if (write(fd, ev, strlen(ev)) < 0)
			goto out;
	}
	snprintf(ev, sizeof ev, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n"
		 "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	if (write(fd, ev, strlen(ev)) < 0)
		goto out;
out:
	close(fd);
	return NULL;
}

struct lat {
	long long v[NCHUNKS];
	int n;
};

static void
on_text(void *ud, const char *s, size_t n)
{
	struct lat *l = ud;
	long long now = ns_now();
	if (n > 1 && s[0] == 'T' && l->n < NCHUNKS)
		l->v[l->n++] = now - strtoll(s + 1, NULL, 10);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static void
latency(void)
{
	struct server s;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	pthread_t th;
	struct provider_error err;
	struct provider_events ev;
	struct provider_request req;
	struct conv c;
	struct conv_msg out;
	struct provider *p;
	struct lat l;
	char cfgtxt[256];
	cJSON *cfg;

	s.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s.lfd, (struct sockaddr *)&sa, sizeof sa) || listen(s.lfd, 1) ||
	    getsockname(s.lfd, (struct sockaddr *)&sa, &sl)) {
		perror("bench server");
		return;
	}
	s.port = ntohs(sa.sin_port);
	pthread_create(&th, NULL, serve, &s);
	snprintf(cfgtxt, sizeof cfgtxt,
		 "{\"anthropic\": {\"base_url\": \"http://127.0.0.1:%d\", \"api_key_env\": \"CONCH_BENCH_KEY\"}}",
		 s.port);
	setenv("CONCH_BENCH_KEY", "bench-key-not-secret", 1);
	cfg = cJSON_Parse(cfgtxt);
	p = provider_open("anthropic/bench", cfg, &err);
	if (!p) {
		fprintf(stderr, "open: %s\n", err.msg);
		return;
	}
	memset(&l, 0, sizeof l);
	memset(&ev, 0, sizeof ev);
	ev.ud = &l;
	ev.text = on_text;
	ev.cancel_fd = -1;
	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "go");
	memset(&req, 0, sizeof req);
	req.conv = &c;
	if (p->chat(p, &req, &ev, &out, &err) != C_OK)
		fprintf(stderr, "chat: %s\n", err.msg);
	pthread_join(th, NULL);
	close(s.lfd);
	qsort(l.v, (size_t)l.n, sizeof l.v[0], cmp_ll);
	if (l.n)
		printf("latency    socket write -> text callback over %d chunks: "
		       "median %.1f us, p99 %.1f us, max %.1f us\n", l.n,
		       (double)l.v[l.n / 2] / 1e3, (double)l.v[(l.n * 99) / 100] / 1e3,
		       (double)l.v[l.n - 1] / 1e3);
	conv_msg_free(&out);
	conv_free(&c);
	provider_close(p);
	cJSON_Delete(cfg);
}

/* ---- cancellation: how long from the cancel byte to chat() returning ---- */

static void *
serve_stall(void *ud)
{
	struct server *s = ud;
	char req[65536];
	int fd = accept(s->lfd, NULL, NULL);
	const char *hdr = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n";
	struct timespec pause = { 2, 0 };
	if (recv(fd, req, sizeof req, 0) > 0 && write(fd, hdr, strlen(hdr)) > 0)
		nanosleep(&pause, NULL);
	close(fd);
	return NULL;
}

struct canceller {
	int fd;
	long long t0;
};

static void *
do_cancel(void *ud)
{
	struct canceller *c = ud;
	struct timespec pause = { 0, 300000000 };
	nanosleep(&pause, NULL);
	c->t0 = ns_now();
	if (write(c->fd, "x", 1) != 1)
		perror("cancel pipe");
	return NULL;
}

static void
cancel_latency(void)
{
	struct server s;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	pthread_t th, tc;
	struct provider_error err;
	struct provider_events ev;
	struct provider_request req;
	struct canceller cc;
	struct conv c;
	struct conv_msg out;
	struct provider *p;
	char cfgtxt[256];
	int pfd[2];
	long long t1;
	enum cerr e;
	cJSON *cfg;

	s.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s.lfd, (struct sockaddr *)&sa, sizeof sa) || listen(s.lfd, 1) ||
	    getsockname(s.lfd, (struct sockaddr *)&sa, &sl) || pipe(pfd))
		return;
	s.port = ntohs(sa.sin_port);
	pthread_create(&th, NULL, serve_stall, &s);
	snprintf(cfgtxt, sizeof cfgtxt,
		 "{\"anthropic\": {\"base_url\": \"http://127.0.0.1:%d\", \"api_key_env\": \"CONCH_BENCH_KEY\"}}",
		 s.port);
	cfg = cJSON_Parse(cfgtxt);
	p = provider_open("anthropic/bench", cfg, &err);
	memset(&ev, 0, sizeof ev);
	ev.cancel_fd = pfd[0];
	conv_init(&c);
	conv_msg_add_text(conv_add(&c, CONV_USER), "go");
	memset(&req, 0, sizeof req);
	req.conv = &c;
	cc.fd = pfd[1];
	pthread_create(&tc, NULL, do_cancel, &cc);
	e = p->chat(p, &req, &ev, &out, &err);
	t1 = ns_now();
	pthread_join(tc, NULL);
	printf("cancel     cancel byte -> chat() returned %s: %.2f ms\n",
	       e == C_ERR_CANCELLED ? "cancelled" : "(not cancelled!)",
	       (double)(t1 - cc.t0) / 1e6);
	pthread_join(th, NULL);
	close(s.lfd);
	close(pfd[0]);
	close(pfd[1]);
	conv_msg_free(&out);
	conv_free(&c);
	provider_close(p);
	cJSON_Delete(cfg);
}

int
main(int argc, char **argv)
{
	struct buf a = BUF_INIT, o = BUF_INIT;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	if (n <= 0 || n > 10000000)
		n = 100000;
	anth_stream(&a, (int)n);
	oai_stream(&o, (int)n);
	throughput("anthropic", &a, &anth_decoder_ops);
	throughput("openai", &o, &oai_decoder_ops);
	latency();
	cancel_latency();
	buf_free(&a);
	buf_free(&o);
	return 0;
}
