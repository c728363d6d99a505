## tests/llm: the transformer runtime (Check suites + data-driven tests)
EXTRA_DIST += tests/llm/data/stories260K-greedy.ids tests/llm/data/README
CHECK_SUITES += tests/llm/test-gguf
CHECK_SUITES += tests/llm/test-tokenizer
CHECK_SUITES += tests/llm/test-quant
CHECK_SUITES += tests/llm/test-pool
CHECK_SUITES += tests/llm/test-attn
CHECK_SUITES += tests/llm/test-kern
CHECK_SUITES += tests/llm/test-model

check_PROGRAMS += tests/llm/llm-refcheck
tests_llm_llm_refcheck_SOURCES = tests/llm/llm-refcheck.c
tests_llm_llm_refcheck_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/llm/reference.sh
EXTRA_DIST += tests/llm/reference.sh tests/llm/lib-numpy.sh tools/llm_ref.py \
	tools/gguflib.py

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

