/* shparse.c: a conservative reader of shell command lines for permission
 * rules (see shparse.h for what it promises). */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/shparse.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define SH_MAX_DEPTH 8

/* A word as read, before unwrapping. */
struct word {
	char *s;
	bool dyn;     /* holds a $-expansion: value known only at run time */
	bool unknown; /* holds a command substitution */
};

struct raw {
	struct word *w;
	size_t n, cap;
	char **redir;
	size_t nredir, credir;
	bool opaque;
};

struct parser {
	const char *s;
	size_t i;
	struct sh_script *out;
	int depth;
	bool error;
	bool literal; /* rule patterns: no unwrapping */
};

static void parse_list(struct parser *p, char term);
static void cmd_free(struct sh_cmd *c);
static void parse_string(struct sh_script *out, const char *src, int depth,
			 bool literal, bool *error);

static void
raw_push(struct raw *r, char *s, bool dyn, bool unknown)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->w = xreallocarray(r->w, r->cap, sizeof *r->w);
	}
	r->w[r->n].s = s;
	r->w[r->n].dyn = dyn;
	r->w[r->n].unknown = unknown;
	r->n++;
}

static void
raw_redir(struct raw *r, char *target)
{
	if (r->nredir == r->credir) {
		r->credir = r->credir ? 2 * r->credir : 4;
		r->redir = xreallocarray(r->redir, r->credir, sizeof *r->redir);
	}
	r->redir[r->nredir++] = target;
}

static void
raw_clear(struct raw *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->w[i].s);
	for (size_t i = 0; i < r->nredir; i++)
		free(r->redir[i]);
	free(r->w);
	free(r->redir);
	memset(r, 0, sizeof *r);
}

static struct sh_cmd *
script_add(struct sh_script *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->cmds = xreallocarray(s->cmds, s->cap, sizeof *s->cmds);
	}
	memset(&s->cmds[s->n], 0, sizeof s->cmds[0]);
	return &s->cmds[s->n++];
}

static void
strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static bool
is_assignment(const char *s)
{
	size_t i = 0;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	      s[0] == '_'))
		return false;
	while ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	       (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
		i++;
	return s[i] == '=' || (s[i] == '+' && s[i + 1] == '=');
}

static bool
is_in(const char *w, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(w, set[i]) == 0)
			return true;
	return false;
}

static const char *
base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* ---- unwrapping -------------------------------------------------------- */

/* Skip options of a wrapper; `witharg` lists options that take the next
 * word.  Returns the index of the first non-option word. */
static size_t
skip_opts(const struct raw *r, size_t i, const char *const *witharg)
{
	while (i < r->n && r->w[i].s[0] == '-' && r->w[i].s[1]) {
		if (strcmp(r->w[i].s, "--") == 0)
			return i + 1;
		if (witharg && is_in(r->w[i].s, witharg))
			i++;
		i++;
	}
	return i;
}


/* Parse `src` as a nested script into p->out. */
static void
nested(struct parser *p, const char *src, bool opaque)
{
	size_t first = p->out->n;
	bool err = false;
	if (p->depth + 1 >= SH_MAX_DEPTH) {
		p->out->opaque = true;
		return;
	}
	parse_string(p->out, src, p->depth + 1, p->literal, &err);
	if (err)
		p->out->opaque = true;
	if (opaque)
		for (size_t i = first; i < p->out->n; i++)
			p->out->cmds[i].opaque = true;
}

/* What unwrapping one word decided. */
enum step {
	STEP_NEXT,  /* unwrapped: look at the word at the new index */
	STEP_STOP,  /* this word is the command */
	STEP_EMIT,  /* the command is complete (argv set): emit it */
	STEP_DROP,  /* nothing left to emit (the parts were parsed nested) */
};

static const char *const sudo_arg[] = {
	"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T",
	"--user", "--group", "--chdir", "--host", "--prompt", NULL,
};
static const char *const timeout_arg[] = {
	"-s", "--signal", "-k", "--kill-after", NULL,
};
static const char *const nice_arg[] = { "-n", "--adjustment", NULL };
static const char *const xargs_arg[] = {
	"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--max-args",
	"--max-procs", "--delimiter", "--arg-file", "--max-lines",
	"--max-chars", "--eof", NULL,
};
static const char *const exec_arg[] = { "-a", NULL };
static const char *const stdbuf_arg[] = { "-i", "-o", "-e", NULL };
static const char *const ionice_arg[] = { "-c", "-n", "-p", "-t", NULL };

