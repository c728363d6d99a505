/* check-run.h: the runner every Check suite's main() ends with, and a
 * table form for the suite itself. */
#ifndef CONCH_TESTS_CHECK_RUN_H
#define CONCH_TESTS_CHECK_RUN_H

#include <check.h>
#include <stddef.h>

/* Run suite `s` (the runner takes ownership of it) and return the
 * process exit status: 0 when every test passed, 1 otherwise. */
static inline int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nf;
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}

/* The tests named (START_TEST names), as the NULL-ended array a
 * struct check_case holds; it lives as long as the enclosing block. */
#define CHECK_TESTS(...) ((const TTest *const []){ __VA_ARGS__, NULL })

/* One test case of a suite. */
struct check_case {
	const char *name;          /* the test case's name; NULL: "core" */
	const TTest *const *tests; /* its tests in order, NULL-ended */
	SFun setup, teardown;      /* a checked fixture, or NULL */
	double timeout;            /* seconds; 0 keeps Check's default */
};

/* Add test case `c` to suite `s`; returns it (owned by `s`), for what the
 * table does not hold (loop tests). */
static inline TCase *
check_add_case(Suite *s, const struct check_case *c)
{
	TCase *tc = tcase_create(c->name ? c->name : "core");
	size_t i;
	if (c->setup || c->teardown)
		tcase_add_checked_fixture(tc, c->setup, c->teardown);
	if (c->timeout > 0)
		tcase_set_timeout(tc, c->timeout);
	for (i = 0; c->tests[i]; i++)
		tcase_add_test(tc, c->tests[i]);
	suite_add_tcase(s, tc);
	return tc;
}

/* Build suite `name` from the `n` test cases `cases`, run it and return
 * check_run()'s status. */
static inline int
check_run_cases(const char *name, const struct check_case *cases, size_t n)
{
	Suite *s = suite_create(name);
	size_t i;
	for (i = 0; i < n; i++)
		check_add_case(s, &cases[i]);
	return check_run(s);
}

/* The same for a suite of one test case, whose struct check_case fields
 * follow the name. */
#define check_run_case(name, ...) \
	check_run_cases((name), &(const struct check_case){ __VA_ARGS__ }, 1)

/* Define main() as check_run_case(name, ...), for a suite that needs
 * nothing else:
 *	CHECK_MAIN("x", .timeout = 60, .tests = CHECK_TESTS(
 *		test_a, test_b)) */
#define CHECK_MAIN(name, ...) \
	int main(void) { return check_run_case((name), __VA_ARGS__); }

#endif
