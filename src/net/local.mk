## src/net: floor 3 (libcurl transfers, SSE parsing, cancellation)
libconch_a_SOURCES += \
	src/net/sse.c src/net/sse.h \
	src/net/http.c src/net/http.h \
	src/net/curl-lazy.c src/net/curl-lazy.h
