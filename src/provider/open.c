/* open.c: provider_open(), the registry of provider names, and the
 * endpoint / key lookup for remote providers.
 *
 * Names (spec "NAME/MODEL"; MODEL may itself contain slashes):
 *   anthropic   Anthropic Messages   https://api.anthropic.com
 *               ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY
 *   openai      Chat Completions     https://api.openai.com/v1
 *               OPENAI_BASE_URL, OPENAI_API_KEY
 *   openrouter  Chat Completions     https://openrouter.ai/api/v1
 *               OPENROUTER_BASE_URL, OPENROUTER_API_KEY
 *   deepseek    Chat Completions     https://api.deepseek.com
 *               DEEPSEEK_BASE_URL, DEEPSEEK_API_KEY
 *   ollama      Chat Completions     http://localhost:11434/v1 (no key)
 *               OLLAMA_BASE_URL
 *   llamacpp    Chat Completions     http://localhost:8080/v1 (no key)
 *               LLAMACPP_BASE_URL
 *   vllm        Chat Completions     http://localhost:8000/v1
 *               VLLM_BASE_URL, VLLM_API_KEY (optional)
 *   local       the built-in runtime (src/provider/local.c)
 *   any other NAME that the config defines with "type": "anthropic" or
 *               "openai" and a "base_url".
 *
 * Config (the "providers" object), per NAME, all optional:
 *   "type": "anthropic" | "openai"   wire format (custom names)
 *   "base_url": "https://..."        wins over the environment variable
 *   "api_key_env": "VAR"             read the key from $VAR
 *   "api_key_file": "PATH"           read it from a file of mode 0600
 *   "connect_timeout_s", "idle_timeout_s" (or "idle_timeout_ms")
 * Key order: api_key_env, then api_key_file, then the default variable. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/local.h"
#include "provider/provider.h"
#include "provider/remote.h"
#include "provider/secrets.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

struct known {
	const char *name, *wire, *base, *base_env, *key_env;
	bool key_required;
};

static const struct known known_providers[] = {
	{ "anthropic", "anthropic", "https://api.anthropic.com", "ANTHROPIC_BASE_URL",
	  "ANTHROPIC_API_KEY", true },
	{ "openai", "openai", "https://api.openai.com/v1", "OPENAI_BASE_URL",
	  "OPENAI_API_KEY", true },
	{ "openrouter", "openai", "https://openrouter.ai/api/v1", "OPENROUTER_BASE_URL",
	  "OPENROUTER_API_KEY", true },
	{ "deepseek", "openai", "https://api.deepseek.com", "DEEPSEEK_BASE_URL",
	  "DEEPSEEK_API_KEY", true },
	{ "ollama", "openai", "http://localhost:11434/v1", "OLLAMA_BASE_URL", NULL, false },
	{ "llamacpp", "openai", "http://localhost:8080/v1", "LLAMACPP_BASE_URL", NULL, false },
	{ "vllm", "openai", "http://localhost:8000/v1", "VLLM_BASE_URL", "VLLM_API_KEY", false },
};

static const struct known *
find_known(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof known_providers / sizeof known_providers[0]; i++)
		if (strcmp(known_providers[i].name, name) == 0)
			return &known_providers[i];
	return NULL;
}

size_t
provider_key_env_names(const cJSON *cfg, const char **names, size_t max)
{
	const cJSON *it;
	size_t i, n = 0;

	for (i = 0; i < sizeof known_providers / sizeof known_providers[0]; i++) {
		if (!known_providers[i].key_env)
			continue;
		if (n < max)
			names[n] = known_providers[i].key_env;
		n++;
	}
	cJSON_ArrayForEach(it, cfg) {
		const char *v = jx_str(it, "api_key_env");
		if (!v)
			continue;
		if (n < max)
			names[n] = v;
		n++;
	}
	return n;
}

static bool
key_ok(const char *k)
{
	for (; *k; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			return false;
	return true;
}

/* Read a key file; it must be a regular file that only its owner can
 * read.  Returns a new string or NULL with err filled. */
