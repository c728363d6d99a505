## src/agent: floor 6
libconch_a_SOURCES += \
	src/agent/agent.h src/agent/loop.c src/agent/context.c \
	src/agent/session.c src/agent/session.h \
	src/agent/checkpoint.c src/agent/checkpoint.h src/agent/ckpt-int.h \
	src/agent/ckpt-git.c src/agent/ckpt-rewind.c
nobase_dist_pkgdata_DATA += prompts/system.md
