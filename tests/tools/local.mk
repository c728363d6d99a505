## tests/tools: Check suites for src/tools
EXTRA_DIST += tests/tools/tt.h
if HAVE_CHECK
check_PROGRAMS += tests/tools/test-tools-files
tests_tools_test_tools_files_SOURCES = tests/tools/test-tools-files.c tests/tools/tt.h
tests_tools_test_tools_files_CFLAGS = $(TEST_CFLAGS)
tests_tools_test_tools_files_LDADD = $(TEST_LIBS)
TESTS += tests/tools/test-tools-files
endif
if HAVE_CHECK
check_PROGRAMS += tests/tools/test-tools-search
tests_tools_test_tools_search_SOURCES = tests/tools/test-tools-search.c tests/tools/tt.h
tests_tools_test_tools_search_CFLAGS = $(TEST_CFLAGS)
tests_tools_test_tools_search_LDADD = $(TEST_LIBS)
TESTS += tests/tools/test-tools-search
endif
if HAVE_CHECK
check_PROGRAMS += tests/tools/test-tools-bash
tests_tools_test_tools_bash_SOURCES = tests/tools/test-tools-bash.c tests/tools/tt.h
tests_tools_test_tools_bash_CFLAGS = $(TEST_CFLAGS)
tests_tools_test_tools_bash_LDADD = $(TEST_LIBS)
TESTS += tests/tools/test-tools-bash
endif
if HAVE_CHECK
check_PROGRAMS += tests/tools/test-tools-beneath
tests_tools_test_tools_beneath_SOURCES = tests/tools/test-tools-beneath.c tests/tools/tt.h
tests_tools_test_tools_beneath_CFLAGS = $(TEST_CFLAGS)
tests_tools_test_tools_beneath_LDADD = $(TEST_LIBS)
TESTS += tests/tools/test-tools-beneath
endif
