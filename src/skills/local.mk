## src/skills: floor 5, SKILL.md files: parse, index, store, install
libconch_a_SOURCES += src/skills/skills.h src/skills/skill.c \
	src/skills/index.c src/skills/store.c src/skills/install.c \
	src/skills/cache.c
## the bundled skills, installed to $(pkgdatadir)/skills
nobase_dist_pkgdata_DATA += \
	skills/git-commit/SKILL.md skills/debug-c/SKILL.md \
	skills/add-tests/SKILL.md skills/write-skill/SKILL.md
