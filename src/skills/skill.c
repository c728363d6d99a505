/* skill.c: parse and validate one SKILL.md (frontmatter via libyaml). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

bool
skill_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0, i;
	if (n < 1 || n > SKILL_NAME_MAX || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && name[i + 1] == '-')
			return false;
	}
	return true;
}

const char *
skill_source_str(enum skill_source s)
{
	switch (s) {
	case SRC_PROJECT: return "project";
	case SRC_USER: return "user";
	case SRC_INSTALLED: return "installed";
	default: return "bundled";
	}
}

void
skill_free(struct skill *s)
{
	xfree_all(s->name, s->description, s->dir, s->path, s->body);
	cJSON_Delete(s->meta);
	memset(s, 0, sizeof *s);
}

static enum cerr
fail(struct skill_err *err, int line, enum cerr e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum cerr
fail(struct skill_err *err, int line, enum cerr e, const char *fmt, ...)
{
	va_list ap;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	va_end(ap);
	return e;
}

/* Nodes converted per frontmatter: aliases make a small document a huge
 * tree ("billion laughs"), so the walk has a budget. */
#define NODE_BUDGET 20000

/* A YAML node as JSON: scalars become strings.  *left counts down the
 * nodes still allowed; at 0 the rest become null. */
static cJSON *
node_json(yaml_document_t *doc, yaml_node_t *node, int depth, long *left)
{
	cJSON *j;
	if (!node || depth > 32 || *left <= 0)
		return cJSON_CreateNull();
	--*left;
	switch (node->type) {
	case YAML_SCALAR_NODE: {
		char *s = xstrndup((const char *)node->data.scalar.value,
				   node->data.scalar.length);
		j = cJSON_CreateString(s);
		free(s);
		return j;
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;
		j = cJSON_CreateArray();
		for (it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++)
			cJSON_AddItemToArray(j, node_json(doc, yaml_document_get_node(doc, *it),
							  depth + 1, left));
		return j;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;
		j = cJSON_CreateObject();
		for (p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			char *key;
			if (!k || k->type != YAML_SCALAR_NODE)
				continue;
			key = xstrndup((const char *)k->data.scalar.value,
				       k->data.scalar.length);
			cJSON_AddItemToObject(j, key, node_json(doc,
				yaml_document_get_node(doc, p->value), depth + 1, left));
			free(key);
		}
		return j;
	}
	default:
		return cJSON_CreateNull();
	}
}

/* Find key `name` in the root mapping; its value node and line. */
static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *name, int *line)
{
	yaml_node_pair_t *p;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == strlen(name) &&
		    memcmp(k->data.scalar.value, name, k->data.scalar.length) == 0) {
			*line = (int)k->start_mark.line;
			return yaml_document_get_node(doc, p->value);
		}
	}
	return NULL;
}

/* Normalised copy: no BOM, LF line ends. */
static char *
normalise(const char *text, size_t len)
{
	char *o = xmalloc(len + 1), *w = o;
	size_t i = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		*w++ = text[i];
	}
	*w = '\0';
	return o;
}

/* Bounds checked before libyaml sees the frontmatter: its size and how
 * deeply flow collections ([ {) and indented blocks nest.  A hostile
 * SKILL.md of nested brackets costs libyaml seconds; this scan is one
 * linear pass. */
#define FRONTMATTER_MAX (32u << 10)
#define FRONTMATTER_DEPTH 16
#define FRONTMATTER_INDENT 64

