/* markdown.c: Markdown to attributed, wrapped lines (see markdown.h). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/markdown.h"
#include "ui/width.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ---- line builder ---- */

struct lb {
	struct buf text;
	struct md_span *spans;
	size_t n, cap;
	size_t cols;
};

static void
lb_raw(struct lb *l, const char *s, size_t n, unsigned attr)
{
	if (!n)
		return;
	if (l->n && l->spans[l->n - 1].attr == attr &&
	    l->spans[l->n - 1].off + l->spans[l->n - 1].len == l->text.len) {
		l->spans[l->n - 1].len += n;
	} else {
		l->spans = xgrow(l->spans, l->n + 1, &l->cap, 4, sizeof *l->spans);
		l->spans[l->n].off = l->text.len;
		l->spans[l->n].len = n;
		l->spans[l->n].attr = attr;
		l->n++;
	}
	buf_add(&l->text, s, n);
}

/* Add text, replacing control characters and invalid UTF-8. */
static void
lb_add(struct lb *l, const char *s, size_t n, unsigned attr)
{
	size_t i = 0, start = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		bool bad = cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
			   (cp == 0xfffd && k == 1);
		if (bad) {
			lb_raw(l, s + start, i - start, attr);
			if (cp == 0xfffd)
				lb_raw(l, "\xef\xbf\xbd", 3, attr);
			else
				lb_raw(l, cp == '\t' ? " " : "?", 1, attr);
			l->cols += 1;
			start = i + k;
		} else {
			l->cols += (size_t)width_cp(cp);
		}
		i += k;
	}
	lb_raw(l, s + start, n - start, attr);
}

void
md_doc_push(struct md_doc *d, struct md_line *ln)
{
	d->lines = xgrow(d->lines, d->n + 1, &d->cap, 16, sizeof *d->lines);
	d->lines[d->n++] = *ln;
}

static void
lb_emit(struct md_doc *d, struct lb *l)
{
	struct md_line ln;
	ln.len = l->text.len;
	ln.text = l->text.p ? buf_steal(&l->text) : xstrdup("");
	ln.spans = l->spans;
	ln.nspans = l->n;
	md_doc_push(d, &ln);
	buf_init(&l->text, 0);
	l->spans = NULL;
	l->n = l->cap = 0;
	l->cols = 0;
}

static void
lb_free(struct lb *l)
{
	buf_free(&l->text);
	free(l->spans);
}

void
md_doc_free(struct md_doc *d)
{
	size_t i;
	for (i = 0; i < d->n; i++) {
		xfree_all(d->lines[i].text, d->lines[i].spans);
	}
	free(d->lines);
	d->lines = NULL;
	d->n = d->cap = 0;
}

unsigned
md_attr_at(const struct md_line *l, size_t off)
{
	size_t i;
	for (i = 0; i < l->nspans; i++)
		if (off >= l->spans[i].off && off < l->spans[i].off + l->spans[i].len)
			return l->spans[i].attr;
	return 0;
}

/* ---- attributed runs (a paragraph before wrapping) ---- */

struct run {
	struct buf t;
	unsigned *a;
	size_t acap;
};

static void
run_add(struct run *r, const char *s, size_t n, unsigned attr)
{
	size_t i, need = r->t.len + n;
	if (need > r->acap) {
		r->acap = need * 2 + 16;
		r->a = xreallocarray(r->a, r->acap, sizeof *r->a);
	}
	for (i = 0; i < n; i++)
		r->a[r->t.len + i] = attr;
	buf_add(&r->t, s, n);
}

static void
run_free(struct run *r)
{
	buf_free(&r->t);
	free(r->a);
}

/* Add run bytes [a, b) to the line, split by attribute. */
static void
lb_range(struct lb *l, const struct run *r, size_t a, size_t b)
{
	while (a < b) {
		size_t e = a + 1;
		while (e < b && r->a[e] == r->a[a])
			e++;
		lb_add(l, r->t.p + a, e - a, r->a[a]);
		a = e;
	}
}

static size_t
cols_of(const char *s)
{
	return s ? width_str(s, strlen(s)) : 0;
}

/* Start a line with a prefix. */
static void
lb_prefix(struct lb *l, const char *p, unsigned pattr)
{
	if (p && *p)
		lb_add(l, p, strlen(p), pattr);
}

