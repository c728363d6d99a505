# lib.sh: shared setup for conch's shell end-to-end tests.
# Each test sources this, gets a private HOME/XDG tree and a project dir,
# and uses the helpers below.  Exit 77 means "skipped".
set -u

: "${CONCH_BIN:?CONCH_BIN must point to the built conch}"
T=$(mktemp -d "${TMPDIR:-/tmp}/conch-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME="$T/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_STATE_HOME="$HOME/.local/state"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CACHE_HOME="$HOME/.cache"
unset ANTHROPIC_API_KEY OPENAI_API_KEY OPENROUTER_API_KEY CONCH_MODEL CONCH_MODE \
	CONCH_MAX_TURNS CONCH_TEST_SCRIPT ANTHROPIC_BASE_URL OPENAI_BASE_URL || true
export NO_COLOR=1
# conch -p TEXT appends piped stdin: tests pipe it explicitly, never
# inherit whatever the harness left open
exec </dev/null
mkdir -p "$HOME" "$T/proj"
cd "$T/proj"

FAILS=0
CHECKS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: got [$2], want [$3]"; fi
}
# expect_contains WHAT HAYSTACK NEEDLE
expect_contains() {
	case "$2" in *"$3"*) ok ;; *) fail "$1: [$2] lacks [$3]" ;; esac
}
expect_not_contains() {
	case "$2" in *"$3"*) fail "$1: [$2] contains [$3]" ;; *) ok ;; esac
}
# run_conch: runs conch, sets OUT, ERR, RC
run_conch() {
	OUT=$("$CONCH_BIN" "$@" 2>"$T/stderr") && RC=0 || RC=$?
	ERR=$(cat "$T/stderr")
}
# json_get FILE-OR-STRING EXPR: evaluate a Python expression on parsed JSON `j`
json_get() {
	printf '%s' "$1" | /usr/bin/python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($2)"
}
finish() {
	echo "$CHECKS checks, $FAILS failures"
	[ "$FAILS" -eq 0 ]
	exit $?
}
