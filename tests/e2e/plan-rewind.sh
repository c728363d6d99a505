#!/bin/sh
# Headless plan mode and rewind with the scripted provider: --mode plan
# refuses writes and commands that are not read-only, prints the plan
# (json: a "plan" field) and exits 0; exit_plan is offered only in plan
# mode; `conch rewind` lists and restores checkpoints in a git work tree
# (shell-made files included), refuses to overwrite later changes
# without --force, can be undone and rewinds the conversation; outside
# git the files conch's tools changed are restored.
. "$(dirname "$0")/lib.sh"

command -v git >/dev/null 2>&1 || { echo "git is not installed: skipping"; exit 77; }
git init -q . || { echo "git init failed"; exit 1; }
printf 'alpha\n' > a.txt
printf 'one\n' > b.txt

# ---- plan mode -------------------------------------------------------------
cat > "$T/plan.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "e1", "name": "edit",
   "args": {"path": "a.txt", "old_string": "alpha", "new_string": "beta"}}]},
 {"expect_result": "plan mode", "tool_calls": [{"id": "b1", "name": "bash",
   "args": {"command": "touch made-in-plan-mode"}}]},
 {"expect_result": "exit_plan", "tool_calls": [{"id": "w1", "name": "write",
   "args": {"path": "new.txt", "content": "x"}}]},
 {"expect_result": "plan mode", "tool_calls": [{"id": "p1", "name": "exit_plan",
   "args": {"plan": "# Plan\n\n1. Replace alpha with beta\n2. Check it\n"}}]},
 {"text": "never reached"}
]}
JSON
CONCH_TEST_SCRIPT="$T/plan.json" CONCH_TEST_REQUEST_LOG="$T/req.log" \
	run_conch -p "plan the change" --mode plan --output-format json
expect_eq "plan rc" "$RC" 0
expect_eq "plan field" "$(json_get "$OUT" "j['plan']")" "# Plan

1. Replace alpha with beta
2. Check it"
expect_eq "plan is the result" "$(json_get "$OUT" "j['result'] == j['plan']")" "True"
expect_eq "plan: not an error" "$(json_get "$OUT" "j['is_error']")" "False"
expect_eq "plan: the edit was refused" "$(cat a.txt)" "alpha"
expect_eq "plan: the command was refused" "$(ls made-in-plan-mode 2>/dev/null)" ""
expect_eq "plan: the write was refused" "$(ls new.txt 2>/dev/null)" ""
expect_eq "plan: exit_plan offered" "$(/usr/bin/python3 -c "
import json
r=[json.loads(l) for l in open('$T/req.log')]
t=[[t['name'] for t in x['tools']] for x in r]
print(all('exit_plan' in n for n in t if 'read' in n) and len(t) > 0)")" "True"
expect_contains "plan: the model is told" "$(/usr/bin/python3 -c "
import json
r=[json.loads(l) for l in open('$T/req.log')]
print(json.dumps(r[0]['messages'][0]))")" "plan mode is on"

# text output: the plan on stdout
CONCH_TEST_SCRIPT="$T/plan.json" run_conch -p "plan the change" --mode plan
expect_eq "plan text rc" "$RC" 0
expect_contains "plan text" "$OUT" "1. Replace alpha with beta"

# outside plan mode exit_plan is neither offered nor runs
cat > "$T/noplan.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "p1", "name": "exit_plan", "args": {"plan": "1. x\n"}}]},
 {"expect_result": "only for plan mode", "text": "ok"}
]}
JSON
rm -f "$T/req.log"
CONCH_TEST_SCRIPT="$T/noplan.json" CONCH_TEST_REQUEST_LOG="$T/req.log" \
	run_conch -p "go" --mode ask --output-format json
expect_eq "no plan rc" "$RC" 0
expect_eq "no plan field" "$(json_get "$OUT" "j['plan']")" "None"
expect_eq "exit_plan not offered" "$(/usr/bin/python3 -c "
import json
r=[json.loads(l) for l in open('$T/req.log')]
print(any('exit_plan' in [t['name'] for t in x['tools']] for x in r))")" "False"

