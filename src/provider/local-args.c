/* local-args.c: the rules for the arguments of a call that a model
 * trained for conch writes (local_arg_feed, local.h): paths name what
 * the conversation holds and, where the tools run, what is there;
 * commands are made of held names and the model's own fields, in the
 * shape of its own commands; glob patterns, texts to write, to search
 * for and to replace come from where they can.  The grammar does the
 * formatting of a call, these rules what goes into it. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "provider/local-copy-int.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

/* The line that must follow the quoted line v[0..n), or NULL, looking
 * from the pair *from of cp->qnext on; *from moves past the pair found,
 * so that "one / one" is two lines, not one without end. */
static const char *
next_line(const struct local_copy *cp, const char *v, size_t n, size_t *from)
{
	size_t i;
	for (i = *from; i + 1 < cp->nqnext; i += 2)
		if (strlen(cp->qnext[i]) == n && memcmp(cp->qnext[i], v, n) == 0) {
			*from = i + 2;
			return cp->qnext[i + 1];
		}
	return NULL;
}

/* Does v[0..n) stand in one of the texts the user quotes? */
static bool
in_quoted(const struct local_copy *cp, const char *v, size_t n)
{
	size_t i;
	for (i = 0; i < cp->nquoted; i++)
		if (str_find(cp->quoted[i], strlen(cp->quoted[i]), v, n))
			return true;
	return false;
}

void
local_copy_edit(struct local_copy *cp, const char *path, const char *old)
{
	free(cp->edit_old);
	cp->edit_old = old ? xstrdup(old) : NULL;
	if (!path || !cp->dir) {
		free(cp->edit_path);
		cp->edit_path = NULL;
		cp->edit_known = false;
		return;
	}
	if (!cp->edit_path || strcmp(cp->edit_path, path) != 0) {
		free(cp->edit_path);
		cp->edit_path = xstrdup(path);
		buf_reset(&cp->edit_text);
		cp->edit_known = lc_read_regular(cp->dir, path, &cp->edit_text);
	}
}

bool
lc_read_regular(const char *dir, const char *path, struct buf *out)
{
	char *full = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
	struct stat st;
	bool ok = stat(full, &st) == 0 && S_ISREG(st.st_mode) && /* a FIFO would block */
		  fs_read_file(full, 1u << 20, out) == C_OK;
	free(full);
	return ok;
}

/* The string value of `key` in the call being written, body[0..n),
 * into out (with its escapes read); false when it is not there or not
 * closed yet. */
static bool
call_value(const char *body, size_t n, const char *key, struct buf *out)
{
	const char *p = body, *end = body + n;
	size_t kn = strlen(key);

	buf_reset(out);
	while ((p = str_find(p, (size_t)(end - p), key, kn)) != NULL) {
		const char *q = p + kn;
		bool after = p > body && p[-1] == '"' && q < end && *q == '"';
		p = q;
		if (!after)
			continue;
		for (q++; q < end && (*q == ' ' || *q == ':'); q++)
			;
		if (q >= end || *q != '"')
			continue;
		for (q++; q < end && *q != '"'; q++) {
			char c = *q;
			if (c == '\\') {
				if (++q >= end)
					return false;
				c = *q == 'n' ? '\n' : *q == 't' ? '\t' : *q;
			}
			buf_add(out, &c, 1);
		}
		return q < end;
	}
	return false;
}

void
local_copy_edit_from(struct local_copy *cp, const char *r, size_t rlen)
{
	const char *call = NULL, *p;
	struct buf name = BUF_INIT, path = BUF_INIT, old = BUF_INIT;
	size_t n;

	for (p = r; (p = str_find(p, rlen - (size_t)(p - r), "<tool_call>", 11)) != NULL; p++)
		call = p + 11;
	n = call ? rlen - (size_t)(call - r) : 0;
	if (call && !str_find(call, n, "</tool_call>", 12) && call_value(call, n, "name", &name) &&
	    strcmp(buf_str(&name), "edit") == 0) {
		bool have = call_value(call, n, "path", &path);
		local_copy_edit(cp, have ? buf_str(&path) : NULL,
				call_value(call, n, "old_string", &old) ? buf_str(&old) : NULL);
	} else {
		local_copy_edit(cp, NULL, NULL);
	}
	buf_free(&name);
	buf_free(&path);
	buf_free(&old);
}

