## src/llm: sources of this area (added by its issue)
