/* local-list.c: the list rules of a model trained for conch (local.h):
 * a list an answer copies from a tool result, an entry a line (ls, glob,
 * grep), begins with the result's first entry, goes on entry by entry,
 * whole, to its last, and names no item twice.  Trained on lists of 1 to
 * 4, the model lost its place in longer ones. */
#include <stdio.h>
#include <string.h>

#include "provider/local-copy-int.h"
#include "util/buf.h"

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
