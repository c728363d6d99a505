/* fake-clock.h: what the chain suites (test-chain, test-remote) put
 * around a chain: a test clock that records the waits instead of
 * sleeping, and an event log of the streamed text, discards and
 * notices. */
#ifndef CONCH_TESTS_FAKE_CLOCK_H
#define CONCH_TESTS_FAKE_CLOCK_H

#include <check.h>
#include <string.h>

#include "provider/chain.h"
#include "util/buf.h"

struct tclock {
	long long now;        /* ms */
	long waits[64];       /* the sleeps asked for, in order */
	int nwaits;
	unsigned rnd;         /* what the jitter draw returns (5000: x1.0) */
	bool cancel_in_sleep; /* a sleep reports a cancel */
};

static inline long long
t_now(void *ud)
{
	return ((struct tclock *)ud)->now;
}

static inline bool
t_sleep(void *ud, long ms, const struct provider_events *ev)
{
	struct tclock *t = ud;
	(void)ev;
	if (t->nwaits < 64)
		t->waits[t->nwaits++] = ms;
	t->now += ms;
	return !t->cancel_in_sleep;
}

static inline unsigned
t_rand(void *ud)
{
	return ((struct tclock *)ud)->rnd;
}

/* Reset `t` to time `now` (ms) and jitter draw `rnd`, and make it the
 * clock of chain `c`. */
static inline void
tclock_use(struct chain *c, struct tclock *t, long long now, unsigned rnd)
{
	struct chain_clock clk = { t, t_now, t_sleep, t_rand };
	memset(t, 0, sizeof *t);
	t->now = now;
	t->rnd = rnd;
	chain_set_clock(c, &clk);
}

/* Check that the waits recorded are exactly the `n` in `want`. */
static inline void
tclock_expect(const struct tclock *t, const long *want, int n)
{
	ck_assert_int_eq(t->nwaits, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(t->waits[i] == want[i], "wait %d: %ld ms, want %ld",
			      i, t->waits[i], want[i]);
}

/* tclock_waits(&clk, 1000, 2000): the waits were exactly these. */
#define tclock_waits(t, ...) \
	tclock_expect((t), (const long[]){ __VA_ARGS__ }, \
		      (int)(sizeof (const long[]){ __VA_ARGS__ } / sizeof(long)))

struct evlog {
	struct buf text, notices;
	int discards;
};

static inline void
e_text(void *ud, const char *s, size_t n)
{
	buf_add(&((struct evlog *)ud)->text, s, n);
}

static inline void
e_discard(void *ud, const char *why)
{
	struct evlog *l = ud;
	(void)why;
	l->discards++;
	buf_reset(&l->text);
}

static inline void
e_notice(void *ud, const char *msg)
{
	buf_printf(&((struct evlog *)ud)->notices, "%s\n", msg);
}

/* Events that log into `l` (emptied); no cancel fd. */
static inline void
events_init(struct provider_events *ev, struct evlog *l)
{
	memset(l, 0, sizeof *l);
	memset(ev, 0, sizeof *ev);
	ev->ud = l;
	ev->text = e_text;
	ev->discard = e_discard;
	ev->notice = e_notice;
	ev->cancel_fd = -1;
}

static inline void
evlog_free(struct evlog *l)
{
	buf_free(&l->text);
	buf_free(&l->notices);
}

#endif
