/* local-list.c: the list rules of a model trained for conch (local.h):
 * a list an answer copies from a tool result, an entry a line (ls, glob,
 * grep), begins with the result's first entry, goes on entry by entry,
 * whole, to its last, and names no item twice.  Trained on lists of 1 to
 * 4, the model lost its place in longer ones. */
#include <stdio.h>
#include <string.h>

#include "provider/local-copy-int.h"
#include "util/buf.h"
#include "util/str.h"

size_t
local_copy_list_items(const struct local_copy *cp, const char *r, size_t rlen, size_t *ls,
		      char (*items)[LOCAL_FOLLOW_LEN + 1], bool *first)
{
	char f[LOCAL_LIST_MAX][LOCAL_FOLLOW_LEN + 1];
	size_t ps, n, j, k;

	*first = false;
	for (*ls = rlen; *ls > 0 && r[*ls - 1] != '\n'; (*ls)--)
		;
	for (ps = *ls ? *ls - 1 : 0; ps > 0 && r[ps - 1] != '\n'; ps--)
		;
	if (*ls && *ls - ps > 2 && memcmp(r + ps, "- ", 2) == 0) { /* the line before: an item */
		struct buf t = BUF_INIT;
		size_t e = ps + 2;
		if ((n = local_copy_next_line(cp, r, *ls, items, LOCAL_LIST_MAX)) > 0)
			return n;
		/* an item with more than its entry ("- a.md: 3 lines" of "3 a.md"):
		 * the next begins with the next entry, if it is an item at all */
		while (e < *ls - 1 && r[e] != ':' && r[e] != ' ')
			e++;
		if (e == *ls - 1 || rlen < *ls + 1 || r[*ls] != '-')
			return 0;
		buf_add(&t, r, e);
		buf_add(&t, "\n", 1);
		n = local_copy_next_line(cp, buf_str(&t), t.len, items, LOCAL_LIST_MAX);
		buf_free(&t);
		*first = n > 0;
		return n;
	}
	if (rlen == *ls || r[*ls] != '-' || (rlen > *ls + 1 && r[*ls + 1] != ' ') ||
	    !cp->results.len)
		return 0;
	/* a list begins ("-" or "- ..."): with a field of the last result's
	 * first line */
	n = local_copy_first_item(cp, r, *ls + (rlen == *ls + 1 ? 1 : 2), f, LOCAL_LIST_MAX);
	for (j = k = 0; j < n; j++) {
		const char *fl = f[j] + (rlen == *ls + 1); /* after "-", the field follows " " */
		size_t w = strcspn(fl, " "), m = 0;
		while (m < w && ((fl[m] >= 'a' && fl[m] <= 'z') || lc_digit(fl[m])))
			m++;
		/* not a kind or a number before the name ("file a.md  12", "3 a.md") */
		if (m == w && fl[w] == ' ' && fl[w + strspn(fl + w, " ")] != '\0')
			continue;
		snprintf(items[k++], sizeof items[0], "- %.*s", LOCAL_FOLLOW_LEN - 2, fl);
	}
	*first = k > 0;
	return k;
}

bool
local_copy_list_goes_on(const struct local_copy *cp, const char *r, size_t rlen)
{
	char items[LOCAL_LIST_MAX][LOCAL_FOLLOW_LEN + 1];
	struct buf t = BUF_INIT;
	size_t ls = rlen, n;

	while (ls > 0 && r[ls - 1] != '\n')
		ls--;
	if (rlen - ls <= 2 || memcmp(r + ls, "- ", 2) != 0)
		return false;
	buf_add(&t, r, rlen); /* as if the item ended here */
	buf_add(&t, "\n", 1);
	n = local_copy_next_line(cp, buf_str(&t), t.len, items, LOCAL_LIST_MAX);
	buf_free(&t);
	return n > 0;
}

