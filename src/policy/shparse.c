/* shparse.c: a conservative reader of shell command lines for permission
 * rules (see shparse.h for what it promises). */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/shparse-int.h"
#include "util/buf.h"
#include "util/xalloc.h"

static void parse_list(struct parser *p, char term);
static void parse_string(struct sh_script *out, const char *src, int depth,
			 bool literal, bool *error);

static void
raw_push(struct raw *r, char *s, bool dyn, bool unknown)
{
	r->w = xgrow(r->w, r->n + 1, &r->cap, 8, sizeof *r->w);
	r->w[r->n].s = s;
	r->w[r->n].dyn = dyn;
	r->w[r->n].unknown = unknown;
	r->n++;
}

static void
raw_redir(struct raw *r, char *target)
{
	r->redir = xgrow(r->redir, r->nredir + 1, &r->credir, 4, sizeof *r->redir);
	r->redir[r->nredir++] = target;
}

static void
raw_clear(struct raw *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->w[i].s);
	for (size_t i = 0; i < r->nredir; i++)
		free(r->redir[i]);
	xfree_all(r->w, r->redir);
	memset(r, 0, sizeof *r);
}

static struct sh_cmd *
script_add(struct sh_script *s)
{
	s->cmds = xgrow(s->cmds, s->n + 1, &s->cap, 8, sizeof *s->cmds);
	memset(&s->cmds[s->n], 0, sizeof s->cmds[0]);
	return &s->cmds[s->n++];
}

/* Parse `src` as a nested script into p->out (the parser's nested hook). */
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

/* Free what a command holds (also one emitted with nothing in it). */
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
	xfree_all(c->argv, c->assign, c->redir_out, c->orig);
	memset(c, 0, sizeof *c);
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
		if (sh_is_assignment(w) && orig == SIZE_MAX) {
			c.opaque |= sh_assign_runs_code(w);
			sh_strv_add(&c.assign, &c.nassign, w);
			i++;
			continue;
		}
		if (r->w[i].unknown || r->w[i].dyn) {
			c.opaque = true;
			break;
		}
		if (p->literal)
			break;
		if (orig == SIZE_MAX && !sh_is_in(w, sh_lead_kw))
			orig = i;
		st = sh_unwrap_word(p, r, &i, &c);
		if (st != STEP_NEXT)
			break;
	}
	if (guard == 32)
		c.opaque = true; /* wrappers too deep to follow */
	if (st == STEP_DROP) {
		cmd_free(&c);
		return;
	}
	if (st != STEP_EMIT) {
		if (orig != SIZE_MAX && orig < i) {
			/* keep the words as written, for rules about wrappers */
			for (size_t k = orig; k < r->n; k++)
				sh_strv_add(&c.orig, &c.norig, r->w[k].unknown ?
					 SH_UNKNOWN : r->w[k].s);
			if (i >= r->n) /* "sudo -i": the wrapper is the command */
				i = orig;
		}
		if (!p->literal)
			sh_after_command(p, r, i, &c);
		for (; i < r->n; i++)
			sh_strv_add(&c.argv, &c.argc, r->w[i].unknown ? SH_UNKNOWN :
				 r->w[i].s);
	}
	if (c.argc == 0 && c.nassign == 0 && c.nredir == 0 && !c.opaque) {
		cmd_free(&c);
		return;
	}
	if (c.argc == 0)
		sh_strv_add(&c.argv, &c.argc, ""); /* assignments or redirections only */
	*script_add(p->out) = c;
}

/* The parser's emit_range hook: the words r->w[from..to) as one more
 * command. */
static void
emit_range(struct parser *p, const struct raw *r, size_t from, size_t to,
	   bool extra_args)
{
	struct raw sub;
	struct sh_cmd proto;

	memset(&sub, 0, sizeof sub);
	memset(&proto, 0, sizeof proto);
	proto.extra_args = extra_args;
	for (size_t k = from; k < to && k < r->n; k++) {
		bool braces = strcmp(r->w[k].s, "{}") == 0;
		raw_push(&sub, xstrdup(braces ? SH_UNKNOWN : r->w[k].s),
			 r->w[k].dyn, r->w[k].unknown || braces);
	}
	if (sub.n)
		emit(p, &sub, 0, &proto);
	raw_clear(&sub);
}