/* Where a command's field stands (local_arg_run.at): its first word,
 * the operands of a command that reads files, of one that takes any
 * path, of find (up to its first test), or elsewhere. */
enum { C_WORD, C_FILES, C_PATHS, C_FIND, C_REST };

static const struct {
	const char *cmd;
	unsigned char at;
} cmd_operands[] = {
	{ "cat", C_FILES },  { "du", C_PATHS },   { "file", C_PATHS }, { "find", C_FIND },
	{ "head", C_FILES }, { "less", C_FILES }, { "ls", C_PATHS },   { "md5sum", C_FILES },
	{ "more", C_FILES }, { "nl", C_FILES },   { "sha256sum", C_FILES },
	{ "sort", C_FILES }, { "stat", C_PATHS }, { "tac", C_FILES },  { "tail", C_FILES },
	{ "uniq", C_FILES }, { "wc", C_FILES },
};

/* Does the command so far copy the user's words ("run `cat nothing`")?
 * Then the shape rules of the model's own commands do not hold. */
static bool
copies_request(const struct local_copy *cp, const struct local_arg_run *r)
{
	return lc_part_of(buf_str(&cp->said), cp->said.len, r->all, r->alln, false);
}

/* Does the command so far stand inside a `...` of the user's words (a
 * command the user gives, "run `cat nothing`")?  Then its operands need
 * not be there: the user may run what fails.  A request that only begins
 * like a command ("wc -l for the text files in plugins") gives none. */
static bool
copies_command(const struct local_copy *cp, const struct local_arg_run *r)
{
	const char *s = buf_str(&cp->said), *end = s + cp->said.len, *o, *c;
	for (o = memchr(s, '`', cp->said.len); o && (c = memchr(o + 1, '`', (size_t)(end - o - 1)));
	     o = memchr(c + 1, '`', (size_t)(end - c - 1)))
		if (lc_part_of(o + 1, (size_t)(c - o - 1), r->all, r->alln, false))
			return true;
	return false;
}

/* Is run[0..n) (`whole`), or does it begin, one of the sorted names
 * v[0..nv) that does not stand in used[0..un) yet (and, `nodot`, is not
 * ".")? */
static bool
fresh_name(char *const *v, size_t nv, const char *run, size_t n, bool whole,
	   const char *used, size_t un, bool nodot)
{
	size_t i;
	for (i = lc_first_with(v, nv, run, n); i < nv && strncmp(v[i], run, n) == 0; i++)
		if ((!whole || v[i][n] == '\0') &&
		    !lc_fields_of(used, un, v[i], strlen(v[i]), true) &&
		    !(nodot && strcmp(v[i], ".") == 0))
			return true;
	return false;
}

/* Does the current field stand where a path goes, and want checking? */
static bool
cmd_operand(const struct local_copy *cp, const struct local_arg_run *r)
{
	size_t i;
	if (!cp->nreal || r->inq || r->at == C_WORD || r->at == C_REST ||
	    strchr("-+*", r->v[0]))
		return false;
	for (i = 0; i < r->n && lc_digit(r->v[i]); i++)
		;
	if (i == r->n) /* a number, or one begun */
		return false;
	return !copies_command(cp, r);
}

/* Is the current field of a command one that stands where a file
 * goes, not a flag? */
static bool
cmd_counts(const struct local_arg_run *r)
{
	return r->n && !r->inq && (r->at == C_FILES || r->at == C_PATHS || r->at == C_FIND) &&
	       !strchr("-+(!", r->v[0]);
}

