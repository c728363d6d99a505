/* http.c: streamed HTTP POST over libcurl's multi interface; see http.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/curl-lazy.h"
#include "util/clock.h"

#include "net/http.h"
#include "util/str.h"

#define HTTP_ERRBODY_MAX (64u << 10)
#define HTTP_TICK_MS 20
#define HTTP_DONE_DRAIN_MS 200

/* The multi handle holds libcurl's connection cache; each request gets a
 * fresh easy handle (per-transfer state such as the retry count must not
 * carry over) and leaves its connection in that cache when done. */
struct http_conn {
	pthread_mutex_t mu;
	CURLM *multi; /* NULL until the first request */
	long connects;
};

struct http_conn *
http_conn_new(void)
{
	struct http_conn *c = calloc(1, sizeof *c);
	if (c)
		pthread_mutex_init(&c->mu, NULL);
	return c;
}

void
http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

long
http_conn_connects(const struct http_conn *c)
{
	return c ? c->connects : 0;
}

struct xfer {
	const struct http_request *rq;
	struct http_response *rs;
	CURL *easy;
	long long last_byte;   /* monotonic ms of the last byte received */
	long long wind_until;  /* 0, or the end of the wind-down */
	bool done;             /* the sink said DONE */
	bool aborted;          /* the sink said ABORT */
	bool kept;             /* on a kept connection (http_conn) */
	char retry_ms[32];     /* retry-after-ms header value */
	char retry_s[64];      /* retry-after header value */
};

static void
copy_value(char *dst, size_t dn, const char *v, size_t vn)
{
	while (vn && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
	while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
		vn--;
	if (vn >= dn)
		vn = dn - 1;
	memcpy(dst, v, vn);
	dst[vn] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	x->last_byte = clock_mono_ms();
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue or a redirect) */
		x->retry_ms[0] = x->retry_s[0] = '\0';
	} else if (n > 15 && strncasecmp(p, "retry-after-ms:", 15) == 0) {
		copy_value(x->retry_ms, sizeof x->retry_ms, p + 15, n - 15);
	} else if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
		copy_value(x->retry_s, sizeof x->retry_s, p + 12, n - 12);
	}
	return n;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	long status = 0;
	enum http_sink_ret r;

	x->last_byte = clock_mono_ms();
	x->rs->received += n;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		if (x->rs->body.len < HTTP_ERRBODY_MAX) {
			size_t room = HTTP_ERRBODY_MAX - x->rs->body.len;
			buf_add(&x->rs->body, p, n < room ? n : room);
		}
		return n;
	}
	if (x->done || !x->rq->sink)
		return n;
	r = x->rq->sink(x->rq->sink_ud, p, n);
	switch (r) {
	case HTTP_CONTINUE:
		break;
	case HTTP_WINDDOWN:
		if (!x->wind_until)
			x->wind_until = x->last_byte +
				(x->rq->wind_down_ms > 0 ? x->rq->wind_down_ms : 2000);
		break;
	case HTTP_DONE:
		x->done = true;
		if (x->kept) {
			/* read on (discarding) for the end of the body, which
			 * is usually in the same packet: a connection read to
			 * its end stays open for the next request */
			x->wind_until = x->last_byte + HTTP_DONE_DRAIN_MS;
			return n;
		}
		return 0; /* stops the transfer; reported as success */
	case HTTP_ABORT:
		x->aborted = true;
		return 0;
	}
	return n;
}

static enum cerr
map_curl(CURLcode rc, const char *ebuf, struct http_response *rs)
{
	snprintf(rs->error, sizeof rs->error, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return C_ERR_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_BAD_CONTENT_ENCODING:
		return C_ERR_RETRYABLE;
	default:
		return C_ERR_PROVIDER;
	}
}

static bool
is_cancelled(const struct http_request *rq, const struct curl_waitfd *wfd)
{
	if (wfd && (wfd->revents & CURL_WAIT_POLLIN))
		return true;
	return rq->cancelled && rq->cancelled(rq->cancel_ud);
}

void
http_response_free(struct http_response *rs)
{
	buf_free(&rs->body);
}

