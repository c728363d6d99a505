## tests/agent: src/agent (checkpoints, compaction, reflection)
CHECK_SUITES += tests/agent/test-checkpoint
CHECK_SUITES += tests/agent/test-compact
TESTS += tests/agent/reflect-e2e.sh tests/agent/compact-e2e.sh
EXTRA_DIST += tests/agent/reflect-e2e.sh tests/agent/compact-e2e.sh