/* Word-wrap (words) or hard-wrap a run at `width`. */
static void
wrap_run(const struct run *r, int width, bool words, const char *first,
	 const char *rest, unsigned pattr, struct md_doc *d)
{
	struct lb l = { BUF_INIT, NULL, 0, 0, 0 };
	const char *t = r->t.p ? r->t.p : "";
	size_t n = r->t.len, i = 0, avail, col = 0;
	size_t pw = cols_of(first) > cols_of(rest) ? cols_of(first) : cols_of(rest);

	if (width < 1)
		width = 1;
	if (pw + 1 > (size_t)width) { /* no room for prefixes */
		first = rest = NULL;
		pw = 0;
	}
	avail = (size_t)width - pw;
	lb_prefix(&l, first, pattr);
	if (!words) {
		while (i < n) {
			size_t used, k = width_fit(t + i, n - i, avail, &used);
			if (k == 0)
				k = width_next(t, n, i) - i;
			lb_range(&l, r, i, i + k);
			i += k;
			if (i < n) {
				lb_emit(d, &l);
				lb_prefix(&l, rest, pattr);
			}
		}
		lb_emit(d, &l);
		lb_free(&l);
		return;
	}
	while (i < n && t[i] == ' ')
		i++;
	while (i < n) {
		size_t j = i, ww;
		while (j < n && t[j] != ' ')
			j++;
		ww = width_str(t + i, j - i);
		if (col > 0 && col + 1 + ww <= avail) {
			lb_range(&l, r, i - 1, j);
			col += 1 + ww;
		} else if (ww <= avail) {
			if (col > 0) {
				lb_emit(d, &l);
				lb_prefix(&l, rest, pattr);
			}
			lb_range(&l, r, i, j);
			col = ww;
		} else {
			size_t k = i;
			if (col > 0) {
				lb_emit(d, &l);
				lb_prefix(&l, rest, pattr);
				col = 0;
			}
			while (k < j) {
				size_t used, m = width_fit(t + k, j - k, avail - col, &used);
				if (m == 0 && col == 0) {
					m = width_next(t, j, k) - k;
					used = width_str(t + k, m);
				}
				lb_range(&l, r, k, k + m);
				col += used;
				k += m;
				if (k < j) {
					lb_emit(d, &l);
					lb_prefix(&l, rest, pattr);
					col = 0;
				}
			}
		}
		i = j;
		while (i < n && t[i] == ' ')
			i++;
		/* keep one space before the next word: it is at i - 1 */
	}
	lb_emit(d, &l);
	lb_free(&l);
}

void
md_wrap(const char *s, size_t n, unsigned attr, int width, bool words,
	const char *first, const char *rest, unsigned pattr, struct md_doc *d)
{
	size_t i = 0;
	bool firstline = true;
	if (n && s[n - 1] == '\n')
		n--;
	for (;;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		struct run r = { BUF_INIT, NULL, 0 };
		size_t k;
		for (k = i; k < e; k++) { /* tabs to spaces, CR dropped */
			if (s[k] == '\t')
				run_add(&r, "        ", 4 - (r.t.len % 4), attr);
			else if (s[k] != '\r')
				run_add(&r, s + k, 1, attr);
		}
		wrap_run(&r, width, words, firstline ? first : rest, rest, pattr, d);
		run_free(&r);
		firstline = false;
		if (!nl)
			break;
		i = e + 1;
	}
}

void
md_line_add(struct md_doc *d, int width, size_t nparts,
	    const char *const *texts, const unsigned *attrs)
{
	struct lb l = { BUF_INIT, NULL, 0, 0, 0 };
	size_t i, left = width > 0 ? (size_t)width : 0;
	for (i = 0; i < nparts && left > 0; i++) {
		const char *s = texts[i] ? texts[i] : "";
		size_t used, n = strlen(s), k;
		struct lb tmp = { BUF_INIT, NULL, 0, 0, 0 };
		/* sanitize first so that width_fit sees what is shown */
		lb_add(&tmp, s, n, 0);
		k = width_fit(tmp.text.p ? tmp.text.p : "", tmp.text.len, left, &used);
		lb_raw(&l, tmp.text.p, k, attrs[i]);
		l.cols += used;
		left -= used;
		lb_free(&tmp);
	}
	lb_emit(d, &l);
	lb_free(&l);
}

