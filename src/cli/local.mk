## src/cli
