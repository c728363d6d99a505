/* local-copy.c: the copy constraint of models trained for conch.
 *
 * A small model trained for conch (one that carries its own system
 * prompt) picks the right tools and writes the right shape of answer,
 * but miscopies what the request and the tools returned: it writes "151
 * files" for 110, or a name it saw in training for the one in front of
 * it.  As the tool-call grammar does the formatting of calls, this
 * constraint does the copying, in answers and in call arguments alike:
 *   - a run of digits must be a number the conversation holds (the
 *     user's words and the tool results), or a single digit that starts
 *     none of them (the model counts small lists itself);
 *   - a word (a run of letters, digits and '_' with a letter) must be a
 *     whole word of the conversation ("side" is not one of "inside"), or
 *     one of the model's own words: those its
 *     training replies use without having read them (GGUF key
 *     conch.free_words: "files", "contains", "lines", tool and argument
 *     names ...).  A single letter is free, except a lone one (after a
 *     blank) in an answer (not a call: "wc -l"): it too must be a word
 *     of the conversation or a free one, when the free words hold any
 *     single letter ("I", "a": the lists tools/train/export.py writes
 *     now).  "- m no/x.rb" is how a small model drops out of
 *     "- model/x.rb".
 * An escape in a JSON string ("\n") ends a word.  Remote models and
 * other GGUF files are never constrained.
 *
 * local_copy_follow finds where the reply is copying from, so that the
 * provider can keep a copy going ("the green l..." is how a small model
 * drops out of "the green light means ready").  This file also builds
 * the set of one request (the names, quoted texts, result lines and, with
 * local_copy_where, what is there) that the argument rules of
 * local-args.c read. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/local-copy-int.h"
#include "util/str.h"
#include "util/xalloc.h"

#define RUN_MAX 64

/* Is c a blank of a tool result's layout? */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* ---- words ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first of the sorted words v[0..nv) that starts with run[0..n)
 * (run itself, if there), or nv. */
