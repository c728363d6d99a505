#!/bin/sh
# repl-pairing-tmux.sh: seeing what one approves and what happened, in the
# pairing REPL end to end (tmux pane, scripted provider): the approval
# view scrolls through a long diff, applied edits leave a diff, failed
# commands show their status and output tail, the transcript stays in the
# terminal after /exit, interrupts keep the partial answer and drop the
# queued input.
. "$CONCH_SRCDIR/tests/ui/lib-tmux.sh"

# -- a long diff: the approval scrolls to its last line -----------------
/usr/bin/python3 - "$T/long.json" <<'PY'
import json, sys
body = "".join("line %03d of the rewrite\n" % i for i in range(1, 161))
turns = [{"text": "Writing.", "tool_calls": [{"id": "w1", "name": "write",
          "args": {"path": "big.txt", "content": body}}]},
         {"text": "wrote-it"}]
json.dump({"turns": turns}, open(sys.argv[1], "w"))
PY
tm_start long "$T/long.json" 80 24
# (the dialog shows at most 22 rows here)
tm_wait long "/help for help"
tm_type long "write the file"
tm_wait long "Allow write? (+160 -0)"
tm_wait long "+line 001 of the rewrite"
tm_screen long | grep -q "line 160 of" && fail "long diff fully shown at once?"
tm_wait long "lines 1-"
tm_keys long End
tm_wait long "+line 160 of the rewrite"
tm_wait_gone long "+line 001 of the rewrite"
tm_keys long Home
tm_wait long "+line 001 of the rewrite"
tm_keys long NPage
tm_wait_gone long "+line 001 of the rewrite"
for i in 1 2 3 4 5 6 7 8; do tm_keys long j; done
tm_keys long PPage
tm_keys long k
tm_wait long "+line 008 of the rewrite"
tm_keys long y
tm_wait long "wrote-it"
[ "$(wc -l < "$T/proj/big.txt")" = 160 ] || fail "approved write not applied"
# the applied write leaves its diff, cut to a few dozen lines; Ctrl-O
# shows it all
tm_keys long PPage
tm_wait long "write big.txt"
tm_screen long | grep -q "write big.txt .*+160 -0 .*ms" ||
	fail "no counts on the write's tool line"
tm_keys long NPage
tm_wait long "137 more lines (Ctrl-O shows all)"
tm_screen long | grep -q "line 160 of" && fail "applied diff not collapsed"
tm_keys long C-o
tm_wait long "+line 160 of the rewrite"
tm_keys long C-d
tm_exit_status long >/dev/null

# -- auto-edit: an edit that needs no approval still shows what it changed
printf 'int add(int a, int b)\n{\n\treturn a - b;\n}\n' > "$T/proj/calc.c"
cat > "$T/edit.json" <<'JSON'
{"turns": [
 {"text": "Fixing.", "tool_calls": [{"id": "r1", "name": "read", "args": {"path": "calc.c"}}]},
 {"text": "Now.", "tool_calls": [{"id": "e1", "name": "edit",
   "args": {"path": "calc.c", "old_string": "return a - b;", "new_string": "return a + b;"}}]},
 {"text": "fixed-it"}]}
JSON
tm_start edit "$T/edit.json" 80 24 "TM_ARGS='--mode auto-edit'"
tm_wait edit "/help for help"
tm_type edit "fix calc"
tm_wait edit "fixed-it"
tm_screen edit | grep -q "edit calc.c .*+1 -1 .*ms" || { tm_screen edit; fail "edit: no counts"; }
tm_screen edit | grep -q "^    - *return a - b;" || { tm_screen edit; fail "edit: removed line not shown"; }
tm_screen edit | grep -q "^    + *return a + b;" || fail "edit: added line not shown"
tm capture-pane -e -p -t edit | grep "return a + b" | grep -q "$(printf '\033')\[32m" ||
	fail "edit: added line not green"
tm_keys edit C-d
tm_exit_status edit >/dev/null

