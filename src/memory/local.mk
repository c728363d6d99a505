## src/memory: sources of this area (added by its issue)
