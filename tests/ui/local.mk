## tests/ui: the REPL's renderer, editor, width and history (Check), and
## tmux-driven end-to-end tests of the pairing session.
if HAVE_CHECK
check_PROGRAMS += tests/ui/test-ui
tests_ui_test_ui_SOURCES = tests/ui/test-ui.c
tests_ui_test_ui_CFLAGS = $(TEST_CFLAGS)
tests_ui_test_ui_LDADD = $(TEST_LIBS)
TESTS += tests/ui/test-ui
endif
TESTS += tests/ui/repl-tmux.sh tests/ui/repl-pairing-tmux.sh \
	tests/ui/plan-tmux.sh
EXTRA_DIST += tests/ui/repl-tmux.sh tests/ui/repl-pairing-tmux.sh \
	tests/ui/plan-tmux.sh tests/ui/lib-tmux.sh
