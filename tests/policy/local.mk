## tests/policy: src/policy (rules, modes, the shell reader)
CHECK_SUITES += tests/policy/test-policy
CHECK_SUITES += tests/policy/test-attacks
# the shell reader against dash and bash under strace (a property test)
CHECK_SUITES += tests/policy/shprop
EXTRA_DIST += tests/policy/pol.h
