/* sse.c: Server-Sent Events parser; see sse.h. */
#include <string.h>

#include "net/sse.h"

#define SSE_DEFAULT_MAX (16u << 20)

void
sse_init(struct sse_parser *p, size_t max_event, sse_event_fn cb, void *ud)
{
	memset(p, 0, sizeof *p);
	if (max_event == 0)
		max_event = SSE_DEFAULT_MAX;
	p->cb = cb;
	p->ud = ud;
	buf_init(&p->line, max_event);
	buf_init(&p->data, max_event);
	buf_init(&p->type, 256);
	buf_init(&p->id, 1024);
	p->retry_ms = -1;
}

void
sse_free(struct sse_parser *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->type);
	buf_free(&p->id);
}

static enum cerr
dispatch(struct sse_parser *p)
{
	struct sse_event ev;
	enum cerr e = C_OK;

	if (p->have_data) {
		ev.type = p->type.len ? buf_str(&p->type) : "message";
		ev.data = buf_str(&p->data);
		ev.data_len = p->data.len;
		ev.id = buf_str(&p->id);
		p->nevents++;
		if (p->cb)
			e = p->cb(p->ud, &ev);
	}
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->have_data = false;
	return e;
}

static void
add_data(struct sse_parser *p, const char *v, size_t vn)
{
	if (p->have_data)
		buf_addc(&p->data, '\n');
	buf_add(&p->data, v, vn);
	p->have_data = true;
}

static bool
field_is(const char *f, size_t fn, const char *name)
{
	return fn == strlen(name) && memcmp(f, name, fn) == 0;
}

/* One complete line, without its line end. */
static enum cerr
process_line(struct sse_parser *p, const char *s, size_t n)
{
	const char *colon, *v;
	size_t fn, vn;

	if (n == 0)
		return dispatch(p);
	if (s[0] == ':')
		return C_OK; /* comment */
	colon = memchr(s, ':', n);
	if (colon) {
		fn = (size_t)(colon - s);
		v = colon + 1;
		vn = n - fn - 1;
		if (vn && *v == ' ') {
			v++;
			vn--;
		}
	} else {
		fn = n;
		v = "";
		vn = 0;
	}
	if (field_is(s, fn, "data")) {
		add_data(p, v, vn);
	} else if (field_is(s, fn, "event")) {
		buf_reset(&p->type);
		buf_add(&p->type, v, vn);
	} else if (field_is(s, fn, "id")) {
		if (!memchr(v, '\0', vn)) {
			buf_reset(&p->id);
			buf_add(&p->id, v, vn);
		}
	} else if (field_is(s, fn, "retry")) {
		size_t i;
		long ms = 0;
		for (i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9' || ms > 100000000L)
				break;
			ms = ms * 10 + (v[i] - '0');
		}
		if (vn && i == vn)
			p->retry_ms = ms;
	} else if (field_is(s, fn, "error")) {
		buf_reset(&p->type);
		buf_adds(&p->type, "error");
		add_data(p, v, vn);
	}
	if (!buf_ok(&p->data) || !buf_ok(&p->type))
		return C_ERR_TOOBIG;
	return C_OK;
}

enum cerr
sse_feed(struct sse_parser *p, const char *s, size_t n)
{
	size_t i = 0, start;

	if (p->err)
		return p->err;
	if (!p->started) {
		/* Strip one UTF-8 BOM; it may arrive split across feeds. */
		static const char bom[3] = { '\xef', '\xbb', '\xbf' };
		while (i < n && p->line.len < 3 && s[i] == bom[p->line.len])
			buf_addc(&p->line, s[i++]);
		if (p->line.len == 3) {
			buf_reset(&p->line);
			p->started = true;
		} else if (i < n || p->line.len == 0) {
			/* not a BOM: what we held back is ordinary input */
			p->started = true;
			if (p->line.len) {
				char held[3];
				size_t hn = p->line.len;
				memcpy(held, p->line.p, hn);
				buf_reset(&p->line);
				if ((p->err = sse_feed(p, held, hn)))
					return p->err;
			}
		} else {
			return C_OK; /* a BOM prefix so far; wait */
		}
	}
	while (i < n) {
		if (p->skip_lf) {
			p->skip_lf = false;
			if (s[i] == '\n') {
				i++;
				continue;
			}
		}
		start = i;
		while (i < n && s[i] != '\n' && s[i] != '\r')
			i++;
		if (i == n) {
			buf_add(&p->line, s + start, i - start);
			if (!buf_ok(&p->line))
				p->err = C_ERR_TOOBIG;
			return p->err;
		}
		if (s[i] == '\r')
			p->skip_lf = true;
		if (p->line.len) {
			buf_add(&p->line, s + start, i - start);
			if (!buf_ok(&p->line))
				return p->err = C_ERR_TOOBIG;
			p->err = process_line(p, p->line.p, p->line.len);
			buf_reset(&p->line);
		} else {
			p->err = process_line(p, s + start, i - start);
		}
		i++;
		if (p->err)
			return p->err;
	}
	return C_OK;
}

enum cerr
sse_finish(struct sse_parser *p)
{
	if (p->err)
		return p->err;
	if (p->line.len) {
		p->err = process_line(p, p->line.p, p->line.len);
		buf_reset(&p->line);
	}
	/* an unterminated event is dropped */
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->have_data = false;
	return p->err;
}
