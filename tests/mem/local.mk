## tests/mem: memory, skills, compaction and reflection (issue 4)
if HAVE_CHECK
check_PROGRAMS += tests/mem/test-memory tests/mem/test-skills tests/mem/test-compact
tests_mem_test_memory_SOURCES = tests/mem/test-memory.c
tests_mem_test_memory_CFLAGS = $(TEST_CFLAGS)
tests_mem_test_memory_LDADD = $(TEST_LIBS)
tests_mem_test_skills_SOURCES = tests/mem/test-skills.c
tests_mem_test_skills_CFLAGS = $(TEST_CFLAGS)
tests_mem_test_skills_LDADD = $(TEST_LIBS)
tests_mem_test_compact_SOURCES = tests/mem/test-compact.c
tests_mem_test_compact_CFLAGS = $(TEST_CFLAGS)
tests_mem_test_compact_LDADD = $(TEST_LIBS)
TESTS += tests/mem/test-memory tests/mem/test-skills tests/mem/test-compact
endif
TESTS += tests/mem/memory-cli.sh tests/mem/skills-cli.sh tests/mem/reflect-e2e.sh \
	tests/mem/compact-e2e.sh
EXTRA_DIST += tests/mem/memory-cli.sh tests/mem/skills-cli.sh \
	tests/mem/reflect-e2e.sh tests/mem/compact-e2e.sh tests/mem/lib.sh
