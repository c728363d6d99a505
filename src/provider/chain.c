/* chain.c: the ordered fallback chain.
 *
 * A turn goes to the first entry that is not cooling down.  A retryable
 * failure (network, timeout, 408/429/5xx/529, an overloaded event, a
 * broken stream) is retried from the start of the turn after a backoff;
 * text already shown is announced as discarded first.  A failure that
 * will not pass (auth, bad request, retries spent) cools the entry down
 * and hands the turn to the next one, unless the model was named
 * explicitly, in which case the failure is reported.  Cancellation and
 * context overflow go straight back to the caller.  Since a provider only
 * returns complete messages, tools never see a half answer and no tool
 * runs twice. */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "provider/chain.h"
#include "util/clock.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define CHAIN_CAP_MS 60000L

static const long cooldown_steps_ms[] = { 30000, 60000, 300000 };

struct entry {
	struct provider *p;       /* NULL: it could not be opened */
	char *label;              /* owned copy */
	struct provider_error last; /* its last failure */
	bool failed_before;       /* `last` is set */
	int strikes;              /* failures for good so far */
	long long cool_until;     /* monotonic ms */
};

struct chain {
	struct entry *v;
	size_t n;
	bool explicit_model;
	size_t last; /* index of the entry that answered last */
	struct chain_clock clk;
	int max_retries;
	long base_ms, cap_ms;
	unsigned long long rng;
};

/* ---- default clock ---- */

static long long
real_now(void *ud)
{
	(void)ud;
	return clock_mono_ms();
}

static bool
ev_cancelled(const struct provider_events *ev)
{
	return ev && ev->cancelled && ev->cancelled(ev->ud);
}

