## tests/util: src/util
CHECK_SUITES += tests/util/test-util
