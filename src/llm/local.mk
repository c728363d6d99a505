## src/llm: floor 2, the transformer runtime (util only)
libconch_a_SOURCES += \
	src/llm/gguf.c src/llm/gguf.h \
	src/llm/vocab.c src/llm/vocab.h src/llm/vocab-int.h src/llm/vocab-encode.c \
	src/llm/quant.c src/llm/quant.h \
	src/llm/pool.c src/llm/pool.h \
	src/llm/attn.c src/llm/attn.h \
	src/llm/kern.c src/llm/kern.h src/llm/kern-ref.c \
	src/llm/kern-avx2.c src/llm/kern-avx512.c \
	src/llm/kern-x86.h src/llm/kern-x86w.h src/llm/kern-x86e.h \
	src/llm/sample.c src/llm/sample.h \
	src/llm/model.c src/llm/llm.h src/llm/model-impl.h \
	src/llm/forward.c \
	src/llm/template.c src/llm/template.h