bool
local_copy_item_fits(char (*items)[LOCAL_FOLLOW_LEN + 1], size_t n, bool first, const char *line,
		     size_t ln, const char *piece, size_t pn, bool end)
{
	char buf[2 * LOCAL_FOLLOW_LEN + 8];
	const char *nl = memchr(piece, '\n', pn);
	size_t len, j;

	if (nl) { /* the line ends in the piece */
		pn = (size_t)(nl - piece);
		end = true;
	}
	if (ln + pn >= sizeof buf)
		return first;
	memcpy(buf, line, ln);
	memcpy(buf + ln, piece, pn);
	len = ln + pn;
	for (j = 0; j < n; j++) {
		/* the item is the entry's first field: "- beta.h" of "beta.h  55" */
		const char *sp = strchr(items[j] + 2, ' ');
		size_t f = sp ? (size_t)(sp - items[j]) : strlen(items[j]);
		bool cut = !sp && f >= LOCAL_FOLLOW_LEN; /* an entry longer than we hold */
		if (first) { /* begins with one, then ends or goes on after a ':' ("- a.md: 3 lines") */
			if (memcmp(buf, items[j], len < f ? len : f) == 0 &&
			    (len <= f ? !end || len == f : buf[f] == ':'))
				return true;
			continue;
		}
		if (len <= f && memcmp(buf, items[j], len) == 0 && (!end || (len == f && !cut)))
			return true;
		if (len > f && cut && memcmp(buf, items[j], f) == 0) /* on past what we hold */
			return true;
	}
	return false;
}

bool
local_copy_item_again(const char *r, size_t rlen, const char *piece, size_t plen, bool end)
{
	const char *nl = memchr(piece, '\n', plen), *ls, *p, *e;
	struct buf line = BUF_INIT;
	bool again = false;

	if (!nl && !end)
		return false;
	for (ls = r + rlen; ls > r && ls[-1] != '\n'; ls--)
		;
	buf_add(&line, ls, (size_t)(r + rlen - ls));
	buf_add(&line, piece, nl ? (size_t)(nl - piece) : plen);
	/* the lines before it each end in '\n' */
	for (p = r; line.len > 2 && memcmp(buf_str(&line), "- ", 2) == 0 && !again && p < ls;
	     p = e + 1) {
		e = memchr(p, '\n', (size_t)(ls - p));
		again = (size_t)(e - p) == line.len && memcmp(p, buf_str(&line), line.len) == 0;
	}
	buf_free(&line);
	return again;
}

/* The line of t[0..tn) after the one that is f[0..fl), whole: its
 * start and length (0: none). */
static size_t
line_after(const char *t, size_t tn, const char *f, size_t fl, const char **at)
{
	const char *p, *e;

	for (p = t; fl && (p = str_find(p, tn - (size_t)(p - t), f, fl)) != NULL; p++) {
		if ((p > t && p[-1] != '\n') || (size_t)(p - t) + fl >= tn || p[fl] != '\n')
			continue;
		*at = p += fl + 1;
		e = memchr(p, '\n', tn - (size_t)(p - t));
		return e ? (size_t)(e - p) : tn - (size_t)(p - t);
	}
	return 0;
}

/* Is f[0..fl) a field (between blanks) of s[0..n)? */
static bool
a_field(const char *s, size_t n, const char *f, size_t fl)
{
	const char *p;
	for (p = s; (p = str_find(p, n - (size_t)(p - s), f, fl)) != NULL; p++)
		if ((p == s || p[-1] == ' ') && ((size_t)(p - s) + fl == n || p[fl] == ' '))
			return true;
	return false;
}

size_t
local_copy_next_operand(const struct local_copy *cp, const char *cmd, size_t n,
			char (*out)[LOCAL_FOLLOW_LEN + 1])
{
	const char *t = buf_str(&cp->text) + cp->last, *c, *pf, *l;
	size_t tn = cp->text.len - cp->last, cl, pl, ll;

	if (tn == 0)
		return 0;
	for (c = cmd + n; c > cmd && c[-1] != ' '; c--)
		;
	cl = (size_t)(cmd + n - c);
	if (c > cmd) { /* the field before, an entry: this one is the next */
		for (pf = c - 1; pf > cmd && pf[-1] != ' '; pf--)
			;
		pl = (size_t)(c - 1 - pf);
		ll = line_after(t, tn, pf, pl, &l);
		if (ll > cl && ll <= LOCAL_FOLLOW_LEN && !memchr(l, ' ', ll) &&
		    memcmp(l, c, cl) == 0 && !a_field(cmd, (size_t)(c - cmd), l, ll)) {
			memcpy(out[0], l + cl, ll - cl);
			out[0][ll - cl] = '\0';
			return 1;
		}
	}
	/* this field, whole, an entry: a blank and the next */
	ll = line_after(t, tn, c, cl, &l);
	if (ll == 0 || ll + 1 > LOCAL_FOLLOW_LEN || memchr(l, ' ', ll) || a_field(cmd, n, l, ll))
		return 0; /* none, or one given already */
	out[0][0] = ' ';
	memcpy(out[0] + 1, l, ll);
	out[0][ll + 1] = '\0';
	return 1;
}

