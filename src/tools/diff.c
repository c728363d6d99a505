/* diff.c: a small line diff (common prefix/suffix trimmed, LCS over the
 * middle) printed as a unified diff. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/diff.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define DIFF_CONTEXT 3
/* Past this many LCS cells the middle is shown as delete-all/add-all. */
#define DIFF_MAX_CELLS (4u << 20)

struct line {
	const char *p;
	size_t len; /* with the '\n' when there is one */
};

enum op_type { OP_EQ, OP_DEL, OP_ADD };

struct op {
	enum op_type t;
	size_t ai, bi; /* lines of a and b before this op */
};

struct ops {
	struct op *v;
	size_t n, cap;
};

static struct line *
split_lines(const char *s, size_t n, size_t *count)
{
	struct line *v = NULL;
	size_t c = 0, cap = 0, i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
		v = xgrow(v, c + 1, &cap, 64, sizeof *v);
		v[c].p = s + i;
		v[c].len = len;
		c++;
		i += len;
	}
	*count = c;
	return v;
}

static bool
line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

static void
ops_push(struct ops *o, enum op_type t, size_t ai, size_t bi)
{
	o->v = xgrow(o->v, o->n + 1, &o->cap, 64, sizeof *o->v);
	o->v[o->n].t = t;
	o->v[o->n].ai = ai;
	o->v[o->n].bi = bi;
	o->n++;
}

/* Edit script for a[a0..a0+n) -> b[b0..b0+m). */
static void
diff_middle(const struct line *a, size_t a0, size_t n, const struct line *b,
	    size_t b0, size_t m, struct ops *o)
{
	size_t i = 0, j = 0, cells, w = m + 1;
	uint32_t *L = NULL;

	if (size_mul_ok(n + 1, m + 1, &cells) && cells <= DIFF_MAX_CELLS &&
	    n && m) {
		/* L[i*w+j]: LCS length of a[i..n) and b[j..m) */
		L = xcalloc(cells, sizeof *L);
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				L[i * w + j] = line_eq(&a[a0 + i], &b[b0 + j]) ?
					L[(i + 1) * w + j + 1] + 1 :
					(L[(i + 1) * w + j] >= L[i * w + j + 1] ?
					 L[(i + 1) * w + j] : L[i * w + j + 1]);
		i = j = 0;
		while (i < n && j < m) {
			if (line_eq(&a[a0 + i], &b[b0 + j])) {
				ops_push(o, OP_EQ, a0 + i, b0 + j);
				i++;
				j++;
			} else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
				ops_push(o, OP_DEL, a0 + i, b0 + j);
				i++;
			} else {
				ops_push(o, OP_ADD, a0 + i, b0 + j);
				j++;
			}
		}
		free(L);
	}
	for (; i < n; i++)
		ops_push(o, OP_DEL, a0 + i, b0 + j);
	for (; j < m; j++)
		ops_push(o, OP_ADD, a0 + n, b0 + j);
}

static void
put_line(struct buf *out, char mark, const struct line *l)
{
	bool nl = l->len && l->p[l->len - 1] == '\n';
	buf_addc(out, mark);
	buf_add(out, l->p, nl ? l->len - 1 : l->len);
	buf_addc(out, '\n');
	if (!nl)
		buf_adds(out, "\\ No newline at end of file\n");
}

static void
put_range(struct buf *out, char sign, size_t start, size_t count)
{
	/* an empty range names the line before it */
	buf_printf(out, "%c%zu", sign, count ? start + 1 : start);
	if (count != 1)
		buf_printf(out, ",%zu", count);
}

static void
put_hunk(struct buf *out, const struct ops *o, size_t s, size_t e,
	 const struct line *a, const struct line *b)
{
	size_t ac = 0, bc = 0, k;
	for (k = s; k < e; k++) {
		if (o->v[k].t != OP_ADD)
			ac++;
		if (o->v[k].t != OP_DEL)
			bc++;
	}
	buf_adds(out, "@@ ");
	put_range(out, '-', o->v[s].ai, ac);
	buf_addc(out, ' ');
	put_range(out, '+', o->v[s].bi, bc);
	buf_adds(out, " @@\n");
	for (k = s; k < e; k++) {
		const struct op *op = &o->v[k];
		if (op->t == OP_EQ)
			put_line(out, ' ', &a[op->ai]);
		else if (op->t == OP_DEL)
			put_line(out, '-', &a[op->ai]);
		else
			put_line(out, '+', &b[op->bi]);
	}
}

char *
diff_unified(const char *a_label, const char *a, size_t alen,
	     const char *b_label, const char *b, size_t blen)
{
	struct buf out = BUF_INIT;
	struct ops o = { 0 };
	size_t na, nb, pre = 0, suf = 0, k;
	struct line *la = split_lines(a, alen, &na);
	struct line *lb = split_lines(b, blen, &nb);

	while (pre < na && pre < nb && line_eq(&la[pre], &lb[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       line_eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	if (pre == na && pre == nb)
		goto out;
	for (k = 0; k < pre; k++)
		ops_push(&o, OP_EQ, k, k);
	diff_middle(la, pre, na - pre - suf, lb, pre, nb - pre - suf, &o);
	for (k = 0; k < suf; k++)
		ops_push(&o, OP_EQ, na - suf + k, nb - suf + k);

	buf_printf(&out, "--- %s\n+++ %s\n", a_label, b_label);
	k = 0;
	while (k < o.n) {
		size_t s, e, last;
		while (k < o.n && o.v[k].t == OP_EQ)
			k++;
		if (k == o.n)
			break;
		s = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
		/* extend while the next change is within 2*context */
		last = k;
		for (;;) {
			size_t q = last + 1;
			while (q < o.n && o.v[q].t != OP_EQ)
				q++;
			last = q - 1;
			while (q < o.n && o.v[q].t == OP_EQ)
				q++;
			if (q < o.n && q - (last + 1) <= 2 * DIFF_CONTEXT)
				last = q;
			else
				break;
		}
		e = last + 1 + DIFF_CONTEXT;
		if (e > o.n)
			e = o.n;
		put_hunk(&out, &o, s, e, la, lb);
		k = e;
	}
out:
	xfree_all(la, lb, o.v);
	return buf_steal(&out);
}