# ---- rewind in a git work tree ---------------------------------------------
cat > "$T/change.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "a.txt"}},
                 {"id": "r2", "name": "read", "args": {"path": "b.txt"}}]},
 {"tool_calls": [{"id": "w1", "name": "edit", "args": {"path": "a.txt", "old_string": "alpha", "new_string": "ALPHA"}},
                 {"id": "w2", "name": "edit", "args": {"path": "b.txt", "old_string": "one", "new_string": "ONE\nTWO"}},
                 {"id": "s1", "name": "bash", "args": {"command": "echo made > shell.txt; echo more >> ignored.log; echo more >> private.txt"}}]},
 {"text": "Changed."}
]}
JSON
# repository config, hooks and attributes must never run code during a
# checkpoint (conch's git uses a private repository and no config)
git config filter.evil.clean "touch $T/pwned-clean; cat"
git config filter.evil.smudge "touch $T/pwned-smudge; cat"
git config core.fsmonitor "$T/fsmon.sh"
printf '#!/bin/sh\ntouch %s/pwned-fsmonitor\n' "$T" > "$T/fsmon.sh"
chmod +x "$T/fsmon.sh"
mkdir -p .git/hooks
printf '#!/bin/sh\ntouch %s/pwned-hook\n' "$T" > .git/hooks/pre-commit
cp .git/hooks/pre-commit .git/hooks/post-index-change
chmod +x .git/hooks/*
printf '* filter=evil\n' > .gitattributes
printf 'ignored.log\n' > .gitignore
echo "big log" > ignored.log
printf 'private.txt\n' > .git/info/exclude
echo "secret" > private.txt
echo "staged" > staged.txt
# the test's own git commands must not trip the traps above
ugit() { git -c core.fsmonitor=false -c core.hooksPath=/dev/null -c filter.evil.clean=cat "$@"; }
ugit add staged.txt
INDEX_BEFORE=$(ugit ls-files --stage | md5sum)
rm -f "$T"/pwned-*
CONCH_TEST_SCRIPT="$T/change.json" run_conch -p "change the files" --mode auto --output-format json
expect_eq "change rc" "$RC" 0
SID=$(json_get "$OUT" "j['session_id']")
expect_eq "changed a" "$(cat a.txt)" "ALPHA"
expect_eq "shell file" "$(cat shell.txt)" "made"
expect_eq "no repository code ran" "$(ls "$T" | grep pwned)" ""
expect_eq "the user's index untouched" "$(ugit ls-files --stage | md5sum)" "$INDEX_BEFORE"
expect_eq "no ref in the user's repository" "$(ugit for-each-ref refs/conch | wc -l)" "0"
expect_eq "no stash" "$(ugit stash list | wc -l)" "0"

run_conch rewind --list
expect_eq "list rc" "$RC" 0
expect_contains "list: the turn" "$OUT" "#1"
expect_contains "list: the prompt" "$OUT" "change the files"
expect_contains "list: figures" "$OUT" "3 files  +4 -2"
expect_contains "list: shell file" "$OUT" "shell.txt +1 -0"
expect_not_contains "list: ignored file not in the snapshot" "$OUT" "ignored.log"
expect_not_contains "list: info/exclude respected" "$OUT" "private.txt"

# a later change of the user's own: refused without --force
echo "mine" >> b.txt
run_conch rewind 1
expect_eq "conflict rc" "$RC" 5
expect_contains "conflict names the file" "$ERR" "b.txt"
expect_not_contains "conflict: a.txt is conch's" "$ERR" "  a.txt"
expect_eq "conflict: nothing restored" "$(cat a.txt)" "ALPHA"

run_conch rewind 1 --force --conversation
expect_eq "rewind rc" "$RC" 0
expect_eq "a restored" "$(cat a.txt)" "alpha"
expect_eq "b restored" "$(cat b.txt)" "one"
expect_eq "shell file gone" "$(ls shell.txt 2>/dev/null)" ""
expect_eq "staged file kept" "$(cat staged.txt)" "staged"
expect_contains "rewind tells the undo" "$OUT" "conch rewind 2"
expect_contains "conversation rewound" "$OUT" "conversation now ends before turn #1"
expect_eq "still no repository code ran" "$(ls "$T" | grep pwned)" ""
expect_eq "the user's index still untouched" "$(ugit ls-files --stage | md5sum)" "$INDEX_BEFORE"
expect_eq "ignored file left alone" "$(cat ignored.log)" "big log
more"
expect_eq "excluded file left alone" "$(cat private.txt)" "secret
more"

# the conversation of the session was rewound: a resume sees no message
cat > "$T/after.json" <<'JSON'
{"turns": [{"expect_messages": 1, "text": "fresh"}]}
JSON
CONCH_TEST_SCRIPT="$T/after.json" run_conch -p "again" --resume "$SID" --mode auto
expect_eq "resume after rewind rc" "$RC" 0
expect_eq "resume after rewind" "$OUT" "fresh"

# undo the rewind: the state left comes back, the user's line included
run_conch rewind 2 --session "$SID" --force
expect_eq "undo rc" "$RC" 0
expect_eq "undo a" "$(cat a.txt)" "ALPHA"
expect_eq "undo b" "$(cat b.txt)" "ONE
TWO
mine"
expect_eq "undo shell file" "$(cat shell.txt)" "made"

run_conch rewind 99 --session "$SID"
expect_eq "unknown checkpoint rc" "$RC" 2
run_conch rewind --session "../x"
expect_eq "bad session rc" "$RC" 2
run_conch rewind --bogus
expect_eq "bad option rc" "$RC" 2

cat > "$T/hello.json" <<'JSON'
{"turns": [{"text": "hi"}]}
JSON

# a kill during a checkpoint (git's index lock and a temp file left
# behind) leaves the earlier checkpoints intact and the next one works
CK="$XDG_STATE_HOME/conch/checkpoints"
SDIR_CK=$(find "$CK" -mindepth 2 -maxdepth 2 -type d -name "$SID")
: > "$SDIR_CK/index.lock"
printf '{"version":1,"entr' > "$SDIR_CK/log.json.tmp.1234"
CONCH_TEST_SCRIPT="$T/hello.json" run_conch -p "after a kill" --resume "$SID" --mode auto
expect_eq "after a kill rc" "$RC" 0
expect_not_contains "after a kill: no checkpoint failure" "$ERR" "checkpoint"
run_conch rewind --list --session "$SID"
expect_contains "after a kill: the first turn kept" "$OUT" "change the files"
expect_contains "after a kill: the new turn" "$OUT" "after a kill"

# the config is checked
mkdir -p "$XDG_CONFIG_HOME/conch"
echo '{"checkpoints": {"max_count": "many"}}' > "$XDG_CONFIG_HOME/conch/config.json"
run_conch rewind --list
expect_eq "bad checkpoints config rc" "$RC" 3
expect_contains "bad checkpoints config names the key" "$ERR" "checkpoints.max_count"

# pruning by count keeps at most max_count checkpoints
mkdir -p "$XDG_CONFIG_HOME/conch"
echo '{"checkpoints": {"max_count": 2}}' > "$XDG_CONFIG_HOME/conch/config.json"
for i in 1 2 3 4; do
	CONCH_TEST_SCRIPT="$T/hello.json" run_conch -p "hello $i" --resume "$SID" --mode auto
done
run_conch rewind --list --session "$SID"
expect_eq "pruned to 2" "$(printf '%s\n' "$OUT" | grep -c '^#')" "2"
expect_contains "the newest kept" "$OUT" "hello 4"
# a turn that changed nothing: the user's change since is theirs
LAST=$(printf '%s\n' "$OUT" | grep '^#' | tail -1 | sed 's/^#\([0-9]*\).*/\1/')
echo "typed by hand" >> a.txt
run_conch rewind "$LAST" --session "$SID"
expect_eq "text-only turn: conflict rc" "$RC" 5
expect_contains "text-only turn: names the file" "$ERR" "a.txt"
rm -f "$XDG_CONFIG_HOME/conch/config.json"

