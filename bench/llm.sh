#!/bin/bash
# bench/llm.sh: speed of the built-in runtime against llama.cpp on the
# same GGUF files and threads (issue 14).
#
# Writes random-weight files of real shapes with tools/random_gguf.py
# (Qwen2.5-0.5B and Llama-3.2-1B, F16), quantises them with llama.cpp's
# llama-quantize (Qwen Q8_0, Llama Q8_0 and Q4_K_M), then runs, back to
# back and ROUNDS times, `conch model bench` and `llama-bench` with the
# same -p/-n/-t/-r, and prints the median tokens/s of each side by side
# with conch's bandwidth share.  No timing is asserted: these are numbers
# to read.  llama.cpp is not fetched or built here: point LLAMA_BIN at a
# directory holding llama-bench and llama-quantize (any public build, e.g.
# cmake -DGGML_NATIVE=ON); without it only conch runs, on Q8_0 files that
# tools/random_gguf.py cannot make, so then it measures the F16 files.
#
# Usage: bench/llm.sh [path/to/conch] [workdir]
#   env: LLAMA_BIN, THREADS (2), PP (512), TG (128), REPS (3), ROUNDS (3),
#        VOCAB (a GGUF with a BPE vocabulary, default the shared Llama 3 one)
set -euo pipefail
CONCH=$(readlink -f "${1:-./conch}")
WORK=${2:-/tmp/conch-llm-bench}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
THREADS=${THREADS:-2} PP=${PP:-512} TG=${TG:-128} REPS=${REPS:-3} ROUNDS=${ROUNDS:-3}
VOCAB=${VOCAB:-$HERE/../shared/vocab/ggml-vocab-llama-bpe.gguf}
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }
"$PY" -c 'import numpy' 2>/dev/null || { echo "bench: $PY with numpy is needed" >&2; exit 2; }
mkdir -p "$WORK"
vopt=()
[ -f "$VOCAB" ] && vopt=(--vocab "$VOCAB")

gen() { # shape file
	[ -s "$2" ] || nice "$PY" "$HERE/tools/random_gguf.py" "$1" "$2" "${vopt[@]}" >&2
}
quant() { # in out type
	[ -s "$2" ] || nice "$LLAMA_BIN/llama-quantize" "$1" "$2" "$3" 2 >/dev/null 2>&1
}
gen qwen2.5-0.5b "$WORK/qwen2.5-0.5b-f16.gguf"
gen llama-3.2-1b "$WORK/llama-3.2-1b-f16.gguf"
if [ -n "${LLAMA_BIN:-}" ] && [ -x "$LLAMA_BIN/llama-bench" ]; then
	quant "$WORK/qwen2.5-0.5b-f16.gguf" "$WORK/qwen2.5-0.5b-q8_0.gguf" Q8_0
	quant "$WORK/llama-3.2-1b-f16.gguf" "$WORK/llama-3.2-1b-q8_0.gguf" Q8_0
	quant "$WORK/llama-3.2-1b-f16.gguf" "$WORK/llama-3.2-1b-q4_k_m.gguf" Q4_K_M
	FILES=(qwen2.5-0.5b-q8_0 llama-3.2-1b-q8_0 llama-3.2-1b-q4_k_m)
else
	echo "bench: LLAMA_BIN unset: conch only, on the F16 files" >&2
	FILES=(qwen2.5-0.5b-f16 llama-3.2-1b-f16)
fi

# raw outputs per round: conch's table and llama-bench's JSON
rm -f "$WORK"/out.*
for ((round = 1; round <= ROUNDS; round++)); do
	for f in "${FILES[@]}"; do
		echo "bench: round $round/$ROUNDS: $f" >&2
		"$CONCH" model bench "$WORK/$f.gguf" -p "$PP" -n "$TG" -t "$THREADS" -r "$REPS" \
			>"$WORK/out.$f.conch.$round" 2>/dev/null || true
		if [ -n "${LLAMA_BIN:-}" ] && [ -x "$LLAMA_BIN/llama-bench" ]; then
			"$LLAMA_BIN/llama-bench" -m "$WORK/$f.gguf" -p "$PP" -n "$TG" -t "$THREADS" \
				-r "$REPS" -o json >"$WORK/out.$f.llama.$round" 2>/dev/null || true
		fi
	done
done
"$PY" - "$WORK" "$PP" "$TG" "$THREADS" "${FILES[@]}" <<'PYEOF'
import glob, json, statistics, sys
work, pp, tg, th, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def conch(path):
    r = {}
    for line in open(path):
        c = [x.strip() for x in line.split('|')]
        if len(c) > 8 and c[5] in ('pp' + pp, 'tg' + tg):
            r[c[5][:2]] = float(c[6].split()[0])
            if c[5].startswith('tg'):
                r['pct'] = float(c[8].rstrip('%'))
    return r
def llama(path):
    r = {}
    try:
        for t in json.load(open(path)):
            if t['n_gen'] == 0:
                r['pp'] = t['avg_ts']
            elif t['n_prompt'] == 0:
                r['tg'] = t['avg_ts']
    except (ValueError, KeyError, OSError):
        pass
    return r
def med(f, who, key):
    v = [d[key] for d in map(conch if who == 'conch' else llama,
                             sorted(glob.glob('%s/out.%s.%s.*' % (work, f, who)))) if key in d]
    return statistics.median(v) if v else None
fmt = lambda x: '%.2f' % x if x is not None else '-'
print('| file (%s threads, median of rounds) | conch pp%s | llama.cpp pp%s | conch tg%s | llama.cpp tg%s | conch tg, %% of read bandwidth |' % (th, pp, pp, tg, tg))
print('| --- | ---: | ---: | ---: | ---: | ---: |')
for f in files:
    pct = med(f, 'conch', 'pct')
    print('| %s | %s | %s | %s | %s | %s |' % (f, fmt(med(f, 'conch', 'pp')), fmt(med(f, 'llama', 'pp')),
          fmt(med(f, 'conch', 'tg')), fmt(med(f, 'llama', 'tg')), '%.0f%%' % pct if pct is not None else '-'))
PYEOF