bool
local_copy_last_operand(const struct local_copy *cp, const char *cmd, size_t fs,
			const char *v, size_t n)
{
	const char *t = buf_str(&cp->text) + cp->last, *l, *pf;
	size_t tn = cp->text.len - cp->last, pl;

	while (tn && t[tn - 1] == '\n')
		tn--;
	/* v is the result's last line, whole */
	if (!n || tn < n || memcmp(t + tn - n, v, n) != 0 || (tn > n && t[tn - n - 1] != '\n'))
		return false;
	/* and the field before it is the line before */
	if (fs < 2 || cmd[fs - 1] != ' ')
		return false;
	for (pf = cmd + fs - 1; pf > cmd && pf[-1] != ' '; pf--)
		;
	pl = (size_t)(cmd + fs - 1 - pf);
	return line_after(t, tn + 1, pf, pl, &l) == n && memcmp(l, v, n) == 0;
}

size_t
local_copy_code_span(const struct local_copy *cp, const char *r, size_t rlen,
		     char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *ls = r + rlen, *span = NULL, *p;
	size_t ticks = 0, sn, i, n = 0, k;

	while (ls > r && ls[-1] != '\n')
		ls--;
	if ((size_t)(r + rlen - ls) >= 3 && memcmp(ls, "```", 3) == 0)
		return 0; /* a fence */
	for (p = ls; p < r + rlen; p++)
		if (*p == '`') {
			ticks++;
			span = p + 1;
		}
	if (ticks % 2 == 0)
		return 0;
	sn = (size_t)(r + rlen - span);
	for (i = 0; i < cp->ncmds && n < max; i++) {
		const char *c = cp->cmds[i];
		size_t cl = strlen(c);
		if (cl < sn || memcmp(c, span, sn) != 0)
			continue;
		k = cl - sn < LOCAL_FOLLOW_LEN ? cl - sn : LOCAL_FOLLOW_LEN;
		if (k == 0) {
			memcpy(out[n++], "`", 2);
			continue;
		}
		memcpy(out[n], c + sn, k);
		out[n++][k] = '\0';
	}
	return n;
}

size_t
local_copy_ext_next(const struct local_copy *cp, const char *r, size_t rlen,
		    char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *p = r + rlen;
	size_t pl, i, n = 0, el;

	while (p > r && lc_word(p[-1]) && p[-1] != '_')
		p--;
	pl = (size_t)(r + rlen - p);
	if (pl == 0 || p - r < 2 || p[-1] != '.' || p[-2] != '*')
		return 0;
	for (i = 0; i < cp->nexts; i++)
		if (strlen(cp->exts[i]) == pl && memcmp(cp->exts[i], p, pl) == 0)
			return 0; /* one already: it may end */
	for (i = 0; i < cp->nexts && n < max; i++) {
		el = strlen(cp->exts[i]);
		if (el <= pl || el - pl > LOCAL_FOLLOW_LEN || memcmp(cp->exts[i], p, pl) != 0)
			continue;
		memcpy(out[n], cp->exts[i] + pl, el - pl);
		out[n++][el - pl] = '\0';
	}
	return n;
}

size_t
local_copy_first_entry(const struct local_copy *cp, char (*out)[LOCAL_FOLLOW_LEN + 1])
{
	const char *t = buf_str(&cp->text) + cp->last, *e, *first = NULL;
	size_t tn = cp->text.len - cp->last, n = 0, fl = 0;

	if (!cp->results.len)
		return 0;
	for (; tn > 0; tn -= (size_t)(e - t) + (e < t + tn), t = e + 1) {
		e = memchr(t, '\n', tn);
		e = e ? e : t + tn;
		if (e == t || (*t == '[' && e[-1] == ']'))
			continue;
		if (memchr(t, ' ', (size_t)(e - t)))
			return 0; /* no list of names */
		if (!first) {
			first = t;
			fl = (size_t)(e - t);
		}
		n++;
		if (e == t + tn)
			break;
	}
	if (n < 2 || fl > LOCAL_FOLLOW_LEN)
		return 0;
	memcpy(out[0], first, fl);
	out[0][fl] = '\0';
	return 1;
}

/* Is the last entry of the last result (its last line but conch's
 * notes and wc's total) at *l? */
