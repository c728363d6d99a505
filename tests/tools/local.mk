## tests/tools: Check suites for src/tools
EXTRA_DIST += tests/tools/tt.h
CHECK_SUITES += tests/tools/test-tools-files
CHECK_SUITES += tests/tools/test-tools-search
CHECK_SUITES += tests/tools/test-tools-bash
CHECK_SUITES += tests/tools/test-tools-beneath
