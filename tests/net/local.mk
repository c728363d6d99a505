## tests/net: SSE parser and the stream decoders; the fixtures and the
## loopback server tests/provider uses too.
CHECK_SUITES += tests/net/test-decode
# the golden fixtures (NAME.sse in, NAME.out expected) and the whole
# answers: the folder goes into the tarball whole
EXTRA_DIST += tests/net/fixtures tests/net/server.py

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
