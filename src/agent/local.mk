## src/agent: floor 6, the loop, context, sessions, checkpoints, compaction
## and the post-task reflection
libconch_a_SOURCES += \
	src/agent/agent.h src/agent/agent-int.h src/agent/agent.c src/agent/query.c src/agent/loop.c src/agent/context.c \
	src/agent/session.c src/agent/session.h \
	src/agent/checkpoint.c src/agent/checkpoint.h src/agent/ckpt-int.h \
	src/agent/ckpt-git.c src/agent/ckpt-rewind.c \
	src/agent/mind.h src/agent/mind.c src/agent/compact.c \
	src/agent/reflect.c
## the prompts the agent sends, installed to $(pkgdatadir)/prompts
nobase_dist_pkgdata_DATA += prompts/system.md prompts/skill-writer.md \
	prompts/memory-flush.md prompts/compact.md
