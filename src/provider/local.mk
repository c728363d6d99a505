## src/provider: floor 4
libconch_a_SOURCES += \
	src/provider/provider.c src/provider/provider.h \
	src/provider/chain.c src/provider/chain.h \
	src/provider/scripted.c
