## src/sandbox: floor 4
libconch_a_SOURCES += src/sandbox/sandbox.c src/sandbox/sandbox.h
