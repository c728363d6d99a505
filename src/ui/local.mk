## src/ui: floor 7
libconch_a_SOURCES += src/ui/ui.h src/ui/headless.c src/ui/plain.c
