## tests/memory: src/memory
CHECK_SUITES += tests/memory/test-memory