/* Is the name v[0..n) (it holds a '.', '/' or '*') a field of all[0..fs)
 * already? */
static bool
name_again(const char *all, size_t fs, const char *v, size_t n)
{
	const char *p;

	if (!n || (!memchr(v, '.', n) && !memchr(v, '/', n) && !memchr(v, '*', n)))
		return false;
	for (p = all; (p = str_find(p, fs - (size_t)(p - all), v, n)) != NULL; p++)
		if ((p == all || strchr(" |'\"", p[-1])) &&
		    ((size_t)(p - all) + n == fs || strchr(" |'\"", p[n])))
			return true;
	return false;
}

/* May a command's field end with c (0: the command ends)?  Unless the
 * command copies the user's, the model's own commands part their fields
 * with one blank, '|' or a quote ("wc -l ( ( (" is how a lost one
 * loops), open a quote for a flag's value only, give a command that
 * reads files one at the head of a pipe ("wc -l" reads nothing), find a
 * directory to look in first, and name no file or pattern twice ("wc -l
 * a.yml b.yml *.yml *.yml" is how a lost one goes on past a list). */
static bool
cmd_field_end(const struct local_copy *cp, const struct local_arg_run *r, char c)
{
	const char *all = r->all;
	size_t before = c ? r->alln - 1 : r->alln; /* r->all ends in c */

	if (r->alln + 1 >= sizeof r->all || before < r->n) /* too long to tell */
		return true;
	if (r->fs <= before && name_again(all, r->fs, r->v, r->n))
		return false;
	/* a list of a result's entries ends the command, as it began it */
	if (c && r->fs <= before && local_copy_last_operand(cp, all, r->fs, r->v, r->n))
		return false;
	if (copies_request(cp, r))
		return true;
	if (c && (!strchr(" |'", c) || (c == ' ' && before > 0 && all[before - 1] == ' ')))
		return false;
	if ((!c || c == '|') && r->at == C_FILES && !r->piped && !r->nops && !cmd_counts(r))
		return false;
	/* a quote opens a flag's value ("-name '*.sh'") */
	if ((c == '\'' || c == '"') && !r->inq && cp->nreal && !(r->n ? r->v[0] == '-' : r->flag))
		return false;
	/* find names where it looks first ("find '*.sh'") */
	if (r->at == C_FIND && !r->nops && !r->inq && (c == '\'' || c == '"' || !c) &&
	    !cmd_counts(r) && cp->nreal)
		return false;
	return true;
}

/* Does the current field stand where find's directories go (no command
 * the user gives being copied)? */
static bool
cmd_find_dir(const struct local_copy *cp, const struct local_arg_run *r)
{
	return cp->nreal && r->n && !r->inq && !copies_command(cp, r);
}

bool
local_arg_first_file(const struct local_arg_run *r)
{
	return r->at == C_FILES && !r->nops && !r->piped && !r->inq && r->n == 0 && r->alln > 0 &&
	       r->all[r->alln - 1] == ' ';
}

/* A field of a command ends: where does the next one stand? */
static void
cmd_next(struct local_arg_run *r, char sep)
{
	size_t i;
	if (cmd_counts(r))
		r->nops++;
	if (r->n)
		r->flag = r->v[0] == '-';
	if (r->n && !r->inq) {
		r->v[r->n] = '\0';
		if (strcmp(r->v, "&&") == 0 || strcmp(r->v, "||") == 0) {
			r->at = C_WORD;
			r->piped = false;
		} else if (r->at == C_WORD && strcmp(r->v, "xargs") != 0 && r->v[0] != '-') {
			r->at = C_REST;
			r->nops = 0;
			for (i = 0; i < sizeof cmd_operands / sizeof cmd_operands[0]; i++)
				if (strcmp(r->v, cmd_operands[i].cmd) == 0)
					r->at = cmd_operands[i].at;
		} else if (r->at == C_FIND && strchr("-(!", r->v[0])) {
			r->at = C_REST;
		}
	}
	if (sep == '\'' || sep == '"') {
		r->inq = !r->inq;
	} else if (!r->inq && strchr("|;\n", sep)) {
		r->at = C_WORD;
		r->piped = sep == '|';
	}
}

