#!/bin/sh
# The approval prompt shows the whole command (issue 10, class 8), the
# read-only list runs without asking, project rules are saved in the
# user's config and removable (issue 12), driven through the built binary.
. "${CONCH_SRCDIR:-.}/tests/e2e/lib.sh"

command -v script >/dev/null 2>&1 || { echo "SKIP: no script(1) for a pty"; exit 77; }
git init -q . 2>/dev/null || true

# conch tool on a pty, answering $1; the session text in $T/pty
on_pty() {
	answer=$1
	shift
	printf '%s\n' "$answer" | script -qec "$*" /dev/null >"$T/pty" 2>&1 || true
}
jcmd() {
	/usr/bin/python3 -c 'import json,sys; print(json.dumps({"command": sys.argv[1]}))' "$1"
}

# attack: padded, then a carriage return and an escape that would redraw
# the line as an innocent one; the user sees all of it, and says no
evil=$(/usr/bin/python3 -c 'print("ls -la" + " " * 300 + "\r\x1b[2KAllow bash: ls -la ?; touch pwned")')
printf '%s' "$(jcmd "$evil")" >"$T/evil.json"
on_pty n "'$CONCH_BIN' --mode ask tool bash \"\$(cat '$T/evil.json')\""
pty=$(cat "$T/pty")
expect_contains "blanks counted" "$pty" "[300 blanks]"
expect_contains "CR spelled out" "$pty" '\r'
expect_contains "ESC spelled out" "$pty" '\e[2K'
expect_contains "hidden part shown" "$pty" "touch pwned"
[ -e pwned ] && fail "the hidden command ran"
esc=$(printf '\033')
# the pty turns \n into \r\n; no other raw CR or ESC may reach it
raw=$(tr -d '\r' <"$T/pty" | grep -c "$esc" || true)
expect_eq "no raw ESC on the terminal" "$raw" 0
# a write whose content hides an escape: the diff shows it spelled out
wj=$(/usr/bin/python3 -c 'import json; print(json.dumps({"path":"w.txt","content":"ok\x1b[2J\n"}))')
printf '%s' "$wj" >"$T/w.json"
on_pty n "'$CONCH_BIN' --mode ask tool write \"\$(cat '$T/w.json')\""
expect_contains "diff escape spelled out" "$(cat "$T/pty")" '+ok\e[2J'
raw=$(grep -c "$esc" "$T/pty" || true)
expect_eq "no raw ESC in the diff" "$raw" 0
ok

# twin: a normal command is shown as itself and runs when approved
on_pty y "'$CONCH_BIN' --mode ask tool bash '{\"command\":\"touch made\"}'"
pty=$(cat "$T/pty")
expect_contains "plain command shown" "$pty" "touch made"
expect_contains "project choice offered" "$pty" "bash(touch made *)"
[ -e made ] || fail "approved command did not run"
ok

# the read-only list: no prompt, even without a terminal, in read-only mode
run_conch --mode read-only tool bash '{"command":"git status --short && ls"}'
expect_eq "read-only list runs" "$RC" 0
expect_contains "ls output" "$OUT" "made"
run_conch --mode read-only tool bash '{"command":"ls; touch nope"}'
expect_contains "other commands denied" "$OUT" "Permission denied"
[ -e nope ] && fail "read-only mode ran touch"
ok
# the memory tool writes: denied in read-only mode
run_conch --mode read-only tool memory '{"action":"add","content":"x"}'
expect_contains "memory denied in read-only" "$OUT" "forbids memory"

# always for this project: saved in the user's config, listed, removed
run_conch permissions add 'bash(make test *)'
expect_eq "add" "$RC" 0
[ -f "$XDG_CONFIG_HOME/conch/projects.json" ] || fail "projects.json not in the user config"
[ -e .conch ] && fail "a rule was written into the repository"
run_conch permissions list
expect_contains "listed" "$OUT" "1. allow bash(make test *)"
run_conch --mode read-only tool bash '{"command":"make test"}'
expect_not_contains "saved rule allows" "$OUT" "Permission denied"
run_conch permissions remove 1
expect_eq "remove" "$RC" 0
run_conch permissions remove 'bash(make test *)'
expect_eq "remove again: usage error" "$RC" 2
run_conch --mode read-only tool bash '{"command":"make test"}'
expect_contains "removed rule no longer allows" "$OUT" "Permission denied"
run_conch permissions add 'bad(('
expect_eq "malformed rule refused" "$RC" 2

# headless: a write outside the project in auto mode does not suggest a mode
run_conch --mode auto tool write '{"path":"/tmp/conch-nowhere/x","content":"x"}'
expect_not_contains "no useless mode hint" "$OUT" "--mode auto-edit"
expect_contains "names what would help" "$OUT" "allow rule"

finish
