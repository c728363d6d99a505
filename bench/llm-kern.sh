#!/bin/sh
# bench/llm-kern.sh [BUILDDIR] [THREADS]: the matrix products of one
# forward pass (decode: 1 token; prefill: 512) on every kernel set this
# CPU runs, for Qwen2.5-0.5B-shaped Q8_0 and Q5_0 and Llama-3.2-1B-shaped
# Q8_0 and Q4_K_M random weights.  Needs a built tree (libconch.a) in
# BUILDDIR (default: .); build it without --enable-debug for real numbers.
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
th=${2:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-cc} -std=gnu11 -O2 -include "$build/config.h" -I"$src/src" \
	"$src/bench/llm-kern.c" "$build/libconch.a" -lpthread -lm -o "$out/llm-kern"
for isa in float scalar avx2 avx512; do
	for spec in "qwen0.5b Q8_0" "qwen0.5b Q5_0" "llama1b Q8_0" "llama1b Q4_K_M"; do
		CONCH_LLM_ISA=$isa "$out/llm-kern" $spec "$th" 1 7
		CONCH_LLM_ISA=$isa "$out/llm-kern" $spec "$th" 512 3
	done
done
