## tests: Check suites (one folder per src folder they test: tests/util,
## tests/agent ...), the end-to-end tests of the whole program
## (tests/e2e) and the tests of the training tools (tests/train).  A Check
## suite is one line: CHECK_SUITES += tests/X/test-Y (Makefile.am).

E2E_TESTS = \
	tests/e2e/cli.sh \
	tests/e2e/headless.sh \
	tests/e2e/sessions.sh \
	tests/e2e/providers.sh \
	tests/e2e/plan-rewind.sh \
	tests/e2e/offline.sh
TESTS += $(E2E_TESTS)
# the training tools (tools/train) that no model is needed to check
TRAIN_TESTS = tests/train/phrase.sh
TESTS += $(TRAIN_TESTS)
EXTRA_DIST += $(E2E_TESTS) $(TRAIN_TESTS) tests/e2e/lib.sh tests/e2e/lib-mind.sh tests/check-run.h \
	tests/xdg-home.h tests/test-fs.h
