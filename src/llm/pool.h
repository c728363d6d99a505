/* pool.h: a persistent thread pool for the runtime's parallel loops.
 *
 *   p = llm_pool_new(4);                 3 workers + the calling thread
 *   llm_pool_run(p, n_tasks, fn, arg);   fn(arg, task, thread) for every
 *                                        task < n_tasks, then returns
 *   llm_pool_free(p);
 *
 * Tasks are handed out one at a time by an atomic counter, so uneven
 * tasks balance themselves; `thread` (0 = the caller, < llm_pool_threads)
 * names a per-thread scratch slot.  Workers poll briefly after a job for
 * the next one (the operations of a forward pass come back to back),
 * yielding the CPU now and then so that an oversubscribed machine still
 * runs the thread they wait for, then sleep on a condition variable.  A pool runs one job at a time and is
 * used by one thread at a time (the owner of its llm_ctx). */
#ifndef CONCH_LLM_POOL_H
#define CONCH_LLM_POOL_H

#include <stddef.h>

struct llm_pool;

/* A pool of n_threads threads in all (the caller counts as one; n < 1 is
 * taken as 1, at most LLM_POOL_MAX).  Threads that cannot be started are
 * simply not used.  Caller frees. */
#define LLM_POOL_MAX 64
struct llm_pool *llm_pool_new(int n_threads);
/* Stops and joins the workers.  NULL is fine. */
void llm_pool_free(struct llm_pool *p);

/* Threads that take part in a run (the caller included); 1 for NULL. */
int llm_pool_threads(const struct llm_pool *p);

/* Calls fn(arg, task, thread) once for every task in [0, n_tasks), spread
 * over the pool, and returns when all have returned.  A NULL pool or a
 * pool of one thread runs them in order on the caller.  fn must not call
 * llm_pool_run on the same pool. */
void llm_pool_run(struct llm_pool *p, size_t n_tasks,
		  void (*fn)(void *arg, size_t task, int thread), void *arg);

#endif