/* ---- inline Markdown ---- */

static bool
has_closer(const char *s, size_t n, size_t from, const char *delim, size_t dl)
{
	size_t i;
	for (i = from; i + dl <= n; i++)
		if (memcmp(s + i, delim, dl) == 0 && i > from && s[i - 1] != ' ')
			return true;
	return false;
}

static void
inline_parse(const char *s, size_t n, unsigned base, struct run *out)
{
	size_t i = 0;
	unsigned cur = 0;

	while (i < n) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
			run_add(out, s + i + 1, 1, base | cur);
			i += 2;
		} else if (c == '`') {
			size_t k = 0, j;
			while (i + k < n && s[i + k] == '`')
				k++;
			for (j = i + k; j < n; j++) {
				size_t m = 0;
				while (j + m < n && s[j + m] == '`')
					m++;
				if (m == k)
					break;
				j += m ? m - 1 : 0;
			}
			if (j < n) {
				size_t a = i + k, b = j;
				if (b - a >= 2 && s[a] == ' ' && s[b - 1] == ' ') {
					a++;
					b--;
				}
				run_add(out, s + a, b - a, base | cur | MD_CODE);
				i = j + k;
			} else {
				run_add(out, s + i, k, base | cur);
				i += k;
			}
		} else if (c == '*' || c == '_') {
			char d2[2] = { c, c };
			bool prev_alnum = i > 0 && isalnum((unsigned char)s[i - 1]);
			bool dbl = i + 1 < n && s[i + 1] == c;
			unsigned bit = dbl ? MD_BOLD : MD_ITALIC;
			size_t dl = dbl ? 2 : 1;
			bool next_ok = i + dl < n && s[i + dl] != ' ';
			bool next_alnum = i + dl < n && isalnum((unsigned char)s[i + dl]);
			if (cur & bit) {
				if (c == '_' && next_alnum) {
					run_add(out, s + i, dl, base | cur);
				} else {
					cur &= ~bit;
				}
				i += dl;
			} else if (next_ok && !(c == '_' && prev_alnum) &&
				   has_closer(s, n, i + dl, d2, dl)) {
				cur |= bit;
				i += dl;
			} else {
				run_add(out, s + i, dl, base | cur);
				i += dl;
			}
		} else if (c == '[') {
			const char *rb = memchr(s + i, ']', n - i);
			size_t j = rb ? (size_t)(rb - s) : n, m;
			const char *rp = NULL;
			if (j + 1 < n && s[j + 1] == '(')
				rp = memchr(s + j + 2, ')', n - j - 2);
			if (!rp) {
				run_add(out, "[", 1, base | cur);
				i++;
				continue;
			}
			m = (size_t)(rp - s);
			run_add(out, s + i + 1, j - i - 1, base | cur | MD_LINK);
			if (m > j + 2 && !(m - j - 2 == j - i - 1 &&
					   memcmp(s + j + 2, s + i + 1, j - i - 1) == 0)) {
				run_add(out, " (", 2, base | MD_DIM);
				run_add(out, s + j + 2, m - j - 2, base | MD_DIM);
				run_add(out, ")", 1, base | MD_DIM);
			}
			i = m + 1;
		} else {
			size_t j = i + 1;
			while (j < n && !strchr("\\`*_[", s[j]))
				j++;
			run_add(out, s + i, j - i, base | cur);
			i = j;
		}
	}
}

/* ---- blocks ---- */

enum pkind { P_NONE, P_TEXT, P_LIST, P_QUOTE, P_HEADING };

struct mdr {
	int width;
	unsigned flags;
	struct md_doc *d;
	bool any;        /* a line was emitted */
	bool pend;       /* a blank line is due before the next one */
	/* the open paragraph */
	enum pkind kind;
	struct buf para;
	unsigned base;
	char first[48], rest[48];
	unsigned pattr;
	size_t indent;  /* list item content indent (source columns) */
	/* fenced code */
	bool fence;
	char fch;
	size_t flen;
	bool diff;
};

/* Before a block's first line: the blank line that separates it. */
static void
gap(struct mdr *m)
{
	if (m->pend && m->any) {
		struct lb l = { BUF_INIT, NULL, 0, 0, 0 };
		lb_emit(m->d, &l);
		lb_free(&l);
	}
	m->pend = false;
	m->any = true;
}