/* Keywords that may stand before a command ("then rm x"). */
static const char *const lead_kw[] = {
	"if", "then", "else", "elif", "while", "until", "do", "!", "{",
	"}", "fi", "done", "esac", "(", ")", NULL,
};

/* Wrappers that only take options before the command they run. */
static const struct wrapper {
	const char *name;
	const char *const *witharg; /* options that take the next word */
	int operands;               /* words after the options (timeout: 1) */
	bool privileged;
	bool extra_args;            /* xargs: arguments come at run time */
} wrappers[] = {
	{ "sudo", sudo_arg, 0, true, false },
	{ "doas", sudo_arg, 0, true, false },
	{ "timeout", timeout_arg, 1, false, false },
	{ "nice", nice_arg, 0, false, false },
	{ "nohup", NULL, 0, false, false },
	{ "builtin", NULL, 0, false, false },
	{ "time", NULL, 0, false, false },
	{ "stdbuf", stdbuf_arg, 0, false, false },
	{ "ionice", ionice_arg, 0, false, false },
	{ "exec", exec_arg, 0, false, false },
	{ "xargs", xargs_arg, 0, false, true },
};

/* Free what an emitted-nothing command holds (no words were added). */
static void
drop(struct sh_cmd *c)
{
	for (size_t k = 0; k < c->nassign; k++)
		free(c->assign[k]);
	for (size_t k = 0; k < c->nredir; k++)
		free(c->redir_out[k]);
	free(c->argv);
	free(c->assign);
	free(c->redir_out);
}

/* An interpreter that ran a nested script adds nothing of its own, but
 * its redirections and assignments still count. */
static enum step
interpreter_done(struct sh_cmd *c)
{
	if (c->nredir == 0 && c->nassign == 0)
		return STEP_DROP;
	strv_add(&c->argv, &c->argc, "true");
	return STEP_EMIT;
}

/* env [-i] [-u NAME] [NAME=value...] cmd; `env -S 'cmd args'` is a
 * script of its own. */
static enum step
unwrap_env(struct parser *p, const struct raw *r, size_t *i, struct sh_cmd *c)
{
	static const char *const env_arg[] = { "-u", "--unset", "-C", "--chdir", NULL };
	size_t k = *i + 1;
	for (; k < r->n && r->w[k].s[0] == '-'; k++) {
		if (strncmp(r->w[k].s, "-S", 2) == 0 ||
		    strncmp(r->w[k].s, "--split-string", 14) == 0) {
			struct buf j = BUF_INIT;
			size_t m = strcmp(r->w[k].s, "-S") == 0 ||
				strcmp(r->w[k].s, "--split-string") == 0 ? k + 1 : k;
			for (; m < r->n; m++) {
				const char *s = r->w[m].s;
				if (m == k && strncmp(s, "-S", 2) == 0)
					s += 2;
				buf_adds(&j, s);
				buf_addc(&j, ' ');
			}
			nested(p, buf_str(&j), false);
			buf_free(&j);
			c->opaque = true;
			return STEP_EMIT;
		}
		if (is_in(r->w[k].s, env_arg))
			k++;
	}
	*i = k;
	return STEP_NEXT;
}

/* eval ARGS: the joined words are a script. */
static enum step
unwrap_eval(struct parser *p, const struct raw *r, size_t i, struct sh_cmd *c)
{
	struct buf j = BUF_INIT;
	bool dyn = false;
	for (size_t k = i + 1; k < r->n; k++) {
		dyn |= r->w[k].dyn || r->w[k].unknown;
		buf_adds(&j, r->w[k].s);
		buf_addc(&j, ' ');
	}
	nested(p, buf_str(&j), dyn);
	buf_free(&j);
	if (!dyn)
		return interpreter_done(c);
	c->opaque = true;
	return STEP_STOP;
}