/* Is s[0..n) (the current part of a glob pattern) "**", "*", "*.ext",
 * a part of a held name, or (unless `whole`) the start of one? */
static bool
glob_part_ok(const struct local_copy *cp, const char *s, size_t n, bool whole)
{
	size_t i;
	if (n == 0)
		return !whole;
	if (s[0] == '*' && (n == 1 || (n == 2 && s[1] == '*')))
		return true;
	if (s[0] == '*' && s[1] == '.') {
		for (i = 2; i < n && lc_word(s[i]); i++)
			;
		return i == n && (n > 2 || !whole);
	}
	return lc_in_words(cp->segs, cp->nsegs, s, n, whole);
}

/* Is s[0..n) (`whole`, or the start of) the last part of one of the
 * names v[0..nv) ("spec" of "model/spec/")?  After a wildcard, a glob
 * names what is there ("**" and then "NEWS.txt", not "display" of "find
 * NEWS.txt and display it"). */
static bool
last_part(char *const *v, size_t nv, const char *s, size_t n, bool whole)
{
	size_t i;
	for (i = 0; i < nv; i++) {
		const char *d = v[i], *last;
		size_t dn = strlen(d);
		if (dn && d[dn - 1] == '/')
			dn--;
		for (last = d + dn; last > d && last[-1] != '/'; last--)
			;
		if ((size_t)(d + dn - last) >= n && memcmp(last, s, n) == 0 &&
		    (!whole || (size_t)(d + dn - last) == n))
			return true;
	}
	return false;
}

/* A glob pattern so far (LOCAL_ARG_GLOB): the part a '/' has just
 * ended, or the current one, is "**", "*", "*.ext" or a held name's;
 * before its first wildcard, a pattern names what is there: directories,
 * then a file ("inside/..." for "inside model" is not). */
static bool
glob_ok(const struct local_copy *cp, const struct local_arg_run *r, bool whole)
{
	size_t n = r->n && r->v[r->n - 1] == '/' ? r->n - 1 : r->n;
	const char *part = n ? memrchr(r->v, '/', n) : NULL;

	whole |= n < r->n;
	part = part ? part + 1 : r->v;
	if (!glob_part_ok(cp, part, n - (size_t)(part - r->v), whole) ||
	    (cp->asked && r->n && r->v[0] == '*') ||
	    (cp->asked && r->v[0] == '.' && (r->n == 1 ? whole : r->v[1] == '/')))
		return false; /* the directory named, not all or "." */
	if (!cp->nreal)
		return true;
	if (memchr(r->v, '*', n)) { /* after a wildcard, a part names what is there */
		size_t pn = n - (size_t)(part - r->v);
		if (memchr(part, '*', pn) || memchr(r->v, '*', (size_t)(part - r->v)) == NULL)
			return true;
		return n < r->n ? last_part(cp->dirs, cp->ndirs, part, pn, true)
				: last_part(cp->real, cp->nreal, part, pn, whole);
	}
	if (n < r->n) /* a directory, or one on the way to one */
		return lc_in_words(cp->dirs, cp->ndirs, r->v, n, true) ||
		       lc_in_words(cp->dirs, cp->ndirs, r->v, r->n, false);
	/* a directory alone matches itself, not what is in it ("model" for
	 * "the C files inside model") */
	if (whole && lc_in_words(cp->dirs, cp->ndirs, r->v, n, true))
		return false;
	return lc_in_words(cp->real, cp->nreal, r->v, n, whole);
}

