/* Check suite for src/provider/chain.c with fake providers and a test
 * clock: fallback order, cooldowns (30 s, 1 min, 5 min), backoff and its
 * cap, jitter bounds, explicit models, context overflow, cancellation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/chain.h"
#include "provider/secrets.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/provider/fake-clock.h"

/* A fake provider: answers from a list of outcomes, one per call. */
struct fake_step {
	enum cerr kind;      /* C_OK: answer "ok from NAME" */
	long retry_after_ms;
	const char *partial; /* text streamed before failing */
};

struct fake {
	struct provider base;
	const struct fake_step *steps;
	size_t nsteps, calls;
	struct buf *order; /* shared log of calls */
};

static enum cerr
fake_chat(struct provider *p, const struct provider_request *req,
	  const struct provider_events *ev, struct conv_msg *out,
	  struct provider_error *err)
{
	struct fake *f = (struct fake *)p;
	const struct fake_step *st = &f->steps[f->calls < f->nsteps ? f->calls : f->nsteps - 1];
	(void)req;
	f->calls++;
	buf_printf(f->order, "%s ", p->model);
	conv_msg_init(out, CONV_ASSISTANT);
	if (st->partial && ev && ev->text)
		ev->text(ev->ud, st->partial, strlen(st->partial));
	if (st->kind == C_OK) {
		char *t = xasprintf("ok from %s", p->model);
		conv_msg_add_text(out, t);
		if (ev && ev->text)
			ev->text(ev->ud, t, strlen(t));
		free(t);
		out->stop = STOP_END;
		return C_OK;
	}
	err->retry_after_ms = st->retry_after_ms;
	return provider_fail(err, st->kind, "%s failed with %s", p->model, cerr_str(st->kind));
}

static void
fake_destroy(struct provider *p)
{
	free(p);
}

static struct provider *
fake_new(const char *model, const struct fake_step *steps, size_t n, struct buf *order)
{
	struct fake *f = xcalloc(1, sizeof *f);
	f->base.name = "fake";
	f->base.chat = fake_chat;
	f->base.destroy = fake_destroy;
	f->steps = steps;
	f->nsteps = n;
	f->order = order;
	provider_set_model(&f->base, model);
	return &f->base;
}

struct fixture {
	struct chain *c;
	struct tclock clk;
	struct buf order;
	struct evlog log;
	struct provider_events ev;
	struct provider_request req;
	struct conv conv;
	struct conv_msg out;
	struct provider_error err;
};

static void
fx_init(struct fixture *fx, bool explicit_model)
{
	memset(fx, 0, sizeof *fx);
	fx->c = chain_new(explicit_model);
	tclock_use(fx->c, &fx->clk, 5000, 5000);
	events_init(&fx->ev, &fx->log);
	conv_init(&fx->conv);
	conv_msg_add_text(conv_add(&fx->conv, CONV_USER), "hi");
	fx->req.conv = &fx->conv;
}

static enum cerr
fx_turn(struct fixture *fx)
{
	conv_msg_free(&fx->out);
	buf_reset(&fx->order);
	fx->clk.nwaits = 0;
	return chain_chat(fx->c, &fx->req, &fx->ev, &fx->out, &fx->err);
}

/* Add to fx's chain a fake provider `model` that answers `steps[0..n)`. */
static void
fx_add(struct fixture *fx, const char *model, const struct fake_step *steps,
       size_t n)
{
	chain_add(fx->c, fake_new(model, steps, n, &fx->order));
}

/* One turn: it must end in `want`, having asked the providers in `order`
 * (each model followed by a space). */
static void
fx_expect(struct fixture *fx, enum cerr want, const char *order)
{
	ck_assert_int_eq(fx_turn(fx), want);
	ck_assert_str_eq(buf_str(&fx->order), order);
}

static void
fx_free(struct fixture *fx)
{
	chain_free(fx->c);
	conv_msg_free(&fx->out);
	conv_free(&fx->conv);
	buf_free(&fx->order);
	evlog_free(&fx->log);
}

static const struct fake_step ALWAYS_OK[] = { { C_OK, -1, NULL } };
static const struct fake_step ALWAYS_AUTH[] = { { C_ERR_AUTH, -1, NULL } };

