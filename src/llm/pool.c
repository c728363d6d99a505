/* pool.c: the runtime's persistent thread pool.  See pool.h.
 *
 * A run publishes (fn, arg, n_tasks), resets the task counter and bumps a
 * generation number; every worker that sees a new generation takes tasks
 * from the counter until it runs dry, then counts itself out.  The caller
 * takes tasks too and returns once every worker has counted out, so
 * nothing of the job is touched after llm_pool_run returns.  Waiting, on
 * both sides, is a short spin on the atomic followed by a condition
 * variable. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "llm/pool.h"
#include "util/xalloc.h"

/* polls of an atomic before a waiter goes to sleep; every
 * POOL_YIELD_EVERY polls it yields the CPU, so that on a machine with
 * more runnable threads than cores the thread it waits for gets to run */
#define POOL_SPIN 8192
#define POOL_YIELD_EVERY 64

struct llm_pool {
	int n_threads;          /* workers + the caller */
	int n_workers;          /* started */
	pthread_t *th;
	pthread_mutex_t mu;
	pthread_cond_t wake;    /* workers: a new generation (or stop) */
	pthread_cond_t done;    /* caller: active reached 0 */
	atomic_uint gen;
	atomic_int active;      /* workers still in the current job */
	atomic_size_t next;     /* next task to hand out */
	atomic_bool stop;
	/* the current job, written before gen is bumped */
	void (*fn)(void *, size_t, int);
	void *arg;
	size_t n_tasks;
};

struct worker_arg {
	struct llm_pool *p;
	int id;
};

static inline void
cpu_relax(int i)
{
	if (i % POOL_YIELD_EVERY == POOL_YIELD_EVERY - 1) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void
take_tasks(struct llm_pool *p, int id)
{
	size_t t;
	while ((t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < p->n_tasks)
		p->fn(p->arg, t, id);
}

static void *
worker(void *varg)
{
	struct worker_arg *wa = varg;
	struct llm_pool *p = wa->p;
	int id = wa->id, i;
	unsigned seen = 0, g;

	free(wa);
	for (;;) {
		g = seen;
		for (i = 0; i < POOL_SPIN; i++) {
			g = atomic_load_explicit(&p->gen, memory_order_acquire);
			if (g != seen)
				break;
			cpu_relax(i);
		}
		if (g == seen) {
			pthread_mutex_lock(&p->mu);
			while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
			       !atomic_load(&p->stop))
				pthread_cond_wait(&p->wake, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		seen = g;
		take_tasks(p, id);
		if (atomic_fetch_sub_explicit(&p->active, 1, memory_order_acq_rel) == 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

struct llm_pool *
llm_pool_new(int n_threads)
{
	struct llm_pool *p = xcalloc(1, sizeof(*p));
	int k;

	if (n_threads < 1)
		n_threads = 1;
	if (n_threads > LLM_POOL_MAX)
		n_threads = LLM_POOL_MAX;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->gen, 0);
	atomic_init(&p->active, 0);
	atomic_init(&p->next, 0);
	atomic_init(&p->stop, false);
	p->th = xcalloc((size_t)n_threads, sizeof(*p->th));
	for (k = 1; k < n_threads; k++) {
		struct worker_arg *wa = xmalloc(sizeof(*wa));
		wa->p = p;
		wa->id = k;
		if (pthread_create(&p->th[p->n_workers], NULL, worker, wa) != 0) {
			free(wa);
			break;
		}
		p->n_workers++;
	}
	p->n_threads = p->n_workers + 1;
	return p;
}

void
llm_pool_free(struct llm_pool *p)
{
	int k;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, true);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (k = 0; k < p->n_workers; k++)
		pthread_join(p->th[k], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	xfree_all(p->th, p);
}

int
llm_pool_threads(const struct llm_pool *p)
{
	return p ? p->n_threads : 1;
}

void
llm_pool_run(struct llm_pool *p, size_t n_tasks, void (*fn)(void *arg, size_t task, int thread),
	     void *arg)
{
	size_t t;
	int i;

	if (n_tasks == 0)
		return;
	if (!p || p->n_workers == 0 || n_tasks == 1) {
		for (t = 0; t < n_tasks; t++)
			fn(arg, t, 0);
		return;
	}
	p->fn = fn;
	p->arg = arg;
	p->n_tasks = n_tasks;
	atomic_store_explicit(&p->next, 0, memory_order_relaxed);
	atomic_store_explicit(&p->active, p->n_workers, memory_order_relaxed);
	/* the release publishes the job to every worker that acquires gen */
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	take_tasks(p, 0);
	for (i = 0; i < POOL_SPIN; i++) {
		if (atomic_load_explicit(&p->active, memory_order_acquire) == 0)
			return;
		cpu_relax(i);
	}
	pthread_mutex_lock(&p->mu);
	while (atomic_load_explicit(&p->active, memory_order_acquire) != 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
