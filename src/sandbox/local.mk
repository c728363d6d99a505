## src/sandbox: floor 4
libconch_a_SOURCES += src/sandbox/sandbox.c src/sandbox/sandbox.h \
	src/sandbox/sb-internal.h src/sandbox/plan.c src/sandbox/landlock.c \
	src/sandbox/filter.c src/sandbox/probe.c \
	src/sandbox/sanitize.c src/sandbox/beneath.c src/sandbox/cgroup.c
## `conch sandbox` lives on floor 7; it is linked into the binary itself
## (main.c calls cmd_sandbox_main() from its subcommand table).
conch_SOURCES += src/cli/cmd-sandbox.c src/cli/cmd-sandbox.h