/* Drive the transfer until it ends; returns the result. */
static enum cerr
run_multi(struct xfer *x, CURLM *multi, char *ebuf)
{
	const struct http_request *rq = x->rq;
	long idle = rq->idle_timeout_ms > 0 ? rq->idle_timeout_ms : 300000;
	struct curl_waitfd wfd;
	curl_off_t sent = 0, now_sent;
	int running = 1;

	for (;;) {
		CURLMsg *msg;
		int left, nfd = 0;
		long long now;

		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			if (x->done)
				return C_OK;
			if (x->aborted) {
				snprintf(x->rs->error, sizeof x->rs->error, "stream aborted");
				return C_ERR_PROVIDER;
			}
			if (msg->data.result != CURLE_OK)
				return map_curl(msg->data.result, ebuf, x->rs);
			return C_OK;
		}
		if (!running)
			return C_OK;
		now = clock_mono_ms();
		/* the request going out counts as activity too */
		if (curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &now_sent) == CURLE_OK &&
		    now_sent > sent) {
			sent = now_sent;
			x->last_byte = now;
		}
		if (x->wind_until && now >= x->wind_until)
			return C_OK;
		if (now - x->last_byte > idle) {
			snprintf(x->rs->error, sizeof x->rs->error,
				 "no data for %ld ms (idle timeout)", idle);
			return C_ERR_TIMEOUT;
		}
		memset(&wfd, 0, sizeof wfd);
		if (rq->cancel_fd >= 0) {
			wfd.fd = rq->cancel_fd;
			wfd.events = CURL_WAIT_POLLIN;
			nfd = 1;
		}
		curl_multi_poll(multi, nfd ? &wfd : NULL, (unsigned)nfd, HTTP_TICK_MS, NULL);
		if (is_cancelled(rq, nfd ? &wfd : NULL)) {
			snprintf(x->rs->error, sizeof x->rs->error, "cancelled");
			return C_ERR_CANCELLED;
		}
	}
}

enum cerr
http_post(const struct http_request *rq, struct http_response *rs)
{
	struct xfer x;
	struct curl_slist *hdrs = NULL;
	CURLM *multi = NULL;
	CURL *easy = NULL;
	struct http_conn *kept = NULL;
	char ebuf[CURL_ERROR_SIZE];
	enum cerr e;
	size_t i;

	memset(rs, 0, sizeof *rs);
	buf_init(&rs->body, HTTP_ERRBODY_MAX + 1);
	rs->retry_after_ms = -1;
	memset(&x, 0, sizeof x);
	ebuf[0] = '\0';
	if (!curl_lazy()->loaded) {
		snprintf(rs->error, sizeof rs->error, "%s", curl_lazy()->error);
		return C_ERR_PROVIDER;
	}
	if (rq->conn && pthread_mutex_trylock(&rq->conn->mu) == 0) {
		kept = rq->conn;
		if (!kept->multi)
			kept->multi = curl_multi_init();
		multi = kept->multi;
		easy = curl_easy_init();
	} else {
		easy = curl_easy_init();
		multi = curl_multi_init();
	}
	if (!easy || !multi) {
		snprintf(rs->error, sizeof rs->error, "cannot start libcurl");
		e = C_ERR_PROVIDER;
		goto out;
	}
	for (i = 0; i < rq->nheaders; i++) {
		struct curl_slist *t = curl_slist_append(hdrs, rq->headers[i]);
		if (!t) {
			e = C_ERR_NOMEM;
			goto out;
		}
		hdrs = t;
	}
	/* no "Expect: 100-continue" round trip for large bodies */
	{
		struct curl_slist *t = curl_slist_append(hdrs, "Expect:");
		if (!t) {
			e = C_ERR_NOMEM;
			goto out;
		}
		hdrs = t;
	}
	x.rq = rq;
	x.rs = rs;
	x.easy = easy;
	x.kept = kept != NULL;
	x.last_byte = clock_mono_ms();
	curl_easy_setopt(easy, CURLOPT_URL, rq->url);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "conch/" PACKAGE_VERSION);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
			 rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 30000L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	/* HTTP/2 over TLS where the server offers it; else HTTP/1.1 */
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	{
		const char *ca = getenv("CURL_CA_BUNDLE");
		if (!ca || !*ca)
			ca = getenv("SSL_CERT_FILE");
		if (ca && *ca)
			curl_easy_setopt(easy, CURLOPT_CAINFO, ca);
	}
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
		snprintf(rs->error, sizeof rs->error, "cannot start the transfer");
		e = C_ERR_PROVIDER;
		goto out;
	}
	e = run_multi(&x, multi, ebuf);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &rs->status);
	rs->retry_after_ms = http_parse_retry_after(x.retry_ms[0] ? x.retry_ms : NULL,
						    x.retry_s[0] ? x.retry_s : NULL,
						    time(NULL));
	{
		long nc = 0;
		if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK &&
		    kept)
			kept->connects += nc;
	}
	/* the connection stays in the multi handle's cache when kept */
	curl_multi_remove_handle(multi, easy);
out:
	curl_slist_free_all(hdrs);
	if (easy)
		curl_easy_cleanup(easy);
	if (kept)
		pthread_mutex_unlock(&kept->mu);
	else if (multi)
		curl_multi_cleanup(multi);
	return e;
}

long
http_parse_retry_after(const char *ms, const char *s, time_t now)
{
	long v;
	double d;
	char *end;

	if (ms && *ms) {
		d = strtod(ms, &end);
		if (end != ms && *end == '\0' && d >= 0 && d < 1e12)
			return (long)d;
	}
	if (s && *s) {
		if (str_to_long(s, &v) && v >= 0)
			return v > 86400 ? 86400000L : v * 1000;
		else {
			time_t t = curl_getdate(s, NULL);
			if (t != (time_t)-1)
				return t <= now ? 0 : (long)((t - now) > 86400 ? 86400000L
									  : (t - now) * 1000);
		}
	}
	return -1;
}