# ---- outside git: the files conch's tools changed ------------------------
mkdir "$T/plain" && cd "$T/plain" || exit 1
printf 'alpha\n' > a.txt
printf 'keep\n' > untouched.txt
cat > "$T/plain.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "a.txt"}}]},
 {"tool_calls": [{"id": "w1", "name": "edit", "args": {"path": "a.txt", "old_string": "alpha", "new_string": "beta"}},
                 {"id": "w2", "name": "write", "args": {"path": "sub/new.txt", "content": "new\n"}},
                 {"id": "s1", "name": "bash", "args": {"command": "echo x > by-shell.txt"}}]},
 {"text": "Done."}
]}
JSON
CONCH_TEST_SCRIPT="$T/plain.json" run_conch -p "edit outside git" --mode auto
expect_eq "plain rc" "$RC" 0
expect_eq "plain edited" "$(cat a.txt)" "beta"
run_conch rewind --list
expect_contains "plain list kind" "$OUT" "files changed by conch's tools"
expect_contains "plain list notes the shell" "$OUT" "could not be captured"
run_conch rewind 1
expect_eq "plain rewind rc" "$RC" 0
expect_eq "plain a restored" "$(cat a.txt)" "alpha"
expect_eq "plain new file removed" "$(ls sub/new.txt 2>/dev/null)" ""
expect_eq "plain untouched" "$(cat untouched.txt)" "keep"
expect_contains "plain: shell not captured" "$ERR" "could not be captured"
expect_eq "plain: shell file stays" "$(cat by-shell.txt)" "x"
# a change of the user's own since: refused, then forced
run_conch rewind 2
expect_eq "plain undo rc" "$RC" 0
expect_eq "plain undo" "$(cat a.txt)" "beta"
echo "mine" >> a.txt
CONCH_TEST_SCRIPT="$T/hello.json" run_conch -p "hello" -c --mode auto
run_conch rewind 1
expect_eq "plain conflict rc" "$RC" 5
expect_contains "plain conflict names a.txt" "$ERR" "a.txt"
run_conch rewind 1 --force
expect_eq "plain forced rc" "$RC" 0
expect_eq "plain forced" "$(cat a.txt)" "alpha"

finish
