# lib-numpy.sh: sourced by the tests that run tools/llm_ref.py: PY is
# Debian's python3, the test skips (77) when it or numpy is missing, and
# $tmp is a temporary directory removed on exit.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
	echo "skip: $PY with numpy (python3-numpy) is not available"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