static enum cerr
frontmatter_bounded(const char *y, size_t n, struct skill_err *err)
{
	int depth = 0, line = 2;
	char quote = 0;
	bool bol = true;
	size_t indent = 0;

	if (n > FRONTMATTER_MAX)
		return fail(err, 2, C_ERR_PARSE, "the frontmatter is larger than "
			    "%u bytes", FRONTMATTER_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = y[i];
		if (c == '\n') {
			line++;
			bol = true;
			indent = 0;
			if (quote == '#')
				quote = 0;
			continue;
		}
		if (bol && c == ' ') {
			if (++indent > FRONTMATTER_INDENT)
				return fail(err, line, C_ERR_PARSE, "the frontmatter is "
					    "indented more than %d columns",
					    FRONTMATTER_INDENT);
			continue;
		}
		bol = false;
		if (quote) {
			if (quote == '"' && c == '\\' && i + 1 < n)
				i++;
			else if (c == quote && quote != '#')
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '#' && (i == 0 || y[i - 1] == ' ' || y[i - 1] == '\t'))
			quote = '#';
		else if (c == '[' || c == '{') {
			if (++depth > FRONTMATTER_DEPTH)
				return fail(err, line, C_ERR_PARSE, "the frontmatter nests "
					    "more than %d levels deep",
					    FRONTMATTER_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return C_OK;
}

static bool
is_fence(const char *line, size_t n, const char *f)
{
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return n == 3 && memcmp(line, f, 3) == 0;
}

static enum cerr
check_fields(yaml_document_t *doc, yaml_node_t *root, const char *dirname,
	     struct skill *s, struct skill_err *err)
{
	yaml_node_t *v;
	int line = 0;
	size_t n;

	v = map_get(doc, root, "name", &line);
	if (!v)
		return fail(err, 1, C_ERR_INVAL, "missing required field \"name\"");
	if (v->type != YAML_SCALAR_NODE)
		return fail(err, line + 2, C_ERR_INVAL, "\"name\" must be a string");
	s->name = xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
	if (!skill_name_valid(s->name))
		return fail(err, line + 2, C_ERR_INVAL,
			    "name \"%.80s\" must be 1-64 characters of a-z, 0-9 and "
			    "single hyphens, not starting or ending with one", s->name);
	if (dirname && strcmp(dirname, s->name) != 0)
		return fail(err, line + 2, C_ERR_INVAL,
			    "name \"%s\" differs from its directory \"%.80s\"",
			    s->name, dirname);
	v = map_get(doc, root, "description", &line);
	if (!v)
		return fail(err, 1, C_ERR_INVAL, "missing required field \"description\"");
	if (v->type != YAML_SCALAR_NODE)
		return fail(err, line + 2, C_ERR_INVAL, "\"description\" must be a string");
	s->description = xstrndup((const char *)v->data.scalar.value,
				  v->data.scalar.length);
	n = strlen(s->description);
	while (n && strchr(" \t\n", s->description[n - 1]))
		s->description[--n] = '\0';
	if (n == 0 || !utf8_valid(s->description, n) ||
	    strspn(s->description, " \t\n") == n)
		return fail(err, line + 2, C_ERR_INVAL, "\"description\" is empty");
	{
		size_t chars = 0, i;
		for (i = 0; i < n; i++)
			chars += ((unsigned char)s->description[i] & 0xC0) != 0x80;
		if (chars > SKILL_DESC_MAX)
			return fail(err, line + 2, C_ERR_INVAL,
				    "\"description\" has %zu characters; at most %d",
				    chars, SKILL_DESC_MAX);
	}
	if ((v = map_get(doc, root, "license", &line)) && v->type != YAML_SCALAR_NODE)
		return fail(err, line + 2, C_ERR_INVAL, "\"license\" must be a string");
	if ((v = map_get(doc, root, "compatibility", &line)) &&
	    (v->type != YAML_SCALAR_NODE || v->data.scalar.length > 500))
		return fail(err, line + 2, C_ERR_INVAL,
			    "\"compatibility\" must be a string of at most 500 characters");
	if ((v = map_get(doc, root, "metadata", &line)) && v->type != YAML_MAPPING_NODE)
		return fail(err, line + 2, C_ERR_INVAL, "\"metadata\" must be a mapping");
	if ((v = map_get(doc, root, "allowed-tools", &line)) &&
	    v->type == YAML_MAPPING_NODE)
		return fail(err, line + 2, C_ERR_INVAL,
			    "\"allowed-tools\" must be a string or a list");
	return C_OK;
}

enum cerr
skill_parse(const char *text, size_t len, const char *dirname, struct skill *s,
	    struct skill_err *err)
{
	char *t = normalise(text, len), *p, *eol, *yaml_start, *yaml_end = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	bool have_doc = false, have_parser = false;
	enum cerr e = C_OK;

	memset(s, 0, sizeof *s);
	memset(err, 0, sizeof *err);
	if (!utf8_valid(t, strlen(t))) {
		e = fail(err, 0, C_ERR_PARSE, "not valid UTF-8");
		goto out;
	}
	eol = strchr(t, '\n');
	if (!is_fence(t, eol ? (size_t)(eol - t) : strlen(t), "---")) {
		e = fail(err, 1, C_ERR_PARSE,
			 "no YAML frontmatter: the file must start with a \"---\" line");
		goto out;
	}
	yaml_start = eol ? eol + 1 : t + strlen(t);
	for (p = yaml_start; *p; p = eol + 1) {
		eol = strchr(p, '\n');
		if (is_fence(p, eol ? (size_t)(eol - p) : strlen(p), "---") ||
		    is_fence(p, eol ? (size_t)(eol - p) : strlen(p), "...")) {
			yaml_end = p;
			break;
		}
		if (!eol)
			break;
	}
	if (!yaml_end) {
		e = fail(err, 1, C_ERR_PARSE,
			 "the frontmatter is not closed by a \"---\" line");
		goto out;
	}
	if ((e = frontmatter_bounded(yaml_start, (size_t)(yaml_end - yaml_start), err)))
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		e = fail(err, 0, C_ERR_NOMEM, "out of memory");
		goto out;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml_start,
				     (size_t)(yaml_end - yaml_start));
	if (!yaml_parser_load(&parser, &doc)) {
		e = fail(err, (int)parser.problem_mark.line + 2, C_ERR_PARSE,
			 "YAML: %s%s%s", parser.problem ? parser.problem : "error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		goto out;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		e = fail(err, 2, C_ERR_PARSE, "the frontmatter must be a YAML mapping");
		goto out;
	}
	if ((e = check_fields(&doc, root, dirname, s, err)))
		goto out;
	{
		long left = NODE_BUDGET;
		s->meta = node_json(&doc, root, 0, &left);
		if (left <= 0) {
			e = fail(err, 2, C_ERR_PARSE, "the frontmatter is too large "
				 "(more than %d values, counting aliases)", NODE_BUDGET);
			goto out;
		}
	}
	p = yaml_end;
	eol = strchr(p, '\n');
	p = eol ? eol + 1 : p + strlen(p);
	while (*p == '\n')
		p++;
	s->body = xstrdup(p);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(t);
	if (e)
		skill_free(s);
	return e;
}

enum cerr
skill_from_meta(const char *text, size_t len, const char *name,
		const char *desc, const cJSON *meta, struct skill *s,
		struct skill_err *err)
{
	char *t = normalise(text, len), *p = t, *eol;
	bool first = true;

	memset(s, 0, sizeof *s);
	memset(err, 0, sizeof *err);
	if (!name || !desc || !meta) {
		free(t);
		return fail(err, 0, C_ERR_PARSE, "stale cache entry");
	}
	/* the body starts after the second fence line */
	for (;;) {
		eol = strchr(p, '\n');
		if (!first && (is_fence(p, eol ? (size_t)(eol - p) : strlen(p), "---") ||
			       is_fence(p, eol ? (size_t)(eol - p) : strlen(p), "...")))
			break;
		first = false;
		if (!eol) {
			free(t);
			return fail(err, 0, C_ERR_PARSE, "stale cache entry");
		}
		p = eol + 1;
	}
	p = eol ? eol + 1 : p + strlen(p);
	while (*p == '\n')
		p++;
	s->name = xstrdup(name);
	s->description = xstrdup(desc);
	s->meta = cJSON_Duplicate(meta, true);
	s->body = xstrdup(p);
	free(t);
	return C_OK;
}

enum cerr
skill_load(const char *dir, struct skill *s, struct skill_err *err)
{
	char *path = path_join(dir, "SKILL.md");
	const char *base = strrchr(dir, '/');
	struct buf b = BUF_INIT;
	enum cerr e;
	char *dn;

	memset(s, 0, sizeof *s);
	memset(err, 0, sizeof *err);
	base = base ? base + 1 : dir;
	dn = xstrdup(base);
	e = fs_read_file(path, SKILL_FILE_MAX, &b);
	if (e) {
		fail(err, 0, e, "%s", e == C_ERR_NOTFOUND ? "no SKILL.md" :
		     e == C_ERR_TOOBIG ? "SKILL.md is too large" : "cannot read SKILL.md");
		goto out;
	}
	if (memchr(buf_str(&b), '\0', b.len)) {
		e = fail(err, 0, C_ERR_PARSE, "SKILL.md holds NUL bytes");
		goto out;
	}
	e = skill_parse(buf_str(&b), b.len, dn, s, err);
	if (!e) {
		s->dir = xstrdup(dir);
		s->path = path;
		path = NULL;
	}
out:
	xfree_all(dn, path);
	buf_free(&b);
	return e;
}

/* Emit a YAML double-quoted scalar. */
static void
yaml_quote(struct buf *o, const char *s)
{
	buf_addc(o, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(o, "\\%c", c);
		else if (c == '\n')
			buf_adds(o, "\\n");
		else if (c == '\t')
			buf_adds(o, "\\t");
		else if (c < 0x20)
			buf_printf(o, "\\x%02x", c);
		else
			buf_addc(o, (char)c);
	}
	buf_addc(o, '"');
}

char *
skill_render(const char *name, const char *description, const char *body)
{
	struct buf o = BUF_INIT;
	buf_printf(&o, "---\nname: %s\ndescription: ", name);
	yaml_quote(&o, description);
	buf_adds(&o, "\n---\n\n");
	buf_adds(&o, body);
	if (o.len && o.p[o.len - 1] != '\n')
		buf_addc(&o, '\n');
	return buf_steal(&o);
}