static bool
real_sleep(void *ud, long ms, const struct provider_events *ev)
{
	long long end = real_now(ud) + ms, now;
	while ((now = real_now(ud)) < end) {
		long slice = (long)(end - now) > 20 ? 20 : (long)(end - now);
		if (ev && ev->cancel_fd >= 0) {
			struct pollfd pfd = { .fd = ev->cancel_fd, .events = POLLIN };
			if (poll(&pfd, 1, (int)slice) > 0)
				return false;
		} else {
			struct timespec ts = { 0, slice * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (ev_cancelled(ev))
			return false;
	}
	return !ev_cancelled(ev);
}

static unsigned
chain_rand(struct chain *c)
{
	if (c->clk.rand)
		return c->clk.rand(c->clk.ud);
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (unsigned)((c->rng * 2685821657736338717ULL) >> 32);
}

static long long
now_ms(const struct chain *c)
{
	return c->clk.now_ms ? c->clk.now_ms(c->clk.ud) : real_now(NULL);
}

static bool
sleep_ms(const struct chain *c, long ms, const struct provider_events *ev)
{
	return c->clk.sleep_ms ? c->clk.sleep_ms(c->clk.ud, ms, ev)
			       : real_sleep(NULL, ms, ev);
}

/* ---- construction ---- */

struct chain *
chain_new(bool explicit_model)
{
	struct chain *c = xcalloc(1, sizeof *c);
	struct timespec ts;
	c->explicit_model = explicit_model;
	c->max_retries = 4;
	c->base_ms = 1000;
	c->cap_ms = CHAIN_CAP_MS;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->rng = ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)ts.tv_sec ^
		 ((unsigned long long)getpid() << 40) ^ 0x9e3779b97f4a7c15ULL;
	return c;
}

void
chain_set_clock(struct chain *c, const struct chain_clock *clk)
{
	c->clk = *clk;
}

void
chain_set_retry(struct chain *c, int max_retries, long base_ms, long cap_ms)
{
	c->max_retries = max_retries < 0 ? 0 : max_retries;
	c->base_ms = base_ms > 0 ? base_ms : 1000;
	c->cap_ms = cap_ms > 0 && cap_ms < CHAIN_CAP_MS ? cap_ms : CHAIN_CAP_MS;
}

static struct entry *
new_entry(struct chain *c)
{
	struct entry *e;
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	e = &c->v[c->n++];
	memset(e, 0, sizeof *e);
	e->last.retry_after_ms = -1;
	return e;
}

void
chain_add(struct chain *c, struct provider *p)
{
	struct entry *e = new_entry(c);
	e->p = p;
	e->label = xstrdup(p->label ? p->label : p->name);
}

size_t
chain_len(const struct chain *c)
{
	return c->n;
}

const char *
chain_label(const struct chain *c)
{
	return c->n ? c->v[c->last].label : NULL;
}

const char *
chain_entry_label(const struct chain *c, size_t i)
{
	return i < c->n ? c->v[i].label : NULL;
}

long long
chain_cooldown_ms(const struct chain *c, size_t i)
{
	long long now;
	if (i >= c->n)
		return 0;
	now = now_ms(c);
	return c->v[i].cool_until > now ? c->v[i].cool_until - now : 0;
}

struct chain *
chain_from_config(const char *model, const char *const *fallbacks, size_t nfb,
		  const cJSON *providers_cfg, bool explicit_model,
		  const struct chain_open_report *rep, struct provider_error *err)
{
	struct chain *c = chain_new(explicit_model && nfb == 0);
	struct provider_error first;
	bool opened = false, have_first = false;
	size_t i;

	memset(&first, 0, sizeof first);
	for (i = 0; i <= nfb; i++) {
		const char *spec = i == 0 ? model : fallbacks[i - 1];
		struct provider_error pe;
		struct provider *p;
		struct entry *e;

		if (!spec || !*spec)
			continue;
		memset(&pe, 0, sizeof pe);
		p = provider_open(spec, providers_cfg, &pe);
		if (p) {
			chain_add(c, p);
			opened = true;
			continue;
		}
		if (rep && rep->failed)
			rep->failed(rep->ud, spec, &pe);
		if (pe.kind == C_ERR_INVAL) { /* a wrong name is no fallback */
			*err = pe;
			chain_free(c);
			return NULL;
		}
		if (!have_first) {
			first = pe;
			have_first = true;
		}
		e = new_entry(c);
		e->label = xstrdup(spec);
		e->last = pe;
		e->failed_before = true;
	}
	if (!opened) {
		if (have_first)
			*err = first;
		else
			provider_fail(err, C_ERR_INVAL, "no model configured: "
				      "use -m provider/model or set \"model\" in config.json");
		chain_free(c);
		return NULL;
	}
	/* the label in use is the first entry that opened */
	for (c->last = 0; !c->v[c->last].p; c->last++)
		;
	memset(err, 0, sizeof *err);
	err->retry_after_ms = -1;
	return c;
}

/* ---- one turn ---- */

/* Forwards events and remembers whether text was shown. */
struct relay {
	const struct provider_events *up;
	bool shown;
};

static void
relay_text(void *ud, const char *s, size_t n)
{
	struct relay *r = ud;
	r->shown = true;
	if (r->up && r->up->text)
		r->up->text(r->up->ud, s, n);
}

static void
relay_thinking(void *ud, const char *s, size_t n)
{
	struct relay *r = ud;
	r->shown = true;
	if (r->up && r->up->thinking)
		r->up->thinking(r->up->ud, s, n);
}

static bool
relay_cancelled(void *ud)
{
	struct relay *r = ud;
	return ev_cancelled(r->up);
}

static void
notice(const struct provider_events *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
notice(const struct provider_events *ev, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	if (!ev || !ev->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ev->notice(ev->ud, msg);
}

static bool
retryable(enum cerr k)
{
	return k == C_ERR_RETRYABLE || k == C_ERR_TIMEOUT;
}

/* The wait before retry number `attempt` (0-based). */
static long
backoff_ms(struct chain *c, int attempt, long hint_ms)
{
	long d;
	if (hint_ms >= 0) {
		d = hint_ms;
	} else {
		double base = (double)c->base_ms * (double)(1L << (attempt < 16 ? attempt : 16));
		double jitter = 0.75 + 0.5 * ((double)(chain_rand(c) % 10001) / 10000.0);
		double v = base * jitter;
		d = v > (double)c->cap_ms ? c->cap_ms : (long)v;
	}
	return d > c->cap_ms ? c->cap_ms : d;
}

static void
cool_down(struct chain *c, struct entry *e)
{
	size_t step = (size_t)e->strikes;
	size_t nsteps = sizeof cooldown_steps_ms / sizeof cooldown_steps_ms[0];
	if (step >= nsteps)
		step = nsteps - 1;
	e->strikes++;
	e->cool_until = now_ms(c) + cooldown_steps_ms[step];
}

/* Try entry `e` with retries.  Returns C_OK or the final failure. */
static enum cerr
try_entry(struct chain *c, struct entry *e, const struct provider_request *req,
	  const struct provider_events *ev, struct conv_msg *out,
	  struct provider_error *err)
{
	struct relay r = { ev, false };
	struct provider_events rev;
	enum cerr k = C_ERR_PROVIDER;
	int attempt;

	memset(&rev, 0, sizeof rev);
	rev.ud = &r;
	rev.text = relay_text;
	rev.thinking = relay_thinking;
	rev.cancelled = relay_cancelled;
	rev.cancel_fd = ev ? ev->cancel_fd : -1;
	/* discard and notice are the chain's to send (with the caller's ud),
	 * so providers get none */

	for (attempt = 0;; attempt++) {
		long wait;
		conv_msg_free(out);
		conv_msg_init(out, CONV_ASSISTANT);
		memset(err, 0, sizeof *err);
		err->retry_after_ms = -1;
		r.shown = false;
		k = e->p->chat(e->p, req, &rev, out, err);
		if (k == C_OK)
			return C_OK;
		if (err->kind != k)
			err->kind = k;
		if (r.shown && ev && ev->discard)
			ev->discard(ev->ud, k == C_ERR_CANCELLED ? "cancelled"
				    : "the stream broke; this text is discarded");
		if (k == C_ERR_CANCELLED || k == C_ERR_CONTEXT)
			return k;
		if (ev_cancelled(ev))
			return provider_fail(err, C_ERR_CANCELLED, "cancelled");
		if (!retryable(k) || attempt >= c->max_retries)
			return k;
		wait = backoff_ms(c, attempt, err->retry_after_ms);
		notice(ev, "%s: %s; retrying in %.1f s (retry %d of %d)", e->label,
		       err->msg, (double)wait / 1000.0, attempt + 1, c->max_retries);
		if (!sleep_ms(c, wait, ev))
			return provider_fail(err, C_ERR_CANCELLED, "cancelled");
	}
}

static void
summarise(const struct chain *c, struct provider_error *err)
{
	struct buf s = BUF_INIT;
	size_t i;

	buf_adds(&s, "every provider failed:");
	for (i = 0; i < c->n; i++) {
		const struct entry *e = &c->v[i];
		if (!e->failed_before)
			continue;
		buf_printf(&s, "%s %s: %.160s", i ? ";" : "", e->label, e->last.msg);
	}
	snprintf(err->msg, sizeof err->msg, "%s", buf_str(&s));
	buf_free(&s);
}

enum cerr
chain_chat(struct chain *c, const struct provider_request *req,
	   const struct provider_events *ev, struct conv_msg *out,
	   struct provider_error *err)
{
	enum cerr k = C_ERR_PROVIDER;
	bool tried_any = false, pass_all;
	int pass;
	size_t i, limit;

	conv_msg_init(out, CONV_ASSISTANT);
	memset(err, 0, sizeof *err);
	err->retry_after_ms = -1;
	if (c->n == 0)
		return provider_fail(err, C_ERR_INVAL, "no provider configured");
	limit = c->explicit_model ? 1 : c->n;
	/* pass 0 skips entries that cool down; if that tried nothing, pass 1
	 * tries them anyway rather than fail without asking anyone */
	for (pass = 0; pass < 2 && !tried_any; pass++) {
		pass_all = pass == 1;
		for (i = 0; i < limit; i++) {
			struct entry *e = &c->v[i];
			long long left;
			if (!e->p)
				continue;
			left = chain_cooldown_ms(c, i);
			if (left > 0 && !pass_all && limit > 1)
				continue;
			if (tried_any)
				notice(ev, "falling back to %s", e->label);
			tried_any = true;
			k = try_entry(c, e, req, ev, out, err);
			if (k == C_OK) {
				c->last = i;
				e->strikes = 0;
				e->cool_until = 0;
				free(out->answered_by);
				out->answered_by = xstrdup(e->label);
				return C_OK;
			}
			if (k == C_ERR_CANCELLED || k == C_ERR_CONTEXT)
				return k;
			e->last = *err;
			e->failed_before = true;
			cool_down(c, e);
			notice(ev, "%s failed: %s", e->label, err->msg);
		}
	}
	if (!tried_any) {
		/* only entries that could not be opened */
		k = c->v[0].last.kind ? c->v[0].last.kind : C_ERR_PROVIDER;
	}
	if (c->explicit_model || c->n == 1) {
		/* report the one failure as it is */
		*err = c->v[0].last;
		err->kind = k;
		return k;
	}
	summarise(c, err);
	err->kind = k;
	return k;
}

void
chain_free(struct chain *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		provider_close(c->v[i].p);
		free(c->v[i].label);
	}
	xfree_all(c->v, c);
}
