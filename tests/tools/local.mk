## tests/tools: Check suites for src/tools
EXTRA_DIST += tests/tools/tt.h
if HAVE_CHECK
check_PROGRAMS += tests/tools/test-tools-files
tests_tools_test_tools_files_SOURCES = tests/tools/test-tools-files.c tests/tools/tt.h
tests_tools_test_tools_files_CFLAGS = $(TEST_CFLAGS)
tests_tools_test_tools_files_LDADD = $(TEST_LIBS)
TESTS += tests/tools/test-tools-files
endif
