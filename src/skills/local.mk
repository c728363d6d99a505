## src/skills: floor 5 (issue 4), plus the skill tool, compaction,
## reflection and the memory/skills subcommands.
libconch_a_SOURCES += src/skills/skills.h src/skills/skill.c \
	src/skills/index.c src/skills/store.c src/skills/cache.c src/tools/tool-skill.c
libconch_a_SOURCES += src/agent/mind.h src/agent/mind.c src/agent/compact.c \
	src/agent/reflect.c
## bundled skills and prompts, installed to $(pkgdatadir) (system.md is
## installed by src/agent/local.mk)
nobase_dist_pkgdata_DATA += prompts/skill-writer.md \
	prompts/memory-flush.md prompts/compact.md \
	skills/git-commit/SKILL.md skills/debug-c/SKILL.md \
	skills/add-tests/SKILL.md skills/write-skill/SKILL.md
