## src/sandbox: floor 4, process confinement
libconch_a_SOURCES += src/sandbox/sandbox.c src/sandbox/sandbox.h \
	src/sandbox/sb-internal.h src/sandbox/plan.c src/sandbox/landlock.c \
	src/sandbox/filter.c src/sandbox/probe.c \
	src/sandbox/beneath.c src/sandbox/cgroup.c
