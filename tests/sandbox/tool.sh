#!/bin/sh
# Adversarial cases driven through conch's own tool path:
#   conch tool bash '{"command": ...}' --mode auto   (and the write tool)
# Each asserts the attack fails, leaves no trace, and that the legitimate
# twin works.  Skips (77) when the kernel offers no Landlock, except for
# the fail-closed case, which is the point of having none.
. "${CONCH_SRCDIR:-.}/tests/e2e/lib.sh"

# bash TOOL-JSON-COMMAND [conch options...]: sets OUT ERR RC
jcmd() {
	/usr/bin/python3 -c 'import json,sys; print(json.dumps({"command": sys.argv[1]}))' "$1"
}
tbash() {
	c=$1
	shift
	run_conch tool bash "$(jcmd "$c")" "$@"
}
twrite() {
	j=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"path": sys.argv[1], "content": sys.argv[2]}))' "$1" "$2")
	shift 2
	run_conch tool write "$j" "$@"
}

if ! "$CONCH_BIN" sandbox doctor >"$T/doctor" 2>&1; then
	cat "$T/doctor"
	# what must still hold without Landlock: refusal, loud and explained
	tbash "touch ran" --mode auto
	expect_contains "refusal names doctor" "$OUT$ERR" "conch sandbox doctor"
	[ -e ran ] && fail "a command ran without confinement"
	echo "SKIP: no write confinement on this kernel (see above)"
	[ "$FAILS" -eq 0 ] || exit 1
	exit 77
fi
expect_contains "doctor verdict" "$(cat "$T/doctor")" "verdict: sandboxed commands run confined"
if grep -q "entry-by-entry" "$T/doctor"; then
	# without a mount namespace the top of the workspace is not writable,
	# which these twins need; test-sandbox's fallback cases cover it
	echo "SKIP: no mount namespace here (see test-sandbox fallback cases)"
	exit 77
fi

mkdir -p .git/hooks "$T/outside" "$HOME/.ssh"
printf '[core]\n' > .git/config
echo PRIVATE-KEY > "$HOME/.ssh/id_rsa"
echo original > "$T/outside/target"

# 1. writes outside the workspace
tbash "echo x > $T/outside/pwned" --mode auto
[ -e "$T/outside/pwned" ] && fail "wrote outside the workspace"
tbash "echo x > inside.txt && cat inside.txt" --mode auto
expect_eq "twin: write inside" "$RC" 0
expect_contains "twin: write inside output" "$OUT" "x"

# 2. symlink escape through bash
tbash "ln -s $T/outside out && echo x > out/pwned2" --mode auto
[ -e "$T/outside/pwned2" ] && fail "symlink escape through bash"

# 3. symlink escape through the write tool (symlink made beforehand)
ln -s "$T/outside" out2
twrite "out2/pwned3" "x" --mode auto
[ -e "$T/outside/pwned3" ] && fail "symlink escape through the write tool"
twrite "notes.md" "hello" --mode auto
expect_eq "twin: write tool inside" "$RC" 0
expect_eq "twin: write tool content" "$(cat notes.md)" "hello"

# 4. hard link through bash
tbash "ln $T/outside/target hl && echo pwned >> hl" --mode auto
expect_eq "hard link escape" "$(cat "$T/outside/target")" "original"

# 5. .git/hooks, .git/config
tbash "printf '#!/bin/sh\nid\n' > .git/hooks/pre-commit" --mode auto
[ -e .git/hooks/pre-commit ] && fail "wrote a git hook"
tbash "echo '[core] fsmonitor = evil' >> .git/config" --mode auto
expect_eq ".git/config unchanged" "$(cat .git/config)" "[core]"

# 6. a not-yet-existing .conch/config.json, through bash and the write tool
tbash "mkdir -p .conch && echo '{\"mode\":\"auto\"}' > .conch/config.json" --mode auto
[ -e .conch ] && fail ".conch created through bash"
twrite ".conch/config.json" '{"mode":"auto"}' --mode auto
[ -e .conch/config.json ] && fail ".conch/config.json created through the write tool"
expect_contains "write tool asks for .conch" "$OUT" "approval"

# 7. shell rc files and conch's own memory and skills
echo "# rc" > "$HOME/.bashrc"
mkdir -p "$XDG_DATA_HOME/conch/skills"
echo memory > "$XDG_DATA_HOME/conch/USER.md"
tbash "echo evil >> ~/.bashrc; echo obey >> $XDG_DATA_HOME/conch/USER.md; mkdir $XDG_DATA_HOME/conch/skills/evil" --mode auto
expect_eq "rc unchanged" "$(cat "$HOME/.bashrc")" "# rc"
expect_eq "memory unchanged" "$(cat "$XDG_DATA_HOME/conch/USER.md")" "memory"
[ -e "$XDG_DATA_HOME/conch/skills/evil" ] && fail "planted a skill"

# 8. secrets: directly, through a symlink, and through the read tool
tbash "cat ~/.ssh/id_rsa; ln -s ~/.ssh/id_rsa k; cat k" --mode auto
expect_not_contains "ssh key through bash" "$OUT" "PRIVATE-KEY"
run_conch tool read "{\"path\": \"$HOME/.ssh/id_rsa\"}" --mode auto
expect_not_contains "ssh key through the read tool" "$OUT" "PRIVATE-KEY"
tbash "cat notes.md" --mode auto
expect_contains "twin: reading the workspace" "$OUT" "hello"

# 9. API keys in the environment
ANTHROPIC_API_KEY=sk-ant-SECRET OPENAI_API_KEY=sk-SECRET2 \
	tbash "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'" --mode auto
expect_not_contains "keys hidden" "$OUT" "SECRET"
expect_contains "twin: HOME passed" "$OUT" "HOME="