static void
flush(struct parser *p, struct raw *r)
{
	struct sh_cmd proto;
	memset(&proto, 0, sizeof proto);
	for (size_t k = 0; k < r->nredir; k++)
		sh_strv_add(&proto.redir_out, &proto.nredir, r->redir[k]);
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
	/* dash and bash unescape inside backquotes differently: the
	 * commands are still read (for deny rules), but not allowed */
	p->out->opaque = true;
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

/* Length of the parameter name at s ("HOME", "1", "@"), or 0. */
static size_t
simple_name(const char *s)
{
	size_t n = 0;
	if (*s && strchr("@*#?$!-", *s))
		return 1;
	if (*s >= '0' && *s <= '9') {
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		return n;
	}
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
	       s[n] == '_' || (n && s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

/* The commands up to the ')' that closes a list opened before p->i, one
 * level deeper; false (with p->error) when that is too deep. */
static bool
nested_list(struct parser *p)
{
	if (p->depth + 1 >= SH_MAX_DEPTH) {
		p->error = true;
		return false;
	}
	p->depth++;
	parse_list(p, ')');
	p->depth--;
	return true;
}

/* `$` at p->i: expansion or substitution.  Appends literal text to w. */
static void
dollar(struct parser *p, struct buf *w, bool *dyn, bool *unknown)
{
	const char *s = p->s;
	if (s[p->i + 1] == '(' && s[p->i + 2] == '(') {
		/* arithmetic (or, in bash, a subshell in a substitution):
		 * not modelled */
		p->out->opaque = true;
		p->i += 3;
		buf_adds(w, "$((");
		skip_balanced(p, '(', ')', w);
		if (s[p->i] == ')')
			p->i++;
		buf_adds(w, "))");
		*dyn = true;
	} else if (s[p->i + 1] == '(') {
		p->i += 2;
		if (!nested_list(p))
			return;
		*unknown = true;
	} else if (s[p->i + 1] == '{') {
		size_t n = simple_name(s + p->i + 2);
		if (n && s[p->i + 2 + n] == '}') { /* ${NAME} */
			buf_add(w, s + p->i, n + 3);
			p->i += n + 3;
			*dyn = true;
			return;
		}
		/* ${NAME op word}, ${#...}, ${a[i]}: not modelled */
		p->out->opaque = true;
		p->i += 2;
		buf_adds(w, "${");
		skip_balanced(p, '{', '}', w);
		buf_addc(w, '}');
		*dyn = true;
	} else if (s[p->i + 1] == '\'' || s[p->i + 1] == '"' || s[p->i + 1] == '[') {
		/* $'...' $"..." $[...]: bash only; dash reads them otherwise */
		p->out->opaque = true;
		buf_addc(w, '$');
		p->i++;
		*dyn = true;
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
	int brace = 0; /* 1: after an unquoted {, 2: and a , or .. */
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
				/* a backslash at the very end: dash keeps it,
				 * bash drops it after a quoted word */
				p->out->opaque = true;
				buf_addc(&w, '\\');
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
					if (s[p->i + 1] == '\'' || s[p->i + 1] == '"') {
						/* not special in "" */
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
			/* bash expands {a,b} and {1..3}; dash does not */
			if (c == '{')
				brace = 1;
			else if (brace && (c == ',' || (c == '.' && s[p->i + 1] == '.')))
				brace = 2;
			else if (c == '}' && brace == 2)
				p->out->opaque = true;
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
/* >(...) or <(...), p->i at the '(': bash only; its commands are
 * parsed, the word it stands for is unknown */
static void
proc_subst(struct parser *p, struct raw *r)
{
	p->out->opaque = true;
	p->i++;
	if (nested_list(p))
		raw_push(r, xstrdup(SH_UNKNOWN), false, true);
}

static void
redirection(struct parser *p, struct raw *r)
{
	const char *s = p->s;
	bool out = false, dup = false, dyn, unknown;
	char *target;

	/* an fd number just before the operator is not an argument */
	if (r->n && all_digits(r->w[r->n - 1].s) && p->i > 0 &&
	    !is_break(s[p->i - 1])) {
		if (strlen(r->w[r->n - 1].s) > 1)
			p->out->opaque = true; /* fd 10 and up: bash only */
		free(r->w[--r->n].s);
	} else if (r->n && r->w[r->n - 1].s[0] == '{' && p->i > 0 &&
		   !is_break(s[p->i - 1])) {
		p->out->opaque = true; /* {fd}>x: bash only */
	}
	if (s[p->i] == '&') { /* &> &>>: bash only (dash: & then >) */
		p->out->opaque = true;
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
			proc_subst(p, r);
			return;
		}
	} else { /* < */
		p->i++;
		if (s[p->i] == '(') { /* <(...) */
			proc_subst(p, r);
			return;
		}
		if (s[p->i] == '<') {
			p->i++;
			if (s[p->i] == '<') {
				p->i++; /* here-string: bash only */
				p->out->opaque = true;
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
			if ((c == '&' || c == '|' || c == ';') && s[p->i] == c) {
				p->i++;
				if (c == ';') /* ;; ;;& belong to case */
					p->out->opaque = true;
			}
			if ((c == '|' || c == ';') && s[p->i] == '&') {
				p->i++; /* |& ;& ;;&: bash only */
				p->out->opaque = true;
			}
			flush(p, &r);
		} else if (c == '(' || c == ')') {
			/* (( arithmetic, f() definitions, a=(...) arrays */
			if (c == '(' && (s[p->i + 1] == '(' || r.n > 0))
				p->out->opaque = true;
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
	p.nested = nested;
	p.emit_range = emit_range;
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

void
sh_parse_pattern(const char *src, struct sh_script *out, bool *error)
{
	memset(out, 0, sizeof *out);
	parse_string(out, src, 0, true, error);
}

bool
sh_script_modelled(const struct sh_script *s)
{
	if (s->opaque)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->cmds[i].opaque)
			return false;
	return true;
}

void
sh_script_free(struct sh_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		cmd_free(&s->cmds[i]);
	free(s->cmds);
	memset(s, 0, sizeof *s);
}

