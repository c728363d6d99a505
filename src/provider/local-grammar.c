/* local-grammar.c: a byte-level pushdown recogniser for tool-call JSON.
 * See local-grammar.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provider/local-grammar.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define MAX_WS 4

struct tcg_tool {
	char *name;
	char **props; /* allowed top-level argument keys; none: any */
	size_t nprops;
	bool closed;   /* additionalProperties: false */
	char ***enums; /* per property: allowed string values, or NULL */
	size_t *nenums;
	char *types;   /* per property: first byte its JSON type allows ('"',
			* '0' number, 'i' integer, 't' boolean, '[', '{'), 0 any */
	char **req;   /* required keys (at most 64 are enforced) */
	size_t nreq;
};

struct tcg {
	struct tcg_tool *tools;
	size_t n;
	char lit_name[16];  /* "name" with quotes */
	char lit_args[32];  /* "arguments" with quotes */
};

enum {
	S_OPEN, S_AFTER_OPEN, S_LIT_NAME, S_COLON1, S_NAME_OPEN, S_NAME, S_COMMA,
	S_AFTER_COMMA, S_LIT_ARGS, S_COLON2, S_ARGS_OPEN, S_ARGS, S_CLOSE, S_DONE,
};

enum {
	J_VALUE, J_OBJ_FIRST, J_OBJ_KEY, J_KEY, J_COLON, J_AFTER, J_STR, J_NUM, J_LIT,
};

enum { N_SIGN, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

static const char *const lits[3] = { "true", "false", "null" };

static char **
str_list(const cJSON *arr, size_t *n)
{
	const cJSON *it;
	char **v = NULL;
	*n = 0;
	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;
		if (!s)
			continue;
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(s);
	}
	return v;
}

struct tcg *
tcg_new(const struct conv_tool_spec *tools, size_t n, const char *args_key)
{
	struct tcg *g = xcalloc(1, sizeof(*g));
	size_t i;

	snprintf(g->lit_name, sizeof g->lit_name, "\"name\"");
	snprintf(g->lit_args, sizeof g->lit_args, "\"%s\"", args_key ? args_key : "arguments");
	g->tools = xcalloc(n ? n : 1, sizeof(*g->tools));
	for (i = 0; i < n; i++) {
		struct tcg_tool *t = &g->tools[g->n];
		cJSON *s;
		if (!tools[i].name || !*tools[i].name || strlen(tools[i].name) >= TCG_MAXNAME)
			continue;
		t->name = xstrdup(tools[i].name);
		s = tools[i].schema || tools[i].schema_json ? conv_tool_schema(&tools[i]) :
			NULL;
		if (s) {
			const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
			size_t k;
			t->props = str_list(props, &t->nprops);
			t->req = str_list(cJSON_GetObjectItemCaseSensitive(s, "required"), &t->nreq);
			t->closed = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "additionalProperties"));
			t->enums = xcalloc(t->nprops ? t->nprops : 1, sizeof(*t->enums));
			t->nenums = xcalloc(t->nprops ? t->nprops : 1, sizeof(*t->nenums));
			t->types = xcalloc(t->nprops ? t->nprops : 1, 1);
			for (k = 0; k < t->nprops; k++) {
				const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, t->props[k]);
				const char *ty = jx_str(ps, "type");
				if (ty)
					t->types[k] = strcmp(ty, "string") == 0 ? '"' :
						      strcmp(ty, "integer") == 0 ? 'i' :
						      strcmp(ty, "number") == 0 ? '0' :
						      strcmp(ty, "boolean") == 0 ? 't' :
						      strcmp(ty, "array") == 0 ? '[' :
						      strcmp(ty, "object") == 0 ? '{' : 0;
				const cJSON *en = cJSON_GetObjectItemCaseSensitive(ps, "enum");
				const cJSON *it;
				bool all_str = cJSON_IsArray(en) && cJSON_GetArraySize(en) > 0;
				cJSON_ArrayForEach(it, en)
					if (!cJSON_IsString(it) || strlen(it->valuestring) >= TCG_MAXNAME ||
					    strpbrk(it->valuestring, "\\\"") != NULL)
						all_str = false;
				if (all_str)
					t->enums[k] = str_list(en, &t->nenums[k]);
			}
			cJSON_Delete(s);
		}
		g->n++;
	}
	return g;
}

