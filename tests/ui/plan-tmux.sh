#!/bin/sh
# plan-tmux.sh: plan mode and rewind in the pairing REPL, in a detached
# tmux pane with the scripted provider: Shift-Tab cycles the mode; plan
# mode refuses an edit, the plan is shown and approved, and the work then
# runs; /rewind restores two edited files and a file a shell command made,
# with the conversation; files changed outside conch since are shown and
# asked about.
. "$CONCH_SRCDIR/tests/ui/lib-tmux.sh"

command -v git >/dev/null 2>&1 || { echo "git is not installed: skipping"; exit 77; }
cd "$T/proj" && git init -q . && cd - >/dev/null || fail "git init"

# -- Shift-Tab cycles ask -> auto-edit -> plan -> ask, in the status line --
echo '{"turns": []}' > "$T/none.json"
tm_start cycle "$T/none.json" 100 24
tm_wait cycle "/help for help"
tm_wait cycle "| ask |"
tm_keys cycle BTab
tm_wait cycle "| auto-edit |"
tm_keys cycle BTab
tm_wait cycle "| plan |"
tm_keys cycle BTab
tm_wait cycle "| ask |"
tm_keys cycle C-d
[ "$(tm_exit_status cycle 60)" = 0 ] || fail "cycle: exit status"

# -- plan mode: the edit is refused, the plan approved, then it runs ------
printf 'old line\n' > "$T/proj/a.txt"
cat > "$T/plan.json" <<'JSON'
{"turns": [
 {"text": "Looking.", "tool_calls": [{"id": "e1", "name": "edit",
   "args": {"path": "a.txt", "old_string": "old line", "new_string": "new line"}}]},
 {"expect_result": "plan mode", "tool_calls": [{"id": "p1", "name": "exit_plan",
   "args": {"plan": "Replace the old line.\n\n1. Edit a.txt: old line to new line\n2. Read it back\n"}}]},
 {"expect_result": "approved", "tool_calls": [{"id": "r0", "name": "read",
   "args": {"path": "a.txt"}}]},
 {"tool_calls": [{"id": "e2", "name": "edit",
   "args": {"path": "a.txt", "old_string": "old line", "new_string": "new line"}}]},
 {"text": "Edited as planned."}
]}
JSON
tm_start plan "$T/plan.json" 100 30 "TM_ARGS='--mode plan'"
tm_wait plan "| plan |"
tm_type plan "change the old line"
tm_wait plan "Approve this plan?"
tm_wait plan "Edit a.txt: old line to new line"
grep -q "old line" "$T/proj/a.txt" || fail "plan mode: the file changed before approval"
tm_screen plan | grep -q "approve, then auto-edit" || fail "plan: no choices"
tm_keys plan 2
tm_wait plan "Edited as planned."
grep -q "new line" "$T/proj/a.txt" || fail "plan: the approved edit did not run"
tm_wait plan "| auto-edit |"
# the plan seeded the todo list
tm_screen plan | grep -q "Read it back" || { tm_screen plan; fail "plan: no todo list"; }
tm_keys plan C-d
[ "$(tm_exit_status plan 60)" = 0 ] || fail "plan: exit status"

# -- keep planning sends feedback back -------------------------------------
cat > "$T/keep.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "p1", "name": "exit_plan", "args": {"plan": "1. Do it all at once\n"}}]},
 {"expect_result": "smaller steps", "text": "Revising the plan."}
]}
JSON
tm_start keep "$T/keep.json" 100 30 "TM_ARGS='--mode plan'"
tm_wait keep "| plan |"
tm_type keep "plan something"
tm_wait keep "Approve this plan?"
tm_keys keep 3
tm_wait keep "Keep planning"
tm_type keep "smaller steps please"
tm_wait keep "Revising the plan."
tm_wait keep "| plan |"
tm_keys keep C-d
tm_exit_status keep 60 >/dev/null

