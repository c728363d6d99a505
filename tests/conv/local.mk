## tests/conv: src/conv
CHECK_SUITES += tests/conv/test-conv