static size_t
last_entry(const struct local_copy *cp, const char **l)
{
	const char *t = buf_str(&cp->text) + cp->last, *e, *p;
	size_t tn = cp->text.len - cp->last, ln = 0;

	*l = NULL;
	for (p = t; p < t + tn; p = e + 1) {
		e = memchr(p, '\n', tn - (size_t)(p - t));
		e = e ? e : t + tn;
		if (e > p && !(*p == '[' && e[-1] == ']') &&
		    !((size_t)(e - p) >= 6 && memcmp(e - 6, " total", 6) == 0)) {
			*l = p;
			ln = (size_t)(e - p);
		}
	}
	return ln;
}

bool
local_copy_list_done(const struct local_copy *cp, const char *r, size_t rlen)
{
	const char *l, *ps, *pe, *x, *p;
	size_t ln, xn;

	if (!cp->results.len || rlen < 4 || r[rlen - 1] != '\n' || (ln = last_entry(cp, &l)) == 0)
		return false;
	/* an item of an earlier line, "- " and a field up to a blank or ':' */
	for (ps = r; ps < r + rlen; ps = pe + 1) {
		pe = memchr(ps, '\n', (size_t)(r + rlen - ps));
		if (pe - ps < 3 || memcmp(ps, "- ", 2) != 0)
			continue;
		x = ps + 2;
		for (xn = 0; x + xn < pe && x[xn] != ' ' && x[xn] != ':'; xn++)
			;
		for (p = l; xn && (p = str_find(p, ln - (size_t)(p - l), x, xn)) != NULL; p++)
			if ((p == l || p[-1] == ' ') && ((size_t)(p - l) + xn == ln || p[xn] == ' '))
				return true;
	}
	return false;
}

/* The lines a fence copies of the last result, at most max: a read's
 * numbered lines without their numbers, else its lines; conch's notes
 * left out, and the blank lines at its end. */
static size_t
fence_lines(const struct local_copy *cp, const char **at, size_t *len, size_t max)
{
	const char *t = buf_str(&cp->text) + cp->last, *e, *p, *d;
	size_t tn = cp->text.len - cp->last, n = 0;

	while (tn && t[tn - 1] == '\n')
		tn--;
	for (p = t; p < t + tn && n < max; p = e + 1) {
		e = memchr(p, '\n', tn - (size_t)(p - t));
		e = e ? e : t + tn;
		if (e > p && *p == '[' && e[-1] == ']')
			continue;
		for (d = p; d < e && *d == ' '; d++)
			;
		while (d < e && lc_digit(*d))
			d++;
		at[n] = d < e && *d == '\t' && d > p && lc_digit(d[-1]) ? d + 1 : p;
		len[n] = (size_t)(e - at[n]);
		n++;
	}
	while (n && len[n - 1] == 0)
		n--;
	return n;
}

size_t
local_copy_fence_next(const struct local_copy *cp, const char *r, size_t rlen,
		      char (*out)[LOCAL_FOLLOW_LEN + 1])
{
	enum { MAXL = 512 };
	const char *at[MAXL], *p, *e, *open = NULL, *ls;
	size_t len[MAXL], n, k = 0, pl, rest;

	if (!cp->results.len)
		return 0;
	/* the fence the reply is in: after its last opening "```" line */
	for (p = r; p < r + rlen; p = e + 1) {
		e = memchr(p, '\n', (size_t)(r + rlen - p));
		if (!e)
			break;
		if (e - p >= 3 && memcmp(p, "```", 3) == 0)
			open = open ? NULL : e + 1;
	}
	if (!open)
		return 0;
	for (ls = r + rlen; ls > open && ls[-1] != '\n'; ls--)
		;
	if (ls < open)
		return 0;
	n = fence_lines(cp, at, len, MAXL);
	/* the lines so far are the result's first, in order */
	for (p = open; p < ls; p = e + 1, k++) {
		e = memchr(p, '\n', (size_t)(ls - p));
		if (k >= n || (size_t)(e - p) != len[k] || memcmp(p, at[k], len[k]) != 0)
			return 0;
	}
	if (k >= n)
		return 0;
	pl = (size_t)(r + rlen - ls);
	if (pl > len[k] || memcmp(ls, at[k], pl) != 0)
		return 0;
	rest = len[k] - pl;
	if (rest >= LOCAL_FOLLOW_LEN) {
		memcpy(out[0], at[k] + pl, LOCAL_FOLLOW_LEN);
		out[0][LOCAL_FOLLOW_LEN] = '\0';
	} else {
		memcpy(out[0], at[k] + pl, rest);
		out[0][rest] = '\n';
		out[0][rest + 1] = '\0';
	}
	return 1;
}
