## tests/ui: the REPL's renderer, editor, width and history (Check), and
## tmux-driven end-to-end tests of the pairing session.
CHECK_SUITES += tests/ui/test-ui
TESTS += tests/ui/repl-tmux.sh tests/ui/repl-pairing-tmux.sh tests/ui/plan-tmux.sh
EXTRA_DIST += tests/ui/repl-tmux.sh tests/ui/repl-pairing-tmux.sh \
	tests/ui/plan-tmux.sh tests/ui/lib-tmux.sh
