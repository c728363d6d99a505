#!/bin/bash
# bench/sandbox.sh: wall time the sandbox adds to one command.
# Runs `true` through conch's own tool path (conch tool bash, --mode auto)
# confined and with --sandbox off, and prints the medians and their
# difference: the cost of the plan (Landlock rules, seccomp program,
# private temp dir, placeholders, pids cgroup), the namespaces, the
# keeper process and the clean-up.  Target: <= 5 ms added.  The fastest
# run is printed beside the median: on a shared, loaded machine the
# median mostly measures the scheduler.
# Usage: bench/sandbox.sh [path/to/conch] [runs]
set -euo pipefail
CONCH=${1:-./conch}
RUNS=${2:-50}
CONCH=$(readlink -f "$CONCH")
[ -x "$CONCH" ] || { echo "bench: $CONCH is not an executable (build first)" >&2; exit 2; }

# Not under /tmp: the secret ~/.ssh below HOME makes the sandbox grant
# reads entry by entry along the path to it, and a shared /tmp can hold
# hundreds of entries where a real home directory's parents hold few.
T=$(mktemp -d /var/tmp/conch-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_STATE_HOME="$T/home/.state"
export XDG_DATA_HOME="$T/home/.data"
mkdir -p "$HOME/.ssh" "$T/proj/.git" "$T/proj/src"
cd "$T/proj"

median_us() { # command...
	local i times=()
	for ((i = 0; i < RUNS; i++)); do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		times+=($(( (e - s) / 1000 )))
	done
	# "median fastest"
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1]}'
}

CMD='{"command": "true"}'
"$CONCH" tool bash "$CMD" --mode auto >/dev/null 2>&1 ||
	{ echo "bench: the confined run fails here; see: $CONCH sandbox doctor" >&2; exit 1; }

report() { # label prefix...
	local label=$1 off on
	shift
	off=$(median_us "$@" "$CONCH" tool bash "$CMD" --mode auto --sandbox off)
	on=$(median_us "$@" "$CONCH" tool bash "$CMD" --mode auto)
	awk -v on="$on" -v off="$off" -v runs="$RUNS" -v label="$label" 'BEGIN {
		split(on, a, " "); split(off, b, " ")
		printf "conch tool bash true as %s, %d runs: median (fastest)\n", label, runs
		printf "  --sandbox off : %7.2f ms (%6.2f)\n", b[1] / 1000, b[2] / 1000
		printf "  sandboxed     : %7.2f ms (%6.2f)\n", a[1] / 1000, a[2] / 1000
		printf "  added         : %7.2f ms (%6.2f)  target <= 5 ms\n",
			(a[1] - b[1]) / 1000, (a[2] - b[2]) / 1000
	}'
}

if [ "$(id -u)" = 0 ]; then
	report "root (pids cgroup joined per run)" env
	# what users run: an unprivileged account (RLIMIT_NPROC, no cgroup)
	if command -v setpriv >/dev/null 2>&1; then
		chown -R 65534:65534 "$T"
		chmod 755 "$T"
		report "uid 65534 (unprivileged)" setpriv --reuid=65534 --regid=65534 \
			--clear-groups env HOME="$HOME"
	fi
else
	report "uid $(id -u)" env
fi
