/* prices.c: the price table; see prices.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/prices.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

struct prices {
	cJSON *models; /* merged {"label": {...}} */
};

static void
merge_file(struct prices *p, const char *path, struct buf *warn)
{
	struct buf b = BUF_INIT;
	cJSON *doc = NULL, *m, *it;
	int line = 0, col = 0;

	if (!path || fs_read_file(path, 4u << 20, &b) != C_OK)
		goto out;
	doc = jx_parse(b.p, b.len, &line, &col);
	m = cJSON_GetObjectItemCaseSensitive(doc, "models");
	if (!cJSON_IsObject(m)) {
		if (warn)
			buf_printf(warn, "price table %s: %s at line %d, column %d; ignored\n",
				   path, doc ? "no \"models\" object" : "invalid JSON",
				   line, col);
		goto out;
	}
	cJSON_ArrayForEach(it, m) {
		if (!cJSON_IsObject(it) || !it->string)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(p->models, it->string);
		cJSON_AddItemToObject(p->models, it->string, cJSON_Duplicate(it, true));
	}
out:
	cJSON_Delete(doc);
	buf_free(&b);
}

struct prices *
prices_load(const char *system_path, const char *user_path, struct buf *warn)
{
	struct prices *p = xcalloc(1, sizeof *p);
	p->models = cJSON_CreateObject();
	merge_file(p, system_path, warn);
	merge_file(p, user_path, warn);
	return p;
}

struct prices *
prices_load_default(struct buf *warn)
{
	const char *dir = getenv("CONCH_PKGDATADIR");
	char *sys = path_join(dir && *dir ? dir : CONCH_PKGDATADIR, "prices.json");
	char *cfg = xdg_dir("config");
	/* run from the build tree (not installed): the source tree's copy */
	if (!fs_exists(sys)) {
		char *src = path_join(CONCH_SRCDIR, "prices.json");
		if (fs_exists(src)) {
			free(sys);
			sys = src;
		} else {
			free(src);
		}
	}
	char *user = cfg ? path_join(cfg, "prices.json") : NULL;
	struct prices *p = prices_load(sys, user, warn);
	xfree_all(sys, cfg, user);
	return p;
}

void
prices_free(struct prices *p)
{
	if (!p)
		return;
	cJSON_Delete(p->models);
	free(p);
}

static const cJSON *
lookup(const struct prices *p, const char *label)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(p->models, label), *it;
	const cJSON *best = NULL;
	const char *slash;
	size_t bestlen = 0;
	char *wild;

	if (e)
		return e;
	slash = strchr(label, '/');
	if (slash && (e = cJSON_GetObjectItemCaseSensitive(p->models, slash + 1)))
		return e;
	cJSON_ArrayForEach(it, p->models) {
		size_t kl = strlen(it->string);
		if (kl > bestlen && strncmp(label, it->string, kl) == 0 && label[kl] == '-') {
			best = it;
			bestlen = kl;
		}
	}
	if (best)
		return best;
	if (!slash)
		return NULL;
	wild = xasprintf("%.*s/*", (int)(slash - label), label);
	e = cJSON_GetObjectItemCaseSensitive(p->models, wild);
	free(wild);
	return e;
}

static bool
price(const cJSON *e, const char *k, const char *fallback, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, k);
	if (!cJSON_IsNumber(v) && fallback)
		v = cJSON_GetObjectItemCaseSensitive(e, fallback);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return false;
	*out = v->valuedouble;
	return true;
}

bool
prices_cost(const struct prices *p, const char *label, const struct conv_usage *u,
	    double *usd)
{
	const cJSON *e;
	double in, out, cw, cr;

	/* a model running on this machine costs nothing per token */
	if (label && u && u->known && str_prefix(label, "local/")) {
		*usd = 0;
		return true;
	}
	if (!p || !label || !u || !u->known || !(e = lookup(p, label)))
		return false;
	if (!price(e, "input", NULL, &in) || !price(e, "output", NULL, &out) ||
	    !price(e, "cache_write", "input", &cw) || !price(e, "cache_read", "input", &cr))
		return false;
	*usd = ((double)u->input * in + (double)u->output * out +
		(double)u->cache_write * cw + (double)u->cache_read * cr) / 1e6;
	return true;
}

void
cost_total_add(struct cost_total *t, const struct prices *p, const struct conv_msg *m)
{
	double usd;
	t->turns++;
	if (prices_cost(p, m->answered_by, &m->usage, &usd))
		t->usd += usd;
	else
		t->unpriced++;
}

