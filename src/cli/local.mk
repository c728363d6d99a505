## src/cli: floor 7, the command line and the subcommands (main.c is
## conch_SOURCES)
libconch_a_SOURCES += src/cli/cli.h src/cli/args.c src/cli/config.c \
	src/cli/cmd-run.c src/cli/cmd-sessions.c src/cli/cmd-tool.c \
	src/cli/cmd-permissions.c src/cli/cmd-rewind.c \
	src/cli/cmd-mind.h src/cli/cmd-memory.c src/cli/cmd-skills.c \
	src/cli/cmd-model.c src/cli/cmd-model.h src/cli/cmd-model-bench.c
## `conch sandbox` is linked into the binary itself (main.c's table)
conch_SOURCES += src/cli/cmd-sandbox.c src/cli/cmd-sandbox.h
