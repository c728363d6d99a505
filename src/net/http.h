/* http.h: one streamed HTTP POST over libcurl's multi interface.
 *
 * The call blocks its thread but wakes at least every 20 ms to look at the
 * cancel descriptor / callback, so a cancel tears the transfer down within
 * 100 ms.  TLS peer and host verification stay on; libcurl honours the
 * proxy environment (http_proxy, https_proxy, no_proxy) and takes extra
 * CA certificates from CURL_CA_BUNDLE or SSL_CERT_FILE when set (a
 * corporate proxy, a test server).  Every request
 * sends "User-Agent: conch/VERSION".  Header values (API keys) are never
 * logged or copied into messages. */
#ifndef CONCH_HTTP_H
#define CONCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"

/* A kept connection to one endpoint: libcurl's multi handle lives on
 * between requests, so its connection cache (keep-alive, one HTTP/2
 * connection where the server offers h2) carries over and a turn after
 * the first costs no TCP connect and no TLS handshake.  One per provider (endpoint).  A request made while another
 * thread holds it falls back to a one-shot connection.  Creating one does
 * not load libcurl. */
struct http_conn;

/* A new, empty kept connection (caller frees with http_conn_free). */
struct http_conn *http_conn_new(void);
/* Close the connection and free it; NULL is fine. */
void http_conn_free(struct http_conn *c);
/* New connections opened through `c` so far (libcurl's count). */
long http_conn_connects(const struct http_conn *c);

/* What a body sink tells the transfer. */
enum http_sink_ret {
	HTTP_CONTINUE, /* keep reading */
	HTTP_WINDDOWN, /* the answer is complete; the server may still send a
			* trailer: wait at most wind_down_ms more, then end
			* the transfer as a success */
	HTTP_DONE,     /* the answer is complete: end the transfer now */
	HTTP_ABORT,    /* stop with an error (the sink keeps the reason) */
};

/* Receives 2xx response bodies as they arrive. */
typedef enum http_sink_ret (*http_sink_fn)(void *ud, const char *p, size_t n);

struct http_request {
	const char *url;
	const char *const *headers; /* "Name: value" lines; borrowed */
	size_t nheaders;
	const char *body;           /* POST body; borrowed */
	size_t body_len;
	long connect_timeout_ms;    /* 0: 30 s */
	long idle_timeout_ms;       /* no byte for this long fails; 0: 300 s */
	long wind_down_ms;          /* see HTTP_WINDDOWN; 0: 2 s */
	http_sink_fn sink;          /* may be NULL */
	void *sink_ud;
	/* cancellation: a descriptor that turns readable, and/or a polled
	 * callback; either may be absent (-1 / NULL) */
	int cancel_fd;
	bool (*cancelled)(void *ud);
	void *cancel_ud;
	struct http_conn *conn;     /* NULL: a one-shot connection */
};

struct http_response {
	long status;          /* HTTP status, 0 when none arrived */
	long retry_after_ms;  /* from retry-after-ms / retry-after; -1: none */
	struct buf body;      /* a non-2xx body, first 64 KiB */
	char error[256];      /* transport failure, for messages */
	size_t received;      /* body bytes received */
};

/* Fill rs (which it initialises; free with http_response_free).  Returns
 * C_OK when a response arrived in full (any status; check rs->status),
 * C_ERR_RETRYABLE for a network failure (connect, reset, TLS),
 * C_ERR_TIMEOUT when the connect or idle timeout passed,
 * C_ERR_CANCELLED, or C_ERR_PROVIDER when the sink aborted. */
enum cerr http_post(const struct http_request *rq, struct http_response *rs);
void http_response_free(struct http_response *rs);

/* Parse a retry hint: `ms` is the retry-after-ms header value or NULL,
 * `s` the retry-after value (delta seconds or an HTTP date) or NULL.
 * Returns milliseconds (0 for a date in the past) or -1 when neither
 * parses. */
long http_parse_retry_after(const char *ms, const char *s, time_t now);

#endif
