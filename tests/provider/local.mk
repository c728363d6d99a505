## tests/provider: src/provider (remote providers over a loopback server,
## the fallback chain, the local provider)
CHECK_SUITES += tests/provider/test-remote
CHECK_SUITES += tests/provider/test-chain
CHECK_SUITES += tests/provider/test-local
TESTS += tests/provider/agent-local.sh
if HAVE_CHECK
TESTS += tests/provider/local-e2e.sh # runs test-local again
endif
EXTRA_DIST += tests/provider/local-e2e.sh tests/provider/agent-local.sh
EXTRA_DIST += tests/provider/fake-clock.h
EXTRA_DIST += tests/provider/request.h
