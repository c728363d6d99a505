## src/provider