/* sh [-opts] -c SCRIPT [args]: the script is what runs. */
static enum step
unwrap_shell(struct parser *p, const struct raw *r, size_t i, struct sh_cmd *c)
{
	size_t k = i + 1;
	bool dash_c = false;
	while (k < r->n && (r->w[k].s[0] == '-' || r->w[k].s[0] == '+') &&
	       r->w[k].s[1]) {
		const char *o = r->w[k].s;
		if (o[0] == '-' && o[1] != '-' && strchr(o, 'c'))
			dash_c = true;
		if (strcmp(o, "-o") == 0 || strcmp(o, "+o") == 0 ||
		    strcmp(o, "-O") == 0 || strcmp(o, "+O") == 0)
			k++;
		k++;
		if (dash_c)
			break;
	}
	if (!dash_c)
		return STEP_STOP; /* a script file or stdin: an ordinary command */
	if (k >= r->n) {
		c->opaque = true;
		return STEP_STOP;
	}
	nested(p, r->w[k].s, r->w[k].dyn || r->w[k].unknown);
	return interpreter_done(c);
}

/* Look at the word at *i in command position. */
static enum step
unwrap_word(struct parser *p, const struct raw *r, size_t *i, struct sh_cmd *c)
{
	static const char *const opaque_kw[] = {
		"for", "case", "select", "function", "in", "coproc", ";;", NULL,
	};
	static const char *const shells[] = {
		"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", NULL,
	};
	const char *w = r->w[*i].s, *b = base_name(w);

	if (is_assignment(w)) { /* env NAME=value cmd */
		strv_add(&c->assign, &c->nassign, w);
		(*i)++;
		return STEP_NEXT;
	}
	if (is_in(w, lead_kw)) {
		(*i)++;
		return STEP_NEXT;
	}
	if (is_in(w, opaque_kw) || strstr(w, "()")) {
		c->opaque = true;
		return STEP_STOP;
	}
	for (size_t k = 0; k < sizeof wrappers / sizeof wrappers[0]; k++) {
		const struct wrapper *wr = &wrappers[k];
		if (strcmp(b, wr->name) != 0)
			continue;
		*i = skip_opts(r, *i + 1, wr->witharg);
		if (wr->operands && *i < r->n)
			*i += (size_t)wr->operands;
		c->privileged |= wr->privileged;
		if (wr->extra_args) {
			c->extra_args = true;
			if (*i >= r->n) { /* bare xargs runs echo */
				strv_add(&c->argv, &c->argc, "echo");
				return STEP_EMIT;
			}
		}
		return STEP_NEXT;
	}
	if (strcmp(b, "command") == 0 && *i + 1 < r->n &&
	    strcmp(r->w[*i + 1].s, "-v") != 0 && strcmp(r->w[*i + 1].s, "-V") != 0) {
		*i = skip_opts(r, *i + 1, NULL);
		return STEP_NEXT;
	}
	if (strcmp(b, "env") == 0)
		return unwrap_env(p, r, i, c);
	if (strcmp(w, "eval") == 0)
		return unwrap_eval(p, r, *i, c);
	if (is_in(b, shells))
		return unwrap_shell(p, r, *i, c);
	return STEP_STOP;
}

/* Turn one raw command into sh_cmds: assignments, keywords, wrappers,
 * `sh -c`, `eval`. */
static void
emit(struct parser *p, struct raw *r, size_t i, struct sh_cmd *proto)
{
	struct sh_cmd c = *proto;
	size_t guard, orig = SIZE_MAX;
	enum step st = STEP_STOP;

	for (guard = 0; guard < 32 && i < r->n; guard++) {
		const char *w = r->w[i].s;
		if (is_assignment(w) && orig == SIZE_MAX) {
			strv_add(&c.assign, &c.nassign, w);
			i++;
			continue;
		}
		if (r->w[i].unknown || r->w[i].dyn) {
			c.opaque = true;
			break;
		}
		if (p->literal)
			break;
		if (orig == SIZE_MAX && !is_in(w, lead_kw))
			orig = i;
		st = unwrap_word(p, r, &i, &c);
		if (st != STEP_NEXT)
			break;
	}
	if (st == STEP_DROP) {
		drop(&c);
		return;
	}
	if (st != STEP_EMIT) {
		if (orig != SIZE_MAX && orig < i) {
			/* keep the words as written, for rules about wrappers */
			for (size_t k = orig; k < r->n; k++)
				strv_add(&c.orig, &c.norig, r->w[k].unknown ?
					 SH_UNKNOWN : r->w[k].s);
			if (i >= r->n) /* "sudo -i": the wrapper is the command */
				i = orig;
		}
		for (; i < r->n; i++)
			strv_add(&c.argv, &c.argc, r->w[i].unknown ? SH_UNKNOWN :
				 r->w[i].s);
	}
	if (c.argc == 0 && c.nassign == 0 && c.nredir == 0 && !c.opaque) {
		drop(&c);
		return;
	}
	if (c.argc == 0)
		strv_add(&c.argv, &c.argc, ""); /* assignments or redirections only */
	*script_add(p->out) = c;
}

