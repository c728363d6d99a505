## tests/sandbox: adversarial cases for the launcher, the path helpers and
## the output sanitiser; rule parser and matcher for the policy.
CHECK_SUITES += tests/sandbox/test-sandbox
CHECK_SUITES += tests/sandbox/test-policy
CHECK_SUITES += tests/sandbox/test-limits
TESTS += tests/sandbox/tool.sh tests/sandbox/attacks.sh tests/sandbox/prompt.sh
EXTRA_DIST += tests/sandbox/tool.sh tests/sandbox/attacks.sh \
	tests/sandbox/attacks-sandbox.sh tests/sandbox/prompt.sh
# the shell reader against dash and bash under strace (a property test)
CHECK_SUITES += tests/sandbox/shprop
CHECK_SUITES += tests/sandbox/test-attacks
