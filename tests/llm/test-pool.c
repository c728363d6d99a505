/* Check suite for src/llm/pool.c: every task runs exactly once with a
 * thread slot in range, the threads really run at the same time, runs
 * come back to back (workers spinning) and after pauses (workers asleep),
 * and the degenerate pools and task counts. */
#include <check.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm/pool.h"
#include "tests/check-run.h"

struct count_job {
	atomic_int *hits;   /* [n_tasks] */
	int n_threads;
	atomic_int bad_thread;
};

static void
count_task(void *arg, size_t task, int thread)
{
	struct count_job *j = arg;
	atomic_fetch_add(&j->hits[task], 1);
	if (thread < 0 || thread >= j->n_threads)
		atomic_store(&j->bad_thread, 1);
}

static void
run_and_check(struct llm_pool *p, size_t n_tasks)
{
	struct count_job j;
	size_t i;

	j.hits = calloc(n_tasks ? n_tasks : 1, sizeof(*j.hits));
	j.n_threads = llm_pool_threads(p);
	atomic_init(&j.bad_thread, 0);
	llm_pool_run(p, n_tasks, count_task, &j);
	for (i = 0; i < n_tasks; i++)
		ck_assert_msg(atomic_load(&j.hits[i]) == 1, "task %zu of %zu ran %d times", i,
			      n_tasks, atomic_load(&j.hits[i]));
	ck_assert_int_eq(atomic_load(&j.bad_thread), 0);
	free(j.hits);
}

START_TEST(each_task_once)
{
	static const size_t counts[] = { 0, 1, 2, 3, 7, 64, 1000, 4097 };
	static const int threads[] = { 1, 2, 3, 4, 8 };
	size_t ci, ti;

	for (ti = 0; ti < sizeof(threads) / sizeof(threads[0]); ti++) {
		struct llm_pool *p = llm_pool_new(threads[ti]);
		ck_assert_int_eq(llm_pool_threads(p), threads[ti]);
		for (ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++)
			run_and_check(p, counts[ci]);
		llm_pool_free(p);
	}
	/* NULL runs on the caller */
	ck_assert_int_eq(llm_pool_threads(NULL), 1);
	run_and_check(NULL, 5);
	/* out-of-range sizes are clamped */
	{
		struct llm_pool *p = llm_pool_new(0);
		ck_assert_int_eq(llm_pool_threads(p), 1);
		run_and_check(p, 3);
		llm_pool_free(p);
	}
	llm_pool_free(NULL);
}
END_TEST

START_TEST(back_to_back_and_after_sleep)
{
	struct llm_pool *p = llm_pool_new(3);
	int i;
	/* many short runs: workers catch each generation while spinning */
	for (i = 0; i < 2000; i++)
		run_and_check(p, (size_t)(i % 13));
	/* pauses long enough for the workers to go to sleep */
	for (i = 0; i < 5; i++) {
		usleep(20000);
		run_and_check(p, 100);
	}
	llm_pool_free(p);
}
END_TEST

/* n_threads tasks that each wait until all have started: passes only if
 * every thread of the pool takes one at the same time. */
struct meet_job {
	atomic_int arrived;
	atomic_int timed_out;
	int n;
	atomic_int seen[8];
};

static void
meet_task(void *arg, size_t task, int thread)
{
	struct meet_job *j = arg;
	struct timespec t0, t;
	(void)task;
	atomic_fetch_add(&j->seen[thread], 1);
	atomic_fetch_add(&j->arrived, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&j->arrived) < j->n) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20) {
			atomic_store(&j->timed_out, 1);
			return;
		}
		sched_yield();
	}
}

START_TEST(threads_run_together)
{
	struct llm_pool *p = llm_pool_new(4);
	struct meet_job j;
	int k, round;

	for (round = 0; round < 3; round++) {
		memset(&j, 0, sizeof(j));
		j.n = llm_pool_threads(p);
		llm_pool_run(p, (size_t)j.n, meet_task, &j);
		ck_assert_int_eq(atomic_load(&j.timed_out), 0);
		for (k = 0; k < j.n; k++)
			ck_assert_int_eq(atomic_load(&j.seen[k]), 1);
		usleep(round * 10000);
	}
	llm_pool_free(p);
}
END_TEST

CHECK_MAIN("pool", .timeout = 60, .tests = CHECK_TESTS(
	each_task_once, back_to_back_and_after_sleep, threads_run_together))
