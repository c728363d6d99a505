## src/memory: floor 5 (issue 4).  The agent, cli and tool files of the
## memory and skills work are listed here and in src/skills/local.mk so
## that no other area's fragment changes.
libconch_a_SOURCES += src/memory/memory.c src/memory/memory.h \
	src/tools/tool-memory.c
libconch_a_SOURCES += src/cli/cmd-mind.h src/cli/cmd-memory.c src/cli/cmd-skills.c