# 10. network: python socket, bash /dev/tcp, curl to a local listener
/usr/bin/python3 - "$T/port" <<'EOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(20)
try:
    while True:
        c, _ = s.accept()
        c.close()
except Exception:
    pass
EOF
LPID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/port")
tbash "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), timeout=3); print(\"CONNECTED\")'" --mode auto
expect_not_contains "python socket blocked" "$OUT" "CONNECTED"
tbash "bash -c 'exec 3<>/dev/tcp/127.0.0.1/$PORT && echo CONNECTED'" --mode auto
expect_not_contains "/dev/tcp blocked" "$OUT" "CONNECTED"
if command -v curl >/dev/null 2>&1; then
	tbash "curl -s -m 2 http://127.0.0.1:$PORT/ ; echo rc=\$?" --mode auto
	expect_contains "curl blocked" "$OUT" "rc=7"
fi
# twin: network allowed by the user's config
mkdir -p "$XDG_CONFIG_HOME/conch"
echo '{"sandbox": {"network": true}}' > "$XDG_CONFIG_HOME/conch/config.json"
tbash "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), timeout=3); print(\"CONNECTED\")'" --mode auto
expect_contains "twin: allowed network connects" "$OUT" "CONNECTED"
rm "$XDG_CONFIG_HOME/conch/config.json"
kill $LPID 2>/dev/null
wait $LPID 2>/dev/null

# 11. a background child does not outlive the command; stdin is empty
tbash "sleep 57 & (setsid sh -c 'sleep 58 # conch-tool-bg' &) ; echo started" --mode auto
expect_contains "background command returned" "$OUT" "started"
if ps -eo args 2>/dev/null | grep -v grep | grep -q "conch-tool-bg\|sleep 57"; then
	fail "a background child outlived its command"
fi
tbash "cat; echo stdin-done" --mode auto
expect_contains "stdin is empty" "$OUT" "stdin-done"

# 11b. resource attacks through the tool (timeouts in the call)
tbashj() { run_conch tool bash "$1" --mode auto; }
tbashj '{"command": "yes conch-endless", "timeout_ms": 1500}'
expect_contains "endless output is cut" "$OUT" "omitted"
if [ "$(id -u)" != 0 ] || "$CONCH_BIN" sandbox doctor | grep -q "pids cgroup per run"; then
	tbashj '{"command": "b() { b | b & }; b # conch-tool-bomb", "timeout_ms": 3000}'
	if ps -eo args 2>/dev/null | grep -v grep | grep -q "conch-tool-bomb"; then
		fail "fork bomb survived"
	fi
	tbashj '{"command": "echo still-works"}'
	expect_contains "twin: a command after the fork bomb" "$OUT" "still-works"
fi
tbashj '{"command": "(setsid sh -c \"sleep 59 # conch-tool-to\" &); sleep 59", "timeout_ms": 700}'
expect_contains "timeout reported" "$OUT" "timed out"
if ps -eo args 2>/dev/null | grep -v grep | grep -q "conch-tool-to"; then
	fail "a setsid child outlived the timeout"
fi
if command -v python3 >/dev/null 2>&1; then
	tbash "python3 -c 'import fcntl, termios
try:
    fcntl.ioctl(1, termios.TIOCSTI, b\"x\")
except OSError as e:
    print(\"tiocsti errno\", e.errno)'" --mode auto
	expect_contains "TIOCSTI refused" "$OUT" "tiocsti errno 1"
	tbash "python3 -c 'b = bytearray(12 << 30)'; echo rc=\$?" --mode auto
	expect_contains "memory hog refused" "$OUT" "MemoryError"
fi

# 12. compound-command rule bypass (user rules allow only "echo hi")
echo '{"permissions": {"allow": ["bash(echo hi)"]}}' > "$XDG_CONFIG_HOME/conch/config.json" 2>/dev/null ||
	{ mkdir -p "$XDG_CONFIG_HOME/conch"; echo '{"permissions": {"allow": ["bash(echo hi)"]}}' > "$XDG_CONFIG_HOME/conch/config.json"; }
for c in "echo hi; touch pwned" "echo hi && touch pwned" "echo hi \$(touch pwned)" \
	"echo hi \`touch pwned\`" "sh -c 'echo hi; touch pwned'" "echo hi | touch pwned" \
	"echo hi
touch pwned"; do
	tbash "$c" </dev/null
	[ -e pwned ] && fail "rule bypass ran: $c"
	rm -f pwned
done
tbash "echo hi" </dev/null
expect_contains "twin: allowed command runs" "$OUT" "hi"
rm "$XDG_CONFIG_HOME/conch/config.json"

# 13. a mode change (and rules) attempted from a project file
mkdir -p .conch 2>/dev/null
if [ -d .conch ]; then
	echo '{"mode": "auto", "permissions": {"allow": ["bash"]}}' > .conch/config.json
	tbash "touch pwned4" </dev/null
	[ -e pwned4 ] && fail "a project file widened permissions"
	rm -rf .conch
fi
tbash "touch ok4" --mode auto </dev/null
[ -e ok4 ] || fail "twin: --mode auto from the user runs commands"

# 14. fail closed, and --sandbox off is explicit
CONCH_SANDBOX_TEST_NO_LANDLOCK=1 tbash "touch ran" --mode auto
expect_contains "refusal names doctor" "$OUT$ERR" "conch sandbox doctor"
[ -e ran ] && fail "ran without write confinement"
CONCH_SANDBOX_TEST_NO_LANDLOCK=1 tbash "touch ran" --mode auto --sandbox off
[ -e ran ] || fail "twin: --sandbox off runs"
expect_contains "--sandbox off is loud" "$ERR" "WARNING"

finish
