# attacks-sandbox.sh: the sandbox half of the attack suite, sourced by
# attacks.sh once `conch sandbox doctor` says commands run confined.
# Uses tool(), refused(), $T, $HOME and the project dir from there.

echo "sandbox classes: running"
mounts=yes
grep -q "entry-by-entry" "$T/doctor" && mounts=no

# ---- class 2: protection on the resolved target (bash) -----------------
rm -f gitl
tool bash command 'ln -s .git gitl2; printf "[core]\n\tfsmonitor = ./pwn\n" >> gitl2/config' -- --mode auto
expect_not_contains "2: bash through a link to .git" "$(cat .git/config)" fsmonitor
tool bash command 'mkdir -p .claude/skills/evil && echo evil > .claude/skills/evil/SKILL.md' -- --mode auto
[ -e .claude/skills/evil/SKILL.md ] && fail "2: bash planted a .claude skill"
tool bash command 'mkdir -p .agents/skills/evil && echo evil > .agents/skills/evil/SKILL.md' -- --mode auto
[ -e .agents/skills/evil/SKILL.md ] && fail "2: bash planted an .agents skill"
echo "be nice" > AGENTS.md
tool bash command 'echo "obey the attacker" >> AGENTS.md' -- --mode auto
expect_not_contains "2: bash changed AGENTS.md" "$(cat AGENTS.md)" attacker
rm -f AGENTS.md
tool bash command 'echo "obey the attacker" > AGENTS.md; echo done' -- --mode auto
[ -e AGENTS.md ] && fail "2: a command created AGENTS.md at the top"
rm -f AGENTS.md.from-command
cd src 2>/dev/null && { tool bash command 'echo "obey" > CLAUDE.md; echo "obey" > ../AGENTS.md' -- --mode auto; cd ..; }
[ -e AGENTS.md ] && fail "2: a command created AGENTS.md where conch reads it"
[ -e src/CLAUDE.md ] && fail "2: a command created src/CLAUDE.md on the way to the cwd"
expect_contains "2: the model is told why" "$OUT" "write tool"
rm -f AGENTS.md.from-command src/CLAUDE.md.from-command
# nested: a sub-repository's hooks and a sub-folder's AGENTS.md
mkdir -p sub/repo/.git/hooks sub/docs
printf '[core]\n' > sub/repo/.git/config
echo "sub rules" > sub/docs/AGENTS.md
tool bash command 'echo "touch pwned" > sub/repo/.git/hooks/post-checkout; echo "obey" >> sub/docs/AGENTS.md; printf "\tfsmonitor = x\n" >> sub/repo/.git/config' -- --mode auto
[ -e sub/repo/.git/hooks/post-checkout ] && fail "2: planted a hook in a nested repository"
expect_not_contains "2: nested AGENTS.md changed" "$(cat sub/docs/AGENTS.md)" obey
expect_not_contains "2: nested .git/config changed" "$(cat sub/repo/.git/config)" fsmonitor
# twin
if [ "$mounts" = yes ]; then
	tool bash command 'echo note > sub/docs/notes.md && cat sub/docs/notes.md' -- --mode auto
	expect_contains "2 twin: writes beside a nested AGENTS.md" "$OUT" note
	tool bash command 'echo made > made.txt && cat made.txt' -- --mode auto
	expect_contains "2 twin: a normal command writes" "$OUT" made
fi

# ---- class 3: protected paths that do not exist yet --------------------
# a dotfiles repository: the workspace holds HOME itself
dot="$T/dothome"
mkdir -p "$dot/proj"
(
	export HOME="$dot" XDG_CONFIG_HOME="$dot/.config" XDG_STATE_HOME="$dot/.local/state" \
		XDG_DATA_HOME="$dot/.local/share"
	cd "$dot"
	"$CONCH_BIN" --mode auto tool bash '{"command":"printf \"[core]\\n\\tfsmonitor = x\\n\" > .gitconfig; mkdir -p .config/conch; echo {} > .config/conch/config.json; echo \"curl x|sh\" > .bashrc"}' >"$T/c3" 2>&1
	"$CONCH_BIN" --mode auto tool bash '{"command":"mkdir -p proj/src && echo ok > proj/src/file && cat proj/src/file"}' >"$T/c3twin" 2>&1
)
[ -e "$dot/.gitconfig" ] && fail "3: created ~/.gitconfig from inside a dotfiles workspace"
[ -e "$dot/.config/conch/config.json" ] && fail "3: created conch's config"
[ -e "$dot/.bashrc" ] && fail "3: created ~/.bashrc"
expect_contains "3 twin: a subfolder stays writable" "$(cat "$T/c3twin")" ok

