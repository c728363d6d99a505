#!/bin/sh
# Headless end to end with the scripted provider: a multi-turn task that
# reads, edits and runs a command; output formats; exit codes; sessions;
# permission denial; interrupts; --continue.
. "$(dirname "$0")/lib.sh"

git init -q . 2>/dev/null || mkdir .git
printf 'alpha\nsecond line\n' > notes.txt
printf '# Project rules\nAlways say PINEAPPLE.\n' > AGENTS.md
mkdir -p sub && printf 'sub rules: KIWI\n' > sub/CLAUDE.md

cat > "$T/task.json" <<'JSON'
{"turns": [
 {"expect_system": "PINEAPPLE", "expect_user": "replace alpha",
  "text": "Reading the file.",
  "tool_calls": [{"id": "c1", "name": "read", "args": {"path": "notes.txt"}}]},
 {"expect_result": "alpha",
  "tool_calls": [{"id": "c2", "name": "edit",
                  "args": {"path": "notes.txt", "old_string": "alpha", "new_string": "beta"}}]},
 {"tool_calls": [{"id": "c3", "name": "bash", "args": {"command": "cat notes.txt; echo status-ok"}}]},
 {"expect_result": "status-ok", "text": "Done: replaced alpha with beta."}
]}
JSON

# json output
CONCH_TEST_SCRIPT="$T/task.json" run_conch -p "replace alpha with beta in notes.txt" \
	--mode auto --output-format json
expect_eq "json task rc" "$RC" 0
expect_eq "stderr quiet" "$ERR" ""
expect_eq "file edited" "$(head -1 notes.txt)" "beta"
expect_eq "result text" "$(json_get "$OUT" "j['result']")" "Done: replaced alpha with beta."
expect_eq "is_error" "$(json_get "$OUT" "j['is_error']")" "False"
expect_eq "turns" "$(json_get "$OUT" "j['turns']")" "4"
expect_eq "tool_calls" "$(json_get "$OUT" "j['tool_calls']")" "3"
expect_eq "provider" "$(json_get "$OUT" "j['provider']")" "scripted"
expect_eq "usage known" "$(json_get "$OUT" "j['usage']['input_tokens'] > 0")" "True"
SID=$(json_get "$OUT" "j['session_id']")
SDIR="$XDG_STATE_HOME/conch/sessions"
SFILE=$(find "$SDIR" -name "$SID.jsonl")
expect_contains "session file exists" "$SFILE" "$SID.jsonl"
S=$(cat "$SFILE")
expect_contains "session header" "$S" '"type":"session"'
expect_contains "session has the prompt" "$S" "replace alpha with beta"
expect_contains "session has the edit call" "$S" '"name":"edit"'
expect_contains "session has tool results" "$S" '"type":"tool_result"'
expect_contains "session has the answer" "$S" "Done: replaced alpha"
expect_eq "session lines are JSON" "$(/usr/bin/python3 -c "
import json,sys
n=0
for line in open('$SFILE'):
    json.loads(line); n+=1
print(n >= 9)")" "True"

# conch sessions lists it
run_conch sessions
expect_contains "sessions lists the id" "$OUT" "$SID"
expect_contains "sessions shows the prompt" "$OUT" "replace alpha with beta"

# text output and the stdin task
printf 'alpha\n' > notes.txt
OUT=$(printf 'replace alpha with beta in notes.txt' | CONCH_TEST_SCRIPT="$T/task.json" \
	"$CONCH_BIN" -p --mode auto 2>"$T/stderr") && RC=0 || RC=$?
expect_eq "stdin task rc" "$RC" 0
expect_eq "text output is the answer" "$OUT" "Done: replaced alpha with beta."

# stream-json events in order
printf 'alpha\n' > notes.txt
CONCH_TEST_SCRIPT="$T/task.json" run_conch -p "replace alpha with beta" --mode auto \
	--output-format stream-json
