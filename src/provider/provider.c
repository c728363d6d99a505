/* provider.c: what every provider shares: errors, the model label and
 * closing.  Opening one by name is open.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
	xfree_all(p->model, p->label);
	p->model = xstrdup(model ? model : "");
	/* "local" + "/tmp/m.gguf" is "local/tmp/m.gguf", not "local//tmp..." */
	p->label = xasprintf("%s/%s", p->name,
			     p->model + (p->model[0] == '/' ? 1 : 0));
}

void
provider_close(struct provider *p)
{
	if (!p)
		return;
	xfree_all(p->model, p->label);
	p->model = p->label = NULL;
	if (p->destroy)
		p->destroy(p);
	else
		free(p);
}
