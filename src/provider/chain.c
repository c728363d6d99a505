#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/chain.h"
#include "util/buf.h"
#include "util/xalloc.h"

struct chain {
	struct provider **v;
	size_t n;
	bool explicit_model;
	size_t last; /* index of the entry that answered last */
};

struct chain *
chain_new(bool explicit_model)
{
	struct chain *c = xcalloc(1, sizeof *c);
	c->explicit_model = explicit_model;
	return c;
}

void
chain_add(struct chain *c, struct provider *p)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	c->v[c->n++] = p;
}

size_t
chain_len(const struct chain *c)
{
	return c->n;
}

const char *
chain_label(const struct chain *c)
{
	return c->n ? c->v[c->last]->label : NULL;
}

enum cerr
chain_chat(struct chain *c, const struct provider_request *req,
	   const struct provider_events *ev, struct conv_msg *out,
	   struct provider_error *err)
{
	struct buf summary = BUF_INIT;
	enum cerr e = C_ERR_PROVIDER;
	size_t i;

	conv_msg_init(out, CONV_ASSISTANT);
	if (c->n == 0) {
		e = provider_fail(err, C_ERR_INVAL, "no provider configured");
		goto out;
	}
	for (i = 0; i < c->n; i++) {
		struct provider *p = c->v[i];
		conv_msg_free(out);
		conv_msg_init(out, CONV_ASSISTANT);
		memset(err, 0, sizeof *err);
		err->retry_after_ms = -1;
		e = p->chat(p, req, ev, out, err);
		if (e == C_OK) {
			c->last = i;
			free(out->answered_by);
			out->answered_by = xstrdup(p->label);
			goto out;
		}
		if (e == C_ERR_CANCELLED || e == C_ERR_CONTEXT)
			goto out;
		buf_printf(&summary, "%s%s: %s", summary.len ? "; " : "",
			   p->label, err->msg);
		if (c->explicit_model)
			break;
		if (i + 1 < c->n && ev && ev->notice) {
			char note[640];
			snprintf(note, sizeof note, "%s failed (%s); falling back to %s",
				 p->label, err->msg, c->v[i + 1]->label);
			ev->notice(ev->ud, note);
		}
		if (i + 1 < c->n && ev && ev->discard)
			ev->discard(ev->ud, "provider failed");
	}
	if (summary.len)
		snprintf(err->msg, sizeof err->msg, "%s", buf_str(&summary));
out:
	buf_free(&summary);
	return e;
}

void
chain_free(struct chain *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		provider_close(c->v[i]);
	free(c->v);
	free(c);
}
