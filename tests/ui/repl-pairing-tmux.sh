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
tm_literal long "write the file"
tm_keys long Enter
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