expect_eq "stream rc" "$RC" 0
TYPES=$(printf '%s\n' "$OUT" | /usr/bin/python3 -c "
import json,sys
print(' '.join(json.loads(l)['type'] for l in sys.stdin if l.strip()))")
expect_eq "stream event order" "$TYPES" \
	"init text turn tool_call tool_result turn tool_call tool_result turn tool_call tool_result text turn result"

# mode ask, headless: the edit is denied, the model is told, the file stays
printf 'alpha\n' > notes.txt
cat > "$T/deny.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "d1", "name": "edit",
   "args": {"path": "notes.txt", "old_string": "alpha", "new_string": "beta"}}]},
 {"expect_result": "approval", "text": "I was not allowed to edit."}
]}
JSON
CONCH_TEST_SCRIPT="$T/deny.json" run_conch -p "edit it" --output-format stream-json
expect_eq "ask mode headless rc: the task could not proceed" "$RC" 1
expect_eq "denied edit left the file" "$(cat notes.txt)" "alpha"
expect_contains "denial is an error result" "$OUT" '"is_error":true'
expect_contains "denial is a stream event" "$OUT" '"type":"denied"'
expect_contains "denial reported on stderr" "$ERR" "denied: edit notes.txt"
expect_contains "denial count on stderr" "$ERR" "1 tool call was denied; the task could not proceed"
CONCH_TEST_SCRIPT="$T/deny.json" run_conch -p "edit it" --output-format json
expect_eq "json denials" "$(json_get "$OUT" "j['denials']")" "1"
expect_eq "json exit_code on denial" "$(json_get "$OUT" "j['exit_code']")" "1"
# a denial the model worked around does not fail the task
cat > "$T/around.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "d1", "name": "bash", "args": {"command": "rm -f notes.txt"}}]},
 {"expect_result": "approval", "tool_calls": [{"id": "d2", "name": "write", "args": {"path": "other.txt", "content": "x"}}]},
 {"text": "Wrote other.txt instead."}
]}
JSON
CONCH_TEST_SCRIPT="$T/around.json" run_conch -p "look" --mode auto-edit --output-format json
expect_eq "worked-around denial rc" "$RC" 0
expect_eq "worked-around denial counted" "$(json_get "$OUT" "j['denials']")" "1"
expect_contains "worked-around denial on stderr" "$ERR" "denied: bash rm -f notes.txt"
# --yes allows it
CONCH_TEST_SCRIPT="$T/deny.json" run_conch -p "edit it" --yes
expect_eq "--yes edit applied" "$(cat notes.txt)" "beta"

# invalid arguments and unknown tools come back as errors the model sees
cat > "$T/bad.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"name": "read", "args": {"limit": 3}}]},
 {"expect_result": "path", "tool_calls": [{"name": "nosuch", "args": {}}]},
 {"expect_result": "nosuch", "tool_calls": [{"name": "read", "args_raw": "{\"path\": "}]},
 {"text": "recovered"}
]}
JSON
CONCH_TEST_SCRIPT="$T/bad.json" run_conch -p "x" --output-format json
expect_eq "bad tool calls rc" "$RC" 0
expect_eq "bad tool calls recovered" "$(json_get "$OUT" "j['result']")" "recovered"

# --max-turns stops a looping model: exit 1
cat > "$T/loop.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"name": "ls", "args": {}}]},
 {"tool_calls": [{"name": "ls", "args": {}}]},
 {"tool_calls": [{"name": "ls", "args": {}}]}
]}
JSON
CONCH_TEST_SCRIPT="$T/loop.json" run_conch -p "loop" --max-turns 2 --output-format json
expect_eq "max turns rc" "$RC" 1
expect_eq "max turns is_error" "$(json_get "$OUT" "j['is_error']")" "True"
expect_contains "max turns message" "$ERR" "max-turns"

# every provider failing: exit 4
printf '{"turns": [{"error": {"kind": "auth", "message": "bad key"}}]}' > "$T/auth.json"
CONCH_TEST_SCRIPT="$T/auth.json" run_conch -p "x"
expect_eq "provider failure rc" "$RC" 4
expect_contains "provider failure message" "$ERR" "bad key"