START_TEST(fallback_order_and_cooldowns)
{
	struct fixture fx;
	static const struct fake_step a_steps[] = {
		{ C_ERR_AUTH, -1, "half an ans" }, { C_ERR_BADREQ, -1, NULL },
		{ C_ERR_AUTH, -1, NULL }, { C_ERR_AUTH, -1, NULL }, { C_OK, -1, NULL },
	};

	fx_init(&fx, false);
	fx_add(&fx, "a", a_steps, 5);
	fx_add(&fx, "b", ALWAYS_OK, 1);
	ck_assert_str_eq(chain_label(fx.c), "fake/a");

	/* a fails for good: b answers, a cools down 30 s */
	fx_expect(&fx, C_OK, "a b ");
	ck_assert_str_eq(fx.out.answered_by, "fake/b");
	ck_assert_str_eq(chain_label(fx.c), "fake/b");
	ck_assert_int_eq(fx.log.discards, 1); /* a's partial text */
	ck_assert_str_eq(buf_str(&fx.log.text), "ok from b");
	ck_assert_ptr_nonnull(strstr(buf_str(&fx.log.notices), "falling back to fake/b"));
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 30000);
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 1), 0);

	/* while a cools down, it is skipped */
	fx.clk.now += 29000;
	fx_expect(&fx, C_OK, "b ");

	/* after 30 s a is asked again; a second failure cools it 1 min */
	fx.clk.now += 1000;
	fx_expect(&fx, C_OK, "a b ");
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 60000);
	fx.clk.now += 60000;
	ck_assert_int_eq(fx_turn(&fx), C_OK);
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 300000);
	fx.clk.now += 300000;
	ck_assert_int_eq(fx_turn(&fx), C_OK);
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 300000); /* stays at 5 min */
	fx.clk.now += 300000;
	/* a answers: its cooldown resets */
	fx_expect(&fx, C_OK, "a ");
	ck_assert_str_eq(fx.out.answered_by, "fake/a");
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 0);
	ck_assert_int_eq(fx.clk.nwaits, 0);
	fx_free(&fx);
}
END_TEST

START_TEST(all_cooling_still_tried)
{
	struct fixture fx;
	fx_init(&fx, false);
	fx_add(&fx, "a", ALWAYS_AUTH, 1);
	fx_add(&fx, "b", ALWAYS_AUTH, 1);
	fx_expect(&fx, C_ERR_AUTH, "a b ");
	ck_assert_ptr_nonnull(strstr(fx.err.msg, "every provider failed"));
	ck_assert_ptr_nonnull(strstr(fx.err.msg, "fake/a: a failed"));
	ck_assert_ptr_nonnull(strstr(fx.err.msg, "fake/b: b failed"));
	/* both cool down: the next turn still asks them, in order */
	fx_expect(&fx, C_ERR_AUTH, "a b ");
	fx_free(&fx);
}
END_TEST

START_TEST(explicit_model_reports)
{
	struct fixture fx;
	fx_init(&fx, true);
	fx_add(&fx, "a", ALWAYS_AUTH, 1);
	fx_add(&fx, "b", ALWAYS_OK, 1);
	fx_expect(&fx, C_ERR_AUTH, "a ");
	ck_assert_str_eq(fx.err.msg, "a failed with authentication or billing failure");
	fx_free(&fx);
}
END_TEST

START_TEST(retries_backoff_and_cap)
{
	struct fixture fx;
	static const struct fake_step steps[] = {
		{ C_ERR_RETRYABLE, -1, "x" }, { C_ERR_TIMEOUT, -1, NULL },
		{ C_ERR_RETRYABLE, 120000, NULL }, { C_ERR_RETRYABLE, 250, NULL },
		{ C_OK, -1, NULL },
	};
	fx_init(&fx, true);
	fx_add(&fx, "a", steps, 5);
	fx_expect(&fx, C_OK, "a a a a a ");
	tclock_waits(&fx.clk, 1000, 2000, 60000, 250); /* 60000: a server hint, capped */
	ck_assert_int_eq(fx.log.discards, 1);
	fx_free(&fx);

	/* jitter stays within +-25% */
	fx_init(&fx, true);
	fx_add(&fx, "a", steps, 2);
	fx.clk.rnd = 0;
	ck_assert_int_eq(fx_turn(&fx), C_ERR_TIMEOUT);
	ck_assert_int_eq(fx.clk.nwaits, 4);
	ck_assert_int_eq(fx.clk.waits[0], 750);
	ck_assert_int_eq(fx.clk.waits[3], 6000);
	fx.clk.rnd = 10000;
	ck_assert_int_eq(fx_turn(&fx), C_ERR_TIMEOUT);
	ck_assert_int_eq(fx.clk.waits[0], 1250);
	ck_assert_int_eq(fx.clk.waits[3], 10000);
	/* a large base is capped at 60 s */
	chain_set_retry(fx.c, 6, 20000, 0);
	ck_assert_int_eq(fx_turn(&fx), C_ERR_TIMEOUT);
	ck_assert_int_eq(fx.clk.nwaits, 6);
	ck_assert_int_eq(fx.clk.waits[1], 50000);
	ck_assert_int_eq(fx.clk.waits[2], 60000);
	ck_assert_int_eq(fx.clk.waits[5], 60000);
	fx_free(&fx);
}
END_TEST

