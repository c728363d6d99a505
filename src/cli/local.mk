## src/cli: floor 7 (main.c is conch_SOURCES)
libconch_a_SOURCES += src/cli/cli.h src/cli/args.c src/cli/config.c \
	src/cli/cmd-run.c src/cli/cmd-sessions.c src/cli/cmd-tool.c \
	src/cli/cmd-permissions.c src/cli/cmd-rewind.c
