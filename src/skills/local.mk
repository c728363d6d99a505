## src/skills: floor 5 (issue 4), plus the skill tool, compaction,
## reflection and the memory/skills subcommands.
libconch_a_SOURCES += src/skills/skills.h src/skills/skill.c \
	src/skills/index.c src/skills/store.c src/tools/tool-skill.c
libconch_a_SOURCES += src/agent/mind.h src/agent/mind.c src/agent/compact.c \
	src/agent/reflect.c
