## src/util: floor 1
libconch_a_SOURCES += \
	src/util/err.c src/util/err.h \
	src/util/xalloc.c src/util/xalloc.h \
	src/util/buf.c src/util/buf.h \
	src/util/fsutil.c src/util/fsutil.h \
	src/util/log.c src/util/log.h \
	src/util/str.c src/util/str.h \
	src/util/jsonx.c src/util/jsonx.h \
	src/util/clock.c src/util/clock.h \
	src/util/sensitive.c src/util/sensitive.h \
	src/util/exitcode.h \
	src/util/display.c src/util/display.h
