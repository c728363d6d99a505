## tests: Check suites (tests/unit), shell end-to-end tests (tests/e2e).
## Each Check suite: check_PROGRAMS += tests/unit/test-X, with
## tests_unit_test_X_CFLAGS = $(TEST_CFLAGS), tests_unit_test_X_LDADD = $(TEST_LIBS).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-util
tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_util_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test-util
endif
