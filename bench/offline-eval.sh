#!/bin/bash
# bench/offline-eval.sh: the bundled offline model (local/default) on
# held-out tasks through the real agent loop.
#
# The tasks come from tools/train/gen.py --heldout with seed 9001: random
# project trees and requests whose phrasings, file names and contents were
# held out of training (training used seeds 1-3 and the other pools).  Each
# runs as `conch -p TASK --mode auto` in a fresh tree with a fresh HOME and
# no key, and passes when its outcome holds (files written or edited as
# asked, memory saved, or the facts the tools returned in the answer).
# Prints the success rate, the median time per task and failures by
# category.  SEED and DIR_FILES (gen.py --dir-files LO,HI) draw other
# sets: SEED=9300 DIR_FILES=6,14 asks about directories of 6 to 14 files,
# larger than training's 1 to 4.
#
# Usage: bench/offline-eval.sh [path/to/conch] [N tasks (200)] [model.gguf]
#        -v as the first argument prints every task.
set -euo pipefail
VERBOSE=""
if [ "${1:-}" = "-v" ]; then VERBOSE="--verbose"; shift; fi
CONCH=$(readlink -f "${1:-./conch}")
N=${2:-200}
MODEL=${3:-}
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 "$SRC/tools/train/gen.py" --conch "$CONCH" --seed "${SEED:-9001}" --n "$N" \
	--heldout ${DIR_FILES:+--dir-files "$DIR_FILES"} --out "$T/tasks.jsonl" 2>/dev/null
/usr/bin/python3 "$SRC/bench/offline-eval.py" "$CONCH" "$T/tasks.jsonl" $VERBOSE \
	${MODEL:+--model "$MODEL"}