static void
flush(struct mdr *m)
{
	struct run r = { BUF_INIT, NULL, 0 };
	if (m->kind == P_NONE)
		return;
	gap(m);
	inline_parse(m->para.p ? m->para.p : "", m->para.len, m->base, &r);
	wrap_run(&r, m->width, true, m->first, m->rest, m->pattr, m->d);
	run_free(&r);
	buf_reset(&m->para);
	m->kind = P_NONE;
}

static void
blank(struct mdr *m)
{
	flush(m);
	m->pend = true;
}

static void
para_add(struct mdr *m, const char *s, size_t n)
{
	while (n && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (m->para.len && n)
		buf_addc(&m->para, ' ');
	buf_add(&m->para, s, n);
}

static void
start(struct mdr *m, enum pkind k, unsigned base, const char *first,
      const char *rest, unsigned pattr)
{
	flush(m);
	m->kind = k;
	m->base = base;
	snprintf(m->first, sizeof m->first, "%s", first);
	snprintf(m->rest, sizeof m->rest, "%s", rest);
	m->pattr = pattr;
}

static void
code_line(struct mdr *m, const char *s, size_t n)
{
	struct run r = { BUF_INIT, NULL, 0 };
	unsigned a = MD_CODEBLOCK;
	size_t k;
	if (m->diff && n) {
		if (s[0] == '+')
			a |= MD_ADD;
		else if (s[0] == '-')
			a |= MD_DEL;
		else if (n >= 2 && s[0] == '@' && s[1] == '@')
			a |= MD_HUNK;
	}
	for (k = 0; k < n; k++) {
		if (s[k] == '\t')
			run_add(&r, "        ", 4 - (r.t.len % 4), a);
		else if (s[k] != '\r')
			run_add(&r, s + k, 1, a);
	}
	gap(m);
	wrap_run(&r, m->width, false, "  ", "  ", MD_CODEBLOCK, m->d);
	run_free(&r);
}

static void
rule(struct mdr *m)
{
	struct lb l = { BUF_INIT, NULL, 0, 0, 0 };
	int i;
	flush(m);
	gap(m);
	for (i = 0; i < m->width; i++)
		lb_add(&l, (m->flags & MDF_ASCII) ? "-" : "\xe2\x94\x80",
		       (m->flags & MDF_ASCII) ? 1 : 3, MD_DIM);
	lb_emit(m->d, &l);
	lb_free(&l);
}

static bool
is_rule(const char *s, size_t n)
{
	char c = 0;
	size_t i, k = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')
			continue;
		if (!strchr("-*_", s[i]) || (c && s[i] != c))
			return false;
		c = s[i];
		k++;
	}
	return k >= 3;
}

/* A list marker at s (after indentation): its length with the space. */
static size_t
list_marker(const char *s, size_t n, bool *ordered)
{
	size_t i = 0;
	*ordered = false;
	if (n >= 2 && strchr("-*+", s[0]) && (s[1] == ' ' || s[1] == '\t'))
		return 2;
	while (i < n && i < 9 && isdigit((unsigned char)s[i]))
		i++;
	if (i > 0 && i + 1 < n && (s[i] == '.' || s[i] == ')') &&
	    (s[i + 1] == ' ' || s[i + 1] == '\t')) {
		*ordered = true;
		return i + 2;
	}
	return 0;
}

/* Returns true for a blank line outside a fence: a point where the
 * renderer holds no state but a due blank line. */
