## tests/net: SSE parser and the stream decoders; the fixtures and the
## loopback server tests/provider uses too.
CHECK_SUITES += tests/net/test-decode
EXTRA_DIST += \
	tests/net/fixtures/anth-badjson.sse tests/net/fixtures/anth-badjson.out \
	tests/net/fixtures/anth-cut.sse tests/net/fixtures/anth-cut.out \
	tests/net/fixtures/anth-hugeusage.sse tests/net/fixtures/anth-hugeusage.out \
	tests/net/fixtures/oai-hugeusage.sse tests/net/fixtures/oai-hugeusage.out \
	tests/net/fixtures/anth-overloaded.sse tests/net/fixtures/anth-overloaded.out \
	tests/net/fixtures/anth-parallel.sse tests/net/fixtures/anth-parallel.out \
	tests/net/fixtures/anth-text.sse tests/net/fixtures/anth-text.out \
	tests/net/fixtures/anth-text-cr.sse tests/net/fixtures/anth-text-cr.out \
	tests/net/fixtures/anth-thinking.sse tests/net/fixtures/anth-thinking.out \
	tests/net/fixtures/anth-tool.sse tests/net/fixtures/anth-tool.out \
	tests/net/fixtures/anth-tool-crlf.sse tests/net/fixtures/anth-tool-crlf.out \
	tests/net/fixtures/anth-tool-ls.sse \
	tests/net/fixtures/anth-unknown.sse tests/net/fixtures/anth-unknown.out \
	tests/net/fixtures/oai-badjson.sse tests/net/fixtures/oai-badjson.out \
	tests/net/fixtures/oai-cut.sse tests/net/fixtures/oai-cut.out \
	tests/net/fixtures/oai-deepseek.sse tests/net/fixtures/oai-deepseek.out \
	tests/net/fixtures/oai-llamacpp.sse tests/net/fixtures/oai-llamacpp.out \
	tests/net/fixtures/oai-llamacpp-error.sse tests/net/fixtures/oai-llamacpp-error.out \
	tests/net/fixtures/oai-nodone.sse tests/net/fixtures/oai-nodone.out \
	tests/net/fixtures/oai-ollama.sse tests/net/fixtures/oai-ollama.out \
	tests/net/fixtures/oai-openrouter.sse tests/net/fixtures/oai-openrouter.out \
	tests/net/fixtures/oai-openrouter-error.sse tests/net/fixtures/oai-openrouter-error.out \
	tests/net/fixtures/oai-text.sse tests/net/fixtures/oai-text.out \
	tests/net/fixtures/oai-tools.sse tests/net/fixtures/oai-tools.out \
	tests/net/fixtures/oai-tools-crlf.sse tests/net/fixtures/oai-tools-crlf.out

EXTRA_DIST += tests/net/server.py tests/net/fixtures/README.md tests/net/fixtures/anth-whole.json \
	tests/net/fixtures/oai-whole.json tests/net/fixtures/oai-200-error.json

# libFuzzer targets: ./configure --enable-fuzzing CC=clang
#   CFLAGS="-g -fsanitize=fuzzer-no-link,address"; `make check` builds them
# and tests/net/fuzz.sh runs each for CONCH_FUZZ_SECONDS (5) seconds.
if ENABLE_FUZZING
check_PROGRAMS += tests/net/fuzz/fuzz-sse tests/net/fuzz/fuzz-anthropic tests/net/fuzz/fuzz-openai
tests_net_fuzz_fuzz_sse_SOURCES = tests/net/fuzz/fuzz-sse.c
tests_net_fuzz_fuzz_sse_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_net_fuzz_fuzz_sse_LDFLAGS = -fsanitize=fuzzer
tests_net_fuzz_fuzz_sse_LDADD = libconch.a $(CONCH_LIBS)
tests_net_fuzz_fuzz_anthropic_SOURCES = tests/net/fuzz/fuzz-decoder.c
tests_net_fuzz_fuzz_anthropic_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_DECODER=anth_decoder_ops
tests_net_fuzz_fuzz_anthropic_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_net_fuzz_fuzz_anthropic_LDFLAGS = -fsanitize=fuzzer
tests_net_fuzz_fuzz_anthropic_LDADD = libconch.a $(CONCH_LIBS)
tests_net_fuzz_fuzz_openai_SOURCES = tests/net/fuzz/fuzz-decoder.c
tests_net_fuzz_fuzz_openai_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_DECODER=oai_decoder_ops
tests_net_fuzz_fuzz_openai_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_net_fuzz_fuzz_openai_LDFLAGS = -fsanitize=fuzzer
tests_net_fuzz_fuzz_openai_LDADD = libconch.a $(CONCH_LIBS)
TESTS += tests/net/fuzz.sh
endif
EXTRA_DIST += tests/net/fuzz.sh tests/net/fuzz/fuzz-sse.c \
	tests/net/fuzz/fuzz-decoder.c
