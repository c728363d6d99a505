#!/bin/sh
# repl-tmux.sh: the pairing REPL end to end, in a detached tmux pane with
# the scripted provider: streaming, tool lines, approvals, interrupts,
# resize, history, and the terminal restored on /exit and SIGTERM.
. "$CONCH_SRCDIR/tests/ui/lib-tmux.sh"

# -- streamed text arrives in order, Markdown rendered, colours on ------
cat > "$T/stream.json" <<'JSON'
{"turns": [{"chunks": ["# Plan\n\n", "alpha ", "beta ", "**gamma** ",
 "`delta`\n\n- item one\n", "- item two\n\nomega"], "delay_ms": 20}]}
JSON
tm_start stream "$T/stream.json"
tm_wait stream "/help for help"
tm_type stream "say it"
tm_wait stream "omega"
tm_screen stream | grep -q "^alpha beta gamma delta$" ||
	{ tm_screen stream; fail "streamed text out of order or not rendered"; }
tm_screen stream | grep -q "^Plan$" || fail "heading not rendered"
tm_screen stream | grep -q "item two" || fail "list not rendered"
tm capture-pane -e -p -t stream | grep -q "$(printf '\033')\[3[0-7]m" ||
	fail "no colours without NO_COLOR"
tm_keys stream C-d
[ "$(tm_exit_status stream)" = 0 ] || fail "Ctrl-D: exit status"

# -- NO_COLOR: attributes only ------------------------------------------
tm_start nocolor "$T/stream.json" 80 24 NO_COLOR=1
tm_wait nocolor "/help for help"
tm_type nocolor "say it"
tm_wait nocolor "omega"
if tm capture-pane -e -p -t nocolor | grep -q "$(printf '\033')\[3[0-7]m"; then
	fail "colours used under NO_COLOR"
fi
tm_keys nocolor C-d
tm_exit_status nocolor >/dev/null

# -- a tool line appears and expands ------------------------------------
echo "secret-content-42" > "$T/proj/notes.txt"
cat > "$T/tool.json" <<'JSON'
{"turns": [
 {"text": "Reading.", "tool_calls": [{"id": "l0", "name": "ls", "args": {}},
   {"id": "r1", "name": "read", "args": {"path": "notes.txt"}}]},
 {"text": "Read it.", "expect_result": "secret-content-42"},
 {"text": "{\"action\": \"create\", \"name\": \"notes-reader\", \"description\": \"Reads the notes file\", \"body\": \"Read notes.txt first.\"}"}]}
JSON
tm_start tool "$T/tool.json" 80 24 "XDG_CONFIG_HOME='$T/config-reflect'"
tm_wait tool "/help for help"
tm_type tool "read the notes"
tm_wait tool "Read it."
tm_screen tool | grep -q "read notes.txt .*ms" || fail "no tool line"
tm_screen tool | grep -q "secret-content-42" && fail "tool output shown collapsed"
tm_keys tool C-o
tm_wait tool "secret-content-42"
tm_wait tool '"path": "notes.txt"'
tm_keys tool C-o
tm_wait_gone tool "secret-content-42"
# the reflection after the task wrote a skill; /skills lists it
tm_wait tool "notes-reader"
tm_type tool "/skills"
tm_wait tool "notes-reader (user): Reads the notes file"
tm_type tool "/exit"
tm_exit_status tool >/dev/null

# -- approvals: y changes the file, n (with a reason) does not ----------
printf 'old line\n' > "$T/proj/a.txt"
cat > "$T/approve.json" <<'JSON'
{"turns": [
 {"text": "Editing.", "tool_calls": [{"id": "e1", "name": "edit",
   "args": {"path": "a.txt", "old_string": "old line", "new_string": "new line"}}]},
 {"text": "done one"},
 {"text": "Again.", "tool_calls": [{"id": "e2", "name": "edit",
   "args": {"path": "a.txt", "old_string": "new line", "new_string": "third line"}}]},
 {"text": "done two", "expect_result": "not now"},
 {"text": "Third.", "tool_calls": [{"id": "e3", "name": "edit",
   "args": {"path": "a.txt", "old_string": "new line", "new_string": "fourth line"}}]},
 {"text": "Fourth.", "tool_calls": [{"id": "e4", "name": "edit",
   "args": {"path": "a.txt", "old_string": "fourth line", "new_string": "fifth line"}}]},
 {"text": "done three"}]}
