## tests/sandbox: adversarial cases for the launcher, the path helpers and
## the output sanitiser; rule parser and matcher for the policy.
if HAVE_CHECK
check_PROGRAMS += tests/sandbox/test-sandbox
tests_sandbox_test_sandbox_SOURCES = tests/sandbox/test-sandbox.c
tests_sandbox_test_sandbox_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_test_sandbox_LDADD = $(TEST_LIBS)
TESTS += tests/sandbox/test-sandbox
endif
if HAVE_CHECK
check_PROGRAMS += tests/sandbox/test-policy
tests_sandbox_test_policy_SOURCES = tests/sandbox/test-policy.c
tests_sandbox_test_policy_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_test_policy_LDADD = $(TEST_LIBS)
TESTS += tests/sandbox/test-policy
endif
if HAVE_CHECK
check_PROGRAMS += tests/sandbox/test-limits
tests_sandbox_test_limits_SOURCES = tests/sandbox/test-limits.c
tests_sandbox_test_limits_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_test_limits_LDADD = $(TEST_LIBS)
TESTS += tests/sandbox/test-limits
endif
TESTS += tests/sandbox/tool.sh tests/sandbox/attacks.sh tests/sandbox/prompt.sh
EXTRA_DIST += tests/sandbox/tool.sh tests/sandbox/attacks.sh \
	tests/sandbox/attacks-sandbox.sh tests/sandbox/prompt.sh
# the shell reader against dash and bash under strace (a property test)
check_PROGRAMS += tests/sandbox/shprop
tests_sandbox_shprop_SOURCES = tests/sandbox/shprop.c
tests_sandbox_shprop_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_shprop_LDADD = $(TEST_LIBS)
TESTS += tests/sandbox/shprop
if HAVE_CHECK
check_PROGRAMS += tests/sandbox/test-attacks
tests_sandbox_test_attacks_SOURCES = tests/sandbox/test-attacks.c
tests_sandbox_test_attacks_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_test_attacks_LDADD = $(TEST_LIBS)
TESTS += tests/sandbox/test-attacks
endif
