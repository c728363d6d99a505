## tests/llm