JSON
tm_start approve "$T/approve.json"
tm_wait approve "/help for help"
tm_type approve "edit it"
tm_wait approve "Allow edit?"
tm_wait approve "+new line"
tm_wait approve "[y] allow once"
tm_keys approve y
tm_wait approve "done one"
grep -q "^new line$" "$T/proj/a.txt" || fail "approved edit not applied"
tm_type approve "again"
tm_wait approve "Allow edit?"
# a paste never answers the dialog
tm set-buffer -b conch "y"
tm paste-buffer -p -b conch -t approve
tm_keys approve n
tm_wait approve "reason>"
tm_type approve "not now"
tm_wait approve "done two"
grep -q "^new line$" "$T/proj/a.txt" || fail "denied edit was applied"
# "a": allowed for the session, so the next edit of a.txt asks no more
tm_type approve "twice more"
tm_wait approve "Allow edit?"
tm_keys approve a
tm_wait approve "done three"
grep -q "^fifth line$" "$T/proj/a.txt" || fail "allow-for-session edits not applied"
tm_keys approve C-d
tm_exit_status approve >/dev/null

# -- Esc interrupts a long stream; the prompt comes back ----------------
cat > "$T/esc.json" <<'JSON'
{"turns": [
 {"chunks": ["tick-first ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ",
   "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ",
   "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "t ", "tick-last"],
  "delay_ms": 1000},
 {"text": "after-interrupt"}]}
JSON
tm_start esc "$T/esc.json"
tm_wait esc "/help for help"
tm_type esc "long one"
tm_wait esc "tick-first"
tm_wait esc "working"
tm_keys esc Escape
tm_wait esc "[interrupted]"
tm_wait_gone esc "working"
tm_screen esc | grep -q "tick-first" || fail "partial answer not kept"
tm_screen esc | grep -q "tick-last" && fail "stream not interrupted"
tm_type esc "next"
tm_wait esc "after-interrupt"
tm_keys esc C-c
tm_keys esc C-c
[ "$(tm_exit_status esc)" = 0 ] || fail "Ctrl-C twice: exit status"

# -- a resize mid-stream keeps the screen consistent --------------------
cat > "$T/resize.json" <<'JSON'
{"turns": [{"chunks": ["w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 ",
 "w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 ", "w21 w22 w23 w24 w25 ",
 "w26 w27 w28 w29 w30 ", "w31 w32 w33 w34 w35 ", "w36 w37 w38 w39 END"],
 "delay_ms": 300}]}
JSON
tm_start resize "$T/resize.json" 80 24
tm_wait resize "/help for help"
tm_type resize "stream words"
tm_wait resize "w01"
tm resize-window -t resize -x 30 -y 10
tm_wait resize "END"
tm_wait_gone resize "working"
# at 30 columns the status line may have no room for "working": wait (up
# to 10 s) for the idle prompt itself rather than for that word to go
i=0
while [ $i -lt 100 ] && [ "$(tm_screen resize | sed -n 10p)" != ">" ]; do
	sleep 0.1
	i=$((i + 1))
done
a=$(tm_screen resize)
# every row within 30 columns, status on row 9, prompt on row 10
echo "$a" | while IFS= read -r row; do
	[ "$(printf '%s' "$row" | LC_ALL=C.UTF-8 wc -m)" -le 30 ] || exit 1
done || fail "a row is wider than the resized pane"
[ "$(echo "$a" | sed -n 10p)" = ">" ] || { echo "$a"; fail "prompt not on the last row"; }
echo "$a" | sed -n 9p | grep -q "scripted" || { echo "$a"; fail "status line misplaced"; }
echo "$a" | grep -q "w38 w39 END" || { echo "$a"; fail "text not reflowed"; }
# a full repaint from conch's own state shows the very same screen
# (the key typed after Ctrl-L shows once the repaint is done)
tm_keys resize C-l
tm_literal resize "z"
tm_wait resize "> z"
a=$(echo "$a" | sed -n 1,9p)
b=$(tm_screen resize | sed -n 1,9p)
[ "$a" = "$b" ] || { echo "$a"; echo ---; echo "$b"; fail "screen inconsistent after resize"; }
tm_keys resize BSpace
tm resize-window -t resize -x 80 -y 24
tm_wait resize "w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11"
tm_keys resize C-d
tm_exit_status resize >/dev/null

# -- history: Up/Down recall, Ctrl-R, persisted across sessions ---------
cat > "$T/hist.json" <<'JSON'
{"turns": [{"text": "r-one"}, {"text": "r-two"}, {"text": "r-three"}]}
JSON
tm_start hist "$T/hist.json"
tm_wait hist "/help for help"
tm_type hist "first-message"
tm_wait hist "r-one"
tm_type hist "second-message"
tm_wait hist "r-two"
tm_keys hist Up
tm_wait hist "> second-message"
tm_keys hist Up
tm_wait hist "> first-message"
tm_keys hist Down
tm_wait hist "> second-message"
tm_keys hist C-u
tm_keys hist C-r
tm_literal hist "first"
tm_wait hist "(search) 'first': first-message"
tm_keys hist Enter
tm_wait hist "> first-message"
tm_keys hist C-u
tm_type hist "/exit"
[ "$(tm_exit_status hist)" = 0 ] || fail "/exit: exit status"
grep -q "second-message" "$T/state/conch/history" || fail "history not saved"
cmp -s "$T/hist.before" "$T/hist.after" || fail "/exit: terminal modes not restored"
tm_start hist2 "$T/hist.json"
tm_wait hist2 "/help for help"
tm_keys hist2 Up
tm_wait hist2 "> /exit"
tm_keys hist2 Up
tm_wait hist2 "> second-message"
tm_keys hist2 C-u
# /resume lists this project's sessions and continues one in place
sid=$(basename "$(grep -l first-message "$T"/state/conch/sessions/*/*.jsonl | head -1)" .jsonl)
[ -n "$sid" ] || fail "no session log with the history test"
tm_type hist2 "/resume"
tm_wait hist2 "$sid"
tm_type hist2 "/resume $sid"
tm_wait hist2 "resumed session $sid"
tm_wait hist2 "> second-message"
tm_wait hist2 "r-two"
tm_keys hist2 C-d
tm_exit_status hist2 >/dev/null

# -- conch -r ID shows the restored conversation --------------------------
tm_start cont "$T/hist.json" 80 24 "TM_ARGS='-r $sid'"
tm_wait cont "> first-message"
tm_wait cont "r-two"
tm_keys cont C-d
tm_exit_status cont >/dev/null

# -- SIGTERM, SIGHUP and a crash (SIGABRT) restore the terminal too -----
for sig in TERM HUP ABRT; do
	tm_start "sig$sig" "$T/esc.json"
	tm_wait "sig$sig" "/help for help"
	tm_type "sig$sig" "long one"
	tm_wait "sig$sig" "tick-first"
	shpid=$(tm_pane_pid "sig$sig")
	cpid=$(tm_child "$shpid")
	[ -n "$cpid" ] || fail "no conch process"
	kill -s "$sig" "$cpid"
	[ "$sig" = ABRT ] && : > "$T/sig$sig.err" # the abort is the point
	st=$(tm_exit_status "sig$sig")
	case $sig in TERM) want=143 ;; HUP) want=129 ;; ABRT) want=134 ;; esac
	[ "$st" = "$want" ] || fail "SIG$sig: exit status $st, want $want"
	cmp -s "$T/sig$sig.before" "$T/sig$sig.after" ||
		fail "SIG$sig: terminal modes not restored"
