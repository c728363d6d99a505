## tests/sandbox: adversarial cases for the launcher and the path helpers,
## and the attack suites through the whole program.
CHECK_SUITES += tests/sandbox/test-sandbox
CHECK_SUITES += tests/sandbox/test-limits
TESTS += tests/sandbox/tool.sh tests/sandbox/attacks.sh tests/sandbox/prompt.sh
EXTRA_DIST += tests/sandbox/tool.sh tests/sandbox/attacks.sh \
	tests/sandbox/attacks-sandbox.sh tests/sandbox/prompt.sh