void
tcg_free(struct tcg *g)
{
	size_t i;
	if (!g)
		return;
	for (i = 0; i < g->n; i++) {
		free(g->tools[i].name);
		strv_free(g->tools[i].props, g->tools[i].nprops);
		strv_free(g->tools[i].req, g->tools[i].nreq);
		if (g->tools[i].enums) {
			size_t k;
			for (k = 0; k < g->tools[i].nprops; k++)
				strv_free(g->tools[i].enums[k],
					  g->tools[i].nenums[k]);
		}
		xfree_all(g->tools[i].enums, g->tools[i].nenums,
			  g->tools[i].types);
	}
	xfree_all(g->tools, g);
}

void
tcg_start(const struct tcg *g, struct tcg_state *st)
{
	(void)g;
	memset(st, 0, sizeof(*st));
	st->tool = -1;
	st->prop = -1;
}

bool
tcg_done(const struct tcg_state *st)
{
	return st->stage == S_DONE;
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* A whitespace byte where whitespace may go. */
static bool
take_ws(struct tcg_state *st)
{
	return ++st->ws <= MAX_WS;
}

/* Is s[0..n) a prefix of one of v[]?  (exact: equal to one) */
static bool
prefix_of(char **v, size_t nv, const char *s, size_t n, bool exact)
{
	size_t i;
	for (i = 0; i < nv; i++) {
		size_t l = strlen(v[i]);
		if (exact ? l == n && memcmp(v[i], s, n) == 0 : l >= n && memcmp(v[i], s, n) == 0)
			return true;
	}
	return false;
}

/* key s[0..n) against the properties not used yet */
static bool
prop_ok(const struct tcg_tool *t, uint64_t used, const char *s, size_t n, bool exact)
{
	size_t i;
	for (i = 0; i < t->nprops; i++) {
		size_t l = strlen(t->props[i]);
		if (i < 64 && (used & (1ULL << i)))
			continue;
		if (exact ? l == n && memcmp(t->props[i], s, n) == 0
			  : l >= n && memcmp(t->props[i], s, n) == 0)
			return true;
	}
	return false;
}

static bool
name_ok(const struct tcg *g, const char *s, size_t n, bool exact, int16_t *which)
{
	size_t i;
	for (i = 0; i < g->n; i++) {
		size_t l = strlen(g->tools[i].name);
		if (exact ? l == n && memcmp(g->tools[i].name, s, n) == 0
			  : l >= n && memcmp(g->tools[i].name, s, n) == 0) {
			if (which)
				*which = (int16_t)i;
			return true;
		}
	}
	return false;
}

static bool
all_required(const struct tcg *g, const struct tcg_state *st)
{
	const struct tcg_tool *t;
	size_t i;
	if (st->tool < 0)
		return false;
	t = &g->tools[st->tool];
	for (i = 0; i < t->nreq && i < 64; i++)
		if (!(st->seen & (1ULL << i)))
			return false;
	return true;
}

static const struct tcg_tool *
cur_tool(const struct tcg *g, const struct tcg_state *st)
{
	return st->tool >= 0 ? &g->tools[st->tool] : NULL;
}

const char *
tcg_string_arg(const struct tcg *g, const struct tcg_state *st, const char **tool)
{
	const struct tcg_tool *t = cur_tool(g, st);
	if (!t || st->stage != S_ARGS || st->js != J_STR || st->depth != 1 || st->prop < 0 ||
	    (size_t)st->prop >= t->nprops)
		return NULL;
	*tool = t->name;
	return t->props[st->prop];
}

/* end of a value inside the arguments */
static void
value_done(struct tcg_state *st)
{
	st->js = J_AFTER;
	st->ws = 0;
}

static bool
close_container(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	char open = c == '}' ? '{' : '[';
	if (st->depth == 0 || st->stack[st->depth - 1] != open)
		return false;
	if (st->depth == 1 && !all_required(g, st))
		return false;
	st->depth--;
	st->ws = 0;
	if (st->depth == 0) {
		st->stage = S_CLOSE;
		return true;
	}
	value_done(st);
	return true;
}

static bool
push(struct tcg_state *st, char c)
{
	if (st->depth >= TCG_MAXDEPTH)
		return false;
	st->stack[st->depth++] = c;
	st->ws = 0;
	return true;
}

/* a byte of the generic JSON inside the arguments object */
static bool json_byte(const struct tcg *g, struct tcg_state *st, unsigned char c);

/* The first byte of a value: its kind, checked against the property's
 * type or enum at the top level. */
static bool
json_value(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	const struct tcg_tool *t;

	if (is_ws(c))
		return take_ws(st);
	st->ws = 0;
	t = cur_tool(g, st);
	if (st->depth == 1 && t && st->prop >= 0 && t->enums && t->enums[st->prop]) {
		if (c != '"')
			return false;
		st->js = J_STR;
		st->esc = 0;
		st->in_enum = true;
		st->nkey = 0;
		return true;
	}
	st->int_only = false;
	if (st->depth == 1 && t && st->prop >= 0 && t->types && t->types[st->prop]) {
		char want = t->types[st->prop];
		bool numeric = c == '-' || (c >= '0' && c <= '9');
		if (want == '"' && c != '"')
			return false;
		if ((want == '0' || want == 'i') && !numeric)
			return false;
		if (want == 't' && c != 't' && c != 'f')
			return false;
		if ((want == '[' || want == '{') && c != want)
			return false;
		st->int_only = want == 'i';
	}
	if (c == '{') {
		st->js = J_OBJ_FIRST;
		return push(st, '{');
	}
	if (c == '[') {
		if (!push(st, '['))
			return false;
		st->js = J_VALUE;
		st->lit_i2 = 1; /* an empty array may close now */
		return true;
	}
	if (c == ']' && st->lit_i2 == 1)
		return close_container(g, st, c);
	st->lit_i2 = 0;
	if (c == '"') {
		st->js = J_STR;
		st->esc = 0;
		return true;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		st->js = J_NUM;
		st->lit_i = c == '-' ? 0 : 1;
		st->num = c == '-' ? N_SIGN : c == '0' ? N_ZERO : N_INT;
		return true;
	}
	for (st->lit = 0; st->lit < 3; st->lit++)
		if (c == (unsigned char)lits[st->lit][0]) {
			st->js = J_LIT;
			st->lit_i = 1;
			return true;
		}
	return false;
}

/* Inside a string or a key (the top level's keys are checked against
 * the tool's properties as they grow). */
static bool
json_string(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	const struct tcg_tool *t;

	if (st->js == J_STR && st->in_enum) {
		t = cur_tool(g, st);
		if (c == '"') {
			if (!prefix_of(t->enums[st->prop], t->nenums[st->prop], st->key,
				       st->nkey, true))
				return false;
			st->in_enum = false;
			value_done(st);
			return true;
		}
		if (c == '\\' || c < 0x20 || st->nkey >= TCG_MAXNAME)
			return false;
		st->key[st->nkey++] = (char)c;
		return prefix_of(t->enums[st->prop], t->nenums[st->prop], st->key, st->nkey,
				 false);
	}
	if (st->esc == 1) {
		if (c == 'u') {
			st->esc = 2;
		} else if (strchr("\"\\/bfnrt", c) && c) {
			st->esc = 0;
		} else {
			return false;
		}
	} else if (st->esc >= 2) {
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
		/* no surrogate escapes (\uD800-\uDFFF): readers refuse lone ones */
		if (st->esc == 2)
			st->hexd = c == 'd' || c == 'D';
		else if (st->esc == 3 && st->hexd && strchr("89abcdefABCDEF", c))
			return false;
		st->esc = st->esc == 5 ? 0 : st->esc + 1;
	} else if (c == '\\') {
		st->esc = 1;
	} else if (c == '"') {
		if (st->js == J_STR) {
			value_done(st);
			return true;
		}
		/* end of a key: at the top level check it */
		if (st->depth == 1 && (t = cur_tool(g, st)) != NULL) {
			size_t i;
			if (t->closed && (st->key_bad ||
					  !prop_ok(t, st->used, st->key, st->nkey, true)))
				return false;
			st->prop = -1;
			for (i = 0; i < t->nprops && i < 64; i++)
				if (strlen(t->props[i]) == st->nkey &&
				    memcmp(t->props[i], st->key, st->nkey) == 0) {
					if (st->used & (1ULL << i))
						return false; /* a key twice */
					st->used |= 1ULL << i;
					st->prop = (int16_t)i;
				}
			for (i = 0; i < t->nreq && i < 64; i++)
				if (!st->key_bad && strlen(t->req[i]) == st->nkey &&
				    memcmp(t->req[i], st->key, st->nkey) == 0)
					st->seen |= 1ULL << i;
		}
		st->js = J_COLON;
		st->ws = 0;
		return true;
	} else if (c < 0x20) {
		return false;
	}
	if (st->js == J_KEY && st->depth == 1) {
		t = cur_tool(g, st);
		if (c == '\\' || st->esc)
			st->key_bad = true;
		else if (st->nkey < TCG_MAXNAME)
			st->key[st->nkey++] = (char)c;
		else
			st->key_bad = true;
		if (t && t->closed &&
		    (st->key_bad || !prop_ok(t, st->used, st->key, st->nkey, false)))
			return false;
	}
	return true;
}

/* After a value: a comma, or the end of its object or array. */
static bool
json_after(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	const struct tcg_tool *t;

	if (is_ws(c))
		return take_ws(st);
	st->ws = 0;
	if (c == ',') {
		t = cur_tool(g, st);
		if (st->depth == 1 && t && t->closed && t->nprops <= 64 &&
		    (size_t)__builtin_popcountll(st->used) >= t->nprops)
			return false; /* no key is left to add */
		st->js = st->stack[st->depth - 1] == '{' ? J_OBJ_KEY : J_VALUE;
		st->lit_i2 = 0;
		return true;
	}
	if (c == '}' || c == ']')
		return close_container(g, st, c);
	return false;
}

/* Inside a number, kept short enough for JSON readers. */
static bool
json_number(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	bool digit = c >= '0' && c <= '9';
	/* numbers stay short (at most 16 digits per part): JSON readers
	 * (cJSON) refuse long ones */
	if (digit && ++st->lit_i > 16)
		return false;
	if (c == '.' || c == 'e' || c == 'E')
		st->lit_i = 0;
	switch (st->num) {
	case N_SIGN:
		if (!digit)
			return false;
		st->num = c == '0' ? N_ZERO : N_INT;
		return true;
	case N_ZERO:
	case N_INT:
		if (digit && st->num == N_INT)
			return true;
		if (c == '.' && !st->int_only) {
			st->num = N_DOT;
			return true;
		}
		if ((c == 'e' || c == 'E') && !st->int_only) {
			st->num = N_E;
			return true;
		}
		break;
	case N_DOT:
		if (!digit)
			return false;
		st->num = N_FRAC;
		return true;
	case N_FRAC:
		if (digit)
			return true;
		if (c == 'e' || c == 'E') {
			st->num = N_E;
			return true;
		}
		break;
	case N_E:
		if (c == '+' || c == '-') {
			st->num = N_ESIGN;
			return true;
		}
		/* fall through */
	case N_ESIGN:
		if (!digit)
			return false;
		st->num = N_EXP;
		return true;
	case N_EXP:
		if (digit)
			return true;
		break;
	}
	/* the number ended: this byte belongs to what follows */
	value_done(st);
	return json_byte(g, st, c);
}

static bool
json_byte(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	switch (st->js) {
	case J_VALUE:
		return json_value(g, st, c);
	case J_OBJ_FIRST:
	case J_OBJ_KEY:
		if (is_ws(c))
			return take_ws(st);
		st->ws = 0;
		if (c == '}' && st->js == J_OBJ_FIRST)
			return close_container(g, st, c);
		if (c != '"')
			return false;
		st->js = J_KEY;
		st->esc = 0;
		st->nkey = 0;
		st->key_bad = false;
		return true;
	case J_KEY:
	case J_STR:
		return json_string(g, st, c);
	case J_COLON:
		if (is_ws(c))
			return take_ws(st);
		if (c != ':')
			return false;
		st->js = J_VALUE;
		st->ws = 0;
		st->lit_i2 = 0;
		return true;
	case J_AFTER:
		return json_after(g, st, c);
	case J_LIT:
		if (c != (unsigned char)lits[st->lit][st->lit_i])
			return false;
		if (lits[st->lit][++st->lit_i] == '\0')
			value_done(st);
		return true;
	case J_NUM:
		return json_number(g, st, c);
	}
	return false;
}

static bool
lit_byte(struct tcg_state *st, const char *lit, unsigned char c, int next)
{
	if (c != (unsigned char)lit[st->lit_i])
		return false;
	if (lit[++st->lit_i] == '\0') {
		st->stage = (uint8_t)next;
		st->ws = 0;
	}
	return true;
}

static bool
byte(const struct tcg *g, struct tcg_state *st, unsigned char c)
{
	switch (st->stage) {
	case S_OPEN:
		if (is_ws(c))
			return take_ws(st);
		if (c != '{')
			return false;
		st->stage = S_AFTER_OPEN;
		st->ws = 0;
		return true;
	case S_AFTER_OPEN:
	case S_AFTER_COMMA:
		if (is_ws(c))
			return take_ws(st);
		if (c != '"')
			return false;
		st->stage = st->stage == S_AFTER_OPEN ? S_LIT_NAME : S_LIT_ARGS;
		st->lit_i = 1;
		st->ws = 0;
		return true;
	case S_LIT_NAME:
		return lit_byte(st, g->lit_name, c, S_COLON1);
	case S_LIT_ARGS:
		return lit_byte(st, g->lit_args, c, S_COLON2);
	case S_COLON1:
	case S_COLON2:
		if (is_ws(c))
			return take_ws(st);
		if (c != ':')
			return false;
		st->stage = st->stage == S_COLON1 ? S_NAME_OPEN : S_ARGS_OPEN;
		st->ws = 0;
		return true;
	case S_NAME_OPEN:
		if (is_ws(c))
			return take_ws(st);
		if (c != '"')
			return false;
		st->stage = S_NAME;
		st->nname = 0;
		return true;
	case S_NAME:
		if (c == '"') {
			if (!name_ok(g, st->name, st->nname, true, &st->tool))
				return false;
			st->stage = S_COMMA;
			st->ws = 0;
			return true;
		}
		if (st->nname >= TCG_MAXNAME - 1)
			return false;
		st->name[st->nname++] = (char)c;
		return name_ok(g, st->name, st->nname, false, NULL);
	case S_COMMA:
		if (is_ws(c))
			return take_ws(st);
		if (c != ',')
			return false;
		st->stage = S_AFTER_COMMA;
		st->ws = 0;
		return true;
	case S_ARGS_OPEN:
		if (is_ws(c))
			return take_ws(st);
		if (c != '{')
			return false;
		st->stage = S_ARGS;
		st->js = J_OBJ_FIRST;
		st->depth = 0;
		st->seen = 0;
		return push(st, '{');
	case S_ARGS:
		return json_byte(g, st, c);
	case S_CLOSE:
		if (is_ws(c))
			return take_ws(st);
		if (c != '}')
			return false;
		st->stage = S_DONE;
		return true;
	default:
		return true;
	}
}

bool
tcg_feed(const struct tcg *g, struct tcg_state *st, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		if (st->stage == S_DONE)
			return true;
		if (!byte(g, st, (unsigned char)s[i]))
			return false;
	}
	return true;
}
