#!/bin/bash
# bench/render.sh: the pairing REPL's rendering cost and memory.
# 1. CPU time conch spends streaming 10,000 tokens of mixed Markdown
#    (headings, lists, emphasis, inline code, fenced code, links, tables)
#    through the renderer into a pseudo-terminal (a detached tmux pane,
#    80x24), instantly and paced at 1 ms per token.
# 2. Peak RSS after a 2,000-message session (1,000 prompts typed into the
#    REPL, 1,000 Markdown answers of ~600 bytes).
# Usage: bench/render.sh [path/to/conch]
set -euo pipefail
CONCH=$(readlink -f "${1:-./conch}")
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "bench: needs tmux" >&2; exit 2; }

T=$(mktemp -d)
SOCK="conch-bench-$$"
tm() { LC_ALL=C.UTF-8 tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
mkdir -p "$T/home" "$T/proj"

/usr/bin/python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
pieces = ["## Section {n}\n\n", "Some **bold** words ", "and *italic* ones ",
          "with `inline_code()` ", "and a [link](https://example.org/{n}). ",
          "More plain text that wraps around the screen edge ",
          "\n\n- a list item ", "with more words\n- another item\n\n",
          "```c\nint f{n}(int x) {{ return x * 2; }}\n```\n\n",
          "| a | b |\n|---|---|\n| {n} | x |\n\n", "> quoted text here\n\n"]
chunks, i = [], 0
while len(chunks) < 10000:
    p = pieces[i % len(pieces)].format(n=i)
    # about one token per word
    for w in p.split(" "):
        chunks.append(w + " ")
    i += 1
chunks = chunks[:9999] + ["\n\nBENCH-END"]
for name, delay in (("instant", 0), ("paced", 1)):
    json.dump({"turns": [{"chunks": chunks, "delay_ms": delay,
                          "usage": {"input_tokens": 100, "output_tokens": 10000}}]},
              open(f"{t}/{name}.json", "w"))
answer = ("### Answer {n}\n\nHere is **reply-{n}** with `code` and a list:\n\n"
          "- first point about the change\n- second point, *emphasised*\n\n"
          "```sh\nmake check  # run {n}\n```\n\nAnd a closing paragraph that is "
          "long enough to wrap once or twice on an eighty column terminal.\n")
json.dump({"turns": [{"text": answer.format(n=k)} for k in range(1, 1001)]},
          open(f"{t}/session.json", "w"))
PY

start() { # name script
	cat > "$T/$1.run" <<RUN
export HOME='$T/home' XDG_STATE_HOME='$T/home/state' XDG_CONFIG_HOME='$T/home/config'
export XDG_DATA_HOME='$T/home/data' LC_ALL=C.UTF-8 CONCH_TEST_SCRIPT='$2'
exec '$CONCH'
RUN
	tm new-session -d -s "$1" -x 80 -y 24 -c "$T/proj" "sh '$T/$1.run'"
}
wait_for() { # name text seconds
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		tm capture-pane -p -t "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	echo "bench: \"$2\" did not show" >&2
	tm capture-pane -p -t "$1" >&2
	exit 1
}
cpu_ms() { # pid: user+system CPU time in ms
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}
kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

echo "conch REPL rendering benchmark (80x24 tmux pane)"
for name in instant paced; do
	start "$name" "$T/$name.json"
	wait_for "$name" "/help for help" 10
	pid=$(tm display-message -p -t "$name" '#{pane_pid}')
	c0=$(cpu_ms "$pid")
	s=$(date +%s%N)
	tm send-keys -t "$name" "stream it" Enter
	wait_for "$name" "BENCH-END" 120
	e=$(date +%s%N)
	c1=$(cpu_ms "$pid")
	printf '%-44s %6d ms CPU  (%d ms wall)\n' "10,000 tokens of Markdown, $name:" \
		$((c1 - c0)) $(((e - s) / 1000000))
	tm kill-session -t "$name"
done

start session "$T/session.json"
wait_for session "/help for help" 10
pid=$(tm display-message -p -t session '#{pane_pid}')
rss0=$(kib "$pid" VmRSS)
s=$(date +%s%N)
for ((b = 0; b < 1000; b += 25)); do # typed ahead: the REPL queues them
	args=()
	for ((k = b + 1; k <= b + 25; k++)); do args+=("prompt number $k" Enter); done
	tm send-keys -t session "${args[@]}"
done
wait_for session "reply-1000" 300
e=$(date +%s%N)
sleep 0.5
printf '%-44s %6.1f MiB  (at start %.1f MiB, now %.1f MiB; %d s)\n' \
	"peak RSS after a 2,000-message session:" \
	"$(awk "BEGIN{print $(kib "$pid" VmHWM)/1024}")" \
	"$(awk "BEGIN{print $rss0/1024}")" \
	"$(awk "BEGIN{print $(kib "$pid" VmRSS)/1024}")" $(((e - s) / 1000000000))
