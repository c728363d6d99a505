## tests: Check suites (tests/unit), shell end-to-end tests (tests/e2e).
## A Check suite is one line: CHECK_SUITES += tests/unit/test-X (Makefile.am).
CHECK_SUITES += tests/unit/test-util
CHECK_SUITES += tests/unit/test-conv
CHECK_SUITES += tests/unit/test-cli
CHECK_SUITES += tests/unit/test-checkpoint

E2E_TESTS = \
	tests/e2e/cli.sh \
	tests/e2e/headless.sh \
	tests/e2e/sessions.sh \
	tests/e2e/providers.sh \
	tests/e2e/plan-rewind.sh \
	tests/e2e/offline.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/lib.sh tests/check-run.h
