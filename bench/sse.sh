#!/bin/sh
# bench/sse.sh [BUILDDIR] [EVENTS]: SSE parser and stream decoder
# throughput on a large synthetic recorded stream (EVENTS text deltas,
# default 100000), and the latency from a chunk written to a loopback
# socket to its text reaching the front end's callback (target < 1 ms).
# Needs a built tree (libconch.a, config.h) in BUILDDIR (default: .).
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-cc} -std=gnu11 -O2 -include "$build/config.h" -I"$src/src" \
	-DCONCH_PKGDATADIR='"/nonexistent"' -DCONCH_SRCDIR="\"$src\"" \
	"$src/bench/sse-bench.c" "$build/libconch.a" \
	$(pkg-config --cflags --libs libcurl libcjson libpcre2-8 libseccomp yaml-0.1 ncursesw) -lpthread -lm -o "$out/sse-bench"
"$out/sse-bench" "${2:-100000}"