/* A command's current field (LOCAL_ARG_CMD). */
static bool
cmd_ok(const struct local_copy *cp, const struct local_arg_run *r, bool whole)
{
	/* where find looks: directories, then its tests */
	if (r->at == C_FIND && cmd_find_dir(cp, r) && (!r->nops || !strchr("-(!", r->v[0])))
		return fresh_name(cp->dirs, cp->ndirs, r->v, r->n, whole, r->all, r->fs, cp->asked);
	if (r->n == 0 || (r->v[0] == '*' && /* "*.kt" for the user's ".kt" too */
			  (r->n == 1 ? !whole : r->v[1] == '.' &&
			   lc_in_words(cp->paths, cp->npaths, r->v + 1, r->n - 1, whole))))
		return true;
	if (cmd_operand(cp, r)) /* and not one it has given */
		return r->at == C_FILES && cp->nregs
			       ? fresh_name(cp->regs, cp->nregs, r->v, r->n, whole, r->all, r->fs, false)
			       : fresh_name(cp->real, cp->nreal, r->v, r->n, whole, r->all, r->fs, false);
	return lc_in_words(cp->ffree, cp->nffree, r->v, r->n, whole) ||
	       lc_in_words(cp->paths, cp->npaths, r->v, r->n, whole);
}

/* Does r's value stand in t[0..tn) from a word boundary and, there,
 * go on (or, `whole`, end) to a text that stands so in the file of the
 * edit being written?  Checked together, as a part of t that begins so
 * may go on only to what is not in the file ("e" of "each" and of
 * "example"). */
static bool
in_file(const struct local_copy *cp, const char *t, size_t tn, const struct local_arg_run *r,
	bool whole)
{
	const char *f = buf_str(&cp->edit_text), *p;
	size_t fn = cp->edit_text.len;

	if (whole)
		return lc_part_of(t, tn, r->v, r->n, true) && lc_part_of(f, fn, r->v, r->n, true);
	for (p = t; (p = str_find(p, tn - (size_t)(p - t), r->v, r->n)) != NULL; p++) {
		size_t at = (size_t)(p - t), e;
		if (at && lc_word(p[-1]) && lc_word(r->v[0]))
			continue;
		for (e = at + r->n; e <= tn && e - at < sizeof r->v && (e == at + r->n || t[e - 1] != '\n');
		     e++)
			if ((e == tn || !lc_word(t[e]) || !lc_word(t[e - 1])) &&
			    lc_part_of(f, fn, p, e - at, true))
				return true;
	}
	return false;
}

/* The text an edit puts in (LOCAL_ARG_NEW), once the text it replaces
 * is written: not that text (an edit that changes nothing). */
static bool
new_ok(const struct local_copy *cp, const struct local_arg_run *r, bool whole)
{
	return !cp->edit_old || !whole || r->n != strlen(cp->edit_old) ||
	       memcmp(r->v, cp->edit_old, r->n) != 0;
}

size_t
local_copy_new_after(const struct local_copy *cp, char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max)
{
	const char *rq = buf_str(&cp->said) + cp->ask, *o = NULL, *p, *f;
	size_t rn = cp->said.len - cp->ask, on, fn, n = 0, i;

	if (!cp->edit_old || !(on = strlen(cp->edit_old)))
		return 0;
	for (p = rq; !o && (p = str_find(p, rn - (size_t)(p - rq), cp->edit_old, on)) != NULL; p++)
		if ((p == rq || lc_stop(p[-1])) && (p + on == rq + rn || lc_stop(p[on]) ||
						      strchr(".?!,", p[on])))
			o = p;
	for (f = o ? o + on : rq + rn; f < rq + rn && n < max; f += fn + 1) {
		for (fn = 0; f + fn < rq + rn && !lc_stop(f[fn]); fn++)
			;
		while (fn && strchr(".?!,", f[fn - 1]))
			fn--;
		if (fn == 0 || fn > LOCAL_FOLLOW_LEN || (fn == on && memcmp(f, cp->edit_old, on) == 0))
			continue;
		memcpy(out[n], f, fn);
		out[n][fn] = '\0';
		for (i = 0; i < n && strcmp(out[i], out[n]) != 0; i++)
			;
		n += i == n;
		while (f + fn < rq + rn && !lc_stop(f[fn]))
			fn++;
	}
	return n;
}