# --continue carries the conversation on
printf '{"turns": [{"text": "first answer MANGO"}]}' > "$T/c1.json"
CONCH_TEST_SCRIPT="$T/c1.json" run_conch -p "remember MANGO"
expect_eq "first of continue rc" "$RC" 0
printf '{"turns": [{"expect_conv": "first answer MANGO", "expect_messages": 3, "text": "still here"}]}' > "$T/c2.json"
CONCH_TEST_SCRIPT="$T/c2.json" run_conch -c -p "and now?"
expect_eq "continue rc" "$RC" 0
expect_eq "continue answer" "$OUT" "still here"
CONCH_TEST_SCRIPT="$T/c2.json" run_conch -r "nonexistent-id" -p "x"
expect_eq "resume unknown rc" "$RC" 2
expect_contains "resume unknown message" "$ERR" "no session nonexistent-id"

# stdin piped beside -p TEXT is appended to the prompt
printf '{"turns": [{"expect_user": "summarise this\\n\\nPIPED-CONTEXT line", "text": "summary ok"}]}' > "$T/stdin.json"
OUT=$(printf 'PIPED-CONTEXT line\n' | CONCH_TEST_SCRIPT="$T/stdin.json" \
	"$CONCH_BIN" -p "summarise this" --no-reflect 2>"$T/stderr") && RC=0 || RC=$?
expect_eq "stdin appended to -p rc" "$RC:$(cat "$T/stderr")" "0:"
expect_eq "stdin appended to -p answer" "$OUT" "summary ok"
# over the cap: a clear error and its own exit status (6)
head -c 1100000 /dev/zero | tr '\0' 'x' > "$T/big.txt"
CONCH_TEST_SCRIPT="$T/stdin.json" "$CONCH_BIN" -p "summarise this" <"$T/big.txt" \
	>/dev/null 2>"$T/stderr" && RC=0 || RC=$?
expect_eq "stdin over the cap rc" "$RC" 6
expect_contains "stdin over the cap message" "$(cat "$T/stderr")" "over 1048576 bytes"
# no stdin (/dev/null): the prompt alone
printf '{"turns": [{"expect_messages": 1, "text": "alone"}]}' > "$T/alone.json"
CONCH_TEST_SCRIPT="$T/alone.json" run_conch -p "just this" --no-reflect
expect_eq "-p with /dev/null stdin" "$RC:$OUT" "0:alone"
run_conch --help
expect_contains "--no-reflect in --help" "$OUT" "--no-reflect"

# CLAUDE.md is read where a directory has no AGENTS.md (from sub/)
printf '{"turns": [{"expect_system": "KIWI", "text": "ok"}]}' > "$T/sub.json"
CONCH_TEST_SCRIPT="$T/sub.json" run_conch -C sub -p "x"
expect_eq "CLAUDE.md in subdir rc" "$RC" 0

# Ctrl-C during a slow stream: exit 130, the interruption is recorded
printf '{"turns": [{"chunks": ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p"], "delay_ms": 300}]}' > "$T/slow.json"
CONCH_TEST_SCRIPT="$T/slow.json" "$CONCH_BIN" -p "slow" --output-format stream-json >"$T/out" 2>"$T/stderr" &
PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"type":"text"' "$T/out"; do
	sleep 0.1; i=$((i + 1))
done
kill -INT $PID
wait $PID && RC=0 || RC=$?
expect_eq "interrupt rc" "$RC" 130
SID=$(head -1 "$T/out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
S=$(cat "$(find "$SDIR" -name "$SID.jsonl")")
expect_contains "interrupt recorded" "$S" '"type":"interrupt"'
expect_contains "partial answer kept and marked" "$S" '[interrupted]'
expect_contains "stream-json result says interrupted" "$(tail -1 "$T/out")" '"exit_code":130'

finish
