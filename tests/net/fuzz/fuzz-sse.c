/* libFuzzer target: the SSE parser.  The first byte picks a piece size,
 * so the same bytes are also fed split at varying offsets; the events
 * must not depend on the split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/sse.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum cerr
collect(void *ud, const struct sse_event *ev)
{
	struct buf *b = ud;
	/* data may hold NUL bytes; it is always NUL-terminated */
	if (ev->data[ev->data_len] != '\0')
		abort();
	buf_printf(b, "%s|%zu|", ev->type, ev->data_len);
	buf_add(b, ev->data, ev->data_len);
	buf_addc(b, '\n');
	return C_OK;
}

static void
run(const char *s, size_t n, size_t step, struct buf *out)
{
	struct sse_parser p;
	size_t i;
	sse_init(&p, 1u << 20, collect, out);
	for (i = 0; i < n; i += step)
		if (sse_feed(&p, s + i, n - i < step ? n - i : step))
			break;
	sse_finish(&p);
	sse_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t step;
	if (size < 1)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	run((const char *)data + 1, size - 1, size, &a);
	run((const char *)data + 1, size - 1, step, &b);
	if (a.len != b.len || (a.len && memcmp(a.p, b.p, a.len) != 0))
		abort();
	buf_free(&a);
	buf_free(&b);
	return 0;
}