static bool
block_line(struct mdr *m, const char *s, size_t n)
{
	size_t ind = 0, k;
	bool ordered;
	const char *t;
	size_t tn;

	while (ind < n && s[ind] == ' ')
		ind++;
	t = s + ind;
	tn = n - ind;
	while (tn && (t[tn - 1] == '\r' || t[tn - 1] == ' '))
		tn--;

	if (m->fence) {
		size_t f = 0;
		while (f < tn && t[f] == m->fch)
			f++;
		if (ind < 4 && f >= m->flen && f == tn) {
			m->fence = false;
			return false;
		}
		code_line(m, s, n);
		return false;
	}
	if (tn == 0) {
		blank(m);
		return true;
	}
	if (ind < 4 && tn >= 3 && (t[0] == '`' || t[0] == '~') &&
	    t[1] == t[0] && t[2] == t[0]) {
		size_t f = 0, ls;
		while (f < tn && t[f] == t[0])
			f++;
		flush(m);
		m->fence = true;
		m->fch = t[0];
		m->flen = f;
		ls = f;
		while (ls < tn && t[ls] == ' ')
			ls++;
		m->diff = (tn - ls == 4 && memcmp(t + ls, "diff", 4) == 0) ||
			  (tn - ls == 5 && memcmp(t + ls, "patch", 5) == 0);
		return false;
	}
	if (ind < 4 && t[0] == '#') {
		size_t h = 0;
		while (h < tn && t[h] == '#')
			h++;
		if (h <= 6 && (h == tn || t[h] == ' ')) {
			size_t e = tn;
			while (e > h && (t[e - 1] == '#' || t[e - 1] == ' '))
				e--;
			start(m, P_HEADING, MD_HEADING | MD_BOLD, "", "", 0);
			if (e > h)
				para_add(m, t + h, e - h);
			flush(m);
			return false;
		}
	}
	if (ind < 4 && is_rule(t, tn) && !(t[0] != '_' && tn >= 2 && t[1] == ' ' &&
					  list_marker(t, tn, &ordered))) {
		rule(m);
		return false;
	}
	if (ind < 4 && t[0] == '>') {
		const char *bar = (m->flags & MDF_ASCII) ? "| " : "\xe2\x94\x82 ";
		size_t q = 1;
		if (q < tn && t[q] == ' ')
			q++;
		if (m->kind != P_QUOTE)
			start(m, P_QUOTE, MD_QUOTE, bar, bar, MD_QUOTE | MD_DIM);
		if (q == tn)
			flush(m);
		else
			para_add(m, t + q, tn - q);
		return false;
	}
	if (t[0] == '|') {
		struct run r = { BUF_INIT, NULL, 0 };
		flush(m);
		gap(m);
		run_add(&r, t, tn, 0);
		wrap_run(&r, m->width, false, NULL, NULL, 0, m->d);
		run_free(&r);
		return false;
	}
	if ((k = list_marker(t, tn, &ordered)) > 0) {
		char first[48], rest[48];
		size_t lvl = ind / 2 > 6 ? 6 : ind / 2, pad = lvl * 2, w;
		if (ordered) {
			snprintf(first, sizeof first, "%*s%.*s. ", (int)pad, "",
				 (int)(k - 2), t);
		} else {
			snprintf(first, sizeof first, "%*s%s", (int)pad, "",
				 (m->flags & MDF_ASCII) ? "* " : "\xe2\x80\xa2 ");
		}
		w = cols_of(first);
		snprintf(rest, sizeof rest, "%*s", (int)w, "");
		start(m, P_LIST, 0, first, rest, MD_BULLET);
		m->indent = ind + k;
		para_add(m, t + k, tn - k);
		return false;
	}
	if (m->kind == P_TEXT || m->kind == P_LIST || m->kind == P_QUOTE) {
		para_add(m, t, tn);
		return false;
	}
	start(m, P_TEXT, 0, "", "", 0);
	para_add(m, t, tn);
	return false;
}

void
md_render_inc(const char *src, size_t n, int width, unsigned flags,
	      struct md_doc *doc, struct md_resume *st)
{
	struct mdr m;
	size_t i = st->off;

	while (doc->n > st->nlines) {
		doc->n--;
		xfree_all(doc->lines[doc->n].text, doc->lines[doc->n].spans);
	}
	memset(&m, 0, sizeof m);
	m.width = width < 1 ? 1 : width;
	m.flags = flags;
	m.d = doc;
	m.any = st->any;
	m.pend = st->off > 0;
	buf_init(&m.para, 0);
	while (i < n) {
		const char *nl = memchr(src + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - src) : n;
		bool clean = block_line(&m, src + i, e - i);
		i = e + 1;
		if (clean && nl) {
			st->off = i;
			st->nlines = doc->n;
			st->any = m.any;
		}
	}
	flush(&m);
	buf_free(&m.para);
}

void
md_render(const char *src, size_t n, int width, unsigned flags,
	  struct md_doc *doc)
{
	struct md_resume st = { 0, doc->n, false };
	md_render_inc(src, n, width, flags, doc, &st);
}