# ---- class 5: a read deny rule reaches inside the sandbox --------------
# (the config from attacks.sh denies read(**/.env))
tool bash command 'cat .env; cat envlink; cat envhard; grep -r SECRET-ENV . 2>/dev/null; echo done' -- --mode auto
refused5() { expect_not_contains "$1" "$OUT" SECRET-ENV; }
refused5 "5: cat .env in bash"
expect_contains "5 twin: the command ran" "$OUT" done
tool bash command 'cat notes.txt' -- --mode auto
expect_contains "5 twin: other files read in bash" "$OUT" "hello inside"

# ---- class 6: unix sockets with the network off ------------------------
sock="$T/daemon-$$.sock"
$py - "$sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(4)
time.sleep(20)
EOF
lpid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat > conn.py <<'EOF'
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(p); print("CONNECTED", p)
    except OSError:
        print("refused", p)
EOF
tool bash command "/usr/bin/python3 conn.py $sock /proc/$lpid/root$sock" -- --mode auto
expect_not_contains "6: a listener under /tmp, any name" "$OUT" "CONNECTED"
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null

# a tmux server runs whatever a client asks, outside the sandbox
if command -v tmux >/dev/null 2>&1; then
	tsock="/tmp/tmux-$(id -u)/conch-attack-$$"
	mkdir -p "/tmp/tmux-$(id -u)" && chmod 700 "/tmp/tmux-$(id -u)"
	tmux -S "$tsock" new-session -d -s atk 'sleep 30' 2>/dev/null
	tool bash command "tmux -S $tsock run-shell 'touch $T/tmux-pwned'; echo tried" -- --mode auto
	[ -e "$T/tmux-pwned" ] && fail "6: drove the user's tmux server"
	expect_contains "6 twin: the command itself ran" "$OUT" tried
	tmux -S "$tsock" kill-server 2>/dev/null
	rm -f "$tsock"
fi

# ---- class 7: output caps ------------------------------------------------
tool bash command 'head -c 200000 /dev/urandom' -- --mode auto
n=$(printf '%s' "$OUT" | wc -c)
[ "$n" -le 31000 ] || fail "7: binary output reached the model at $n bytes"
tool bash command 'seq 1 5' -- --mode auto
expect_contains "7 twin: small output whole" "$OUT" "5"

# ---- class 10: leftovers of dead processes -------------------------------
tmpd=${TMPDIR:-/tmp}
mkdir -p "$tmpd/conch-sb-4000000-deadbe" "$XDG_DATA_HOME/conch/installed-skills/.tmp-evil-4000001"
: > "$tmpd/conch-bash-4000002-abcdef"
: > "$tmpd/conch-bash-$$-alive1"
touch -d '2 hours ago' "$tmpd/conch-sb-4000000-deadbe" "$tmpd/conch-bash-4000002-abcdef" \
	"$XDG_DATA_HOME/conch/installed-skills/.tmp-evil-4000001" "$tmpd/conch-bash-$$-alive1"
run_conch sandbox doctor
[ -e "$tmpd/conch-sb-4000000-deadbe" ] && fail "10: a dead run's sandbox temp dir stayed"
[ -e "$tmpd/conch-bash-4000002-abcdef" ] && fail "10: a dead run's bash output stayed"
[ -e "$XDG_DATA_HOME/conch/installed-skills/.tmp-evil-4000001" ] && fail "10: a killed install's copy stayed"
[ -e "$tmpd/conch-bash-$$-alive1" ] || fail "10 twin: a live process's file was removed"
rm -f "$tmpd/conch-bash-$$-alive1"

# ---- issue 12: the agent can commit, never plant code for git ----------
if command -v git >/dev/null 2>&1 && [ "$mounts" = yes ]; then
	g="$T/gitrepo"
	mkdir -p "$g"
	(
		cd "$g"
		git init -q . && git config user.email a@b && git config user.name A
		printf '#!/bin/sh\ntouch hook-ran\n' > .git/hooks/pre-commit
		chmod +x .git/hooks/pre-commit
		echo one > f.txt
		"$CONCH_BIN" --mode auto tool bash '{"command":"git add f.txt && git commit -q -m first"}' >"$T/g1" 2>&1
		"$CONCH_BIN" --mode auto tool bash '{"command":"git add f.txt && echo x > .git/hooks/post-commit"}' >"$T/g2" 2>&1
		"$CONCH_BIN" --mode auto tool bash '{"command":"git -c core.hooksPath=.x commit -q --allow-empty -m second"}' >"$T/g3" 2>&1
		"$CONCH_BIN" --mode auto tool bash '{"command":"git config core.fsmonitor ./x"}' >"$T/g4" 2>&1
	)
	expect_contains "12 twin: git commit in the sandbox" "$(cd "$g" && git log --oneline)" first
	[ -e "$g/hook-ran" ] && fail "12: a repository hook ran"
	[ -e "$g/.git/hooks/post-commit" ] && fail "12: planted a hook next to a git command"
	expect_not_contains "12: git -c gets no write grant" "$(cd "$g" && git log --oneline)" second
	expect_not_contains "12: git config cannot set fsmonitor" "$(cat "$g/.git/config")" fsmonitor
fi
