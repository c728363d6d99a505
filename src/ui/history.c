/* history.c: input history (see history.h). */
#include <stdlib.h>
#include <string.h>

#include "ui/history.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#define HIST_FILE_MAX (4u << 20)

static void
push(struct history *h, char *s)
{
	if (h->max && h->n == h->max) {
		free(h->items[0]);
		memmove(h->items, h->items + 1, (h->n - 1) * sizeof *h->items);
		h->n--;
	}
	h->items = xgrow(h->items, h->n + 1, &h->cap, 32, sizeof *h->items);
	h->items[h->n++] = s;
}

static char *
unescape(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			buf_addc(&b, s[i] == 'n' ? '\n' : s[i]);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return b.p ? buf_steal(&b) : xstrdup("");
}

void
hist_init(struct history *h, const char *path, size_t max)
{
	struct buf b;
	memset(h, 0, sizeof *h);
	h->max = max;
	h->path = xstrdup(path);
	buf_init(&b, HIST_FILE_MAX);
	if (path && fs_read_file(path, HIST_FILE_MAX, &b) == C_OK && b.p) {
		size_t i = 0;
		for (;;) {
			const char *nl = memchr(b.p + i, '\n', b.len - i);
			if (!nl)
				break; /* a torn last line is dropped */
			if ((size_t)(nl - b.p) > i)
				push(h, unescape(b.p + i, (size_t)(nl - b.p) - i));
			i = (size_t)(nl - b.p) + 1;
		}
	}
	buf_free(&b);
	h->pos = h->n;
}

void
hist_free(struct history *h)
{
	strv_free(h->items, h->n);
	xfree_all(h->path, h->draft);
	memset(h, 0, sizeof *h);
}

static void
save(const struct history *h)
{
	struct buf b = BUF_INIT;
	size_t i;
	const char *p;
	if (!h->path)
		return;
	for (i = 0; i < h->n; i++) {
		for (p = h->items[i]; *p; p++) {
			if (*p == '\n')
				buf_adds(&b, "\\n");
			else if (*p == '\\')
				buf_adds(&b, "\\\\");
			else
				buf_addc(&b, *p);
		}
		buf_addc(&b, '\n');
	}
	{
		char *dir = xstrdup(h->path), *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			fs_mkdir_p(dir, 0700);
		}
		free(dir);
	}
	if (buf_ok(&b))
		fs_write_atomic(h->path, b.p ? b.p : "", b.len, 0600);
	buf_free(&b);
}

void
hist_add(struct history *h, const char *line)
{
	hist_reset(h);
	if (!line || !*line || (h->n && strcmp(h->items[h->n - 1], line) == 0))
		return;
	push(h, xstrdup(line));
	h->pos = h->n;
	save(h);
}

const char *
hist_prev(struct history *h, const char *current)
{
	if (h->pos == 0)
		return NULL;
	if (h->pos == h->n) {
		free(h->draft);
		h->draft = xstrdup(current ? current : "");
	}
	h->pos--;
	return h->items[h->pos];
}

const char *
hist_next(struct history *h)
{
	if (h->pos >= h->n)
		return NULL;
	h->pos++;
	if (h->pos == h->n)
		return h->draft ? h->draft : "";
	return h->items[h->pos];
}

void
hist_reset(struct history *h)
{
	h->pos = h->n;
}

long
hist_search(const struct history *h, const char *needle, size_t before)
{
	size_t i = before > h->n ? h->n : before;
	while (i-- > 0)
		if (strstr(h->items[i], needle))
			return (long)i;
	return -1;
}
