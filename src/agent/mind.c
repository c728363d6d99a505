/* mind.c: memory and skills in the system prompt; settings; digests. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent-int.h"
#include "agent/mind.h"
#include "memory/memory.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"

long
mind_window(const cJSON *cfg)
{
	long w = jx_long(cfg, "context_window", MIND_DEFAULT_WINDOW);
	return w >= 256 && w <= 100000000L ? w : MIND_DEFAULT_WINDOW;
}

enum skills_mode
mind_auto_write(const cJSON *cfg)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(cfg, "skills");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "auto_write");
	if (cJSON_IsFalse(v))
		return SKILLS_AUTO_OFF;
	if (!cJSON_IsString(v))
		return SKILLS_AUTO_ON;
	if (!strcmp(v->valuestring, "off"))
		return SKILLS_AUTO_OFF;
	if (!strcmp(v->valuestring, "review"))
		return SKILLS_AUTO_REVIEW;
	return SKILLS_AUTO_ON;
}

void
agent_mind_init(struct agent *a)
{
	struct mem_store m;
	struct skill_index idx;
	struct buf warn = BUF_INIT, sys = BUF_INIT;
	char *snap, *sk;
	size_t budget = (size_t)mind_window(a->o.config) * 4 / 50; /* 2%, ~4 chars a token */
	const char *line;

	mem_open_cfg(&m, a->o.workspace, a->o.config);
	snap = mem_snapshot(&m);
	mem_close(&m);
	skills_scan(&idx, a->o.workspace, &warn);
	for (line = buf_str(&warn); *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		log_warn("%.*s", (int)ll, line);
		line += ll + (eol ? 1 : 0);
	}
	sk = skills_prompt(&idx, budget);
	skills_index_free(&idx);
	buf_adds(&sys, a->system ? a->system : "");
	buf_adds(&sys, snap);
	buf_adds(&sys, sk);
	free(a->system);
	a->system = buf_steal(&sys);
	xfree_all(snap, sk);
	buf_free(&warn);
}

static void
add_cut(struct buf *o, const char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n <= cap) {
		buf_add(o, s, n);
		return;
	}
	n = cap / 2;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	buf_add(o, s, n);
	buf_printf(o, " [... %zu bytes cut ...] ", strlen(s) - cap);
	{
		const char *t = s + strlen(s) - cap / 2;
		while (*t && ((unsigned char)*t & 0xC0) == 0x80)
			t++;
		buf_adds(o, t);
	}
}

void
mind_digest(const struct conv *c, size_t from, size_t to, size_t cap,
	    struct buf *out)
{
	struct buf d = BUF_INIT;
	size_t i, j;
	for (i = from; i < to && i < c->n; i++) {
		const struct conv_msg *m = &c->msgs[i];
		for (j = 0; j < m->nblocks; j++) {
			const struct conv_block *b = &m->blocks[j];
			switch (b->type) {
			case BLK_TEXT:
				buf_adds(&d, m->role == CONV_USER ? "\n[user] " : "\n[assistant] ");
				add_cut(&d, b->text ? b->text : "", 2000);
				buf_addc(&d, '\n');
				break;
			case BLK_TOOL_CALL:
				buf_printf(&d, "[tool call %s] ", b->name ? b->name : "?");
				add_cut(&d, b->args ? b->args : "", 400);
				buf_addc(&d, '\n');
				break;
			case BLK_TOOL_RESULT:
				buf_adds(&d, b->is_error ? "[tool error] " : "[tool result] ");
				add_cut(&d, b->text ? b->text : "", 600);
				buf_addc(&d, '\n');
				break;
			default:
				break;
			}
		}
	}
	add_cut(out, buf_str(&d), cap);
	buf_free(&d);
}

long
agent_context_tokens(const struct agent *a)
{
	size_t chars = a->system ? strlen(a->system) : 0, i, j;
	for (i = 0; i < a->ntools; i++)
		chars += strlen(a->tools[i].name) + strlen(a->tools[i].description) +
			 strlen(a->tools[i].schema);
	for (i = 0; i < a->conv.n; i++)
		for (j = 0; j < a->conv.msgs[i].nblocks; j++) {
			const struct conv_block *b = &a->conv.msgs[i].blocks[j];
			chars += (b->text ? strlen(b->text) : 0) +
				 (b->args ? strlen(b->args) : 0) + 8;
		}
	return (long)(chars / 4);
}

static bool
pev_cancelled(void *ud)
{
	const int *fd = ud;
	struct pollfd p = { .fd = *fd, .events = POLLIN };
	return *fd >= 0 && poll(&p, 1, 0) > 0;
}

void
mind_events(const struct agent *a, struct provider_events *pev)
{
	memset(pev, 0, sizeof *pev);
	pev->ud = (void *)&a->o.cancel_fd;
	pev->cancelled = pev_cancelled;
	pev->cancel_fd = a->o.cancel_fd;
}

enum cerr
mind_ask(struct agent *a, const char *system, const char *text,
	 struct conv_msg *msg, struct provider_error *perr)
{
	struct conv one;
	struct provider_events pev;
	struct provider_request req = {
		.system = system, .conv = &one, .max_tokens = a->o.max_tokens,
	};
	enum cerr e;

	conv_init(&one);
	conv_msg_add_text(conv_add(&one, CONV_USER), text);
	memset(perr, 0, sizeof *perr);
	mind_events(a, &pev);
	e = chain_chat(a->o.chain, &req, &pev, msg, perr);
	if (!e && msg->usage.known)
		conv_usage_add(&a->usage, &msg->usage);
	conv_free(&one);
	return e;
}
