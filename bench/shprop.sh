#!/bin/sh
# bench/shprop.sh [COUNT] [SEED]: the longer run of the shell-reader
# property test (tests/policy/shprop.c): COUNT modelled lines (default
# 5000) checked under dash and bash --posix with strace.  Run from the
# build directory after `make check` built tests/policy/shprop.
set -e
count=${1:-5000}
seed=${2:-$(date +%s)}
echo "seed $seed"
exec ./tests/policy/shprop "$count" "$seed"
