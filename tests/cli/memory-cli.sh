#!/bin/sh
# conch memory show|edit|clear|path, and the memory snapshot in the
# system prompt of the next task.
. "$(dirname "$0")/../e2e/lib-mind.sh"

run_conch memory path
expect_eq "memory path rc" "$RC" 0
expect_contains "user path" "$OUT" "$DATA/USER.md"
expect_contains "project path" "$OUT" "$DATA/projects/"
expect_contains "project file" "$OUT" "/MEMORY.md"
PROJ=$("$CONCH_BIN" memory path project)
USERF=$("$CONCH_BIN" memory path user)

run_conch memory show
expect_eq "show rc" "$RC" 0
expect_contains "show empty" "$OUT" "(empty)"

EDIT_CMD='printf "Build with make -j2\n\302\247\nTests: make check\n" >> "$1"' \
	run_conch memory edit project
expect_eq "edit rc" "$RC" 0
expect_contains "edited file" "$(cat "$PROJ")" "Tests: make check"
EDIT_CMD='printf "Prefers terse answers\n" > "$1"' run_conch memory edit user
run_conch memory show project
expect_contains "show project" "$OUT" "2 entries"
expect_contains "show entry" "$OUT" "Build with make -j2"

# an edit that plants a secret is kept (it is the user's file) but warned about
EDIT_CMD='printf "token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n" >> "$1"' \
	run_conch memory edit user
expect_contains "secret warned" "$ERR" "GitHub token"
EDIT_CMD='printf "Prefers terse answers\n" > "$1"' run_conch memory edit user

# the next task sees both files in its system prompt
# task_sees CHECK TEXT: a task whose system prompt must hold TEXT
task_sees() {
	printf '{"turns": [\n {"expect_system": "%s", "text": "seen"}\n]}\n' \
		"$2" > "$T/sees.json"
	CONCH_TEST_SCRIPT="$T/sees.json" run_conch -p "hello" --no-reflect
	expect_eq "$1" "$RC" 0
}
task_sees "task sees project memory" "Tests: make check"
task_sees "task sees user memory" "Prefers terse answers"

# the memory tool through the agent, when this build has it
if has_tool memory; then
	cat > "$T/s3.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "m1", "name": "memory",
   "args": {"action": "add", "target": "project", "content": "Lint with make lint"}}]},
 {"expect_result": "added to MEMORY.md", "tool_calls": [{"id": "m2", "name": "memory",
   "args": {"action": "add", "content": "api_key = abcdefghijklmnopqrstuvwxyz"}}]},
 {"expect_result": "secret", "text": "saved"}
]}
JSON
	CONCH_TEST_SCRIPT="$T/s3.json" run_conch -p "remember lint" --no-reflect
	expect_eq "memory tool task" "$RC" 0
	expect_contains "memory tool wrote" "$(cat "$PROJ")" "Lint with make lint"
	expect_not_contains "secret refused" "$(cat "$PROJ")" "api_key"
fi

run_conch memory clear project --yes
expect_eq "clear rc" "$RC" 0
run_conch memory show project
expect_contains "cleared" "$OUT" "(empty)"
expect_contains "user kept" "$(cat "$USERF")" "Prefers terse answers"
run_conch memory bogus
expect_eq "bad subcommand" "$RC" 2
finish