size_t
lc_first_with(char *const *v, size_t nv, const char *run, size_t n)
{
	size_t lo = 0, hi = nv;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strncmp(v[mid], run, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nv && strncmp(v[lo], run, n) == 0 ? lo : nv;
}

/* Is run[0..n) one of the sorted words v[0..nv) (`whole`), or a prefix
 * of one? */
bool
lc_in_words(char *const *v, size_t nv, const char *run, size_t n, bool whole)
{
	size_t i = lc_first_with(v, nv, run, n);
	return i < nv && (!whole || v[i][n] == '\0');
}

bool
local_words_allow(const struct local_copy *cp, const char *run, size_t n, bool whole)
{
	size_t i;
	bool letter = false;
	for (i = 0; i < n; i++)
		letter |= !lc_digit(run[i]);
	if (!letter || n <= 1 || !cp->words)
		return true; /* numbers are the other rule's (letters: word_ok's) */
	return lc_in_words(cp->held, cp->nheld, run, n, whole) ||
	       lc_in_words(cp->free, cp->nfree, run, n, whole);
}

/* ---- the set of one request ---- */

static void
sort_unique(char **v, size_t *n)
{
	size_t k, j;
	local_copy_sort(v, *n);
	for (k = j = 0; k < *n; k++) {
		if (j && strcmp(v[j - 1], v[k]) == 0) {
			free(v[k]);
			continue;
		}
		v[j++] = v[k];
	}
	*n = j;
}

/* Append a copy of s[0..len) to the list v[0..*n) of capacity *cap. */
static void
names_add(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	*v = xgrow(*v, *n + 1, cap, 64, sizeof **v);
	(*v)[(*n)++] = xstrndup(s, len);
}

/* The words of cp->text (runs of letters, digits and '_'), sorted, each
 * once. */
static void
held_words(struct local_copy *cp)
{
	const char *t = buf_str(&cp->text);
	size_t i = 0, n = cp->text.len, cap = 0;

	while (i < n) {
		size_t s = i;
		while (i < n && lc_word(t[i]))
			i++;
		if (i > s && i - s < RUN_MAX)
			names_add(&cp->held, &cp->nheld, &cap, t + s, i - s);
		if (i == s)
			i++;
	}
	sort_unique(cp->held, &cp->nheld);
}

/* ---- path arguments ---- */

/* Add the name s[0..n) (`line`: a whole line of a tool result). */
static void
add_path(struct local_copy *cp, size_t *cap, size_t *fcap, const char *s, size_t n,
	 bool line)
{
	while (n > 0 && strchr(".?!", s[n - 1]) && !(n == 1 && s[0] == '.'))
		n--; /* the end of a sentence, but "." itself stays */
	if (n == 0 || n > 255 || memchr(s, '\\', n))
		return;
	names_add(&cp->paths, &cp->npaths, cap, s, n);
	if (line || (n > 1 && (memchr(s, '/', n) || memchr(s + 1, '.', n - 1))))
		names_add(&cp->files, &cp->nfiles, fcap, s, n);
	if (n > 1 && s[n - 1] == '/')
		add_path(cp, cap, fcap, s, n - 1, line);
}

bool
lc_stop(char c)
{
	return (unsigned char)c <= ' ' || strchr("\"'`()[]{}<>,;:|", c);
}

bool
lc_names_ok(char *const *v, size_t nv, const char *s, size_t n, bool whole)
{
	return nv == 0 || lc_in_words(v, nv, s, n, whole);
}

/* Does v[0..n) stand in t[0..tn) from a word boundary (and, `whole`,
 * to one)? */
bool
lc_part_of(const char *t, size_t tn, const char *v, size_t n, bool whole)
{
	const char *p;
	if (n == 0) /* stands anywhere (and v[n - 1] is not there) */
		return true;
	for (p = t; (p = str_find(p, tn - (size_t)(p - t), v, n)) != NULL; p++) {
		size_t end = (size_t)(p - t) + n;
		if (p > t && lc_word(p[-1]) && lc_word(v[0]))
			continue;
		if (!whole || end == tn || !lc_word(t[end]) || !lc_word(v[n - 1]))
			return true;
	}
	return false;
}

/* Does v[0..n) stand in t[0..tn) from the start of a field (what
 * follows a path_stop byte) and, `whole`, to the end of one (before a
 * path_stop byte, or a '.', '?', '!' or ',' that ends a sentence)?
 * "build" does not stand so in "build.sh". */
bool
lc_fields_of(const char *t, size_t tn, const char *v, size_t n, bool whole)
{
	const char *p;
	for (p = t; (p = str_find(p, tn - (size_t)(p - t), v, n)) != NULL; p++) {
		size_t end = (size_t)(p - t) + n;
		if (p > t && !lc_stop(p[-1]))
			continue;
		if (!whole || end == tn || lc_stop(t[end]) ||
		    (strchr(".?!,", t[end]) && (end + 1 == tn || lc_stop(t[end + 1]))))
			return true;
	}
	return false;
}

/* The names of text (`result`: a tool's): its fields between path_stop
 * bytes, except in a quoted text with a blank in it, and in a result's
 * lines that conch writes in brackets ("[exit 0]"). */
static void
path_names(struct local_copy *cp, size_t *cap, size_t *fcap, const char *t, bool result)
{
	size_t i = 0, n = strlen(t);
	while (i < n) {
		size_t s = i;
		if (result && t[i] == '[' && (i == 0 || t[i - 1] == '\n')) {
			/* conch's notes on a result ("[exit 0]") name nothing */
			const char *e = memchr(t + i, '\n', n - i);
			size_t end = e ? (size_t)(e - t) : n;
			if (end > i + 1 && t[end - 1] == ']') {
				i = end;
				continue;
			}
		}
		if (t[i] == '"') {
			const char *q = memchr(t + i + 1, '"', n - i - 1);
			size_t e = q ? (size_t)(q - t) : n;
			if (q && memchr(t + i + 1, ' ', e - i - 1)) {
				i = e + 1;
				continue;
			}
		}
		while (i < n && !lc_stop(t[i]))
			i++;
		if (i > s)
			add_path(cp, cap, fcap, t + s, i - s,
				 result && (s == 0 || t[s - 1] == '\n') &&
					 (i == n || t[i] == '\n'));
		else
			i++;
	}
}

/* The texts t quotes ("..." without a '\\' or a control byte), each
 * line of one that writes lines as "one / two", with the line that must
 * follow it (cp->qnext). */
static void
quoted_texts(struct local_copy *cp, size_t *cap, size_t *ncap, const char *t)
{
	const char *q, *e, *s, *sep;
	for (q = strchr(t, '"'); q && (e = strchr(q + 1, '"')) != NULL; q = strchr(e + 1, '"')) {
		size_t n = (size_t)(e - q - 1), i, first = cp->nquoted;
		for (i = 0; i < n && (unsigned char)q[1 + i] >= ' ' && q[1 + i] != '\\'; i++)
			;
		if (n == 0 || n >= sizeof ((struct local_arg_run *)0)->v || i < n)
			continue;
		for (s = q + 1; (sep = str_find(s, (size_t)(e - s), " / ", 3)) != NULL; s = sep + 3)
			if (sep > s)
				names_add(&cp->quoted, &cp->nquoted, cap, s, (size_t)(sep - s));
		if (e > s)
			names_add(&cp->quoted, &cp->nquoted, cap, s, (size_t)(e - s));
		for (i = first; i + 1 < cp->nquoted; i++) {
			names_add(&cp->qnext, &cp->nqnext, ncap, cp->quoted[i],
				  strlen(cp->quoted[i]));
			names_add(&cp->qnext, &cp->nqnext, ncap, cp->quoted[i + 1],
				  strlen(cp->quoted[i + 1]));
		}
	}
}

void
local_copy_fields(struct local_copy *cp, char *const *fields, size_t n)
{
	cp->ffree = (char **)fields;
	cp->nffree = fields ? n : 0;
}

/* The lines of a tool result t (cp->lines): each whole, and what
 * follows its first tab; of read's numbered lines ("     2\tx"), only
 * their text. */
static void
result_lines(struct local_copy *cp, size_t *cap, const char *t)
{
	const char *e, *tab, *p, *d;
	for (; t && *t; t = *e ? e + 1 : e) {
		e = strchr(t, '\n');
		e = e ? e : t + strlen(t);
		if (*t == '[' && e > t + 1 && e[-1] == ']')
			continue; /* conch's note ("[exit 0]"), not the tool's output */
		tab = memchr(t, '\t', (size_t)(e - t));
		for (d = t; d < e && *d == ' '; d++)
			;
		for (p = d; p < e && lc_digit(*p); p++)
			;
		if (!tab || p != tab || p == d)
			names_add(&cp->lines, &cp->nlines, cap, t, (size_t)(e - t));
		if (tab)
			names_add(&cp->lines, &cp->nlines, cap, tab + 1, (size_t)(e - tab - 1));
	}
}

/* The parts of the names between '/'s (cp->segs). */
static void
name_parts(struct local_copy *cp)
{
	size_t i, cap = 0;
	for (i = 0; i < cp->npaths; i++) {
		const char *p = cp->paths[i], *e;
		for (; *p; p = *e ? e + 1 : e) {
			e = strchr(p, '/');
			e = e ? e : p + strlen(p);
			if (e > p)
				names_add(&cp->segs, &cp->nsegs, &cap, p, (size_t)(e - p));
		}
	}
	sort_unique(cp->segs, &cp->nsegs);
}

/* Do the user's words give s as a path: a whole name of theirs, with a
 * '/' or an inner '.'? */
static bool
given_path(const struct local_copy *cp, const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || !(strchr(s, '/') || memchr(s + 1, '.', n - 1)))
		return false;
	return lc_part_of(buf_str(&cp->said), cp->said.len, s, n, true);
}