/* Do the user's words give r's value as a field (a file to make or to
 * change is one the user names, never one a tool's result shows)? */
static bool
user_names(const struct local_copy *cp, const struct local_arg_run *r, bool whole)
{
	return !cp->npaths || lc_fields_of(buf_str(&cp->said), cp->said.len, r->v, r->n, whole);
}

static bool
arg_ok(const struct local_copy *cp, enum local_arg k, const struct local_arg_run *r,
       bool whole)
{
	switch (k) {
	case LOCAL_ARG_SAID: /* more than a word: what the user quotes */
		if (r->n && memchr(r->v, ' ', r->n) && !in_quoted(cp, r->v, r->n))
			return false;
		if (r->n == 0) /* a search for nothing matches every line */
			return !whole;
		return lc_fields_of(buf_str(&cp->said), cp->said.len, r->v, r->n, whole);
	case LOCAL_ARG_SEEN: /* more than a word: quoted, or a tool's */
		if (r->n && memchr(r->v, ' ', r->n) && !in_quoted(cp, r->v, r->n) &&
		    !lc_part_of(buf_str(&cp->results), cp->results.len, r->v, r->n, whole))
			return false;
		if (r->n == 0)
			return !whole || !cp->edit_known;
		if (cp->edit_known) /* and in the file: else the edit fails */
			return in_file(cp, buf_str(&cp->said), cp->said.len, r, whole) ||
			       in_file(cp, buf_str(&cp->text), cp->text.len, r, whole);
		return lc_part_of(buf_str(&cp->said), cp->said.len, r->v, r->n, whole) ||
		       lc_part_of(buf_str(&cp->text), cp->text.len, r->v, r->n, whole);
	case LOCAL_ARG_NEW: /* nothing: the text is cut */
		return (r->n == 0 && whole) || (arg_ok(cp, LOCAL_ARG_SAID, r, whole) && new_ok(cp, r, whole));
	case LOCAL_ARG_GLOB:
		return glob_ok(cp, r, whole);
	case LOCAL_ARG_EDIT: /* a file the user's words name */
		return user_names(cp, r, whole) && arg_ok(cp, LOCAL_ARG_FILE, r, whole);
	case LOCAL_ARG_FACT: /* not nothing */
		return r->n ? lc_part_of(buf_str(&cp->said), cp->said.len, r->v, r->n, whole) : !whole;
	case LOCAL_ARG_FILE:
		if (cp->named && cp->nregs)
			return lc_names_ok(cp->regs, cp->nregs, r->v, r->n, whole);
		/* fall through */
	case LOCAL_ARG_DEST:
		if (k == LOCAL_ARG_DEST && !user_names(cp, r, whole))
			return false;
		/* with nothing to write, not over a file that is there */
		if (!cp->nquoted && whole && lc_in_words(cp->there, cp->nthere, r->v, r->n, true))
			return false;
		if (cp->nfiles)
			return lc_names_ok(cp->files, cp->nfiles, r->v, r->n, whole);
		return lc_names_ok(cp->paths, cp->npaths, r->v, r->n, whole);
	case LOCAL_ARG_PATH:
		if (cp->named && cp->asked)
			return fresh_name(cp->real, cp->nreal, r->v, r->n, whole, "", 0, true);
		return lc_names_ok(cp->named ? cp->real : cp->paths,
				cp->named ? cp->nreal : cp->npaths, r->v, r->n, whole);
	case LOCAL_ARG_CMD:
		return cmd_ok(cp, r, whole);
	case LOCAL_ARG_TEXT:
		if (r->want) /* the next line of "one / two" */
			return r->n <= strlen(r->want) && memcmp(r->want, r->v, r->n) == 0 &&
			       (!whole || r->want[r->n] == '\0');
		/* nothing quoted: nothing to write (an empty file at most) */
		return r->n == 0 || (cp->nquoted && lc_in_words(cp->quoted, cp->nquoted, r->v,
							      r->n, whole));
	default:
		return true;
	}
}