# -- a failed command: its exit status, red, and its output's tail ------
cat > "$T/fail.json" <<'JSON'
{"turns": [
 {"text": "Testing.", "tool_calls": [{"id": "b1", "name": "bash",
   "args": {"command": "echo head-line; echo tail-one; echo tail-two; exit 2 # \u001b[31m and a long comment that goes on past the edge of the screen to its end-marker",
            "description": "run the failing tests"}}]},
 {"text": "tests-failed", "expect_result": "[exit 2]"},
 {"text": "Again.", "tool_calls": [{"id": "b2", "name": "bash",
   "args": {"command": "echo fine-output && touch fine"}}]},
 {"text": "tests-passed"}]}
JSON
tm_start fail "$T/fail.json" 80 24 "TM_ARGS='--mode ask'"
tm_wait fail "/help for help"
tm_type fail "run the tests"
tm_wait fail "Allow bash?"
# the call's description shows in the approval, with the whole command
tm_wait fail "run the failing tests"
tm_wait fail "exit 2"
# the whole command, wrapped, its control characters written out
tm_wait fail 'exit 2 # \e[31m and a long'
tm_wait fail "its end-marker"
tm_keys fail y
tm_wait fail "tests-failed"
tm_screen fail | grep -q "bash echo head-line.*exit 2 .*ms" ||
	{ tm_screen fail; fail "failed command: no exit status on its line"; }
tm_screen fail | grep -q "^    tail-two" || fail "failed command: no output tail"
tm capture-pane -e -p -t fail | grep "exit 2 " | grep -q "$(printf '\033')\[31m" ||
	fail "failed command not shown in red"
tm_type fail "again"
tm_wait fail "Allow bash?"
sleep 2 # the time the approval is open is not the command's
tm_keys fail y
tm_wait fail "tests-passed"
ms=$(tm_screen fail | sed -n 's/.*bash echo fine-output .* \([0-9]*\) ms$/\1/p')
[ -n "$ms" ] && [ "$ms" -lt 1500 ] || { tm_screen fail; fail "tool time includes the approval: $ms ms"; }
tm_screen fail | grep -q "bash echo fine-output .*ms" || fail "no line for the passing command"
tm_screen fail | grep "bash echo fine-output" | grep -q "exit" && fail "exit 0 shown as a failure"
tm_screen fail | grep -q "^    fine-output" && fail "a passing command's output shown collapsed"
# -- /exit: the transcript stays in the terminal -------------------------
tm_type fail "/exit"
[ "$(tm_exit_status fail)" = 0 ] || fail "/exit: exit status"
tm_screen fail | grep -q "tests-failed" || { tm_screen fail; fail "transcript gone after /exit"; }
tm_screen fail | grep -q "^> again" || fail "user message gone after /exit"
tm_screen fail | grep -q "CONCH-EXITED" || fail "no shell after /exit"

