## src/memory: floor 5, MEMORY.md and USER.md
libconch_a_SOURCES += src/memory/memory.c src/memory/memory.h
