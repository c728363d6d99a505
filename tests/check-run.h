/* check-run.h: the runner every Check suite's main() ends with. */
#ifndef CONCH_TESTS_CHECK_RUN_H
#define CONCH_TESTS_CHECK_RUN_H

#include <check.h>

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

#endif
