## src/ui: floor 7
libconch_a_SOURCES += src/ui/ui.h src/ui/headless.c src/ui/plain.c \
	src/ui/repl.c src/ui/repl.h src/ui/repl-core.c src/ui/repl-worker.c \
	src/ui/repl-draw.c src/ui/repl-choice.c \
	src/ui/repl-approve.c src/ui/repl-plan.c src/ui/repl-rewind.c \
	src/ui/repl-cmd.c src/ui/width.h src/ui/width.c \
	src/ui/markdown.h src/ui/markdown.c src/ui/lineedit.h src/ui/lineedit.c \
	src/ui/history.h src/ui/history.c src/ui/transcript.h src/ui/transcript.c
