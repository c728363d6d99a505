## src/sandbox: floor 4
libconch_a_SOURCES += src/sandbox/sandbox.c src/sandbox/sandbox.h \
	src/sandbox/sb-internal.h src/sandbox/plan.c src/sandbox/landlock.c \
	src/sandbox/filter.c src/sandbox/probe.c \
	src/sandbox/sanitize.c src/sandbox/beneath.c
## `conch sandbox` lives on floor 7 but is registered here so this area
## never edits src/cli/local.mk.  main.c references cmd_sandbox_main()
## weakly, and a weak reference never pulls a member out of libconch.a,
## so the object is linked into the binary itself.
conch_SOURCES += src/cli/cmd-sandbox.c src/cli/cmd-sandbox.h