done

# -- the plan shows once and updates in place ---------------------------
cat > "$T/todo.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"id": "p1", "name": "todo", "args": {"items": [
   {"content": "step-alpha", "status": "in_progress"},
   {"content": "step-beta", "status": "pending"}]}}]},
 {"tool_calls": [{"id": "p2", "name": "todo", "args": {"items": [
   {"content": "step-alpha", "status": "completed"},
   {"content": "step-beta", "status": "in_progress"}]}}]},
 {"text": "plan-done"}]}
JSON
tm_start todo "$T/todo.json"
tm_wait todo "/help for help"
tm_type todo "plan it"
tm_wait todo "plan-done"
[ "$(tm_screen todo | grep -c "step-alpha")" = 1 ] || { tm_screen todo; fail "plan not updated in place"; }
tm_screen todo | grep -q "✓ step-alpha" || { tm_screen todo; fail "plan step not marked done"; }
tm_screen todo | grep -q "▸ step-beta" || fail "plan step not marked in progress"
tm_keys todo C-d
tm_exit_status todo >/dev/null

# -- scrolled back, the view stays put while output streams --------------
/usr/bin/python3 - "$T/scroll.json" <<'PY'
import json, sys
lines = ["line-%02d\n\n" % i for i in range(1, 41)]
json.dump({"turns": [{"text": "".join(lines)},
                     {"chunks": ["more-%02d\n\n" % i for i in range(1, 16)] + ["scroll-end"],
                      "delay_ms": 150}]}, open(sys.argv[1], "w"))
PY
tm_start scroll "$T/scroll.json"
tm_wait scroll "/help for help"
tm_type scroll "long"
tm_wait scroll "line-40"
tm_type scroll "stream"
tm_wait scroll "more-01"
tm_keys scroll PPage
tm_wait scroll "scrolled +"
top=$(tm_screen scroll | sed -n 1,20p)
tm_wait scroll "scrolled +" 
i=0
while tm_screen scroll | grep -q working && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(tm_screen scroll | sed -n 1,20p)" = "$top" ] ||
	{ echo "$top"; echo ---; tm_screen scroll; fail "the view moved while scrolled back"; }
tm_keys scroll NPage NPage NPage NPage NPage
tm_wait scroll "scroll-end"
tm_keys scroll C-d
tm_exit_status scroll >/dev/null

