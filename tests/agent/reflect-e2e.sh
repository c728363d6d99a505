#!/bin/sh
# Skills written after tasks, end to end with the scripted provider: a
# task's reflection writes a valid skill; the next task lists it in its
# system prompt and loads it; a third task's reflection patches it; undo
# restores; review mode stages; --no-reflect and auto_write off skip.
. "$(dirname "$0")/../e2e/lib-mind.sh"

SK="$DATA/skills/fix-typos/SKILL.md"
# Reflection runs only after a task that used tools (two calls or more)
# and succeeded: each task below lists and reads this file first.
printf '# Readme\nA tpyo here.\n' > README.md

cat > "$T/t1.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Fixed the typo in README."},
 {"expect_system": "skill writer", "expect_user": "fix the typo",
  "text": "{\"action\": \"create\", \"name\": \"fix-typos\", \"description\": \"Find and fix spelling mistakes in docs\", \"body\": \"# Fixing typos\\n\\n1. grep for the misspelling.\\n2. Edit each hit.\\n\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/t1.json" run_conch -p "fix the typo in README" --output-format json
expect_eq "task 1 rc" "$RC" 0
expect_eq "task 1 result" "$(json_get "$OUT" "j['result']")" "Fixed the typo in README."
[ -f "$SK" ] || fail "reflection wrote no skill: $ERR"
expect_contains "skill told" "$ERR" 'skill "fix-typos" written'
expect_contains "undo hint" "$ERR" "conch skills undo fix-typos"
run_conch skills validate "$DATA/skills/fix-typos"
expect_eq "written skill is valid" "$RC" 0
V1=$(cat "$SK")
SFILE=$(find "$XDG_STATE_HOME" -name '*.jsonl' | head -1)
expect_contains "reflection recorded" "$(cat "$SFILE")" '"type":"reflection"'
expect_contains "history has session" "$(cat "$DATA/skill-history/history.jsonl")" '"action":"create"'

# task 2: the index lists it; the skill tool loads it when this build has it
if has_tool skill; then
	cat > "$T/t2.json" <<'JSON'
{"turns": [
 {"expect_system": "- fix-typos: Find and fix spelling mistakes",
  "tool_calls": [{"id": "s1", "name": "skill", "args": {"name": "fix-typos"}}]},
 {"expect_result": "grep for the misspelling", "text": "Used the skill."},
 {"text": "{\"action\": \"none\"}"}
]}
JSON
else
	cat > "$T/t2.json" <<'JSON'
{"turns": [
 {"expect_system": "- fix-typos: Find and fix spelling mistakes", "text": "Used the skill."},
 {"text": "{\"action\": \"none\"}"}
]}
JSON
fi
CONCH_TEST_SCRIPT="$T/t2.json" run_conch -p "fix typos in docs/"
expect_eq "task 2 rc" "$RC" 0
expect_eq "task 2 answer" "$OUT" "Used the skill."
expect_eq "none writes nothing" "$(cat "$SK")" "$V1"

# task 3: the reflection patches it
cat > "$T/t3.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Done."},
 {"expect_user": "fix-typos (user)",
  "text": "Patch:\n```json\n{\"action\": \"patch\", \"name\": \"fix-typos\", \"old\": \"2. Edit each hit.\", \"new\": \"2. Edit each hit.\\n3. Check code comments too.\"}\n```"}
]}
JSON
CONCH_TEST_SCRIPT="$T/t3.json" run_conch -p "fix typos in comments"
expect_eq "task 3 rc" "$RC" 0
expect_contains "patched" "$(cat "$SK")" "3. Check code comments too."
expect_contains "patch told" "$ERR" 'skill "fix-typos" updated'

run_conch skills undo fix-typos
expect_eq "undo rc" "$RC" 0
expect_eq "undo restored v1" "$(cat "$SK")" "$V1"

