## tests/llm: the transformer runtime (Check suites + data-driven tests)
EXTRA_DIST += tests/llm/data/stories260K-greedy.ids tests/llm/data/README

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-gguf
tests_llm_test_gguf_SOURCES = tests/llm/test-gguf.c
tests_llm_test_gguf_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_gguf_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-gguf
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-tokenizer
tests_llm_test_tokenizer_SOURCES = tests/llm/test-tokenizer.c
tests_llm_test_tokenizer_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_tokenizer_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-tokenizer
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-quant
tests_llm_test_quant_SOURCES = tests/llm/test-quant.c
tests_llm_test_quant_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_quant_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-quant
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-pool
tests_llm_test_pool_SOURCES = tests/llm/test-pool.c
tests_llm_test_pool_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_pool_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-pool
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-attn
tests_llm_test_attn_SOURCES = tests/llm/test-attn.c
tests_llm_test_attn_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_attn_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-attn
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-kern
tests_llm_test_kern_SOURCES = tests/llm/test-kern.c
tests_llm_test_kern_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_kern_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-kern
endif

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-model
tests_llm_test_model_SOURCES = tests/llm/test-model.c
tests_llm_test_model_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_model_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-model
endif

check_PROGRAMS += tests/llm/llm-refcheck
tests_llm_llm_refcheck_SOURCES = tests/llm/llm-refcheck.c
tests_llm_llm_refcheck_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/llm/reference.sh
EXTRA_DIST += tests/llm/reference.sh tools/llm_ref.py tools/gguflib.py

check_PROGRAMS += tests/llm/model-cli
tests_llm_model_cli_SOURCES = tests/llm/model-cli.c
tests_llm_model_cli_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/llm/cmd-model.sh
EXTRA_DIST += tests/llm/cmd-model.sh

if HAVE_CHECK
check_PROGRAMS += tests/llm/test-local
tests_llm_test_local_SOURCES = tests/llm/test-local.c
tests_llm_test_local_CFLAGS = $(TEST_CFLAGS)
tests_llm_test_local_LDADD = $(TEST_LIBS)
TESTS += tests/llm/test-local tests/llm/local-e2e.sh
EXTRA_DIST += tests/llm/local-e2e.sh
endif

# GGUF parser robustness: a replay of mutated real files in make check,
# and a libFuzzer target with --enable-fuzzing (clang).
check_PROGRAMS += tests/llm/fuzz-gguf-replay
tests_llm_fuzz_gguf_replay_SOURCES = tests/llm/fuzz-gguf.c
tests_llm_fuzz_gguf_replay_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/llm/fuzz-replay.sh
EXTRA_DIST += tests/llm/fuzz-replay.sh
if ENABLE_FUZZING
check_PROGRAMS += fuzz-gguf
fuzz_gguf_SOURCES = tests/llm/fuzz-gguf.c
fuzz_gguf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_LIBFUZZER
fuzz_gguf_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
fuzz_gguf_LDFLAGS = -fsanitize=fuzzer,address,undefined
fuzz_gguf_LDADD = libconch.a $(CONCH_LIBS)
endif

# the agent through the local provider (skips until conch routes local/...)
TESTS += tests/llm/agent-local.sh
EXTRA_DIST += tests/llm/agent-local.sh