# -- bracketed paste never submits; queued typing; Tab; @file; ! and /mode
cat > "$T/input.json" <<'JSON'
{"turns": [
 {"text": "got-paste", "expect_user": "pasted-one\npasted-two"},
 {"chunks": ["slow-a ", "slow-b ", "slow-c ", "slow-d ", "slow-end"], "delay_ms": 400},
 {"text": "got-queued", "expect_user": "queued-message"},
 {"text": "got-file", "expect_user": "secret-content-42"},
 {"expect_user": "about to be compacted", "text": "DONE"},
 {"expect_system": "special attention to: the parser", "text": "Summary."}]}
JSON
tm_start input "$T/input.json"
tm_wait input "/help for help"
# line editing keys reach the editor
tm_literal input "one two"
tm_keys input M-b
tm_literal input "X"
tm_wait input "> one Xtwo"
tm_keys input C-a
tm_literal input "Y"
tm_keys input C-e
tm_literal input "Z"
tm_wait input "> Yone XtwoZ"
tm_keys input C-w
tm_wait_gone input "XtwoZ"
tm_keys input C-a M-f C-k
tm_literal input "!"
tm_wait input "> Yone!"
tm_keys input M-Enter
tm_literal input "second"
tm_keys input C-j
tm_literal input "third"
tm_wait input "  third"
tm_screen input | grep -q "^  second$" || fail "Alt-Enter: no new line"
tm_keys input C-c # clears the whole input
tm_wait_gone input "Yone!"
tm set-buffer -b conch "$(printf 'pasted-one\npasted-two')"
tm paste-buffer -p -b conch -t input
tm_wait input "  pasted-two"
tm_screen input | grep -q "got-paste" && fail "a paste submitted"
tm_keys input Enter
tm_wait input "got-paste"
tm_type input "slow please"
tm_wait input "slow-a"
tm_type input "queued-message"
tm_wait input "1 queued"
tm_wait input "got-queued"
tm_literal input "/he"
tm_keys input Tab
tm_wait input "> /help"
tm_keys input C-u
tm_literal input "read @not"
tm_keys input Tab
tm_wait input "> read @notes.txt"
tm_keys input Enter
tm_wait input "got-file"
tm_type input "!echo shell-says-\$((6*7))"
tm_wait input "shell-says-42"
tm_type input "/mode auto-edit"
tm_wait input "permission mode: auto-edit"
tm_wait input "| auto-edit |"
tm_type input "/model nope/x"
tm_wait input "! nope/x: "
tm_type input "/model"
tm_wait input "model: scripted/test"
tm_type input "/memory"
tm_wait input "Project memory:"
tm_type input "/compact the parser"
tm_wait input "context compacted"
tm_keys input C-d
[ "$(tm_exit_status input)" = 0 ] || fail "input: exit status"

# -- TERM=dumb: the plain line mode, no curses ---------------------------
tm_start dumb "$T/stream.json" 80 24 TERM=dumb
# (its prompt goes to stderr, which the test keeps in a file; typed
# lines wait in the terminal until it reads them)
tm_type dumb "say it"
tm_wait dumb "omega"
tm_screen dumb | grep -q "| ask |" && fail "TERM=dumb: curses status line shown"
tm_screen dumb | grep -q '\*\*gamma\*\*' || fail "TERM=dumb: not the plain mode"
tm_keys dumb C-d
tm_exit_status dumb >/dev/null

# -- wide and combining characters take the columns the terminal gives --
cat > "$T/wide.json" <<'JSON'
{"turns": [{"text": "中文中文中文中文中文中文中文中文中文中文 end\n\ncafe\u0301 ok"}]}
JSON
tm_start wide "$T/wide.json" 30 10
tm_wait wide "/help"
tm_type wide "w"
tm_wait wide " ok"
# e + combining acute: one column, kept together
tm_screen wide | grep -qx "cafe$(printf '\314\201') ok" || fail "combining mark lost"
# 20 wide characters (40 columns) break after 15 in 30 columns
tm_screen wide | grep -qx "中文中文中文中文中文中文中文中" ||
	{ tm_screen wide; fail "wide characters not measured as two columns"; }
tm_screen wide | grep -qx "文中文中文 end" || fail "wide line not continued"
tm_keys wide C-d
tm_exit_status wide >/dev/null

# -- a small terminal works ---------------------------------------------
tm_start small "$T/stream.json" 24 6
tm_wait small "scripted"
tm_type small "x"
tm_wait small "omega"
tm_screen small | while IFS= read -r row; do
	[ "$(printf '%s' "$row" | LC_ALL=C.UTF-8 wc -m)" -le 24 ] || exit 1
done || fail "small pane: a row is too wide"
tm_keys small C-d
tm_exit_status small >/dev/null

echo "repl-tmux: all passed"
