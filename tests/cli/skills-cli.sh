#!/bin/sh
# conch skills list|show|new|edit|validate|undo|install|remove.
. "$(dirname "$0")/../e2e/lib-mind.sh"

run_conch skills list
expect_eq "list rc" "$RC" 0
expect_contains "bundled listed" "$OUT" "git-commit"
expect_contains "bundled source" "$OUT" "bundled"

run_conch skills validate
expect_eq "bundled skills valid" "$RC" 0

run_conch skills new my-flow --description "Do my flow"
expect_eq "new rc" "$RC" 0
SK="$DATA/skills/my-flow/SKILL.md"
expect_contains "scaffold" "$(cat "$SK")" "name: my-flow"
run_conch skills validate "$DATA/skills/my-flow"
expect_eq "scaffold valid" "$RC" 0
run_conch skills new Bad_Name
expect_eq "bad name" "$RC" 2
run_conch skills new my-flow
expect_eq "new refuses existing" "$RC" 1

run_conch skills show my-flow
expect_contains "show body" "$OUT" "## Steps"

# edit with validation, then undo
EDIT_CMD='sed -i "s/First step./Run the linter./" "$1"' run_conch skills edit my-flow
expect_eq "edit rc" "$RC" 0
expect_contains "edited" "$(cat "$SK")" "Run the linter."
EDIT_CMD='sed -i "s/^name: my-flow/name: other/" "$1"' run_conch skills edit my-flow
expect_eq "invalid edit rc" "$RC" 1
expect_contains "invalid edit reason" "$ERR" "differs from its directory"
expect_contains "invalid edit not applied" "$(cat "$SK")" "name: my-flow"
run_conch skills undo my-flow
expect_eq "undo rc" "$RC" 0
expect_contains "undo restored" "$(cat "$SK")" "First step."
run_conch skills undo my-flow
expect_eq "nothing more to undo" "$RC" 1

# editing a bundled skill makes a user copy
EDIT_CMD='sed -i "s/# Writing a good commit/# Writing a good commit (mine)/" "$1"' \
	run_conch skills edit git-commit
expect_eq "edit bundled rc" "$RC" 0
expect_contains "user copy" "$(cat "$DATA/skills/git-commit/SKILL.md")" "(mine)"
expect_not_contains "bundled untouched" "$(cat "$CONCH_SRCDIR/skills/git-commit/SKILL.md")" "(mine)"
run_conch skills list
expect_contains "user copy wins" "$OUT" "git-commit                   user"

# invalid skills are reported with file and line, never fatal
mkdir -p .conch/skills/broken
printf -- '---\nname: broken\ndescription: [x\n---\n' > .conch/skills/broken/SKILL.md
run_conch skills list
expect_eq "list survives broken" "$RC" 0
expect_contains "broken reported" "$ERR" "broken/SKILL.md:"
run_conch skills validate .conch/skills/broken
expect_eq "validate broken" "$RC" 1
rm -rf .conch/skills/broken

# install: folder, tar.gz, zip; --force; remove
mkdir -p "$T/src/shipped"
printf -- '---\nname: shipped\ndescription: From elsewhere\n---\nDo it.\n' > "$T/src/shipped/SKILL.md"
run_conch skills install "$T/src/shipped"
expect_eq "install dir" "$RC" 0
expect_contains "installed" "$(cat "$DATA/installed-skills/shipped/SKILL.md")" "Do it."
run_conch skills install "$T/src/shipped"
expect_eq "no overwrite" "$RC" 1
expect_contains "force hint" "$ERR" "--force"
run_conch skills install "$T/src/shipped" --force
expect_eq "force" "$RC" 0
run_conch skills remove shipped
expect_eq "remove" "$RC" 0
(cd "$T/src" && tar -czf "$T/shipped.tar.gz" shipped)
run_conch skills install "$T/shipped.tar.gz"
expect_eq "install tar.gz" "$RC" 0
run_conch skills remove shipped
if command -v zip >/dev/null 2>&1; then
	(cd "$T/src" && zip -qr "$T/shipped.zip" shipped)
	run_conch skills install "$T/shipped.zip"
	expect_eq "install zip" "$RC" 0
fi
# a hostile archive
mkdir -p "$T/evil/bad"
printf -- '---\nname: bad\ndescription: d\n---\n' > "$T/evil/bad/SKILL.md"
ln -s /etc "$T/evil/bad/etc"
(cd "$T/evil" && tar -czf "$T/evil.tar.gz" bad)
run_conch skills install "$T/evil.tar.gz"
expect_eq "hostile refused" "$RC" 1
expect_contains "hostile reason" "$ERR" "refused"
[ -e "$DATA/installed-skills/bad" ] && fail "hostile installed"
run_conch skills remove git-commit
expect_eq "remove user copy" "$RC" 0
run_conch skills remove git-commit
expect_eq "bundled not removable" "$RC" 1
# a folder of skills with one invalid: the valid ones install, the invalid
# one is reported; --force does not waive validation (issue 12)
mkdir -p "$T/pack/alpha" "$T/pack/beta" "$T/pack/long"
printf -- '---\nname: alpha\ndescription: First\n---\nA.\n' > "$T/pack/alpha/SKILL.md"
printf -- '---\nname: beta\ndescription: Second\n---\nB.\n' > "$T/pack/beta/SKILL.md"
LONG=$(/usr/bin/python3 -c "print('x' * 1100)")
printf -- '---\nname: long\ndescription: %s\n---\nL.\n' "$LONG" > "$T/pack/long/SKILL.md"
run_conch skills install "$T/pack"
expect_eq "partial install rc" "$RC" 0
[ -f "$DATA/installed-skills/alpha/SKILL.md" ] && [ -f "$DATA/installed-skills/beta/SKILL.md" ] &&
	ok || fail "the valid skills of the pack were not installed: $ERR"
[ -e "$DATA/installed-skills/long" ] && fail "the invalid skill was installed"
expect_contains "invalid one reported" "$ERR" "long/SKILL.md"
expect_contains "summary" "$OUT" "installed 2 skills; 1 skipped"
run_conch skills install "$T/pack" --force
expect_eq "force partial rc" "$RC" 0
[ -e "$DATA/installed-skills/long" ] && fail "--force installed an invalid skill"
rm -rf "$T/pack/alpha" "$T/pack/beta"
run_conch skills install "$T/pack" --force
expect_eq "none valid: non-zero" "$RC" 2
# remove and edit of an installed skill are undone like automatic writes
run_conch skills remove alpha
expect_eq "remove installed" "$RC" 0
[ -e "$DATA/installed-skills/alpha" ] && fail "alpha still installed"
run_conch skills undo alpha
expect_eq "undo remove rc" "$RC" 0
expect_contains "undo remove restored" "$(cat "$DATA/installed-skills/alpha/SKILL.md")" "First"
EDIT_CMD='sed -i "s/^B\./Edited B./" "$1"' run_conch skills edit beta
expect_eq "edit installed rc" "$RC" 0
expect_contains "edit installed applied" "$(cat "$DATA/installed-skills/beta/SKILL.md")" "Edited B."
run_conch skills undo beta
expect_eq "undo edit installed rc" "$RC" 0
expect_not_contains "undo edit restored" "$(cat "$DATA/installed-skills/beta/SKILL.md")" "Edited"
run_conch skills new gamma
run_conch skills remove gamma
run_conch skills undo gamma
expect_eq "undo remove of a user skill" "$RC:$(test -f "$DATA/skills/gamma/SKILL.md" && echo there)" "0:there"
finish
