/* local-nums.c: the numbers a model trained for conch may write
 * (local.h): those the conversation holds, each result's count of
 * entries, and the count of lines of a range the request gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/local-copy-int.h"
#include "util/buf.h"
#include "util/str.h"

void
local_nums_collect(struct buf *set, const char *s)
{
	while (s && *s) {
		size_t n = strspn(s, "0123456789");
		if (n >= 1 && n <= 24) {
			buf_addc(set, '\n');
			buf_add(set, s, n);
		}
		s += n ? n : 1;
	}
}

bool
local_nums_allow(const struct buf *set, const char *run, size_t n, bool whole)
{
	char key[32];
	if (n == 0)
		return true;
	if (n + 2 >= sizeof key)
		return false;
	key[0] = '\n';
	memcpy(key + 1, run, n);
	key[n + 1] = '\n';
	if (str_find(buf_str(set), set->len, key, n + (whole ? 2 : 1)))
		return true;
	return n == 1 && !str_find(buf_str(set), set->len, key, 2);
}

/* How many entries a result lists: its lines but a blank one, conch's
 * notes ("[exit 0]") and wc's total. */
size_t
lc_result_entries(const char *t)
{
	const char *e;
	size_t n = 0;
	for (; t && *t; t = *e ? e + 1 : e) {
		e = strchr(t, '\n');
		e = e ? e : t + strlen(t);
		if (e == t || (*t == '[' && e[-1] == ']') ||
		    (e - t >= 6 && memcmp(e - 6, " total", 6) == 0))
			continue;
		n++;
	}
	return n;
}

size_t
local_copy_numbers(const struct local_copy *cp, const char *lead,
		   char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *s = buf_str(&cp->nums), *p, *e;
	size_t n = 0, ll = strlen(lead), k, i;

	for (p = s; n < max && p < s + cp->nums.len; p = e) {
		p += *p == '\n';
		e = memchr(p, '\n', cp->nums.len - (size_t)(p - s));
		e = e ? e : s + cp->nums.len;
		k = (size_t)(e - p);
		if (k == 0 || ll + k > LOCAL_FOLLOW_LEN)
			continue;
		memcpy(out[n], lead, ll);
		memcpy(out[n] + ll, p, k);
		out[n][ll + k] = '\0';
		for (i = 0; i < n && strcmp(out[i], out[n]) != 0; i++)
			;
		n += i == n;
	}
	return n;
}

/* The request's digit runs in order: at most max, each at most 9 digits
 * long; returns how many. */
static size_t
request_numbers(const struct local_copy *cp, unsigned long *v, size_t max)
{
	const char *t = buf_str(&cp->said) + cp->ask, *e = buf_str(&cp->said) + cp->said.len;
	size_t n = 0, k;

	while (t < e && n < max) {
		if (!lc_digit(*t) || (t > buf_str(&cp->said) + cp->ask && lc_word(t[-1]))) {
			t++;
			continue;
		}
		for (k = 0; t + k < e && lc_digit(t[k]); k++)
			;
		if (k <= 9 && (t + k == e || !lc_word(t[k])))
			v[n++] = strtoul(t, NULL, 10);
		t += k;
	}
	return n;
}

/* For each number of the request and the next, no smaller, the count of
 * lines from one to the other, held. */
void
lc_range_counts(struct local_copy *cp)
{
	unsigned long v[16];
	size_t n = request_numbers(cp, v, 16), i;
	char nb[24];

	for (i = 0; i + 1 < n; i++)
		if (v[i + 1] >= v[i]) {
			snprintf(nb, sizeof nb, "%lu", v[i + 1] - v[i] + 1);
			local_nums_collect(&cp->nums, nb);
		}
}

size_t
local_copy_range_limit(const struct local_copy *cp, const char *r, size_t rlen,
		       char (*out)[LOCAL_FOLLOW_LEN + 1])
{
	static const char lim[] = "\"limit\": ", off[] = "\"offset\": ";
	unsigned long v[16], a;
	const char *call = NULL, *p, *d = r + rlen;
	size_t n, i, dn, cl;
	char want[24];

	static const char rd[] = "\"name\": \"read\"";
	for (p = r; (p = str_find(p, rlen - (size_t)(p - r), rd, sizeof rd - 1)) != NULL; p++)
		call = p;
	while (d > r && lc_digit(d[-1]))
		d--;
	dn = (size_t)(r + rlen - d);
	if (!call || (size_t)(d - call) < sizeof lim || memcmp(d - (sizeof lim - 1), lim, sizeof lim - 1) != 0)
		return 0;
	p = str_find(call, (size_t)(d - call), off, sizeof off - 1);
	if (!p || !lc_digit(p[sizeof off - 1]))
		return 0;
	a = strtoul(p + sizeof off - 1, NULL, 10);
	n = request_numbers(cp, v, 16);
	for (i = 0; i + 1 < n && v[i] != a; i++)
		;
	if (i + 1 >= n || v[i + 1] < a)
		return 0;
	cl = (size_t)snprintf(want, sizeof want, "%lu", v[i + 1] - a + 1);
	if (dn >= cl || memcmp(want, d, dn) != 0)
		return 0;
	memcpy(out[0], want + dn, cl - dn + 1);
	return 1;
}

