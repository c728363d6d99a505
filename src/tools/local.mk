## src/tools: floor 5
libconch_a_SOURCES += \
	src/tools/tool.h src/tools/ask.h src/tools/internal.h \
	src/tools/registry.c src/tools/state.c src/tools/paths.c \
	src/tools/dest.c src/tools/gate.c \
	src/tools/diff.c src/tools/diff.h \
	src/tools/gitignore.c src/tools/gitignore.h \
	src/tools/walk.c src/tools/walk.h \
	src/tools/table.c \
	src/tools/tool-read.c \
	src/tools/tool-write.c \
	src/tools/tool-edit.c \
	src/tools/tool-bash.c \
	src/tools/tool-glob.c \
	src/tools/tool-grep.c \
	src/tools/tool-ls.c \
	src/tools/tool-todo.c \
	src/tools/tool-exit-plan.c \
	src/tools/tool-memory.c \
	src/tools/tool-skill.c
