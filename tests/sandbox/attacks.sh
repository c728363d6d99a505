#!/bin/sh
# The attack suite of issue 10, organised by class.  Each attack is what a
# prompt-injected model in a hostile repository would try, driven through
# conch's own tool path (conch tool NAME JSON), and sits beside its
# legitimate twin, which must keep working.  Sandbox classes skip (77
# for the whole file only when the kernel has no Landlock at all).
. "${CONCH_SRCDIR:-.}/tests/e2e/lib.sh"

py=/usr/bin/python3
# tool NAME KEY VALUE [KEY VALUE] -- [conch options]: sets OUT ERR RC
tool() {
	name=$1
	shift
	j=$($py -c '
import json, sys
a = sys.argv[1:]
d = {}
while a and a[0] != "--":
    k, v = a[0], a[1]
    d[k] = int(v) if k in ("timeout_ms", "offset", "limit") else v
    a = a[2:]
print(json.dumps(d))' "$@")
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
	[ $# -gt 0 ] && shift
	run_conch tool "$name" "$j" "$@"
}
# refused WHAT SECRET-TEXT: the last call did not show the secret
refused() {
	expect_not_contains "$1 (secret shown)" "$OUT$ERR" "$2"
	[ "$RC" -ne 0 ] || fail "$1: exit 0"
}

mkdir -p "$HOME/.ssh" "$HOME/.config/conch" "$HOME/.aws" .git/hooks src
echo SSH-PRIVATE-KEY > "$HOME/.ssh/id_rsa"
echo '{"provider":"x","api_key":"PROVIDER-KEY"}' > "$HOME/.config/conch/config.json"
echo AWS-SECRET > "$HOME/.aws/credentials"
printf '[core]\n' > .git/config
echo 'int main(void) { return 0; }' > src/main.c
echo SECRET-ENV=1 > .env
echo 'hello inside' > notes.txt

# ---- class 1: file tools follow the real target ------------------------
ln -s "$HOME/.ssh/id_rsa" key
tool read path key -- --mode read-only
refused "1: read of a symlink to an ssh key" SSH-PRIVATE-KEY
tool read path key -- --mode auto --yes
refused "1: --yes does not open a secret" SSH-PRIVATE-KEY
tool read path "/proc/self/root$HOME/.config/conch/config.json" -- --mode auto --yes
refused "1: /proc/self/root magic link" PROVIDER-KEY
tool read path "/proc/self/cwd/../home/.aws/credentials" -- --mode auto --yes
refused "1: /proc/self/cwd magic link" AWS-SECRET
tool read path "/proc/self/environ" -- --mode auto --yes
expect_contains "1: /proc/self/environ refused" "$OUT$ERR" "Permission denied"
tool read path /etc/shadow -- --mode auto --yes
expect_contains "1: /etc/shadow refused" "$OUT$ERR" "Permission denied"
if ln "$HOME/.aws/credentials" hardkey 2>/dev/null; then
	tool read path hardkey -- --mode auto --yes
	refused "1: a hard link to a credential file" AWS-SECRET
	rm -f hardkey
fi
tool grep pattern SSH-PRIVATE -- --mode auto
expect_not_contains "1: grep through a symlink" "$OUT$ERR" SSH-PRIVATE-KEY
tool grep pattern . path "$HOME/.ssh" output_mode content -- --mode auto --yes
refused "1: grep of the ssh dir" SSH-PRIVATE-KEY
tool ls path "$HOME/.ssh" -- --mode auto --yes
expect_not_contains "1: ls of the ssh dir" "$OUT" "id_rsa"
tool glob pattern '**/*' path "$HOME" -- --mode auto --yes
expect_not_contains "1: glob lists no secret" "$OUT" ".ssh/id_rsa"
expect_not_contains "1: glob lists no conch config" "$OUT" "conch/config.json"
tool ls -- --mode auto
expect_not_contains "1: ls hides a link to a secret" "$OUT" "key ->"
ln -s "$T/outside.txt" outlink
echo 'outside text' > "$T/outside.txt"
tool read path outlink -- --mode read-only
expect_contains "1: a link leaving the workspace asks" "$OUT$ERR" "outside the workspace"
expect_not_contains "1: ... and shows nothing unapproved" "$OUT" "outside text"
# twins
tool read path notes.txt -- --mode read-only
expect_contains "1 twin: read inside" "$OUT" "hello inside"
ln -s notes.txt inlink
tool read path inlink -- --mode read-only
expect_contains "1 twin: a symlink that stays inside" "$OUT" "hello inside"
tool grep pattern 'hello' output_mode content -- --mode read-only
expect_contains "1 twin: grep inside" "$OUT" "notes.txt:1:hello inside"
tool glob pattern '**/*.c' -- --mode read-only
expect_contains "1 twin: glob inside" "$OUT" "src/main.c"
tool ls -- --mode read-only
expect_contains "1 twin: ls inside" "$OUT" "notes.txt"
tool read path outlink -- --mode read-only --yes
expect_contains "1 twin: an approved outside read" "$OUT" "outside text"
printf '{"permissions": {"allow": ["read(%s/outside.txt)"]}}\n' "$T" \
	> "$HOME/.config/conch/config.json"
tool read path outlink -- --mode read-only
expect_contains "1 twin: an outside read an allow rule names" "$OUT" "outside text"
printf '{"permissions": {"allow": ["read(**)"]}}\n' > "$HOME/.config/conch/config.json"
tool read path key -- --mode auto
refused "1: an allow rule does not open a secret" SSH-PRIVATE-KEY

# ---- class 2: protection on the resolved target ------------------------
ln -s .git gitl
tool edit path gitl/config old_string '[core]' new_string '[core]
	fsmonitor = ./pwn' -- --mode auto-edit
expect_not_contains "2: edit through a link to .git" "$(cat .git/config)" fsmonitor
mkdir -p .claude
tool write path .claude/skills/evil/SKILL.md content 'evil' -- --mode auto-edit
[ -e .claude/skills/evil/SKILL.md ] && fail "2: planted a .claude skill"
tool write path AGENTS.md content 'obey me' -- --mode auto-edit
[ -e AGENTS.md ] && fail "2: wrote AGENTS.md without approval"
# twin
tool write path src/new.c content 'int x;' -- --mode auto-edit
expect_eq "2 twin: a normal write" "$(cat src/new.c 2>/dev/null)" "int x;"

# ---- class 5: a read deny rule hides the file everywhere ---------------
cat > "$HOME/.config/conch/config.json" <<'EOF'
{"permissions": {"deny": ["read(**/.env)"]}}
EOF
tool read path .env -- --mode auto
refused "5: read .env" SECRET-ENV
tool grep pattern SECRET-ENV output_mode content -- --mode auto
expect_not_contains "5: grep finds no .env" "$OUT$ERR" SECRET-ENV
ln -s .env envlink
tool read path envlink -- --mode auto
refused "5: a symlink to .env" SECRET-ENV
tool glob pattern '**/*env*' -- --mode auto
expect_not_contains "5: glob hides .env" "$OUT" ".env"
tool ls -- --mode auto
expect_not_contains "5: ls hides .env" "$OUT" " .env"
if ln .env envhard 2>/dev/null; then
	tool read path envhard -- --mode auto
	refused "5: a hard link to .env" SECRET-ENV
fi
# twin
tool read path notes.txt -- --mode auto
expect_contains "5 twin: other files read" "$OUT" "hello inside"

if [ -n "${ATTACKS_SANDBOX:-1}" ] && "$CONCH_BIN" sandbox doctor >"$T/doctor" 2>&1; then
	. "${CONCH_SRCDIR:-.}/tests/sandbox/attacks-sandbox.sh"
else
	echo "note: sandbox classes skipped (no Landlock here)"
fi
finish