static void
flush(struct parser *p, struct raw *r)
{
	struct sh_cmd proto;
	memset(&proto, 0, sizeof proto);
	for (size_t k = 0; k < r->nredir; k++)
		strv_add(&proto.redir_out, &proto.nredir, r->redir[k]);
	proto.opaque = r->opaque;
	if (r->n || r->nredir)
		emit(p, r, 0, &proto);
	raw_clear(r);
}

/* ---- reading ------------------------------------------------------------ */

static bool
is_break(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '<' || c == '>' || c == '(' || c == ')' || c == '\0';
}

/* Text up to the matching close of a "$((" or "${" that was consumed;
 * commands inside it are parsed too. */
static void
skip_balanced(struct parser *p, char open, char close, struct buf *w)
{
	size_t start = p->i;
	int depth = 1;
	while (p->s[p->i] && depth > 0) {
		char c = p->s[p->i];
		if (c == '\\' && p->s[p->i + 1]) {
			p->i += 2;
			continue;
		}
		if (c == open)
			depth++;
		else if (c == close)
			depth--;
		p->i++;
	}
	if (depth > 0) {
		p->error = true;
		return;
	}
	{
		char *inner = xstrndup(p->s + start, p->i - start - 1);
		buf_adds(w, inner);
		if (strstr(inner, "$(") || strchr(inner, '`') || strstr(inner, "<(") ||
		    strstr(inner, ">(")) {
			/* only the commands substituted inside count: read it
			 * as the arguments of ":" and drop that command */
			char *wrapped = xasprintf(": %s", inner);
			size_t first = p->out->n, k, o;
			nested(p, wrapped, false);
			for (k = o = first; k < p->out->n; k++) {
				struct sh_cmd *c = &p->out->cmds[k];
				if (c->argc >= 1 && strcmp(c->argv[0], ":") == 0 &&
				    c->nredir == 0) {
					cmd_free(c);
					continue;
				}
				p->out->cmds[o++] = *c;
			}
			p->out->n = o;
			free(wrapped);
		}
		free(inner);
	}
}

/* A backquoted command: the text up to the closing backquote, with \`
 * \\ \$ unescaped, parsed as a script. */
static void
backquote(struct parser *p)
{
	struct buf b = BUF_INIT;
	while (p->s[p->i] && p->s[p->i] != '`') {
		if (p->s[p->i] == '\\' && (p->s[p->i + 1] == '`' || p->s[p->i + 1] == '\\' ||
					   p->s[p->i + 1] == '$'))
			p->i++;
		buf_addc(&b, p->s[p->i++]);
	}
	if (p->s[p->i] != '`')
		p->error = true;
	else
		p->i++;
	nested(p, buf_str(&b), false);
	buf_free(&b);
}