START_TEST(retries_spent_then_fallback)
{
	struct fixture fx;
	static const struct fake_step busy[] = { { C_ERR_RETRYABLE, -1, NULL } };
	fx_init(&fx, false);
	fx_add(&fx, "a", busy, 1);
	fx_add(&fx, "b", ALWAYS_OK, 1);
	fx_expect(&fx, C_OK, "a a a a a b ");
	ck_assert_int_eq(fx.clk.nwaits, 4);
	ck_assert_int_eq(fx.clk.waits[3], 8000);
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 30000);
	fx_free(&fx);
}
END_TEST

START_TEST(context_and_cancel_stop_at_once)
{
	struct fixture fx;
	static const struct fake_step ctx[] = { { C_ERR_CONTEXT, -1, NULL } };
	static const struct fake_step busy[] = { { C_ERR_RETRYABLE, -1, NULL } };

	fx_init(&fx, false);
	fx_add(&fx, "a", ctx, 1);
	fx_add(&fx, "b", ALWAYS_OK, 1);
	fx_expect(&fx, C_ERR_CONTEXT, "a ");
	ck_assert_int_eq(chain_cooldown_ms(fx.c, 0), 0);
	fx_free(&fx);

	fx_init(&fx, false);
	fx_add(&fx, "a", busy, 1);
	fx_add(&fx, "b", ALWAYS_OK, 1);
	fx.clk.cancel_in_sleep = true;
	fx_expect(&fx, C_ERR_CANCELLED, "a ");
	fx_free(&fx);
}
END_TEST

static void
note_failed(void *ud, const char *spec, const struct provider_error *e)
{
	buf_printf(ud, "%s: %s\n", spec, e->kind == C_ERR_AUTH ? "auth" :
		   e->kind == C_ERR_INVAL ? "inval" : "other");
}

START_TEST(from_config_entries)
{
	struct provider_error err;
	struct chain *c;
	struct buf seen = BUF_INIT;
	struct chain_open_report rep = { note_failed, &seen };
	const char *fb[] = { "anthropic/claude-x", "ollama/llama3" };
	const char *bad[] = { "ollama/llama3", "nosuch/x" };
	cJSON *cfg = cJSON_Parse("{\"ollama\": {\"base_url\": \"http://127.0.0.1:9\"}}");

	/* a fallback without its key stays as a failed entry, reported */
	unsetenv("ANTHROPIC_API_KEY");
	c = chain_from_config("ollama/qwen3", fb, 2, cfg, true, &rep, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(chain_len(c), 3);
	ck_assert_str_eq(chain_entry_label(c, 0), "ollama/qwen3");
	ck_assert_str_eq(chain_entry_label(c, 1), "anthropic/claude-x");
	ck_assert_str_eq(chain_entry_label(c, 2), "ollama/llama3");
	ck_assert_str_eq(buf_str(&seen), "anthropic/claude-x: auth\n");
	chain_free(c);
	/* the first that opened is the one in use */
	c = chain_from_config("anthropic/claude-x", fb + 1, 1, cfg, false, NULL, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(chain_label(c), "ollama/llama3");
	chain_free(c);
	/* an unknown provider anywhere is an error, not a fallback */
	buf_reset(&seen);
	c = chain_from_config("ollama/qwen3", bad, 2, cfg, true, &rep, &err);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.kind, C_ERR_INVAL);
	ck_assert_str_eq(buf_str(&seen), "nosuch/x: inval\n");
	c = chain_from_config("nosuch/x", NULL, 0, cfg, true, NULL, &err);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.kind, C_ERR_INVAL);
	c = chain_from_config(NULL, NULL, 0, cfg, false, NULL, &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err.msg, "no model configured"));
	cJSON_Delete(cfg);
	buf_free(&seen);
}
END_TEST

START_TEST(key_env_names)
{
	const char *names[16];
	cJSON *cfg = cJSON_Parse("{\"anthropic\": {\"api_key_env\": \"MY_KEY\"}, \"x\": {}}");
	size_t i, n = provider_key_env_names(cfg, names, 16);
	bool mine = false, anth = false;
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++) {
		mine |= strcmp(names[i], "MY_KEY") == 0;
		anth |= strcmp(names[i], "ANTHROPIC_API_KEY") == 0;
	}
	ck_assert(mine && anth);
	ck_assert_uint_eq(provider_key_env_names(NULL, names, 2), 5);
	cJSON_Delete(cfg);
}
END_TEST

CHECK_MAIN("chain", .tests = CHECK_TESTS(
	fallback_order_and_cooldowns, all_cooling_still_tried,
	explicit_model_reports, retries_backoff_and_cap,
	retries_spent_then_fallback, context_and_cancel_stop_at_once,
	from_config_entries, key_env_names))
