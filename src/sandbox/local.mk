## src/sandbox
