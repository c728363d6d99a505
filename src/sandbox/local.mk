## src/sandbox: floor 4
libconch_a_SOURCES += src/sandbox/sandbox.c src/sandbox/sandbox.h \
	src/sandbox/sb-internal.h src/sandbox/plan.c src/sandbox/landlock.c \
	src/sandbox/filter.c src/sandbox/probe.c \
	src/sandbox/sanitize.c src/sandbox/beneath.c
## `conch sandbox` lives on floor 7 but is registered here so this area
## never edits src/cli/local.mk; the lead wires cmd_sandbox_main().
libconch_a_SOURCES += src/cli/cmd-sandbox.c src/cli/cmd-sandbox.h
