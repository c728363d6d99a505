#!/bin/sh
# Compaction end to end: a long task passes the configured threshold; the
# silent memory flush runs first, then the summary; the session log keeps
# the full history and records both.
. "$(dirname "$0")/../e2e/lib-mind.sh"

mkdir -p "$XDG_CONFIG_HOME/conch"
echo '{"context_window": 4000, "compaction": {"keep_recent": 1}}' \
	> "$XDG_CONFIG_HOME/conch/config.json"
printf 'hello\n' > notes.txt
/usr/bin/python3 -c "print('BIG-TASK ' + 'lorem ipsum dolor ' * 1700)" > "$T/task.txt"

cat > "$T/c.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "notes.txt"}}]},
 {"expect_user": "about to be compacted", "tool_calls": [{"id": "m1", "name": "memory",
   "args": {"action": "add", "content": "notes.txt greets the reader"}}]},
 {"expect_result": "added to MEMORY.md", "text": "DONE"},
 {"expect_system": "You summarise a coding session", "text": "The user asked for a big task; notes.txt was read."},
 {"expect_result": "hello", "text": "All done."}
]}
JSON
CONCH_TEST_SCRIPT="$T/c.json" run_conch -p - --mode auto < "$T/task.txt"
expect_eq "compacting task rc" "$RC" 0
expect_eq "answer" "$OUT" "All done."
expect_contains "user told" "$ERR" "context compacted"
PROJ=$("$CONCH_BIN" memory path project)
expect_contains "flush saved" "$(cat "$PROJ")" "notes.txt greets the reader"
SFILE=$(find "$XDG_STATE_HOME" -name '*.jsonl' | head -1)
S=$(cat "$SFILE")
expect_contains "flush recorded" "$S" '"type":"memory_flush"'
expect_contains "compaction recorded" "$S" '"type":"compaction"'
expect_contains "full history kept" "$S" "BIG-TASK lorem ipsum"
# /compact [focus] in the line REPL
cat > "$T/r.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "notes.txt"}}]},
 {"text": "read it"},
 {"expect_user": "about to be compacted", "text": "DONE"},
 {"expect_system": "special attention to: the parser", "text": "Summary of the REPL work."}
]}
JSON
printf 'read notes.txt\n/compact the parser\n' > "$T/repl.txt"
CONCH_TEST_SCRIPT="$T/r.json" run_conch --mode auto < "$T/repl.txt"
expect_eq "repl rc" "$RC" 0
expect_contains "repl answer" "$OUT" "read it"
expect_contains "repl compacted" "$ERR" "context compacted"
finish