bool
local_arg_feed(const struct local_copy *cp, enum local_arg k, struct local_arg_run *r, char c)
{
	if (k == LOCAL_ARG_NONE)
		return true;
	if (k == LOCAL_ARG_CMD && !cp->nffree)
		return true;
	if (k == LOCAL_ARG_SAID || k == LOCAL_ARG_SEEN || k == LOCAL_ARG_NEW ||
	    k == LOCAL_ARG_FACT || k == LOCAL_ARG_CMD) {
		static const char from[] = "nt\"\\", to[] = "\n\t\"\\";
		const char *e;
		if (r->esc) {
			r->esc = false;
			if (!c || !(e = strchr(from, c)))
				return false;
			c = to[e - from];
		} else if (c == '\\') { /* an escape that some letter can end */
			struct local_arg_run t;
			const char *l;
			if (k == LOCAL_ARG_CMD && cp->nreal && !copies_request(cp, r)) /* none of its own */
				return false;
			r->esc = true;
			for (l = from; *l; l++) {
				t = *r;
				if (local_arg_feed(cp, k, &t, *l))
					return true;
			}
			return false;
		}
		if (k == LOCAL_ARG_CMD && r->alln + 1 < sizeof r->all)
			r->all[r->alln++] = c;
		if (k == LOCAL_ARG_CMD && lc_stop(c)) { /* a field ends */
			bool ok = arg_ok(cp, k, r, true) && cmd_field_end(cp, r, c);
			cmd_next(r, c);
			r->fs = r->alln;
			r->n = 0;
			return ok;
		}
		if (r->n + 1 >= sizeof r->v)
			return false;
		r->v[r->n++] = c;
		return arg_ok(cp, k, r, false);
	}
	if (k == LOCAL_ARG_TEXT && cp->nquoted) {
		if (r->esc) { /* a line ends */
			r->esc = false;
			r->want = next_line(cp, r->v, r->n, &r->qat);
			r->n = 0;
			return c == 'n';
		}
		if (c == '\\') {
			r->esc = true;
			return arg_ok(cp, k, r, true);
		}
	}
	if (r->n + 1 >= sizeof r->v)
		return false;
	r->v[r->n++] = c;
	return arg_ok(cp, k, r, false);
}

bool
local_arg_end(const struct local_copy *cp, enum local_arg k, const struct local_arg_run *r)
{
	size_t at = r->qat;
	/* not before the last line of "one / two" */
	if (k == LOCAL_ARG_TEXT && cp->nquoted && (r->n == 0 ? r->want != NULL
							   : next_line(cp, r->v, r->n, &at) != NULL))
		return false;
	if (k == LOCAL_ARG_CMD)
		return !cp->nffree || (arg_ok(cp, k, r, true) && cmd_field_end(cp, r, '\0'));
	return k == LOCAL_ARG_NONE || arg_ok(cp, k, r, true);
}

/* Which rule (local_arg_feed) holds which tool's argument; NULL tool:
 * any tool's (a directory to list or search). */
static const struct {
	const char *tool, *arg;
	enum local_arg kind;
} arg_rules[] = {
	{ "read", "path", LOCAL_ARG_FILE },      { "write", "path", LOCAL_ARG_DEST },
	{ "edit", "path", LOCAL_ARG_EDIT },      { NULL, "path", LOCAL_ARG_PATH },
	{ "memory", "content", LOCAL_ARG_FACT }, { "memory", "old_text", LOCAL_ARG_FACT },
	{ "glob", "pattern", LOCAL_ARG_GLOB },
	{ "write", "content", LOCAL_ARG_TEXT },  { "bash", "command", LOCAL_ARG_CMD },
	{ "grep", "pattern", LOCAL_ARG_SAID },   { "edit", "new_string", LOCAL_ARG_NEW },
	{ "edit", "old_string", LOCAL_ARG_SEEN },
};

