#!/bin/sh
# The local provider end to end: tests/provider/test-local again, with a small
# random-weight qwen2 model (ChatML template) and a scripted one, both
# written by tools/llm_ref.py.
. "$CONCH_SRCDIR/tests/llm/lib-numpy.sh"
"$PY" "$CONCH_SRCDIR/tools/llm_ref.py" model "$tmp/q.gguf" qwen2 Q8_0 || exit 1
"$PY" "$CONCH_SRCDIR/tools/llm_ref.py" scripted "$tmp/s.gguf" || exit 1
CONCH_TEST_LOCAL_MODEL="$tmp/q.gguf" CONCH_TEST_SCRIPTED_MODEL="$tmp/s.gguf" \
	"$CONCH_BUILDDIR/tests/provider/test-local"
