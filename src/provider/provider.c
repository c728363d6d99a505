#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/provider.h"
#include "util/xalloc.h"

enum cerr
provider_fail(struct provider_error *err, enum cerr kind, const char *fmt, ...)
{
	va_list ap;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return kind;
}

void
provider_set_model(struct provider *p, const char *model)
{
	free(p->model);
	free(p->label);
	p->model = xstrdup(model ? model : "");
	p->label = xasprintf("%s/%s", p->name, p->model);
}

struct provider *
provider_open(const char *spec, const cJSON *cfg, struct provider_error *err)
{
	const char *slash = strchr(spec, '/');
	size_t nlen = slash ? (size_t)(slash - spec) : strlen(spec);
	char name[64];

	(void)cfg;
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
	/* Remote and local providers register here as their issues land. */
	provider_fail(err, C_ERR_INVAL,
		      "unknown provider \"%s\" in \"%s\"", name, spec);
	return NULL;
}

void
provider_close(struct provider *p)
{
	if (!p)
		return;
	free(p->model);
	free(p->label);
	if (p->destroy)
		p->destroy(p);
	else
		free(p);
}
