#!/bin/sh
# bench/checkpoint.sh [BUILDDIR] [FILES] [N]: the cost of a rewind
# checkpoint (a snapshot of the work tree into conch's private git
# repository) of a git work tree of FILES files (default 10000, half
# committed, half untracked), the first one and then N more (default 20)
# with a file changed before each.  Target: under 100 ms after the first.
# Needs a built tree (libconch.a, config.h) in BUILDDIR (default: .).
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
files=${2:-10000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
${CC:-cc} -std=gnu11 -O2 -include "$build/config.h" -I"$src/src" \
	-DCONCH_PKGDATADIR='"/nonexistent"' -DCONCH_SRCDIR="\"$src\"" \
	"$src/bench/ckpt-bench.c" "$build/libconch.a" \
	$(pkg-config --cflags --libs libcurl libcjson libpcre2-8 libseccomp yaml-0.1 ncursesw) -lpthread -lm -o "$out/ckpt-bench"
mkdir -p "$out/repo" "$out/state"
cd "$out/repo"
git init -q .
/usr/bin/python3 - "$files" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = "d%d" % (i % 100)
    os.makedirs(d, exist_ok=True)
    with open("%s/f%d.txt" % (d, i), "w") as f:
        f.write("file %d\n" % i * 20)
PY
printf 'build/\n*.o\n' > .gitignore
git add -A d[0-4]* .gitignore
git -c user.name=b -c user.email=b@b commit -qm files
echo "files: $(find . -path ./.git -prune -o -type f -print | wc -l) ($(git ls-files | wc -l) committed)"
XDG_STATE_HOME="$out/state" "$out/ckpt-bench" "$out/repo" "${3:-20}"
