## src/policy: floor 4
libconch_a_SOURCES += src/policy/policy.c src/policy/policy.h \
	src/policy/shparse.c src/policy/shparse.h \
	src/policy/shparse-int.h src/policy/shwrap.c src/policy/shmatch.c src/policy/readonly.c \
	src/policy/projrules.c
