#!/bin/sh
# Mutated copies of real GGUF files through the parser and tokenizer
# (tests/llm/fuzz-gguf.c): no crash, no out-of-bounds read under ASAN.
M="$CONCH_SHARED/models"
V="$CONCH_SHARED/vocab"
if ! [ -f "$M/stories260K.gguf" ]; then
	echo "skip: $M absent"
	exit 77
fi
exec "$CONCH_BUILDDIR/tests/llm/fuzz-gguf-replay" "$M/stories260K.gguf" \
	"$M/llama-2-tiny-random.gguf" "$V/ggml-vocab-gpt-2.gguf"