/* `$` at p->i: expansion or substitution.  Appends literal text to w. */
static void
dollar(struct parser *p, struct buf *w, bool *dyn, bool *unknown)
{
	const char *s = p->s;
	if (s[p->i + 1] == '(' && s[p->i + 2] == '(') {
		p->i += 3;
		buf_adds(w, "$((");
		skip_balanced(p, '(', ')', w);
		if (s[p->i] == ')')
			p->i++;
		buf_adds(w, "))");
		*dyn = true;
	} else if (s[p->i + 1] == '(') {
		p->i += 2;
		if (p->depth + 1 >= SH_MAX_DEPTH) {
			p->error = true;
			return;
		}
		p->depth++;
		parse_list(p, ')');
		p->depth--;
		*unknown = true;
	} else if (s[p->i + 1] == '{') {
		p->i += 2;
		buf_adds(w, "${");
		skip_balanced(p, '{', '}', w);
		buf_addc(w, '}');
		*dyn = true;
	} else if (s[p->i + 1] == '\'') {
		/* $'...' ANSI-C quoting */
		p->i += 2;
		while (s[p->i] && s[p->i] != '\'') {
			if (s[p->i] == '\\' && s[p->i + 1]) {
				char e = s[p->i + 1];
				p->i += 2;
				switch (e) {
				case 'n': buf_addc(w, '\n'); break;
				case 't': buf_addc(w, '\t'); break;
				case 'x': {
					char hex[3] = { 0 };
					size_t k = 0;
					while (k < 2 && s[p->i] &&
					       strchr("0123456789abcdefABCDEF", s[p->i]))
						hex[k++] = s[p->i++];
					buf_addc(w, (char)strtol(hex, NULL, 16));
					break;
				}
				default: buf_addc(w, e); break;
				}
				continue;
			}
			buf_addc(w, s[p->i++]);
		}
		if (!s[p->i])
			p->error = true;
		else
			p->i++;
	} else if ((s[p->i + 1] >= 'A' && s[p->i + 1] <= 'Z') ||
		   (s[p->i + 1] >= 'a' && s[p->i + 1] <= 'z') || s[p->i + 1] == '_' ||
		   (s[p->i + 1] && strchr("0123456789@*#?$!-", s[p->i + 1]))) {
		buf_addc(w, '$');
		p->i++;
		if (s[p->i] && strchr("0123456789@*#?$!-", s[p->i])) {
			buf_addc(w, s[p->i++]);
		} else {
			while ((s[p->i] >= 'A' && s[p->i] <= 'Z') ||
			       (s[p->i] >= 'a' && s[p->i] <= 'z') ||
			       (s[p->i] >= '0' && s[p->i] <= '9') || s[p->i] == '_')
				buf_addc(w, s[p->i++]);
		}
		*dyn = true;
	} else {
		buf_addc(w, '$');
		p->i++;
	}
}

/* Read one word at p->i (which is not a break character). */
static char *
read_word(struct parser *p, bool *dyn, bool *unknown)
{
	struct buf w = BUF_INIT;
	const char *s = p->s;
	*dyn = *unknown = false;
	buf_adds(&w, "");
	while (!is_break(s[p->i]) && !p->error) {
		char c = s[p->i];
		if (c == '\\') {
			if (s[p->i + 1] == '\n') {
				p->i += 2;
			} else if (s[p->i + 1]) {
				buf_addc(&w, s[p->i + 1]);
				p->i += 2;
			} else {
				p->i++;
			}
		} else if (c == '\'') {
			p->i++;
			while (s[p->i] && s[p->i] != '\'')
				buf_addc(&w, s[p->i++]);
			if (!s[p->i])
				p->error = true;
			else
				p->i++;
		} else if (c == '"') {
			p->i++;
			while (s[p->i] && s[p->i] != '"' && !p->error) {
				if (s[p->i] == '\\' && s[p->i + 1] &&
				    strchr("$`\"\\\n", s[p->i + 1])) {
					if (s[p->i + 1] != '\n')
						buf_addc(&w, s[p->i + 1]);
					p->i += 2;
				} else if (s[p->i] == '$') {
					if (s[p->i + 1] == '\'') { /* not special in "" */
						buf_addc(&w, '$');
						p->i++;
					} else {
						dollar(p, &w, dyn, unknown);
					}
				} else if (s[p->i] == '`') {
					p->i++;
					backquote(p);
					*unknown = true;
				} else {
					buf_addc(&w, s[p->i++]);
				}
			}
			if (s[p->i] != '"')
				p->error = true;
			else
				p->i++;
		} else if (c == '$') {
			dollar(p, &w, dyn, unknown);
		} else if (c == '`') {
			p->i++;
			backquote(p);
			*unknown = true;
		} else {
			buf_addc(&w, c);
			p->i++;
		}
	}
	return buf_steal(&w);
}

static void
skip_blanks(struct parser *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	       (p->s[p->i] == '\\' && p->s[p->i + 1] == '\n'))
		p->i += p->s[p->i] == '\\' ? 2 : 1;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A redirection operator at p->i. */