# a bad answer is refused and the task still succeeds
cat > "$T/t4.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Done."},
 {"text": "{\"action\": \"patch\", \"name\": \"fix-typos\", \"old\": \"not in the skill\", \"new\": \"x\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/t4.json" run_conch -p "another"
expect_eq "refused patch keeps rc" "$RC" 0
expect_contains "refusal told" "$ERR" "occurs 0 times"
expect_eq "refused patch wrote nothing" "$(cat "$SK")" "$V1"

# review mode stages, approve writes
mkdir -p "$XDG_CONFIG_HOME/conch"
echo '{"skills": {"auto_write": "review"}}' > "$XDG_CONFIG_HOME/conch/config.json"
cat > "$T/t5.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Done."},
 {"text": "{\"action\": \"create\", \"name\": \"staged-skill\", \"description\": \"Staged\", \"body\": \"Steps.\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/t5.json" run_conch -p "stage it"
expect_eq "review rc" "$RC" 0
expect_contains "review told" "$ERR" "staged for review"
[ -e "$DATA/skills/staged-skill" ] && fail "review mode wrote the skill"
run_conch skills pending
expect_contains "pending lists" "$OUT" "staged-skill"
run_conch skills approve staged-skill
expect_eq "approve rc" "$RC" 0
[ -f "$DATA/skills/staged-skill/SKILL.md" ] || fail "approve wrote nothing"
run_conch skills pending
expect_contains "pending empty" "$OUT" "no skills pending"

# stream-json shows the reflection's turn (and usage) before the result
rm -f "$XDG_CONFIG_HOME/conch/config.json"
cat > "$T/t7.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Done."},
 {"text": "{\"action\": \"none\"}", "usage": {"input_tokens": 321, "output_tokens": 7}}
]}
JSON
CONCH_TEST_SCRIPT="$T/t7.json" run_conch -p "streamed" --output-format stream-json
expect_eq "stream rc" "$RC" 0
expect_eq "reflection turn shown" "$(printf '%s\n' "$OUT" | /usr/bin/python3 -c "
import json, sys
ev = [json.loads(l) for l in sys.stdin if l.strip()]
turns = [e for e in ev if e['type'] == 'turn']
print(len(turns), turns[-1]['usage']['input_tokens'], ev[-1]['type'])")" "4 321 result"

# off, and --no-reflect, skip the turn
echo '{"skills": {"auto_write": "off"}}' > "$XDG_CONFIG_HOME/conch/config.json"
cat > "$T/t6.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "l1", "name": "ls", "args": {}}]},
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "README.md"}}]},
 {"text": "Done."},
 {"text": "{\"action\": \"create\", \"name\": \"never-one\", \"description\": \"N\", \"body\": \"B\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/t6.json" run_conch -p "off"
rm -f "$XDG_CONFIG_HOME/conch/config.json"
CONCH_TEST_SCRIPT="$T/t6.json" run_conch -p "no reflect" --no-reflect
expect_eq "no-reflect rc" "$RC" 0
[ -e "$DATA/skills/never-one" ] && fail "a skipped reflection wrote a skill"
# Reflection earns its call (issue 12): no call for a task without tools
# ("say hi"), none for a failed one, and never a secret in the digest.
rm -f "$XDG_CONFIG_HOME/conch/config.json"
cat > "$T/hi.json" <<'JSON'
{"turns": [
 {"text": "Hi!"},
 {"text": "{\"action\": \"create\", \"name\": \"say-hi\", \"description\": \"Greets\", \"body\": \"Say hi.\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/hi.json" CONCH_TEST_REQUEST_LOG="$T/hi.log" run_conch -p "say hi" --output-format json
expect_eq "say hi rc" "$RC" 0
expect_eq "say hi: one model call, no reflection" "$(wc -l < "$T/hi.log")" 1
[ -e "$DATA/skills/say-hi" ] && fail "a trivial task wrote a skill"
SF=$(grep -l '"say hi"' $(find "$XDG_STATE_HOME" -name '*.jsonl'))
expect_contains "skip recorded" "$(cat "$SF")" '"skipped":"too few tool calls to learn from"'

# a failed task: the fix is denied and the final test run fails
cat > "$T/failed.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "e1", "name": "edit", "args": {"path": "README.md", "old_string": "tpyo", "new_string": "typo"}}]},
 {"tool_calls": [{"id": "b1", "name": "bash", "args": {"command": "echo tests failed; exit 2"}}]},
 {"text": "The tests still fail."},
 {"text": "{\"action\": \"create\", \"name\": \"from-failure\", \"description\": \"Bad\", \"body\": \"Steps.\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/failed.json" CONCH_TEST_REQUEST_LOG="$T/failed.log" run_conch -p "fix and test" --yes
expect_eq "failed task: no reflection call" "$(wc -l < "$T/failed.log")" 3
[ -e "$DATA/skills/from-failure" ] && fail "a skill was written from a failed task"

# secrets in tool output never reach the reflection turn
printf 'ANTHROPIC_API_KEY=sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\npassword = "hunter2hunter2hunter2"\n' > env.txt
cat > "$T/secret.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "s1", "name": "read", "args": {"path": "env.txt"}}]},
 {"tool_calls": [{"id": "s2", "name": "ls", "args": {}}]},
 {"text": "Configured."},
 {"expect_user": "[redacted: an API key", "text": "{\"action\": \"none\"}"}
]}
JSON
CONCH_TEST_SCRIPT="$T/secret.json" CONCH_TEST_REQUEST_LOG="$T/secret.log" run_conch -p "configure it"
expect_eq "secret task rc" "$RC" 0
expect_eq "secret task: reflection ran" "$(wc -l < "$T/secret.log")" 4
expect_not_contains "no key in the reflection request" "$(tail -1 "$T/secret.log")" "AAAAAAAAAAAAAAAAAAAA"
expect_not_contains "no password in the reflection request" "$(tail -1 "$T/secret.log")" "hunter2hunter2"
expect_not_contains "reflection notices are labelled" "$ERR" "conch: skill"

finish
