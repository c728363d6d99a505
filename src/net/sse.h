/* sse.h: a Server-Sent Events parser (the WHATWG "event stream" format).
 *
 * Feed it bytes as they arrive, in pieces of any size; it calls back once
 * per complete event.  Handles LF, CR and CRLF line ends (also a CRLF cut
 * between two reads), comment lines (":..."), the fields event, data, id
 * and retry, one optional space after the colon, several data lines joined
 * with "\n", and a UTF-8 byte-order mark at the very start.  Lines and
 * characters may be split anywhere: nothing is interpreted before its line
 * is complete.
 *
 * Extension: a line with the field name "error" (llama.cpp's server sends
 * "error: {...}" before closing) is treated as "event: error" plus a data
 * line with its value.
 *
 * Buffers grow by doubling up to `max_event` bytes, so there is no
 * allocation per byte; an event larger than the cap fails with
 * C_ERR_TOOBIG. */
#ifndef CONCH_SSE_H
#define CONCH_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct sse_event {
	const char *type; /* "message" when no event field was given */
	const char *data; /* data lines joined with "\n", NUL-terminated */
	size_t data_len;
	const char *id;   /* last event id seen on the stream ("" if none) */
};

/* Called once per dispatched event; strings are valid only during the
 * call.  A non-C_OK return stops the parser: sse_feed returns it, and
 * later feeds return it again without parsing. */
typedef enum cerr (*sse_event_fn)(void *ud, const struct sse_event *ev);

struct sse_parser {
	sse_event_fn cb;
	void *ud;
	struct buf line;  /* the current, unfinished line */
	struct buf data;  /* data of the event being built */
	struct buf type;  /* its event type */
	struct buf id;    /* last event id */
	long retry_ms;    /* last valid "retry" field, -1 if none */
	bool have_data;   /* a data field was seen for this event */
	bool skip_lf;     /* the last byte was CR: ignore one following LF */
	bool started;     /* past the optional BOM check */
	enum cerr err;    /* sticky error */
	size_t nevents;   /* events dispatched so far */
};

/* Start a parser that calls `cb(ud, ...)`; one event may be at most
 * `max_event` bytes (0: 16 MiB). */
void sse_init(struct sse_parser *p, size_t max_event, sse_event_fn cb, void *ud);
/* Parse n more bytes.  Returns C_OK, C_ERR_TOOBIG, or the callback's
 * error. */
enum cerr sse_feed(struct sse_parser *p, const char *s, size_t n);
/* The stream ended.  As the standard says, an event not closed by a blank
 * line is dropped; a last line without its line end still counts as a
 * line. */
enum cerr sse_finish(struct sse_parser *p);
void sse_free(struct sse_parser *p);

#endif