static void
redirection(struct parser *p, struct raw *r)
{
	const char *s = p->s;
	bool out = false, dup = false, dyn, unknown;
	char *target;

	/* an fd number just before the operator is not an argument */
	if (r->n && all_digits(r->w[r->n - 1].s) && p->i > 0 &&
	    !is_break(s[p->i - 1])) {
		free(r->w[--r->n].s);
	}
	if (s[p->i] == '&') { /* &> &>> */
		p->i += s[p->i + 2] == '>' ? 3 : 2;
		out = true;
	} else if (s[p->i] == '>') {
		p->i++;
		out = true;
		if (s[p->i] == '>' || s[p->i] == '|')
			p->i++;
		else if (s[p->i] == '&') {
			p->i++;
			dup = true;
		} else if (s[p->i] == '(') { /* >(...) */
			p->i++;
			if (p->depth + 1 >= SH_MAX_DEPTH) {
				p->error = true;
				return;
			}
			p->depth++;
			parse_list(p, ')');
			p->depth--;
			raw_push(r, xstrdup(SH_UNKNOWN), false, true);
			return;
		}
	} else { /* < */
		p->i++;
		if (s[p->i] == '(') { /* <(...) */
			p->i++;
			if (p->depth + 1 >= SH_MAX_DEPTH) {
				p->error = true;
				return;
			}
			p->depth++;
			parse_list(p, ')');
			p->depth--;
			raw_push(r, xstrdup(SH_UNKNOWN), false, true);
			return;
		}
		if (s[p->i] == '<') {
			p->i++;
			if (s[p->i] == '<') {
				p->i++; /* here-string: a word, read as input */
			} else {
				/* here-document: its body would be read as
				 * commands here; a rule cannot allow this line */
				if (s[p->i] == '-')
					p->i++;
				p->out->opaque = true;
				r->opaque = true;
			}
		} else if (s[p->i] == '>') {
			p->i++;
			out = true; /* <> opens for writing too */
		} else if (s[p->i] == '&') {
			p->i++;
			dup = true;
		}
	}
	skip_blanks(p);
	if (is_break(s[p->i])) {
		p->error = true;
		return;
	}
	target = read_word(p, &dyn, &unknown);
	if (dup && (all_digits(target) || strcmp(target, "-") == 0)) {
		free(target);
		return;
	}
	if (out) {
		if (dyn || unknown) {
			free(target);
			target = xstrdup(SH_UNKNOWN);
		}
		raw_redir(r, target);
	} else {
		free(target);
	}
}

static void
parse_list(struct parser *p, char term)
{
	struct raw r;
	const char *s = p->s;
	int parens = 0;

	memset(&r, 0, sizeof r);
	while (!p->error) {
		char c = s[p->i];
		if (c == '\0') {
			if (term)
				p->error = true;
			break;
		}
		if (c == ')' && term == ')' && parens == 0) {
			p->i++;
			break;
		}
		if (c == ' ' || c == '\t') {
			p->i++;
		} else if (c == '\\' && s[p->i + 1] == '\n') {
			p->i += 2;
		} else if (c == '#') {
			while (s[p->i] && s[p->i] != '\n')
				p->i++;
		} else if (c == '>' || c == '<' || (c == '&' && s[p->i + 1] == '>')) {
			redirection(p, &r);
		} else if (c == '\n' || c == ';' || c == '&' || c == '|') {
			p->i++;
			if ((c == '&' || c == '|' || c == ';') && s[p->i] == c)
				p->i++;
			else if (c == '|' && s[p->i] == '&')
				p->i++;
			if (c == ';' && s[p->i - 1] == ';' && p->i >= 2 && s[p->i - 2] == ';')
				r.opaque = true; /* ;; belongs to case */
			flush(p, &r);
		} else if (c == '(' || c == ')') {
			parens += c == '(' ? 1 : -1;
			p->i++;
			flush(p, &r);
		} else {
			bool dyn, unknown;
			char *w = read_word(p, &dyn, &unknown);
			if (!unknown && !dyn && (strcmp(w, "{") == 0 || strcmp(w, "}") == 0 ||
						 strcmp(w, "!") == 0) && r.n == 0) {
				free(w);
				continue;
			}
			if (!unknown && !dyn && strcmp(w, "}") == 0) {
				free(w);
				flush(p, &r);
				continue;
			}
			raw_push(&r, w, dyn, unknown);
		}
	}
	flush(p, &r);
}

static void
parse_string(struct sh_script *out, const char *src, int depth, bool literal,
	     bool *error)
{
	struct parser p;
	memset(&p, 0, sizeof p);
	p.s = src;
	p.out = out;
	p.depth = depth;
	p.literal = literal;
	parse_list(&p, 0);
	*error = p.error;
}

