#!/bin/sh
# Remote providers through the CLI against a loopback server: which model
# answered, retries, fallback, exit 4 when every entry fails, and keys that
# never reach disk, output or child processes.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 missing"; exit 77; }
FIX="$CONCH_SRCDIR/tests/net/fixtures"
KEY="sk-test-SECRETKEY-4f1d2c"

start_server() { # script.json
	/usr/bin/python3 "$CONCH_SRCDIR/tests/net/server.py" "$1" "$T/req.log" >"$T/port" 2>"$T/server.err" &
	SPID=$!
	i=0
	while [ $i -lt 100 ] && ! [ -s "$T/port" ]; do sleep 0.05; i=$((i + 1)); done
	PORT=$(head -1 "$T/port")
	BASE="http://127.0.0.1:$PORT"
}
stop_server() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; : > "$T/port"; }

# 1. Anthropic: a 500, then a stream: retried, answered, usage and model reported
cat > "$T/s1.json" <<JSON
{"dir": "$FIX", "responses": [
  {"status": 500, "body": "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}", "chunked": false},
  {"file": "anth-text.sse", "headers": {"Content-Type": "text/event-stream"}}
]}
JSON
start_server "$T/s1.json"
# (without CONCH_PKGDATADIR, as when run from the build tree: the price
# table beside the sources is found)
ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$BASE" CONCH_PKGDATADIR= run_conch -p "say hello" \
	-m anthropic/claude-sonnet-4-5 --output-format json --no-reflect
stop_server
expect_eq "anthropic rc" "$RC" 0
expect_eq "anthropic answer" "$(json_get "$OUT" "j['result']")" "Hello, wörld! ✓"
expect_eq "answered_by" "$(json_get "$OUT" "j['answered_by']")" "anthropic/claude-sonnet-4-5"
expect_eq "usage input" "$(json_get "$OUT" "j['usage']['input_tokens']")" "25"
expect_eq "cost priced" "$(json_get "$OUT" "j['cost_usd'] is not None")" "True"
expect_eq "two requests (one retry)" "$(wc -l < "$T/req.log" | tr -d ' ')" "2"
expect_contains "request path" "$(head -1 "$T/req.log")" '"/v1/messages"'

# 2. Fallback: anthropic refuses the key (401), openai answers
cat > "$T/s2.json" <<JSON
{"dir": "$FIX", "responses": [
  {"status": 401, "body": "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}", "chunked": false},
  {"file": "oai-text.sse", "headers": {"Content-Type": "text/event-stream"}}
]}
JSON
: > "$T/req.log"
start_server "$T/s2.json"
ANTHROPIC_API_KEY="$KEY" OPENAI_API_KEY="$KEY" ANTHROPIC_BASE_URL="$BASE" OPENAI_BASE_URL="$BASE" \
	run_conch -p "say hello" -m anthropic/claude-sonnet-4-5 --fallback openai/gpt-4o-mini \
	--output-format json
stop_server
expect_eq "fallback rc" "$RC" 0
expect_eq "fallback answered_by" "$(json_get "$OUT" "j['answered_by']")" "openai/gpt-4o-mini"
expect_eq "fallback answer" "$(json_get "$OUT" "j['result']")" "Hello there, wörld ✓"
expect_contains "fallback noticed" "$ERR" "falling back"

# 3. Every entry fails for good: exit 4, each entry's error summarised
cat > "$T/s3.json" <<JSON
{"responses": [
  {"status": 401, "body": "{\"error\":{\"message\":\"bad key\",\"type\":\"invalid_request_error\"}}", "chunked": false}
]}
JSON
start_server "$T/s3.json"
ANTHROPIC_API_KEY="$KEY" OPENAI_API_KEY="$KEY" ANTHROPIC_BASE_URL="$BASE" OPENAI_BASE_URL="$BASE" \
	run_conch -p "say hello" -m anthropic/claude-sonnet-4-5 --fallback openai/gpt-4o-mini
stop_server
expect_eq "all fail rc" "$RC" 4
expect_contains "all fail names anthropic" "$ERR" "anthropic/claude-sonnet-4-5"
expect_contains "all fail names openai" "$ERR" "openai/gpt-4o-mini"

# 4. A missing key is reported with what to set
OPENAI_BASE_URL="http://127.0.0.1:9" run_conch -p "x" -m openai/gpt-4o
expect_eq "missing key rc" "$RC" 4
expect_contains "missing key names the variable" "$ERR" "OPENAI_API_KEY"

# 5. The key never reaches disk, output, or a child process
expect_eq "key not on disk" "$(grep -rl "$KEY" "$HOME" "$T/proj" 2>/dev/null | wc -l | tr -d ' ')" "0"
expect_not_contains "key not in output" "$OUT$ERR" "$KEY"
ANTHROPIC_API_KEY="$KEY" OPENAI_API_KEY="$KEY" MY_TOKEN="$KEY" \
	run_conch tool bash '{"command": "env"}' --mode auto
expect_eq "env tool rc" "$RC" 0
expect_contains "child env has PATH" "$OUT" "PATH="
expect_not_contains "key not in child env" "$OUT" "$KEY"

# 6. One connection per endpoint across turns: a three-turn task (two
# tool calls, then the answer) over a keep-alive server needs one TCP
# connect, not three
cat > "$T/s6.json" <<JSON
{"dir": "$FIX", "keep_alive": true, "responses": [
  {"file": "anth-tool-ls.sse"}, {"file": "anth-tool-ls.sse"}, {"file": "anth-text.sse"}
]}
JSON
: > "$T/req.log"
start_server "$T/s6.json"
ANTHROPIC_API_KEY="$KEY" ANTHROPIC_BASE_URL="$BASE" run_conch -p "list twice" \
	-m anthropic/claude-sonnet-4-5 --mode auto --no-reflect
stop_server
expect_eq "keep-alive task rc" "$RC" 0
expect_eq "keep-alive: three requests" "$(wc -l < "$T/req.log" | tr -d ' ')" "3"
expect_eq "keep-alive: one connection" "$(/usr/bin/python3 -c "
import json
print(len({json.loads(l)['conn'] for l in open('$T/req.log')}))")" "1"

finish
