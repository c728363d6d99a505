#!/bin/bash
# bench/conn-reuse.sh: TCP connects and TLS handshakes of a three-turn
# task (two tool calls, then the answer) against a loopback HTTPS server
# (tests/net/server.py with a self-signed certificate that openssl makes
# here, trusted through CURL_CA_BUNDLE), with connections kept per endpoint
# (the default) and with CONCH_HTTP_NO_REUSE=1 (a new connection per
# request, as conch did before).  Prints connects, full and resumed
# handshakes and the wall time of each, median of RUNS runs.
# Usage: bench/conn-reuse.sh [path/to/conch] [runs]
set -euo pipefail
CONCH=$(readlink -f "${1:-./conch}")
RUNS=${2:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "bench: openssl is needed" >&2; exit 2; }

T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_STATE_HOME="$T/home/.state"
export XDG_DATA_HOME="$T/home/.data"
mkdir -p "$HOME" "$T/proj"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
FIX="$SRC/tests/net/fixtures"
cat > "$T/script.json" <<JSON
{"dir": "$FIX", "keep_alive": true, "tls": {"cert": "$T/cert.pem", "key": "$T/key.pem"},
 "responses": [{"file": "anth-tool-ls.sse"}, {"file": "anth-tool-ls.sse"}, {"file": "anth-text.sse"}]}
JSON

# run_once NO_REUSE: prints "connects resumed ms"
run_once() {
	: > "$T/req.log"
	: > "$T/port"
	"$PY" "$SRC/tests/net/server.py" "$T/script.json" "$T/req.log" >"$T/port" 2>"$T/server.err" &
	SPID=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	local port t0 t1 rc=0
	port=$(head -1 "$T/port")
	t0=$(date +%s%N)
	(cd "$T/proj" && CONCH_HTTP_NO_REUSE=$1 CURL_CA_BUNDLE="$T/cert.pem" SSL_CERT_FILE="$T/cert.pem" \
		ANTHROPIC_API_KEY=sk-bench ANTHROPIC_BASE_URL="https://127.0.0.1:$port" \
		"$CONCH" -p "list twice" -m anthropic/claude-sonnet-4-5 --mode auto \
		--no-reflect </dev/null >/dev/null 2>"$T/conch.err") || rc=$?
	t1=$(date +%s%N)
	kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; SPID=
	[ "$rc" -eq 0 ] || { echo "bench: conch failed ($rc): $(cat "$T/conch.err")" >&2; exit 1; }
	"$PY" - "$T/req.log" $(( (t1 - t0) / 1000000 )) <<'PYEOF'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
conns = {}
for r in reqs:
    conns.setdefault(r["conn"], r["tls_resumed"])
print(len(reqs), len(conns), sum(1 for v in conns.values() if v), sys.argv[2])
PYEOF
}

report() { # label no_reuse
	local rows
	rows=$(for _ in $(seq "$RUNS"); do run_once "$2"; done)
	printf '%s\n' "$rows" | "$PY" -c "
import sys, statistics
rows = [list(map(int, l.split())) for l in sys.stdin if l.strip()]
req, con, res, ms = (statistics.median(c) for c in zip(*rows))
print('%-26s requests %d  TCP connects %d  TLS handshakes %d (full %d, resumed %d)  wall %d ms' %
      ('$1', req, con, con, con - res, res, ms))"
}

echo "three-turn task over HTTPS on loopback, median of $RUNS runs ($(basename "$CONCH"))"
report "new connection per turn" 1
report "kept per endpoint" 0