/* The rule for tool's argument a. */
enum local_arg
local_arg_rule(const char *tool, const char *a)
{
	size_t i;
	for (i = 0; a && tool && i < sizeof arg_rules / sizeof arg_rules[0]; i++)
		if (strcmp(a, arg_rules[i].arg) == 0 &&
		    (!arg_rules[i].tool || strcmp(tool, arg_rules[i].tool) == 0))
			return arg_rules[i].kind;
	return LOCAL_ARG_NONE;
}

/* Do the string arguments of call b keep to their rules?  A call whose
 * arguments the rules had nothing left to allow for (the grammar alone
 * went on: arg_mask) may be anything. */
static bool
call_grounded(struct local_copy *cp, const struct conv_block *b)
{
	const cJSON *it;
	bool edit = b->name && strcmp(b->name, "edit") == 0;

	if (edit) {
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(b->args_json, "path");
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(b->args_json, "old_string");
		local_copy_edit(cp, cJSON_IsString(path) ? path->valuestring : NULL,
				cJSON_IsString(old) ? old->valuestring : NULL);
	}
	cJSON_ArrayForEach(it, b->args_json) {
		enum local_arg k = local_arg_rule(b->name, it->string);
		struct local_arg_run run = { .n = 0 };
		char *js, *p;
		bool ok = true;
		if (k == LOCAL_ARG_NONE || !cJSON_IsString(it))
			continue;
		js = cJSON_PrintUnformatted(it); /* the value as JSON text, quoted */
		for (p = js + 1; ok && *p && p[1]; p++)
			ok = local_arg_feed(cp, k, &run, *p);
		ok = ok && local_arg_end(cp, k, &run);
		free(js);
		if (!ok)
			break;
	}
	if (edit)
		local_copy_edit(cp, NULL, NULL);
	return it == NULL;
}

/* The calls of `out` that do not keep to the argument rules are not run:
 * the reply says so instead (a lost model overwrote a file with what it
 * made up once the rules had nothing left for it). */
void
local_drop_ungrounded(struct local_copy *cp, struct conv_msg *out)
{
	struct conv_msg keep;
	struct buf note = BUF_INIT;
	size_t i;

	for (i = 0; i < out->nblocks; i++)
		if (out->blocks[i].type == BLK_TOOL_CALL && out->blocks[i].args_json &&
		    !call_grounded(cp, &out->blocks[i]))
			break;
	if (i == out->nblocks)
		return;
	conv_msg_init(&keep, CONV_ASSISTANT);
	for (i = 0; i < out->nblocks; i++) {
		const struct conv_block *b = &out->blocks[i];
		if (b->type == BLK_TEXT)
			conv_msg_add_text(&keep, b->text);
		else if (b->type == BLK_THINKING)
			conv_msg_add_thinking(&keep, b->text, b->signature);
		else if (b->type == BLK_TOOL_CALL && (!b->args_json || call_grounded(cp, b)))
			conv_msg_add_tool_call(&keep, b->id, b->name, b->args);
		else if (b->type == BLK_TOOL_CALL)
			buf_printf(&note, "%sI could not do that: the %s call I wrote does not keep "
				   "to the names and texts of the request, so it was not run. Name the "
				   "files and quote the texts exactly, or set ANTHROPIC_API_KEY or "
				   "OPENAI_API_KEY to use a real provider.", note.len ? "\n" : "",
				   b->name);
	}
	conv_msg_add_text(&keep, buf_str(&note));
	conv_msg_free(out);
	*out = keep;
	buf_free(&note);
}
