#!/bin/sh
# Logits of the C runtime against the numpy reference (tools/llm_ref.py)
# on random-weight GGUF files for every architecture and tensor type.
# Skips (77) when Debian's python3 with numpy is missing.
. "$CONCH_SRCDIR/tests/llm/lib-numpy.sh"
"$PY" "$CONCH_SRCDIR/tools/llm_ref.py" gen "$tmp" || exit 1
# the float path (tight), then the kernels this CPU picks (8-bit
# activations), then the portable integer kernels
CONCH_LLM_ISA=float "$CONCH_BUILDDIR/tests/llm/llm-refcheck" "$tmp" || exit 1
"$CONCH_BUILDDIR/tests/llm/llm-refcheck" "$tmp" || exit 1
CONCH_LLM_ISA=scalar "$CONCH_BUILDDIR/tests/llm/llm-refcheck" "$tmp"