static char *
read_key_file(const char *name, const char *path, struct provider_error *err)
{
	char tmp[4097];
	struct stat st;
	ssize_t n;
	size_t len;
	char *key = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		provider_fail(err, C_ERR_AUTH, "cannot open the key file for %s (%s): %s",
			      name, path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		provider_fail(err, C_ERR_AUTH, "key file for %s (%s) is not a regular file",
			      name, path);
		goto out;
	}
	if (st.st_mode & 077) {
		provider_fail(err, C_ERR_AUTH,
			      "key file for %s (%s) has mode %03o: others may read it; "
			      "run chmod 600 %s", name, path,
			      (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	n = read(fd, tmp, sizeof tmp - 1);
	if (n < 0) {
		provider_fail(err, C_ERR_AUTH, "cannot read the key file for %s (%s): %s",
			      name, path, strerror(errno));
		goto out;
	}
	len = (size_t)n;
	while (len && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r' ||
		       tmp[len - 1] == ' ' || tmp[len - 1] == '\t'))
		len--;
	tmp[len] = '\0';
	if (!len || !key_ok(tmp)) {
		provider_fail(err, C_ERR_AUTH, "key file for %s (%s) is empty or malformed",
			      name, path);
		goto out;
	}
	key = xstrdup(tmp);
out:
	explicit_bzero(tmp, sizeof tmp);
	if (fd >= 0)
		close(fd);
	return key;
}

/* The key for provider `name`: NULL with err->kind == C_OK when none is
 * configured, NULL with err filled on failure. */
static char *
find_key(const char *name, const struct known *k, const cJSON *pc,
	 struct provider_error *err)
{
	const char *var = jx_str(pc, "api_key_env");
	const char *file = jx_str(pc, "api_key_file");
	const char *v;

	if (var) {
		v = getenv(var);
		if (v && *v && key_ok(v))
			return xstrdup(v);
		provider_fail(err, C_ERR_AUTH,
			      "no API key for %s: providers.%s.api_key_env names $%s, "
			      "which is not set", name, name, var);
		return NULL;
	}
	if (file)
		return read_key_file(name, file, err);
	if (k && k->key_env && (v = getenv(k->key_env)) && *v && key_ok(v))
		return xstrdup(v);
	if (!k || !k->key_required)
		return NULL; /* custom endpoints and local servers may need none */
	provider_fail(err, C_ERR_AUTH,
		      "no API key for %s: set %s, or providers.%s.api_key_env "
		      "or providers.%s.api_key_file (mode 0600) in config.json",
		      name, k->key_env, name, name);
	return NULL;
}

static long
cfg_ms(const cJSON *pc, const char *key_s, const char *key_ms, long def)
{
	long ms = jx_long(pc, key_ms, -1);
	long s = jx_long(pc, key_s, -1);
	if (ms > 0)
		return ms;
	if (s > 0 && s < 86400)
		return s * 1000;
	return def;
}

static struct provider *
open_remote(const char *name, const char *model, const cJSON *cfg,
	    struct provider_error *err)
{
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(cfg, name);
	const struct known *k = find_known(name);
	const char *wire = jx_str(pc, "type");
	const char *base = jx_str(pc, "base_url");
	struct remote_cfg rc;
	size_t bl;

	if (!wire)
		wire = k ? k->wire : NULL;
	if (!wire) {
		provider_fail(err, C_ERR_INVAL,
			      "unknown provider \"%s\": known are anthropic, openai, "
			      "openrouter, deepseek, ollama, llamacpp, vllm, local, or "
			      "define providers.%s with \"type\" and \"base_url\"", name, name);
		return NULL;
	}
	if (strcmp(wire, "anthropic") != 0 && strcmp(wire, "openai") != 0) {
		provider_fail(err, C_ERR_INVAL,
			      "providers.%s.type is \"%s\"; use \"anthropic\" or \"openai\"",
			      name, wire);
		return NULL;
	}
	if (!base && k && k->base_env && getenv(k->base_env) && *getenv(k->base_env))
		base = getenv(k->base_env);
	if (!base && k)
		base = k->base;
	if (!base) {
		provider_fail(err, C_ERR_INVAL, "providers.%s needs a \"base_url\"", name);
		return NULL;
	}
	memset(&rc, 0, sizeof rc);
	rc.key = find_key(name, k, pc, err);
	if (!rc.key && err->kind != C_OK)
		return NULL;
	rc.name = xstrdup(name);
	bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	rc.base_url = xstrndup(base, bl);
	rc.connect_timeout_ms = cfg_ms(pc, "connect_timeout_s", "connect_timeout_ms", 30000);
	rc.idle_timeout_ms = cfg_ms(pc, "idle_timeout_s", "idle_timeout_ms", 300000);
	rc.openai_max_completion_tokens = strcmp(name, "openai") == 0;
	if (strcmp(wire, "anthropic") == 0)
		return provider_anthropic_new(&rc, model);
	return provider_openai_new(&rc, model);
}

struct provider *
provider_open(const char *spec, const cJSON *cfg, struct provider_error *err)
{
	const char *slash = strchr(spec, '/');
	size_t nlen = slash ? (size_t)(slash - spec) : strlen(spec);
	char name[64];

	memset(err, 0, sizeof *err);
	err->retry_after_ms = -1;
	if (!slash || nlen == 0 || nlen >= sizeof name || !slash[1]) {
		provider_fail(err, C_ERR_INVAL,
			      "model \"%s\" is not of the form provider/model "
			      "(e.g. anthropic/claude-sonnet-4-5, openai/gpt-4o)", spec);
		return NULL;
	}
	memcpy(name, spec, nlen);
	name[nlen] = '\0';

	if (strcmp(name, "local") == 0) {
		return provider_local_open(slash + 1, cfg, err);
	}
	return open_remote(name, slash + 1, cfg, err);
}
