#!/bin/sh
# The command line: version, help, usage errors, config errors, exit codes.
. "$(dirname "$0")/lib.sh"

run_conch --version
expect_eq "--version rc" "$RC" 0
expect_contains "--version" "$OUT" "conch "
run_conch version
expect_eq "version subcommand" "$RC" 0

run_conch --help
expect_eq "--help rc" "$RC" 0
expect_contains "--help lists -p" "$OUT" "--prompt"
expect_contains "--help lists exit codes" "$OUT" "130 interrupted"

run_conch --bogus
expect_eq "unknown option rc" "$RC" 2
expect_contains "unknown option message" "$ERR" "unknown option --bogus"

run_conch --mode yolo -p hi
expect_eq "bad mode rc" "$RC" 2
expect_contains "bad mode message" "$ERR" "--mode must be"

run_conch stray-word
expect_eq "stray argument rc" "$RC" 2

# no provider and no bundled model (CONCH_PKGDATADIR names where it is
# looked for): exit 4 with a message saying what to set.  With the bundled
# model, tests/e2e/offline.sh covers the default.
mkdir -p "$T/nomodel"
CONCH_PKGDATADIR="$T/nomodel" run_conch -p "hello"
expect_eq "no provider rc" "$RC" 4
expect_contains "no provider message" "$ERR" "ANTHROPIC_API_KEY"

# an unknown provider named with -m is a usage error
run_conch -p "hello" -m nosuch/model
expect_eq "unknown provider rc" "$RC" 2
expect_contains "unknown provider message" "$ERR" "nosuch"

# -p with an empty stdin
OUT=$(printf '' | "$CONCH_BIN" -p 2>"$T/stderr") && RC=0 || RC=$?
expect_eq "empty stdin task rc" "$RC" 2
expect_contains "empty stdin task message" "$(cat "$T/stderr")" "empty"

# malformed config: exit 3, path, line and column
mkdir -p "$XDG_CONFIG_HOME/conch"
printf '{\n  "mode": "ask",\n  "model": oops\n}\n' > "$XDG_CONFIG_HOME/conch/config.json"
run_conch -p "hello"
expect_eq "bad config rc" "$RC" 3
expect_contains "bad config names the file" "$ERR" "conch/config.json:3:"
run_conch sessions
expect_eq "bad config also stops subcommands" "$RC" 3
printf '{"mode": "sometimes"}' > "$XDG_CONFIG_HOME/conch/config.json"
run_conch -p "hello"
expect_eq "bad config value rc" "$RC" 3
expect_contains "bad config value names the key" "$ERR" '"mode" must be'
rm "$XDG_CONFIG_HOME/conch/config.json"

# a broken test script is a config error, not a crash
printf '{"turns": ' > "$T/bad.json"
CONCH_TEST_SCRIPT="$T/bad.json" run_conch -p "hello"
expect_eq "bad script rc" "$RC" 3

# -C to a missing directory
run_conch -C "$T/nowhere" -p hi
expect_eq "-C missing rc" "$RC" 2

# sessions on a fresh project
run_conch sessions
expect_eq "sessions rc" "$RC" 0
expect_contains "sessions empty" "$ERR" "no sessions yet"

# tool: unknown tool and bad usage
run_conch tool nosuchtool '{}'
expect_eq "unknown tool rc" "$RC" 2
run_conch tool
expect_eq "tool usage rc" "$RC" 2

finish