# -- rewind: two files and a shell-made file, and the conversation --------
printf 'alpha\n' > "$T/proj/a.txt"
printf 'one\n' > "$T/proj/b.txt"
cat > "$T/change.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "r1", "name": "read", "args": {"path": "a.txt"}},
                 {"id": "r2", "name": "read", "args": {"path": "b.txt"}}]},
 {"tool_calls": [{"id": "w1", "name": "edit", "args": {"path": "a.txt", "old_string": "alpha", "new_string": "ALPHA"}},
                 {"id": "w2", "name": "edit", "args": {"path": "b.txt", "old_string": "one", "new_string": "ONE"}},
                 {"id": "s1", "name": "bash", "args": {"command": "echo made > shell.txt"}}]},
 {"text": "Changed three files."}
]}
JSON
tm_start rw "$T/change.json" 100 30 "TM_ARGS='--mode auto'"
tm_wait rw "| auto |"
tm_type rw "change the files"
tm_wait rw "Changed three files."
[ -f "$T/proj/shell.txt" ] || fail "rewind: the shell command made no file"
grep -q ALPHA "$T/proj/a.txt" || fail "rewind: a.txt not edited"
tm_type rw "/rewind"
tm_wait rw "restore the files to before which turn?"
tm_wait rw "change the files"
tm_screen rw | grep -q "#1 .* 3 files  +3 -2" || { tm_screen rw; fail "rewind: list lacks the turn's figures"; }
tm_type rw "1"
tm_wait rw "The conversation too?"
tm_screen rw | grep -q "shell.txt" || fail "rewind: the plan lacks shell.txt"
tm_keys rw y
tm_wait rw "Undo: /rewind 2"
grep -qx alpha "$T/proj/a.txt" || fail "rewind: a.txt not restored"
grep -qx one "$T/proj/b.txt" || fail "rewind: b.txt not restored"
[ -f "$T/proj/shell.txt" ] && fail "rewind: shell.txt still there"
tm_screen rw | grep -q "Changed three files." && fail "rewind: the conversation stayed"
# the rewound message is back at the prompt
tm_screen rw | grep -q "^> change the files" || { tm_screen rw; fail "rewind: prompt not restored"; }
tm_keys rw C-u
tm_keys rw C-d
tm_exit_status rw 60 >/dev/null

# -- the conflict case: a file changed outside conch is shown and asked ----
printf 'alpha\n' > "$T/proj/a.txt"
printf 'one\n' > "$T/proj/b.txt"
tm_start cf "$T/change.json" 100 30 "TM_ARGS='--mode auto'"
tm_wait cf "| auto |"
tm_type cf "change the files"
tm_wait cf "Changed three files."
echo "my own work" >> "$T/proj/a.txt"
tm_type cf "/rewind 1"
tm_wait cf "The conversation too?"
tm_keys cf n
tm_wait cf "Overwrite your later changes"
tm_screen cf | grep -q "^  a.txt" || { tm_screen cf; fail "conflict: a.txt not listed"; }
tm_screen cf | grep -q "^  b.txt" && fail "conflict: b.txt listed"
tm_keys cf n
tm_wait cf "rewind cancelled"
grep -q "my own work" "$T/proj/a.txt" || fail "conflict: the user's work was lost on cancel"
tm_type cf "/rewind 1"
tm_wait cf "The conversation too?"
tm_keys cf n
tm_wait cf "Overwrite your later changes"
tm_keys cf y
tm_wait cf "Undo: /rewind 2"
grep -qx alpha "$T/proj/a.txt" || fail "conflict: a.txt not restored"
tm_screen cf | grep -q "Changed three files." || fail "conflict: files only, yet the conversation went"
# undo the rewind: the user's work comes back
tm_type cf "/rewind 2"
tm_wait cf "Rewind the files to before #2?"
tm_keys cf y
tm_wait cf "Undo: /rewind 3"
grep -q "my own work" "$T/proj/a.txt" || fail "undo: the user's work did not come back"
tm_keys cf C-d
tm_exit_status cf 60 >/dev/null
echo "plan-tmux: ok"
