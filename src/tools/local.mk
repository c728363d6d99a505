## src/tools: floor 5
libconch_a_SOURCES += src/tools/tool.h src/tools/registry.c