enum cerr
sh_parse(const char *src, struct sh_script *out)
{
	bool err = false;
	memset(out, 0, sizeof *out);
	parse_string(out, src, 0, false, &err);
	if (err) {
		out->opaque = true;
		return C_ERR_PARSE;
	}
	return C_OK;
}

static void
cmd_free(struct sh_cmd *c)
{
	for (size_t k = 0; k < c->argc; k++)
		free(c->argv[k]);
	for (size_t k = 0; k < c->nassign; k++)
		free(c->assign[k]);
	for (size_t k = 0; k < c->nredir; k++)
		free(c->redir_out[k]);
	for (size_t k = 0; k < c->norig; k++)
		free(c->orig[k]);
	free(c->argv);
	free(c->assign);
	free(c->redir_out);
	free(c->orig);
	memset(c, 0, sizeof *c);
}

void
sh_script_free(struct sh_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		cmd_free(&s->cmds[i]);
	free(s->cmds);
	memset(s, 0, sizeof *s);
}

/* ---- matching ----------------------------------------------------------- */

static bool
word_match(const char *pat, const char *w, bool strict)
{
	if (strcmp(w, SH_UNKNOWN) == 0 || (!strict && strchr(w, '$')))
		return !strict || strcmp(pat, "*") == 0;
	if (!strpbrk(pat, "*?["))
		return strcmp(pat, w) == 0;
	return fnmatch(pat, w, 0) == 0;
}

static bool
words_match(char *const *pw, size_t np, char *const *cw, size_t nc, bool strict)
{
	if (np == 0)
		return nc == 0;
	if (strcmp(pw[0], "*") == 0) {
		for (size_t k = 0; k <= nc; k++)
			if (words_match(pw + 1, np - 1, cw + k, nc - k, strict))
				return true;
		return false;
	}
	return nc > 0 && word_match(pw[0], cw[0], strict) &&
	       words_match(pw + 1, np - 1, cw + 1, nc - 1, strict);
}

bool
sh_rule_match(const char *pat, const struct sh_cmd *c, bool strict)
{
	struct sh_script ps;
	char *norm;
	size_t len = strlen(pat);
	bool ok = false;
	char **cw;
	size_t nc;

	if (strict && c->opaque)
		return false;
	/* "git status:*" is "git status *" */
	if (len >= 2 && strcmp(pat + len - 2, ":*") == 0)
		norm = xasprintf("%.*s *", (int)(len - 2), pat);
	else
		norm = xstrdup(pat);
	{
		bool err = false;
		memset(&ps, 0, sizeof ps);
		parse_string(&ps, norm, 0, true, &err);
		if (err || ps.n != 1 || ps.cmds[0].opaque)
			goto out;
	}
	if (strict) {
		if (ps.cmds[0].nassign != c->nassign)
			goto out;
		for (size_t k = 0; k < c->nassign; k++)
			if (!word_match(ps.cmds[0].assign[k], c->assign[k], true))
				goto out;
	}
	/* xargs adds run-time arguments: an unknown word at the end */
	nc = c->argc + (c->extra_args ? 1 : 0);
	cw = xcalloc(nc + 1, sizeof *cw);
	for (size_t k = 0; k < c->argc; k++)
		cw[k] = c->argv[k];
	if (c->extra_args)
		cw[c->argc] = (char *)SH_UNKNOWN;
	ok = !(strict && c->privileged) &&
	     words_match(ps.cmds[0].argv, ps.cmds[0].argc, cw, nc, strict);
	if (!ok && !strict && nc > 0 && ps.cmds[0].argc > 0 &&
	    !strchr(ps.cmds[0].argv[0], '/') && strchr(cw[0], '/')) {
		/* "/bin/rm" is rm for a deny rule */
		char *saved = cw[0];
		cw[0] = (char *)base_name(saved);
		ok = words_match(ps.cmds[0].argv, ps.cmds[0].argc, cw, nc, strict);
		cw[0] = saved;
	}
	if (!ok && c->orig)
		ok = words_match(ps.cmds[0].argv, ps.cmds[0].argc, c->orig,
				 c->norig, strict);
	free(cw);
out:
	sh_script_free(&ps);
	free(norm);
	return ok;
}
