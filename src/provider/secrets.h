/* secrets.h: which environment variables hold provider keys, so that the
 * agent can keep them out of every child process's environment. */
#ifndef CONCH_SECRETS_H
#define CONCH_SECRETS_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The variables that may hold keys: the built-in ones (ANTHROPIC_API_KEY,
 * OPENAI_API_KEY, OPENROUTER_API_KEY, DEEPSEEK_API_KEY, VLLM_API_KEY) and
 * every providers.NAME.api_key_env in `providers_cfg` (may be NULL).
 * Stores up to `max` names (borrowed: static strings or strings inside
 * providers_cfg) and returns how many there are in all. */
size_t provider_key_env_names(const cJSON *providers_cfg, const char **names,
			      size_t max);

#endif
