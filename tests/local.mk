## tests: Check suites (tests/unit), shell end-to-end tests (tests/e2e).
## Each Check suite: check_PROGRAMS += tests/unit/test-X, with
## tests_unit_test_X_CFLAGS = $(TEST_CFLAGS), tests_unit_test_X_LDADD = $(TEST_LIBS).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test-util tests/unit/test-conv tests/unit/test-cli
tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_util_LDADD = $(TEST_LIBS)
tests_unit_test_conv_SOURCES = tests/unit/test-conv.c
tests_unit_test_conv_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_conv_LDADD = $(TEST_LIBS)
tests_unit_test_cli_SOURCES = tests/unit/test-cli.c
tests_unit_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_cli_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/unit/test-checkpoint
tests_unit_test_checkpoint_SOURCES = tests/unit/test-checkpoint.c
tests_unit_test_checkpoint_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_checkpoint_LDADD = $(TEST_LIBS)
TESTS += tests/unit/test-util tests/unit/test-conv tests/unit/test-cli \
	tests/unit/test-checkpoint
endif

E2E_TESTS = \
	tests/e2e/cli.sh \
	tests/e2e/headless.sh \
	tests/e2e/sessions.sh \
	tests/e2e/providers.sh \
	tests/e2e/plan-rewind.sh \
	tests/e2e/offline.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/lib.sh tests/check-run.h
