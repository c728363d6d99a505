## tests/mem: memory, skills, compaction and reflection (issue 4)
CHECK_SUITES += tests/mem/test-memory
CHECK_SUITES += tests/mem/test-skills
CHECK_SUITES += tests/mem/test-compact
TESTS += tests/mem/memory-cli.sh tests/mem/skills-cli.sh tests/mem/reflect-e2e.sh \
	tests/mem/compact-e2e.sh
EXTRA_DIST += tests/mem/memory-cli.sh tests/mem/skills-cli.sh \
	tests/mem/reflect-e2e.sh tests/mem/compact-e2e.sh tests/mem/lib.sh