# -- Esc mid-stream: the partial answer reaches the next request; Ctrl-C
# takes the queued input back instead of sending it -----------------------
cat > "$T/intr.json" <<'JSON'
{"turns": [
 {"chunks": ["partial-start ", "t ", "t ", "t ", "t ", "t ", "t ", "t ",
   "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "partial-end"],
  "delay_ms": 1000},
 {"text": "second-answer", "expect_conv": "partial-start"},
 {"chunks": ["slow-start ", "s ", "s ", "s ", "s ", "s ", "s ", "s ", "s ",
   "s ", "s ", "s ", "s ", "s ", "s ", "s ", "s ", "slow-end"],
  "delay_ms": 1000},
 {"text": "third-answer", "expect_user": "fresh message"}]}
JSON
tm_start intr "$T/intr.json" 80 24
tm_wait intr "/help for help"
tm_type intr "long one"
tm_wait intr "partial-start"
tm_keys intr Escape
tm_wait intr "[interrupted]"
tm_wait_gone intr "working"
tm_type intr "go on"
tm_wait intr "second-answer"
tm_type intr "slow please"
tm_wait intr "slow-start"
tm_type intr "queued message"
tm_wait intr "1 queued"
tm_keys intr C-c
tm_wait intr "1 queued message not sent"
tm_wait_gone intr "working"
# the queued line is back in the input, not sent: clear it, send another
tm_screen intr | grep -q "^> queued message" || fail "queued input not given back"
tm_keys intr C-c
tm_wait_gone intr "> queued message"
tm_type intr "fresh message"
tm_wait intr "third-answer"
tm_screen intr | grep -q "expect" && fail "a request carried the wrong messages"
tm_keys intr C-d
tm_exit_status intr >/dev/null

# -- Tab candidates show until the next key, never in the transcript;
# the status line keeps cost and context in 60 columns; a 401 and
# /compact are told once ---------------------------------------------------
cat > "$T/misc.json" <<'JSON'
{"turns": [
 {"text": "first-answer", "usage": {"input_tokens": 123456, "output_tokens": 2345}},
 {"text": "nothing to save"},
 {"text": "the summary"},
 {"error": {"kind": "auth", "message": "invalid x-api-key", "status": 401}}]}
JSON
tm_start misc "$T/misc.json" 60 24 "TM_ARGS='--model scripted/a-model-with-a-rather-long-name'"
tm_wait misc "/help for help"
tm_literal misc "/c"
tm_keys misc Tab
tm_wait misc "/clear /compact /cost"
tm_literal misc "o"
tm_wait_gone misc "/clear /compact /cost"
tm_keys misc C-u
tm_type misc "hello"
tm_wait misc "first-answer"
tm_screen misc | grep -q "/clear /compact" && fail "Tab candidates stayed on screen"
line=$(tm_screen misc | grep "| ask |") || fail "no status line"
echo "$line" | grep -q "123k/2.3k tok" || fail "status: no short token counts: $line"
echo "$line" | grep -q "| ? | ctx 62%" || fail "status: cost or context cut: $line"
tm_type misc "/compact"
tm_wait misc "context compacted"
[ "$(tm_screen misc | grep -c "compacted")" = 1 ] || { tm_screen misc; fail "/compact told twice"; }
tm_type misc "again"
tm_wait misc "invalid x-api-key"
[ "$(tm_screen misc | grep -c "invalid x-api-key")" = 1 ] || { tm_screen misc; fail "a 401 told twice"; }
tm_keys misc C-d
tm_exit_status misc >/dev/null

# -- [p] always for this project: saved in the user's config, listed and
# removed by /permissions; [u] runs one command outside the sandbox ------
printf 'all:\n\t@echo made-it\ntest:\n\t@echo tested-it\n' > "$T/proj/Makefile"
cat > "$T/perm.json" <<'JSON'
{"turns": [
 {"text": "Testing.", "tool_calls": [{"id": "m1", "name": "bash",
   "args": {"command": "make test"}}]},
 {"text": "first-done", "expect_result": "tested-it"},
 {"text": "Again.", "tool_calls": [{"id": "m2", "name": "bash",
   "args": {"command": "make test V=1"}}]},
 {"text": "second-done", "expect_result": "tested-it"},
 {"text": "Third.", "tool_calls": [{"id": "m3", "name": "bash",
   "args": {"command": "make test"}}]},
 {"text": "third-done", "expect_result": "tested-it"},
 {"text": "Outside.", "tool_calls": [{"id": "u1", "name": "bash",
   "args": {"command": "touch ../outside-marker"}}]},
 {"text": "outside-done", "expect_result": "[exit 0]"}]}
JSON
tm_start perm "$T/perm.json" 100 30 "TM_ARGS='--mode ask'"
tm_wait perm "/help for help"
tm_type perm "test it"
tm_wait perm "[p] always for this project"
tm_wait perm "bash(make test *)"
tm_keys perm p
tm_wait perm "first-done"
grep -rq "make test \*" "$T/config" || fail "[p]: the rule is not in the user's config"
grep -rq "make test" "$T/proj" --include='*.json' && fail "[p]: a rule was written into the repository"
# the saved rule answers the next one without asking
tm_type perm "again"
tm_wait perm "second-done"
tm_type perm "/permissions"
tm_wait perm "1. bash(make test *)"
tm_type perm "/permissions remove 1"
tm_wait perm "removed bash(make test *)"
grep -rq "make test \*" "$T/config" && fail "/permissions remove: the rule is still saved"
# removed: it asks again
tm_type perm "third"
tm_wait perm "Allow bash?"
tm_keys perm y
tm_wait perm "third-done"
tm_type perm "outside"
tm_wait perm "[u] once outside the sandbox"
tm_keys perm u
tm_wait perm "outside-done"
[ -e "$T/outside-marker" ] || fail "[u]: the command did not run outside the sandbox"
tm_keys perm C-d
tm_exit_status perm >/dev/null
