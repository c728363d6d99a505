#!/bin/sh
# The agent end to end through the local provider: conch -p with
# -m local/MODEL, where MODEL is tools/llm_ref.py's scripted model.  It
# calls read on README.md (the call parsed from <tool_call>, under the
# grammar), the tool runs, its result is fed back, and the model answers.
# Skips (77) when numpy is missing, when this conch has no headless mode,
# or when "local/..." is not routed to the local provider yet.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
	echo "skip: $PY with numpy (python3-numpy) is not available"
	exit 77
fi
if ! "$CONCH_BIN" --help 2>/dev/null | grep -q -- "--prompt"; then
	echo "skip: $CONCH_BIN has no headless mode (-p) in this build"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
	XDG_STATE_HOME="$tmp/home/.state" XDG_DATA_HOME="$tmp/home/.data" \
	XDG_CACHE_HOME="$tmp/home/.cache"
mkdir -p "$XDG_CONFIG_HOME/conch" "$tmp/work"
# the scripted model's vocabulary is one character per token: give the
# agent's prompt room
printf '{"providers": {"local": {"ctx": 12288}}}\n' >"$XDG_CONFIG_HOME/conch/config.json"
"$PY" "$CONCH_SRCDIR/tools/llm_ref.py" scripted "$tmp/s.gguf" || exit 1
cd "$tmp/work" || exit 1
git init -q . 2>/dev/null || mkdir .git
printf '# conch\nA coding agent.\n' >README.md

"$CONCH_BIN" -p "Show me README.md" -m "local/$tmp/s.gguf" --mode auto \
	--no-reflect --output-format json </dev/null >"$tmp/out.json" 2>"$tmp/err"
rc=$?
if grep -q "not built into this conch" "$tmp/err" "$tmp/out.json"; then
	echo "skip: local/... is not routed to provider_local_open in this build"
	exit 77
fi
cat "$tmp/err"
fail=0
t() {
	if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: got [$2] want [$3]"; fail=1; fi
}
get() {
	"$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$tmp/out.json" 2>/dev/null
}
t "exit status" "$rc" 0
t "answer" "$(get "j['result']")" "Done: README.md was read."
t "one tool call" "$(get "j['tool_calls']")" 1
t "two turns" "$(get "j['turns']")" 2
t "provider" "$(get "j['provider']")" local
t "prefix reused" "$(get "j['usage']['cache_read_tokens'] > 1000")" True
t "label without a double slash" "$(get "'//' in j['answered_by']")" False
t "a local model costs \$0" "$(get "j['cost_usd']")" 0
exit $fail
