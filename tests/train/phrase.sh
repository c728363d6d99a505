#!/bin/sh
# tools/train/phrase.py, the grammar of the training requests: it never
# writes a held-out phrasing (those of bench/offline-eval.sh), every
# phrasing is fully expanded, and each holds only the slots its task
# kind fills (those of the kind's own phrasings in pools.py), and all the
# slots every one of them has.  Skips (77) without Debian's python3 or
# tools/train.
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	echo "skip: $PY is not available"
	exit 77
fi
SRC=${CONCH_SRCDIR:-$(dirname "$0")/../..}
if [ ! -f "$SRC/tools/train/phrase.py" ]; then
	echo "skip: no tools/train in $SRC (a release tarball)"
	exit 77
fi
exec "$PY" - "$SRC/tools/train" <<'PYEOF'
import random
import re
import sys

sys.path.insert(0, sys.argv[1])
import phrase  # noqa: E402
import pools  # noqa: E402


def slots(t):
    return set(re.findall(r'\{(\w+)\}', t))


r = random.Random(7)
bad = 0
for name in sorted(phrase.GRAMMAR):
    train, held = getattr(pools, name)
    every = set.union(*(slots(t) for t in train + held))
    common = set.intersection(*(slots(t) for t in train + held))
    for _ in range(3000):
        t = phrase.phrase(r, name)
        why = []
        if tuple(phrase._norm(t)) in phrase.HELD[name]:
            why.append('a held-out phrasing')
        if re.search(r'[\[\]|]', t):
            why.append('not expanded')
        if not slots(t) <= every or not common <= slots(t):
            why.append('slots %s, want some of %s with all of %s' %
                       (sorted(slots(t)), sorted(every), sorted(common)))
        if why:
            bad += 1
            if bad <= 20:
                print('%s: %r: %s' % (name, t, '; '.join(why)))
print('%d kinds, %d phrasings each, %d wrong' % (len(phrase.GRAMMAR), 3000, bad))
sys.exit(1 if bad else 0)
PYEOF
