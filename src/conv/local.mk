## src/conv: floor 2
libconch_a_SOURCES += src/conv/conv.c src/conv/conv.h
