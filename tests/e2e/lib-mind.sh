# lib-mind.sh: the shared e2e setup (tests/e2e/lib.sh) plus helpers for the
# memory and skills tests.
. "$(dirname "$0")/../e2e/lib.sh"

DATA="$XDG_DATA_HOME/conch"
# An $EDITOR that runs the shell snippet in $EDIT_CMD on "$1".
cat > "$T/editor.sh" <<'SH'
#!/bin/sh
eval "$EDIT_CMD"
SH
chmod +x "$T/editor.sh"
export EDITOR="$T/editor.sh"
unset VISUAL || true
# has_tool NAME: the tool is in this build's tool table
has_tool() {
	"$CONCH_BIN" tool "$1" '{}' 2>&1 | grep -qv "unknown tool"
}