/* The extensions of the names under dir (not in dot directories), at
 * most EXT_WALK entries, EXT_DEPTH levels deep: a large tree costs a
 * few milliseconds a turn. */
#define EXT_WALK 4000
#define EXT_DEPTH 8

static void
ext_walk(struct local_copy *cp, size_t *cap, const char *dir, int depth, size_t *seen)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while (*seen < EXT_WALK && (e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		size_t i;
		if (e->d_name[0] == '.')
			continue;
		(*seen)++;
		if (e->d_type == DT_DIR && depth < EXT_DEPTH) {
			char *sub = xasprintf("%s/%s", dir, e->d_name);
			ext_walk(cp, cap, sub, depth + 1, seen);
			free(sub);
			continue;
		}
		if (!dot || dot == e->d_name || !dot[1] || strlen(dot + 1) > 8)
			continue;
		for (i = 0; i < cp->nexts && strcmp(cp->exts[i], dot + 1) != 0; i++)
			;
		if (i == cp->nexts)
			names_add(&cp->exts, &cp->nexts, cap, dot + 1, strlen(dot + 1));
	}
	closedir(d);
}

void
local_copy_where(struct local_copy *cp, const char *dir)
{
	size_t i, cap = 0, rcap = 0, dcap = 0, tcap = 0;
	bool any = false;
	int fd;

	if (dir && !cp->dir) {
		size_t seen = 0, ecap = 0;
		cp->dir = xstrdup(dir);
		ext_walk(cp, &ecap, dir, 0, &seen);
		local_copy_sort(cp->exts, cp->nexts);
	}
	if (!dir || !cp->npaths || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	for (i = 0; i < cp->npaths; i++) { /* sorted, so these are too */
		const char *s = cp->paths[i];
		struct stat st;
		bool there = fstatat(fd, s, &st, 0) == 0;
		if (!there && !given_path(cp, s))
			continue;
		names_add(&cp->real, &cp->nreal, &cap, s, strlen(s));
		if (!there || S_ISREG(st.st_mode))
			names_add(&cp->regs, &cp->nregs, &rcap, s, strlen(s));
		if (there && S_ISREG(st.st_mode))
			names_add(&cp->there, &cp->nthere, &tcap, s, strlen(s));
		if (there && S_ISDIR(st.st_mode))
			names_add(&cp->dirs, &cp->ndirs, &dcap, s, strlen(s));
		if (there && S_ISDIR(st.st_mode) && strcmp(s, ".") != 0 &&
		    lc_fields_of(buf_str(&cp->said) + cp->ask, cp->said.len - cp->ask, s, strlen(s), true))
			cp->asked = true;
		any |= strcmp(s, ".") != 0;
	}
	close(fd);
	cp->named = any;
}

void
local_copy_init(struct local_copy *cp, const struct conv *c, char *const *free_words,
		size_t nfree)
{
	size_t i, j, pcap = 0, fcap = 0, qcap = 0, ncap = 0, lcap = 0, ccap = 0;
	memset(cp, 0, sizeof *cp);
	for (i = 0; c && i < c->n; i++) {
		const struct conv_msg *m = &c->msgs[i];
		for (j = 0; j < m->nblocks; j++) {
			const struct conv_block *b = &m->blocks[j];
			if (m->role == CONV_USER &&
			    (b->type == BLK_TEXT || b->type == BLK_TOOL_RESULT)) {
				if (b->type == BLK_TOOL_RESULT) {
					char nb[24];
					cp->last = cp->text.len;
					result_lines(cp, &lcap, b->text);
					cp->entries = lc_result_entries(b->text);
					snprintf(nb, sizeof nb, "%zu", cp->entries);
					if (cp->entries)
						local_nums_collect(&cp->nums, nb);
					buf_printf(&cp->results, "%s\n", b->text ? b->text : "");
				}
				local_nums_collect(&cp->nums, b->text);
				if (b->text)
					path_names(cp, &pcap, &fcap, b->text,
						   b->type == BLK_TOOL_RESULT);
				if (b->text && b->type == BLK_TEXT) {
					cp->ask = cp->said.len;
					quoted_texts(cp, &qcap, &ncap, b->text);
					buf_printf(&cp->said, "%s\n", b->text);
				}
				buf_printf(&cp->text, "%s\n", b->text ? b->text : "");
			} else if (b->type == BLK_TOOL_CALL) {
				const cJSON *cmd = b->name && strcmp(b->name, "bash") == 0
							   ? cJSON_GetObjectItemCaseSensitive(b->args_json,
											      "command")
							   : NULL;
				buf_printf(&cp->text, "%s\n", b->args ? b->args : "");
				if (cJSON_IsString(cmd) && *cmd->valuestring)
					names_add(&cp->cmds, &cp->ncmds, &ccap, cmd->valuestring,
						  strlen(cmd->valuestring));
			}
		}
	}
	lc_range_counts(cp);
	if (cp->nums.len)
		buf_addc(&cp->nums, '\n');
	held_words(cp);
	if (cp->npaths) {
		add_path(cp, &pcap, &fcap, ".", 1, false);
		sort_unique(cp->paths, &cp->npaths);
		sort_unique(cp->files, &cp->nfiles);
	}
	name_parts(cp);
	sort_unique(cp->lines, &cp->nlines);
	sort_unique(cp->quoted, &cp->nquoted);
	if (free_words && nfree) {
		cp->free = (char **)free_words;
		cp->nfree = nfree;
		cp->words = true;
		for (i = 0; i < nfree && !cp->letters; i++)
			cp->letters = free_words[i][0] && !free_words[i][1];
	}
}

void
local_copy_free(struct local_copy *cp)
{
	strv_free(cp->held, cp->nheld);
	strv_free(cp->paths, cp->npaths);
	strv_free(cp->files, cp->nfiles);
	strv_free(cp->real, cp->nreal);
	strv_free(cp->regs, cp->nregs);
	strv_free(cp->dirs, cp->ndirs);
	strv_free(cp->there, cp->nthere);
	strv_free(cp->segs, cp->nsegs);
	strv_free(cp->lines, cp->nlines);
	strv_free(cp->quoted, cp->nquoted);
	strv_free(cp->qnext, cp->nqnext);
	strv_free(cp->cmds, cp->ncmds);
	strv_free(cp->exts, cp->nexts);
	buf_free(&cp->nums);
	buf_free(&cp->text);
	buf_free(&cp->said);
	buf_free(&cp->results);
	free(cp->dir);
	free(cp->edit_path);
	free(cp->edit_old);
	buf_free(&cp->edit_text);
	memset(cp, 0, sizeof *cp);
}

void
local_copy_sort(char **words, size_t n)
{
	if (n > 1) /* qsort may not be given NULL, even for none */
		qsort(words, n, sizeof *words, cmp_str);
}

enum { I_LEAD, I_FIELD, I_REST };

/* Byte c of an answer, for the fence rule: false when it breaks it (no
 * cp: only follow the fences). */
static bool
fence_feed(const struct local_copy *cp, struct local_copy_tail *at, char c)
{
	bool ok = true, mark;
	if (c != '\n') {
		if (at->fln < sizeof at->fl)
			at->fl[at->fln] = c;
		at->fln++;
		if (!cp || !at->fence || at->fln > sizeof at->fl)
			return true;
		return (at->fln <= 3 && strncmp(at->fl, "```", at->fln) == 0) ||
		       lc_in_words(cp->lines, cp->nlines, at->fl, at->fln, false);
	}
	mark = at->fln >= 3 && at->fln <= sizeof at->fl && strncmp(at->fl, "```", 3) == 0;
	if (cp && at->fence && !mark && at->fln <= sizeof at->fl) {
		at->fl[at->fln < sizeof at->fl ? at->fln : 0] = '\0';
		ok = at->fln < sizeof at->fl && lc_in_words(cp->lines, cp->nlines, at->fl, at->fln, true);
	}
	if (mark)
		at->fence = !at->fence;
	at->fln = 0;
	return ok;
}

/* Is s[0..n) (`whole`), or does it begin, the first field of a list
 * item: a held name, not a number ("- 1 Markdown files")? */
static bool
item_name(const struct local_copy *cp, const char *s, size_t n, bool whole)
{
	size_t i, k;
	if (!cp->npaths)
		return true;
	for (i = lc_first_with(cp->paths, cp->npaths, s, n);
	     i < cp->npaths && strncmp(cp->paths[i], s, n) == 0; i++) {
		const char *p = cp->paths[i];
		for (k = 0; lc_digit(p[k]); k++)
			;
		if (p[k] && (!whole || p[n] == '\0'))
			return true;
	}
	return false;
}

/* Byte c of an answer's line, for the item rule: false when it breaks
 * it (no cp: only follow the line). */
static bool
item_feed(const struct local_copy *cp, struct local_copy_tail *at, char c)
{
	struct local_arg_run r;
	bool ok = true;

	if (c == '\n') {
		if (cp && at->imode == I_FIELD && at->in > 0)
			ok = item_name(cp, at->item, at->in, true);
		at->col = at->in = 0;
		at->imode = I_LEAD;
		return ok;
	}
	if (at->imode == I_LEAD) {
		if (at->col < 2)
			at->lead[at->col] = c;
		at->col++;
		if (at->col == 2)
			at->imode = at->lead[0] == '-' && at->lead[1] == ' ' ? I_FIELD : I_REST;
		return true;
	}
	if (at->imode == I_REST)
		return true;
	memcpy(r.v, at->item, at->in);
	r.n = at->in;
	if (lc_stop(c)) { /* the first field ends */
		at->imode = I_REST;
		return !cp || r.n == 0 || item_name(cp, r.v, r.n, true);
	}
	if (at->in + 1 >= sizeof at->item) {
		at->imode = I_REST;
		return !cp;
	}
	at->item[at->in++] = c;
	r.v[r.n++] = c;
	return !cp || item_name(cp, r.v, r.n, false);
}

void
local_copy_at(const char *r, size_t len, struct local_copy_tail *at)
{
	size_t k = 0;
	while (k < len && k < 24 && lc_digit(r[len - 1 - k]))
		k++;
	memcpy(at->num, r + len - k, k);
	at->nn = k;
	k = 0;
	while (k < len && k < RUN_MAX - 1 && lc_word(r[len - 1 - k]))
		k++;
	/* "\nfoo": the escape's letter is not part of the word */
	if (k && k < len && r[len - 1 - k] == '\\')
		k--;
	memcpy(at->word, r + len - k, k);
	at->wn = k;
	at->lone = k == len || is_blank(r[len - 1 - k]);
	/* the fences, and the last line for the item rule */
	at->fence = false;
	at->fln = 0;
	for (k = 0; k < len; k++)
		fence_feed(NULL, at, r[k]);
	for (k = len; k > 0 && r[k - 1] != '\n'; k--)
		;
	at->col = at->in = 0;
	at->imode = I_LEAD;
	for (; k < len; k++)
		item_feed(NULL, at, r[k]);
	at->esc = len && r[len - 1] == '\\' && !(len > 1 && r[len - 2] == '\\');
}

/* local_words_allow, and the rule for a lone letter (`lone`: the word
 * began after a blank) that ends in an answer. */
static bool
word_ok(const struct local_copy *cp, const char *w, size_t n, bool whole, bool lone)
{
	if (n == 1 && whole && lone && cp->letters && cp->answer && lc_word(w[0]) &&
	    !lc_digit(w[0]))
		return lc_in_words(cp->held, cp->nheld, w, n, true) ||
		       lc_in_words(cp->free, cp->nfree, w, n, true);
	return local_words_allow(cp, w, n, whole);
}

/* A digit run ends (whole) or grows: may it?  Off without held numbers. */
static bool
num_ok(const struct local_copy *cp, const char *num, size_t nn, bool whole)
{
	return !cp->nums.len || local_nums_allow(&cp->nums, num, nn, whole);
}

bool
local_copy_ok_at(const struct local_copy *cp, const struct local_copy_tail *at,
		 const char *piece, size_t plen, bool end)
{
	char num[32], word[RUN_MAX];
	size_t nn = at->nn, wn = at->wn, k;
	bool esc = at->esc, lone = at->lone;

	if (!cp->nums.len && !cp->words)
		return true;
	if (cp->answer && cp->words && (at->imode != I_REST || memchr(piece, '\n', plen))) {
		struct local_copy_tail it = *at;
		for (k = 0; k < plen; k++)
			if (!item_feed(cp, &it, piece[k]))
				return false;
		if (end && !item_feed(cp, &it, '\n'))
			return false;
	}
	if (cp->answer && cp->words && cp->nlines) {
		struct local_copy_tail ft = *at;
		for (k = 0; k < plen; k++)
			if (!fence_feed(cp, &ft, piece[k]))
				return false;
		if (end && ft.fln && !fence_feed(cp, &ft, '\n'))
			return false;
	}
	memcpy(num, at->num, nn);
	memcpy(word, at->word, wn);
	for (k = 0; k < plen; k++) {
		char c = piece[k];
		if (esc) { /* an escape's letter: ends both runs */
			esc = false;
			if (!num_ok(cp, num, nn, true) || !word_ok(cp, word, wn, true, lone))
				return false;
			nn = wn = 0;
			continue;
		}
		if (lc_digit(c)) {
			if (nn + 1 >= sizeof num)
				return false;
			num[nn++] = c;
			if (!num_ok(cp, num, nn, false))
				return false;
		} else {
			if (!num_ok(cp, num, nn, true))
				return false;
			nn = 0;
		}
		if (lc_word(c)) {
			if (wn + 1 >= sizeof word)
				return false;
			if (wn == 0) /* a word begins: after a blank? */
				lone = k ? is_blank(piece[k - 1]) : at->wn == 0 && at->lone;
			word[wn++] = c;
			if (!local_words_allow(cp, word, wn, false))
				return false;
		} else {
			if (!word_ok(cp, word, wn, true, lone))
				return false;
			wn = 0;
		}
		esc = c == '\\';
	}
	return !end || (num_ok(cp, num, nn, true) && word_ok(cp, word, wn, true, lone));
}

bool
local_copy_ok(const struct local_copy *cp, const char *reply, size_t rlen,
	      const char *piece, size_t plen, bool end)
{
	struct local_copy_tail at;
	local_copy_at(reply, rlen, &at);
	return local_copy_ok_at(cp, &at, piece, plen, end);
}

/* Does text go on with a word from here? */
static bool
goes_on(const char *t, size_t n)
{
	if (n == 0)
		return false;
	if (lc_word(t[0]))
		return true;
	return n > 1 && strchr(" /._-", t[0]) && lc_word(t[1]);
}

size_t
local_copy_follow(const struct local_copy *cp, const char *r, size_t rlen,
		  char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *t = buf_str(&cp->text), *key, *p;
	size_t tn = cp->text.len, best = 0, nout = 0, i;

	if (rlen < LOCAL_FOLLOW_MIN || tn == 0 || max == 0)
		return 0;
	key = r + rlen - LOCAL_FOLLOW_MIN;
	for (p = t; (p = str_find(p, tn - (size_t)(p - t), key, LOCAL_FOLLOW_MIN)) != NULL;
	     p++) {
		size_t end = (size_t)(p - t) + LOCAL_FOLLOW_MIN, len = LOCAL_FOLLOW_MIN, k;
		/* how far back the match goes */
		while (len < rlen && len < end && t[end - len - 1] == r[rlen - len - 1])
			len++;
		if (len < best || !goes_on(t + end, tn - end))
			continue;
		if (len > best) {
			best = len;
			nout = 0;
		}
		k = tn - end < LOCAL_FOLLOW_LEN ? tn - end : LOCAL_FOLLOW_LEN;
		if (nout == max)
			continue;
		for (i = 0; i < nout; i++)
			if (strncmp(out[i], t + end, k) == 0 && out[i][k] == '\0')
				break;
		if (i < nout)
			continue;
		memcpy(out[nout], t + end, k);
		out[nout][k] = '\0';
		nout++;
	}
	return nout;
}


/* Where the reply's last line starts (*ls) and the line before it
 * (*ps); false when the reply is one line. */
static bool
last_lines(const char *r, size_t rlen, size_t *ls, size_t *ps)
{
	size_t l = rlen, p;
	while (l > 0 && r[l - 1] != '\n')
		l--;
	if (l == 0)
		return false;
	for (p = l - 1; p > 0 && r[p - 1] != '\n'; p--)
		;
	*ls = l;
	*ps = p;
	return true;
}

/* Is the line at t[0..n) wc's sum ("  16 total"), no entry of a list? */
static bool
wc_total(const char *t, size_t n)
{
	size_t i = 0, d;
	while (i < n && t[i] == ' ')
		i++;
	for (d = i; i < n && lc_digit(t[i]); i++)
		;
	return i > d && n - i >= 6 && memcmp(t + i, " total", 6) == 0 &&
	       (n - i == 6 || t[i + 6] == '\n');
}

size_t
local_copy_next_line(const struct local_copy *cp, const char *r, size_t rlen,
		     char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *t = buf_str(&cp->text), *p, *x;
	size_t tn = cp->text.len, ls, ps, bl, cl, rest, xl, nout = 0, i;

	/* the line begun holds part of the bullet of the line before */
	if (tn == 0 || !last_lines(r, rlen, &ls, &ps))
		return 0;
	for (bl = 0; ps + bl < ls - 1 && bl < 4 && strchr(" -*", r[ps + bl]); bl++)
		;
	cl = rlen - ls;
	if (cl > bl || memcmp(r + ls, r + ps, cl) != 0)
		return 0;
	rest = bl - cl; /* what the bullet still lacks */
	x = r + ps + bl;
	xl = ls - 1 - ps - bl;
	if (xl < 2 || xl > 256)
		return 0;
	for (p = t; nout < max && (p = str_find(p, tn - (size_t)(p - t), x, xl)) != NULL; p++) {
		size_t at = (size_t)(p - t), end = at + xl, bol = at, col, nl, k;
		if ((at > 0 && !is_blank(t[at - 1])) || (end < tn && !is_blank(t[end])))
			continue;
		while (bol > 0 && t[bol - 1] != '\n')
			bol--;
		col = at - bol;
		for (nl = end; nl < tn && t[nl] != '\n'; nl++)
			;
		nl++; /* the next line, which must reach the column */
		if (nl + col >= tn || memchr(t + nl, '\n', col))
			continue;
		for (k = 0; rest + k < LOCAL_FOLLOW_LEN && nl + col + k < tn &&
			    t[nl + col + k] != '\n'; k++)
			;
		if (!goes_on(t + nl + col, k) || wc_total(t + nl, tn - nl))
			continue;
		memcpy(out[nout], r + ps + cl, rest);
		memcpy(out[nout] + rest, t + nl + col, k);
		out[nout][rest + k] = '\0';
		for (i = 0; i < nout; i++)
			if (strcmp(out[i], out[nout]) == 0)
				break;
		nout += i == nout;
	}
	return nout;
}

size_t
local_copy_first_item(const struct local_copy *cp, const char *r, size_t rlen,
		      char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *t = buf_str(&cp->text) + cp->last;
	size_t tn = cp->text.len - cp->last, ls, ps, cl, eol, at, nout = 0, k;
	static const char bullet[] = "- ";

	bool one = !last_lines(r, rlen, &ls, &ps); /* the reply's first line */

	if (one)
		ls = 0;
	cl = rlen - ls;
	if (cl == 0 || cl > 2 || memcmp(r + ls, bullet, cl) != 0)
		return 0;
	if (!one && (r[ps] == '-' || r[ps] == '*' || ls - 1 == ps))
		return 0; /* the line before is an item: local_copy_next_line's */
	for (eol = 0; eol < tn && t[eol] != '\n'; eol++)
		;
	for (at = 0; at < eol && nout < max; at++) {
		if (at > 0 && !(is_blank(t[at - 1]) && !is_blank(t[at])))
			continue;
		for (k = 0; 2 - cl + k < LOCAL_FOLLOW_LEN && at + k < eol; k++)
			;
		if (!goes_on(t + at, k))
			continue;
		memcpy(out[nout], bullet + cl, 2 - cl);
		memcpy(out[nout] + 2 - cl, t + at, k);
		out[nout][2 - cl + k] = '\0';
		nout++;
	}
	return nout;
}

bool
local_copy_repeats(const char *r, size_t rlen, const char *piece, size_t plen)
{
	size_t n = rlen + plen, p, k;
	for (p = LOCAL_REPEAT_MIN; p <= LOCAL_REPEAT_MAX && 2 * p <= n; p++) {
		/* R = r + piece: is R[n-2p, n-p) equal to R[n-p, n)? */
		for (k = 0; k < p; k++) {
			size_t i = n - 2 * p + k, j = n - p + k;
			char a = i < rlen ? r[i] : piece[i - rlen], b = j < rlen ? r[j] : piece[j - rlen];
			if (a != b)
				break;
		}
		if (k == p)
			return true;
	}
	return false;
}
