## src/provider: floor 4
libconch_a_SOURCES += \
	src/provider/provider.c src/provider/provider.h \
	src/provider/open.c \
	src/provider/chain.c src/provider/chain.h \
	src/provider/remote.c src/provider/remote.h \
	src/provider/anthropic.c src/provider/openai.c \
	src/provider/prices.c src/provider/prices.h \
	src/provider/secrets.h \
	src/provider/scripted.c \
	src/provider/local.c src/provider/local.h \
	src/provider/local-steer.c src/provider/local-gen-int.h \
	src/provider/local-chat.c src/provider/local-copy.c \
	src/provider/local-args.c src/provider/local-list.c src/provider/local-nums.c \
	src/provider/local-copy-int.h \
	src/provider/local-grammar.c src/provider/local-grammar.h

# the price table, installed as $(pkgdatadir)/prices.json
nobase_dist_pkgdata_DATA += prices.json

# the bundled offline model (local/default) and the prompt it was trained
# with (the export embeds it in the GGUF; see models/README.md)
nobase_dist_pkgdata_DATA += models/conch-default.gguf prompts/system-local.md
