#!/bin/sh
# Run each libFuzzer target briefly over the recorded transcripts
# (configure --enable-fuzzing CC=clang; see tests/net/local.mk).
B=${CONCH_BUILDDIR:-.}/tests/net/fuzz
S=${CONCH_SRCDIR:-.}/tests/net/fixtures
secs=${CONCH_FUZZ_SECONDS:-5}
[ -x "$B/fuzz-sse" ] || { echo "skip: fuzz targets not built"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for t in sse anthropic openai; do
	mkdir -p "$tmp/$t"
	cp "$S"/*.sse "$S"/*.json "$tmp/$t/"
	"$B/fuzz-$t" -max_total_time="$secs" -max_len=8192 -print_final_stats=0 \
		-artifact_prefix="$tmp/$t-" \
		"$tmp/$t" >"$tmp/$t.log" 2>&1 || { tail -40 "$tmp/$t.log"; exit 1; }
	echo "fuzz-$t: $(grep -c . "$tmp/$t.log") log lines, no crash"
done
