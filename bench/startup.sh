#!/bin/bash
# bench/startup.sh: start-up cost of conch.
# Prints median wall time and peak RSS of `conch --version` and of a
# two-turn headless task (read a file, answer) against the instant scripted
# model, and the bytes of the first request (system prompt + all tools).
# Targets: --version <= 5 ms and <= 5 MiB; the task <= 20 ms and <= 10 MiB;
# first request <= 6 KB.  Usage: bench/startup.sh [path/to/conch] [runs]
set -euo pipefail
CONCH=${1:-./conch}
RUNS=${2:-30}
CONCH=$(readlink -f "$CONCH")
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_STATE_HOME="$T/home/.state"
export XDG_DATA_HOME="$T/home/.data"
mkdir -p "$HOME" "$T/proj"
cd "$T/proj"
printf 'hello from the bench\n' > file.txt
cat > "$T/task.json" <<'JSON'
{"turns": [
 {"tool_calls": [{"name": "read", "args": {"path": "file.txt"}}]},
 {"expect_result": "hello", "text": "The file says hello."}
]}
JSON
export CONCH_TEST_SCRIPT="$T/task.json"

median_ms() { # command...  (hyperfine when present: no fork of date(1) in the figure)
	if command -v hyperfine >/dev/null; then
		local q="" a
		for a in "$@"; do q="$q '${a//\'/\'\\\'\'}'"; done
		hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$T/h.json" "$q" >/dev/null 2>&1
		/usr/bin/python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$T/h.json"
		return
	fi
	local i times=()
	for ((i = 0; i < RUNS; i++)); do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		times+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}
peak_kib() { # command...
	{ /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null || true; } | tail -1
}

if ! "$CONCH" -p "what does file.txt say?" --mode read-only >/dev/null 2>"$T/err"; then
	echo "bench: the two-turn task failed:" >&2; cat "$T/err" >&2; exit 1
fi
echo "conch start-up benchmark ($RUNS runs each, median)"
echo "binary: $CONCH"
[ -t 2 ] && printf 'progress: measuring --version...\r' >&2
V_MS=$(median_ms "$CONCH" --version)
V_KB=$(peak_kib "$CONCH" --version)
[ -t 2 ] && printf 'progress: measuring the two-turn task...\r' >&2
T_MS=$(median_ms "$CONCH" -p "what does file.txt say?" --mode read-only)
T_KB=$(peak_kib "$CONCH" -p "what does file.txt say?" --mode read-only)
rm -f "$T/req.log"
CONCH_TEST_REQUEST_LOG="$T/req.log" "$CONCH" -p "what does file.txt say?" >/dev/null 2>&1
REQ=$(head -1 "$T/req.log" | wc -c)
NTOOLS=$(head -1 "$T/req.log" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tools"]))')
[ -t 2 ] && printf '                                              \r' >&2
printf '%-34s %8s ms  %8.1f MiB\n' "conch --version" "$V_MS" "$(awk "BEGIN{print $V_KB/1024}")"
printf '%-34s %8s ms  %8.1f MiB\n' "two-turn task (instant model)" "$T_MS" "$(awk "BEGIN{print $T_KB/1024}")"
printf '%-34s %8d bytes (%d tools)\n' "first request" "$REQ" "$NTOOLS"
