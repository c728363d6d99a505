/* config.c: the user's config file.  Only the user's own file can set
 * providers, endpoints, keys and permissions; project files never do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define CONFIG_MAX (1u << 20)

static int
bad_type(const struct config *c, const char *key, const char *want)
{
	fprintf(stderr, "conch: config error: %s: \"%s\" must be %s\n",
		c->path, key, want);
	return EXIT_CONFIG;
}

static int
config_apply(struct config *c)
{
	const cJSON *r = c->root, *v;

	v = cJSON_GetObjectItemCaseSensitive(r, "model");
	if (v && !cJSON_IsString(v))
		return bad_type(c, "model", "a string such as \"anthropic/claude-sonnet-4-5\"");
	c->model = v ? v->valuestring : NULL;

	v = cJSON_GetObjectItemCaseSensitive(r, "fallback");
	if (v) {
		const cJSON *it;
		if (!cJSON_IsArray(v))
			return bad_type(c, "fallback", "an array of \"provider/model\" strings");
		cJSON_ArrayForEach(it, v)
			if (!cJSON_IsString(it))
				return bad_type(c, "fallback", "an array of \"provider/model\" strings");
		c->fallback = v;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "mode");
	if (v) {
		if (!cJSON_IsString(v) || !policy_mode_parse(v->valuestring, &c->mode))
			return bad_type(c, "mode", "one of \"read-only\", \"ask\", \"auto-edit\", "
					"\"auto\", \"plan\"");
		c->mode_set = true;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "max_turns");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 100000)
			return bad_type(c, "max_turns", "a number from 1 to 100000");
		c->max_turns = (int)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "providers");
	if (v && !cJSON_IsObject(v))
		return bad_type(c, "providers", "an object");
	c->providers = v;
	v = cJSON_GetObjectItemCaseSensitive(r, "permissions");
	if (v && !cJSON_IsObject(v))
		return bad_type(c, "permissions", "an object with allow/ask/deny arrays");
	c->permissions = v;
	v = cJSON_GetObjectItemCaseSensitive(r, "sandbox");
	if (v) {
		if (!cJSON_IsObject(v))
			return bad_type(c, "sandbox", "an object");
		c->network = jx_bool(v, "network", false);
		c->sandbox_off = !jx_bool(v, "enabled", true);
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "checkpoints");
	if (v) {
		const cJSON *k;
		if (!cJSON_IsObject(v))
			return bad_type(c, "checkpoints", "an object with enabled, "
					"max_count and max_age_days");
		k = cJSON_GetObjectItemCaseSensitive(v, "enabled");
		if (k && !cJSON_IsBool(k))
			return bad_type(c, "checkpoints.enabled", "true or false");
		k = cJSON_GetObjectItemCaseSensitive(v, "max_count");
		if (k && (!cJSON_IsNumber(k) || k->valuedouble < 1 ||
			  k->valuedouble > 10000))
			return bad_type(c, "checkpoints.max_count", "a number from 1 to 10000");
		k = cJSON_GetObjectItemCaseSensitive(v, "max_age_days");
		if (k && (!cJSON_IsNumber(k) || k->valuedouble < 1 ||
			  k->valuedouble > 36500))
			return bad_type(c, "checkpoints.max_age_days",
					"a number of days from 1 to 36500");
	}
	return 0;
}

int
config_load(struct config *c)
{
	struct buf b = BUF_INIT;
	char *dir = xdg_dir("config");
	const char *env;
	enum cerr e;
	int rc = 0, line = 0, col = 0;

	memset(c, 0, sizeof *c);
	c->mode = MODE_ASK;
	c->path = xasprintf("%s/config.json", dir);
	free(dir);
	e = fs_read_file(c->path, CONFIG_MAX, &b);
	if (e == C_ERR_NOTFOUND) {
		c->root = cJSON_CreateObject();
	} else if (e) {
		fprintf(stderr, "conch: config error: cannot read %s: %s\n", c->path,
			e == C_ERR_TOOBIG ? "file too large" : strerror(errno));
		rc = EXIT_CONFIG;
		goto out;
	} else {
		c->root = jx_parse(b.p, b.len, &line, &col);
		if (!c->root) {
			fprintf(stderr, "conch: config error: %s:%d:%d: invalid JSON "
				"(fix or remove the file)\n", c->path, line, col);
			rc = EXIT_CONFIG;
			goto out;
		}
		if (!cJSON_IsObject(c->root)) {
			fprintf(stderr, "conch: config error: %s:1:1: the config must "
				"be a JSON object\n", c->path);
			rc = EXIT_CONFIG;
			goto out;
		}
	}
	if ((rc = config_apply(c)))
		goto out;
	if ((env = getenv("CONCH_MODEL")) && *env)
		c->model = env;
	if ((env = getenv("CONCH_MODE")) && *env) {
		if (!policy_mode_parse(env, &c->mode)) {
			fprintf(stderr, "conch: config error: CONCH_MODE must be "
				"read-only, ask, auto-edit, plan or auto, not \"%s\"\n", env);
			rc = EXIT_CONFIG;
			goto out;
		}
		c->mode_set = true;
	}
	if ((env = getenv("CONCH_MAX_TURNS")) && *env) {
		long n;
		if (!str_to_long(env, &n) || n < 1 || n > 100000) {
			fprintf(stderr, "conch: config error: CONCH_MAX_TURNS must be a "
				"number from 1 to 100000, not \"%s\"\n", env);
			rc = EXIT_CONFIG;
			goto out;
		}
		c->max_turns = (int)n;
	}
out:
	buf_free(&b);
	return rc;
}

void
config_free(struct config *c)
{
	free(c->path);
	cJSON_Delete(c->root);
	memset(c, 0, sizeof *c);
}

bool
cli_sandbox_off(const struct cli_ctx *c)
{
	if (c->opts->sandbox)
		return strcmp(c->opts->sandbox, "off") == 0;
	return c->cfg->sandbox_off;
}

int
cli_make_policy(struct cli_ctx *c, struct policy *p)
{
	enum policy_mode m = c->cfg->mode;
	if (c->opts->mode && !policy_mode_parse(c->opts->mode, &m))
		return EXIT_USAGE;
	policy_init(p, m);
	p->yes = c->opts->yes;
	{
		struct buf err = BUF_INIT;
		/* only the user's own config may carry rules */
		if (policy_load_rules(p, c->cfg->root, &err) != C_OK) {
			fprintf(stderr, "conch: config error: %s: %s\n", c->cfg->path,
				buf_str(&err));
			buf_free(&err);
			policy_free(p);
			return EXIT_CONFIG;
		}
		buf_free(&err);
		/* rules saved "always for this project" (user config dir) */
		if (c->workspace &&
		    policy_project_rules_load(p, c->workspace, &err) != C_OK)
			fprintf(stderr, "conch: warning: %s\n", buf_str(&err));
		buf_free(&err);
	}
	if (cli_sandbox_off(c))
		fprintf(stderr, "conch: WARNING: the sandbox is OFF: commands run "
			"with your full rights and network\n");
	return 0;
}
