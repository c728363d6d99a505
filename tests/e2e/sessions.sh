#!/bin/sh
# Sessions resume exactly (issue 12): /compact and /clear are replayed by
# -c, a failed turn does not leave its prompt twice, and the project key
# is injective (with the old key's sessions and memory carried over).
. "$(dirname "$0")/lib.sh"

mkdir -p "$XDG_CONFIG_HOME/conch"
printf '{"compaction": {"keep_recent": 1}}\n' > "$XDG_CONFIG_HOME/conch/config.json"
SDIR="$XDG_STATE_HOME/conch/sessions"

# --- /compact, then -c: the resumed request holds the summary, not the
# messages it replaced
cat > "$T/compact.json" <<'JSON'
{"turns": [
 {"expect_messages": 1, "text": "one"},
 {"expect_messages": 3, "text": "two"},
 {"text": "DONE"},
 {"text": "SUMMARY-XYZ of the first task"},
 {"expect_messages": 3, "expect_conv": "SUMMARY-XYZ", "text": "three"}
]}
JSON
printf 'first task\nsecond task\n/compact\nthird task\n' |
	CONCH_TEST_SCRIPT="$T/compact.json" "$CONCH_BIN" >"$T/out" 2>"$T/err" && RC=0 || RC=$?
expect_eq "plain session with /compact rc" "$RC" 0
expect_contains "compaction ran" "$(cat "$T/err")" "context compacted"
expect_not_contains "no scripted failure" "$(cat "$T/err")" "expect"
cat > "$T/resume.json" <<'JSON'
{"turns": [
 {"expect_messages": 5, "expect_conv": "SUMMARY-XYZ", "expect_user": "fourth", "text": "four"}
]}
JSON
CONCH_TEST_SCRIPT="$T/resume.json" run_conch -c -p "fourth task" --no-reflect
expect_eq "-c after /compact rebuilds the compacted context" "$RC" 0
expect_eq "-c after /compact answer" "$OUT" "four"
expect_eq "-c stderr" "$ERR" ""

# --- /clear starts a new session; the old one stays resumable as it was
rm -rf "$SDIR"
cat > "$T/clear.json" <<'JSON'
{"turns": [
 {"expect_messages": 1, "text": "alpha answer"},
 {"expect_messages": 1, "expect_user": "beta", "text": "beta answer"}
]}
JSON
printf 'alpha task\n/clear\nbeta task\n' |
	CONCH_TEST_SCRIPT="$T/clear.json" "$CONCH_BIN" >"$T/out" 2>"$T/err" && RC=0 || RC=$?
expect_eq "plain session with /clear rc" "$RC" 0
expect_eq "/clear made a second session" "$(ls "$SDIR"/*/*.jsonl | wc -l)" 2
OLD=$(basename "$(grep -l 'alpha task' "$SDIR"/*/*.jsonl)" .jsonl)
NEW=$(basename "$(grep -l 'beta task' "$SDIR"/*/*.jsonl)" .jsonl)
expect_contains "old session points to the new one" \
	"$(cat "$SDIR"/*/"$OLD".jsonl)" "\"next\":\"$NEW\""
cat > "$T/after-clear.json" <<'JSON'
{"turns": [{"expect_messages": 3, "expect_conv": "beta task", "text": "gamma answer"}]}
JSON
CONCH_TEST_SCRIPT="$T/after-clear.json" run_conch -c -p "gamma" --no-reflect
expect_eq "-c after /clear resumes the new session only" "$RC:$OUT" "0:gamma answer"
cat > "$T/old.json" <<'JSON'
{"turns": [{"expect_messages": 3, "expect_conv": "alpha task", "text": "delta answer"}]}
JSON
CONCH_TEST_SCRIPT="$T/old.json" run_conch -r "$OLD" -p "delta" --no-reflect
expect_eq "the session before /clear stays resumable" "$RC:$OUT" "0:delta answer"

# --- a failed turn does not leave its prompt twice
rm -rf "$SDIR"
cat > "$T/fail.json" <<'JSON'
{"turns": [{"error": {"kind": "badreq", "message": "bad request"}}]}
JSON
CONCH_TEST_SCRIPT="$T/fail.json" run_conch -p "the same prompt" --no-reflect
expect_eq "failed turn rc" "$RC" 4
cat > "$T/retry.json" <<'JSON'
{"turns": [{"expect_messages": 1, "expect_user": "the same prompt", "text": "ok now"}]}
JSON
CONCH_TEST_SCRIPT="$T/retry.json" run_conch -c -p "the same prompt" --no-reflect
expect_eq "retry after a failed turn sends the prompt once" "$RC:$OUT" "0:ok now"

# --- the project key is injective
rm -rf "$SDIR"
mkdir -p "$T/k/a-b/c" "$T/k/a/b-c"
cat > "$T/one.json" <<'JSON'
{"turns": [{"text": "in a-b/c"}]}
JSON
(cd "$T/k/a-b/c" && CONCH_TEST_SCRIPT="$T/one.json" "$CONCH_BIN" -p hi --no-reflect >/dev/null 2>&1)
cd "$T/k/a/b-c"
CONCH_TEST_SCRIPT="$T/one.json" run_conch -c -p "hi" --no-reflect
expect_eq "-c in a look-alike directory finds no session" "$RC" 1
expect_contains "-c says there is none" "$ERR" "no session to continue"
CONCH_TEST_SCRIPT="$T/one.json" run_conch -p "hi" --no-reflect
expect_eq "two keys for two directories" "$(ls "$SDIR" | wc -l)" 2
cd "$T/proj"

# --- sessions and memory under the old key (the bare slug) carry over
rm -rf "$SDIR"
REAL=$(pwd -P)
OLDKEY=$(printf '%s' "$REAL" | sed 's/[^A-Za-z0-9._]\{1,\}/-/g; s/^-//; s/-$//')
mkdir -p "$SDIR/$OLDKEY" "$XDG_DATA_HOME/conch/projects/$OLDKEY"
printf '{"type":"session","id":"20260101-000000000-abcd","cwd":"%s","started":"2026-01-01T00:00:00Z"}\n{"type":"message","message":{"role":"user","content":[{"type":"text","text":"legacy prompt"}]}}\n' \
	"$REAL" > "$SDIR/$OLDKEY/20260101-000000000-abcd.jsonl"
printf '{"type":"session","id":"20260101-000000000-ffff","cwd":"/elsewhere","started":"2026-01-01T00:00:00Z"}\n' \
	> "$SDIR/$OLDKEY/20260101-000000000-ffff.jsonl"
printf -- '- LEGACY-MEMORY-FACT\n' > "$XDG_DATA_HOME/conch/projects/$OLDKEY/MEMORY.md"
run_conch sessions
expect_contains "old-key session listed" "$OUT" "legacy prompt"
expect_not_contains "another project's old-key session stays out" "$OUT" "ffff"
test -f "$SDIR/$OLDKEY/20260101-000000000-ffff.jsonl" && ok || fail "other project's session moved"
run_conch memory show project
expect_contains "old-key memory carried over" "$OUT" "LEGACY-MEMORY-FACT"

finish
