# lib-tmux.sh: drive conch in a private tmux server (sourced by tests).
#
# tm_start NAME SCRIPT [W H] [ENV...]: run conch in a new detached session
#   with the scripted provider SCRIPT; the pane records `stty -g` before
#   and after and conch's exit status in $T/NAME.{before,after,exit}.
#   conch's stderr goes to $T/NAME.err; an ENV of TM_ARGS='...' passes
#   arguments.
# tm_wait NAME TEXT [SECONDS]: poll the screen until TEXT shows (fixed
#   string); fails with the screen printed when it does not in time.
# tm_screen NAME: print the screen.   tm_keys NAME KEY...: send keys.

command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipping"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/conch-ui.XXXXXX")
TM_SOCK="conch-test-$$"
tm() { LC_ALL=C.UTF-8 tmux -L "$TM_SOCK" -f /dev/null "$@"; }
tm_cleanup() {
	tm kill-server >/dev/null 2>&1
	rm -rf "$T"
}
trap tm_cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$T/home" "$T/state" "$T/config" "$T/data" "$T/cache" "$T/proj"
# reflection after tool tasks would take turns from the scripts: off here,
# on for the sessions started with XDG_CONFIG_HOME=$T/config-reflect
mkdir -p "$T/config/conch" "$T/config-reflect"
echo '{"skills": {"auto_write": "off"}}' > "$T/config/conch/config.json"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

tm_start() {
	name=$1 script=$2 w=${3:-80} h=${4:-24}
	shift 4 2>/dev/null || shift $#
	{
		echo "export HOME='$T/home' XDG_STATE_HOME='$T/state'"
		echo "export XDG_CONFIG_HOME='$T/config' XDG_DATA_HOME='$T/data'"
		echo "export XDG_CACHE_HOME='$T/cache' LC_ALL=C.UTF-8"
		echo "export CONCH_TEST_SCRIPT='$script'"
		echo "unset NO_COLOR"
		echo "ulimit -c 0"
		for kv in "$@"; do echo "export $kv"; done
		echo "stty -g > '$T/$name.before'"
		echo "'$CONCH_BIN' \$TM_ARGS 2> '$T/$name.err'"
		echo "echo \$? > '$T/$name.exit'"
		echo "stty -g > '$T/$name.after'"
		echo "echo CONCH-EXITED"
		echo "exec sleep 600"
	} > "$T/$name.run"
	tm new-session -d -s "$name" -x "$w" -y "$h" -c "$T/proj" "sh '$T/$name.run'" ||
		fail "tmux new-session"
}

tm_screen() { tm capture-pane -p -t "$1"; }
tm_keys() { n=$1; shift; tm send-keys -t "$n" "$@"; }
tm_literal() { tm send-keys -t "$1" -l "$2"; }
# tm_type NAME TEXT: type TEXT as it is, then Enter.
tm_type() { tm_literal "$1" "$2"; tm_keys "$1" Enter; }

tm_wait() {
	n=$1 text=$2 secs=${3:-20} i=0
	while [ $i -lt $((secs * 10)) ]; do
		if tm_screen "$n" | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "--- screen of $n ---" >&2
	tm_screen "$n" >&2
	fail "$n: \"$text\" did not show in ${secs}s"
}

# Wait until TEXT is gone from the screen.
tm_wait_gone() {
	n=$1 text=$2 secs=${3:-20} i=0
	while [ $i -lt $((secs * 10)) ]; do
		if ! tm_screen "$n" | grep -qF -- "$text"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tm_screen "$n" >&2
	fail "$n: \"$text\" did not go away in ${secs}s"
}

# Wait for conch in session NAME to exit; print its exit status.  What
# it wrote to stderr must hold no sanitizer report.
tm_exit_status() {
	tm_wait "$1" CONCH-EXITED "${2:-20}"
	if grep -qE "Sanitizer|runtime error" "$T/$1.err"; then
		cat "$T/$1.err" >&2
		fail "$1: sanitizer report"
	fi
	cat "$T/$1.exit"
}

tm_pane_pid() { tm display-message -p -t "$1" '#{pane_pid}'; }

# The pid of a child of process PID (from /proc: no procps needed).
tm_child() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v pp="$1" '{ pid = $1; sub(/.*\) /, ""); if ($2 == pp) { print pid; exit } }'
}
